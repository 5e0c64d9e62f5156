import { ZkMeritError } from "../core";
import { SHARE_MAX, type SourceShare } from "./reference";
import type { RankedHit } from "./client";
import { readValue, type Passage, type Question } from "./corpus";

/**
 * The deterministic generator of the workload: it answers a question from the reranked passages,
 * as a reader-LLM would, and records which sources the answer used and their shares. The answer is
 * the value with the largest total rerank score among the top passages that state the question's
 * fact (a score-weighted majority); ties go to the value of the best-ranked passage. It abstains
 * (no answer) when no top passage states the fact.
 */

/** What a generator produced for one question: the answer and the sources it drew on. */
export interface GeneratedAnswer {
  /** The answer, or null when it abstained. */
  readonly answer: string | null;
  /** The sources the answer used, with shares 0..100 summing to at most 100, at most `maxSources` of them. */
  readonly sources: readonly SourceShare[];
  /** The answer is supported by a retrieved passage. */
  readonly grounded: boolean;
}

/** A generated answer with its verdict against the ground truth: the truth an honest evaluator grades from. */
export interface AnswerRecord extends GeneratedAnswer {
  readonly question: Question;
  readonly correct: boolean;
}

export interface GenerateOptions {
  /** How many sources an answer may credit (the instance's U; default 2). */
  readonly maxSources?: number;
  /** "vote" (default): the score-weighted majority of the top passages; "first": the best-ranked passage's value. */
  readonly answerMode?: "first" | "vote";
  /** Which sources the answer credits: every passage that states the answer ("supporters") or only the one it came from ("primary"). */
  readonly credit?: "supporters" | "primary";
}

/**
 * Shares from weights: floor(100 w_i / Σ w) over the `max` heaviest (ties by id), renormalised over
 * those kept, so they sum to at most 100; a source under 1% is dropped (share 0 is an empty entry).
 */
export function sharesOf(weights: ReadonlyMap<bigint, number>, max: number): SourceShare[] {
  if (!Number.isInteger(max) || max < 1) throw new ZkMeritError("CONFIG", `maxSources must be a positive integer, got ${max}`, { max });
  const kept = [...weights.entries()]
    .filter(([, w]) => w > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max);
  const total = kept.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) return [];
  return kept.map(([source, w]) => ({ source, share: Math.floor((SHARE_MAX * w) / total) })).filter((e) => e.share > 0);
}

/** Answers `question` from the ranked passages (top first). */
export function generateAnswer(question: Question, ranked: readonly RankedHit<Passage>[], options: GenerateOptions = {}): GeneratedAnswer {
  const maxSources = options.maxSources ?? 2;
  const votes = new Map<string, { weight: number; first: number }>();
  ranked.forEach((h, i) => {
    const v = readValue(h.passage, question);
    if (v === undefined) return;
    const cur = votes.get(v) ?? { weight: 0, first: i };
    votes.set(v, { weight: cur.weight + h.score, first: cur.first });
  });
  if (votes.size === 0) return { answer: null, sources: [], grounded: false };
  const mode = options.answerMode ?? "vote";
  const [answer] = [...votes.entries()].sort((a, b) =>
    mode === "vote" ? b[1].weight - a[1].weight || a[1].first - b[1].first : a[1].first - b[1].first,
  )[0];
  const weights = new Map<bigint, number>();
  if ((options.credit ?? "supporters") === "primary") {
    const primary = ranked.find((h) => readValue(h.passage, question) === answer)!;
    weights.set(primary.passage.source, 1);
  } else {
    for (const h of ranked) {
      if (readValue(h.passage, question) === answer) weights.set(h.passage.source, (weights.get(h.passage.source) ?? 0) + h.score);
    }
  }
  return { answer, sources: sharesOf(weights, maxSources), grounded: true };
}

/** Normalises an answer for comparison (case, surrounding punctuation and a leading "the"). */
export function normalizeAnswer(a: string): string {
  return a
    .toLowerCase()
    .replace(/[^\p{L}\p{N} ]+/gu, " ")
    .replace(/^\s*the\s+/, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The generated answer with its verdict against the question's ground truth. */
export function recordAnswer(question: Question, generated: GeneratedAnswer): AnswerRecord {
  const correct = generated.answer !== null && normalizeAnswer(generated.answer) === normalizeAnswer(question.answer);
  return { ...generated, question, correct };
}
