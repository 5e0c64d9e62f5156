import { expect } from "chai";
import { commitUpdate, settleRound, type RoundInput, type TaskParams } from "../../../../oracle/contribution";
import {
  DEFAULT_CHAIN_RULE,
  DEFAULT_TRAINING,
  chainRule,
  federationData,
  initialParams,
  localTrain,
  nearCopies,
  normBoundSqFromReal,
  outlierFactorToFixed,
  quantizeVector,
  roundTrip,
  scaled,
  signFlip,
  toChain,
  trainerData,
  type ChainRuleParams,
} from "../../../../oracle/contribution/model";

const N = 8;

function taskFor(rule: ChainRuleParams): TaskParams {
  return {
    context: (31337n << 160n) + 0x1234n,
    taskId: 1n,
    config: { budget: 1_000_000n, numRounds: 1, maxTrainers: N, outlierFactor: outlierFactorToFixed(rule.outlierFactor) },
    rule: {
      normBoundSq: normBoundSqFromReal(rule.normBound),
      distFloor: normBoundSqFromReal(rule.distFloor),
      minSubmissions: rule.minSubmissions,
    },
  };
}

/** Settles the quantized updates with the integer reference and compares its decisions with the float rule's. */
async function sameDecisions(updates: Float64Array[], rule: ChainRuleParams = DEFAULT_CHAIN_RULE): Promise<ReturnType<typeof chainRule>> {
  const q = updates.map((u) => quantizeVector(u));
  const submissions = [];
  for (const [j, u] of q.entries()) submissions.push({ slot: j, commitment: await commitUpdate(u), update: u });
  const input: RoundInput = {
    slots: N,
    task: taskFor(rule),
    wOld: new Array<bigint>(q[0].length).fill(0n),
    cumOld: new Array<bigint>(N).fill(0n),
    round: 0,
    submissions,
    settler: 1n,
  };
  const ref = (await settleRound(input)).results;
  const flt = chainRule(updates, rule);
  expect(flt.slashed, "slashed").to.deep.equal(ref.flags.map((f) => f.slashed));
  expect(flt.excluded, "excluded").to.deep.equal(ref.flags.map((f) => f.excluded));
  expect(flt.inlier, "inlier").to.deep.equal(ref.flags.map((f) => f.inlier));
  expect(flt.dup, "dup").to.deep.equal(ref.flags.map((f) => f.dup));
  expect(flt.distApplies).to.equal(ref.distApplies);
  // Shares agree up to the chain's flooring of the aggregate and the scores.
  const R = Number(ref.R);
  flt.shares.forEach((s, j) => expect(s).to.be.closeTo(Number(ref.shares[j]) / R, 2e-3));
  return flt;
}

describe("oracle/contribution/model/rule (today's rule in floating point)", function () {
  this.timeout(60_000);
  let benign: Float64Array[];

  before(() => {
    federationData();
    const locals = trainerData(N, 2);
    const w = initialParams(locals[0].dim);
    benign = locals.map((d, i) => roundTrip(localTrain(w, d, { ...DEFAULT_TRAINING, seed: 200 + i })));
  });

  describe("# chainRule against settleRound on quantized updates", () => {
    it("decides the same on a clean federation round (nobody cut)", async () => {
      const r = await sameDecisions(benign);
      expect(r.inlier.every(Boolean)).to.equal(true);
    });

    it("decides the same with a norm offence, an exact duplicate (both copies slashed) and a sign flip (excluded)", async () => {
      const u = [...benign.slice(0, 5), toChain(scaled(benign[5], 10)), Float64Array.from(benign[1]), toChain(signFlip(benign[7], 2))];
      const r = await sameDecisions(u);
      expect(r.slashed).to.deep.equal([false, true, false, false, false, true, true, false]);
      expect(r.excluded[7]).to.equal(true);
    });

    it("decides the same when near-copies pull the median onto one honest update", async () => {
      await sameDecisions([...benign.slice(0, 5), ...nearCopies(benign[0], 3)]);
      await sameDecisions([...benign.slice(0, 5), ...nearCopies(benign[0], 3)], { ...DEFAULT_CHAIN_RULE, distFloor: 0 });
    });

    it("decides the same at the distance floor and below minSubmissions", async () => {
      const v = (xs: number[]) => Float64Array.from(xs);
      // dist of the last update to the lower median [0, 0] is exactly 4 = 2^2.
      const u = [v([0, 0]), v([0, 0.5]), v([0.5, 0]), v([2, 0])];
      const at = await sameDecisions(u, { normBound: 100, outlierFactor: 1, distFloor: 2, minSubmissions: 4 });
      expect(at.excluded[3], "dist = distFloor^2 is not above the floor").to.equal(false);
      const above = await sameDecisions(u, { normBound: 100, outlierFactor: 1, distFloor: 1.99, minSubmissions: 4 });
      expect(above.excluded[3]).to.equal(true);
      const few = await sameDecisions(u, { normBound: 100, outlierFactor: 1, distFloor: 0, minSubmissions: 5 });
      expect(few.distApplies).to.equal(false);
      expect(few.excluded.some(Boolean)).to.equal(false);
    });
  });
});
