import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Address } from "viem";
import { SNARK_FIELD } from "../../oracle/field";
import { prepareSettlement, type PreparedSettlement } from "../../oracle/contribution/settler";
import { createTask, history, joinTask, submitVector } from "../../scripts/commands/market";
import { CIRCUIT, SHAPE, TASK_OPTIONS, WINDOW, increaseTime, roundUpdates, systemFixture } from "./marketHarness";

/** Two identical tasks in round 0 with the same submissions, window closed, and a real proof for task 1. */
async function twoTasksFixture() {
  const f = await systemFixture();
  const t2 = await createTask(f.ctx(f.owner), TASK_OPTIONS);
  for (const t of f.trainers) await joinTask(f.ctx(t), t2.taskId);
  const ups = roundUpdates(0);
  for (const task of [f.taskId, t2.taskId])
    for (let i = 0; i < 4; i++) await submitVector(f.ctx(f.trainers[i]), task, 0, ups[i], { slot: i });
  await increaseTime(WINDOW);
  const h = await history(f.ctx(f.owner), f.taskId);
  const { prepared } = await prepareSettlement(
    {
      client: f.owner.publicClient,
      chainId: f.owner.chain.id,
      market: f.d.contracts.TrainingMarket as Address,
      store: f.store,
      circuit: CIRCUIT,
      shape: SHAPE,
    },
    h,
    0,
  );
  const market = await hre.ethers.getContractAt("TrainingMarket", f.d.contracts.TrainingMarket);
  return { ...f, task2: t2.taskId, prepared, market };
}

const args = (taskId: bigint, p: PreparedSettlement, over: Partial<PreparedSettlement> = {}) => {
  const q = { ...p, ...over };
  return [
    taskId,
    q.round,
    q.newState,
    q.outlierBitmap,
    q.modelCommitment,
    q.rewardRoot,
    q.modelURI,
    { a: q.proof.a, b: q.proof.b, c: q.proof.c },
  ] as const;
};

describe("Settle_Replay_Tamper (real verifier, contribution_4x8)", () => {
  it("rejects a proof made for another task (same round, same submissions), then accepts it for its own", async () => {
    const { market, prepared, taskId, task2 } = await loadFixture(twoTasksFixture);
    await expect(market.settleRound(...args(task2, prepared)))
      .to.be.revertedWithCustomError(market, "InvalidProof")
      .withArgs((task2 << 64n) + 0n);
    await expect(market.settleRound(...args(taskId, prepared))).to.emit(market, "RoundSettled");
    // And never twice: the round moved on.
    await expect(market.settleRound(...args(taskId, prepared))).to.be.revertedWithCustomError(market, "WrongRound");
  });

  it("rejects a proof made for the same task id on another market deployment", async () => {
    const { prepared } = await loadFixture(twoTasksFixture);
    const other = await systemFixture();
    const ups = roundUpdates(0);
    for (let i = 0; i < 4; i++) await submitVector(other.ctx(other.trainers[i]), other.taskId, 0, ups[i], { slot: i });
    await increaseTime(WINDOW);
    const market2 = await hre.ethers.getContractAt("TrainingMarket", other.d.contracts.TrainingMarket);
    await expect(market2.settleRound(...args(other.taskId, prepared)))
      .to.be.revertedWithCustomError(market2, "InvalidProof")
      .withArgs((other.taskId << 64n) + 0n);
  });

  it("rejects results that do not match the proof", async () => {
    const { market, prepared, taskId } = await loadFixture(twoTasksFixture);
    const id = (taskId << 64n) + 0n;
    await expect(market.settleRound(...args(taskId, prepared, { newState: prepared.newState + 1n })))
      .to.be.revertedWithCustomError(market, "InvalidProof")
      .withArgs(id);
    // Flag nobody (a subset of the submitters, so only the proof can object).
    await expect(market.settleRound(...args(taskId, prepared, { outlierBitmap: 0n })))
      .to.be.revertedWithCustomError(market, "InvalidProof")
      .withArgs(id);
    const p = prepared.proof;
    await expect(market.settleRound(...args(taskId, prepared, { proof: { ...p, c: p.a } })))
      .to.be.revertedWithCustomError(market, "InvalidProof")
      .withArgs(id);
  });

  it("rejects a public value at or above the field modulus, even one congruent to the proven value", async () => {
    const { market, prepared, taskId } = await loadFixture(twoTasksFixture);
    const aliased = prepared.newState + SNARK_FIELD;
    await expect(market.settleRound(...args(taskId, prepared, { newState: aliased })))
      .to.be.revertedWithCustomError(market, "PublicInputNotInField")
      .withArgs(1, aliased);
  });

  it("rejects a settlement after the deadline", async () => {
    const { market, prepared, taskId } = await loadFixture(twoTasksFixture);
    await increaseTime(WINDOW);
    await expect(market.settleRound(...args(taskId, prepared))).to.be.revertedWithCustomError(market, "OutsideSettlementWindow");
  });
});
