import { ZkMeritError } from "../core";
import { Rng } from "../core";

/**
 * Module 3's question set for the simulated swarm: multiple-choice questions with a ground truth,
 * generated from a seed. Each question has `choices` options (0..K−1), one correct, a difficulty in
 * [0, 1] (drawn uniformly: as many easy questions as hard ones) and a **lure**: the most attractive
 * wrong option, which a node that gets the question wrong picks more often than the others
 * (simulation.ts, `lureShare`). The lure is what makes weak nodes err together, as models trained
 * on similar data share misconceptions: without it the wrong answers spread over K−1 options and a
 * plurality vote of weak nodes is right surprisingly often.
 */

export interface Question {
  /** Position in the set, 0-based (round r of the outcome run asks question r). */
  readonly index: number;
  /** The number of options K; answers are 0..K−1. */
  readonly choices: number;
  /** The correct option. */
  readonly correct: number;
  /** The most attractive wrong option (≠ correct). */
  readonly lure: number;
  /** 0 easiest .. 1 hardest. */
  readonly difficulty: number;
}

export interface QuestionOptions {
  readonly seed?: number | string;
  /** How many questions (default 40). */
  readonly count?: number;
  /** Options per question K (default 4, at least 2). */
  readonly choices?: number;
  /** The range difficulties are drawn from uniformly (default [0, 1]). */
  readonly difficulty?: readonly [number, number];
}

export const DEFAULT_QUESTIONS = 40;
export const DEFAULT_CHOICES = 4;

function bad(message: string, details: Record<string, unknown> = {}): ZkMeritError {
  return new ZkMeritError("CONFIG", message, details);
}

/** A question set, deterministic from the seed. */
export function generateQuestions(options: QuestionOptions = {}): Question[] {
  const count = options.count ?? DEFAULT_QUESTIONS;
  const choices = options.choices ?? DEFAULT_CHOICES;
  const [lo, hi] = options.difficulty ?? [0, 1];
  if (!Number.isInteger(count) || count < 0 || count > 100_000) throw bad(`count must be an integer in [0, 100000], got ${count}`);
  if (!Number.isInteger(choices) || choices < 2 || choices > 26) throw bad(`choices must be an integer in [2, 26], got ${choices}`);
  if (!(lo >= 0 && hi <= 1 && lo <= hi)) throw bad(`difficulty must be a range within [0, 1], got [${lo}, ${hi}]`);
  const rng = new Rng(`questions:${String(options.seed ?? 1)}`);
  return Array.from({ length: count }, (_, index) => {
    const q = rng.fork(`q:${index}`);
    const correct = q.int(choices);
    const lure = (correct + 1 + q.int(choices - 1)) % choices;
    return { index, choices, correct, lure, difficulty: lo + (hi - lo) * q.next() };
  });
}
