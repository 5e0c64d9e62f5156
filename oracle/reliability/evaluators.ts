import { ZkMeritError } from "../core";
import { SHARE_MAX, checkFeedback, type Feedback, type QueryGrade, type ReliabilityShape, type SourceShare } from "./reference";
import type { AnswerRecord } from "./generator";
import type { Rng } from "../core";

/**
 * Simulated evaluators. An honest evaluator grades from the truth (the generator's record and the
 * ground truth) with a small noise rate; a lying one follows a documented strategy:
 *
 * - `boost`: the colluders push `target` (a bad source they run): on every query they grade, the
 *   answer was correct and grounded and `target` was its whole source (share 100). This is the
 *   strongest form: it credits the target with every answer the honest graders call correct.
 * - `sink`: the colluders push `target` (a good competitor) down: on every query whose answer used
 *   it, the answer was wrong and ungrounded and `target` had share 0 (its share goes to nobody);
 *   elsewhere they grade honestly, to look consistent.
 * - `random`: random verdicts and 1..U random sources among `universe` with random shares.
 *
 * Grades are in the exact shape of the reference (`QueryGrade`): graded, correct, grounded and at
 * most U (source, share) entries, shares 0..100 summing to at most 100.
 */

export type EvaluatorStrategy = "honest" | "boost" | "sink" | "random";

export interface EvaluatorSpec {
  /** The on-chain evaluator id. */
  readonly id: bigint;
  readonly strategy: EvaluatorStrategy;
  /** The source a liar boosts or sinks. */
  readonly target?: bigint;
  /** The probability an honest grade has a verdict flipped (default 0.05). */
  readonly noise?: number;
  /** The largest change an honest evaluator makes to each share, in share points (default 3). */
  readonly jitter?: number;
}

export interface GradeContext {
  readonly rng: Rng;
  /** U: at most this many entries per grade. */
  readonly entries: number;
  /** The source ids a random grader may name. */
  readonly universe: readonly bigint[];
}

export const UNGRADED: QueryGrade = { graded: false, correct: false, grounded: false, sources: [] };

/** Clamps shares to 0..100 and scales them down so they sum to at most 100. */
function fitShares(sources: readonly SourceShare[], entries: number): SourceShare[] {
  let out = sources.slice(0, entries).map((e) => ({ source: e.source, share: Math.min(SHARE_MAX, Math.max(0, Math.round(e.share))) }));
  const total = out.reduce((s, e) => s + e.share, 0);
  if (total > SHARE_MAX) out = out.map((e) => ({ source: e.source, share: Math.floor((e.share * SHARE_MAX) / total) }));
  return out.filter((e) => e.share > 0);
}

function honest(spec: EvaluatorSpec, r: AnswerRecord, ctx: GradeContext): QueryGrade {
  const noise = spec.noise ?? 0.05;
  const jitter = spec.jitter ?? 3;
  const flip = ctx.rng.chance(noise);
  const which = ctx.rng.chance(0.5);
  const sources = fitShares(
    r.sources.map((e) => ({ source: e.source, share: e.share + (jitter > 0 ? ctx.rng.int(2 * jitter + 1) - jitter : 0) })),
    ctx.entries,
  );
  return {
    graded: true,
    correct: flip && which ? !r.correct : r.correct,
    grounded: flip && !which ? !r.grounded : r.grounded,
    sources,
  };
}

/** One evaluator's grade of one answer (undefined: an empty query slot, ungraded). */
export function gradeAnswer(spec: EvaluatorSpec, record: AnswerRecord | undefined, ctx: GradeContext): QueryGrade {
  if (record === undefined) return UNGRADED;
  switch (spec.strategy) {
    case "honest":
      return honest(spec, record, ctx);
    case "boost":
      return { graded: true, correct: true, grounded: true, sources: [{ source: need(spec), share: SHARE_MAX }] };
    case "sink": {
      const target = need(spec);
      if (!record.sources.some((e) => e.source === target && e.share > 0)) return honest({ ...spec, noise: 0 }, record, ctx);
      return { graded: true, correct: false, grounded: false, sources: record.sources.filter((e) => e.source !== target) };
    }
    case "random": {
      const n = 1 + ctx.rng.int(ctx.entries);
      const picked = ctx.rng.shuffle(ctx.universe).slice(0, n);
      let left: number = SHARE_MAX;
      const sources = picked.map((source) => {
        const share = ctx.rng.int(left + 1);
        left -= share;
        return { source, share };
      });
      return { graded: true, correct: ctx.rng.chance(0.5), grounded: ctx.rng.chance(0.5), sources: sources.filter((e) => e.share > 0) };
    }
  }
}

function need(spec: EvaluatorSpec): bigint {
  if (spec.target === undefined) {
    throw new ZkMeritError("CONFIG", `evaluator ${spec.id} follows the ${spec.strategy} strategy but has no target source`, {
      id: spec.id.toString(),
    });
  }
  return spec.target;
}

/**
 * An evaluator's feedback for an epoch: one grade per query slot of the instance (Q), the slots
 * past the epoch's answers ungraded. Checked against the reference's form rules before it leaves.
 */
export function epochFeedback(
  spec: EvaluatorSpec,
  records: readonly AnswerRecord[],
  shape: ReliabilityShape,
  ctx: Omit<GradeContext, "entries">,
): Feedback {
  if (records.length > shape.queries) {
    throw new ZkMeritError("CONFIG", `an epoch of this instance grades at most ${shape.queries} answers, got ${records.length}`, {
      queries: shape.queries,
    });
  }
  const grades = Array.from({ length: shape.queries }, (_, q) => gradeAnswer(spec, records[q], { ...ctx, entries: shape.entries }));
  return checkFeedback({ grades }, shape, `evaluator ${spec.id}`);
}

export interface PanelOptions {
  readonly count: number;
  /** The fraction of liars, rounded to the nearest count (0.3 of 7 is 2). */
  readonly liarFraction?: number;
  readonly strategy?: Exclude<EvaluatorStrategy, "honest">;
  readonly target?: bigint;
  readonly firstId?: bigint;
  readonly noise?: number;
  /** The liars' positions in reveal order: "spread" evenly (default) or "first". */
  readonly placement?: "spread" | "first";
}

/** A panel of evaluators with round(liarFraction · count) liars of one strategy. */
export function makePanel(o: PanelOptions): EvaluatorSpec[] {
  const liars = Math.round((o.liarFraction ?? 0) * o.count);
  if (liars > 0 && o.strategy === undefined) throw new ZkMeritError("CONFIG", "a panel with liars needs a strategy", {});
  const firstId = o.firstId ?? 100n;
  const liarAt = new Set<number>();
  for (let i = 0; i < liars; i++) liarAt.add(o.placement === "first" ? i : Math.floor(((i + 0.5) * o.count) / liars));
  return Array.from({ length: o.count }, (_, j) =>
    liarAt.has(j)
      ? { id: firstId + BigInt(j), strategy: o.strategy!, target: o.target, noise: o.noise }
      : { id: firstId + BigInt(j), strategy: "honest" as const, noise: o.noise },
  );
}
