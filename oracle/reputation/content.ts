import { keccak256, type Hex } from "viem";
import { z } from "zod";
import { ZkMeritError } from "../core";
import { encodeJudgment, judgmentCommitment, type Judgment, type ReputationShape } from "./reference";
import type { ChoiceQuestion } from "./adapter";

/**
 * The payloads of a ranking round in the content store, UTF-8 JSON. The chain holds only their
 * digests or commitments; whoever reads one checks it against the chain before using it.
 *
 * - **question** (`openRound`'s URI; its keccak256 is the round's `questionHash`):
 *   `{ "kind": "zkmerit/reputation-question", "version": 1, "text": ..., "choices": [...] }`
 * - **answer** (`revealAnswer`'s URI; its keccak256 is the revealed `answerDigest`):
 *   `{ "kind": "zkmerit/reputation-answer", "version": 1, "round": "3", "slot": 5, "choice": 1, "text": ... }`
 * - **judgment** (`revealJudgment`'s URI; its preference vector's commitment, spec "Judgment
 *   commitment", is the revealed `commitment`):
 *   `{ "kind": "zkmerit/reputation-judgment", "version": 1, "round": "3", "judge": 2,
 *      "votes": [{ "first": 0, "second": 1, "pref": 1 }, ...] }`
 *
 * The settler trusts none of it: a judgment whose shape is wrong (a self-judgment, a pair outside
 * the schedule, a preference out of range) or whose commitment is not the revealed one counts as
 * unavailable and is left out (`includedMask` shows it).
 */
export const QUESTION_KIND = "zkmerit/reputation-question";
export const ANSWER_KIND = "zkmerit/reputation-answer";
export const JUDGMENT_KIND = "zkmerit/reputation-judgment";

const roundString = z.string().regex(/^\d{1,10}$/, "a decimal round number");
const slot = z.number().int().min(0).max(63);

const questionSchema = z.object({
  kind: z.literal(QUESTION_KIND),
  version: z.literal(1),
  text: z.string().min(1).max(4000),
  choices: z.array(z.string().min(1).max(1000)).min(2).max(26),
});

const answerSchema = z.object({
  kind: z.literal(ANSWER_KIND),
  version: z.literal(1),
  round: roundString,
  slot,
  choice: z.number().int().min(0).max(25),
  text: z.string().max(4000),
});

const judgmentSchema = z.object({
  kind: z.literal(JUDGMENT_KIND),
  version: z.literal(1),
  round: roundString,
  judge: slot,
  votes: z.array(z.object({ first: slot, second: slot, pref: z.number().int() })).max(192),
});

/** A node's revealed answer. */
export interface AnswerContent {
  readonly round: bigint;
  readonly slot: number;
  readonly choice: number;
  readonly text: string;
}

const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function parse<T extends z.ZodTypeAny>(bytes: Uint8Array, schema: T, uri: string, what: string): z.output<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ZkMeritError("PAYLOAD_INVALID", `${uri} is not UTF-8 JSON: ${(e as Error).message}`, { uri });
  }
  const p = schema.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new ZkMeritError("PAYLOAD_INVALID", `${uri} is not a ${what}: ${i.path.join(".") || "(root)"}: ${i.message}`, { uri });
  }
  return p.data;
}

/** keccak256 of a payload: a question's `questionHash`, an answer's `answerDigest`. */
export function payloadDigest(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}

export function encodeQuestion(q: ChoiceQuestion): Uint8Array {
  return utf8({ kind: QUESTION_KIND, version: 1, text: q.text, choices: [...q.choices] });
}

/** Parses a question payload; with `digest`, checks it is the round's questionHash (COMMITMENT_MISMATCH otherwise). */
export function decodeQuestion(bytes: Uint8Array, uri = "question", digest?: Hex): ChoiceQuestion {
  const q = parse(bytes, questionSchema, uri, "reputation question");
  if (digest !== undefined && payloadDigest(bytes) !== digest.toLowerCase()) {
    throw new ZkMeritError("COMMITMENT_MISMATCH", `${uri} hashes to ${payloadDigest(bytes)}, not to the round's question hash ${digest}`, {
      uri,
    });
  }
  return { text: q.text, choices: q.choices };
}

export function encodeAnswer(a: AnswerContent): Uint8Array {
  return utf8({ kind: ANSWER_KIND, version: 1, round: a.round.toString(), slot: a.slot, choice: a.choice, text: a.text });
}

/**
 * Parses an answer payload and checks it against the chain: its digest is the revealed one, and it
 * names the round and slot it was revealed for (so an answer cannot be replayed from another round
 * or copied from another node's reveal).
 */
export function decodeAnswer(bytes: Uint8Array, o: { round: bigint; slot: number; digest: Hex; uri: string }): AnswerContent {
  const a = parse(bytes, answerSchema, o.uri, "reputation answer");
  if (payloadDigest(bytes) !== o.digest.toLowerCase()) {
    throw new ZkMeritError("COMMITMENT_MISMATCH", `${o.uri} hashes to ${payloadDigest(bytes)}, not to the revealed ${o.digest}`, {
      uri: o.uri,
    });
  }
  if (BigInt(a.round) !== o.round || a.slot !== o.slot) {
    throw new ZkMeritError(
      "PAYLOAD_INVALID",
      `${o.uri} is slot ${a.slot}'s answer for round ${a.round}, revealed as slot ${o.slot}'s for round ${o.round}`,
      { uri: o.uri },
    );
  }
  return { round: BigInt(a.round), slot: a.slot, choice: a.choice, text: a.text };
}

export function encodeJudgmentPayload(round: bigint, judge: number, judgment: Judgment): Uint8Array {
  return utf8({
    kind: JUDGMENT_KIND,
    version: 1,
    round: round.toString(),
    judge,
    votes: judgment.votes.map((v) => ({ first: v.first, second: v.second, pref: v.pref })),
  });
}

/** Parses a judgment payload and checks it against the rule's shape (encodeJudgment, which names a bad vote). */
export function decodeJudgment(
  bytes: Uint8Array,
  shape: ReputationShape,
  uri = "judgment",
): { round: bigint; judge: number; judgment: Judgment } {
  const p = parse(bytes, judgmentSchema, uri, "reputation judgment");
  const judgment: Judgment = { votes: p.votes };
  encodeJudgment(p.judge, judgment, shape, uri);
  return { round: BigInt(p.round), judge: p.judge, judgment };
}

/**
 * Decodes a judgment payload and checks it is what judge `judge` revealed in `round`: same round
 * and judge, and its preference vector's commitment is the revealed `commitment`.
 */
export async function decodeCommittedJudgment(
  bytes: Uint8Array,
  o: { shape: ReputationShape; round: bigint; judge: number; commitment: bigint; uri: string },
): Promise<Judgment> {
  const p = decodeJudgment(bytes, o.shape, o.uri);
  if (p.round !== o.round || p.judge !== o.judge) {
    throw new ZkMeritError(
      "PAYLOAD_INVALID",
      `${o.uri} is judge ${p.judge}'s judgment for round ${p.round}, revealed by slot ${o.judge} for round ${o.round}`,
      { uri: o.uri },
    );
  }
  const c = await judgmentCommitment(o.judge, p.judgment, o.shape);
  if (c !== o.commitment) {
    throw new ZkMeritError("COMMITMENT_MISMATCH", `${o.uri} commits to ${c}, not to the revealed ${o.commitment}`, { uri: o.uri });
  }
  return p.judgment;
}
