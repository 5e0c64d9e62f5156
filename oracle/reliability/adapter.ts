import { z } from "zod";
import { ChatEndpoint, ZkMeritError, looseBool, looseNumber, parseReply } from "../core";
import { SHARE_MAX, type QueryGrade, type SourceShare } from "./reference";
import type { GeneratedAnswer } from "./generator";
import { sharesOf } from "./generator";

/**
 * Module 2's adapter for any OpenAI-compatible chat-completions endpoint (the core's `ChatEndpoint`),
 * so that a real model can stand in for the workload's deterministic generator (answer from the
 * given passages and say which it used) and for an evaluator (grade an answer: used sources with
 * shares, grounded, correct). The model is asked for JSON; the reply is validated with zod,
 * repaired where the repair is unambiguous (a fenced or embedded JSON object, numeric strings,
 * shares over 100 in total scaled down) and refused otherwise, with an error naming the endpoint.
 *
 * Errors are the core client's (`TIMEOUT`, `ENDPOINT_UNAVAILABLE`, `PAYLOAD_INVALID`, `CONFIG`).
 */

const usedSchema = z.array(z.object({ passage: looseNumber.pipe(z.number().int()), share: looseNumber.pipe(z.number().min(0)) }));

export const answerReplySchema = z.object({
  answer: z.string().nullable(),
  used: usedSchema.default([]),
});

export const gradeReplySchema = z.object({
  correct: looseBool,
  grounded: looseBool,
  used: usedSchema.default([]),
});

/** A passage as the model sees it: numbered from 1 in the prompt, with the source that serves it. */
export interface PromptPassage {
  readonly source: bigint;
  readonly text: string;
}

/**
 * Maps the model's (passage number, share) list to source shares: unknown passage numbers are
 * refused, shares of one source are added, the total is scaled down to 100 when above, and at
 * most `maxSources` sources are kept (the largest).
 */
function toShares(
  used: z.infer<typeof usedSchema>,
  passages: readonly PromptPassage[],
  maxSources: number,
  endpoint: string,
): SourceShare[] {
  const weights = new Map<bigint, number>();
  for (const u of used) {
    if (u.passage < 1 || u.passage > passages.length) {
      throw new ZkMeritError(
        "PAYLOAD_INVALID",
        `the reply of ${endpoint} cites passage ${u.passage}; the prompt had passages 1..${passages.length}`,
        {
          endpoint,
          kind: "malformed",
        },
      );
    }
    const s = passages[u.passage - 1].source;
    weights.set(s, (weights.get(s) ?? 0) + u.share);
  }
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  if (total <= SHARE_MAX) {
    // Keep the model's own shares (rounded down), only capped to U sources.
    return [...weights.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxSources)
      .map(([source, w]) => ({ source, share: Math.floor(w) }))
      .filter((e) => e.share > 0);
  }
  return sharesOf(weights, maxSources);
}

function passageBlock(passages: readonly PromptPassage[]): string {
  return passages.map((p, i) => `[${i + 1}] (source ${p.source}) ${p.text}`).join("\n");
}

export interface LlmOptions {
  /** U: how many sources a grade or an answer may credit (default 2). */
  readonly maxSources?: number;
}

/** A model behind a chat endpoint as the workload's generator. */
export class LlmGenerator {
  constructor(
    readonly endpoint: ChatEndpoint,
    readonly options: LlmOptions = {},
  ) {}

  async answer(question: string, passages: readonly PromptPassage[]): Promise<GeneratedAnswer> {
    const reply = await this.endpoint.complete([
      {
        role: "system",
        content:
          "Answer the question from the numbered passages only. Reply with JSON only: " +
          '{"answer": string or null if the passages do not say, "used": [{"passage": number, "share": percent}]}. ' +
          "The shares say how much of the answer each passage supports and sum to at most 100.",
      },
      { role: "user", content: `Passages:\n${passageBlock(passages)}\n\nQuestion: ${question}` },
    ]);
    const parsed = parseReply(reply, this.endpoint.url, "answer", answerReplySchema);
    const sources = parsed.answer === null ? [] : toShares(parsed.used, passages, this.options.maxSources ?? 2, this.endpoint.url);
    return { answer: parsed.answer, sources, grounded: parsed.answer !== null && sources.length > 0 };
  }
}

/** A model behind a chat endpoint as an evaluator: grades one answer into a reference QueryGrade. */
export class LlmGrader {
  constructor(
    readonly endpoint: ChatEndpoint,
    readonly options: LlmOptions = {},
  ) {}

  async grade(question: string, answer: string | null, passages: readonly PromptPassage[], reference?: string): Promise<QueryGrade> {
    const reply = await this.endpoint.complete([
      {
        role: "system",
        content:
          "You grade an answer produced from numbered passages. Reply with JSON only: " +
          '{"correct": boolean, "grounded": boolean (a passage supports the answer), ' +
          '"used": [{"passage": number, "share": percent of the answer it supports}]} with shares summing to at most 100.',
      },
      {
        role: "user",
        content:
          `Passages:\n${passageBlock(passages)}\n\nQuestion: ${question}\nAnswer: ${answer ?? "(no answer)"}` +
          (reference !== undefined ? `\nReference answer: ${reference}` : ""),
      },
    ]);
    const parsed = parseReply(reply, this.endpoint.url, "grade", gradeReplySchema);
    const sources = toShares(parsed.used, passages, this.options.maxSources ?? 2, this.endpoint.url);
    return { graded: true, correct: parsed.correct, grounded: parsed.grounded, sources };
  }
}
