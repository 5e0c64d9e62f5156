import { expect } from "chai";
import fc from "fast-check";
import { isZkMeritError } from "../../../oracle/core";
import { DEFAULT_CHOICES, DEFAULT_QUESTIONS, generateQuestions } from "../../../oracle/reputation";
import { Rng } from "../../../oracle/core";

describe("oracle/reputation/questions", () => {
  describe("# generateQuestions", () => {
    it("is a pure function of its options: the same seed gives the same set, another seed another", () => {
      const a = generateQuestions({ seed: 7 });
      expect(generateQuestions({ seed: 7 })).to.deep.equal(a);
      expect(generateQuestions({ seed: 8 })).to.not.deep.equal(a);
      expect(generateQuestions({ seed: "7" })).to.deep.equal(a);
    });

    it("defaults to 40 four-option questions, indexed in order", () => {
      const qs = generateQuestions();
      expect(qs.length).to.equal(DEFAULT_QUESTIONS);
      expect(qs.map((q) => q.index)).to.deep.equal(Array.from({ length: DEFAULT_QUESTIONS }, (_, i) => i));
      expect(qs.every((q) => q.choices === DEFAULT_CHOICES)).to.equal(true);
    });

    it("a longer set starts with the shorter one (each question has its own stream)", () => {
      expect(generateQuestions({ seed: 3, count: 50 }).slice(0, 10)).to.deep.equal(generateQuestions({ seed: 3, count: 10 }));
    });

    it("every question has a correct option, a lure that is another option, and a difficulty in its range", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 1_000_000 }),
          fc.integer({ min: 2, max: 8 }),
          fc.integer({ min: 1, max: 60 }),
          fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
          (seed, choices, count, [x, y]) => {
            const [lo, hi] = x <= y ? [x, y] : [y, x];
            const qs = generateQuestions({ seed, choices, count, difficulty: [lo, hi] });
            expect(qs.length).to.equal(count);
            for (const q of qs) {
              expect(q.correct).to.be.within(0, choices - 1);
              expect(q.lure).to.be.within(0, choices - 1);
              expect(q.lure).to.not.equal(q.correct);
              expect(q.difficulty).to.be.within(lo, hi);
            }
          },
        ),
        { numRuns: 200 },
      );
    });

    it("spreads difficulties uniformly and correct options and lures evenly", () => {
      const qs = generateQuestions({ seed: 11, count: 4000 });
      const mean = qs.reduce((s, q) => s + q.difficulty, 0) / qs.length;
      expect(mean).to.be.closeTo(0.5, 0.02);
      expect(qs.filter((q) => q.difficulty < 0.25).length / qs.length).to.be.closeTo(0.25, 0.03);
      for (let c = 0; c < DEFAULT_CHOICES; c++) {
        expect(qs.filter((q) => q.correct === c).length / qs.length).to.be.closeTo(0.25, 0.03);
        expect(qs.filter((q) => q.lure === c).length / qs.length).to.be.closeTo(0.25, 0.03);
      }
    });

    it("rejects a count, a number of options or a difficulty range out of bounds, naming the value", () => {
      for (const [opts, pattern] of [
        [{ count: -1 }, /count must be .* got -1/],
        [{ count: 1.5 }, /count must be .* got 1.5/],
        [{ choices: 1 }, /choices must be .* got 1/],
        [{ difficulty: [0.6, 0.4] as const }, /difficulty must be .* \[0.6, 0.4\]/],
        [{ difficulty: [-0.1, 0.4] as const }, /difficulty must be/],
      ] as const) {
        try {
          generateQuestions(opts);
          expect.fail(`accepted ${JSON.stringify(opts)}`);
        } catch (e) {
          expect(isZkMeritError(e, "CONFIG"), String(e)).to.equal(true);
          expect((e as Error).message).to.match(pattern);
        }
      }
    });
  });

  describe("# Rng", () => {
    it("is deterministic from its seed, and forks are independent of later draws of the parent", () => {
      const a = new Rng("x");
      const b = new Rng("x");
      expect([a.next(), a.int(10), a.uniform(2, 3)]).to.deep.equal([b.next(), b.int(10), b.uniform(2, 3)]);
      const f1 = new Rng(5).fork("label");
      const f2 = new Rng(5).fork("label");
      expect(f1.next()).to.equal(f2.next());
      expect(new Rng(5).fork("other").next()).to.not.equal(new Rng(5).fork("label").next());
    });
  });
});
