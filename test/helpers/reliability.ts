import fc from "fast-check";
import {
  feedbackCommitment,
  type BatchInput,
  type Feedback,
  type QueryGrade,
  type ReliabilityParams,
  type ReliabilityShape,
  type Reveal,
  type Score,
} from "../../oracle/reliability";

/** The test instance reliability_1x8x5x2: one score word (8 sources), 8 queries, 5 evaluators, 2 sources per grade. */
export const SHAPE: ReliabilityShape = { words: 1, queries: 8, evaluators: 5, entries: 2 };
/** The rule's parameters in the stories: rate 1/4, 3 graders for a query to count, 40 share points of tolerance, flagged above 50%. */
export const PARAMS: ReliabilityParams = { emaRate: 16384n, minGraders: 3, shareTolerance: 40, disagreePct: 50 };
export const CONTEXT = (31337n << 160n) + 0x5fbdb2315678afecb367f032d93f642f64180aa3n;
export const SETTLER = 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266n;
/** The batch's word: sources 40..47 are slots 0..7. */
export const WORD = 5n;
export const src = (slot: number) => WORD * 8n + BigInt(slot);
export const HALF: Score = { reliability: 32768n, usefulness: 32768n };

/** A grade of a query: its verdicts and the (slot, share) pairs of the answer's sources. */
export function grade(correct: boolean, grounded: boolean, sources: [number, number][]): QueryGrade {
  return { graded: true, correct, grounded, sources: sources.map(([slot, share]) => ({ source: src(slot), share })) };
}
export const SKIP: QueryGrade = { graded: false, correct: false, grounded: false, sources: [] };

/** A reveal of `grades` by `evaluator`, with its commitment; `withheld` leaves its content out. */
export async function reveal(evaluator: bigint, grades: readonly QueryGrade[], withheld = false, shape = SHAPE): Promise<Reveal> {
  const feedback: Feedback = { grades };
  const commitment = await feedbackCommitment(feedback, shape);
  return withheld ? { evaluator, commitment } : { evaluator, commitment, feedback };
}

export function batch(reveals: Reveal[], over: Partial<BatchInput> = {}): BatchInput {
  return {
    shape: SHAPE,
    context: CONTEXT,
    epoch: 7n,
    params: PARAMS,
    words: [WORD],
    oldScores: new Array<Score>(8).fill(HALF),
    reveals,
    settler: SETTLER,
    ...over,
  };
}

/** The truth of a query: which slots the answer used with which shares, and whether it was correct and grounded. */
export interface Truth {
  readonly sources: [number, number][];
  readonly correct: boolean;
  readonly grounded: boolean;
}

/** The honest grade of a truth. */
export const honestGrade = (t: Truth): QueryGrade => grade(t.correct, t.grounded, t.sources);

// ---------------------------------------------------------------------------------------------
// Random batches of the test shape, for the property tests.

const gradeArb = (truth: Truth): fc.Arbitrary<QueryGrade> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(honestGrade(truth)) },
    {
      weight: 3,
      arbitrary: fc
        .record({
          correct: fc.boolean(),
          grounded: fc.boolean(),
          a: fc.integer({ min: 0, max: 7 }),
          b: fc.integer({ min: 0, max: 7 }),
          sa: fc.integer({ min: 0, max: 100 }),
          cut: fc.integer({ min: 0, max: 100 }),
        })
        .map(({ correct, grounded, a, b, sa, cut }) =>
          grade(correct, grounded, [
            [a, sa],
            [b, Math.min(cut, 100 - sa)],
          ]),
        ),
    },
    { weight: 2, arbitrary: fc.constant(SKIP) },
    {
      // An ungraded record may carry anything well formed; it is ignored.
      weight: 1,
      arbitrary: fc.constant<QueryGrade>({ graded: false, correct: true, grounded: true, sources: [{ source: 3n, share: 60 }] }),
    },
  );

const truthArb: fc.Arbitrary<Truth> = fc
  .record({
    a: fc.integer({ min: 0, max: 7 }),
    b: fc.integer({ min: 0, max: 7 }),
    sa: fc.integer({ min: 1, max: 100 }),
    correct: fc.boolean(),
    grounded: fc.boolean(),
  })
  .map(({ a, b, sa, correct, grounded }) => ({
    sources:
      a === b || sa === 100
        ? [[a, sa]]
        : [
            [a, sa],
            [b, 100 - sa],
          ],
    correct,
    grounded,
  }));

const scoreArb: fc.Arbitrary<Score> = fc.record({
  reliability: fc.bigInt({ min: 0n, max: 65535n }),
  usefulness: fc.bigInt({ min: 0n, max: 65535n }),
});

/** A random epoch of the test shape: random truths, evaluators that mostly grade honestly, some withheld reveals. */
export const batchArb: fc.Arbitrary<Promise<BatchInput>> = fc
  .record({
    truths: fc.array(truthArb, { minLength: SHAPE.queries, maxLength: SHAPE.queries }),
    count: fc.integer({ min: 0, max: SHAPE.evaluators }),
    word: fc.bigInt({ min: 0n, max: (1n << 29n) - 1n }),
    old: fc.array(scoreArb, { minLength: 8, maxLength: 8 }),
    epoch: fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }),
    params: fc.record({
      emaRate: fc.bigInt({ min: 0n, max: 65536n }),
      minGraders: fc.integer({ min: 1, max: SHAPE.evaluators }),
      shareTolerance: fc.integer({ min: 0, max: 511 }),
      disagreePct: fc.integer({ min: 0, max: 100 }),
    }),
    firstId: fc.bigInt({ min: 0n, max: (1n << 32n) - 100n }),
    withheld: fc.array(fc.boolean(), { minLength: SHAPE.evaluators, maxLength: SHAPE.evaluators }),
    seed: fc.integer(),
  })
  .chain((b) =>
    fc
      .tuple(...b.truths.map((t) => fc.array(gradeArb(t), { minLength: SHAPE.evaluators, maxLength: SHAPE.evaluators })))
      .map((perQuery) => ({ ...b, perQuery })),
  )
  .map(async (b) => {
    const word = b.word;
    const move = (g: QueryGrade): QueryGrade => ({
      ...g,
      sources: g.graded ? g.sources.map((e) => ({ ...e, source: word * 8n + (e.source & 7n) })) : g.sources,
    });
    const reveals: Reveal[] = [];
    for (let j = 0; j < b.count; j++) {
      const grades = b.perQuery.map((row) => move(row[j]));
      reveals.push(await reveal(b.firstId + BigInt(j * 13), grades, b.withheld[j] && b.seed % 3 === 0));
    }
    return batch(reveals, { words: [word], oldScores: b.old, epoch: b.epoch, params: b.params });
  });
