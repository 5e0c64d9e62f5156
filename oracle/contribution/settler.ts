import type { Address, PublicClient } from "viem";
import { ZkMeritError } from "../errors";
import { DEFAULT_FIXED_POINT, proofContext } from "../field";
import { prove, toSolidityProof, type SolidityProof } from "../prover";
import { decodeCommittedVector, type ContentStore } from "../store";
import type { TaskHistory } from "./history";
import { encodeRoundRecord } from "./records";
import { accStep, settleRound, type RoundInput, type Settlement } from "./reference";
import { buildWitness } from "./witness";
import { loadTaskState } from "./taskstate";

export interface SettleContext {
  client: PublicClient;
  chainId: number;
  market: Address;
  store: ContentStore;
  /** Circuit instance name (contribution_NxP). */
  circuit: string;
  shape: { slots: number; params: number };
}

/** Everything a settlement transaction needs, ready to send (and to journal). */
export interface PreparedSettlement {
  taskId: bigint;
  round: number;
  acc: bigint;
  newState: bigint;
  outlierBitmap: bigint;
  modelCommitment: bigint;
  rewardRoot: bigint;
  modelURI: string;
  proof: SolidityProof;
  proveSeconds: number;
}

/**
 * The reference input of a round from the chain's history and the content store: the state before
 * the round (checked against the chain), and every submitted update (checked against its
 * commitment), in submission order. The accumulator the chain recorded is recomputed as a check.
 */
export async function roundInput(ctx: SettleContext, h: TaskHistory, round: number): Promise<RoundInput> {
  const subs = h.rounds.get(round)?.submissions ?? [];
  if (subs.length === 0) throw new ZkMeritError("CONTRIBUTION_INPUT", `task ${h.taskId} round ${round} has no submissions`, {});
  const prev = await loadTaskState(h, ctx.store, ctx.shape, round);
  let acc = prev.state;
  const submissions = [];
  for (const s of subs) {
    acc = await accStep(acc, round, s.slot, s.commitment);
    if (acc !== s.acc) {
      throw new ZkMeritError(
        "COMMITMENT_MISMATCH",
        `task ${h.taskId} round ${round}: accumulator after slot ${s.slot} is ${s.acc} on-chain, ${acc} recomputed`,
        {},
      );
    }
    const p = await decodeCommittedVector(await ctx.store.get(s.uri), {
      kind: "update",
      length: ctx.shape.params,
      params: DEFAULT_FIXED_POINT,
      commitment: s.commitment,
      uri: s.uri,
    });
    submissions.push({ slot: s.slot, update: p.values });
  }
  const pr = h.params;
  return {
    slots: ctx.shape.slots,
    task: {
      context: proofContext(ctx.chainId, ctx.market),
      taskId: h.taskId,
      config: { budget: pr.budget, numRounds: Number(pr.numRounds), maxTrainers: Number(pr.maxTrainers), outlierFactor: pr.outlierFactor },
      normBoundSq: pr.normBoundSq,
    },
    wOld: prev.model,
    cumOld: prev.cum,
    round,
    submissions,
  };
}

/** Computes the round with the reference, publishes the round record, and proves it. */
export async function prepareSettlement(
  ctx: SettleContext,
  h: TaskHistory,
  round: number,
): Promise<{ prepared: PreparedSettlement; settlement: Settlement }> {
  const input = await roundInput(ctx, h, round);
  const s = await settleRound(input);
  const r = s.results;
  const modelURI = await ctx.store.put(
    encodeRoundRecord({
      taskId: h.taskId,
      round,
      bits: DEFAULT_FIXED_POINT.bits,
      fracBits: DEFAULT_FIXED_POINT.fracBits,
      model: r.wNew,
      cum: r.cumNew,
      submissions: input.submissions.map((x, j) => ({
        slot: x.slot,
        commitment: s.trace.commitments[j],
        share: r.shares[j],
        score: r.scores[j],
        outlier: { norm: r.outliers[j].norm, dist: r.outliers[j].dist, dup: r.outliers[j].dup },
      })),
    }),
  );
  const proof = await prove(ctx.circuit, buildWitness(s));
  return {
    settlement: s,
    prepared: {
      taskId: h.taskId,
      round,
      acc: s.publicInputs.acc,
      newState: r.newState,
      outlierBitmap: r.outlierBitmap,
      modelCommitment: r.newModelCommitment,
      rewardRoot: r.newRewardRoot,
      modelURI,
      proof: toSolidityProof(proof.proof),
      proveSeconds: proof.seconds,
    },
  };
}
