import { expect } from "chai";
import fc from "fast-check";
import { formatTable, kendallTauB, scoreTau } from "../../../oracle/reliability";

describe("oracle/reliability/metrics", () => {
  describe("# kendallTauB", () => {
    it("is 1 for the same order, -1 for the reverse, 0 against a constant", () => {
      expect(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40])).to.equal(1);
      expect(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1])).to.equal(-1);
      expect(kendallTauB([1, 2, 3], [5, 5, 5])).to.equal(0);
    });

    it("corrects for ties (tau-b): [1,2,3] against [1,1,2] is 2/sqrt(6)", () => {
      expect(kendallTauB([1, 2, 3], [1, 1, 2])).to.be.closeTo(2 / Math.sqrt(6), 1e-12);
      // one swapped pair of 8 (28 pairs): (27 - 1) / 28
      expect(kendallTauB([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4, 3, 5, 6, 7, 8])).to.be.closeTo(26 / 28, 1e-12);
    });

    it("is symmetric, in [-1, 1], and invariant under monotone maps (property)", () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 12 }),
          (pairs) => {
            const x = pairs.map((p) => p[0]);
            const y = pairs.map((p) => p[1]);
            const t = kendallTauB(x, y);
            expect(t).to.be.within(-1 - 1e-12, 1 + 1e-12);
            expect(kendallTauB(y, x)).to.be.closeTo(t, 1e-12);
            expect(
              kendallTauB(
                x.map((v) => 3 * v + 7),
                y,
              ),
            ).to.be.closeTo(t, 1e-12);
          },
        ),
      );
    });

    it("compares score maps over the sources of the truth, a missing score at the prior", () => {
      const truth = new Map([
        [0n, 60000n],
        [1n, 30000n],
        [2n, 5000n],
      ]);
      expect(scoreTau(new Map([[0n, 40000n]]), truth)).to.be.closeTo(kendallTauB([40000, 32768, 32768], [3, 2, 1]), 1e-12);
    });
  });

  it("formats a table with aligned columns", () => {
    expect(
      formatTable(
        ["a", "bb"],
        [
          ["x", "1"],
          ["yy", "22"],
        ],
      ).split("\n"),
    ).to.deep.equal(["a   bb", "--  --", "x    1", "yy  22"]);
  });
});
