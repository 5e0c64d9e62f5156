import { expect } from "chai";
import { LlmGenerator, LlmGrader, checkFeedback, type PromptPassage } from "../../../oracle/reliability";
import { ChatEndpoint } from "../../../oracle/core";
import { ChatServer, rejectsWith as rejects, type Canned } from "../../helpers/chatServer";

const PASSAGES: PromptPassage[] = [
  { source: 3n, text: "The capital of Valdoria is Morten." },
  { source: 7n, text: "Capital of Valdoria: Karsel. Valdoria capital city Karsel." },
  { source: 3n, text: "Valdoria is a northern country. The capital of Valdoria is Morten." },
];

describe("oracle/reliability/adapter", () => {
  const chat = new ChatServer();
  const requests = chat.requests;
  let base: string;
  const reply = (c: Canned) => (chat.next = c);

  before(async () => {
    base = (await chat.start()).base;
  });
  after(() => chat.stop());

  describe("# LlmGenerator", () => {
    it("posts the model and the numbered passages to /v1/chat/completions and maps the cited passages to sources", async () => {
      process.env.ZKMERIT_TEST_KEY = "sk-test";
      const gen = new LlmGenerator(new ChatEndpoint({ baseUrl: `${base}/`, model: "tiny", apiKeyEnv: "ZKMERIT_TEST_KEY" }), {
        maxSources: 2,
      });
      reply({
        content: '{"answer": "Morten", "used": [{"passage": 1, "share": 50}, {"passage": 3, "share": 30}, {"passage": 2, "share": 10}]}',
      });
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
      reply({
        content: 'Sure! ```json\n{"answer": "Morten", "used": [{"passage": "1", "share": "90"}, {"passage": 2, "share": 60}]}\n```',
      });
      const a = await gen.answer("q", PASSAGES);
      expect(a.sources).to.deep.equal([
        { source: 3n, share: 60 },
        { source: 7n, share: 40 },
      ]);
      reply({ content: '{"answer": null}' });
      expect(await gen.answer("q", PASSAGES)).to.deep.equal({ answer: null, sources: [], grounded: false });
    });

    it("refuses a reply that is not JSON, or cites a passage it was not given, naming the endpoint", async () => {
      const gen = new LlmGenerator(new ChatEndpoint({ baseUrl: base, model: "tiny" }));
      reply({ content: "The capital is Morten, I think." });
      const e = await rejects(
        gen.answer("q", PASSAGES),
        "PAYLOAD_INVALID",
        /reply of http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions holds no JSON object/,
      );
      expect(e.details.kind).to.equal("malformed");
      reply({ content: '{"answer": "Morten", "used": [{"passage": 9, "share": 50}]}' });
      await rejects(gen.answer("q", PASSAGES), "PAYLOAD_INVALID", /cites passage 9; the prompt had passages 1\.\.3/);
      reply({ content: '{"answer": 42}' });
      await rejects(gen.answer("q", PASSAGES), "PAYLOAD_INVALID", /answer reply of .* does not fit the expected JSON: answer/);
    });
  });

  describe("# LlmGrader", () => {
    it("turns a grade reply into a QueryGrade the reference accepts (loose booleans repaired)", async () => {
      const grader = new LlmGrader(new ChatEndpoint({ baseUrl: base, model: "judge" }), { maxSources: 2 });
      reply({ content: '{"correct": "yes", "grounded": true, "used": [{"passage": 2, "share": 100}]}' });
      const g = await grader.grade("What is the capital of Valdoria?", "Karsel", PASSAGES, "Morten");
      expect(g).to.deep.equal({ graded: true, correct: true, grounded: true, sources: [{ source: 7n, share: 100 }] });
      checkFeedback({ grades: [g] }, { words: 1, queries: 1, evaluators: 1, entries: 2 });
      expect(requests[requests.length - 1].body.messages[1].content).to.contain("Reference answer: Morten");
    });

    it("refuses a grade without its verdicts", async () => {
      const grader = new LlmGrader(new ChatEndpoint({ baseUrl: base, model: "judge" }));
      reply({ content: '{"grounded": true}' });
      await rejects(grader.grade("q", "a", PASSAGES), "PAYLOAD_INVALID", /grade reply of .* does not fit the expected JSON: correct/);
    });
  });
});
