import type { Address } from "viem";
import pino from "pino";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Clients } from "../../oracle/core/chain/clients";
import { LocalContentStore } from "../../oracle/core/store";
import { popCount } from "../../oracle/contribution/settler";
import { ContributionJob } from "../../oracle/contribution/job";
import { deploySystem } from "../commands/deploy";
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
} from "../commands/market";
import { testTokenAt } from "../deploy/foundation";
import type { GasSample } from "../demo/foundation";

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
): Promise<{
  gas: GasSample[];
  settleByTrainers: Array<{ circuit: string; trainers: number; gas: number; outliers: number; proveSeconds: number }>;
}> {
  const [owner, op, ...rest] = accounts;
  const store = new LocalContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-bench-store-")));
  const d = await deploySystem(owner, { network: "hardhat", circuit, unbondingDelaySeconds: 3600, adminTransferDelaySeconds: 86400 });
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
