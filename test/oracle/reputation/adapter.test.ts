import { expect } from "chai";
import { ChatEndpoint } from "../../../oracle/core";
import { LlmAnswerer, LlmJudge, type ChoiceQuestion } from "../../../oracle/reputation/adapter";
import { encodeJudgment, pairSchedule, PREFER_FIRST, PREFER_SECOND, PREF_TIE } from "../../../oracle/reputation";
import { ChatServer, rejectsWith as rejects } from "../../helpers/chatServer";

const Q: ChoiceQuestion = { text: "Which gas is most abundant in Earth's atmosphere?", choices: ["Oxygen", "Nitrogen", "Argon", "CO2"] };

describe("oracle/reputation/adapter", () => {
  const chat = new ChatServer();
  let endpoint: ChatEndpoint;

  before(async () => {
    await chat.start();
    endpoint = new ChatEndpoint({ baseUrl: chat.base, model: "node" });
  });
  afterEach(() => {
    chat.respond = undefined;
    chat.requests.length = 0;
  });
  after(() => chat.stop());

  describe("# LlmAnswerer", () => {
    it("shows the lettered choices and reads a letter, a fenced reply or the choice's text", async () => {
      chat.next = { content: '{"choice": "B", "rationale": "about 78%"}' };
      expect(await new LlmAnswerer(endpoint).answer(Q)).to.deep.equal({ choice: 1, rationale: "about 78%" });
      expect(chat.requests[0].body.messages[1].content).to.contain("B. Nitrogen");
      chat.next = { content: 'Here you go:\n```json\n{"choice": "(c) Argon"}\n```' };
      expect((await new LlmAnswerer(endpoint).answer(Q)).choice).to.equal(2);
      chat.next = { content: '{"choice": "co2"}' };
      expect((await new LlmAnswerer(endpoint).answer(Q)).choice).to.equal(3);
    });

    it("refuses a choice that is not one of the question's, or a bare number (0- or 1-based?), naming it and the endpoint", async () => {
      chat.next = { content: '{"choice": "F"}' };
      await rejects(new LlmAnswerer(endpoint).answer(Q), "PAYLOAD_INVALID", /chose "F", which is not one of the 4 choices A\.\.D/);
      chat.next = { content: '{"choice": 2}' };
      await rejects(new LlmAnswerer(endpoint).answer(Q), "PAYLOAD_INVALID", /does not fit the expected JSON: choice/);
      chat.next = { content: '{"rationale": "none"}' };
      await rejects(
        new LlmAnswerer(endpoint).answer(Q),
        "PAYLOAD_INVALID",
        /answer reply of http:.* does not fit the expected JSON: choice/,
      );
    });
  });

  describe("# LlmJudge", () => {
    it("maps A, B and tie (and their slips) to the rule's preferences", async () => {
      const judge = new LlmJudge(endpoint);
      for (const [better, pref] of [
        ['"A"', PREFER_FIRST],
        ['"answer b"', PREFER_SECOND],
        ['"second"', PREFER_SECOND],
        ['"tie"', PREF_TIE],
        ["1", PREFER_FIRST],
      ] as const) {
        chat.next = { content: `{"better": ${better}}` };
        expect(await judge.compare(Q, "Nitrogen", "Oxygen"), better).to.equal(pref);
      }
      chat.next = { content: '{"better": "neither"}' };
      await rejects(judge.compare(Q, "x", "y"), "PAYLOAD_INVALID", /judgment reply .* does not fit the expected JSON: better/);
    });

    it("judges every scheduled pair without its own slot, in both orders, skipping slots that did not answer; the reference accepts it", async () => {
      const n = 8;
      const answers = ["B", "A", "B", undefined, "C", "B", "D", "B"].map((c) => (c === undefined ? undefined : `${c}: because`));
      // A model that prefers whichever shown answer is B (Nitrogen), else a tie.
      chat.respond = (r) => {
        const text = r.body.messages[1].content;
        const a = /Answer A: (\w)/.exec(text)![1];
        const b = /Answer B: (\w)/.exec(text)![1];
        return { content: JSON.stringify({ better: a === b ? "tie" : a === "B" ? "A" : b === "B" ? "B" : "tie" }) };
      };
      const judgment = await new LlmJudge(endpoint).judge(2, n, { question: Q, answers });
      const live = pairSchedule(n).filter(([a, b]) => a !== 2 && b !== 2 && a !== 3 && b !== 3);
      expect(judgment.votes).to.have.length(2 * live.length);
      expect(chat.requests).to.have.length(2 * live.length);
      for (const v of judgment.votes) {
        expect([v.first, v.second]).to.not.include(2);
        expect([v.first, v.second]).to.not.include(3);
      }
      const v01 = judgment.votes.find((v) => v.first === 0 && v.second === 1)!;
      const v10 = judgment.votes.find((v) => v.first === 1 && v.second === 0)!;
      expect([v01.pref, v10.pref]).to.deep.equal([PREFER_FIRST, PREFER_SECOND]);
      expect(() => encodeJudgment(2, judgment, { nodes: n })).to.not.throw();
    });

    it("refuses a judge slot outside the swarm and an answer list of the wrong length", async () => {
      await rejects(
        new LlmJudge(endpoint).judge(8, 8, { question: Q, answers: new Array(8).fill("x") }),
        "PAYLOAD_INVALID",
        /judge slot 8 is outside the swarm's 0\.\.7/,
      );
      await rejects(
        new LlmJudge(endpoint).judge(0, 8, { question: Q, answers: ["x"] }),
        "PAYLOAD_INVALID",
        /one answer entry per slot \(8\), got 1/,
      );
      expect(chat.requests).to.have.length(0);
    });
  });
});
