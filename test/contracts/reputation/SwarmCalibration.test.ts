import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, hexlify, keccak256 } from "ethers";
import { INITIAL_REP, NODE_STAKE, as, at, openRound, swarmFixture, type Fixture } from "../../helpers/reputationFixtures";

// The proof of capability: a committed answer key, node answers committed bound to the node and
// revealed before the key, a score computed on chain against the pass mark, admission into the swarm.

const CW = 600n;
const RW = 600n;
const KW = 600n;
/** 10 questions, the key 0..9; a pass mark of 7. */
const KEY = hexlify(Uint8Array.from({ length: 10 }, (_, i) => i));
const KEY_SALT = keccak256("0x6b6579");
const PASS = 7;

function keyCommitment(chainId: bigint, calibration: string, setId: bigint, answers: string, salt: string): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(["uint256", "address", "uint32", "bytes", "bytes32"], [chainId, calibration, setId, answers, salt]),
  );
}

function nodeHash(chainId: bigint, calibration: string, setId: bigint, nodeId: bigint, answers: string, salt: string): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint32", "uint32", "bytes", "bytes32"],
      [chainId, calibration, setId, nodeId, answers, salt],
    ),
  );
}

/** The key with the first `wrong` answers changed. */
function answersWith(wrong: number): string {
  return hexlify(Uint8Array.from({ length: 10 }, (_, i) => (i < wrong ? 200 : i)));
}

const saltOf = (nodeId: bigint) => keccak256(AbiCoder.defaultAbiCoder().encode(["string", "uint32"], ["calibration", nodeId]));

async function calibrationFixture() {
  const g = await swarmFixture();
  const calibrator = g.stranger;
  await as(g.calibration, g.admin).grantRole(await g.calibration.CALIBRATOR_ROLE(), calibrator.address);
  for (const [i, n] of g.nodes.entries()) await as(g.swarm, n).registerNode(`store://node-${i}`);
  const cal = await g.calibration.getAddress();
  return { ...g, calibrator, cal };
}
type Cal = Fixture & { calibrator: Fixture["stranger"]; cal: string };

/** Opens set `setId` (the next one) with the key. */
async function openSet(c: Cal): Promise<bigint> {
  const setId = ((await c.calibration.setCount()) as bigint) + 1n;
  await as(c.calibration, c.calibrator).openCalibration(
    keyCommitment(c.chainId, c.cal, setId, KEY, KEY_SALT),
    10,
    PASS,
    "store://questions",
    CW,
    RW,
    KW,
  );
  return setId;
}

/** Node slot `k` (id k + 1) commits and reveals `answers` in `setId`. */
async function take(c: Cal, setId: bigint, k: number, answers: string): Promise<void> {
  const id = BigInt(k + 1);
  const s = await c.calibration.calibrationSet(setId);
  await at(s.openedAt);
  await as(c.calibration, c.nodes[k]).commitCalibration(setId, nodeHash(c.chainId, c.cal, setId, id, answers, saltOf(id)));
  await at(s.commitEnd);
  await as(c.calibration, c.nodes[k]).revealCalibration(setId, answers, saltOf(id));
}

async function revealKey(c: Cal, setId: bigint): Promise<void> {
  await at((await c.calibration.calibrationSet(setId)).revealEnd);
  await as(c.calibration, c.calibrator).revealKey(setId, KEY, KEY_SALT);
}

describe("SwarmCalibration", () => {
  describe("# openCalibration", () => {
    it("opens sets for the calibrator only, with windows back to back", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      const commitment = keyCommitment(c.chainId, c.cal, 1n, KEY, KEY_SALT);
      expect(await c.calibration.keyCommitmentOf(1, KEY, KEY_SALT)).to.equal(commitment);
      await expect(as(c.calibration, c.nodes[0]).openCalibration(commitment, 10, PASS, "store://q", CW, RW, KW))
        .to.be.revertedWithCustomError(c.calibration, "AccessControlUnauthorizedAccount")
        .withArgs(c.nodes[0].address, await c.calibration.CALIBRATOR_ROLE());
      const t = BigInt(await time.latest()) + 1n;
      await at(t);
      await expect(as(c.calibration, c.calibrator).openCalibration(commitment, 10, PASS, "store://q", CW, RW, KW))
        .to.emit(c.calibration, "CalibrationOpened")
        .withArgs(1n, commitment, 10n, BigInt(PASS), "store://q", t + CW, t + CW + RW, t + CW + RW + KW);
      const s = await c.calibration.calibrationSet(1);
      expect([s.status, s.questions, s.passMark, s.keyEnd]).to.deep.equal([1n, 10n, BigInt(PASS), t + CW + RW + KW]);
    });

    it("refuses an empty set, more than 64 questions and a pass mark outside 1..questions", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      for (const [q, p] of [
        [0, 0],
        [65, 10],
        [10, 0],
        [10, 11],
      ]) {
        await expect(as(c.calibration, c.calibrator).openCalibration(keccak256("0x01"), q, p, "store://q", CW, RW, KW))
          .to.be.revertedWithCustomError(c.calibration, "InvalidSet")
          .withArgs(q, p);
      }
      await expect(as(c.calibration, c.calibrator).openCalibration(keccak256("0x01"), 10, PASS, "store://q", CW, 0, KW))
        .to.be.revertedWithCustomError(c.calibration, "InvalidCalibrationWindow")
        .withArgs("reveal", 0n, 30n * 86400n);
      expect(await c.calibration.setCount()).to.equal(0n);
    });
  });

  describe("# commit and reveal", () => {
    it("refuses a commit from an account with no node in the swarm (a Sybil must stake for each identity)", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      const setId = await openSet(c);
      await expect(as(c.calibration, c.settler).commitCalibration(setId, keccak256("0x02")))
        .to.be.revertedWithCustomError(c.calibration, "NotSwarmNode")
        .withArgs(c.settler.address);
      // And registering needs free stake in the vault.
      await expect(as(c.swarm, c.settler).registerNode("store://sybil")).to.be.revertedWithCustomError(c.vault, "InsufficientFreeStake");
    });

    it("refuses a commitment copied from another node, and a second commit", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      const setId = await openSet(c);
      const h = nodeHash(c.chainId, c.cal, setId, 1n, KEY, saltOf(1n));
      expect(await c.calibration.calibrationHashOf(setId, 1, KEY, saltOf(1n))).to.equal(h);
      await as(c.calibration, c.nodes[0]).commitCalibration(setId, h);
      await expect(as(c.calibration, c.nodes[1]).commitCalibration(setId, h))
        .to.be.revertedWithCustomError(c.calibration, "CommitmentCopied")
        .withArgs(setId, 2n, 1n);
      await expect(as(c.calibration, c.nodes[0]).commitCalibration(setId, keccak256("0x03")))
        .to.be.revertedWithCustomError(c.calibration, "AlreadyCommitted")
        .withArgs(setId, 1n);
    });

    it("refuses a late commit and a reveal that does not match its commitment", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      const setId = await openSet(c);
      const s = await c.calibration.calibrationSet(setId);
      await as(c.calibration, c.nodes[0]).commitCalibration(setId, nodeHash(c.chainId, c.cal, setId, 1n, KEY, saltOf(1n)));
      await at(s.commitEnd);
      await expect(as(c.calibration, c.nodes[1]).commitCalibration(setId, keccak256("0x04")))
        .to.be.revertedWithCustomError(c.calibration, "OutsideSetPhase")
        .withArgs(setId, "commit", s.openedAt, s.commitEnd, s.commitEnd);
      const other = answersWith(1);
      await expect(as(c.calibration, c.nodes[0]).revealCalibration(setId, other, saltOf(1n)))
        .to.be.revertedWithCustomError(c.calibration, "RevealMismatch")
        .withArgs(setId, nodeHash(c.chainId, c.cal, setId, 1n, KEY, saltOf(1n)), nodeHash(c.chainId, c.cal, setId, 1n, other, saltOf(1n)));
      await expect(as(c.calibration, c.nodes[0]).revealCalibration(setId, "0x0102", saltOf(1n)))
        .to.be.revertedWithCustomError(c.calibration, "AnswerLengthMismatch")
        .withArgs(setId, 10n, 2n);
      await expect(as(c.calibration, c.nodes[1]).revealCalibration(setId, KEY, saltOf(2n)))
        .to.be.revertedWithCustomError(c.calibration, "NotCommitted")
        .withArgs(setId, 2n);
      expect((await c.calibration.scoreOf(setId, 1)).revealed).to.equal(false);
    });
  });

  describe("# revealKey and claimAdmission", () => {
    it("admits a node scoring at least the pass mark into the swarm, once", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      const setId = await openSet(c);
      await take(c, setId, 0, answersWith(3)); // 7 of 10: passes
      await expect(as(c.calibration, c.nodes[0]).claimAdmission(setId))
        .to.be.revertedWithCustomError(c.calibration, "InvalidSetStatus")
        .withArgs(setId, 1n);
      await revealKey(c, setId);
      expect(await c.calibration.scoreOf(setId, 1)).to.deep.equal([7n, true, false]);
      await expect(as(c.calibration, c.nodes[0]).claimAdmission(setId))
        .to.emit(c.calibration, "AdmissionClaimed")
        .withArgs(setId, 1n, 7n, 0n)
        .and.to.emit(c.swarm, "NodeAdmitted")
        .withArgs(1n, 0n, INITIAL_REP, 0n, INITIAL_REP);
      expect(await c.swarm.nodeAtSlot(0)).to.equal(1n);
      await expect(as(c.calibration, c.nodes[0]).claimAdmission(setId))
        .to.be.revertedWithCustomError(c.calibration, "AlreadyClaimed")
        .withArgs(setId, 1n);
    });

    it("refuses a node below the pass mark, and a node that did not reveal", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      const setId = await openSet(c);
      await take(c, setId, 1, answersWith(4)); // 6 of 10
      await revealKey(c, setId);
      await expect(as(c.calibration, c.nodes[1]).claimAdmission(setId))
        .to.be.revertedWithCustomError(c.calibration, "BelowPassMark")
        .withArgs(setId, 2n, 6n, BigInt(PASS));
      await expect(as(c.calibration, c.nodes[2]).claimAdmission(setId))
        .to.be.revertedWithCustomError(c.calibration, "NotRevealed")
        .withArgs(setId, 3n);
      expect(await c.swarm.admittedMask()).to.equal(0n);
    });

    it("refuses a key that is not the committed one, and a key revealed before the nodes' reveals close", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      const setId = await openSet(c);
      const s = await c.calibration.calibrationSet(setId);
      await at(s.commitEnd);
      await expect(as(c.calibration, c.calibrator).revealKey(setId, KEY, KEY_SALT))
        .to.be.revertedWithCustomError(c.calibration, "OutsideSetPhase")
        .withArgs(setId, "key", s.revealEnd, s.keyEnd, s.commitEnd);
      await at(s.revealEnd);
      const wrong = answersWith(1);
      await expect(as(c.calibration, c.calibrator).revealKey(setId, wrong, KEY_SALT))
        .to.be.revertedWithCustomError(c.calibration, "RevealMismatch")
        .withArgs(setId, s.keyCommitment, keyCommitment(c.chainId, c.cal, setId, wrong, KEY_SALT));
      await expect(as(c.calibration, c.nodes[0]).revealKey(setId, KEY, KEY_SALT)).to.be.revertedWithCustomError(
        c.calibration,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("voids a set whose key is never revealed; its nodes pass in another set", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      const setId = await openSet(c);
      await take(c, setId, 0, KEY);
      const s = await c.calibration.calibrationSet(setId);
      await expect(c.calibration.voidCalibration(setId))
        .to.be.revertedWithCustomError(c.calibration, "InvalidSetStatus")
        .withArgs(setId, 1n);
      await at(s.keyEnd);
      await expect(as(c.calibration, c.calibrator).revealKey(setId, KEY, KEY_SALT)).to.be.revertedWithCustomError(
        c.calibration,
        "OutsideSetPhase",
      );
      await expect(c.calibration.voidCalibration(setId)).to.emit(c.calibration, "CalibrationVoided").withArgs(setId);
      expect((await c.calibration.calibrationSet(setId)).status).to.equal(3n);
      await expect(as(c.calibration, c.nodes[0]).claimAdmission(setId))
        .to.be.revertedWithCustomError(c.calibration, "InvalidSetStatus")
        .withArgs(setId, 3n);
      const next = await openSet(c);
      await take(c, next, 0, KEY);
      await revealKey(c, next);
      await expect(as(c.calibration, c.nodes[0]).claimAdmission(next)).to.emit(c.swarm, "NodeAdmitted");
    });

    it("lets a passing node retry its claim once the swarm's round is over", async () => {
      const c = (await loadFixture(calibrationFixture)) as unknown as Cal;
      const setId = await openSet(c);
      await take(c, setId, 0, KEY);
      await revealKey(c, setId);
      const round = await openRound(c, 0n);
      await expect(as(c.calibration, c.nodes[0]).claimAdmission(setId))
        .to.be.revertedWithCustomError(c.swarm, "RoundInProgress")
        .withArgs(round, 1n);
      await time.increaseTo((await c.swarm.roundInfo(round)).judgeRevealEnd);
      await expect(as(c.calibration, c.nodes[0]).claimAdmission(setId)).to.emit(c.swarm, "NodeAdmitted");
      expect((await c.swarm.node(1)).stake).to.equal(NODE_STAKE);
    });
  });
});
