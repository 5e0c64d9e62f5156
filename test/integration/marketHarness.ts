import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import pino from "pino";
import type { Address } from "viem";
import type { Clients } from "../../oracle/chain/clients";
import { LocalContentStore } from "../../oracle/store";
import { OracleService } from "../../oracle/service/oracle";
import { deploySystem } from "../../scripts/commands/deploy";
import { createTask, joinTask, write, type CreateTaskOptions, type Ctx } from "../../scripts/commands/market";
import { clientsFor } from "../helpers/fixtures";

export const CIRCUIT = "contribution_4x8";
export const SHAPE = { slots: 4, params: 8 };
export const TOKEN = 10n ** 18n;
export const WINDOW = 100;

/** The task every integration scenario runs: 2 rounds of 50 tokens, 4 trainers staking 50 each. */
export const TASK_OPTIONS: CreateTaskOptions = {
  rounds: 2,
  budget: 100n * TOKEN,
  minStake: 50n * TOKEN,
  slashAmount: 10n * TOKEN,
  maxTrainers: 4,
  submissionWindow: WINDOW,
  settlementWindow: WINDOW,
  normBound: 1000,
  outlierFactor: 4,
};

/** A deployed system on the in-process network with the real 4x8 verifier, a task and 4 joined trainers. */
export async function systemFixture() {
  const signers = await hre.ethers.getSigners();
  const [owner, oracleOp, ...rest] = signers.map(clientsFor);
  const trainers = rest.slice(0, 4);
  const stranger = rest[4];
  const store = new LocalContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-it-store-")));
  const d = await deploySystem(owner, {
    network: "hardhat",
    circuit: CIRCUIT,
    unbondingDelaySeconds: 3600,
    adminTransferDelaySeconds: 86400,
  });
  const ctx = (c: Clients): Ctx => ({ c, d, store });
  for (const who of [owner, ...trainers, stranger])
    await write(owner, d.contracts.Token as Address, "TestToken", "mint", [who.account.address, 10_000n * TOKEN]);
  const task = await createTask(ctx(owner), TASK_OPTIONS);
  for (const t of trainers) await joinTask(ctx(t), task.taskId);
  const journalDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-it-journal-"));
  const oracle = (clients = oracleOp, dir = journalDir) =>
    new OracleService({
      clients,
      market: d.contracts.TrainingMarket as Address,
      circuit: CIRCUIT,
      shape: SHAPE,
      store,
      journalDir: dir,
      log: pino({ level: "silent" }),
      expire: true,
      fromBlock: BigInt(d.startBlock),
      retry: { attempts: 2, baseMs: 10 },
    });
  return { owner, oracleOp, trainers, stranger, store, d, ctx, taskId: task.taskId, oracle, journalDir };
}

export async function increaseTime(seconds: number): Promise<void> {
  await hre.network.provider.request({ method: "evm_increaseTime", params: [seconds] });
  await hre.network.provider.request({ method: "evm_mine", params: [] });
}

/** Honest updates near a common direction, and a sign-flipped attacker (quantized, P = 8). */
export function roundUpdates(round: number): bigint[][] {
  const base = [3, -2, 5, 1, -4, 2, 0, 6].map((v) => BigInt(v * 65536 + round * 1000));
  const honest = (i: number) => base.map((v, k) => v + BigInt(((i * 7 + k * 3) % 5) * 4096));
  return [honest(0), honest(1), honest(2), honest(3).map((v) => -4n * v)];
}
