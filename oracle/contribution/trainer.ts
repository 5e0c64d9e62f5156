import { ZkMeritError } from "../core";
import {
  ATTACK_KINDS,
  NUM_CLASSES,
  DEFAULT_STRENGTH,
  DEFAULT_TRAINING,
  type AttackKind,
  CONE_COSINE,
  clipToRange,
  coneAttack,
  deriveSeed,
  dequantizeVector,
  gaussianNoise,
  labelFlip,
  localTrain,
  ownerData,
  quantizeVector,
  scaled,
  signFlip,
  trainerData,
} from "./model";

/** Which slice of the training data a trainer holds: shard `index` of `of`, split by `seed`. */
export interface Shard {
  index: number;
  of: number;
  seed: number;
}

/**
 * What a trainer can do besides training honestly: the simulation's attacks, plus two that need the
 * chain's public history.
 * - `free-ride`: resubmit the previous round's public global step (no training at all);
 * - `cone`: adaptive to the root-trust rule: an update at cosine CONE_COSINE with the attacker's estimate
 *   of the owner's root update (the mean of its own honest update and the previous round's revealed
 *   updates), the rest of its length against that direction's signs, at the median norm.
 */
export type TrainerAttack = AttackKind | "free-ride" | "cone";
export const TRAINER_ATTACKS: readonly TrainerAttack[] = [...ATTACK_KINDS, "free-ride", "cone"];

export interface TrainOptions {
  shard: Shard;
  /** Seed of this round's local training (mini-batch order). */
  seed: number;
  /** Adversarial behaviour, for demos, tests and benchmarks. */
  attack?: TrainerAttack;
  /** For `attack: "copy"`: the quantized update to copy (someone else's, fetched from the store). */
  copyOf?: readonly bigint[];
  /** For `attack: "free-ride"`: the previous round's public step (model - previous model). */
  previousStep?: readonly bigint[];
  /** For `attack: "cone"`: the updates the previous round revealed (public after its reveal window). */
  published?: readonly (readonly bigint[])[];
}

export function checkShard(s: Shard): Shard {
  if (!Number.isInteger(s.of) || s.of < 1 || s.of > 64) throw new ZkMeritError("CONFIG", `--shards must be 1..64, got ${s.of}`, {});
  if (!Number.isInteger(s.index) || s.index < 0 || s.index >= s.of) {
    throw new ZkMeritError("CONFIG", `--shard must be 0..${s.of - 1} (one of --shards ${s.of}), got ${s.index}`, {});
  }
  if (!Number.isInteger(s.seed)) throw new ZkMeritError("CONFIG", `--data-seed must be an integer, got ${s.seed}`, {});
  return s;
}

/**
 * One trainer's round: dequantize the global model, train locally on the trainer's shard, apply
 * the attack if any, and quantize the update for the chain. Deterministic given the options.
 */
export function trainRound(globalModel: readonly bigint[], o: TrainOptions): bigint[] {
  checkShard(o.shard);
  if (o.attack && !TRAINER_ATTACKS.includes(o.attack)) {
    throw new ZkMeritError("CONFIG", `--attack must be one of ${TRAINER_ATTACKS.join(", ")}, got "${o.attack}"`, {});
  }
  if (o.attack === "copy") {
    if (!o.copyOf) throw new ZkMeritError("CONFIG", "a copy attack needs the update to copy", {});
    return [...o.copyOf];
  }
  if (o.attack === "free-ride") {
    if (!o.previousStep) throw new ZkMeritError("CONFIG", "a free-rider needs the previous round's public step", {});
    return [...o.previousStep];
  }
  const w = dequantizeVector([...globalModel]);
  const data = trainerData(o.shard.of, o.shard.seed)[o.shard.index];
  const opts = { ...DEFAULT_TRAINING, seed: o.seed };
  let delta: Float64Array;
  switch (o.attack) {
    case "cone": {
      // Its own honest update and whatever the last round published estimate the benign direction.
      const own = localTrain(w, data, opts);
      const seen = (o.published ?? []).map((u) => dequantizeVector([...u]));
      delta = coneAttack([own, ...seen], "sign", CONE_COSINE);
      break;
    }
    case "label-flip":
      delta = labelFlip(w, data, opts, deriveSeed(o.seed, 0x1f), DEFAULT_STRENGTH["label-flip"]);
      break;
    case "sign-flip":
      delta = signFlip(localTrain(w, data, opts));
      break;
    case "scaled":
      delta = scaled(localTrain(w, data, opts));
      break;
    case "noise":
      delta = gaussianNoise(localTrain(w, data, opts), deriveSeed(o.seed, 0x9e));
      break;
    default:
      delta = localTrain(w, data, opts);
  }
  // Honest updates are far inside Q15.16; an attacker's absurd values are clipped to the range
  // rather than rejected, so the attack still reaches the chain (and the filter).
  return quantizeVector(o.attack ? clipToRange(delta).values : delta);
}

/**
 * The task owner's root update of a round: one round of local training from the global model on the
 * owner's own small trusted set (FLTrust's root data; here 200 images of the public split, disjoint from
 * every trainer's data and from the test set). Only its direction counts in the rule.
 */
export function trainRootUpdate(globalModel: readonly bigint[], seed: number): bigint[] {
  if (!Number.isInteger(seed)) throw new ZkMeritError("CONFIG", `the root update's seed must be an integer, got ${seed}`, {});
  const root = ownerData().root;
  const params = NUM_CLASSES * (root.dim + 1);
  if (globalModel.length !== params) {
    throw new ZkMeritError(
      "CONFIG",
      `the root update trains the shipped ${params}-parameter model; this task's model has ${globalModel.length} parameters`,
      { params: globalModel.length },
    );
  }
  const w = dequantizeVector([...globalModel]);
  return quantizeVector(localTrain(w, root, { ...DEFAULT_TRAINING, seed }));
}
