import type { Contract } from "ethers";
import { expect } from "chai";
import hre from "hardhat";
import { encodeFunctionData, type Address } from "viem";
import { trainingMarketAbi } from "../../oracle/core/chain/abi";
import { prepareSettlement } from "../../oracle/contribution/settler";
import { history, syncTask } from "../../scripts/contribution/actions";
import { audit, CHALLENGE, CIRCUIT, freshFixture, increaseTime, playRound, roundUpdates, SHAPE, systemFixture } from "./marketHarness";

/** Issue: the auditor read the proof from top-level calldata, so a settlement through a multisig or relayer audited as a mismatch. */
describe("Relayed_Settlement_Audits_Clean (real proofs, contribution_4x8)", () => {
  it("a proposal posted through another contract verifies and audits like a direct one", async () => {
    const { trainers, ctx, taskId, owner, store, d, market } = await freshFixture(systemFixture);
    await playRound(ctx, trainers, taskId, 0, roundUpdates(0));
    const forwarder = await (await hre.ethers.getContractFactory("CallForwarder")).deploy();
    const relay = (await forwarder.getAddress()) as Address;
    const settleCtx = { chainId: owner.chain.id, market, store, circuit: CIRCUIT, shape: SHAPE };
    // The proof is bound to the contract that will call the market, not to whoever relays.
    const { prepared } = await prepareSettlement(settleCtx, await history(ctx(owner), taskId), 0, { settler: relay });
    const data = encodeFunctionData({
      abi: trainingMarketAbi,
      functionName: "settleRound",
      args: [taskId, 0n, prepared.result, prepared.modelURI, prepared.proof],
    });
    const m = (await hre.ethers.getContractAt("TrainingMarket", market)) as unknown as Contract;
    await expect(forwarder.forward(market, data)).to.emit(m, "RoundProposed");
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    const report = await audit({ owner, store, market, d, taskId });
    expect(report.mismatches).to.deep.equal([]);
    expect(report.rounds[0].settler).to.equal(relay);
    expect(report.rounds[0].proposals.map((p) => p.checks)).to.deep.equal([
      {
        proof: true,
        acc: true,
        newState: true,
        modelCommitment: true,
        rewardRoot: true,
        excludedMask: true,
        slashedMask: true,
      },
    ]);
  });
});
