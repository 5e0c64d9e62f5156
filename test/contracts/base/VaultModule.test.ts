import hre from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, parseEther, type Contract } from "ethers";
import { foundationFixture } from "../../helpers/fixtures";

const STAKE = parseEther("20");
const LOCK = parseEther("10");

/** Two modules on one vault (VaultModuleHarness, granted before anyone staked), alice with free stake. */
async function modulesFixture() {
  const f = await foundationFixture();
  const factory = await hre.ethers.getContractFactory("VaultModuleHarness");
  const vaultAddress = await f.vault.getAddress();
  const deploy = async () => (await factory.deploy(vaultAddress)) as unknown as Contract;
  const [a, b, unlicensed] = [await deploy(), await deploy(), await deploy()];
  for (const m of [a, b]) {
    // An empty vault grants at once: nobody's stake is exposed to the new module.
    await f.vault.scheduleModuleGrant(await m.getAddress());
    await f.vault.grantModule(await m.getAddress());
  }
  await f.token.mint(f.alice.address, STAKE);
  await (f.token.connect(f.alice) as typeof f.token).approve(vaultAddress, STAKE);
  await (f.vault.connect(f.alice) as typeof f.vault).stake(STAKE);
  return { ...f, a, b, unlicensed, factory, aAddress: await a.getAddress(), bAddress: await b.getAddress() };
}

const offenceIdOf = (scope: bigint, round: bigint, index: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "uint256"], [scope, round, index]));

describe("VaultModule (VaultModuleHarness)", () => {
  it("names its vault and refuses one without code at deployment", async () => {
    const { a, vault, factory, alice } = await loadFixture(modulesFixture);
    expect(await a.stakeVault()).to.equal(await vault.getAddress());
    await expect(factory.deploy(alice.address)).to.be.revertedWithCustomError(factory, "NotAContract").withArgs("vault", alice.address);
  });

  it("locks free stake for the module, and only with MODULE_ROLE", async () => {
    const { a, aAddress, unlicensed, vault, alice } = await loadFixture(modulesFixture);
    await expect(a.lock(1n, alice.address, LOCK))
      .to.emit(vault, "Locked")
      .withArgs(aAddress, alice.address, LOCK);
    expect(await vault.lockedBy(aAddress, alice.address)).to.equal(LOCK);
    await expect(unlicensed.lock(1n, alice.address, LOCK)).to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount");
  });

  it("slashes at most what the scope holds, under keccak256(abi.encode(scope, round, index)), once", async () => {
    const { a, aAddress, vault, alice } = await loadFixture(modulesFixture);
    await a.lock(1n, alice.address, LOCK);
    const id = offenceIdOf(1n, 2n, 3n);
    expect(await a.offenceId(1n, 2n, 3n)).to.equal(id);
    const tx = a.penalize(1n, 2n, 3n, alice.address, parseEther("4"));
    await expect(tx).to.emit(a, "Penalized").withArgs(1n, alice.address, id, parseEther("4"));
    await expect(tx).to.emit(vault, "Slashed").withArgs(aAddress, alice.address, id, parseEther("4"), parseEther("4"));
    expect(await a.held(1n, alice.address)).to.equal(LOCK - parseEther("4"));
    // The same offence again: the vault refuses, the module reports it and keeps its books.
    await expect(a.penalize(1n, 2n, 3n, alice.address, parseEther("1")))
      .to.emit(a, "SlashRefused")
      .withArgs(1n, alice.address, id);
    expect(await a.held(1n, alice.address)).to.equal(LOCK - parseEther("4"));
    // A slash above what the scope holds takes what it holds, nothing of another scope's.
    await expect(a.penalize(1n, 2n, 4n, alice.address, parseEther("100")))
      .to.emit(a, "Penalized")
      .withArgs(1n, alice.address, offenceIdOf(1n, 2n, 4n), LOCK - parseEther("4"));
    expect(await vault.lockedBy(aAddress, alice.address)).to.equal(0n);
  });

  it("never reaches another module's lock or the participant's free stake", async () => {
    const { a, b, aAddress, bAddress, vault, alice } = await loadFixture(modulesFixture);
    await a.lock(1n, alice.address, LOCK);
    await b.lock(1n, alice.address, LOCK - parseEther("1"));
    await a.penalize(1n, 0n, 0n, alice.address, STAKE);
    expect(await vault.lockedBy(aAddress, alice.address)).to.equal(0n);
    expect(await vault.lockedBy(bAddress, alice.address)).to.equal(LOCK - parseEther("1"));
    const s = await vault.stakeOf(alice.address);
    expect(s.free).to.equal(STAKE - LOCK - (LOCK - parseEther("1")));
    // A scope that holds nothing asks the vault for nothing.
    await expect(a.penalize(2n, 0n, 0n, alice.address, STAKE)).not.to.emit(vault, "Slashed");
  });

  it("unlocks what the scope holds into the module's unbonding, and nothing is a no-op", async () => {
    const { a, aAddress, vault, alice } = await loadFixture(modulesFixture);
    await expect(a.release(1n, alice.address)).not.to.emit(vault, "Unlocked");
    await a.lock(1n, alice.address, LOCK);
    await expect(a.release(1n, alice.address)).to.emit(vault, "Unlocked").withArgs(aAddress, alice.address, LOCK);
    expect((await vault.stakeOf(alice.address)).moduleUnbonding).to.equal(LOCK);
    expect(await vault.lockedBy(aAddress, alice.address)).to.equal(0n);
  });
});
