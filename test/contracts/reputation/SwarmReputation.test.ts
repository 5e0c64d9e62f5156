import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { hexlify, sha256, type Contract } from "ethers";
import { SNARK_FIELD } from "../../../oracle/core/field";
import { accStep, outBytes as referenceOutBytes, packRuleParams, roundHeader } from "../../../oracle/reputation";
import { deployFoundation } from "../../../scripts/deploy/foundation";
import { clientsFor, UNBONDING_DELAY, ADMIN_TRANSFER_DELAY } from "../../helpers/fixtures";
import {
  ACW,
  INITIAL_REP,
  JRW,
  KIND_ANSWER,
  KIND_JUDGMENT,
  NODE_STAKE,
  NO_SHOW,
  NodeStatus,
  REWARD,
  RoundStatus,
  SCOPE_NO_SHOW_ANSWER,
  SCOPE_NO_SHOW_JUDGMENT,
  SCOPE_STRIKES,
  STRIKE_SLASH,
  SW,
  WINNER_BPS,
  admittedFixture,
  answer,
  answerDigestOf,
  as,
  at,
  b32,
  challenge,
  commitHash,
  commitmentOf,
  deploySwarm,
  info,
  judge,
  maskOf,
  offenceId,
  openRound,
  proposedBytes,
  rankingOf,
  roundToSettlement,
  saltFor,
  settle,
  snapshot,
  swarmFixture,
  swarmParams,
  toFinal,
  type Fixture,
  type Ranking,
  type SwarmParams,
} from "../../helpers/reputationFixtures";

const { ethers } = hre;
const PARAMS = { emaRate: 16384n, minAgreement: 32768, prior: 1 };
const OUT_HASH_MASK = (1n << 253n) - 1n;

/** outBytes of rule 14 as the reference writes them, on the given answered mask and old words. */
function expectedOutBytes(r: Ranking, answered: bigint, oldWords: bigint[]): string {
  return hexlify(
    referenceOutBytes(
      r.round,
      r.winner,
      { answered, included: r.includedMask, agree: r.agreeMask, flagged: r.flaggedMask },
      oldWords,
      r.newWords,
    ),
  );
}

async function words(g: Fixture): Promise<bigint[]> {
  return ((await g.swarm.reputationWords()) as bigint[]).map((w) => BigInt(w));
}

/** Expects `tx` to revert with `error` (and `args`) and the swarm's state to be unchanged. */
async function refused(g: Fixture, tx: () => Promise<unknown>, error: string, args?: unknown[]): Promise<void> {
  const before = await snapshot(g);
  const p = expect(tx()).to.be.revertedWithCustomError(g.swarm, error);
  if (args) await p.withArgs(...args);
  else await p;
  expect(await snapshot(g)).to.deep.equal(before);
}

/** Deploys a SwarmReputation with `params` directly (the deploy script would decode the revert into its own error). */
async function direct(g: Fixture, params: SwarmParams) {
  const factory = await ethers.getContractFactory("SwarmReputation");
  return factory.deploy(await g.verifier.getAddress(), await g.vault.getAddress(), ...g.hashers, g.admin.address, params);
}

describe("SwarmReputation", () => {
  describe("# deployment", () => {
    it("records every parameter and packs the rule parameters as the reference does", async () => {
      const g = await loadFixture(swarmFixture);
      const p = await g.swarm.params();
      const want = swarmParams();
      for (const [k, v] of Object.entries(want)) expect(p[k], k).to.equal(v);
      expect(await g.swarm.ruleParams()).to.equal(packRuleParams(PARAMS));
      expect(await g.swarm.numPublicInputs()).to.equal(3n);
      expect(await g.swarm.proofContext()).to.equal(g.context);
      expect(await g.swarm.reputationWords()).to.deep.equal([0n]);
    });

    const bad: [keyof SwarmParams, bigint, bigint, bigint][] = [
      ["slots", 3n, 4n, 64n],
      ["slots", 7n, 4n, 64n],
      ["slots", 66n, 4n, 64n],
      ["emaRate", 65537n, 0n, 65536n],
      ["minAgreement", 65536n, 0n, 65535n],
      ["prior", 0n, 1n, 255n],
      ["prior", 256n, 1n, 255n],
      ["nodeStake", 0n, 1n, (1n << 96n) - 1n],
      ["initialReputation", 65536n, 0n, 65535n],
      ["strikeWindow", 0n, 1n, 64n],
      ["strikeWindow", 65n, 1n, 64n],
      ["strikeLimit", 0n, 1n, 3n],
      ["strikeLimit", 4n, 1n, 3n],
      ["strikeSlashAmount", NODE_STAKE + 1n, 0n, NODE_STAKE],
      ["noShowPenalty", NODE_STAKE + 1n, 0n, NODE_STAKE],
      ["winnerShareBps", 10001n, 0n, 10000n],
    ];
    for (const [which, value, min, max] of bad) {
      it(`refuses ${which} = ${value}, naming it`, async () => {
        const g = await loadFixture(swarmFixture);
        const factory = await ethers.getContractFactory("SwarmReputation");
        await expect(direct(g, swarmParams({ [which]: value })))
          .to.be.revertedWithCustomError(factory, "InvalidParam")
          .withArgs(which, value, min, max);
      });
    }

    it("refuses a prior below N / 8 for 32 slots", async () => {
      const g = await loadFixture(swarmFixture);
      const factory = await ethers.getContractFactory("SwarmReputation");
      await expect(direct(g, swarmParams({ prior: 3n }, 32)))
        .to.be.revertedWithCustomError(factory, "InvalidParam")
        .withArgs("prior", 3n, 4n, 255n);
    });

    it("refuses a zero window and a round longer than MAX_ROUND_DURATION", async () => {
      const g = await loadFixture(swarmFixture);
      const factory = await ethers.getContractFactory("SwarmReputation");
      await expect(direct(g, swarmParams({ judgeRevealWindow: 0n })))
        .to.be.revertedWithCustomError(factory, "InvalidWindow")
        .withArgs("judgeReveal", 0n, 30n * 86400n);
      const day = 86400n;
      // N challenge windows count: a round sees at most N proposals.
      await expect(direct(g, swarmParams({ challengeWindow: 12n * day }, 32)))
        .to.be.revertedWithCustomError(factory, "TaskTooLong")
        .withArgs(ACW * 4n + SW + 32n * 12n * day, 365n * day);
    });
  });

  describe("# nodes", () => {
    it("registers nodes with ids from 1, one per account, locking the node stake", async () => {
      const g = await loadFixture(swarmFixture);
      await expect(as(g.swarm, g.nodes[0]).registerNode("store://n0"))
        .to.emit(g.swarm, "NodeRegistered")
        .withArgs(1n, g.nodes[0].address, NODE_STAKE, "store://n0");
      expect(await g.vault.lockedBy(g.address, g.nodes[0].address)).to.equal(NODE_STAKE);
      expect(await g.swarm.nodeOf(g.nodes[0].address)).to.equal(1n);
      const n = await g.swarm.node(1);
      expect([n.account, n.status, n.stake]).to.deep.equal([g.nodes[0].address, NodeStatus.Registered, NODE_STAKE]);
      await expect(as(g.swarm, g.nodes[0]).registerNode("store://again"))
        .to.be.revertedWithCustomError(g.swarm, "AlreadyRegistered")
        .withArgs(g.nodes[0].address, 1n);
      await expect(as(g.swarm, g.nodes[1]).registerNode("")).to.be.revertedWithCustomError(g.swarm, "InvalidURILength").withArgs(0n, 512n);
    });

    it("admits only through ADMITTER_ROLE, into the lowest free slot, with the initial reputation", async () => {
      const g = await loadFixture(swarmFixture);
      await as(g.swarm, g.nodes[0]).registerNode("store://n0");
      await as(g.swarm, g.nodes[1]).registerNode("store://n1");
      await expect(as(g.swarm, g.stranger).admit(1))
        .to.be.revertedWithCustomError(g.swarm, "AccessControlUnauthorizedAccount")
        .withArgs(g.stranger.address, await g.swarm.ADMITTER_ROLE());
      await expect(as(g.swarm, g.admitter).admit(2)).to.emit(g.swarm, "NodeAdmitted").withArgs(2n, 0n, INITIAL_REP, 0n, INITIAL_REP);
      await as(g.swarm, g.admitter).admit(1);
      expect(await g.swarm.nodeAtSlot(1)).to.equal(1n);
      expect(await g.swarm.reputationOf(1)).to.equal(INITIAL_REP);
      expect(await g.swarm.admittedMask()).to.equal(3n);
      await expect(as(g.swarm, g.admitter).admit(1))
        .to.be.revertedWithCustomError(g.swarm, "InvalidNodeStatus")
        .withArgs(1n, NodeStatus.Admitted);
      await expect(as(g.swarm, g.admitter).admit(9)).to.be.revertedWithCustomError(g.swarm, "UnknownNode").withArgs(9n, 2n);
    });

    it("refuses an admission when every slot is taken", async () => {
      const g = await loadFixture(admittedFixture);
      await as(g.swarm, g.spare).registerNode("store://spare");
      await refused(g, () => as(g.swarm, g.admitter).admit(9), "SwarmFull", [8n]);
    });

    it("refuses an admission while a round is open (the circuit reads the words from storage)", async () => {
      const g = await loadFixture(admittedFixture);
      await as(g.swarm, g.spare).registerNode("store://spare");
      await as(g.swarm, g.nodes[7]).leaveNode(8);
      const round = await openRound(g);
      await refused(g, () => as(g.swarm, g.admitter).admit(9), "RoundInProgress", [round, RoundStatus.Open]);
    });

    it("frees the slot of a leaving node, zeroes its lane and unbonds its stake, still slashable", async () => {
      const g = await loadFixture(admittedFixture);
      await expect(as(g.swarm, g.nodes[0]).leaveNode(3))
        .to.be.revertedWithCustomError(g.swarm, "NotNodeAccount")
        .withArgs(3n, g.nodes[0].address, g.nodes[2].address);
      const tx = as(g.swarm, g.nodes[2]).leaveNode(3);
      await expect(tx)
        .to.emit(g.swarm, "SlotsFreed")
        .withArgs(maskOf([2]));
      expect(await g.swarm.reputationOf(2)).to.equal(0n);
      expect(await g.swarm.nodeAtSlot(2)).to.equal(0n);
      expect(await g.swarm.admittedMask()).to.equal(0xffn & ~4n);
      expect(await g.vault.lockedBy(g.address, g.nodes[2].address)).to.equal(0n);
      const [unlocked] = await g.vault.unlockedBy(g.address, g.nodes[2].address);
      expect(unlocked).to.equal(NODE_STAKE);
      expect((await g.swarm.node(3)).status).to.equal(NodeStatus.Unbonding);
      await time.increase(UNBONDING_DELAY);
      expect((await g.swarm.node(3)).status).to.equal(NodeStatus.Left);
      await expect(as(g.swarm, g.nodes[2]).leaveNode(3))
        .to.be.revertedWithCustomError(g.swarm, "InvalidNodeStatus")
        .withArgs(3n, NodeStatus.Left);
      // The freed slot is the lowest free one: the next admission takes it.
      await as(g.swarm, g.spare).registerNode("store://spare");
      await expect(as(g.swarm, g.admitter).admit(9))
        .to.emit(g.swarm, "NodeAdmitted")
        .withArgs(9n, 2n, INITIAL_REP, 0n, (await words(g))[0] | (INITIAL_REP << 32n));
    });

    it("refuses to let a node that committed in the unresolved round leave", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await openRound(g);
      await at((await info(g, round)).opensAt);
      await as(g.swarm, g.nodes[1]).commitAnswer(
        round,
        commitHash(g.chainId, g.address, KIND_ANSWER, round, 1, answerDigestOf(round, 1), saltFor(0, round, 1)),
      );
      await refused(g, () => as(g.swarm, g.nodes[1]).leaveNode(2), "NodeCommitted", [2n, round]);
    });

    it("keeps the lane of a node leaving during a round until the round resolves", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await openRound(g);
      await expect(as(g.swarm, g.nodes[5]).leaveNode(6))
        .to.emit(g.swarm, "NodeLeft")
        .withArgs(6n, g.nodes[5].address, true, 5n, true, NODE_STAKE, anyValue);
      expect(await g.swarm.reputationOf(5)).to.equal(INITIAL_REP);
      // It no longer takes part.
      await at((await info(g, round)).opensAt);
      await expect(as(g.swarm, g.nodes[5]).commitAnswer(round, b32(1n)))
        .to.be.revertedWithCustomError(g.swarm, "NodeNotAdmitted")
        .withArgs(6n);
      // Nobody judges: the round expires at its judgment reveal deadline, and the slot is freed.
      await at((await info(g, round)).judgeRevealEnd);
      await expect(g.swarm.releaseRound(round))
        .to.emit(g.swarm, "SlotsFreed")
        .withArgs(maskOf([5]));
      expect(await g.swarm.reputationOf(5)).to.equal(0n);
    });
  });

  describe("# rounds: opening", () => {
    it("escrows the reward and seeds the accumulator with the header of the reference", async () => {
      const g = await loadFixture(admittedFixture);
      const before = (await g.token.balanceOf(g.opener.address)) as bigint;
      const header = await roundHeader({ nodes: 8 }, g.context, 1n, PARAMS);
      await expect(as(g.swarm, g.opener).openRound(b32(7n), "store://q", REWARD))
        .to.emit(g.swarm, "RoundOpened")
        .withArgs(1n, g.opener.address, b32(7n), "store://q", REWARD, header, anyValue);
      expect(await g.token.balanceOf(g.opener.address)).to.equal(before - REWARD);
      expect(await g.token.balanceOf(g.address)).to.equal(REWARD);
      const i = await info(g, 1n);
      expect([i.status, i.header, i.acc, i.reward]).to.deep.equal([RoundStatus.Open, header, header, REWARD]);
      expect(i.answerCommitEnd - i.opensAt).to.equal(ACW);
      expect(await g.swarm.roundHeader(1)).to.equal(header);
    });

    it("escrows what arrives of a fee-on-transfer reward, not what was asked", async () => {
      const [admin, opener] = await ethers.getSigners();
      const token = (await (await ethers.getContractFactory("FeeOnTransferToken")).deploy()) as unknown as Contract;
      const spine = await deployFoundation(clientsFor(admin), {
        admin: admin.address as `0x${string}`,
        token: (await token.getAddress()) as `0x${string}`,
        unbondingDelaySeconds: UNBONDING_DELAY,
        adminTransferDelaySeconds: ADMIN_TRANSFER_DELAY,
      });
      const vault = await ethers.getContractAt("StakeVault", spine.stakeVault.address);
      const { swarm } = await deploySwarm({ admin, vault, token } as unknown as Parameters<typeof deploySwarm>[0]);
      await token.mint(opener.address, REWARD);
      await as(token, opener).approve(await swarm.getAddress(), REWARD);
      const received = REWARD - REWARD / 100n;
      await expect(as(swarm, opener).openRound(b32(1n), "store://q", REWARD))
        .to.emit(swarm, "RoundOpened")
        .withArgs(1n, opener.address, b32(1n), "store://q", received, anyValue, anyValue);
      expect((await swarm.roundInfo(1)).reward).to.equal(received);
      expect(await token.balanceOf(await swarm.getAddress())).to.equal(received);
    });

    it("opens one round at a time", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await openRound(g);
      await refused(g, () => as(g.swarm, g.opener).openRound(b32(1n), "store://q", 0n), "RoundInProgress", [round, RoundStatus.Open]);
    });
  });

  describe("# rounds: commits and reveals", () => {
    async function open() {
      const g = await admittedFixture();
      const round = await openRound(g);
      await at((await info(g, round)).opensAt);
      return { g, round };
    }
    const h = (g: Fixture, round: bigint, slot: number, kind = KIND_ANSWER, value?: string) =>
      commitHash(
        g.chainId,
        g.address,
        kind,
        round,
        slot,
        value ?? (kind === KIND_ANSWER ? answerDigestOf(round, slot) : b32(commitmentOf(round, slot))),
        saltFor(kind, round, slot),
      );

    it("records answers: commit, then reveal sets the answered bit", async () => {
      const { g, round } = await loadFixture(open);
      expect(await g.swarm.commitHashOf(0, round, 3, answerDigestOf(round, 3), saltFor(0, round, 3))).to.equal(h(g, round, 3));
      await expect(as(g.swarm, g.nodes[3]).commitAnswer(round, h(g, round, 3)))
        .to.emit(g.swarm, "Committed")
        .withArgs(round, 4n, 3n, 0n, h(g, round, 3));
      await at((await info(g, round)).answerCommitEnd);
      await expect(as(g.swarm, g.nodes[3]).revealAnswer(round, answerDigestOf(round, 3), saltFor(0, round, 3), "store://a"))
        .to.emit(g.swarm, "AnswerRevealed")
        .withArgs(round, 4n, 3n, answerDigestOf(round, 3), "store://a");
      expect((await info(g, round)).answeredMask).to.equal(8n);
    });

    it("refuses a commit from a node that is not admitted", async () => {
      const { g, round } = await loadFixture(open);
      await as(g.swarm, g.spare).registerNode("store://spare");
      await refused(g, () => as(g.swarm, g.spare).commitAnswer(round, h(g, round, 0)), "NodeNotAdmitted", [9n]);
      await refused(g, () => as(g.swarm, g.stranger).commitAnswer(round, h(g, round, 0)), "NotRegistered", [g.stranger.address]);
    });

    it("refuses a late commit", async () => {
      const { g, round } = await loadFixture(open);
      const i = await info(g, round);
      await at(i.answerCommitEnd);
      await refused(g, () => as(g.swarm, g.nodes[0]).commitAnswer(round, h(g, round, 0)), "OutsidePhase", [
        0n,
        round,
        "answer commit",
        i.opensAt,
        i.answerCommitEnd,
        i.answerCommitEnd,
      ]);
      await at(i.judgeCommitEnd);
      await refused(g, () => as(g.swarm, g.nodes[0]).commitJudgment(round, h(g, round, 0, 1)), "OutsidePhase", [
        0n,
        round,
        "judgment commit",
        i.answerRevealEnd,
        i.judgeCommitEnd,
        i.judgeCommitEnd,
      ]);
    });

    it("refuses a commit for another round, a zero hash and a second commit", async () => {
      const { g, round } = await loadFixture(open);
      await refused(g, () => as(g.swarm, g.nodes[0]).commitAnswer(round + 1n, h(g, round, 0)), "WrongRound", [0n, round + 1n, round]);
      await refused(g, () => as(g.swarm, g.nodes[0]).commitAnswer(round, b32(0n)), "InvalidCommitHash");
      await as(g.swarm, g.nodes[0]).commitAnswer(round, h(g, round, 0));
      await refused(g, () => as(g.swarm, g.nodes[0]).commitAnswer(round, h(g, round, 0, 0, b32(5n))), "AlreadyCommitted", [round, 0n, 0n]);
    });

    it("refuses a commitment copied from another node", async () => {
      const { g, round } = await loadFixture(open);
      await as(g.swarm, g.nodes[0]).commitAnswer(round, h(g, round, 0));
      await refused(g, () => as(g.swarm, g.nodes[1]).commitAnswer(round, h(g, round, 0)), "CommitmentCopied", [round, 1n, 0n]);
    });

    it("refuses a reveal that does not match its commitment", async () => {
      const { g, round } = await loadFixture(open);
      await as(g.swarm, g.nodes[0]).commitAnswer(round, h(g, round, 0));
      await at((await info(g, round)).answerCommitEnd);
      const other = answerDigestOf(round, 1);
      const actual = commitHash(g.chainId, g.address, 0, round, 0, other, saltFor(0, round, 0));
      await refused(g, () => as(g.swarm, g.nodes[0]).revealAnswer(round, other, saltFor(0, round, 0), "store://a"), "RevealMismatch", [
        round,
        0n,
        0n,
        h(g, round, 0),
        actual,
      ]);
      await refused(g, () => as(g.swarm, g.nodes[1]).revealAnswer(round, other, saltFor(0, round, 1), "store://a"), "NotCommitted", [
        round,
        1n,
        0n,
      ]);
    });

    it("refuses an early and a late reveal, and a second reveal", async () => {
      const { g, round } = await loadFixture(open);
      const i = await info(g, round);
      await as(g.swarm, g.nodes[0]).commitAnswer(round, h(g, round, 0));
      const reveal = () => as(g.swarm, g.nodes[0]).revealAnswer(round, answerDigestOf(round, 0), saltFor(0, round, 0), "store://a");
      await refused(g, reveal, "OutsidePhase");
      await at(i.answerCommitEnd);
      await reveal();
      await refused(g, reveal, "AlreadyRevealed", [round, 0n, 0n]);
      await at(i.answerRevealEnd);
      await refused(
        g,
        () => as(g.swarm, g.nodes[0]).revealAnswer(round, answerDigestOf(round, 0), saltFor(0, round, 0), "store://a"),
        "OutsidePhase",
        [0n, round, "answer reveal", i.answerCommitEnd, i.answerRevealEnd, i.answerRevealEnd],
      );
    });

    it("chains judgment reveals into acc in reveal order, as the reference does", async () => {
      const { g, round } = await loadFixture(open);
      await judge(g, round, [5, 2, 7]);
      const header = await roundHeader({ nodes: 8 }, g.context, round, PARAMS);
      let acc = header;
      for (const s of [5, 2, 7]) acc = await accStep(acc, s, commitmentOf(round, s));
      const i = await info(g, round);
      expect([i.acc, i.judgedMask]).to.deep.equal([acc, maskOf([2, 5, 7])]);
    });

    it("refuses a judgment commitment that is not a field element, and a late judgment reveal", async () => {
      const { g, round } = await loadFixture(open);
      const i = await info(g, round);
      await at(i.answerRevealEnd);
      await as(g.swarm, g.nodes[0]).commitJudgment(round, h(g, round, 0, 1, b32(SNARK_FIELD)));
      await at(i.judgeCommitEnd);
      await refused(
        g,
        () => as(g.swarm, g.nodes[0]).revealJudgment(round, SNARK_FIELD, saltFor(1, round, 0), "store://j"),
        "InvalidCommitment",
        [SNARK_FIELD],
      );
      await at(i.judgeRevealEnd);
      await refused(g, () => as(g.swarm, g.nodes[0]).revealJudgment(round, 1n, saltFor(1, round, 0), "store://j"), "OutsidePhase");
    });
  });

  describe("# settleRanking", () => {
    it("hashes the reference's outBytes on its stored mask and words, verifies [outHash, acc, settler] and applies the words", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g, { answered: [0, 1, 2, 3, 5, 6, 7] });
      const r = await rankingOf(g, round, { winner: 6, flagged: [4] });
      const old = await words(g);
      const bytes = expectedOutBytes(r, maskOf([0, 1, 2, 3, 5, 6, 7]), old);
      expect(await g.swarm.outBytes(r)).to.equal(bytes);
      const i = await info(g, round);
      const inputs = [BigInt(sha256(bytes)) & OUT_HASH_MASK, i.acc, BigInt(g.settler.address)];
      expect(await g.swarm.publicInputs(r, g.settler.address)).to.deep.equal(inputs);
      // The mock accepts exactly these inputs.
      await g.verifier.pinInputs(inputs);
      const tx = settle(g, r);
      await expect(tx)
        .to.emit(g.swarm, "RankingProposed")
        .withArgs(
          round,
          g.settler.address,
          6n,
          r.includedMask,
          r.agreeMask,
          r.flaggedMask,
          sha256(bytes),
          anyValue,
          false,
          bytes,
          anyValue,
        );
      expect(await words(g)).to.deep.equal(r.newWords);
      const after = await info(g, round);
      expect([after.status, after.settler, after.winner, after.outDigest]).to.deep.equal([
        RoundStatus.Proposed,
        g.settler.address,
        6n,
        sha256(bytes),
      ]);
    });

    it("refuses a proof that does not verify, and another settler's proof", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g);
      const r = await rankingOf(g, round);
      await g.verifier.pinInputs([...(await g.swarm.publicInputs(r, g.settler.address))]);
      await refused(g, () => settle(g, r, g.challenger), "InvalidProof", [round]);
      await g.verifier.unpin();
      await g.verifier.setResult(false);
      await refused(g, () => settle(g, r), "InvalidProof", [round]);
    });

    it("refuses a proof made on stale old words", async () => {
      const g = await loadFixture(admittedFixture);
      // Round 1 changes the words.
      const r1 = await roundToSettlement(g);
      const stale = await words(g);
      await settle(g, await rankingOf(g, r1, { rep: 50000n }));
      await toFinal(g, r1);
      // Round 2, proven on the words before round 1 (what a prover that missed round 1 holds).
      const r2 = await roundToSettlement(g);
      const r = await rankingOf(g, r2, { rep: 41000n });
      const bytes = expectedOutBytes(r, 0xffn, stale);
      await g.verifier.pinInputs([BigInt(sha256(bytes)) & OUT_HASH_MASK, (await info(g, r2)).acc, BigInt(g.settler.address)]);
      await refused(g, () => settle(g, r), "InvalidProof", [r2]);
    });

    it("refuses a second settlement of one round", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g);
      await settle(g, await rankingOf(g, round));
      const again = await rankingOf(g, round, { rep: 1n });
      await refused(g, () => settle(g, again, g.challenger), "RoundAlreadyProposed", [round, g.settler.address, 0xffn]);
      // And once final, the round is closed for good.
      await toFinal(g, round);
      await g.swarm.finalizeRound(round);
      await refused(g, () => settle(g, again, g.challenger), "RoundNotOpen", [round, RoundStatus.Final]);
    });

    it("leaves out a judge whose content is not valid through includedMask (its lane unchanged)", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g);
      const r = await rankingOf(g, round, { included: [0, 1, 2, 4, 5, 6, 7] });
      await settle(g, r);
      expect(await g.swarm.reputationOf(3)).to.equal(INITIAL_REP);
      expect(await g.swarm.reputationOf(4)).to.equal(40000n);
    });

    it("refuses masks that name a judge who did not reveal, or are empty or inconsistent", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g, { judges: [0, 1, 2, 3, 4, 5, 6] });
      const judged = 0x7fn;
      const base = await rankingOf(g, round, { included: [0, 1, 2, 3, 4, 5, 6] });
      const cases: Partial<Ranking>[] = [
        { includedMask: 0xffn, agreeMask: 0n },
        { includedMask: 0n, agreeMask: 0n },
        { agreeMask: 1n, flaggedMask: 1n },
        { agreeMask: 0x80n },
        { flaggedMask: 0x80n, agreeMask: 0n },
      ];
      for (const c of cases) {
        const r = { ...base, ...c };
        await refused(g, () => settle(g, r), "InvalidMasks", [round, r.includedMask, r.agreeMask, r.flaggedMask, judged]);
      }
    });

    it("refuses a winner that did not answer, a winner N when someone answered, and the wrong word count", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g, { answered: [1, 2] });
      const base = await rankingOf(g, round, { winner: 1 });
      for (const winner of [0, 8, 9]) {
        await refused(g, () => settle(g, { ...base, winner }), "InvalidWinner", [round, winner, 6n]);
      }
      await refused(g, () => settle(g, { ...base, newWords: [...base.newWords, 0n] }), "WordCountMismatch", [1n, 2n]);
      await refused(g, () => settle(g, { ...base, round: round + 1n }), "WrongRound", [0n, round + 1n, round]);
    });

    it("refuses a settlement before the judgment reveals end", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await openRound(g);
      await answer(g, round, [0, 1]);
      await judge(g, round, [0, 1]);
      const i = await info(g, round);
      const r = await rankingOf(g, round, { included: [0, 1] });
      const now = i.judgeRevealEnd - 10n;
      await at(now);
      await refused(g, () => settle(g, r), "OutsidePhase", [0n, round, "settlement", i.judgeRevealEnd, i.settlementDeadline, now]);
    });
  });

  describe("# challengeRanking", () => {
    async function proposed() {
      const g = await admittedFixture();
      const round = await roundToSettlement(g);
      const old = await words(g);
      const weak = await rankingOf(g, round, { included: [0, 1, 2], rep: 30000n });
      await settle(g, weak);
      return { g, round, old, weak, replaced: await proposedBytes(g, round) };
    }

    it("replaces a proposal with one including strictly more reveals, on the restored old words", async () => {
      const { g, round, old, replaced } = await loadFixture(proposed);
      expect(await words(g)).to.not.deep.equal(old);
      // The challenger proves on the old words (as the replaced outBytes hold them).
      const strong: Ranking = { ...(await rankingOf(g, round, { included: [0, 1, 2, 3], rep: 45000n })) };
      const lane = (w: bigint[], s: number) => (w[0] >> BigInt(16 * s)) & 0xffffn;
      strong.newWords = [old[0]];
      for (const s of [0, 1, 2, 3]) strong.newWords[0] = (strong.newWords[0] & ~(0xffffn << BigInt(16 * s))) | (45000n << BigInt(16 * s));
      const bytes = expectedOutBytes(strong, 0xffn, old);
      await g.verifier.pinInputs([BigInt(sha256(bytes)) & OUT_HASH_MASK, (await info(g, round)).acc, BigInt(g.challenger.address)]);
      await expect(challenge(g, strong, replaced)).to.emit(g.swarm, "RankingProposed");
      expect(await words(g)).to.deep.equal(strong.newWords);
      expect(lane(await words(g), 4)).to.equal(INITIAL_REP);
      const i = await info(g, round);
      expect([i.settler, i.includedMask]).to.deep.equal([g.challenger.address, 0xfn]);
    });

    it("refuses a challenge proven on the proposal's new words (stale old words)", async () => {
      const { g, round, replaced } = await loadFixture(proposed);
      const strong = await rankingOf(g, round, { included: [0, 1, 2, 3] });
      // What the challenger would get from the current storage: the pending proposal's words.
      await g.verifier.pinInputs([...(await g.swarm.publicInputs(strong, g.challenger.address))]);
      await refused(g, () => challenge(g, strong, replaced), "InvalidProof", [round]);
    });

    it("refuses a challenge with no more reveals than the pending proposal", async () => {
      const { g, round, replaced } = await loadFixture(proposed);
      const same = await rankingOf(g, round, { included: [3, 4, 5] });
      await refused(g, () => challenge(g, same, replaced), "ChallengeNotStronger", [round, 3n, 3n]);
    });

    it("refuses a challenge posting other replaced bytes", async () => {
      const { g, round, replaced } = await loadFixture(proposed);
      const strong = await rankingOf(g, round, { included: [0, 1, 2, 3] });
      const forged = replaced.slice(0, -2) + "00";
      await refused(g, () => challenge(g, strong, forged), "ReplacedOutputMismatch", [round, sha256(replaced), sha256(forged)]);
    });

    it("refuses a challenge once the challenge window is over (the proposal is final)", async () => {
      const { g, round, replaced } = await loadFixture(proposed);
      await toFinal(g, round);
      const strong = await rankingOf(g, round, { included: [0, 1, 2, 3] });
      await expect(challenge(g, strong, replaced))
        .to.be.revertedWithCustomError(g.swarm, "NoPendingProposal")
        .withArgs(round);
    });
  });

  describe("# finality and rewards", () => {
    it("pays the winner its share plus the dust and the agreeing judges equal parts, and claims pay exactly that", async () => {
      const g = await loadFixture(admittedFixture);
      const reward = 1009n; // leaves dust: 40% is 403.6, 606 / 5 leaves 1
      const round = await roundToSettlement(g, { reward });
      await settle(g, await rankingOf(g, round, { winner: 2, agree: [0, 1, 3, 4, 5], flagged: [6, 7] }));
      await toFinal(g, round);
      const judgeShare = (reward - (reward * WINNER_BPS) / 10000n) / 5n;
      const winnerShare = reward - 5n * judgeShare;
      await expect(g.swarm.finalizeRound(round))
        .to.emit(g.swarm, "RoundFinalized")
        .withArgs(round, g.settler.address, 2n, (await info(g, round)).outDigest, winnerShare, judgeShare, 0n, 1n);
      expect(await g.swarm.pendingRewards(g.nodes[2].address)).to.equal(winnerShare);
      for (const s of [0, 1, 3, 4, 5]) expect(await g.swarm.pendingRewards(g.nodes[s].address)).to.equal(judgeShare);
      for (const s of [6, 7]) expect(await g.swarm.pendingRewards(g.nodes[s].address)).to.equal(0n);
      const before = (await g.token.balanceOf(g.nodes[2].address)) as bigint;
      await expect(as(g.swarm, g.nodes[2]).claimRewards()).to.emit(g.swarm, "RewardsClaimed").withArgs(g.nodes[2].address, winnerShare);
      expect(await g.token.balanceOf(g.nodes[2].address)).to.equal(before + winnerShare);
      await expect(as(g.swarm, g.nodes[2]).claimRewards())
        .to.be.revertedWithCustomError(g.swarm, "NothingToClaim")
        .withArgs(g.nodes[2].address);
      for (const s of [0, 1, 3, 4, 5]) await as(g.swarm, g.nodes[s]).claimRewards();
      expect(await g.token.balanceOf(g.address)).to.equal(0n);
      expect((await info(g, round)).status).to.equal(RoundStatus.Final);
    });

    it("gives everything to the winner when no judge agreed", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g);
      await settle(g, await rankingOf(g, round, { winner: 4, agree: [], flagged: [0] }));
      await toFinal(g, round);
      await g.swarm.finalizeRound(round);
      expect(await g.swarm.pendingRewards(g.nodes[4].address)).to.equal(REWARD);
    });

    it("refunds the opener when nobody answered", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g, { answered: [] });
      await settle(g, await rankingOf(g, round, { winner: 8 }));
      await toFinal(g, round);
      await expect(g.swarm.finalizeRound(round)).to.emit(g.swarm, "RewardCredited").withArgs(g.opener.address, round, REWARD);
      expect(await g.swarm.pendingRewards(g.opener.address)).to.equal(REWARD);
    });

    it("finalizes lazily at the next call, and refuses finalizeRound before the window ends", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g);
      await settle(g, await rankingOf(g, round, { winner: 1 }));
      const i = await info(g, round);
      const now = i.finalAt - 5n;
      await at(now);
      await refused(g, () => g.swarm.finalizeRound(round), "RoundNotResolvable", [round, RoundStatus.Proposed, i.finalAt, now]);
      await time.increaseTo(i.finalAt);
      expect((await info(g, round)).status).to.equal(RoundStatus.Final);
      await expect(openRound(g)).to.not.be.reverted;
      expect(await g.swarm.currentRound()).to.equal(round + 1n);
      expect(await g.swarm.pendingRewards(g.nodes[1].address)).to.be.greaterThan(0n);
    });
  });

  describe("# expiry", () => {
    it("expires a round nobody settles and refunds the opener, with nothing stuck", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await roundToSettlement(g);
      const before = await words(g);
      const i = await info(g, round);
      const now = i.judgeRevealEnd + 5n;
      await at(now);
      await refused(g, () => g.swarm.releaseRound(round), "RoundNotResolvable", [round, RoundStatus.Open, i.settlementDeadline, now]);
      await at(i.settlementDeadline);
      await expect(g.swarm.releaseRound(round)).to.emit(g.swarm, "RoundExpired").withArgs(round, g.opener.address, REWARD);
      expect(await words(g)).to.deep.equal(before);
      expect((await info(g, round)).status).to.equal(RoundStatus.Expired);
      await refused(g, async () => settle(g, await rankingOf(g, round)), "RoundNotOpen", [round, RoundStatus.Expired]);
      // The next round opens; the opener pulls its refund; the contract holds only the new escrow.
      await openRound(g, 5n);
      await as(g.swarm, g.opener).claimRewards();
      expect(await g.token.balanceOf(g.address)).to.equal(5n);
    });

    it("expires a round with no judgment reveal at its judgment reveal deadline, lazily at the next openRound", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await openRound(g);
      await answer(g, round, [0, 1]);
      await time.increaseTo((await info(g, round)).judgeRevealEnd);
      expect((await info(g, round)).status).to.equal(RoundStatus.Expired);
      await expect(as(g.swarm, g.opener).openRound(b32(2n), "store://q2", 0n))
        .to.emit(g.swarm, "RoundExpired")
        .withArgs(round, g.opener.address, REWARD);
      expect(await g.swarm.pendingRewards(g.opener.address)).to.equal(REWARD);
    });
  });

  describe("# penalties", () => {
    it("takes the no-show penalty once per round, slot and kind, after that kind's reveal deadline", async () => {
      const g = await loadFixture(admittedFixture);
      const round = await openRound(g);
      const i = await info(g, round);
      await at(i.opensAt);
      const hA = commitHash(g.chainId, g.address, KIND_ANSWER, round, 2, answerDigestOf(round, 2), saltFor(0, round, 2));
      await as(g.swarm, g.nodes[2]).commitAnswer(round, hA);
      await refused(g, () => g.swarm.penalizeNoShow(round, 2), "NoShowNotFound", [round, 2n]);
      await at(i.answerRevealEnd);
      const hJ = commitHash(g.chainId, g.address, KIND_JUDGMENT, round, 2, b32(9n), saltFor(1, round, 2));
      await as(g.swarm, g.nodes[2]).commitJudgment(round, hJ);
      await expect(as(g.swarm, g.stranger).penalizeNoShow(round, 2))
        .to.emit(g.swarm, "NodeSlashed")
        .withArgs(3n, round, g.nodes[2].address, 1n, offenceId(SCOPE_NO_SHOW_ANSWER, round, 3n), NO_SHOW);
      await refused(g, () => g.swarm.penalizeNoShow(round, 2), "NoShowNotFound", [round, 2n]);
      await at(i.judgeRevealEnd);
      await expect(g.swarm.penalizeNoShow(round, 2))
        .to.emit(g.swarm, "NodeSlashed")
        .withArgs(3n, round, g.nodes[2].address, 2n, offenceId(SCOPE_NO_SHOW_JUDGMENT, round, 3n), NO_SHOW);
      await refused(g, () => g.swarm.penalizeNoShow(round, 2), "NoShowNotFound", [round, 2n]);
      expect((await g.swarm.node(3)).stake).to.equal(NODE_STAKE - 2n * NO_SHOW);
      expect(await g.vault.isOffenceSlashed(g.address, offenceId(SCOPE_NO_SHOW_ANSWER, round, 3n))).to.equal(true);
      // A slot that never committed is never a no-show.
      await refused(g, () => g.swarm.penalizeNoShow(round, 0), "NoShowNotFound", [round, 0n]);
    });

    it("slashes a node flagged in strikeLimit of the last strikeWindow final rounds, once per offence", async () => {
      const g = await loadFixture(admittedFixture);
      const flaggedRound = async (flag: boolean) => {
        const round = await roundToSettlement(g);
        await settle(g, await rankingOf(g, round, { winner: 0, flagged: flag ? [5] : [] }));
        await toFinal(g, round);
        return round;
      };
      const r1 = await flaggedRound(true);
      await expect(g.swarm.finalizeRound(r1)).to.emit(g.swarm, "NodeFlagged").withArgs(6n, r1, 1n);
      expect((await g.swarm.node(6)).strikes).to.equal(1n);
      const r2 = await flaggedRound(true);
      const tx = g.swarm.finalizeRound(r2);
      await expect(tx).to.emit(g.swarm, "NodeFlagged").withArgs(6n, r2, 2n);
      await expect(tx)
        .to.emit(g.swarm, "NodeSlashed")
        .withArgs(6n, r2, g.nodes[5].address, 0n, offenceId(SCOPE_STRIKES, r2, 6n), STRIKE_SLASH);
      const n = await g.swarm.node(6);
      expect([n.stake, n.strikes]).to.deep.equal([NODE_STAKE - STRIKE_SLASH, 0n]);
      // The strikes were cleared by the slash: one more flag is one strike, no second slash.
      const r3 = await flaggedRound(true);
      await expect(g.swarm.finalizeRound(r3)).to.emit(g.swarm, "NodeFlagged").withArgs(6n, r3, 1n);
      expect((await g.swarm.node(6)).stake).to.equal(NODE_STAKE - STRIKE_SLASH);
      // Flags older than the window do not count.
      await flaggedRound(false);
      await flaggedRound(false);
      const r6 = await flaggedRound(true);
      await expect(g.swarm.finalizeRound(r6)).to.emit(g.swarm, "NodeFlagged").withArgs(6n, r6, 1n);
    });
  });

  describe("# phase deadlines (the PhaseClock guarantees, per phase)", () => {
    type Case = { opensAt: bigint; closesAt: bigint; act: () => Promise<unknown>; round: bigint; g: Fixture };
    const h0 = (g: Fixture, round: bigint, kind: number, value: string) =>
      commitHash(g.chainId, g.address, kind, round, 0, value, saltFor(kind, round, 0));
    /** A fresh round at phase `name`'s opening (prerequisites done by slot 0), and slot 0's call of that phase. */
    async function phase(name: string): Promise<Case> {
      const g = await loadFixture(admittedFixture);
      const round = await openRound(g);
      const i = await info(g, round);
      const digest = answerDigestOf(round, 0);
      const c = commitmentOf(round, 0);
      const node = as(g.swarm, g.nodes[0]);
      if (name === "answer commit")
        return { g, round, opensAt: i.opensAt, closesAt: i.answerCommitEnd, act: () => node.commitAnswer(round, h0(g, round, 0, digest)) };
      await node.commitAnswer(round, h0(g, round, 0, digest));
      if (name === "answer reveal")
        return {
          g,
          round,
          opensAt: i.answerCommitEnd,
          closesAt: i.answerRevealEnd,
          act: () => node.revealAnswer(round, digest, saltFor(0, round, 0), "store://a"),
        };
      if (name === "judgment commit")
        return {
          g,
          round,
          opensAt: i.answerRevealEnd,
          closesAt: i.judgeCommitEnd,
          act: () => node.commitJudgment(round, h0(g, round, 1, b32(c))),
        };
      await at(i.answerRevealEnd);
      await node.commitJudgment(round, h0(g, round, 1, b32(c)));
      if (name === "judgment reveal")
        return {
          g,
          round,
          opensAt: i.judgeCommitEnd,
          closesAt: i.judgeRevealEnd,
          act: () => node.revealJudgment(round, c, saltFor(1, round, 0), "store://j"),
        };
      await at(i.judgeCommitEnd);
      await node.revealJudgment(round, c, saltFor(1, round, 0), "store://j");
      // Slot 0 committed an answer but never revealed it: nobody answered, the winner is N.
      const r = await rankingOf(g, round, { included: [0], winner: 8 });
      return { g, round, opensAt: i.judgeRevealEnd, closesAt: i.settlementDeadline, act: () => settle(g, r) };
    }
    for (const name of ["answer commit", "answer reveal", "judgment commit", "judgment reveal", "settlement"]) {
      it(`accepts the ${name} call in the first and the last second of its phase and refuses it one second before and at its deadline`, async () => {
        let p = await phase(name);
        if (name !== "answer commit") {
          await at(p.opensAt - 1n);
          await expect(p.act())
            .to.be.revertedWithCustomError(p.g.swarm, "OutsidePhase")
            .withArgs(0n, p.round, name, p.opensAt, p.closesAt, p.opensAt - 1n);
        }
        await at(p.opensAt);
        await expect(p.act()).to.not.be.reverted;
        p = await phase(name);
        await at(p.closesAt - 1n);
        await expect(p.act()).to.not.be.reverted;
        p = await phase(name);
        await at(p.closesAt);
        // At the settlement deadline the round expires: it is no longer open.
        if (name === "settlement")
          await expect(p.act()).to.be.revertedWithCustomError(p.g.swarm, "RoundNotOpen").withArgs(p.round, RoundStatus.Expired);
        else
          await expect(p.act())
            .to.be.revertedWithCustomError(p.g.swarm, "OutsidePhase")
            .withArgs(0n, p.round, name, p.opensAt, p.closesAt, p.closesAt);
      });
    }
  });

  describe("# reentrancy", () => {
    it("refuses a token that calls back into the swarm while rewards move", async () => {
      const [admin] = await ethers.getSigners();
      const token = (await (await ethers.getContractFactory("ReentrantToken")).deploy()) as unknown as Contract;
      const spine = await deployFoundation(clientsFor(admin), {
        admin: admin.address as `0x${string}`,
        token: (await token.getAddress()) as `0x${string}`,
        unbondingDelaySeconds: UNBONDING_DELAY,
        adminTransferDelaySeconds: ADMIN_TRANSFER_DELAY,
      });
      const vault = await ethers.getContractAt("StakeVault", spine.stakeVault.address);
      const f = { admin, vault, token } as unknown as Parameters<typeof deploySwarm>[0];
      const { swarm } = await deploySwarm(f);
      const opener = (await ethers.getSigners())[9];
      await token.mint(opener.address, REWARD);
      await as(token, opener).approve(await swarm.getAddress(), REWARD);
      await token.arm(await swarm.getAddress(), swarm.interface.encodeFunctionData("openRound", [b32(1n), "store://q", 0n]));
      await expect(as(swarm, opener).openRound(b32(1n), "store://q", REWARD)).to.be.revertedWithCustomError(
        swarm,
        "ReentrancyGuardReentrantCall",
      );
      expect(await swarm.currentRound()).to.equal(0n);
      // The revert kept the token armed: disarm it.
      await token.arm(ethers.ZeroAddress, "0x");
      // And the claim: a refund credited, then a reentrant claim inside its transfer.
      await as(swarm, opener).openRound(b32(1n), "store://q", REWARD);
      await time.increase(ACW * 3n + JRW);
      await swarm.releaseRound(1);
      await token.arm(await swarm.getAddress(), swarm.interface.encodeFunctionData("claimRewards"));
      await expect(as(swarm, opener).claimRewards()).to.be.revertedWithCustomError(swarm, "ReentrancyGuardReentrantCall");
      expect(await swarm.pendingRewards(opener.address)).to.equal(REWARD);
      await token.arm(ethers.ZeroAddress, "0x");
      await as(swarm, opener).claimRewards();
      expect(await token.balanceOf(opener.address)).to.equal(REWARD);
    });
  });
});
