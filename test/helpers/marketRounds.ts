import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, keccak256, type Contract, type ContractTransactionResponse, type EventLog } from "ethers";
import { PROOF, SLOT_CAPACITY } from "./marketFixtures";
import type { RoundInfoOnChain, SettlementResultOnChain, TaskParamsOnChain } from "../../oracle/contribution/history";
import { configPacked, modelsOf, rewardTree, stateOf, taskHeader, type RewardTree } from "./rewardTree";

// The round protocol of the TrainingMarket, written out for the tests: task hashes, commit hashes,
// the phase clock and settlement results (ITrainingMarket's NatSpec is the spec).

/** ITrainingMarket.TaskParams (the oracle's decoding of the struct). */
export type TaskParams = TaskParamsOnChain;

/** TaskParams in struct order, as the TaskCreated event carries them. */
export const paramsTuple = (p: TaskParams) => [
  p.initModelCommitment,
  p.initModelURI,
  p.numRounds,
  p.maxTrainers,
  p.startTime,
  p.commitWindow,
  p.revealWindow,
  p.settlementWindow,
  p.challengeWindow,
  p.minStake,
  p.slashAmount,
  p.noShowPenalty,
  p.budget,
  p.settlementFee,
  p.normBoundSq,
  p.trustMargin,
  p.rootUpdates,
];

// Packing and state are computed here rather than with the oracle's reference functions, so the
// contract tests pin the contract's own formulas (ITrainingMarket's NatSpec).

/** ruleParams = normBoundSq + trustMargin * 2^80 + rootUpdates * 2^97. */
export function ruleParams(p: Pick<TaskParams, "normBoundSq" | "trustMargin" | "rootUpdates">): bigint {
  return p.normBoundSq + (p.trustMargin << 80n) + ((p.rootUpdates ? 1n : 0n) << 97n);
}

/**
 * The task header Poseidon(context, taskId, configPacked, ruleParams) and
 * state_0 = Poseidon(header, Poseidon(initModel, initModel), emptyRoot).
 */
export async function taskHashes(context: bigint, taskId: bigint, p: TaskParams, emptyRoot: bigint) {
  const header = await taskHeader(context, taskId, configPacked(p), ruleParams(p));
  const models = await modelsOf(p.initModelCommitment, p.initModelCommitment);
  return { header, models, state: await stateOf(header, models, emptyRoot) };
}

/**
 * The model commitment of the task's current state, which the current round starts from: the
 * model of the final proposal whose new state is the state (as `task` reports it now), else the
 * initial model.
 */
export async function currentModel(market: Contract, taskId: bigint): Promise<bigint> {
  const state = (await market.task(taskId)).state as bigint;
  const proposals = (await market.queryFilter(market.filters.RoundProposed(taskId))) as EventLog[];
  for (const e of proposals.reverse()) {
    const r = e.args.result as SettlementResult;
    if (r.newState === state) return r.modelCommitment;
  }
  const [created] = (await market.queryFilter(market.filters.TaskCreated(taskId))) as EventLog[];
  return (created.args.params as TaskParams).initModelCommitment;
}

/** keccak256(abi.encode(chainId, market, taskId, round, trainer, commitment, salt)). */
export function commitHash(
  chainId: bigint,
  market: string,
  taskId: bigint,
  round: bigint,
  trainer: string,
  commitment: bigint,
  salt: string,
): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint256", "uint64", "address", "uint256", "bytes32"],
      [chainId, market, taskId, round, trainer, commitment, salt],
    ),
  );
}

/** A deterministic salt per trainer and round. */
export function saltFor(trainer: string, round: bigint): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["string", "address", "uint64"], ["salt", trainer, round]));
}

/** The vault offence id of a slot's offence in a round: keccak256(abi.encode(taskId, round, slot)). */
export const offenceId = (taskId: bigint, round: bigint, slot: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "uint256"], [taskId, round, slot]));

/** The current round of a task as `roundInfo` reports it (without the pending proposal's result). */
export type Phases = Omit<RoundInfoOnChain, "proposal">;

export async function phases(market: Contract, taskId: bigint): Promise<Phases> {
  const r = await market.roundInfo(taskId);
  return {
    round: r.round,
    startedAt: r.startedAt,
    commitEnd: r.commitEnd,
    revealEnd: r.revealEnd,
    settlementDeadline: r.settlementDeadline,
    committedMask: r.committedMask,
    revealedMask: r.revealedMask,
    acc: r.acc,
    reward: r.reward,
    settler: r.settler,
    proposedAt: r.proposedAt,
    finalAt: r.finalAt,
  };
}

/** Makes the next block land at `ts`, or as soon after as possible if that is already past. */
export async function at(ts: bigint): Promise<void> {
  if (BigInt(await time.latest()) < ts) await time.setNextBlockTimestamp(ts);
}

/** Pins the next block `secondsFromNow` ahead and returns its timestamp. */
export async function atNextBlock(secondsFromNow = 10n): Promise<bigint> {
  const ts = BigInt(await time.latest()) + secondsFromNow;
  await time.setNextBlockTimestamp(ts);
  return ts;
}

/** Moves time so the next block opens the reveal window of the current round. */
export async function toReveal(market: Contract, taskId: bigint): Promise<Phases> {
  const p = await phases(market, taskId);
  await at(p.commitEnd);
  return p;
}

/** Moves time so the next block opens the settlement window of the current round. */
export async function toSettle(market: Contract, taskId: bigint): Promise<Phases> {
  const p = await phases(market, taskId);
  await at(p.revealEnd);
  return p;
}

/** Moves time to the end of the pending proposal's challenge window (the next block finalizes it). */
export async function toFinal(market: Contract, taskId: bigint): Promise<Phases> {
  const p = await phases(market, taskId);
  if (p.proposedAt === 0n) throw new Error(`task ${taskId} round ${p.round} has no pending proposal`);
  await at(p.finalAt);
  return p;
}

/** A trainer's update for a round. */
export interface Submission {
  signer: HardhatEthersSigner;
  commitment: bigint;
  salt?: string;
  uri?: string;
}

const as = (c: Contract, s: HardhatEthersSigner) => c.connect(s) as Contract;

/** Commits each submission in the current round (in its commit window, which must be open). */
export async function commitAll(market: Contract, taskId: bigint, subs: readonly Submission[]): Promise<void> {
  const round = (await phases(market, taskId)).round;
  for (const s of subs) {
    const salt = s.salt ?? saltFor(s.signer.address, round);
    await as(market, s.signer).commitUpdate(taskId, round, await market.commitHashOf(taskId, round, s.signer.address, s.commitment, salt));
  }
}

/** Reveals each submission in the current round (the reveal window must be open); returns the accumulator. */
export async function revealAll(market: Contract, taskId: bigint, subs: readonly Submission[]): Promise<bigint> {
  const round = (await phases(market, taskId)).round;
  for (const s of subs) {
    const salt = s.salt ?? saltFor(s.signer.address, round);
    await as(market, s.signer).revealUpdate(taskId, round, s.commitment, salt, s.uri ?? `store://u-${round}-${s.signer.address}`);
  }
  return (await phases(market, taskId)).acc;
}

/**
 * Commits `committers` (now, in the commit window; before the start it waits for the start), moves
 * to the reveal window and reveals `revealers` (default: all of them); returns the round's phases after.
 */
export async function commitAndReveal(
  market: Contract,
  taskId: bigint,
  committers: readonly Submission[],
  revealers: readonly Submission[] = committers,
): Promise<Phases> {
  await at((await phases(market, taskId)).startedAt);
  await commitAll(market, taskId, committers);
  await toReveal(market, taskId);
  await revealAll(market, taskId, revealers);
  return phases(market, taskId);
}

/** ITrainingMarket.SettlementResult. */
export type SettlementResult = SettlementResultOnChain;

/** A settlement result with the reward tree and models it commits to. */
export interface Settlement {
  result: SettlementResult;
  tree: RewardTree;
  cum: bigint[];
  /** The new model commitment. */
  model: bigint;
  /** The model the round started from. */
  prevModel: bigint;
  /** Poseidon(model, prevModel): the state's middle preimage, what `claim` takes. */
  models: bigint;
}

/** Masks as slot lists or bit masks. */
type Mask = bigint | readonly number[];
export const maskOf = (m: Mask): bigint => (typeof m === "bigint" ? m : m.reduce((a, s) => a | (1n << BigInt(s)), 0n));

/**
 * The result with the new state Poseidon(header, Poseidon(model, prevModel), root of `cum` padded
 * to N leaves); `prevModel` is the model the round started from.
 */
export async function buildResult(
  header: bigint,
  o: { cum: readonly bigint[]; model: bigint; prevModel: bigint; included: Mask; excluded?: Mask; slashed?: Mask },
): Promise<Settlement> {
  const cum = [...o.cum, ...Array.from({ length: SLOT_CAPACITY - o.cum.length }, () => 0n)];
  const tree = await rewardTree(cum);
  const models = await modelsOf(o.model, o.prevModel);
  const result = {
    newState: await stateOf(header, models, tree.root),
    modelCommitment: o.model,
    rewardRoot: tree.root,
    includedMask: maskOf(o.included),
    excludedMask: maskOf(o.excluded ?? 0n),
    slashedMask: maskOf(o.slashed ?? 0n),
  };
  return { result, tree, cum, model: o.model, prevModel: o.prevModel, models };
}

/** SettlementResult in struct order. */
export const resultTuple = (r: SettlementResult) => [
  r.newState,
  r.modelCommitment,
  r.rewardRoot,
  r.includedMask,
  r.excludedMask,
  r.slashedMask,
];

/** The masks public input: included | excluded << 64 | slashed << 128. */
export const packedMasks = (r: SettlementResult) => r.includedMask | (r.excludedMask << 64n) | (r.slashedMask << 128n);

/** The proof in struct order, as RoundProposed carries it. */
export const proofTuple = () => [PROOF.a, PROOF.b, PROOF.c];

/** Sends `settleRound` for the current round (or `round`) as `settler`. */
export function propose(
  market: Contract,
  taskId: bigint,
  settler: HardhatEthersSigner,
  result: SettlementResult,
  round: bigint,
  modelURI = `store://model-${round + 1n}`,
): Promise<ContractTransactionResponse> {
  return as(market, settler).settleRound(taskId, round, result, modelURI, PROOF);
}
