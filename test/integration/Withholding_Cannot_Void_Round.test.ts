import type { Contract } from "ethers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { cancelTask, history, secretPayload, syncTask, withdrawFees } from "../../scripts/contribution/actions";
import { marketAt } from "../../scripts/contribution/deploy";
import {
  CHALLENGE,
  commitAll,
  freshFixture,
  increaseTime,
  playRound,
  revealAll,
  roundUpdates,
  systemFixture,
  TOKEN,
  WINDOW,
} from "./marketHarness";

/**
 * Issue: a member could commit junk or withhold its content, making the round unprovable, and
 * expire it and submit again in one transaction so the owner could never cancel.
 */
describe("Withholding_Cannot_Void_Round (real proofs, contribution_4x8)", () => {
  it("a reveal whose content is withheld is left out and the rest settle; when it appears, a challenger proves it in and earns the fee", async () => {
    const { trainers, ctx, taskId, oracle, owner, stranger, store } = await freshFixture(systemFixture);
    const ups = roundUpdates(0);
    const secrets = await playRound(ctx, trainers, taskId, 0, ups, { withhold: new Set([2]) });
    const first = await oracle().tick();
    expect(first.settled.map((s) => [s.masks.included, s.unavailable])).to.deep.equal([[0b1011n, [2]]]);
    // The content shows up during the challenge window; another operator proves it in.
    await store.put(secretPayload(secrets[2]!));
    const challenger = oracle(stranger, fs.mkdtempSync(path.join(os.tmpdir(), "zkm-it-journal3-")));
    const c = await challenger.tick();
    expect(c.settled.map((x) => [x.challenge, x.masks.included])).to.deep.equal([[true, 0b1111n]]);
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    const h = await history(ctx(owner), taskId);
    expect(h.rounds.get(0)!.proposals.map((p) => p.replaced)).to.deep.equal([false, true]);
    expect(h.rounds.get(0)!.finalized!.settler).to.equal(stranger.account.address);
    expect((await withdrawFees(ctx(stranger))).amount).to.equal(TOKEN);
  });

  it("a withholder that nobody can prove in is unpaid and not slashed; the others are paid", async () => {
    const { trainers, ctx, taskId, oracle, owner } = await freshFixture(systemFixture);
    // (Content unique to this test: the store folder outlives the chain snapshots.)
    const ups = roundUpdates(0).map((u, i) => (i === 1 ? u.map((v) => v + 7n) : u));
    await playRound(ctx, trainers.slice(0, 3), taskId, 0, ups, { withhold: new Set([1]) });
    expect((await oracle().tick()).settled.map((s) => s.masks.included)).to.deep.equal([0b101n]);
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    const h = await history(ctx(owner), taskId);
    expect(h.slashes).to.deep.equal([]);
    expect(h.rounds.get(0)!.finalized!.rewarded).to.equal(true);
  });

  it("a trainer who commits and never reveals pays the no-show penalty once and cannot stop the round", async () => {
    const { trainers, ctx, taskId, oracle, owner, d } = await freshFixture(systemFixture);
    const secrets = await commitAll(ctx, trainers, taskId, 0, roundUpdates(0));
    await revealAll(ctx, trainers, secrets, { skip: new Set([1]) });
    await increaseTime(WINDOW);
    expect((await oracle().tick()).settled.map((s) => s.masks.included)).to.deep.equal([0b1101n]);
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    await syncTask(ctx(owner), taskId);
    const h = await history(ctx(owner), taskId);
    expect(h.slashes.map((s) => [s.slot, s.offence, s.amount])).to.deep.equal([
      [3, "proven", 10n * TOKEN],
      [1, "no-show", 5n * TOKEN],
    ]);
    const m = await marketAt(owner, d.contracts.TrainingMarket as `0x${string}`).read.member([taskId, trainers[1].account.address]);
    expect(m.locked).to.equal(45n * TOKEN);
  });

  it("a trainer committing every round cannot block cancellation: the task ends after the current round", async () => {
    const { trainers, ctx, taskId, owner, market } = await freshFixture(systemFixture);
    await commitAll(ctx, trainers.slice(0, 1), taskId, 0, roundUpdates(0));
    await cancelTask(ctx(owner), taskId);
    const t = await marketAt(owner, market).read.task([taskId]);
    expect([t.endRound, t.cancelled]).to.deep.equal([1n, true]);
    // The griefer never reveals: the round ends at the reveal deadline and the task with it.
    await increaseTime(2 * WINDOW);
    await syncTask(ctx(owner), taskId);
    const after = await marketAt(owner, market).read.task([taskId]);
    expect(after.finished).to.equal(true);
    const a = await marketAt(owner, market).read.accounting([taskId]);
    expect([a.refundable, a.pending]).to.deep.equal([102n * TOKEN, 0n]);
    const m = (await hre.ethers.getContractAt("TrainingMarket", market)) as unknown as Contract;
    await expect(m.releaseStake(taskId, trainers[1].account.address)).to.emit(m, "StakeReleased");
  });
});
