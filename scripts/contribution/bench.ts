import type { Address } from "viem";
import pino from "pino";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Clients } from "../../oracle/core/chain/clients";
import { LocalContentStore } from "../../oracle/core/store";
import { popCount } from "../../oracle/contribution/settler";
import { ContributionJob } from "../../oracle/contribution/job";
import type { BenchContext, BenchSection, DeployFn } from "../module";
import {
  cancelTask,
  claimReward,
  commitUpdateVector,
  createTask,
  joinTask,
  leaveTask,
  reclaimEscrow,
  releaseStake,
  revealCommitted,
  secretPayload,
  shapeOf,
  syncTask,
  withdrawFees,
  type Ctx,
} from "./actions";
import { testTokenAt } from "../deploy/foundation";
import type { GasSample } from "../demo/foundation";
import type { BenchResults, RobustnessBench } from "../bench/report";
import { contributionShape } from "../../oracle/contribution/taskstate";
import { proofContext } from "../../oracle/core/field";
import { prove } from "../../oracle/core/prover";
import { DEFAULT_TRUST_MARGIN, buildWitness, commitUpdate, settleRound } from "../../oracle/contribution";
import {
  ownerData,
  ownerRoundContext,
  rootTrustRule,
  ruleByName,
  runRobustness,
  simulate,
  type Aggregator,
  type AttackerSpec,
  type RobustnessResult,
} from "../../oracle/contribution/model";

const TOKEN = 10n ** 18n;

/** Synthetic honest updates around one direction (P values), so every submitter is an inlier. */
function honest(p: number, i: number, round: number): bigint[] {
  return Array.from({ length: p }, (_, k) => BigInt(Math.round(Math.sin(k + round) * 30000 + ((i * 31 + k * 7) % 13) * 500)));
}

/**
 * Gas of every market call with the real verifier of `circuit`, and settlement gas against the
 * number of revealing trainers (1..N), each in its own round of one task.
 */
export async function benchMarket(
  accounts: Clients[],
  increaseTime: (s: number) => Promise<void>,
  circuit: string,
  log: (s: string) => void,
  deploy: DeployFn,
): Promise<{
  gas: GasSample[];
  settleByTrainers: Array<{ circuit: string; trainers: number; gas: number; outliers: number; proveSeconds: number }>;
}> {
  const [owner, op, ...rest] = accounts;
  const store = new LocalContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-bench-store-")));
  const d = await deploy(owner, {
    network: "hardhat",
    unbondingDelaySeconds: 3600,
    adminTransferDelaySeconds: 86400,
    modules: ["contribution"],
    options: { circuit },
  });
  const ctx = (c: Clients): Ctx => ({ c, d, store });
  const { slots, params } = await shapeOf(ctx(owner));
  const trainers = rest.slice(0, slots);
  const challenger = rest[slots];
  for (const who of [owner, ...trainers])
    await testTokenAt(owner, d.contracts.Token as Address).send("mint", [who.account.address, 10_000n * TOKEN]);
  const gas: GasSample[] = [];
  const rec = (call: string, g: bigint, note?: string) => gas.push({ contract: `TrainingMarket (${circuit})`, call, gas: Number(g), note });
  const rounds = slots + 2;
  const window = 100;
  const challenge = 50;
  const taskOptions = {
    budget: 1000n * TOKEN,
    settlementFee: TOKEN,
    minStake: 50n * TOKEN,
    slashAmount: 10n * TOKEN,
    noShowPenalty: 5n * TOKEN,
    maxTrainers: slots,
    commitWindow: window,
    revealWindow: window,
    settlementWindow: window,
    challengeWindow: challenge,
    normBound: 1e4,
    // Every slot a trainer, so a settlement's gas is measured from 1 to N revealing trainers (the
    // rule's cost is in the proof, not in the gas; createTask with root updates is measured below).
    rootUpdates: false,
  };
  const task = await createTask(ctx(owner), { ...taskOptions, rounds });
  rec("createTask", task.gasUsed, "no root updates");
  const rooted = await createTask(ctx(owner), { ...taskOptions, rounds, rootUpdates: true });
  rec("createTask", rooted.gasUsed, "root updates: the owner joins slot 0");
  const joins: bigint[] = [];
  for (const t of trainers) joins.push((await joinTask(ctx(t), task.taskId)).gasUsed);
  rec("join", joins[joins.length - 1], "a later joiner");
  const oracleFor = (c: Clients) =>
    new ContributionJob({
      clients: c,
      market: d.contracts.TrainingMarket as Address,
      circuit,
      shape: { slots, params },
      store,
      journalDir: fs.mkdtempSync(path.join(os.tmpdir(), "zkm-bench-journal-")),
      log: pino({ level: "silent" }),
      fromBlock: BigInt(d.startBlock),
      retry: { attempts: 2, baseMs: 100 },
    });
  const oracle = oracleFor(op);
  const settleByTrainers = [];
  const g = { commit: 0n, commits: 0, reveal: 0n, reveals: 0, sync: 0n, syncs: 0 };
  /** One round: the first k trainers commit and reveal `update(i)` (withholding some), then the oracle proposes. */
  const round = async (r: number, k: number, update: (i: number) => bigint[], withhold = new Set<number>()) => {
    const secrets = [];
    for (let i = 0; i < k; i++) {
      const c = await commitUpdateVector(ctx(trainers[i]), task.taskId, r, update(i), i);
      g.commit += c.gasUsed;
      g.commits++;
      secrets.push(c.secret);
    }
    await increaseTime(window);
    for (let i = 0; i < k; i++) {
      g.reveal += (await revealCommitted(ctx(trainers[i]), secrets[i], { publish: !withhold.has(i) })).gasUsed;
      g.reveals++;
    }
    await increaseTime(window);
    const t = await oracle.tick();
    if (t.errors.length || t.settled.length !== 1) throw new Error(`bench settle failed: ${JSON.stringify(t.errors)}`);
    return { settled: t.settled[0], secrets };
  };
  for (let k = 1; k <= slots; k++) {
    const r = k - 1;
    const { settled: s } = await round(r, k, (i) => honest(params, i, r));
    const outliers = popCount(s.masks.excluded | s.masks.slashed);
    settleByTrainers.push({ circuit, trainers: k, gas: Number(s.gasUsed), outliers, proveSeconds: s.proveSeconds });
    log(`${circuit}: settle with ${k} revealing trainer(s): ${s.gasUsed} gas (${outliers} not paid), proof ${s.proveSeconds.toFixed(1)} s`);
    await increaseTime(challenge);
    const sy = await syncTask(ctx(owner), task.taskId);
    if (k === slots) rec("sync (finalizes a round, no slash)", sy);
  }
  rec("commitUpdate", g.commit / BigInt(g.commits), "average");
  rec("revealUpdate", g.reveal / BigInt(g.reveals), "average");
  rec("settleRound (first proposal, all slots)", BigInt(settleByTrainers[settleByTrainers.length - 1].gas));
  // A round with one over-norm update (slashed) and one withheld, then a challenge that proves it in.
  const r = slots;
  const { secrets } = await round(
    r,
    slots,
    (i) => {
      const u = honest(params, i, r);
      return i === slots - 1 ? u.map((v) => 64n * v) : u;
    },
    new Set([0]),
  );
  const s0 = secrets[0];
  await store.put(secretPayload(s0));
  const c = await oracleFor(challenger).tick();
  if (c.settled.length !== 1 || !c.settled[0].challenge) throw new Error(`bench challenge failed: ${JSON.stringify(c.errors)}`);
  rec("settleRound (challenge: replaces a proposal)", c.settled[0].gasUsed);
  await increaseTime(challenge);
  rec("sync (finalizes a round, 1 slash)", await syncTask(ctx(owner), task.taskId));
  // A round with a no-show.
  const r2 = slots + 1;
  const nsSecrets = [];
  for (let i = 0; i < 2; i++)
    nsSecrets.push((await commitUpdateVector(ctx(trainers[i]), task.taskId, r2, honest(params, i, r2), i)).secret);
  await increaseTime(window);
  await revealCommitted(ctx(trainers[0]), nsSecrets[0]);
  await increaseTime(2 * window);
  rec("sync (expires a round, 1 no-show penalty)", await syncTask(ctx(owner), task.taskId));
  const claims: bigint[] = [];
  for (const tr of trainers) {
    const cl = await claimReward(ctx(tr), task.taskId);
    if (cl.gasUsed) claims.push(cl.gasUsed);
    const rel = await releaseStake(ctx(tr), task.taskId, tr.account.address);
    if (tr === trainers[0]) rec("releaseStake", rel);
  }
  rec("claim (once per task: all rounds' rewards)", claims[0]);
  rec("withdrawFees", (await withdrawFees(ctx(op))).gasUsed);
  // Leaving, skipped rounds, reclaim and cancel, on small tasks.
  const small = await createTask(ctx(owner), { ...taskOptions, rounds: 50 });
  await joinTask(ctx(trainers[0]), small.taskId);
  rec("leave", await leaveTask(ctx(trainers[0]), small.taskId));
  await increaseTime(40 * window);
  rec("sync (skips 40 empty rounds)", await syncTask(ctx(owner), small.taskId));
  rec("reclaim", (await reclaimEscrow(ctx(owner), small.taskId)).gasUsed);
  rec("cancelTask", await cancelTask(ctx(owner), small.taskId));
  return { gas, settleByTrainers };
}

/** The market's gas with the real verifier of each `--market` circuit, and settlement gas by revealing trainers. */
const marketSection: BenchSection = {
  id: "contribution.market",
  options: (cmd) =>
    cmd.option(
      "--market <circuits>",
      "contribution circuits to measure the market with (comma-separated)",
      "contribution_4x8,contribution_8x130",
    ),
  async run(ctx: BenchContext) {
    const gas: GasSample[] = [];
    const settleByTrainers: BenchResults["settleByTrainers"] = [];
    for (const circuit of String(ctx.options.market)
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean)) {
      if (!ctx.manifest?.circuits[circuit]) {
        ctx.log(`${circuit}: not built, skipped (build it with --sizes)`);
        continue;
      }
      const net = await ctx.network();
      const m = await benchMarket(net.accounts, net.increaseTime, circuit, ctx.log, ctx.deploy);
      gas.push(...m.gas);
      settleByTrainers.push(...m.settleByTrainers);
    }
    return { gas, settleByTrainers };
  },
};

/**
 * The settlement's rule as a simulation aggregator: each round the owner trains its root update from the
 * round's model on its own set, and the previous step is the change of the model over the last round.
 */
function rootTrustAggregator(seed: number): Aggregator {
  const owner = ownerData();
  let before: Float64Array | undefined;
  return (updates, { round, model }) => {
    const previousStep = before ? model.map((x, k) => x - before![k]) : new Float64Array(model.length);
    before = Float64Array.from(model);
    const d = rootTrustRule(updates, ownerRoundContext(owner, model, seed, round, previousStep));
    return { aggregate: d.aggregate, outliers: d.inlier.map((x) => !x) };
  };
}

/** Accuracy per round of the in-memory federation under attack, plain averaging against the rules. */
const accuracySection: BenchSection = {
  id: "contribution.accuracy",
  async run(ctx) {
    ctx.log("accuracy: in-memory federation, 8 trainers, 3 attackers (sign flip x4, scaled x10, label flip), 8 rounds, seeds 1-5");
    const attackers: AttackerSpec[] = [
      { index: 5, kind: "sign-flip" },
      { index: 6, kind: "scaled" },
      { index: 7, kind: "label-flip" },
    ];
    const accuracy: BenchResults["accuracy"] = [];
    for (const [label, cfg] of [
      ["no attackers, plain averaging", () => ({ aggregator: "mean" as const })],
      ["attackers, plain averaging", () => ({ aggregator: "mean" as const, attackers })],
      ["attackers, the distance rule (before root-trust)", () => ({ aggregator: "median-filter" as const, attackers })],
      ["attackers, root-trust (zkmerit's rule)", (seed: number) => ({ aggregator: rootTrustAggregator(seed), attackers })],
    ] as const) {
      const runs = [1, 2, 3, 4, 5].map((seed) => simulate({ trainers: 8, rounds: 8, seed, ...cfg(seed) }));
      const perRound = runs[0].rounds.map((_, r) => runs.reduce((a, x) => a + x.rounds[r].accuracy, 0) / runs.length);
      accuracy.push({ label, perRound });
      ctx.log(`${label}: final ${(perRound[perRound.length - 1] * 100).toFixed(1)}%`);
    }
    return { accuracy };
  },
};

/** Runs the robustness and fairness harness (seeds 1-3, 8 trainers, 8 rounds, 1-3 attackers) for one rule. */
function benchRobustness(rule: ReturnType<typeof ruleByName>, log: (line: string) => void): RobustnessBench {
  log(`robustness: the ${rule} rule against every attack of the harness, 1-3 attackers of 8, seeds 1-3 (about 2 min)`);
  const r: RobustnessResult = runRobustness({ trainers: 8, rounds: 8, seeds: [1, 2, 3], attackerCounts: [1, 2, 3], ruleName: rule });
  log(`robustness: ${rule} done in ${r.seconds.total.toFixed(0)} s`);
  return {
    rule,
    seeds: r.config.seeds,
    trainers: r.config.trainers,
    rounds: r.config.rounds,
    attackFreeAccuracy: r.attackFree.accuracy,
    attackFreeTargetRate: r.attackFree.targetRate,
    seconds: r.seconds.total,
    rows: r.rows.map((x) => ({
      attack: x.attack,
      family: x.family,
      attackers: x.attackers,
      deltaPoints: x.deltaVsAttackFree * 100,
      attackersFlagged: x.attackersExcluded + x.attackersSlashed,
      honestFlagged: x.honestExcluded + x.honestSlashed,
      rewardRatio: x.attackerRewardRatio,
      targetRate: x.targetRate,
    })),
    fairness: r.fairness && {
      spearmanLoo: r.fairness.mean.spearmanRewardLoo,
      spearmanShapley: r.fairness.mean.spearmanRewardShapley,
      misallocation: r.fairness.mean.misallocationRule,
      misallocationEqual: r.fairness.mean.misallocationEqual,
    },
    bars: {
      accuracyFailing: r.bars.accuracyWithin2Points,
      honestCutFailing: r.bars.honestCutBelow1Percent,
      freeRiderFailing: r.bars.freeRiderAtMostQuarter,
      spearmanLoo: r.bars.spearmanLoo,
      spearmanShapley: r.bars.spearmanShapley,
      misallocationBelowEqual: r.bars.misallocationBelowEqual,
    },
  };
}

/** The robustness and fairness harness per `--robustness` rule; with none, the previous run's rows are kept. */
const robustnessSection: BenchSection = {
  id: "contribution.robustness",
  onlyFlag: "robustnessOnly",
  options: (cmd) =>
    cmd
      .option(
        "--robustness <rules>",
        "rules to run the robustness and fairness harness for (comma-separated; the first gets the full table; empty keeps the previous run's)",
        "root-trust,chain",
      )
      .option("--robustness-only", "measure only the robustness harness; keep every other section of scripts/bench/results.json"),
  async run(ctx) {
    const rules = String(ctx.options.robustness)
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean)
      .map(ruleByName);
    if (ctx.options.robustnessOnly && !rules.length) throw new Error("--robustness-only needs at least one rule in --robustness");
    if (!rules.length)
      return ctx.previous
        ? { robustness: ctx.previous.robustness ?? [], robustnessMeasuredAt: ctx.previous.robustnessMeasuredAt ?? ctx.previous.date }
        : { robustness: [] };
    const robustness = rules.map((rule) => benchRobustness(rule, ctx.log));
    return { robustness, robustnessMeasuredAt: ctx.options.robustnessOnly ? new Date().toISOString() : undefined };
  },
};

export const contributionBenchSections: readonly BenchSection[] = [marketSection, accuracySection, robustnessSection];

/** One full round of Contribution(N, P): the owner's root update at slot 0, honest submitters and one attacker, proven. */
async function proveContribution(circuit: string, i: number): Promise<number> {
  const { slots, params } = contributionShape(circuit);
  const upd = (j: number) =>
    Array.from({ length: params }, (_, k) => BigInt(Math.round(Math.sin(k + i) * 20000 + ((j * 17 + k) % 11) * 300)));
  const updates = Array.from({ length: slots }, (_, j) => (j === slots - 1 ? upd(j).map((v) => -4n * v) : upd(j)));
  const s = await settleRound({
    slots,
    task: {
      context: proofContext(31337, "0x" + "cd".repeat(20)),
      taskId: 1n,
      config: { budget: 10n ** 21n, numRounds: 10, maxTrainers: slots },
      rule: { normBoundSq: 1n << 79n, trustMargin: DEFAULT_TRUST_MARGIN, rootUpdates: true },
    },
    // A nonzero previous step, so the replaced-update baseline of the rule is exercised.
    wOld: new Array<bigint>(params).fill(0n),
    wPrev: upd(slots).map((v) => -v / 2n),
    cumOld: new Array<bigint>(slots).fill(0n),
    round: i % 10,
    submissions: await Promise.all(updates.map(async (update, j) => ({ slot: j, commitment: await commitUpdate(update), update }))),
    settler: 0xabn,
  });
  return (await prove(circuit, buildWitness(s))).seconds;
}

/** Proving benches of module 1's circuits, by template. */
export const contributionProofBenches = { Contribution: proveContribution } as const;
