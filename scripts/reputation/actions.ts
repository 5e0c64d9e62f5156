/**
 * What each role of module 3 does, as plain functions (the CLI and the demo call them): nodes
 * register, calibrate, answer and judge (commit, then reveal, publishing the content to the store,
 * where judges and the oracle fetch it) and claim their rewards; the calibrator opens calibration
 * sets and reveals their keys; anyone opens a round with a question and a reward.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { decodeEventLog, formatUnits, pad, toHex, type Address, type Hex } from "viem";
import { contractAddress } from "../../oracle/core/chain/deployments";
import { ZkMeritError } from "../../oracle/core/errors";
import { swarmReputationAbi } from "../../oracle/core/chain/abi";
import { stringifyWithBigInts } from "../../oracle/service/journal";
import { logPass } from "../../oracle/core/chain/logs";
import { readAnswers, swarmRule } from "../../oracle/reputation/chain";
import { ROUND_STATUS } from "../../oracle/reputation/job";
import {
  decodeAnswer,
  decodeQuestion,
  encodeAnswer,
  encodeJudgmentPayload,
  encodeQuestion,
  payloadDigest,
  type AnswerContent,
} from "../../oracle/reputation/content";
import { encodeJudgment, judgmentCommitment, type Judgment, type ReputationShape } from "../../oracle/reputation/reference";
import type { ChoiceQuestion } from "../../oracle/reputation/adapter";
import { calibrationAt, swarmAt } from "../deploy/reputation";
import { stakeMissing } from "../commands/stake";
import { tokenAt } from "../deploy/foundation";
import type { Ctx } from "../module";

export const swarm = (x: Ctx) => swarmAt(x.c, contractAddress(x.d, "SwarmReputation"));
export const calibration = (x: Ctx) => calibrationAt(x.c, contractAddress(x.d, "SwarmCalibration"));

/** Commit kinds of the swarm (ISwarmReputation.commitHashOf). */
export const ANSWER = 0;
export const JUDGMENT = 1;
const KIND_NAME = ["answer", "judgment"] as const;

/** The swarm's rule shape. */
export async function shapeOf(x: Ctx): Promise<ReputationShape> {
  return swarmRule(await swarm(x).read.params()).shape;
}

/** The latest block's timestamp (the next block's is later). */
export async function chainNow(x: Ctx): Promise<bigint> {
  return (await x.c.publicClient.getBlock({ blockTag: "latest" })).timestamp;
}

/** Rewrites the swarm's reverts that have a plain-words meaning for the user; others pass through. */
export function explain(e: unknown, o: { round?: number; what?: string } = {}): never {
  const m = (e as Error).message ?? "";
  const first = m.split("\n")[0];
  const r = o.round !== undefined ? `round ${o.round}` : "the round";
  if (/AlreadyCommitted/.test(m))
    throw new ZkMeritError("CONFIG", `you already committed your ${o.what ?? "commit"} for ${r}; one per node, round and kind`, {});
  if (/AlreadyRevealed/.test(m)) throw new ZkMeritError("CONFIG", `your ${o.what ?? "reveal"} for ${r} is revealed already`, {});
  if (/CommitmentCopied/.test(m))
    throw new ZkMeritError("CONFIG", `another node committed this exact hash in ${r}: a copied commitment is refused (${first})`, {});
  if (/OutsidePhase/.test(m)) throw new ZkMeritError("CONFIG", `${r} is not in the phase for this (${first})`, {});
  if (/NodeNotAdmitted/.test(m))
    throw new ZkMeritError(
      "CONFIG",
      `your node is not admitted to the swarm yet; pass a calibration set (\`zkmerit node calibrate\`) first`,
      {},
    );
  if (/NotRegistered|NotSwarmNode/.test(m))
    throw new ZkMeritError("CONFIG", `this account has no node; run \`zkmerit node register\` first`, {});
  if (/RevealMismatch/.test(m)) throw new ZkMeritError("COMMITMENT_MISMATCH", `the reveal does not match your commit (${first})`, {});
  if (/RoundInProgress/.test(m))
    throw new ZkMeritError("CONFIG", `a round is still open or proposed; wait until it resolves (${first})`, {});
  throw e;
}

/** The node id of the context's account; an error says how to register when it has none. */
export async function ownNodeId(x: Ctx): Promise<number> {
  const id = await swarm(x).read.nodeOf([x.c.account.address]);
  if (id === 0)
    throw new ZkMeritError("CONFIG", `${x.c.account.address} has no node in the swarm; run \`zkmerit node register\` first`, {
      account: x.c.account.address,
    });
  return id;
}

/** The slot of the context's node; an error says how to be admitted when it holds none. */
export async function ownSlot(x: Ctx): Promise<{ nodeId: number; slot: number }> {
  const nodeId = await ownNodeId(x);
  const n = await swarm(x).read.node([nodeId]);
  if (n.status !== 1)
    throw new ZkMeritError(
      "CONFIG",
      `node ${nodeId} is not admitted (status ${["registered", "admitted", "unbonding", "left"][n.status]}); pass calibration first`,
      {
        nodeId,
      },
    );
  return { nodeId, slot: n.slot };
}

/** Node: registers (locking the node stake, staking what is missing first); returns its id. */
export async function registerNode(x: Ctx, metadataURI: string): Promise<{ nodeId: number; gasUsed: bigint; stakeGas?: bigint }> {
  const existing = await swarm(x).read.nodeOf([x.c.account.address]);
  if (existing !== 0)
    throw new ZkMeritError("CONFIG", `${x.c.account.address} is node ${existing} already (one node per account)`, { nodeId: existing });
  const p = await swarm(x).read.params();
  const stakeGas = await stakeMissing(x, p.nodeStake, "a node of the swarm");
  const r = await swarm(x).send("registerNode", [metadataURI]);
  return { nodeId: await swarm(x).read.nodeOf([x.c.account.address]), gasUsed: r.gasUsed, stakeGas };
}

// ---------------------------------------------------------------------------------------------
// Secrets kept between commit and reveal

/** What a node keeps between a commit and its reveal (in its secrets folder, never published before). */
export interface CommitSecret {
  contract: Address;
  /** "answer" or "judgment" of a round, or "calibration" of a set. */
  kind: "answer" | "judgment" | "calibration";
  /** The round, or the calibration set. */
  id: number;
  nodeId: number;
  salt: Hex;
  /** The payload (hex) published at reveal (answer, judgment), or the calibration answers. */
  payload: Hex;
  /** The judgment commitment (judgments only). */
  commitment?: bigint;
}

export function secretFile(dir: string, chainId: number, s: Pick<CommitSecret, "contract" | "kind" | "id" | "nodeId">): string {
  return path.join(dir, `reputation-${chainId}-${s.contract.toLowerCase()}-${s.kind}-${s.id}-${s.nodeId}.json`);
}

function saveSecret(file: string, s: CommitSecret): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(`${file}.tmp`, stringifyWithBigInts(s), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

function loadSecret(file: string, what: string): CommitSecret {
  if (!fs.existsSync(file))
    throw new ZkMeritError("CONFIG", `no committed ${what} in ${path.dirname(file)} (${path.basename(file)}); commit first`, { file });
  return JSON.parse(fs.readFileSync(file, "utf8"), (_, v) =>
    typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
  ) as CommitSecret;
}

const newSalt = (): Hex => `0x${randomBytes(32).toString("hex")}`;
const hexOf = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString("hex")}`;
const bytesOf = (h: Hex): Uint8Array => Buffer.from(h.slice(2), "hex");

// ---------------------------------------------------------------------------------------------
// Rounds

type RoundInfo = Awaited<ReturnType<ReturnType<typeof swarm>["read"]["roundInfo"]>>;

/** The round `round` (default the current one), refusing an unknown one with the range that exists. */
export async function roundOf(x: Ctx, round?: number): Promise<RoundInfo> {
  const current = await swarm(x).read.currentRound();
  const r = round ?? current;
  if (r === 0 || r > current || !Number.isSafeInteger(r))
    throw new ZkMeritError("CONFIG", `unknown round ${r}: the swarm has ${current === 0 ? "no rounds yet" : `rounds 1..${current}`}`, {
      round: r,
    });
  return swarm(x).read.roundInfo([r]);
}

/** Throws unless `phase` ([opens, closes)) is open for the next block. */
async function requireWindow(x: Ctx, round: number, what: string, opens: bigint, closes: bigint): Promise<void> {
  const now = await chainNow(x);
  if (now + 1n < opens)
    throw new ZkMeritError("CONFIG", `round ${round}'s ${what} window opens at ${opens} (now ${now}); wait until then`, { round });
  if (now + 1n >= closes) throw new ZkMeritError("CONFIG", `round ${round}'s ${what} window closed at ${closes} (now ${now})`, { round });
}

/** Anyone: opens the next round with `question` (stored in the content store) and `reward` tokens (approved first). */
export async function openRound(
  x: Ctx,
  question: ChoiceQuestion,
  reward: bigint,
): Promise<{ round: number; questionURI: string; gasUsed: bigint }> {
  const bytes = encodeQuestion(question);
  decodeQuestion(bytes, "the question");
  const uri = await x.store.put(bytes);
  const s = swarm(x);
  if (reward > 0n) {
    const token = tokenAt(x.c, contractAddress(x.d, "Token"));
    const balance = await token.read.balanceOf([x.c.account.address]);
    if (balance < reward)
      throw new ZkMeritError(
        "CONFIG",
        `the reward is ${formatUnits(reward, 18)} tokens and ${x.c.account.address} holds ${formatUnits(balance, 18)}; get tokens (\`zkmerit faucet\`) or lower --reward`,
        {},
      );
    await token.send("approve", [s.address, reward]);
  }
  try {
    const r = await s.send("openRound", [payloadDigest(bytes), uri, reward]);
    return { round: await s.read.currentRound(), questionURI: uri, gasUsed: r.gasUsed };
  } catch (e) {
    explain(e);
  }
}

/** The question of a round, fetched and checked against its questionHash. */
export async function roundQuestion(x: Ctx, round: number): Promise<ChoiceQuestion> {
  const info = await roundOf(x, round);
  const pass = await logPass(x.logs ?? x.c.publicClient);
  for (const l of await pass.logs(swarm(x).address, BigInt(x.d.startBlock))) {
    try {
      const ev = decodeEventLog({ abi: swarmReputationAbi, data: l.data, topics: l.topics as [Hex, ...Hex[]] });
      if (ev.eventName === "RoundOpened" && ev.args.round === round)
        return decodeQuestion(await x.store.get(ev.args.questionURI), ev.args.questionURI, info.questionHash);
    } catch (e) {
      if ((e as ZkMeritError).code) throw e;
    }
  }
  throw new ZkMeritError("DEPLOYMENTS", `round ${round}'s RoundOpened event is not in the log`, { round });
}

/** Node: commits its answer (choice index and text) to the current round; the payload waits in `secretsDir`. */
export async function commitAnswer(x: Ctx, a: { choice: number; text: string }, secretsDir: string, round?: number) {
  const info = await roundOf(x, round);
  const { nodeId, slot } = await ownSlot(x);
  const q = await roundQuestion(x, info.round);
  if (!Number.isInteger(a.choice) || a.choice < 0 || a.choice >= q.choices.length)
    throw new ZkMeritError(
      "CONFIG",
      `choice ${a.choice} is not one of round ${info.round}'s ${q.choices.length} choices (0..${q.choices.length - 1})`,
      {},
    );
  await requireWindow(x, info.round, "answer commit", info.opensAt, info.answerCommitEnd);
  const payload = encodeAnswer({ round: BigInt(info.round), slot, choice: a.choice, text: a.text });
  const secret: CommitSecret = {
    contract: swarm(x).address,
    kind: "answer",
    id: info.round,
    nodeId,
    salt: newSalt(),
    payload: hexOf(payload),
  };
  const file = secretFile(secretsDir, x.c.chain.id, secret);
  if (fs.existsSync(file)) throw new ZkMeritError("CONFIG", `you already committed an answer for round ${info.round} (${file})`, { file });
  const commitHash = await swarm(x).read.commitHashOf([ANSWER, info.round, slot, payloadDigest(payload), secret.salt]);
  try {
    const r = await swarm(x).send("commitAnswer", [info.round, commitHash]);
    saveSecret(file, secret);
    return { round: info.round, slot, gasUsed: r.gasUsed, secretFile: file };
  } catch (e) {
    explain(e, { round: info.round, what: "answer" });
  }
}

/** Node: publishes its committed answer of `round` to the store and reveals it. */
export async function revealAnswer(x: Ctx, secretsDir: string, round?: number) {
  const info = await roundOf(x, round);
  const { nodeId, slot } = await ownSlot(x);
  const s = loadSecret(
    secretFile(secretsDir, x.c.chain.id, { contract: swarm(x).address, kind: "answer", id: info.round, nodeId }),
    `answer for round ${info.round}`,
  );
  await requireWindow(x, info.round, "answer reveal", info.answerCommitEnd, info.answerRevealEnd);
  const bytes = bytesOf(s.payload);
  const uri = await x.store.put(bytes);
  try {
    const r = await swarm(x).send("revealAnswer", [info.round, payloadDigest(bytes), s.salt, uri]);
    return { round: info.round, slot, uri, gasUsed: r.gasUsed };
  } catch (e) {
    explain(e, { round: info.round, what: "answer" });
  }
}

/** The revealed answers of a round, by slot, each fetched and checked against its digest (undefined when missing or bad). */
export async function revealedAnswers(x: Ctx, round: number): Promise<Array<AnswerContent | undefined>> {
  const { nodes } = await shapeOf(x);
  const pass = await logPass(x.logs ?? x.c.publicClient);
  const onChain = await readAnswers(pass, swarm(x).address, round, BigInt(x.d.startBlock));
  const out: Array<AnswerContent | undefined> = new Array(nodes).fill(undefined);
  for (const [slot, a] of onChain) {
    try {
      out[slot] = decodeAnswer(await x.store.get(a.uri), { round: BigInt(round), slot, digest: a.digest, uri: a.uri });
    } catch {
      // an answer whose content is missing or does not match is not judged
    }
  }
  return out;
}

/** Node: commits its judgment of `round` (checked against the schedule: no own pair, no pair outside it). */
export async function commitJudgment(x: Ctx, judgment: Judgment, secretsDir: string, round?: number) {
  const info = await roundOf(x, round);
  const { nodeId, slot } = await ownSlot(x);
  const shape = await shapeOf(x);
  encodeJudgment(slot, judgment, shape, `your judgment of round ${info.round}`);
  await requireWindow(x, info.round, "judgment commit", info.answerRevealEnd, info.judgeCommitEnd);
  const commitment = await judgmentCommitment(slot, judgment, shape);
  const payload = encodeJudgmentPayload(BigInt(info.round), slot, judgment);
  const secret: CommitSecret = {
    contract: swarm(x).address,
    kind: "judgment",
    id: info.round,
    nodeId,
    salt: newSalt(),
    payload: hexOf(payload),
    commitment,
  };
  const file = secretFile(secretsDir, x.c.chain.id, secret);
  if (fs.existsSync(file)) throw new ZkMeritError("CONFIG", `you already committed a judgment for round ${info.round} (${file})`, { file });
  const commitHash = await swarm(x).read.commitHashOf([JUDGMENT, info.round, slot, pad(toHex(commitment), { size: 32 }), secret.salt]);
  try {
    const r = await swarm(x).send("commitJudgment", [info.round, commitHash]);
    saveSecret(file, secret);
    return { round: info.round, slot, commitment, gasUsed: r.gasUsed, secretFile: file };
  } catch (e) {
    explain(e, { round: info.round, what: "judgment" });
  }
}

/** Node: publishes its committed judgment of `round` and reveals its commitment. */
export async function revealJudgment(x: Ctx, secretsDir: string, round?: number) {
  const info = await roundOf(x, round);
  const { nodeId, slot } = await ownSlot(x);
  const s = loadSecret(
    secretFile(secretsDir, x.c.chain.id, { contract: swarm(x).address, kind: "judgment", id: info.round, nodeId }),
    `judgment for round ${info.round}`,
  );
  await requireWindow(x, info.round, "judgment reveal", info.judgeCommitEnd, info.judgeRevealEnd);
  const uri = await x.store.put(bytesOf(s.payload));
  try {
    const r = await swarm(x).send("revealJudgment", [info.round, s.commitment!, s.salt, uri]);
    return { round: info.round, slot, uri, gasUsed: r.gasUsed };
  } catch (e) {
    explain(e, { round: info.round, what: "judgment" });
  }
}

/** A round's state for people: its status, windows, masks, winner and accumulator. */
export async function roundStatus(x: Ctx, round?: number) {
  const i = await roundOf(x, round);
  return { ...i, statusName: ROUND_STATUS[i.status] ?? String(i.status), kinds: KIND_NAME };
}

/** Node: claims its credited rewards. */
export async function claimRewards(x: Ctx): Promise<{ amount: bigint; gasUsed: bigint }> {
  const amount = await swarm(x).read.pendingRewards([x.c.account.address]);
  if (amount === 0n) throw new ZkMeritError("CONFIG", `${x.c.account.address} has no rewards to claim`, {});
  const r = await swarm(x).send("claimRewards", []);
  return { amount, gasUsed: r.gasUsed };
}

// ---------------------------------------------------------------------------------------------
// Calibration (proof of capability)

/** What the calibrator keeps of a set until it reveals the key. */
export interface KeySecret {
  calibration: Address;
  setId: number;
  answers: Hex;
  salt: Hex;
}

const keyFile = (dir: string, chainId: number, calibrationAddress: Address, setId: number) =>
  path.join(dir, `reputation-${chainId}-${calibrationAddress.toLowerCase()}-key-${setId}.json`);

/** Calibrator: opens a set of questions with their answer key (choice indices, committed; kept in `secretsDir` until the key reveal). */
export async function openCalibration(
  x: Ctx,
  o: {
    questions: readonly ChoiceQuestion[];
    key: readonly number[];
    passMark: number;
    windows: readonly [number, number, number];
    secretsDir: string;
  },
) {
  if (o.questions.length === 0 || o.questions.length > 64 || o.key.length !== o.questions.length)
    throw new ZkMeritError(
      "CONFIG",
      `a calibration set needs 1..64 questions and one key entry each, got ${o.questions.length} and ${o.key.length}`,
      {},
    );
  o.key.forEach((k, i) => {
    if (!Number.isInteger(k) || k < 0 || k >= o.questions[i].choices.length)
      throw new ZkMeritError("CONFIG", `key entry ${i} (${k}) is not one of question ${i}'s ${o.questions[i].choices.length} choices`, {});
  });
  if (!Number.isInteger(o.passMark) || o.passMark < 1 || o.passMark > o.questions.length)
    throw new ZkMeritError("CONFIG", `the pass mark must be 1..${o.questions.length} questions, got ${o.passMark}`, {});
  const k = calibration(x);
  const setId = (await k.read.setCount()) + 1;
  const answers = hexOf(Uint8Array.from(o.key));
  const salt = newSalt();
  const uri = await x.store.put(
    new TextEncoder().encode(JSON.stringify({ kind: "zkmerit/reputation-calibration", version: 1, questions: o.questions })),
  );
  const keyCommitment = await k.read.keyCommitmentOf([setId, answers, salt]);
  const file = keyFile(o.secretsDir, x.c.chain.id, k.address, setId);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify({ calibration: k.address, setId, answers, salt } satisfies KeySecret), { mode: 0o600 });
  const [commitWindow, revealWindow, keyWindow] = o.windows.map(BigInt);
  const r = await k.send("openCalibration", [keyCommitment, o.questions.length, o.passMark, uri, commitWindow, revealWindow, keyWindow]);
  return { setId, questionsURI: uri, gasUsed: r.gasUsed, keyFile: file };
}

/** Node: commits its calibration answers (choice indices) for set `setId`. */
export async function commitCalibration(x: Ctx, setId: number, answers: readonly number[], secretsDir: string) {
  const nodeId = await ownNodeId(x);
  const k = calibration(x);
  const payload = hexOf(Uint8Array.from(answers));
  const secret: CommitSecret = { contract: k.address, kind: "calibration", id: setId, nodeId, salt: newSalt(), payload };
  const hash = await k.read.calibrationHashOf([setId, nodeId, payload, secret.salt]);
  try {
    const r = await k.send("commitCalibration", [setId, hash]);
    const file = secretFile(secretsDir, x.c.chain.id, secret);
    saveSecret(file, secret);
    return { setId, nodeId, gasUsed: r.gasUsed };
  } catch (e) {
    explain(e, { what: "calibration answers" });
  }
}

/** Node: reveals its committed calibration answers of set `setId`. */
export async function revealCalibration(x: Ctx, setId: number, secretsDir: string) {
  const nodeId = await ownNodeId(x);
  const k = calibration(x);
  const s = loadSecret(
    secretFile(secretsDir, x.c.chain.id, { contract: k.address, kind: "calibration", id: setId, nodeId }),
    `calibration of set ${setId}`,
  );
  const r = await k.send("revealCalibration", [setId, s.payload, s.salt]);
  return { setId, nodeId, gasUsed: r.gasUsed };
}

/** Calibrator: reveals the key of set `setId` from its key file. */
export async function revealKey(x: Ctx, setId: number, secretsDir: string) {
  const k = calibration(x);
  const file = keyFile(secretsDir, x.c.chain.id, k.address, setId);
  if (!fs.existsSync(file))
    throw new ZkMeritError("CONFIG", `no key of calibration set ${setId} in ${secretsDir}; only the calibrator who opened it holds it`, {
      file,
    });
  const s = JSON.parse(fs.readFileSync(file, "utf8")) as KeySecret;
  const r = await k.send("revealKey", [setId, s.answers, s.salt]);
  return { setId, gasUsed: r.gasUsed };
}

/** Node: claims admission from set `setId` (its score must reach the pass mark). */
export async function claimAdmission(x: Ctx, setId: number) {
  const nodeId = await ownNodeId(x);
  const k = calibration(x);
  const [score] = await k.read.scoreOf([setId, nodeId]);
  const set = await k.read.calibrationSet([setId]);
  if (score < BigInt(set.passMark))
    throw new ZkMeritError(
      "CONFIG",
      `node ${nodeId} scored ${score} of ${set.questions} in set ${setId}, below the pass mark ${set.passMark}`,
      { nodeId, score: Number(score) },
    );
  const n = Number((await swarm(x).read.params()).slots);
  const mask = await swarm(x).read.admittedMask();
  if (mask === (1n << BigInt(n)) - 1n)
    throw new ZkMeritError(
      "CONFIG",
      `the swarm is full: all ${n} slots are held; node ${nodeId} passed set ${setId} and can claim admission when a node leaves`,
      {
        nodeId,
      },
    );
  try {
    const r = await k.send("claimAdmission", [setId]);
    return { setId, nodeId, slot: (await swarm(x).read.node([nodeId])).slot, score, gasUsed: r.gasUsed };
  } catch (e) {
    explain(e, { what: "admission" });
  }
}
