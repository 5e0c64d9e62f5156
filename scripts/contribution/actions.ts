import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Address, Hash } from "viem";
import { formatUnits, parseEventLogs, toHex } from "viem";
import { trainingMarketAbi } from "../../oracle/core/chain/abi";
import { describeRevert } from "../../oracle/core/chain/tx";
import { contractAddress } from "../../oracle/core/chain/deployments";
import { ZkMeritError } from "../../oracle/core/errors";
import { DEFAULT_FIXED_POINT, commitVector } from "../../oracle/core/field";
import { LocalContentStore, decodeCommittedVector, encodeVectorPayload } from "../../oracle/core/store";
import { stringifyWithBigInts } from "../../oracle/service/journal";
import { readTaskHistory, type RoundInfoOnChain, type TaskHistory } from "../../oracle/contribution/history";
import { loadTaskState, marketShape, type ChainContext, type TaskState } from "../../oracle/contribution/taskstate";
import { modelsHash, rewardPath } from "../../oracle/contribution/reference";
import { trainRootUpdate, trainRound, type Shard, type TrainerAttack } from "../../oracle/contribution/trainer";
import { deriveSeed, normBoundSqFromReal, trustMarginToFixed } from "../../oracle/contribution/model";
import { marketCircuit } from "../../oracle/contribution/module";
import { tokenAt, vaultAt } from "../deploy/foundation";
import { marketAt } from "./deploy";
import type { Ctx } from "../module";

/**
 * Module 1's actions for every role (task owner, trainer, settler), shared by its CLI commands
 * (scripts/contribution/cli.ts), its demo step and its bench section.
 */

export { describeRevert };
export type { Ctx };

const marketAddress = (x: Ctx) => contractAddress(x.d, "TrainingMarket");

// The deployment's contracts for this account, typed by their generated ABIs (oracle/core/chain/abi),
// the token through viem's `erc20Abi`; writes go through the one transaction path (a revert names
// the custom error).
const market = (x: Ctx) => marketAt(x.c, marketAddress(x));
const vault = (x: Ctx) => vaultAt(x.c, contractAddress(x.d, "StakeVault"));
const token = (x: Ctx) => tokenAt(x.c, contractAddress(x.d, "Token"));

export async function shapeOf(x: Ctx): Promise<{ circuit: string; slots: number; params: number }> {
  const circuit = marketCircuit(x.d);
  return { circuit, ...(await marketShape(x.c.publicClient, marketAddress(x), circuit)) };
}

export async function history(x: Ctx, taskId: bigint): Promise<TaskHistory> {
  return readTaskHistory(x.logs ?? x.c.publicClient, marketAddress(x), taskId, { fromBlock: BigInt(x.d.startBlock) });
}

async function ensureAllowance(x: Ctx, spender: Address, amount: bigint): Promise<void> {
  const allowance = await token(x).read.allowance([x.c.account.address, spender]);
  if (allowance < amount) await token(x).send("approve", [spender, amount]);
}

export interface CreateTaskOptions {
  rounds: number;
  budget: bigint;
  /** Paid per round to whoever's proposal becomes final (escrowed with the budget). */
  settlementFee?: bigint;
  minStake: bigint;
  slashAmount: bigint;
  /** Taken from a trainer who commits and does not reveal (default: slashAmount). */
  noShowPenalty?: bigint;
  maxTrainers: number;
  commitWindow: number;
  revealWindow: number;
  settlementWindow: number;
  challengeWindow: number;
  normBound: number;
  /** trust = clamp(cos(update, root) + trustMargin, 0, 1)^2, trustMargin a real in [0, 1] (default 0.3). */
  trustMargin?: number;
  /**
   * Whether the owner posts a root update each round (`zkmerit trainer train --root`, at slot 0, which
   * the owner holds from creation; default true). Without one a round's members all get trust 1.
   */
  rootUpdates?: boolean;
  /** The initial model (quantized); zeros when absent. */
  initialModel?: bigint[];
}

/**
 * Defaults of the task parameters not every caller sets: the margin measured in
 * docs/design/contribution-rule.md (0.3 with the squared trust: no honest trainer is cut in more than 1%
 * of its rounds under any attack there, and every attack row stays within 2 points of the attack-free
 * run), and root updates on.
 */
export const TASK_DEFAULTS = { trustMargin: 0.3, rootUpdates: true } as const;

/** Task owner: stores the initial model, escrows the budget and fees, and creates the task. */
export async function createTask(x: Ctx, o: CreateTaskOptions): Promise<{ taskId: bigint; gasUsed: bigint; initModelURI: string }> {
  const { params } = await shapeOf(x);
  const model = o.initialModel ?? new Array<bigint>(params).fill(0n);
  if (model.length !== params)
    throw new ZkMeritError("CONFIG", `the initial model has ${model.length} parameters; the circuit takes ${params}`, {});
  const fee = o.settlementFee ?? 0n;
  const escrow = o.budget + fee * BigInt(o.rounds);
  const balance = await token(x).read.balanceOf([x.c.account.address]);
  if (balance < escrow) {
    throw new ZkMeritError(
      "CONFIG",
      `the budget plus ${o.rounds} settlement fees (${escrow} in all) exceeds your token balance ${balance}; get tokens first (e.g. \`zkmerit faucet\`)`,
      {},
    );
  }
  const rootUpdates = o.rootUpdates ?? TASK_DEFAULTS.rootUpdates;
  const trustMargin = trustMarginToFixed(o.trustMargin ?? TASK_DEFAULTS.trustMargin);
  if (rootUpdates) {
    if (o.maxTrainers < 2)
      throw new ZkMeritError(
        "CONFIG",
        `a task with root updates needs --max-trainers >= 2 (the owner holds slot 0), got ${o.maxTrainers}`,
        {},
      );
    // The owner joins at slot 0 with the same stake as a trainer: stake what is missing first.
    const s = await vault(x).read.stakeOf([x.c.account.address]);
    if (s.free < o.minStake) {
      const need = o.minStake - s.free;
      if (balance < escrow + need) {
        throw new ZkMeritError(
          "CONFIG",
          `with root updates the owner stakes ${formatUnits(o.minStake, 18)} like a trainer; the escrow ${formatUnits(escrow, 18)} ` +
            `plus the missing stake ${formatUnits(need, 18)} exceeds your balance ${formatUnits(balance, 18)}`,
          {},
        );
      }
      await ensureAllowance(x, vault(x).address, need);
      await vault(x).send("stake", [need]);
    }
  }
  const initModelURI = await x.store.put(encodeVectorPayload({ kind: "model", params: DEFAULT_FIXED_POINT, values: model }));
  await ensureAllowance(x, marketAddress(x), escrow);
  const r = await market(x).send("createTask", [
    {
      initModelCommitment: await commitVector(model, DEFAULT_FIXED_POINT.bits),
      initModelURI,
      numRounds: BigInt(o.rounds),
      maxTrainers: BigInt(o.maxTrainers),
      startTime: 0n,
      commitWindow: BigInt(o.commitWindow),
      revealWindow: BigInt(o.revealWindow),
      settlementWindow: BigInt(o.settlementWindow),
      challengeWindow: BigInt(o.challengeWindow),
      minStake: o.minStake,
      slashAmount: o.slashAmount,
      noShowPenalty: o.noShowPenalty ?? o.slashAmount,
      budget: o.budget,
      settlementFee: fee,
      normBoundSq: normBoundSqFromReal(o.normBound),
      trustMargin,
      rootUpdates,
    },
  ]);
  // The market's TaskCreated among the receipt's logs (the token's Transfer is not in its ABI).
  const [created] = parseEventLogs({ abi: trainingMarketAbi, eventName: "TaskCreated", logs: r.logs });
  if (created) return { taskId: created.args.taskId, gasUsed: r.gasUsed, initModelURI };
  throw new ZkMeritError("CONFIG", "createTask emitted no TaskCreated event", {});
}

/** Trainer: stakes what is missing in the vault, then joins the task (locking minStake). */
export async function joinTask(x: Ctx, taskId: bigint): Promise<{ slot: number; gasUsed: bigint; stakeGas?: bigint }> {
  const t = await market(x).read.task([taskId]);
  // Refuse before staking anything: a join that would revert must not leave tokens staked.
  const already = await market(x).read.member([taskId, x.c.account.address]);
  if (already.joined) throw new ZkMeritError("CONFIG", `${x.c.account.address} already joined task ${taskId} (slot ${already.slot})`, {});
  if (t.finished || t.cancelled)
    throw new ZkMeritError("CONFIG", `task ${taskId} is ${t.finished ? "finished" : "cancelled"}; it takes no new trainers`, {});
  if (t.members >= t.maxTrainers) throw new ZkMeritError("CONFIG", `task ${taskId} is full (${t.maxTrainers} trainers)`, {});
  const s = await vault(x).read.stakeOf([x.c.account.address]);
  let stakeGas: bigint | undefined;
  if (s.free < t.minStake) {
    const need = t.minStake - s.free;
    const held = await token(x).read.balanceOf([x.c.account.address]);
    if (held < need) {
      throw new ZkMeritError(
        "CONFIG",
        `task ${taskId} needs ${formatUnits(t.minStake, 18)} tokens of stake; you have ${formatUnits(s.free, 18)} staked and ` +
          `${formatUnits(held, 18)} in your wallet, ${formatUnits(need - held, 18)} short: get tokens first ` +
          `(\`zkmerit faucet --amount ${formatUnits(need - held, 18)}\` on a TestToken deployment)`,
        { need: need.toString(), held: held.toString() },
      );
    }
    await ensureAllowance(x, vault(x).address, need);
    stakeGas = (await vault(x).send("stake", [need])).gasUsed;
  }
  const r = await market(x).send("join", [taskId]);
  const m = await market(x).read.member([taskId, x.c.account.address]);
  return { slot: Number(m.slot), gasUsed: r.gasUsed, stakeGas };
}

export interface SubmitOptions {
  shard: Shard;
  seed: number;
  attack?: TrainerAttack;
  /** For a copy attack: the slot whose update of the previous round to resubmit. */
  copySlot?: number;
  /** The task owner's root update (slot 0), trained on the owner's trusted set instead of a shard. */
  root?: boolean;
}

/** What a trainer must keep between its commit and its reveal (the update and the salt). */
export interface CommitSecret {
  taskId: bigint;
  round: number;
  slot: number;
  trainer: Address;
  update: bigint[];
  commitment: bigint;
  salt: Hash;
}

/** The current round as the chain sees it now. */
export type RoundView = RoundInfoOnChain;

async function memberSlot(x: Ctx, taskId: bigint): Promise<number> {
  const me = await market(x).read.member([taskId, x.c.account.address]);
  if (!me.joined)
    throw new ZkMeritError(
      "CONFIG",
      `${x.c.account.address} has not joined task ${taskId}; run \`zkmerit trainer join --task ${taskId}\``,
      {},
    );
  if (me.left) throw new ZkMeritError("CONFIG", `${x.c.account.address} left task ${taskId} and cannot submit any more`, {});
  return Number(me.slot);
}

const chainNow = async (x: Ctx) => (await x.c.publicClient.getBlock()).timestamp;

/**
 * Trainer: fetches the current global model, trains one round on its shard and commits to the
 * update (bound to this account and a fresh random salt). Nothing is published yet: the content
 * goes to the store at the reveal, after the commit window, so nobody can copy it. Keep the
 * returned secret for `revealCommitted` (the CLI writes it to a file).
 */
export async function trainAndCommit(
  x: Ctx,
  taskId: bigint,
  o: SubmitOptions,
): Promise<{ secret: CommitSecret; gasUsed: bigint; state: TaskState }> {
  const shape = await shapeOf(x);
  const slot = await memberSlot(x, taskId);
  const ri = await market(x).read.roundInfo([taskId]);
  const now = await chainNow(x);
  if (now < ri.startedAt || now >= ri.commitEnd) {
    throw new ZkMeritError(
      "CONFIG",
      `round ${ri.round} of task ${taskId} takes commits in [${ri.startedAt}, ${ri.commitEnd}); chain time is ${now}: ` +
        (now < ri.startedAt ? "wait for it to open" : "wait for the next round"),
      {},
    );
  }
  const h = await history(x, taskId);
  const state = await loadTaskState(chainCtx(x, shape), h);
  const round = Number(ri.round);
  if (o.root) {
    if (!h.params.rootUpdates) throw new ZkMeritError("CONFIG", `task ${taskId} takes no root updates (it was created without them)`, {});
    if (slot !== 0) throw new ZkMeritError("CONFIG", `only the task owner (slot 0) posts root updates; you hold slot ${slot}`, {});
    const update = trainRootUpdate(state.model, deriveSeed(o.seed, round));
    return { ...(await commitUpdateVector(x, taskId, round, update, slot)), state };
  }
  // After commit-reveal an attacker sees only what earlier rounds published.
  const published = async (s: { uri: string; commitment: bigint }) =>
    (
      await decodeCommittedVector(await x.store.get(s.uri), {
        kind: "update",
        length: shape.params,
        params: DEFAULT_FIXED_POINT,
        commitment: s.commitment,
      })
    ).values;
  let copyOf: bigint[] | undefined;
  if (o.attack === "copy") {
    const src = h.rounds.get(round - 1)?.reveals.find((s) => s.slot === o.copySlot);
    if (!src) throw new ZkMeritError("CONFIG", `slot ${o.copySlot} revealed nothing in round ${round - 1}: nothing to copy`, {});
    copyOf = await published(src);
  }
  const seen: bigint[][] = [];
  if (o.attack === "cone") {
    for (const s of h.rounds.get(round - 1)?.reveals ?? []) {
      if (s.slot === slot || (h.params.rootUpdates && s.slot === 0)) continue;
      seen.push(await published(s).catch(() => []));
    }
  }
  const previousStep = state.model.map((w, k) => w - state.prevModel[k]);
  // A fresh training seed per round: an honest update never repeats an earlier public one, which a
  // copier could reveal beside it to get both slashed as duplicates.
  const update = trainRound(state.model, {
    shard: o.shard,
    seed: deriveSeed(o.seed, round),
    attack: o.attack,
    copyOf,
    previousStep,
    published: seen.filter((u) => u.length === shape.params),
  });
  return { ...(await commitUpdateVector(x, taskId, Number(ri.round), update, slot)), state };
}

/** Commits to a quantized update for `round` with a fresh random salt. */
export async function commitUpdateVector(
  x: Ctx,
  taskId: bigint,
  round: number,
  update: readonly bigint[],
  slot: number,
): Promise<{ secret: CommitSecret; gasUsed: bigint }> {
  const commitment = await commitVector(update, DEFAULT_FIXED_POINT.bits);
  const salt = toHex(randomBytes(32));
  const trainer = x.c.account.address;
  const commitHash = await market(x).read.commitHashOf([taskId, BigInt(round), trainer, commitment, salt]);
  const r = await market(x).send("commitUpdate", [taskId, BigInt(round), commitHash]);
  return { secret: { taskId, round, slot, trainer, update: [...update], commitment, salt }, gasUsed: r.gasUsed };
}

/** Trainer: publishes the committed update to the content store and reveals it, in the reveal window. */
export async function revealCommitted(
  x: Ctx,
  secret: CommitSecret,
  o: { publish?: boolean } = {},
): Promise<{ uri: string; gasUsed: bigint }> {
  const ri = await market(x).read.roundInfo([secret.taskId]);
  const now = await chainNow(x);
  if (ri.round !== BigInt(secret.round))
    throw new ZkMeritError(
      "CONFIG",
      `the commit is for round ${secret.round}, but task ${secret.taskId} is in round ${ri.round}: it can no longer be revealed`,
      {},
    );
  if (now < ri.commitEnd || now >= ri.revealEnd)
    throw new ZkMeritError("CONFIG", `round ${ri.round} takes reveals in [${ri.commitEnd}, ${ri.revealEnd}); chain time is ${now}`, {});
  const payload = secretPayload(secret);
  // publish: false stores nothing (a trainer withholding its content, for tests and experiments);
  // the URI is still the content address the payload would have.
  const uri = o.publish === false ? LocalContentStore.uriOf(payload) : await x.store.put(payload);
  const r = await market(x).send("revealUpdate", [secret.taskId, BigInt(secret.round), secret.commitment, secret.salt, uri]);
  return { uri, gasUsed: r.gasUsed };
}

/** The content-store payload of a committed update (what the reveal publishes). */
export function secretPayload(secret: CommitSecret): Uint8Array {
  return encodeVectorPayload({
    kind: "update",
    params: DEFAULT_FIXED_POINT,
    values: secret.update,
    meta: { taskId: String(secret.taskId), round: secret.round, slot: secret.slot },
  });
}

/** Writes a commit secret to `dir` (mode 0600), one file per task, round and account. */
export function saveSecret(dir: string, chainId: number, s: CommitSecret): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${chainId}-${s.taskId}-${s.round}-${s.trainer.toLowerCase()}.json`);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, stringifyWithBigInts(s), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return file;
}

/** Reads the commit secret of `trainer` for `round` of `taskId`, or says how to get one. */
export function loadSecret(dir: string, chainId: number, taskId: bigint, round: number, trainer: Address): CommitSecret {
  const file = path.join(dir, `${chainId}-${taskId}-${round}-${trainer.toLowerCase()}.json`);
  if (!fs.existsSync(file))
    throw new ZkMeritError(
      "CONFIG",
      `no commit of ${trainer} for task ${taskId} round ${round} in ${dir}; commit first with \`zkmerit trainer train\``,
      {
        file,
      },
    );
  return JSON.parse(fs.readFileSync(file, "utf8"), (_, v) =>
    typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
  ) as CommitSecret;
}

/** Task owner: cancels the task (it ends after the current round if that has commits). */
export async function cancelTask(x: Ctx, taskId: bigint): Promise<bigint> {
  return (await market(x).send("cancelTask", [taskId])).gasUsed;
}

/** Trainer: leaves the task between rounds, unlocking its stake (not with a commit in the current round). */
export async function leaveTask(x: Ctx, taskId: bigint): Promise<bigint> {
  await memberSlot(x, taskId);
  return (await market(x).send("leave", [taskId])).gasUsed;
}

/** Settler: withdraws the settlement fees credited to this account. */
export async function withdrawFees(x: Ctx): Promise<{ amount: bigint; gasUsed: bigint }> {
  const amount = await market(x).read.feesOwed([x.c.account.address]);
  if (amount === 0n) return { amount, gasUsed: 0n };
  return { amount, gasUsed: (await market(x).send("withdrawFees", [])).gasUsed };
}

/** Anyone: applies what time made due (a final proposal, an expiry, skipped rounds). */
export async function syncTask(x: Ctx, taskId: bigint): Promise<bigint> {
  return (await market(x).send("sync", [taskId])).gasUsed;
}

/** The chain context of a deployment, for reading task state. */
export function chainCtx(x: Ctx, shape: { slots: number; params: number }): ChainContext {
  return { chainId: x.c.chain.id, market: marketAddress(x), store: x.store, shape };
}

/** Whether a round of `h` has a proposal past its challenge window that no transaction has applied yet. */
async function finalPending(x: Ctx, h: TaskHistory): Promise<boolean> {
  const now = (await x.c.publicClient.getBlock()).timestamp;
  for (const r of h.rounds.values()) {
    const last = r.proposals[r.proposals.length - 1];
    if (!r.finalized && last && last.finalAt <= now) return true;
  }
  return false;
}

/** Trainer: claims its cumulative reward against the current state (Merkle path from the round record). */
export async function claimReward(x: Ctx, taskId: bigint): Promise<{ amount: bigint; cumAmount: bigint; gasUsed: bigint }> {
  const shape = await shapeOf(x);
  const me = await market(x).read.member([taskId, x.c.account.address]);
  if (!me.joined) throw new ZkMeritError("CONFIG", `${x.c.account.address} is not a member of task ${taskId}`, {});
  let h = await history(x, taskId);
  // A proposal whose challenge window has passed is final but applied only by the task's next
  // transaction. The claim's own transaction would apply it first, so the path must be taken
  // against the state after it: apply it now, then read the history again.
  if (await finalPending(x, h)) {
    await syncTask(x, taskId);
    h = await history(x, taskId);
  }
  const state = await loadTaskState(chainCtx(x, shape), h);
  const slot = Number(me.slot);
  const claimed = await market(x).read.claimed([taskId, x.c.account.address]);
  const cumAmount = state.cum[slot];
  if (cumAmount <= claimed) return { amount: 0n, cumAmount, gasUsed: 0n };
  const path = await rewardPath(state.cum, slot);
  // The claim proves the leaf against the state: Poseidon(header, models, rewardRoot).
  const models = await modelsHash(state.modelCommitment, state.prevModelCommitment);
  const r = await market(x).send("claim", [taskId, cumAmount, path.siblings, models]);
  return { amount: cumAmount - claimed, cumAmount, gasUsed: r.gasUsed };
}

export async function releaseStake(x: Ctx, taskId: bigint, trainer: Address): Promise<bigint> {
  return (await market(x).send("releaseStake", [taskId, trainer])).gasUsed;
}

export async function reclaimEscrow(x: Ctx, taskId: bigint): Promise<{ amount: bigint; gasUsed: bigint }> {
  const amount = await market(x).read.refundable([taskId]);
  if (amount === 0n) return { amount, gasUsed: 0n };
  return { amount, gasUsed: (await market(x).send("reclaim", [taskId])).gasUsed };
}
