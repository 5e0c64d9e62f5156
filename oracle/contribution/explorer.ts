import type { Address } from "viem";
import { circuitArtifacts, contractAddress } from "../core";
import {
  fmtNum,
  fmtTokens,
  link,
  tokensOf,
  type AuditChart,
  type ViewCell,
  type ViewPage,
  type ViewSection,
  addressLink,
  txLink,
} from "../audit";
import type { ExplorerEnv, ModuleExplorer, ModuleView } from "../service/explorer";
import { auditTask, flaggedOf, flagReason, type ContributionAuditReport } from "./audit";
import { EVALUATION_DATA } from "./evaluation";
import { marketReader, readTaskHistory, type TaskHistory } from "./history";
import { marketCircuit } from "./module";
import { marketShape } from "./taskstate";

/**
 * Module 1's part of the explorer: the market's tasks, their rounds (status, deadlines,
 * settlement gas, proof check), the model's accuracy per round, flagged submissions with their
 * reasons and every trainer's stake, slashes and rewards. Everything comes from the task's history
 * (readTaskHistory) and its audit (auditTask, the replay `zkmerit audit --task` runs): the explorer
 * shows what the auditor verified, and computes no rule of its own.
 */

const addr = addressLink;
const txl = txLink;
const when = (t: bigint | number) => (Number(t) ? new Date(Number(t) * 1000).toISOString().replace(".000Z", "Z") : "-");
const ok = (v: boolean | undefined): ViewCell =>
  v === undefined ? { text: "-", tone: "muted" } : v ? { text: "✔ verified", tone: "ok" } : { text: "✘ FAILED", tone: "bad" };

const bitCount = (m: bigint) => m.toString(2).replace(/0/g, "").length;

interface TaskData {
  h: TaskHistory;
  report: ContributionAuditReport;
  info: Awaited<ReturnType<ReturnType<typeof marketReader>["read"]["roundInfo"]>>;
  /** What the audit was computed from: reused while the task's events stay the same. */
  key: string;
}

const historyKey = (h: TaskHistory) =>
  JSON.stringify([
    [...h.rounds.entries()].map(([r, x]) => [
      r,
      x.commits.length,
      x.reveals.length,
      x.proposals.length,
      Boolean(x.finalized),
      Boolean(x.expired),
    ]),
    h.slashes.length,
    h.claims.length,
    h.members.length,
    h.left.length,
  ]);

export function contributionExplorer(env: ExplorerEnv): ModuleExplorer {
  const market = contractAddress(env.deployments, "TrainingMarket");
  const circuit = marketCircuit(env.deployments);
  const entry = circuitArtifacts(circuit);
  const read = marketReader(env.client, market).read;
  const cache = new Map<string, TaskData>();
  let shape: { slots: number; params: number } | undefined;

  async function task(id: bigint): Promise<TaskData> {
    const h = await readTaskHistory(env.logs ?? env.client, market, id, { fromBlock: BigInt(env.deployments.startBlock) });
    const info = await read.roundInfo([id]);
    const key = historyKey(h);
    const hit = cache.get(id.toString());
    if (hit && hit.key === key) return { ...hit, h, info };
    shape ??= await marketShape(env.client, market, circuit);
    const report = await auditTask({
      client: env.client,
      chainId: env.chainId,
      market,
      store: env.store,
      entry,
      shape,
      taskId: id,
      fromBlock: BigInt(env.deployments.startBlock),
      logs: env.logs,
    });
    const t = { h, report, info, key };
    cache.set(id.toString(), t);
    return t;
  }

  return {
    id: "contribution",
    title: "Training market",
    async view(): Promise<ModuleView> {
      const count = await read.taskCount();
      const tasks: TaskData[] = [];
      for (let i = 1n; i <= count; i++) tasks.push(await task(i));
      return buildView(env, market, circuit, tasks);
    },
  };
}

function roundStatus(t: TaskData, r: number): string {
  return t.report.rounds.find((x) => x.round === r)?.status ?? "open";
}

function buildView(env: ExplorerEnv, market: Address, circuit: string, tasks: TaskData[]): ModuleView {
  const pages: Record<string, ViewPage> = {};
  const addresses: Record<string, ViewSection[]> = {};
  const txs: Record<string, ViewSection[]> = {};
  const at = (a: string, s: ViewSection) => (addresses[a.toLowerCase()] ??= []).push(s);
  const attx = (h: string, s: ViewSection) => (txs[h.toLowerCase()] ??= []).push(s);
  const pending: string[] = [];

  for (const t of tasks) {
    const { h, report: r } = t;
    const id = h.taskId.toString();
    const p = h.params;
    const taskLink = link(`task ${id}`, `/task/${id}`);
    const slashedOf = (slot: number, offence?: string) =>
      h.slashes.filter((s) => s.slot === slot && (!offence || s.offence === offence)).reduce((a, s) => a + s.amount, 0n);
    const claimedOf = (a: string) => h.claims.filter((c) => c.trainer.toLowerCase() === a.toLowerCase()).reduce((x, c) => x + c.amount, 0n);
    const done = r.rounds.filter((x) => x.status === "finalized").length;
    const cur = Number(t.info.round);
    if (cur < Number(p.numRounds)) {
      const st = roundStatus(t, cur);
      if (st === "pending") pending.push(`task ${id} round ${cur}: a proposal in its challenge window (final at ${when(t.info.finalAt)})`);
      else if (t.info.revealedMask !== 0n)
        pending.push(`task ${id} round ${cur}: reveals awaiting settlement (deadline ${when(t.info.settlementDeadline)})`);
    }

    const roundsTable = {
      header: [
        "round",
        "status",
        "commits / reveals",
        "settler",
        "settlement tx",
        "settlement gas",
        "proof",
        "accuracy (%)",
        "not paid",
        "slashed (tokens)",
      ],
      numeric: [2, 5, 7, 8, 9],
      rows: r.rounds.map((x) => {
        const f = x.proposals.find((q) => q.final) ?? x.proposals.at(-1);
        return [
          link(`round ${x.round}`, `/round/${id}/${x.round}`),
          { text: x.status, tone: x.status === "finalized" ? "ok" : x.status === "expired" ? "bad" : "warn" },
          `${x.commits} / ${x.reveals}`,
          f ? addr(f.settler) : "-",
          f ? txl(f.txHash) : "-",
          f ? fmtNum(Number(f.gasUsed)) : "-",
          ok(f?.checks.proof),
          x.accuracy === undefined ? "-" : (x.accuracy * 100).toFixed(1),
          String(flaggedOf(x).length),
          fmtTokens(x.slashed.reduce((a, s) => a + BigInt(s.amount), 0n)),
        ] as ViewCell[];
      }),
      empty: "no round has started yet",
    };
    const trainersTable = {
      header: [
        "slot",
        "trainer",
        "stake (tokens)",
        "slashed: proven (tokens)",
        "slashed: no-show (tokens)",
        "cumulative reward (tokens)",
        "claimed (tokens)",
        ...(h.left.length ? ["left in round"] : []),
      ],
      numeric: [0, 2, 3, 4, 5, 6],
      rows: h.members.map((m) => [
        String(m.slot),
        addr(m.trainer),
        fmtTokens(p.minStake),
        fmtTokens(slashedOf(m.slot, "proven")),
        fmtTokens(slashedOf(m.slot, "no-show")),
        fmtTokens(r.cumulativeRewards[m.slot] ?? "0"),
        fmtTokens(claimedOf(m.trainer)),
        ...(h.left.length ? [h.left.find((l) => l.slot === m.slot)?.round.toString() ?? "-"] : []),
      ]),
      empty: "no trainer has joined",
    };
    const flagged = r.rounds.flatMap((x) =>
      flaggedOf(x).map((d) => {
        const m = h.members.find((q) => q.slot === d.slot);
        const rv = h.rounds.get(x.round)?.reveals.find((v) => v.slot === d.slot);
        return [
          link(`round ${x.round}`, `/round/${id}/${x.round}`),
          String(d.slot),
          m ? addr(m.trainer) : "-",
          { text: flagReason(d), tone: d.slashed ? "bad" : "warn" },
          rv ? txl(rv.txHash) : "-",
        ] as ViewCell[];
      }),
    );
    const noShows = h.slashes
      .filter((s) => s.offence === "no-show")
      .map(
        (s) =>
          [
            link(`round ${s.round}`, `/round/${id}/${s.round}`),
            String(s.slot),
            addr(s.trainer),
            { text: `no-show: committed, never revealed (${fmtTokens(s.amount)} tokens)`, tone: "bad" },
            txl(s.txHash),
          ] as ViewCell[],
      );
    const charts = r.charts.filter((c) => c.id !== "flagged");
    pages[`task/${id}`] = {
      title: `Task ${id}`,
      subtitle: `training market ${market}, circuit ${circuit}`,
      badge: { text: `audit ${r.verdict}`, tone: r.ok ? "ok" : "bad" },
      crumbs: [
        { text: "overview", href: "/" },
        { text: "training market", href: "/module/contribution" },
      ],
      sections: [
        {
          id: "task",
          title: "Task",
          facts: [
            { label: "owner", value: link(h.owner, `/address/${h.owner}`, { mono: true }) },
            { label: "rounds", value: `${done} of ${p.numRounds} finalized; current round ${t.info.round}` },
            { label: "budget", value: fmtTokens(p.budget, true) },
            { label: "settlement fee per round", value: fmtTokens(p.settlementFee, true) },
            { label: "stake per trainer", value: fmtTokens(p.minStake, true) },
            { label: "slash per proven offence", value: fmtTokens(p.slashAmount, true) },
            { label: "no-show penalty", value: fmtTokens(p.noShowPenalty, true) },
            {
              label: "windows (commit / reveal / settle / challenge)",
              value: `${p.commitWindow} / ${p.revealWindow} / ${p.settlementWindow} / ${p.challengeWindow} s`,
            },
            { label: "root updates by the owner", value: p.rootUpdates ? "yes (slot 0)" : "no" },
            { label: "evaluation data", value: r.rounds.some((x) => x.accuracy !== undefined) ? EVALUATION_DATA : "none for this model" },
            {
              label: "verifier",
              value: {
                text: `${r.verifier.address} ${r.verifier.matchesLocalKey ? "matches" : "DOES NOT match"} the local key (vkey sha256 ${r.verifier.vkeySha256.slice(0, 16)}…)`,
                tone: r.verifier.matchesLocalKey ? "ok" : "bad",
                href: `/address/${r.verifier.address}`,
              },
            },
            {
              label: "audit",
              value: {
                text: `${r.verdict}: ${r.checks.filter((c) => c.ok).length} of ${r.checks.length} checks passed`,
                tone: r.ok ? "ok" : "bad",
              },
            },
          ],
        },
        cur >= Number(p.numRounds)
          ? {
              id: "current",
              title: "Task finished",
              text: [
                `all ${p.numRounds} rounds are over; trainers claim their rewards and release their stake, the owner reclaims what is left`,
              ],
            }
          : {
              id: "current",
              title: `Current round (${t.info.round})`,
              badge: { text: roundStatus(t, cur), tone: "warn" },
              facts: [
                { label: "started", value: when(t.info.startedAt) },
                { label: "commit deadline", value: when(t.info.commitEnd) },
                { label: "reveal deadline", value: when(t.info.revealEnd) },
                { label: "settlement deadline", value: when(t.info.settlementDeadline) },
                { label: "commits / reveals so far", value: `${bitCount(t.info.committedMask)} / ${bitCount(t.info.revealedMask)}` },
                {
                  label: "pending proposal",
                  value:
                    t.info.settler === "0x0000000000000000000000000000000000000000"
                      ? "none"
                      : `by ${t.info.settler}, final at ${when(t.info.finalAt)}`,
                },
                { label: "reward of the round", value: fmtTokens(t.info.reward, true) },
              ],
            },
        { id: "charts", title: "Charts", charts },
        { id: "rounds", title: "Rounds", tables: [roundsTable] },
        { id: "trainers", title: "Trainers: stake, slashes and rewards", tables: [trainersTable] },
        {
          id: "flagged",
          title: "Flagged submissions",
          tables: [
            {
              header: ["round", "slot", "trainer", "reason", "transaction"],
              rows: [...flagged, ...noShows],
              empty: "no submission was flagged",
            },
          ],
        },
        {
          id: "rerun",
          title: "Audit this task yourself",
          code: [`npm run zkmerit -- audit --task ${id} --network <network> --html audit-task-${id}.html`],
        },
      ],
    };
    at(h.owner, {
      title: `Owner of task ${id}`,
      facts: [
        { label: "task", value: taskLink },
        { label: "budget", value: fmtTokens(p.budget, true) },
      ],
    });
    for (const m of h.members)
      at(m.trainer, {
        title: `Trainer in task ${id}, slot ${m.slot}`,
        facts: [
          { label: "task", value: taskLink },
          { label: "stake locked on joining", value: fmtTokens(p.minStake, true) },
          { label: "slashed (proven offences)", value: fmtTokens(slashedOf(m.slot, "proven"), true) },
          { label: "slashed (no-show)", value: fmtTokens(slashedOf(m.slot, "no-show"), true) },
          { label: "cumulative reward", value: fmtTokens(r.cumulativeRewards[m.slot] ?? "0", true) },
          { label: "claimed", value: fmtTokens(claimedOf(m.trainer), true) },
        ],
        tables: [
          {
            title: "Offences",
            header: ["round", "offence", "amount (tokens)", "transaction"],
            rows: h.slashes
              .filter((s) => s.slot === m.slot)
              .map((s) => [
                link(`round ${s.round}`, `/round/${id}/${s.round}`),
                s.offence === "no-show"
                  ? "no-show (committed, never revealed)"
                  : flagReason(
                      r.rounds.find((x) => x.round === s.round)?.decisions.find((d) => d.slot === s.slot) ?? {
                        slot: s.slot,
                        included: true,
                        root: false,
                        excluded: false,
                        slashed: true,
                        norm: false,
                        dup: false,
                      },
                    ),
                fmtTokens(s.amount),
                txl(s.txHash),
              ]),
            empty: "never slashed",
          },
        ],
      });

    for (const x of r.rounds) {
      const rh = h.rounds.get(x.round)!;
      const section = r.sections.find((s) => s.id === `round-${x.round}`);
      const byslot = new Map(x.shares.map((s) => [s.slot, s]));
      const decision = new Map(x.decisions.map((d) => [d.slot, d]));
      const subRows = rh.reveals.map((v) => {
        const d = decision.get(v.slot);
        const sh = byslot.get(v.slot);
        return [
          String(v.slot),
          addr(v.trainer),
          txl(v.txHash),
          d ? (d.included ? "yes" : { text: "no", tone: "warn" }) : "-",
          sh ? (Number(sh.trust) / 65536).toFixed(3) : "-",
          sh ? (Number(sh.value) / 2 ** 24).toFixed(4) : "-",
          sh ? fmtTokens(sh.share) : "-",
          d
            ? flaggedOf(x).includes(d)
              ? { text: flagReason(d), tone: d.slashed ? "bad" : "warn" }
              : d.root
                ? "root update"
                : { text: "paid", tone: "ok" }
            : "-",
        ] as ViewCell[];
      });
      const revealed = new Set(rh.reveals.map((v) => v.slot));
      for (const c of rh.commits)
        if (!revealed.has(c.slot))
          subRows.push([
            String(c.slot),
            addr(c.trainer),
            txl(c.txHash),
            { text: "never revealed", tone: "bad" },
            "-",
            "-",
            "-",
            { text: "no-show", tone: "bad" },
          ]);
      const rewardChart: AuditChart = {
        id: `round-${x.round}-shares`,
        title: `Reward per slot in round ${x.round}`,
        kind: "bar",
        labels: x.shares.map((s) => String(s.slot)),
        x: { label: "slot" },
        y: { label: "reward", unit: "tokens" },
        series: [{ name: "share of the round's reward", values: x.shares.map((s) => tokensOf(s.share)), color: "#3a9c5b" }],
      };
      pages[`round/${id}/${x.round}`] = {
        title: `Task ${id}, round ${x.round}`,
        badge: { text: x.status, tone: x.status === "finalized" ? "ok" : "warn" },
        crumbs: [
          { text: "overview", href: "/" },
          { text: "training market", href: "/module/contribution" },
          { text: `task ${id}`, href: `/task/${id}` },
        ],
        sections: [
          {
            id: "round",
            title: "Round",
            facts: [
              { label: "task", value: taskLink },
              { label: "commits / reveals", value: `${x.commits} / ${x.reveals}` },
              {
                label: "accuracy after the round",
                value:
                  x.accuracy === undefined
                    ? "no evaluation data for this model"
                    : `${(x.accuracy * 100).toFixed(1)} % on ${EVALUATION_DATA}`,
              },
              { label: "challenge deadline of the last proposal", value: rh.proposals.length ? when(rh.proposals.at(-1)!.finalAt) : "-" },
              ...(rh.finalized
                ? [
                    { label: "finalized in", value: txl(rh.finalized.txHash) },
                    { label: "settlement fee paid", value: fmtTokens(rh.finalized.fee, true) },
                  ]
                : []),
            ],
          },
          {
            id: "proposals",
            title: "Proposals",
            tables: [
              {
                header: ["settler", "transaction", "gas", "included slots", "proof", "recomputed", "outcome"],
                numeric: [2],
                rows: x.proposals.map((q) => [
                  addr(q.settler),
                  txl(q.txHash),
                  fmtNum(Number(q.gasUsed)),
                  q.included.join(", "),
                  ok(q.checks.proof),
                  ok(
                    ["acc", "newState", "rewardRoot", "excludedMask", "slashedMask"].every((k) => q.checks[k] !== false) &&
                      q.checks.recomputed !== false,
                  ),
                  q.final
                    ? { text: "final", tone: "ok" }
                    : x.proposals.at(-1) === q && !rh.finalized
                      ? { text: "in challenge window", tone: "warn" }
                      : { text: "replaced", tone: "muted" },
                ]),
                empty: "no proposal yet",
              },
            ],
          },
          {
            id: "submissions",
            title: "Submissions",
            charts: x.shares.length ? [rewardChart] : [],
            tables: [
              {
                header: ["slot", "trainer", "reveal tx", "included", "trust", "value", "reward (tokens)", "decision"],
                numeric: [0, 4, 5, 6],
                rows: subRows,
                empty: "no submission",
              },
            ],
          },
          { id: "checks", title: "Audit checks", checks: section?.checks ?? [] },
        ],
      };
      for (const c of rh.commits)
        attx(c.txHash, {
          title: `Commit to task ${id}, round ${x.round}`,
          facts: [
            { label: "round", value: link(`round ${x.round}`, `/round/${id}/${x.round}`) },
            { label: "slot", value: String(c.slot) },
            { label: "commit hash", value: { text: c.commitHash, mono: true } },
          ],
        });
      for (const v of rh.reveals)
        attx(v.txHash, {
          title: `Reveal in task ${id}, round ${x.round}`,
          facts: [
            { label: "round", value: link(`round ${x.round}`, `/round/${id}/${x.round}`) },
            { label: "slot", value: String(v.slot) },
            { label: "content", value: { text: v.uri, mono: true } },
          ],
        });
      for (const q of x.proposals) {
        attx(q.txHash, {
          title: `Settlement proposal for task ${id}, round ${x.round}`,
          facts: [
            { label: "round", value: link(`round ${x.round}`, `/round/${id}/${x.round}`) },
            { label: "settler", value: addr(q.settler) },
            { label: "proof", value: ok(q.checks.proof) },
            { label: "verifier", value: `${r.verifier.address} (vkey sha256 ${r.verifier.vkeySha256.slice(0, 16)}…)` },
            { label: "outcome", value: q.final ? "final" : q.replaced ? "replaced a weaker proposal" : "proposed" },
          ],
        });
        at(q.settler, {
          title: `Settler of task ${id}, round ${x.round}`,
          facts: [
            { label: "round", value: link(`round ${x.round}`, `/round/${id}/${x.round}`) },
            { label: "transaction", value: txl(q.txHash) },
            { label: "gas", value: `${fmtNum(Number(q.gasUsed))} gas` },
          ],
        });
      }
      if (rh.finalized)
        attx(rh.finalized.txHash, {
          title: `Finalized task ${id}, round ${x.round}`,
          facts: [
            { label: "round", value: link(`round ${x.round}`, `/round/${id}/${x.round}`) },
            { label: "fee", value: fmtTokens(rh.finalized.fee, true) },
          ],
        });
    }
    for (const s of h.slashes)
      attx(s.txHash, {
        title: `Slash in task ${id}, round ${s.round}`,
        facts: [
          { label: "trainer", value: addr(s.trainer) },
          { label: "offence", value: s.offence },
          { label: "amount", value: fmtTokens(s.amount, true) },
        ],
      });
  }

  const accuracyChart: AuditChart | undefined = tasks.length
    ? {
        ...tasks[tasks.length - 1].report.charts.find((c) => c.id === "accuracy")!,
        id: "overview-accuracy",
        title: `Model accuracy per round, task ${tasks[tasks.length - 1].h.taskId}`,
      }
    : undefined;
  const overview: ViewPage = {
    title: "Training market",
    subtitle: `market ${market} on chain ${env.chainId}, circuit ${circuit}`,
    crumbs: [{ text: "overview", href: "/" }],
    sections: [
      {
        id: "market",
        title: "Market",
        facts: [
          { label: "market", value: link(market, `/address/${market}`, { mono: true }) },
          { label: "tasks", value: String(tasks.length) },
          { label: "pending", value: pending.length ? pending.join("; ") : "nothing" },
        ],
        charts: accuracyChart ? [accuracyChart] : [],
      },
      {
        id: "tasks",
        title: "Tasks",
        tables: [
          {
            header: [
              "task",
              "owner",
              "rounds finalized",
              "budget (tokens)",
              "fee per round (tokens)",
              "trainers",
              "latest accuracy (%)",
              "slashed (tokens)",
              "audit",
            ],
            numeric: [2, 3, 4, 5, 6, 7],
            rows: tasks.map((t) => {
              const last = [...t.report.rounds].reverse().find((x) => x.accuracy !== undefined);
              return [
                link(`task ${t.h.taskId}`, `/task/${t.h.taskId}`),
                addr(t.h.owner),
                `${t.report.rounds.filter((x) => x.status === "finalized").length} / ${t.h.params.numRounds}`,
                fmtTokens(t.h.params.budget),
                fmtTokens(t.h.params.settlementFee),
                String(t.h.members.length),
                last ? (last.accuracy! * 100).toFixed(1) : "-",
                fmtTokens(t.h.slashes.reduce((a, s) => a + s.amount, 0n)),
                { text: t.report.verdict, tone: t.report.ok ? "ok" : "bad" },
              ] as ViewCell[];
            }),
            empty: "no task yet",
          },
        ],
      },
    ],
  };
  return {
    overview,
    summary: {
      facts: [
        { label: "market", value: link(market, `/address/${market}`, { mono: true }) },
        { label: "tasks", value: tasks.length ? tasks.map((t) => `${t.h.taskId}`).join(", ") : "none" },
        ...tasks.map((t) => ({
          label: `task ${t.h.taskId}`,
          value: link(
            `${t.report.rounds.filter((x) => x.status === "finalized").length} of ${t.h.params.numRounds} rounds finalized, audit ${t.report.verdict}`,
            `/task/${t.h.taskId}`,
          ),
        })),
      ],
      pending,
      charts: accuracyChart ? [accuracyChart] : [],
    },
    pages,
    addresses,
    txs,
    data: {
      market,
      circuit,
      tasks: tasks.map((t) => ({
        taskId: t.h.taskId.toString(),
        owner: t.h.owner,
        numRounds: Number(t.h.params.numRounds),
        currentRound: Number(t.info.round),
        verdict: t.report.verdict,
        rounds: t.report.rounds.map((x) => ({
          round: x.round,
          status: x.status,
          commits: x.commits,
          reveals: x.reveals,
          accuracy: x.accuracy ?? null,
          proposals: x.proposals.map((q) => ({
            settler: q.settler,
            txHash: q.txHash,
            gasUsed: q.gasUsed,
            final: q.final,
            proof: q.checks.proof ?? null,
          })),
          flagged: flaggedOf(x).map((d) => ({ slot: d.slot, reason: flagReason(d) })),
          slashed: x.slashed,
        })),
        trainers: t.h.members.map((m) => ({
          slot: m.slot,
          trainer: m.trainer,
          stake: t.h.params.minStake.toString(),
          slashed: t.h.slashes
            .filter((s) => s.slot === m.slot)
            .reduce((a, s) => a + s.amount, 0n)
            .toString(),
          cumulativeReward: t.report.cumulativeRewards[m.slot] ?? "0",
        })),
      })),
    },
  };
}
