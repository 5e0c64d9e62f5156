import type { Address, Hash } from "viem";
import { decodeEventLog } from "viem";
import { loadArtifact } from "../../oracle/chain/artifacts";
import type { Clients } from "../../oracle/chain/clients";
import { contractAddress, type Deployments } from "../../oracle/chain/deployments";
import { ZkMeritError } from "../../oracle/errors";
import { DEFAULT_FIXED_POINT, commitVector } from "../../oracle/field";
import { decodeCommittedVector, encodeVectorPayload, type ContentStore } from "../../oracle/store";
import { marketAbi, readTaskHistory, type TaskHistory } from "../../oracle/contribution/history";
import { loadTaskState, marketShape, type TaskState } from "../../oracle/contribution/taskstate";
import { rewardPath } from "../../oracle/contribution/reference";
import { trainRound, type Shard } from "../../oracle/contribution/trainer";
import { normBoundSqFromReal, outlierFactorToFixed, type AttackKind } from "../../oracle/contribution/model";
import { marketCircuit } from "./deploy";

/** Sends a write, waits, and turns a revert into an error naming the call and the custom error. */
export async function write(
  c: Clients,
  address: Address,
  contract: string,
  functionName: string,
  args: unknown[],
): Promise<{ hash: Hash; gasUsed: bigint; logs: readonly { data: `0x${string}`; topics: readonly `0x${string}`[] }[] }> {
  const abi = loadArtifact(contract).abi;
  let request;
  try {
    ({ request } = await c.publicClient.simulateContract({ address, abi, functionName, args, account: c.account }));
  } catch (e) {
    const err = e as { shortMessage?: string; message: string };
    throw new ZkMeritError("CONFIG", `${contract}.${functionName} would revert: ${err.shortMessage ?? err.message.split("\n")[0]}`, {});
  }
  const hash = await c.walletClient.writeContract(request);
  const r = await c.publicClient.waitForTransactionReceipt({ hash });
  if (r.status !== "success") throw new ZkMeritError("CONFIG", `${contract}.${functionName} reverted in ${hash}`, { hash });
  return { hash, gasUsed: r.gasUsed, logs: r.logs as never };
}

export async function read<T>(c: Clients, address: Address, contract: string, functionName: string, args: unknown[] = []): Promise<T> {
  return (await c.publicClient.readContract({ address, abi: loadArtifact(contract).abi, functionName, args })) as T;
}

export interface Ctx {
  c: Clients;
  d: Deployments;
  store: ContentStore;
}

const market = (x: Ctx) => contractAddress(x.d, "TrainingMarket");
const token = (x: Ctx) => contractAddress(x.d, "Token");
const vault = (x: Ctx) => contractAddress(x.d, "StakeVault");

export async function shapeOf(x: Ctx): Promise<{ circuit: string; slots: number; params: number }> {
  const circuit = marketCircuit(x.d);
  return { circuit, ...(await marketShape(x.c.publicClient, market(x), circuit)) };
}

export async function history(x: Ctx, taskId: bigint): Promise<TaskHistory> {
  return readTaskHistory(x.c.publicClient, market(x), taskId, { fromBlock: BigInt(x.d.startBlock) });
}

async function ensureAllowance(x: Ctx, spender: Address, amount: bigint): Promise<void> {
  const allowance = await read<bigint>(x.c, token(x), "TestToken", "allowance", [x.c.account.address, spender]);
  if (allowance < amount) await write(x.c, token(x), "TestToken", "approve", [spender, amount]);
}

export interface CreateTaskOptions {
  rounds: number;
  budget: bigint;
  minStake: bigint;
  slashAmount: bigint;
  maxTrainers: number;
  submissionWindow: number;
  settlementWindow: number;
  normBound: number;
  outlierFactor: number;
  /** The initial model (quantized); zeros when absent. */
  initialModel?: bigint[];
}

/** Task owner: stores the initial model, escrows the budget and creates the task. */
export async function createTask(x: Ctx, o: CreateTaskOptions): Promise<{ taskId: bigint; gasUsed: bigint; initModelURI: string }> {
  const { params } = await shapeOf(x);
  const model = o.initialModel ?? new Array<bigint>(params).fill(0n);
  if (model.length !== params)
    throw new ZkMeritError("CONFIG", `the initial model has ${model.length} parameters; the circuit takes ${params}`, {});
  const initModelURI = await x.store.put(encodeVectorPayload({ kind: "model", params: DEFAULT_FIXED_POINT, values: model }));
  const balance = await read<bigint>(x.c, token(x), "TestToken", "balanceOf", [x.c.account.address]);
  if (balance < o.budget) {
    throw new ZkMeritError(
      "CONFIG",
      `the budget ${o.budget} exceeds your token balance ${balance}; get tokens first (e.g. \`zkmerit faucet\`)`,
      {},
    );
  }
  await ensureAllowance(x, market(x), o.budget);
  const r = await write(x.c, market(x), "TrainingMarket", "createTask", [
    {
      initModelCommitment: await commitVector(model, DEFAULT_FIXED_POINT.bits),
      initModelURI,
      numRounds: BigInt(o.rounds),
      maxTrainers: BigInt(o.maxTrainers),
      startTime: 0n,
      submissionWindow: BigInt(o.submissionWindow),
      settlementWindow: BigInt(o.settlementWindow),
      minStake: o.minStake,
      slashAmount: o.slashAmount,
      budget: o.budget,
      normBoundSq: normBoundSqFromReal(o.normBound),
      outlierFactor: outlierFactorToFixed(o.outlierFactor),
    },
  ]);
  for (const l of r.logs) {
    try {
      const ev = decodeEventLog({ abi: marketAbi(), data: l.data, topics: l.topics as [`0x${string}`, ...`0x${string}`[]] });
      if (ev.eventName === "TaskCreated")
        return { taskId: (ev.args as unknown as { taskId: bigint }).taskId, gasUsed: r.gasUsed, initModelURI };
    } catch {
      // another contract's log (token transfer)
    }
  }
  throw new ZkMeritError("CONFIG", "createTask emitted no TaskCreated event", {});
}

/** Trainer: stakes what is missing in the vault, then joins the task (locking minStake). */
export async function joinTask(x: Ctx, taskId: bigint): Promise<{ slot: number; gasUsed: bigint; stakeGas?: bigint }> {
  const t = await read<{ minStake: bigint; members: bigint; maxTrainers: bigint }>(x.c, market(x), "TrainingMarket", "task", [taskId]);
  const s = await read<{ free: bigint }>(x.c, vault(x), "StakeVault", "stakeOf", [x.c.account.address]);
  let stakeGas: bigint | undefined;
  if (s.free < t.minStake) {
    const need = t.minStake - s.free;
    await ensureAllowance(x, vault(x), need);
    stakeGas = (await write(x.c, vault(x), "StakeVault", "stake", [need])).gasUsed;
  }
  const r = await write(x.c, market(x), "TrainingMarket", "join", [taskId]);
  const m = await read<{ slot: number }>(x.c, market(x), "TrainingMarket", "member", [taskId, x.c.account.address]);
  return { slot: Number(m.slot), gasUsed: r.gasUsed, stakeGas };
}

export interface SubmitOptions {
  shard: Shard;
  seed: number;
  attack?: AttackKind;
  /** For a copy attack: the slot whose update (this round) to copy. */
  copySlot?: number;
}

/** Trainer: fetches the current global model, trains one round on its shard and submits the update. */
export async function trainAndSubmit(
  x: Ctx,
  taskId: bigint,
  o: SubmitOptions,
): Promise<{ round: number; slot: number; commitment: bigint; uri: string; gasUsed: bigint; state: TaskState }> {
  const shape = await shapeOf(x);
  const me = await read<{ joined: boolean; slot: number }>(x.c, market(x), "TrainingMarket", "member", [taskId, x.c.account.address]);
  if (!me.joined)
    throw new ZkMeritError(
      "CONFIG",
      `${x.c.account.address} has not joined task ${taskId}; run \`zkmerit trainer join --task ${taskId}\``,
      {},
    );
  const ri = await read<{ round: bigint; startedAt: bigint; submissionEnd: bigint }>(x.c, market(x), "TrainingMarket", "roundInfo", [
    taskId,
  ]);
  const now = (await x.c.publicClient.getBlock()).timestamp;
  if (now >= ri.submissionEnd) {
    throw new ZkMeritError(
      "CONFIG",
      `round ${ri.round} of task ${taskId} stopped taking submissions at ${ri.submissionEnd} (chain time is ${now}); wait for the next round`,
      {},
    );
  }
  const h = await history(x, taskId);
  const state = await loadTaskState(h, x.store, shape);
  let copyOf: bigint[] | undefined;
  if (o.attack === "copy") {
    const src = h.rounds.get(Number(ri.round))?.submissions.find((s) => s.slot === o.copySlot);
    if (!src) throw new ZkMeritError("CONFIG", `slot ${o.copySlot} has not submitted in round ${ri.round} yet: nothing to copy`, {});
    copyOf = (
      await decodeCommittedVector(await x.store.get(src.uri), {
        kind: "update",
        length: shape.params,
        params: DEFAULT_FIXED_POINT,
        commitment: src.commitment,
      })
    ).values;
  }
  const update = trainRound(state.model, { shard: o.shard, seed: o.seed, attack: o.attack, copyOf });
  return { ...(await submitVector(x, taskId, Number(ri.round), update, { slot: Number(me.slot) })), state };
}

/** Stores a quantized update in the content store and submits its commitment for `round`. */
export async function submitVector(
  x: Ctx,
  taskId: bigint,
  round: number,
  update: readonly bigint[],
  meta: { slot: number },
): Promise<{ round: number; slot: number; commitment: bigint; uri: string; gasUsed: bigint }> {
  const uri = await x.store.put(
    encodeVectorPayload({
      kind: "update",
      params: DEFAULT_FIXED_POINT,
      values: [...update],
      meta: { taskId: String(taskId), round, slot: meta.slot },
    }),
  );
  const commitment = await commitVector(update, DEFAULT_FIXED_POINT.bits);
  const r = await write(x.c, market(x), "TrainingMarket", "submitUpdate", [taskId, BigInt(round), commitment, uri]);
  return { round, slot: meta.slot, commitment, uri, gasUsed: r.gasUsed };
}

/** Trainer: claims its cumulative reward against the current state (Merkle path from the round record). */
export async function claimReward(x: Ctx, taskId: bigint): Promise<{ amount: bigint; cumAmount: bigint; gasUsed: bigint }> {
  const shape = await shapeOf(x);
  const me = await read<{ joined: boolean; slot: number }>(x.c, market(x), "TrainingMarket", "member", [taskId, x.c.account.address]);
  if (!me.joined) throw new ZkMeritError("CONFIG", `${x.c.account.address} is not a member of task ${taskId}`, {});
  const state = await loadTaskState(await history(x, taskId), x.store, shape);
  const slot = Number(me.slot);
  const claimed = await read<bigint>(x.c, market(x), "TrainingMarket", "claimed", [taskId, x.c.account.address]);
  const cumAmount = state.cum[slot];
  if (cumAmount <= claimed) return { amount: 0n, cumAmount, gasUsed: 0n };
  const path = await rewardPath(state.cum, slot);
  const r = await write(x.c, market(x), "TrainingMarket", "claim", [taskId, cumAmount, path.siblings, state.modelCommitment]);
  return { amount: cumAmount - claimed, cumAmount, gasUsed: r.gasUsed };
}

export async function releaseStake(x: Ctx, taskId: bigint, trainer: Address): Promise<bigint> {
  return (await write(x.c, market(x), "TrainingMarket", "releaseStake", [taskId, trainer])).gasUsed;
}

export async function reclaimEscrow(x: Ctx, taskId: bigint): Promise<{ amount: bigint; gasUsed: bigint }> {
  const amount = await read<bigint>(x.c, market(x), "TrainingMarket", "refundable", [taskId]);
  if (amount === 0n) return { amount, gasUsed: 0n };
  return { amount, gasUsed: (await write(x.c, market(x), "TrainingMarket", "reclaim", [taskId])).gasUsed };
}
