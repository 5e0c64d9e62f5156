import { expect } from "chai";
import fc from "fast-check";
import { pack, packCount, packVector, packedLength, unpack, unpackVector } from "../../../../oracle/core/field";

const signed = (bits: number) => fc.bigInt({ min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n });

describe("oracle/core/field/packing", () => {
  it("fits floor(253 / B) values per field element", () => {
    expect(packCount(32)).to.equal(7);
    expect(packCount(16)).to.equal(15);
    expect(packCount(8)).to.equal(31);
    expect(packedLength(128, 32)).to.equal(19);
  });

  it("places value i at bit offset B*i in offset form", () => {
    expect(pack([0n, -1n], 8)).to.equal(128n + (127n << 8n));
    expect(pack([-128n, 127n], 8)).to.equal(0n + (255n << 8n));
  });

  it("unpack(pack(x)) == x for random vectors and widths", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 64 })
          .chain((bits) => fc.tuple(fc.constant(bits), fc.array(signed(bits), { minLength: 1, maxLength: 200 }))),
        ([bits, xs]) => {
          expect(unpackVector(packVector(xs, bits), bits, xs.length)).to.deep.equal(xs);
          const k = packCount(bits);
          const head = xs.slice(0, k);
          expect(unpack(pack(head, bits), bits, head.length)).to.deep.equal(head);
        },
      ),
    );
  });

  it("rejects out-of-range values naming the index", () => {
    expect(() => packVector([0n, 128n], 8)).to.throw(/index 1.*\[-128, 127\]/);
    expect(() => packVector([-129n], 8)).to.throw(/index 0/);
    expect(() => pack(new Array(32).fill(0n), 8)).to.throw(/do not fit/);
  });

  it("rejects a packed element wider than K*B bits and non-zero padding", () => {
    expect(() => unpack(1n << 248n, 8)).to.throw(/exceeds 248 bits/);
    const packed = packVector([1n, 2n], 8);
    packed[0] |= 1n << 100n; // a padding limb made non-zero
    expect(() => unpackVector(packed, 8, 2)).to.throw(/padding limb/);
  });
});
