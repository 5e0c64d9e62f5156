import { expect } from "chai";
import { isZkMeritError } from "../../../oracle/errors";
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

const MAX = (1n << 31n) - 1n;
const MIN = -(1n << 31n);
const ONE = 1n << 16n; // 1.0 in the 16-bit fixed point of outlierFactor and scores

const TASK: TaskParams = {
  context: (31337n << 160n) + 0xabcdefn,
  taskId: 7n,
  config: { budget: 1000n, numRounds: 4, maxTrainers: 4, outlierFactor: 4n * ONE },
  normBoundSq: 1n << 70n,
};

/** A round of a 4-slot task: submission j comes from slot j unless `slots` says otherwise. */
function roundOf(updates: bigint[][], over: Partial<Omit<RoundInput, "submissions">> & { slots?: number; slotOf?: number[] } = {}) {
  const { slotOf, ...rest } = over;
  const p = updates[0]?.length ?? 2;
  return {
    slots: 4,
    task: TASK,
    wOld: new Array<bigint>(p).fill(0n),
    cumOld: new Array<bigint>(rest.slots ?? 4).fill(0n),
    round: 0,
    submissions: updates.map((update, j) => ({ slot: slotOf?.[j] ?? j, update })),
    ...rest,
  } satisfies RoundInput;
}

function withConfig(c: Partial<TaskParams["config"]>, normBoundSq = TASK.normBoundSq): TaskParams {
  return { ...TASK, config: { ...TASK.config, ...c }, normBoundSq };
}

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

async function rejects(input: RoundInput, pattern: RegExp): Promise<void> {
  let err: unknown;
  try {
    await settleRound(input);
  } catch (e) {
    err = e;
  }
  expect(isZkMeritError(err, "CONTRIBUTION_INPUT"), `expected a CONTRIBUTION_INPUT error, got ${String(err)}`).to.equal(true);
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

    it("hashes the header, state and accumulator steps with Poseidon as the spec says", async () => {
      const packed = packConfig(TASK.config);
      const header = await taskHeader(TASK);
      expect(header).to.equal(await poseidon([TASK.context, TASK.taskId, packed, TASK.normBoundSq]));
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

    it("chains the accumulator from the old state in submission order", async () => {
      const input = roundOf(
        [
          [1n, 2n],
          [3n, 4n],
        ],
        { slotOf: [3, 1], round: 2 },
      );
      const s = await settleRound(input);
      let acc = s.trace.oldState;
      for (const [j, sub] of input.submissions.entries()) acc = await accStep(acc, 2, sub.slot, s.trace.commitments[j]);
      expect(s.publicInputs.acc).to.equal(acc);
      expect(s.trace.oldState).to.equal(await initialState(TASK, 4, input.wOld));
    });
  });

  describe("# aggregate and model", () => {
    it("rounds the aggregate toward -infinity", async () => {
      // Column [-3, 0, -2]: median -2, distances 1, 4, 0, medDist 1, none above 4 * 1.
      const s = await settleRound(roundOf([[-3n], [0n], [-2n]]));
      expect(s.results.nIn).to.equal(3);
      expect(s.results.g).to.deep.equal([-2n]); // -5 / 3 = -1.67; truncation would give -1
      expect(floorDiv(-5n, 3n)).to.equal(-2n);
      expect(s.results.wNew).to.deep.equal([-2n]);
    });

    it("uses the lower median of the valid values and ignores padding", async () => {
      const s = await settleRound(
        roundOf([
          [10n, -1n],
          [20n, -5n],
        ]),
      );
      expect(s.results.med).to.deep.equal([10n, -5n]);
      expect(s.trace.sorted[0]).to.deep.equal([10n, 20n, 1n << 31n, 1n << 31n]);
      expect(s.trace.sortedDist.slice(2)).to.deep.equal([1n << 76n, 1n << 76n]);
    });

    it("clamps the new model at both ends of the 32-bit range", async () => {
      const s = await settleRound(roundOf([[10n, -10n, 10n, -10n]], { wOld: [MAX, MIN, MAX - 10n, MIN + 10n] }));
      expect(s.results.g).to.deep.equal([10n, -10n, 10n, -10n]);
      expect(s.results.wNew).to.deep.equal([MAX, MIN, MAX, MIN]);
      const t = await settleRound(roundOf([[MAX, MIN]], { wOld: [MAX, MIN] }));
      expect(t.results.wNew).to.deep.equal([MAX, MIN]);
    });
  });

  describe("# outliers", () => {
    it("flags a norm above normBoundSq, not one equal to it", async () => {
      const task = withConfig({ outlierFactor: (1n << 32n) - 1n }, 25n);
      const s = await settleRound(
        roundOf(
          [
            [3n, 4n],
            [4n, 3n],
            [3n, 5n],
          ],
          { task },
        ),
      );
      expect(s.results.outliers.map((o) => o.norm)).to.deep.equal([false, false, true]);
      expect(s.results.outliers.map((o) => o.outlier)).to.deep.equal([false, false, true]);
      expect(s.results.outlierBitmap).to.equal(1n << 2n);
    });

    it("flags dist * 2^16 > outlierFactor * medDist, not equality", async () => {
      // Median (2, 0); distances 4, 0, d; medDist 4; the threshold at factor 4 is 16.
      const at = await settleRound(
        roundOf([
          [0n, 0n],
          [2n, 0n],
          [6n, 0n],
        ]),
      );
      expect(at.results.medDist).to.equal(4n);
      expect(at.trace.dist).to.deep.equal([4n, 0n, 16n]);
      expect(at.results.outliers[2].dist).to.equal(false);
      const above = await settleRound(
        roundOf([
          [0n, 0n],
          [2n, 0n],
          [6n, 1n],
        ]),
      );
      expect(above.trace.dist[2]).to.equal(17n);
      expect(above.results.outliers.map((o) => o.dist)).to.deep.equal([false, false, true]);
      // A fractional factor just above 4.0 still admits 16 (the fixed point is exact).
      const task = withConfig({ outlierFactor: 4n * ONE + 1n });
      expect(
        (
          await settleRound(
            roundOf(
              [
                [0n, 0n],
                [2n, 0n],
                [6n, 0n],
              ],
              { task },
            ),
          )
        ).results.outliers[2].dist,
      ).to.equal(false);
    });

    it("flags only the later copy of a duplicated update", async () => {
      // Median (5, 0), distances 25, 125, 25, 25, medDist 25; factor 8 admits up to 200.
      const a = [10n, 0n];
      const task = withConfig({ outlierFactor: 8n * ONE });
      const s = await settleRound(roundOf([a, [0n, 10n], [5n, 5n], [...a]], { task }));
      expect(s.results.outliers.map((o) => o.dup)).to.deep.equal([false, false, false, true]);
      expect(s.results.outliers.map((o) => o.outlier)).to.deep.equal([false, false, false, true]);
      expect(s.results.shares[3]).to.equal(0n);
      expect(s.results.shares[0] > 0n).to.equal(true);
    });

    it("pays nothing and keeps the model when every submission is an outlier", async () => {
      const task = withConfig({}, 0n);
      const input = roundOf(
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
      expect(s.results.outlierBitmap).to.equal(0b111n);
      expect(s.results.R).to.equal(250n);
    });
  });

  describe("# scores and shares", () => {
    it("gives the remainder to the first inlier, so shares sum to R exactly", async () => {
      // Position 0 is a norm outlier; positions 1..3 are inliers with different scores.
      const task = withConfig({ outlierFactor: (1n << 32n) - 1n, budget: 1000n, numRounds: 3 }, 10_000n);
      const s = await settleRound(
        roundOf(
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
      expect(s.results.outliers.map((o) => o.outlier)).to.deep.equal([true, false, false, false]);
      expect(sum(shares)).to.equal(R);
      expect(shares[0]).to.equal(0n);
      const W = s.trace.W;
      expect(W).to.equal(3n + sum(scores));
      const floors = s.trace.weights.map((w) => (R * w) / W);
      const rem = R - sum(floors);
      expect(rem > 0n, "the example must leave a remainder").to.equal(true);
      expect(shares).to.deep.equal([0n, floors[1] + rem, floors[2], floors[3]]);
    });

    it("scores the clipped squared cosine similarity to the aggregate", async () => {
      const s = await settleRound(
        roundOf([
          [4n, 0n],
          [6n, 0n],
          [5n, 1n],
        ]),
      );
      const { g, scores } = s.results;
      expect(g).to.deep.equal([5n, 0n]);
      // u = (4, 0), (6, 0): parallel to g -> 2^16; (5, 1): floor(2^16 * 625 / (26 * 25)).
      expect(scores).to.deep.equal([ONE, ONE, (ONE * 625n) / 650n]);
      // An inlier pointing away from the aggregate (dot < 0) scores 0 but keeps weight 1.
      const t = await settleRound(
        roundOf([
          [30n, 0n],
          [0n, 30n],
          [-10n, 0n],
        ]),
      );
      expect(t.results.outliers.map((o) => o.outlier)).to.deep.equal([false, false, false]);
      expect(t.results.g).to.deep.equal([6n, 10n]);
      expect(t.trace.dot[2]).to.equal(-60n);
      expect(t.results.scores[2]).to.equal(0n);
      expect(t.trace.weights[2]).to.equal(1n);
      expect(t.results.scores[0]).to.equal((ONE * 180n * 180n) / (900n * 136n));
    });

    it("adds the budget's remainder in the last round only", async () => {
      const task = withConfig({ budget: 1003n, numRounds: 4 });
      expect([0, 1, 2, 3].map((r) => roundReward(task.config, r))).to.deep.equal([250n, 250n, 250n, 253n]);
      const last = await settleRound(roundOf([[1n, 1n]], { task, round: 3 }));
      expect(last.results.R).to.equal(253n);
      expect(last.results.shares).to.deep.equal([253n]);
      const first = await settleRound(roundOf([[1n, 1n]], { task, round: 0 }));
      expect(first.results.shares).to.deep.equal([250n]);
    });

    it("settles a single submission: it is the median and takes R", async () => {
      const s = await settleRound(roundOf([[MAX, MIN]], { slotOf: [2] }));
      expect(s.results.med).to.deep.equal([MAX, MIN]);
      expect(s.results.medDist).to.equal(0n);
      expect(s.results.nIn).to.equal(1);
      expect(s.results.g).to.deep.equal([MAX, MIN]);
      expect(s.results.scores).to.deep.equal([ONE]);
      expect(s.results.cumNew).to.deep.equal([0n, 0n, 250n, 0n]);
      // A zero update has dot 0: score 0, weight 1, still the whole R.
      const z = await settleRound(roundOf([[0n, 0n]]));
      expect(z.results.scores).to.deep.equal([0n]);
      expect(z.results.shares).to.deep.equal([250n]);
    });

    it("credits shares to the submitting slots and leaves non-submitters unchanged", async () => {
      const cumOld = [5n, 6n, 7n, 8n];
      const s = await settleRound(
        roundOf(
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
    const ok = () =>
      roundOf([
        [1n, 2n],
        [3n, 4n],
      ]);

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
      await rejects({ ...ok(), wOld: [0n, MAX + 1n] }, /wOld\[1\] is 2147483648/);
      await rejects({ ...ok(), cumOld: [0n, -1n, 0n, 0n] }, /cumOld\[1\] must be a bigint in \[0, 2\^128\), got -1/);
      await rejects({ ...ok(), cumOld: [0n, 0n] }, /cumOld must hold one value per slot \(4\), got 2/);
    });

    it("rejects an empty round and more submissions than slots", async () => {
      await rejects({ ...ok(), submissions: [] }, /a round settles 1 to 4 submissions, got 0/);
      const five = [0, 1, 2, 3, 4].map((i) => [BigInt(i), 0n]);
      await rejects(roundOf(five, { task: withConfig({ maxTrainers: 4 }) }), /1 to 4 submissions, got 5/);
    });

    it("rejects a bad task: header widths, rounds, slot count", async () => {
      await rejects({ ...ok(), round: 4 }, /round must be an integer in \[0, 3\], got 4/);
      await rejects({ ...ok(), task: withConfig({ budget: 1n << 128n }) }, /budget must be a bigint in \[0, 2\^128\)/);
      await rejects({ ...ok(), task: withConfig({ numRounds: 0 }) }, /numRounds must be an integer in \[1, 65535\], got 0/);
      await rejects({ ...ok(), task: withConfig({ maxTrainers: 5 }) }, /maxTrainers must be an integer in \[1, 4\], got 5/);
      await rejects({ ...ok(), task: withConfig({ outlierFactor: 1n << 32n }) }, /outlierFactor must be a bigint in \[0, 2\^32\)/);
      await rejects({ ...ok(), task: withConfig({}, 1n << 80n) }, /normBoundSq must be a bigint in \[0, 2\^80\)/);
      await rejects({ ...ok(), task: { ...TASK, context: SNARK_FIELD } }, /context must be a bigint in \[0, r\)/);
      await rejects({ ...ok(), slots: 6, cumOld: new Array<bigint>(6).fill(0n) }, /slots \(N\) must be a power of two, got 6/);
      await rejects({ ...ok(), slots: 128 }, /slots must be an integer in \[2, 64\], got 128/);
    });

    it("rejects a round whose rewards would overflow a 128-bit leaf", async () => {
      await rejects({ ...ok(), cumOld: [(1n << 128n) - 1n, 0n, 0n, 0n] }, /slot 0's cumulative reward .* would reach 2\^128/);
    });
  });
});
