import { expect } from "chai";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ChatEndpoint, LlmGenerator, LlmGrader, checkFeedback, extractJson, type PromptPassage } from "../../../oracle/reliability";
import { isZkMeritError, type ErrorCode } from "../../../oracle/core";

/** A canned OpenAI-compatible server: each request's reply comes from `respond` (status, body, delay). */
interface Canned {
  readonly status?: number;
  readonly body?: string;
  readonly content?: string;
  readonly delayMs?: number;
}
const completion = (content: string) =>
  JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content } }] });

const PASSAGES: PromptPassage[] = [
  { source: 3n, text: "The capital of Valdoria is Morten." },
  { source: 7n, text: "Capital of Valdoria: Karsel. Valdoria capital city Karsel." },
  { source: 3n, text: "Valdoria is a northern country. The capital of Valdoria is Morten." },
];

async function rejects(p: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<ZkErrorLike> {
  try {
    await p;
  } catch (e) {
    expect(isZkMeritError(e, code), String(e)).to.equal(true);
    expect((e as Error).message).to.match(pattern);
    return e as ZkErrorLike;
  }
  return expect.fail(`expected a ${code} error matching ${pattern}`);
}
type ZkErrorLike = Error & { details: Record<string, unknown> };

describe("oracle/reliability/adapter", () => {
  let server: Server;
  let base: string;
  let next: Canned = {};
  const requests: { url?: string; auth?: string; body: { model: string; messages: { role: string; content: string }[] } }[] = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => {
        requests.push({ url: req.url, auth: req.headers.authorization, body: JSON.parse(data) });
        const reply = next;
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status ?? 200, { "content-type": "application/json" });
          res.end(reply.body ?? completion(reply.content ?? ""));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  describe("# LlmGenerator", () => {
    it("posts the model and the numbered passages to /v1/chat/completions and maps the cited passages to sources", async () => {
      process.env.ZKMERIT_TEST_KEY = "sk-test";
      const gen = new LlmGenerator(new ChatEndpoint({ baseUrl: `${base}/`, model: "tiny", apiKeyEnv: "ZKMERIT_TEST_KEY" }), {
        maxSources: 2,
      });
      next = {
        content: '{"answer": "Morten", "used": [{"passage": 1, "share": 50}, {"passage": 3, "share": 30}, {"passage": 2, "share": 10}]}',
      };
      const a = await gen.answer("What is the capital of Valdoria?", PASSAGES);
      expect(a).to.deep.equal({
        answer: "Morten",
        grounded: true,
        sources: [
          { source: 3n, share: 80 },
          { source: 7n, share: 10 },
        ],
      });
      const req = requests[requests.length - 1];
      expect(req.url).to.equal("/v1/chat/completions");
      expect(req.auth).to.equal("Bearer sk-test");
      expect(req.body.model).to.equal("tiny");
      expect(req.body.messages[1].content).to.contain("[2] (source 7) Capital of Valdoria");
    });

    it("repairs a fenced reply with numeric strings and shares over 100 (scaled down), and an abstention", async () => {
      const gen = new LlmGenerator(new ChatEndpoint({ baseUrl: base, model: "tiny" }));
      next = {
        content: 'Sure! ```json\n{"answer": "Morten", "used": [{"passage": "1", "share": "90"}, {"passage": 2, "share": 60}]}\n```',
      };
      const a = await gen.answer("q", PASSAGES);
      expect(a.sources).to.deep.equal([
        { source: 3n, share: 60 },
        { source: 7n, share: 40 },
      ]);
      next = { content: '{"answer": null}' };
      expect(await gen.answer("q", PASSAGES)).to.deep.equal({ answer: null, sources: [], grounded: false });
    });

    it("refuses a reply that is not JSON, or cites a passage it was not given, naming the endpoint", async () => {
      const gen = new LlmGenerator(new ChatEndpoint({ baseUrl: base, model: "tiny" }));
      next = { content: "The capital is Morten, I think." };
      const e = await rejects(
        gen.answer("q", PASSAGES),
        "PAYLOAD_INVALID",
        /reply of http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions holds no JSON object/,
      );
      expect(e.details.kind).to.equal("malformed");
      next = { content: '{"answer": "Morten", "used": [{"passage": 9, "share": 50}]}' };
      await rejects(gen.answer("q", PASSAGES), "PAYLOAD_INVALID", /cites passage 9; the prompt had passages 1\.\.3/);
      next = { content: '{"answer": 42}' };
      await rejects(gen.answer("q", PASSAGES), "PAYLOAD_INVALID", /answer reply of .* does not fit the expected JSON: answer/);
    });
  });

  describe("# LlmGrader", () => {
    it("turns a grade reply into a QueryGrade the reference accepts (loose booleans repaired)", async () => {
      const grader = new LlmGrader(new ChatEndpoint({ baseUrl: base, model: "judge" }), { maxSources: 2 });
      next = { content: '{"correct": "yes", "grounded": true, "used": [{"passage": 2, "share": 100}]}' };
      const g = await grader.grade("What is the capital of Valdoria?", "Karsel", PASSAGES, "Morten");
      expect(g).to.deep.equal({ graded: true, correct: true, grounded: true, sources: [{ source: 7n, share: 100 }] });
      checkFeedback({ grades: [g] }, { words: 1, queries: 1, evaluators: 1, entries: 2 });
      expect(requests[requests.length - 1].body.messages[1].content).to.contain("Reference answer: Morten");
    });

    it("refuses a grade without its verdicts", async () => {
      const grader = new LlmGrader(new ChatEndpoint({ baseUrl: base, model: "judge" }));
      next = { content: '{"grounded": true}' };
      await rejects(grader.grade("q", "a", PASSAGES), "PAYLOAD_INVALID", /grade reply of .* does not fit the expected JSON: correct/);
    });
  });

  describe("# ChatEndpoint", () => {
    it("names the endpoint and the status of an HTTP error", async () => {
      next = { status: 503, body: '{"error": "overloaded"}' };
      const e = await rejects(
        new ChatEndpoint({ baseUrl: base, model: "m" }).complete([]),
        "PAYLOAD_INVALID",
        /\/v1\/chat\/completions answered HTTP 503: \{"error": "overloaded"\}/,
      );
      expect(e.details.status).to.equal(503);
    });

    it("refuses a 200 whose body is not a completion", async () => {
      next = { body: '{"choices": []}' };
      await rejects(new ChatEndpoint({ baseUrl: base, model: "m" }).complete([]), "PAYLOAD_INVALID", /answered with no completion/);
      next = { body: "<html>proxy error</html>" };
      await rejects(new ChatEndpoint({ baseUrl: base, model: "m" }).complete([]), "PAYLOAD_INVALID", /body that is not JSON/);
    });

    it("times out with a TIMEOUT error naming the endpoint and the limit", async () => {
      next = { delayMs: 1000, content: "{}" };
      const t = Date.now();
      await rejects(
        new ChatEndpoint({ baseUrl: base, model: "m", timeoutMs: 150 }).complete([]),
        "TIMEOUT",
        /did not answer within 150 ms/,
      );
      expect(Date.now() - t).to.be.below(900);
    });

    it("refuses a bad URL, a missing key variable and an unreachable endpoint", async () => {
      expect(() => new ChatEndpoint({ baseUrl: "not a url", model: "m" })).to.throw(/is not a URL/);
      delete process.env.ZKMERIT_MISSING_KEY;
      expect(() => new ChatEndpoint({ baseUrl: base, model: "m", apiKeyEnv: "ZKMERIT_MISSING_KEY" })).to.throw(
        /ZKMERIT_MISSING_KEY is not set/,
      );
      await rejects(
        new ChatEndpoint({ baseUrl: "http://127.0.0.1:1", model: "m", timeoutMs: 2000 }).complete([]),
        "CONFIG",
        /is unreachable/,
      );
    });
  });

  it("extractJson finds the first balanced object after prose, braces inside strings included", () => {
    expect(extractJson('Here: {"a": "x}y", "b": {"c": 1}} trailing', "e")).to.deep.equal({ a: "x}y", b: { c: 1 } });
  });
});
