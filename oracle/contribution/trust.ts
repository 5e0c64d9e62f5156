import { ZkMeritError } from "../core";
import { floorDiv } from "../core";

/**
 * The root-trust rule (docs/spec/root-trust.md), the integer reference of circuits/lib/trust.circom value
 * for value. Its float twin is `rootTrustRule` in oracle/contribution/model/rule.ts; the design and the
 * measurements are in docs/design/contribution-rule.md.
 *
 * Given the round's updates (B-bit signed, scale 2^16), which of them are members (included and not
 * slashed), the owner's root update g0 of the round (when it is posted) and the margin:
 * - (T1) squared norms, and the lower median norm of the members: the clip norm;
 * - (T2) clip factors kappa_j = min(1, clip / |u_j|) in 16-bit fixed point;
 * - (T3) cosines to g0 in 16-bit fixed point, truncated toward 0;
 * - (T4) trust_j = floor(t_j^2 / 2^16) with t_j = clamp(cos_j + margin, 0, 1) in 16-bit fixed point (1 for
 *   every member without a root update; 0 for a zero update); a member with trust 0 is excluded;
 * - (T5) the step: the trust-weighted mean of the clipped updates, floored;
 * - (T6) each inlier's value for the direction of the (unfloored) step: its score cos·|cos| with g0 in
 *   24-bit fixed point, less the better of the scores with the update left out and (when it is nonzero)
 *   with the previous round's public step, clipped, in its place;
 * - (T7) weights: the positive values, or the trust when nobody has one (or without a root update);
 * - (T8) shares of the round's reward R in proportion to the weights, the remainder to the first inlier.
 */

/** Fractional bits of the clip factors, cosines, trust and margin. */
export const TRUST_FRACTION_BITS = 16;
const F = BigInt(TRUST_FRACTION_BITS);
const ONE = 1n << F;
/** Fractional bits of the direction scores of (T6): cos·|cos| of a step with the root. */
export const VALUE_FRACTION_BITS = 24;
const VALUE_FRACTION = BigInt(VALUE_FRACTION_BITS);
/** The default margin: 0.3 in 16-bit fixed point (round(0.3 * 2^16)). */
export const DEFAULT_TRUST_MARGIN = 19661n;

export interface RootTrustInput {
  /** B-bit signed updates, one per position (zeros where nothing is included). */
  readonly updates: readonly (readonly bigint[])[];
  /** included and not slashed, per position. */
  readonly member: readonly boolean[];
  /** Whether the owner's root update of the round is included. */
  readonly hasRoot: boolean;
  /** The root update (zeros without one). */
  readonly root: readonly bigint[];
  /** The previous round's public step, wOld - wPrev (zeros in round 0). */
  readonly previous: readonly bigint[];
  /** In [0, 2^16]. */
  readonly margin: bigint;
  /** The round's reward. */
  readonly reward: bigint;
}

export interface RootTrustResult {
  readonly norm2: bigint[];
  readonly rootNorm2: bigint;
  /** Whether the root is used: included with a nonzero norm. */
  readonly useRoot: boolean;
  /** The squared clip norm: the lower median of the members' squared norms (0 without members). */
  readonly clipNorm2: bigint;
  readonly clip: bigint[];
  /** The clip factor of the previous step. */
  readonly previousClip: bigint;
  /** The members' squared norms sorted ascending, the other positions as NORM_SENTINEL (the circuit's hint). */
  readonly sortedNorm2: bigint[];
  readonly cosine: bigint[];
  readonly trust: bigint[];
  readonly excluded: boolean[];
  readonly inlier: boolean[];
  /** trust_j * clip_j. */
  readonly alpha: bigint[];
  /** sum_j alpha_j * u_j[k], and its divisor 2^16 * sum_j trust_j. */
  readonly weightedSum: bigint[];
  readonly divisor: bigint;
  readonly step: bigint[];
  readonly value: bigint[];
  readonly weight: bigint[];
  readonly share: bigint[];
}

/** Above every squared norm of a B-bit vector of up to 1024 values (P * 2^(2B-2) <= 2^(2B+8)). */
export function normSentinel(bits: number): bigint {
  return 1n << (2n * BigInt(bits) + 9n);
}

/** floor(sqrt(x)) for x >= 0. */
export function isqrt(x: bigint): bigint {
  if (x < 0n) throw new ZkMeritError("CONFIG", `isqrt of a negative number ${x}`, {});
  if (x < 2n) return x;
  let r = BigInt(Math.floor(Math.sqrt(Number(x))));
  while (r * r > x) r--;
  while ((r + 1n) * (r + 1n) <= x) r++;
  return r;
}

const sum = (xs: readonly bigint[]) => xs.reduce((a, x) => a + x, 0n);
const dot = (a: readonly bigint[], b: readonly bigint[]) => a.reduce((s, x, k) => s + x * b[k], 0n);

export function rootTrust(input: RootTrustInput, bits = 32): RootTrustResult {
  const { updates, member, hasRoot, root, previous, margin, reward } = input;
  const n = updates.length;
  const P = root.length;
  if (member.length !== n) throw new ZkMeritError("CONFIG", `member has ${member.length} flags for ${n} updates`, {});
  for (let j = 0; j < n; j++) {
    if (updates[j].length !== P)
      throw new ZkMeritError("CONFIG", `update ${j} has ${updates[j].length} values, the root ${P}`, { index: j });
  }
  if (previous.length !== P) throw new ZkMeritError("CONFIG", `the previous step has ${previous.length} values, the root ${P}`, {});
  const lo = -(1n << BigInt(bits - 1));
  const hi = (1n << BigInt(bits - 1)) - 1n;
  const checkValues = (name: string, xs: readonly bigint[]) => {
    const k = xs.findIndex((x) => x < lo || x > hi);
    if (k >= 0)
      throw new ZkMeritError("CONFIG", `${name}[${k}] = ${xs[k]} is outside the ${bits}-bit signed range [${lo}, ${hi}]`, { index: k });
  };
  updates.forEach((u, j) => checkValues(`update ${j}`, u));
  checkValues("root", root);
  checkValues("previous", previous);
  if (!hasRoot && root.some((x) => x !== 0n)) throw new ZkMeritError("CONFIG", "without a root update the root must be all zeros", {});
  if (reward < 0n || reward >= 1n << 129n) throw new ZkMeritError("CONFIG", `the reward must be in [0, 2^129), got ${reward}`, {});
  if (margin < 0n || margin > ONE) throw new ZkMeritError("CONFIG", `the trust margin must be in [0, 2^16], got ${margin}`, {});
  // (T1) norms and the clip norm.
  const norm2 = updates.map((u) => dot(u, u));
  const rootNorm2 = hasRoot ? dot(root, root) : 0n;
  const useRoot = hasRoot && rootNorm2 > 0n;
  const sent = normSentinel(bits);
  const sortedNorm2 = norm2.map((x, j) => (member[j] ? x : sent)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const nMem = member.filter(Boolean).length;
  const clipNorm2 = nMem > 0 ? sortedNorm2[Math.floor((nMem - 1) / 2)] : 0n;
  // (T2) clip factors.
  const clipOf = (x: bigint) => (x <= clipNorm2 ? ONE : isqrt((clipNorm2 << (2n * F)) / x));
  const clip = norm2.map(clipOf);
  const previousNorm2 = dot(previous, previous);
  const previousClip = clipOf(previousNorm2);
  // (T3) cosines, (T4) trust.
  const cosine = updates.map((u, j) => {
    if (!useRoot || norm2[j] === 0n) return 0n;
    const d = dot(u, root);
    const a = isqrt(((d * d) << (2n * F)) / (norm2[j] * rootNorm2));
    return d < 0n ? -a : a;
  });
  const trust = cosine.map((c, j) => {
    if (!member[j]) return 0n;
    if (!useRoot) return ONE;
    if (norm2[j] === 0n) return 0n;
    const y = c + margin;
    const t = y < 0n ? 0n : y > ONE ? ONE : y;
    return (t * t) >> F;
  });
  const excluded = member.map((m, j) => m && trust[j] === 0n);
  const inlier = member.map((m, j) => m && trust[j] > 0n);
  // (T5) the step.
  const alpha = trust.map((t, j) => t * clip[j]);
  const weightedSum = Array.from({ length: P }, (_, k) => sum(updates.map((u, j) => alpha[j] * u[k])));
  const divisor = ONE * sum(trust);
  const step = weightedSum.map((s) => (divisor > 0n ? floorDiv(s, divisor) : 0n));
  // (T6) values: how much j turns the step toward g0, against the better of two baselines.
  const directionScore = (d: bigint, nn: bigint) => {
    const den = nn * rootNorm2;
    if (den === 0n) return 0n;
    const q = ((d * d) << VALUE_FRACTION) / den;
    return d < 0n ? -q : q;
  };
  const dotS = sum(updates.map((u, j) => alpha[j] * dot(u, root)));
  const normS = dot(weightedSum, weightedSum);
  const full = directionScore(dotS, normS);
  const previousRoot = dot(previous, root);
  const previousS = dot(previous, weightedSum);
  const value = updates.map((u, j) => {
    const dj = divisor - ONE * trust[j];
    if (!useRoot || !inlier[j] || dj === 0n) return 0n;
    const a = alpha[j];
    const d1 = dotS - a * dot(u, root);
    const n1 = normS - 2n * a * dot(u, weightedSum) + a * a * norm2[j];
    const left = directionScore(d1, n1);
    if (previousNorm2 === 0n) return full - left;
    const b = trust[j] * previousClip;
    const d2 = d1 + b * previousRoot;
    const n2 = n1 + 2n * b * (previousS - a * dot(u, previous)) + b * b * previousNorm2;
    const replaced = directionScore(d2, n2);
    return full - (left > replaced ? left : replaced);
  });
  // (T7) weights.
  const positive = value.map((v) => (v > 0n ? v : 0n));
  const weight = sum(positive) > 0n ? positive : trust.slice();
  // (T8) shares.
  const W = sum(weight);
  const share = weight.map((w) => (W > 0n ? (reward * w) / W : 0n));
  const first = inlier.indexOf(true);
  if (first >= 0) share[first] += reward - sum(share);
  return {
    norm2,
    rootNorm2,
    useRoot,
    clipNorm2,
    clip,
    previousClip,
    sortedNorm2,
    cosine,
    trust,
    excluded,
    inlier,
    alpha,
    weightedSum,
    divisor,
    step,
    value,
    weight,
    share,
  };
}
