import { expect } from "chai";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isZkMeritError, type ErrorCode } from "../../oracle/core";

/** What the canned server answers to the next request: a status, a raw body or a completion's content, a delay. */
export interface Canned {
  readonly status?: number;
  readonly body?: string;
  readonly content?: string;
  readonly delayMs?: number;
}

/** A request the server received. */
export interface ChatRequest {
  url?: string;
  auth?: string;
  body: { model: string; messages: { role: string; content: string }[]; temperature?: number };
}

/** An OpenAI-compatible chat-completions body with one choice. */
export const completion = (content: string): string =>
  JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content } }] });

/**
 * A local HTTP server that speaks the chat-completions protocol: each request is recorded and
 * answered by `reply` (set `next` for a fixed reply, or `respond` to answer from the request).
 */
export class ChatServer {
  next: Canned = {};
  respond?: (req: ChatRequest) => Canned;
  readonly requests: ChatRequest[] = [];
  base = "";
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => {
        const r: ChatRequest = { url: req.url, auth: req.headers.authorization, body: JSON.parse(data) };
        this.requests.push(r);
        const reply = this.respond ? this.respond(r) : this.next;
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status ?? 200, { "content-type": "application/json" });
          res.end(reply.body ?? completion(reply.content ?? ""));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

/** An error from the core's ZkMeritError, with its details. */
export type ZkErrorLike = Error & { details: Record<string, unknown> };

/** Awaits `p` and checks it rejects with a ZkMeritError of `code` whose message matches `pattern`. */
export async function rejectsWith(p: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<ZkErrorLike> {
  try {
    await p;
  } catch (e) {
    expect(isZkMeritError(e, code), String(e)).to.equal(true);
    expect((e as Error).message).to.match(pattern);
    return e as ZkErrorLike;
  }
  return expect.fail(`expected a ${code} error matching ${pattern}`);
}
