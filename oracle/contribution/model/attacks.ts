import { ZkMeritError } from "../../errors";
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
