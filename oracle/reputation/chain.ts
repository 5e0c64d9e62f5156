import { decodeEventLog, getContract, type Address, type Hex, type PublicClient } from "viem";
import { swarmReputationAbi, type LogPass } from "../core";
import { LANES, type ReputationParams, type ReputationShape } from "./reference";

/**
 * Module 3's reads of the chain: the swarm's typed reads and its events, decoded with its ABI
 * through the shared log reader (one `eth_getLogs` per chunk for every job and command of a pass).
 */

/** The swarm's typed reads. */
export function swarmReader(client: PublicClient, address: Address) {
  return getContract({ address, abi: swarmReputationAbi, client });
}

/** The rule's shape and parameters of a swarm, from its `params()`. */
export function swarmRule(p: { slots: bigint; emaRate: bigint; minAgreement: bigint; prior: bigint }): {
  shape: ReputationShape;
  rule: ReputationParams;
} {
  return { shape: { nodes: Number(p.slots) }, rule: { emaRate: p.emaRate, minAgreement: Number(p.minAgreement), prior: Number(p.prior) } };
}

type SwarmEvent = ReturnType<typeof decodeEventLog<typeof swarmReputationAbi>>;

/** Every event of the swarm since `fromBlock`, decoded, with its block and transaction (events of other ABIs are skipped). */
export async function swarmEvents(
  pass: LogPass,
  swarm: Address,
  fromBlock: bigint,
): Promise<Array<SwarmEvent & { blockNumber: bigint; transactionHash: Hex; logIndex: number }>> {
  const out: Array<SwarmEvent & { blockNumber: bigint; transactionHash: Hex; logIndex: number }> = [];
  for (const l of await pass.logs(swarm, fromBlock)) {
    try {
      const ev = decodeEventLog({ abi: swarmReputationAbi, data: l.data, topics: l.topics as [Hex, ...Hex[]] });
      out.push({ ...ev, blockNumber: l.blockNumber, transactionHash: l.transactionHash, logIndex: l.logIndex });
    } catch {
      // an event of another ABI (the vault's, emitted through the swarm's address) or none
    }
  }
  return out;
}

/** A judgment reveal of a round, from its JudgmentRevealed event. */
export interface JudgmentOnChain {
  round: number;
  nodeId: number;
  slot: number;
  position: number;
  commitment: bigint;
  uri: string;
  acc: bigint;
}

/** An answer reveal of a round, from its AnswerRevealed event. */
export interface AnswerOnChain {
  round: number;
  nodeId: number;
  slot: number;
  digest: Hex;
  uri: string;
}

/** The judgment reveals of `round`, in reveal order. */
export async function readJudgments(pass: LogPass, swarm: Address, round: number, fromBlock: bigint): Promise<JudgmentOnChain[]> {
  const out: JudgmentOnChain[] = [];
  for (const ev of await swarmEvents(pass, swarm, fromBlock)) {
    if (ev.eventName !== "JudgmentRevealed" || ev.args.round !== round) continue;
    out.push({
      round,
      nodeId: ev.args.nodeId,
      slot: ev.args.slot,
      position: Number(ev.args.position),
      commitment: ev.args.commitment,
      uri: ev.args.uri,
      acc: ev.args.acc,
    });
  }
  return out.sort((a, b) => a.position - b.position);
}

/** The answer reveals of `round`, by slot. */
export async function readAnswers(pass: LogPass, swarm: Address, round: number, fromBlock: bigint): Promise<Map<number, AnswerOnChain>> {
  const out = new Map<number, AnswerOnChain>();
  for (const ev of await swarmEvents(pass, swarm, fromBlock)) {
    if (ev.eventName !== "AnswerRevealed" || ev.args.round !== round) continue;
    out.set(ev.args.slot, { round, nodeId: ev.args.nodeId, slot: ev.args.slot, digest: ev.args.answerDigest, uri: ev.args.uri });
  }
  return out;
}

/** The latest RankingProposed of `round`: its outBytes, digest and the reputations it was proven on (its old words). */
export async function readPendingRanking(
  pass: LogPass,
  swarm: Address,
  round: number,
  fromBlock: bigint,
  shape: ReputationShape,
): Promise<{ bytes: Hex; digest: Hex; settler: Address; oldWords: bigint[] } | undefined> {
  let last: { bytes: Hex; digest: Hex; settler: Address } | undefined;
  for (const ev of await swarmEvents(pass, swarm, fromBlock)) {
    if (ev.eventName === "RankingProposed" && ev.args.round === round)
      last = { bytes: ev.args.out, digest: ev.args.outDigest, settler: ev.args.settler };
  }
  if (!last) return undefined;
  return { ...last, oldWords: outOldWords(last.bytes, shape) };
}

/** The old words of an outBytes (rule 14): M words from byte 37. */
export function outOldWords(bytes: Hex, shape: ReputationShape): bigint[] {
  const m = Math.ceil(shape.nodes / LANES);
  const hex = bytes.slice(2);
  const words: bigint[] = [];
  for (let i = 0; i < m; i++) words.push(BigInt("0x" + hex.slice((37 + 32 * i) * 2, (37 + 32 * (i + 1)) * 2)));
  return words;
}

/** Bit i of `mask` as booleans for slots 0..n-1. */
export function maskBits(mask: bigint, n: number): boolean[] {
  return Array.from({ length: n }, (_, i) => ((mask >> BigInt(i)) & 1n) === 1n);
}

/** popCount of a mask. */
export function popCount(mask: bigint): number {
  let n = 0;
  for (let v = mask; v; v &= v - 1n) n++;
  return n;
}
