import { expect } from "chai";
import { circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import { loadTaskState } from "../../oracle/contribution/taskstate";
import {
  chainCtx,
  claimReward,
  createTask,
  history,
  joinTask,
  releaseStake,
  syncTask,
  trainAndCommit,
} from "../../scripts/contribution/actions";
import { marketAt } from "../../scripts/contribution/deploy";
import {
  audit,
  CHALLENGE,
  commitAll,
  freshFixture,
  increaseTime,
  revealAll,
  ROOT_TASK_OPTIONS,
  SHAPE,
  systemFixture,
  TOKEN,
  WINDOW,
} from "./marketHarness";

/** The system with a second task that takes the owner's root updates: the owner at slot 0, three trainers at 1-3. */
async function rootTaskFixture() {
  const f = await systemFixture();
  const t = await createTask(f.ctx(f.owner), ROOT_TASK_OPTIONS);
  for (const x of f.trainers.slice(0, 3)) await joinTask(f.ctx(x), t.taskId);
  return { ...f, rootTask: t.taskId, members: [f.owner, ...f.trainers.slice(0, 3)] };
}

const BASE = [3, -2, 5, 1, -4, 2, 0, 6].map((v) => BigInt(v * 65536));
const near = (i: number, r: number) => BASE.map((v, k) => v + BigInt(r * 1000 + ((i * 7 + k * 3) % 5) * 4096 - 8192));

describe("Root_Update_Excludes_Attacker_And_Starves_FreeRider (real proofs, contribution_4x8)", () => {
  it("the owner's root update excludes a reversed update without slashing it, and a resubmitted previous step earns nothing", async () => {
    const f = await freshFixture(rootTaskFixture);
    const { ctx, owner, members, rootTask: taskId, market } = f;
    const svc = f.oracle();
    await svc.checkVerifier(circuitArtifacts("contribution_4x8").verifierContract);
    // The owner holds slot 0 from creation and staked like a trainer.
    expect(await marketAt(owner, market).read.trainerAt([taskId, 0])).to.equal(owner.account.address);
    const shares: bigint[][] = [];
    for (let r = 0; r < 2; r++) {
      if (r > 0) await increaseTime(CHALLENGE);
      const state = await loadTaskState(chainCtx(ctx(owner), SHAPE), await history(ctx(owner), taskId));
      const previousStep = state.model.map((w, k) => w - state.prevModel[k]);
      // Slot 3 reverses the honest direction in round 0 (inside the norm bound) and free-rides in round 1.
      const attacker = r === 0 ? near(3, r).map((v) => -v) : previousStep;
      const secrets = await commitAll(ctx, members, taskId, r, [near(0, r), near(1, r), near(2, r), attacker]);
      await revealAll(ctx, members, secrets);
      await increaseTime(WINDOW);
      const tick = await svc.tick();
      expect(tick.errors, JSON.stringify(tick.errors)).to.deep.equal([]);
      expect(tick.settled.map((s) => s.taskId)).to.deep.equal([taskId]);
      const m = tick.settled[0].masks;
      expect(m.included).to.equal(0b1111n);
      expect(m.slashed, "nobody is slashed for a direction").to.equal(0n);
      expect(m.excluded).to.equal(r === 0 ? 0b1000n : 0n);
      const before = state.cum;
      await increaseTime(CHALLENGE);
      await syncTask(ctx(owner), taskId);
      const after = await loadTaskState(chainCtx(ctx(owner), SHAPE), await history(ctx(owner), taskId));
      shares.push(after.cum.map((c, i) => c - before[i]));
      const rec = after.record!;
      expect(rec.submissions.find((x) => x.slot === 0)?.flags.root).to.equal(true);
      if (r === 1) expect(rec.submissions.find((x) => x.slot === 3)!.value <= 0n, "the free-rider adds nothing").to.equal(true);
    }
    // Each round pays 50 tokens: the owner (the root) and the attacker get none of it.
    for (const s of shares) {
      expect(s[0]).to.equal(0n);
      expect(s[3]).to.equal(0n);
      expect(s[1] + s[2]).to.equal(50n * TOKEN);
    }
    for (const [i, who] of members.entries()) {
      const c = await claimReward(ctx(who), taskId);
      expect(c.cumAmount).to.equal(shares[0][i] + shares[1][i]);
      await releaseStake(ctx(who), taskId, who.account.address);
    }
    const report = await audit(f, taskId);
    expect(report.mismatches).to.deep.equal([]);
    expect(report.rounds.map((x) => x.decisions.map((d) => [d.slot, d.root, d.excluded, d.slashed]))).to.deep.equal([
      [
        [0, true, false, false],
        [1, false, false, false],
        [2, false, false, false],
        [3, false, true, false],
      ],
      [
        [0, true, false, false],
        [1, false, false, false],
        [2, false, false, false],
        [3, false, false, false],
      ],
    ]);
  });

  it("refuses `trainer train --root` from anyone but the owner, on a task without root updates, and on a model it cannot train", async () => {
    const f = await freshFixture(rootTaskFixture);
    const { ctx, owner, trainers, rootTask: taskId, taskId: plainTask } = f;
    const shard = { index: 0, of: 8, seed: 7 };
    let err = "";
    // The owner passes the checks; the 4x8 test circuit's 8 parameters are not the shipped model's 130.
    await trainAndCommit(ctx(owner), taskId, { shard, seed: 1, root: true }).catch((e: Error) => (err = e.message));
    expect(err).to.match(/the root update trains the shipped 130-parameter model; this task's model has 8 parameters/);
    err = "";
    await trainAndCommit(ctx(trainers[0]), taskId, { shard, seed: 1, root: true }).catch((e: Error) => (err = e.message));
    expect(err).to.match(/only the task owner \(slot 0\) posts root updates; you hold slot 1/);
    err = "";
    await trainAndCommit(ctx(trainers[0]), plainTask, { shard, seed: 1, root: true }).catch((e: Error) => (err = e.message));
    expect(err).to.match(/task \d+ takes no root updates/);
  });
});
