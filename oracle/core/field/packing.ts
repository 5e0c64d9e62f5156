import { ZkMeritError } from "../errors";
import { signedBounds } from "./fixedpoint";

/**
 * Packing of B-bit signed values into field elements (mirrors circuits/lib/fixedpoint.circom):
 * K = floor(253 / B) values per element, value i of an element at bit offset B*i, each stored in
 * offset form u = x + 2^(B-1). The last element of a vector is padded with u = 0.
 */
export function packCount(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 252) {
    throw new ZkMeritError("PACK_BAD_INPUT", `bit width must be an integer in [1, 252], got ${bits}`, { bits });
  }
  return Math.floor(253 / bits);
}

/** Number of field elements a vector of `n` B-bit values packs into. */
export function packedLength(n: number, bits: number): number {
  const k = packCount(bits);
  return Math.ceil(n / k);
}

function checkSigned(values: readonly bigint[], bits: number): void {
  const { min, max } = signedBounds(bits);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "bigint" || v < min || v > max) {
      throw new ZkMeritError(
        "PACK_OUT_OF_RANGE",
        `value at index ${i} is ${String(v)}, outside the ${bits}-bit signed range [${min}, ${max}]`,
        { index: i, value: String(v), min: min.toString(), max: max.toString() },
      );
    }
  }
}

/** Packs up to K signed values into one field element (Pack(K, B) in circom). */
export function pack(values: readonly bigint[], bits: number): bigint {
  const k = packCount(bits);
  if (values.length > k) {
    throw new ZkMeritError("PACK_BAD_INPUT", `${values.length} values do not fit one element (at most ${k} of ${bits} bits)`, {
      count: values.length,
      max: k,
    });
  }
  checkSigned(values, bits);
  const b = BigInt(bits);
  const offset = 1n << (b - 1n);
  let acc = 0n;
  for (let i = values.length - 1; i >= 0; i--) acc = (acc << b) | (values[i] + offset);
  return acc;
}

/** Unpacks `count` (default K) signed values from one element (Unpack(K, B) in circom). */
export function unpack(packed: bigint, bits: number, count: number = packCount(bits)): bigint[] {
  const k = packCount(bits);
  if (count < 0 || count > k) {
    throw new ZkMeritError("PACK_BAD_INPUT", `cannot unpack ${count} values of ${bits} bits (at most ${k})`, { count });
  }
  const b = BigInt(bits);
  if (packed < 0n || packed >= 1n << (b * BigInt(k))) {
    throw new ZkMeritError("PACK_OUT_OF_RANGE", `packed element ${packed} exceeds ${k * bits} bits`, {
      packed: packed.toString(),
    });
  }
  const mask = (1n << b) - 1n;
  const offset = 1n << (b - 1n);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(((packed >> (b * BigInt(i))) & mask) - offset);
  return out;
}

/** Packs a whole vector (PackVector(N, B) in circom); the last element is padded with u = 0. */
export function packVector(values: readonly bigint[], bits: number): bigint[] {
  const k = packCount(bits);
  checkSigned(values, bits);
  const pad = -(1n << BigInt(bits - 1));
  const out: bigint[] = [];
  for (let j = 0; j < values.length; j += k) {
    const chunk = values.slice(j, j + k);
    while (chunk.length < k) chunk.push(pad);
    out.push(pack(chunk, bits));
  }
  return out;
}

/** Inverse of {@link packVector} for a vector of `n` values. */
export function unpackVector(packed: readonly bigint[], bits: number, n: number): bigint[] {
  const k = packCount(bits);
  if (packed.length !== Math.ceil(n / k)) {
    throw new ZkMeritError("PACK_BAD_INPUT", `${packed.length} packed elements cannot hold exactly ${n} values of ${bits} bits`, {
      packed: packed.length,
      n,
    });
  }
  const out: bigint[] = [];
  for (const p of packed) out.push(...unpack(p, bits));
  // Padding limbs must be u = 0, as PackVector writes them; anything else is a different vector.
  const pad = -(1n << BigInt(bits - 1));
  for (let i = n; i < out.length; i++) {
    if (out[i] !== pad) {
      throw new ZkMeritError("PACK_OUT_OF_RANGE", `padding limb ${i} of a ${n}-value vector is not zero`, { index: i });
    }
  }
  return out.slice(0, n);
}
