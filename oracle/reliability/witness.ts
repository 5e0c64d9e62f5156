import { LANES, type BatchUpdate, type QueryGrade } from "./reference";

/** The input object of Reliability(W, Q, E, U): every value a decimal string. */
export type ReliabilityWitness = {
  batchHash: string;
  acc: string;
  settler: string;
  context: string;
  epoch: string;
  ruleParams: string;
  count: string;
  evaluator: string[];
  commitment: string[];
  included: string[];
  graded: string[][];
  correct: string[][];
  grounded: string[][];
  source: string[][][];
  share: string[][][];
  wordIndex: string[];
  oldRel: string[];
  oldUse: string[];
  median: string[][];
};

const bit = (b: boolean) => (b ? "1" : "0");
const NO_GRADE: QueryGrade = { graded: false, correct: false, grounded: false, sources: [] };

/**
 * The circuit input of a batch settled by the reference (`updateBatch`), which carries its input:
 * `prove(circuit, buildWitness(await updateBatch(input)))`, for an instance of the input's shape.
 * Left-out positions (feedback unavailable) and padding positions count..E-1 carry zero grades
 * (padding also evaluator 0 and commitment 0); the medians come from the reference.
 */
export function buildWitness(u: BatchUpdate): ReliabilityWitness {
  const { input, trace, publicInputs } = u;
  const { queries: Q, evaluators: E, entries: U } = input.shape;
  const grades = (j: number): readonly QueryGrade[] => {
    const f = j < input.reveals.length && trace.included[j] ? input.reveals[j].feedback : undefined;
    return f ? f.grades : new Array<QueryGrade>(Q).fill(NO_GRADE);
  };
  const perPosition = <T>(f: (g: QueryGrade) => T): T[][] => Array.from({ length: E }, (_, j) => grades(j).map(f));
  const entry = (g: QueryGrade, key: "source" | "share") =>
    Array.from({ length: U }, (_, i) => (i < g.sources.length ? String(g.sources[i][key]) : "0"));
  return {
    batchHash: publicInputs.batchHash.toString(),
    acc: publicInputs.acc.toString(),
    settler: publicInputs.settler.toString(),
    context: input.context.toString(),
    epoch: input.epoch.toString(),
    ruleParams: trace.ruleParams.toString(),
    count: String(trace.count),
    evaluator: Array.from({ length: E }, (_, j) => (j < trace.count ? input.reveals[j].evaluator.toString() : "0")),
    commitment: Array.from({ length: E }, (_, j) => (j < trace.count ? trace.commitments[j].toString() : "0")),
    included: Array.from({ length: E }, (_, j) => bit(j < trace.count && trace.included[j])),
    graded: perPosition((g) => bit(g.graded)),
    correct: perPosition((g) => bit(g.correct)),
    grounded: perPosition((g) => bit(g.grounded)),
    source: perPosition((g) => entry(g, "source")),
    share: perPosition((g) => entry(g, "share")),
    wordIndex: input.words.map(String),
    oldRel: input.oldScores.map((s) => s.reliability.toString()),
    oldUse: input.oldScores.map((s) => s.usefulness.toString()),
    median: trace.median.map((row) => row.map(String)),
  };
}

/** Slot count K of a shape: 8 sources per word. */
export function slotCount(words: number): number {
  return words * LANES;
}
