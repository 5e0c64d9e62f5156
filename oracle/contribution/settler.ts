import type { Address } from "viem";
import { prove, toSolidityProof, type SolidityProof } from "../core";
import type { TaskHistory, SettlementResultOnChain } from "./history";
import { encodeRoundRecord } from "./records";
import { settleRound, type Settlement } from "./reference";
import { buildWitness } from "./witness";
import { recordOf, roundInput, type ChainContext, type TaskState } from "./taskstate";

export interface SettleContext extends ChainContext {
  /** Circuit instance name (contribution_NxP). */
  circuit: string;
}

/** Everything a settlement transaction needs, ready to send (and to journal). */
export interface PreparedSettlement {
  taskId: bigint;
  round: number;
  acc: bigint;
  /** The account the proof is bound to (only it can post it). */
  settler: Address;
  result: SettlementResultOnChain;
  /** How many reveals the proof includes (a challenge must include strictly more). */
  included: number;
  modelURI: string;
  proof: SolidityProof;
  proveSeconds: number;
}

/** The number of set bits of a mask. */
export function popCount(mask: bigint): number {
  let n = 0;
  for (let x = mask; x > 0n; x >>= 1n) n += Number(x & 1n);
  return n;
}

/**
 * Computes `round` with the reference over every reveal whose content is available, publishes
 * the round record, and proves it for `settler`. `unavailable` says which reveals were left out.
 */
export async function prepareSettlement(
  ctx: SettleContext,
  h: TaskHistory,
  round: number,
  o: { settler: Address; prev?: TaskState },
): Promise<{ prepared: PreparedSettlement; settlement: Settlement; unavailable: Array<{ slot: number; reason: string }> }> {
  const { input, unavailable } = await roundInput(ctx, h, round, { settler: o.settler, prev: o.prev });
  const s = await settleRound(input);
  const r = s.results;
  const modelURI = await ctx.store.put(encodeRoundRecord(recordOf(h.taskId, s)));
  const proof = await prove(ctx.circuit, buildWitness(s));
  return {
    settlement: s,
    unavailable,
    prepared: {
      taskId: h.taskId,
      round,
      acc: s.publicInputs.acc,
      settler: o.settler,
      result: {
        newState: r.newState,
        modelCommitment: r.newModelCommitment,
        rewardRoot: r.newRewardRoot,
        includedMask: r.includedMask,
        excludedMask: r.excludedMask,
        slashedMask: r.slashedMask,
      },
      included: r.nIncl,
      modelURI,
      proof: toSolidityProof(proof.proof),
      proveSeconds: proof.seconds,
    },
  };
}
