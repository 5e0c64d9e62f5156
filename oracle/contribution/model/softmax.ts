import { ZkMeritError } from "../../core";
import { NUM_CLASSES, createRng } from "./data";
import type { FeatureSet } from "./projection";

/**
 * The federated model: softmax (multinomial logistic) regression with 10 classes over K features.
 *
 * Parameter vector layout (P = 10 * (K + 1) values), row-major [class][feature + bias]:
 *
 *     params[c * (K + 1) + j]   j in 0..K-1: weight of feature j for class c
 *     params[c * (K + 1) + K]   bias of class c
 *
 * The logit of class c for features x is sum_j params[c*(K+1)+j] * x[j] + params[c*(K+1)+K]. The same
 * layout is what gets quantized, committed and aggregated on-chain: an update is a vector of P values in
 * this order. The initial global model is all zeros (`initialParams`).
 */

export interface LocalTrainOptions {
  /** Passes over the local data. */
  readonly epochs: number;
  /** SGD step size. */
  readonly lr: number;
  /** Samples per SGD step (the last batch of an epoch may be smaller). */
  readonly batchSize: number;
  /** Seeds the order of samples in every epoch. */
  readonly seed: number;
  /** Optional L2 penalty on weights (not biases); 0 when omitted. */
  readonly l2?: number;
}

/** P for K features. */
export function paramCount(dim: number): number {
  return NUM_CLASSES * (dim + 1);
}

/** K for a parameter vector of length P (throws when P is not 10 * (K + 1)). */
export function featureDim(params: ArrayLike<number>): number {
  const dim = params.length / NUM_CLASSES - 1;
  if (!Number.isInteger(dim) || dim < 1) {
    throw new ZkMeritError("CONFIG", `a softmax parameter vector has 10 * (K + 1) values, got ${params.length}`, { length: params.length });
  }
  return dim;
}

/** The initial global model: all zeros. */
export function initialParams(dim: number): Float64Array {
  return new Float64Array(paramCount(dim));
}

function checkShapes(params: ArrayLike<number>, data: FeatureSet): number {
  const dim = featureDim(params);
  if (dim !== data.dim) {
    throw new ZkMeritError("CONFIG", `the model has ${dim} features per class but the data has ${data.dim}`, {
      model: dim,
      data: data.dim,
    });
  }
  return dim;
}

/** Class probabilities for sample i, written into `out` (length 10); returns `out`. */
function probabilities(params: ArrayLike<number>, data: FeatureSet, i: number, out: Float64Array): Float64Array {
  const dim = data.dim;
  const stride = dim + 1;
  const off = i * dim;
  let max = -Infinity;
  for (let c = 0; c < NUM_CLASSES; c++) {
    const w = c * stride;
    let z = params[w + dim];
    for (let j = 0; j < dim; j++) z += params[w + j] * data.x[off + j];
    out[c] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let c = 0; c < NUM_CLASSES; c++) {
    out[c] = Math.exp(out[c] - max);
    sum += out[c];
  }
  for (let c = 0; c < NUM_CLASSES; c++) out[c] /= sum;
  return out;
}

/** The predicted class (largest logit, smallest class on ties) of every sample. */
export function predict(params: ArrayLike<number>, data: FeatureSet): Uint8Array {
  const dim = checkShapes(params, data);
  const stride = dim + 1;
  const out = new Uint8Array(data.count);
  for (let i = 0; i < data.count; i++) {
    let best = 0;
    let bestZ = -Infinity;
    for (let c = 0; c < NUM_CLASSES; c++) {
      const w = c * stride;
      let z = params[w + dim];
      for (let j = 0; j < dim; j++) z += params[w + j] * data.x[i * dim + j];
      if (z > bestZ) {
        bestZ = z;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Fraction of samples whose predicted class is their label. */
export function accuracy(params: ArrayLike<number>, data: FeatureSet): number {
  if (data.count === 0) return 0;
  const pred = predict(params, data);
  let ok = 0;
  for (let i = 0; i < data.count; i++) if (pred[i] === data.labels[i]) ok++;
  return ok / data.count;
}

/** Mean cross-entropy loss (natural log). */
export function crossEntropy(params: ArrayLike<number>, data: FeatureSet): number {
  checkShapes(params, data);
  const p = new Float64Array(NUM_CLASSES);
  let s = 0;
  for (let i = 0; i < data.count; i++) s -= Math.log(Math.max(probabilities(params, data, i, p)[data.labels[i]], 1e-300));
  return data.count === 0 ? 0 : s / data.count;
}

function checkOptions(o: LocalTrainOptions): void {
  const bad = (name: string, v: unknown): never => {
    throw new ZkMeritError("CONFIG", `local training option ${name} is invalid: ${String(v)}`, { [name]: v });
  };
  if (!Number.isInteger(o.epochs) || o.epochs < 0) bad("epochs", o.epochs);
  if (!(Number.isFinite(o.lr) && o.lr > 0)) bad("lr", o.lr);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) bad("batchSize", o.batchSize);
  if (!Number.isSafeInteger(o.seed)) bad("seed", o.seed);
  if (o.l2 !== undefined && !(Number.isFinite(o.l2) && o.l2 >= 0)) bad("l2", o.l2);
}

/**
 * Mini-batch SGD on the mean cross-entropy from `params`; returns the trained parameters (a new array).
 * Each epoch visits the samples in an order shuffled by a generator seeded with `seed`.
 */
export function train(params: ArrayLike<number>, data: FeatureSet, options: LocalTrainOptions): Float64Array {
  checkOptions(options);
  const dim = checkShapes(params, data);
  const stride = dim + 1;
  const w = Float64Array.from(params);
  const grad = new Float64Array(w.length);
  const p = new Float64Array(NUM_CLASSES);
  const order = Array.from({ length: data.count }, (_, i) => i);
  const rng = createRng(options.seed);
  const l2 = options.l2 ?? 0;
  for (let e = 0; e < options.epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (let start = 0; start < order.length; start += options.batchSize) {
      const end = Math.min(start + options.batchSize, order.length);
      grad.fill(0);
      for (let b = start; b < end; b++) {
        const i = order[b];
        probabilities(w, data, i, p);
        p[data.labels[i]] -= 1;
        const off = i * dim;
        for (let c = 0; c < NUM_CLASSES; c++) {
          const g = p[c];
          const r = c * stride;
          for (let j = 0; j < dim; j++) grad[r + j] += g * data.x[off + j];
          grad[r + dim] += g;
        }
      }
      const step = options.lr / (end - start);
      for (let c = 0; c < NUM_CLASSES; c++) {
        const r = c * stride;
        for (let j = 0; j < dim; j++) w[r + j] -= step * grad[r + j] + options.lr * l2 * w[r + j];
        w[r + dim] -= step * grad[r + dim];
      }
    }
  }
  return w;
}

/**
 * A trainer's round: train from the global model on local data and return the UPDATE,
 * delta = local - global (a new Float64Array in the layout above). This is what gets quantized and submitted.
 */
export function localTrain(globalParams: ArrayLike<number>, data: FeatureSet, options: LocalTrainOptions): Float64Array {
  const local = train(globalParams, data, options);
  for (let k = 0; k < local.length; k++) local[k] -= globalParams[k];
  return local;
}
