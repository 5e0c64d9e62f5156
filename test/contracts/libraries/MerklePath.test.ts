import hre from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Contract } from "ethers";
import { SNARK_FIELD, poseidon } from "../../../oracle/core/field";
import { deployPoseidonHashers } from "../../../scripts/contribution/deploy";
import { clientsFor } from "../../helpers/fixtures";
import { rewardPath, rewardTree, rootFromPath } from "../../helpers/rewardTree";

const R = SNARK_FIELD;
const LEAVES = [5n, 0n, 17n, R - 1n, 2n ** 128n - 1n, 1n, 0n, 99n];

/** MerklePath over the deployed Poseidon hashers (contracts/mocks/MerklePathHarness.sol). */
async function merkleFixture() {
  const [deployer] = await hre.ethers.getSigners();
  const h = await deployPoseidonHashers(clientsFor(deployer));
  const factory = await hre.ethers.getContractFactory("MerklePathHarness");
  const harness = (await factory.deploy(h.poseidon2.address, h.poseidon3.address, h.poseidon4.address)) as unknown as Contract;
  return { harness, tree: await rewardTree(LEAVES), factory, hashers: h, deployer };
}

describe("MerklePath", () => {
  describe("# rootFromPath", () => {
    it("recomputes the root of every leaf of a depth-3 Poseidon tree from its path", async () => {
      const { harness, tree } = await loadFixture(merkleFixture);
      for (let i = 0; i < LEAVES.length; i++) {
        const path = rewardPath(tree, i);
        expect(await harness.rootFromPath(i, LEAVES[i], path, 3), `leaf ${i}`).to.equal(tree.root);
        expect(await rootFromPath(i, LEAVES[i], path)).to.equal(tree.root);
      }
    });

    it("gives another root for another leaf value or the right path at the wrong index", async () => {
      const { harness, tree } = await loadFixture(merkleFixture);
      const path = rewardPath(tree, 2);
      expect(await harness.rootFromPath(2, LEAVES[2] + 1n, path, 3)).not.to.equal(tree.root);
      expect(await harness.rootFromPath(3, LEAVES[2], path, 3)).not.to.equal(tree.root);
      expect(await harness.rootFromPath(2 + 8, LEAVES[2], path, 3), "bits above the depth are ignored").to.equal(tree.root);
    });

    it("hashes a left child as Poseidon(node, sibling) and a right child as Poseidon(sibling, node)", async () => {
      const { harness } = await loadFixture(merkleFixture);
      expect(await harness.rootFromPath(0, 7n, [9n], 1)).to.equal(await poseidon([7n, 9n]));
      expect(await harness.rootFromPath(1, 7n, [9n], 1)).to.equal(await poseidon([9n, 7n]));
      expect(await harness.rootFromPath(0, 7n, [], 0), "depth 0: the leaf is the root").to.equal(7n);
    });

    it("reverts if the path does not have `depth` elements", async () => {
      const { harness, tree } = await loadFixture(merkleFixture);
      const path = rewardPath(tree, 0);
      for (const p of [path.slice(0, 2), [...path, 0n], []]) {
        await expect(harness.rootFromPath(0, LEAVES[0], p, 3))
          .to.be.revertedWithCustomError(harness, "InvalidPathLength")
          .withArgs(3n, BigInt(p.length));
      }
    });

    it("reverts on a sibling >= r, even one equal to the right sibling mod r, naming its index", async () => {
      const { harness, tree } = await loadFixture(merkleFixture);
      const path = rewardPath(tree, 5);
      for (let i = 0; i < path.length; i++) {
        const bad = [...path];
        bad[i] = path[i] + R;
        await expect(harness.rootFromPath(5, LEAVES[5], bad, 3))
          .to.be.revertedWithCustomError(harness, "InvalidPathElement")
          .withArgs(BigInt(i), path[i] + R);
      }
    });
  });

  describe("# PoseidonHashers (the base the harness hashes with)", () => {
    it("hashes 2, 3 and 4 inputs as circomlibjs does and names its hashers", async () => {
      const { harness, hashers } = await loadFixture(merkleFixture);
      const [h2, h3, h4] = (await harness.hashes(1n, 2n, 3n, R - 1n)) as bigint[];
      expect([h2, h3, h4]).to.deep.equal([await poseidon([1n, 2n]), await poseidon([1n, 2n, 3n]), await poseidon([1n, 2n, 3n, R - 1n])]);
      expect(await harness.hashers()).to.deep.equal([hashers.poseidon2.address, hashers.poseidon3.address, hashers.poseidon4.address]);
    });

    it("reverts at deployment if a hasher holds no code, naming it", async () => {
      const { factory, hashers, deployer } = await loadFixture(merkleFixture);
      const ok: string[] = [hashers.poseidon2.address, hashers.poseidon3.address, hashers.poseidon4.address];
      for (const [i, what] of ["poseidon2", "poseidon3", "poseidon4"].entries()) {
        const args = [...ok];
        args[i] = deployer.address;
        await expect(factory.deploy(...args))
          .to.be.revertedWithCustomError(factory, "NotAContract")
          .withArgs(what, deployer.address);
      }
    });
  });
});
