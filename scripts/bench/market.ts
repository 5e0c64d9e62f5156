import type { Address } from "viem";
import pino from "pino";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Clients } from "../../oracle/chain/clients";
import { LocalContentStore } from "../../oracle/store";
import { OracleService } from "../../oracle/service/oracle";
import { deploySystem } from "../commands/deploy";
import { claimReward, createTask, joinTask, reclaimEscrow, releaseStake, shapeOf, submitVector, write, type Ctx } from "../commands/market";
import type { GasSample } from "../demo/foundation";

const TOKEN = 10n ** 18n;

/** Synthetic honest updates around one direction (P values), so every submitter is an inlier. */
function honest(p: number, i: number, round: number): bigint[] {
  return Array.from({ length: p }, (_, k) => BigInt(Math.round(Math.sin(k + round) * 30000 + ((i * 31 + k * 7) % 13) * 500)));
}

/**
 * Gas of every market call with the real verifier of `circuit`, and settlement gas against the
 * number of submitting trainers (1..N), each in its own round of one task.
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
  for (const who of [owner, ...trainers])
    await write(owner, d.contracts.Token as Address, "TestToken", "mint", [who.account.address, 10_000n * TOKEN]);
  const gas: GasSample[] = [];
  const rec = (call: string, g: bigint, note?: string) => gas.push({ contract: `TrainingMarket (${circuit})`, call, gas: Number(g), note });
  const rounds = slots + 1;
  const window = 100;
  const task = await createTask(ctx(owner), {
    rounds,
    budget: 1000n * TOKEN,
    minStake: 50n * TOKEN,
    slashAmount: 10n * TOKEN,
    maxTrainers: slots,
    submissionWindow: window,
    settlementWindow: window,
    normBound: 1e6,
    outlierFactor: 4,
  });
  rec("createTask", task.gasUsed);
  const joins: bigint[] = [];
  for (const t of trainers) joins.push((await joinTask(ctx(t), task.taskId)).gasUsed);
  rec("join", joins[joins.length - 1], "a later joiner");
  const oracle = new OracleService({
    clients: op,
    market: d.contracts.TrainingMarket as Address,
    circuit,
    shape: { slots, params },
    store,
    journalDir: fs.mkdtempSync(path.join(os.tmpdir(), "zkm-bench-journal-")),
    log: pino({ level: "silent" }),
    expire: true,
    fromBlock: BigInt(d.startBlock),
    retry: { attempts: 2, baseMs: 100 },
  });
  const settleByTrainers = [];
  let submitGas = 0n;
  let submits = 0;
  for (let k = 1; k <= slots; k++) {
    const round = k - 1;
    for (let i = 0; i < k; i++) {
      submitGas += (await submitVector(ctx(trainers[i]), task.taskId, round, honest(params, i, round), { slot: i })).gasUsed;
      submits++;
    }
    await increaseTime(window);
    const t = await oracle.tick();
    if (t.errors.length || t.settled.length !== 1) throw new Error(`bench settle failed: ${JSON.stringify(t.errors)}`);
    const s = t.settled[0];
    const outliers = s.outlierBitmap
      .toString(2)
      .split("")
      .filter((b) => b === "1").length;
    settleByTrainers.push({ circuit, trainers: k, gas: Number(s.gasUsed), outliers, proveSeconds: s.proveSeconds });
    log(`${circuit}: settle with ${k} submitter(s): ${s.gasUsed} gas (${outliers} outliers), proof ${s.proveSeconds.toFixed(1)} s`);
  }
  rec("submitUpdate", submitGas / BigInt(submits), "average");
  // A round with one outlier (its slash included).
  const last = slots;
  for (let i = 0; i < slots; i++) {
    const u = honest(params, i, last);
    await submitVector(ctx(trainers[i]), task.taskId, last, i === slots - 1 ? u.map((v) => -8n * v) : u, { slot: i });
  }
  await increaseTime(window);
  const t = await oracle.tick();
  const s = t.settled[0];
  rec("settleRound (all slots, 1 outlier slashed)", s.gasUsed);
  rec("settleRound (all slots, no outlier)", BigInt(settleByTrainers[settleByTrainers.length - 1].gas));
  const claims: bigint[] = [];
  for (const tr of trainers) {
    const c = await claimReward(ctx(tr), task.taskId);
    if (c.gasUsed) claims.push(c.gasUsed);
    const rel = await releaseStake(ctx(tr), task.taskId, tr.account.address);
    if (tr === trainers[0]) rec("releaseStake", rel);
  }
  rec("claim (once per task: all rounds' rewards)", claims[0]);
  // An expired round and a reclaim, on a second task.
  const smallTask = () =>
    createTask(ctx(owner), {
      rounds: 1,
      budget: 10n * TOKEN,
      minStake: 50n * TOKEN,
      slashAmount: 0n,
      maxTrainers: slots,
      submissionWindow: window,
      settlementWindow: window,
      normBound: 1e6,
      outlierFactor: 4,
    });
  const t2 = await smallTask();
  await increaseTime(window);
  const ex = await write(op, d.contracts.TrainingMarket as Address, "TrainingMarket", "expireRound", [t2.taskId]);
  rec("expireRound (no submissions)", ex.gasUsed);
  rec("reclaim", (await reclaimEscrow(ctx(owner), t2.taskId)).gasUsed);
  const t3 = await smallTask();
  rec("cancelTask", (await write(owner, d.contracts.TrainingMarket as Address, "TrainingMarket", "cancelTask", [t3.taskId])).gasUsed);
  return { gas, settleByTrainers };
}
