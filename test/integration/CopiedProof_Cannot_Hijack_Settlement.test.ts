import type { Contract } from "ethers";
import { expect } from "chai";
import hre from "hardhat";
import { prepareSettlement } from "../../oracle/contribution/settler";
import { loadTaskState } from "../../oracle/contribution/taskstate";
import { chainCtx, claimReward, history, syncTask } from "../../scripts/contribution/actions";
import {
  audit,
  CHALLENGE,
  CIRCUIT,
  freshFixture,
  increaseTime,
  playRound,
  roundUpdates,
  SHAPE,
  systemFixture,
  TOKEN,
} from "./marketHarness";

/** Issue: anyone could copy the oracle's pending settlement from the mempool and post it first with junk annotations. */
describe("CopiedProof_Cannot_Hijack_Settlement (real proofs, contribution_4x8)", () => {
  async function provenRound() {
    const f = await systemFixture();
    await playRound(f.ctx, f.trainers, f.taskId, 0, roundUpdates(0));
    const settleCtx = { chainId: f.owner.chain.id, market: f.market, store: f.store, circuit: CIRCUIT, shape: SHAPE };
    const h = await history(f.ctx(f.owner), f.taskId);
    const { prepared } = await prepareSettlement(settleCtx, h, 0, { settler: f.oracleOp.account.address });
    const signers = await hre.ethers.getSigners();
    const market = (await hre.ethers.getContractAt("TrainingMarket", f.market)) as unknown as Contract;
    return { ...f, prepared, settleCtx, market, oracleSigner: signers[1], strangerSigner: signers[6] };
  }

  it("a proof copied from the mempool reverts for anyone but the settler it was made for", async () => {
    const { market, prepared, taskId, oracleSigner, strangerSigner } = await freshFixture(provenRound);
    const call = [taskId, 0, prepared.result, prepared.modelURI, prepared.proof] as const;
    await expect((market.connect(strangerSigner) as Contract).settleRound(...call))
      .to.be.revertedWithCustomError(market, "InvalidProof")
      .withArgs(taskId << 64n);
    await expect((market.connect(oracleSigner) as Contract).settleRound(...call)).to.emit(market, "RoundProposed");
  });

  it("the settler itself cannot pair its proof with a junk model commitment or reward root", async () => {
    const { market, prepared, taskId, oracleSigner } = await freshFixture(provenRound);
    for (const junk of [{ modelCommitment: 12345n }, { rewardRoot: 12345n }]) {
      await expect(
        (market.connect(oracleSigner) as Contract).settleRound(
          taskId,
          0,
          { ...prepared.result, ...junk },
          prepared.modelURI,
          prepared.proof,
        ),
      ).to.be.revertedWithCustomError(market, "InvalidProof");
    }
  });

  it("a valid proposal naming a junk round record: the oracle reports it, trainers rebuild the state and claim, the audit warns", async () => {
    const { market, taskId, settleCtx, stranger, strangerSigner, ctx, owner, oracle, trainers, store, d } = await freshFixture(provenRound);
    // The stranger proves the round itself (the data and keys are public) but names a junk URI.
    const h = await history(ctx(owner), taskId);
    const { prepared } = await prepareSettlement(settleCtx, h, 0, { settler: stranger.account.address });
    const junkURI = `zkm://sha256/${"00".repeat(32)}`;
    await (market.connect(strangerSigner) as Contract).settleRound(taskId, 0, prepared.result, junkURI, prepared.proof);
    const tick = await oracle().tick();
    expect(tick.junk.map((j) => [j.round, j.settler])).to.deep.equal([[0, stranger.account.address]]);
    expect(tick.settled).to.deep.equal([]); // nothing to add: the proposal includes every reveal
    await increaseTime(CHALLENGE);
    await syncTask(ctx(owner), taskId);
    const state = await loadTaskState(chainCtx(ctx(owner), SHAPE), await history(ctx(owner), taskId));
    expect(state.recovered).to.equal(true);
    const c = await claimReward(ctx(trainers[0]), taskId);
    expect(c.amount).to.be.greaterThan(0n);
    expect(c.amount).to.be.lessThan(50n * TOKEN);
    const report = await audit({ owner, store, market: d.contracts.TrainingMarket as `0x${string}`, d, taskId });
    expect(report.mismatches).to.deep.equal([]);
    expect(report.rounds[0].checks.roundRecord).to.equal(false);
    expect(report.rounds[0].warnings.join(" ")).to.match(/round record/);
  });
});
