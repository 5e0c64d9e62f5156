import { ZkMeritError } from "../errors";
import { SNARK_FIELD, commitVector, floorDiv, poseidon } from "../field";

/**
 * The reference model of circuits/contribution.circom (module 1, proof-of-contribution training):
 * the settlement rule of one round (docs/spec/contribution.md) in exact integer (bigint)
 * arithmetic, value for value what the circuit computes. Pure and deterministic; the only
 * asynchrony is circomlibjs's Poseidon. The `// (n)` marks below are the spec's steps and the
 * circuit's `Check (n)`.
 *
 * Inputs are validated once, here, with errors naming the offending value; anything accepted can be
 * proven (the circuit instance must have the same N and P).
 */

/** Value bits B of updates and models (signed fixed point, see oracle/field/fixedpoint.ts). */
export const CONTRIBUTION_BITS = 32;
/** Fractional bits of `outlierFactor`, of scores and of reward weights. */
export const SCORE_FRACTION_BITS = 16;
/** The largest P the circuit's sentinels and bit widths allow. */
export const MAX_PARAMS = 1024;
/** Slot counts N a circuit instance may have (powers of two). */
export const MIN_SLOTS = 2;
export const MAX_SLOTS = 64;

const B = BigInt(CONTRIBUTION_BITS);
const F = BigInt(SCORE_FRACTION_BITS);
const VALUE_MIN = -(1n << (B - 1n));
const VALUE_MAX = (1n << (B - 1n)) - 1n;
/** Sentinel of a position left out of a value column: above every included value. */
export const VALUE_SENTINEL = 1n << (B - 1n);
/** Sentinel of a position left out of the distance column: above every distance when P <= 1024. */
export const DIST_SENTINEL = 1n << (2n * B + 12n);

/** Field widths of configPacked, ruleParams and the other header values. */
export const BUDGET_BITS = 128;
export const NUM_ROUNDS_BITS = 16;
export const MAX_TRAINERS_BITS = 16;
export const OUTLIER_FACTOR_BITS = 32;
export const NORM_BOUND_BITS = 80;
export const DIST_FLOOR_BITS = 80;
export const MIN_SUBMISSIONS_BITS = 8;
export const CUM_BITS = 128;
/** The settler is an Ethereum address. */
export const ADDRESS_BITS = 160;
/** masks = includedMask + excludedMask * 2^64 + slashedMask * 2^128. */
export const MASK_SHIFT = 64;
const ROUND_SHIFT = 16n;

// ---------------------------------------------------------------------------------------------
// Types

/** The economic and robustness parameters of a task, packed into `configPacked`. */
export interface TaskConfig {
  /** Reward token units for the whole task, < 2^128. */
  readonly budget: bigint;
  /** Number of rounds, 1 .. 2^16 - 1. */
  readonly numRounds: number;
  /** Slots 0 .. maxTrainers - 1 may submit; 1 .. N. */
  readonly maxTrainers: number;
  /** Distance threshold factor, fixed point with 16 fractional bits (4.0 = 262144), < 2^32. */
  readonly outlierFactor: bigint;
}

/** The rule's thresholds, packed into `ruleParams` (see {@link packRuleParams}). */
export interface RuleParams {
  /** Bound on the squared L2 norm of a quantized update, < 2^80; above it is an offence (slashed). */
  readonly normBoundSq: bigint;
  /** Squared distances to the median at or below this are never excluded, < 2^80. */
  readonly distFloor: bigint;
  /** The distance rule applies only when at least this many submissions are included, 0..255. */
  readonly minSubmissions: number;
}

/** Everything the task header commits to. */
export interface TaskParams {
  /** chainId * 2^160 + market address (oracle/field proofContext). */
  readonly context: bigint;
  readonly taskId: bigint;
  readonly config: TaskConfig;
  readonly rule: RuleParams;
}

/**
 * One reveal, in reveal order: its slot, its revealed commitment and, when the settler holds it,
 * its quantized update (P B-bit signed values) whose VectorCommit must equal the commitment.
 * `update` undefined means the content is unavailable: the position is left out (not included).
 */
export interface Submission {
  readonly slot: number;
  readonly commitment: bigint;
  readonly update?: readonly bigint[];
}

/** The input of one round's settlement. */
export interface RoundInput {
  /** N, the circuit instance's slot count (a power of two, 2..64). */
  readonly slots: number;
  readonly task: TaskParams;
  /** The global model at the round's start (P values; P is the instance's parameter count). */
  readonly wOld: readonly bigint[];
  /** Cumulative reward of each slot at the round's start (N values). */
  readonly cumOld: readonly bigint[];
  readonly round: number;
  /** The round's reveals in reveal order (1..N); at least one must carry its update. */
  readonly submissions: readonly Submission[];
  /** The address that will post the proof (msg.sender of the settlement), < 2^160. */
  readonly settler: bigint;
}

/** What the rule decided for one position (rules 7, 11, 12); the last three are exclusive. */
export interface SubmissionFlags {
  /** the update is available and matches its commitment */
  readonly included: boolean;
  /** norm2 > normBoundSq */
  readonly norm: boolean;
  /** dist > distFloor and dist * 2^16 > outlierFactor * medDist (whether or not the rule applies) */
  readonly dist: boolean;
  /** another included position has the same commitment */
  readonly dup: boolean;
  /** included and (norm or dup): an objective offence */
  readonly slashed: boolean;
  /** included, not slashed, nIncl >= minSubmissions and dist: left out of the aggregate, unpaid */
  readonly excluded: boolean;
  /** included, neither slashed nor excluded */
  readonly inlier: boolean;
}

/** The three masks the public `masks` packs, each a sum of 2^slot over its positions. */
export interface RoundMasks {
  readonly includedMask: bigint;
  readonly excludedMask: bigint;
  readonly slashedMask: bigint;
}

/** The round's results; per-position arrays follow reveal order. */
export interface RoundResults extends RoundMasks {
  readonly newModelCommitment: bigint;
  readonly newRewardRoot: bigint;
  readonly newState: bigint;
  /** includedMask + excludedMask * 2^64 + slashedMask * 2^128 */
  readonly masks: bigint;
  readonly wNew: bigint[];
  readonly cumNew: bigint[];
  readonly shares: bigint[];
  readonly scores: bigint[];
  readonly flags: SubmissionFlags[];
  readonly med: bigint[];
  readonly medDist: bigint;
  readonly g: bigint[];
  /** Included positions. */
  readonly nIncl: number;
  /** Inliers. */
  readonly nIn: number;
  /** Whether the distance rule applied (nIncl >= minSubmissions). */
  readonly distApplies: boolean;
  readonly R: bigint;
}

/** The circuit's public inputs, in order. */
export interface ContributionPublicInputs {
  readonly acc: bigint;
  readonly newState: bigint;
  readonly modelCommitment: bigint;
  readonly rewardRoot: bigint;
  readonly masks: bigint;
  readonly settler: bigint;
}

/** Intermediate values: what the witness builder needs and what tests compare. */
export interface RoundTrace {
  readonly slots: number;
  readonly params: number;
  readonly count: number;
  readonly configPacked: bigint;
  readonly ruleParams: bigint;
  readonly taskHeader: bigint;
  readonly oldModelCommitment: bigint;
  readonly oldRewardRoot: bigint;
  readonly oldState: bigint;
  /** The revealed commitment of each position. */
  readonly commitments: bigint[];
  /** acc_1 .. acc_count. */
  readonly accChain: bigint[];
  /** Whether each position is included. */
  readonly included: boolean[];
  /** The circuit's u of each position: the update when included, zeros otherwise. */
  readonly updates: bigint[][];
  readonly norm2: bigint[];
  readonly dist: bigint[];
  readonly dot: bigint[];
  readonly gnorm2: bigint;
  readonly weights: bigint[];
  readonly W: bigint;
  /** sorted[k] = column k (included values, then sentinels) sorted ascending; N entries each. */
  readonly sorted: bigint[][];
  /** The distance column (included distances, then sentinels) sorted ascending; N entries. */
  readonly sortedDist: bigint[];
}

export interface Settlement {
  readonly input: RoundInput;
  readonly publicInputs: ContributionPublicInputs;
  readonly results: RoundResults;
  readonly trace: RoundTrace;
}

// ---------------------------------------------------------------------------------------------
// Validation

function bad(message: string, details: Record<string, unknown>): ZkMeritError {
  return new ZkMeritError("CONTRIBUTION_INPUT", message, details);
}

function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw bad(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`, { [name]: String(v), min, max });
  }
  return v;
}

function checkBig(name: string, v: unknown, min: bigint, maxExclusive: bigint, range: string): bigint {
  if (typeof v !== "bigint" || v < min || v >= maxExclusive) {
    throw bad(`${name} must be a bigint in ${range}, got ${String(v)}`, { [name]: String(v) });
  }
  return v;
}

function checkValues(name: string, values: unknown, length: number): readonly bigint[] {
  if (!Array.isArray(values) || values.length !== length) {
    const got = Array.isArray(values) ? `${values.length} values` : String(values);
    throw bad(`${name} must hold exactly ${length} values, got ${got}`, { [name]: got, expected: length });
  }
  for (let k = 0; k < values.length; k++) {
    const v: unknown = values[k];
    if (typeof v !== "bigint" || v < VALUE_MIN || v > VALUE_MAX) {
      throw bad(`${name}[${k}] is ${String(v)}, outside the ${B}-bit signed range [${VALUE_MIN}, ${VALUE_MAX}]`, {
        [name]: String(v),
        index: k,
      });
    }
  }
  return values as bigint[];
}

/** Checks a slot count N: a power of two in [2, 64]. */
export function checkSlots(n: unknown): number {
  checkInt("slots", n, MIN_SLOTS, MAX_SLOTS);
  if (((n as number) & ((n as number) - 1)) !== 0) throw bad(`slots (N) must be a power of two, got ${n}`, { slots: n });
  return n as number;
}

/** Checks a task configuration against the widths of configPacked and the instance's N. */
export function checkConfig(config: TaskConfig, slots: number = MAX_SLOTS): TaskConfig {
  checkBig("budget", config.budget, 0n, 1n << BigInt(BUDGET_BITS), "[0, 2^128)");
  checkInt("numRounds", config.numRounds, 1, 2 ** NUM_ROUNDS_BITS - 1);
  checkInt("maxTrainers", config.maxTrainers, 1, slots);
  checkBig("outlierFactor", config.outlierFactor, 0n, 1n << BigInt(OUTLIER_FACTOR_BITS), "[0, 2^32)");
  return config;
}

/** Checks the rule's thresholds against the widths of ruleParams. */
export function checkRule(rule: RuleParams): RuleParams {
  if (typeof rule !== "object" || rule === null)
    throw bad(`rule must be { normBoundSq, distFloor, minSubmissions }, got ${String(rule)}`, {});
  checkBig("normBoundSq", rule.normBoundSq, 0n, 1n << BigInt(NORM_BOUND_BITS), "[0, 2^80)");
  checkBig("distFloor", rule.distFloor, 0n, 1n << BigInt(DIST_FLOOR_BITS), "[0, 2^80)");
  checkInt("minSubmissions", rule.minSubmissions, 0, 2 ** MIN_SUBMISSIONS_BITS - 1);
  return rule;
}

function checkTask(task: TaskParams, slots: number): void {
  checkBig("context", task.context, 0n, SNARK_FIELD, "[0, r)");
  checkBig("taskId", task.taskId, 0n, SNARK_FIELD, "[0, r)");
  checkConfig(task.config, slots);
  checkRule(task.rule);
}

/**
 * Validates a round's input; throws a CONTRIBUTION_INPUT error naming the first bad value.
 * Whether each given update matches its commitment needs Poseidon and is checked by
 * {@link settleRound} (a COMMITMENT_MISMATCH error naming the slot).
 */
export function checkRoundInput(input: RoundInput): RoundInput {
  const n = checkSlots(input.slots);
  checkTask(input.task, n);
  if (!Array.isArray(input.wOld) || input.wOld.length < 1 || input.wOld.length > MAX_PARAMS) {
    const got = Array.isArray(input.wOld) ? input.wOld.length : String(input.wOld);
    throw bad(`wOld must hold 1 to ${MAX_PARAMS} values (P), got ${got}`, { params: got });
  }
  const p = input.wOld.length;
  checkValues("wOld", input.wOld, p);
  if (!Array.isArray(input.cumOld) || input.cumOld.length !== n) {
    throw bad(`cumOld must hold one value per slot (${n}), got ${input.cumOld?.length}`, { slots: n });
  }
  input.cumOld.forEach((c, i) => checkBig(`cumOld[${i}]`, c, 0n, 1n << BigInt(CUM_BITS), "[0, 2^128)"));
  // (2) the round is one of the task's; (19) the settler is an address.
  checkInt("round", input.round, 0, input.task.config.numRounds - 1);
  checkBig("settler", input.settler, 0n, 1n << BigInt(ADDRESS_BITS), "[0, 2^160)");
  // (3) 1 <= count <= N; (4) distinct slots below maxTrainers; (7) someone is included.
  const subs = input.submissions;
  if (!Array.isArray(subs) || subs.length < 1 || subs.length > n) {
    throw bad(`a round settles 1 to ${n} submissions, got ${Array.isArray(subs) ? subs.length : String(subs)}`, {
      count: Array.isArray(subs) ? subs.length : String(subs),
    });
  }
  const seen = new Map<number, number>();
  subs.forEach((s, j) => {
    checkInt(`submissions[${j}].slot`, s.slot, 0, input.task.config.maxTrainers - 1);
    const first = seen.get(s.slot);
    if (first !== undefined) {
      throw bad(`submissions ${first} and ${j} both come from slot ${s.slot}; a slot submits at most once a round`, {
        slot: s.slot,
        positions: [first, j],
      });
    }
    seen.set(s.slot, j);
    checkBig(`submissions[${j}].commitment`, s.commitment, 0n, SNARK_FIELD, "[0, r)");
    if (s.update !== undefined) checkValues(`submissions[${j}].update`, s.update, p);
  });
  if (!subs.some((s) => s.update !== undefined)) {
    throw bad(`a settlement must include at least one submission, but none of the ${subs.length} reveals carries its update`, {
      count: subs.length,
    });
  }
  return input;
}

// ---------------------------------------------------------------------------------------------
// Task header, state, accumulator, reward tree

/** configPacked = budget + numRounds * 2^128 + maxTrainers * 2^144 + outlierFactor * 2^160. */
export function packConfig(config: TaskConfig): bigint {
  checkConfig(config);
  return config.budget | (BigInt(config.numRounds) << 128n) | (BigInt(config.maxTrainers) << 144n) | (config.outlierFactor << 160n);
}

/** Inverse of {@link packConfig}; rejects values wider than 192 bits and out-of-range fields. */
export function unpackConfig(packed: bigint): TaskConfig {
  checkBig("configPacked", packed, 0n, 1n << 192n, "[0, 2^192)");
  const field = (shift: bigint, bits: bigint) => (packed >> shift) & ((1n << bits) - 1n);
  return checkConfig({
    budget: field(0n, 128n),
    numRounds: Number(field(128n, 16n)),
    maxTrainers: Number(field(144n, 16n)),
    outlierFactor: field(160n, 32n),
  });
}

/** ruleParams = normBoundSq + distFloor * 2^80 + minSubmissions * 2^160 (168 bits). */
export function packRuleParams(rule: RuleParams): bigint {
  checkRule(rule);
  return rule.normBoundSq | (rule.distFloor << 80n) | (BigInt(rule.minSubmissions) << 160n);
}

/** Inverse of {@link packRuleParams}; rejects values wider than 168 bits. */
export function unpackRuleParams(packed: bigint): RuleParams {
  checkBig("ruleParams", packed, 0n, 1n << 168n, "[0, 2^168)");
  const field = (shift: bigint, bits: bigint) => (packed >> shift) & ((1n << bits) - 1n);
  return checkRule({ normBoundSq: field(0n, 80n), distFloor: field(80n, 80n), minSubmissions: Number(field(160n, 8n)) });
}

/** masks = includedMask + excludedMask * 2^64 + slashedMask * 2^128. */
export function packMasks(m: RoundMasks): bigint {
  const shift = BigInt(MASK_SHIFT);
  checkBig("includedMask", m.includedMask, 0n, 1n << shift, "[0, 2^64)");
  checkBig("excludedMask", m.excludedMask, 0n, 1n << shift, "[0, 2^64)");
  checkBig("slashedMask", m.slashedMask, 0n, 1n << shift, "[0, 2^64)");
  return m.includedMask | (m.excludedMask << shift) | (m.slashedMask << (2n * shift));
}

/** Inverse of {@link packMasks}; rejects values wider than 192 bits. */
export function unpackMasks(masks: bigint): RoundMasks {
  checkBig("masks", masks, 0n, 1n << BigInt(3 * MASK_SHIFT), "[0, 2^192)");
  const shift = BigInt(MASK_SHIFT);
  const part = (i: bigint) => (masks >> (i * shift)) & ((1n << shift) - 1n);
  return { includedMask: part(0n), excludedMask: part(1n), slashedMask: part(2n) };
}

/** The commitment a trainer reveals for its update: VectorCommit(update) with B = 32. */
export async function commitUpdate(update: readonly bigint[]): Promise<bigint> {
  checkValues("update", update, update.length);
  return commitVector(update, CONTRIBUTION_BITS);
}

/** taskHeader = Poseidon(context, taskId, configPacked, ruleParams). */
export async function taskHeader(task: TaskParams): Promise<bigint> {
  checkTask(task, MAX_SLOTS);
  return poseidon([task.context, task.taskId, packConfig(task.config), packRuleParams(task.rule)]);
}

/** state = Poseidon(taskHeader, modelCommitment, rewardRoot). */
export async function stateHash(header: bigint, modelCommitment: bigint, rewardRoot: bigint): Promise<bigint> {
  return poseidon([header, modelCommitment, rewardRoot]);
}

/** One accumulator step: Poseidon(acc, round * 2^16 + slot, commitment). */
export async function accStep(acc: bigint, round: number, slot: number, commitment: bigint): Promise<bigint> {
  checkInt("round", round, 0, 2 ** NUM_ROUNDS_BITS - 1);
  checkInt("slot", slot, 0, MAX_SLOTS - 1);
  return poseidon([acc, (BigInt(round) << ROUND_SHIFT) + BigInt(slot), commitment]);
}

function checkLeaves(cum: readonly bigint[]): number {
  const n = checkSlots(cum.length);
  cum.forEach((c, i) => checkBig(`cum[${i}]`, c, 0n, 1n << BigInt(CUM_BITS), "[0, 2^128)"));
  return n;
}

/** Every level of the reward tree, leaves first; the last level is [root]. */
async function rewardLevels(cum: readonly bigint[]): Promise<bigint[][]> {
  checkLeaves(cum);
  const levels: bigint[][] = [[...cum]];
  while (levels[levels.length - 1].length > 1) {
    const below = levels[levels.length - 1];
    const next: bigint[] = [];
    for (let i = 0; i < below.length; i += 2) next.push(await poseidon([below[i], below[i + 1]]));
    levels.push(next);
  }
  return levels;
}

/** rewardRoot(cum): Poseidon Merkle root over the N slot leaves (leaf i at position i). */
export async function rewardRoot(cum: readonly bigint[]): Promise<bigint> {
  const levels = await rewardLevels(cum);
  return levels[levels.length - 1][0];
}

/** A slot's leaf and its Merkle path (siblings from the leaves up), as the claim checks it. */
export async function rewardPath(cum: readonly bigint[], slot: number): Promise<{ root: bigint; leaf: bigint; siblings: bigint[] }> {
  const levels = await rewardLevels(cum);
  checkInt("slot", slot, 0, cum.length - 1);
  const siblings: bigint[] = [];
  for (let t = 0, i = slot; t < levels.length - 1; t++, i >>= 1) siblings.push(levels[t][i ^ 1]);
  return { root: levels[levels.length - 1][0], leaf: cum[slot], siblings };
}

/** The root a leaf and path lead to: bit t of `slot` puts the running node on the right at level t. */
export async function rootFromPath(leaf: bigint, slot: number, siblings: readonly bigint[]): Promise<bigint> {
  checkInt("slot", slot, 0, 2 ** siblings.length - 1);
  let node = leaf;
  for (let t = 0; t < siblings.length; t++) {
    node = (slot >> t) & 1 ? await poseidon([siblings[t], node]) : await poseidon([node, siblings[t]]);
  }
  return node;
}

const emptyRoots = new Map<number, Promise<bigint>>();

/** emptyRoot(N) = rewardRoot of N zero leaves. */
export function emptyRoot(slots: number): Promise<bigint> {
  const n = checkSlots(slots);
  let r = emptyRoots.get(n);
  if (!r) {
    r = rewardRoot(new Array<bigint>(n).fill(0n));
    emptyRoots.set(n, r);
  }
  return r;
}

/** state_0 = Poseidon(taskHeader, VectorCommit(initialModel), emptyRoot(N)). */
export async function initialState(task: TaskParams, slots: number, initialModel: readonly bigint[]): Promise<bigint> {
  checkValues("initialModel", initialModel, initialModel.length);
  return stateHash(await taskHeader(task), await commitVector(initialModel, CONTRIBUTION_BITS), await emptyRoot(slots));
}

/** R = floor(budget / numRounds), plus budget mod numRounds in the last round. */
export function roundReward(config: TaskConfig, round: number): bigint {
  checkConfig(config);
  checkInt("round", round, 0, config.numRounds - 1);
  const rounds = BigInt(config.numRounds);
  return config.budget / rounds + (round === config.numRounds - 1 ? config.budget % rounds : 0n);
}

// ---------------------------------------------------------------------------------------------
// The rule

const ascending = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const clamp = (x: bigint) => (x < VALUE_MIN ? VALUE_MIN : x > VALUE_MAX ? VALUE_MAX : x);
const slotMask = (slots: readonly number[], pick: readonly boolean[]) =>
  slots.reduce((a, slot, j) => (pick[j] ? a | (1n << BigInt(slot)) : a), 0n);

/**
 * Settles one round (spec steps 1-19): validates the input (including each given update against
 * its commitment), then computes the included, slashed and excluded sets, the new model, scores,
 * shares, reward tree and state, and the circuit's public inputs.
 */
export async function settleRound(input: RoundInput): Promise<Settlement> {
  checkRoundInput(input);
  const { task, wOld, cumOld, round, settler } = input;
  const n = input.slots;
  const p = wOld.length;
  const subs = input.submissions;
  const count = subs.length;
  const { config, rule } = task;

  // (1) the task header.
  const configPacked = packConfig(config);
  const ruleParams = packRuleParams(rule);
  const header = await taskHeader(task);

  // (5) the state at the round's start.
  const oldModelCommitment = await commitVector(wOld, CONTRIBUTION_BITS);
  const oldRewardRoot = await rewardRoot(cumOld);
  const oldState = await stateHash(header, oldModelCommitment, oldRewardRoot);

  // (6) the accumulator over the revealed commitments, in reveal order.
  const commitments = subs.map((s) => s.commitment);
  const accChain: bigint[] = [];
  let acc = oldState;
  for (const s of subs) {
    acc = await accStep(acc, round, s.slot, s.commitment);
    accChain.push(acc);
  }

  // (7) the included set: the reveals whose update is given, each matching its commitment.
  // Left-out positions carry zeros, as in the circuit.
  const included = subs.map((s) => s.update !== undefined);
  for (const [j, s] of subs.entries()) {
    if (s.update === undefined) continue;
    const c = await commitVector(s.update, CONTRIBUTION_BITS);
    if (c !== s.commitment) {
      throw new ZkMeritError(
        "COMMITMENT_MISMATCH",
        `the update of slot ${s.slot} (submission ${j}) commits to ${c}, not to its revealed commitment ${s.commitment}`,
        { slot: s.slot, position: j, commitment: s.commitment.toString(), computed: c.toString() },
      );
    }
  }
  const u = subs.map((s) => (s.update === undefined ? new Array<bigint>(p).fill(0n) : [...s.update]));
  const nIncl = included.filter(Boolean).length;

  // (8) norms.
  const norm2 = u.map((x) => x.reduce((a, v) => a + v * v, 0n));

  // (9) coordinate-wise lower median over the included values; the others sort last as the sentinel.
  const m = Math.floor((nIncl - 1) / 2);
  const sorted: bigint[][] = [];
  const med: bigint[] = [];
  for (let k = 0; k < p; k++) {
    const column = u.map((x, j) => (included[j] ? x[k] : VALUE_SENTINEL));
    while (column.length < n) column.push(VALUE_SENTINEL);
    column.sort(ascending);
    sorted.push(column);
    med.push(column[m]);
  }

  // (10) distances to the median and their lower median over the included positions.
  const dist = u.map((x) => x.reduce((a, v, k) => a + (v - med[k]) * (v - med[k]), 0n));
  const sortedDist = dist.map((d, j) => (included[j] ? d : DIST_SENTINEL));
  while (sortedDist.length < n) sortedDist.push(DIST_SENTINEL);
  sortedDist.sort(ascending);
  const medDist = sortedDist[m];

  // (11) duplicates: an included position whose commitment another included position shares
  // (before or after it): both copies.
  const dup = commitments.map((c, j) => included[j] && commitments.some((d, i) => i !== j && included[i] && d === c));

  // (12) objective offences are slashed; the distance rule only excludes, and only with at least
  // minSubmissions inclusions.
  const distApplies = nIncl >= rule.minSubmissions;
  const flags: SubmissionFlags[] = u.map((_, j) => {
    const norm = norm2[j] > rule.normBoundSq;
    const far = dist[j] > rule.distFloor && dist[j] << F > config.outlierFactor * medDist;
    const slashed = included[j] && (norm || dup[j]);
    const excluded = included[j] && !slashed && distApplies && far;
    return { included: included[j], norm, dist: far, dup: dup[j], slashed, excluded, inlier: included[j] && !slashed && !excluded };
  });
  const inlier = flags.map((f) => f.inlier);
  const nIn = inlier.filter(Boolean).length;
  const slotList = subs.map((s) => s.slot);
  const includedMask = slotMask(slotList, included);
  const excludedMask = slotMask(
    slotList,
    flags.map((f) => f.excluded),
  );
  const slashedMask = slotMask(
    slotList,
    flags.map((f) => f.slashed),
  );
  const masks = packMasks({ includedMask, excludedMask, slashedMask });

  // (13), (14) robust aggregate and new model.
  const g: bigint[] = [];
  for (let k = 0; k < p; k++) {
    if (nIn === 0) {
      g.push(0n);
      continue;
    }
    let sum = 0n;
    for (let j = 0; j < count; j++) if (inlier[j]) sum += u[j][k];
    g.push(floorDiv(sum, BigInt(nIn)));
  }
  const wNew = wOld.map((w, k) => clamp(w + g[k]));
  const newModelCommitment = await commitVector(wNew, CONTRIBUTION_BITS);

  // (15) scores.
  const gnorm2 = g.reduce((a, v) => a + v * v, 0n);
  const dot = u.map((x) => x.reduce((a, v, k) => a + v * g[k], 0n));
  const scores = u.map((_, j) => (inlier[j] && dot[j] > 0n ? ((dot[j] * dot[j]) << F) / (norm2[j] * gnorm2) : 0n));

  // (16), (17) reward, weights (1 + score in 16-bit fixed point) and shares; the remainder goes to
  // the first inlier.
  const R = roundReward(config, round);
  const weights = u.map((_, j) => (inlier[j] ? (1n << F) + scores[j] : 0n));
  const W = weights.reduce((a, w) => a + w, 0n);
  const shares = weights.map((w) => (nIn > 0 ? (R * w) / W : 0n));
  if (nIn > 0) {
    const rem = R - shares.reduce((a, s) => a + s, 0n);
    shares[inlier.indexOf(true)] += rem;
  }

  // (18) reward leaves, root and the new state.
  const cumNew = [...cumOld];
  subs.forEach((s, j) => {
    cumNew[s.slot] += shares[j];
    if (cumNew[s.slot] >= 1n << BigInt(CUM_BITS)) {
      throw bad(`slot ${s.slot}'s cumulative reward ${cumNew[s.slot]} would reach 2^128; cumOld or the budget is inconsistent`, {
        slot: s.slot,
        cum: cumNew[s.slot].toString(),
      });
    }
  });
  const newRewardRoot = await rewardRoot(cumNew);
  const newState = await stateHash(header, newModelCommitment, newRewardRoot);

  // (19) the settler, checked below 2^160 with the input.
  return {
    input,
    publicInputs: { acc, newState, modelCommitment: newModelCommitment, rewardRoot: newRewardRoot, masks, settler },
    results: {
      newModelCommitment,
      newRewardRoot,
      newState,
      masks,
      includedMask,
      excludedMask,
      slashedMask,
      wNew,
      cumNew,
      shares,
      scores,
      flags,
      med,
      medDist,
      g,
      nIncl,
      nIn,
      distApplies,
      R,
    },
    trace: {
      slots: n,
      params: p,
      count,
      configPacked,
      ruleParams,
      taskHeader: header,
      oldModelCommitment,
      oldRewardRoot,
      oldState,
      commitments,
      accChain,
      included,
      updates: u,
      norm2,
      dist,
      dot,
      gnorm2,
      weights,
      W,
      sorted,
      sortedDist,
    },
  };
}

/** The circuit's public signals, in order: [acc, newState, modelCommitment, rewardRoot, masks, settler]. */
export function publicSignals(s: Settlement): bigint[] {
  const x = s.publicInputs;
  return [x.acc, x.newState, x.modelCommitment, x.rewardRoot, x.masks, x.settler];
}
