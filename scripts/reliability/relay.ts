/**
 * Relayed feedback (EIP-712): an evaluator signs its commit or its reveal and sends nothing (it
 * needs no gas); anyone submits the signed file with `commitFeedbackBySig` / `revealFeedbackBySig`.
 * The registry checks the signature under its domain (name, version, chain id, its own address),
 * the account's nonce and the deadline; `relayFeedback` checks each of them first, so a request
 * that would revert is refused with the value, why and what to do, before anything is sent.
 */
import fs from "node:fs";
import { z } from "zod";
import { getAddress, isAddressEqual, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { contractAddress } from "../../oracle/core/chain/deployments";
import { ZkMeritError } from "../../oracle/core/errors";
import { decodeCommittedFeedback } from "../../oracle/reliability/content";
import type { Feedback } from "../../oracle/reliability/reference";
import type { Ctx } from "../module";
import {
  chainNow,
  committedSecret,
  explain,
  openCommitWindow,
  openRevealWindow,
  ownEvaluatorId,
  prepareCommit,
  registry,
  saveSecret,
  shapeOf,
} from "./actions";

/** The EIP-712 types of the registry's relayed calls (COMMIT_TYPEHASH and REVEAL_TYPEHASH of ReliabilityRegistry.sol). */
export const FEEDBACK_TYPES = {
  CommitFeedback: [
    { name: "evaluatorId", type: "uint32" },
    { name: "epoch", type: "uint32" },
    { name: "commitHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  RevealFeedback: [
    { name: "evaluatorId", type: "uint32" },
    { name: "epoch", type: "uint32" },
    { name: "commitment", type: "uint256" },
    { name: "salt", type: "bytes32" },
    { name: "uri", type: "string" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const SIGNED_FEEDBACK_KIND = "zkmerit/reliability-signed-feedback";

const uint = z.string().regex(/^\d{1,78}$/, "a decimal integer");
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "32 bytes of hex");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address");
const u32 = z.number().int().min(0).max(0xffffffff);
const domainSchema = z.object({ name: z.string(), version: z.string(), chainId: z.number().int().positive(), verifyingContract: address });
const base = {
  kind: z.literal(SIGNED_FEEDBACK_KIND),
  version: z.literal(1),
  domain: domainSchema,
  signer: address,
  signature: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, "hex bytes"),
  expiresAt: z.string().optional(),
};
const signedSchema = z.discriminatedUnion("primaryType", [
  z.object({
    ...base,
    primaryType: z.literal("CommitFeedback"),
    message: z.object({ evaluatorId: u32, epoch: u32, commitHash: hex32, nonce: uint, deadline: uint }),
  }),
  z.object({
    ...base,
    primaryType: z.literal("RevealFeedback"),
    message: z.object({ evaluatorId: u32, epoch: u32, commitment: uint, salt: hex32, uri: z.string().min(1), nonce: uint, deadline: uint }),
  }),
]);

/**
 * A signed request as written to a file: every field of the EIP-712 message (integers as decimal
 * strings), the domain it was signed under, the signing account, the signature, and its deadline
 * in words (`expiresAt`, for people; the message's `deadline` is what counts).
 */
export type SignedFeedback = z.infer<typeof signedSchema>;
export type SignedCommit = Extract<SignedFeedback, { primaryType: "CommitFeedback" }>;
export type SignedReveal = Extract<SignedFeedback, { primaryType: "RevealFeedback" }>;

/** What is signed: the commit (a commit hash) or the reveal (commitment, salt and the content's URI). */
export type SignKind = "commit" | "reveal";

export interface SignOptions {
  /** Seconds from now (chain time) the request stays valid; default: until the window it is for closes. */
  deadlineSeconds?: number;
  /** The reveal's epoch (default: the current one). */
  epoch?: number;
}

type VerifyArgs = Parameters<Ctx["c"]["publicClient"]["verifyTypedData"]>[0];
type RecoverArgs = Parameters<typeof recoverTypedDataAddress>[0];

/** The registry's EIP-712 domain, as it reports it (ERC-5267). */
async function registryDomain(x: Ctx) {
  const [, name, version, chainId, verifyingContract] = await registry(x).read.eip712Domain();
  return { name, version, chainId: Number(chainId), verifyingContract: getAddress(verifyingContract) };
}

function deadlineOf(now: bigint, windowEnd: bigint, seconds: number | undefined): bigint {
  // The registry accepts a request while block.timestamp <= deadline; the window itself closes at windowEnd.
  return seconds === undefined ? windowEnd - 1n : now + BigInt(seconds);
}

async function signRequest(x: Ctx, typed: Pick<SignedFeedback, "primaryType" | "message">): Promise<SignedFeedback> {
  const domain = await registryDomain(x);
  const signature = await x.c.walletClient.signTypedData({
    account: x.c.account,
    domain: { ...domain, verifyingContract: domain.verifyingContract },
    types: FEEDBACK_TYPES,
    primaryType: typed.primaryType,
    message: toTypedMessage(typed.primaryType, typed.message) as never,
  });
  const deadline = BigInt(typed.message.deadline);
  return {
    kind: SIGNED_FEEDBACK_KIND,
    version: 1,
    primaryType: typed.primaryType,
    domain,
    message: typed.message,
    signer: x.c.account.address,
    signature,
    expiresAt: new Date(Number(deadline) * 1000).toISOString(),
  } as SignedFeedback;
}

/** The message with its integers as the bigints EIP-712 hashing takes. */
function toTypedMessage(primaryType: SignedFeedback["primaryType"], m: SignedFeedback["message"]) {
  if (primaryType === "CommitFeedback") {
    const c = m as Extract<SignedFeedback, { primaryType: "CommitFeedback" }>["message"];
    return {
      evaluatorId: c.evaluatorId,
      epoch: c.epoch,
      commitHash: c.commitHash as Hex,
      nonce: BigInt(c.nonce),
      deadline: BigInt(c.deadline),
    };
  }
  const r = m as Extract<SignedFeedback, { primaryType: "RevealFeedback" }>["message"];
  return {
    evaluatorId: r.evaluatorId,
    epoch: r.epoch,
    commitment: BigInt(r.commitment),
    salt: r.salt as Hex,
    uri: r.uri,
    nonce: BigInt(r.nonce),
    deadline: BigInt(r.deadline),
  };
}

/**
 * Evaluator: signs the commit of `feedback` for the current epoch (in its commit window), keeping
 * the secret (feedback and salt) in `secretsDir` as `evaluator commit` does; sends nothing.
 * Signing the same feedback again keeps the salt, so the two requests commit the same hash and
 * only one of them can land; other feedback for the same epoch is refused.
 */
export async function signCommit(x: Ctx, feedback: Feedback, secretsDir: string, o: SignOptions = {}): Promise<SignedCommit> {
  const evaluatorId = await ownEvaluatorId(x);
  const { info, now } = await openCommitWindow(x);
  const { secret, file, commitHash } = await prepareCommit(x, evaluatorId, info.epoch, feedback, secretsDir, true);
  const nonce = await registry(x).read.nonces([x.c.account.address]);
  const deadline = deadlineOf(now, info.commitEnd, o.deadlineSeconds);
  const signed = await signRequest(x, {
    primaryType: "CommitFeedback",
    message: { evaluatorId, epoch: info.epoch, commitHash, nonce: nonce.toString(), deadline: deadline.toString() },
  });
  saveSecret(file, secret);
  return signed as SignedCommit;
}

/**
 * Evaluator: publishes the feedback it committed for `epoch` (default: the current one) to the
 * store and signs its reveal; sends nothing. Sign it once the commit is on chain: the request
 * carries the account's next nonce. It may be signed in the commit window already; the relayer
 * submits it in the reveal window.
 */
export async function signReveal(x: Ctx, secretsDir: string, o: SignOptions = {}): Promise<SignedReveal> {
  const evaluatorId = await ownEvaluatorId(x);
  const e = o.epoch ?? (await registry(x).read.epochInfo()).epoch;
  const s = committedSecret(x, secretsDir, evaluatorId, e);
  const { info, now } = await openRevealWindow(x, e, true);
  const uri = await x.store.put(Buffer.from(s.payload.slice(2), "hex"));
  const nonce = await registry(x).read.nonces([x.c.account.address]);
  const deadline = deadlineOf(now, info.revealEnd, o.deadlineSeconds);
  return (await signRequest(x, {
    primaryType: "RevealFeedback",
    message: {
      evaluatorId,
      epoch: e,
      commitment: s.commitment.toString(),
      salt: s.salt,
      uri,
      nonce: nonce.toString(),
      deadline: deadline.toString(),
    },
  })) as SignedReveal;
}

/** Writes a signed request (whole: a temporary file renamed). */
export function writeSignedFeedback(file: string, s: SignedFeedback): void {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(s, null, 2) + "\n");
  fs.renameSync(`${file}.tmp`, file);
}

/** Reads and checks a signed request file; an error names the file and the first bad field. */
export function readSignedFeedback(file: string): SignedFeedback {
  if (!fs.existsSync(file)) throw new ZkMeritError("CONFIG", `no signed feedback file at ${file}`, { file });
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ZkMeritError("PAYLOAD_INVALID", `${file} is not JSON: ${(e as Error).message}`, { file });
  }
  const p = signedSchema.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new ZkMeritError(
      "PAYLOAD_INVALID",
      `${file} is not a signed feedback request (written by \`zkmerit evaluator sign\`): ${i.path.join(".") || "(top)"}: ${i.message}`,
      { file },
    );
  }
  return p.data;
}

export interface RelayResult {
  primaryType: SignedFeedback["primaryType"];
  evaluatorId: number;
  epoch: number;
  gasUsed: bigint;
  /** For a reveal: whether the relayer's store holds the revealed content ("missing": the oracle must find it elsewhere). */
  content?: "ok" | "missing" | "mismatch";
}

const what = (s: SignedFeedback) =>
  `signed ${s.primaryType === "CommitFeedback" ? "commit" : "reveal"} of evaluator ${s.message.evaluatorId}`;

/**
 * Anyone: submits a signed request. Checks first, in this order, each with its own error: the
 * chain and the registry it was signed for, the deadline, the evaluator, the signature (made by
 * the evaluator's account over exactly these fields), the nonce, and the epoch's window; then
 * sends, with the registry's own checks simulated first.
 */
export async function relayFeedback(x: Ctx, s: SignedFeedback, file = "the signed request"): Promise<RelayResult> {
  const reg = registry(x);
  const m = s.message;
  const label = what(s);
  if (s.domain.chainId !== x.c.chain.id) {
    throw new ZkMeritError(
      "CONFIG",
      `${file}: the ${label} was signed for chain ${s.domain.chainId}, but this node is chain ${x.c.chain.id}; ` +
        `relay it to a node of chain ${s.domain.chainId} (--network and its --deployments), or have the evaluator sign again here`,
      { chainId: s.domain.chainId, nodeChainId: x.c.chain.id },
    );
  }
  const here = contractAddress(x.d, "ReliabilityRegistry");
  if (!isAddressEqual(s.domain.verifyingContract as Address, here)) {
    throw new ZkMeritError(
      "CONFIG",
      `${file}: the ${label} was signed for the registry at ${s.domain.verifyingContract}, but this deployment's registry is ${here}; ` +
        `pass the --deployments of the registry it was signed for, or have the evaluator sign again for ${here}`,
      { signedFor: s.domain.verifyingContract, registry: here },
    );
  }
  const domain = await registryDomain(x);
  if (s.domain.name !== domain.name || s.domain.version !== domain.version) {
    throw new ZkMeritError(
      "CONFIG",
      `${file}: the ${label} was signed for domain "${s.domain.name}" version ${s.domain.version}, but the registry's is ` +
        `"${domain.name}" version ${domain.version}; have the evaluator sign again with \`zkmerit evaluator sign\``,
      { domain: s.domain },
    );
  }
  const now = await chainNow(x);
  const deadline = BigInt(m.deadline);
  // The next block's timestamp is at least now + 1; the registry refuses block.timestamp > deadline.
  if (now + 1n > deadline) {
    throw new ZkMeritError(
      "CONFIG",
      `${file}: the ${label} expired: its deadline ${deadline} (${new Date(Number(deadline) * 1000).toISOString()}) ` +
        `is before the chain's next block (now ${now}); have the evaluator sign again (\`zkmerit evaluator sign\`, a later --deadline)`,
      { deadline: m.deadline, now: now.toString() },
    );
  }
  const count = await reg.read.evaluatorCount();
  if (m.evaluatorId === 0 || BigInt(m.evaluatorId) > count) {
    throw new ZkMeritError(
      "CONFIG",
      `${file}: evaluator ${m.evaluatorId} is not an evaluator of this registry (it has ${count}, ids 1..${count}); ` +
        `the signer ${s.signer} must run \`zkmerit evaluator register\` before its feedback can be relayed`,
      { evaluatorId: m.evaluatorId, evaluatorCount: Number(count) },
    );
  }
  const ev = await reg.read.evaluator([m.evaluatorId]);
  if (!ev.active) {
    throw new ZkMeritError(
      "CONFIG",
      `${file}: evaluator ${m.evaluatorId} (${ev.account}) left the registry; its feedback cannot be relayed`,
      {
        evaluatorId: m.evaluatorId,
      },
    );
  }
  const typed = {
    domain: { ...domain, verifyingContract: domain.verifyingContract },
    types: FEEDBACK_TYPES,
    primaryType: s.primaryType,
    message: toTypedMessage(s.primaryType, m),
  } as const;
  // verifyTypedData also accepts an ERC-1271 wallet's approval, as the registry's SignatureChecker does.
  const valid = await x.c.publicClient.verifyTypedData({ ...typed, address: ev.account, signature: s.signature as Hex } as VerifyArgs);
  if (!valid) {
    let by = "";
    try {
      by = `; over them it recovers to ${await recoverTypedDataAddress({ ...typed, signature: s.signature as Hex } as RecoverArgs)}`;
    } catch {
      // not an ECDSA signature
    }
    throw new ZkMeritError(
      "CONFIG",
      `${file}: the signature is not evaluator ${m.evaluatorId}'s (account ${ev.account}) over these fields${by}: ` +
        `the file was changed after signing, or signed by another account; relay only what the evaluator signed, or have it sign again`,
      { evaluatorId: m.evaluatorId, account: ev.account },
    );
  }
  const next = await reg.read.nonces([ev.account]);
  const nonce = BigInt(m.nonce);
  if (nonce < next) {
    throw new ZkMeritError(
      "CONFIG",
      `${file}: nonce ${nonce} of ${ev.account} is used already (its next nonce is ${next}): this request, or another one the ` +
        `evaluator signed with that nonce, was relayed; nothing to do, or have the evaluator sign again`,
      { nonce: m.nonce, next: next.toString() },
    );
  }
  if (nonce > next) {
    throw new ZkMeritError(
      "CONFIG",
      `${file}: nonce ${nonce} of ${ev.account} is ahead of its next nonce ${next}: relay the evaluator's earlier signed ` +
        `request (nonce ${next}) first, or have the evaluator sign again`,
      { nonce: m.nonce, next: next.toString() },
    );
  }
  const signature = s.signature as Hex;
  try {
    if (s.primaryType === "CommitFeedback") {
      const c = s.message;
      const { info } = await openCommitWindow(x);
      if (c.epoch !== info.epoch)
        throw new ZkMeritError(
          "CONFIG",
          `${file}: the ${label} is for epoch ${c.epoch}, but the registry is in epoch ${info.epoch}; have the evaluator sign again`,
          {
            epoch: c.epoch,
          },
        );
      const r = await reg.send("commitFeedbackBySig", [c.evaluatorId, c.epoch, c.commitHash as Hex, nonce, deadline, signature]);
      return { primaryType: s.primaryType, evaluatorId: c.evaluatorId, epoch: c.epoch, gasUsed: r.gasUsed };
    }
    const r0 = s.message;
    await openRevealWindow(x, r0.epoch);
    const r = await reg.send("revealFeedbackBySig", [
      r0.evaluatorId,
      r0.epoch,
      BigInt(r0.commitment),
      r0.salt as Hex,
      r0.uri,
      nonce,
      deadline,
      signature,
    ]);
    return {
      primaryType: s.primaryType,
      evaluatorId: r0.evaluatorId,
      epoch: r0.epoch,
      gasUsed: r.gasUsed,
      content: await contentCheck(x, r0),
    };
  } catch (e) {
    explain(e, { epoch: m.epoch });
  }
}

/** Whether the relayer's store holds the revealed content, and it is what was committed (the oracle fetches it from the URI). */
async function contentCheck(x: Ctx, m: { uri: string; commitment: string }): Promise<"ok" | "missing" | "mismatch"> {
  let bytes: Uint8Array;
  try {
    bytes = await x.store.get(m.uri);
  } catch {
    return "missing";
  }
  try {
    await decodeCommittedFeedback(bytes, { shape: await shapeOf(x), commitment: BigInt(m.commitment), uri: m.uri });
    return "ok";
  } catch {
    return "mismatch";
  }
}
