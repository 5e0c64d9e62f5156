// The federated model of Module 1: a frozen projection of the digit images, softmax regression over it,
// the non-IID split, adversarial updates, the fixed-point conversion, and an in-memory simulation.
export {
  IMAGE_PIXELS,
  NUM_CLASSES,
  SPLIT_SIZES,
  type ImageSet,
  type DigitSplits,
  type Rng,
  createRng,
  deriveSeed,
  seededPermutation,
  loadAllDigits,
  digitSplits,
  classCounts,
} from "./data";
export { DEFAULT_FEATURES, type Projection, type FeatureSet, projection, features, applyProjection, featureSubset } from "./projection";
export {
  type LocalTrainOptions,
  paramCount,
  featureDim,
  initialParams,
  predict,
  accuracy,
  crossEntropy,
  train,
  localTrain,
} from "./softmax";
export { type SplitOptions, DEFAULT_SHARDS_PER_TRAINER, DEFAULT_IID_FRACTION, nonIidSplit } from "./split";
export {
  type AttackKind,
  ATTACK_KINDS,
  DEFAULT_STRENGTH,
  signFlip,
  scaled,
  gaussianNoise,
  copyOf,
  reverseLabel,
  flipLabels,
  labelFlip,
} from "./attacks";
export {
  quantizeVector,
  dequantizeVector,
  roundTrip,
  clipToRange,
  maxAbs,
  normSq,
  normBoundSqFromReal,
  outlierFactorToFixed,
} from "./quantize";
export {
  DEFAULT_TRAINING,
  DEFAULT_FILTER,
  type FilterParams,
  type FilterResult,
  type OutlierReason,
  type Aggregator,
  type AttackerSpec,
  type SimulationConfig,
  type RoundReport,
  type SimulationResult,
  type TrainerDataOptions,
  meanAggregate,
  medianFilter,
  federationData,
  trainerData,
  simulate,
} from "./fedavg";
