import { ZkMeritError } from "../core";
import { SNARK_FIELD, commitVector, poseidon } from "../core";
import { DEFAULT_TRUST_MARGIN, type RootTrustResult, TRUST_FRACTION_BITS, rootTrust } from "./trust";

/**
 * The reference model of circuits/contribution/contribution.circom (module 1, proof-of-contribution training):
 * the settlement rule of one round (docs/spec/contribution.md, with the root-trust steps of
 * docs/spec/root-trust.md in ./trust.ts) in exact integer (bigint) arithmetic, value for value what
 * the circuit computes. Pure and deterministic; the only
 * asynchrony is circomlibjs's Poseidon. The `// (n)` marks below are the spec's steps and the
 * circuit's `Check (n)`.
 *
 * Inputs are validated once, here, with errors naming the offending value; anything accepted can be
 * proven (the circuit instance must have the same N and P).
 */

/** Value bits B of updates and models (signed fixed point, see oracle/core/field/fixedpoint.ts). */
export const CONTRIBUTION_BITS = 32;
/** Fractional bits of the trust margin, the trust and the clip factors. */
export const SCORE_FRACTION_BITS = TRUST_FRACTION_BITS;
/** The largest P the circuit's sentinels and bit widths allow. */
export const MAX_PARAMS = 1024;
/** Slot counts N a circuit instance may have (powers of two). */
export const MIN_SLOTS = 2;
export const MAX_SLOTS = 64;

const B = BigInt(CONTRIBUTION_BITS);
const VALUE_MIN = -(1n << (B - 1n));
const VALUE_MAX = (1n << (B - 1n)) - 1n;

/** Field widths of configPacked, ruleParams and the other header values. */
export const BUDGET_BITS = 128;
export const NUM_ROUNDS_BITS = 16;
export const MAX_TRAINERS_BITS = 16;
export const NORM_BOUND_BITS = 80;
export const TRUST_MARGIN_BITS = 17;
/** The largest trust margin: 1.0 in 16-bit fixed point. */
export const MAX_TRUST_MARGIN = 1n << BigInt(TRUST_FRACTION_BITS);
export { DEFAULT_TRUST_MARGIN };
export const CUM_BITS = 128;
/** The settler is an Ethereum address. */
export const ADDRESS_BITS = 160;
/** masks = includedMask + excludedMask * 2^64 + slashedMask * 2^128. */
export const MASK_SHIFT = 64;
const ROUND_SHIFT = 16n;

// ---------------------------------------------------------------------------------------------
// Types

/** The economic parameters of a task, packed into `configPacked`. */
export interface TaskConfig {
  /** Reward token units for the whole task, < 2^128. */
  readonly budget: bigint;
  /** Number of rounds, 1 .. 2^16 - 1. */
  readonly numRounds: number;
  /** Slots 0 .. maxTrainers - 1 may submit; 1 .. N. */
  readonly maxTrainers: number;
}

/** The rule's thresholds, packed into `ruleParams` (see {@link packRuleParams}). */
export interface RuleParams {
  /** Bound on the squared L2 norm of a quantized update, < 2^80; above it is an offence (slashed). */
  readonly normBoundSq: bigint;
  /** trust = clamp(cos(u, g0) + trustMargin, 0, 1)^2, trustMargin in 16-bit fixed point in [0, 2^16] (0.3 = 19661). */
  readonly trustMargin: bigint;
  /** Whether the task owner posts a root update each round, at slot 0 (the trusted direction g0). */
  readonly rootUpdates: boolean;
}

/** Everything the task header commits to. */
export interface TaskParams {
  /** chainId * 2^160 + market address (oracle/core/field proofContext). */
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
  /** The model before it: wOld - wPrev is the previous round's public step (wPrev = wOld in round 0). */
  readonly wPrev: readonly bigint[];
  /** Cumulative reward of each slot at the round's start (N values). */
  readonly cumOld: readonly bigint[];
  readonly round: number;
  /** The round's reveals in reveal order (1..N); at least one must carry its update. */
  readonly submissions: readonly Submission[];
  /** The address that will post the proof (msg.sender of the settlement), < 2^160. */
  readonly settler: bigint;
}

/** What the rule decided for one position (steps 7, 9-13); root, slashed, excluded, inlier are exclusive. */
export interface SubmissionFlags {
  /** the update is available and matches its commitment */
  readonly included: boolean;
  /** included, the task has root updates and the slot is 0: the owner's root update g0 */
  readonly root: boolean;
  /** norm2 > normBoundSq */
  readonly norm: boolean;
  /** another included non-root position has the same commitment */
  readonly dup: boolean;
  /** included, not the root, and (norm or dup): an objective offence */
  readonly slashed: boolean;
  /** a member (included, not the root, not slashed) whose trust is 0: left out of the step, unpaid */
  readonly excluded: boolean;
  /** a member with positive trust */
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
  /** Trust in 16-bit fixed point (0 for the root, slashed and left-out positions). */
  readonly trust: bigint[];
  /** Values in 24-bit fixed point: how much each inlier turns the step toward g0 (T6). */
  readonly values: bigint[];
  /** The reward weights (T7). */
  readonly weights: bigint[];
  readonly flags: SubmissionFlags[];
  /** The round's step: wNew = clamp(wOld + step). */
  readonly step: bigint[];
  /** Whether the root update is included (it steers only when it is also nonzero). */
  readonly hasRoot: boolean;
  /** Included positions. */
  readonly nIncl: number;
  /** Inliers. */
  readonly nIn: number;
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
  /** VectorCommit(wPrev). */
  readonly prevModelCommitment: bigint;
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
  /** The root update g0 (zeros without one). */
  readonly root: bigint[];
  /** The previous round's public step clamp(wOld - wPrev). */
  readonly previous: bigint[];
  /** The members' squared norms sorted ascending, the others as the sentinel; N entries (the circuit's hint). */
  readonly sortedNorm2: bigint[];
  /** The root-trust rule over the N positions (padding included). */
  readonly rule: RootTrustResult;
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
  return config;
}

/** Checks the rule's thresholds against the widths of ruleParams. */
export function checkRule(rule: RuleParams): RuleParams {
  if (typeof rule !== "object" || rule === null)
    throw bad(`rule must be { normBoundSq, trustMargin, rootUpdates }, got ${String(rule)}`, {});
  checkBig("normBoundSq", rule.normBoundSq, 0n, 1n << BigInt(NORM_BOUND_BITS), "[0, 2^80)");
  checkBig("trustMargin", rule.trustMargin, 0n, MAX_TRUST_MARGIN + 1n, "[0, 65536] (16-bit fixed point, 1.0 = 65536)");
  if (typeof rule.rootUpdates !== "boolean") {
    throw bad(`rootUpdates must be true or false, got ${String(rule.rootUpdates)}`, { rootUpdates: String(rule.rootUpdates) });
  }
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
  checkValues("wPrev", input.wPrev, p);
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

/** configPacked = budget + numRounds * 2^128 + maxTrainers * 2^144 (160 bits). */
export function packConfig(config: TaskConfig): bigint {
  checkConfig(config);
  return config.budget | (BigInt(config.numRounds) << 128n) | (BigInt(config.maxTrainers) << 144n);
}

/** Inverse of {@link packConfig}; rejects values wider than 160 bits and out-of-range fields. */
export function unpackConfig(packed: bigint): TaskConfig {
  checkBig("configPacked", packed, 0n, 1n << 160n, "[0, 2^160)");
  const field = (shift: bigint, bits: bigint) => (packed >> shift) & ((1n << bits) - 1n);
  return checkConfig({
    budget: field(0n, 128n),
    numRounds: Number(field(128n, 16n)),
    maxTrainers: Number(field(144n, 16n)),
  });
}

/** ruleParams = normBoundSq + trustMargin * 2^80 + rootUpdates * 2^97 (98 bits). */
export function packRuleParams(rule: RuleParams): bigint {
  checkRule(rule);
  return rule.normBoundSq | (rule.trustMargin << 80n) | ((rule.rootUpdates ? 1n : 0n) << 97n);
}

/** Inverse of {@link packRuleParams}; rejects values wider than 98 bits and a margin above 2^16. */
export function unpackRuleParams(packed: bigint): RuleParams {
  checkBig("ruleParams", packed, 0n, 1n << 98n, "[0, 2^98)");
  const field = (shift: bigint, bits: bigint) => (packed >> shift) & ((1n << bits) - 1n);
  return checkRule({ normBoundSq: field(0n, 80n), trustMargin: field(80n, 17n), rootUpdates: field(97n, 1n) === 1n });
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

/**
 * models = Poseidon(modelCommitment, prevModelCommitment): the current global model and the one
 * before it (their difference is the public step the next round's rule compares against).
 */
export async function modelsHash(modelCommitment: bigint, prevModelCommitment: bigint): Promise<bigint> {
  return poseidon([modelCommitment, prevModelCommitment]);
}

/** state = Poseidon(taskHeader, Poseidon(modelCommitment, prevModelCommitment), rewardRoot). */
export async function stateHash(header: bigint, modelCommitment: bigint, prevModelCommitment: bigint, rewardRoot: bigint): Promise<bigint> {
  return poseidon([header, await modelsHash(modelCommitment, prevModelCommitment), rewardRoot]);
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

/** state_0 = Poseidon(taskHeader, Poseidon(m0, m0), emptyRoot(N)) with m0 = VectorCommit(initialModel). */
export async function initialState(task: TaskParams, slots: number, initialModel: readonly bigint[]): Promise<bigint> {
  checkValues("initialModel", initialModel, initialModel.length);
  const m0 = await commitVector(initialModel, CONTRIBUTION_BITS);
  return stateHash(await taskHeader(task), m0, m0, await emptyRoot(slots));
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

const clamp = (x: bigint) => (x < VALUE_MIN ? VALUE_MIN : x > VALUE_MAX ? VALUE_MAX : x);
const slotMask = (slots: readonly number[], pick: readonly boolean[]) =>
  slots.reduce((a, slot, j) => (pick[j] ? a | (1n << BigInt(slot)) : a), 0n);

/**
 * Settles one round (spec steps 1-17): validates the input (including each given update against
 * its commitment), then computes the included set, the root update, the slashed set, the
 * root-trust rule (trust, exclusions, step, values and shares), the new model, reward tree and
 * state, and the circuit's public inputs.
 */
export async function settleRound(input: RoundInput): Promise<Settlement> {
  checkRoundInput(input);
  const { task, wOld, wPrev, cumOld, round, settler } = input;
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
  const prevModelCommitment = await commitVector(wPrev, CONTRIBUTION_BITS);
  const oldRewardRoot = await rewardRoot(cumOld);
  const oldState = await stateHash(header, oldModelCommitment, prevModelCommitment, oldRewardRoot);

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

  // (9) the root update (the owner's, at slot 0), the candidates and the previous public step.
  const isRoot = subs.map((s, j) => rule.rootUpdates && included[j] && s.slot === 0);
  const rootAt = isRoot.indexOf(true);
  const hasRoot = rootAt >= 0;
  const root = hasRoot ? [...u[rootAt]] : new Array<bigint>(p).fill(0n);
  const candidate = included.map((x, j) => x && !isRoot[j]);
  const previous = wOld.map((w, k) => clamp(w - wPrev[k]));

  // (10) duplicates among the candidates: both copies.
  const dup = commitments.map((c, j) => candidate[j] && commitments.some((d, i) => i !== j && candidate[i] && d === c));

  // (11) objective offences are slashed; the other candidates are the members.
  const norm = norm2.map((x) => x > rule.normBoundSq);
  const slashed = candidate.map((c, j) => c && (norm[j] || dup[j]));
  const member = candidate.map((c, j) => c && !slashed[j]);

  // (12) the round's reward.
  const R = roundReward(config, round);

  // (13) the root-trust rule over the N positions (padding: zeros, never a member).
  const pad = <T>(xs: readonly T[], fill: T): T[] => [...xs, ...new Array<T>(n - xs.length).fill(fill)];
  const trust = rootTrust(
    {
      updates: [...u, ...Array.from({ length: n - count }, () => new Array<bigint>(p).fill(0n))],
      member: pad(member, false),
      hasRoot,
      root,
      previous,
      margin: rule.trustMargin,
      reward: R,
    },
    CONTRIBUTION_BITS,
  );
  const flags: SubmissionFlags[] = u.map((_, j) => ({
    included: included[j],
    root: isRoot[j],
    norm: norm[j],
    dup: dup[j],
    slashed: slashed[j],
    excluded: trust.excluded[j],
    inlier: trust.inlier[j],
  }));
  const nIn = flags.filter((f) => f.inlier).length;

  // (14) the masks.
  const slotList = subs.map((s) => s.slot);
  const includedMask = slotMask(slotList, included);
  const excludedMask = slotMask(
    slotList,
    flags.map((f) => f.excluded),
  );
  const slashedMask = slotMask(slotList, slashed);
  const masks = packMasks({ includedMask, excludedMask, slashedMask });

  // (15) the new model.
  const wNew = wOld.map((w, k) => clamp(w + trust.step[k]));
  const newModelCommitment = await commitVector(wNew, CONTRIBUTION_BITS);

  // (16) reward leaves, root and the new state (whose previous model is wOld).
  const shares = trust.share.slice(0, count);
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
  const newState = await stateHash(header, newModelCommitment, oldModelCommitment, newRewardRoot);

  // (17) the settler, checked below 2^160 with the input.
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
      trust: trust.trust.slice(0, count),
      values: trust.value.slice(0, count),
      weights: trust.weight.slice(0, count),
      flags,
      step: trust.step,
      hasRoot,
      nIncl,
      nIn,
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
      prevModelCommitment,
      oldRewardRoot,
      oldState,
      commitments,
      accChain,
      included,
      updates: u,
      norm2,
      root,
      previous,
      sortedNorm2: trust.sortedNorm2,
      rule: trust,
    },
  };
}

/** The circuit's public signals, in order: [acc, newState, modelCommitment, rewardRoot, masks, settler]. */
export function publicSignals(s: Settlement): bigint[] {
  const x = s.publicInputs;
  return [x.acc, x.newState, x.modelCommitment, x.rewardRoot, x.masks, x.settler];
}
