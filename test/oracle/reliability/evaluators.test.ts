import { expect } from "chai";
import fc from "fast-check";
import { Rng } from "../../../oracle/core";
import {
  SHARE_MAX,
  checkFeedback,
  epochFeedback,
  feedbackCommitment,
  gradeAnswer,
  makePanel,
  type AnswerRecord,
  type EvaluatorSpec,
  type ReliabilityShape,
} from "../../../oracle/reliability";

const SHAPE: ReliabilityShape = { words: 1, queries: 8, evaluators: 5, entries: 2 };
const UNIVERSE = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n];
const Q = { id: 0, text: "What is the capital of Valdoria?", entity: "Valdoria", attribute: "capital" as const, answer: "Morten" };

const recordArb: fc.Arbitrary<AnswerRecord> = fc
  .record({
    a: fc.integer({ min: 0, max: 7 }),
    b: fc.integer({ min: 0, max: 7 }),
    share: fc.integer({ min: 0, max: 100 }),
    correct: fc.boolean(),
    abstain: fc.boolean(),
  })
  .map(({ a, b, share, correct, abstain }) => ({
    question: Q,
    answer: abstain ? null : "Morten",
    correct: !abstain && correct,
    grounded: !abstain,
    sources: abstain
      ? []
      : a === b
        ? [{ source: BigInt(a), share: 100 }]
        : [
            { source: BigInt(a), share },
            { source: BigInt(b), share: 100 - share },
          ].filter((e) => e.share > 0),
  }));

const specArb: fc.Arbitrary<EvaluatorSpec> = fc.record({
  id: fc.bigInt({ min: 0n, max: 1000n }),
  strategy: fc.constantFrom("honest" as const, "boost" as const, "sink" as const, "random" as const),
  target: fc.bigInt({ min: 0n, max: 7n }),
  noise: fc.double({ min: 0, max: 1, noNaN: true }),
  jitter: fc.integer({ min: 0, max: 20 }),
});

describe("oracle/reliability/evaluators", () => {
  it("every strategy produces feedback the reference accepts: Q grades, ≤ U entries, shares 0..100 summing ≤ 100 (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        specArb,
        fc.array(recordArb, { minLength: 0, maxLength: SHAPE.queries }),
        fc.integer(),
        async (spec, records, seed) => {
          const f = epochFeedback(spec, records, SHAPE, { rng: new Rng(seed), universe: UNIVERSE });
          expect(f.grades).to.have.length(SHAPE.queries);
          checkFeedback(f, SHAPE);
          for (const [q, g] of f.grades.entries()) {
            expect(g.graded).to.equal(q < records.length);
            expect(g.sources.length).to.be.at.most(SHAPE.entries);
            expect(g.sources.reduce((s, e) => s + e.share, 0)).to.be.at.most(SHARE_MAX);
            for (const e of g.sources) expect(Number.isInteger(e.share) && e.share >= 0 && e.share <= SHARE_MAX).to.equal(true);
          }
          expect(typeof (await feedbackCommitment(f, SHAPE))).to.equal("bigint");
        },
      ),
      { numRuns: 60 },
    );
  });

  const used: AnswerRecord = {
    question: Q,
    answer: "Karsel",
    correct: false,
    grounded: true,
    sources: [
      { source: 7n, share: 60 },
      { source: 5n, share: 40 },
    ],
  };
  const ctx = { rng: new Rng(1), entries: 2, universe: UNIVERSE };

  it("an honest evaluator without noise grades the truth", () => {
    const g = gradeAnswer({ id: 1n, strategy: "honest", noise: 0, jitter: 0 }, used, ctx);
    expect(g).to.deep.equal({ graded: true, correct: false, grounded: true, sources: used.sources });
  });

  it("a booster calls every answer correct and credits its target with all of it", () => {
    const g = gradeAnswer({ id: 1n, strategy: "boost", target: 6n }, used, ctx);
    expect(g).to.deep.equal({ graded: true, correct: true, grounded: true, sources: [{ source: 6n, share: 100 }] });
  });

  it("a sinker calls answers using its target wrong and gives the target nothing, and grades the others honestly", () => {
    const g = gradeAnswer({ id: 1n, strategy: "sink", target: 5n }, { ...used, correct: true }, ctx);
    expect(g).to.deep.equal({ graded: true, correct: false, grounded: false, sources: [{ source: 7n, share: 60 }] });
    const other = gradeAnswer({ id: 1n, strategy: "sink", target: 0n, jitter: 0 }, used, ctx);
    expect(other).to.deep.equal({ graded: true, correct: false, grounded: true, sources: used.sources });
  });

  it("a panel has round(fraction · count) liars, spread over the reveal order, all with the target", () => {
    const panel = makePanel({ count: 7, liarFraction: 0.3, strategy: "boost", target: 7n });
    const liars = panel.filter((p) => p.strategy === "boost");
    expect(liars.map((p) => p.id)).to.deep.equal([101n, 105n]);
    expect(liars.every((p) => p.target === 7n)).to.equal(true);
    expect(makePanel({ count: 5 }).every((p) => p.strategy === "honest")).to.equal(true);
    expect(() => makePanel({ count: 5, liarFraction: 0.4 })).to.throw(/needs a strategy/);
  });
});
