import { z } from "zod";
import { ZkMeritError } from "../core";
import { checkFeedback, feedbackCommitment, type Feedback, type ReliabilityShape } from "./reference";

/**
 * The feedback payload an evaluator publishes in the content store at reveal (its URI is the one
 * `revealFeedback` names): UTF-8 JSON, source ids as decimal strings.
 *
 *     { "kind": "zkmerit/reliability-feedback", "version": 1,
 *       "grades": [{ "graded": true, "correct": true, "grounded": false,
 *                    "sources": [{ "source": "3", "share": 70 }] }, ...] }
 *
 * The oracle trusts none of it: it checks the shape (checkFeedback) and that its commitment
 * (feedbackCommitment) is the revealed one; anything else counts as unavailable.
 */
export const FEEDBACK_KIND = "zkmerit/reliability-feedback";

const payloadSchema = z.object({
  kind: z.literal(FEEDBACK_KIND),
  version: z.literal(1),
  grades: z.array(
    z.object({
      graded: z.boolean(),
      correct: z.boolean(),
      grounded: z.boolean(),
      sources: z.array(z.object({ source: z.string().regex(/^\d{1,10}$/), share: z.number().int() })),
    }),
  ),
});

/** The payload bytes of `feedback`. */
export function encodeFeedback(feedback: Feedback): Uint8Array {
  const body = {
    kind: FEEDBACK_KIND,
    version: 1,
    grades: feedback.grades.map((g) => ({
      graded: g.graded,
      correct: g.correct,
      grounded: g.grounded,
      sources: g.sources.map((s) => ({ source: s.source.toString(), share: s.share })),
    })),
  };
  return new TextEncoder().encode(JSON.stringify(body));
}

/** Parses a payload and checks it against the instance's shape; throws PAYLOAD_INVALID naming `uri`. */
export function decodeFeedback(bytes: Uint8Array, shape: ReliabilityShape, uri = "feedback"): Feedback {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ZkMeritError("PAYLOAD_INVALID", `${uri} is not UTF-8 JSON: ${(e as Error).message}`, { uri });
  }
  const p = payloadSchema.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new ZkMeritError("PAYLOAD_INVALID", `${uri} is not reliability feedback: ${i.path.join(".")}: ${i.message}`, { uri });
  }
  const feedback: Feedback = {
    grades: p.data.grades.map((g) => ({ ...g, sources: g.sources.map((s) => ({ source: BigInt(s.source), share: s.share })) })),
  };
  return checkFeedback(feedback, shape, uri);
}

/** Decodes a payload and checks that it is the content committed to by `commitment`. */
export async function decodeCommittedFeedback(
  bytes: Uint8Array,
  o: { shape: ReliabilityShape; commitment: bigint; uri: string },
): Promise<Feedback> {
  const feedback = decodeFeedback(bytes, o.shape, o.uri);
  const c = await feedbackCommitment(feedback, o.shape);
  if (c !== o.commitment) {
    throw new ZkMeritError("COMMITMENT_MISMATCH", `${o.uri} commits to ${c}, not to the revealed ${o.commitment}`, { uri: o.uri });
  }
  return feedback;
}
