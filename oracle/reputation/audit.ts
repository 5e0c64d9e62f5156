import { getAddress, type Address, type Hex } from "viem";
import { circuitArtifacts, contractAddress, fetchWithin, fromSolidityProof, logPass, verifyProof, type SolidityProof } from "../core";
import { auditReport, auditVerifier, type AuditCheck, type AuditReport, type AuditSection, type ModuleAudit } from "../audit";
import { maskBits, outOldWords, readJudgments, swarmEvents, swarmReader, swarmRule } from "./chain";
import { decodeCommittedJudgment } from "./content";
import { outHashOf, settleRound, unpackRepWord, REP_MAX, type Judgment, type JudgmentReveal } from "./reference";
import { swarmCircuit } from "./module";

/** What a reputation audit replays: every proposal of one round. */
export interface RoundTarget {
  round: number;
}

/** A RankingProposed event. */
export interface RankingOnChain {
  round: number;
  settler: Address;
  winner: number;
  includedMask: bigint;
  agreeMask: bigint;
  flaggedMask: bigint;
  replaced: boolean;
  out: Hex;
  proof: SolidityProof;
  blockNumber: bigint;
  transactionHash: Hex;
}

/** The answered mask of an outBytes (rule 14: bytes 5..13). */
function outAnsweredMask(out: Hex): bigint {
  return BigInt("0x" + out.slice(2 + 10, 2 + 26));
}

/**
 * Module 3's audit of one round: the deployed verifier against the local key, then every proposal
 * of the round: its proof (off chain, on [outHash of the posted outBytes, the chain's accumulator,
 * the settler]), and a replay of the reference on the judgments it included (content from the
 * store, checked against the revealed commitments), the answered mask and the old reputations it
 * was proven on: the reference's outBytes must be the posted ones byte for byte. The final
 * proposal's winner and the slashes of the round are checked against the events.
 */
export const reputationAudit: ModuleAudit<RoundTarget> = {
  id: "reputation",
  async run(env, target): Promise<AuditReport> {
    const d = env.deployments;
    const swarm = contractAddress(d, "SwarmReputation");
    const circuit = swarmCircuit(d);
    const entry = circuitArtifacts(circuit);
    const read = swarmReader(env.client, swarm).read;
    const checks: AuditCheck[] = [];
    const warnings: string[] = [];
    const v = await auditVerifier(env.client, await read.verifier(), entry);
    checks.push(v.check);
    const { shape, rule } = swarmRule(await read.params());
    const n = shape.nodes;
    const context = await read.proofContext();
    const pass = await logPass(env.logs ?? env.client);
    const fromBlock = BigInt(d.startBlock);
    const events = await swarmEvents(pass, swarm, fromBlock);
    const judgments = await readJudgments(pass, swarm, target.round, fromBlock);
    const acc = judgments.at(-1)?.acc;
    const proposals: RankingOnChain[] = [];
    for (const ev of events) {
      if (ev.eventName !== "RankingProposed" || ev.args.round !== target.round) continue;
      const pr = ev.args.proof as unknown as SolidityProof;
      proposals.push({
        round: target.round,
        settler: getAddress(ev.args.settler),
        winner: ev.args.winner,
        includedMask: ev.args.includedMask,
        agreeMask: ev.args.agreeMask,
        flaggedMask: ev.args.flaggedMask,
        replaced: ev.args.replaced,
        out: ev.args.out,
        proof: {
          a: [...pr.a] as [bigint, bigint],
          b: [[...pr.b[0]], [...pr.b[1]]] as SolidityProof["b"],
          c: [...pr.c] as [bigint, bigint],
        },
        blockNumber: ev.blockNumber,
        transactionHash: ev.transactionHash,
      });
    }
    const content = new Map<number, Judgment | string>();
    for (const r of judgments) {
      try {
        const bytes = await fetchWithin(env.store, r.uri, 5_000);
        content.set(
          r.slot,
          await decodeCommittedJudgment(bytes, { shape, round: BigInt(target.round), judge: r.slot, commitment: r.commitment, uri: r.uri }),
        );
      } catch (e) {
        content.set(r.slot, (e as Error).message.split("\n")[0]);
      }
    }
    const rows: string[][] = [];
    const sections: AuditSection[] = [];
    const change = new Map<string, { before: number; after: number; agreement: number | null }>();
    for (const [i, p] of proposals.entries()) {
      const name = `round ${target.round} proposal ${i} (${p.settler})`;
      const first = checks.length;
      sections.push({
        id: `proposal-${i}`,
        title: `Round ${target.round}, proposal ${i}`,
        status: p.replaced ? "replaced a weaker proposal" : "proposed",
        facts: [
          `settler ${p.settler} at block ${p.blockNumber} (transaction ${p.transactionHash}); winner slot ${p.winner}; ` +
            `included mask ${p.includedMask}, agree mask ${p.agreeMask}, flagged mask ${p.flaggedMask}`,
        ],
        checks: [],
      });
      const close = () => (sections[sections.length - 1].checks = checks.slice(first));
      const signals = [outHashOf(Buffer.from(p.out.slice(2), "hex")), acc ?? 0n, BigInt(p.settler)];
      checks.push({ name: `${name}.proof`, ok: acc !== undefined && (await verifyProof(entry, fromSolidityProof(p.proof), signals)) });
      const missing: string[] = [];
      const reveals: JudgmentReveal[] = judgments.map((r) => {
        const c = content.get(r.slot);
        const included = ((p.includedMask >> BigInt(r.slot)) & 1n) === 1n;
        if (included && typeof c === "string") missing.push(`slot ${r.slot}: ${c}`);
        return { judge: r.slot, commitment: r.commitment, ...(included && typeof c !== "string" && c ? { judgment: c } : {}) };
      });
      if (missing.length) {
        warnings.push(`${name}: included content cannot be replayed: ${missing.join("; ")}`);
        checks.push({ name: `${name}.replay`, ok: false, detail: `content unavailable for ${missing.length} included judgment(s)` });
        close();
        continue;
      }
      const oldReputation = outOldWords(p.out, shape).flatMap(unpackRepWord).slice(0, n);
      try {
        const s = await settleRound({
          shape,
          context,
          round: BigInt(target.round),
          params: rule,
          answered: maskBits(outAnsweredMask(p.out), n),
          oldReputation,
          reveals,
          settler: BigInt(p.settler),
        });
        const mine = `0x${Buffer.from(s.trace.outBytes).toString("hex")}`;
        const same = mine === p.out.toLowerCase();
        checks.push({
          name: `${name}.replay`,
          ok: same,
          ...(same
            ? {}
            : {
                detail: `reference winner ${s.trace.winner}, flagged ${s.trace.flaggedMask}; posted winner ${p.winner}, flagged ${p.flaggedMask}`,
              }),
        });
        if (i === proposals.length - 1)
          for (let k = 0; k < n; k++)
            if (s.trace.observed[k] || oldReputation[k] !== s.trace.newReputation[k])
              change.set(String(k), {
                before: (100 * Number(oldReputation[k])) / Number(REP_MAX),
                after: (100 * Number(s.trace.newReputation[k])) / Number(REP_MAX),
                agreement: s.trace.observed[k] ? (100 * Number(s.trace.agreement[k])) / Number(REP_MAX) : null,
              });
        for (let k = 0; k < n; k++) {
          if (!s.trace.observed[k] && oldReputation[k] === s.trace.newReputation[k]) continue;
          rows.push([
            String(i),
            String(k),
            (Number(oldReputation[k]) / Number(REP_MAX)).toFixed(3),
            (Number(s.trace.newReputation[k]) / Number(REP_MAX)).toFixed(3),
            s.trace.observed[k] ? (Number(s.trace.agreement[k]) / Number(REP_MAX)).toFixed(3) : "—",
            s.trace.flagged[k] ? "flagged" : s.trace.agrees[k] ? "agrees" : "—",
          ]);
        }
      } catch (e) {
        checks.push({ name: `${name}.replay`, ok: false, detail: (e as Error).message.split("\n")[0] });
      }
      close();
    }
    const final = events.find((e) => e.eventName === "RoundFinalized" && e.args.round === target.round);
    if (final && final.eventName === "RoundFinalized") {
      const last = proposals.at(-1);
      checks.push({
        name: `round ${target.round}.final`,
        ok: last !== undefined && final.args.winner === last.winner && getAddress(final.args.settler) === last.settler,
        detail: `winner ${final.args.winner}, ${final.args.winnerReward} to the winner, ${final.args.judgeReward} to each agreeing judge, refund ${final.args.refund}`,
      });
      const flaggedNodes = new Set<number>();
      if (last) for (let k = 0; k < n; k++) if ((last.flaggedMask >> BigInt(k)) & 1n) flaggedNodes.add(k);
      const strikes = events.filter((e) => e.eventName === "NodeSlashed" && e.args.round === target.round && e.args.offence === 0);
      const flaggedIds = new Set(
        events
          .filter((e) => e.eventName === "NodeFlagged" && e.args.round === target.round)
          .map((e) => (e.args as { nodeId: number }).nodeId),
      );
      const unflagged = strikes.filter((e) => !flaggedIds.has((e.args as { nodeId: number }).nodeId));
      checks.push({
        name: `round ${target.round}.slashes`,
        ok: unflagged.length === 0 && flaggedIds.size === flaggedNodes.size,
        detail: `${strikes.length} strike slash(es), each of a node flagged in this round; ${flaggedIds.size} node(s) flagged (proof: ${flaggedNodes.size})`,
      });
    } else if (proposals.length) warnings.push(`round ${target.round} is not final yet`);
    if (proposals.length === 0) warnings.push(`round ${target.round} has no ranking proposal`);
    return auditReport({
      module: "reputation",
      subject: `round ${target.round}`,
      summary: `${judgments.length} judgment reveals, ${proposals.length} proposal(s) audited`,
      checks,
      warnings,
      facts: [
        `swarm ${swarm} (${n} slots) on chain ${env.chainId}; circuit ${circuit}; verifier ${v.verifier.address} ` +
          `${v.verifier.matchesLocalKey ? "matches" : "DOES NOT match"} the local verification key` +
          `${v.verifier.insecureKeys ? " (INSECURE development keys)" : ""}.`,
      ],
      verifier: v.info,
      sections,
      tables: [{ title: "Reputation changes", header: ["proposal", "slot", "before", "after", "agreement", "verdict"], rows }],
      charts: [
        {
          id: "reputation",
          title: `Reputation of the judges the last proposal of round ${target.round} observed`,
          kind: "bar",
          labels: [...change.keys()],
          x: { label: "slot" },
          y: { label: "reputation / agreement", unit: "%" },
          series: [
            { name: "before the round", values: [...change.values()].map((x) => x.before), color: "#98a2b3" },
            { name: "agreement with the consensus", values: [...change.values()].map((x) => x.agreement), color: "#d08c2f" },
            { name: "after the round", values: [...change.values()].map((x) => x.after), color: "#2f6fb0" },
          ],
          note: "reputation and agreement as shares of the 16-bit maximum (65535 = 100 %)",
        },
      ],
    });
  },
};
