import { expect } from "chai";
import fc from "fast-check";
import { SNARK_FIELD, floorDiv, fromField, proofContext, toField } from "../../../../oracle/core/field";
import { isZkMeritError } from "../../../../oracle/core/errors";

const HALF = SNARK_FIELD / 2n;

describe("oracle/core/field/field", () => {
  describe("# toField / fromField", () => {
    it("maps negatives to r - |x| and back", () => {
      expect(toField(-1n)).to.equal(SNARK_FIELD - 1n);
      expect(toField(5n)).to.equal(5n);
      expect(fromField(SNARK_FIELD - 1n)).to.equal(-1n);
      expect(fromField(HALF)).to.equal(HALF);
      expect(fromField(HALF + 1n)).to.equal(-HALF);
    });

    it("round-trips every value of magnitude <= (r-1)/2", () => {
      fc.assert(fc.property(fc.bigInt({ min: -HALF, max: HALF }), (x) => fromField(toField(x)) === x));
    });

    it("rejects values that would wrap the field", () => {
      for (const x of [HALF + 1n, -HALF - 1n, SNARK_FIELD]) {
        let err: unknown;
        try {
          toField(x);
        } catch (e) {
          err = e;
        }
        expect(isZkMeritError(err, "FIELD_OUT_OF_RANGE"), `toField(${x})`).to.equal(true);
      }
      expect(() => fromField(SNARK_FIELD)).to.throw(/not a field element/);
      expect(() => fromField(-1n)).to.throw(/not a field element/);
    });
  });

  describe("# proofContext", () => {
    it("packs chain id above a 160-bit address", () => {
      const addr = "0x00000000000000000000000000000000000000ff";
      expect(proofContext(31337, addr)).to.equal((31337n << 160n) + 255n);
    });
    it("rejects a chain id of 64 bits or more and a malformed address", () => {
      expect(() => proofContext(1n << 64n, "0x" + "11".repeat(20))).to.throw(/64 bits/);
      expect(() => proofContext(1, "0x1234")).to.throw(/20-byte/);
    });
  });

  describe("# floorDiv", () => {
    it("rounds toward negative infinity", () => {
      expect(floorDiv(7n, 2n)).to.equal(3n);
      expect(floorDiv(-7n, 2n)).to.equal(-4n);
      expect(floorDiv(-8n, 2n)).to.equal(-4n);
      fc.assert(
        fc.property(fc.bigInt({ min: -(1n << 100n), max: 1n << 100n }), fc.bigInt({ min: 1n, max: 1n << 64n }), (a, b) => {
          const q = floorDiv(a, b);
          const r = a - q * b;
          return r >= 0n && r < b;
        }),
      );
    });
  });
});
