import { z } from "zod";
import { ZkMeritError } from "../errors";
import { commitVector, signedBounds, type FixedPointParams } from "../field";

/**
 * A quantized vector as stored in the content store (a model update or a global model):
 * UTF-8 JSON `{ format, kind, bits, fracBits, values, meta? }` with integer values.
 */
export const VECTOR_FORMAT = "zkmerit.vector.v1";

const VectorPayloadSchema = z
  .object({
    format: z.literal(VECTOR_FORMAT),
    kind: z.enum(["update", "model"]),
    bits: z.number().int(),
    fracBits: z.number().int(),
    values: z.array(z.unknown()),
    meta: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  })
  .strict();

export interface VectorPayload {
  kind: "update" | "model";
  params: FixedPointParams;
  values: bigint[];
  meta?: Record<string, string | number>;
}

export function encodeVectorPayload(p: VectorPayload): Uint8Array {
  const { min, max } = signedBounds(p.params.bits);
  p.values.forEach((v, i) => {
    if (v < min || v > max)
      throw new ZkMeritError("PAYLOAD_INVALID", `value ${i} (${v}) is outside ${p.params.bits}-bit signed range`, { index: i });
  });
  const json = {
    format: VECTOR_FORMAT,
    kind: p.kind,
    bits: p.params.bits,
    fracBits: p.params.fracBits,
    values: p.values.map((v) => Number(v)),
    ...(p.meta ? { meta: p.meta } : {}),
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

/**
 * Parses and validates a stored vector: the format, the expected kind, length and fixed-point
 * parameters, and that every value is an integer in range. Errors name the offending field.
 */
export function decodeVectorPayload(
  bytes: Uint8Array,
  expect: { kind: "update" | "model"; length: number; params: FixedPointParams; uri?: string },
): VectorPayload {
  const where = expect.uri ? ` (${expect.uri})` : "";
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ZkMeritError("PAYLOAD_INVALID", `payload${where} is not UTF-8 JSON: ${(e as Error).message}`, { uri: expect.uri });
  }
  const parsed = VectorPayloadSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ZkMeritError("PAYLOAD_INVALID", `payload${where}: ${i.path.join(".") || "(root)"}: ${i.message}`, { uri: expect.uri });
  }
  const p = parsed.data;
  if (p.kind !== expect.kind)
    throw new ZkMeritError("PAYLOAD_INVALID", `payload${where} has kind "${p.kind}", expected "${expect.kind}"`, {});
  if (p.bits !== expect.params.bits || p.fracBits !== expect.params.fracBits) {
    throw new ZkMeritError(
      "PAYLOAD_INVALID",
      `payload${where} is Q${p.bits}.${p.fracBits} fixed point, expected ${expect.params.bits} bits with ${expect.params.fracBits} fractional`,
      {},
    );
  }
  if (p.values.length !== expect.length) {
    throw new ZkMeritError("PAYLOAD_INVALID", `payload${where} has ${p.values.length} values, expected ${expect.length}`, {
      length: p.values.length,
    });
  }
  const { min, max } = signedBounds(p.bits);
  const values = p.values.map((v, i) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || BigInt(v) < min || BigInt(v) > max) {
      throw new ZkMeritError(
        "PAYLOAD_INVALID",
        `payload${where}: value ${i} is ${JSON.stringify(v)}; values must be integers in [${min}, ${max}]`,
        { index: i },
      );
    }
    return BigInt(v);
  });
  return { kind: p.kind, params: { bits: p.bits, fracBits: p.fracBits }, values, meta: p.meta };
}

/** Decodes a payload and checks it against its on-chain commitment. */
export async function decodeCommittedVector(
  bytes: Uint8Array,
  expect: { kind: "update" | "model"; length: number; params: FixedPointParams; commitment: bigint; uri?: string },
): Promise<VectorPayload> {
  const p = decodeVectorPayload(bytes, expect);
  const c = await commitVector(p.values, p.params.bits);
  if (c !== expect.commitment) {
    throw new ZkMeritError(
      "COMMITMENT_MISMATCH",
      `payload${expect.uri ? ` ${expect.uri}` : ""} commits to ${c}, but the chain recorded ${expect.commitment}`,
      { uri: expect.uri, got: c.toString(), expected: expect.commitment.toString() },
    );
  }
  return p;
}
