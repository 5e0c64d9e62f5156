import type { Address, PublicClient } from "viem";
import { ZkMeritError } from "../errors";
import { DEFAULT_FIXED_POINT } from "../field";
import { decodeCommittedVector, type ContentStore } from "../store";
import type { TaskHistory } from "./history";
import { decodeRoundRecord, verifyRoundRecord, type RoundRecord } from "./records";
import { marketAbi } from "./history";

/** The task's current global model and cumulative rewards, checked against the chain. */
export interface TaskState {
  /** The round that produced this state (-1: the initial model). */
  fromRound: number;
  model: bigint[];
  cum: bigint[];
  modelCommitment: bigint;
  rewardRoot: bigint;
  state: bigint;
  record?: RoundRecord;
  uri: string;
}

/**
 * Loads the state a task is in after its last settled round (or its initial model), from the
 * content store, and checks it against the chain: for a settled round, the round record must
 * hash to the settled state; for the initial model, its commitment must match the task's.
 */
export async function loadTaskState(
  h: TaskHistory,
  store: ContentStore,
  shape: { slots: number; params: number },
  upToRound = Number.MAX_SAFE_INTEGER,
): Promise<TaskState> {
  let last: number | undefined;
  for (const [r, x] of h.rounds) if (x.settled && r < upToRound && (last === undefined || r > last)) last = r;
  if (last === undefined) {
    const uri = h.params.initModelURI;
    const p = await decodeCommittedVector(await store.get(uri), {
      kind: "model",
      length: shape.params,
      params: DEFAULT_FIXED_POINT,
      commitment: h.params.initModelCommitment,
      uri,
    });
    const cum = new Array<bigint>(shape.slots).fill(0n);
    const { rewardRoot, stateHash } = await import("./reference");
    const root = await rewardRoot(cum);
    const state = await stateHash(h.taskHeader, h.params.initModelCommitment, root);
    if (state !== h.initialState) {
      throw new ZkMeritError("COMMITMENT_MISMATCH", `initial state ${state} differs from the chain's ${h.initialState}`, {});
    }
    return { fromRound: -1, model: p.values, cum, modelCommitment: h.params.initModelCommitment, rewardRoot: root, state, uri };
  }
  const s = h.rounds.get(last)!.settled!;
  const record = decodeRoundRecord(await store.get(s.modelURI), s.modelURI);
  const { modelCommitment, rewardRoot } = await verifyRoundRecord(record, {
    taskHeader: h.taskHeader,
    state: s.newState,
    slots: shape.slots,
    params: shape.params,
    uri: s.modelURI,
  });
  return { fromRound: last, model: record.model, cum: record.cum, modelCommitment, rewardRoot, state: s.newState, record, uri: s.modelURI };
}

/** The market's slot capacity and the parameter count of its circuit (from the circuit name NxP). */
export async function marketShape(client: PublicClient, market: Address, circuit: string): Promise<{ slots: number; params: number }> {
  const slots = Number(await client.readContract({ address: market, abi: marketAbi(), functionName: "slotCapacity" }));
  const m = /_(\d+)x(\d+)$/.exec(circuit);
  if (!m || Number(m[1]) !== slots) {
    throw new ZkMeritError("ARTIFACT_MISMATCH", `circuit ${circuit} does not match the market's slot capacity ${slots}`, {
      circuit,
      slots,
    });
  }
  return { slots, params: Number(m[2]) };
}
