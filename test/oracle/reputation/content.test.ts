import { expect } from "chai";
import { isZkMeritError } from "../../../oracle/core";
import { judgmentCommitment, PREFER_FIRST, PREFER_SECOND, type Judgment } from "../../../oracle/reputation";
import {
  decodeAnswer,
  decodeCommittedJudgment,
  decodeJudgment,
  decodeQuestion,
  encodeAnswer,
  encodeJudgmentPayload,
  encodeQuestion,
  payloadDigest,
} from "../../../oracle/reputation/content";

const SHAPE = { nodes: 8 };
const J: Judgment = {
  votes: [
    { first: 0, second: 1, pref: PREFER_FIRST },
    { first: 1, second: 0, pref: PREFER_SECOND },
  ],
};

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isZkMeritError(e), String(e)).to.equal(true);
    expect((e as { code: string }).code).to.equal(code);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("oracle/reputation/content", () => {
  it("a question round-trips and is checked against the round's question hash", () => {
    const q = { text: "2 + 2?", choices: ["3", "4"] };
    const bytes = encodeQuestion(q);
    expect(decodeQuestion(bytes, "q", payloadDigest(bytes))).to.deep.equal(q);
    throwsCode(
      () => decodeQuestion(bytes, "q", payloadDigest(encodeQuestion({ ...q, text: "2 + 3?" }))),
      "COMMITMENT_MISMATCH",
      /not to the round's question hash/,
    );
    throwsCode(
      () => decodeQuestion(encodeQuestion({ text: "x", choices: ["only"] }), "q"),
      "PAYLOAD_INVALID",
      /q is not a reputation question: choices/,
    );
  });

  it("an answer is accepted only for the digest, round and slot it was revealed with", () => {
    const a = { round: 3n, slot: 5, choice: 1, text: "B, because" };
    const bytes = encodeAnswer(a);
    const digest = payloadDigest(bytes);
    expect(decodeAnswer(bytes, { round: 3n, slot: 5, digest, uri: "a" })).to.deep.equal(a);
    throwsCode(
      () => decodeAnswer(bytes, { round: 3n, slot: 5, digest: payloadDigest(encodeAnswer({ ...a, choice: 2 })), uri: "a" }),
      "COMMITMENT_MISMATCH",
      /hashes to/,
    );
    // Another node revealing a copy of slot 5's answer under its own slot is refused.
    throwsCode(
      () => decodeAnswer(bytes, { round: 3n, slot: 6, digest, uri: "a" }),
      "PAYLOAD_INVALID",
      /slot 5's answer for round 3, revealed as slot 6's/,
    );
    throwsCode(
      () => decodeAnswer(bytes, { round: 4n, slot: 5, digest, uri: "a" }),
      "PAYLOAD_INVALID",
      /for round 3, revealed as slot 5's for round 4/,
    );
  });

  it("a judgment is accepted only with the revealed commitment, round and judge", async () => {
    const bytes = encodeJudgmentPayload(7n, 4, J);
    const commitment = await judgmentCommitment(4, J, SHAPE);
    expect(await decodeCommittedJudgment(bytes, { shape: SHAPE, round: 7n, judge: 4, commitment, uri: "j" })).to.deep.equal(J);
    for (const [o, re] of [
      [{ commitment: commitment + 1n }, /commits to .*not to the revealed/],
      [{ judge: 3 }, /judge 4's judgment for round 7, revealed by slot 3/],
      [{ round: 8n }, /for round 7, revealed by slot 4 for round 8/],
    ] as const) {
      try {
        await decodeCommittedJudgment(bytes, { shape: SHAPE, round: 7n, judge: 4, uri: "j", ...{ commitment }, ...o });
        expect.fail("accepted");
      } catch (e) {
        expect((e as Error).message).to.match(re);
      }
    }
  });

  it("a self-judgment or a pair outside the schedule in a payload is named", () => {
    throwsCode(() => decodeJudgment(encodeJudgmentPayload(1n, 0, J), SHAPE, "j"), "PAYLOAD_INVALID", /self-judgment: judge 0/);
    throwsCode(
      () => decodeJudgment(encodeJudgmentPayload(1n, 5, { votes: [{ first: 0, second: 2, pref: 1 }] }), SHAPE, "j"),
      "PAYLOAD_INVALID",
      /pair \(0, 2\) is not in the round's schedule/,
    );
    throwsCode(() => decodeJudgment(new TextEncoder().encode("{"), SHAPE, "j"), "PAYLOAD_INVALID", /j is not UTF-8 JSON/);
  });
});
