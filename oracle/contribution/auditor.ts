import type { Address, PublicClient } from "viem";
import type { Groth16Proof } from "snarkjs";
import { loadArtifact } from "../chain/artifacts";
import type { ManifestEntry } from "../artifacts/manifest";
import { verifyProof } from "../prover";
import type { ContentStore } from "../store";
import { marketAbi, readTaskHistory, settlementProof } from "./history";
import { decodeRoundRecord } from "./records";
import { settleRound } from "./reference";
import { roundInput, type SettleContext } from "./settler";

export interface Mismatch {
  round: number | null;
  field: string;
  expected: string;
  actual: string;
}

export interface RoundAudit {
  round: number;
  status: "settled" | "expired" | "open";
  submissions: number;
  settler?: string;
  txHash?: string;
  checks: Record<string, boolean>;
  outliers: Array<{ slot: number; norm: boolean; dist: boolean; dup: boolean }>;
  shares: Array<{ slot: number; share: string; score: string }>;
  slashed: Array<{ slot: number; amount: string }>;
}

export interface AuditReport {
  ok: boolean;
  taskId: string;
  chainId: number;
  market: string;
  circuit: string;
  verifier: { address: string; matchesLocalKey: boolean; vkeySha256: string; insecureKeys: boolean };
  rounds: RoundAudit[];
  cumulativeRewards: string[];
  claimed: Array<{ trainer: string; cumAmount: string }>;
  mismatches: Mismatch[];
  generatedAt: string;
}

/** snarkjs JSON layout of a proof taken from a settlement's calldata (G2 coordinates swapped back). */
function toSnarkjsProof(p: {
  a: readonly [bigint, bigint];
  b: readonly (readonly [bigint, bigint])[];
  c: readonly [bigint, bigint];
}): Groth16Proof {
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

/**
 * Replays a task from chain events and the content store, trusting no one: recomputes every
 * settled round with the reference implementation, compares every posted value, checks each round
 * record against the settled state, verifies every proof against the verification key, and checks
 * that the verifier deployed on-chain is the one this verification key produces.
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

  const verifierAddress = (await o.client.readContract({ address: o.market, abi: marketAbi(), functionName: "verifier" })) as Address;
  const code = (await o.client.getCode({ address: verifierAddress })) ?? "0x";
  const matches = code.toLowerCase() === loadArtifact(o.entry.verifierContract).deployedBytecode.toLowerCase();
  if (!matches)
    mismatch(null, "verifier.bytecode", `${o.entry.verifierContract} from the local verification key`, `code at ${verifierAddress}`);

  const h = await readTaskHistory(o.client, o.market, o.taskId, { fromBlock: o.fromBlock });
  const ctx: SettleContext = {
    client: o.client,
    chainId: o.chainId,
    market: o.market,
    store: o.store,
    circuit: o.entry.name,
    shape: o.shape,
  };
  const rounds: RoundAudit[] = [];
  let cum = new Array<bigint>(o.shape.slots).fill(0n);
  const ordered = [...h.rounds.keys()].sort((a, b) => a - b);
  for (const r of ordered) {
    const x = h.rounds.get(r)!;
    const audit: RoundAudit = {
      round: r,
      status: x.settled ? "settled" : x.expired ? "expired" : "open",
      submissions: x.submissions.length,
      checks: {},
      outliers: [],
      shares: [],
      slashed: h.slashes.filter((s) => s.round === r).map((s) => ({ slot: s.slot, amount: s.amount.toString() })),
    };
    rounds.push(audit);
    if (!x.settled) continue;
    const s = x.settled;
    audit.settler = s.settler;
    audit.txHash = s.txHash;
    try {
      const input = await roundInput(ctx, h, r);
      const ref = await settleRound(input);
      const res = ref.results;
      const check = (field: string, expected: bigint, actual: bigint) => {
        audit.checks[field] = expected === actual;
        if (expected !== actual) mismatch(r, field, expected, actual);
      };
      check("acc", ref.publicInputs.acc, s.acc);
      check("newState", res.newState, s.newState);
      check("outlierBitmap", res.outlierBitmap, s.outlierBitmap);
      check("modelCommitment", res.newModelCommitment, s.modelCommitment);
      check("rewardRoot", res.newRewardRoot, s.rewardRoot);
      const record = decodeRoundRecord(await o.store.get(s.modelURI), s.modelURI);
      const recordOk = record.model.every((v, i) => v === res.wNew[i]) && record.cum.every((v, i) => v === res.cumNew[i]);
      audit.checks.roundRecord = recordOk;
      if (!recordOk) mismatch(r, "roundRecord", "model and cumulative rewards recomputed by the reference", s.modelURI);
      const proof = toSnarkjsProof(await settlementProof(o.client, s.txHash));
      const valid = await verifyProof(o.entry, proof, [s.acc, s.newState, s.outlierBitmap]);
      audit.checks.proof = valid;
      if (!valid) mismatch(r, "proof", "a proof valid for [acc, newState, outlierBitmap]", "an invalid proof");
      const flagged = input.submissions.map((sub, j) => ({ slot: sub.slot, ...res.outliers[j] }));
      audit.outliers = flagged.filter((f) => f.outlier).map(({ slot, norm, dist, dup }) => ({ slot, norm, dist, dup }));
      audit.shares = input.submissions.map((sub, j) => ({
        slot: sub.slot,
        share: res.shares[j].toString(),
        score: res.scores[j].toString(),
      }));
      const slashedSlots = new Set(audit.slashed.map((z) => z.slot));
      if (h.params.slashAmount > 0n) {
        for (const f of audit.outliers) if (!slashedSlots.has(f.slot)) mismatch(r, `slash.slot${f.slot}`, "a TrainerSlashed event", "none");
      }
      cum = res.cumNew;
    } catch (e) {
      audit.checks.replay = false;
      mismatch(r, "replay", "the round recomputes from chain events and the content store", (e as Error).message.split("\n")[0]);
    }
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
    cumulativeRewards: cum.map(String),
    claimed: h.claims.map((c) => ({ trainer: c.trainer, cumAmount: c.cumAmount.toString() })),
    mismatches,
    generatedAt: new Date().toISOString(),
  };
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
  const flagged = r.rounds
    .map(
      (x, i) =>
        `<rect x="${i * 40 + 10}" y="${150 - x.outliers.length * 20}" width="30" height="${x.outliers.length * 20}" fill="#c44"/><text x="${i * 40 + 25}" y="165" font-size="10" text-anchor="middle">${x.round}</text>`,
    )
    .join("");
  const rows = r.rounds
    .map(
      (x) =>
        `<tr><td>${x.round}</td><td>${x.status}</td><td>${x.submissions}</td><td>${esc(x.outliers.map((o) => `${o.slot}(${[o.norm && "norm", o.dist && "dist", o.dup && "dup"].filter(Boolean).join("+")})`).join(", "))}</td><td>${Object.entries(
          x.checks,
        )
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
<h2>Rounds</h2><table><tr><th>round</th><th>status</th><th>submissions</th><th>flagged (reason)</th><th>checks</th></tr>${rows}</table>
<h2>Cumulative reward per slot</h2><svg width="${cum.length * 40 + 20}" height="170">${bars}</svg>
<h2>Flagged submissions per round</h2><svg width="${r.rounds.length * 40 + 20}" height="170">${flagged}</svg>
<p>generated ${esc(r.generatedAt)}</p>`;
}
