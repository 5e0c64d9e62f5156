import {
  decodeEventLog,
  getContract,
  numberToHex,
  pad,
  type Address,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type DecodeEventLogReturnType,
  type Hash,
  type Hex,
  type PublicClient,
} from "viem";
import { logPass, trainingMarketAbi, type LogSource } from "../core";
import { ZkMeritError } from "../core";
import type { SolidityProof } from "../core";

/** The market's generated ABI (oracle/core/chain/abi): every read, write and event below is typed by it. */
export type MarketAbi = typeof trainingMarketAbi;

/** Typed reads of the market at `address` (`market.read.roundInfo([taskId])`). */
export function marketReader(client: PublicClient, address: Address) {
  return getContract({ address, abi: trainingMarketAbi, client });
}

/** What a view function of the market returns. */
export type MarketView<fn extends ContractFunctionName<MarketAbi, "view">> = ContractFunctionReturnType<MarketAbi, "view", fn>;

/** A market event, decoded: its name and its named, typed arguments. */
export type MarketEvent = DecodeEventLogReturnType<MarketAbi>;
export type MarketEventName = MarketEvent["eventName"];
type EventArgs<N extends MarketEventName> = Extract<MarketEvent, { eventName: N }>["args"];

/** ITrainingMarket.TaskParams as the chain returns it. */
export type TaskParamsOnChain = EventArgs<"TaskCreated">["params"];

/** ITrainingMarket.RoundInfo: a task's current round as `roundInfo` reports it (as of now). */
export type RoundInfoOnChain = MarketView<"roundInfo">;

/** ITrainingMarket.SettlementResult: what a proposal claims (all of it proven). */
export type SettlementResultOnChain = RoundInfoOnChain["proposal"];

interface Located {
  txHash: Hash;
  blockNumber: bigint;
  logIndex: number;
}

export interface CommitEvent extends Located {
  round: number;
  slot: number;
  trainer: Address;
  commitHash: Hash;
}

export interface RevealEvent extends Located {
  round: number;
  slot: number;
  trainer: Address;
  commitment: bigint;
  uri: string;
  acc: bigint;
}

export interface ProposalEvent extends Located {
  round: number;
  settler: Address;
  acc: bigint;
  result: SettlementResultOnChain;
  finalAt: bigint;
  replaced: boolean;
  modelURI: string;
  /** The proof, in verifier layout, exactly as the contract verified it (from the event, however the call was made). */
  proof: SolidityProof;
}

export interface FinalizedEvent extends Located {
  round: number;
  settler: Address;
  newState: bigint;
  rewarded: boolean;
  fee: bigint;
}

export interface RoundHistory {
  commits: CommitEvent[];
  /** Reveals in reveal order (the order of the accumulator). */
  reveals: RevealEvent[];
  /** Every proposal, in order; the last one before `finalized` is the one that became final. */
  proposals: ProposalEvent[];
  finalized?: FinalizedEvent;
  /** The proposal that became final (the last proposal, once the round is finalized). */
  final?: ProposalEvent;
  expired?: { refunded: bigint; txHash: Hash };
}

export interface TaskHistory {
  taskId: bigint;
  owner: Address;
  taskHeader: bigint;
  initialState: bigint;
  params: TaskParamsOnChain;
  createdBlock: bigint;
  members: Array<{ slot: number; trainer: Address }>;
  left: Array<{ slot: number; trainer: Address; round: number }>;
  rounds: Map<number, RoundHistory>;
  skipped: Array<{ fromRound: number; count: number }>;
  slashes: Array<{ round: number; slot: number; trainer: Address; amount: bigint; offence: "proven" | "no-show"; txHash: Hash }>;
  claims: Array<{ trainer: Address; cumAmount: bigint; amount: bigint }>;
}

type Log<N extends MarketEventName = MarketEventName> = Extract<MarketEvent, { eventName: N }> & {
  transactionHash: Hash;
  blockNumber: bigint;
  logIndex: number;
};

/** The market's logs of one task, decoded: taskId is the first indexed topic of every task event. */
async function taskLogs(source: LogSource, market: Address, taskId: bigint, fromBlock: bigint, chunk?: bigint): Promise<Log[]> {
  const pass = await logPass(source);
  const topic = pad(numberToHex(taskId), { size: 32 });
  const out: Log[] = [];
  for (const l of await pass.logs(market, fromBlock, { chunk })) {
    if (l.topics[1]?.toLowerCase() !== topic) continue;
    let ev: MarketEvent;
    try {
      ev = decodeEventLog({ abi: trainingMarketAbi, data: l.data, topics: l.topics as [Hex, ...Hex[]] });
    } catch {
      continue; // not one of this ABI's events
    }
    out.push({ ...ev, transactionHash: l.transactionHash, blockNumber: l.blockNumber, logIndex: l.logIndex });
  }
  return out;
}

const byPosition = (a: Located | Log, b: Located | Log) => {
  const ab = a.blockNumber;
  const bb = b.blockNumber;
  return ab === bb ? a.logIndex - b.logIndex : ab < bb ? -1 : 1;
};

const located = (l: Log): Located => ({ txHash: l.transactionHash, blockNumber: l.blockNumber, logIndex: l.logIndex });

function proofOf(p: EventArgs<"RoundProposed">["proof"]): SolidityProof {
  return {
    a: [p.a[0], p.a[1]],
    b: [
      [p.b[0][0], p.b[0][1]],
      [p.b[1][0], p.b[1][1]],
    ],
    c: [p.c[0], p.c[1]],
  };
}

/**
 * Replays a task's history from chain events (everything the oracle, trainers and auditors need).
 * The events come through the core's log reader (oracle/core/chain/logs.ts): one eth_getLogs per
 * block chunk for the whole market, shared by every task and job of a pass, and only the blocks
 * after the last read (`source` a client: its in-memory cache; a LogReader: its cache, on disk
 * for the CLI; a LogPass: the oracle tick's pass).
 */
export async function readTaskHistory(
  source: LogSource,
  market: Address,
  taskId: bigint,
  o: { fromBlock?: bigint; chunk?: bigint } = {},
): Promise<TaskHistory> {
  const all = await taskLogs(source, market, taskId, o.fromBlock ?? 0n, o.chunk);
  const ev = async <N extends MarketEventName>(name: N) => all.filter((l): l is Log<N> => l.eventName === name);
  const [created] = await ev("TaskCreated");
  if (!created)
    throw new ZkMeritError("CONFIG", `task ${taskId} does not exist on market ${market} (no TaskCreated event)`, {
      taskId: String(taskId),
    });
  const a = created.args;
  const h: TaskHistory = {
    taskId,
    owner: a.owner,
    taskHeader: a.taskHeader,
    initialState: a.initialState,
    params: a.params,
    createdBlock: created.blockNumber,
    members: (await ev("TrainerJoined")).map((l) => ({ slot: Number(l.args.slot), trainer: l.args.trainer })),
    left: (await ev("TrainerLeft")).map((l) => ({
      slot: Number(l.args.slot),
      trainer: l.args.trainer,
      round: Number(l.args.round),
    })),
    rounds: new Map(),
    skipped: (await ev("RoundsSkipped")).map((l) => ({ fromRound: Number(l.args.fromRound), count: Number(l.args.count) })),
    slashes: [],
    claims: [],
  };
  const round = (r: number) => {
    let x = h.rounds.get(r);
    if (!x) h.rounds.set(r, (x = { commits: [], reveals: [], proposals: [] }));
    return x;
  };
  for (const l of await ev("UpdateCommitted")) {
    round(Number(l.args.round)).commits.push({
      ...located(l),
      round: Number(l.args.round),
      slot: Number(l.args.slot),
      trainer: l.args.trainer,
      commitHash: l.args.commitHash,
    });
  }
  for (const l of await ev("UpdateRevealed")) {
    round(Number(l.args.round)).reveals.push({
      ...located(l),
      round: Number(l.args.round),
      slot: Number(l.args.slot),
      trainer: l.args.trainer,
      commitment: l.args.commitment,
      uri: l.args.uri,
      acc: l.args.acc,
    });
  }
  for (const l of await ev("RoundProposed")) {
    const x = l.args;
    round(Number(x.round)).proposals.push({
      ...located(l),
      round: Number(x.round),
      settler: x.settler,
      acc: x.acc,
      result: x.result,
      finalAt: x.finalAt,
      replaced: x.replaced,
      modelURI: x.modelURI,
      proof: proofOf(x.proof),
    });
  }
  for (const l of await ev("RoundFinalized")) {
    const x = l.args;
    const r = round(Number(x.round));
    r.finalized = {
      ...located(l),
      round: Number(x.round),
      settler: x.settler,
      newState: x.newState,
      rewarded: x.rewarded,
      fee: x.fee,
    };
    const before = r.proposals.filter((p) => byPosition(p, r.finalized!) < 0);
    r.final = before[before.length - 1];
  }
  for (const l of await ev("RoundExpired")) round(Number(l.args.round)).expired = { refunded: l.args.refunded, txHash: l.transactionHash };
  for (const l of await ev("TrainerSlashed")) {
    h.slashes.push({
      round: Number(l.args.round),
      slot: Number(l.args.slot),
      trainer: l.args.trainer,
      amount: l.args.amount,
      offence: Number(l.args.offence) === 0 ? "proven" : "no-show",
      txHash: l.transactionHash,
    });
  }
  for (const l of await ev("RewardClaimed")) {
    h.claims.push({ trainer: l.args.trainer, cumAmount: l.args.cumAmount, amount: l.args.amount });
  }
  return h;
}

/** The rounds finalized by a proof, in order. */
export function finalizedRounds(h: TaskHistory): number[] {
  return [...h.rounds.entries()]
    .filter(([, x]) => x.final)
    .map(([r]) => r)
    .sort((a, b) => a - b);
}
