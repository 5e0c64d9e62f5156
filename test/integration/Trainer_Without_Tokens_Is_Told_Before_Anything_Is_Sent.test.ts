import { expect } from "chai";
import hre from "hardhat";
import { createTask, joinTask } from "../../scripts/contribution/actions";
import { clientsFor } from "../helpers/fixtures";
import { TASK_OPTIONS, expectRejects, freshFixture, systemFixture } from "./marketHarness";

/** Issue: a trainer without tokens saw `StakeVault.stake would revert` with a bare error selector. */
describe("Trainer_Without_Tokens_Is_Told_Before_Anything_Is_Sent", () => {
  it("a join without enough tokens names the stake, the balance and the faucet, and sends no transaction", async () => {
    const { ctx, owner } = await freshFixture(systemFixture);
    const { taskId } = await createTask(ctx(owner), TASK_OPTIONS);
    const signers = await hre.ethers.getSigners();
    const broke = clientsFor(signers[signers.length - 1]);
    const nonce = await broke.publicClient.getTransactionCount({ address: broke.account.address });
    await expectRejects(
      joinTask(ctx(broke), taskId),
      /task \d+ needs 50 tokens of stake; you have 0 staked and 0 in your wallet, 50 short: get tokens first \(`zkmerit faucet --amount 50`/,
    );
    expect(await broke.publicClient.getTransactionCount({ address: broke.account.address })).to.equal(nonce);
  });
});
