import { expect } from "chai";
import { isZkMeritError, type ErrorCode } from "../../../oracle/core/errors";
import { SNARK_FIELD, commitVector, poseidon } from "../../../oracle/core/field";
import {
  DEFAULT_TRUST_MARGIN,
  accStep,
  emptyRoot,
  initialState,
  packConfig,
  rewardPath,
  rewardRoot,
  rootFromPath,
  rootTrust,
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
const ONE = 1n << 16n; // 1.0 in the 16-bit fixed point of the trust and its margin

const TASK: TaskParams = {
  context: (31337n << 160n) + 0xabcdefn,
  taskId: 7n,
  config: { budget: 1000n, numRounds: 4, maxTrainers: 4 },
  rule: { normBoundSq: 1n << 70n, trustMargin: DEFAULT_TRUST_MARGIN, rootUpdates: true },
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
    wPrev: new Array<bigint>(p).fill(0n),
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
    it("packs the config into 160 bits and back", () => {
      const c = { budget: (1n << 128n) - 1n, numRounds: 65535, maxTrainers: 64 };
      const packed = packConfig(c);
      expect(packed).to.equal(c.budget + (65535n << 128n) + (64n << 144n));
      expect(packed < 1n << 160n).to.equal(true);
      expect(unpackConfig(packed)).to.deep.equal(c);
      expect(() => unpackConfig(1n << 160n)).to.throw(/configPacked/);
    });

    it("packs the rule into 98 bits and back, and the masks into 192", () => {
      const r = { normBoundSq: (1n << 80n) - 1n, trustMargin: ONE, rootUpdates: true };
      const packed = packRuleParams(r);
      expect(packed).to.equal(r.normBoundSq + (ONE << 80n) + (1n << 97n));
      expect(packed < 1n << 98n).to.equal(true);
      expect(unpackRuleParams(packed)).to.deep.equal(r);
      expect(unpackRuleParams(packRuleParams({ ...r, rootUpdates: false, trustMargin: 0n }))).to.deep.equal({
        ...r,
        rootUpdates: false,
        trustMargin: 0n,
      });
      expect(() => unpackRuleParams(1n << 98n)).to.throw(/ruleParams/);
      // A margin above 1.0 fits the 17 bits but is not a margin.
      expect(() => unpackRuleParams((ONE + 1n) << 80n)).to.throw(/trustMargin/);
      const m = { includedMask: (1n << 64n) - 1n, excludedMask: 5n, slashedMask: 1n << 63n };
      expect(packMasks(m)).to.equal(m.includedMask + (5n << 64n) + (1n << 191n));
      expect(unpackMasks(packMasks(m))).to.deep.equal(m);
      expect(() => packMasks({ ...m, excludedMask: 1n << 64n })).to.throw(/excludedMask/);
    });

    it("hashes the header, state and accumulator steps with Poseidon as the spec says", async () => {
      const packed = packConfig(TASK.config);
      const header = await taskHeader(TASK);
      expect(header).to.equal(await poseidon([TASK.context, TASK.taskId, packed, packRuleParams(TASK.rule)]));
      expect(await stateHash(1n, 2n, 4n, 3n)).to.equal(await poseidon([1n, await poseidon([2n, 4n]), 3n]));
      expect(await accStep(5n, 3, 2, 9n)).to.equal(await poseidon([5n, 3n * 65536n + 2n, 9n]));
      const w0 = [1n, -2n, 3n];
      const m0 = await commitVector(w0, 32);
      // Before any settlement the previous model is the initial model itself.
      expect(await initialState(TASK, 4, w0)).to.equal(await poseidon([header, await poseidon([m0, m0]), await emptyRoot(4)]));
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

  describe("# the root, the members and the step", () => {
    const e = (x: bigint, y = 0n) => [x, y];

    it("step 9: slot 0's included update is the root: never a member, never paid, never slashed", async () => {
      const s = await settleRound(
        await roundOf([e(100n, 10n), e(90n, 20n), e(80n, -5n), e(1n << 30n)], { slotOf: [0, 1, 2, 3], task: withConfig({}, 1n << 59n) }),
      );
      expect(s.results.hasRoot).to.equal(true);
      expect(s.results.flags[0]).to.deep.equal({
        included: true,
        root: true,
        norm: false,
        dup: false,
        slashed: false,
        excluded: false,
        inlier: false,
      });
      expect(s.results.trust[0]).to.equal(0n);
      expect(s.results.shares[0]).to.equal(0n);
      expect(s.trace.root).to.deep.equal([100n, 10n]);
      // Slot 3 is over the norm bound: slashed. A root over it is not (it is only a direction).
      expect(s.results.flags[3]).to.include({ norm: true, slashed: true });
      const big = await settleRound(await roundOf([e(1n << 30n), e(90n, 20n)], { task: withConfig({}, 1n << 59n) }));
      expect(big.results.flags[0]).to.include({ root: true, norm: true, slashed: false });
      expect(sum(s.results.shares)).to.equal(250n);
    });

    it("step 9: without root updates, or without the root's content, every member has trust 1", async () => {
      const updates = [e(100n, 10n), e(90n, 20n), e(-80n, 5n)];
      const plain = await settleRound(await roundOf(updates, { task: withConfig({}, undefined, { rootUpdates: false }) }));
      expect(plain.results.flags.map((f) => f.root)).to.deep.equal([false, false, false]);
      expect(plain.results.trust).to.deep.equal([ONE, ONE, ONE]);
      expect(plain.results.shares).to.deep.equal([84n, 83n, 83n]);
      const left = await settleRound(await roundOf(updates, { unavailable: [0] }));
      expect(left.results.hasRoot).to.equal(false);
      expect(left.results.trust).to.deep.equal([0n, ONE, ONE]);
      // With the root, the update that opposes it is excluded (trust 0), not slashed.
      const rooted = await settleRound(await roundOf(updates));
      expect(rooted.results.flags[2]).to.include({ excluded: true, slashed: false });
      expect(rooted.results.excludedMask).to.equal(1n << 2n);
    });

    it("step 9: the previous step is clamp(wOld - wPrev), and the step is the root-trust rule's", async () => {
      const input = await roundOf([e(100n, 10n), e(90n, 20n), e(40n, 30n), e(70n, -10n)], {
        wOld: [MAX, MIN],
        wPrev: [MIN, MAX],
        round: 1,
      });
      const s = await settleRound(input);
      expect(s.trace.previous).to.deep.equal([MAX, MIN]);
      const direct = rootTrust({
        updates: s.trace.updates,
        member: [false, true, true, true],
        hasRoot: true,
        root: [100n, 10n],
        previous: [MAX, MIN],
        margin: DEFAULT_TRUST_MARGIN,
        reward: 250n,
      });
      expect(s.results.step).to.deep.equal(direct.step);
      expect(s.results.shares).to.deep.equal(direct.share);
      // The model clamps at both ends.
      expect(s.results.wNew).to.deep.equal([MAX, MIN + s.results.step[1] < MIN ? MIN : MIN + s.results.step[1]]);
      expect(s.results.newState).to.equal(
        await stateHash(
          s.trace.taskHeader,
          await commitVector(s.results.wNew, 32),
          await commitVector(input.wOld, 32),
          s.results.newRewardRoot,
        ),
      );
    });

    it("step 10: slashes both copies of a duplicated update among trainers; a root that copies a trainer frames nobody", async () => {
      const dup = await settleRound(await roundOf([e(50n, 5n), e(3n, 4n), e(1n, 2n), e(3n, 4n)]));
      expect(dup.results.flags.map((f) => f.slashed)).to.deep.equal([false, true, false, true]);
      expect(dup.results.slashedMask).to.equal(0b1010n);
      const copied = await settleRound(await roundOf([e(3n, 4n), e(3n, 4n), e(1n, 2n)]));
      expect(copied.results.flags.map((f) => f.dup)).to.deep.equal([false, false, false]);
      expect(copied.results.slashedMask).to.equal(0n);
    });

    it("step 10: a copy whose original is left out (unavailable) is no duplicate", async () => {
      const s = await settleRound(await roundOf([e(50n, 5n), e(3n, 4n), e(3n, 4n)], { unavailable: [1] }));
      expect(s.results.flags.map((f) => f.dup)).to.deep.equal([false, false, false]);
    });

    it("step 11: slashes a norm above normBoundSq, not one equal to it", async () => {
      const task = withConfig({}, 25n);
      const s = await settleRound(await roundOf([e(4n, 3n), e(3n, 4n), e(4n, 4n)], { task, slotOf: [3, 1, 2] }));
      expect(s.results.flags.map((f) => [f.norm, f.slashed])).to.deep.equal([
        [false, false],
        [false, false],
        [true, true],
      ]);
    });

    it("pays nothing and keeps the model when every member is slashed", async () => {
      const task = withConfig({}, 0n);
      const s = await settleRound(await roundOf([e(5n, 5n), e(3n, 4n), e(1n, 2n)], { task }));
      expect(s.results.nIn).to.equal(0);
      expect(s.results.shares).to.deep.equal([0n, 0n, 0n]);
      expect(s.results.wNew).to.deep.equal([0n, 0n]);
      expect(s.results.slashedMask).to.equal(0b110n);
    });
  });

  describe("# shares", () => {
    it("adds the budget's remainder in the last round only", async () => {
      const task = withConfig({ budget: 1003n, numRounds: 4 });
      expect([0, 1, 2, 3].map((r) => roundReward(task.config, r))).to.deep.equal([250n, 250n, 250n, 253n]);
      const last = await settleRound(await roundOf([[1n, 1n]], { task, round: 3, slotOf: [1] }));
      expect(last.results.R).to.equal(253n);
      expect(last.results.shares).to.deep.equal([253n]);
      const first = await settleRound(await roundOf([[1n, 1n]], { task, round: 0, slotOf: [1] }));
      expect(first.results.shares).to.deep.equal([250n]);
    });

    it("gives the remainder to the first inlier, so shares sum to R exactly", async () => {
      const task = withConfig({}, undefined, { rootUpdates: false });
      const s = await settleRound(
        await roundOf(
          [
            [1n, 1n],
            [2n, 1n],
            [1n, 3n],
          ],
          { task, slotOf: [2, 0, 3] },
        ),
      );
      expect(s.results.shares).to.deep.equal([84n, 83n, 83n]);
    });

    it("credits shares to the submitting slots and leaves non-submitters unchanged", async () => {
      const cumOld = [5n, 6n, 7n, 8n];
      const s = await settleRound(
        await roundOf(
          [
            [1n, 2n],
            [1n, 3n],
          ],
          { slotOf: [3, 1], cumOld, task: withConfig({}, undefined, { rootUpdates: false }) },
        ),
      );
      const [a, b] = s.results.shares;
      expect(a + b).to.equal(250n);
      expect(s.results.cumNew).to.deep.equal([5n, 6n + b, 7n, 8n + a]);
      expect(s.results.newRewardRoot).to.equal(await rewardRoot(s.results.cumNew));
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
      await rejects({ ...base, wPrev: [0n] }, /wPrev must hold exactly 2 values, got 1 values/);
      await rejects({ ...base, wPrev: [MIN - 1n, 0n] }, /wPrev\[0\] is -2147483649/);
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
      await rejects({ ...base, task: withConfig({}, 1n << 80n) }, /normBoundSq must be a bigint in \[0, 2\^80\)/);
      await rejects({ ...base, task: { ...TASK, context: SNARK_FIELD } }, /context must be a bigint in \[0, r\)/);
      await rejects({ ...base, slots: 6, cumOld: new Array<bigint>(6).fill(0n) }, /slots \(N\) must be a power of two, got 6/);
      await rejects({ ...base, slots: 128 }, /slots must be an integer in \[2, 64\], got 128/);
    });

    it("rejects a bad rule, settler or commitment", async () => {
      await rejects({ ...base, task: withConfig({}, 0n, { trustMargin: ONE + 1n }) }, /trustMargin must be a bigint in \[0, 65536\]/);
      await rejects({ ...base, task: withConfig({}, 0n, { trustMargin: -1n }) }, /trustMargin must be a bigint/);
      await rejects(
        { ...base, task: withConfig({}, 0n, { rootUpdates: 1 as unknown as boolean }) },
        /rootUpdates must be true or false, got 1/,
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
      await rejects({ ...base, cumOld: [0n, (1n << 128n) - 1n, 0n, 0n] }, /slot 1's cumulative reward .* would reach 2\^128/);
    });
  });
});
