import { ZkMeritError } from "../../core";
import { NUM_CLASSES } from "./data";
import type { FeatureSet } from "./projection";

/**
 * Today's settlement rule (docs/spec/contribution.md, steps 8-17) in floating point, for simulations.
 * Every position is taken as included (the simulation has no unavailable content). The `(n)` marks are the
 * spec's steps.
 *
 * On quantized updates (multiples of 2^-16 of moderate size, as every simulated update is) the norms,
 * medians and distances below are exact in double precision, so the slashed / excluded / inlier decisions
 * are the same as the integer reference's (oracle/contribution/reference.ts); the aggregate is the float mean
 * (the chain floors it in fixed point) and the scores are not floored, so shares differ in the last digits.
 */

/** The rule's parameters in real units. */
export interface ChainRuleParams {
  /** Slash j when its real L2 norm exceeds normBound (normBoundSq = normBoundSqFromReal(normBound)). */
  readonly normBound: number;
  /** Exclude j when dist_j > outlierFactor * medDist (and the two conditions below hold). */
  readonly outlierFactor: number;
  /** Exclude only when dist_j > distFloor^2 (real units; on-chain distFloor = normBoundSqFromReal(distFloor)). */
  readonly distFloor: number;
  /** The distance rule applies only with at least this many included updates. */
  readonly minSubmissions: number;
}

/**
 * The defaults a task gets from the CLI (scripts/contribution/actions.ts: normBound 12, outlierFactor 4,
 * distFloor 3, minSubmissions 4). Measured with DEFAULT_TRAINING over seeds 1-10 and six attack mixes:
 * honest updates have L2 norm <= 6.1 (largest in round 0, from the zero model) and dist / medDist <= 2.7,
 * so normBound = 12 and outlierFactor = 4 leave a margin of about 2x and 1.5x; honest distances to the
 * median are 2.0-2.8, below distFloor = 3.
 */
export const DEFAULT_CHAIN_RULE: Readonly<ChainRuleParams> = { normBound: 12, outlierFactor: 4, distFloor: 3, minSubmissions: 4 };

export interface ChainRuleResult {
  /** (13) The mean of the inliers (zeros when there is none). */
  readonly aggregate: Float64Array;
  /** (12) Objective offences: norm over the bound or an exact duplicate (both copies). */
  readonly slashed: readonly boolean[];
  /** (12) Too far from the median (and not slashed), when the distance rule applies. */
  readonly excluded: readonly boolean[];
  readonly inlier: readonly boolean[];
  /** Per position: norm over the bound, far by the distance test (whether or not it applies), duplicate. */
  readonly norm: readonly boolean[];
  readonly far: readonly boolean[];
  readonly dup: readonly boolean[];
  readonly distApplies: boolean;
  readonly median: Float64Array;
  readonly normsSq: readonly number[];
  readonly dists: readonly number[];
  readonly medDist: number;
  /** (15) Clipped squared cosine to the aggregate, in [0, 1]; 0 for non-inliers. */
  readonly scores: readonly number[];
  /** (17) Fractions of the round's reward, (1 + score) / sum over inliers; they sum to 1 when someone is paid. */
  readonly shares: readonly number[];
}

function lowerMedian(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Today's rule over one round's updates (array order = reveal order, all included). */
export function chainRule(updates: readonly ArrayLike<number>[], params: ChainRuleParams = DEFAULT_CHAIN_RULE): ChainRuleResult {
  const n = updates.length;
  if (n === 0) throw new ZkMeritError("CONFIG", "the rule needs at least one update", {});
  const P = updates[0].length;
  for (let j = 0; j < n; j++) {
    if (updates[j].length !== P)
      throw new ZkMeritError("CONFIG", `update ${j} has ${updates[j].length} values, update 0 has ${P}`, { index: j });
  }
  // (8) norms.
  const normsSq = updates.map((u) => {
    let s = 0;
    for (let k = 0; k < P; k++) s += u[k] * u[k];
    return s;
  });
  // (9) coordinate-wise lower median.
  const median = new Float64Array(P);
  const column = new Array<number>(n);
  for (let k = 0; k < P; k++) {
    for (let j = 0; j < n; j++) column[j] = updates[j][k];
    median[k] = lowerMedian(column);
  }
  // (10) squared distances to the median and their lower median.
  const dists = updates.map((u) => {
    let s = 0;
    for (let k = 0; k < P; k++) s += (u[k] - median[k]) ** 2;
    return s;
  });
  const medDist = lowerMedian(dists);
  // (11) exact duplicates, both copies.
  const dup = updates.map((u, j) => updates.some((v, i) => i !== j && sameValues(u, v)));
  // (12) slashed, excluded, inliers.
  const boundSq = params.normBound * params.normBound;
  const floorSq = params.distFloor * params.distFloor;
  const distApplies = n >= params.minSubmissions;
  const norm = normsSq.map((s) => s > boundSq);
  const far = dists.map((d) => d > floorSq && d > params.outlierFactor * medDist);
  const slashed = norm.map((x, j) => x || dup[j]);
  const excluded = far.map((x, j) => !slashed[j] && distApplies && x);
  const inlier = slashed.map((s, j) => !s && !excluded[j]);
  // (13) aggregate.
  const aggregate = new Float64Array(P);
  const nIn = inlier.filter(Boolean).length;
  if (nIn > 0) {
    for (let j = 0; j < n; j++) if (inlier[j]) for (let k = 0; k < P; k++) aggregate[k] += updates[j][k];
    for (let k = 0; k < P; k++) aggregate[k] /= nIn;
  }
  // (15) scores, (17) shares.
  let gnorm2 = 0;
  for (let k = 0; k < P; k++) gnorm2 += aggregate[k] * aggregate[k];
  const scores = updates.map((u, j) => {
    if (!inlier[j]) return 0;
    let dot = 0;
    for (let k = 0; k < P; k++) dot += u[k] * aggregate[k];
    return dot > 0 ? Math.min(1, (dot * dot) / (normsSq[j] * gnorm2)) : 0;
  });
  const weights = inlier.map((x, j) => (x ? 1 + scores[j] : 0));
  const W = weights.reduce((a, w) => a + w, 0);
  const shares = weights.map((w) => (W > 0 ? w / W : 0));
  return { aggregate, slashed, excluded, inlier, norm, far, dup, distApplies, median, normsSq, dists, medDist, scores, shares };
}

// ---------------------------------------------------------------------------------------------
// Candidate rules for the next settlement rule (docs/design/contribution-rule.md)
//
// Each candidate is a float function over one round's updates, like `chainRule`, plus a context holding
// what the task owner commits: a validation set and a root update. They share the objective offences of
// today's rule (a norm above normBound or an exact duplicate, both copies: slashed, and left out of
// everything else) and they pay by a leave-one-out value on the owner's validation set, so a trainer is
// paid for what its update adds given the others, never for agreeing with them.

/** What a round's rule decides; `ChainRuleResult` is one. */
export interface RoundDecision {
  /** The global step of the round. */
  readonly aggregate: Float64Array;
  readonly slashed: readonly boolean[];
  /** Left out of the aggregate (and unpaid), without a slash. */
  readonly excluded: readonly boolean[];
  readonly inlier: readonly boolean[];
  /** Fractions of the round's reward; they sum to 1 when someone is paid, else all 0. */
  readonly shares: readonly number[];
  /** Leave-one-out validation value of each position (0 for slashed ones), for the candidates. */
  readonly values?: readonly number[];
}

/** What the owner commits to for a round, and the rule's parameters. */
export interface RuleContext {
  /** The global model the round's updates start from. */
  readonly model: ArrayLike<number>;
  /** The owner's validation set (committed at task creation; never the test set). */
  readonly validation: FeatureSet;
  /** The owner's root update of the round (trained on its committed root set from `model`). */
  readonly rootUpdate: () => Float64Array;
  /** Values trimmed on each side of every coordinate (the number of attackers the task is sized for). */
  readonly trim: number;
  /** The gate: exclude j when its leave-one-out value is below -gate * (median |value|). */
  readonly gate: number;
  /** normBound of the objective offences (the other fields are today's rule's). */
  readonly chain: ChainRuleParams;
  /** The previous round's public global step (zeros in round 0, and when omitted). */
  readonly previousStep?: ArrayLike<number>;
}

export type RoundRule = (updates: readonly ArrayLike<number>[], ctx: RuleContext) => RoundDecision;

/**
 * Defaults of the candidates' own parameters, for 8 slots: trim 3 (the largest f the bars ask for; 8 - 2·3
 * = 2 values remain per coordinate), gate 2.
 */
export const DEFAULT_CANDIDATE = { trim: 3, gate: 2 } as const;

/**
 * Mean multiclass hinge loss (Crammer and Singer 2001) of softmax-regression parameters on a data set:
 * max(0, 1 + max_{c != y} z_c - z_y) per sample, z the logits. Piecewise linear in the logits, which are
 * linear in the parameters, so a circuit evaluates it exactly with prover-hinted maxima.
 */
export function multiclassHinge(params: ArrayLike<number>, data: FeatureSet): number {
  const dim = data.dim;
  const stride = dim + 1;
  if (params.length !== NUM_CLASSES * stride)
    throw new ZkMeritError("CONFIG", `the model has ${params.length} values, the data needs ${NUM_CLASSES * stride}`, {});
  const z = new Float64Array(NUM_CLASSES);
  let s = 0;
  for (let i = 0; i < data.count; i++) {
    const off = i * dim;
    for (let c = 0; c < NUM_CLASSES; c++) {
      const w = c * stride;
      let t = params[w + dim];
      for (let j = 0; j < dim; j++) t += params[w + j] * data.x[off + j];
      z[c] = t;
    }
    const y = data.labels[i];
    let other = -Infinity;
    for (let c = 0; c < NUM_CLASSES; c++) if (c !== y && z[c] > other) other = z[c];
    s += Math.max(0, 1 + other - z[y]);
  }
  return data.count === 0 ? 0 : s / data.count;
}

const dotOf = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
};

function checkRound(updates: readonly ArrayLike<number>[]): number {
  if (updates.length === 0) throw new ZkMeritError("CONFIG", "the rule needs at least one update", {});
  const P = updates[0].length;
  for (let j = 0; j < updates.length; j++) {
    if (updates[j].length !== P)
      throw new ZkMeritError("CONFIG", `update ${j} has ${updates[j].length} values, update 0 has ${P}`, { index: j });
  }
  return P;
}

/** Today's objective offences: a norm above normBound, or an exact duplicate (both copies). */
function objectiveOffences(updates: readonly ArrayLike<number>[], chain: ChainRuleParams): boolean[] {
  const boundSq = chain.normBound * chain.normBound;
  return updates.map((u, j) => dotOf(u, u) > boundSq || updates.some((v, i) => i !== j && sameValues(u, v)));
}

/** Each update scaled down to at most `bound` in L2 norm. */
function clipNorms(updates: readonly ArrayLike<number>[], bound: number): Float64Array[] {
  return updates.map((u) => {
    const nu = Math.sqrt(dotOf(u, u));
    const c = nu > bound ? bound / nu : 1;
    return Float64Array.from(u, (x) => x * c);
  });
}

/** The lower median of the members' L2 norms. */
function medianNorm(updates: readonly ArrayLike<number>[], members: readonly number[]): number {
  return lowerMedian(members.map((j) => Math.sqrt(dotOf(updates[j], updates[j]))));
}

function meanOver(updates: readonly ArrayLike<number>[], members: readonly number[], P: number): Float64Array {
  const g = new Float64Array(P);
  if (members.length === 0) return g;
  for (const j of members) for (let k = 0; k < P; k++) g[k] += updates[j][k];
  for (let k = 0; k < P; k++) g[k] /= members.length;
  return g;
}

/** Coordinate-wise mean after dropping the `trim` lowest and `trim` highest values (fewer when too few remain). */
export function trimmedMean(updates: readonly ArrayLike<number>[], members: readonly number[], trim: number): Float64Array {
  const P = updates.length ? updates[0].length : 0;
  const g = new Float64Array(P);
  const m = members.length;
  if (m === 0) return g;
  const b = Math.max(0, Math.min(trim, Math.floor((m - 1) / 2)));
  const col = new Float64Array(m);
  for (let k = 0; k < P; k++) {
    for (let i = 0; i < m; i++) col[i] = updates[members[i]][k];
    col.sort();
    let s = 0;
    for (let i = b; i < m - b; i++) s += col[i];
    g[k] = s / (m - 2 * b);
  }
  return g;
}

/**
 * Leave-one-out values on the validation set: value_j = hinge(model + agg(members \ j)) - hinge(model +
 * agg(members)) for each member (0 for the others). Positive: the aggregate is better with j.
 */
export function validationLoo(
  n: number,
  members: readonly number[],
  aggregate: (members: readonly number[]) => Float64Array,
  ctx: RuleContext,
): number[] {
  const loss = (g: Float64Array) =>
    multiclassHinge(
      Float64Array.from(g, (x, k) => ctx.model[k] + x),
      ctx.validation,
    );
  const full = loss(aggregate(members));
  const values = new Array<number>(n).fill(0);
  for (const j of members) values[j] = loss(aggregate(members.filter((i) => i !== j))) - full;
  return values;
}

/** Shares proportional to max(weight_j, 0); all 0 when nobody has a positive weight. */
function positiveShares(weights: readonly number[]): number[] {
  const pos = weights.map((x) => (x > 0 ? x : 0));
  const W = pos.reduce((a, x) => a + x, 0);
  return pos.map((x) => (W > 0 ? x / W : 0));
}

function decision(aggregate: Float64Array, slashed: boolean[], excluded: boolean[], shares: number[], values: number[]): RoundDecision {
  return { aggregate, slashed, excluded, inlier: slashed.map((s, j) => !s && !excluded[j]), shares, values };
}

/**
 * FLTrust (Cao, Fang, Liu and Gong 2021). The owner trains a root update g0 on its small committed root set;
 * trust_j = ReLU(cos(u_j, g0)); each update is rescaled to |g0|; the step is the trust-weighted mean of the
 * rescaled updates. An update at cos <= 0 is excluded. Reward: trust_j times the positive part of j's
 * leave-one-out value on the validation set (of this same aggregate), so agreeing with g0 alone pays
 * nothing. Who moves the inputs: the owner chooses g0 outright (a circuit cannot check that g0 was trained
 * on anything: proving SGD with softmax is out of reach), so the owner steers both the direction and the
 * trust; colluders can only tilt their updates within cos > 0 of g0.
 */
export const fltrustRule: RoundRule = (updates, ctx) => {
  const P = checkRound(updates);
  const n = updates.length;
  const slashed = objectiveOffences(updates, ctx.chain);
  const g0 = ctx.rootUpdate();
  const n0 = Math.sqrt(dotOf(g0, g0));
  const trust = updates.map((u, j) => {
    const nu = Math.sqrt(dotOf(u, u));
    if (slashed[j] || nu === 0 || n0 === 0) return 0;
    return Math.max(0, dotOf(u, g0) / (nu * n0));
  });
  const rescaled = updates.map((u) => {
    const nu = Math.sqrt(dotOf(u, u));
    return Float64Array.from(u, (x) => (nu > 0 ? (x * n0) / nu : 0));
  });
  const aggregateOf = (members: readonly number[]) => {
    const g = new Float64Array(P);
    const W = members.reduce((a, j) => a + trust[j], 0);
    if (W === 0) return g;
    for (const j of members) for (let k = 0; k < P; k++) g[k] += (trust[j] * rescaled[j][k]) / W;
    return g;
  };
  const excluded = trust.map((t, j) => !slashed[j] && t === 0);
  const members = Array.from({ length: n }, (_, j) => j).filter((j) => trust[j] > 0);
  const values = validationLoo(n, members, aggregateOf, ctx);
  return decision(aggregateOf(members), slashed, excluded, positiveShares(values.map((v, j) => trust[j] * v)), values);
};

/**
 * Norm clipping to the median norm (Sun, Kairouz, Suresh and McMahan 2019) and the coordinate-wise trimmed
 * mean (Yin, Chen, Ramchandran and Bartlett 2018), trimming `trim` values on each side of every sorted
 * column (the prover-sorted columns of today's rule give the trimmed sums directly). Nobody is excluded:
 * trimming acts per value. Reward: the positive part of the leave-one-out validation value of the trimmed
 * mean. Who moves the inputs: the owner fixes the validation set once, at task creation; colluders move the
 * median norm only when they are half the trainers, and shift each trimmed coordinate within the honest
 * range.
 */
export const trimmedValRule: RoundRule = (updates, ctx) => {
  checkRound(updates);
  const n = updates.length;
  const slashed = objectiveOffences(updates, ctx.chain);
  const members = Array.from({ length: n }, (_, j) => j).filter((j) => !slashed[j]);
  const clipped = members.length ? clipNorms(updates, medianNorm(updates, members)) : updates.map((u) => Float64Array.from(u));
  const aggregateOf = (m: readonly number[]) => trimmedMean(clipped, m, ctx.trim);
  const values = validationLoo(n, members, aggregateOf, ctx);
  return decision(aggregateOf(members), slashed, new Array<boolean>(n).fill(false), positiveShares(values), values);
};

/**
 * Validation-gated mean. Updates are clipped to the median norm; each one's leave-one-out value on the
 * owner's validation set is taken in the plain mean of all clipped updates; j is excluded when its value is
 * below -gate x (the median |value|), i.e. when leaving it out clearly improves the validation loss; the step
 * is the mean of the rest. Reward: the positive part of the value (the first pass's), 0 when excluded. The
 * leave-one-out test is the "loss-based rejection" of Fang, Cao, Jia and Gong 2020 (there against a
 * validation set the server holds), one pass only. Who moves the inputs: the owner fixes the validation set
 * at task creation; colluders can hide behind one another only as far as each one's own removal changes the
 * mean (by 1/n of its clipped update).
 */
export const gatedValRule: RoundRule = (updates, ctx) => {
  const P = checkRound(updates);
  const n = updates.length;
  const slashed = objectiveOffences(updates, ctx.chain);
  const members = Array.from({ length: n }, (_, j) => j).filter((j) => !slashed[j]);
  const clipped = members.length ? clipNorms(updates, medianNorm(updates, members)) : updates.map((u) => Float64Array.from(u));
  const values = validationLoo(n, members, (m) => meanOver(clipped, m, P), ctx);
  const scale = members.length ? lowerMedian(members.map((j) => Math.abs(values[j]))) : 0;
  const excluded = values.map((v, j) => !slashed[j] && members.length > 1 && v < -ctx.gate * scale);
  const kept = members.filter((j) => !excluded[j]);
  const shares = positiveShares(values.map((v, j) => (excluded[j] ? 0 : v)));
  return decision(meanOver(clipped, kept, P), slashed, excluded, shares, values);
};

/**
 * Centered clipping around the owner's root update: centered clipping (Karimireddy, He and Jaggi 2021),
 * one step, with the trusted center g0 of FLTrust (Cao et al. 2021) instead of the previous step. tau =
 * lower median of |u_j - g0|; the step is g0 + mean_j clip(u_j - g0, tau). Nobody is excluded; an attacker
 * moves the step by at most tau / n. Reward: the positive part of the leave-one-out validation value of this
 * step. Who moves the inputs: the owner chooses g0 (the center) and the validation set; colluders below half
 * the trainers cannot move tau.
 */
export const rootClipValRule: RoundRule = (updates, ctx) => {
  const P = checkRound(updates);
  const n = updates.length;
  const slashed = objectiveOffences(updates, ctx.chain);
  const members = Array.from({ length: n }, (_, j) => j).filter((j) => !slashed[j]);
  const g0 = ctx.rootUpdate();
  const dev = updates.map((u) => Float64Array.from(u, (x, k) => x - g0[k]));
  const tau = members.length ? medianNorm(dev, members) : 0;
  const clipped = clipNorms(dev, tau);
  const aggregateOf = (m: readonly number[]) => {
    const d = meanOver(clipped, m, P);
    return Float64Array.from(d, (x, k) => (m.length ? x + g0[k] : 0));
  };
  const values = validationLoo(n, members, aggregateOf, ctx);
  return decision(aggregateOf(members), slashed, new Array<boolean>(n).fill(false), positiveShares(values), values);
};

/** The root-trust rule's margin: trust_j = clamp(cos(u_j, g0) + ROOT_TRUST_MARGIN, 0, 1)^2. */
export const ROOT_TRUST_MARGIN = 0.3;

/**
 * The root-trust rule's trust of an update at cosine `c` with g0: clamp(c + margin, 0, 1)^2. The square
 * keeps updates that point away from g0 (the sign attackers sit at cosines of -0.1 to -0.27) at a small
 * weight next to honest non-IID updates near 0 to 0.2, so the margin can be wide enough that no honest
 * update is cut (docs/design/contribution-rule.md, "Honest cut").
 */
export function rootTrustOf(c: number, margin = ROOT_TRUST_MARGIN): number {
  const t = Math.max(0, Math.min(1, c + margin));
  return t * t;
}

/**
 * Root trust (the next settlement rule; docs/design/contribution-rule.md). FLTrust's trusted direction
 * (Cao et al. 2021) with a soft trust and no rescaling:
 * - every update is clipped to the lower median L2 norm of the non-slashed updates (Sun et al. 2019), so
 *   nobody moves the step more than an ordinary honest trainer;
 * - trust_j = clamp(cos(u_j, g0) + margin, 0, 1)^2 (rootTrustOf), with g0 the owner's root update of the
 *   round: an update within 90 + 17.5 degrees of g0 keeps part of its weight, so non-IID honest updates that
 *   point away from an IID root update are down-weighted, not cut; trust 0 is an exclusion (no reward,
 *   never a slash);
 * - the step is the trust-weighted mean of the clipped updates. It is a convex combination of the trainers'
 *   own clipped updates: the owner's g0 only re-weights them, it never enters the step.
 * Reward: the positive part of j's value for the direction of the step, measured by 1 - cos·|cos| of the
 * step with g0 (its length does not count, so shrinking the step is worth nothing), against two
 * baselines: j left out, and the previous round's public step (clipped the same way) in j's place with
 * j's trust. The value is the smaller of the two changes: what j adds toward the owner's direction, given
 * the others, beyond what anyone can submit without training. The second baseline applies only when the
 * previous step is nonzero (in round 0 the only update without training is zero, whose trust is 0). A copy
 * of the others' mean or of another trainer adds nothing over the first; a resubmitted previous step
 * nothing over the second. When nobody has a positive value, or without a root update (every trust is
 * then 1), the shares follow the trust.
 * Who moves the inputs: the owner chooses g0 and so re-weights (and can exclude) trainers, but cannot add
 * anything of its own to the step; colluders cannot move the clip norm below half the trainers, and their
 * weight falls with their angle to g0.
 */
export const rootTrustRule: RoundRule = (updates, ctx) => {
  const P = checkRound(updates);
  const n = updates.length;
  const slashed = objectiveOffences(updates, ctx.chain);
  const members = Array.from({ length: n }, (_, j) => j).filter((j) => !slashed[j]);
  const g0 = ctx.rootUpdate();
  const n0 = Math.sqrt(dotOf(g0, g0));
  const clipNorm = members.length ? medianNorm(updates, members) : Infinity;
  const clipped = clipNorms(updates, clipNorm);
  const trust = updates.map((u, j) => {
    if (slashed[j]) return 0;
    if (n0 === 0) return 1;
    const nu = Math.sqrt(dotOf(u, u));
    return nu === 0 ? 0 : rootTrustOf(dotOf(u, g0) / (nu * n0));
  });
  const excluded = trust.map((t, j) => !slashed[j] && t === 0);
  const kept = members.filter((j) => trust[j] > 0);
  // The trust-weighted mean over `kept` without position `out`, or with `inPlace` (at out's trust) instead.
  const aggregateOf = (out = -1, inPlace?: ArrayLike<number>) => {
    const g = new Float64Array(P);
    const W = kept.reduce((a, j) => a + (j === out && !inPlace ? 0 : trust[j]), 0);
    if (W === 0) return g;
    for (const j of kept) {
      const v = j === out ? inPlace : clipped[j];
      if (v) for (let k = 0; k < P; k++) g[k] += (trust[j] * v[k]) / W;
    }
    return g;
  };
  // How far the step's direction is from g0: 1 - cos·|cos| (0 when aligned, 2 when opposite). The step's
  // length does not enter it, so shrinking the step is worth nothing.
  const offRoot = (g: Float64Array) => {
    const gg = dotOf(g, g);
    const d = dotOf(g, g0);
    return gg === 0 ? 1 : 1 - (d * Math.abs(d)) / (gg * n0 * n0);
  };
  const full = offRoot(aggregateOf());
  const previous = ctx.previousStep ?? new Float64Array(P);
  const [stale] = clipNorms([previous], clipNorm);
  const values = updates.map((_, j) => {
    if (!(n0 > 0 && kept.includes(j) && kept.length > 1)) return 0;
    const without = offRoot(aggregateOf(j)) - full;
    if (dotOf(previous, previous) === 0) return without;
    return Math.min(without, offRoot(aggregateOf(j, stale)) - full);
  });
  const byValue = positiveShares(values);
  const shares = byValue.some((x) => x > 0) ? byValue : positiveShares(trust);
  return decision(aggregateOf(), slashed, excluded, shares, values);
};

/** The rules the harness can run: today's (`chain`) and the candidates. */
export const ROUND_RULES = {
  chain: ((updates, ctx) => chainRule(updates, ctx.chain)) as RoundRule,
  fltrust: fltrustRule,
  "trimmed-val": trimmedValRule,
  "gated-val": gatedValRule,
  "root-clip-val": rootClipValRule,
  "root-trust": rootTrustRule,
} as const satisfies Record<string, RoundRule>;

export type RuleName = keyof typeof ROUND_RULES;
export const RULE_NAMES = Object.keys(ROUND_RULES) as RuleName[];
