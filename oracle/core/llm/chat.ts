import { z } from "zod";
import { ZkMeritError } from "../errors";

/**
 * A client for any OpenAI-compatible chat-completions endpoint (`POST {baseUrl}/v1/chat/completions`),
 * shared by the modules' model adapters (module 2: generator and grader; module 3: answerer and
 * judge), and the tolerant JSON reading their replies need. The model is asked for JSON; a module
 * validates the reply with its zod schema (`parseReply`), repairing only what is unambiguous.
 *
 * Errors are ZkMeritErrors: `TIMEOUT` (no reply within timeoutMs), `ENDPOINT_UNAVAILABLE` (nothing
 * answers at the address: connection refused, DNS, reset), `PAYLOAD_INVALID` (an HTTP error status
 * or a reply that is not a usable completion; details.kind says which), `CONFIG` (bad options, a
 * missing API key variable).
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
      throw new ZkMeritError(
        "ENDPOINT_UNAVAILABLE",
        `the chat endpoint ${this.url} is unreachable: ${(e as Error).message}; start it or check its baseUrl`,
        {
          ...details,
          kind: "unreachable",
        },
      );
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
export const looseBool = z.union([
  z.boolean(),
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(["true", "false", "yes", "no"]))
    .transform((s) => s === "true" || s === "yes"),
]);
/** A finite number, also from a numeric string. */
export const looseNumber = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/)
      .transform(Number),
  ])
  .pipe(z.number().finite());

/** The PAYLOAD_INVALID error for a reply that does not fit `what`'s schema, naming every issue. */
export function refuseReply(endpoint: string, what: string, error: z.ZodError): ZkMeritError {
  const issues = error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  return new ZkMeritError("PAYLOAD_INVALID", `the ${what} reply of ${endpoint} does not fit the expected JSON: ${issues}`, {
    endpoint,
    kind: "malformed",
  });
}

/** The reply's JSON validated by `schema`, or refuseReply's error. */
export function parseReply<T extends z.ZodTypeAny>(reply: string, endpoint: string, what: string, schema: T): z.output<T> {
  const r = schema.safeParse(extractJson(reply, endpoint));
  if (!r.success) throw refuseReply(endpoint, what, r.error);
  return r.data;
}
