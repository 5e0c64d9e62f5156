import type { Contract } from "ethers";
import { expect } from "chai";
import hre from "hardhat";
import { SNARK_FIELD } from "../../oracle/core/field";
import { prepareSettlement, type PreparedSettlement } from "../../oracle/contribution/settler";
import { history } from "../../scripts/contribution/actions";
import {
  CIRCUIT,
  commitAll,
  freshFixture,
  increaseTime,
  revealAll,
  roundUpdates,
  SHAPE,
  systemFixture,
  twoTasksInSettlement,
  WINDOW,
} from "./marketHarness";

/** Two identical tasks in round 0 with the same reveals, in the settlement window, and a real proof for task 1 (settler: the owner). */
async function twoTasksFixture() {
  const f = await twoTasksInSettlement();
  const h = await history(f.ctx(f.owner), f.taskId);
  const settleCtx = { chainId: f.owner.chain.id, market: f.market, store: f.store, circuit: CIRCUIT, shape: SHAPE };
  const { prepared } = await prepareSettlement(settleCtx, h, 0, { settler: f.owner.account.address });
  const market = (await hre.ethers.getContractAt("TrainingMarket", f.market)) as unknown as Contract;
  return { ...f, prepared, market };
}

const args = (taskId: bigint, p: PreparedSettlement, over: Partial<PreparedSettlement["result"]> = {}, proof = p.proof) =>
  [taskId, p.round, { ...p.result, ...over }, p.modelURI, { a: proof.a, b: proof.b, c: proof.c }] as const;

describe("Settle_Replay_Tamper (real verifier, contribution_4x8)", () => {
  it("rejects a proof made for another task (same round, same reveals), then accepts it for its own", async () => {
    const { market, prepared, taskId, task2 } = await freshFixture(twoTasksFixture);
    await expect(market.settleRound(...args(task2, prepared)))
      .to.be.revertedWithCustomError(market, "InvalidProof")
      .withArgs((task2 << 64n) + 0n);
    await expect(market.settleRound(...args(taskId, prepared))).to.emit(market, "RoundProposed");
    // Not again: a replacement must include strictly more.
    await expect(market.settleRound(...args(taskId, prepared))).to.be.revertedWithCustomError(market, "ChallengeNotStronger");
  });

  it("rejects a proof made for the same task id on another market deployment", async () => {
    const { prepared } = await freshFixture(twoTasksFixture);
    const other = await systemFixture();
    const s = await commitAll(other.ctx, other.trainers, other.taskId, 0, roundUpdates(0));
    await revealAll(other.ctx, other.trainers, s);
    await increaseTime(WINDOW);
    const market2 = (await hre.ethers.getContractAt("TrainingMarket", other.market)) as unknown as Contract;
    await expect(market2.settleRound(...args(other.taskId, prepared)))
      .to.be.revertedWithCustomError(market2, "InvalidProof")
      .withArgs((other.taskId << 64n) + 0n);
  });

  it("rejects results that do not match the proof: state, model commitment, reward root, masks", async () => {
    const { market, prepared, taskId } = await freshFixture(twoTasksFixture);
    const id = (taskId << 64n) + 0n;
    const r = prepared.result;
    for (const over of [
      { newState: r.newState + 1n },
      { modelCommitment: r.modelCommitment + 1n },
      { rewardRoot: r.rewardRoot + 1n },
      // Slash nobody, or exclude the attacker instead: consistent masks, so only the proof can object.
      { slashedMask: 0n },
      { slashedMask: 0n, excludedMask: 0b1000n },
      { includedMask: 0b0111n, slashedMask: 0n },
    ]) {
      await expect(
        market.settleRound(...args(taskId, prepared, over)),
        JSON.stringify(over, (_, v) => String(v)),
      )
        .to.be.revertedWithCustomError(market, "InvalidProof")
        .withArgs(id);
    }
    const p = prepared.proof;
    await expect(market.settleRound(...args(taskId, prepared, {}, { ...p, c: p.a })))
      .to.be.revertedWithCustomError(market, "InvalidProof")
      .withArgs(id);
  });

  it("rejects a public value at or above the field modulus, even one congruent to the proven value", async () => {
    const { market, prepared, taskId } = await freshFixture(twoTasksFixture);
    const aliased = prepared.result.newState + SNARK_FIELD;
    await expect(market.settleRound(...args(taskId, prepared, { newState: aliased })))
      .to.be.revertedWithCustomError(market, "PublicInputNotInField")
      .withArgs(1, aliased);
  });

  it("rejects a first proposal after the settlement deadline (the round expired)", async () => {
    const { market, prepared, taskId } = await freshFixture(twoTasksFixture);
    await increaseTime(WINDOW);
    await expect(market.settleRound(...args(taskId, prepared)))
      .to.be.revertedWithCustomError(market, "WrongRound")
      .withArgs(taskId, 0, 1);
  });
});
