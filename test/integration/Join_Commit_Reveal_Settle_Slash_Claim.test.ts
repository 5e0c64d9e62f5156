import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import pino from "pino";
import { circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import { OracleRunner } from "../../oracle/service/runner";
import { loadTaskState } from "../../oracle/contribution/taskstate";
import { chainCtx, claimReward, history, reclaimEscrow, releaseStake, syncTask, withdrawFees } from "../../scripts/contribution/actions";
import { marketAt } from "../../scripts/contribution/deploy";
import {
  audit,
  CHALLENGE,
  CIRCUIT,
  commitAll,
  expectRejects,
  freshFixture,
  increaseTime,
  playRound,
  revealAll,
  roundUpdates,
  SHAPE,
  systemFixture,
  TOKEN,
  WINDOW,
} from "./marketHarness";

describe("Join_Commit_Reveal_Settle_Slash_Claim (real proofs, contribution_4x8)", () => {
  it("commits, reveals and settles two rounds with proofs, slashes the over-norm attacker, pays claims and fees, audits clean", async () => {
    const { trainers, owner, oracleOp, ctx, taskId, oracle, d, store, market } = await freshFixture(systemFixture);
    const svc = oracle();
    await svc.checkVerifier(circuitArtifacts(CIRCUIT).verifierContract);
    for (let r = 0; r < 2; r++) {
      if (r > 0) await increaseTime(CHALLENGE); // the previous proposal becomes final, the round opens
      const secrets = await commitAll(ctx, trainers, taskId, r, roundUpdates(r));
      // Before the reveals the oracle has nothing to prove (and nothing is in the store to copy).
      expect((await svc.tick()).settled).to.have.length(0);
      await revealAll(ctx, trainers, secrets);
      expect((await svc.tick()).settled).to.have.length(0);
      await increaseTime(WINDOW);
      const tick = await svc.tick();
      expect(tick.errors, JSON.stringify(tick.errors)).to.deep.equal([]);
      expect(tick.settled).to.have.length(1);
      expect(tick.settled[0].masks).to.deep.equal({ included: 0b1111n, excluded: 0n, slashed: 0b1000n });
    }
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    const h = await history(ctx(owner), taskId);
    expect(h.slashes.map((s) => [s.round, s.slot, s.offence])).to.deep.equal([
      [0, 3, "proven"],
      [1, 3, "proven"],
    ]);
    const state = await loadTaskState(chainCtx(ctx(owner), SHAPE), h);
    expect(state.recovered).to.equal(undefined);
    expect(state.state).to.equal((await marketAt(owner, market).read.task([taskId])).state);
    // Rewards: the three inliers share each round's 50 tokens; the attacker gets nothing.
    expect(state.cum[3]).to.equal(0n);
    expect(state.cum[0] + state.cum[1] + state.cum[2]).to.equal(100n * TOKEN);
    let paid = 0n;
    for (let i = 0; i < 4; i++) {
      const c = await claimReward(ctx(trainers[i]), taskId);
      expect(c.cumAmount).to.equal(state.cum[i]);
      paid += c.amount;
      expect((await claimReward(ctx(trainers[i]), taskId)).amount).to.equal(0n);
      await releaseStake(ctx(trainers[i]), taskId, trainers[i].account.address);
    }
    expect(paid).to.equal(100n * TOKEN);
    // The oracle earned both rounds' fees; nothing is left for the owner.
    expect((await withdrawFees(ctx(oracleOp))).amount).to.equal(2n * TOKEN);
    expect((await reclaimEscrow(ctx(owner), taskId)).amount).to.equal(0n);
    const token = await hre.ethers.getContractAt("TestToken", d.contracts.Token);
    expect(await token.balanceOf(market)).to.equal(0n);
    const report = await audit({ owner, store, market, d, taskId });
    expect(report.mismatches).to.deep.equal([]);
    expect(report.rounds.map((r) => [r.status, r.proposals.map((p) => p.checks.proof)])).to.deep.equal([
      ["finalized", [true]],
      ["finalized", [true]],
    ]);
  });

  it("sees a reveal made right after an earlier history read (no stale block number)", async () => {
    const { trainers, owner, ctx, taskId } = await freshFixture(systemFixture);
    expect((await history(ctx(owner), taskId)).rounds.size).to.equal(0);
    const secrets = await commitAll(ctx, trainers.slice(0, 1), taskId, 0, roundUpdates(0));
    await revealAll(ctx, trainers.slice(0, 1), secrets);
    const h = await history(ctx(owner), taskId);
    expect(h.rounds.get(0)?.reveals.map((x) => x.slot)).to.deep.equal([0]);
  });

  it("expires a round nobody settles and refunds its reward and fee to the owner, at no cost to the oracle", async () => {
    const { trainers, owner, oracleOp, ctx, taskId, oracle, market } = await freshFixture(systemFixture);
    const ups = roundUpdates(0);
    await playRound(ctx, trainers.slice(0, 2), taskId, 0, ups);
    await increaseTime(WINDOW);
    const nonce = await owner.publicClient.getTransactionCount({ address: oracleOp.account.address });
    const tick = await oracle().tick();
    expect(tick.settled).to.have.length(0);
    expect(await owner.publicClient.getTransactionCount({ address: oracleOp.account.address })).to.equal(nonce);
    const acc = await marketAt(owner, market).read.accounting([taskId]);
    expect(acc.refundable).to.equal(51n * TOKEN);
    expect((await reclaimEscrow(ctx(owner), taskId)).amount).to.equal(51n * TOKEN);
  });

  it("recovers from an oracle killed between proving and proposing, without proposing twice", async () => {
    const { trainers, ctx, taskId, oracle, journalDir } = await freshFixture(systemFixture);
    await playRound(ctx, trainers, taskId, 0, roundUpdates(0));
    const first = oracle();
    // The process dies right after journalling the proof, before the transaction is sent.
    (first as unknown as { send: () => Promise<never> }).send = async () => {
      throw new Error("killed");
    };
    const t1 = await first.tick();
    expect(t1.errors.map((e) => e.message)).to.deep.equal(["killed"]);
    expect(first.journal.keys()).to.have.length(1);
    const restarted = oracle();
    expect(restarted.journal.dir).to.equal(journalDir);
    const t2 = await restarted.tick();
    expect(t2.settled.map((s) => [s.round, s.reusedProof])).to.deep.equal([[0, true]]);
    expect(restarted.journal.keys(), restarted.journal.keys().join(", ")).to.have.length(0);
    // The next tick finds nothing to do: its own proposal is pending.
    const t3 = await restarted.tick();
    expect([t3.settled, t3.errors, t3.junk]).to.deep.equal([[], [], []]);
  });

  it("drops a journalled proof when someone else proposed as much first", async () => {
    const { trainers, ctx, taskId, oracle, stranger } = await freshFixture(systemFixture);
    await playRound(ctx, trainers, taskId, 0, roundUpdates(0));
    const crashed = oracle();
    (crashed as unknown as { send: () => Promise<never> }).send = async () => {
      throw new Error("killed");
    };
    await crashed.tick();
    expect(crashed.journal.keys()).to.have.length(1);
    // Anyone may prove and propose: a second operator, with its own journal, does.
    const other = oracle(stranger, fs.mkdtempSync(path.join(os.tmpdir(), "zkm-it-journal2-")));
    expect((await other.tick()).settled).to.have.length(1);
    // The first oracle restarts: the pending proposal includes as much as it could, so its proof is dropped, never sent.
    const restarted = oracle();
    const t = await restarted.tick();
    expect(t.settled).to.deep.equal([]);
    expect(t.observed.map((o) => [o.round, o.included, o.recordOk])).to.deep.equal([[0, 4, true]]);
    expect(restarted.journal.keys()).to.have.length(0);
  });

  it("leaves out an update whose payload does not match its commitment, and settles the rest", async () => {
    const { trainers, owner, ctx, taskId, oracle, store } = await freshFixture(systemFixture);
    // Content unique to this test: the store folder outlives the chain snapshots, and this test spoils a payload.
    const ups = roundUpdates(0).map((u) => u.map((v) => v + 3n));
    const secrets = await commitAll(ctx, trainers, taskId, 0, ups);
    await revealAll(ctx, trainers, secrets);
    // Trainer 1's payload is replaced in the store by something else.
    const h = await history(ctx(owner), taskId);
    const uri = h.rounds.get(0)!.reveals.find((r) => r.slot === 1)!.uri;
    const hex = uri.slice("zkm://sha256/".length);
    fs.writeFileSync(path.join(store.root, hex.slice(0, 2), hex), "{}");
    await increaseTime(WINDOW);
    const t = await oracle().tick();
    expect(t.errors).to.deep.equal([]);
    expect(t.settled.map((s) => [s.masks.included, s.unavailable])).to.deep.equal([[0b1101n, [1]]]);
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    // Left out is neither paid nor slashed.
    const after = await history(ctx(owner), taskId);
    expect(after.slashes.map((s) => s.slot)).to.deep.equal([3]);
  });
  it("does not send a proposal so close to the settlement deadline that it would be mined after it", async () => {
    const { trainers, ctx, taskId, oracle, owner, oracleOp } = await freshFixture(systemFixture);
    await playRound(ctx, trainers, taskId, 0, roundUpdates(0));
    const ri = await marketAt(owner, ctx(owner).d.contracts.TrainingMarket as `0x${string}`).read.roundInfo([taskId]);
    const now = (await owner.publicClient.getBlock()).timestamp;
    await increaseTime(Number(ri.settlementDeadline - now) - 10);
    const nonce = await owner.publicClient.getTransactionCount({ address: oracleOp.account.address });
    const t = await oracle(undefined, undefined, { deadlineMarginSeconds: 15 }).tick();
    expect([t.settled, t.errors]).to.deep.equal([[], []]);
    expect(await owner.publicClient.getTransactionCount({ address: oracleOp.account.address })).to.equal(nonce);
  });

  it("says which port is taken when a second oracle starts on the same health port, and reports the job's work on /health", async () => {
    const { oracle, trainers, ctx, taskId } = await freshFixture(systemFixture);
    const log = pino({ level: "silent" });
    const a = new OracleRunner([oracle()], log);
    const port = await a.serveHealth(0);
    try {
      await expectRejects(new OracleRunner([oracle()], log).serveHealth(port), new RegExp(`port ${port} on 127.0.0.1 is in use`));
      await playRound(ctx, trainers, taskId, 0, roundUpdates(0));
      const reports = await a.tick();
      expect(reports.get("contribution")?.errors).to.deep.equal([]);
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
        status: string;
        jobs: Array<{ id: string; ticks: number; counts: Record<string, number> }>;
      };
      expect(health.status).to.equal("ok");
      expect(health.jobs.map((j) => [j.id, j.ticks, j.counts.settled])).to.deep.equal([["contribution", 1, 1]]);
    } finally {
      await a.stop();
    }
  });
});
