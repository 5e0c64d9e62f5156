import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { hexlify, sha256, type Contract, type ContractTransactionResponse, type EventLog } from "ethers";
import { SNARK_FIELD } from "../../../oracle/core/field";
import {
  accStep,
  batchBytes as referenceBatchBytes,
  batchHashOf,
  epochHeader,
  packRuleParams,
  packWord,
  unpackWord,
} from "../../../oracle/reliability";
import { shouldBehaveLikePhaseClock } from "../../behaviors/PhaseClock.behavior";
import {
  CHW,
  CW,
  EVALUATOR_STAKE,
  FLOOR,
  NO_SHOW,
  PRIOR,
  PRIOR_LANE,
  PROOF,
  SCOPE_NO_SHOW,
  SCOPE_SOURCE,
  SCOPE_STRIKES,
  SOURCE_SLASH,
  SOURCE_STAKE,
  STRIKE_SLASH,
  TEST_RULE,
  as,
  at,
  batchOf,
  challenge,
  commitAll,
  commitAndReveal,
  commitHash,
  deployTestRegistry,
  offenceId,
  populatedFixture,
  propose,
  registryFixture,
  registryFixtureWith,
  registryParams,
  revealAll,
  saltFor,
  subsOf,
  toFinal,
  toSettlement,
  type Batch,
  type Fixture,
} from "../../helpers/reliabilityFixtures";
import { UNBONDING_DELAY, foundationFixture } from "../../helpers/fixtures";

const { ethers } = hre;
const DAY = 24n * 3600n;
const LOW = { reliability: 100n, usefulness: 200n };
const HIGH = { reliability: 60000n, usefulness: 50000n };

/** Everything a bad call must leave unchanged: the clock, the scores, the counts. */
async function snapshot(f: Fixture) {
  const info = await f.registry.epochInfo();
  return {
    info: info.toArray().map(String),
    word0: await f.registry.scoreWord(0n),
    sources: await f.registry.sourceCount(),
    evaluators: await f.registry.evaluatorCount(),
    totals: (await f.vault.totals()).toArray().map(String),
  };
}

async function unchanged(f: Fixture, before: Awaited<ReturnType<typeof snapshot>>) {
  expect(await snapshot(f)).to.deep.equal(before);
}

/** populatedFixture with 3 evaluators revealed in epoch 0 (positions 0..2); the settlement window is open. */
async function revealedFixture() {
  const f = await populatedFixture();
  const subs = subsOf(f, 3);
  await commitAndReveal(f, subs);
  await toSettlement(f);
  return { ...f, subs };
}

/** A registry whose epoch 0 opens 1000 s after deployment, with 8 sources and 5 evaluators registered before. */
async function futureFixture() {
  const f = await registryFixtureWith(registryParams({ startTime: BigInt(await time.latest()) + 1000n }));
  for (let i = 0; i < 8; i++) await as(f.registry, f.operator).registerSource(`store://source-${i}`);
  for (const e of f.evaluators) await as(f.registry, e).registerEvaluator();
  return f;
}

/** revealedFixture plus a pending proposal including positions 0 and 1 (source 0 low). */
async function proposedFixture() {
  const f = await revealedFixture();
  const first = await batchOf(f, { scores: [LOW], included: 0b011n });
  const tx = await propose(f, f.settler, first);
  const rc = await tx.wait();
  const ev = rc!.logs.map((l) => f.registry.interface.parseLog(l)).find((e) => e?.name === "ScoresProposed")!;
  return { ...f, first, firstBytes: ev.args.batch as string };
}

describe("ReliabilityRegistry", () => {
  describe("# deployment", () => {
    it("records its parameters, the packed rule and its dependencies; epoch 0 opens at deployment", async () => {
      const f = await loadFixture(registryFixture);
      const d = f.deployedRegistry;
      const p = await f.registry.params();
      expect(p.shape.words).to.equal(1n);
      expect(p.shape.evaluators).to.equal(5n);
      expect(p.rule.emaRate).to.equal(TEST_RULE.emaRate);
      expect(p.rule.minGraders).to.equal(3n);
      expect(p.rule.shareTolerance).to.equal(40n);
      expect(p.rule.disagreePct).to.equal(50n);
      expect(p.priorReliability).to.equal(PRIOR.reliability);
      expect(await f.registry.ruleParams()).to.equal(packRuleParams(TEST_RULE));
      expect(await f.registry.stakeVault()).to.equal(await f.vault.getAddress());
      expect(await f.registry.verifier()).to.equal(d.verifier.address);
      expect(await f.registry.numPublicInputs()).to.equal(3n);
      expect(await f.registry.hashers()).to.deep.equal([
        d.hashers.poseidon2.address,
        d.hashers.poseidon3.address,
        d.hashers.poseidon4.address,
      ]);
      expect(await f.registry.MAX_SOURCES()).to.equal(4096n);
      const info = await f.registry.epochInfo();
      expect(info.epoch).to.equal(0n);
      expect(info.startedAt).to.equal(p.startTime);
      expect(info.header).to.equal(await epochHeader(f.context, 0n, TEST_RULE));
      expect(info.acc).to.equal(info.header);
    });

    it("rejects a bad shape, rule, stake, penalty, strike rule or prior, naming the value", async () => {
      const f = await loadFixture(foundationFixture);
      const factory = await ethers.getContractFactory("ReliabilityRegistry");
      const v = await (await ethers.getContractFactory("MockReliabilityVerifier")).deploy();
      const reg = await deployTestRegistry(f);
      const [p2, p3, p4] = (await reg.registry.hashers()) as string[];
      const deploy = (p: ReturnType<typeof registryParams>) =>
        factory.deploy(v.target, f.vault.target, p2, p3, p4, p) as unknown as Promise<ContractTransactionResponse>;
      const base = registryParams();
      const cases: [ReturnType<typeof registryParams>, string, unknown[]][] = [
        [{ ...base, shape: { ...base.shape, words: 33n } }, "InvalidShape", ["words", 33n, 32n]],
        [{ ...base, shape: { ...base.shape, evaluators: 0n } }, "InvalidShape", ["evaluators", 0n, 32n]],
        [{ ...base, rule: { ...base.rule, emaRate: 65537n } }, "InvalidRuleParam", ["emaRate", 65537n, 0n, 65536n]],
        [{ ...base, rule: { ...base.rule, minGraders: 6n } }, "InvalidRuleParam", ["minGraders", 6n, 1n, 5n]],
        [{ ...base, rule: { ...base.rule, disagreePct: 101n } }, "InvalidRuleParam", ["disagreePct", 101n, 0n, 100n]],
        [{ ...base, sourceStake: 0n }, "InvalidStake", ["sourceStake", 0n]],
        [{ ...base, evaluatorStake: 1n << 96n }, "InvalidStake", ["evaluatorStake", 1n << 96n]],
        [{ ...base, noShowPenalty: EVALUATOR_STAKE + 1n }, "InvalidPenalty", ["noShowPenalty", EVALUATOR_STAKE + 1n, EVALUATOR_STAKE]],
        [{ ...base, strikeLimit: 4n, strikeWindow: 3n }, "InvalidStrikeRule", [4n, 3n]],
        [{ ...base, strikeLimit: 1n, strikeWindow: 65n }, "InvalidStrikeRule", [1n, 65n]],
        [{ ...base, priorUsefulness: 65536n }, "InvalidScore", ["priorUsefulness", 65536n, 65535n]],
        [
          { ...base, reliabilityFloor: PRIOR.reliability + 1n },
          "InvalidScore",
          ["reliabilityFloor", PRIOR.reliability + 1n, PRIOR.reliability],
        ],
      ];
      for (const [p, error, args] of cases) {
        await expect(deploy(p), error)
          .to.be.revertedWithCustomError(factory, error)
          .withArgs(...args);
      }
    });
  });

  describe("# sources", () => {
    it("registers with ids from 0, locks the stake and writes the prior into its lane", async () => {
      const f = await loadFixture(registryFixture);
      for (let i = 0n; i < 9n; i++) {
        const word =
          i < 8n
            ? packWord(Array.from({ length: 8 }, (_, l) => (BigInt(l) <= i ? PRIOR : { reliability: 0n, usefulness: 0n })))
            : PRIOR_LANE;
        await expect(as(f.registry, f.operator).registerSource(`store://s-${i}`))
          .to.emit(f.registry, "SourceRegistered")
          .withArgs(i, f.operator.address, SOURCE_STAKE, i >> 3n, word, `store://s-${i}`);
      }
      expect(await f.registry.sourceCount()).to.equal(9n);
      expect(await f.vault.lockedBy(f.address, f.operator.address)).to.equal(SOURCE_STAKE * 9n);
      const s = await f.registry.source(8);
      expect(s.operator).to.equal(f.operator.address);
      expect(s.status).to.equal(0n);
      expect(s.stake).to.equal(SOURCE_STAKE);
      expect(s.reliability).to.equal(PRIOR.reliability);
      expect(s.usefulness).to.equal(PRIOR.usefulness);
      expect(s.metadataURI).to.equal("store://s-8");
      expect(await f.registry.scoreOf(3)).to.deep.equal([PRIOR.reliability, PRIOR.usefulness]);
    });

    it("a registration resets a lane that feedback moved before the source existed", async () => {
      const f = await loadFixture(revealedFixture);
      // Sources 0..7 exist; word 0's lane 7 is moved by a batch, then source 8 starts word 1 at the prior.
      await propose(
        f,
        f.settler,
        await batchOf(f, { scores: [undefined, undefined, undefined, undefined, undefined, undefined, undefined, LOW], included: 1n }),
      );
      await toFinal(f);
      await as(f.registry, f.operator).registerSource("store://s-8");
      expect(await f.registry.scoreWord(1n)).to.equal(PRIOR_LANE);
      expect(await f.registry.scoreOf(7)).to.deep.equal([LOW.reliability, LOW.usefulness]);
    });

    it("reverts reads and calls naming an unknown source with UnknownSource, changing nothing", async () => {
      const f = await loadFixture(populatedFixture);
      const before = await snapshot(f);
      await expect(f.registry.source(8)).to.be.revertedWithCustomError(f.registry, "UnknownSource").withArgs(8n, 8n);
      await expect(f.registry.scoreOf(100)).to.be.revertedWithCustomError(f.registry, "UnknownSource").withArgs(100n, 8n);
      await expect(as(f.registry, f.operator).leaveSource(8)).to.be.revertedWithCustomError(f.registry, "UnknownSource").withArgs(8n, 8n);
      await expect(as(f.registry, f.stranger).slashSource(9)).to.be.revertedWithCustomError(f.registry, "UnknownSource").withArgs(9n, 8n);
      await expect(as(f.registry, f.operator).setSourceURI(8, "x"))
        .to.be.revertedWithCustomError(f.registry, "UnknownSource")
        .withArgs(8n, 8n);
      await unchanged(f, before);
    });

    it("lets only the operator leave or change the URI; leaving is once", async () => {
      const f = await loadFixture(populatedFixture);
      const before = await snapshot(f);
      await expect(as(f.registry, f.stranger).leaveSource(2))
        .to.be.revertedWithCustomError(f.registry, "NotSourceOperator")
        .withArgs(2n, f.stranger.address, f.operator.address);
      await expect(as(f.registry, f.stranger).setSourceURI(2, "store://x"))
        .to.be.revertedWithCustomError(f.registry, "NotSourceOperator")
        .withArgs(2n, f.stranger.address, f.operator.address);
      await expect(as(f.registry, f.operator).registerSource(""))
        .to.be.revertedWithCustomError(f.registry, "InvalidURILength")
        .withArgs(0n, 512n);
      await unchanged(f, before);
      await expect(as(f.registry, f.operator).setSourceURI(2, "store://new"))
        .to.emit(f.registry, "SourceURIChanged")
        .withArgs(2n, "store://source-2", "store://new");
      expect((await f.registry.source(2)).metadataURI).to.equal("store://new");
      const at = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(at);
      const tx = as(f.registry, f.operator).leaveSource(2);
      const ends = at + BigInt(UNBONDING_DELAY);
      await expect(tx).to.emit(f.registry, "SourceLeft").withArgs(2n, f.operator.address, SOURCE_STAKE, ends);
      await expect(as(f.registry, f.operator).leaveSource(2)).to.be.revertedWithCustomError(f.registry, "SourceNotActive").withArgs(2n, 1n);
    });

    it("leaving goes through unbonding: the stake moves to the vault's bucket; the source is Left after the delay", async () => {
      const f = await loadFixture(populatedFixture);
      await as(f.registry, f.operator).leaveSource(3);
      const s = await f.registry.source(3);
      expect(s.status).to.equal(1n);
      expect(await f.vault.lockedBy(f.address, f.operator.address)).to.equal(SOURCE_STAKE * 7n);
      const [bucket, releaseAt] = await f.vault.unlockedBy(f.address, f.operator.address);
      expect(bucket).to.equal(SOURCE_STAKE);
      expect(releaseAt).to.equal(s.unbondingEnds);
      // Its score stays readable; it is out of the ranking.
      expect(await f.registry.scoreOf(3)).to.deep.equal([PRIOR.reliability, PRIOR.usefulness]);
      const [ids] = await f.registry.topSources(8);
      expect(ids.map(Number)).to.deep.equal([0, 1, 2, 4, 5, 6, 7]);
      await at(s.unbondingEnds);
      await ethers.provider.send("evm_mine", []);
      expect((await f.registry.source(3)).status).to.equal(2n);
    });

    it("reverts a registration without enough free stake with the vault's error", async () => {
      const f = await loadFixture(registryFixture);
      await expect(as(f.registry, f.stranger).registerSource("store://s"))
        .to.be.revertedWithCustomError(f.vault, "InsufficientFreeStake")
        .withArgs(f.stranger.address, 0n, SOURCE_STAKE);
      expect(await f.registry.sourceCount()).to.equal(0n);
    });

    it("waits with registrations while a proposal is pending (ScoresPending), and takes them once it is final", async () => {
      const f = await loadFixture(proposedFixture);
      const info = await f.registry.epochInfo();
      const before = await snapshot(f);
      await expect(as(f.registry, f.operator).registerSource("store://s-8"))
        .to.be.revertedWithCustomError(f.registry, "ScoresPending")
        .withArgs(0n, info.finalAt);
      await unchanged(f, before);
      await toFinal(f);
      await expect(as(f.registry, f.operator).registerSource("store://s-8")).to.emit(f.registry, "EpochFinalized");
    });
  });

  describe("# source slashes", () => {
    /** Source 0's reliability is LOW (below the floor) after a final batch. */
    async function lowFixture() {
      const f = await proposedFixture();
      await toFinal(f);
      await f.registry.sync();
      return f;
    }

    it("slashes a source whose final reliability is below the floor, once", async () => {
      const f = await loadFixture(lowFixture);
      const id = offenceId(SCOPE_SOURCE, 0n, 0n);
      await expect(as(f.registry, f.stranger).slashSource(0))
        .to.emit(f.registry, "SourceSlashed")
        .withArgs(0n, f.operator.address, LOW.reliability, id, SOURCE_SLASH)
        .and.to.emit(f.vault, "Slashed");
      expect(await f.vault.isOffenceSlashed(f.address, id)).to.equal(true);
      expect((await f.registry.source(0)).stake).to.equal(SOURCE_STAKE - SOURCE_SLASH);
      expect((await f.registry.source(0)).slashed).to.equal(true);
      expect(await f.vault.lockedBy(f.address, f.operator.address)).to.equal(SOURCE_STAKE * 8n - SOURCE_SLASH);
      await expect(as(f.registry, f.stranger).slashSource(0))
        .to.be.revertedWithCustomError(f.registry, "SourceAlreadySlashed")
        .withArgs(0n);
    });

    it("slashes a source while it unbonds, from the vault's unbonding bucket", async () => {
      const f = await loadFixture(lowFixture);
      // Another account runs no other source: the slash can only come from the unbonding bucket.
      await as(f.registry, f.operator).leaveSource(0);
      expect((await f.registry.source(0)).status).to.equal(1n);
      const locked = await f.vault.lockedBy(f.address, f.operator.address);
      await expect(as(f.registry, f.stranger).slashSource(0)).to.emit(f.registry, "SourceSlashed");
      // The vault takes the registry's lock on the account first (stake is pooled per account).
      expect(await f.vault.lockedBy(f.address, f.operator.address)).to.equal(locked - SOURCE_SLASH);
      expect((await f.vault.totals()).slashedUnswept).to.equal(SOURCE_SLASH);
    });

    it("slashes an unbonding source of an account with nothing else locked from its bucket", async () => {
      const f = await loadFixture(lowFixture);
      for (let i = 1; i < 8; i++) await as(f.registry, f.operator).leaveSource(i);
      await as(f.registry, f.operator).leaveSource(0);
      expect(await f.vault.lockedBy(f.address, f.operator.address)).to.equal(0n);
      await as(f.registry, f.stranger).slashSource(0);
      const [bucket] = await f.vault.unlockedBy(f.address, f.operator.address);
      expect(bucket).to.equal(SOURCE_STAKE * 8n - SOURCE_SLASH);
    });

    it("refuses a slash once the unbonding ended, above the floor, or while scores are pending, changing nothing", async () => {
      const f = await loadFixture(lowFixture);
      await expect(as(f.registry, f.stranger).slashSource(1))
        .to.be.revertedWithCustomError(f.registry, "ReliabilityNotBelowFloor")
        .withArgs(1n, PRIOR.reliability, FLOOR);
      await as(f.registry, f.operator).leaveSource(0);
      const ends = (await f.registry.source(0)).unbondingEnds;
      await at(ends);
      await ethers.provider.send("evm_mine", []);
      const before = await snapshot(f);
      await expect(as(f.registry, f.stranger).slashSource(0))
        .to.be.revertedWithCustomError(f.registry, "SourceNotSlashable")
        .withArgs(0n, ends, ends + 1n);
      await unchanged(f, before);
    });

    it("does not slash on a pending score", async () => {
      const f = await loadFixture(proposedFixture);
      const info = await f.registry.epochInfo();
      await expect(as(f.registry, f.stranger).slashSource(0))
        .to.be.revertedWithCustomError(f.registry, "ScoresPending")
        .withArgs(0n, info.finalAt);
    });
  });

  describe("# evaluators", () => {
    it("registers with ids from 1, one per account, locking the stake", async () => {
      const f = await loadFixture(registryFixture);
      await expect(as(f.registry, f.evaluators[0]).registerEvaluator())
        .to.emit(f.registry, "EvaluatorRegistered")
        .withArgs(1n, f.evaluators[0].address, EVALUATOR_STAKE);
      await expect(as(f.registry, f.evaluators[0]).registerEvaluator())
        .to.be.revertedWithCustomError(f.registry, "AlreadyEvaluator")
        .withArgs(f.evaluators[0].address, 1n);
      expect(await f.registry.evaluatorOf(f.evaluators[0].address)).to.equal(1n);
      const e = await f.registry.evaluator(1);
      expect([e.account, e.active, e.stake, e.strikes]).to.deep.equal([f.evaluators[0].address, true, EVALUATOR_STAKE, 0n]);
      await expect(f.registry.evaluator(2)).to.be.revertedWithCustomError(f.registry, "UnknownEvaluator").withArgs(2n);
      await expect(f.registry.evaluator(0)).to.be.revertedWithCustomError(f.registry, "UnknownEvaluator").withArgs(0n);
    });

    it("leaves between epochs, not with a commit in the current one, and cannot commit afterwards", async () => {
      const f = await loadFixture(populatedFixture);
      await commitAll(f, subsOf(f, 1));
      await expect(as(f.registry, f.evaluators[0]).leaveEvaluator())
        .to.be.revertedWithCustomError(f.registry, "CommittedThisEpoch")
        .withArgs(1n, 0n);
      await expect(as(f.registry, f.evaluators[1]).leaveEvaluator()).to.emit(f.registry, "EvaluatorLeft");
      await expect(as(f.registry, f.evaluators[1]).leaveEvaluator())
        .to.be.revertedWithCustomError(f.registry, "EvaluatorNotActive")
        .withArgs(2n);
      await expect(as(f.registry, f.evaluators[1]).commitFeedback(0n, ethers.id("c")))
        .to.be.revertedWithCustomError(f.registry, "EvaluatorNotActive")
        .withArgs(2n);
      await expect(as(f.registry, f.stranger).leaveEvaluator())
        .to.be.revertedWithCustomError(f.registry, "NotEvaluator")
        .withArgs(f.stranger.address);
      expect(await f.vault.lockedBy(f.address, f.evaluators[1].address)).to.equal(0n);
    });
  });

  describe("# feedback", () => {
    it("chains reveals into acc = Poseidon(acc, evaluatorId, c) from the epoch header, in reveal order", async () => {
      const f = await loadFixture(populatedFixture);
      // Revealed in another order than committed: the reveal order counts.
      const subs = subsOf(f, 3);
      await commitAll(f, subs);
      await revealAll(f, [subs[2], subs[0], subs[1]]);
      let acc = await epochHeader(f.context, 0n, TEST_RULE);
      for (const [id, c] of [
        [3n, 1002n],
        [1n, 1000n],
        [2n, 1001n],
      ])
        acc = await accStep(acc, id, c);
      const info = await f.registry.epochInfo();
      expect(info.acc).to.equal(acc);
      expect(info.commits).to.equal(3n);
      expect(info.reveals).to.equal(3n);
      const revealed = (await f.registry.queryFilter(f.registry.filters.FeedbackRevealed(0n))) as EventLog[];
      expect(revealed.map((e) => [e.args.evaluatorId, e.args.position])).to.deep.equal([
        [3n, 0n],
        [1n, 1n],
        [2n, 2n],
      ]);
      expect(revealed[2].args.acc).to.equal(acc);
    });

    it("commits bind the evaluator, epoch, chain and registry (commitHashOf)", async () => {
      const f = await loadFixture(populatedFixture);
      const salt = saltFor(1n, 0n);
      expect(await f.registry.commitHashOf(0n, 1n, 77n, salt)).to.equal(commitHash(f.chainId, f.address, 0n, 1n, 77n, salt));
    });

    it("reverts feedback for a closed epoch, changing nothing", async () => {
      const f = await loadFixture(populatedFixture);
      const subs = subsOf(f, 2);
      await commitAll(f, subs.slice(0, 1));
      const info = await f.registry.epochInfo();
      await at(info.commitEnd);
      const h = commitHash(f.chainId, f.address, 0n, 2n, 1001n, saltFor(2n, 0n));
      await expect(as(f.registry, f.evaluators[1]).commitFeedback(0n, h))
        .to.be.revertedWithCustomError(f.registry, "OutsidePhase")
        .withArgs(0n, 0n, "commit", info.startedAt, info.commitEnd, info.commitEnd);
      // A reveal after the reveal window: the epoch expired (nobody revealed), so epoch 0 is gone.
      await at(info.revealEnd);
      await ethers.provider.send("evm_mine", []);
      const before = await snapshot(f);
      await expect(as(f.registry, f.evaluators[0]).revealFeedback(0n, 1000n, saltFor(1n, 0n), "store://f"))
        .to.be.revertedWithCustomError(f.registry, "WrongRound")
        .withArgs(0n, 0n, 1n);
      // The failed call's sync was rolled back with it: the stored clock did not move.
      await unchanged(f, before);
    });

    it("reverts duplicate, unmatched, uncommitted and out-of-field reveals and extra commits, changing nothing", async () => {
      const f = await loadFixture(populatedFixture);
      const subs = subsOf(f, 5);
      await commitAll(f, subs);
      const epoch = 0n;
      await expect(as(f.registry, f.evaluators[0]).commitFeedback(epoch, ethers.id("again")))
        .to.be.revertedWithCustomError(f.registry, "AlreadyCommitted")
        .withArgs(0n, 1n);
      // A sixth evaluator finds the epoch full (E = 5 positions).
      await as(f.registry, f.gina).registerEvaluator();
      await expect(as(f.registry, f.gina).commitFeedback(epoch, ethers.id("c6")))
        .to.be.revertedWithCustomError(f.registry, "EpochFull")
        .withArgs(0n, 5n);
      await expect(as(f.registry, f.gina).commitFeedback(epoch, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.registry,
        "InvalidCommitHash",
      );
      await revealAll(f, subs.slice(0, 1));
      const before = await snapshot(f);
      await expect(as(f.registry, f.evaluators[0]).revealFeedback(epoch, 1000n, saltFor(1n, 0n), "store://f"))
        .to.be.revertedWithCustomError(f.registry, "AlreadyRevealed")
        .withArgs(0n, 1n);
      const expected = commitHash(f.chainId, f.address, 0n, 2n, 1001n, saltFor(2n, 0n));
      await expect(as(f.registry, f.evaluators[1]).revealFeedback(epoch, 999n, saltFor(2n, 0n), "store://f"))
        .to.be.revertedWithCustomError(f.registry, "RevealMismatch")
        .withArgs(0n, 2n, expected, commitHash(f.chainId, f.address, 0n, 2n, 999n, saltFor(2n, 0n)));
      await expect(as(f.registry, f.gina).revealFeedback(epoch, 1n, saltFor(6n, 0n), "store://f"))
        .to.be.revertedWithCustomError(f.registry, "NotCommitted")
        .withArgs(0n, 6n);
      await expect(as(f.registry, f.evaluators[1]).revealFeedback(epoch, 1001n, saltFor(2n, 0n), ""))
        .to.be.revertedWithCustomError(f.registry, "InvalidURILength")
        .withArgs(0n, 512n);
      await unchanged(f, before);
    });

    it("refuses a revealed commitment that is not a field element", async () => {
      const f = await loadFixture(populatedFixture);
      const big = SNARK_FIELD + 5n;
      await commitAll(f, [{ signer: f.evaluators[0], commitment: big }]);
      await at((await f.registry.epochInfo()).commitEnd);
      await expect(as(f.registry, f.evaluators[0]).revealFeedback(0n, big, saltFor(1n, 0n), "store://f"))
        .to.be.revertedWithCustomError(f.registry, "InvalidCommitment")
        .withArgs(big);
    });
  });

  describe("# relayed feedback (EIP-712)", () => {
    const COMMIT = [
      { name: "evaluatorId", type: "uint32" },
      { name: "epoch", type: "uint32" },
      { name: "commitHash", type: "bytes32" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ];
    const REVEAL = [
      { name: "evaluatorId", type: "uint32" },
      { name: "epoch", type: "uint32" },
      { name: "commitment", type: "uint256" },
      { name: "salt", type: "bytes32" },
      { name: "uri", type: "string" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ];
    type Domain = { name: string; version: string; chainId: bigint; verifyingContract: string };
    const domainOf = (f: Fixture, o: Partial<Domain> = {}): Domain => ({
      name: "zkmerit ReliabilityRegistry",
      version: "1",
      chainId: f.chainId,
      verifyingContract: f.address,
      ...o,
    });
    const signCommit = (
      s: HardhatEthersSigner,
      d: Domain,
      m: { evaluatorId: bigint; epoch: bigint; commitHash: string; nonce: bigint; deadline: bigint },
    ) => s.signTypedData(d, { CommitFeedback: COMMIT }, m);

    it("names its EIP-712 domain and type hashes", async () => {
      const f = await loadFixture(populatedFixture);
      const d = await f.registry.eip712Domain();
      expect([d.name, d.version, d.chainId, d.verifyingContract]).to.deep.equal(["zkmerit ReliabilityRegistry", "1", f.chainId, f.address]);
      expect(await f.registry.COMMIT_TYPEHASH()).to.equal(
        ethers.id("CommitFeedback(uint32 evaluatorId,uint32 epoch,bytes32 commitHash,uint256 nonce,uint256 deadline)"),
      );
    });

    it("relays a signed commit and a signed reveal; the nonce advances; acc is the same as a direct reveal's", async () => {
      const f = await loadFixture(populatedFixture);
      const ev = f.evaluators[0];
      const h = commitHash(f.chainId, f.address, 0n, 1n, 1000n, saltFor(1n, 0n));
      const deadline = BigInt(await time.latest()) + DAY;
      const sig = await signCommit(ev, domainOf(f), { evaluatorId: 1n, epoch: 0n, commitHash: h, nonce: 0n, deadline });
      await expect(as(f.registry, f.relayer).commitFeedbackBySig(1n, 0n, h, 0n, deadline, sig))
        .to.emit(f.registry, "FeedbackCommitted")
        .withArgs(0n, 1n, 0n, h, true);
      expect(await f.registry.nonces(ev.address)).to.equal(1n);
      await at((await f.registry.epochInfo()).commitEnd);
      const m = { evaluatorId: 1n, epoch: 0n, commitment: 1000n, salt: saltFor(1n, 0n), uri: "store://f-1", nonce: 1n, deadline };
      const rsig = await ev.signTypedData(domainOf(f), { RevealFeedback: REVEAL }, m);
      const acc = await accStep(await epochHeader(f.context, 0n, TEST_RULE), 1n, 1000n);
      await expect(as(f.registry, f.relayer).revealFeedbackBySig(1n, 0n, 1000n, m.salt, m.uri, 1n, deadline, rsig))
        .to.emit(f.registry, "FeedbackRevealed")
        .withArgs(0n, 1n, 0n, 1000n, "store://f-1", acc, true);
      expect(await f.registry.nonces(ev.address)).to.equal(2n);
    });

    it("reverts replayed, forged, expired, other-chain and other-registry signatures, changing nothing", async () => {
      const f = await loadFixture(populatedFixture);
      const ev = f.evaluators[0];
      const h = commitHash(f.chainId, f.address, 0n, 1n, 1000n, saltFor(1n, 0n));
      const deadline = BigInt(await time.latest()) + DAY;
      const m = { evaluatorId: 1n, epoch: 0n, commitHash: h, nonce: 0n, deadline };
      const relay = (sig: string, o: { nonce?: bigint; deadline?: bigint } = {}) =>
        as(f.registry, f.relayer).commitFeedbackBySig(1n, 0n, h, o.nonce ?? 0n, o.deadline ?? deadline, sig);
      const before = await snapshot(f);
      // Forged: signed by someone else.
      await expect(relay(await signCommit(f.stranger, domainOf(f), m)))
        .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
        .withArgs(1n, ev.address);
      // Another chain, another registry.
      await expect(relay(await signCommit(ev, domainOf(f, { chainId: 1n }), m)))
        .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
        .withArgs(1n, ev.address);
      await expect(relay(await signCommit(ev, domainOf(f, { verifyingContract: f.deployedRegistry.verifier.address }), m)))
        .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
        .withArgs(1n, ev.address);
      // A signature of other fields (the relayer changed the hash).
      await expect(
        as(f.registry, f.relayer).commitFeedbackBySig(1n, 0n, ethers.id("other"), 0n, deadline, await signCommit(ev, domainOf(f), m)),
      )
        .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
        .withArgs(1n, ev.address);
      // Expired.
      const old = BigInt(await time.latest());
      const expiredSig = await signCommit(ev, domainOf(f), { ...m, deadline: old });
      await expect(relay(expiredSig, { deadline: old }))
        .to.be.revertedWithCustomError(f.registry, "SignatureExpired")
        .withArgs(old, old + 1n);
      // An unknown evaluator.
      await expect(as(f.registry, f.relayer).commitFeedbackBySig(9n, 0n, h, 0n, deadline, await signCommit(ev, domainOf(f), m)))
        .to.be.revertedWithCustomError(f.registry, "UnknownEvaluator")
        .withArgs(9n);
      await unchanged(f, before);
      expect(await f.registry.nonces(ev.address)).to.equal(0n);
      // Replayed: the first use takes the nonce.
      const good = await signCommit(ev, domainOf(f), m);
      await relay(good);
      await expect(relay(good)).to.be.revertedWithCustomError(f.registry, "InvalidAccountNonce").withArgs(ev.address, 1n);
    });

    it("accepts an ERC-1271 contract wallet's approval", async () => {
      const f = await loadFixture(populatedFixture);
      const owner = f.gina;
      const wallet = (await (await ethers.getContractFactory("ERC1271Wallet")).deploy(owner.address)) as unknown as Contract;
      const w = await wallet.getAddress();
      const token = f.token as unknown as Contract;
      await as(token, f.admin).mint(w, EVALUATOR_STAKE);
      const call = (target: Contract, fn: string, args: unknown[]) =>
        as(wallet, owner).execute(target.target, target.interface.encodeFunctionData(fn, args));
      await call(token, "approve", [await f.vault.getAddress(), EVALUATOR_STAKE]);
      await call(f.vault as unknown as Contract, "stake", [EVALUATOR_STAKE]);
      await call(f.registry, "registerEvaluator", []);
      const id = (await f.registry.evaluatorOf(w)) as bigint;
      const h = commitHash(f.chainId, f.address, 0n, id, 5n, saltFor(id, 0n));
      const deadline = BigInt(await time.latest()) + DAY;
      const sig = await signCommit(owner, domainOf(f), { evaluatorId: id, epoch: 0n, commitHash: h, nonce: 0n, deadline });
      await expect(as(f.registry, f.relayer).commitFeedbackBySig(id, 0n, h, 0n, deadline, sig)).to.emit(f.registry, "FeedbackCommitted");
      const bad = await signCommit(f.stranger, domainOf(f), { evaluatorId: id, epoch: 0n, commitHash: h, nonce: 1n, deadline });
      await expect(as(f.registry, f.relayer).commitFeedbackBySig(id, 0n, h, 1n, deadline, bad))
        .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
        .withArgs(id, w);
    });
  });

  describe("# updateScores", () => {
    it("writes the new words, hashes exactly the reference's batchBytes and verifies on [batchHash, acc, settler]", async () => {
      const f = await loadFixture(revealedFixture);
      const b = await batchOf(f, { scores: [LOW, HIGH], included: 0b111n, flagged: 0b100n });
      const bytes = referenceBatchBytes(0n, 0b111n, 0b100n, [0n], b.oldWords, b.newWords);
      expect(await f.registry.batchBytes(b)).to.equal(hexlify(bytes));
      const info = await f.registry.epochInfo();
      const inputs = [batchHashOf(bytes), info.acc, BigInt(f.settler.address)];
      expect(await f.registry.publicInputs(b, f.settler.address)).to.deep.equal(inputs);
      await f.verifier.pinInputs(inputs);
      // Pin the proposal's block time: reading the latest block after sending races with mining.
      const at = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(at);
      const tx = propose(f, f.settler, b);
      await expect(tx)
        .to.emit(f.registry, "ScoresProposed")
        .withArgs(0n, f.settler.address, 0b111n, 0b100n, sha256(bytes), at + CHW, false, hexlify(bytes), anyValue);
      expect(await f.registry.scoreWord(0n)).to.equal(b.newWords[0]);
      expect(await f.registry.scoreOf(1)).to.deep.equal([HIGH.reliability, HIGH.usefulness]);
      const [rel, use] = await f.registry.scores(0, 3);
      expect(rel.map(BigInt)).to.deep.equal([LOW.reliability, HIGH.reliability, PRIOR.reliability]);
      expect(use.map(BigInt)).to.deep.equal([LOW.usefulness, HIGH.usefulness, PRIOR.usefulness]);
      const p = await f.registry.epochInfo();
      expect([p.settler, p.includedMask, p.flaggedMask, p.batchDigest]).to.deep.equal([f.settler.address, 7n, 4n, sha256(bytes)]);
    });

    it("reverts a proof that does not verify with InvalidProof(epoch), and the epoch stays settleable", async () => {
      const f = await loadFixture(revealedFixture);
      const b = await batchOf(f, { scores: [LOW], included: 1n });
      await f.verifier.setResult(false);
      const before = await snapshot(f);
      await expect(propose(f, f.settler, b))
        .to.be.revertedWithCustomError(f.registry, "InvalidProof")
        .withArgs(0n);
      await unchanged(f, before);
      await f.verifier.setResult(true);
      await expect(propose(f, f.settler, b)).to.emit(f.registry, "ScoresProposed");
    });

    it("reverts a batch built on an old score word (stale) with StaleScoreWord naming both words, changing nothing", async () => {
      const f = await loadFixture(revealedFixture);
      const b = await batchOf(f, { scores: [LOW], included: 1n });
      const stale: Batch = { ...b, oldWords: [b.oldWords[0] ^ 1n] };
      const before = await snapshot(f);
      await expect(propose(f, f.settler, stale))
        .to.be.revertedWithCustomError(f.registry, "StaleScoreWord")
        .withArgs(0n, 0n, b.oldWords[0], stale.oldWords[0]);
      await unchanged(f, before);
    });

    it("reverts a second batch for the epoch outside the challenge rule (EpochAlreadyProposed), and a batch for another epoch", async () => {
      const f = await loadFixture(proposedFixture);
      const before = await snapshot(f);
      const racing = { ...f.first, oldWords: [await f.registry.scoreWord(0n)] };
      await expect(propose(f, f.challenger, racing))
        .to.be.revertedWithCustomError(f.registry, "EpochAlreadyProposed")
        .withArgs(0n, f.settler.address, 0b011n);
      await expect(propose(f, f.challenger, { ...racing, epoch: 1n }))
        .to.be.revertedWithCustomError(f.registry, "WrongRound")
        .withArgs(0n, 1n, 0n);
      // A challenger proves on the epoch's start words (restored first): one built on the pending words is stale.
      await expect(challenge(f, f.challenger, { ...racing, includedMask: 0b111n }, f.firstBytes))
        .to.be.revertedWithCustomError(f.registry, "StaleScoreWord")
        .withArgs(0n, 0n, f.first.oldWords[0], racing.oldWords[0]);
      await unchanged(f, before);
    });

    it("reverts malformed batches (size, order, unknown word, masks) naming the values, changing nothing", async () => {
      const f = await loadFixture(revealedFixture);
      const b = await batchOf(f, { scores: [LOW], included: 1n });
      const before = await snapshot(f);
      await expect(propose(f, f.settler, { ...b, wordIndices: [0n, 1n] }))
        .to.be.revertedWithCustomError(f.registry, "BatchSizeMismatch")
        .withArgs(1n, 2n, 1n, 1n);
      await expect(propose(f, f.settler, { ...b, wordIndices: [1n] }))
        .to.be.revertedWithCustomError(f.registry, "UnknownWord")
        .withArgs(1n, 1n);
      for (const [inc, flg] of [
        [0n, 0n],
        [0b1000n, 0n],
        [0b001n, 0b010n],
      ]) {
        await expect(propose(f, f.settler, { ...b, includedMask: inc, flaggedMask: flg }))
          .to.be.revertedWithCustomError(f.registry, "InvalidMasks")
          .withArgs(0n, inc, flg, 3n);
      }
      await unchanged(f, before);
    });

    it("requires strictly increasing word indices", async () => {
      const f = await loadFixture(foundationFixture);
      const params = registryParams({}, { words: 2, queries: 8, evaluators: 5, entries: 2 });
      const { registry } = await deployTestRegistry(f, { params });
      const [operator, e1] = f.others;
      const { fund } = await import("../../helpers/reliabilityFixtures");
      await fund(f, [operator, e1]);
      for (let i = 0; i < 16; i++) await as(registry, operator).registerSource(`store://${i}`);
      await as(registry, e1).registerEvaluator();
      const g = {
        registry,
        chainId: (await ethers.provider.getNetwork()).chainId,
        address: await registry.getAddress(),
        evaluators: [e1],
      } as unknown as Fixture;
      await commitAndReveal(g, [{ signer: e1, commitment: 5n }]);
      await toSettlement(g);
      const w = (await registry.scoreWord(0n)) as bigint;
      await expect(
        as(registry, operator).updateScores(
          { epoch: 0n, wordIndices: [0n, 0n], oldWords: [w, w], newWords: [w, w], includedMask: 1n, flaggedMask: 0n },
          PROOF,
        ),
      )
        .to.be.revertedWithCustomError(registry, "WordIndicesNotIncreasing")
        .withArgs(1n, 0n, 0n);
    });

    it("accepts a batch only in the settlement window", async () => {
      const f = await loadFixture(populatedFixture);
      await commitAndReveal(f, subsOf(f, 2));
      const info = await f.registry.epochInfo();
      const b = await batchOf(f, { scores: [LOW], included: 1n });
      await expect(propose(f, f.settler, b))
        .to.be.revertedWithCustomError(f.registry, "OutsidePhase")
        .withArgs(0n, 0n, "settlement", info.revealEnd, info.settlementDeadline, anyValue);
      // After the deadline the epoch expired: epoch 0 cannot be named any more.
      await at(info.settlementDeadline);
      await expect(propose(f, f.settler, b))
        .to.be.revertedWithCustomError(f.registry, "WrongRound")
        .withArgs(0n, 0n, 1n);
    });
  });

  describe("# challengeScores", () => {
    it("replaces the pending proposal with one including strictly more reveals: the old words come back first", async () => {
      const f = await loadFixture(proposedFixture);
      // The challenger proves on the words of the epoch's start (the first batch's old words).
      const b: Batch = { ...f.first, newWords: [packWord([HIGH, ...unpackWord(f.first.oldWords[0]).slice(1)])], includedMask: 0b111n };
      const bytes = referenceBatchBytes(0n, 0b111n, 0n, [0n], f.first.oldWords, b.newWords);
      await expect(challenge(f, f.challenger, b, f.firstBytes))
        .to.emit(f.registry, "ScoresProposed")
        .withArgs(0n, f.challenger.address, 0b111n, 0n, sha256(bytes), anyValue, true, hexlify(bytes), anyValue);
      expect(await f.registry.scoreOf(0)).to.deep.equal([HIGH.reliability, HIGH.usefulness]);
      const info = await f.registry.epochInfo();
      expect(info.settler).to.equal(f.challenger.address);
      expect(info.finalAt).to.equal(info.proposedAt + CHW);
      await toFinal(f);
      await expect(f.registry.sync())
        .to.emit(f.registry, "EpochFinalized")
        .withArgs(0n, f.challenger.address, 0b111n, 0n, sha256(bytes), 1n);
    });

    it("reverts a challenge that is not stronger, posts other bytes, or comes without a pending proposal, changing nothing", async () => {
      const f = await loadFixture(proposedFixture);
      const b: Batch = { ...f.first, includedMask: 0b101n };
      const before = await snapshot(f);
      await expect(challenge(f, f.challenger, b, f.firstBytes))
        .to.be.revertedWithCustomError(f.registry, "ChallengeNotStronger")
        .withArgs(0n, 2n, 2n);
      const other = f.firstBytes.slice(0, -2) + (f.firstBytes.endsWith("00") ? "01" : "00");
      await expect(challenge(f, f.challenger, { ...b, includedMask: 0b111n }, other))
        .to.be.revertedWithCustomError(f.registry, "ReplacedBatchMismatch")
        .withArgs(0n, sha256(f.firstBytes), sha256(other));
      await unchanged(f, before);
      // Once the window closed the proposal is final and the epoch moved on.
      await toFinal(f);
      await expect(challenge(f, f.challenger, { ...b, includedMask: 0b111n }, f.firstBytes))
        .to.be.revertedWithCustomError(f.registry, "WrongRound")
        .withArgs(0n, 0n, 1n);
    });

    it("needs a pending proposal", async () => {
      const f = await loadFixture(revealedFixture);
      const b = await batchOf(f, { scores: [LOW], included: 1n });
      await expect(challenge(f, f.challenger, b, "0x"))
        .to.be.revertedWithCustomError(f.registry, "NoPendingProposal")
        .withArgs(0n);
    });
  });

  describe("# finalization and expiry", () => {
    it("makes a proposal final lazily at the end of its challenge window and opens the next epoch there", async () => {
      const f = await loadFixture(proposedFixture);
      const info = await f.registry.epochInfo();
      await at(info.finalAt - 1n);
      await f.registry.sync();
      expect((await f.registry.epochInfo()).epoch).to.equal(0n);
      await expect(f.registry.sync())
        .to.emit(f.registry, "EpochFinalized")
        .withArgs(0n, f.settler.address, 0b011n, 0n, sha256(f.firstBytes), 1n);
      const next = await f.registry.epochInfo();
      expect([next.epoch, next.startedAt, next.commits, next.settler]).to.deep.equal([1n, info.finalAt, 0n, ethers.ZeroAddress]);
      expect(next.finalEpochs).to.equal(1n);
      // The scores stay as proposed.
      expect(await f.registry.scoreOf(0)).to.deep.equal([LOW.reliability, LOW.usefulness]);
    });

    it("expires an epoch nobody settles, with nothing stuck: scores stay, no-shows pay once, everyone can leave", async () => {
      const f = await loadFixture(populatedFixture);
      const subs = subsOf(f, 3);
      await commitAll(f, subs);
      await revealAll(f, subs.slice(0, 2));
      const info = await f.registry.epochInfo();
      const word = await f.registry.scoreWord(0n);
      await at(info.settlementDeadline);
      const id = offenceId(SCOPE_NO_SHOW, 0n, 3n);
      await expect(f.registry.sync())
        .to.emit(f.registry, "EpochExpired")
        .withArgs(0n, 3n, 2n)
        .and.to.emit(f.registry, "EvaluatorSlashed")
        .withArgs(3n, 0n, f.evaluators[2].address, 2n, id, NO_SHOW);
      expect(await f.registry.scoreWord(0n)).to.equal(word);
      expect(await f.vault.isOffenceSlashed(f.address, id)).to.equal(true);
      expect((await f.registry.evaluator(3)).stake).to.equal(EVALUATOR_STAKE - NO_SHOW);
      // Synced again: nothing more happens.
      await expect(f.registry.sync()).not.to.emit(f.registry, "EvaluatorSlashed");
      for (const e of f.evaluators) await as(f.registry, e).leaveEvaluator();
      expect(await f.vault.lockedBy(f.address, f.evaluators[2].address)).to.equal(0n);
      const [bucket] = await f.vault.unlockedBy(f.address, f.evaluators[2].address);
      expect(bucket).to.equal(EVALUATOR_STAKE - NO_SHOW);
    });

    it("skips epochs without commits in one step, and expires an epoch whose committers all stayed away", async () => {
      const f = await loadFixture(populatedFixture);
      const info = await f.registry.epochInfo();
      await at(info.startedAt + 5n * CW + 10n);
      await expect(f.registry.sync()).to.emit(f.registry, "EpochsSkipped").withArgs(0n, 5n);
      const now = await f.registry.epochInfo();
      expect([now.epoch, now.startedAt]).to.deep.equal([5n, info.startedAt + 5n * CW]);
      expect(now.header).to.equal(await epochHeader(f.context, 5n, TEST_RULE));
      await commitAll(f, subsOf(f, 1));
      await at(now.revealEnd);
      await expect(f.registry.sync()).to.emit(f.registry, "EpochExpired").withArgs(5n, 1n, 0n);
    });
  });

  describe("# strikes", () => {
    /** Runs one epoch where evaluator 1 (position 0) is flagged and the proposal becomes final. */
    async function flaggedEpoch(f: Fixture, flagged = 1n): Promise<ContractTransactionResponse> {
      await commitAndReveal(f, subsOf(f, 3));
      await toSettlement(f);
      await propose(f, f.settler, await batchOf(f, { included: 0b111n, flagged }));
      await toFinal(f);
      return f.registry.sync();
    }

    it("slashes an evaluator flagged in strikeLimit (2) of the last strikeWindow (3) final epochs, once per offence, never twice", async () => {
      const f = await loadFixture(populatedFixture);
      await expect(flaggedEpoch(f))
        .to.emit(f.registry, "EvaluatorFlagged")
        .withArgs(1n, 0n, 1n)
        .and.not.to.emit(f.registry, "EvaluatorSlashed");
      expect((await f.registry.evaluator(1)).strikes).to.equal(1n);
      const id = offenceId(SCOPE_STRIKES, 1n, 1n);
      await expect(flaggedEpoch(f)).to.emit(f.registry, "EvaluatorSlashed").withArgs(1n, 1n, f.evaluators[0].address, 1n, id, STRIKE_SLASH);
      expect(await f.vault.isOffenceSlashed(f.address, id)).to.equal(true);
      expect((await f.registry.evaluator(1)).strikes).to.equal(0n);
      // The offence cleared the strikes: the next flag is a first strike again, no second slash.
      await expect(flaggedEpoch(f))
        .to.emit(f.registry, "EvaluatorFlagged")
        .withArgs(1n, 2n, 1n)
        .and.not.to.emit(f.registry, "EvaluatorSlashed");
      expect((await f.registry.evaluator(1)).stake).to.equal(EVALUATOR_STAKE - STRIKE_SLASH);
    });

    it("forgets flags older than the window", async () => {
      const f = await loadFixture(populatedFixture);
      await flaggedEpoch(f);
      await flaggedEpoch(f, 0n);
      await flaggedEpoch(f, 0n);
      // Final epochs 1..3 are the window: the flag of the first still counts.
      expect((await f.registry.evaluator(1)).strikes).to.equal(1n);
      await flaggedEpoch(f, 0n);
      expect((await f.registry.evaluator(1)).strikes).to.equal(0n);
      await expect(flaggedEpoch(f)).not.to.emit(f.registry, "EvaluatorSlashed");
      expect((await f.registry.evaluator(1)).stake).to.equal(EVALUATOR_STAKE);
    });

    it("reports a slash the vault refuses and still resolves the epoch", async () => {
      const f = await loadFixture(populatedFixture);
      await flaggedEpoch(f);
      const { id: hash } = ethers;
      // The registry loses its module role: its slashes are refused from then on.
      await as(f.vault as unknown as Contract, f.admin).revokeRole(hash("zkmerit.MODULE_ROLE"), f.address);
      await expect(flaggedEpoch(f))
        .to.emit(f.registry, "SlashFailed")
        .withArgs(1n, 1n, offenceId(SCOPE_STRIKES, 1n, 1n));
      expect((await f.registry.epochInfo()).epoch).to.equal(2n);
    });
  });

  describe("# views", () => {
    it("ranks the top k active sources by reliability, ties by lower id", async () => {
      const f = await loadFixture(revealedFixture);
      const rels = [5n, 900n, 70n, 900n, 3n, 65535n, 0n, 70n];
      await propose(f, f.settler, await batchOf(f, { scores: rels.map((r) => ({ reliability: r, usefulness: 1n })), included: 1n }));
      const [ids, rel] = await f.registry.topSources(4);
      expect(ids.map(Number)).to.deep.equal([5, 1, 3, 2]);
      expect(rel.map(BigInt)).to.deep.equal([65535n, 900n, 900n, 70n]);
      const [all] = await f.registry.topSources(100);
      expect(all.length).to.equal(8);
      expect((await f.registry.topSources(0))[0].length).to.equal(0);
      const [page] = await f.registry.scores(6, 10);
      expect(page.map(BigInt)).to.deep.equal([0n, 70n]);
      expect((await f.registry.scores(9, 1))[0].length).to.equal(0);
    });
  });

  shouldBehaveLikePhaseClock(async () => {
    const base = await loadFixture(foundationFixture);
    // A deployment that reverts rejects, as a call would.
    const asCall = (p: Promise<unknown>) => p as Promise<ContractTransactionResponse>;
    const key: Record<string, keyof ReturnType<typeof registryParams>> = {
      commit: "commitWindow",
      reveal: "revealWindow",
      settlement: "settlementWindow",
      challenge: "challengeWindow",
    };
    const factory = await ethers.getContractFactory("ReliabilityRegistry");
    const { registry } = await deployTestRegistry(base);
    const [p2, p3, p4] = (await registry.hashers()) as string[];
    const verifier = await registry.verifier();
    const direct = (o: Partial<ReturnType<typeof registryParams>>) =>
      asCall(factory.deploy(verifier, base.vault.target, p2, p3, p4, registryParams(o)).then((c) => c.deploymentTransaction()!));
    return {
      contract: registry,
      maxDuration: 365n * DAY,
      windows: Object.keys(key),
      phases: [
        {
          name: "commit",
          open: async () => {
            const f = await loadFixture(futureFixture);
            const start = (await f.registry.epochInfo()).startedAt as bigint;
            return {
              id: 0n,
              round: 0n,
              opensAt: start,
              closesAt: start + CW,
              act: () => as(f.registry, f.evaluators[0]).commitFeedback(0n, ethers.id("c")),
              // An epoch nobody committed to is skipped at its commit deadline: evaluator 2 keeps it.
              beforeClose: async () => {
                await at(start);
                await as(f.registry, f.evaluators[1]).commitFeedback(0n, ethers.id("keep"));
              },
            };
          },
        },
        {
          name: "reveal",
          open: async () => {
            const f = await loadFixture(populatedFixture);
            const subs = subsOf(f, 2);
            await commitAll(f, subs);
            const info = await f.registry.epochInfo();
            return {
              id: 0n,
              round: 0n,
              opensAt: info.commitEnd,
              closesAt: info.revealEnd,
              act: () => as(f.registry, f.evaluators[0]).revealFeedback(0n, 1000n, saltFor(1n, 0n), "store://f"),
              beforeClose: async () => {
                await at(info.commitEnd);
                await as(f.registry, f.evaluators[1]).revealFeedback(0n, 1001n, saltFor(2n, 0n), "store://f");
              },
            };
          },
        },
        {
          name: "settlement",
          open: async () => {
            const f = await loadFixture(populatedFixture);
            await commitAndReveal(f, subsOf(f, 2));
            const info = await f.registry.epochInfo();
            const b = await batchOf(f, { scores: [LOW], included: 1n });
            return {
              id: 0n,
              round: 0n,
              opensAt: info.revealEnd,
              closesAt: info.settlementDeadline,
              act: () => propose(f, f.settler, b),
              // At the deadline the epoch expires, so it cannot be named any more.
              atClose: async (call) => {
                await expect(call).to.be.revertedWithCustomError(f.registry, "WrongRound").withArgs(0n, 0n, 1n);
              },
            };
          },
        },
      ],
      createWithWindow: async (which, seconds) => ({ call: direct({ [key[which]]: seconds }) }),
      createStartingAt: async (startTime) => ({ call: direct({ startTime }) }),
      createLasting: async (over) => {
        // commit + reveal + settlement + E * challenge: with E = 32 and three 30-day windows,
        // 32 challenge windows of 742,500 s make exactly 365 days (one second more each: 32 over).
        const shape = { ...registryParams().shape, evaluators: 32n };
        const challengeWindow = 742_500n + (over ? 1n : 0n);
        const p = { shape, commitWindow: 30n * DAY, revealWindow: 30n * DAY, settlementWindow: 30n * DAY, challengeWindow };
        return { call: direct(p), duration: 365n * DAY + (over ? 32n : 0n) };
      },
    };
  });

  describe("behaves like a Groth16Settlement", () => {
    // The shared behaviour's out-of-field case does not apply: no posted value is a public input
    // (batchHash keeps 253 bits, acc is a Poseidon output, settler 160 bits), so these are its other cases.
    it("rebuilds exactly three field elements, and a settled epoch cannot be settled again", async () => {
      const f = await loadFixture(proposedFixture);
      const current = { ...f.first, oldWords: [await f.registry.scoreWord(0n)] };
      const inputs = (await f.registry.publicInputs(current, f.settler.address)) as bigint[];
      expect(inputs.length).to.equal(3);
      for (const x of inputs) expect(x < SNARK_FIELD).to.equal(true);
      await toFinal(f);
      await f.registry.sync();
      await expect(propose(f, f.settler, current))
        .to.be.revertedWithCustomError(f.registry, "WrongRound")
        .withArgs(0n, 0n, 1n);
    });
  });
});
