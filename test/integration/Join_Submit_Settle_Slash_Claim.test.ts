import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Address } from "viem";
import { circuitArtifacts } from "../../oracle/artifacts/manifest";
import { auditTask } from "../../oracle/contribution/auditor";
import { loadTaskState } from "../../oracle/contribution/taskstate";
import { claimReward, history, read, reclaimEscrow, releaseStake, submitVector } from "../../scripts/commands/market";
import { CIRCUIT, SHAPE, WINDOW, increaseTime, roundUpdates, systemFixture } from "./marketHarness";

describe("Join_Submit_Settle_Slash_Claim (real proofs, contribution_4x8)", () => {
  it("settles two rounds with proofs, slashes the attacker, pays claims, releases stakes, audits clean", async () => {
    const { trainers, owner, ctx, taskId, oracle, d, store } = await loadFixture(systemFixture);
    const market = d.contracts.TrainingMarket as Address;
    const svc = oracle();
    await svc.checkVerifier(circuitArtifacts(CIRCUIT).verifierContract);
    for (let r = 0; r < 2; r++) {
      const ups = roundUpdates(r);
      for (let i = 0; i < 4; i++) await submitVector(ctx(trainers[i]), taskId, r, ups[i], { slot: i });
      // Before the window closes the oracle does nothing.
      expect((await svc.tick()).settled).to.have.length(0);
      await increaseTime(WINDOW);
      const tick = await svc.tick();
      expect(tick.errors, JSON.stringify(tick.errors)).to.deep.equal([]);
      expect(tick.settled).to.have.length(1);
      expect(tick.settled[0].outlierBitmap).to.equal(1n << 3n);
    }
    const h = await history(ctx(owner), taskId);
    expect(h.slashes.map((s) => [s.round, s.slot])).to.deep.equal([
      [0, 3],
      [1, 3],
    ]);
    const state = await loadTaskState(h, store, SHAPE);
    expect(state.state).to.equal((await read<{ state: bigint }>(owner, market, "TrainingMarket", "task", [taskId])).state);
    // Rewards: the three inliers share each round's 50 tokens; the attacker gets nothing.
    expect(state.cum[3]).to.equal(0n);
    expect(state.cum[0] + state.cum[1] + state.cum[2]).to.equal(100n * 10n ** 18n);
    let paid = 0n;
    for (let i = 0; i < 4; i++) {
      const c = await claimReward(ctx(trainers[i]), taskId);
      expect(c.cumAmount).to.equal(state.cum[i]);
      paid += c.amount;
      // A second claim pays nothing.
      expect((await claimReward(ctx(trainers[i]), taskId)).amount).to.equal(0n);
      await releaseStake(ctx(trainers[i]), taskId, trainers[i].account.address);
    }
    expect(paid).to.equal(100n * 10n ** 18n);
    expect((await reclaimEscrow(ctx(owner), taskId)).amount).to.equal(0n);
    const vault = await hre.ethers.getContractAt("StakeVault", d.contracts.StakeVault);
    expect((await vault.stakeOf(trainers[3].account.address)).free).to.equal(30n * 10n ** 18n); // 50 - 2 x 10 slashed
    expect((await vault.stakeOf(trainers[0].account.address)).free).to.equal(50n * 10n ** 18n);
    const report = await auditTask({
      client: owner.publicClient,
      chainId: owner.chain.id,
      market,
      store,
      entry: circuitArtifacts(CIRCUIT),
      shape: SHAPE,
      taskId,
      fromBlock: BigInt(d.startBlock),
    });
    expect(report.mismatches).to.deep.equal([]);
    expect(report.rounds.map((r) => r.checks.proof)).to.deep.equal([true, true]);
  });

  it("sees a submission made right after an earlier history read (no stale block number)", async () => {
    const { trainers, owner, ctx, taskId } = await loadFixture(systemFixture);
    expect((await history(ctx(owner), taskId)).rounds.size).to.equal(0);
    const ups = roundUpdates(0);
    await submitVector(ctx(trainers[0]), taskId, 0, ups[0], { slot: 0 });
    // Read again at once, within the client's default block-number cache time.
    const h = await history(ctx(owner), taskId);
    expect(h.rounds.get(0)?.submissions.map((x) => x.slot)).to.deep.equal([0]);
  });

  it("expires a round nobody settles and refunds its reward to the owner", async () => {
    const { trainers, owner, ctx, taskId, oracle, d } = await loadFixture(systemFixture);
    const ups = roundUpdates(0);
    for (let i = 0; i < 2; i++) await submitVector(ctx(trainers[i]), taskId, 0, ups[i], { slot: i });
    await increaseTime(2 * WINDOW);
    const tick = await oracle().tick();
    expect(tick.expired.map((e) => e.round)).to.deep.equal([0]);
    expect(tick.settled).to.have.length(0);
    const acc = await read<{ refundable: bigint }>(owner, d.contracts.TrainingMarket as Address, "TrainingMarket", "accounting", [taskId]);
    expect(acc.refundable).to.equal(50n * 10n ** 18n);
    expect((await reclaimEscrow(ctx(owner), taskId)).amount).to.equal(50n * 10n ** 18n);
  });

  it("recovers from an oracle killed between proving and settling, without settling twice", async () => {
    const { trainers, ctx, taskId, oracle, journalDir } = await loadFixture(systemFixture);
    const ups = roundUpdates(0);
    for (let i = 0; i < 4; i++) await submitVector(ctx(trainers[i]), taskId, 0, ups[i], { slot: i });
    await increaseTime(WINDOW);
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
    expect(restarted.journal.keys()).to.have.length(0);
    // The next tick finds nothing due: round 1 has no submission and its window is still open.
    expect(await restarted.tick()).to.deep.equal({ settled: [], expired: [], errors: [] });
  });

  it("drops a journalled proof when someone else settled the round first", async () => {
    const { trainers, ctx, taskId, oracle, stranger } = await loadFixture(systemFixture);
    const ups = roundUpdates(0);
    for (let i = 0; i < 4; i++) await submitVector(ctx(trainers[i]), taskId, 0, ups[i], { slot: i });
    await increaseTime(WINDOW);
    const crashed = oracle();
    (crashed as unknown as { send: () => Promise<never> }).send = async () => {
      throw new Error("killed");
    };
    await crashed.tick();
    expect(crashed.journal.keys()).to.have.length(1);
    // Anyone holding a valid proof may settle: a second operator, with its own journal, does.
    const os = await import("node:os");
    const fs = await import("node:fs");
    const path = await import("node:path");
    const other = oracle(stranger, fs.mkdtempSync(path.join(os.tmpdir(), "zkm-it-journal2-")));
    expect((await other.tick()).settled).to.have.length(1);
    // The first oracle restarts: the round moved on, so its journalled proof is dropped, never sent.
    const restarted = oracle();
    expect(await restarted.tick()).to.deep.equal({ settled: [], expired: [], errors: [] });
    expect(restarted.journal.keys()).to.have.length(0);
  });

  it("refuses an update whose payload does not match its commitment, and settles nothing", async () => {
    const { trainers, ctx, taskId, oracle, store } = await loadFixture(systemFixture);
    const ups = roundUpdates(0);
    await submitVector(ctx(trainers[0]), taskId, 0, ups[0], { slot: 0 });
    // Trainer 1 commits to one update but points at another payload.
    const real = await submitVector(ctx(trainers[1]), taskId, 0, ups[1], { slot: 1 });
    expect(real.uri).to.match(/^zkm:/);
    const fs = await import("node:fs");
    const path = await import("node:path");
    const hex = real.uri.slice("zkm://sha256/".length);
    fs.writeFileSync(path.join(store.root, hex.slice(0, 2), hex), "{}");
    await increaseTime(WINDOW);
    const t = await oracle().tick();
    expect(t.settled).to.have.length(0);
    expect(t.errors[0].message).to.match(/hashes to|STORE_CORRUPT|not to its name/);
  });
});
