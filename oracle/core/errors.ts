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
