/**
 * The one error type of the zkmerit TypeScript packages. `code` is stable and machine-readable;
 * `message` says which value was wrong, why, and what to do; `details` carries the values.
 */
export type ErrorCode =
  | "QUANTIZE_NOT_FINITE"
  | "QUANTIZE_OUT_OF_RANGE"
  | "FIXED_POINT_PARAMS"
  | "FIELD_OUT_OF_RANGE"
  | "PACK_OUT_OF_RANGE"
  | "PACK_BAD_INPUT"
  | "ARTIFACT_MISSING"
  | "ARTIFACT_MISMATCH"
  | "CIRCUIT_CONFIG"
  | "CIRCUIT_BUILD"
  | "PROOF_INVALID"
  | "PTAU"
  | "ZKEY"
  | "CONFIG"
  | "DEPLOYMENTS"
  | "STORE_NOT_FOUND"
  | "STORE_TOO_LARGE"
  | "STORE_CORRUPT"
  | "STORE_BAD_URI"
  | "STORE_UNAVAILABLE"
  | "PAYLOAD_INVALID"
  | "COMMITMENT_MISMATCH"
  | "CONTRIBUTION_INPUT"
  | "TIMEOUT"
  | "ENDPOINT_UNAVAILABLE"
  | "TX_REVERTED";

export class ZkMeritError extends Error {
  override readonly name = "ZkMeritError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isZkMeritError(e: unknown, code?: ErrorCode): e is ZkMeritError {
  return e instanceof ZkMeritError && (code === undefined || e.code === code);
}

/** An input value that must be an integer in [min, max]; a PAYLOAD_INVALID error names it otherwise. */
export function checkIntIn(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ZkMeritError("PAYLOAD_INVALID", `${name} must be an integer in [${min}, ${max}], got ${String(v)}`, {
      name,
      value: String(v),
      min,
      max,
    });
  }
  return v;
}

/** An input value that must be a bigint in [min, maxExclusive) (`range` says so in the message). */
export function checkBigIn(name: string, v: unknown, min: bigint, maxExclusive: bigint, range: string): bigint {
  if (typeof v !== "bigint" || v < min || v >= maxExclusive) {
    throw new ZkMeritError("PAYLOAD_INVALID", `${name} must be a bigint in ${range}, got ${String(v)}`, { name, value: String(v) });
  }
  return v;
}
