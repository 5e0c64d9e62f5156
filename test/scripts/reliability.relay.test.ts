import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEventLogs, type Address, type Hex } from "viem";
import { LocalContentStore } from "../../oracle/core/store";
import { reliabilityRegistryAbi } from "../../oracle/core/chain/abi";
import { decodeFeedback } from "../../oracle/reliability/content";
import type { Feedback } from "../../oracle/reliability";
import { deploySystem } from "../../scripts/commands/deploy";
import { program } from "../../scripts/cli";
import { commitFeedback, registerEvaluator, registerSource, registry, shapeOf } from "../../scripts/reliability/actions";
import {
  FEEDBACK_TYPES,
  SIGNED_FEEDBACK_KIND,
  readSignedFeedback,
  relayFeedback,
  signCommit,
  signReveal,
  writeSignedFeedback,
  type SignedFeedback,
  type SignedCommit,
} from "../../scripts/reliability/relay";
import { testTokenAt } from "../../scripts/deploy/foundation";
import type { Ctx } from "../../scripts/module";
import { clientsFor } from "../helpers/fixtures";

const TOKEN = 10n ** 18n;

/** Awaits `p` and checks that it fails with a message matching every one of `res`. */
async function rejects(p: Promise<unknown>, ...res: RegExp[]): Promise<void> {
  let err: Error | undefined;
  try {
    await p;
  } catch (e) {
    err = e as Error;
  }
  expect(err, `expected a failure matching ${res.join(", ")}`).to.not.equal(undefined);
  for (const re of res) expect(err!.message, err!.message).to.match(re);
}

const deployOnce = (admin: ReturnType<typeof clientsFor>) =>
  deploySystem(admin, { network: "hardhat", unbondingDelaySeconds: 3600, adminTransferDelaySeconds: 86400, modules: ["reliability"] });

async function relayFixture() {
  const signers = await hre.ethers.getSigners();
  const [admin, operator, ev1, ev2, relayer, stranger] = signers.map(clientsFor);
  const store = new LocalContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-relay-store-")));
  const d = await deployOnce(admin);
  // A second registry on the same chain: a request signed for it must not be relayed to the first.
  const other = await deployOnce(admin);
  const ctx = (c: typeof admin, dep = d): Ctx => ({ c, d: dep, store });
  for (const dep of [d, other])
    for (const who of [operator, ev1, ev2, stranger])
      await testTokenAt(admin, dep.contracts.Token as Address).send("mint", [who.account.address, 1000n * TOKEN]);
  // The commands stake what registering needs.
  for (let i = 0; i < 8; i++) await registerSource(ctx(operator), `store://s${i}`);
  await registerEvaluator(ctx(ev1));
  await registerEvaluator(ctx(ev2));
  await registerSource(ctx(operator, other), "store://other");
  await registerEvaluator(ctx(ev1, other));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-relay-"));
  return { d, other, store, ctx, admin, operator, ev1, ev2, relayer, stranger, dir };
}

const feedback: Feedback = {
  grades: Array.from({ length: 8 }, (_, q) => ({
    graded: true,
    correct: q % 3 !== 0,
    grounded: true,
    sources: [{ source: BigInt(q % 8), share: 70 }],
  })),
};

/** A copy of a signed request with `edit` applied (what someone altering the file would relay). */
const edited = (s: SignedFeedback, edit: (j: Record<string, Record<string, unknown>>) => void): SignedFeedback => {
  const j = JSON.parse(JSON.stringify(s)) as Record<string, Record<string, unknown>>;
  edit(j);
  return j as unknown as SignedFeedback;
};

describe("scripts/reliability relayed feedback (evaluator sign, relay)", function () {
  this.timeout(300_000);
  // Commit secrets are files, outside the chain's snapshots: each test keeps its own.
  let secrets = "";
  beforeEach(() => {
    secrets = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-relay-secrets-"));
  });

  it("the evaluator signs its commit and reveal without gas; another account relays both, and the reveal publishes the committed content", async () => {
    const s = await loadFixture(relayFixture);
    const e1 = s.ctx(s.ev1);
    const gasBefore = await s.ev1.publicClient.getBalance({ address: s.ev1.account.address });
    const signed = await signCommit(e1, feedback, secrets, { deadlineSeconds: 600 });
    // The file holds every field of the message, the domain, the signer, the signature and the deadline.
    const file = path.join(s.dir, "commit.json");
    writeSignedFeedback(file, signed);
    const back = readSignedFeedback(file);
    expect(back).to.deep.equal(signed);
    expect(back.kind).to.equal(SIGNED_FEEDBACK_KIND);
    expect(back.primaryType).to.equal("CommitFeedback");
    expect(Object.keys(back.message)).to.have.members(FEEDBACK_TYPES.CommitFeedback.map((f) => f.name));
    expect(back.domain).to.deep.equal({
      name: "zkmerit ReliabilityRegistry",
      version: "1",
      chainId: 31337,
      verifyingContract: registry(e1).address,
    });
    expect(back.message).to.include({ evaluatorId: 1, epoch: 0, nonce: "0" });
    const now = (await s.ev1.publicClient.getBlock()).timestamp;
    expect(BigInt(back.message.deadline)).to.equal(now + 600n);
    expect(back.expiresAt).to.equal(new Date(Number(now + 600n) * 1000).toISOString());

    const r = await relayFeedback(s.ctx(s.relayer), back, file);
    expect(r).to.include({ primaryType: "CommitFeedback", evaluatorId: 1, epoch: 0 });
    const reg = registry(e1);
    expect((await reg.read.epochInfo()).commits).to.equal(1n);
    expect(await reg.read.nonces([s.ev1.account.address])).to.equal(1n);

    // The reveal: signed in the reveal window, relayed by the same relayer.
    await time.increaseTo((await reg.read.epochInfo()).commitEnd);
    const rev = await signReveal(e1, secrets);
    expect(rev.primaryType).to.equal("RevealFeedback");
    expect(Object.keys(rev.message)).to.have.members(FEEDBACK_TYPES.RevealFeedback.map((f) => f.name));
    // By default a request is valid until its window closes.
    expect(BigInt(rev.message.deadline)).to.equal((await reg.read.epochInfo()).revealEnd - 1n);
    const rr = await relayFeedback(s.ctx(s.relayer), rev);
    expect(rr).to.include({ primaryType: "RevealFeedback", evaluatorId: 1, epoch: 0, content: "ok" });
    expect((await reg.read.epochInfo()).reveals).to.equal(1n);
    expect(decodeFeedback(await s.store.get(rev.message.uri), await shapeOf(e1))).to.deep.equal(feedback);
    // The evaluator paid nothing: both calls were the relayer's, marked relayed in the events.
    expect(await s.ev1.publicClient.getBalance({ address: s.ev1.account.address })).to.equal(gasBefore);
    const logs = await s.ev1.publicClient.getLogs({ address: reg.address, fromBlock: 0n });
    const evs = parseEventLogs({ abi: reliabilityRegistryAbi, logs });
    const committed = evs.find((e) => e.eventName === "FeedbackCommitted")!;
    const revealed = evs.find((e) => e.eventName === "FeedbackRevealed")!;
    expect(committed.args).to.include({ evaluatorId: 1, relayed: true });
    expect(revealed.args).to.include({ evaluatorId: 1, relayed: true });
  });

  it("refuses a replayed request before sending: its nonce is used", async () => {
    const s = await loadFixture(relayFixture);
    const signed = await signCommit(s.ctx(s.ev1), feedback, secrets);
    await relayFeedback(s.ctx(s.relayer), signed);
    await rejects(
      relayFeedback(s.ctx(s.stranger), signed),
      /nonce 0 of 0x[0-9a-fA-F]{40} is used already \(its next nonce is 1\)/,
      /was relayed/,
    );
  });

  it("refuses a forged request: an altered field, or another evaluator's id on it", async () => {
    const s = await loadFixture(relayFixture);
    const signed = await signCommit(s.ctx(s.ev1), feedback, secrets);
    const ev1 = s.ev1.account.address;
    const altered = edited(signed, (j) => (j.message.commitHash = `0x${"11".repeat(32)}`));
    await rejects(
      relayFeedback(s.ctx(s.relayer), altered),
      new RegExp(`the signature is not evaluator 1's \\(account ${ev1}\\) over these fields`),
      /changed after signing/,
    );
    // ev1's signature presented as evaluator 2's: the recovered signer is named.
    const asOther = edited(signed, (j) => (j.message.evaluatorId = 2));
    await rejects(
      relayFeedback(s.ctx(s.relayer), asOther),
      /the signature is not evaluator 2's .*; over them it recovers to 0x[0-9a-fA-F]{40}/,
    );
    // A valid signature with a nonce ahead of the account's: the earlier request must land first.
    const reg = registry(s.ctx(s.ev1));
    const ahead = { ...signed.message, nonce: "5" };
    const sig = await s.ev1.walletClient.signTypedData({
      account: s.ev1.account,
      domain: { ...signed.domain, verifyingContract: signed.domain.verifyingContract as Address },
      types: FEEDBACK_TYPES,
      primaryType: "CommitFeedback",
      message: { ...ahead, commitHash: ahead.commitHash as Hex, nonce: 5n, deadline: BigInt(ahead.deadline) },
    });
    await rejects(
      relayFeedback(s.ctx(s.relayer), { ...signed, message: ahead, signature: sig } satisfies SignedCommit),
      /nonce 5 of .* is ahead of its next nonce 0: relay the evaluator's earlier signed request \(nonce 0\) first/,
    );
    expect((await reg.read.epochInfo()).commits).to.equal(0n);
  });

  it("refuses an expired request, naming the deadline and the chain's time", async () => {
    const s = await loadFixture(relayFixture);
    const signed = await signCommit(s.ctx(s.ev1), feedback, secrets, { deadlineSeconds: 30 });
    await time.increase(60);
    await rejects(
      relayFeedback(s.ctx(s.relayer), signed),
      new RegExp(
        `the signed commit of evaluator 1 expired: its deadline ${signed.message.deadline} \\(\\d{4}-.*Z\\) is before the chain's next block`,
      ),
      /have the evaluator sign again .*a later --deadline/,
    );
  });

  it("refuses a request signed for another chain or another registry", async () => {
    const s = await loadFixture(relayFixture);
    const signed = await signCommit(s.ctx(s.ev1), feedback, secrets);
    await rejects(
      relayFeedback(
        s.ctx(s.relayer),
        edited(signed, (j) => (j.domain.chainId = 5)),
      ),
      /was signed for chain 5, but this node is chain 31337; relay it to a node of chain 5/,
    );
    // Signed (for real) for the second registry, relayed to the first.
    const forOther = await signCommit(s.ctx(s.ev1, s.other), feedback, path.join(s.dir, "other-secrets"));
    const otherRegistry = s.other.contracts.ReliabilityRegistry;
    await rejects(
      relayFeedback(s.ctx(s.relayer), forOther),
      new RegExp(`was signed for the registry at ${otherRegistry}, but this deployment's registry is ${s.d.contracts.ReliabilityRegistry}`),
      /pass the --deployments of the registry it was signed for/,
    );
    // Relayed where it belongs, it lands.
    expect((await relayFeedback(s.ctx(s.relayer, s.other), forOther)).epoch).to.equal(0);
  });

  it("refuses what is not an evaluator's: signing without an evaluator id, or a request naming an unknown one", async () => {
    const s = await loadFixture(relayFixture);
    await rejects(signCommit(s.ctx(s.stranger), feedback, secrets), /is not an evaluator; run `zkmerit evaluator register` first/);
    const signed = await signCommit(s.ctx(s.ev1), feedback, secrets);
    await rejects(
      relayFeedback(
        s.ctx(s.relayer),
        edited(signed, (j) => (j.message.evaluatorId = 9)),
      ),
      /evaluator 9 is not an evaluator of this registry \(it has 2, ids 1\.\.2\)/,
      /must run `zkmerit evaluator register`/,
    );
  });

  it("refuses a commit past its window, and a reveal whose commit never landed; signing other feedback for a signed epoch is refused", async () => {
    const s = await loadFixture(relayFixture);
    const e2 = s.ctx(s.ev2);
    // Evaluator 1 commits directly, so epoch 0 has a commit and moves to its reveal window.
    await commitFeedback(s.ctx(s.ev1), feedback, fs.mkdtempSync(path.join(s.dir, "direct-")));
    const signed = await signCommit(e2, feedback, secrets, { deadlineSeconds: 7200 });
    // The same feedback signed again keeps the salt (the same commit hash); other feedback is refused.
    const again = await signCommit(e2, feedback, secrets, { deadlineSeconds: 7200 });
    expect(again.message.commitHash).to.equal(signed.message.commitHash);
    const other: Feedback = { grades: feedback.grades.map((g) => ({ ...g, correct: !g.correct })) };
    await rejects(signCommit(e2, other, secrets), /duplicate feedback: you already committed \(or signed\) other feedback for epoch 0/);
    await time.increaseTo((await registry(e2).read.epochInfo()).commitEnd);
    await rejects(relayFeedback(s.ctx(s.relayer), signed), /epoch 0 is closed for commits/);
    // Its reveal can be signed, but the registry has no commit to match it.
    const rev = await signReveal(e2, secrets);
    await rejects(
      relayFeedback(s.ctx(s.relayer), rev),
      /no commit of this evaluator in epoch 0 is on chain; relay \(or send\) the commit first/,
    );
  });

  it("reads only well-formed signed files, naming the bad field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-relay-file-"));
    const f = path.join(dir, "x.json");
    expect(() => readSignedFeedback(f)).to.throw(/no signed feedback file at/);
    fs.writeFileSync(f, "{");
    expect(() => readSignedFeedback(f)).to.throw(/is not JSON/);
    fs.writeFileSync(f, JSON.stringify({ kind: SIGNED_FEEDBACK_KIND, version: 1, primaryType: "CommitFeedback", message: {} }));
    expect(() => readSignedFeedback(f)).to.throw(/is not a signed feedback request .*: domain/);
  });

  it("has the commands: evaluator sign <commit|reveal> and relay", () => {
    const evaluator = program.commands.find((c) => c.name() === "evaluator")!;
    const sign = evaluator.commands.find((c) => c.name() === "sign")!;
    expect(sign.options.map((o) => o.long)).to.include.members(["--out", "--feedback", "--epoch", "--deadline", "--secrets"]);
    const relay = program.commands.find((c) => c.name() === "relay")!;
    expect(relay.options.map((o) => o.long)).to.include("--file");
    const deadline = sign.options.find((o) => o.long === "--deadline")!;
    expect(() => deadline.parseArg!("0", undefined)).to.throw(/--deadline must be an integer/);
  });
});
