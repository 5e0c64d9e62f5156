import type { Address, Hex } from "viem";
import { contractAddress, logPass } from "../core";
import {
  fmtNum,
  fmtTokens,
  link,
  type AuditChart,
  type AuditReport,
  type ViewCell,
  type ViewPage,
  type ViewSection,
  addressLink,
  txLink,
} from "../audit";
import type { ExplorerEnv, ModuleExplorer, ModuleView } from "../service/explorer";
import { reputationAudit } from "./audit";
import { swarmEvents, swarmReader } from "./chain";
import { LANES, REP_MAX, unpackRepWord } from "./reference";
import { swarmCircuit } from "./module";
import { ROUND_STATUS } from "./job";

/**
 * Module 3's part of the explorer: the swarm's nodes (stake, slot, reputation, strikes, rewards,
 * slashes), every slot's reputation trajectory over the final rounds, and each round with its
 * winner, settlement gas, proof check and audit. Reputations come from the swarm's events (the
 * words each final proposal posted); each round's checks are those of `reputationAudit`, the
 * audit `zkmerit audit --reputation-round` runs.
 */

const addr = addressLink;
const txl = txLink;
const rep = (v: bigint | number) => ((Number(v) / Number(REP_MAX)) * 100).toFixed(1);
const OFFENCES = [
  "strikes (flagged too often)",
  "answer no-show (committed, never revealed)",
  "judgment no-show (committed, never revealed)",
];
const slotsOf = (mask: bigint, n: number) => [...Array(n).keys()].filter((i) => (mask >> BigInt(i)) & 1n);

interface Ev {
  name: string;
  args: Record<string, unknown>;
  txHash: Hex;
  block: bigint;
}

/** The new words of an outBytes (rule 14): after the 37 header bytes and the M old words. */
function outNewWords(out: Hex, n: number): bigint[] {
  const m = Math.ceil(n / LANES);
  const hex = out.slice(2);
  return Array.from({ length: m }, (_, i) => BigInt("0x" + hex.slice((37 + 32 * (m + i)) * 2, (37 + 32 * (m + i + 1)) * 2)));
}

export function reputationExplorer(env: ExplorerEnv): ModuleExplorer {
  const swarm = contractAddress(env.deployments, "SwarmReputation");
  const circuit = swarmCircuit(env.deployments);
  const audits = new Map<number, { key: string; report: AuditReport }>();
  const gas = new Map<string, bigint>();

  return {
    id: "reputation",
    title: "Swarm reputation",
    async view(): Promise<ModuleView> {
      const pass = await logPass(env.logs ?? env.client);
      const evs: Ev[] = (await swarmEvents(pass, swarm, BigInt(env.deployments.startBlock))).map((e) => ({
        name: e.eventName,
        args: (e.args ?? {}) as Record<string, unknown>,
        txHash: e.transactionHash,
        block: e.blockNumber,
      }));
      const of = (name: string) => evs.filter((e) => e.name === name);
      const read = swarmReader(env.client, swarm).read;
      const n = Number((await read.params()).slots);
      const opened = of("RoundOpened");
      const finalized = of("RoundFinalized");
      const expired = new Set(of("RoundExpired").map((e) => Number(e.args.round)));
      const proposals = of("RankingProposed");
      for (const e of proposals)
        if (!gas.has(e.txHash)) gas.set(e.txHash, (await env.client.getTransactionReceipt({ hash: e.txHash })).gasUsed);
      for (const o of opened) {
        const r = Number(o.args.round);
        const ps = proposals.filter((p) => Number(p.args.round) === r);
        const fin = finalized.some((f) => Number(f.args.round) === r);
        const key = `${ps.length}:${fin}`;
        if (!ps.length || audits.get(r)?.key === key) continue;
        audits.set(r, { key, report: await reputationAudit.run(env, { round: r }) });
      }
      // Nodes, their slots, and each slot's reputation after every final round.
      const nodes = of("NodeRegistered").map((e) => ({
        id: Number(e.args.nodeId),
        account: e.args.account as Address,
        stake: e.args.stake as bigint,
        uri: e.args.metadataURI as string,
        txHash: e.txHash,
      }));
      const slotOwner = new Map<number, number>();
      const reps: bigint[] = new Array<bigint>(n).fill(0n);
      const trajectory = new Map<number, Array<number | null>>();
      const labels = ["admitted"];
      // Events in chain order: admissions set a lane, final rounds write every lane, leaving zeroes one.
      const timeline = evs.filter((e) => ["NodeAdmitted", "RoundFinalized", "SlotsFreed"].includes(e.name));
      const push = () => {
        for (let s = 0; s < n; s++) {
          if (!trajectory.has(s)) trajectory.set(s, new Array<number | null>(labels.length - 1).fill(null));
          trajectory.get(s)!.push(slotOwner.has(s) ? Number(rep(reps[s])) : null);
        }
      };
      for (const e of timeline) {
        if (e.name === "NodeAdmitted") {
          slotOwner.set(Number(e.args.slot), Number(e.args.nodeId));
          reps[Number(e.args.slot)] = e.args.reputation as bigint;
        } else if (e.name === "SlotsFreed") {
          for (const s of slotsOf(e.args.mask as bigint, n)) {
            slotOwner.delete(s);
            reps[s] = 0n;
          }
        } else {
          const r = Number(e.args.round);
          const last = proposals.filter((p) => Number(p.args.round) === r && p.block <= e.block).at(-1);
          if (!last) continue;
          outNewWords(last.args.out as Hex, n)
            .flatMap(unpackRepWord)
            .slice(0, n)
            .forEach((v, s) => (reps[s] = v));
          if (labels.length === 1) push();
          labels.push(`r${r}`);
          push();
        }
      }
      if (labels.length === 1) push();
      const shown = [...slotOwner.keys()].sort((a, b) => a - b).slice(0, 16);
      const chart: AuditChart = {
        id: "reputation-trajectories",
        title: "Reputation of each slot after each final round",
        kind: "line",
        labels,
        x: { label: "round" },
        y: { label: "reputation", unit: "%" },
        series: shown.map((s) => ({ name: `slot ${s}`, values: trajectory.get(s)!.slice(0, labels.length) })),
        note:
          slotOwner.size > 16
            ? `the first 16 of ${slotOwner.size} slots; every node has its own page`
            : "reputation as a share of the 16-bit maximum (65535 = 100 %)",
      };
      const credited = (account: string) =>
        of("RewardCredited")
          .filter((e) => (e.args.account as string).toLowerCase() === account.toLowerCase())
          .reduce((a, e) => a + (e.args.amount as bigint), 0n);
      const slashesOf = (id: number) => of("NodeSlashed").filter((e) => Number(e.args.nodeId) === id);
      const flagsOf = (id: number) => of("NodeFlagged").filter((e) => Number(e.args.nodeId) === id);

      const pages: Record<string, ViewPage> = {};
      const addresses: Record<string, ViewSection[]> = {};
      const txs: Record<string, ViewSection[]> = {};
      const at = (a: string, s: ViewSection) => (addresses[a.toLowerCase()] ??= []).push(s);
      const attx = (h: string, s: ViewSection) => (txs[h.toLowerCase()] ??= []).push(s);
      const crumbs = [
        { text: "overview", href: "/" },
        { text: "swarm reputation", href: "/module/reputation" },
      ];
      const slotOf = (id: number) => [...slotOwner].find(([, v]) => v === id)?.[0];
      for (const node of nodes) {
        const slot = slotOf(node.id);
        const sl = slashesOf(node.id);
        const slashRows = sl.map((e) => [
          link(`round ${e.args.round}`, `/swarm-round/${e.args.round}`),
          OFFENCES[Number(e.args.offence)] ?? String(e.args.offence),
          fmtTokens(e.args.amount as bigint),
          txl(e.txHash),
        ]);
        const section: ViewSection = {
          id: "node",
          title: `Node ${node.id}`,
          facts: [
            { label: "account", value: link(node.account, `/address/${node.account}`, { mono: true }) },
            { label: "metadata", value: { text: node.uri, mono: true } },
            { label: "stake", value: fmtTokens(node.stake, true) },
            { label: "slot", value: slot === undefined ? "none (not admitted, or left)" : String(slot) },
            { label: "reputation now", value: slot === undefined ? "-" : `${rep(reps[slot])} % (${reps[slot]} of 65535)` },
            {
              label: "flagged in rounds",
              value:
                flagsOf(node.id)
                  .map((e) => String(e.args.round))
                  .join(", ") || "never",
            },
            { label: "rewards credited", value: fmtTokens(credited(node.account), true) },
            {
              label: "slashed",
              value: fmtTokens(
                sl.reduce((a, e) => a + (e.args.amount as bigint), 0n),
                true,
              ),
            },
            { label: "registered in", value: txl(node.txHash) },
          ],
          tables: [
            { title: "Slashes", header: ["round", "offence", "amount (tokens)", "transaction"], rows: slashRows, empty: "never slashed" },
          ],
          ...(slot !== undefined
            ? {
                charts: [
                  {
                    ...chart,
                    id: `node-${node.id}-trajectory`,
                    title: `Reputation of node ${node.id} (slot ${slot})`,
                    series: [{ name: `slot ${slot}`, values: trajectory.get(slot)!.slice(0, labels.length) }],
                  },
                ],
              }
            : {}),
        };
        pages[`node/${node.id}`] = { title: `Node ${node.id}`, crumbs, sections: [section] };
        at(node.account, { ...section, title: `Swarm node ${node.id}`, charts: [] });
        attx(node.txHash, {
          title: `Registered node ${node.id}`,
          facts: [{ label: "node", value: link(`node ${node.id}`, `/node/${node.id}`) }],
        });
      }
      const roundRows: ViewCell[][] = [];
      for (const o of opened) {
        const r = Number(o.args.round);
        const ps = proposals.filter((p) => Number(p.args.round) === r);
        const fin = finalized.find((f) => Number(f.args.round) === r);
        const status = fin ? "final" : expired.has(r) ? "expired" : ps.length ? "proposed" : "open";
        const audit = audits.get(r)?.report;
        const proof = audit ? audit.checks.filter((c) => c.name.endsWith(".proof")) : [];
        const last = ps.at(-1);
        const winner = last ? Number(last.args.winner) : undefined;
        const winnerNode = winner !== undefined && winner < n ? slotOwner.get(winner) : undefined;
        const tone = status === "final" ? "ok" : status === "expired" ? "bad" : "warn";
        roundRows.push([
          link(`round ${r}`, `/swarm-round/${r}`),
          { text: status, tone },
          winner === undefined
            ? "-"
            : winner === n
              ? "nobody answered"
              : winnerNode
                ? link(`slot ${winner} (node ${winnerNode})`, `/node/${winnerNode}`)
                : `slot ${winner}`,
          fmtTokens(o.args.reward as bigint),
          last ? fmtNum(Number(gas.get(last.txHash) ?? 0n)) : "-",
          last ? String(slotsOf(last.args.flaggedMask as bigint, n).length) : "-",
          proof.length ? (proof.every((c) => c.ok) ? { text: "✔ verified", tone: "ok" } : { text: "✘ FAILED", tone: "bad" }) : "-",
          audit ? { text: audit.verdict, tone: audit.ok ? "ok" : "bad" } : "-",
        ]);
        pages[`swarm-round/${r}`] = {
          title: `Round ${r}`,
          badge: { text: status, tone },
          crumbs,
          sections: [
            {
              id: "round",
              title: "Round",
              facts: [
                { label: "opened by", value: addr(o.args.opener as string) },
                { label: "question", value: { text: o.args.questionURI as string, mono: true } },
                { label: "reward", value: fmtTokens(o.args.reward as bigint, true) },
                {
                  label: "answers / judgments revealed",
                  value: `${of("AnswerRevealed").filter((x) => Number(x.args.round) === r).length} / ${of("JudgmentRevealed").filter((x) => Number(x.args.round) === r).length}`,
                },
                {
                  label: "winner",
                  value:
                    winner === undefined
                      ? "not settled"
                      : winner === n
                        ? "nobody answered"
                        : winnerNode
                          ? link(`slot ${winner} (node ${winnerNode})`, `/node/${winnerNode}`)
                          : `slot ${winner}`,
                },
                ...(fin
                  ? [
                      { label: "paid to the winner", value: fmtTokens(fin.args.winnerReward as bigint, true) },
                      { label: "paid to each agreeing judge", value: fmtTokens(fin.args.judgeReward as bigint, true) },
                      { label: "refunded", value: fmtTokens(fin.args.refund as bigint, true) },
                    ]
                  : []),
                { label: "audit", value: audit ? `${audit.verdict}: ${audit.summary}` : "nothing to audit yet" },
              ],
            },
            {
              id: "proposals",
              title: "Proposals",
              tables: [
                {
                  header: ["settler", "transaction", "gas", "winner", "judges included", "flagged slots", "outcome"],
                  numeric: [2, 4],
                  rows: ps.map((p, i) => [
                    addr(p.args.settler as string),
                    txl(p.txHash),
                    fmtNum(Number(gas.get(p.txHash) ?? 0n)),
                    `slot ${p.args.winner}`,
                    String(slotsOf(p.args.includedMask as bigint, n).length),
                    slotsOf(p.args.flaggedMask as bigint, n).join(", ") || "none",
                    i === ps.length - 1 && fin
                      ? { text: "final", tone: "ok" }
                      : p.args.replaced
                        ? "replaced a weaker one"
                        : i < ps.length - 1
                          ? "replaced"
                          : "pending",
                  ]),
                  empty: "no proposal",
                },
              ],
            },
            ...(audit ? [{ id: "checks", title: "Audit checks", charts: audit.charts, checks: audit.checks, tables: audit.tables }] : []),
          ],
        };
        for (const p of ps) {
          attx(p.txHash, {
            title: `Ranking proposal for round ${r}`,
            facts: [
              { label: "round", value: link(`round ${r}`, `/swarm-round/${r}`) },
              { label: "settler", value: addr(p.args.settler as string) },
              { label: "audit", value: audit ? audit.verdict : "-" },
            ],
          });
        }
        attx(o.txHash, { title: `Opened round ${r}`, facts: [{ label: "round", value: link(`round ${r}`, `/swarm-round/${r}`) }] });
      }
      const current = await read.currentRound();
      const info = current === 0 ? undefined : await read.roundInfo([current]);
      const pending =
        info && (ROUND_STATUS[info.status] === "Open" || ROUND_STATUS[info.status] === "Proposed")
          ? [
              `round ${current}: ${ROUND_STATUS[info.status].toLowerCase()}, ${slotsOf(info.answeredMask, n).length} answers and ${slotsOf(info.judgedMask, n).length} judgments revealed (settlement deadline ${new Date(Number(info.settlementDeadline) * 1000).toISOString()})`,
            ]
          : [];
      const overview: ViewPage = {
        title: "Swarm reputation",
        subtitle: `swarm ${swarm} (${n} slots) on chain ${env.chainId}, circuit ${circuit}`,
        crumbs: [{ text: "overview", href: "/" }],
        sections: [
          {
            id: "swarm",
            title: "Swarm",
            facts: [
              { label: "swarm", value: link(swarm, `/address/${swarm}`, { mono: true }) },
              {
                label: "calibration",
                value: link(env.deployments.contracts.SwarmCalibration ?? "-", `/address/${env.deployments.contracts.SwarmCalibration}`, {
                  mono: true,
                }),
              },
              { label: "slots held", value: `${slotOwner.size} of ${n}` },
              { label: "nodes registered", value: String(nodes.length) },
              { label: "final rounds", value: String(finalized.length) },
            ],
            charts: [chart],
          },
          {
            id: "rounds",
            title: "Rounds",
            tables: [
              {
                header: ["round", "status", "winner", "reward (tokens)", "settlement gas", "flagged", "proof", "audit"],
                numeric: [3, 4, 5],
                rows: roundRows,
                empty: "no round opened yet",
              },
            ],
          },
          {
            id: "nodes",
            title: "Nodes",
            tables: [
              {
                header: [
                  "node",
                  "account",
                  "slot",
                  "stake (tokens)",
                  "reputation (%)",
                  "times flagged",
                  "rewards (tokens)",
                  "slashed (tokens)",
                ],
                numeric: [3, 4, 5, 6, 7],
                rows: nodes.map((node) => {
                  const slot = slotOf(node.id);
                  return [
                    link(`node ${node.id}`, `/node/${node.id}`),
                    addr(node.account),
                    slot === undefined ? "-" : String(slot),
                    fmtTokens(node.stake),
                    slot === undefined ? "-" : rep(reps[slot]),
                    String(flagsOf(node.id).length),
                    fmtTokens(credited(node.account)),
                    fmtTokens(slashesOf(node.id).reduce((a, e) => a + (e.args.amount as bigint), 0n)),
                  ];
                }),
                empty: "no node registered",
              },
            ],
          },
        ],
      };
      return {
        overview,
        summary: {
          facts: [
            { label: "swarm", value: link(swarm, `/address/${swarm}`, { mono: true }) },
            { label: "slots held / nodes", value: `${slotOwner.size} of ${n} / ${nodes.length}` },
            { label: "final rounds", value: String(finalized.length) },
          ],
          pending,
          charts: [chart],
        },
        pages,
        addresses,
        txs,
        data: {
          swarm,
          circuit,
          slots: n,
          round: current,
          finalized: finalized.map((f) => Number(f.args.round)),
          winners: Object.fromEntries(finalized.map((f) => [Number(f.args.round), Number(f.args.winner)])),
          nodes: nodes.map((node) => {
            const slot = slotOf(node.id);
            return {
              id: node.id,
              account: node.account,
              stake: node.stake.toString(),
              slot: slot ?? null,
              reputation: slot === undefined ? null : Number(reps[slot]),
              trajectory: slot === undefined ? null : trajectory.get(slot)!.slice(0, labels.length),
              rewards: credited(node.account).toString(),
            };
          }),
        },
      };
    },
  };
}
