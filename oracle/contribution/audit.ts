import type { Address, PublicClient } from "viem";
import { circuitArtifacts, contractAddress, type LogReader, type ManifestEntry } from "../core";
import { fromSolidityProof, verifyProof } from "../core";
import type { ContentStore } from "../core";
import {
  auditReport,
  auditVerifier,
  fmtTokens,
  tokensOf,
  type AuditCheck,
  type AuditReport,
  type AuditSection,
  type AuditVerifierInfo,
  type ModuleAudit,
} from "../audit";
import { EVALUATION_DATA, modelAccuracy } from "./evaluation";
import { marketReader, readTaskHistory, type ProposalEvent, type TaskHistory } from "./history";
import { decodeRoundRecord, verifyRoundRecord } from "./records";
import { packMasks, settleRound } from "./reference";
import { fetchUpdate, loadTaskState, marketShape, roundInput, type ChainContext } from "./taskstate";
import { marketCircuit } from "./module";

export interface Mismatch {
  round: number | null;
  field: string;
  expected: string;
  actual: string;
}

export interface ProposalAudit {
  settler: string;
  txHash: string;
  /** Gas the settlement transaction used (its receipt). */
  gasUsed: string;
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
  /** Test accuracy (0..1) of the round's final model on the task's evaluation data, where it has any. */
  accuracy?: number;
}

/**
 * Module 1's audit report: the framework's (verdict, checks, warnings, what the renderers show) and
 * the task's replay (rounds, proposals, decisions, rewards, the mismatches as expected/actual pairs).
 */
export interface ContributionAuditReport extends AuditReport {
  taskId: string;
  chainId: number;
  market: string;
  circuit: string;
  /** The deployed verifier against the local key (the framework's field, with what module 1 always had). */
  verifier: AuditVerifierInfo;
  rounds: RoundAudit[];
  /** Each slot's trainer (the owner at slot 0 with root updates). */
  members: Array<{ slot: number; trainer: string }>;
  /** The task's stake per trainer, in wei. */
  minStake: string;
  skipped: Array<{ fromRound: number; count: number }>;
  cumulativeRewards: string[];
  claimed: Array<{ trainer: string; cumAmount: string }>;
  mismatches: Mismatch[];
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
  /** The event log reader (its cache); the client's in-memory one when absent. */
  logs?: LogReader;
}): Promise<ContributionAuditReport> {
  const mismatches: Mismatch[] = [];
  const mismatch = (round: number | null, field: string, expected: unknown, actual: unknown) =>
    mismatches.push({ round, field, expected: String(expected), actual: String(actual) });

  const verifierAddress = await marketReader(o.client, o.market).read.verifier();
  const { info: verifierInfo, check: verifierCheck } = await auditVerifier(o.client, verifierAddress, o.entry);
  if (!verifierCheck.ok)
    mismatch(null, "verifier.bytecode", `${o.entry.verifierContract} from the local verification key`, `code at ${verifierAddress}`);

  const h = await readTaskHistory(o.logs ?? o.client, o.market, o.taskId, { fromBlock: o.fromBlock });
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
  // What each settlement cost: the gas of its transaction, from the receipt.
  for (const x of rounds)
    for (const p of x.proposals) p.gasUsed = (await o.client.getTransactionReceipt({ hash: p.txHash as `0x${string}` })).gasUsed.toString();
  for (const c of h.claims) {
    const slot = h.members.find((m) => m.trainer.toLowerCase() === c.trainer.toLowerCase())?.slot;
    if (slot === undefined || c.cumAmount > cum[slot])
      mismatch(null, `claim.${c.trainer}`, `<= ${slot === undefined ? "(not a member)" : cum[slot]}`, c.cumAmount);
  }
  const report = {
    taskId: o.taskId.toString(),
    chainId: o.chainId,
    market: o.market,
    circuit: o.entry.name,
    rounds,
    members: h.members.map((m) => ({ slot: m.slot, trainer: m.trainer })),
    minStake: h.params.minStake.toString(),
    skipped: h.skipped,
    cumulativeRewards: cum.map(String),
    claimed: h.claims.map((c) => ({ trainer: c.trainer, cumAmount: c.cumAmount.toString() })),
    mismatches,
  };
  return { ...framed(report, verifierCheck, verifierInfo), ...report, verifier: verifierInfo };
}

/** Why the final proposal's rule did not pay a reveal in full (docs/spec/contribution.md). */
export function flagReason(d: RoundAudit["decisions"][number]): string {
  return !d.included
    ? "left out (content unavailable)"
    : d.slashed
      ? `slashed: ${[d.norm && "over the norm bound", d.dup && "duplicate"].filter(Boolean).join(" + ")}`
      : "excluded: trust 0 (points away from the root update)";
}

/** The reveals of a round that the rule did not pay in full. */
export const flaggedOf = (x: RoundAudit) => x.decisions.filter((d) => d.excluded || d.slashed || !d.included);

/**
 * The part of the report the framework reads and renders: every check (passed ones named by
 * round), a section per round with its checks, the verifier, the rounds table and the charts
 * (accuracy per round, cumulative reward and slashes per slot, settlement gas per round).
 */
function framed(
  r: Omit<ContributionAuditReport, keyof AuditReport>,
  verifierCheck: AuditCheck,
  verifierInfo: AuditVerifierInfo,
): AuditReport {
  const at = (round: number | null, name: string) => (round === null ? name : `round ${round} ${name}`);
  const roundChecks = new Map<number | null, AuditCheck[]>();
  const add = (round: number | null, c: AuditCheck) => {
    const l = roundChecks.get(round) ?? [];
    l.push(c);
    roundChecks.set(round, l);
  };
  if (verifierCheck.ok) add(null, verifierCheck);
  for (const x of r.rounds) {
    for (const p of x.proposals)
      for (const [k, ok] of Object.entries(p.checks)) if (ok) add(x.round, { name: at(x.round, `proposal.${p.txHash}.${k}`), ok });
    for (const [k, ok] of Object.entries(x.checks)) if (ok) add(x.round, { name: at(x.round, k), ok });
  }
  for (const m of r.mismatches) add(m.round, { name: at(m.round, m.field), ok: false, detail: `expected ${m.expected}, got ${m.actual}` });
  const checks = [...roundChecks.values()].flat();
  const sections: AuditSection[] = r.rounds.map((x) => {
    const final = x.proposals.find((p) => p.final);
    return {
      id: `round-${x.round}`,
      title: `Round ${x.round}`,
      status: x.status,
      facts: [
        `${x.commits} commits, ${x.reveals} reveals, ${x.proposals.length} proposal(s)` +
          (final ? `; final proposal by ${final.settler} in ${final.txHash} (settlement gas ${final.gasUsed})` : ""),
        ...(x.accuracy !== undefined ? [`model accuracy after the round: ${(x.accuracy * 100).toFixed(1)}% on ${EVALUATION_DATA}`] : []),
        ...flaggedOf(x).map((d) => `slot ${d.slot}: ${flagReason(d)}`),
        ...x.slashed.map((s) => `slot ${s.slot} slashed ${tokensOf(s.amount)} tokens (${s.offence})`),
        ...(x.leftOutAvailable.length ? [`left out although the auditor holds the content: slots ${x.leftOutAvailable.join(", ")}`] : []),
        ...x.warnings.map((w) => `warning: ${w}`),
      ],
      checks: roundChecks.get(x.round) ?? [],
    };
  });
  const labels = r.rounds.map((x) => String(x.round));
  const slots = r.cumulativeRewards.map((_, i) => String(i));
  const hasAccuracy = r.rounds.some((x) => x.accuracy !== undefined);
  return auditReport({
    module: "contribution",
    subject: `task ${r.taskId}`,
    summary: `${r.rounds.length} rounds audited`,
    checks,
    warnings: r.rounds.flatMap((x) => x.warnings.map((w) => `round ${x.round}: ${w}`)),
    facts: [
      `market ${r.market} on chain ${r.chainId}; circuit ${r.circuit}; verifier ${verifierInfo.address} ` +
        `${verifierInfo.matchesLocalKey ? "matches" : "DOES NOT match"} the local verification key` +
        `${verifierInfo.insecureKeys ? " (INSECURE development keys)" : ""}.`,
    ],
    verifier: verifierInfo,
    sections,
    tables: [
      {
        title: "Rounds",
        header: ["round", "status", "commits/reveals", "proposals", "settlement gas", "accuracy (%)", "not paid (why)", "warnings"],
        rows: r.rounds.map((x) => [
          String(x.round),
          x.status,
          `${x.commits}/${x.reveals}`,
          String(x.proposals.length),
          x.proposals.find((p) => p.final)?.gasUsed ?? "",
          x.accuracy === undefined ? "" : (x.accuracy * 100).toFixed(1),
          flaggedOf(x)
            .map((d) => `${d.slot} (${flagReason(d)})`)
            .join(", "),
          x.warnings.join("; "),
        ]),
      },
      {
        title: "Participants",
        header: ["slot", "trainer", "stake (tokens)", "slashed (tokens)", "cumulative reward (tokens)", "claimed (tokens)"],
        rows: r.members.map((m) => [
          String(m.slot),
          m.trainer,
          fmtTokens(r.minStake),
          fmtTokens(r.rounds.flatMap((x) => x.slashed.filter((s) => s.slot === m.slot)).reduce((a, s) => a + BigInt(s.amount), 0n)),
          fmtTokens(r.cumulativeRewards[m.slot] ?? "0"),
          fmtTokens(r.claimed.find((c) => c.trainer.toLowerCase() === m.trainer.toLowerCase())?.cumAmount ?? "0"),
        ]),
      },
    ],
    charts: [
      {
        id: "accuracy",
        title: "Model accuracy per round",
        kind: "line",
        labels,
        x: { label: "round" },
        y: { label: "test accuracy", unit: "%" },
        series: [{ name: "accuracy", values: r.rounds.map((x) => (x.accuracy === undefined ? null : Math.round(x.accuracy * 1000) / 10)) }],
        note: hasAccuracy
          ? `measured on ${EVALUATION_DATA}`
          : "this task's model has no evaluation data here (only the shipped MNIST model is measured)",
      },
      {
        id: "rewards",
        title: "Cumulative reward per slot",
        kind: "bar",
        labels: slots,
        x: { label: "slot" },
        y: { label: "reward", unit: "tokens" },
        series: [{ name: "cumulative reward", values: r.cumulativeRewards.map((v) => tokensOf(v)), color: "#3a9c5b" }],
      },
      {
        id: "slashes",
        title: "Slashes per slot",
        kind: "bar",
        labels: slots,
        x: { label: "slot" },
        y: { label: "slashed", unit: "tokens" },
        series: (["proven", "no-show"] as const).map((offence, k) => ({
          name: offence === "proven" ? "proven offence" : "no-show penalty",
          color: k === 0 ? "#b5403a" : "#d9822b",
          values: slots.map((_, slot) =>
            tokensOf(
              r.rounds
                .flatMap((x) => x.slashed.filter((s) => s.slot === slot && s.offence === offence))
                .reduce((a, s) => a + BigInt(s.amount), 0n),
            ),
          ),
        })),
      },
      {
        id: "gas",
        title: "Settlement gas per round",
        kind: "bar",
        labels,
        x: { label: "round" },
        y: { label: "gas used", unit: "gas" },
        series: [
          {
            name: "settleRound (final proposal)",
            color: "#2f6fb0",
            values: r.rounds.map((x) => {
              const g = x.proposals.find((p) => p.final)?.gasUsed;
              return g === undefined ? null : Number(g);
            }),
          },
        ],
      },
      {
        id: "flagged",
        title: "Reveals not paid in full per round",
        kind: "bar",
        labels,
        x: { label: "round" },
        y: { label: "reveals", unit: "count" },
        series: [{ name: "not paid", values: r.rounds.map((x) => flaggedOf(x).length), color: "#b5403a" }],
      },
    ],
  });
}

/** What module 1's audit targets: one task. */
export interface TaskTarget {
  taskId: bigint;
}

/** Module 1's audit, as the auditor framework runs it: a task of the deployment's market. */
export const contributionAudit: ModuleAudit<TaskTarget> = {
  id: "contribution",
  async run(env, target) {
    const market = contractAddress(env.deployments, "TrainingMarket");
    const circuit = marketCircuit(env.deployments);
    return auditTask({
      client: env.client,
      chainId: env.chainId,
      market,
      store: env.store,
      entry: circuitArtifacts(circuit),
      shape: await marketShape(env.client, market, circuit),
      taskId: target.taskId,
      fromBlock: BigInt(env.deployments.startBlock),
      logs: env.logs,
    });
  },
};

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
    audit.accuracy = modelAccuracy(rec.model, rec);
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
    gasUsed: "0",
    replaced: p.replaced,
    final: false,
    included: bits(res.includedMask).map(String),
    checks: {},
  };
  const masks = packMasks({ includedMask: res.includedMask, excludedMask: res.excludedMask, slashedMask: res.slashedMask });
  const signals = [p.acc, res.newState, res.modelCommitment, res.rewardRoot, masks, BigInt(p.settler)];
  pa.checks.proof = await verifyProof(entry, fromSolidityProof(p.proof), signals);
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
