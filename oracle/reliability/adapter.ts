import { z } from "zod";
import { ZkMeritError } from "../core";
import { SHARE_MAX, type QueryGrade, type SourceShare } from "./reference";
import type { GeneratedAnswer } from "./generator";
import { sharesOf } from "./generator";

/**
 * An adapter for any OpenAI-compatible chat-completions endpoint (`POST {baseUrl}/v1/chat/completions`),
 * so that a real model can stand in for the workload's deterministic generator (answer from the
 * given passages and say which it used) and for an evaluator (grade an answer: used sources with
 * shares, grounded, correct). The model is asked for JSON; the reply is validated with zod,
 * repaired where the repair is unambiguous (a fenced or embedded JSON object, numeric strings,
 * shares over 100 in total scaled down) and refused otherwise, with an error naming the endpoint.
 *
 * Errors are ZkMeritErrors: `TIMEOUT` (no reply within timeoutMs), `PAYLOAD_INVALID` (an HTTP error
 * status or a reply that is not a usable completion; details.kind says which), `CONFIG` (bad
 * options, a missing API key variable, an unreachable endpoint).
 */

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

export interface ChatEndpointOptions {
  /** e.g. http://127.0.0.1:8080 (the adapter appends /v1/chat/completions). */
  readonly baseUrl: string;
  readonly model: string;
  /** The name of the environment variable holding the API key (sent as a Bearer token); none when unset. */
  readonly apiKeyEnv?: string;
  /** Milliseconds before a request is abandoned (default 30000). */
  readonly timeoutMs?: number;
  readonly temperature?: number;
  /** Injected for tests; default the global fetch. */
  readonly fetch?: typeof fetch;
}

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/** A minimal chat-completions client: one request, a timeout, clear errors. */
export class ChatEndpoint {
  readonly url: string;
  private readonly apiKey?: string;

  constructor(readonly options: ChatEndpointOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new ZkMeritError("CONFIG", `the chat endpoint's baseUrl ${JSON.stringify(options.baseUrl)} is not a URL`, {
        baseUrl: options.baseUrl,
      });
    }
    this.url = `${base.origin}${base.pathname.replace(/\/+$/, "")}/v1/chat/completions`;
    if (options.apiKeyEnv !== undefined) {
      const key = process.env[options.apiKeyEnv];
      if (!key)
        throw new ZkMeritError("CONFIG", `the API key variable ${options.apiKeyEnv} is not set (chat endpoint ${this.url})`, {
          endpoint: this.url,
        });
      this.apiKey = key;
    }
    if (!options.model) throw new ZkMeritError("CONFIG", `no model given for the chat endpoint ${this.url}`, { endpoint: this.url });
  }

  /** Sends the messages and returns the first choice's content. */
  async complete(messages: readonly ChatMessage[]): Promise<string> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const doFetch = this.options.fetch ?? fetch;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const details = { endpoint: this.url, model: this.options.model };
    let body: string;
    let status: number;
    try {
      const res = await doFetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
        body: JSON.stringify({ model: this.options.model, messages, temperature: this.options.temperature ?? 0 }),
        signal: controller.signal,
      });
      status = res.status;
      body = await res.text();
    } catch (e) {
      if (controller.signal.aborted) {
        throw new ZkMeritError("TIMEOUT", `the chat endpoint ${this.url} did not answer within ${timeoutMs} ms`, {
          ...details,
          kind: "timeout",
          timeoutMs,
        });
      }
      throw new ZkMeritError("CONFIG", `the chat endpoint ${this.url} is unreachable: ${(e as Error).message}`, {
        ...details,
        kind: "unreachable",
      });
    } finally {
      clearTimeout(timer);
    }
    if (status < 200 || status >= 300) {
      throw new ZkMeritError("PAYLOAD_INVALID", `the chat endpoint ${this.url} answered HTTP ${status}: ${body.slice(0, 200)}`, {
        ...details,
        kind: "http-status",
        status,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ZkMeritError(
        "PAYLOAD_INVALID",
        `the chat endpoint ${this.url} answered HTTP ${status} with a body that is not JSON: ${body.slice(0, 200)}`,
        {
          ...details,
          kind: "malformed",
          status,
        },
      );
    }
    const parsed = completionSchema.safeParse(json);
    if (!parsed.success) {
      throw new ZkMeritError(
        "PAYLOAD_INVALID",
        `the chat endpoint ${this.url} answered with no completion (choices[0].message.content): ${parsed.error.message}`,
        {
          ...details,
          kind: "malformed",
          status,
        },
      );
    }
    return parsed.data.choices[0].message.content ?? "";
  }
}

// ---------------------------------------------------------------------------------------------
// JSON from a model's reply

/**
 * The JSON object in a model's reply: the whole reply, else a ```json fenced block, else the first
 * balanced {...}. Refuses (PAYLOAD_INVALID naming the endpoint) when there is none.
 */
export function extractJson(reply: string, endpoint: string): unknown {
  const tries: string[] = [reply.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(reply);
  if (fenced) tries.push(fenced[1].trim());
  const start = reply.indexOf("{");
  if (start >= 0) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < reply.length; i++) {
      const c = reply[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        tries.push(reply.slice(start, i + 1));
        break;
      }
    }
  }
  for (const t of tries) {
    try {
      return JSON.parse(t);
    } catch {
      // try the next candidate
    }
  }
  throw new ZkMeritError("PAYLOAD_INVALID", `the reply of ${endpoint} holds no JSON object: ${JSON.stringify(reply.slice(0, 200))}`, {
    endpoint,
    kind: "malformed",
  });
}

/** A boolean, also from "true"/"false"/"yes"/"no" (a frequent model slip). */
const looseBool = z.union([
  z.boolean(),
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(["true", "false", "yes", "no"]))
    .transform((s) => s === "true" || s === "yes"),
]);
/** A finite number, also from a numeric string. */
const looseNumber = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/)
      .transform(Number),
  ])
  .pipe(z.number().finite());

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

function refuse(endpoint: string, what: string, error: z.ZodError): ZkMeritError {
  const issues = error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  return new ZkMeritError("PAYLOAD_INVALID", `the ${what} reply of ${endpoint} does not fit the expected JSON: ${issues}`, {
    endpoint,
    kind: "malformed",
  });
}

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
    const parsed = answerReplySchema.safeParse(extractJson(reply, this.endpoint.url));
    if (!parsed.success) throw refuse(this.endpoint.url, "answer", parsed.error);
    const sources =
      parsed.data.answer === null ? [] : toShares(parsed.data.used, passages, this.options.maxSources ?? 2, this.endpoint.url);
    return { answer: parsed.data.answer, sources, grounded: parsed.data.answer !== null && sources.length > 0 };
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
    const parsed = gradeReplySchema.safeParse(extractJson(reply, this.endpoint.url));
    if (!parsed.success) throw refuse(this.endpoint.url, "grade", parsed.error);
    const sources = toShares(parsed.data.used, passages, this.options.maxSources ?? 2, this.endpoint.url);
    return { graded: true, correct: parsed.data.correct, grounded: parsed.data.grounded, sources };
  }
}
