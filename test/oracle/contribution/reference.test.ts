import { expect } from "chai";
import { isZkMeritError, type ErrorCode } from "../../../oracle/errors";
import { SNARK_FIELD, commitVector, floorDiv, poseidon } from "../../../oracle/field";
import {
  accStep,
  emptyRoot,
  initialState,
  packConfig,
  rewardPath,
  rewardRoot,
  rootFromPath,
  roundReward,
  settleRound,
  stateHash,
  taskHeader,
  unpackConfig,
  type RoundInput,
  type TaskParams,
} from "../../../oracle/contribution";
import { packMasks, packRuleParams, unpackMasks, unpackRuleParams } from "../../../oracle/contribution/reference";

const MAX = (1n << 31n) - 1n;
const MIN = -(1n << 31n);
const ONE = 1n << 16n; // 1.0 in the 16-bit fixed point of outlierFactor and scores

const TASK: TaskParams = {
  context: (31337n << 160n) + 0xabcdefn,
  taskId: 7n,
  config: { budget: 1000n, numRounds: 4, maxTrainers: 4, outlierFactor: 4n * ONE },
  rule: { normBoundSq: 1n << 70n, distFloor: 0n, minSubmissions: 0 },
};
const SETTLER = 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bcn;

type Over = Partial<Omit<RoundInput, "submissions">> & { slotOf?: number[]; unavailable?: number[] };

/** A round of a 4-slot task: submission j comes from slot j unless `slotOf` says otherwise; each is
 * revealed (committed) and its update withheld at the `unavailable` positions. */
async function roundOf(updates: bigint[][], over: Over = {}): Promise<RoundInput> {
  const { slotOf, unavailable = [], ...rest } = over;
  const p = updates[0]?.length ?? 2;
  const submissions = [];
  for (const [j, update] of updates.entries()) {
    submissions.push({
      slot: slotOf?.[j] ?? j,
      commitment: await commitVector(update, 32).catch(() => 0n),
      update: unavailable.includes(j) ? undefined : update,
    });
  }
  return {
    slots: 4,
    task: TASK,
    wOld: new Array<bigint>(p).fill(0n),
    cumOld: new Array<bigint>(rest.slots ?? 4).fill(0n),
    round: 0,
    settler: SETTLER,
    submissions,
    ...rest,
  };
}

function withConfig(
  c: Partial<TaskParams["config"]>,
  normBoundSq = TASK.rule.normBoundSq,
  r: Partial<TaskParams["rule"]> = {},
): TaskParams {
  return { ...TASK, config: { ...TASK.config, ...c }, rule: { ...TASK.rule, normBoundSq, ...r } };
}

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

async function rejects(input: RoundInput | Promise<RoundInput>, pattern: RegExp, code: ErrorCode = "CONTRIBUTION_INPUT"): Promise<void> {
  let err: unknown;
  try {
    await settleRound(await input);
  } catch (e) {
    err = e;
  }
  expect(isZkMeritError(err, code), `expected a ${code} error, got ${String(err)}`).to.equal(true);
  expect((err as Error).message).to.match(pattern);
}

describe("oracle/contribution/reference", () => {
  describe("# task header, state and reward tree", () => {
    it("packs the config into 192 bits and back", () => {
      const c = { budget: (1n << 128n) - 1n, numRounds: 65535, maxTrainers: 64, outlierFactor: (1n << 32n) - 1n };
      const packed = packConfig(c);
      expect(packed).to.equal(c.budget + (65535n << 128n) + (64n << 144n) + (c.outlierFactor << 160n));
      expect(packed < 1n << 192n).to.equal(true);
      expect(unpackConfig(packed)).to.deep.equal(c);
      expect(() => unpackConfig(1n << 192n)).to.throw(/configPacked/);
    });

    it("packs the rule into 168 bits and back, and the masks into 192", () => {
      const r = { normBoundSq: (1n << 80n) - 1n, distFloor: (1n << 80n) - 2n, minSubmissions: 255 };
      const packed = packRuleParams(r);
      expect(packed).to.equal(r.normBoundSq + (r.distFloor << 80n) + (255n << 160n));
      expect(packed < 1n << 168n).to.equal(true);
      expect(unpackRuleParams(packed)).to.deep.equal(r);
      expect(() => unpackRuleParams(1n << 168n)).to.throw(/ruleParams/);
      const m = { includedMask: (1n << 64n) - 1n, excludedMask: 5n, slashedMask: 1n << 63n };
      expect(packMasks(m)).to.equal(m.includedMask + (5n << 64n) + (1n << 191n));
      expect(unpackMasks(packMasks(m))).to.deep.equal(m);
      expect(() => packMasks({ ...m, excludedMask: 1n << 64n })).to.throw(/excludedMask/);
    });

    it("hashes the header, state and accumulator steps with Poseidon as the spec says", async () => {
      const packed = packConfig(TASK.config);
      const header = await taskHeader(TASK);
      expect(header).to.equal(await poseidon([TASK.context, TASK.taskId, packed, packRuleParams(TASK.rule)]));
      expect(await stateHash(1n, 2n, 3n)).to.equal(await poseidon([1n, 2n, 3n]));
      expect(await accStep(5n, 3, 2, 9n)).to.equal(await poseidon([5n, 3n * 65536n + 2n, 9n]));
      const w0 = [1n, -2n, 3n];
      expect(await initialState(TASK, 4, w0)).to.equal(await poseidon([header, await commitVector(w0, 32), await emptyRoot(4)]));
    });

    it("builds the reward tree level by level, with a path for every slot", async () => {
      const cum = [3n, 0n, 7n, 1n << 127n];
      const [l0, l1] = [await poseidon([3n, 0n]), await poseidon([7n, 1n << 127n])];
      expect(await rewardRoot(cum)).to.equal(await poseidon([l0, l1]));
      expect(await emptyRoot(4)).to.equal(await rewardRoot([0n, 0n, 0n, 0n]));
      for (let slot = 0; slot < 4; slot++) {
        const { root, leaf, siblings } = await rewardPath(cum, slot);
        expect(siblings).to.have.length(2);
        expect(await rootFromPath(leaf, slot, siblings)).to.equal(root);
        expect(await rootFromPath(leaf + 1n, slot, siblings)).to.not.equal(root);
      }
      expect(await rewardRoot([1n, 2n, 3n]).catch((e: Error) => e.message)).to.match(/power of two, got 3/);
    });

    it("chains the accumulator over the revealed commitments in reveal order, available or not", async () => {
      const input = await roundOf(
        [
          [1n, 2n],
          [3n, 4n],
        ],
        { slotOf: [3, 1], round: 2, unavailable: [1] },
      );
      const s = await settleRound(input);
      let acc = s.trace.oldState;
      for (const sub of input.submissions) acc = await accStep(acc, 2, sub.slot, sub.commitment);
      expect(s.trace.commitments).to.deep.equal([await commitVector([1n, 2n], 32), await commitVector([3n, 4n], 32)]);
      expect(s.publicInputs.acc).to.equal(acc);
      expect(s.publicInputs.settler).to.equal(SETTLER);
      expect(s.results.masks).to.equal(1n << 3n);
      expect(s.trace.oldState).to.equal(await initialState(TASK, 4, input.wOld));
    });
  });

  describe("# aggregate and model", () => {
    it("rounds the aggregate toward -infinity", async () => {
      // Column [-3, 0, -2]: median -2, distances 1, 4, 0, medDist 1, none above 4 * 1.
      const s = await settleRound(await roundOf([[-3n], [0n], [-2n]]));
      expect(s.results.nIn).to.equal(3);
      expect(s.results.g).to.deep.equal([-2n]); // -5 / 3 = -1.67; truncation would give -1
      expect(floorDiv(-5n, 3n)).to.equal(-2n);
      expect(s.results.wNew).to.deep.equal([-2n]);
    });

    it("uses the lower median of the included values and ignores padding", async () => {
      const s = await settleRound(
        await roundOf([
          [10n, -1n],
          [20n, -5n],
        ]),
      );
      expect(s.results.med).to.deep.equal([10n, -5n]);
      expect(s.trace.sorted[0]).to.deep.equal([10n, 20n, 1n << 31n, 1n << 31n]);
      expect(s.trace.sortedDist.slice(2)).to.deep.equal([1n << 76n, 1n << 76n]);
    });

    it("rule 9: takes the median over the included values only, position 0 left out included", async () => {
      // Without position 0 the included column is [20, 30, 40] (median 30), not [-1000, 20, 30, 40] (20).
      const s = await settleRound(await roundOf([[-1000n], [20n], [30n], [40n]], { unavailable: [0] }));
      expect(s.results.med).to.deep.equal([30n]);
      expect(s.trace.sorted[0]).to.deep.equal([20n, 30n, 40n, 1n << 31n]);
      expect(s.trace.updates[0]).to.deep.equal([0n]);
      expect(s.trace.sortedDist).to.deep.equal([0n, 100n, 100n, 1n << 76n]);
      expect(s.results.g).to.deep.equal([30n]);
      expect(s.results.shares[0]).to.equal(0n);
    });

    it("clamps the new model at both ends of the 32-bit range", async () => {
      const s = await settleRound(await roundOf([[10n, -10n, 10n, -10n]], { wOld: [MAX, MIN, MAX - 10n, MIN + 10n] }));
      expect(s.results.g).to.deep.equal([10n, -10n, 10n, -10n]);
      expect(s.results.wNew).to.deep.equal([MAX, MIN, MAX, MIN]);
      const t = await settleRound(await roundOf([[MAX, MIN]], { wOld: [MAX, MIN] }));
      expect(t.results.wNew).to.deep.equal([MAX, MIN]);
    });
  });

  describe("# slashed and excluded", () => {
    it("rule 12: slashes a norm above normBoundSq, not one equal to it", async () => {
      const task = withConfig({ outlierFactor: (1n << 32n) - 1n }, 25n);
      const s = await settleRound(
        await roundOf(
          [
            [3n, 4n],
            [4n, 3n],
            [3n, 5n],
          ],
          { task },
        ),
      );
      expect(s.results.flags.map((o) => o.norm)).to.deep.equal([false, false, true]);
      expect(s.results.flags.map((o) => o.slashed)).to.deep.equal([false, false, true]);
      expect(s.results.slashedMask).to.equal(1n << 2n);
      expect(s.results.masks).to.equal(0b111n + (1n << 130n));
    });

    it("rule 12: flags dist * 2^16 > outlierFactor * medDist, not equality, and excludes without slashing", async () => {
      // Median (2, 0); distances 4, 0, d; medDist 4; the threshold at factor 4 is 16.
      const at = await settleRound(
        await roundOf([
          [0n, 0n],
          [2n, 0n],
          [6n, 0n],
        ]),
      );
      expect(at.results.medDist).to.equal(4n);
      expect(at.trace.dist).to.deep.equal([4n, 0n, 16n]);
      expect(at.results.flags[2].dist).to.equal(false);
      const above = await settleRound(
        await roundOf([
          [0n, 0n],
          [2n, 0n],
          [6n, 1n],
        ]),
      );
      expect(above.trace.dist[2]).to.equal(17n);
      expect(above.results.flags.map((o) => o.dist)).to.deep.equal([false, false, true]);
      expect(above.results.flags[2]).to.include({ excluded: true, slashed: false, inlier: false });
      expect(above.results.masks).to.equal(0b111n + (1n << 66n));
      // A fractional factor just above 4.0 still admits 16 (the fixed point is exact).
      const task = withConfig({ outlierFactor: 4n * ONE + 1n });
      expect(
        (
          await settleRound(
            await roundOf(
              [
                [0n, 0n],
                [2n, 0n],
                [6n, 0n],
              ],
              { task },
            ),
          )
        ).results.flags[2].dist,
      ).to.equal(false);
    });

    it("rule 12: excludes only above distFloor (dist > distFloor), and only with nIncl >= minSubmissions", async () => {
      // Distances 4, 0, 17 and medDist 4, as above: the last is far.
      const updates = [
        [0n, 0n],
        [2n, 0n],
        [6n, 1n],
      ];
      const flags = async (r: Partial<TaskParams["rule"]>, unavailable: number[] = []) =>
        (await settleRound(await roundOf(updates, { task: withConfig({}, TASK.rule.normBoundSq, r), unavailable }))).results;
      expect((await flags({ distFloor: 16n })).flags[2]).to.include({ dist: true, excluded: true });
      expect((await flags({ distFloor: 17n })).flags[2]).to.include({ dist: false, excluded: false, inlier: true });
      expect((await flags({ minSubmissions: 3 })).flags[2]).to.include({ excluded: true });
      const few = await flags({ minSubmissions: 4 });
      expect(few.distApplies).to.equal(false);
      expect(few.flags[2]).to.include({ dist: true, excluded: false, inlier: true });
      expect(few.excludedMask).to.equal(0n);
      // An unavailable reveal does not count towards minSubmissions.
      expect((await flags({ minSubmissions: 3 }, [0])).distApplies).to.equal(false);
    });

    it("rule 11: slashes both copies of a duplicated update, whichever came first", async () => {
      // Median (5, 0), distances 25, 125, 25, 25, medDist 25; factor 8 admits up to 200.
      const a = [10n, 0n];
      const task = withConfig({ outlierFactor: 8n * ONE });
      const s = await settleRound(await roundOf([a, [0n, 10n], [5n, 5n], [...a]], { task }));
      expect(s.results.flags.map((o) => o.dup)).to.deep.equal([true, false, false, true]);
      expect(s.results.flags.map((o) => o.slashed)).to.deep.equal([true, false, false, true]);
      expect(s.results.slashedMask).to.equal(0b1001n);
      expect(s.results.shares[0]).to.equal(0n);
      expect(s.results.shares[3]).to.equal(0n);
      expect(s.results.shares[1] + s.results.shares[2]).to.equal(250n);
    });

    it("rule 11: a copy whose original is left out (unavailable) is no duplicate", async () => {
      const a = [10n, 0n];
      const s = await settleRound(await roundOf([a, [0n, 10n], [...a]], { unavailable: [0] }));
      expect(s.results.flags.map((o) => o.dup)).to.deep.equal([false, false, false]);
      expect(s.results.flags.map((o) => o.included)).to.deep.equal([false, true, true]);
    });

    it("pays nothing and keeps the model when every included submission is slashed", async () => {
      const task = withConfig({}, 0n);
      const input = await roundOf(
        [
          [1n, 0n],
          [0n, -1n],
          [2n, 2n],
        ],
        { task, wOld: [5n, 6n], cumOld: [1n, 2n, 3n, 4n] },
      );
      const s = await settleRound(input);
      expect(s.results.nIn).to.equal(0);
      expect(s.results.shares).to.deep.equal([0n, 0n, 0n]);
      expect(s.results.scores).to.deep.equal([0n, 0n, 0n]);
      expect(s.results.g).to.deep.equal([0n, 0n]);
      expect(s.results.wNew).to.deep.equal([5n, 6n]);
      expect(s.results.cumNew).to.deep.equal([1n, 2n, 3n, 4n]);
      expect(s.results.masks).to.equal(0b111n + (0b111n << 128n));
      expect(s.results.R).to.equal(250n);
    });
  });

  describe("# scores and shares", () => {
    it("gives the remainder to the first inlier, so shares sum to R exactly", async () => {
      // Position 0 is slashed (norm); positions 1..3 are inliers with different scores.
      const task = withConfig({ outlierFactor: (1n << 32n) - 1n, budget: 1000n, numRounds: 3 }, 10_000n);
      const s = await settleRound(
        await roundOf(
          [
            [200n, 0n],
            [10n, 1n],
            [9n, -3n],
            [7n, 4n],
          ],
          { task },
        ),
      );
      const { shares, scores, R } = s.results;
      expect(R).to.equal(333n);
      expect(s.results.flags.map((o) => !o.inlier)).to.deep.equal([true, false, false, false]);
      expect(sum(shares)).to.equal(R);
      expect(shares[0]).to.equal(0n);
      const W = s.trace.W;
      expect(W).to.equal(3n * ONE + sum(scores));
      const floors = s.trace.weights.map((w) => (R * w) / W);
      const rem = R - sum(floors);
      expect(rem > 0n, "the example must leave a remainder").to.equal(true);
      expect(shares).to.deep.equal([0n, floors[1] + rem, floors[2], floors[3]]);
    });

    it("scores the clipped squared cosine similarity to the aggregate", async () => {
      const s = await settleRound(
        await roundOf([
          [4n, 0n],
          [6n, 0n],
          [5n, 1n],
        ]),
      );
      const { g, scores } = s.results;
      expect(g).to.deep.equal([5n, 0n]);
      // u = (4, 0), (6, 0): parallel to g -> 2^16; (5, 1): floor(2^16 * 625 / (26 * 25)).
      expect(scores).to.deep.equal([ONE, ONE, (ONE * 625n) / 650n]);
      // An inlier pointing away from the aggregate (dot < 0) scores 0 but keeps weight 1 (2^16).
      const t = await settleRound(
        await roundOf([
          [30n, 0n],
          [0n, 30n],
          [-10n, 0n],
        ]),
      );
      expect(t.results.flags.map((o) => !o.inlier)).to.deep.equal([false, false, false]);
      expect(t.results.g).to.deep.equal([6n, 10n]);
      expect(t.trace.dot[2]).to.equal(-60n);
      expect(t.results.scores[2]).to.equal(0n);
      expect(t.trace.weights[2]).to.equal(ONE);
      expect(t.trace.weights[0]).to.equal(ONE + t.results.scores[0]);
      expect(t.results.scores[0]).to.equal((ONE * 180n * 180n) / (900n * 136n));
    });

    it("rule 17: weighs an inlier 2^16 + score, so scores 2^16 and 0 share 2:1", async () => {
      // g = (40, 0): parallel to (100, 0) (score 2^16), opposite to (-20, 0) (score 0). The former
      // weight inlier + score would split 65537 : 1.
      const s = await settleRound(
        await roundOf(
          [
            [100n, 0n],
            [-20n, 0n],
          ],
          { task: withConfig({ budget: 3000n, numRounds: 1 }, TASK.rule.normBoundSq, { minSubmissions: 3 }) },
        ),
      );
      expect(s.results.scores).to.deep.equal([ONE, 0n]);
      expect(s.trace.weights).to.deep.equal([2n * ONE, ONE]);
      expect(s.results.shares).to.deep.equal([2000n, 1000n]);
    });

    it("adds the budget's remainder in the last round only", async () => {
      const task = withConfig({ budget: 1003n, numRounds: 4 });
      expect([0, 1, 2, 3].map((r) => roundReward(task.config, r))).to.deep.equal([250n, 250n, 250n, 253n]);
      const last = await settleRound(await roundOf([[1n, 1n]], { task, round: 3 }));
      expect(last.results.R).to.equal(253n);
      expect(last.results.shares).to.deep.equal([253n]);
      const first = await settleRound(await roundOf([[1n, 1n]], { task, round: 0 }));
      expect(first.results.shares).to.deep.equal([250n]);
    });

    it("settles a single submission: it is the median and takes R", async () => {
      const s = await settleRound(await roundOf([[MAX, MIN]], { slotOf: [2] }));
      expect(s.results.med).to.deep.equal([MAX, MIN]);
      expect(s.results.medDist).to.equal(0n);
      expect(s.results.nIn).to.equal(1);
      expect(s.results.g).to.deep.equal([MAX, MIN]);
      expect(s.results.scores).to.deep.equal([ONE]);
      expect(s.results.cumNew).to.deep.equal([0n, 0n, 250n, 0n]);
      // A zero update has dot 0: score 0, weight 1, still the whole R.
      const z = await settleRound(await roundOf([[0n, 0n]]));
      expect(z.results.scores).to.deep.equal([0n]);
      expect(z.results.shares).to.deep.equal([250n]);
    });

    it("credits shares to the submitting slots and leaves non-submitters unchanged", async () => {
      const cumOld = [5n, 6n, 7n, 8n];
      const s = await settleRound(
        await roundOf(
          [
            [1n, 2n],
            [1n, 3n],
          ],
          { slotOf: [3, 1], cumOld },
        ),
      );
      const [a, b] = s.results.shares;
      expect(a + b).to.equal(250n);
      expect(s.results.cumNew).to.deep.equal([5n, 6n + b, 7n, 8n + a]);
      expect(s.results.newRewardRoot).to.equal(await rewardRoot(s.results.cumNew));
      expect(s.results.newState).to.equal(
        await stateHash(s.trace.taskHeader, await commitVector(s.results.wNew, 32), s.results.newRewardRoot),
      );
    });
  });

  describe("# input validation", () => {
    let base: RoundInput;
    before(async () => {
      base = await roundOf([
        [1n, 2n],
        [3n, 4n],
      ]);
    });

    it("rejects bad slots: above maxTrainers, repeated, negative", async () => {
      await rejects(roundOf([[1n, 2n]], { slotOf: [3], task: withConfig({ maxTrainers: 3 }) }), /submissions\[0\]\.slot .*\[0, 2\], got 3/);
      await rejects(
        roundOf(
          [
            [1n, 2n],
            [3n, 4n],
          ],
          { slotOf: [1, 1] },
        ),
        /submissions 0 and 1 both come from slot 1/,
      );
      await rejects(roundOf([[1n, 2n]], { slotOf: [-1] }), /slot .*got -1/);
    });

    it("rejects out-of-range values and wrong lengths, naming the index", async () => {
      await rejects(roundOf([[1n, 1n << 31n]]), /submissions\[0\]\.update\[1\] is 2147483648, outside the 32-bit signed range/);
      await rejects(roundOf([[1n, MIN - 1n]]), /update\[1\] is -2147483649/);
      await rejects(roundOf([[1n, 2n], [3n]]), /submissions\[1\]\.update must hold exactly 2 values, got 1 values/);
      await rejects({ ...base, wOld: [0n, MAX + 1n] }, /wOld\[1\] is 2147483648/);
      await rejects({ ...base, cumOld: [0n, -1n, 0n, 0n] }, /cumOld\[1\] must be a bigint in \[0, 2\^128\), got -1/);
      await rejects({ ...base, cumOld: [0n, 0n] }, /cumOld must hold one value per slot \(4\), got 2/);
    });

    it("rejects an empty round and more submissions than slots", async () => {
      await rejects({ ...base, submissions: [] }, /a round settles 1 to 4 submissions, got 0/);
      const five = [0, 1, 2, 3, 4].map((i) => [BigInt(i), 0n]);
      await rejects(roundOf(five, { task: withConfig({ maxTrainers: 4 }) }), /1 to 4 submissions, got 5/);
    });

    it("rejects a bad task: header widths, rounds, slot count", async () => {
      await rejects({ ...base, round: 4 }, /round must be an integer in \[0, 3\], got 4/);
      await rejects({ ...base, task: withConfig({ budget: 1n << 128n }) }, /budget must be a bigint in \[0, 2\^128\)/);
      await rejects({ ...base, task: withConfig({ numRounds: 0 }) }, /numRounds must be an integer in \[1, 65535\], got 0/);
      await rejects({ ...base, task: withConfig({ maxTrainers: 5 }) }, /maxTrainers must be an integer in \[1, 4\], got 5/);
      await rejects({ ...base, task: withConfig({ outlierFactor: 1n << 32n }) }, /outlierFactor must be a bigint in \[0, 2\^32\)/);
      await rejects({ ...base, task: withConfig({}, 1n << 80n) }, /normBoundSq must be a bigint in \[0, 2\^80\)/);
      await rejects({ ...base, task: { ...TASK, context: SNARK_FIELD } }, /context must be a bigint in \[0, r\)/);
      await rejects({ ...base, slots: 6, cumOld: new Array<bigint>(6).fill(0n) }, /slots \(N\) must be a power of two, got 6/);
      await rejects({ ...base, slots: 128 }, /slots must be an integer in \[2, 64\], got 128/);
    });

    it("rejects a bad rule, settler or commitment", async () => {
      await rejects({ ...base, task: withConfig({}, 0n, { distFloor: 1n << 80n }) }, /distFloor must be a bigint in \[0, 2\^80\)/);
      await rejects(
        { ...base, task: withConfig({}, 0n, { minSubmissions: 256 }) },
        /minSubmissions must be an integer in \[0, 255\], got 256/,
      );
      await rejects({ ...base, settler: 1n << 160n }, /settler must be a bigint in \[0, 2\^160\)/);
      await rejects({ ...base, settler: -1n }, /settler must be a bigint/);
      const sub = base.submissions[1];
      await rejects(
        { ...base, submissions: [base.submissions[0], { ...sub, commitment: SNARK_FIELD }] },
        /submissions\[1\]\.commitment must be a bigint in \[0, r\)/,
      );
    });

    it("rejects an update that does not match its revealed commitment, naming the slot", async () => {
      const [a, b] = base.submissions;
      await rejects(
        { ...base, submissions: [a, { ...b, slot: 3, update: [3n, 5n] }] },
        /the update of slot 3 \(submission 1\) commits to \d+, not to its revealed commitment \d+/,
        "COMMITMENT_MISMATCH",
      );
    });

    it("rejects a settlement that includes nobody", async () => {
      await rejects(
        { ...base, submissions: base.submissions.map((x) => ({ slot: x.slot, commitment: x.commitment })) },
        /must include at least one submission, but none of the 2 reveals carries its update/,
      );
    });

    it("rejects a round whose rewards would overflow a 128-bit leaf", async () => {
      await rejects({ ...base, cumOld: [(1n << 128n) - 1n, 0n, 0n, 0n] }, /slot 0's cumulative reward .* would reach 2\^128/);
    });
  });
});
