import { expect } from "chai";
import fc from "fast-check";
import { DEFAULT_FIXED_POINT, dequantize, quantize, realRange } from "../../../../oracle/core/field";
import { isZkMeritError } from "../../../../oracle/core/errors";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("oracle/core/field/fixedpoint", () => {
  describe("# quantize", () => {
    it("rounds to the nearest step, ties away from zero", () => {
      const p = { bits: 16, fracBits: 2 }; // step 0.25
      expect(quantize([0, 0.25, 0.3, 0.375, -0.375, 0.125, -0.125, 1.1], p)).to.deep.equal([0n, 1n, 1n, 2n, -2n, 1n, -1n, 4n]);
    });

    it("accepts the extremes of the range and rejects one step past them", () => {
      const p = { bits: 8, fracBits: 4 };
      const r = realRange(p); // [-8, 7.9375]
      expect(quantize([r.min, r.max], p)).to.deep.equal([-128n, 127n]);
      const hi = thrown(() => quantize([0, r.max + 1 / 16], p));
      expect(isZkMeritError(hi, "QUANTIZE_OUT_OF_RANGE")).to.equal(true);
      expect((hi as Error).message)
        .to.contain("index 1")
        .and.contain("7.9375");
      const lo = thrown(() => quantize([r.min - 1 / 16], p));
      expect(isZkMeritError(lo, "QUANTIZE_OUT_OF_RANGE")).to.equal(true);
    });

    it("rejects NaN and infinities, naming the index and value", () => {
      for (const [bad, name] of [
        [NaN, "NaN"],
        [Infinity, "Infinity"],
        [-Infinity, "-Infinity"],
      ] as const) {
        const e = thrown(() => quantize([1, 2, bad]));
        expect(isZkMeritError(e, "QUANTIZE_NOT_FINITE")).to.equal(true);
        expect((e as Error).message)
          .to.contain("index 2")
          .and.contain(name);
      }
    });

    it("rejects values that overflow double precision when scaled", () => {
      expect(
        isZkMeritError(
          thrown(() => quantize([1e308])),
          "QUANTIZE_OUT_OF_RANGE",
        ),
      ).to.equal(true);
    });

    it("rejects bad parameters", () => {
      expect(
        isZkMeritError(
          thrown(() => quantize([1], { bits: 64, fracBits: 16 })),
          "FIXED_POINT_PARAMS",
        ),
      ).to.equal(true);
      expect(
        isZkMeritError(
          thrown(() => quantize([1], { bits: 32, fracBits: 32 })),
          "FIXED_POINT_PARAMS",
        ),
      ).to.equal(true);
    });

    it("dequantize(quantize(v)) is within half a step of v", () => {
      const r = realRange(DEFAULT_FIXED_POINT);
      fc.assert(
        fc.property(fc.array(fc.double({ min: r.min, max: r.max, noNaN: true }), { maxLength: 50 }), (vs) => {
          const back = dequantize(quantize(vs));
          vs.forEach((v, i) => expect(Math.abs(back[i] - v)).to.be.at.most(2 ** -17));
        }),
      );
    });
  });
});
