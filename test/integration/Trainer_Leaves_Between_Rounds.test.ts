import { expect } from "chai";
import hre from "hardhat";
import { commitUpdateVector, leaveTask, syncTask } from "../../scripts/contribution/actions";
import { marketAt } from "../../scripts/contribution/deploy";
import { CHALLENGE, commitAll, expectRejects, freshFixture, increaseTime, playRound, roundUpdates, systemFixture } from "./marketHarness";

/** Issue: stake could only be released once the task finished or was cancelled, so a long task held it hostage. */
describe("Trainer_Leaves_Between_Rounds (real proofs, contribution_4x8)", () => {
  it("a trainer leaves after a final round, its stake goes to unbonding, and the next round settles without it", async () => {
    const { trainers, ctx, taskId, oracle, owner, market, d } = await freshFixture(systemFixture);
    const ups = roundUpdates(0);
    await playRound(ctx, trainers.slice(0, 3), taskId, 0, ups);
    expect((await oracle().tick()).settled).to.have.length(1);
    await increaseTime(CHALLENGE);
    // Round 1 is open; trainer 2 has not committed in it, so it may leave.
    await leaveTask(ctx(trainers[2]), taskId);
    const m = await marketAt(owner, market).read.member([taskId, trainers[2].account.address]);
    expect([m.left, m.released, m.locked]).to.deep.equal([true, true, 0n]);
    const vault = await hre.ethers.getContractAt("StakeVault", d.contracts.StakeVault);
    expect(await vault.lockedBy(market, trainers[2].account.address)).to.equal(0n);
    await expectRejects(commitUpdateVector(ctx(trainers[2]), taskId, 1, ups[2], 2), /MemberLeft/);
    await playRound(ctx, trainers.slice(0, 2), taskId, 1, roundUpdates(1));
    expect((await oracle().tick()).settled.map((s) => s.masks.included)).to.deep.equal([0b11n]);
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    expect((await marketAt(owner, market).read.task([taskId])).finished).to.equal(true);
  });

  it("a trainer with a commit in the current round cannot leave until it resolves", async () => {
    const { trainers, ctx, taskId } = await freshFixture(systemFixture);
    await commitAll(ctx, trainers.slice(0, 1), taskId, 0, roundUpdates(0));
    await expectRejects(leaveTask(ctx(trainers[0]), taskId), /CommittedThisRound/);
  });
});
