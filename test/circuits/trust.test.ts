import { expect } from "chai";
import fc from "fast-check";
import { toField } from "../../oracle/core/field";
import { DEFAULT_TRUST_MARGIN, normSentinel, rootTrust, type RootTrustInput } from "../../oracle/contribution/trust";
import { constraintCount, expectFail, expectPass, expectTamperedFails, signalIndex, templateTester } from "../helpers/circuit";
import vectors from "./vectors/trust.json";

const FILE = "lib/trust.circom";
const N = 4;
const P = 8;
const B = 32;
const RUNS = Number(process.env.ZKMERIT_FC_RUNS ?? 25);
const SEED = 12345n;

const f = (x: bigint) => toField(x).toString();

/** The template's input for a case (norm2 and the sorted hint as the honest caller and prover give them). */
function circuitInput(c: RootTrustInput): Record<string, unknown> {
  const r = rootTrust(c, B);
  return {
    u: c.updates.map((u) => u.map(f)),
    norm2: r.norm2.map(String),
    member: c.member.map((m) => (m ? "1" : "0")),
    hasRoot: c.hasRoot ? "1" : "0",
    root: c.root.map(f),
    previous: c.previous.map(f),
    margin: c.margin.toString(),
    reward: c.reward.toString(),
    seed: SEED.toString(),
    sortedNorm2: r.sortedNorm2.map(String),
  };
}

function expectedOut(c: RootTrustInput): Record<string, unknown> {
  const r = rootTrust(c, B);
  const bits = (xs: boolean[]) => xs.map((x) => (x ? 1n : 0n));
  return {
    step: r.step.map((x) => toField(x)),
    trust: r.trust,
    excluded: bits(r.excluded),
    inlier: bits(r.inlier),
    value: r.value.map((x) => toField(x)),
    weight: r.weight,
    share: r.share,
  };
}

const value = (bound: number) => fc.integer({ min: -bound, max: bound }).map(BigInt);
const vec = (bound: number) => fc.array(value(bound), { minLength: P, maxLength: P });
const caseArb = fc.record({
  updates: fc.array(vec(1 << 18), { minLength: N, maxLength: N }),
  member: fc.array(fc.boolean(), { minLength: N, maxLength: N }),
  hasRoot: fc.boolean(),
  root: vec(1 << 18),
  previous: vec(1 << 18),
  zeroPrevious: fc.boolean(),
  margin: fc.integer({ min: 0, max: 1 << 16 }).map(BigInt),
  reward: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
});

const zeros = () => new Array<bigint>(P).fill(0n);
const base: RootTrustInput = {
  updates: [
    [3n, 1n, 0n, 0n, 2n, 0n, 0n, 1n].map((x) => x << 14n),
    [2n, 2n, 1n, 0n, 0n, 0n, 1n, 0n].map((x) => x << 14n),
    [1n, 0n, 3n, 1n, 0n, 1n, 0n, 0n].map((x) => x << 14n),
    [-3n, -1n, 0n, 0n, -2n, 0n, 0n, -1n].map((x) => x << 15n),
  ],
  member: [true, true, true, true],
  hasRoot: true,
  root: [2n, 1n, 1n, 0n, 1n, 0n, 0n, 0n].map((x) => x << 14n),
  previous: [2n, 1n, 1n, 0n, 1n, 0n, 0n, 1n].map((x) => x << 13n),
  margin: DEFAULT_TRUST_MARGIN,
  reward: 1_000_000n,
};

describe("circuits/lib/trust (RootTrust)", () => {
  const tester = () => templateTester(FILE, "RootTrust", [N, P, B]);

  describe("# golden vectors", () => {
    for (const v of vectors) {
      it(`${v.name}: the reference and the circuit give the pinned outputs`, async () => {
        const c: RootTrustInput = {
          updates: v.updates.map((u) => u.map(BigInt)),
          member: v.member,
          hasRoot: v.hasRoot,
          root: v.root.map(BigInt),
          previous: v.previous.map(BigInt),
          margin: BigInt(v.margin),
          reward: BigInt(v.reward),
        };
        const r = rootTrust(c, B);
        expect(r.step.map(String)).to.deep.equal(v.step);
        expect(r.trust.map(String)).to.deep.equal(v.trust);
        expect(r.excluded).to.deep.equal(v.excluded);
        expect(r.value.map(String)).to.deep.equal(v.value);
        expect(r.share.map(String)).to.deep.equal(v.share);
        const t = await tester();
        await t.assertOut(await expectPass(t, circuitInput(c)), expectedOut(c));
      });
    }
  });

  describe("# the rule", () => {
    it("the attacker pointing against the root is excluded, and the others share the whole reward", async () => {
      const r = rootTrust(base, B);
      expect(r.excluded).to.deep.equal([false, false, false, true]);
      expect(r.trust[3]).to.equal(0n);
      expect(r.share[3]).to.equal(0n);
      expect(r.share.reduce((a, x) => a + x, 0n)).to.equal(base.reward);
      const t = await tester();
      await t.assertOut(await expectPass(t, circuitInput(base)), expectedOut(base));
    });

    it("(T4) trust is floor(t^2 / 2^16) of t = clamp(cos + margin, 0, 1): an update across the root keeps margin^2", async () => {
      // Update 0 is orthogonal to the root (cos 0), so t_0 is the margin itself.
      const across = [0n, 0n, 0n, 1n, 0n, 0n, 0n, 0n].map((x) => x << 14n);
      const c = { ...base, updates: [across, ...base.updates.slice(1)] };
      const r = rootTrust(c, B);
      expect(r.cosine[0]).to.equal(0n);
      expect(r.trust[0]).to.equal((DEFAULT_TRUST_MARGIN * DEFAULT_TRUST_MARGIN) >> 16n);
      expect(r.trust[0]).to.equal(5898n); // 0.3^2 = 0.09
      expect(r.trust[3]).to.equal(0n);
      const t = await tester();
      await t.assertOut(await expectPass(t, circuitInput(c)), expectedOut(c));
      // At the boundary: t = 255 squares to a trust of 0 (excluded, never slashed), t = 256 to 1.
      for (const [margin, trust] of [
        [255n, 0n],
        [256n, 1n],
      ] as const) {
        const m = { ...c, margin };
        const rm = rootTrust(m, B);
        expect(rm.trust[0]).to.equal(trust);
        expect(rm.excluded[0]).to.equal(trust === 0n);
        await t.assertOut(await expectPass(t, circuitInput(m)), expectedOut(m));
      }
    });

    it("without a root update every member has trust 1 and shares equally (the remainder to the first)", async () => {
      const c = { ...base, hasRoot: false, root: zeros(), reward: 1_000_003n };
      const r = rootTrust(c, B);
      expect(r.trust).to.deep.equal([65536n, 65536n, 65536n, 65536n]);
      expect(r.share).to.deep.equal([250_003n, 250_000n, 250_000n, 250_000n]);
      const t = await tester();
      await t.assertOut(await expectPass(t, circuitInput(c)), expectedOut(c));
    });

    it("an update larger than the median norm is clipped to it; one below keeps its length", () => {
      // Squared norms 10, 160, 15 and 12 (in units of 2^28): the lower median is 12.
      const [u0, u1, u2] = base.updates;
      const c = { ...base, updates: [u1, u1.map((x) => x * 4n), u0, u2] };
      const r = rootTrust(c, B);
      expect(r.clipNorm2).to.equal(12n << 28n);
      expect(r.clip[0]).to.equal(65536n);
      expect(r.clip[3]).to.equal(65536n);
      expect(Number(r.clip[1])).to.be.within(Math.floor(65536 * Math.sqrt(12 / 160)) - 1, Math.floor(65536 * Math.sqrt(12 / 160)));
      expect(Number(r.clip[2])).to.be.within(Math.floor(65536 * Math.sqrt(12 / 15)) - 1, Math.floor(65536 * Math.sqrt(12 / 15)));
    });

    it("in round 0 (a zero previous step) the circuit proves what the reference settles", async () => {
      const c = { ...base, previous: zeros() };
      const r = rootTrust(c, B);
      expect(r.share.reduce((a, x) => a + x, 0n)).to.equal(base.reward);
      const t = await tester();
      await t.assertOut(await expectPass(t, circuitInput(c)), expectedOut(c));
    });

    it("a zero update gets trust 0 with a root (excluded, unpaid) and no slash", async () => {
      const c = { ...base, updates: [zeros(), ...base.updates.slice(1)] };
      const r = rootTrust(c, B);
      expect(r.trust[0]).to.equal(0n);
      expect(r.excluded[0]).to.equal(true);
      const t = await tester();
      await t.assertOut(await expectPass(t, circuitInput(c)), expectedOut(c));
    });

    it("with no member nothing moves and nothing is paid", async () => {
      const c = { ...base, member: [false, false, false, false] };
      const r = rootTrust(c, B);
      expect(r.step).to.deep.equal(zeros());
      expect(r.share).to.deep.equal([0n, 0n, 0n, 0n]);
      const t = await tester();
      await t.assertOut(await expectPass(t, circuitInput(c)), expectedOut(c));
    });

    it("a resubmitted previous step adds nothing over itself, so it earns nothing", () => {
      const c = { ...base, updates: [...base.updates.slice(0, 3), base.previous.slice()] };
      const r = rootTrust(c, B);
      expect(r.inlier[3]).to.equal(true);
      expect(r.value[3] <= 0n).to.equal(true);
      expect(r.share[3]).to.equal(0n);
    });

    it("a copy of the others' mean adds nothing, so it earns nothing", () => {
      const others = base.updates.slice(0, 3);
      const mean = others[0].map((_, k) => (others[0][k] + others[1][k] + others[2][k]) / 3n);
      const c = { ...base, updates: [...others, mean] };
      const r = rootTrust(c, B);
      expect(r.inlier[3]).to.equal(true);
      expect(r.share[3]).to.be.lessThan(r.share.slice(0, 3).reduce((a, x) => (x > a ? x : a), 0n) / 4n + 1n);
    });
  });

  describe("# properties", () => {
    it("the circuit computes the reference's outputs on random rounds", async () => {
      const t = await tester();
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const input: RootTrustInput = { ...c, root: c.hasRoot ? c.root : zeros(), previous: c.zeroPrevious ? zeros() : c.previous };
          await t.assertOut(await expectPass(t, circuitInput(input)), expectedOut(input));
        }),
        { numRuns: RUNS },
      );
    });

    it("shares sum to the reward whenever someone is an inlier, and the step is within the members' range", () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const input: RootTrustInput = { ...c, root: c.hasRoot ? c.root : zeros() };
          const r = rootTrust(input, B);
          const paid = r.share.reduce((a, x) => a + x, 0n);
          expect(paid).to.equal(r.inlier.some(Boolean) ? input.reward : 0n);
          for (let j = 0; j < N; j++) if (!r.inlier[j]) expect(r.share[j] === 0n || j === r.inlier.indexOf(true)).to.equal(true);
          for (let k = 0; k < P; k++) {
            const col = input.updates.filter((_, j) => r.inlier[j]).map((u) => u[k]);
            if (col.length === 0) continue;
            const lo = col.reduce((a, x) => (x < a ? x : a), 0n);
            const hi = col.reduce((a, x) => (x > a ? x : a), 0n);
            expect(r.step[k] >= lo - 1n && r.step[k] <= hi).to.equal(true);
          }
        }),
        { numRuns: 200 },
      );
    });
  });

  describe("# soundness", () => {
    it("a clip hint, a cosine hint, a squared trust or a sorted norm off by one is rejected", async () => {
      const t = await tester();
      const c = { ...base, updates: [base.updates[0], base.updates[0].map((x) => x * 4n), base.updates[1], base.updates[3]] };
      const w = await expectPass(t, circuitInput(c));
      const r = rootTrust(c, B);
      for (const [name, good] of [
        ["main.clipHint[1]", r.clip[1]],
        ["main.cosHint[0]", r.cosine[0]],
        ["main.cosHint[3]", -r.cosine[3]],
        ["main.squared[0]", r.trust[0]],
      ] as const) {
        const i = await signalIndex(t, name);
        await expectTamperedFails(t, w, i, good + 1n);
        await expectTamperedFails(t, w, i, good - 1n);
      }
      const input = circuitInput(c);
      const sorted = (input.sortedNorm2 as string[]).slice();
      sorted[0] = (BigInt(sorted[0]) + 1n).toString();
      await expectFail(t, { ...input, sortedNorm2: sorted });
    });

    it("a margin above 1 is rejected", async () => {
      const t = await tester();
      await expectPass(t, { ...circuitInput(base), margin: "65536" });
      await expectFail(t, { ...circuitInput(base), margin: "65537" });
    });

    it("the reference names the bad value: out-of-range entries, a root without hasRoot, a reward of 2^129", () => {
      expect(() => rootTrust({ ...base, updates: [[1n << 31n, ...zeros().slice(1)], ...base.updates.slice(1)] }, B)).to.throw(
        /update 0\[0\]/,
      );
      expect(() => rootTrust({ ...base, hasRoot: false }, B)).to.throw(/root must be all zeros/);
      expect(() => rootTrust({ ...base, reward: 1n << 129n }, B)).to.throw(/reward must be in/);
      expect(() => rootTrust({ ...base, previous: [-(1n << 31n) - 1n, ...zeros().slice(1)] }, B)).to.throw(/previous\[0\]/);
    });

    it("the sentinel is above every B-bit norm", () => {
      expect(normSentinel(B) > BigInt(P) << (2n * BigInt(B) - 2n)).to.equal(true);
    });

    it(`RootTrust(${N}, ${P}, ${B}) has a bounded constraint count`, async () => {
      const t = await tester();
      const n = await constraintCount(t);
      expect(n).to.be.greaterThan(1000);
      expect(n).to.be.lessThan(12_000);
    });
  });
});
