import { z } from "zod";
import { ZkMeritError } from "../core";
import { commitVector, signedBounds } from "../core";
import { rewardRoot, stateHash } from "./reference";

/**
 * The round record the settler publishes in the content store and names in the settlement
 * (`modelURI`): the new global model, the model before it (their difference is the round's public
 * step, the baseline the next round's rule compares against) and every slot's cumulative reward,
 * plus what the round decided (which reveals were included, trust, values, shares, the rule's
 * flags). The chain does not trust the URI it is named by: anyone can check it against the proven
 * state, Poseidon(taskHeader, Poseidon(VectorCommit(model), VectorCommit(prevModel)),
 * rewardRoot(cum)) must equal the settled state. Trainers take the model to train on and their
 * Merkle path to claim from it.
 */
export const ROUND_RECORD_FORMAT = "zkmerit.round.v3";

const Int = z.string().regex(/^-?\d+$/, "must be a decimal integer string");
const RoundRecordSchema = z
  .object({
    format: z.literal(ROUND_RECORD_FORMAT),
    taskId: Int,
    round: z.number().int().nonnegative(),
    bits: z.number().int(),
    fracBits: z.number().int(),
    model: z.array(Int),
    prevModel: z.array(Int),
    cum: z.array(Int),
    submissions: z.array(
      z.object({
        slot: z.number().int().nonnegative(),
        commitment: Int,
        share: Int,
        trust: Int,
        value: Int,
        flags: z
          .object({
            included: z.boolean(),
            root: z.boolean(),
            norm: z.boolean(),
            dup: z.boolean(),
            slashed: z.boolean(),
            excluded: z.boolean(),
          })
          .strict(),
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
  /** The model the round started from. */
  prevModel: bigint[];
  cum: bigint[];
  submissions: Array<{
    slot: number;
    commitment: bigint;
    share: bigint;
    /** Trust in 16-bit fixed point (docs/spec/root-trust.md T4). */
    trust: bigint;
    /** Value in 24-bit fixed point (T6). */
    value: bigint;
    flags: RecordFlags;
  }>;
}

/** What the rule decided for one reveal (see docs/spec/contribution.md). */
export interface RecordFlags {
  included: boolean;
  /** the owner's root update */
  root: boolean;
  norm: boolean;
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
      prevModel: r.prevModel.map(s),
      cum: r.cum.map(s),
      submissions: r.submissions.map((x) => ({
        slot: x.slot,
        commitment: s(x.commitment),
        share: s(x.share),
        trust: s(x.trust),
        value: s(x.value),
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
  const inRange = (name: string, xs: string[]) =>
    xs.map(BigInt).map((v, i) => {
      if (v < min || v > max)
        throw new ZkMeritError("PAYLOAD_INVALID", `${uri}: ${name}[${i}] = ${v} is outside ${d.bits}-bit range`, { uri });
      return v;
    });
  const model = inRange("model", d.model);
  const prevModel = inRange("prevModel", d.prevModel);
  return {
    taskId: BigInt(d.taskId),
    round: d.round,
    bits: d.bits,
    fracBits: d.fracBits,
    model,
    prevModel,
    cum: d.cum.map(BigInt),
    submissions: d.submissions.map((x) => ({
      slot: x.slot,
      commitment: BigInt(x.commitment),
      share: BigInt(x.share),
      trust: BigInt(x.trust),
      value: BigInt(x.value),
      flags: x.flags,
    })),
  };
}

/**
 * Checks a record against the chain: its models and cumulative rewards must hash, with the task
 * header, to `state`. Returns the model commitments and reward root it was checked with.
 */
export async function verifyRoundRecord(
  r: RoundRecord,
  expect: { taskHeader: bigint; state: bigint; slots: number; params: number; uri?: string },
): Promise<{ modelCommitment: bigint; prevModelCommitment: bigint; rewardRoot: bigint }> {
  const where = expect.uri ?? "round record";
  if (r.model.length !== expect.params || r.prevModel.length !== expect.params || r.cum.length !== expect.slots) {
    throw new ZkMeritError(
      "PAYLOAD_INVALID",
      `${where} holds ${r.model.length} parameters (${r.prevModel.length} before) and ${r.cum.length} slots; ` +
        `the task has ${expect.params} and ${expect.slots}`,
      {},
    );
  }
  const modelCommitment = await commitVector(r.model, r.bits);
  const prevModelCommitment = await commitVector(r.prevModel, r.bits);
  const root = await rewardRoot(r.cum);
  const state = await stateHash(expect.taskHeader, modelCommitment, prevModelCommitment, root);
  if (state !== expect.state) {
    throw new ZkMeritError("COMMITMENT_MISMATCH", `${where} hashes to state ${state}, but the chain recorded ${expect.state}`, {
      uri: expect.uri,
    });
  }
  return { modelCommitment, prevModelCommitment, rewardRoot: root };
}
