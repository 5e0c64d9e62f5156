/**
 * What each role of module 2 does, as plain functions (the CLI and the demo call them): source
 * operators register, leave and read scores; evaluators register, commit feedback and reveal it
 * (publishing the content to the store, where the oracle fetches it).
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { decodeEventLog, type Address, type Hex } from "viem";
import { contractAddress } from "../../oracle/core/chain/deployments";
import { ZkMeritError } from "../../oracle/core/errors";
import { stringifyWithBigInts } from "../../oracle/service/journal";
import { decodeFeedback, encodeFeedback } from "../../oracle/reliability/content";
import { registryRule } from "../../oracle/reliability/job";
import { feedbackCommitment, type Feedback, type ReliabilityShape } from "../../oracle/reliability/reference";
import { reliabilityRegistryAbi } from "../../oracle/core/chain/abi";
import { registryAt } from "../deploy/reliability";
import { stakeMissing } from "../commands/stake";
import type { Ctx } from "../module";

export const registry = (x: Ctx) => registryAt(x.c, contractAddress(x.d, "ReliabilityRegistry"));

/** The registry's circuit shape. */
export async function shapeOf(x: Ctx): Promise<ReliabilityShape> {
  return registryRule(await registry(x).read.params()).shape;
}

/** The latest block's timestamp (the next block's is later). */
export async function chainNow(x: Ctx): Promise<bigint> {
  return (await x.c.publicClient.getBlock({ blockTag: "latest" })).timestamp;
}

/** Rewrites the registry's reverts that have a plain-words meaning for the user; others pass through. */
export function explain(e: unknown, o: { epoch?: number; source?: number }): never {
  const m = (e as Error).message ?? "";
  if (/AlreadyCommitted/.test(m))
    throw new ZkMeritError(
      "CONFIG",
      `duplicate feedback: you already committed feedback for epoch ${o.epoch}; one commit per evaluator and epoch`,
      {},
    );
  if (/AlreadyRevealed/.test(m))
    throw new ZkMeritError("CONFIG", `duplicate feedback: your feedback for epoch ${o.epoch} is already revealed`, {});
  if (/WrongRound|OutsidePhase/.test(m)) throw new ZkMeritError("CONFIG", `epoch ${o.epoch} is closed for this (${m.split("\n")[0]})`, {});
  if (/UnknownSource/.test(m)) throw new ZkMeritError("CONFIG", `unknown source ${o.source}`, {});
  // A relayed request that passed the checks before sending and still failed: something landed in between.
  if (/InvalidAccountNonce/.test(m))
    throw new ZkMeritError("CONFIG", `the request's nonce was used meanwhile (${m.split("\n")[0]}); have the evaluator sign again`, {});
  if (/SignatureExpired/.test(m))
    throw new ZkMeritError(
      "CONFIG",
      `the signed request expired before it landed (${m.split("\n")[0]}); have the evaluator sign again`,
      {},
    );
  if (/NotCommitted/.test(m))
    throw new ZkMeritError("CONFIG", `no commit of this evaluator in epoch ${o.epoch} is on chain; relay (or send) the commit first`, {});
  if (/EpochFull/.test(m))
    throw new ZkMeritError("CONFIG", `epoch ${o.epoch} has taken every commit slot it has (${m.split("\n")[0]})`, {});
  throw e;
}

/** Checks that `id` is a registered source; an error says how many there are. */
export async function requireSource(x: Ctx, id: number): Promise<void> {
  const n = await registry(x).read.sourceCount();
  if (!Number.isSafeInteger(id) || id < 0 || BigInt(id) >= n) {
    throw new ZkMeritError(
      "CONFIG",
      `unknown source ${id}: the registry has ${n} source${n === 1n ? "" : "s"}${n > 0n ? ` (ids 0..${n - 1n})` : ""}`,
      { source: id, sourceCount: Number(n) },
    );
  }
}

/** Source operator: registers a source (locks the source stake); returns its id. */
export async function registerSource(x: Ctx, metadataURI: string): Promise<{ sourceId: number; gasUsed: bigint; stakeGas?: bigint }> {
  const p = await registry(x).read.params();
  const stakeGas = await stakeMissing(x, p.sourceStake, "a source of the reliability registry");
  const r = await registry(x).send("registerSource", [metadataURI]);
  for (const l of r.logs ?? []) {
    try {
      const ev = decodeEventLog({ abi: reliabilityRegistryAbi, data: l.data as Hex, topics: l.topics as [Hex, ...Hex[]] });
      if (ev.eventName === "SourceRegistered") return { sourceId: ev.args.sourceId, gasUsed: r.gasUsed, stakeGas };
    } catch {
      // another contract's event (the vault's lock)
    }
  }
  return { sourceId: Number(await registry(x).read.sourceCount()) - 1, gasUsed: r.gasUsed, stakeGas };
}

/** Source operator: leaves (starts unbonding) source `id`. */
export async function leaveSource(x: Ctx, id: number): Promise<bigint> {
  await requireSource(x, id);
  try {
    return (await registry(x).send("leaveSource", [id])).gasUsed;
  } catch (e) {
    explain(e, { source: id });
  }
}

const STATUS = ["active", "unbonding", "left"];

/** A source's record and scores (reliability and usefulness as fractions of 65535). */
export async function sourceStatus(x: Ctx, id: number) {
  await requireSource(x, id);
  const i = await registry(x).read.source([id]);
  return {
    id,
    operator: i.operator,
    metadataURI: i.metadataURI,
    status: (STATUS[i.status] ?? String(i.status)) + (i.slashed ? ", slashed" : ""),
    stake: i.stake,
    reliability: i.reliability,
    usefulness: i.usefulness,
  };
}

/** The scores of sources from..from+count-1 (every source by default). */
export async function sourceScores(
  x: Ctx,
  from = 0,
  count?: number,
): Promise<Array<{ id: number; reliability: number; usefulness: number }>> {
  const n = Number(await registry(x).read.sourceCount());
  const c = Math.max(0, Math.min(count ?? n, n - from));
  if (c === 0) return [];
  const [rel, use] = await registry(x).read.scores([from, c]);
  return rel.map((r, k) => ({ id: from + k, reliability: r, usefulness: use[k] }));
}

/** Evaluator: registers (locks the evaluator stake); returns the evaluator id. */
export async function registerEvaluator(x: Ctx): Promise<{ evaluatorId: number; gasUsed: bigint; stakeGas?: bigint }> {
  // Refuse before staking anything: one evaluator id per account, ever.
  const existing = await registry(x).read.evaluatorOf([x.c.account.address]);
  if (existing !== 0)
    throw new ZkMeritError("CONFIG", `${x.c.account.address} is evaluator ${existing} already (one evaluator id per account)`, {
      evaluatorId: existing,
    });
  const p = await registry(x).read.params();
  const stakeGas = await stakeMissing(x, p.evaluatorStake, "an evaluator of the reliability registry");
  const r = await registry(x).send("registerEvaluator", []);
  return { evaluatorId: await registry(x).read.evaluatorOf([x.c.account.address]), gasUsed: r.gasUsed, stakeGas };
}

/** What an evaluator keeps between commit and reveal (in its secrets folder, never published before the reveal). */
export interface FeedbackSecret {
  registry: Address;
  epoch: number;
  evaluatorId: number;
  commitment: bigint;
  salt: Hex;
  /** The payload bytes (hex), published at reveal. */
  payload: Hex;
}

/** Where the commit secret of evaluator `evaluatorId` for `epoch` on `registry` is kept. */
export function secretFile(dir: string, chainId: number, s: { registry: Address; epoch: number; evaluatorId: number }): string {
  return path.join(dir, `reliability-${chainId}-${s.registry.toLowerCase()}-${s.epoch}-${s.evaluatorId}.json`);
}

/** Writes a commit secret whole (a temporary file renamed), readable by its owner only. */
export function saveSecret(file: string, s: FeedbackSecret): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(`${file}.tmp`, stringifyWithBigInts(s), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** Reads a commit secret written by `saveSecret`. */
export function loadSecret(file: string): FeedbackSecret {
  return JSON.parse(fs.readFileSync(file, "utf8"), (_, v) =>
    typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
  ) as FeedbackSecret;
}

/** Reads and checks a feedback file (the payload format of oracle/reliability/content.ts) against the registry's shape. */
export function readFeedbackFile(file: string, shape: ReliabilityShape): Feedback {
  if (!fs.existsSync(file)) throw new ZkMeritError("CONFIG", `no feedback file at ${file}`, { file });
  return decodeFeedback(fs.readFileSync(file), shape, file);
}

/** The evaluator id of the context's account; an error says how to register when it has none. */
export async function ownEvaluatorId(x: Ctx): Promise<number> {
  const id = await registry(x).read.evaluatorOf([x.c.account.address]);
  if (id === 0)
    throw new ZkMeritError("CONFIG", `${x.c.account.address} is not an evaluator; run \`zkmerit evaluator register\` first`, {
      account: x.c.account.address,
    });
  return id;
}

type EpochInfo = Awaited<ReturnType<ReturnType<typeof registry>["read"]["epochInfo"]>>;

/** The current epoch and the chain's time; throws unless the epoch's commit window is open for the next block. */
export async function openCommitWindow(x: Ctx): Promise<{ info: EpochInfo; now: bigint }> {
  const info = await registry(x).read.epochInfo();
  const now = await chainNow(x);
  // The epoch the next block sees (the registry catches up lazily): past commitEnd the commit window is closed.
  if (now + 1n >= info.commitEnd) {
    throw new ZkMeritError(
      "CONFIG",
      `epoch ${info.epoch} is closed for commits (its commit window ended at ${info.commitEnd}, now ${now}); ` +
        `commit in the next epoch's window`,
      { epoch: info.epoch },
    );
  }
  return { info, now };
}

/** Throws unless `epoch` is the current one and its reveal window is open for the next block (`early`: a reveal may also be prepared in the commit window). */
export async function openRevealWindow(
  x: Ctx,
  epoch: number | undefined,
  early = false,
): Promise<{ info: EpochInfo; now: bigint; epoch: number }> {
  const info = await registry(x).read.epochInfo();
  const now = await chainNow(x);
  const e = epoch ?? info.epoch;
  if (e !== info.epoch || now + 1n >= info.revealEnd) {
    throw new ZkMeritError(
      "CONFIG",
      `epoch ${e} is closed for reveals (current epoch ${info.epoch}, its reveal window ends at ${info.revealEnd}, now ${now})`,
      { epoch: e },
    );
  }
  if (!early && now + 1n < info.commitEnd) {
    throw new ZkMeritError("CONFIG", `epoch ${e}'s reveal window opens at ${info.commitEnd} (now ${now}); reveal then`, { epoch: e });
  }
  return { info, now, epoch: e };
}

/**
 * A new commit secret of `feedback` for the current epoch, and the commit hash the registry
 * checks at reveal. Refuses a second commit of the epoch (a secret kept already), unless it is the
 * same feedback (`reuse`: a request signed again keeps its salt, so only one of the two can land).
 */
export async function prepareCommit(
  x: Ctx,
  evaluatorId: number,
  epoch: number,
  feedback: Feedback,
  secretsDir: string,
  reuse = false,
): Promise<{ secret: FeedbackSecret; file: string; commitHash: Hex }> {
  const reg = registry(x);
  const shape = await shapeOf(x);
  const payload: Hex = `0x${Buffer.from(encodeFeedback(feedback)).toString("hex")}`;
  const commitment = await feedbackCommitment(feedback, shape);
  const file = secretFile(secretsDir, x.c.chain.id, { registry: reg.address, epoch, evaluatorId });
  let secret: FeedbackSecret | undefined;
  if (fs.existsSync(file)) {
    const kept = loadSecret(file);
    if (!reuse || kept.payload !== payload)
      throw new ZkMeritError(
        "CONFIG",
        `duplicate feedback: you already committed${reuse ? " (or signed) other" : ""} feedback for epoch ${epoch} (${file})`,
        { file },
      );
    secret = kept;
  }
  secret ??= { registry: reg.address, epoch, evaluatorId, commitment, salt: `0x${randomBytes(32).toString("hex")}` as Hex, payload };
  const commitHash = await reg.read.commitHashOf([epoch, evaluatorId, secret.commitment, secret.salt]);
  return { secret, file, commitHash };
}

/** Evaluator: commits `feedback` for the current epoch (its commit window must be open); keeps the secret in `secretsDir`. */
export async function commitFeedback(
  x: Ctx,
  feedback: Feedback,
  secretsDir: string,
): Promise<{ epoch: number; commitment: bigint; secretFile: string; gasUsed: bigint }> {
  const reg = registry(x);
  const evaluatorId = await ownEvaluatorId(x);
  const { info } = await openCommitWindow(x);
  const { secret, file, commitHash } = await prepareCommit(x, evaluatorId, info.epoch, feedback, secretsDir);
  let gasUsed: bigint;
  try {
    gasUsed = (await reg.send("commitFeedback", [info.epoch, commitHash])).gasUsed;
  } catch (e) {
    explain(e, { epoch: info.epoch });
  }
  saveSecret(file, secret);
  return { epoch: info.epoch, commitment: secret.commitment, secretFile: file, gasUsed };
}

/** The commit secret of the context's evaluator for `epoch`; an error says to commit first when there is none. */
export function committedSecret(x: Ctx, secretsDir: string, evaluatorId: number, epoch: number): FeedbackSecret {
  const file = secretFile(secretsDir, x.c.chain.id, { registry: registry(x).address, epoch, evaluatorId });
  if (!fs.existsSync(file))
    throw new ZkMeritError(
      "CONFIG",
      `no committed feedback of evaluator ${evaluatorId} for epoch ${epoch} in ${secretsDir}; commit first`,
      {
        file,
      },
    );
  return loadSecret(file);
}

/** Evaluator: publishes the committed feedback of `epoch` (default: the current one) to the store and reveals it. */
export async function revealFeedback(x: Ctx, secretsDir: string, epoch?: number): Promise<{ epoch: number; uri: string; gasUsed: bigint }> {
  const reg = registry(x);
  const evaluatorId = await reg.read.evaluatorOf([x.c.account.address]);
  if (evaluatorId === 0) throw new ZkMeritError("CONFIG", `${x.c.account.address} is not an evaluator`, {});
  const e = epoch ?? (await reg.read.epochInfo()).epoch;
  const s = committedSecret(x, secretsDir, evaluatorId, e);
  await openRevealWindow(x, e);
  const uri = await x.store.put(Buffer.from(s.payload.slice(2), "hex"));
  try {
    const r = await reg.send("revealFeedback", [e, s.commitment, s.salt, uri]);
    return { epoch: e, uri, gasUsed: r.gasUsed };
  } catch (err) {
    explain(err, { epoch: e });
  }
}
