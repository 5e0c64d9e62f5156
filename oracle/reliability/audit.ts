import { decodeEventLog, getAddress, type Address, type Hex } from "viem";
import {
  circuitArtifacts,
  contractAddress,
  fetchWithin,
  fromSolidityProof,
  logPass,
  reliabilityRegistryAbi,
  verifyProof,
  type SolidityProof,
} from "../core";
import { auditReport, auditVerifier, type AuditCheck, type AuditReport, type AuditSection, type ModuleAudit } from "../audit";
import { decodeCommittedFeedback } from "./content";
import { readReveals, registryReader, registryRule } from "./job";
import { LANES, batchHashOf, unpackWord, updateBatch, type Feedback, type Reveal } from "./reference";
import { registryCircuit } from "./module";

/** A 16-bit score as a percentage with one decimal. */
const pct = (v: number) => Math.round((v / 65535) * 1000) / 10;

/** What a reliability audit replays: every proposal of one epoch. */
export interface EpochTarget {
  epoch: number;
}

/** A ScoresProposed event, its batch bytes parsed. */
export interface ProposalOnChain {
  epoch: number;
  settler: Address;
  includedMask: number;
  flaggedMask: number;
  replaced: boolean;
  batch: Hex;
  proof: SolidityProof;
  words: bigint[];
  oldWords: bigint[];
  newWords: bigint[];
  blockNumber: bigint;
}

function parseBatch(hex: Hex): {
  epoch: number;
  included: number;
  flagged: number;
  words: bigint[];
  oldWords: bigint[];
  newWords: bigint[];
} {
  const b = Buffer.from(hex.slice(2), "hex");
  const u = (at: number, n: number) => BigInt("0x" + (b.subarray(at, at + n).toString("hex") || "0"));
  const words: bigint[] = [];
  const oldWords: bigint[] = [];
  const newWords: bigint[] = [];
  for (let at = 12; at + 68 <= b.length; at += 68) {
    words.push(u(at, 4));
    oldWords.push(u(at + 4, 32));
    newWords.push(u(at + 36, 32));
  }
  return { epoch: Number(u(0, 4)), included: Number(u(4, 4)), flagged: Number(u(8, 4)), words, oldWords, newWords };
}

/** Every score proposal of `epoch`, in chain order. */
export async function readProposals(
  pass: Awaited<ReturnType<typeof logPass>>,
  registry: Address,
  epoch: number,
  fromBlock: bigint,
): Promise<ProposalOnChain[]> {
  const out: ProposalOnChain[] = [];
  for (const l of await pass.logs(registry, fromBlock)) {
    let ev;
    try {
      ev = decodeEventLog({ abi: reliabilityRegistryAbi, data: l.data, topics: l.topics as [Hex, ...Hex[]] });
    } catch {
      continue;
    }
    if (ev.eventName !== "ScoresProposed" || ev.args.epoch !== epoch) continue;
    const p = parseBatch(ev.args.batch);
    const pr = ev.args.proof as unknown as SolidityProof;
    out.push({
      epoch,
      settler: getAddress(ev.args.settler),
      includedMask: ev.args.includedMask,
      flaggedMask: ev.args.flaggedMask,
      replaced: ev.args.replaced,
      batch: ev.args.batch,
      proof: { a: [...pr.a] as [bigint, bigint], b: [[...pr.b[0]], [...pr.b[1]]] as SolidityProof["b"], c: [...pr.c] as [bigint, bigint] },
      words: p.words,
      oldWords: p.oldWords,
      newWords: p.newWords,
      blockNumber: l.blockNumber,
    });
  }
  return out;
}

/**
 * Module 2's audit of one epoch: the deployed verifier against the local key, then every proposal
 * of the epoch: its proof (off-chain, on the public inputs the contract derives from the posted
 * batch), and a replay of the reference on the reveals it included (content from the store,
 * checked against the commitments) and the old words it posted: the new words and flags must match.
 */
export const reliabilityAudit: ModuleAudit<EpochTarget> = {
  id: "reliability",
  async run(env, target): Promise<AuditReport> {
    const d = env.deployments;
    const registry = contractAddress(d, "ReliabilityRegistry");
    const circuit = registryCircuit(d);
    const entry = circuitArtifacts(circuit);
    const read = registryReader(env.client, registry).read;
    const checks: AuditCheck[] = [];
    const warnings: string[] = [];
    const v = await auditVerifier(env.client, await read.verifier(), entry);
    checks.push(v.check);
    const { shape, rule } = registryRule(await read.params());
    const context = await read.proofContext();
    const pass = await logPass(env.logs ?? env.client);
    const fromBlock = BigInt(d.startBlock);
    const reveals = await readReveals(pass, registry, target.epoch, fromBlock);
    const proposals = await readProposals(pass, registry, target.epoch, fromBlock);
    const acc = reveals.at(-1)?.acc;
    const rows: string[][] = [];
    const sections: AuditSection[] = [];
    const after = new Map<string, { before: number; after: number }>();
    const content = new Map<number, Feedback | string>();
    for (const r of reveals) {
      try {
        const bytes = await fetchWithin(env.store, r.uri, 5_000);
        content.set(r.position, await decodeCommittedFeedback(bytes, { shape, commitment: r.commitment, uri: r.uri }));
      } catch (e) {
        content.set(r.position, (e as Error).message.split("\n")[0]);
      }
    }
    for (const [i, p] of proposals.entries()) {
      const name = `epoch ${target.epoch} proposal ${i} (${p.settler})`;
      const first = checks.length;
      sections.push({
        id: `proposal-${i}`,
        title: `Epoch ${target.epoch}, proposal ${i}`,
        status: p.replaced ? "replaced a weaker proposal" : "proposed",
        facts: [
          `settler ${p.settler} at block ${p.blockNumber}; ${p.words.length} score word(s); included mask ${p.includedMask}, flagged mask ${p.flaggedMask}`,
        ],
        checks: [],
      });
      const sectionChecks = () => (sections[sections.length - 1].checks = checks.slice(first));
      const signals = [batchHashOf(Buffer.from(p.batch.slice(2), "hex")), acc ?? 0n, BigInt(p.settler)];
      checks.push({ name: `${name}.proof`, ok: acc !== undefined && (await verifyProof(entry, fromSolidityProof(p.proof), signals)) });
      const missing: string[] = [];
      const rs: Reveal[] = reveals.map((r) => {
        const c = content.get(r.position);
        const included = ((p.includedMask >>> r.position) & 1) === 1;
        if (included && typeof c === "string") missing.push(`position ${r.position}: ${c}`);
        return { evaluator: BigInt(r.evaluator), commitment: r.commitment, ...(included && typeof c !== "string" ? { feedback: c } : {}) };
      });
      if (missing.length) {
        warnings.push(`${name}: included content cannot be replayed: ${missing.join("; ")}`);
        checks.push({ name: `${name}.replay`, ok: false, detail: `content unavailable for ${missing.length} included reveal(s)` });
        sectionChecks();
        continue;
      }
      try {
        const u = await updateBatch({
          shape,
          context,
          epoch: BigInt(target.epoch),
          params: rule,
          words: p.words,
          oldScores: p.oldWords.flatMap(unpackWord),
          reveals: rs,
          settler: BigInt(p.settler),
        });
        const same = u.trace.newWords.every((w, k) => w === p.newWords[k]) && Number(u.trace.flaggedMask) === p.flaggedMask;
        checks.push({
          name: `${name}.replay`,
          ok: same,
          ...(same
            ? {}
            : {
                detail: `reference: flagged ${u.trace.flaggedMask}, words ${u.trace.newWords.join(",")}; posted: flagged ${p.flaggedMask}, words ${p.newWords.join(",")}`,
              }),
        });
      } catch (e) {
        checks.push({ name: `${name}.replay`, ok: false, detail: (e as Error).message.split("\n")[0] });
      }
      sectionChecks();
      const changed = p.words.flatMap((w, k) =>
        unpackWord(p.newWords[k]).map((s, l) => ({ id: w * BigInt(LANES) + BigInt(l), s, old: unpackWord(p.oldWords[k])[l] })),
      );
      for (const x of changed.filter((x) => x.s.reliability !== x.old.reliability || x.s.usefulness !== x.old.usefulness)) {
        rows.push([String(i), String(x.id), `${x.old.reliability} → ${x.s.reliability}`, `${x.old.usefulness} → ${x.s.usefulness}`]);
        const k = String(x.id);
        after.set(k, { before: after.get(k)?.before ?? Number(x.old.reliability), after: Number(x.s.reliability) });
      }
    }
    if (proposals.length === 0) warnings.push(`epoch ${target.epoch} has no score proposal`);
    return auditReport({
      module: "reliability",
      subject: `epoch ${target.epoch}`,
      summary: `${reveals.length} reveals, ${proposals.length} proposal(s) audited`,
      checks,
      warnings,
      facts: [
        `registry ${registry} on chain ${env.chainId}; circuit ${circuit}; verifier ${v.verifier.address} ` +
          `${v.verifier.matchesLocalKey ? "matches" : "DOES NOT match"} the local verification key` +
          `${v.verifier.insecureKeys ? " (INSECURE development keys)" : ""}.`,
      ],
      verifier: v.info,
      sections,
      tables: [{ title: "Score changes", header: ["proposal", "source", "reliability", "usefulness"], rows }],
      charts: [
        {
          id: "reliability",
          title: `Reliability of the sources whose score changed in epoch ${target.epoch}`,
          kind: "bar",
          labels: [...after.keys()],
          x: { label: "source" },
          y: { label: "reliability", unit: "%" },
          series: [
            { name: "before the epoch", values: [...after.values()].map((x) => pct(x.before)), color: "#98a2b3" },
            { name: "after the last proposal", values: [...after.values()].map((x) => pct(x.after)), color: "#2f6fb0" },
          ],
          note: "reliability as a share of the 16-bit maximum (65535 = 100 %)",
        },
      ],
    });
  },
};
