import { ZkMeritError } from "../../errors";

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
 * The defaults a task gets from the CLI (scripts/commands/market.ts: normBound 12, outlierFactor 4,
 * distFloor 3, minSubmissions 4).
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
