import { createHash } from "node:crypto";
import { ZkMeritError } from "../../core";
import { IMAGE_PIXELS, createRng, digitSplits, type ImageSet } from "./data";

/**
 * The frozen feature extractor: a fixed, public linear projection of the 784 pixels to K standardized
 * features. Only the softmax layer on top of it is federated (and proven), so the circuit holds
 * P = 10 * (K + 1) parameters instead of a whole network.
 *
 * Fit (once, deterministically, on the public split of data.ts, never on trainers' data):
 *  1. mean image mu and pixel covariance C = (1/n) sum (x - mu)(x - mu)^T over the public split;
 *  2. orthogonal (subspace) iteration on C with K + OVERSAMPLE vectors, starting from a seeded Gaussian
 *     block, modified Gram-Schmidt after every multiply, a fixed number of iterations;
 *  3. Rayleigh-Ritz: the small matrix V^T C V is diagonalized (cyclic Jacobi), its top K eigenpairs
 *     give the principal directions v_k and variances lambda_k (descending); each direction's sign is
 *     fixed so that its largest-magnitude pixel weight is positive;
 *  4. feature k of an image x is (v_k . (x - mu)) / sqrt(lambda_k): zero mean and unit variance on the
 *     public split, so one learning rate suits every feature.
 *
 * Every step is a fixed sequence of IEEE-754 double operations, so the same Node version produces
 * the same bits; `digest` (SHA-256 of mean, directions and scales) identifies a fitted projection.
 */

/** Default number of features: P = 10 * (12 + 1) = 130 parameters, the demo circuit's size. */
export const DEFAULT_FEATURES = 12;
/** Extra iteration vectors: they make the top K converge much faster than iterating K alone. */
const OVERSAMPLE = 8;
/** Subspace iterations. With the oversampling, the top-12 variances stop changing (to 12 digits) after about 25. */
const ITERATIONS = 30;
/** Seed of the starting block of the subspace iteration. */
const PROJECTION_SEED = 0x9a0e_c7ed;

/** A fitted projection. `basis` is row-major dim x 784 (direction k at basis[k*784 .. k*784+783]). */
export interface Projection {
  readonly dim: number;
  readonly mean: Float64Array;
  readonly basis: Float64Array;
  /** Variance of each feature before scaling, on the public split (descending). */
  readonly variances: Float64Array;
  /** 1 / sqrt(variance): multiplies each raw projection. */
  readonly scale: Float64Array;
  /** SHA-256 (hex) of the little-endian bytes of mean, basis and scale: what to publish and compare. */
  readonly digest: string;
}

/** Inputs to the federated model: `x` is row-major count x dim. */
export interface FeatureSet {
  readonly count: number;
  readonly dim: number;
  readonly x: Float64Array;
  readonly labels: Uint8Array;
}

const cache = new Map<number, Projection>();

/** The projection to `dim` features, fitted on first use and cached in memory. */
export function projection(dim: number = DEFAULT_FEATURES): Projection {
  const hit = cache.get(dim);
  if (hit) return hit;
  const fitted = fitProjection(digitSplits().public, dim);
  cache.set(dim, fitted);
  return fitted;
}

/** The features of every image in `images` under the (cached) projection to `dim` features. */
export function features(images: ImageSet, dim: number = DEFAULT_FEATURES): FeatureSet {
  return applyProjection(projection(dim), images);
}

/** Applies a fitted projection to images. */
export function applyProjection(p: Projection, images: ImageSet): FeatureSet {
  const { dim, mean, basis, scale } = p;
  const x = new Float64Array(images.count * dim);
  const centered = new Float64Array(IMAGE_PIXELS);
  for (let i = 0; i < images.count; i++) {
    const off = i * IMAGE_PIXELS;
    for (let q = 0; q < IMAGE_PIXELS; q++) centered[q] = images.pixels[off + q] - mean[q];
    for (let k = 0; k < dim; k++) {
      const b = k * IMAGE_PIXELS;
      let s = 0;
      for (let q = 0; q < IMAGE_PIXELS; q++) s += basis[b + q] * centered[q];
      x[i * dim + k] = s * scale[k];
    }
  }
  return { count: images.count, dim, x, labels: images.labels.slice() };
}

/** Fits the projection on `images` (see the header). Exposed for tests; use `projection()` otherwise. */
export function fitProjection(images: ImageSet, dim: number): Projection {
  const D = IMAGE_PIXELS;
  if (!Number.isInteger(dim) || dim < 1 || dim + OVERSAMPLE > D || dim >= images.count) {
    throw new ZkMeritError(
      "CONFIG",
      `projection dimension must be an integer in [1, ${Math.min(D - OVERSAMPLE, images.count - 1)}], got ${dim}`,
      {
        dim,
      },
    );
  }
  const n = images.count;
  const mean = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let q = 0; q < D; q++) mean[q] += images.pixels[i * D + q];
  for (let q = 0; q < D; q++) mean[q] /= n;

  // Covariance, upper triangle accumulated then mirrored.
  const cov = new Float64Array(D * D);
  const row = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < D; q++) row[q] = images.pixels[i * D + q] - mean[q];
    for (let a = 0; a < D; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const base = a * D;
      for (let b = a; b < D; b++) cov[base + b] += ra * row[b];
    }
  }
  for (let a = 0; a < D; a++) {
    for (let b = a; b < D; b++) {
      const v = cov[a * D + b] / n;
      cov[a * D + b] = v;
      cov[b * D + a] = v;
    }
  }

  // Subspace iteration on an m-column block, stored as m rows of length D.
  const m = dim + OVERSAMPLE;
  const rng = createRng(PROJECTION_SEED);
  let V: Float64Array = new Float64Array(m * D);
  for (let i = 0; i < V.length; i++) V[i] = rng.normal();
  orthonormalizeRows(V, m, D);
  for (let it = 0; it < ITERATIONS; it++) {
    V = multiplyRows(cov, V, m, D);
    orthonormalizeRows(V, m, D);
  }

  // Rayleigh-Ritz on the block.
  const CV = multiplyRows(cov, V, m, D);
  const H = new Float64Array(m * m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) H[a * m + b] = dot(V, a * D, CV, b * D, D);
  for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) H[a * m + b] = H[b * m + a] = (H[a * m + b] + H[b * m + a]) / 2;
  const { values, vectors } = jacobiEigen(H, m);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);

  const basis = new Float64Array(dim * D);
  const variances = new Float64Array(dim);
  const scale = new Float64Array(dim);
  for (let k = 0; k < dim; k++) {
    const e = order[k];
    const lambda = values[e];
    if (!(lambda > 0)) {
      throw new ZkMeritError("CONFIG", `projection direction ${k} has variance ${lambda}; the public split is degenerate`, { k, lambda });
    }
    // Direction k = sum_a vectors[a][e] * V_a.
    for (let a = 0; a < m; a++) {
      const w = vectors[a * m + e];
      for (let q = 0; q < D; q++) basis[k * D + q] += w * V[a * D + q];
    }
    // Sign convention: the largest-magnitude weight (first one on ties) is positive.
    let best = 0;
    for (let q = 1; q < D; q++) if (Math.abs(basis[k * D + q]) > Math.abs(basis[k * D + best])) best = q;
    if (basis[k * D + best] < 0) for (let q = 0; q < D; q++) basis[k * D + q] = -basis[k * D + q];
    variances[k] = lambda;
    scale[k] = 1 / Math.sqrt(lambda);
  }

  const hash = createHash("sha256");
  for (const arr of [mean, basis, scale]) hash.update(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
  return { dim, mean, basis, variances, scale, digest: hash.digest("hex") };
}

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += a[ao + i] * b[bo + i];
  return s;
}

/** Rows of (C * V^T)^T: each of the m rows of V multiplied by the symmetric D x D matrix C. */
function multiplyRows(C: Float64Array, V: Float64Array, m: number, D: number): Float64Array {
  const out = new Float64Array(m * D);
  for (let a = 0; a < m; a++) {
    for (let q = 0; q < D; q++) out[a * D + q] = dot(C, q * D, V, a * D, D);
  }
  return out;
}

/** Modified Gram-Schmidt on the m rows of V, in place. */
function orthonormalizeRows(V: Float64Array, m: number, D: number): void {
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < a; b++) {
      const r = dot(V, a * D, V, b * D, D);
      for (let q = 0; q < D; q++) V[a * D + q] -= r * V[b * D + q];
    }
    const norm = Math.sqrt(dot(V, a * D, V, a * D, D));
    if (!(norm > 0)) throw new ZkMeritError("CONFIG", `subspace iteration collapsed at vector ${a}`, { vector: a });
    for (let q = 0; q < D; q++) V[a * D + q] /= norm;
  }
}

/** Cyclic Jacobi eigen-decomposition of a small symmetric matrix. Eigenvector e is column e of `vectors`. */
function jacobiEigen(A0: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const A = A0.slice();
  const Q = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Q[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < m; p++) {
      diag += A[p * m + p] * A[p * m + p];
      for (let q = p + 1; q < m; q++) off += A[p * m + q] * A[p * m + q];
    }
    if (off <= 1e-30 * diag) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = A[p * m + q];
        if (apq === 0) continue;
        const theta = (A[q * m + q] - A[p * m + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = A[k * m + p];
          const akq = A[k * m + q];
          A[k * m + p] = c * akp - s * akq;
          A[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = A[p * m + k];
          const aqk = A[q * m + k];
          A[p * m + k] = c * apk - s * aqk;
          A[q * m + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const qkp = Q[k * m + p];
          const qkq = Q[k * m + q];
          Q[k * m + p] = c * qkp - s * qkq;
          Q[k * m + q] = s * qkp + c * qkq;
        }
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = A[i * m + i];
  return { values, vectors: Q };
}

/** The samples at the given positions of a feature set, in that order (a copy). */
export function featureSubset(set: FeatureSet, positions: ArrayLike<number>): FeatureSet {
  const { dim } = set;
  const x = new Float64Array(positions.length * dim);
  const labels = new Uint8Array(positions.length);
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    if (!Number.isInteger(p) || p < 0 || p >= set.count) {
      throw new ZkMeritError("CONFIG", `feature subset position ${p} is outside [0, ${set.count})`, { position: p });
    }
    x.set(set.x.subarray(p * dim, (p + 1) * dim), i * dim);
    labels[i] = set.labels[p];
  }
  return { count: positions.length, dim, x, labels };
}
