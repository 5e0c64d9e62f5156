import { ZkMeritError } from "../../core";
import {
  DEFAULT_STRENGTH,
  alie,
  coneAttack,
  coneCosine,
  alieZ,
  gaussianNoise,
  ipm,
  labelFlip,
  largestPassing,
  meanOf,
  medianShift,
  minMax,
  minSum,
  nearCopies,
  perturbation,
  scaled,
  shifted,
  signFlip,
  type PerturbationDirection,
} from "./attacks";
import { deriveSeed, digitSplits, seededPermutation } from "./data";
import { DEFAULT_TRAINING, federationData, meanAggregate, trainerData } from "./fedavg";
import { DEFAULT_FEATURES, featureSubset, features, type FeatureSet } from "./projection";
import { clipToRange, roundTrip } from "./quantize";
import {
  DEFAULT_CANDIDATE,
  DEFAULT_CHAIN_RULE,
  ROUND_RULES,
  RULE_NAMES,
  chainRule,
  rootTrustOf,
  type ChainRuleParams,
  type RoundDecision,
  type RuleContext,
  type RuleName,
} from "./rule";
import { accuracy, crossEntropy, initialParams, localTrain, predict, type LocalTrainOptions } from "./softmax";

/**
 * The robustness and contribution-fairness harness of today's settlement rule (rule.ts, the float twin of
 * docs/spec/contribution.md) on the in-memory federation.
 *
 * Robustness: for each attack of `ROBUSTNESS_ATTACKS` and each number of attackers f, the last f trainers
 * attack; every round, every trainer (attackers too) trains honestly from the global model, the attackers
 * see all of these benign updates (omniscient, the strongest case) plus everything public (previous rounds'
 * updates and global steps) and submit their malicious updates; every update is rounded to the chain's fixed
 * point (attackers clip to its range first); today's rule decides slashed / excluded / inliers, averages the
 * inliers and splits a reward of 1 per round by (1 + clipped cos^2) over the inliers.
 *
 * Fairness: without attackers, each trainer's reward share under today's rule against its marginal value
 * computed outside the protocol, from plain federated averaging on every coalition of trainers: value(S) =
 * -(test log-loss of the model FedAvg trains on S for the same rounds, with the same local training seeds);
 * value(empty) = -(log-loss of the initial model). Leave-one-out value(N) - value(N \ i) and the exact
 * Shapley value over all 2^n coalitions.
 */

// ---------------------------------------------------------------------------------------------
// Attacks as the harness runs them

/** What an attacker knows in a round. */
export interface RoundView {
  readonly round: number;
  /** Benign (honestly trained, quantized) update of every trainer, attackers included. */
  readonly benign: readonly Float64Array[];
  /** The trainers that attack (the same every round). */
  readonly attackers: readonly number[];
  /** The honest trainers' submitted updates this round (omniscient knowledge). */
  readonly honest: readonly Float64Array[];
  /** The previous round's global step (public after settlement); zeros in round 0. */
  readonly previousStep: Float64Array;
  /** The previous round's honest submitted updates (public after reveal); empty in round 0. */
  readonly previousHonest: readonly Float64Array[];
  /** Whether the attackers' updates (in attacker order) would all be inliers under the rule this round. */
  readonly passes: (malicious: readonly Float64Array[]) => boolean;
  /** The attacker's label-flipped local update (the label-flip attack only trains when it is called). */
  readonly labelFlipped: (attacker: number) => Float64Array;
  /** The attacker's update trained to read the target class as another (TARGETED_PUSH), from the global model. */
  readonly targeted: (attacker: number) => Float64Array;
  readonly seed: number;
}

/** A harness attack: the malicious updates of the round (one per attacker, in attacker order). */
export interface RobustnessAttack {
  readonly id: string;
  /** "model": degrades the model; "free-rider": earns without contributing; "grief": gets honest trainers cut. */
  readonly family: "model" | "free-rider" | "grief";
  readonly description: string;
  readonly build: (view: RoundView) => { readonly updates: Float64Array[]; readonly parameter?: number };
}

/** Rounds to the chain's fixed point, clipping to its range first (what an attacker must submit). */
export function toChain(values: ArrayLike<number>): Float64Array {
  return roundTrip(clipToRange(values).values);
}

/** The same update for every attacker, made distinct by one step per attacker (exact duplicates are slashed). */
function same(view: RoundView, v: ArrayLike<number>): Float64Array[] {
  return nearCopies(toChain(v), view.attackers.length);
}

const perAttacker = (view: RoundView, f: (a: number, j: number) => Float64Array): Float64Array[] =>
  view.attackers.map((a, j) => toChain(f(a, j)));

function minMaxAttack(kind: "min-max" | "min-sum", direction: PerturbationDirection): RobustnessAttack {
  return {
    id: `${kind}-${direction}`,
    family: "model",
    description: `${kind} (Shejwalkar and Houmansadr 2021), -${direction} direction, gamma searched against the benign ${kind === "min-max" ? "max distance" : "max distance sum"}`,
    build: (view) => {
      const r = (kind === "min-max" ? minMax : minSum)(view.benign, direction);
      return { updates: same(view, r.update), parameter: r.gamma };
    },
  };
}

function adaptiveAttack(direction: PerturbationDirection): RobustnessAttack {
  return {
    id: `rule-adaptive-${direction}`,
    family: "model",
    description:
      `mean + gamma * (-${direction}) with the largest gamma that today's rule keeps as an inlier (the attacker runs the rule on the round's updates)` +
      (direction === "unit" ? "; the same line as ipm-tuned (a multiple of the mean), so the same updates" : ""),
    build: (view) => {
      const m = meanOf(view.benign);
      const p = perturbation(view.benign, direction);
      const gamma = largestPassing((g) => view.passes(same(view, shifted(m, p, g))), 0.5, 24);
      return { updates: same(view, shifted(m, p, gamma)), parameter: gamma };
    },
  };
}

/** The targeted push: the class the attackers want read as another, and that other class. */
export const TARGETED_PUSH = { from: 4, to: 9 } as const;
/** Public images of the target class the targeted attackers add to their own data (the public split has 22 outside the owner's sets). */
export const TARGET_IMAGES = 20;

/** The cone attack's cosine with the benign mean, the best one against the root-trust rule's trust (see coneCosine). */
export const CONE_COSINE = coneCosine((c) => rootTrustOf(c));

function coneAttackOf(direction: PerturbationDirection): RobustnessAttack {
  return {
    id: `trust-cone-${direction}`,
    family: "model",
    description: `adaptive to a cosine trust: at cosine ${CONE_COSINE} with the benign mean (the attacker's estimate of the owner's root update), the rest along -${direction} orthogonal to it, at the median benign norm`,
    build: (v) => ({ updates: same(v, coneAttack(v.benign, direction, CONE_COSINE)) }),
  };
}

/** Free-rider noise (absolute, per value) of the copy-with-noise attack. */
export const FREE_RIDER_NOISE = 0.01;

/** Every attack the harness runs, in table order. */
export const ROBUSTNESS_ATTACKS: readonly RobustnessAttack[] = [
  {
    id: "sign-flip",
    family: "model",
    description: `-${DEFAULT_STRENGTH["sign-flip"]} x own benign update`,
    build: (v) => ({ updates: perAttacker(v, (a) => signFlip(v.benign[a])) }),
  },
  {
    id: "scaled",
    family: "model",
    description: `${DEFAULT_STRENGTH.scaled} x own benign update`,
    build: (v) => ({ updates: perAttacker(v, (a) => scaled(v.benign[a])) }),
  },
  {
    id: "label-flip",
    family: "model",
    description: "trained on own data with labels d -> 9 - d",
    build: (v) => ({ updates: perAttacker(v, (a) => v.labelFlipped(a)) }),
  },
  {
    id: "targeted-4-to-9",
    family: "model",
    description: `a targeted push: each attacker trains on its own data plus ${TARGET_IMAGES} public images of ${TARGETED_PUSH.from}, every ${TARGETED_PUSH.from} labelled ${TARGETED_PUSH.to}, and boosts the difference from its honest update by the largest factor the rule keeps as an inlier (at most 10)`,
    build: (v) => {
      const push = v.attackers.map((a) => v.targeted(a).map((x, k) => x - v.benign[a][k]));
      const at = (s: number) => v.attackers.map((a, j) => toChain(v.benign[a].map((x, k) => x + s * push[j][k])));
      const s = Math.min(
        10,
        largestPassing((g) => v.passes(at(g)), 1, 24),
      );
      return { updates: at(s), parameter: s };
    },
  },
  {
    id: "alie",
    family: "model",
    description: "mean - z * std of the benign updates, z from n and f (Baruch et al. 2019)",
    build: (v) => {
      const z = alieZ(v.benign.length, v.attackers.length);
      return { updates: same(v, alie(v.benign, z)), parameter: z };
    },
  },
  {
    id: "ipm-0.1",
    family: "model",
    description: "-0.1 x benign mean (Xie et al. 2020)",
    build: (v) => ({ updates: same(v, ipm(v.benign, 0.1)), parameter: 0.1 }),
  },
  {
    id: "ipm-tuned",
    family: "model",
    description: "-eps x benign mean, eps the largest that today's rule keeps as an inlier",
    build: (v) => {
      const eps = largestPassing((e) => v.passes(same(v, ipm(v.benign, e))), 0.1, 24);
      return { updates: same(v, ipm(v.benign, eps)), parameter: eps };
    },
  },
  minMaxAttack("min-max", "unit"),
  minMaxAttack("min-max", "std"),
  minMaxAttack("min-max", "sign"),
  minMaxAttack("min-sum", "unit"),
  minMaxAttack("min-sum", "std"),
  minMaxAttack("min-sum", "sign"),
  adaptiveAttack("unit"),
  adaptiveAttack("std"),
  adaptiveAttack("sign"),
  coneAttackOf("std"),
  coneAttackOf("sign"),
  {
    id: "median-shift",
    family: "grief",
    description:
      "f identical points that become the lower median, moved as far as it goes against the honest mean (the colluders are exact duplicates)",
    build: (v) => ({ updates: medianShift(v.honest, v.attackers.length).map(toChain) }),
  },
  {
    id: "median-shift-distinct",
    family: "grief",
    description: "the same point made distinct by one step per colluder (no duplicates, so nothing is slashed)",
    build: (v) => ({ updates: same(v, medianShift(v.honest, v.attackers.length)[0]) }),
  },
  {
    id: "sybil-near-copy",
    family: "free-rider",
    description: "each attacker submits honest trainer 0's update plus one step (2^-16) in its own coordinate",
    build: (v) => ({ updates: nearCopies(v.honest[0], v.attackers.length) }),
  },
  {
    id: "free-ride-previous-step",
    family: "free-rider",
    description: "resubmits the previous round's public global step (zeros in round 0)",
    build: (v) => ({ updates: same(v, v.previousStep) }),
  },
  {
    id: "free-ride-previous-mean",
    family: "free-rider",
    description: "mean of the previous round's published honest updates (the strongest free-rider under commit-reveal)",
    build: (v) => ({ updates: same(v, v.previousHonest.length ? meanOf(v.previousHonest) : v.previousStep) }),
  },
  {
    id: "free-ride-round-mean",
    family: "free-rider",
    description: "mean of this round's honest updates (omniscient bound: commit-reveal hides them)",
    build: (v) => ({ updates: same(v, meanOf(v.honest)) }),
  },
  {
    id: "free-ride-noisy-copy",
    family: "free-rider",
    description: `honest trainer 0's update this round plus N(0, ${FREE_RIDER_NOISE}^2) noise (omniscient)`,
    build: (v) => ({
      updates: perAttacker(v, (a) => gaussianNoise(v.honest[0], deriveSeed(v.seed, v.round, a, 0xc0b1), FREE_RIDER_NOISE)),
    }),
  },
];

// ---------------------------------------------------------------------------------------------
// What the task owner holds (for the candidate rules)

/** Images of the owner's root set and of its validation set, both cut from the public split. */
export const OWNER_SPLIT = { root: 200, validation: 500 } as const;
/** Seed of the permutation of the public split that cuts the owner's sets. */
const OWNER_SEED = 0x0e5e_7a11;
/** Seed part of the owner's root training (per round). */
export const ROOT_SEED = 0x2007;

export interface OwnerData {
  /** What the owner trains its root update on (FLTrust's root data set). */
  readonly root: FeatureSet;
  /** The owner's committed validation set. */
  readonly validation: FeatureSet;
}
const ownerCache = new Map<number, OwnerData>();

/**
 * The rule's context for one round: the model the round starts from, the owner's validation set, and its
 * root update of the round, trained from that model on the owner's root set (once, when the rule asks).
 */
export function ownerRoundContext(
  owner: OwnerData,
  model: ArrayLike<number>,
  seed: number,
  round: number,
  previousStep: ArrayLike<number>,
  training: Omit<LocalTrainOptions, "seed"> = DEFAULT_TRAINING,
  chain: ChainRuleParams = DEFAULT_CHAIN_RULE,
): RuleContext {
  let root: Float64Array | undefined;
  return {
    model,
    validation: owner.validation,
    rootUpdate: () => (root ??= roundTrip(localTrain(model, owner.root, { ...training, seed: deriveSeed(seed, round, ROOT_SEED) }))),
    ...DEFAULT_CANDIDATE,
    chain,
    previousStep,
  };
}

/**
 * The owner's sets: disjoint parts of the public split (a seeded permutation, root first), so disjoint from
 * every trainer's data and from the test set. The public split is otherwise only used, unlabelled, to fit
 * the projection; in a deployment these would be the owner's own private images.
 */
export function ownerData(dim: number = DEFAULT_FEATURES): OwnerData {
  const hit = ownerCache.get(dim);
  if (hit) return hit;
  const pub = features(digitSplits().public, dim);
  const perm = seededPermutation(pub.count, OWNER_SEED);
  const a = OWNER_SPLIT.root;
  const data = {
    root: featureSubset(pub, perm.slice(0, a)),
    validation: featureSubset(pub, perm.slice(a, a + OWNER_SPLIT.validation)),
  };
  ownerCache.set(dim, data);
  return data;
}

const targetCache = new Map<number, FeatureSet>();

/**
 * The targeted attackers' extra data: TARGET_IMAGES images of class TARGETED_PUSH.from from the public
 * split, after the owner's sets (so disjoint from them, from every trainer's data and from the test set).
 */
export function targetData(dim: number = DEFAULT_FEATURES): FeatureSet {
  const hit = targetCache.get(dim);
  if (hit) return hit;
  const pub = features(digitSplits().public, dim);
  const perm = seededPermutation(pub.count, OWNER_SEED);
  const rest = Array.from(perm.slice(OWNER_SPLIT.root + OWNER_SPLIT.validation)).filter((i) => pub.labels[i] === TARGETED_PUSH.from);
  if (rest.length < TARGET_IMAGES) {
    throw new ZkMeritError(
      "CONFIG",
      `the public split has ${rest.length} images of ${TARGETED_PUSH.from} outside the owner's sets, fewer than ${TARGET_IMAGES}`,
      {},
    );
  }
  const set = featureSubset(pub, rest.slice(0, TARGET_IMAGES));
  targetCache.set(dim, set);
  return set;
}

/** Two feature sets of the same dimension, one after the other, with every `from` label read as `to`. */
function relabelled(sets: readonly FeatureSet[], from: number, to: number): FeatureSet {
  const dim = sets[0].dim;
  const count = sets.reduce((a, x) => a + x.count, 0);
  const x = new Float64Array(count * dim);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const set of sets) {
    x.set(set.x, at * dim);
    for (let i = 0; i < set.count; i++) labels[at + i] = set.labels[i] === from ? to : set.labels[i];
    at += set.count;
  }
  return { count, dim, x, labels };
}

/** The share of the test images of class `from` that the model reads as `to`. */
export function targetRate(
  params: ArrayLike<number>,
  test: FeatureSet,
  from: number = TARGETED_PUSH.from,
  to: number = TARGETED_PUSH.to,
): number {
  const pred = predict(params, test);
  let n = 0;
  let hit = 0;
  for (let i = 0; i < test.count; i++) {
    if (test.labels[i] !== from) continue;
    n++;
    if (pred[i] === to) hit++;
  }
  return n ? hit / n : 0;
}

/** Checks a rule name (a CLI value) against ROUND_RULES. */
export function ruleByName(name: string): RuleName {
  if (!(RULE_NAMES as string[]).includes(name))
    throw new ZkMeritError("CONFIG", `unknown rule ${name}; known: ${RULE_NAMES.join(", ")}`, { rule: name });
  return name as RuleName;
}

// ---------------------------------------------------------------------------------------------
// One federation under today's rule (or a candidate)

export interface FederationOptions {
  readonly trainers: number;
  readonly rounds: number;
  readonly seed: number;
  readonly attack?: RobustnessAttack;
  /** How many trainers attack (the last f); 0 without an attack. */
  readonly attackers?: number;
  readonly rule?: ChainRuleParams;
  /** The round rule (ROUND_RULES); today's when omitted. */
  readonly ruleName?: RuleName;
  readonly training?: Partial<Omit<LocalTrainOptions, "seed">>;
  readonly features?: number;
  /** The last `absent` trainers do not take part (the reference for what losing their data costs). */
  readonly absent?: number;
}

export interface TrainerOutcome {
  readonly attacker: boolean;
  readonly excludedRounds: number;
  readonly slashedRounds: number;
  /** Sum over rounds of the trainer's fraction of the round's reward (each round pays 1). */
  readonly reward: number;
}

export interface FederationOutcome {
  readonly finalAccuracy: number;
  readonly finalLogLoss: number;
  /** The share of test images of TARGETED_PUSH.from read as TARGETED_PUSH.to. */
  readonly targetRate: number;
  readonly trainers: readonly TrainerOutcome[];
  /** The attack's parameter (z, eps, gamma) of each round, when it has one. */
  readonly parameters: readonly number[];
}

function checkFederation(o: FederationOptions): number {
  const f = o.attack ? (o.attackers ?? 0) : (o.absent ?? 0);
  if (!Number.isInteger(o.trainers) || o.trainers < 2)
    throw new ZkMeritError("CONFIG", `the harness needs at least 2 trainers, got ${o.trainers}`, {});
  if (!Number.isInteger(o.rounds) || o.rounds < 1)
    throw new ZkMeritError("CONFIG", `rounds must be a positive integer, got ${o.rounds}`, {});
  if (!Number.isInteger(f) || f < 0 || f >= o.trainers) {
    throw new ZkMeritError("CONFIG", `attackers must be an integer in [0, ${o.trainers - 1}], got ${f}`, { attackers: f });
  }
  return f;
}

/** Runs one federation under today's rule (or `ruleName`), with the last `attackers` trainers running `attack`. */
export function runFederation(o: FederationOptions): FederationOutcome {
  const f = checkFederation(o);
  const dim = o.features ?? DEFAULT_FEATURES;
  const rule = o.rule ?? DEFAULT_CHAIN_RULE;
  const ruleName = o.ruleName ?? "chain";
  const training = { ...DEFAULT_TRAINING, ...o.training };
  const owner = ruleName === "chain" ? undefined : ownerData(dim);
  const { test } = federationData(dim);
  const locals = trainerData(o.trainers, o.seed, { dim });
  const n = o.trainers;
  const attackers = Array.from({ length: f }, (_, j) => n - f + j);
  const isAttacker = (i: number) => i >= n - f;
  const honestIdx = Array.from({ length: n - f }, (_, i) => i);
  const excluded = new Array<number>(n).fill(0);
  const slashed = new Array<number>(n).fill(0);
  const reward = new Array<number>(n).fill(0);
  const parameters: number[] = [];
  let w = initialParams(dim);
  let previousStep = new Float64Array(w.length);
  let previousHonest: Float64Array[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const options = (i: number) => ({ ...training, seed: deriveSeed(o.seed, r, i) });
    const model = w;
    const ctx: RuleContext | undefined = owner && ownerRoundContext(owner, model, o.seed, r, previousStep, training, rule);
    const decide = (u: Float64Array[]): RoundDecision => (ctx ? ROUND_RULES[ruleName](u, ctx) : chainRule(u, rule));
    const benign = locals.map((data, i) => roundTrip(localTrain(w, data, options(i))));
    const honest = honestIdx.map((i) => benign[i]);
    const assemble = (malicious: readonly Float64Array[]): Float64Array[] => [...honest, ...malicious];
    let submitted = o.attack ? benign : honest;
    if (o.attack && f > 0) {
      const gw = w;
      const view: RoundView = {
        round: r,
        benign,
        attackers,
        honest,
        previousStep,
        previousHonest,
        passes: (malicious) => {
          const res = decide(assemble(malicious));
          return attackers.every((a) => res.inlier[a]);
        },
        labelFlipped: (a) => labelFlip(gw, locals[a], options(a), deriveSeed(o.seed, r, a, 0xa77ac)),
        targeted: (a) =>
          roundTrip(localTrain(gw, relabelled([locals[a], targetData(dim)], TARGETED_PUSH.from, TARGETED_PUSH.to), options(a))),
        seed: o.seed,
      };
      const built = o.attack.build(view);
      if (built.updates.length !== f) {
        throw new ZkMeritError("CONFIG", `attack ${o.attack.id} built ${built.updates.length} updates for ${f} attackers`, {});
      }
      if (built.parameter !== undefined) parameters.push(built.parameter);
      submitted = assemble(built.updates);
    }
    const res = decide(submitted);
    for (let i = 0; i < submitted.length; i++) {
      if (res.excluded[i]) excluded[i]++;
      if (res.slashed[i]) slashed[i]++;
      reward[i] += res.shares[i];
    }
    const next = new Float64Array(w.length);
    for (let k = 0; k < w.length; k++) next[k] = w[k] + res.aggregate[k];
    const wNext = toChain(next);
    previousStep = new Float64Array(w.length);
    for (let k = 0; k < w.length; k++) previousStep[k] = wNext[k] - w[k];
    previousHonest = honest;
    w = wNext;
  }
  return {
    finalAccuracy: accuracy(w, test),
    finalLogLoss: crossEntropy(w, test),
    targetRate: targetRate(w, test),
    trainers: reward.map((x, i) => ({ attacker: isAttacker(i), excludedRounds: excluded[i], slashedRounds: slashed[i], reward: x })),
    parameters,
  };
}

// ---------------------------------------------------------------------------------------------
// Coalition values, leave-one-out, Shapley, rank correlation

/**
 * Test log-loss of the model plain FedAvg trains on the coalition `mask` (bit i = trainer i) for `rounds`
 * rounds: the same local data, training options and per-(round, trainer) seeds as the federation, updates
 * and models rounded to the fixed point. The empty coalition keeps the initial model.
 */
export function coalitionLogLoss(
  locals: readonly FeatureSet[],
  test: FeatureSet,
  mask: number,
  rounds: number,
  seed: number,
  training: Omit<LocalTrainOptions, "seed">,
): number {
  const members = locals.flatMap((_, i) => ((mask >> i) & 1 ? [i] : []));
  let w = initialParams(test.dim);
  if (members.length === 0) return crossEntropy(w, test);
  for (let r = 0; r < rounds; r++) {
    const updates = members.map((i) => roundTrip(localTrain(w, locals[i], { ...training, seed: deriveSeed(seed, r, i) })));
    const g = meanAggregate(updates);
    const next = new Float64Array(w.length);
    for (let k = 0; k < w.length; k++) next[k] = w[k] + g[k];
    w = toChain(next);
  }
  return crossEntropy(w, test);
}

/** Exact Shapley values from the values of all 2^n coalitions (`value[mask]`, bit i = player i). */
export function shapleyValues(value: ArrayLike<number>): number[] {
  const n = Math.round(Math.log2(value.length));
  if (value.length !== 2 ** n || n < 1 || n > 20)
    throw new ZkMeritError("CONFIG", `Shapley needs 2^n coalition values, got ${value.length}`, {});
  const fact = [1];
  for (let i = 1; i <= n; i++) fact.push(fact[i - 1] * i);
  const popcount = (x: number) => {
    let c = 0;
    for (; x; x &= x - 1) c++;
    return c;
  };
  const phi = new Array<number>(n).fill(0);
  for (let mask = 0; mask < value.length; mask++) {
    const s = popcount(mask);
    const weight = (fact[s] * fact[n - s - 1]) / fact[n];
    for (let i = 0; i < n; i++) if (!((mask >> i) & 1)) phi[i] += weight * (value[mask | (1 << i)] - value[mask]);
  }
  return phi;
}

/** Ranks 1..n with ties given their average rank. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation (Pearson correlation of the average ranks); NaN when a side is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) throw new ZkMeritError("CONFIG", `Spearman needs two equal lists of at least 2 values`, {});
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(ra);
  const mb = mean(rb);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) ** 2;
    sbb += (rb[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/** Shapley-fair shares: max(phi_i, 0) normalized (equal shares when no one has a positive value). */
export function fairShares(phi: readonly number[]): number[] {
  const pos = phi.map((x) => Math.max(x, 0));
  const total = pos.reduce((s, x) => s + x, 0);
  return total > 0 ? pos.map((x) => x / total) : phi.map(() => 1 / phi.length);
}

/** 1/2 * sum |shares_i - fair_i|: the share of the budget paid to the wrong trainers. */
export function misallocation(shares: readonly number[], fair: readonly number[]): number {
  return shares.reduce((s, x, i) => s + Math.abs(x - fair[i]), 0) / 2;
}

// ---------------------------------------------------------------------------------------------
// The whole harness

export interface RobustnessConfig {
  readonly trainers: number;
  readonly rounds: number;
  readonly seeds: readonly number[];
  /** Numbers of attackers to try. */
  readonly attackerCounts: readonly number[];
  /** Attack ids (ROBUSTNESS_ATTACKS); all when omitted. */
  readonly attacks?: readonly string[];
  /** Trainers of the fairness study (2^n coalitions); `trainers` when omitted, 0 to skip it. */
  readonly fairnessTrainers?: number;
  /** Local epochs of the coalition runs (and of the fairness reward run); the federation's when omitted. */
  readonly fairnessEpochs?: number;
  readonly rule?: ChainRuleParams;
  /** The round rule (ROUND_RULES); today's when omitted. */
  readonly ruleName?: RuleName;
  /** Progress lines (human-readable). */
  readonly log?: (line: string) => void;
}

export interface AttackRow {
  readonly attack: string;
  readonly family: RobustnessAttack["family"];
  readonly description: string;
  readonly attackers: number;
  /** Mean final test accuracy over the seeds, and the attack-free baseline's. */
  readonly accuracy: number;
  readonly deltaVsAttackFree: number;
  /** Rates over attacker-rounds and honest trainer-rounds (all seeds). */
  readonly attackersExcluded: number;
  readonly attackersSlashed: number;
  readonly honestExcluded: number;
  readonly honestSlashed: number;
  /** Mean over seeds of (mean attacker reward) / (median honest trainer reward); null when the median is 0. */
  readonly attackerRewardRatio: number | null;
  /** Mean of the attack's per-round parameter (z, eps, gamma), when it has one. */
  readonly meanParameter: number | null;
  /** Mean share of test images of TARGETED_PUSH.from read as TARGETED_PUSH.to. */
  readonly targetRate: number;
}

export interface FairnessSeed {
  readonly seed: number;
  /** Each trainer's share of the whole budget under today's rule (no attackers). */
  readonly rewardShares: number[];
  /** value(N) - value(N \ i), value = -test log-loss. */
  readonly loo: number[];
  readonly shapley: number[];
  readonly fairShares: number[];
  readonly spearmanRewardLoo: number;
  readonly spearmanRewardShapley: number;
  readonly spearmanLooShapley: number;
  readonly misallocationRule: number;
  readonly misallocationEqual: number;
  /** value(all) and value(empty). */
  readonly grandValue: number;
  readonly emptyValue: number;
  readonly coalitions: number;
  readonly seconds: number;
}

export interface FairnessSummary {
  readonly trainers: number;
  readonly rounds: number;
  readonly epochs: number;
  readonly perSeed: FairnessSeed[];
  readonly mean: {
    readonly spearmanRewardLoo: number;
    readonly spearmanRewardShapley: number;
    readonly spearmanLooShapley: number;
    readonly misallocationRule: number;
    readonly misallocationEqual: number;
  };
}

export interface Bars {
  /** Attack rows (attack/f) failing each bar. */
  readonly accuracyWithin2Points: string[];
  readonly honestCutBelow1Percent: string[];
  readonly freeRiderAtMostQuarter: string[];
  readonly spearmanLoo: boolean;
  readonly spearmanShapley: boolean;
  readonly misallocationBelowEqual: boolean;
}

export interface RobustnessResult {
  readonly config: {
    readonly trainers: number;
    readonly rounds: number;
    readonly seeds: number[];
    readonly attackerCounts: number[];
    readonly rule: ChainRuleParams;
    /** Present for a candidate rule only (the default output stays today's). */
    readonly ruleName?: RuleName;
    readonly training: Omit<LocalTrainOptions, "seed">;
  };
  readonly attackFree: {
    readonly accuracy: number;
    readonly honestExcluded: number;
    readonly honestSlashed: number;
    readonly perSeed: number[];
    /** Share of test images of TARGETED_PUSH.from read as TARGETED_PUSH.to without attackers. */
    readonly targetRate: number;
    /** Mean final accuracy when the last f trainers are simply absent, for each f of attackerCounts. */
    readonly attackersAbsent: { readonly attackers: number; readonly accuracy: number }[];
  };
  readonly rows: AttackRow[];
  readonly fairness: FairnessSummary | null;
  readonly bars: Bars;
  readonly seconds: { readonly robustness: number; readonly fairness: number; readonly total: number };
}

const meanOfList = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
function medianOfList(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The fairness study of one seed (2^n coalition runs, each cached by its mask). */
export function fairnessForSeed(
  trainers: number,
  rounds: number,
  seed: number,
  training: Omit<LocalTrainOptions, "seed">,
  rule: ChainRuleParams = DEFAULT_CHAIN_RULE,
  ruleName: RuleName = "chain",
): FairnessSeed {
  const t0 = performance.now();
  const { test } = federationData(DEFAULT_FEATURES);
  const locals = trainerData(trainers, seed);
  const cache = new Map<number, number>();
  const value = (mask: number): number => {
    let v = cache.get(mask);
    if (v === undefined) {
      v = -coalitionLogLoss(locals, test, mask, rounds, seed, training);
      cache.set(mask, v);
    }
    return v;
  };
  const all = 2 ** trainers;
  const values = Array.from({ length: all }, (_, mask) => value(mask));
  const full = all - 1;
  const loo = Array.from({ length: trainers }, (_, i) => value(full) - value(full & ~(1 << i)));
  const shapley = shapleyValues(values);
  const fair = fairShares(shapley);
  const run = runFederation({ trainers, rounds, seed, rule, ruleName, training });
  const total = run.trainers.reduce((s, t) => s + t.reward, 0);
  const rewardShares = run.trainers.map((t) => t.reward / total);
  const equal = rewardShares.map(() => 1 / trainers);
  return {
    seed,
    rewardShares,
    loo,
    shapley,
    fairShares: fair,
    spearmanRewardLoo: spearman(rewardShares, loo),
    spearmanRewardShapley: spearman(rewardShares, shapley),
    spearmanLooShapley: spearman(loo, shapley),
    misallocationRule: misallocation(rewardShares, fair),
    misallocationEqual: misallocation(equal, fair),
    grandValue: value(full),
    emptyValue: value(0),
    coalitions: cache.size,
    seconds: (performance.now() - t0) / 1000,
  };
}

const rowKey = (r: { attack: string; attackers: number }) => `${r.attack}/${r.attackers}`;

/** Runs the whole harness; the result is plain JSON (no typed arrays). */
export function runRobustness(config: RobustnessConfig): RobustnessResult {
  const t0 = performance.now();
  const log = config.log ?? (() => undefined);
  const rule = config.rule ?? DEFAULT_CHAIN_RULE;
  const training = { ...DEFAULT_TRAINING };
  const known = new Set(ROBUSTNESS_ATTACKS.map((a) => a.id));
  for (const id of config.attacks ?? []) {
    if (!known.has(id)) throw new ZkMeritError("CONFIG", `unknown attack ${id}; known: ${[...known].join(", ")}`, { attack: id });
  }
  const attacks = ROBUSTNESS_ATTACKS.filter((a) => !config.attacks || config.attacks.includes(a.id));
  if (config.seeds.length === 0) throw new ZkMeritError("CONFIG", "the harness needs at least one seed", {});
  const ruleName = config.ruleName ?? "chain";
  const base = { trainers: config.trainers, rounds: config.rounds, rule, ruleName };

  const clean = config.seeds.map((seed) => runFederation({ ...base, seed }));
  const cleanAcc = meanOfList(clean.map((c) => c.finalAccuracy));
  const honestRounds = config.trainers * config.rounds * config.seeds.length;
  const countRounds = (runs: FederationOutcome[], attacker: boolean, key: "excludedRounds" | "slashedRounds") =>
    runs.reduce((s, run) => s + run.trainers.filter((t) => t.attacker === attacker).reduce((a, t) => a + t[key], 0), 0);
  const attackFree = {
    accuracy: cleanAcc,
    honestExcluded: countRounds(clean, false, "excludedRounds") / honestRounds,
    honestSlashed: countRounds(clean, false, "slashedRounds") / honestRounds,
    perSeed: clean.map((c) => c.finalAccuracy),
    targetRate: meanOfList(clean.map((c) => c.targetRate)),
    attackersAbsent: config.attackerCounts.map((f) => ({
      attackers: f,
      accuracy: meanOfList(config.seeds.map((seed) => runFederation({ ...base, seed, absent: f }).finalAccuracy)),
    })),
  };
  log(
    `attack-free: ${(cleanAcc * 100).toFixed(2)}%; attackers absent: ${attackFree.attackersAbsent.map((x) => `${x.attackers}: ${(x.accuracy * 100).toFixed(2)}%`).join(", ")}`,
  );

  const rows: AttackRow[] = [];
  for (const attack of attacks) {
    for (const f of config.attackerCounts) {
      const runs = config.seeds.map((seed) => runFederation({ ...base, seed, attack, attackers: f }));
      const attackerRounds = f * config.rounds * config.seeds.length;
      const honestTrainerRounds = (config.trainers - f) * config.rounds * config.seeds.length;
      const ratios = runs.map((run) => {
        const med = medianOfList(run.trainers.filter((t) => !t.attacker).map((t) => t.reward));
        const att = meanOfList(run.trainers.filter((t) => t.attacker).map((t) => t.reward));
        return med > 0 ? att / med : NaN;
      });
      const params = runs.flatMap((r) => r.parameters);
      const accuracyMean = meanOfList(runs.map((r) => r.finalAccuracy));
      const row: AttackRow = {
        attack: attack.id,
        family: attack.family,
        description: attack.description,
        attackers: f,
        accuracy: accuracyMean,
        deltaVsAttackFree: accuracyMean - cleanAcc,
        attackersExcluded: countRounds(runs, true, "excludedRounds") / attackerRounds,
        attackersSlashed: countRounds(runs, true, "slashedRounds") / attackerRounds,
        honestExcluded: countRounds(runs, false, "excludedRounds") / honestTrainerRounds,
        honestSlashed: countRounds(runs, false, "slashedRounds") / honestTrainerRounds,
        attackerRewardRatio: ratios.some((x) => Number.isNaN(x)) ? null : meanOfList(ratios),
        meanParameter: params.length ? meanOfList(params) : null,
        targetRate: meanOfList(runs.map((r) => r.targetRate)),
      };
      rows.push(row);
      log(
        `${rowKey(row)}: ${(row.accuracy * 100).toFixed(2)}% (${(row.deltaVsAttackFree * 100).toFixed(2)}), honest cut ${((row.honestExcluded + row.honestSlashed) * 100).toFixed(1)}%, reward ratio ${row.attackerRewardRatio?.toFixed(2) ?? "-"}`,
      );
    }
  }
  const t1 = performance.now();

  let fairness: FairnessSummary | null = null;
  const ft = config.fairnessTrainers ?? config.trainers;
  if (ft > 0) {
    const fTraining = { ...training, epochs: config.fairnessEpochs ?? training.epochs };
    const perSeed = config.seeds.map((seed) => {
      const s = fairnessForSeed(ft, config.rounds, seed, fTraining, rule, ruleName);
      log(
        `fairness seed ${seed}: ${s.coalitions} coalitions in ${s.seconds.toFixed(1)} s; Spearman reward/LOO ${s.spearmanRewardLoo.toFixed(2)}, reward/Shapley ${s.spearmanRewardShapley.toFixed(2)}; misallocation ${s.misallocationRule.toFixed(3)} (equal ${s.misallocationEqual.toFixed(3)})`,
      );
      return s;
    });
    const m = (k: keyof FairnessSummary["mean"]) => meanOfList(perSeed.map((s) => s[k]));
    fairness = {
      trainers: ft,
      rounds: config.rounds,
      epochs: fTraining.epochs,
      perSeed,
      mean: {
        spearmanRewardLoo: m("spearmanRewardLoo"),
        spearmanRewardShapley: m("spearmanRewardShapley"),
        spearmanLooShapley: m("spearmanLooShapley"),
        misallocationRule: m("misallocationRule"),
        misallocationEqual: m("misallocationEqual"),
      },
    };
  }
  const t2 = performance.now();

  const bars: Bars = {
    accuracyWithin2Points: rows.filter((r) => r.deltaVsAttackFree < -0.02).map(rowKey),
    honestCutBelow1Percent: rows.filter((r) => r.honestExcluded + r.honestSlashed >= 0.01).map(rowKey),
    freeRiderAtMostQuarter: rows
      .filter((r) => r.family === "free-rider" && (r.attackerRewardRatio === null || r.attackerRewardRatio > 0.25))
      .map(rowKey),
    spearmanLoo: fairness !== null && fairness.mean.spearmanRewardLoo >= 0.6,
    spearmanShapley: fairness !== null && fairness.mean.spearmanRewardShapley >= 0.6,
    misallocationBelowEqual: fairness !== null && fairness.mean.misallocationRule < fairness.mean.misallocationEqual,
  };
  return {
    config: {
      trainers: config.trainers,
      rounds: config.rounds,
      seeds: [...config.seeds],
      attackerCounts: [...config.attackerCounts],
      rule,
      ...(ruleName === "chain" ? {} : { ruleName }),
      training,
    },
    attackFree,
    rows,
    fairness,
    bars,
    seconds: { robustness: (t1 - t0) / 1000, fairness: (t2 - t1) / 1000, total: (t2 - t0) / 1000 },
  };
}

// ---------------------------------------------------------------------------------------------
// Markdown

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}`;
const num = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? "-" : x.toFixed(digits));

/** The attack table and the fairness tables, in Markdown. */
export function renderRobustnessMarkdown(r: RobustnessResult): string {
  const c = r.config;
  const out: string[] = [];
  // A candidate's page names it and says "the rule" where today's page says "today's rule".
  const cand = c.ruleName !== undefined && c.ruleName !== "chain" ? c.ruleName : undefined;
  const ours = (text: string) => (cand ? text.replaceAll("today's rule", "the rule") : text);
  out.push(
    cand
      ? `# Robustness and contribution fairness of the candidate rule \`${cand}\``
      : `# Robustness and contribution fairness of today's rule`,
  );
  out.push("");
  out.push(
    `${c.trainers} trainers, ${c.rounds} rounds, seeds ${c.seeds.join(", ")}; local training ${c.training.epochs} epochs, lr ${c.training.lr}, batch ${c.training.batchSize}. ` +
      (cand
        ? `Rule: \`${cand}\` (oracle/contribution/model/rule.ts), normBound ${c.rule.normBound}, trim ${DEFAULT_CANDIDATE.trim}, gate ${DEFAULT_CANDIDATE.gate}; the owner's root set is ${OWNER_SPLIT.root} and its validation set ${OWNER_SPLIT.validation} images of the public split. `
        : `Rule: normBound ${c.rule.normBound}, outlierFactor ${c.rule.outlierFactor}, distFloor ${c.rule.distFloor}, minSubmissions ${c.rule.minSubmissions}. `) +
      `The last f trainers attack, seeing every benign update of the round. Rates are over attacker-rounds and honest trainer-rounds; ` +
      `reward ratio = mean attacker reward / median honest trainer reward (mean over seeds). ` +
      `Attack-free: ${pct(r.attackFree.accuracy, 2)}% (honest excluded ${pct(r.attackFree.honestExcluded)}%, slashed ${pct(r.attackFree.honestSlashed)}%; ${pct(r.attackFree.targetRate)}% of the test ${TARGETED_PUSH.from}s read as ${TARGETED_PUSH.to}). ` +
      `For reference, with the last f trainers simply absent (their data lost, nothing attacked): ${r.attackFree.attackersAbsent.map((x) => `f = ${x.attackers}: ${pct(x.accuracy, 2)}%`).join(", ")}.`,
  );
  out.push("");
  out.push(
    `| attack | f | accuracy % | Δ vs attack-free (points) | attackers excluded % | attackers slashed % | honest excluded % | honest slashed % | attacker reward ÷ median honest | ${TARGETED_PUSH.from} read as ${TARGETED_PUSH.to} % |`,
  );
  out.push("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |");
  for (const x of r.rows) {
    out.push(
      `| ${x.attack} | ${x.attackers} | ${pct(x.accuracy, 2)} | ${(x.deltaVsAttackFree * 100).toFixed(2)} | ${pct(x.attackersExcluded)} | ${pct(x.attackersSlashed)} | ${pct(x.honestExcluded)} | ${pct(x.honestSlashed)} | ${num(x.attackerRewardRatio)} | ${pct(x.targetRate)} |`,
    );
  }
  out.push("");
  out.push("Attacks:");
  out.push("");
  const seen = new Set<string>();
  for (const x of r.rows) {
    if (seen.has(x.attack)) continue;
    seen.add(x.attack);
    out.push(`- \`${x.attack}\` (${x.family}): ${ours(x.description)}`);
  }
  if (r.fairness) {
    const fz = r.fairness;
    out.push("");
    out.push(`## Contribution fairness (no attackers)`);
    out.push("");
    out.push(
      `${fz.trainers} trainers, ${fz.rounds} rounds, ${fz.epochs} local epochs; value(S) = -test log-loss of plain FedAvg on coalition S (${2 ** fz.trainers} coalitions per seed). ` +
        `Misallocation = ½·Σ|share − fair share|, fair shares = max(Shapley, 0) normalized.`,
    );
    out.push("");
    out.push(
      ours(
        "| seed | Spearman(reward, LOO) | Spearman(reward, Shapley) | Spearman(LOO, Shapley) | misallocation, today's rule | misallocation, equal split | coalition time s |",
      ),
    );
    out.push("| --: | --: | --: | --: | --: | --: | --: |");
    for (const s of fz.perSeed) {
      out.push(
        `| ${s.seed} | ${num(s.spearmanRewardLoo)} | ${num(s.spearmanRewardShapley)} | ${num(s.spearmanLooShapley)} | ${num(s.misallocationRule, 3)} | ${num(s.misallocationEqual, 3)} | ${s.seconds.toFixed(1)} |`,
      );
    }
    const m = fz.mean;
    out.push(
      `| mean | ${num(m.spearmanRewardLoo)} | ${num(m.spearmanRewardShapley)} | ${num(m.spearmanLooShapley)} | ${num(m.misallocationRule, 3)} | ${num(m.misallocationEqual, 3)} | |`,
    );
    const s0 = fz.perSeed[0];
    out.push("");
    out.push(`Per trainer, seed ${s0.seed} (value(all) ${s0.grandValue.toFixed(4)}, value(empty) ${s0.emptyValue.toFixed(4)}):`);
    out.push("");
    out.push("| trainer | reward share % | LOO (×10³) | Shapley (×10³) | fair share % |");
    out.push("| --: | --: | --: | --: | --: |");
    for (let i = 0; i < s0.rewardShares.length; i++) {
      out.push(
        `| ${i} | ${pct(s0.rewardShares[i], 2)} | ${(s0.loo[i] * 1000).toFixed(2)} | ${(s0.shapley[i] * 1000).toFixed(2)} | ${pct(s0.fairShares[i], 2)} |`,
      );
    }
  }
  const b = r.bars;
  const list = (xs: string[]) => (xs.length ? xs.join(", ") : "none");
  out.push("");
  out.push("## Bars");
  out.push("");
  out.push(`- accuracy within 2 points of attack-free; failing: ${list(b.accuracyWithin2Points)}`);
  out.push(`- honest excluded or slashed below 1% of honest trainer-rounds; failing: ${list(b.honestCutBelow1Percent)}`);
  out.push(`- free-rider reward at most 0.25 × median honest; failing: ${list(b.freeRiderAtMostQuarter)}`);
  if (r.fairness) {
    out.push(`- Spearman(reward, LOO) ≥ 0.6: ${b.spearmanLoo ? "met" : "not met"}`);
    out.push(`- Spearman(reward, Shapley) ≥ 0.6: ${b.spearmanShapley ? "met" : "not met"}`);
    out.push(`- misallocation below the equal split's: ${b.misallocationBelowEqual ? "met" : "not met"}`);
  }
  out.push("");
  out.push(
    `Wall time: robustness ${r.seconds.robustness.toFixed(1)} s, fairness ${r.seconds.fairness.toFixed(1)} s, total ${r.seconds.total.toFixed(1)} s.`,
  );
  out.push("");
  return out.join("\n");
}
