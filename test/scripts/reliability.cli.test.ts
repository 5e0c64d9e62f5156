import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Address } from "viem";
import { LocalContentStore } from "../../oracle/core/store";
import { decodeFeedback, encodeFeedback } from "../../oracle/reliability/content";
import { feedbackCommitment, type Feedback } from "../../oracle/reliability";
import { deploySystem } from "../../scripts/commands/deploy";
import { program } from "../../scripts/cli";
import { MODULES } from "../../scripts/modules";
import {
  commitFeedback,
  leaveSource,
  readFeedbackFile,
  registerEvaluator,
  registerSource,
  registry,
  revealFeedback,
  shapeOf,
  sourceScores,
  sourceStatus,
} from "../../scripts/reliability/actions";
import { testTokenAt } from "../../scripts/deploy/foundation";
import { vaultAt } from "../../scripts/deploy/foundation";
import type { Ctx } from "../../scripts/module";
import { clientsFor } from "../helpers/fixtures";

const TOKEN = 10n ** 18n;

/** Awaits `p` and checks that it fails with a message matching `re`. */
async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  let err: Error | undefined;
  try {
    await p;
  } catch (e) {
    err = e as Error;
  }
  expect(err, `expected a failure matching ${re}`).to.not.equal(undefined);
  expect(err!.message).to.match(re);
}

async function cliFixture() {
  const signers = await hre.ethers.getSigners();
  const [admin, operator, ev1, ev2] = signers.map(clientsFor);
  const store = new LocalContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-relcli-store-")));
  const d = await deploySystem(admin, {
    network: "hardhat",
    unbondingDelaySeconds: 3600,
    adminTransferDelaySeconds: 86400,
    modules: ["contribution", "reliability"],
    options: { circuit: "contribution_4x8" },
  });
  for (const who of [operator, ev1, ev2]) {
    await testTokenAt(admin, d.contracts.Token as Address).send("mint", [who.account.address, 1000n * TOKEN]);
    await testTokenAt(who, d.contracts.Token as Address).send("approve", [d.contracts.StakeVault as Address, 1000n * TOKEN]);
    await vaultAt(who, d.contracts.StakeVault as Address).send("stake", [500n * TOKEN]);
  }
  const ctx = (c: typeof admin): Ctx => ({ c, d, store });
  const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-relcli-secrets-"));
  return { d, store, ctx, admin, operator, ev1, ev2, secrets };
}

const grades = (share: number): Feedback => ({
  grades: Array.from({ length: 8 }, (_, q) => ({
    graded: true,
    correct: q % 2 === 0,
    grounded: true,
    sources: [{ source: BigInt(q % 8), share }],
  })),
});

describe("scripts/reliability (registry entry, deploy and commands)", function () {
  this.timeout(300_000);

  it("is registered: --help shows its group, the deploy and audit commands hold its options", () => {
    expect(MODULES.map((m) => m.id)).to.include("reliability");
    const help = program.helpInformation();
    expect(help).to.include("Source reliability (reliability) commands:");
    const deploy = program.commands.find((c) => c.name() === "deploy")!;
    expect(deploy.options.map((o) => o.long)).to.include.members(["--reliability-circuit", "--epoch-windows"]);
    const audit = program.commands.find((c) => c.name() === "audit")!;
    expect(audit.options.map((o) => o.long)).to.include("--reliability-epoch");
    const names = (c = program, prefix = ""): string[] =>
      c.commands.flatMap((s) => [`${prefix}${s.name()}`, ...names(s, `${prefix}${s.name()} `)]);
    expect(names()).to.include.members([
      "source register",
      "source leave",
      "source status",
      "source scores",
      "evaluator register",
      "evaluator commit",
      "evaluator reveal",
      "evaluator sign",
      "relay",
    ]);
  });

  it("deploys the registry on the spine, reusing module 1's Poseidon hashers", async () => {
    const s = await loadFixture(cliFixture);
    expect(s.d.contracts.ReliabilityRegistry).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(Object.keys(s.d.verifiers)).to.include.members(["contribution_4x8", "reliability_1x8x5x2"]);
    const reg = registry(s.ctx(s.admin));
    const [p2, p3, p4] = await reg.read.hashers();
    expect([p2, p3, p4].map((a) => a.toLowerCase())).to.deep.equal(
      [s.d.contracts.Poseidon2, s.d.contracts.Poseidon3, s.d.contracts.Poseidon4].map((a) => a.toLowerCase()),
    );
    expect(await shapeOf(s.ctx(s.admin))).to.deep.equal({ words: 1, queries: 8, evaluators: 5, entries: 2 });
  });

  it("source register|status|scores|leave, with an unknown source named", async () => {
    const s = await loadFixture(cliFixture);
    const op = s.ctx(s.operator);
    expect((await registerSource(op, "store://a")).sourceId).to.equal(0);
    expect((await registerSource(op, "store://b")).sourceId).to.equal(1);
    const st = await sourceStatus(op, 1);
    expect(st).to.include({ id: 1, status: "active", metadataURI: "store://b", reliability: 32768, usefulness: 32768 });
    expect(await sourceScores(op)).to.deep.equal([
      { id: 0, reliability: 32768, usefulness: 32768 },
      { id: 1, reliability: 32768, usefulness: 32768 },
    ]);
    await rejects(sourceStatus(op, 7), /unknown source 7: the registry has 2 sources \(ids 0\.\.1\)/);
    await rejects(leaveSource(op, 9), /unknown source 9/);
    expect((await leaveSource(op, 0)) > 0n).to.equal(true);
    expect((await sourceStatus(op, 0)).status).to.equal("unbonding");
  });

  it("evaluator register|commit|reveal: the reveal publishes the committed content; shares, closed epochs and duplicates are refused", async () => {
    const s = await loadFixture(cliFixture);
    const op = s.ctx(s.operator);
    for (let i = 0; i < 8; i++) await registerSource(op, `store://s${i}`);
    const e1 = s.ctx(s.ev1);
    const e2 = s.ctx(s.ev2);
    await rejects(commitFeedback(e1, grades(50), s.secrets), /is not an evaluator; run `zkmerit evaluator register`/);
    expect((await registerEvaluator(e1)).evaluatorId).to.equal(1);
    expect((await registerEvaluator(e2)).evaluatorId).to.equal(2);

    // A feedback file with a share outside 0-100.
    const shape = await shapeOf(e1);
    const bad = path.join(s.secrets, "bad.json");
    fs.writeFileSync(bad, Buffer.from(encodeFeedback(grades(120))));
    expect(() => readFeedbackFile(bad, shape)).to.throw(/share must be an integer in \[0, 100\], got 120/);
    const good = path.join(s.secrets, "good.json");
    fs.writeFileSync(good, Buffer.from(encodeFeedback(grades(60))));
    const fb = readFeedbackFile(good, shape);

    const c = await commitFeedback(e1, fb, s.secrets);
    expect(c.epoch).to.equal(0);
    expect(c.commitment).to.equal(await feedbackCommitment(fb, shape));
    // Twice in an epoch: refused, from the secret kept, and from the chain when the secret is gone.
    await rejects(commitFeedback(e1, fb, s.secrets), /duplicate feedback: you already committed feedback for epoch 0/);
    fs.renameSync(c.secretFile, `${c.secretFile}.bak`);
    await rejects(commitFeedback(e1, fb, s.secrets), /duplicate feedback: you already committed feedback for epoch 0/);
    fs.renameSync(`${c.secretFile}.bak`, c.secretFile);
    // Revealing in the commit window is too early.
    await rejects(revealFeedback(e1, s.secrets), /reveal window opens at/);

    const info = await registry(e1).read.epochInfo();
    await time.increaseTo(info.commitEnd);
    // The commit window closed: e2 cannot commit any more.
    await rejects(commitFeedback(e2, fb, s.secrets), /epoch 0 is closed for commits/);
    // e2 committed nothing: nothing to reveal.
    await rejects(revealFeedback(e2, s.secrets), /no committed feedback of evaluator 2 for epoch 0/);

    const r = await revealFeedback(e1, s.secrets);
    expect(r.epoch).to.equal(0);
    expect(decodeFeedback(await s.store.get(r.uri), shape)).to.deep.equal(fb);
    expect((await registry(e1).read.epochInfo()).reveals).to.equal(1n);
    await rejects(revealFeedback(e1, s.secrets), /duplicate feedback: your feedback for epoch 0 is already revealed/);

    // Past the reveal window: closed.
    await time.increaseTo((await registry(e1).read.epochInfo()).revealEnd);
    await rejects(revealFeedback(e1, s.secrets), /epoch 0 is closed for reveals/);
  });

  it("source --source refuses what is not an id before connecting", () => {
    const status = program.commands.find((c) => c.name() === "source")!.commands.find((c) => c.name() === "status")!;
    const opt = status.options.find((o) => o.long === "--source")!;
    expect(() => opt.parseArg!("-3", undefined)).to.throw(/--source must be a source id/);
    expect(opt.parseArg!("12", undefined)).to.equal(12);
  });
});
