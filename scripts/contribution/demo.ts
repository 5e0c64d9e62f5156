/**
 * Module 1's step of `npm run demo`: a whole federated-training task with attackers (an adaptive one
 * and a free-rider among them), settled by the oracle job with real proofs, claimed and audited, then
 * what the rule holds against in the in-memory federation.
 */
import fs from "node:fs";
import path from "node:path";
import pino from "pino";
import { REPO_ROOT, circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import { writeDeployments } from "../../oracle/core/chain/deployments";
import { openStore } from "../../oracle/core/store";
import { renderHtml, renderJson } from "../../oracle/audit";
import { ContributionJob } from "../../oracle/contribution/job";
import { auditTask } from "../../oracle/contribution/audit";
import { decodeRoundRecord } from "../../oracle/contribution/records";
import { ROBUSTNESS_ATTACKS, accuracy, dequantizeVector, federationData, runFederation } from "../../oracle/contribution/model";
import type { TrainerAttack } from "../../oracle/contribution/trainer";
import { testTokenAt, tokenAt } from "../deploy/foundation";
import type { DemoContext, DemoResult } from "../module";
import {
  claimReward,
  createTask,
  history,
  joinTask,
  reclaimEscrow,
  releaseStake,
  revealCommitted,
  shapeOf,
  syncTask,
  trainAndCommit,
  withdrawFees,
  type Ctx,
} from "./actions";

const CIRCUIT = process.env.ZKMERIT_DEMO_CIRCUIT ?? "contribution_8x130";
const ROUNDS = Number(process.env.ZKMERIT_DEMO_ROUNDS ?? 5);
/** Slots of the task: the owner's root update at slot 0 and 7 trainers. */
const SLOTS = 8;
const TRAINERS = SLOTS - 1;
const COMMIT = 600;
const REVEAL = 300;
const SETTLE = 600;
const CHALLENGE = 300;
const DATA_SEED = 7;
const TOKEN = 10n ** 18n;
/**
 * Attackers by slot: an adaptive attacker (a cone around its estimate of the owner's root update, from
 * its own update and the last round's reveals), a free-rider (resubmits the last public global step),
 * and an outsized update. Slots 1-3 and 7 train honestly.
 */
const ATTACKS: Record<number, TrainerAttack> = { 4: "cone", 5: "free-ride", 6: "scaled" };
/** Slot 7 also copies slot 1's update of the previous round, skips a reveal, and withholds its content. */
const COPY_ROUNDS_SLOT7 = new Set([1, 3]);
const NO_SHOW_ROUND_SLOT7 = 2;
const WITHHOLD_ROUND_SLOT7 = 4;

const fmt = (wei: bigint) => (Number(wei) / 1e18).toFixed(2);

export async function contributionDemo({ net, outDir, heading, say, deploy }: DemoContext): Promise<DemoResult> {
  heading(`proof-of-contribution training: the owner's root update and ${TRAINERS} trainers, ${ROUNDS} rounds, circuit ${CIRCUIT}`);
  const [owner, oracleOp, ...rest] = net.accounts;
  const trainers = rest.slice(0, TRAINERS);
  const store = openStore(path.join(outDir, "store"));
  const d = await deploy(
    owner,
    {
      network: "hardhat",
      unbondingDelaySeconds: 3600,
      adminTransferDelaySeconds: 86400,
      modules: ["contribution"],
      options: { circuit: CIRCUIT },
    },
    (l) => say(`   ${l}`),
  );
  writeDeployments(path.join(outDir, "deployments.json"), d);
  const ctx = (c: (typeof net.accounts)[number]): Ctx => ({ c, d, store });
  const shape = await shapeOf(ctx(owner));
  for (const who of [owner, ...trainers])
    await testTokenAt(owner, d.contracts.Token as `0x${string}`).send("mint", [who.account.address, 5000n * TOKEN]);

  const budget = 1000n * TOKEN;
  const fee = 2n * TOKEN;
  const task = await createTask(ctx(owner), {
    rounds: ROUNDS,
    budget,
    settlementFee: fee,
    minStake: 100n * TOKEN,
    slashAmount: 20n * TOKEN,
    noShowPenalty: 10n * TOKEN,
    maxTrainers: SLOTS,
    commitWindow: COMMIT,
    revealWindow: REVEAL,
    settlementWindow: SETTLE,
    challengeWindow: CHALLENGE,
    normBound: 12,
    rootUpdates: true,
  });
  say(
    `   task ${task.taskId} created: budget ${fmt(budget)} and ${ROUNDS} x ${fmt(fee)} settlement fees escrowed; stake 100, slash 20 per proven offence, no-show 10 (gas ${task.gasUsed})`,
  );
  say(
    "   the owner holds slot 0 and posts a root update each round (trained on its own 200 images): the direction trust is measured against",
  );
  const joinGas: bigint[] = [];
  for (const t of trainers) joinGas.push((await joinTask(ctx(t), task.taskId)).gasUsed);
  say(
    `   ${TRAINERS} trainers joined (join gas ${joinGas[0]}); attackers: ${Object.entries(ATTACKS)
      .map(([s, k]) => `slot ${s} ${k}`)
      .join(
        ", ",
      )}; slot 7 also resubmits slot 1's previous update in rounds ${[...COPY_ROUNDS_SLOT7].join(", ")}, skips its reveal in round ${NO_SHOW_ROUND_SLOT7} and withholds its content in round ${WITHHOLD_ROUND_SLOT7}`,
  );

  const logFile = path.join(outDir, "oracle.log");
  const oracle = new ContributionJob({
    clients: oracleOp,
    market: d.contracts.TrainingMarket as `0x${string}`,
    circuit: CIRCUIT,
    shape,
    store,
    journalDir: path.join(outDir, "journal"),
    log: pino({ level: "info" }, pino.destination({ dest: logFile, sync: true })),
    fromBlock: BigInt(d.startBlock),
    retry: { attempts: 3, baseMs: 200 },
  });
  await oracle.checkVerifier(circuitArtifacts(CIRCUIT).verifierContract);
  const { test } = federationData();
  say(`   oracle service: logs in ${path.relative(REPO_ROOT, logFile)}\n`);
  say("   each round: the rewards by slot (tokens), then what the rule did to every trainer it did not pay in full");
  say(
    "   trust = clamp(cos(update, root) + 0.3, 0, 1)^2; value = how much the update turns the step toward the root, beyond the previous step",
  );
  say(`   round | accuracy | rewards of the round, slots 1-${TRAINERS}          | slashed | settle gas | proof s`);
  const gas = { commit: 0n, reveal: 0n, commits: 0, reveals: 0 };
  // Slot s is account s: the owner, then the trainers.
  const members = [owner, ...trainers];
  for (let r = 0; r < ROUNDS; r++) {
    const secrets = [];
    for (let s = 0; s < SLOTS; s++) {
      const attack = s === 7 && COPY_ROUNDS_SLOT7.has(r) ? "copy" : ATTACKS[s];
      const c = await trainAndCommit(ctx(members[s]), task.taskId, {
        shard: { index: Math.max(0, s - 1), of: TRAINERS, seed: DATA_SEED },
        seed: 1000 * r + s,
        attack,
        copySlot: 1,
        root: s === 0,
      });
      gas.commit += c.gasUsed;
      gas.commits++;
      secrets.push(c.secret);
    }
    await net.increaseTime(COMMIT);
    for (let s = 0; s < SLOTS; s++) {
      if (s === 7 && r === NO_SHOW_ROUND_SLOT7) continue;
      const v = await revealCommitted(ctx(members[s]), secrets[s], { publish: !(s === 7 && r === WITHHOLD_ROUND_SLOT7) });
      gas.reveal += v.gasUsed;
      gas.reveals++;
    }
    await net.increaseTime(REVEAL);
    const tick = await oracle.tick();
    if (tick.errors.length) throw new Error(`oracle: ${tick.errors.map((e) => e.message).join("; ")}`);
    const settled = tick.settled[0];
    await net.increaseTime(CHALLENGE);
    await syncTask(ctx(owner), task.taskId);
    const h = await history(ctx(owner), task.taskId);
    const final = h.rounds.get(r)!.final!;
    const rec = decodeRoundRecord(await store.get(final.modelURI));
    const acc = accuracy(dequantizeVector(rec.model), test);
    const revealed = new Set(h.rounds.get(r)!.reveals.map((x) => x.slot));
    const bySlot = new Map(rec.submissions.map((x) => [x.slot, x]));
    const shares = [...Array(TRAINERS).keys()].map((i) => (Number(bySlot.get(i + 1)?.share ?? 0n) / 1e18).toFixed(1).padStart(6)).join("");
    const slashed = h.slashes.filter((s) => s.round === r).reduce((a, s) => a + s.amount, 0n);
    say(
      `   ${String(r).padStart(5)} | ${(acc * 100).toFixed(1).padStart(7)}% | ${shares.padEnd(44)}| ${fmt(slashed).padStart(7)} | ${String(settled.gasUsed).padStart(10)} | ${settled.proveSeconds.toFixed(1).padStart(6)}`,
    );
    // The median honest share of the round, to show who was paid far less.
    const honestShares = rec.submissions
      .filter((x) => x.slot > 0 && !ATTACKS[x.slot] && x.flags.included && !x.flags.slashed && !x.flags.excluded)
      .map((x) => x.share)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const typical = honestShares.length ? honestShares[Math.floor((honestShares.length - 1) / 2)] : 0n;
    const notes: string[] = [];
    for (let s = 1; s < SLOTS; s++) {
      const x = bySlot.get(s);
      const who = ATTACKS[s] ?? (s === 7 && COPY_ROUNDS_SLOT7.has(r) ? "copy" : "honest");
      const trust = x ? (Number(x.trust) / 65536).toFixed(2) : "-";
      if (!revealed.has(s)) notes.push(`${s} ${who}: no-show (penalty)`);
      else if (!x?.flags.included) notes.push(`${s} ${who}: withheld its content, left out`);
      else if (x.flags.slashed)
        notes.push(
          `${s} ${who}: slashed (${[x.flags.norm && "over the norm bound", x.flags.dup && "duplicate"].filter(Boolean).join(", ")})`,
        );
      else if (x.flags.excluded) notes.push(`${s} ${who}: excluded (trust 0)`);
      else if (ATTACKS[s] || who === "copy" || x.share * 4n < typical)
        notes.push(`${s} ${who}: trust ${trust}, value ${(Number(x.value) / 2 ** 24).toFixed(4)}, paid ${fmt(x.share)}`);
    }
    for (const n of notes) say(`           ${n}`);
  }
  say(`\n   average commitUpdate gas ${gas.commit / BigInt(gas.commits)}, revealUpdate gas ${gas.reveal / BigInt(gas.reveals)}`);
  const fees = await withdrawFees(ctx(oracleOp));
  say(`   the oracle withdrew ${fmt(fees.amount)} tokens of settlement fees (gas ${fees.gasUsed})`);

  let claimedTotal = 0n;
  const claimGas: bigint[] = [];
  for (const t of members) {
    const c = await claimReward(ctx(t), task.taskId);
    claimedTotal += c.amount;
    if (c.gasUsed) claimGas.push(c.gasUsed);
    await releaseStake(ctx(t), task.taskId, t.account.address);
  }
  const rc = await reclaimEscrow(ctx(owner), task.taskId);
  const marketBalance = await tokenAt(owner, d.contracts.Token as `0x${string}`).read.balanceOf([
    d.contracts.TrainingMarket as `0x${string}`,
  ]);
  say(
    `   trainers claimed ${fmt(claimedTotal)} tokens (claim gas ${claimGas[0] ?? 0n}), stakes released; owner reclaimed ${fmt(rc.amount)}; market balance left ${fmt(marketBalance)}`,
  );

  heading("audit: replay from chain events + content store, recompute, verify every proof");
  const report = await auditTask({
    client: owner.publicClient,
    chainId: owner.chain.id,
    market: d.contracts.TrainingMarket as `0x${string}`,
    store,
    entry: circuitArtifacts(CIRCUIT),
    shape,
    taskId: task.taskId,
    fromBlock: BigInt(d.startBlock),
  });
  // The demo's chain lives only in its process: re-running the demo re-runs this audit.
  report.commands = ["npm ci", "npm run demo"];
  fs.writeFileSync(path.join(outDir, "audit.json"), renderJson(report));
  fs.writeFileSync(path.join(outDir, "audit.html"), renderHtml(report));
  say(
    `   ${report.ok ? "OK" : "MISMATCHES"}: ${report.rounds.flatMap((r) => r.proposals).filter((p) => p.checks.proof).length}/${report.rounds.flatMap((r) => r.proposals).length} proofs verified, verifier ${report.verifier.matchesLocalKey ? "matches" : "does NOT match"} the key; report in .zkmerit/demo/audit.{json,html}`,
  );
  if (!report.ok) throw new Error(`audit found ${report.mismatches.length} mismatches`);
  const deployments = d;

  heading("what the rule holds against (in-memory federation of 8 trainers, 8 rounds; attackers see every honest update)");
  say("   accuracy after 8 rounds, and the attackers' reward per head relative to an honest trainer's");
  const clean = runFederation({ trainers: 8, rounds: 8, seed: 1, ruleName: "root-trust" });
  say(`   no attack: ${(clean.finalAccuracy * 100).toFixed(1)}%`);
  for (const id of ["min-sum-sign", "ipm-tuned", "free-ride-previous-step"]) {
    const attack = ROBUSTNESS_ATTACKS.find((a) => a.id === id)!;
    const cells = (["chain", "root-trust"] as const).map((ruleName) => {
      const o = runFederation({ trainers: 8, rounds: 8, seed: 1, attack, attackers: 3, ruleName });
      const per = (xs: typeof o.trainers) => xs.reduce((a, t) => a + t.reward, 0) / Math.max(1, xs.length);
      const honest = per(o.trainers.filter((t) => !t.attacker));
      const rel = honest > 0 ? per(o.trainers.filter((t) => t.attacker)) / honest : 0;
      return `${ruleName === "chain" ? "the distance rule" : "root-trust"} ${(o.finalAccuracy * 100).toFixed(1)}%, ${rel.toFixed(2)}x`;
    });
    say(`   3 of 8 ${id}: ${cells.join("; ")}`);
  }
  say("   the full table (25 attacks x 1-3 attackers x 3 seeds) is `npm run bench`'s, in the README");
  return { deployments };
}
