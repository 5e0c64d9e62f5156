import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import pino from "pino";
import type { Address } from "viem";
import type { Clients } from "../../oracle/core/chain/clients";
import { LocalContentStore, type ContentStore } from "../../oracle/core/store";
import { ContributionJob, type OracleOptions } from "../../oracle/contribution/job";
import { circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import { auditTask, type ContributionAuditReport } from "../../oracle/contribution/audit";
import { deploySystem } from "../../scripts/commands/deploy";
import {
  commitUpdateVector,
  createTask,
  joinTask,
  revealCommitted,
  type CommitSecret,
  type CreateTaskOptions,
  type Ctx,
} from "../../scripts/contribution/actions";
import { testTokenAt } from "../../scripts/deploy/foundation";
import { clientsFor } from "../helpers/fixtures";

export const CIRCUIT = "contribution_4x8";
export const SHAPE = { slots: 4, params: 8 };
export const TOKEN = 10n ** 18n;
/** Every phase window of the integration task, in seconds. */
export const WINDOW = 100;
export const CHALLENGE = 50;

/**
 * The task every integration scenario runs: 2 rounds of 50 tokens and a 1-token settlement fee,
 * 4 trainers staking 50 each; an update over norm 20 (real units) or a duplicate is slashed 10,
 * a no-show pays 5. Without root updates (the protocol stories do not depend on the rule's
 * direction): every member has trust 1. The root-updates task is ROOT_TASK_OPTIONS.
 */
export const TASK_OPTIONS: CreateTaskOptions = {
  rounds: 2,
  budget: 100n * TOKEN,
  settlementFee: TOKEN,
  minStake: 50n * TOKEN,
  slashAmount: 10n * TOKEN,
  noShowPenalty: 5n * TOKEN,
  maxTrainers: 4,
  commitWindow: WINDOW,
  revealWindow: WINDOW,
  settlementWindow: WINDOW,
  challengeWindow: CHALLENGE,
  normBound: 20,
  rootUpdates: false,
};

/** The same task with the owner's root update at slot 0 and 3 trainers (slots 1-3). */
export const ROOT_TASK_OPTIONS: CreateTaskOptions = { ...TASK_OPTIONS, rootUpdates: true };

/** A deployed system on the in-process network with the real 4x8 verifier, a task and 4 joined trainers. */
export async function systemFixture() {
  const signers = await hre.ethers.getSigners();
  const [owner, oracleOp, ...rest] = signers.map(clientsFor);
  const trainers = rest.slice(0, 4);
  const stranger = rest[4];
  const store = new LocalContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-it-store-")));
  const d = await deploySystem(owner, {
    network: "hardhat",
    unbondingDelaySeconds: 3600,
    adminTransferDelaySeconds: 86400,
    options: { circuit: CIRCUIT },
  });
  const ctx = (c: Clients, s: ContentStore = store): Ctx => ({ c, d, store: s });
  for (const who of [owner, ...trainers, stranger])
    await testTokenAt(owner, d.contracts.Token as Address).send("mint", [who.account.address, 10_000n * TOKEN]);
  const task = await createTask(ctx(owner), TASK_OPTIONS);
  for (const t of trainers) await joinTask(ctx(t), task.taskId);
  const journalDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-it-journal-"));
  const oracle = (clients = oracleOp, dir = journalDir, extra: Partial<OracleOptions> = {}) =>
    new ContributionJob({
      clients,
      market: d.contracts.TrainingMarket as Address,
      circuit: CIRCUIT,
      shape: SHAPE,
      store,
      journalDir: dir,
      log: pino({ level: "silent" }),
      fromBlock: BigInt(d.startBlock),
      retry: { attempts: 2, baseMs: 10 },
      fetchTimeoutMs: 2000,
      ...extra,
    });
  const market = d.contracts.TrainingMarket as Address;
  return { owner, oracleOp, trainers, stranger, store, d, ctx, taskId: task.taskId, oracle, journalDir, market };
}

const fixtureFiles = new WeakMap<() => Promise<unknown>, Set<string>>();

/** Every file below `dir`. */
function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

export async function increaseTime(seconds: number): Promise<void> {
  await hre.network.provider.request({ method: "evm_increaseTime", params: [seconds] });
  await hre.network.provider.request({ method: "evm_mine", params: [] });
}

/** Honest updates near a common direction, and a sign-flipped x4 attacker over the norm bound (quantized, P = 8). */
export function roundUpdates(round: number): bigint[][] {
  const base = [3, -2, 5, 1, -4, 2, 0, 6].map((v) => BigInt(v * 65536 + round * 1000));
  const honest = (i: number) => base.map((v, k) => v + BigInt(((i * 7 + k * 3) % 5) * 4096));
  return [honest(0), honest(1), honest(2), honest(3).map((v) => -4n * v)];
}

/** Each listed trainer commits to its update for `round` (in the commit window); returns the secrets. */
export async function commitAll(
  ctx: (c: Clients) => Ctx,
  trainers: readonly Clients[],
  taskId: bigint,
  round: number,
  updates: readonly (readonly bigint[] | undefined)[],
): Promise<Array<CommitSecret | undefined>> {
  const out: Array<CommitSecret | undefined> = [];
  for (let i = 0; i < trainers.length; i++) {
    const u = updates[i];
    out.push(u ? (await commitUpdateVector(ctx(trainers[i]), taskId, round, u, i)).secret : undefined);
  }
  return out;
}

/** Moves past the commit window and reveals each secret (publishing its content unless withheld). */
export async function revealAll(
  ctx: (c: Clients) => Ctx,
  trainers: readonly Clients[],
  secrets: readonly (CommitSecret | undefined)[],
  o: { withhold?: ReadonlySet<number>; skip?: ReadonlySet<number>; advance?: boolean } = {},
): Promise<void> {
  if (o.advance !== false) await increaseTime(WINDOW);
  for (let i = 0; i < trainers.length; i++) {
    const s = secrets[i];
    if (!s || o.skip?.has(i)) continue;
    await revealCommitted(ctx(trainers[i]), s, { publish: !o.withhold?.has(i) });
  }
}

/** Commits and reveals a whole round, then moves into its settlement window. */
export async function playRound(
  ctx: (c: Clients) => Ctx,
  trainers: readonly Clients[],
  taskId: bigint,
  round: number,
  updates: readonly (readonly bigint[] | undefined)[],
  o: { withhold?: ReadonlySet<number>; skip?: ReadonlySet<number> } = {},
): Promise<Array<CommitSecret | undefined>> {
  const secrets = await commitAll(ctx, trainers, taskId, round, updates);
  await revealAll(ctx, trainers, secrets, o);
  await increaseTime(WINDOW);
  return secrets;
}

/** Asserts that `p` rejects with a message matching `re` (a revert reported by the command helpers). */
export async function expectRejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error(`expected a rejection matching ${re}, but it resolved`);
  const msg = (err as Error).message;
  if (!re.test(msg)) throw new Error(`expected a rejection matching ${re}, got: ${msg}`);
}

/**
 * `loadFixture` with the fixture's store and journal as they were when it was set up, and the
 * chain clock resumed right after the snapshot's last block. Hardhat's
 * block times follow the wall clock, so reverting to a snapshot taken minutes earlier (in an
 * earlier test, while proofs were made) would otherwise jump past the round windows the fixture set up.
 */
export async function freshFixture<T extends { store: LocalContentStore; journalDir: string }>(fixture: () => Promise<T>): Promise<T> {
  const f = await loadFixture(fixture);
  // Files outlive the chain snapshots: bring the store and the journal back to what they held
  // when the fixture was first set up.
  const kept = fixtureFiles.get(fixture);
  if (!kept) fixtureFiles.set(fixture, new Set([...listFiles(f.store.root), ...listFiles(f.journalDir)]));
  else for (const file of [...listFiles(f.store.root), ...listFiles(f.journalDir)]) if (!kept.has(file)) fs.rmSync(file);
  const latest = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
  await hre.network.provider.request({ method: "evm_setNextBlockTimestamp", params: [latest + 1] });
  await hre.network.provider.request({ method: "evm_mine", params: [] });
  return f;
}

/** The auditor's report on a fixture's task (or `taskId`). */
export async function audit(
  f: { owner: Clients; store: ContentStore; market: Address; d: { startBlock: number }; taskId: bigint },
  taskId = f.taskId,
): Promise<ContributionAuditReport> {
  return auditTask({
    client: f.owner.publicClient,
    chainId: f.owner.chain.id,
    market: f.market,
    store: f.store,
    entry: circuitArtifacts(CIRCUIT),
    shape: SHAPE,
    taskId,
    fromBlock: BigInt(f.d.startBlock),
  });
}

/** The system with a second identical task; both have the same round-0 reveals and are in their settlement window. */
export async function twoTasksInSettlement() {
  const f = await systemFixture();
  const t2 = await createTask(f.ctx(f.owner), TASK_OPTIONS);
  for (const t of f.trainers) await joinTask(f.ctx(t), t2.taskId);
  const ups = roundUpdates(0);
  const s1 = await commitAll(f.ctx, f.trainers, f.taskId, 0, ups);
  const s2 = await commitAll(f.ctx, f.trainers, t2.taskId, 0, ups);
  await revealAll(f.ctx, f.trainers, s1);
  await revealAll(f.ctx, f.trainers, s2, { advance: false });
  await increaseTime(WINDOW);
  return { ...f, task2: t2.taskId };
}
