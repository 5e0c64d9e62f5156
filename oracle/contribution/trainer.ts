import { ZkMeritError } from "../errors";
import {
  ATTACK_KINDS,
  DEFAULT_STRENGTH,
  DEFAULT_TRAINING,
  type AttackKind,
  clipToRange,
  deriveSeed,
  dequantizeVector,
  gaussianNoise,
  labelFlip,
  localTrain,
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

export interface TrainOptions {
  shard: Shard;
  /** Seed of this round's local training (mini-batch order). */
  seed: number;
  /** Adversarial behaviour, for demos, tests and benchmarks. */
  attack?: AttackKind;
  /** For `attack: "copy"`: the quantized update to copy (someone else's, fetched from the store). */
  copyOf?: readonly bigint[];
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
  if (o.attack && !ATTACK_KINDS.includes(o.attack)) {
    throw new ZkMeritError("CONFIG", `--attack must be one of ${ATTACK_KINDS.join(", ")}, got "${o.attack}"`, {});
  }
  if (o.attack === "copy") {
    if (!o.copyOf) throw new ZkMeritError("CONFIG", "a copy attack needs the update to copy", {});
    return [...o.copyOf];
  }
  const w = dequantizeVector([...globalModel]);
  const data = trainerData(o.shard.of, o.shard.seed)[o.shard.index];
  const opts = { ...DEFAULT_TRAINING, seed: o.seed };
  let delta: Float64Array;
  switch (o.attack) {
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
