import { expect } from "chai";
import {
  ULP,
  alie,
  alieZ,
  CONE_COSINE,
  chainRule,
  coneAttack,
  coneCosine,
  distSq,
  federationData,
  ipm,
  largestPassing,
  localTrain,
  initialParams,
  meanOf,
  medianShift,
  minMax,
  minSum,
  nearCopies,
  normalQuantile,
  perturbation,
  quantizeVector,
  rootTrustOf,
  roundTrip,
  shifted,
  stdOf,
  trainerData,
  DEFAULT_TRAINING,
} from "../../../../oracle/contribution/model";

/** The benign updates of round 0 of seed 1 (8 trainers from the zero model), on the fixed point. */
function benignRound(): Float64Array[] {
  const locals = trainerData(8, 1);
  const w = initialParams(locals[0].dim);
  return locals.map((d, i) => roundTrip(localTrain(w, d, { ...DEFAULT_TRAINING, seed: 100 + i })));
}

function maxPairwise(xs: readonly Float64Array[]): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) m = Math.max(m, distSq(xs[i], xs[j]));
  return m;
}

describe("oracle/contribution/model/attacks (attacks on robust aggregation)", function () {
  this.timeout(60_000);
  let benign: Float64Array[];

  before(() => {
    federationData();
    benign = benignRound();
  });

  describe("# alie", () => {
    it("takes z from the paper's formula: s = floor(n/2 + 1) - f, z = Phi^-1((n - s) / n)", () => {
      expect(normalQuantile(0.975)).to.be.closeTo(1.959964, 1e-6);
      expect(normalQuantile(0.5)).to.equal(0);
      expect(normalQuantile(0.01)).to.be.closeTo(-2.326348, 1e-6);
      expect(alieZ(8, 1)).to.equal(0);
      expect(alieZ(8, 2)).to.be.closeTo(0.318639, 1e-6);
      expect(alieZ(8, 3)).to.be.closeTo(0.67449, 1e-5);
    });

    it("is mean - z * std, so every value lies within z * std of the benign mean", () => {
      const z = alieZ(8, 3);
      const m = meanOf(benign);
      const s = stdOf(benign);
      const a = alie(benign, z);
      let shifted = 0;
      for (let k = 0; k < a.length; k++) {
        expect(Math.abs(a[k] - m[k])).to.be.at.most(z * s[k] + 1e-12);
        expect(a[k]).to.be.closeTo(m[k] - z * s[k], 1e-12);
        if (s[k] > 0) shifted++;
      }
      expect(shifted, "the attack moves most values").to.be.greaterThan(a.length / 2);
    });
  });

  describe("# ipm", () => {
    it("is exactly -eps * the benign mean", () => {
      const m = meanOf(benign);
      for (const eps of [0.1, 3]) {
        const x = ipm(benign, eps);
        for (let k = 0; k < x.length; k++) expect(x[k]).to.equal(-eps * m[k]);
      }
    });
  });

  describe("# minMax and minSum", () => {
    for (const direction of ["unit", "std", "sign"] as const) {
      it(`min-max (${direction}) stays within the largest benign distance, and a 2% larger gamma does not`, () => {
        const r = minMax(benign, direction);
        const bound = maxPairwise(benign);
        expect(r.gamma).to.be.greaterThan(0);
        expect(Math.max(...benign.map((b) => distSq(r.update, b)))).to.be.at.most(bound);
        const beyond = shifted(meanOf(benign), perturbation(benign, direction), r.gamma * 1.02);
        expect(Math.max(...benign.map((b) => distSq(beyond, b)))).to.be.greaterThan(bound);
      });
    }

    it("min-sum stays within the largest benign sum of squared distances, and a 2% larger gamma does not", () => {
      const sum = (x: Float64Array) => benign.reduce((s, b) => s + distSq(x, b), 0);
      const bound = Math.max(...benign.map(sum));
      const r = minSum(benign, "std");
      expect(sum(r.update)).to.be.at.most(bound);
      expect(sum(shifted(meanOf(benign), perturbation(benign, "std"), r.gamma * 1.02))).to.be.greaterThan(bound);
    });

    it("perturbation directions are -unit mean, -std and -sign of the mean", () => {
      const m = meanOf(benign);
      const u = perturbation(benign, "unit");
      expect(distSq(u, new Float64Array(u.length))).to.be.closeTo(1, 1e-12);
      for (let k = 0; k < m.length; k++) {
        expect(Math.sign(u[k])).to.equal(-Math.sign(m[k]));
        expect(perturbation(benign, "sign")[k]).to.equal(-Math.sign(m[k]));
      }
      expect(Array.from(perturbation(benign, "std"))).to.deep.equal(Array.from(stdOf(benign)).map((x) => -x));
    });

    it("largestPassing finds the end of a passing interval", () => {
      expect(largestPassing((x) => x <= 3.7)).to.be.closeTo(3.7, 1e-6);
      expect(largestPassing((x) => x <= 0.01, 1)).to.be.closeTo(0.01, 1e-6);
      expect(largestPassing(() => false)).to.equal(0);
    });
  });

  describe("# medianShift", () => {
    it("gives f identical colluders that become the lower median of the round's 8 submissions, for f = 1, 2, 3", () => {
      for (const f of [1, 2, 3]) {
        const honest = benign.slice(0, 8 - f);
        const colluders = medianShift(honest, f);
        expect(colluders).to.have.length(f);
        for (const c of colluders) expect(Array.from(c)).to.deep.equal(Array.from(colluders[0]));
        const r = chainRule([...honest, ...colluders]);
        expect(Array.from(r.median)).to.deep.equal(Array.from(colluders[0]));
        // The median moved away from the honest one, against the honest mean.
        const before = chainRule(honest).median;
        const m = meanOf(honest);
        let moved = 0;
        for (let k = 0; k < m.length; k++) {
          expect((r.median[k] - before[k]) * Math.sign(m[k])).to.be.at.most(0);
          if (r.median[k] !== before[k]) moved++;
        }
        expect(moved).to.be.greaterThan(m.length / 4);
        // Identical colluders are exact duplicates of one another: slashed when f > 1, yet counted in the median.
        expect(r.slashed.slice(8 - f).every((x) => x === f > 1)).to.equal(true);
      }
    });
  });

  describe("# nearCopies", () => {
    it("each copy differs from the source in exactly one value, by exactly one fixed-point step", () => {
      const v = benign[0];
      const q = quantizeVector(v);
      const copies = nearCopies(v, 3);
      expect(ULP).to.equal(2 ** -16);
      copies.forEach((c, a) => {
        const d = quantizeVector(c).map((x, k) => x - q[k]);
        expect(d.filter((x) => x !== 0n)).to.deep.equal([1n]);
        expect(d[a]).to.equal(1n);
      });
      // No two copies are equal, so none is an exact duplicate (of the source or of each other).
      expect(chainRule([v, ...copies, ...benign.slice(1, 4)]).dup.every((x) => !x)).to.equal(true);
    });
  });

  describe("# coneCosine", () => {
    it("finds the cone attacker's best cosine: the closed form for a linear trust, the clamp's corner for the squared one", () => {
      const m = 0.2;
      expect(coneCosine((c) => Math.max(0, Math.min(1, c + m)))).to.be.closeTo((-m + Math.sqrt(m * m + 8)) / 4, 1e-4);
      // Squared: the interior optimum (-0.3 + sqrt(24.09)) / 6 = 0.768 lies past the corner 1 - 0.3 of the clamp.
      expect(coneCosine((c) => rootTrustOf(c, 0.3))).to.be.closeTo(0.7, 1e-4);
      // At margin 0.1 the interior optimum 0.8 is inside the clamp; at 0.5 the corner 0.5 wins again.
      expect(coneCosine((c) => rootTrustOf(c, 0.1))).to.be.closeTo((-0.1 + Math.sqrt(0.01 + 24)) / 6, 1e-4);
      expect(coneCosine((c) => rootTrustOf(c, 0.5))).to.be.closeTo(0.5, 1e-4);
      expect(CONE_COSINE).to.equal(coneCosine((c) => rootTrustOf(c)));
    });
  });

  describe("# coneAttack", () => {
    it("sits at the chosen cosine with the benign mean, at the median benign norm, and leaves along the perturbation", () => {
      const u = coneAttack(benign, "sign", 0.65);
      const m = meanOf(benign);
      const norm = (x: ArrayLike<number>) => Math.sqrt(distSq(x, new Float64Array(x.length)));
      const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((t, x, k) => t + x * b[k], 0);
      expect(dot(u, m) / (norm(u) * norm(m))).to.be.closeTo(0.65, 1e-9);
      const norms = benign.map(norm).sort((a, b) => a - b);
      expect(norm(u)).to.be.closeTo(norms[3], 1e-9);
      const p = perturbation(benign, "sign");
      const orth = u.map((x, k) => x - (dot(u, m) / dot(m, m)) * m[k]);
      expect(dot(orth, p)).to.be.greaterThan(0);
      expect(() => coneAttack(benign, "sign", 1.5)).to.throw(/cosine must be in \[-1, 1\]/);
    });
  });
});
