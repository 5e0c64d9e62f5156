import { expect } from "chai";
import fc from "fast-check";
import { SNARK_FIELD, commitVector, pack, packCount, packVector, toField, unpack } from "../../oracle/core/field";
import { constraintCount, expectFail, expectPass, expectTamperedFails, signalIndex, templateTester } from "../helpers/circuit";
import vectors from "./vectors/fixedpoint.json";

const FILE = "lib/fixedpoint.circom";
const big = (xs: string[]) => xs.map((v) => BigInt(v));
const f = (xs: bigint[]) => xs.map((x) => toField(x).toString());
const signed = (bits: number) => fc.bigInt({ min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n });
// Property runs compute real witnesses; keep them few but meaningful.
const RUNS = Number(process.env.ZKMERIT_FC_RUNS ?? 25);

describe("circuits/lib/fixedpoint", () => {
  describe("# golden vectors", () => {
    for (const v of vectors) {
      it(`${v.name}: reference and circuit both give the pinned packing and commitment`, async () => {
        const x = big(v.x);
        expect(packVector(x, v.bits).map(String)).to.deep.equal(v.packed);
        expect(String(await commitVector(x, v.bits))).to.equal(v.commitment);
        const t = await templateTester(FILE, "VectorCommit", [x.length, v.bits]);
        const w = await expectPass(t, { x: f(x) });
        await t.assertOut(w, { commitment: v.commitment });
      });
    }
  });

  describe("# SignedRange", () => {
    it("accepts exactly [-2^(B-1), 2^(B-1)) at the boundaries", async () => {
      const t = await templateTester(FILE, "SignedRange", [8]);
      for (const x of [-128n, -1n, 0n, 127n]) await t.assertOut(await expectPass(t, { x: toField(x).toString() }), { u: x + 128n });
      for (const x of [128n, -129n, 1n << 200n]) await expectFail(t, { x: toField(x).toString() });
      // Field elements that would wrap: p - 129 is -129; p - 1 is -1 (valid); (p - 1) / 2 is huge.
      await expectFail(t, { x: (SNARK_FIELD - 129n).toString() });
      await expectFail(t, { x: ((SNARK_FIELD - 1n) / 2n).toString() });
    });
  });

  describe("# Pack / Unpack", () => {
    it("Pack(7, 32) equals the reference on random inputs", async () => {
      const t = await templateTester(FILE, "Pack", [7, 32]);
      await fc.assert(
        fc.asyncProperty(fc.array(signed(32), { minLength: 7, maxLength: 7 }), async (x) => {
          const w = await expectPass(t, { x: f(x) });
          await t.assertOut(w, { packed: pack(x, 32) });
        }),
        { numRuns: RUNS },
      );
    });

    it("Pack(7, 32) rejects max+1 and min-1 in any slot", async () => {
      const t = await templateTester(FILE, "Pack", [7, 32]);
      for (const bad of [1n << 31n, -(1n << 31n) - 1n]) {
        for (const slot of [0, 6]) {
          const x = new Array<bigint>(7).fill(0n);
          x[slot] = bad;
          await expectFail(t, { x: f(x) });
        }
      }
    });

    it("Unpack(31, 8) equals the reference on random inputs", async () => {
      const t = await templateTester(FILE, "Unpack", [31, 8]);
      await fc.assert(
        fc.asyncProperty(fc.array(signed(8), { minLength: 31, maxLength: 31 }), async (x) => {
          const p = pack(x, 8);
          expect(unpack(p, 8)).to.deep.equal(x);
          const w = await expectPass(t, { packed: p.toString() });
          await t.assertOut(w, { x: f(x) });
        }),
        { numRuns: RUNS },
      );
    });

    it("Unpack(31, 8) rejects an element wider than 248 bits and a tampered limb", async () => {
      const t = await templateTester(FILE, "Unpack", [31, 8]);
      await expectFail(t, { packed: (1n << 248n).toString() });
      await expectFail(t, { packed: (SNARK_FIELD - 1n).toString() });
      const w = await expectPass(t, { packed: pack([5n, -7n], 8).toString() });
      // Moving one unit between limbs keeps the recomposition only if limbs may leave [0, 2^8).
      await expectTamperedFails(t, w, await signalIndex(t, "main.x[0]"), toField(6n));
    });
  });

  describe("# VectorCommit", () => {
    it("equals the reference on random vectors, across a chunk boundary", async () => {
      const n = packCount(32) * 15 + 3; // 16 packed elements: two Poseidon calls
      const t = await templateTester(FILE, "VectorCommit", [n, 32]);
      await fc.assert(
        fc.asyncProperty(fc.array(signed(32), { minLength: n, maxLength: n }), async (x) => {
          const w = await expectPass(t, { x: f(x) });
          await t.assertOut(w, { commitment: await commitVector(x, 32) });
        }),
        { numRuns: Math.max(3, Math.floor(RUNS / 5)) },
      );
    });

    it("rejects an out-of-range value and a tampered commitment", async () => {
      const t = await templateTester(FILE, "VectorCommit", [8, 32]);
      await expectFail(t, { x: f([0n, 0n, 0n, 1n << 31n, 0n, 0n, 0n, 0n]) });
      const w = await expectPass(t, { x: f([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]) });
      await expectTamperedFails(t, w, await signalIndex(t, "main.commitment"), 12345n);
    });

    it("pins constraint counts", async () => {
      expect(await constraintCount(await templateTester(FILE, "VectorCommit", [8, 32]))).to.equal(706);
      expect(await constraintCount(await templateTester(FILE, "VectorCommit", [128, 32]))).to.equal(5183);
    });
  });
});
