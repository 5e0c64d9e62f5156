import type { Abi, Address, Hash, PublicClient } from "viem";
import { decodeFunctionData } from "viem";
import { loadArtifact } from "../chain/artifacts";
import { ZkMeritError } from "../errors";

export const marketAbi = (): Abi => loadArtifact("TrainingMarket").abi;

export interface TaskParamsOnChain {
  initModelCommitment: bigint;
  initModelURI: string;
  numRounds: bigint;
  maxTrainers: bigint;
  startTime: bigint;
  submissionWindow: bigint;
  settlementWindow: bigint;
  minStake: bigint;
  slashAmount: bigint;
  budget: bigint;
  normBoundSq: bigint;
  outlierFactor: bigint;
}

export interface SubmissionEvent {
  round: number;
  slot: number;
  trainer: Address;
  commitment: bigint;
  uri: string;
  acc: bigint;
  txHash: Hash;
  blockNumber: bigint;
  logIndex: number;
}

export interface SettlementEvent {
  round: number;
  settler: Address;
  acc: bigint;
  newState: bigint;
  submittedMask: bigint;
  outlierBitmap: bigint;
  modelCommitment: bigint;
  rewardRoot: bigint;
  modelURI: string;
  txHash: Hash;
  blockNumber: bigint;
}

export interface TaskHistory {
  taskId: bigint;
  owner: Address;
  taskHeader: bigint;
  initialState: bigint;
  params: TaskParamsOnChain;
  createdBlock: bigint;
  members: Array<{ slot: number; trainer: Address }>;
  rounds: Map<number, { submissions: SubmissionEvent[]; settled?: SettlementEvent; expired?: { refunded: bigint; txHash: Hash } }>;
  slashes: Array<{ round: number; slot: number; trainer: Address; amount: bigint; txHash: Hash }>;
  claims: Array<{ trainer: Address; cumAmount: bigint; amount: bigint }>;
}

type Log = { args: Record<string, unknown>; transactionHash: Hash; blockNumber: bigint; logIndex: number };

/** Contract events in block chunks (public RPCs cap the range of one eth_getLogs). */
async function events(
  client: PublicClient,
  market: Address,
  eventName: string,
  taskId: bigint,
  fromBlock: bigint,
  toBlock: bigint,
  chunk: bigint,
): Promise<Log[]> {
  const out: Log[] = [];
  for (let from = fromBlock; from <= toBlock; from += chunk) {
    const to = from + chunk - 1n < toBlock ? from + chunk - 1n : toBlock;
    const logs = (await client.getContractEvents({
      address: market,
      abi: marketAbi(),
      eventName,
      args: { taskId },
      fromBlock: from,
      toBlock: to,
    })) as unknown as Log[];
    out.push(...logs);
  }
  return out.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
}

/** Replays a task's history from chain events (everything the oracle, trainers and auditors need). */
export async function readTaskHistory(
  client: PublicClient,
  market: Address,
  taskId: bigint,
  o: { fromBlock?: bigint; chunk?: bigint } = {},
): Promise<TaskHistory> {
  const toBlock = await client.getBlockNumber({ cacheTime: 0 });
  const fromBlock = o.fromBlock ?? 0n;
  const chunk = o.chunk ?? 50_000n;
  const ev = (name: string) => events(client, market, name, taskId, fromBlock, toBlock, chunk);
  const [created] = await ev("TaskCreated");
  if (!created)
    throw new ZkMeritError("CONFIG", `task ${taskId} does not exist on market ${market} (no TaskCreated event)`, {
      taskId: String(taskId),
    });
  const a = created.args;
  const h: TaskHistory = {
    taskId,
    owner: a.owner as Address,
    taskHeader: a.taskHeader as bigint,
    initialState: a.initialState as bigint,
    params: a.params as TaskParamsOnChain,
    createdBlock: created.blockNumber,
    members: (await ev("TrainerJoined")).map((l) => ({ slot: Number(l.args.slot), trainer: l.args.trainer as Address })),
    rounds: new Map(),
    slashes: [],
    claims: [],
  };
  const round = (r: number) => {
    let x = h.rounds.get(r);
    if (!x) h.rounds.set(r, (x = { submissions: [] }));
    return x;
  };
  for (const l of await ev("UpdateSubmitted")) {
    round(Number(l.args.round)).submissions.push({
      round: Number(l.args.round),
      slot: Number(l.args.slot),
      trainer: l.args.trainer as Address,
      commitment: l.args.commitment as bigint,
      uri: l.args.uri as string,
      acc: l.args.acc as bigint,
      txHash: l.transactionHash,
      blockNumber: l.blockNumber,
      logIndex: l.logIndex,
    });
  }
  for (const l of await ev("RoundSettled")) {
    const x = l.args;
    round(Number(x.round)).settled = {
      round: Number(x.round),
      settler: x.settler as Address,
      acc: x.acc as bigint,
      newState: x.newState as bigint,
      submittedMask: x.submittedMask as bigint,
      outlierBitmap: x.outlierBitmap as bigint,
      modelCommitment: x.modelCommitment as bigint,
      rewardRoot: x.rewardRoot as bigint,
      modelURI: x.modelURI as string,
      txHash: l.transactionHash,
      blockNumber: l.blockNumber,
    };
  }
  for (const l of await ev("RoundExpired"))
    round(Number(l.args.round)).expired = { refunded: l.args.refunded as bigint, txHash: l.transactionHash };
  for (const l of await ev("TrainerSlashed")) {
    h.slashes.push({
      round: Number(l.args.round),
      slot: Number(l.args.slot),
      trainer: l.args.trainer as Address,
      amount: l.args.amount as bigint,
      txHash: l.transactionHash,
    });
  }
  for (const l of await ev("RewardClaimed")) {
    h.claims.push({ trainer: l.args.trainer as Address, cumAmount: l.args.cumAmount as bigint, amount: l.args.amount as bigint });
  }
  return h;
}

/** The proof a settlement transaction carried, decoded from its calldata. */
export async function settlementProof(
  client: PublicClient,
  txHash: Hash,
): Promise<{
  a: readonly [bigint, bigint];
  b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  c: readonly [bigint, bigint];
}> {
  const tx = await client.getTransaction({ hash: txHash });
  const d = decodeFunctionData({ abi: marketAbi(), data: tx.input });
  if (d.functionName !== "settleRound") {
    throw new ZkMeritError("CONFIG", `transaction ${txHash} did not call settleRound directly (called ${d.functionName})`, { txHash });
  }
  const proof = (d.args as unknown[])[7] as { a: [bigint, bigint]; b: [[bigint, bigint], [bigint, bigint]]; c: [bigint, bigint] };
  return proof;
}
