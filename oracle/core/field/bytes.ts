import { createHash } from "node:crypto";
import { floorDiv } from "./field";

/**
 * What the batch-settling modules share with their contracts: the big-endian bytes `abi.encodePacked`
 * writes for a scalar, and the digest those contracts bind their posted data with (one public input,
 * the SHA-256 precompile on chain and `lib/sha256.circom` in the circuit).
 */

/** `x` as `n` big-endian bytes (the low `n` bytes; the caller range-checks `x`). */
export function beBytes(x: bigint, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** The low 253 bits of SHA-256(bytes): `uint256(sha256(bytes)) & (2^253 - 1)`, a field element. */
export const SHA256_FIELD_BITS = 253;
export function sha256Field(bytes: Uint8Array): bigint {
  const digest = BigInt("0x" + createHash("sha256").update(bytes).digest("hex"));
  return digest & ((1n << BigInt(SHA256_FIELD_BITS)) - 1n);
}

/** The EMA rate's scale: a rate of 2^16 moves a score all the way to its target. */
export const EMA_RATE_ONE = 1n << 16n;

/** One EMA step: old + floor(rate * (target - old) / 2^16), which lies in [min(old, target), max(old, target)]. */
export function emaStep(old: bigint, target: bigint, rate: bigint): bigint {
  return old + floorDiv(rate * (target - old), EMA_RATE_ONE);
}
