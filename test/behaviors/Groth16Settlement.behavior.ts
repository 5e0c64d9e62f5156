import hre from "hardhat";
import { expect } from "chai";
import type { Contract, ContractTransactionResponse } from "ethers";
import { SNARK_FIELD, proofContext } from "../../oracle/core/field";

// The guarantees of contracts/base/Groth16Settlement.sol, written once and applied to every
// proof-settled module: the proof is checked against public inputs the module rebuilds (each
// checked to be a field element), a bad proof reverts with InvalidProof naming the round and
// changes nothing, and a settled round cannot be settled again, however the proof is re-encoded
// (replay keys are round ids, never proof bytes).

/** One check's fresh state: a round ready to settle. */
export interface SettlementCase {
  /** The round key InvalidProof reports. */
  roundKey: bigint;
  /** A valid settlement of the round (sent in the next block). */
  settle(): Promise<ContractTransactionResponse>;
  /** The same settlement with a proof that does not verify. */
  settleWithBadProof(): Promise<ContractTransactionResponse>;
  /** A settlement posting `value` >= r where public input `index` goes. */
  settleOutOfField(): { call: Promise<ContractTransactionResponse>; index: bigint; value: bigint };
  /** After `settle`: the same round settled again (with the module's own error and its arguments). */
  replay(): Promise<{ call: Promise<ContractTransactionResponse>; error: string; args: unknown[] }>;
  /** The public inputs the module rebuilds for the valid settlement. */
  publicInputs(): Promise<bigint[]>;
}

export interface Groth16SettlementSubject {
  contract: Contract;
  verifier: string;
  numPublicInputs: bigint;
  ready(): Promise<SettlementCase>;
}

export function shouldBehaveLikeGroth16Settlement(subject: () => Promise<Groth16SettlementSubject>): void {
  describe("behaves like a Groth16Settlement", () => {
    it("names its verifier, its circuit's input count and the proof context chainId * 2^160 + address", async () => {
      const s = await subject();
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      expect(await s.contract.verifier()).to.equal(s.verifier);
      expect(await s.contract.numPublicInputs()).to.equal(s.numPublicInputs);
      expect(await s.contract.proofContext()).to.equal(proofContext(chainId, await s.contract.getAddress()));
    });

    it("rebuilds exactly numPublicInputs field elements", async () => {
      const s = await subject();
      const inputs = await (await s.ready()).publicInputs();
      expect(BigInt(inputs.length)).to.equal(s.numPublicInputs);
      for (const x of inputs) expect(x < SNARK_FIELD, `${x} < r`).to.equal(true);
    });

    it("reverts a proof that does not verify with InvalidProof(roundKey), and the round stays settleable", async () => {
      const s = await subject();
      const c = await s.ready();
      await expect(c.settleWithBadProof()).to.be.revertedWithCustomError(s.contract, "InvalidProof").withArgs(c.roundKey);
      await expect(c.settle()).not.to.be.reverted;
    });

    it("reverts a posted value >= r with PublicInputNotInField(index, value) before verifying", async () => {
      const s = await subject();
      const c = await s.ready();
      const { call, index, value } = c.settleOutOfField();
      expect(value >= SNARK_FIELD).to.equal(true);
      await expect(call).to.be.revertedWithCustomError(s.contract, "PublicInputNotInField").withArgs(index, value);
      await expect(c.settle()).not.to.be.reverted;
    });

    it("refuses to settle a settled round again (replay is keyed on the round)", async () => {
      const s = await subject();
      const c = await s.ready();
      await c.settle();
      const r = await c.replay();
      await expect(r.call)
        .to.be.revertedWithCustomError(s.contract, r.error)
        .withArgs(...r.args);
    });
  });
}
