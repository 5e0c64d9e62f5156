import type { Contract } from "ethers";
import { expect } from "chai";
import hre from "hardhat";
import { history, syncTask } from "../../scripts/contribution/actions";
import { CHALLENGE, commitAll, freshFixture, increaseTime, playRound, roundUpdates, systemFixture, WINDOW } from "./marketHarness";

const nearCopy = (u: readonly bigint[], ulp: bigint) => u.map((v, k) => (k === u.length - 1 ? v + ulp : v));

/**
 * Issue: update content was public before the submission window closed, and the duplicate rule
 * compared exact commitments only, so a copy changed in the last place got honest trainers
 * flagged and slashed while the copier took the reward.
 */
describe("NearCopy_Cannot_Frame_Honest (real proofs, contribution_4x8)", () => {
  it("there is nothing to copy before commits close, and a commit after that is refused", async () => {
    const { trainers, ctx, taskId, owner, market } = await freshFixture(systemFixture);
    await commitAll(ctx, trainers.slice(0, 2), taskId, 0, roundUpdates(0));
    // The chain holds only keccak commit hashes; the store holds no update of this round.
    const h = await history(ctx(owner), taskId);
    expect(h.rounds.get(0)!.commits).to.have.length(2);
    expect(h.rounds.get(0)!.reveals).to.have.length(0);
    await increaseTime(WINDOW);
    const m = (await hre.ethers.getContractAt("TrainingMarket", market)) as unknown as Contract;
    const copier = (await hre.ethers.getSigners())[5]; // trainers[3]
    await expect((m.connect(copier) as Contract).commitUpdate(taskId, 0, hre.ethers.id("a copy"))).to.be.revertedWithCustomError(
      m,
      "OutsidePhase",
    );
  });

  it("with two submitters, a near-copy of the honest update gets nobody excluded or slashed", async () => {
    const { trainers, ctx, taskId, oracle, owner } = await freshFixture(systemFixture);
    const honest = roundUpdates(0)[0];
    // The worst case: the copier got the honest update out of band before committing.
    await playRound(ctx, trainers.slice(0, 2), taskId, 0, [honest, nearCopy(honest, 1n)]);
    const t = await oracle().tick();
    expect(t.settled.map((s) => s.masks)).to.deep.equal([{ included: 0b11n, excluded: 0n, slashed: 0n }]);
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    expect((await history(ctx(owner), taskId)).slashes).to.deep.equal([]);
  });

  it("Sybil near-copies of one honest trainer never get the other honest trainer slashed", async () => {
    const { trainers, ctx, taskId, oracle, owner } = await freshFixture(systemFixture);
    const ups = roundUpdates(0);
    const a = ups[0];
    // Slots 1 and 2 are near-copies of slot 0; slot 3 is an honest trainer with different data.
    const other = ups[1].map((v, k) => v + BigInt((k % 3) * 20000));
    await playRound(ctx, trainers, taskId, 0, [a, nearCopy(a, 1n), nearCopy(a, -1n), other]);
    const t = await oracle().tick();
    expect(t.settled).to.have.length(1);
    // The statistic may leave slot 3 unpaid this round, never slash it.
    expect(t.settled[0].masks.slashed).to.equal(0n);
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    expect((await history(ctx(owner), taskId)).slashes).to.deep.equal([]);
  });

  it("an exact revealed duplicate is collusion: both copies are slashed", async () => {
    const { trainers, ctx, taskId, oracle, owner } = await freshFixture(systemFixture);
    const ups = roundUpdates(0);
    await playRound(ctx, trainers.slice(0, 3), taskId, 0, [ups[0], ups[0], ups[1]]);
    const t = await oracle().tick();
    expect(t.settled.map((s) => s.masks.slashed)).to.deep.equal([0b011n]);
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    expect((await history(ctx(owner), taskId)).slashes.map((s) => [s.slot, s.offence])).to.deep.equal([
      [0, "proven"],
      [1, "proven"],
    ]);
  });
});
