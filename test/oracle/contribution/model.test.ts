import { expect } from "chai";
import { isZkMeritError } from "../../../oracle/core/errors";
import { realRange } from "../../../oracle/core/field";
import {
  DEFAULT_FEATURES,
  DEFAULT_TRAINING,
  NUM_CLASSES,
  SPLIT_SIZES,
  classCounts,
  clipToRange,
  copyOf,
  createRng,
  dequantizeVector,
  digitSplits,
  federationData,
  flipLabels,
  gaussianNoise,
  initialParams,
  labelFlip,
  localTrain,
  maxAbs,
  meanAggregate,
  chainRule,
  DEFAULT_CHAIN_RULE,
  nonIidSplit,
  normBoundSqFromReal,
  normSq,
  outlierFactorToFixed,
  paramCount,
  projection,
  quantizeVector,
  roundTrip,
  scaled,
  signFlip,
  simulate,
  train,
  accuracy,
  trainerData,
  type AttackerSpec,
} from "../../../oracle/contribution/model";
import { applyProjection, fitProjection } from "../../../oracle/contribution/model/projection";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

const HALF_STEP = 2 ** -17;

describe("oracle/contribution/model", function () {
  // Loading the images and fitting the projection take a few seconds once; everything after reuses them.
  this.timeout(120_000);

  before(() => {
    federationData();
  });

  describe("# data", () => {
    it("cuts disjoint train / test / public splits of the 10,000 images, the same every time", () => {
      const s = digitSplits();
      expect(s.train.count).to.equal(SPLIT_SIZES.train);
      expect(s.test.count).to.equal(SPLIT_SIZES.test);
      expect(s.public.count).to.equal(SPLIT_SIZES.public);
      const ids = new Set([...s.train.ids, ...s.test.ids, ...s.public.ids]);
      expect(ids.size).to.equal(10_000);
      // Every digit is present in every split (the split is a random permutation, not digit-ordered).
      for (const set of [s.train, s.test, s.public]) expect(Math.min(...classCounts(set.labels))).to.be.greaterThan(set.count / 20);
      // Pinned (integer-only pipeline): a change here changes every published accuracy.
      expect(Array.from(s.test.ids.slice(0, 3))).to.deep.equal([5912, 3107, 5023]);
      expect(Array.from(s.train.ids.slice(0, 3))).to.deep.equal([6412, 3644, 5569]);
      expect(digitSplits() === s, "cached").to.equal(true);
    });

    it("seeded generators repeat exactly and differ between seeds", () => {
      const a = createRng(42);
      const b = createRng(42);
      const c = createRng(43);
      const xs = Array.from({ length: 5 }, () => a.next());
      expect(Array.from({ length: 5 }, () => b.next())).to.deep.equal(xs);
      expect(Array.from({ length: 5 }, () => c.next())).to.not.deep.equal(xs);
      const r = createRng(7);
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < 20_000; i++) {
        const z = r.normal();
        sum += z;
        sq += z * z;
      }
      expect(Math.abs(sum / 20_000)).to.be.lessThan(0.03);
      expect(Math.abs(sq / 20_000 - 1)).to.be.lessThan(0.05);
    });
  });

  describe("# projection", () => {
    it("is deterministic: refitting gives the same bits", () => {
      const p = projection();
      const again = fitProjection(digitSplits().public, DEFAULT_FEATURES);
      expect(again.digest).to.equal(p.digest);
      expect(Buffer.from(again.basis.buffer).equals(Buffer.from(p.basis.buffer))).to.equal(true);
    });

    it("has orthonormal directions, descending variances, and standardized features on the public split", () => {
      const p = projection();
      const D = 784;
      for (let a = 0; a < p.dim; a++) {
        for (let b = a; b < p.dim; b++) {
          let d = 0;
          for (let q = 0; q < D; q++) d += p.basis[a * D + q] * p.basis[b * D + q];
          expect(d).to.be.closeTo(a === b ? 1 : 0, 1e-9);
        }
        if (a > 0) expect(p.variances[a]).to.be.at.most(p.variances[a - 1]);
      }
      const pub = applyProjection(p, digitSplits().public);
      for (let k = 0; k < p.dim; k++) {
        let m = 0;
        let v = 0;
        for (let i = 0; i < pub.count; i++) m += pub.x[i * p.dim + k] / pub.count;
        for (let i = 0; i < pub.count; i++) v += (pub.x[i * p.dim + k] - m) ** 2 / pub.count;
        expect(m).to.be.closeTo(0, 1e-9);
        expect(v).to.be.closeTo(1, 1e-9);
      }
      // A smaller fit finds the same leading direction.
      const f = fitProjection(digitSplits().public, 3);
      expect(f.variances[0]).to.be.closeTo(p.variances[0], 1e-9 * p.variances[0]);
    });
  });

  describe("# softmax", () => {
    it("has P = 10 * (K + 1) = 130 parameters at the default K", () => {
      expect(paramCount(DEFAULT_FEATURES)).to.equal(130);
      expect(initialParams(DEFAULT_FEATURES).every((x) => x === 0)).to.equal(true);
    });

    it("reaches at least 80% test accuracy when trained centrally", () => {
      const { train: tr, test } = federationData();
      const w = train(initialParams(DEFAULT_FEATURES), tr, { epochs: 20, lr: 0.3, batchSize: 32, seed: 1 });
      const acc = accuracy(w, test);
      expect(acc).to.be.at.least(0.8);
      expect(accuracy(initialParams(DEFAULT_FEATURES), test)).to.be.lessThan(0.2);
    });

    it("returns the update local - global, identical for the same seed and different for another", () => {
      const data = trainerData(8, 1)[0];
      const g = train(initialParams(DEFAULT_FEATURES), data, { ...DEFAULT_TRAINING, epochs: 1, seed: 9 });
      const u1 = localTrain(g, data, { ...DEFAULT_TRAINING, seed: 3 });
      const u2 = localTrain(g, data, { ...DEFAULT_TRAINING, seed: 3 });
      const u3 = localTrain(g, data, { ...DEFAULT_TRAINING, seed: 4 });
      expect(Array.from(u1)).to.deep.equal(Array.from(u2));
      expect(Array.from(u1)).to.not.deep.equal(Array.from(u3));
      const local = train(g, data, { ...DEFAULT_TRAINING, seed: 3 });
      for (let k = 0; k < u1.length; k++) expect(u1[k]).to.equal(local[k] - g[k]);
    });

    it("rejects invalid options and mismatched shapes", () => {
      const data = trainerData(8, 1)[0];
      expect(
        isZkMeritError(
          thrown(() => localTrain(initialParams(12), data, { ...DEFAULT_TRAINING, lr: -1, seed: 1 })),
          "CONFIG",
        ),
      ).to.equal(true);
      expect(
        isZkMeritError(
          thrown(() => localTrain(initialParams(11), data, { ...DEFAULT_TRAINING, seed: 1 })),
          "CONFIG",
        ),
      ).to.equal(true);
    });
  });

  describe("# nonIidSplit", () => {
    const split = (seed: number, shardsPerTrainer = 3, iidFraction = 0.3): number[][] =>
      nonIidSplit(federationData().train.labels, 8, { shardsPerTrainer, iidFraction, seed });
    const countsOf = (positions: number[]): number[] => classCounts(positions.map((i) => federationData().train.labels[i]));

    it("gives every sample to exactly one trainer, the same way for the same seed", () => {
      const parts = split(5);
      const all = parts.flat().sort((a, b) => a - b);
      expect(all).to.deep.equal(Array.from({ length: SPLIT_SIZES.train }, (_, i) => i));
      expect(split(5)).to.deep.equal(parts);
      expect(split(6)).to.not.deep.equal(parts);
      // Sizes: an even share of the IID pool plus three near-equal shards.
      for (const p of parts) expect(p.length).to.be.within(870, 880);
    });

    it("makes each trainer's data dominated by a few digits, different across trainers", () => {
      const dominant = new Set<number>();
      for (const p of split(5)) {
        const counts = countsOf(p);
        const sorted = counts.slice().sort((a, b) => b - a);
        // An IID split would give each trainer ~30% in its top 3 digits and ~10% in each digit.
        expect((sorted[0] + sorted[1] + sorted[2]) / p.length, "top-3 share").to.be.greaterThan(0.55);
        expect(sorted[NUM_CLASSES - 1] / p.length, "rarest digit").to.be.lessThan(0.04);
        dominant.add(counts.indexOf(sorted[0]));
      }
      expect(dominant.size, "distinct dominant digits").to.be.at.least(5);
    });

    it("without an IID share, each of a trainer's shards spans at most 2 digits", () => {
      for (const p of split(1, 2, 0)) expect(countsOf(p).filter((c) => c > 0).length).to.be.at.most(4);
    });

    it("rejects an invalid configuration", () => {
      expect(
        isZkMeritError(
          thrown(() => split(1, 0)),
          "CONFIG",
        ),
      ).to.equal(true);
      expect(
        isZkMeritError(
          thrown(() => split(1, 3, 1)),
          "CONFIG",
        ),
      ).to.equal(true);
    });
  });

  describe("# attacks", () => {
    const honest = Float64Array.from({ length: 130 }, (_, i) => Math.sin(i) * 0.7);

    it("sign flip is exactly -k * honest and scaling exactly s * honest", () => {
      const f = signFlip(honest, 3);
      const s = scaled(honest, 10);
      expect(f.every((x, i) => x === -3 * honest[i])).to.equal(true);
      expect(s.every((x, i) => x === 10 * honest[i])).to.equal(true);
      expect(f.some((x) => x !== 0)).to.equal(true);
      expect(signFlip(honest, 1).every((x, i) => x === -honest[i])).to.equal(true);
    });

    it("copy returns the same values in a new array; noise is seeded and has the requested scale", () => {
      const c = copyOf(honest);
      expect(c === honest, "a new array").to.equal(false);
      expect(Array.from(c)).to.deep.equal(Array.from(honest));
      const n1 = gaussianNoise(honest, 11, 2);
      expect(Array.from(gaussianNoise(honest, 11, 2))).to.deep.equal(Array.from(n1));
      expect(Array.from(gaussianNoise(honest, 12, 2))).to.not.deep.equal(Array.from(n1));
      const resid = Array.from(n1).map((x, i) => x - honest[i]);
      const sd = Math.sqrt(resid.reduce((s, x) => s + x * x, 0) / resid.length);
      expect(sd).to.be.within(1.5, 2.5);
    });

    it("label flip trains on labels d -> 9 - d and moves the model toward the wrong digits", () => {
      const data = trainerData(8, 1)[0];
      const flipped = flipLabels(data, 1);
      for (let i = 0; i < data.count; i++) expect(flipped.labels[i]).to.equal(9 - data.labels[i]);
      expect(flipped.x === data.x, "features shared").to.equal(true);
      const opts = { ...DEFAULT_TRAINING, seed: 2 };
      const w0 = initialParams(DEFAULT_FEATURES);
      const u = labelFlip(w0, data, opts, 1);
      expect(Array.from(u)).to.deep.equal(Array.from(localTrain(w0, flipped, opts)));
      const half = flipLabels(data, 3, 0.5);
      const changed = half.labels.filter((l, i) => l !== data.labels[i]).length;
      expect(changed / data.count).to.be.within(0.4, 0.6);
      // The attacker's own data is classified as the flipped digit.
      expect(accuracy(u, flipped)).to.be.greaterThan(0.5);
      expect(accuracy(u, data)).to.be.lessThan(0.2);
    });
  });

  describe("# quantize", () => {
    it("round-trips within half a step, and the integer norm matches", () => {
      const rng = createRng(1);
      const v = Float64Array.from({ length: 130 }, () => (rng.next() - 0.5) * 20);
      const q = quantizeVector(v);
      const back = dequantizeVector(q);
      for (let i = 0; i < v.length; i++) expect(Math.abs(back[i] - v[i])).to.be.at.most(HALF_STEP);
      expect(Array.from(roundTrip(v))).to.deep.equal(Array.from(back));
      expect(normSq(q)).to.equal(q.reduce((s, x) => s + x * x, 0n));
    });

    it("rejects NaN, infinities and out-of-range values loudly; clipToRange is the explicit escape hatch", () => {
      expect(
        isZkMeritError(
          thrown(() => quantizeVector([1, NaN])),
          "QUANTIZE_NOT_FINITE",
        ),
      ).to.equal(true);
      expect(
        isZkMeritError(
          thrown(() => quantizeVector([Infinity])),
          "QUANTIZE_NOT_FINITE",
        ),
      ).to.equal(true);
      expect(
        isZkMeritError(
          thrown(() => quantizeVector([40_000])),
          "QUANTIZE_OUT_OF_RANGE",
        ),
      ).to.equal(true);
      expect(
        isZkMeritError(
          thrown(() => clipToRange([NaN])),
          "QUANTIZE_NOT_FINITE",
        ),
      ).to.equal(true);
      const { min, max } = realRange({ bits: 32, fracBits: 16 });
      const c = clipToRange([1e9, -1e9, 1.5]);
      expect(Array.from(c.values)).to.deep.equal([max, min, 1.5]);
      expect(c.clipped).to.equal(2);
      expect(quantizeVector(c.values)).to.deep.equal([2n ** 31n - 1n, -(2n ** 31n), 98304n]);
    });

    it("converts the filter's parameters to the task header's integers", () => {
      expect(outlierFactorToFixed(4)).to.equal(262144n);
      expect(normBoundSqFromReal(12)).to.equal((12n * 65536n) ** 2n);
    });
  });

  describe("# chainRule", () => {
    it("uses the lower median and squared distances; slashes the norm bound and both duplicate copies; excludes by distance", () => {
      const u = [
        [1, 0],
        [2, 0],
        [3, 0],
        [100, 0],
        [2, 0],
        [0, 5],
      ].map((x) => Float64Array.from(x));
      const r = chainRule(u, { outlierFactor: 4, normBound: 4.9, distFloor: 0, minSubmissions: 3 });
      // Column 0 sorted: 0 1 2 2 3 100, m = floor(5/2) = 2 -> 2. Column 1: 0 0 0 0 0 5 -> 0.
      expect(Array.from(r.median)).to.deep.equal([2, 0]);
      expect(r.dists).to.deep.equal([1, 0, 1, 98 * 98, 0, 4 + 25]);
      // Distances sorted: 0 0 1 1 29 9604 -> medDist = 1.
      expect(r.medDist).to.equal(1);
      expect(r.norm).to.deep.equal([false, false, false, true, false, true]);
      expect(r.far).to.deep.equal([false, false, false, true, false, true]);
      // Positions 1 and 4 are the same update: both slashed, with the two over the norm bound.
      expect(r.dup).to.deep.equal([false, true, false, false, true, false]);
      expect(r.slashed).to.deep.equal([false, true, false, true, true, true]);
      expect(r.excluded).to.deep.equal([false, false, false, false, false, false]);
      expect(Array.from(r.aggregate)).to.deep.equal([2, 0]);
    });

    it("excludes, never slashes, by distance, and only above distFloor and with minSubmissions updates", () => {
      const u = [
        [1, 0],
        [2, 0],
        [3, 0],
        [40, 0],
      ].map((x) => Float64Array.from(x));
      const base = { outlierFactor: 4, normBound: 100, distFloor: 0, minSubmissions: 3 };
      expect(chainRule(u, base).excluded).to.deep.equal([false, false, false, true]);
      expect(chainRule(u, base).slashed).to.deep.equal([false, false, false, false]);
      expect(chainRule(u, { ...base, distFloor: 40 }).excluded).to.deep.equal([false, false, false, false]);
      expect(chainRule(u, { ...base, minSubmissions: 5 }).excluded).to.deep.equal([false, false, false, false]);
    });

    it("returns a zero step when nothing is an inlier, and the mean aggregates everything", () => {
      const u = [
        [10, 0],
        [0, 10],
      ].map((x) => Float64Array.from(x));
      expect(Array.from(chainRule(u, { ...DEFAULT_CHAIN_RULE, normBound: 1 }).aggregate)).to.deep.equal([0, 0]);
      expect(Array.from(meanAggregate(u))).to.deep.equal([5, 5]);
    });
  });

  describe("# simulate", () => {
    const attackers: AttackerSpec[] = [
      { index: 5, kind: "sign-flip" },
      { index: 6, kind: "scaled" },
      { index: 7, kind: "label-flip" },
    ];
    const base = { trainers: 8, rounds: 5, seed: 1 };

    it("is deterministic and keeps every honest value far inside the fixed-point range", () => {
      const a = simulate({ ...base, aggregator: "mean" });
      const b = simulate({ ...base, aggregator: "mean" });
      expect(Array.from(a.params)).to.deep.equal(Array.from(b.params));
      expect(a.rounds.map((r) => r.accuracy)).to.deep.equal(b.rounds.map((r) => r.accuracy));
      for (const r of a.rounds) {
        expect(r.maxAbsHonestUpdate).to.be.lessThan(10);
        expect(r.maxAbsModel).to.be.lessThan(10);
        expect(Math.max(...r.updateNorms)).to.be.at.most(DEFAULT_CHAIN_RULE.normBound);
      }
      expect(maxAbs(a.params)).to.be.lessThan(realRange({ bits: 32, fracBits: 16 }).max / 1000);
      expect(a.finalAccuracy).to.be.greaterThan(0.78);
    });

    it("under attack, the filter flags exactly the attackers and stays near the clean run; the mean does not", () => {
      const clean = simulate({ ...base, aggregator: "mean" }).finalAccuracy;
      const mean = simulate({ ...base, aggregator: "mean", attackers }).finalAccuracy;
      const filtered = simulate({ ...base, aggregator: "median-filter", attackers });
      for (const r of filtered.rounds) expect(r.outliers).to.deep.equal([5, 6, 7]);
      expect(filtered.finalAccuracy).to.be.greaterThan(clean - 0.025);
      expect(mean).to.be.lessThan(clean - 0.08);
    });

    it("flags both copies of an exact duplicate (evidence of collusion, not of who copied whom), and no honest trainer in a clean run", () => {
      const r = simulate({ ...base, rounds: 2, aggregator: "median-filter", attackers: [{ index: 3, kind: "copy", source: 1 }] });
      for (const x of r.rounds) expect(x.outliers).to.deep.equal([1, 3]);
      const clean = simulate({ ...base, rounds: 3, aggregator: "median-filter" });
      for (const x of clean.rounds) expect(x.outliers).to.deep.equal([]);
    });

    it("accepts a custom aggregator and validates the configuration", () => {
      const zero = simulate({ ...base, rounds: 1, aggregator: (u) => ({ aggregate: new Float64Array(u[0].length) }) });
      expect(zero.finalAccuracy).to.equal(zero.initialAccuracy);
      expect(
        isZkMeritError(
          thrown(() => simulate({ ...base, aggregator: "mean", attackers: [{ index: 8, kind: "scaled" }] })),
          "CONFIG",
        ),
      ).to.equal(true);
    });
  });
});
