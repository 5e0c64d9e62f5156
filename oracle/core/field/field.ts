import { ZkMeritError } from "../errors";

/** The BN254 scalar field modulus r; every circuit signal and public input is an element of it. */
export const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const HALF = SNARK_FIELD / 2n;

/**
 * Field encoding of a signed integer: x >= 0 maps to x, x < 0 maps to r - |x|.
 * Only |x| <= (r - 1) / 2 is accepted, so the encoding is injective (mirrors SnarkField.fromSigned).
 */
export function toField(x: bigint): bigint {
  if (x > HALF || -x > HALF) {
    throw new ZkMeritError("FIELD_OUT_OF_RANGE", `signed value ${x} does not fit the field: |x| must be <= (r-1)/2`, {
      value: x.toString(),
    });
  }
  return x >= 0n ? x : SNARK_FIELD + x;
}

/** Inverse of {@link toField}: elements above (r-1)/2 are read as negative. */
export function fromField(f: bigint): bigint {
  if (f < 0n || f >= SNARK_FIELD) {
    throw new ZkMeritError("FIELD_OUT_OF_RANGE", `${f} is not a field element (must be in [0, r))`, {
      value: f.toString(),
    });
  }
  return f > HALF ? f - SNARK_FIELD : f;
}

/** Whether `v` is a canonical field element. */
export function isFieldElement(v: bigint): boolean {
  return v >= 0n && v < SNARK_FIELD;
}

/** The proof context (mirrors SnarkField.context): chainId * 2^160 + address. */
export function proofContext(chainId: bigint | number, address: string): bigint {
  const id = BigInt(chainId);
  if (id < 0n || id >= 1n << 64n) {
    throw new ZkMeritError("FIELD_OUT_OF_RANGE", `chain id ${id} does not fit 64 bits`, { chainId: id.toString() });
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new ZkMeritError("FIELD_OUT_OF_RANGE", `"${address}" is not a 20-byte hex address`, { address });
  }
  return (id << 160n) | BigInt(address);
}

/** Floor division for bigints (BigInt `/` truncates toward zero). Mirrors the circuits' rounding. */
export function floorDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new RangeError(`floorDiv: divisor must be positive, got ${b}`);
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}
