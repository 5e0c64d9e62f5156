import { poseidon } from "../../oracle/core/field";

// The Module 1 hashing, written out for the contract tests (the spec's "Task header, state,
// accumulator" section): the task header, the state, the submission accumulator and the reward tree.

/** configPacked = budget + numRounds * 2^128 + maxTrainers * 2^144. */
export function configPacked(c: { budget: bigint; numRounds: bigint; maxTrainers: bigint }): bigint {
  return c.budget + (c.numRounds << 128n) + (c.maxTrainers << 144n);
}

/** taskHeader = Poseidon(context, taskId, configPacked, ruleParams). */
export function taskHeader(context: bigint, taskId: bigint, packed: bigint, ruleParams: bigint): Promise<bigint> {
  return poseidon([context, taskId, packed, ruleParams]);
}

/**
 * models = Poseidon(modelCommitment, prevModelCommitment): the model and the one before the last
 * settled step (at creation both are the initial model).
 */
export function modelsOf(modelCommitment: bigint, prevModelCommitment: bigint): Promise<bigint> {
  return poseidon([modelCommitment, prevModelCommitment]);
}

/** state = Poseidon(taskHeader, models, rewardRoot), with models from `modelsOf`. */
export function stateOf(header: bigint, models: bigint, rewardRoot: bigint): Promise<bigint> {
  return poseidon([header, models, rewardRoot]);
}

/** One accumulator step: Poseidon(acc, round * 2^16 + slot, commitment). */
export function accStep(acc: bigint, round: bigint, slot: bigint, commitment: bigint): Promise<bigint> {
  return poseidon([acc, (round << 16n) + slot, commitment]);
}

/** A binary Poseidon Merkle tree over the cumulative rewards of N slots; levels[0] are the leaves. */
export interface RewardTree {
  levels: bigint[][];
  root: bigint;
}

/** The reward tree of `cum` (N = cum.length leaves, a power of two); node = Poseidon(left, right). */
export async function rewardTree(cum: readonly bigint[]): Promise<RewardTree> {
  const n = cum.length;
  if (n < 2 || (n & (n - 1)) !== 0) throw new RangeError(`a reward tree needs a power-of-two number of leaves >= 2, got ${n}`);
  const levels: bigint[][] = [[...cum]];
  while (levels[levels.length - 1].length > 1) {
    const prev = levels[levels.length - 1];
    const next: bigint[] = [];
    for (let i = 0; i < prev.length; i += 2) next.push(await poseidon([prev[i], prev[i + 1]]));
    levels.push(next);
  }
  return { levels, root: levels[levels.length - 1][0] };
}

/** The siblings of leaf `slot`, level 0 first (bit t of the slot says it is a right child at level t). */
export function rewardPath(tree: RewardTree, slot: number): bigint[] {
  const path: bigint[] = [];
  let i = slot;
  for (let t = 0; t < tree.levels.length - 1; t++) {
    path.push(tree.levels[t][i ^ 1]);
    i >>= 1;
  }
  return path;
}

/** The root recomputed from a leaf and its path (mirrors the contract's claim check). */
export async function rootFromPath(slot: number, leaf: bigint, path: readonly bigint[]): Promise<bigint> {
  let node = leaf;
  for (let t = 0; t < path.length; t++) {
    node = ((slot >> t) & 1) === 0 ? await poseidon([node, path[t]]) : await poseidon([path[t], node]);
  }
  return node;
}

/** The root of N zero leaves. */
export async function emptyRoot(n: number): Promise<bigint> {
  return (await rewardTree(Array.from({ length: n }, () => 0n))).root;
}
