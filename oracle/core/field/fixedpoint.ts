import { ZkMeritError } from "../errors";

/**
 * Signed fixed point: a real v is stored as the integer q = round(v * 2^fracBits), ties away
 * from zero, and q must be `bits`-bit signed: q in [-2^(bits-1), 2^(bits-1) - 1].
 * The default, Q15.16 in 32 bits, represents reals in [-32768, 32768) with a step of 2^-16 (~1.5e-5).
 */
export interface FixedPointParams {
  /** Total bits of the signed integer, sign included (2..48 so every value is an exact double). */
  readonly bits: number;
  /** Fractional bits: the scale is 2^fracBits. */
  readonly fracBits: number;
}

export const DEFAULT_FIXED_POINT: FixedPointParams = { bits: 32, fracBits: 16 };

export function checkFixedPointParams(p: FixedPointParams): void {
  if (!Number.isInteger(p.bits) || p.bits < 2 || p.bits > 48) {
    throw new ZkMeritError("FIXED_POINT_PARAMS", `bits must be an integer in [2, 48], got ${p.bits}`, { bits: p.bits });
  }
  if (!Number.isInteger(p.fracBits) || p.fracBits < 0 || p.fracBits >= p.bits) {
    throw new ZkMeritError("FIXED_POINT_PARAMS", `fracBits must be an integer in [0, bits), got ${p.fracBits}`, {
      fracBits: p.fracBits,
    });
  }
}

/** The smallest and largest integers of a `bits`-bit signed value. */
export function signedBounds(bits: number): { min: bigint; max: bigint } {
  const half = 1n << BigInt(bits - 1);
  return { min: -half, max: half - 1n };
}

/** The real range a parameter set can represent, for error messages and docs. */
export function realRange(p: FixedPointParams): { min: number; max: number } {
  const { min, max } = signedBounds(p.bits);
  return { min: Number(min) / 2 ** p.fracBits, max: Number(max) / 2 ** p.fracBits };
}

/**
 * Quantizes real values. NaN, infinities and values outside the representable range are
 * rejected with an error naming the first offending index and value.
 */
export function quantize(values: ArrayLike<number>, p: FixedPointParams = DEFAULT_FIXED_POINT): bigint[] {
  checkFixedPointParams(p);
  const scale = 2 ** p.fracBits;
  const { min, max } = signedBounds(p.bits);
  const out = new Array<bigint>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new ZkMeritError("QUANTIZE_NOT_FINITE", `value at index ${i} is ${String(v)}; every value must be a finite number`, {
        index: i,
        value: String(v),
      });
    }
    // v * 2^f is exact in binary floating point (barring overflow, caught by the range check).
    const scaled = v * scale;
    const q = Math.sign(scaled) * Math.floor(Math.abs(scaled) + 0.5);
    if (!Number.isSafeInteger(q) || BigInt(q) < min || BigInt(q) > max) {
      const r = realRange(p);
      throw new ZkMeritError(
        "QUANTIZE_OUT_OF_RANGE",
        `value at index ${i} is ${v}, outside the fixed-point range [${r.min}, ${r.max}] ` +
          `(${p.bits} bits, ${p.fracBits} fractional); clip or rescale it before quantizing`,
        { index: i, value: v, min: r.min, max: r.max },
      );
    }
    out[i] = BigInt(q);
  }
  return out;
}

/** The real value of quantized integers. */
export function dequantize(q: readonly bigint[], p: FixedPointParams = DEFAULT_FIXED_POINT): number[] {
  checkFixedPointParams(p);
  const scale = 2 ** p.fracBits;
  return q.map((x) => Number(x) / scale);
}
