/**
 * Module 2's step of `npm run demo`: eight sources of known reliability register on the
 * ReliabilityRegistry, seven evaluators (two of them, 30%, liars boosting the worst source) grade
 * a retrieval client's answers, commit and reveal their feedback through the real contract, and
 * the oracle job proves each of five epochs with the demo instance reliability_1x16x7x3 (16 query
 * slots). Per epoch it prints how the on-chain scores separate the sources, the held-out accuracy
 * of relevance-only against reliability-aware retrieval, the flagged evaluators, the slashes the
 * registry's events record (strikes: flagged in 2 of the last 3 final epochs) and the gas; at the
 * end, whether the module's bars are met. The test runs it on the test instance (reliability_1x8x5x2).
 */
import fs from "node:fs";
import path from "node:path";
import pino from "pino";
import { formatUnits, parseEventLogs, type Address, type Log } from "viem";
import { reliabilityRegistryAbi } from "../../oracle/core/chain/abi";
import { writeDeployments, type Deployments } from "../../oracle/core/chain/deployments";
import { openStore } from "../../oracle/core/store";
import { ReliabilityJob } from "../../oracle/reliability/job";
import { registryCircuit } from "../../oracle/reliability/module";
import { reliabilityAudit } from "../../oracle/reliability/audit";
import { ReliabilityWorkload, DEFAULT_EXPLORE } from "../../oracle/reliability/simulation";
import type { SourceProfile } from "../../oracle/reliability/corpus";
import { pct, scoreTau } from "../../oracle/reliability/metrics";
import { testTokenAt, vaultAt } from "../deploy/foundation";
import type { DemoContext } from "../module";
import { commitFeedback, registerEvaluator, registerSource, registry, revealFeedback, sourceScores } from "./actions";
import { reliabilityShapeOf } from "./deploy";
import type { Ctx } from "../module";

/** The instance `npm run demo` proves with (size "demo" in circuits/circuits.json). */
export const DEMO_CIRCUIT = "reliability_1x16x7x3";
const DEMO_EPOCHS = 5;
/** Liars in the panel, whatever its size (2 of 7 is 30%, 2 of 5 is 40%). */
const LIARS = 2;
/** Commit, reveal, settlement and challenge windows (seconds). */
const WINDOWS = [600, 300, 300, 120];
const TOKEN = 10n ** 18n;

const f3 = (x: number) => (x / 65535).toFixed(2);

export interface ReliabilityDemoOptions {
  /** The Reliability instance the registry verifies (default DEMO_CIRCUIT); its shape sets the panel (E evaluators). */
  circuit?: string;
  /** Epochs to run (default 5, or $ZKMERIT_DEMO_RELIABILITY_EPOCHS). */
  epochs?: number;
  /** The sources (default: the corpus's eight); an instance of W words needs 8W of them (the bench's 64). */
  sources?: readonly SourceProfile[];
}

/** What the run measured, for the bench: gas by call, the proving time of each epoch, the last epoch's figures. */
export interface ReliabilityDemoResult {
  gas: Map<string, bigint[]>;
  proveSeconds: number[];
  last: { tau: number; relevance: number; aware: number; oracle: number };
  /** What the step deployed (the demo's explorer shows it with `--serve`). */
  deployments: Deployments;
}

/** The bars of the module: tau within 5 epochs, aware retrieval 10 points over relevance-only and within 3 of the true scores. */
const BARS = { tau: 0.8, overRelevance: 0.1, belowOracle: 0.03 };

export async function reliabilityDemo(
  { net, outDir, heading, say, deploy }: DemoContext,
  o: ReliabilityDemoOptions = {},
): Promise<ReliabilityDemoResult> {
  const CIRCUIT = o.circuit ?? DEMO_CIRCUIT;
  const EPOCHS = o.epochs ?? Number(process.env.ZKMERIT_DEMO_RELIABILITY_EPOCHS ?? DEMO_EPOCHS);
  const shape = reliabilityShapeOf(CIRCUIT);
  const E = shape.evaluators;
  const w = new ReliabilityWorkload({
    seed: 1,
    ...(o.sources ? { corpus: { seed: 1, sources: o.sources } } : {}),
    shape,
    evaluators: E,
    liarFraction: LIARS / E,
    strategy: "boost",
  });
  const liars = w.panel.map((p, j) => (p.strategy === "honest" ? undefined : j + 1)).filter((x) => x !== undefined);
  const worst = [...w.corpus.sources].sort((a, b) => a.reliability - b.reliability)[0];
  heading(
    `source reliability registry: ${w.corpus.sources.length} sources, ${E} evaluators (${liars.length} boosting "${worst.name}"), ` +
      `${EPOCHS} epochs, circuit ${CIRCUIT}`,
  );
  const [owner, oracleOp, operator, ...rest] = net.accounts;
  const evaluators = rest.slice(0, E);
  if (evaluators.length < E) throw new Error(`the demo needs ${E + 3} accounts, the network has ${net.accounts.length}`);
  const store = openStore(path.join(outDir, "store"));
  const d = await deploy(
    owner,
    {
      network: "hardhat",
      unbondingDelaySeconds: 3600,
      adminTransferDelaySeconds: 86400,
      modules: ["reliability"],
      options: { reliabilityCircuit: CIRCUIT, epochWindows: WINDOWS },
    },
    (l) => say(`   ${l}`),
  );
  writeDeployments(path.join(outDir, "reliability-deployments.json"), d);
  const ctx = (c: (typeof net.accounts)[number]): Ctx => ({ c, d, store });
  for (const who of [operator, ...evaluators]) {
    await testTokenAt(owner, d.contracts.Token as Address).send("mint", [who.account.address, 1000n * TOKEN]);
    await testTokenAt(who, d.contracts.Token as Address).send("approve", [d.contracts.StakeVault as Address, 1000n * TOKEN]);
    await vaultAt(who, d.contracts.StakeVault as Address).send("stake", [500n * TOKEN]);
  }
  const gas = new Map<string, bigint[]>();
  const note = (call: string, g: bigint) => gas.set(call, [...(gas.get(call) ?? []), g]);
  for (const s of w.corpus.sources) {
    const r = await registerSource(ctx(operator), `demo://source/${s.name}`);
    if (BigInt(r.sourceId) !== s.id) throw new Error(`source ${s.name} got id ${r.sourceId}, expected ${s.id}`);
    note("registerSource", r.gasUsed);
  }
  for (const e of evaluators) note("registerEvaluator", (await registerEvaluator(ctx(e))).gasUsed);
  say(`   sources (true reliability): ${w.corpus.sources.map((s) => `${s.id}:${s.name} ${s.reliability.toFixed(2)}`).join(", ")}`);
  const p = await registry(ctx(owner)).read.params();
  say(
    `   evaluators 1..${E}, ${formatUnits(p.evaluatorStake, 18)} tokens staked each; liars (boost "${worst.name}", source ${worst.id}): ${liars.join(", ")}; ` +
      `slashed ${formatUnits(p.strikeSlashAmount, 18)} when flagged in ${p.strikeLimit} of the last ${p.strikeWindow} final epochs (strikes then restart)`,
  );

  const secrets = fs.mkdtempSync(path.join(outDir, "reliability-secrets-"));
  const journalDir = fs.mkdtempSync(path.join(outDir, "reliability-journal-"));
  const job = new ReliabilityJob({
    clients: oracleOp,
    registry: d.contracts.ReliabilityRegistry as Address,
    circuit: registryCircuit(d),
    store,
    journalDir,
    log: pino({ level: "silent" }),
    fromBlock: BigInt(d.startBlock),
    retry: { attempts: 2, baseMs: 50 },
  });
  await job.preflight();
  const reg = registry(ctx(owner));
  const onChain = async () => {
    const rows = await sourceScores(ctx(owner));
    return new Map(rows.map((r) => [BigInt(r.id), BigInt(r.reliability)]));
  };
  const line = async (label: string) => {
    const rel = await onChain();
    const acc = w.accuracy(rel);
    last = { tau: scoreTau(rel, w.truth, w.prior), ...acc };
    const order = [...rel].sort((a, b) => Number(b[1] - a[1])).map(([id]) => w.corpus.sources[Number(id)].name);
    say(
      `   ${label.padEnd(8)} tau ${scoreTau(rel, w.truth, w.prior).toFixed(2).padStart(5)}  ` +
        `held-out accuracy: relevance-only ${pct(acc.relevance)}, reliability-aware ${pct(acc.aware)} (true scores ${pct(acc.oracle)})`,
    );
    const tied = new Set(rel.values()).size === 1;
    say(
      `            scores ${[...rel].map(([id, r]) => `${id}:${f3(Number(r))}`).join(" ")}   ${tied ? "(all at the prior)" : `order: ${order.join(" > ")}`}`,
    );
  };
  let last = { tau: 0, relevance: 0, aware: 0, oracle: 0 };
  let firstTau: number | undefined;
  const slashes: string[] = [];
  const proveSeconds: number[] = [];
  /** The registry's slash and flag events of a transaction's logs. */
  const penalties = (logs: Log[]) => {
    const evs = parseEventLogs({ abi: reliabilityRegistryAbi, logs });
    const out: string[] = [];
    for (const ev of evs) {
      if (ev.eventName === "EvaluatorSlashed") {
        const who = liars.includes(ev.args.evaluatorId) ? "liar" : "honest";
        const why = ev.args.offence === 1 ? "strikes" : ev.args.offence === 2 ? "no-show" : `offence ${ev.args.offence}`;
        const text = `evaluator ${ev.args.evaluatorId} (${who}) slashed ${formatUnits(ev.args.amount, 18)} tokens for ${why} in epoch ${ev.args.epoch}`;
        out.push(text);
        slashes.push(text);
      } else if (ev.eventName === "SlashFailed") {
        out.push(`slash of evaluator ${ev.args.evaluatorId} in epoch ${ev.args.epoch} refused by the vault`);
      } else if (ev.eventName === "SourceSlashed") {
        out.push(`source ${ev.args.sourceId} slashed ${formatUnits(ev.args.amount, 18)} tokens (reliability ${ev.args.reliability})`);
      }
    }
    return out;
  };
  const strikesNow = async () => {
    const r: string[] = [];
    for (let id = 1; id <= E; id++) r.push(`${id}:${(await reg.read.evaluator([id])).strikes}`);
    return r.join(" ");
  };
  await line("prior");
  for (let e = 0; e < EPOCHS; e++) {
    const info = await reg.read.epochInfo();
    const epoch = info.epoch;
    const rel = await onChain();
    // Half the questions answered with relevance only (exploration), half with the on-chain scores.
    const questions = w.drawQuestions(epoch + 1);
    const probes = Math.round(DEFAULT_EXPLORE * questions.length);
    const records = [...w.answer(questions.slice(0, probes), rel, { ...w.retrieve, lambda: 0 }), ...w.answer(questions.slice(probes), rel)];
    const graded = w.grade(epoch + 1, records);
    for (const [j, g] of graded.entries()) note("commitFeedback", (await commitFeedback(ctx(evaluators[j]), g.feedback, secrets)).gasUsed);
    const now = (await owner.publicClient.getBlock()).timestamp;
    await net.increaseTime(Number(info.commitEnd - now));
    for (const ev of evaluators) note("revealFeedback", (await revealFeedback(ctx(ev), secrets)).gasUsed);
    const open = (await reg.read.epochInfo()).revealEnd - (await owner.publicClient.getBlock()).timestamp;
    await net.increaseTime(Number(open));
    const r = await job.tick();
    if (r.errors.length || r.settled.length !== 1)
      throw new Error(`epoch ${epoch}: the oracle did not propose: ${JSON.stringify(r.errors)}`);
    const s = r.settled[0];
    note("updateScores", s.gasUsed);
    proveSeconds.push(s.proveSeconds);
    // Reveal position j is evaluator j + 1 here: they reveal in panel order.
    const flagged = evaluators
      .map((_, j) => j)
      .filter((j) => (s.flaggedMask >> j) & 1)
      .map((j) => j + 1);
    const after = await reg.read.epochInfo();
    await net.increaseTime(Number(after.finalAt - (await owner.publicClient.getBlock()).timestamp));
    const sync = await reg.send("sync", []);
    note("sync (finalize)", sync.gasUsed);
    await line(`epoch ${epoch}`);
    if (firstTau === undefined && last.tau >= BARS.tau) firstTau = epoch;
    say(
      `            ${s.included} reveals proven in ${s.proveSeconds.toFixed(1)} s, updateScores ${s.gasUsed} gas; ` +
        `flagged evaluators: ${flagged.length ? flagged.join(", ") : "none"}; answers correct this epoch ${pct(records.filter((x) => x.correct).length / records.length)}`,
    );
    const pen = penalties(sync.logs);
    say(`            final: ${pen.length ? pen.join("; ") : "no slash"}; strikes now ${await strikesNow()}`);
  }
  const stakes: string[] = [];
  for (let id = 1; id <= E; id++) stakes.push(`${id}:${formatUnits((await reg.read.evaluator([id])).stake, 18)}`);
  say(`   slashes (EvaluatorSlashed events)${slashes.length ? ":" : ": none"}`);
  for (const x of slashes) say(`     ${x}`);
  say(`   evaluator stakes left: ${stakes.join(" ")}`);
  const bar = (ok: boolean) => (ok ? "met" : "NOT met");
  say(
    `   bars after ${EPOCHS} epochs: tau >= ${BARS.tau} ${bar(firstTau !== undefined)}` +
      (firstTau !== undefined ? ` (first in epoch ${firstTau}, last ${last.tau.toFixed(2)})` : ` (last ${last.tau.toFixed(2)})`) +
      `; aware >= relevance + 10 ${bar(last.aware >= last.relevance + BARS.overRelevance)}` +
      `; aware >= true scores - 3 ${bar(last.aware >= last.oracle - BARS.belowOracle - 1e-9)} ` +
      `(${pct(last.relevance)} / ${pct(last.aware)} / ${pct(last.oracle)})`,
  );
  const audit = await reliabilityAudit.run(
    { client: owner.publicClient, chainId: owner.chain.id, deployments: d, store },
    { epoch: EPOCHS - 1 },
  );
  say(`   audit of epoch ${EPOCHS - 1}: ${audit.verdict} (${audit.checks.length} checks: verifier, proof, reference replay)`);
  for (const [call, gs] of gas) {
    const mean = gs.reduce((a, b) => a + b, 0n) / BigInt(gs.length);
    say(`   gas  ReliabilityRegistry  ${call.padEnd(20)} ${String(mean).padStart(9)}  (mean of ${gs.length})`);
  }
  return { gas, proveSeconds, last, deployments: d };
}
