import type { Address, PublicClient } from "viem";
import type { Groth16Proof } from "snarkjs";
import { loadArtifact } from "../core";
import type { ManifestEntry } from "../core";
import { verifyProof, type SolidityProof } from "../core";
import type { ContentStore } from "../core";
import { marketReader, readTaskHistory, type ProposalEvent, type TaskHistory } from "./history";
import { decodeRoundRecord, verifyRoundRecord } from "./records";
import { packMasks, settleRound } from "./reference";
import { fetchUpdate, loadTaskState, roundInput, type ChainContext } from "./taskstate";

export interface Mismatch {
  round: number | null;
  field: string;
  expected: string;
  actual: string;
}

export interface ProposalAudit {
  settler: string;
  txHash: string;
  replaced: boolean;
  final: boolean;
  included: string[];
  checks: Record<string, boolean>;
}

export interface RoundAudit {
  round: number;
  status: "finalized" | "expired" | "pending" | "open";
  commits: number;
  reveals: number;
  settler?: string;
  txHash?: string;
  proposals: ProposalAudit[];
  checks: Record<string, boolean>;
  /** Per reveal: what the final proposal's rule decided. */
  decisions: Array<{ slot: number; included: boolean; root: boolean; excluded: boolean; slashed: boolean; norm: boolean; dup: boolean }>;
  /** trust in 16-bit and value in 24-bit fixed point (docs/spec/root-trust.md T4, T6). */
  shares: Array<{ slot: number; share: string; trust: string; value: string }>;
  slashed: Array<{ slot: number; amount: string; offence: string }>;
  /** Reveals whose content the auditor holds but the final proposal left out. */
  leftOutAvailable: number[];
  /** Not protocol violations: a missing round record (rebuilt), and the like. */
  warnings: string[];
}

export interface AuditReport {
  ok: boolean;
  taskId: string;
  chainId: number;
  market: string;
  circuit: string;
  verifier: { address: string; matchesLocalKey: boolean; vkeySha256: string; insecureKeys: boolean };
  rounds: RoundAudit[];
  skipped: Array<{ fromRound: number; count: number }>;
  cumulativeRewards: string[];
  claimed: Array<{ trainer: string; cumAmount: string }>;
  mismatches: Mismatch[];
  generatedAt: string;
}

/** snarkjs JSON layout of a proof in verifier layout (G2 coordinates swapped back). */
function toSnarkjsProof(p: SolidityProof): Groth16Proof {
  const s = (x: bigint) => x.toString();
  return {
    pi_a: [s(p.a[0]), s(p.a[1]), "1"],
    pi_b: [
      [s(p.b[0][1]), s(p.b[0][0])],
      [s(p.b[1][1]), s(p.b[1][0])],
      ["1", "0"],
    ],
    pi_c: [s(p.c[0]), s(p.c[1]), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

const bits = (mask: bigint) => {
  const out: number[] = [];
  for (let i = 0; mask >> BigInt(i) !== 0n; i++) if ((mask >> BigInt(i)) & 1n) out.push(i);
  return out;
};

/**
 * Replays a task from chain events and the content store, trusting no one: for every proposal
 * (final or replaced) it verifies the proof, taken from the RoundProposed event (so a settlement
 * through a multisig or relayer audits like a direct call), against the verification key and
 * the public inputs the contract rebuilt, and recomputes the round with the reference over the
 * proposal's included set; for every final round it checks the round record, the slashes and the
 * no-show penalties; and it checks that the verifier deployed on-chain is the one this
 * verification key produces.
 */
export async function auditTask(o: {
  client: PublicClient;
  chainId: number;
  market: Address;
  store: ContentStore;
  entry: ManifestEntry;
  shape: { slots: number; params: number };
  taskId: bigint;
  fromBlock?: bigint;
}): Promise<AuditReport> {
  const mismatches: Mismatch[] = [];
  const mismatch = (round: number | null, field: string, expected: unknown, actual: unknown) =>
    mismatches.push({ round, field, expected: String(expected), actual: String(actual) });

  const verifierAddress = await marketReader(o.client, o.market).read.verifier();
  const code = (await o.client.getCode({ address: verifierAddress })) ?? "0x";
  const matches = code.toLowerCase() === loadArtifact(o.entry.verifierContract).deployedBytecode.toLowerCase();
  if (!matches)
    mismatch(null, "verifier.bytecode", `${o.entry.verifierContract} from the local verification key`, `code at ${verifierAddress}`);

  const h = await readTaskHistory(o.client, o.market, o.taskId, { fromBlock: o.fromBlock });
  const warnings = new Map<number, string[]>();
  const ctx: ChainContext = {
    chainId: o.chainId,
    market: o.market,
    store: o.store,
    shape: o.shape,
    onRecovered: (round, why) => {
      const w = warnings.get(round) ?? [];
      w.push(`round record unusable (${why}); rebuilt from the revealed content`);
      warnings.set(round, w);
    },
  };
  const rounds: RoundAudit[] = [];
  let cum = new Array<bigint>(o.shape.slots).fill(0n);
  for (const r of [...h.rounds.keys()].sort((a, b) => a - b)) {
    const x = h.rounds.get(r)!;
    const audit: RoundAudit = {
      round: r,
      status: x.final ? "finalized" : x.expired ? "expired" : x.proposals.length ? "pending" : "open",
      commits: x.commits.length,
      reveals: x.reveals.length,
      proposals: [],
      checks: {},
      decisions: [],
      shares: [],
      slashed: h.slashes.filter((s) => s.round === r).map((s) => ({ slot: s.slot, amount: s.amount.toString(), offence: s.offence })),
      leftOutAvailable: [],
      warnings: [],
    };
    rounds.push(audit);
    try {
      await auditRound(ctx, o.entry, h, r, audit, mismatch, (c) => (cum = c));
    } catch (e) {
      audit.checks.replay = false;
      mismatch(r, "replay", "the round recomputes from chain events and the content store", (e as Error).message.split("\n")[0]);
    }
    audit.warnings.push(...(warnings.get(r) ?? []));
  }
  for (const c of h.claims) {
    const slot = h.members.find((m) => m.trainer.toLowerCase() === c.trainer.toLowerCase())?.slot;
    if (slot === undefined || c.cumAmount > cum[slot])
      mismatch(null, `claim.${c.trainer}`, `<= ${slot === undefined ? "(not a member)" : cum[slot]}`, c.cumAmount);
  }
  return {
    ok: mismatches.length === 0,
    taskId: o.taskId.toString(),
    chainId: o.chainId,
    market: o.market,
    circuit: o.entry.name,
    verifier: {
      address: verifierAddress,
      matchesLocalKey: matches,
      vkeySha256: o.entry.artifacts.vkey.sha256,
      insecureKeys: o.entry.setup.insecure || o.entry.ptau.insecure,
    },
    rounds,
    skipped: h.skipped,
    cumulativeRewards: cum.map(String),
    claimed: h.claims.map((c) => ({ trainer: c.trainer, cumAmount: c.cumAmount.toString() })),
    mismatches,
    generatedAt: new Date().toISOString(),
  };
}

async function auditRound(
  ctx: ChainContext,
  entry: ManifestEntry,
  h: TaskHistory,
  r: number,
  audit: RoundAudit,
  mismatch: (round: number | null, field: string, expected: unknown, actual: unknown) => void,
  setCum: (cum: bigint[]) => void,
): Promise<void> {
  const x = h.rounds.get(r)!;
  // No-show penalties are objective: committed and not revealed, whatever became of the round.
  if (x.final || x.expired) {
    const revealed = new Set(x.reveals.map((v) => v.slot));
    const penalized = new Set(audit.slashed.filter((s) => s.offence === "no-show").map((s) => s.slot));
    for (const c of x.commits) {
      const noShow = !revealed.has(c.slot);
      if (noShow !== penalized.has(c.slot) && h.params.noShowPenalty > 0n && (noShow || penalized.has(c.slot)))
        mismatch(r, `noShow.slot${c.slot}`, noShow ? "a no-show penalty" : "no penalty", noShow ? "none" : "a penalty");
    }
    for (const s of penalized)
      if (!x.commits.some((c) => c.slot === s)) mismatch(r, `noShow.slot${s}`, "no penalty (no commit)", "a penalty");
  }
  if (x.proposals.length === 0) return;
  const prev = await loadTaskState(ctx, h, r);
  for (const p of x.proposals) {
    const pa = await auditProposal(ctx, entry, h, r, p, prev, mismatch);
    pa.final = p === x.final;
    audit.proposals.push(pa);
  }
  if (!x.final) return;
  const f = x.final;
  audit.settler = f.settler;
  audit.txHash = f.txHash;
  const included = f.result.includedMask;
  const { input } = await roundInput(ctx, h, r, { settler: f.settler, include: (s) => ((included >> BigInt(s)) & 1n) === 1n, prev });
  const ref = await settleRound(input);
  audit.checks.finalState = ref.results.newState === x.finalized!.newState;
  if (!audit.checks.finalState) mismatch(r, "finalized.newState", ref.results.newState, x.finalized!.newState);
  audit.decisions = input.submissions.map((s, j) => {
    const fl = ref.results.flags[j];
    return { slot: s.slot, included: fl.included, root: fl.root, excluded: fl.excluded, slashed: fl.slashed, norm: fl.norm, dup: fl.dup };
  });
  audit.shares = input.submissions.map((s, j) => ({
    slot: s.slot,
    share: ref.results.shares[j].toString(),
    trust: ref.results.trust[j].toString(),
    value: ref.results.values[j].toString(),
  }));
  // The round record is a hint; a missing or wrong one is reported, not a protocol failure.
  try {
    const rec = decodeRoundRecord(await ctx.store.get(f.modelURI), f.modelURI);
    await verifyRoundRecord(rec, { taskHeader: h.taskHeader, state: f.result.newState, ...ctx.shape, uri: f.modelURI });
    audit.checks.roundRecord = true;
  } catch (e) {
    audit.checks.roundRecord = false;
    audit.warnings.push(`the final proposal's round record ${f.modelURI} is unusable: ${(e as Error).message.split("\n")[0]}`);
  }
  // Proven slashes must be exactly the slashed mask (when there was stake to take).
  const provenSlashed = new Set(audit.slashed.filter((s) => s.offence === "proven").map((s) => s.slot));
  if (h.params.slashAmount > 0n) {
    for (const s of bits(f.result.slashedMask)) if (!provenSlashed.has(s)) mismatch(r, `slash.slot${s}`, "a TrainerSlashed event", "none");
  }
  for (const s of provenSlashed)
    if (((f.result.slashedMask >> BigInt(s)) & 1n) === 0n) mismatch(r, `slash.slot${s}`, "no slash (not in the slashed mask)", "a slash");
  // Content the auditor holds that the final proposal left out: a censorship signal, not a violation
  // (anyone holding it could have challenged).
  for (const v of x.reveals) {
    if (((included >> BigInt(v.slot)) & 1n) === 1n) continue;
    if ((await fetchUpdate(ctx, v)).update) audit.leftOutAvailable.push(v.slot);
  }
  setCum(ref.results.cumNew);
}

async function auditProposal(
  ctx: ChainContext,
  entry: ManifestEntry,
  h: TaskHistory,
  r: number,
  p: ProposalEvent,
  prev: Awaited<ReturnType<typeof loadTaskState>>,
  mismatch: (round: number | null, field: string, expected: unknown, actual: unknown) => void,
): Promise<ProposalAudit> {
  const res = p.result;
  const pa: ProposalAudit = {
    settler: p.settler,
    txHash: p.txHash,
    replaced: p.replaced,
    final: false,
    included: bits(res.includedMask).map(String),
    checks: {},
  };
  const masks = packMasks({ includedMask: res.includedMask, excludedMask: res.excludedMask, slashedMask: res.slashedMask });
  const signals = [p.acc, res.newState, res.modelCommitment, res.rewardRoot, masks, BigInt(p.settler)];
  pa.checks.proof = await verifyProof(entry, toSnarkjsProof(p.proof), signals);
  if (!pa.checks.proof)
    mismatch(r, `proposal.${p.txHash}.proof`, "a proof valid for the public inputs the contract rebuilt", "an invalid proof");
  const { input, unavailable } = await roundInput(ctx, h, r, {
    settler: p.settler,
    include: (s) => ((res.includedMask >> BigInt(s)) & 1n) === 1n,
    prev,
  });
  if (unavailable.length) {
    pa.checks.recomputed = false;
    mismatch(
      r,
      `proposal.${p.txHash}.content`,
      "the included content in the store",
      unavailable.map((u) => `slot ${u.slot}: ${u.reason}`).join("; "),
    );
    return pa;
  }
  const ref = await settleRound(input);
  const check = (field: string, expected: bigint, actual: bigint) => {
    pa.checks[field] = expected === actual;
    if (expected !== actual) mismatch(r, `proposal.${p.txHash}.${field}`, expected, actual);
  };
  check("acc", ref.publicInputs.acc, p.acc);
  check("newState", ref.results.newState, res.newState);
  check("modelCommitment", ref.results.newModelCommitment, res.modelCommitment);
  check("rewardRoot", ref.results.newRewardRoot, res.rewardRoot);
  check("excludedMask", ref.results.excludedMask, res.excludedMask);
  check("slashedMask", ref.results.slashedMask, res.slashedMask);
  return pa;
}

/** A self-contained HTML page of a report, with inline SVG charts (no external assets). */
export function auditHtml(r: AuditReport): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch] as string);
  const cum = r.cumulativeRewards.map(Number);
  const max = Math.max(1, ...cum);
  const bars = cum
    .map(
      (v, i) =>
        `<rect x="${i * 40 + 10}" y="${150 - (v / max) * 140}" width="30" height="${(v / max) * 140}" fill="#4a7"/><text x="${i * 40 + 25}" y="165" font-size="10" text-anchor="middle">${i}</text>`,
    )
    .join("");
  const flaggedOf = (x: RoundAudit) => x.decisions.filter((d) => d.excluded || d.slashed || !d.included);
  const flagged = r.rounds
    .map(
      (x, i) =>
        `<rect x="${i * 40 + 10}" y="${150 - flaggedOf(x).length * 20}" width="30" height="${flaggedOf(x).length * 20}" fill="#c44"/><text x="${i * 40 + 25}" y="165" font-size="10" text-anchor="middle">${x.round}</text>`,
    )
    .join("");
  const why = (d: RoundAudit["decisions"][number]) =>
    !d.included
      ? "left out"
      : d.slashed
        ? `slashed: ${[d.norm && "norm", d.dup && "duplicate"].filter(Boolean).join("+")}`
        : "excluded: trust 0 (points away from the root update)";
  const rows = r.rounds
    .map(
      (x) =>
        `<tr><td>${x.round}</td><td>${x.status}</td><td>${x.commits}/${x.reveals}</td><td>${x.proposals.length}</td><td>${esc(
          flaggedOf(x)
            .map((d) => `${d.slot} (${why(d)})`)
            .join(", "),
        )}</td><td>${esc(x.warnings.join("; "))}</td><td>${Object.entries(x.checks)
          .map(([k, v]) => `${k}:${v ? "✔" : "✘"}`)
          .join(" ")}</td></tr>`,
    )
    .join("");
  const mm = r.mismatches
    .map((m) => `<li>round ${m.round ?? "-"}: <b>${esc(m.field)}</b> expected ${esc(m.expected)}, got ${esc(m.actual)}</li>`)
    .join("");
  return `<!doctype html><meta charset="utf-8"><title>zkmerit audit task ${r.taskId}</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}td,th{border:1px solid #ccc;padding:4px 8px}table{border-collapse:collapse}</style>
<h1>Audit of task ${r.taskId}: ${r.ok ? "OK" : "MISMATCHES FOUND"}</h1>
<p>market ${esc(r.market)} on chain ${r.chainId}; circuit ${esc(r.circuit)}; verifier ${esc(r.verifier.address)} ${r.verifier.matchesLocalKey ? "matches" : "DOES NOT match"} the local verification key${r.verifier.insecureKeys ? " (INSECURE development keys)" : ""}.</p>
${mm ? `<h2>Mismatches</h2><ul>${mm}</ul>` : ""}
<h2>Rounds</h2><table><tr><th>round</th><th>status</th><th>commits/reveals</th><th>proposals</th><th>not paid (why)</th><th>warnings</th><th>checks</th></tr>${rows}</table>
<h2>Cumulative reward per slot</h2><svg width="${cum.length * 40 + 20}" height="170">${bars}</svg>
<h2>Reveals not paid per round</h2><svg width="${r.rounds.length * 40 + 20}" height="170">${flagged}</svg>
<p>generated ${esc(r.generatedAt)}</p>`;
}
