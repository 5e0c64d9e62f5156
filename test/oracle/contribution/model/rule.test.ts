import { expect } from "chai";
import {
  DEFAULT_TRUST_MARGIN,
  commitUpdate,
  rootTrust,
  settleRound,
  type RoundInput,
  type TaskParams,
} from "../../../../oracle/contribution";
import {
  DEFAULT_CANDIDATE,
  DEFAULT_CHAIN_RULE,
  DEFAULT_TRAINING,
  ROUND_RULES,
  chainRule,
  fltrustRule,
  gatedValRule,
  meanOf,
  multiclassHinge,
  ownerData,
  rootClipValRule,
  rootTrustRule,
  ROOT_TRUST_MARGIN,
  trimmedMean,
  trimmedValRule,
  federationData,
  initialParams,
  localTrain,
  nearCopies,
  normBoundSqFromReal,
  quantizeVector,
  roundTrip,
  scaled,
  signFlip,
  toChain,
  trainerData,
  type RuleContext,
} from "../../../../oracle/contribution/model";

const N = 8;

describe("oracle/contribution/model/rule (candidate rules)", function () {
  this.timeout(60_000);
  let benign: Float64Array[];
  let ctx: RuleContext;
  const norm = (u: ArrayLike<number>) => Math.sqrt(Array.from(u).reduce((a, x) => a + x * x, 0));
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, k) => s + x * b[k], 0);

  before(() => {
    federationData();
    const locals = trainerData(N, 2);
    const w = initialParams(locals[0].dim);
    benign = locals.map((d, i) => roundTrip(localTrain(w, d, { ...DEFAULT_TRAINING, seed: 200 + i })));
    const owner = ownerData();
    const root = roundTrip(localTrain(w, owner.root, { ...DEFAULT_TRAINING, seed: 7 }));
    ctx = { model: w, validation: owner.validation, rootUpdate: () => root, ...DEFAULT_CANDIDATE, chain: DEFAULT_CHAIN_RULE };
  });

  describe("# multiclassHinge and trimmedMean", () => {
    it("is max(0, 1 + best other logit - true logit) per sample", () => {
      // K = 1 feature: logit_c = params[2c] * x + params[2c + 1]; only classes 0 and 1 are non-zero.
      const params = new Float64Array(20);
      params[0] = 2; // class 0: 2x
      params[3] = 0.5; // class 1: bias 0.5
      const data = { count: 2, dim: 1, x: Float64Array.from([1, 0]), labels: Uint8Array.from([0, 1]) };
      // Sample 0 (label 0): z0 = 2, best other 0.5, loss max(0, 1 + 0.5 - 2) = 0.
      // Sample 1 (label 1): z1 = 0.5, best other 0, loss 1 + 0 - 0.5 = 0.5. Mean 0.25.
      expect(multiclassHinge(params, data)).to.be.closeTo(0.25, 1e-12);
    });

    it("drops `trim` values on each side of every coordinate", () => {
      const u = [
        [1, 10],
        [2, -5],
        [3, 0],
        [100, 1],
        [-50, 2],
      ].map((x) => Float64Array.from(x));
      expect(Array.from(trimmedMean(u, [0, 1, 2, 3, 4], 1))).to.deep.equal([2, 1]);
      // Too few values for the trim: the median remains.
      expect(Array.from(trimmedMean(u, [0, 1, 2], 3))).to.deep.equal([2, 0]);
    });
  });

  describe("# ROUND_RULES", () => {
    it("runs today's rule unchanged as `chain`", () => {
      const a = ROUND_RULES.chain(benign, ctx);
      const b = chainRule(benign);
      expect(a.shares).to.deep.equal(b.shares);
      expect(Array.from(a.aggregate)).to.deep.equal(Array.from(b.aggregate));
    });
  });

  describe("# fltrustRule", () => {
    it("gives no weight and no reward to an update at negative cosine with the root update", () => {
      const g0 = ctx.rootUpdate();
      const away = toChain(g0.map((x, k) => -x + 0.1 * benign[7][k]));
      expect(dot(away, g0)).to.be.below(0);
      const r = fltrustRule([...benign.slice(0, 7), away], ctx);
      expect(r.excluded[7]).to.equal(true);
      expect(r.shares[7]).to.equal(0);
      // The step is the same as without the update, and no longer than |g0| (every update is rescaled to it).
      const without = fltrustRule(benign.slice(0, 7), ctx);
      r.aggregate.forEach((x, k) => expect(x).to.be.closeTo(without.aggregate[k], 1e-12));
      expect(norm(r.aggregate)).to.be.at.most(norm(g0) + 1e-9);
    });
  });

  describe("# trimmedValRule", () => {
    it("keeps every coordinate of the step inside the honest range when 3 updates are scaled far out", () => {
      const u = [...benign.slice(0, 5), ...[5, 6, 7].map((i) => toChain(scaled(benign[i], -1.5)))];
      const r = trimmedValRule(u, ctx);
      // Every update is first clipped to the lower median norm.
      const norms = u.map(norm).sort((a, b) => a - b);
      const tau = norms[3];
      const clipped = benign.slice(0, 5).map((v) => v.map((x) => x * Math.min(1, tau / norm(v))));
      for (let k = 0; k < u[0].length; k++) {
        const honest = clipped.map((v) => v[k]);
        expect(r.aggregate[k]).to.be.within(Math.min(...honest) - 1e-12, Math.max(...honest) + 1e-12);
      }
      expect(r.excluded.some(Boolean)).to.equal(false);
    });
  });

  describe("# gatedValRule", () => {
    // Unit-norm updates: the median norm clips none of them, nor their mean.
    const unit = (u: Float64Array) => u.map((x) => x / norm(u));

    it("pays nothing to an update equal to the mean of the others (its leave-one-out value is 0)", () => {
      const honest = benign.slice(0, 7).map(unit);
      const r = gatedValRule([...honest, meanOf(honest)], ctx);
      expect(Math.abs(r.values?.[7] ?? NaN)).to.be.below(1e-12);
      expect(r.shares[7]).to.be.below(1e-9);
      expect(r.shares.reduce((a, x) => a + x, 0)).to.be.closeTo(1, 1e-12);
    });

    it("excludes a sign-flipped update, whose removal improves the validation loss, and pays it nothing", () => {
      const r = gatedValRule([...benign.slice(0, 7), toChain(signFlip(benign[7], 1))], ctx);
      expect(r.slashed[7]).to.equal(false);
      expect(r.values?.[7]).to.be.below(0);
      expect(r.excluded[7]).to.equal(true);
      expect(r.shares[7]).to.equal(0);
      expect(r.excluded.slice(0, 7).some(Boolean)).to.equal(false);
    });
  });

  describe("# rootClipValRule", () => {
    it("lets one update move the step by at most tau / n, however far it lies from the root update", () => {
      const g0 = ctx.rootUpdate();
      const honest = benign.slice(0, 7);
      const maxDev = Math.max(...honest.map((u) => norm(u.map((x, k) => x - g0[k]))));
      const far = toChain(scaled(meanOf(honest), -20).map((x) => Math.max(-1, Math.min(1, x))));
      const a = rootClipValRule([...honest, far], ctx);
      const b = rootClipValRule([...honest, Float64Array.from(g0)], ctx);
      expect(a.slashed[7]).to.equal(false);
      expect(norm(a.aggregate.map((x, k) => x - b.aggregate[k]))).to.be.at.most((2 * maxDev) / N);
      // Leaving the far update out improves the validation loss: it is paid nothing.
      expect(a.shares[7]).to.equal(0);
    });
  });

  describe("# rootTrustRule", () => {
    it("gives updates against the honest mean (IPM) trust 0 (excluded, unpaid, not slashed) and keeps every honest update", () => {
      const honest = benign.slice(0, 6);
      const ipm = toChain(scaled(meanOf(honest), -1));
      const flipped = nearCopies(ipm, 2);
      const r = rootTrustRule([...honest, ...flipped], ctx);
      expect(r.excluded).to.deep.equal([false, false, false, false, false, false, true, true]);
      expect(r.slashed.some(Boolean)).to.equal(false);
      expect(r.shares[6] + r.shares[7]).to.equal(0);
      expect(r.shares.reduce((a, x) => a + x, 0)).to.be.closeTo(1, 1e-12);
    });

    it("never lets the root update into the step: a root of any length in the same direction gives the same step", () => {
      const g0 = ctx.rootUpdate();
      const a = rootTrustRule(benign, ctx);
      const b = rootTrustRule(benign, { ...ctx, rootUpdate: () => Float64Array.from(g0, (x) => 3 * x) });
      a.aggregate.forEach((x, k) => expect(x).to.be.closeTo(b.aggregate[k], 1e-12));
      // The step is a convex combination of clipped updates: inside the members' range on every coordinate.
      for (let k = 0; k < a.aggregate.length; k++) {
        const col = benign.map((u) => u[k]);
        expect(a.aggregate[k]).to.be.within(Math.min(0, ...col) - 1e-12, Math.max(0, ...col) + 1e-12);
      }
    });

    it("pays an update equal to the mean of the others (almost) nothing", () => {
      const honest = benign.slice(0, 7);
      const r = rootTrustRule([...honest, toChain(meanOf(honest))], ctx);
      const med = [...r.shares.slice(0, 7)].sort((x, y) => x - y)[3];
      expect(r.shares[7]).to.be.at.most(0.25 * med);
    });

    for (const previous of ["zero", "nonzero"] as const) {
      it(`decides as the integer reference (oracle/contribution/trust.ts) does on the quantized round (${previous} previous step)`, () => {
        const updates = [...benign.slice(0, 6), toChain(signFlip(benign[6])), toChain(scaled(benign[7]))];
        const g0 = ctx.rootUpdate();
        const prev = previous === "zero" ? new Float64Array(g0.length) : toChain(meanOf(benign.slice(2, 7)));
        const flt = rootTrustRule(updates, { ...ctx, previousStep: prev });
        expect(ROOT_TRUST_MARGIN).to.be.closeTo(Number(DEFAULT_TRUST_MARGIN) / 65536, 1e-5);
        const ref = rootTrust({
          updates: updates.map((u) => quantizeVector(u)),
          member: flt.slashed.map((s) => !s),
          hasRoot: true,
          root: quantizeVector(g0),
          previous: quantizeVector(prev),
          margin: DEFAULT_TRUST_MARGIN,
          reward: 10n ** 18n,
        });
        expect(ref.excluded).to.deep.equal(flt.excluded);
        expect(ref.inlier).to.deep.equal(flt.inlier);
        const step = ref.step.map((x) => Number(x) / 65536);
        step.forEach((x, k) => expect(x).to.be.closeTo(flt.aggregate[k], 2 / 65536));
        // Values: the float's 1 - cos|cos| changes against the reference's 24-bit scores.
        ref.value.forEach((v, j) => expect(Number(v) / 2 ** 24).to.be.closeTo(flt.values![j], 1e-5));
        ref.share.forEach((s, j) => expect(Number(s) / 1e18).to.be.closeTo(flt.shares[j], 1e-3));
      });
    }

    it("settleRound, with the root at slot 0, decides as the float rule does on a quantized federation round", async () => {
      const updates = [...benign.slice(0, 5), toChain(signFlip(benign[5])), toChain(scaled(benign[6], 10))];
      const prev = toChain(meanOf(benign.slice(2, 7)));
      const flt = rootTrustRule(updates, { ...ctx, previousStep: prev });
      const root = quantizeVector(ctx.rootUpdate());
      const q = [root, ...updates.map((u) => quantizeVector(u))];
      const wOld = new Array<bigint>(root.length).fill(0n);
      const task: TaskParams = {
        context: (31337n << 160n) + 0x1234n,
        taskId: 1n,
        config: { budget: 10n ** 18n, numRounds: 1, maxTrainers: N },
        rule: { normBoundSq: normBoundSqFromReal(DEFAULT_CHAIN_RULE.normBound), trustMargin: DEFAULT_TRUST_MARGIN, rootUpdates: true },
      };
      const input: RoundInput = {
        slots: N,
        task,
        wOld,
        wPrev: quantizeVector(prev).map((x) => -x),
        cumOld: new Array<bigint>(N).fill(0n),
        round: 0,
        submissions: await Promise.all(q.map(async (u, j) => ({ slot: j, commitment: await commitUpdate(u), update: u }))),
        settler: 1n,
      };
      const ref = (await settleRound(input)).results;
      expect(ref.flags[0].root).to.equal(true);
      const trainers = ref.flags.slice(1);
      expect(
        trainers.map((f) => f.slashed),
        "slashed",
      ).to.deep.equal(flt.slashed);
      expect(
        trainers.map((f) => f.excluded),
        "excluded",
      ).to.deep.equal(flt.excluded);
      expect(
        trainers.map((f) => f.inlier),
        "inlier",
      ).to.deep.equal(flt.inlier);
      ref.shares.slice(1).forEach((x, j) => expect(Number(x) / 1e18).to.be.closeTo(flt.shares[j], 1e-3));
    });

    it("pays a resubmitted previous step nothing", () => {
      const prev = toChain(meanOf(benign.slice(0, 7)));
      const r = rootTrustRule([...benign.slice(0, 7), prev], { ...ctx, previousStep: prev });
      expect(r.inlier[7]).to.equal(true);
      expect(r.values![7]).to.be.at.most(0);
      expect(r.shares[7]).to.equal(0);
    });
  });
});
