import { ZkMeritError } from "../../core";
import { DEFAULT_FIXED_POINT, dequantize, quantize, realRange, type FixedPointParams } from "../../core";

/**
 * Conversion between the model's doubles and the chain's fixed point (oracle/field/fixedpoint.ts, by default
 * Q15.16 in 32 bits: reals in [-32768, 32768) with a step of 2^-16). Updates and global models are quantized
 * with the same rule: round to the nearest step, ties away from zero.
 *
 * Clipping policy:
 *  - NaN and +-Infinity are rejected loudly (QUANTIZE_NOT_FINITE) everywhere, including `clipToRange`:
 *    they only come from a broken computation, and no clipping rule makes them meaningful.
 *  - A finite value outside the range is rejected (QUANTIZE_OUT_OF_RANGE) by `quantizeVector`: an honest update
 *    or model never comes near +-32768 (measured with the default training: every value of an honest update
 *    or of the global model stays below 3 in magnitude), so reaching it is a bug to report, not something to
 *    hide by clipping.
 *  - `clipToRange` is the explicit, opt-in exception for adversarial simulations: an attacker whose absurd
 *    update (e.g. scaled by 1e9) cannot be represented clips it to the range ends, which is the most extreme
 *    thing the chain would accept anyway (the circuit range-checks every submitted value).
 */

/** Quantizes a model or update; throws on NaN, infinities and out-of-range values (see the policy above). */
export function quantizeVector(values: ArrayLike<number>, p: FixedPointParams = DEFAULT_FIXED_POINT): bigint[] {
  return quantize(values, p);
}

/** The real values of quantized integers, as a Float64Array. */
export function dequantizeVector(q: readonly bigint[], p: FixedPointParams = DEFAULT_FIXED_POINT): Float64Array {
  return Float64Array.from(dequantize(q, p));
}

/** quantize then dequantize: the values the chain actually sees (each within half a step of the input). */
export function roundTrip(values: ArrayLike<number>, p: FixedPointParams = DEFAULT_FIXED_POINT): Float64Array {
  return dequantizeVector(quantizeVector(values, p), p);
}

/**
 * Clamps finite values into the representable range (explicit opt-in, for attackers' absurd values only).
 * Returns the clamped copy and how many values were changed. NaN and infinities still throw.
 */
export function clipToRange(
  values: ArrayLike<number>,
  p: FixedPointParams = DEFAULT_FIXED_POINT,
): { values: Float64Array; clipped: number } {
  const { min, max } = realRange(p);
  const out = new Float64Array(values.length);
  let clipped = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new ZkMeritError("QUANTIZE_NOT_FINITE", `value at index ${i} is ${String(v)}; clipping applies to finite values only`, {
        index: i,
        value: String(v),
      });
    }
    out[i] = v < min ? min : v > max ? max : v;
    if (out[i] !== v) clipped++;
  }
  return { values: out, clipped };
}

/** Largest absolute value (0 for an empty vector); NaN propagates. */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (!(a <= m)) m = a;
  }
  return m;
}

/** Squared L2 norm of a quantized vector in integer units, as the circuit computes it (rule step 3). */
export function normSq(q: readonly bigint[]): bigint {
  let s = 0n;
  for (const x of q) s += x * x;
  return s;
}

/**
 * The task parameter normBoundSq (integer units) for a bound on the real L2 norm of an update:
 * (round(normBound * 2^F))^2. A quantized update u is flagged when sum u_k^2 > normBoundSq.
 */
export function normBoundSqFromReal(normBound: number, p: FixedPointParams = DEFAULT_FIXED_POINT): bigint {
  if (!(Number.isFinite(normBound) && normBound >= 0)) {
    throw new ZkMeritError("CONFIG", `normBound must be a finite non-negative number, got ${normBound}`, { normBound });
  }
  const b = BigInt(Math.round(normBound * 2 ** p.fracBits));
  const sq = b * b;
  if (sq >= 1n << 80n) throw new ZkMeritError("CONFIG", `normBoundSq ${sq} does not fit in 80 bits`, { normBound });
  return sq;
}

/** The root-trust margin (docs/spec/root-trust.md) in 16-bit fixed point: a real in [0, 1]. */
export function trustMarginToFixed(margin: number): bigint {
  if (!(Number.isFinite(margin) && margin >= 0 && margin <= 1)) {
    throw new ZkMeritError("CONFIG", `the trust margin must be a number in [0, 1] (0.2 is the default), got ${margin}`, {
      trustMargin: margin,
    });
  }
  return BigInt(Math.round(margin * 2 ** 16));
}

/** The task parameter outlierFactor (fixed point, 16 fractional bits, < 2^32) for a real factor: 4.0 -> 262144. */
export function outlierFactorToFixed(factor: number): bigint {
  const q = Math.round(factor * 2 ** 16);
  if (!(Number.isFinite(factor) && factor >= 0) || q >= 2 ** 32) {
    throw new ZkMeritError("CONFIG", `outlierFactor must be in [0, 65536), got ${factor}`, { outlierFactor: factor });
  }
  return BigInt(q);
}
