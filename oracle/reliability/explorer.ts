import { decodeEventLog, type Address, type Hex } from "viem";
import { contractAddress, logPass, reliabilityRegistryAbi } from "../core";
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
import { readProposals, reliabilityAudit, type ProposalOnChain } from "./audit";
import { registryReader } from "./job";
import { LANES, SCORE_MAX, unpackWord } from "./reference";
import { registryCircuit } from "./module";

/**
 * Module 2's part of the explorer: the registry's sources and their score trajectories over the
 * epochs, evaluators with their stakes, strikes and slashes, and each epoch's proposals with their
 * settlement gas and proof check. Scores come from the registry's events (the words each final
 * proposal posted); each epoch's checks are those of `reliabilityAudit`, the audit `zkmerit audit
 * --epoch` runs.
 */

const addr = addressLink;
const txl = txLink;
const score = (v: bigint | number) => `${((Number(v) / Number(SCORE_MAX)) * 100).toFixed(1)}`;
/** The reveal positions a mask names ("1, 5"), or "none". */
const maskPositions = (m: number) => [...Array(32).keys()].filter((i) => (m >>> i) & 1).join(", ") || "none";
const OFFENCES = ["low reliability", "strikes (flagged too often)", "no-show (committed, never revealed)"];

interface Ev {
  name: string;
  // Decoded event arguments, read by name below.
  args: Record<string, unknown>;
  txHash: Hex;
  block: bigint;
}

export function reliabilityExplorer(env: ExplorerEnv): ModuleExplorer {
  const registry = contractAddress(env.deployments, "ReliabilityRegistry");
  const circuit = registryCircuit(env.deployments);
  const audits = new Map<number, { key: string; report: AuditReport }>();
  const gas = new Map<string, bigint>();

  return {
    id: "reliability",
    title: "Reliability registry",
    async view(): Promise<ModuleView> {
      const pass = await logPass(env.logs ?? env.client);
      const fromBlock = BigInt(env.deployments.startBlock);
      const evs: Ev[] = [];
      for (const l of await pass.logs(registry, fromBlock)) {
        try {
          const e = decodeEventLog({ abi: reliabilityRegistryAbi, data: l.data, topics: l.topics as [Hex, ...Hex[]] });
          evs.push({ name: e.eventName, args: (e.args ?? {}) as Record<string, unknown>, txHash: l.transactionHash, block: l.blockNumber });
        } catch {
          continue;
        }
      }
      const of = (n: string) => evs.filter((e) => e.name === n);
      const finalized = of("EpochFinalized").map((e) => Number(e.args.epoch));
      const epochs = [
        ...new Set([...of("FeedbackCommitted"), ...of("ScoresProposed"), ...of("EpochExpired")].map((e) => Number(e.args.epoch))),
      ].sort((a, b) => a - b);
      const proposals = new Map<number, ProposalOnChain[]>();
      for (const e of epochs) proposals.set(e, await readProposals(pass, registry, e, fromBlock));
      for (const e of of("ScoresProposed"))
        if (!gas.has(e.txHash)) gas.set(e.txHash, (await env.client.getTransactionReceipt({ hash: e.txHash })).gasUsed);
      // Each epoch's audit, once the epoch is final (and again while it is not).
      for (const e of epochs) {
        const key = `${proposals.get(e)!.length}:${finalized.includes(e)}`;
        if (audits.get(e)?.key === key || !proposals.get(e)!.length) continue;
        audits.set(e, { key, report: await reliabilityAudit.run(env, { epoch: e }) });
      }
      // Score trajectories: the prior at registration, then the words of each final proposal.
      const sources = of("SourceRegistered").map((e) => {
        const id = Number(e.args.sourceId);
        return {
          id,
          operator: e.args.operator as Address,
          stake: e.args.stake as bigint,
          uri: e.args.metadataURI as string,
          txHash: e.txHash,
          initial: unpackWord(e.args.word as bigint)[id % LANES],
        };
      });
      const current = new Map(sources.map((s) => [s.id, s.initial]));
      const trajectory = new Map<number, Array<number | null>>(sources.map((s) => [s.id, []]));
      for (const ep of finalized.sort((a, b) => a - b)) {
        const fin = evs.find((e) => e.name === "EpochFinalized" && Number(e.args.epoch) === ep)!;
        const last = proposals
          .get(ep)
          ?.filter((p) => p.blockNumber <= fin.block)
          .at(-1);
        if (last)
          last.words.forEach((w, k) =>
            unpackWord(last.newWords[k]).forEach((sc, l) => {
              const id = Number(w) * LANES + l;
              if (current.has(id)) current.set(id, sc);
            }),
          );
        for (const s of sources) trajectory.get(s.id)!.push(Number(score(current.get(s.id)!.reliability)));
      }
      const labels = finalized.map((e) => `e${e}`);
      const chart: AuditChart = {
        id: "reliability-trajectories",
        title: "Source reliability after each final epoch",
        kind: "line",
        labels: ["prior", ...labels],
        x: { label: "epoch" },
        y: { label: "reliability", unit: "%" },
        series: sources
          .slice(0, 12)
          .map((s) => ({ name: `source ${s.id}`, values: [Number(score(s.initial.reliability)), ...trajectory.get(s.id)!] })),
        note:
          sources.length > 12
            ? `the first 12 of ${sources.length} sources; every source has its own page`
            : "reliability as a share of the 16-bit maximum (65535 = 100 %)",
      };
      const slashes = of("SourceSlashed");
      const evSlashes = of("EvaluatorSlashed");
      const flags = of("EvaluatorFlagged");
      const evaluators = of("EvaluatorRegistered").map((e) => ({
        id: Number(e.args.evaluatorId),
        account: e.args.account as Address,
        stake: e.args.stake as bigint,
        txHash: e.txHash,
      }));
      const info = await registryReader(env.client, registry).read.epochInfo();

      const pages: Record<string, ViewPage> = {};
      const addresses: Record<string, ViewSection[]> = {};
      const txs: Record<string, ViewSection[]> = {};
      const at = (a: string, s: ViewSection) => (addresses[a.toLowerCase()] ??= []).push(s);
      const attx = (h: string, s: ViewSection) => (txs[h.toLowerCase()] ??= []).push(s);
      const crumbs = [
        { text: "overview", href: "/" },
        { text: "reliability registry", href: "/module/reliability" },
      ];
      for (const s of sources) {
        const sl = slashes.filter((e) => Number(e.args.sourceId) === s.id);
        const now = current.get(s.id)!;
        pages[`source/${s.id}`] = {
          title: `Source ${s.id}`,
          crumbs,
          sections: [
            {
              id: "source",
              title: "Source",
              facts: [
                { label: "operator", value: link(s.operator, `/address/${s.operator}`, { mono: true }) },
                { label: "stake", value: fmtTokens(s.stake, true) },
                { label: "metadata", value: { text: s.uri, mono: true } },
                { label: "registered in", value: txl(s.txHash) },
                { label: "reliability now", value: `${score(now.reliability)} % (${now.reliability} of 65535)` },
                { label: "usefulness now", value: `${score(now.usefulness)} % (${now.usefulness} of 65535)` },
                {
                  label: "slashed",
                  value: fmtTokens(
                    sl.reduce((a, e) => a + (e.args.amount as bigint), 0n),
                    true,
                  ),
                },
              ],
              charts: [
                {
                  ...chart,
                  id: `source-${s.id}-trajectory`,
                  title: `Reliability of source ${s.id} after each final epoch`,
                  series: [{ name: `source ${s.id}`, values: [Number(score(s.initial.reliability)), ...trajectory.get(s.id)!] }],
                },
              ],
            },
          ],
        };
        at(s.operator, {
          title: `Operator of source ${s.id}`,
          facts: [
            { label: "source", value: link(`source ${s.id}`, `/source/${s.id}`) },
            { label: "stake", value: fmtTokens(s.stake, true) },
            { label: "reliability", value: `${score(now.reliability)} %` },
          ],
        });
        attx(s.txHash, {
          title: `Registered source ${s.id}`,
          facts: [{ label: "source", value: link(`source ${s.id}`, `/source/${s.id}`) }],
        });
      }
      for (const v of evaluators) {
        const sl = evSlashes.filter((e) => Number(e.args.evaluatorId) === v.id);
        at(v.account, {
          title: `Evaluator ${v.id}`,
          facts: [
            { label: "stake", value: fmtTokens(v.stake, true) },
            {
              label: "flagged in epochs",
              value:
                flags
                  .filter((e) => Number(e.args.evaluatorId) === v.id)
                  .map((e) => String(e.args.epoch))
                  .join(", ") || "never",
            },
            {
              label: "slashed",
              value: fmtTokens(
                sl.reduce((a, e) => a + (e.args.amount as bigint), 0n),
                true,
              ),
            },
          ],
          tables: [
            {
              title: "Slashes",
              header: ["epoch", "offence", "amount (tokens)", "transaction"],
              rows: sl.map((e) => [
                link(`epoch ${e.args.epoch}`, `/epoch/${e.args.epoch}`),
                OFFENCES[Number(e.args.offence)] ?? String(e.args.offence),
                fmtTokens(e.args.amount as bigint),
                txl(e.txHash),
              ]),
              empty: "never slashed",
            },
          ],
        });
      }
      const epochRows: ViewCell[][] = [];
      for (const e of epochs) {
        const ps = proposals.get(e)!;
        const commits = of("FeedbackCommitted").filter((x) => Number(x.args.epoch) === e).length;
        const reveals = of("FeedbackRevealed").filter((x) => Number(x.args.epoch) === e).length;
        const expired = of("EpochExpired").some((x) => Number(x.args.epoch) === e);
        const status = finalized.includes(e) ? "finalized" : expired ? "expired" : ps.length ? "pending" : "open";
        const rep = audits.get(e)?.report;
        const proof = rep ? rep.checks.filter((c) => c.name.endsWith(".proof")) : [];
        const propTx = of("ScoresProposed").filter((x) => Number(x.args.epoch) === e);
        epochRows.push([
          link(`epoch ${e}`, `/epoch/${e}`),
          { text: status, tone: status === "finalized" ? "ok" : status === "expired" ? "bad" : "warn" },
          `${commits} / ${reveals}`,
          String(ps.length),
          propTx.length ? fmtNum(Number(gas.get(propTx.at(-1)!.txHash) ?? 0n)) : "-",
          proof.length ? (proof.every((c) => c.ok) ? { text: "✔ verified", tone: "ok" } : { text: "✘ FAILED", tone: "bad" }) : "-",
          rep ? { text: rep.verdict, tone: rep.ok ? "ok" : "bad" } : "-",
        ]);
        pages[`epoch/${e}`] = {
          title: `Epoch ${e}`,
          badge: { text: status, tone: status === "finalized" ? "ok" : "warn" },
          crumbs,
          sections: [
            {
              id: "epoch",
              title: "Epoch",
              facts: [
                { label: "commits / reveals", value: `${commits} / ${reveals}` },
                { label: "proposals", value: String(ps.length) },
                { label: "audit", value: rep ? `${rep.verdict}: ${rep.summary}` : "nothing to audit yet" },
              ],
            },
            {
              id: "proposals",
              title: "Proposals",
              tables: [
                {
                  header: ["settler", "transaction", "gas", "words", "flagged reveals (positions)", "outcome"],
                  numeric: [2, 3],
                  rows: propTx.map((x, i) => [
                    addr(x.args.settler as string),
                    txl(x.txHash),
                    fmtNum(Number(gas.get(x.txHash) ?? 0n)),
                    String(ps[i]?.words.length ?? "-"),
                    maskPositions(Number(x.args.flaggedMask)),
                    i === propTx.length - 1 && finalized.includes(e)
                      ? { text: "final", tone: "ok" }
                      : x.args.replaced
                        ? "replaced a weaker one"
                        : "proposed",
                  ]),
                  empty: "no proposal",
                },
              ],
            },
            ...(rep ? [{ id: "checks", title: "Audit checks", charts: rep.charts, checks: rep.checks }] : []),
          ],
        };
        for (const x of propTx) {
          attx(x.txHash, {
            title: `Score proposal for epoch ${e}`,
            facts: [
              { label: "epoch", value: link(`epoch ${e}`, `/epoch/${e}`) },
              { label: "settler", value: addr(x.args.settler as string) },
              { label: "audit", value: rep ? rep.verdict : "-" },
            ],
          });
          at(x.args.settler as string, {
            title: `Settler of epoch ${e}`,
            facts: [
              { label: "epoch", value: link(`epoch ${e}`, `/epoch/${e}`) },
              { label: "transaction", value: txl(x.txHash) },
            ],
          });
        }
      }
      const pending =
        info.commits > 0n && !finalized.includes(info.epoch)
          ? [
              `epoch ${info.epoch}: ${info.commits} commits, ${info.reveals} reveals (settlement deadline ${new Date(Number(info.settlementDeadline) * 1000).toISOString()})`,
            ]
          : [];
      const overview: ViewPage = {
        title: "Reliability registry",
        subtitle: `registry ${registry} on chain ${env.chainId}, circuit ${circuit}`,
        crumbs: [{ text: "overview", href: "/" }],
        sections: [
          {
            id: "registry",
            title: "Registry",
            facts: [
              { label: "registry", value: link(registry, `/address/${registry}`, { mono: true }) },
              { label: "current epoch", value: String(info.epoch) },
              { label: "sources", value: String(sources.length) },
              { label: "evaluators", value: String(evaluators.length) },
              { label: "final epochs", value: String(finalized.length) },
            ],
            charts: [chart],
          },
          {
            id: "sources",
            title: "Sources",
            tables: [
              {
                header: ["source", "metadata", "operator", "stake (tokens)", "reliability (%)", "usefulness (%)", "slashed (tokens)"],
                numeric: [3, 4, 5, 6],
                rows: sources.map((s) => [
                  link(`source ${s.id}`, `/source/${s.id}`),
                  { text: s.uri, mono: true },
                  addr(s.operator),
                  fmtTokens(s.stake),
                  score(current.get(s.id)!.reliability),
                  score(current.get(s.id)!.usefulness),
                  fmtTokens(slashes.filter((e) => Number(e.args.sourceId) === s.id).reduce((a, e) => a + (e.args.amount as bigint), 0n)),
                ]),
                empty: "no source registered",
              },
            ],
          },
          {
            id: "epochs",
            title: "Epochs",
            tables: [
              {
                header: ["epoch", "status", "commits / reveals", "proposals", "settlement gas", "proof", "audit"],
                numeric: [3, 4],
                rows: epochRows,
                empty: "no epoch had feedback yet",
              },
            ],
          },
          {
            id: "evaluators",
            title: "Evaluators",
            tables: [
              {
                header: ["evaluator", "account", "stake (tokens)", "times flagged", "slashed (tokens)"],
                numeric: [0, 2, 3, 4],
                rows: evaluators.map((v) => [
                  String(v.id),
                  addr(v.account),
                  fmtTokens(v.stake),
                  String(flags.filter((e) => Number(e.args.evaluatorId) === v.id).length),
                  fmtTokens(
                    evSlashes.filter((e) => Number(e.args.evaluatorId) === v.id).reduce((a, e) => a + (e.args.amount as bigint), 0n),
                  ),
                ]),
                empty: "no evaluator registered",
              },
            ],
          },
        ],
      };
      return {
        overview,
        summary: {
          facts: [
            { label: "registry", value: link(registry, `/address/${registry}`, { mono: true }) },
            { label: "sources / evaluators", value: `${sources.length} / ${evaluators.length}` },
            { label: "final epochs", value: String(finalized.length) },
          ],
          pending,
          charts: [chart],
        },
        pages,
        addresses,
        txs,
        data: {
          registry,
          circuit,
          epoch: info.epoch,
          finalized,
          sources: sources.map((s) => ({
            id: s.id,
            operator: s.operator,
            stake: s.stake.toString(),
            reliability: Number(current.get(s.id)!.reliability),
            usefulness: Number(current.get(s.id)!.usefulness),
            trajectory: trajectory.get(s.id),
          })),
          evaluators: evaluators.map((v) => ({ id: v.id, account: v.account, stake: v.stake.toString() })),
        },
      };
    },
  };
}
