import { z } from "zod";
import { ChatEndpoint, ZkMeritError, parseReply } from "../core";
import { PREFER_FIRST, PREFER_SECOND, PREF_TIE, pairSchedule, type Judgment, type Vote } from "./reference";

/**
 * Module 3's adapter for any OpenAI-compatible chat-completions endpoint (the core's `ChatEndpoint`),
 * so that a real model can be a swarm node: as an **answerer** (pick one choice of a multiple-choice
 * question) and as a **judge** (compare two answers shown in a given order). A judge is asked about
 * each scheduled pair not containing its own slot, in both orders, as the rule's schedule says
 * (docs/spec/reputation.md, "The pair schedule"); its replies become the `Judgment` the reference,
 * the commitment and the content store take. The model is asked for JSON; the reply is validated
 * with zod, repaired where the repair is unambiguous (a fenced or embedded object, a letter or the
 * choice's text for a choice, "A"/"first"/"1" for a side) and refused otherwise, with an error naming the
 * endpoint and the value.
 *
 * Errors are the core client's (`TIMEOUT`, `ENDPOINT_UNAVAILABLE`, `PAYLOAD_INVALID`, `CONFIG`).
 */

/** A multiple-choice question as a model sees it. */
export interface ChoiceQuestion {
  readonly text: string;
  /** The choices, shown lettered A, B, C, ... (2..26). */
  readonly choices: readonly string[];
}

/** A node's answer to a question: the chosen index, and the model's short justification. */
export interface NodeAnswer {
  readonly choice: number;
  readonly rationale: string;
}

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * A choice as a letter ("B", "b", "(B)", "B. Paris") or the choice's exact text; a bare number is
 * refused (0- or 1-based is ambiguous).
 */
const choiceValue = z.string().trim().min(1);

export const answerReplySchema = z.object({
  choice: choiceValue,
  rationale: z.string().default(""),
});

/** The better answer: "A" (shown first), "B" (shown second) or "tie", with the usual slips accepted. */
const sideValue = z
  .string()
  .trim()
  .transform((s) => s.toLowerCase().replace(/^answer\s+/, ""))
  .pipe(z.enum(["a", "b", "tie", "first", "second", "1", "2", "equal", "both"]));

export const judgeReplySchema = z.object({
  better: z.union([sideValue, z.number().transform(String).pipe(sideValue)]),
});

function choiceIndex(v: string, q: ChoiceQuestion, endpoint: string): number {
  const m = /^\(?([A-Za-z])(?:[).:\s]|$)/.exec(v);
  const i = m ? LETTERS.indexOf(m[1].toUpperCase()) : q.choices.findIndex((c) => c.trim().toLowerCase() === v.toLowerCase());
  if (i < 0 || i >= q.choices.length) {
    throw new ZkMeritError(
      "PAYLOAD_INVALID",
      `the answer reply of ${endpoint} chose ${JSON.stringify(v)}, which is not one of the ${q.choices.length} choices A..${LETTERS[q.choices.length - 1]}`,
      { endpoint, kind: "malformed", choice: String(v) },
    );
  }
  return i;
}

function checkQuestion(q: ChoiceQuestion): void {
  if (!q.text || !Array.isArray(q.choices) || q.choices.length < 2 || q.choices.length > LETTERS.length) {
    throw new ZkMeritError("PAYLOAD_INVALID", `a question needs its text and 2..26 choices, got ${q.choices?.length ?? 0}`, {
      choices: q.choices?.length ?? 0,
    });
  }
}

function questionBlock(q: ChoiceQuestion): string {
  return `Question: ${q.text}\n${q.choices.map((c, i) => `${LETTERS[i]}. ${c}`).join("\n")}`;
}

/** A model behind a chat endpoint as a swarm node's answerer. */
export class LlmAnswerer {
  constructor(readonly endpoint: ChatEndpoint) {}

  async answer(q: ChoiceQuestion): Promise<NodeAnswer> {
    checkQuestion(q);
    const reply = await this.endpoint.complete([
      {
        role: "system",
        content:
          "Answer the multiple-choice question. Reply with JSON only: " +
          '{"choice": the letter of your choice, "rationale": one short sentence}.',
      },
      { role: "user", content: questionBlock(q) },
    ]);
    const parsed = parseReply(reply, this.endpoint.url, "answer", answerReplySchema);
    return { choice: choiceIndex(parsed.choice, q, this.endpoint.url), rationale: parsed.rationale };
  }
}

/** What a judge compares: the question and each slot's answer (undefined for a slot that did not answer). */
export interface JudgeInput {
  readonly question: ChoiceQuestion;
  /** By slot: the answer the node revealed, as text shown to the judge. */
  readonly answers: readonly (string | undefined)[];
}

/** A model behind a chat endpoint as a swarm node's judge. */
export class LlmJudge {
  constructor(readonly endpoint: ChatEndpoint) {}

  /** The preference (1 first better, 2 tie, 3 second better) on answer `first` shown before `second`. */
  async compare(question: ChoiceQuestion, first: string, second: string): Promise<number> {
    checkQuestion(question);
    const reply = await this.endpoint.complete([
      {
        role: "system",
        content:
          "Two answers to the same multiple-choice question follow, A then B. Judge which is better (correct and well " +
          'justified). Reply with JSON only: {"better": "A", "B" or "tie"}.',
      },
      { role: "user", content: `${questionBlock(question)}\n\nAnswer A: ${first}\nAnswer B: ${second}` },
    ]);
    const side = parseReply(reply, this.endpoint.url, "judgment", judgeReplySchema).better;
    if (side === "a" || side === "first" || side === "1") return PREFER_FIRST;
    if (side === "b" || side === "second" || side === "2") return PREFER_SECOND;
    return PREF_TIE;
  }

  /**
   * The judgment of slot `judge` for a round of `n` slots: every scheduled pair without `judge`
   * whose two slots answered, in both orders (so position bias cancels). Pairs with a slot that did
   * not answer are not judged (the rule ignores them).
   */
  async judge(judge: number, n: number, input: JudgeInput): Promise<Judgment> {
    if (!Number.isInteger(judge) || judge < 0 || judge >= n) {
      throw new ZkMeritError("PAYLOAD_INVALID", `judge slot ${judge} is outside the swarm's 0..${n - 1}`, { judge, n });
    }
    if (input.answers.length !== n) {
      throw new ZkMeritError("PAYLOAD_INVALID", `the judge needs one answer entry per slot (${n}), got ${input.answers.length}`, {
        n,
        answers: input.answers.length,
      });
    }
    const votes: Vote[] = [];
    for (const [a, b] of pairSchedule(n)) {
      if (a === judge || b === judge) continue;
      const [ta, tb] = [input.answers[a], input.answers[b]];
      if (ta === undefined || tb === undefined) continue;
      votes.push({ first: a, second: b, pref: await this.compare(input.question, ta, tb) });
      votes.push({ first: b, second: a, pref: await this.compare(input.question, tb, ta) });
    }
    return { votes };
  }
}
