import { ZkMeritError } from "../core";
import type { RetrievalClient, RetrieveOptions } from "./client";
import type { Passage, Question } from "./corpus";
import { generateAnswer, recordAnswer, type GenerateOptions } from "./generator";

/**
 * The workload's metrics: the answer accuracy of a retriever on a question set, and Kendall's tau-b
 * between the learned scores and the true reliabilities; print-friendly summaries.
 */

/**
 * Kendall's tau-b of two equally long rankings: (concordant − discordant) / sqrt((n0 − n1)(n0 − n2)),
 * where n0 = n(n−1)/2 and n1, n2 count the pairs tied in x, in y. A pair tied in either is neither
 * concordant nor discordant. 0 when either side is constant (no ranking to compare).
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new ZkMeritError("CONFIG", `kendallTauB needs equal lengths, got ${x.length} and ${y.length}`, {});
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tiesX++;
      if (dy === 0) tiesY++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) concordant++;
        else discordant++;
      }
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denom = Math.sqrt((n0 - tiesX) * (n0 - tiesY));
  return denom === 0 ? 0 : (concordant - discordant) / denom;
}

/** Kendall tau-b of 16-bit scores against the true reliabilities, over the sources of `truth`. */
export function scoreTau(scores: ReadonlyMap<bigint, bigint>, truth: ReadonlyMap<bigint, bigint>, unknown = 32768n): number {
  const ids = [...truth.keys()];
  return kendallTauB(
    ids.map((id) => Number(scores.get(id) ?? unknown)),
    ids.map((id) => Number(truth.get(id)!)),
  );
}

/** The fraction of `questions` answered correctly by retrieval with `reliability` and the deterministic generator. */
export function answerAccuracy(
  client: RetrievalClient<Passage>,
  questions: readonly Question[],
  reliability: ReadonlyMap<bigint, bigint>,
  options: RetrieveOptions = {},
  generate: GenerateOptions = {},
): number {
  if (questions.length === 0) return 0;
  let right = 0;
  for (const q of questions) {
    if (recordAnswer(q, generateAnswer(q, client.retrieve(q.text, reliability, options), generate)).correct) right++;
  }
  return right / questions.length;
}

/** A percentage with one decimal. */
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** A fixed-width text table (first column left-aligned, the others right-aligned). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: readonly string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
