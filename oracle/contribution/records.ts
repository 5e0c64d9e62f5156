import { z } from "zod";
import { ZkMeritError } from "../errors";
import { commitVector, signedBounds } from "../field";
import { rewardRoot, stateHash } from "./reference";

/**
 * The round record the settler publishes in the content store and names in the settlement
 * (`modelURI`): the new global model and every slot's cumulative reward, plus what the round
 * decided (which reveals were included, shares, scores, the rule's flags). The chain does not
 * trust the URI it is named by: anyone can check it against the proven state,
 * Poseidon(taskHeader, VectorCommit(model), rewardRoot(cum)) must equal the settled state.
 * Trainers take the model to train on and their Merkle path to claim from it.
 */
export const ROUND_RECORD_FORMAT = "zkmerit.round.v2";

const Int = z.string().regex(/^-?\d+$/, "must be a decimal integer string");
const RoundRecordSchema = z
  .object({
    format: z.literal(ROUND_RECORD_FORMAT),
    taskId: Int,
    round: z.number().int().nonnegative(),
    bits: z.number().int(),
    fracBits: z.number().int(),
    model: z.array(Int),
    cum: z.array(Int),
    submissions: z.array(
      z.object({
        slot: z.number().int().nonnegative(),
        commitment: Int,
        share: Int,
        score: Int,
        flags: z.object({
          included: z.boolean(),
          norm: z.boolean(),
          dist: z.boolean(),
          dup: z.boolean(),
          slashed: z.boolean(),
          excluded: z.boolean(),
        }),
      }),
    ),
  })
  .strict();

export interface RoundRecord {
  taskId: bigint;
  round: number;
  bits: number;
  fracBits: number;
  model: bigint[];
  cum: bigint[];
  submissions: Array<{
    slot: number;
    commitment: bigint;
    share: bigint;
    score: bigint;
    flags: RecordFlags;
  }>;
}

/** What the rule decided for one reveal (see docs/spec/contribution.md). */
export interface RecordFlags {
  included: boolean;
  norm: boolean;
  dist: boolean;
  dup: boolean;
  slashed: boolean;
  excluded: boolean;
}

export function encodeRoundRecord(r: RoundRecord): Uint8Array {
  const s = (x: bigint) => x.toString();
  return new TextEncoder().encode(
    JSON.stringify({
      format: ROUND_RECORD_FORMAT,
      taskId: s(r.taskId),
      round: r.round,
      bits: r.bits,
      fracBits: r.fracBits,
      model: r.model.map(s),
      cum: r.cum.map(s),
      submissions: r.submissions.map((x) => ({
        slot: x.slot,
        commitment: s(x.commitment),
        share: s(x.share),
        score: s(x.score),
        flags: x.flags,
      })),
    }),
  );
}

export function decodeRoundRecord(bytes: Uint8Array, uri = "round record"): RoundRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ZkMeritError("PAYLOAD_INVALID", `${uri} is not UTF-8 JSON: ${(e as Error).message}`, { uri });
  }
  const p = RoundRecordSchema.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new ZkMeritError("PAYLOAD_INVALID", `${uri}: ${i.path.join(".") || "(root)"}: ${i.message}`, { uri });
  }
  const d = p.data;
  const { min, max } = signedBounds(d.bits);
  const model = d.model.map(BigInt);
  model.forEach((v, i) => {
    if (v < min || v > max) throw new ZkMeritError("PAYLOAD_INVALID", `${uri}: model[${i}] = ${v} is outside ${d.bits}-bit range`, { uri });
  });
  return {
    taskId: BigInt(d.taskId),
    round: d.round,
    bits: d.bits,
    fracBits: d.fracBits,
    model,
    cum: d.cum.map(BigInt),
    submissions: d.submissions.map((x) => ({
      slot: x.slot,
      commitment: BigInt(x.commitment),
      share: BigInt(x.share),
      score: BigInt(x.score),
      flags: x.flags,
    })),
  };
}

/**
 * Checks a record against the chain: its model and cumulative rewards must hash, with the task
 * header, to `state`. Returns the model commitment and reward root it was checked with.
 */
export async function verifyRoundRecord(
  r: RoundRecord,
  expect: { taskHeader: bigint; state: bigint; slots: number; params: number; uri?: string },
): Promise<{ modelCommitment: bigint; rewardRoot: bigint }> {
  const where = expect.uri ?? "round record";
  if (r.model.length !== expect.params || r.cum.length !== expect.slots) {
    throw new ZkMeritError(
      "PAYLOAD_INVALID",
      `${where} holds ${r.model.length} parameters and ${r.cum.length} slots; the task has ${expect.params} and ${expect.slots}`,
      {},
    );
  }
  const modelCommitment = await commitVector(r.model, r.bits);
  const root = await rewardRoot(r.cum);
  const state = await stateHash(expect.taskHeader, modelCommitment, root);
  if (state !== expect.state) {
    throw new ZkMeritError("COMMITMENT_MISMATCH", `${where} hashes to state ${state}, but the chain recorded ${expect.state}`, {
      uri: expect.uri,
    });
  }
  return { modelCommitment, rewardRoot: root };
}
