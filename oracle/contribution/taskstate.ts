import type { Address, PublicClient } from "viem";
import { circuitArtifacts } from "../core";
import { ZkMeritError } from "../core";
import { DEFAULT_FIXED_POINT, proofContext } from "../core";
import { decodeCommittedVector, fetchWithin, type ContentStore } from "../core";
import { finalizedRounds, marketReader, type RevealEvent, type TaskHistory } from "./history";
import { decodeRoundRecord, encodeRoundRecord, verifyRoundRecord, type RoundRecord } from "./records";
import { accStep, rewardRoot, settleRound, stateHash, type RoundInput, type Settlement, type TaskParams } from "./reference";

/** Where a task lives and how to read its content: what every reader of a task's state needs. */
export interface ChainContext {
  chainId: number;
  market: Address;
  store: ContentStore;
  shape: { slots: number; params: number };
  /** Longest wait for one payload from the store (ms); a slower payload counts as unavailable. */
  fetchTimeoutMs?: number;
  /** Told when a round record had to be rebuilt from the revealed content. */
  onRecovered?: (round: number, why: string, uri: string) => void;
}

/** The task's current global model and cumulative rewards, checked against the chain. */
export interface TaskState {
  /** The round that produced this state (-1: the initial model). */
  fromRound: number;
  model: bigint[];
  /** The model before it (the initial model itself before any settlement). */
  prevModel: bigint[];
  cum: bigint[];
  modelCommitment: bigint;
  prevModelCommitment: bigint;
  rewardRoot: bigint;
  state: bigint;
  record?: RoundRecord;
  /** Where the state's model is stored (the round record, or the initial model). */
  uri: string;
  /** Whether the record was rebuilt from revealed content (the proposal named a missing or wrong one). */
  recovered?: boolean;
}

const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

/** The reference's task parameters from the chain's TaskCreated event. */
export function taskParamsOf(ctx: ChainContext, h: TaskHistory): TaskParams {
  const pr = h.params;
  return {
    context: proofContext(ctx.chainId, ctx.market),
    taskId: h.taskId,
    config: { budget: pr.budget, numRounds: Number(pr.numRounds), maxTrainers: Number(pr.maxTrainers) },
    rule: { normBoundSq: pr.normBoundSq, trustMargin: pr.trustMargin, rootUpdates: pr.rootUpdates },
  };
}

/**
 * A reveal's update from the store, checked against its commitment, or why it is unavailable
 * (missing, late, malformed, or not what was committed: all the same to the rule, which leaves it out).
 */
export async function fetchUpdate(
  ctx: ChainContext,
  s: RevealEvent,
): Promise<{ update: bigint[]; reason?: undefined } | { update?: undefined; reason: string }> {
  try {
    const bytes = await fetchWithin(ctx.store, s.uri, ctx.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS);
    const p = await decodeCommittedVector(bytes, {
      kind: "update",
      length: ctx.shape.params,
      params: DEFAULT_FIXED_POINT,
      commitment: s.commitment,
      uri: s.uri,
    });
    return { update: p.values };
  } catch (e) {
    return { reason: (e as Error).message.split("\n")[0] };
  }
}

/**
 * The reference input of a round from the chain's history and the content store: the state before
 * the round (checked against the chain) and every reveal in reveal order, with its update when
 * `include(slot)` and the content is available. The accumulator the chain recorded is recomputed
 * as a check. `unavailable` lists the reveals left out for want of content.
 */
export async function roundInput(
  ctx: ChainContext,
  h: TaskHistory,
  round: number,
  o: { settler: Address; include?: (slot: number) => boolean; prev?: TaskState },
): Promise<{ input: RoundInput; unavailable: Array<{ slot: number; reason: string }> }> {
  const reveals = h.rounds.get(round)?.reveals ?? [];
  if (reveals.length === 0) throw new ZkMeritError("CONTRIBUTION_INPUT", `task ${h.taskId} round ${round} has no reveals`, {});
  const prev = o.prev ?? (await loadTaskState(ctx, h, round));
  let acc = prev.state;
  const submissions = [];
  const unavailable: Array<{ slot: number; reason: string }> = [];
  for (const s of reveals) {
    acc = await accStep(acc, round, s.slot, s.commitment);
    if (acc !== s.acc) {
      throw new ZkMeritError(
        "COMMITMENT_MISMATCH",
        `task ${h.taskId} round ${round}: accumulator after slot ${s.slot} is ${s.acc} on-chain, ${acc} recomputed`,
        {},
      );
    }
    if (o.include && !o.include(s.slot)) {
      submissions.push({ slot: s.slot, commitment: s.commitment });
      continue;
    }
    const got = await fetchUpdate(ctx, s);
    if (got.update) submissions.push({ slot: s.slot, commitment: s.commitment, update: got.update });
    else {
      unavailable.push({ slot: s.slot, reason: got.reason });
      submissions.push({ slot: s.slot, commitment: s.commitment });
    }
  }
  return {
    input: {
      slots: ctx.shape.slots,
      task: taskParamsOf(ctx, h),
      wOld: prev.model,
      wPrev: prev.prevModel,
      cumOld: prev.cum,
      round,
      submissions,
      settler: BigInt(o.settler),
    },
    unavailable,
  };
}

/** The round record of a settlement computed by the reference. */
export function recordOf(taskId: bigint, s: Settlement): RoundRecord {
  const r = s.results;
  return {
    taskId,
    round: s.input.round,
    bits: DEFAULT_FIXED_POINT.bits,
    fracBits: DEFAULT_FIXED_POINT.fracBits,
    model: r.wNew,
    prevModel: [...s.input.wOld],
    cum: r.cumNew,
    submissions: s.input.submissions.map((x, j) => ({
      slot: x.slot,
      commitment: x.commitment,
      share: r.shares[j],
      trust: r.trust[j],
      value: r.values[j],
      flags: {
        included: r.flags[j].included,
        root: r.flags[j].root,
        norm: r.flags[j].norm,
        dup: r.flags[j].dup,
        slashed: r.flags[j].slashed,
        excluded: r.flags[j].excluded,
      },
    })),
  };
}

/**
 * Loads the state a task is in after its last finalized round before `upToRound` (or its initial
 * model), checked against the chain. The proposal's round record is only a hint: when it is
 * missing, malformed or does not hash to the proven state, the round is recomputed from the
 * revealed content with the proposal's included set (the state before it loaded the same way),
 * checked against the proven state and republished to the store.
 */
export async function loadTaskState(ctx: ChainContext, h: TaskHistory, upToRound = Number.MAX_SAFE_INTEGER): Promise<TaskState> {
  const rounds = finalizedRounds(h).filter((r) => r < upToRound);
  const last = rounds[rounds.length - 1];
  if (last === undefined) return initialTaskState(ctx, h);
  const final = h.rounds.get(last)!.final!;
  const proven = final.result.newState;
  const expect = { taskHeader: h.taskHeader, state: proven, slots: ctx.shape.slots, params: ctx.shape.params, uri: final.modelURI };
  let why: string;
  try {
    const bytes = await fetchWithin(ctx.store, final.modelURI, ctx.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS);
    const record = decodeRoundRecord(bytes, final.modelURI);
    const { modelCommitment, prevModelCommitment, rewardRoot: root } = await verifyRoundRecord(record, expect);
    return {
      fromRound: last,
      model: record.model,
      prevModel: record.prevModel,
      cum: record.cum,
      modelCommitment,
      prevModelCommitment,
      rewardRoot: root,
      state: proven,
      record,
      uri: final.modelURI,
    };
  } catch (e) {
    why = (e as Error).message.split("\n")[0];
  }
  // Rebuild: the proof fixed the included set, and the rule is a function of it.
  const prev = await loadTaskState(ctx, h, last);
  const included = final.result.includedMask;
  const { input, unavailable } = await roundInput(ctx, h, last, {
    settler: final.settler,
    include: (slot) => ((included >> BigInt(slot)) & 1n) === 1n,
    prev,
  });
  if (unavailable.length > 0) {
    throw new ZkMeritError(
      "STORE_UNAVAILABLE",
      `task ${h.taskId} round ${last}: the round record ${final.modelURI} is unusable (${why}) and it cannot be rebuilt: ` +
        `${unavailable.map((u) => `slot ${u.slot}: ${u.reason}`).join("; ")}`,
      { round: last },
    );
  }
  const s = await settleRound(input);
  if (s.results.newState !== proven) {
    throw new ZkMeritError(
      "COMMITMENT_MISMATCH",
      `task ${h.taskId} round ${last}: rebuilt state ${s.results.newState} differs from the proven ${proven}`,
      {
        round: last,
      },
    );
  }
  const record = recordOf(h.taskId, s);
  const uri = await ctx.store.put(encodeRoundRecord(record));
  ctx.onRecovered?.(last, why, uri);
  return {
    fromRound: last,
    model: record.model,
    prevModel: record.prevModel,
    cum: record.cum,
    modelCommitment: s.results.newModelCommitment,
    prevModelCommitment: s.trace.oldModelCommitment,
    rewardRoot: s.results.newRewardRoot,
    state: proven,
    record,
    uri,
    recovered: true,
  };
}

async function initialTaskState(ctx: ChainContext, h: TaskHistory): Promise<TaskState> {
  const uri = h.params.initModelURI;
  const p = await decodeCommittedVector(await fetchWithin(ctx.store, uri, ctx.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS), {
    kind: "model",
    length: ctx.shape.params,
    params: DEFAULT_FIXED_POINT,
    commitment: h.params.initModelCommitment,
    uri,
  });
  const cum = new Array<bigint>(ctx.shape.slots).fill(0n);
  const root = await rewardRoot(cum);
  const m0 = h.params.initModelCommitment;
  const state = await stateHash(h.taskHeader, m0, m0, root);
  if (state !== h.initialState) {
    throw new ZkMeritError("COMMITMENT_MISMATCH", `initial state ${state} differs from the chain's ${h.initialState}`, {});
  }
  return {
    fromRound: -1,
    model: p.values,
    prevModel: p.values,
    cum,
    modelCommitment: m0,
    prevModelCommitment: m0,
    rewardRoot: root,
    state,
    uri,
  };
}

/**
 * The slot count N and parameter count P of a contribution circuit instance, from the manifest's
 * parameters (`Contribution(N, P, B)`), never from its name.
 */
export function contributionShape(circuit: string): { slots: number; params: number } {
  const e = circuitArtifacts(circuit);
  if (e.spec.template !== "Contribution" || e.spec.params.length !== 3) {
    throw new ZkMeritError(
      "CONFIG",
      `${circuit} is a ${e.spec.template}(${e.spec.params.join(", ")}) circuit, not a Contribution(N, P, B) one`,
      {
        circuit,
      },
    );
  }
  return { slots: Number(e.spec.params[0]), params: Number(e.spec.params[1]) };
}

/** The market's slot capacity and the parameter count of its circuit, checked against each other. */
export async function marketShape(client: PublicClient, market: Address, circuit: string): Promise<{ slots: number; params: number }> {
  const slots = Number(await marketReader(client, market).read.slotCapacity());
  const shape = contributionShape(circuit);
  if (shape.slots !== slots) {
    throw new ZkMeritError("ARTIFACT_MISMATCH", `circuit ${circuit} has ${shape.slots} slots, but the market's slot capacity is ${slots}`, {
      circuit,
      slots,
    });
  }
  return shape;
}
