/**
 * Module 2's step of `npm run demo`: eight sources of known reliability register on the
 * ReliabilityRegistry, five evaluators (two of them liars boosting the worst source) grade a
 * retrieval client's answers, commit and reveal their feedback through the real contract, and the
 * oracle job proves each epoch with the reliability_1x8x5x2 keys. Per epoch it prints how the
 * on-chain scores separate the sources, the held-out accuracy of relevance-only against
 * reliability-aware retrieval, the flagged evaluators and the gas.
 */
import fs from "node:fs";
import path from "node:path";
import pino from "pino";
import type { Address } from "viem";
import { writeDeployments } from "../../oracle/core/chain/deployments";
import { openStore } from "../../oracle/core/store";
import { ReliabilityJob } from "../../oracle/reliability/job";
import { registryCircuit } from "../../oracle/reliability/module";
import { reliabilityAudit } from "../../oracle/reliability/audit";
import { ReliabilityWorkload, DEFAULT_EXPLORE } from "../../oracle/reliability/simulation";
import { pct, scoreTau } from "../../oracle/reliability/metrics";
import { testTokenAt, vaultAt } from "../deploy/foundation";
import type { DemoContext } from "../module";
import { commitFeedback, registerEvaluator, registerSource, registry, revealFeedback, sourceScores } from "./actions";
import type { Ctx } from "../module";

const EPOCHS = Number(process.env.ZKMERIT_DEMO_RELIABILITY_EPOCHS ?? 4);
const CIRCUIT = "reliability_1x8x5x2";
const SHAPE = { words: 1, queries: 8, evaluators: 5, entries: 2 };
/** Commit, reveal, settlement and challenge windows (seconds). */
const WINDOWS = [600, 300, 300, 120];
const TOKEN = 10n ** 18n;

const f3 = (x: number) => (x / 65535).toFixed(2);

export async function reliabilityDemo({ net, outDir, heading, say, deploy }: DemoContext): Promise<void> {
  const w = new ReliabilityWorkload({ seed: 1, shape: SHAPE, evaluators: 5, liarFraction: 0.4, strategy: "boost" });
  const liars = w.panel.map((p, j) => (p.strategy === "honest" ? undefined : j + 1)).filter((x) => x !== undefined);
  const worst = [...w.corpus.sources].sort((a, b) => a.reliability - b.reliability)[0];
  heading(
    `source reliability registry: ${w.corpus.sources.length} sources, 5 evaluators (${liars.length} boosting "${worst.name}"), ` +
      `${EPOCHS} epochs, circuit ${CIRCUIT}`,
  );
  const [owner, oracleOp, operator, ...rest] = net.accounts;
  const evaluators = rest.slice(0, 5);
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
  say(`   evaluators 1..5; liars (boost "${worst.name}", source ${worst.id}): ${liars.join(", ")}`);

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
    const flagged = [0, 1, 2, 3, 4].filter((j) => (s.flaggedMask >> j) & 1).map((j) => j + 1);
    const after = await reg.read.epochInfo();
    await net.increaseTime(Number(after.finalAt - (await owner.publicClient.getBlock()).timestamp));
    const sync = await reg.send("sync", []);
    note("sync (finalize)", sync.gasUsed);
    await line(`epoch ${epoch}`);
    say(
      `            ${s.included} reveals proven in ${s.proveSeconds.toFixed(1)} s, updateScores ${s.gasUsed} gas; ` +
        `flagged evaluators: ${flagged.length ? flagged.join(", ") : "none"}; answers correct this epoch ${pct(records.filter((x) => x.correct).length / records.length)}`,
    );
  }
  const strikes = [];
  for (let id = 1; id <= 5; id++) strikes.push(`${id}:${(await reg.read.evaluator([id])).strikes}`);
  say(`   evaluator strikes: ${strikes.join(" ")}`);
  const audit = await reliabilityAudit.run(
    { client: owner.publicClient, chainId: owner.chain.id, deployments: d, store },
    { epoch: EPOCHS - 1 },
  );
  say(`   audit of epoch ${EPOCHS - 1}: ${audit.verdict} (${audit.checks.length} checks: verifier, proof, reference replay)`);
  for (const [call, gs] of gas) {
    const mean = gs.reduce((a, b) => a + b, 0n) / BigInt(gs.length);
    say(`   gas  ReliabilityRegistry  ${call.padEnd(20)} ${String(mean).padStart(9)}  (mean of ${gs.length})`);
  }
}
