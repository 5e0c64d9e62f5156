import type { Contract } from "ethers";
import { expect } from "chai";
import hre from "hardhat";
import type { ContentStore } from "../../oracle/core/store";
import { createTask, history, syncTask } from "../../scripts/contribution/actions";
import { marketAt } from "../../scripts/contribution/deploy";
import { expectRejects, freshFixture, increaseTime, systemFixture, TASK_OPTIONS, TOKEN, twoTasksInSettlement } from "./marketHarness";

/**
 * Issue: one createTask with 65,535 one-second rounds and a 1-wei budget made the oracle pay an
 * expireRound transaction per round, and tasks pointing at content nobody hosts stalled every
 * tick for the store's timeout.
 */
describe("Oracle_Cannot_Be_Drained (real proofs, contribution_4x8)", () => {
  it("a task of 65,535 one-second rounds costs the oracle nothing: empty rounds resolve lazily, in one step", async () => {
    const { owner, oracleOp, ctx, oracle, market } = await freshFixture(systemFixture);
    const spam = await createTask(ctx(owner), {
      ...TASK_OPTIONS,
      rounds: 65535,
      budget: 1n,
      settlementFee: 0n,
      commitWindow: 1,
      revealWindow: 1,
      settlementWindow: 1,
      challengeWindow: 1,
    });
    const nonce = await owner.publicClient.getTransactionCount({ address: oracleOp.account.address });
    const svc = oracle();
    for (let i = 0; i < 20; i++) {
      await increaseTime(7);
      const t = await svc.tick();
      expect([t.settled, t.errors]).to.deep.equal([[], []]);
    }
    expect(await owner.publicClient.getTransactionCount({ address: oracleOp.account.address })).to.equal(nonce);
    // The views know where the task is without any transaction ...
    const before = await marketAt(owner, market).read.roundInfo([spam.taskId]);
    expect(before.round).to.be.greaterThan(100n);
    // ... and one call by anyone writes it down, whatever the number of rounds skipped.
    const m = (await hre.ethers.getContractAt("TrainingMarket", market)) as unknown as Contract;
    await expect(m.sync(spam.taskId)).to.emit(m, "RoundsSkipped");
    const gas = await syncTask(ctx(owner), spam.taskId);
    expect(gas).to.be.lessThan(60_000n);
  });

  it("refuses a task longer than MAX_TASK_DURATION", async () => {
    const { owner, ctx } = await freshFixture(systemFixture);
    const day = 86400;
    await expectRejects(
      createTask(ctx(owner), {
        ...TASK_OPTIONS,
        rounds: 100,
        commitWindow: day,
        revealWindow: day,
        settlementWindow: day,
        challengeWindow: day,
      }),
      /TaskTooLong/,
    );
  });

  it("a task whose content never arrives does not stall the others (per-fetch timeout, per-task budget, concurrency)", async () => {
    const { oracle, store, ctx, owner, taskId, task2 } = await freshFixture(twoTasksInSettlement);
    const hanging = new Set((await history(ctx(owner), taskId)).rounds.get(0)!.reveals.map((r) => r.uri));
    const slow: ContentStore = {
      describe: "a store that never answers for task 1",
      put: (b) => store.put(b),
      get: (uri, max) => (hanging.has(uri) ? new Promise<never>(() => undefined) : store.get(uri, max)),
    };
    const t = await oracle(undefined, undefined, { store: slow, fetchTimeoutMs: 200, taskBudgetMs: 60_000, concurrency: 2 }).tick();
    expect(t.errors).to.deep.equal([]);
    expect(t.settled.map((s) => s.taskId)).to.deep.equal([task2]);
    expect(t.unprovable.map((u) => u.taskId)).to.deep.equal([taskId]);
  });

  it("an operator serves only the tasks it chose, and none below its minimum fee", async () => {
    const { oracle, task2 } = await freshFixture(twoTasksInSettlement);
    expect((await oracle(undefined, undefined, { minFee: 2n * TOKEN }).tick()).settled).to.deep.equal([]);
    const t = await oracle(undefined, undefined, { tasks: [task2] }).tick();
    expect(t.settled.map((s) => s.taskId)).to.deep.equal([task2]);
  });
});
