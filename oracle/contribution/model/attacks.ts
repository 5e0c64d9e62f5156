import { ZkMeritError } from "../../core";
import { NUM_CLASSES, createRng } from "./data";
import type { FeatureSet } from "./projection";
import { localTrain, type LocalTrainOptions } from "./softmax";

/**
 * Adversarial updates for simulations, tests and the demo. Each is a pure function of its inputs (an honest
 * update or the attacker's data, a seed where randomness is involved, and a strength); none mutates its inputs.
 *
 * | kind         | what the attacker submits                                      | strength (default)      |
 * |--------------|----------------------------------------------------------------|-------------------------|
 * | `sign-flip`  | -k * honest: pushes the model back along the honest direction  | k (DEFAULT_STRENGTH)    |
 * | `scaled`     | s * honest: an honest direction with an outsized norm         | s                       |
 * | `label-flip` | an update honestly trained on data whose labels are permuted   | fraction of labels      |
 * | `noise`      | honest + sigma * N(0, I)                                       | sigma (absolute units)  |
 * | `copy`       | an exact copy of another trainer's update (free-riding)        | none                    |
 *
 * Results can exceed what the chain's fixed point holds when the strength is absurd; an attacker must then
 * call `clipToRange` (quantize.ts) before quantizing, as the chain only accepts in-range values.
 *
 * The attacks of the Byzantine-robust learning literature further below take the round's benign updates
 * (an omniscient attacker sees them all) and return the malicious update; the robustness harness
 * (robustness.ts) gives the same update to every attacker, made distinct by `nearCopies` where the rule
 * would otherwise slash exact duplicates.
 */

export type AttackKind = "sign-flip" | "scaled" | "label-flip" | "noise" | "copy";

export const ATTACK_KINDS: readonly AttackKind[] = ["sign-flip", "scaled", "label-flip", "noise", "copy"];

/** Default strength of each attack (used by the simulation when an attacker names none). */
export const DEFAULT_STRENGTH: Readonly<Record<AttackKind, number>> = {
  "sign-flip": 4,
  scaled: 10,
  "label-flip": 1,
  noise: 1,
  copy: 0,
};

function checkFinite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new ZkMeritError("CONFIG", `attack strength ${name} must be finite, got ${v}`, { [name]: v });
}

/** -k * honest, coordinate by coordinate (exact: one multiplication per value). */
export function signFlip(honest: ArrayLike<number>, k: number = DEFAULT_STRENGTH["sign-flip"]): Float64Array {
  checkFinite("k", k);
  const out = new Float64Array(honest.length);
  for (let i = 0; i < out.length; i++) out[i] = -k * honest[i];
  return out;
}

/** s * honest, coordinate by coordinate. */
export function scaled(honest: ArrayLike<number>, s: number = DEFAULT_STRENGTH.scaled): Float64Array {
  checkFinite("s", s);
  const out = new Float64Array(honest.length);
  for (let i = 0; i < out.length; i++) out[i] = s * honest[i];
  return out;
}

/** honest + sigma * z with z standard normal from a generator seeded by `seed`. */
export function gaussianNoise(honest: ArrayLike<number>, seed: number, sigma: number = DEFAULT_STRENGTH.noise): Float64Array {
  checkFinite("sigma", sigma);
  const rng = createRng(seed);
  const out = new Float64Array(honest.length);
  for (let i = 0; i < out.length; i++) out[i] = honest[i] + sigma * rng.normal();
  return out;
}

/** A copy of another trainer's update (a new array with the same values). */
export function copyOf(other: ArrayLike<number>): Float64Array {
  return Float64Array.from(other);
}

/** The default label permutation of the label-flip attack: digit d becomes 9 - d. */
export function reverseLabel(label: number): number {
  return NUM_CLASSES - 1 - label;
}

/**
 * The attacker's data with labels permuted: a `fraction` of the samples, chosen by a generator seeded with
 * `seed` (all of them when fraction = 1), get label `map(label)`. Features are shared, labels copied.
 */
export function flipLabels(
  data: FeatureSet,
  seed: number,
  fraction: number = DEFAULT_STRENGTH["label-flip"],
  map: (label: number) => number = reverseLabel,
): FeatureSet {
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new ZkMeritError("CONFIG", `label-flip fraction must be in [0, 1], got ${fraction}`, { fraction });
  }
  const rng = createRng(seed);
  const labels = data.labels.slice();
  for (let i = 0; i < labels.length; i++) {
    if (fraction === 1 || rng.next() < fraction) {
      const to = map(labels[i]);
      if (!Number.isInteger(to) || to < 0 || to >= NUM_CLASSES) {
        throw new ZkMeritError("CONFIG", `label map sent ${labels[i]} to ${to}, not a digit 0..9`, { from: labels[i], to });
      }
      labels[i] = to;
    }
  }
  return { ...data, labels };
}

/**
 * The label-flip attack: local training (same options as an honest trainer) on `flipLabels(data, seed, fraction)`.
 * Returns the update (local - global).
 */
export function labelFlip(
  globalParams: ArrayLike<number>,
  data: FeatureSet,
  options: LocalTrainOptions,
  seed: number,
  fraction: number = DEFAULT_STRENGTH["label-flip"],
): Float64Array {
  return localTrain(globalParams, flipLabels(data, seed, fraction), options);
}

// ---------------------------------------------------------------------------------------------
// Attacks on robust aggregation (omniscient: they see the round's benign updates)

function checkBenign(benign: readonly ArrayLike<number>[]): number {
  if (benign.length === 0) throw new ZkMeritError("CONFIG", "an attack on aggregation needs at least one benign update", {});
  const P = benign[0].length;
  for (const b of benign) {
    if (b.length !== P) throw new ZkMeritError("CONFIG", `benign updates have ${b.length} and ${P} values`, {});
  }
  return P;
}

/** Coordinate-wise mean. */
export function meanOf(updates: readonly ArrayLike<number>[]): Float64Array {
  const P = checkBenign(updates);
  const m = new Float64Array(P);
  for (const u of updates) for (let k = 0; k < P; k++) m[k] += u[k];
  for (let k = 0; k < P; k++) m[k] /= updates.length;
  return m;
}

/** Coordinate-wise standard deviation (population: divided by the count). */
export function stdOf(updates: readonly ArrayLike<number>[]): Float64Array {
  const m = meanOf(updates);
  const s = new Float64Array(m.length);
  for (const u of updates) for (let k = 0; k < m.length; k++) s[k] += (u[k] - m[k]) ** 2;
  for (let k = 0; k < m.length; k++) s[k] = Math.sqrt(s[k] / updates.length);
  return s;
}

/** Squared Euclidean distance. */
export function distSq(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
  return s;
}

/**
 * The standard normal quantile Phi^-1(p), 0 < p < 1 (Acklam's rational approximation, relative error
 * below 1.2e-9).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new ZkMeritError("CONFIG", `a normal quantile needs p in (0, 1), got ${p}`, { p });
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

/**
 * The z of "A little is enough" (Baruch, Baruch and Goldberg, 2019) for n trainers of which f attack:
 * s = floor(n / 2 + 1) - f trainers must be won over, z = Phi^-1((n - s) / n). For n = 8: z = 0 (f = 1),
 * 0.319 (f = 2), 0.674 (f = 3).
 */
export function alieZ(n: number, f: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(f) && f >= 1 && f < n)) {
    throw new ZkMeritError("CONFIG", `ALIE needs integers 1 <= f < n, got n = ${n}, f = ${f}`, { n, f });
  }
  const s = Math.floor(n / 2 + 1) - f;
  const p = (n - s) / n;
  return p >= 1 ? Infinity : p <= 0 ? -Infinity : normalQuantile(p);
}

/** ALIE: mean - z * std of the benign updates, coordinate by coordinate. */
export function alie(benign: readonly ArrayLike<number>[], z: number): Float64Array {
  checkFinite("z", z);
  const m = meanOf(benign);
  const s = stdOf(benign);
  for (let k = 0; k < m.length; k++) m[k] -= z * s[k];
  return m;
}

/** Inner product manipulation (Xie, Koyejo and Gupta, 2020): -eps * mean of the benign updates. */
export function ipm(benign: readonly ArrayLike<number>[], eps: number): Float64Array {
  checkFinite("eps", eps);
  const m = meanOf(benign);
  for (let k = 0; k < m.length; k++) m[k] = -eps * m[k];
  return m;
}

/** The perturbation directions of Shejwalkar and Houmansadr (2021), each against the benign mean. */
export type PerturbationDirection = "unit" | "std" | "sign";

/** -mean / |mean| ("unit"), -std ("std") or -sign(mean) ("sign"). */
export function perturbation(benign: readonly ArrayLike<number>[], direction: PerturbationDirection): Float64Array {
  const m = meanOf(benign);
  if (direction === "std") return stdOf(benign).map((x) => -x);
  if (direction === "sign") return m.map((x) => -Math.sign(x));
  const norm = Math.sqrt(distSq(m, new Float64Array(m.length)));
  return m.map((x) => (norm > 0 ? -x / norm : 0));
}

/**
 * An update inside a cosine-trust cone: at cosine `c` with the benign mean (the attacker's estimate of a
 * trusted direction it cannot see), the rest of its length along the part of perturbation(direction)
 * orthogonal to that mean, and as long as the lower median benign norm (so a median-norm clip keeps it
 * whole). The attacker's best c maximizes trust(c) x its harmful length sqrt(1 - c^2) (coneCosine).
 */
export function coneAttack(benign: readonly ArrayLike<number>[], direction: PerturbationDirection, c: number): Float64Array {
  const P = checkBenign(benign);
  if (!(c >= -1 && c <= 1)) throw new ZkMeritError("CONFIG", `the cone attack's cosine must be in [-1, 1], got ${c}`, { c });
  const m = meanOf(benign);
  const mn = Math.sqrt(distSq(m, new Float64Array(P)));
  const unit = m.map((x) => (mn > 0 ? x / mn : 0));
  const p = perturbation(benign, direction);
  let along = 0;
  for (let k = 0; k < P; k++) along += p[k] * unit[k];
  const orth = p.map((x, k) => x - along * unit[k]);
  const on = Math.sqrt(distSq(orth, new Float64Array(P)));
  const norms = benign.map((b) => Math.sqrt(distSq(b, new Float64Array(P)))).sort((a, b) => a - b);
  const length = norms[Math.floor((norms.length - 1) / 2)];
  const s = Math.sqrt(Math.max(0, 1 - c * c));
  return unit.map((x, k) => length * (c * x + (on > 0 ? (s * orth[k]) / on : 0)));
}

/**
 * The cosine a cone attacker picks against a trust function of the cosine: the c in [-1, 1] that maximizes
 * trust(c)·sqrt(1 - c^2), the weight the rule gives it times the length it spends off the trusted direction
 * (a grid search at 1e-4, the first maximum). Against clamp(c + 0.2, 0, 1) it is (-0.2 + sqrt(8.04)) / 4,
 * about 0.659; against clamp(c + 0.3, 0, 1)^2 the interior optimum (-0.3 + sqrt(24.09)) / 6 lies past the
 * clamp, so it is the clamp's corner 0.7.
 */
export function coneCosine(trust: (c: number) => number): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = -10000; i <= 10000; i++) {
    const c = i / 10000;
    const v = trust(c) * Math.sqrt(1 - c * c);
    if (v > bestValue) [best, bestValue] = [c, v];
  }
  return best;
}

/** mean + gamma * p. */
export function shifted(mean: ArrayLike<number>, p: ArrayLike<number>, gamma: number): Float64Array {
  const out = new Float64Array(mean.length);
  for (let k = 0; k < out.length; k++) out[k] = mean[k] + gamma * p[k];
  return out;
}

/**
 * The largest x in [0, hi] with pass(x), for a predicate true on [0, x*] and false beyond it: doubling
 * from `start` until it fails (at most 40 times), then `iterations` bisection steps. Returns 0 when even
 * `start` fails and bisection finds nothing above 0. When pass is not monotone the result is a passing x,
 * not necessarily the largest.
 */
export function largestPassing(pass: (x: number) => boolean, start = 1, iterations = 30): number {
  let ok = 0;
  let bad = start;
  for (let i = 0; i < 40 && pass(bad); i++) {
    ok = bad;
    bad *= 2;
  }
  if (ok === bad) return ok;
  for (let i = 0; i < iterations; i++) {
    const mid = (ok + bad) / 2;
    if (pass(mid)) ok = mid;
    else bad = mid;
  }
  return ok;
}

export interface ShiftAttack {
  readonly update: Float64Array;
  readonly gamma: number;
}

/**
 * Min-max (Shejwalkar and Houmansadr, 2021): mean + gamma * p with the largest gamma such that the
 * malicious update's largest distance to a benign update is at most the largest distance between two benign
 * updates. The feasible gammas form an interval from 0 (the distance to each benign update is convex in
 * gamma, and the mean satisfies the bound), so the search is exact up to bisection.
 */
export function minMax(benign: readonly ArrayLike<number>[], direction: PerturbationDirection): ShiftAttack {
  const m = meanOf(benign);
  const p = perturbation(benign, direction);
  let bound = 0;
  for (let i = 0; i < benign.length; i++) for (let j = i + 1; j < benign.length; j++) bound = Math.max(bound, distSq(benign[i], benign[j]));
  const gamma = largestPassing((g) => {
    const x = shifted(m, p, g);
    return benign.every((b) => distSq(x, b) <= bound);
  });
  return { update: shifted(m, p, gamma), gamma };
}

/**
 * Min-sum (same paper): the largest gamma such that the malicious update's sum of squared distances to the
 * benign updates is at most the largest such sum of a benign update.
 */
export function minSum(benign: readonly ArrayLike<number>[], direction: PerturbationDirection): ShiftAttack {
  const m = meanOf(benign);
  const p = perturbation(benign, direction);
  let bound = 0;
  for (const a of benign)
    bound = Math.max(
      bound,
      benign.reduce((s, b) => s + distSq(a, b), 0),
    );
  const gamma = largestPassing((g) => {
    const x = shifted(m, p, g);
    return benign.reduce((s, b) => s + distSq(x, b), 0) <= bound;
  });
  return { update: shifted(m, p, gamma), gamma };
}

/**
 * Colluders moving the lower median: `f` identical points that become the coordinate-wise lower median of
 * the round's n = honest + f submissions, as far as it can go in the direction opposite the honest mean.
 * With m = floor((n - 1) / 2), a coordinate whose honest mean is >= 0 gets the honest order statistic
 * max(m - f, 0) (0-based, ascending), any other the honest order statistic min(m, honest - 1): with the f
 * copies there, the lower median is that value. The honest distances to the median grow and the
 * colluders' own distances are 0; they are exact duplicates of one another.
 */
export function medianShift(honest: readonly ArrayLike<number>[], f: number): Float64Array[] {
  const P = checkBenign(honest);
  if (!(Number.isInteger(f) && f >= 1)) throw new ZkMeritError("CONFIG", `median shift needs f >= 1 colluders, got ${f}`, { f });
  const h = honest.length;
  const m = Math.floor((h + f - 1) / 2);
  const mean = meanOf(honest);
  const point = new Float64Array(P);
  const column = new Array<number>(h);
  for (let k = 0; k < P; k++) {
    for (let j = 0; j < h; j++) column[j] = honest[j][k];
    column.sort((a, b) => a - b);
    point[k] = mean[k] >= 0 ? column[Math.max(m - f, 0)] : column[Math.min(m, h - 1)];
  }
  return Array.from({ length: f }, () => Float64Array.from(point));
}

/** One step of the chain's fixed point (2^-16). */
export const ULP = 2 ** -16;

/**
 * `f` near-copies of v: copy a adds `ulp` to coordinate a mod P, so each differs from v in exactly one
 * value by one step, and from each other copy in two values (none is an exact duplicate).
 */
export function nearCopies(v: ArrayLike<number>, f: number, ulp: number = ULP): Float64Array[] {
  if (!(Number.isInteger(f) && f >= 0)) throw new ZkMeritError("CONFIG", `near copies need a count f >= 0, got ${f}`, { f });
  return Array.from({ length: f }, (_, a) => {
    const out = Float64Array.from(v);
    out[a % out.length] += ulp;
    return out;
  });
}
