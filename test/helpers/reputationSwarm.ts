import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Address } from "viem";
import type { Clients } from "../../oracle/core/chain/clients";
import type { Deployments } from "../../oracle/core/chain/deployments";
import { LocalContentStore } from "../../oracle/core/store";
import { deploySystem } from "../../scripts/commands/deploy";
import { testTokenAt, vaultAt } from "../../scripts/deploy/foundation";
import {
  claimAdmission,
  commitCalibration,
  openCalibration,
  registerNode,
  revealCalibration,
  revealKey,
} from "../../scripts/reputation/actions";
import type { Ctx } from "../../scripts/module";
import pino from "pino";
import { ReputationJob, type ReputationJobOptions } from "../../oracle/reputation/job";
import { commitAnswer, commitJudgment, openRound, revealAnswer, revealJudgment, swarm } from "../../scripts/reputation/actions";
import { PREFER_FIRST, PREFER_SECOND, PREF_TIE, pairSchedule, type Judgment, type Vote } from "../../oracle/reputation";
import { clientsFor } from "./fixtures";

/** Answer commit, answer reveal, judgment commit, judgment reveal, settlement and challenge windows of the test swarms (seconds). */
export const TEST_ROUND_WINDOWS = [300, 300, 300, 300, 600, 120];
const TOKEN = 10n ** 18n;

export interface TestSwarm {
  d: Deployments;
  store: LocalContentStore;
  owner: Clients;
  oracle: Clients;
  /** The admitted nodes, node k in slot k. */
  nodes: Clients[];
  /** Accounts that hold tokens and stake but no node. */
  spare: Clients[];
  secrets: string;
  ctx(c: Clients): Ctx;
  swarm: Address;
  /** Mines up to `ts` (chain time), if it is ahead. */
  mineTo(ts: bigint): Promise<void>;
}

/**
 * A deployed swarm of `circuit` (through the same code as `zkmerit deploy`) whose `n` nodes are
 * registered and admitted through calibration (one set they all pass), node k in slot k.
 */
export async function admittedSwarm(circuit = "reputation_8", n = 8): Promise<TestSwarm> {
  const signers = await hre.ethers.getSigners();
  const accounts = signers.map(clientsFor);
  const [owner, oracle, ...rest] = accounts;
  const nodes = rest.slice(0, n);
  const spare = rest.slice(n, n + 4);
  const d = await deploySystem(owner, {
    network: "hardhat",
    unbondingDelaySeconds: 3600,
    adminTransferDelaySeconds: 86400,
    modules: ["reputation"],
    options: { reputationCircuit: circuit, roundWindows: TEST_ROUND_WINDOWS },
  });
  const store = new LocalContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-store-")));
  const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-secrets-"));
  const ctx = (c: Clients): Ctx => ({ c, d, store });
  const token = d.contracts.Token as Address;
  for (const who of [owner, ...nodes, ...spare]) {
    await testTokenAt(owner, token).send("mint", [who.account.address, 1000n * TOKEN]);
    if (who === owner) continue;
    await testTokenAt(who, token).send("approve", [d.contracts.StakeVault as Address, 1000n * TOKEN]);
    await vaultAt(who, d.contracts.StakeVault as Address).send("stake", [100n * TOKEN]);
  }
  for (const [k, c] of nodes.entries()) await registerNode(ctx(c), `test://node/${k}`);
  const questions = [0, 1, 2, 3].map((i) => ({ text: `calibration question ${i}`, choices: ["a", "b", "c"] }));
  const key = [0, 1, 2, 0];
  const set = await openCalibration(ctx(owner), { questions, key, passMark: 3, windows: [100, 100, 100], secretsDir: secrets });
  for (const c of nodes) await commitCalibration(ctx(c), set.setId, key, secrets);
  await time.increase(100);
  for (const c of nodes) await revealCalibration(ctx(c), set.setId, secrets);
  await time.increase(100);
  await revealKey(ctx(owner), set.setId, secrets);
  for (const c of nodes) await claimAdmission(ctx(c), set.setId);
  return {
    d,
    store,
    owner,
    oracle,
    nodes,
    spare,
    secrets,
    ctx,
    swarm: d.contracts.SwarmReputation as Address,
    mineTo: async (ts) => {
      if (BigInt(await time.latest()) < ts) await time.increaseTo(ts);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One round of an admitted swarm of 8: five answers right, honest judges.

export const CORRECT = 1;
export const ANSWERS = [1, 1, 0, 1, 2, 1, 0, 1];

/** An honest judgment by `judge`: the correct answer beats a wrong one, equal answers tie, two wrong ones tie. */
export function honest(judge: number): Judgment {
  const votes: Vote[] = [];
  const pref = (x: number, y: number) =>
    ANSWERS[x] === ANSWERS[y] ? PREF_TIE : ANSWERS[x] === CORRECT ? PREFER_FIRST : ANSWERS[y] === CORRECT ? PREFER_SECOND : PREF_TIE;
  for (const [a, b] of pairSchedule(ANSWERS.length)) {
    if (a === judge || b === judge) continue;
    votes.push({ first: a, second: b, pref: pref(a, b) }, { first: b, second: a, pref: pref(b, a) });
  }
  return { votes };
}

/** Opens a round, and every node answers and judges; `withheld` judges publish their content to a store the oracle does not read. */
export async function playedRound(t: TestSwarm, withheld: number[] = []) {
  const { round } = await openRound(t.ctx(t.owner), { text: "Which one?", choices: ["a", "b", "c"] }, 8n * 10n ** 18n);
  const info = await swarm(t.ctx(t.owner)).read.roundInfo([round]);
  // Chain snapshots revert between tests, files do not: each round's commit secrets get their own folder.
  const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-round-"));
  const elsewhere = new LocalContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-elsewhere-")));
  for (const [k, c] of t.nodes.entries()) await commitAnswer(t.ctx(c), { choice: ANSWERS[k], text: "" }, secrets);
  await t.mineTo(info.answerCommitEnd);
  for (const c of t.nodes) await revealAnswer(t.ctx(c), secrets);
  await t.mineTo(info.answerRevealEnd);
  for (const [k, c] of t.nodes.entries()) await commitJudgment(t.ctx(c), honest(k), secrets);
  await t.mineTo(info.judgeCommitEnd);
  for (const [k, c] of t.nodes.entries()) await revealJudgment(withheld.includes(k) ? { c, d: t.d, store: elsewhere } : t.ctx(c), secrets);
  await t.mineTo(info.judgeRevealEnd);
  return { round, info };
}

/** The oracle job of module 3 on a test swarm (its own journal folder unless given), silent. */
export function jobFor(t: TestSwarm, o: Partial<ReputationJobOptions> = {}): ReputationJob {
  return new ReputationJob({
    clients: t.oracle,
    swarm: t.swarm,
    circuit: "reputation_8",
    store: t.store,
    journalDir: fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-journal-")),
    log: pino({ level: "silent" }),
    fromBlock: BigInt(t.d.startBlock),
    retry: { attempts: 1, baseMs: 10 },
    ...o,
  });
}
