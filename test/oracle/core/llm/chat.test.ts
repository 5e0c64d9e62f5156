import { expect } from "chai";
import { z } from "zod";
import { ChatEndpoint, extractJson, looseBool, looseNumber, parseReply } from "../../../../oracle/core";
import { ChatServer, rejectsWith as rejects } from "../../../helpers/chatServer";

describe("oracle/core/llm/chat", () => {
  const chat = new ChatServer();
  let base: string;

  before(async () => {
    base = (await chat.start()).base;
  });
  after(() => chat.stop());

  describe("# ChatEndpoint", () => {
    it("names the endpoint and the status of an HTTP error", async () => {
      chat.next = { status: 503, body: '{"error": "overloaded"}' };
      const e = await rejects(
        new ChatEndpoint({ baseUrl: base, model: "m" }).complete([]),
        "PAYLOAD_INVALID",
        /\/v1\/chat\/completions answered HTTP 503: \{"error": "overloaded"\}/,
      );
      expect(e.details.status).to.equal(503);
    });

    it("refuses a 200 whose body is not a completion", async () => {
      chat.next = { body: '{"choices": []}' };
      await rejects(new ChatEndpoint({ baseUrl: base, model: "m" }).complete([]), "PAYLOAD_INVALID", /answered with no completion/);
      chat.next = { body: "<html>proxy error</html>" };
      await rejects(new ChatEndpoint({ baseUrl: base, model: "m" }).complete([]), "PAYLOAD_INVALID", /body that is not JSON/);
    });

    it("times out with a TIMEOUT error naming the endpoint and the limit", async () => {
      chat.next = { delayMs: 1000, content: "{}" };
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
        "ENDPOINT_UNAVAILABLE",
        /is unreachable: .*start it or check/,
      );
    });
  });

  it("extractJson finds the first balanced object after prose, braces inside strings included", () => {
    expect(extractJson('Here: {"a": "x}y", "b": {"c": 1}} trailing', "e")).to.deep.equal({ a: "x}y", b: { c: 1 } });
  });

  describe("# parseReply", () => {
    const schema = z.object({ choice: looseNumber.pipe(z.number().int()), sure: looseBool });

    it("reads a fenced object and repairs numeric strings and yes/no", () => {
      expect(parseReply('Sure.\n```json\n{"choice": "2", "sure": "yes"}\n```', "e", "answer", schema)).to.deep.equal({
        choice: 2,
        sure: true,
      });
    });

    it("refuses a reply that does not fit, naming the endpoint, what was asked and each field", () => {
      expect(() => parseReply('{"choice": "two"}', "http://m", "answer", schema)).to.throw(
        /the answer reply of http:\/\/m does not fit the expected JSON: choice: .*; sure: /,
      );
    });
  });
});
