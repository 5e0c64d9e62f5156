import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SNARK_FIELD, proofContext } from "../../oracle/core/field";
import { proveRoundTrip, type RoundTripClaim } from "../../oracle/examples/roundtrip";
import type { SolidityProof } from "../../oracle/core/prover";
import { roundTripFixture } from "../helpers/fixtures";
import { shouldBehaveLikeGroth16Settlement } from "../behaviors/Groth16Settlement.behavior";

// BN254 base field modulus q (curve coordinates).
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const VALUES = [0.5, -1.25, 3, 0, 2.75, -0.125, 7, -4];

type Fixture = Awaited<ReturnType<typeof roundTripFixture>>;

async function claimFor(contract: Fixture["settlement"], round: bigint, chainId?: bigint): Promise<RoundTripClaim> {
  const id = chainId ?? (await hre.ethers.provider.getNetwork()).chainId;
  return proveRoundTrip(proofContext(id, await contract.getAddress()), round, VALUES);
}

const asArgs = (p: SolidityProof) => ({ a: p.a, b: p.b, c: p.c });

describe("RoundTripSettlement (Groth16Settlement)", () => {
  describe("# settle", () => {
    it("verifies a proof made in TypeScript and records the results", async () => {
      const { settlement, settler } = await loadFixture(roundTripFixture);
      await settlement.openRound();
      const claim = await claimFor(settlement, 1n);
      expect(claim.publicSignals).to.deep.equal(await settlement.publicInputs(1, claim.commitment, claim.sum));
      await expect((settlement.connect(settler) as typeof settlement).settle(1, claim.commitment, claim.sum, asArgs(claim.proof)))
        .to.emit(settlement, "RoundSettled")
        .withArgs(1, claim.commitment, claim.sum, settler.address);
      const r = await settlement.roundResult(1);
      expect([r.opened, r.settled, r.commitment, r.sum, r.settledBy]).to.deep.equal([
        true,
        true,
        claim.commitment,
        claim.sum,
        settler.address,
      ]);
      expect(claim.sum).to.equal(BigInt(Math.round(VALUES.reduce((a, b) => a + b) * 65536)));
    });

    it("reverts if the round was never opened", async () => {
      const { settlement } = await loadFixture(roundTripFixture);
      const claim = await claimFor(settlement, 1n);
      await expect(settlement.settle(1, claim.commitment, claim.sum, asArgs(claim.proof)))
        .to.be.revertedWithCustomError(settlement, "RoundNotOpened")
        .withArgs(1);
    });

    it("reverts a second settlement of the same round, even with a malleated proof", async () => {
      const { settlement } = await loadFixture(roundTripFixture);
      await settlement.openRound();
      const claim = await claimFor(settlement, 1n);
      // (-A, -B, C) is another valid proof of the same statement: replay keys cannot be proof bytes.
      const p = claim.proof;
      const malleated = { a: [p.a[0], Q - p.a[1]], b: [p.b[0], [Q - p.b[1][0], Q - p.b[1][1]]], c: p.c };
      await settlement.publicInputs(1, claim.commitment, claim.sum);
      await settlement.settle(1, claim.commitment, claim.sum, asArgs(p));
      await expect(settlement.settle(1, claim.commitment, claim.sum, malleated))
        .to.be.revertedWithCustomError(settlement, "RoundAlreadySettled")
        .withArgs(1);
    });

    it("accepts the malleated proof in a fresh deployment (showing it is valid)", async () => {
      const { settlement } = await loadFixture(roundTripFixture);
      await settlement.openRound();
      const claim = await claimFor(settlement, 1n);
      const p = claim.proof;
      const malleated = { a: [p.a[0], Q - p.a[1]], b: [p.b[0], [Q - p.b[1][0], Q - p.b[1][1]]], c: p.c };
      await expect(settlement.settle(1, claim.commitment, claim.sum, malleated)).to.emit(settlement, "RoundSettled");
    });

    it("reverts if the proof was made for another round, and changes nothing", async () => {
      const { settlement } = await loadFixture(roundTripFixture);
      await settlement.openRound();
      await settlement.openRound();
      const claim = await claimFor(settlement, 1n);
      await expect(settlement.settle(2, claim.commitment, claim.sum, asArgs(claim.proof)))
        .to.be.revertedWithCustomError(settlement, "InvalidProof")
        .withArgs(2);
      expect((await settlement.roundResult(2)).settled).to.equal(false);
    });

    it("reverts if the proof was made for another contract", async () => {
      const { settlement, other } = await loadFixture(roundTripFixture);
      await settlement.openRound();
      await other.openRound();
      const claim = await claimFor(settlement, 1n);
      await expect(other.settle(1, claim.commitment, claim.sum, asArgs(claim.proof)))
        .to.be.revertedWithCustomError(other, "InvalidProof")
        .withArgs(1);
      expect((await other.roundResult(1)).settled).to.equal(false);
    });

    it("reverts if the proof was made for another chain", async () => {
      const { settlement } = await loadFixture(roundTripFixture);
      await settlement.openRound();
      const claim = await claimFor(settlement, 1n, 1n);
      await expect(settlement.settle(1, claim.commitment, claim.sum, asArgs(claim.proof)))
        .to.be.revertedWithCustomError(settlement, "InvalidProof")
        .withArgs(1);
    });

    it("reverts if any posted value differs from the proven one", async () => {
      const { settlement } = await loadFixture(roundTripFixture);
      await settlement.openRound();
      const claim = await claimFor(settlement, 1n);
      for (const [commitment, sum] of [
        [claim.commitment + 1n, claim.sum],
        [claim.commitment, claim.sum + 1n],
        [claim.commitment, -claim.sum],
      ]) {
        await expect(settlement.settle(1, commitment, sum, asArgs(claim.proof)))
          .to.be.revertedWithCustomError(settlement, "InvalidProof")
          .withArgs(1);
      }
    });

    it("reverts on a public value >= the field modulus, even one equal to the proven value mod r", async () => {
      const { settlement } = await loadFixture(roundTripFixture);
      await settlement.openRound();
      const claim = await claimFor(settlement, 1n);
      for (const v of [SNARK_FIELD, claim.commitment + SNARK_FIELD]) {
        await expect(settlement.settle(1, v, claim.sum, asArgs(claim.proof)))
          .to.be.revertedWithCustomError(settlement, "PublicInputNotInField")
          .withArgs(2, v);
      }
      const huge = (SNARK_FIELD - 1n) / 2n + 1n;
      await expect(settlement.settle(1, claim.commitment, huge, asArgs(claim.proof)))
        .to.be.revertedWithCustomError(settlement, "SignedValueOutOfField")
        .withArgs(huge);
      expect((await settlement.roundResult(1)).settled).to.equal(false);
    });

    it("reverts on a tampered proof", async () => {
      const { settlement } = await loadFixture(roundTripFixture);
      await settlement.openRound();
      const claim = await claimFor(settlement, 1n);
      const p = claim.proof;
      const tampered = [
        { a: [p.a[0], p.a[1] + 1n], b: p.b, c: p.c }, // not on the curve
        { a: p.a, b: p.b, c: p.a }, // on the curve, wrong point
        { a: [Q + p.a[0], p.a[1]], b: p.b, c: p.c }, // coordinate out of range
      ];
      for (const t of tampered) {
        await expect(settlement.settle(1, claim.commitment, claim.sum, t))
          .to.be.revertedWithCustomError(settlement, "InvalidProof")
          .withArgs(1);
      }
    });
  });

  describe("# openRound", () => {
    it("numbers rounds from a counter and is owner-only", async () => {
      const { settlement, stranger } = await loadFixture(roundTripFixture);
      await expect(settlement.openRound()).to.emit(settlement, "RoundOpened").withArgs(1);
      await expect(settlement.openRound()).to.emit(settlement, "RoundOpened").withArgs(2);
      expect(await settlement.lastRound()).to.equal(2);
      await expect((settlement.connect(stranger) as typeof settlement).openRound())
        .to.be.revertedWithCustomError(settlement, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
    });
  });

  describe("# constructor and the shared base", () => {
    it("rejects a verifier without code and a circuit without public inputs", async () => {
      const { owner, deployed } = await loadFixture(roundTripFixture);
      const F = await hre.ethers.getContractFactory("RoundTripSettlement");
      await expect(F.deploy(owner.address, owner.address)).to.be.revertedWithCustomError(F, "VerifierNotContract").withArgs(owner.address);
      const H = await hre.ethers.getContractFactory("Groth16SettlementHarness");
      await expect(H.deploy(deployed.verifier.address, 0)).to.be.revertedWithCustomError(H, "NoPublicInputs");
    });

    it("reverts when the rebuilt inputs do not have the circuit's count", async () => {
      const { deployed, settlement } = await loadFixture(roundTripFixture);
      const H = await hre.ethers.getContractFactory("Groth16SettlementHarness");
      const h = await H.deploy(deployed.verifier.address, 4);
      const claim = await claimFor(settlement, 1n);
      await expect(h.check(7, asArgs(claim.proof), [1n, 2n, 3n]))
        .to.be.revertedWithCustomError(h, "PublicInputCountMismatch")
        .withArgs(4, 3);
      // The proof is valid for the settlement's own inputs: the harness accepts them as-is.
      await h.check(7, asArgs(claim.proof), claim.publicSignals);
      expect(await h.numPublicInputs()).to.equal(4);
      expect(await h.verifier()).to.equal(deployed.verifier.address);
    });
  });

  shouldBehaveLikeGroth16Settlement(async () => {
    const { settlement, deployed } = await loadFixture(roundTripFixture);
    return {
      contract: settlement,
      verifier: deployed.verifier.address,
      numPublicInputs: 4n,
      ready: async () => {
        const { settlement: c, settler } = await loadFixture(roundTripFixture);
        await c.openRound();
        const claim = await claimFor(c, 1n);
        const p = claim.proof;
        const as = c.connect(settler) as typeof c;
        return {
          roundKey: 1n,
          settle: () => as.settle(1, claim.commitment, claim.sum, asArgs(p)),
          // On the curve, but the wrong point.
          settleWithBadProof: () => as.settle(1, claim.commitment, claim.sum, { a: p.a, b: p.b, c: p.a }),
          settleOutOfField: () => ({
            call: as.settle(1, claim.commitment + SNARK_FIELD, claim.sum, asArgs(p)),
            index: 2n,
            value: claim.commitment + SNARK_FIELD,
          }),
          // (-A, -B, C) is another valid proof of the same statement.
          replay: async () => ({
            call: as.settle(1, claim.commitment, claim.sum, {
              a: [p.a[0], Q - p.a[1]],
              b: [p.b[0], [Q - p.b[1][0], Q - p.b[1][1]]],
              c: p.c,
            }),
            error: "RoundAlreadySettled",
            args: [1n],
          }),
          publicInputs: async () => (await c.publicInputs(1, claim.commitment, claim.sum)) as bigint[],
        };
      },
    };
  });
});
