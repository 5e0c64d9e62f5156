/**
 * Module 3's proving bench: one fresh proof of a `Reputation(N)` instance, from a round whose N
 * nodes all answer and judge every comparison they may (answers of random quality, judges honest
 * but for a 10% chance of a reversed vote), settled by the reference.
 */
import { proofContext } from "../../oracle/core/field";
import { prove } from "../../oracle/core/prover";
import { readManifest } from "../../oracle/core/artifacts/manifest";
import {
  PREFER_FIRST,
  PREFER_SECOND,
  PREF_TIE,
  judgmentCommitment,
  pairSchedule,
  settleRound,
  type JudgmentReveal,
  type Vote,
} from "../../oracle/reputation";
import { buildWitness } from "../../oracle/reputation/witness";
import { Rng } from "../../oracle/core/rng";

async function proveReputation(circuit: string, i: number): Promise<number> {
  const spec = readManifest().circuits[circuit]?.spec;
  const n = Number(spec?.params[0]);
  const r = new Rng(`reputation-bench:${i}`);
  const rand = () => r.next();
  const quality = Array.from({ length: n }, () => Math.floor(rand() * 4));
  const reveals: JudgmentReveal[] = [];
  for (let k = 0; k < n; k++) {
    const votes: Vote[] = [];
    for (const [a, b] of pairSchedule(n)) {
      if (a === k || b === k) continue;
      for (const [first, second] of [
        [a, b],
        [b, a],
      ]) {
        let pref = quality[first] > quality[second] ? PREFER_FIRST : quality[first] < quality[second] ? PREFER_SECOND : PREF_TIE;
        if (rand() < 0.1) pref = 4 - pref;
        votes.push({ first, second, pref });
      }
    }
    const judgment = { votes };
    reveals.push({ judge: k, commitment: await judgmentCommitment(k, judgment, { nodes: n }), judgment });
  }
  const s = await settleRound({
    shape: { nodes: n },
    context: proofContext(31337, "0x" + "ef".repeat(20)),
    round: BigInt(i + 1),
    params: { emaRate: 16384n, minAgreement: 32768, prior: Math.max(1, Math.ceil(n / 8)) },
    answered: new Array<boolean>(n).fill(true),
    oldReputation: Array.from({ length: n }, () => BigInt(16384 + Math.floor(rand() * 32768))),
    reveals,
    settler: 0xabn,
  });
  return (await prove(circuit, buildWitness(s))).seconds;
}

/** Proving benches of module 3's circuits, by template. */
export const reputationProofBenches = { Reputation: proveReputation } as const;
