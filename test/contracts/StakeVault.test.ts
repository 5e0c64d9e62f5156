import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress, id, parseEther, type Contract } from "ethers";
import { deployFoundation } from "../../scripts/deploy/foundation";
import { ADMIN_TRANSFER_DELAY, UNBONDING_DELAY, clientsFor, foundationFixture } from "../helpers/fixtures";

const { ethers } = hre;

const MAX_UNBONDING_DELAY = 90n * 24n * 3600n;
const DELAY = BigInt(UNBONDING_DELAY);
const FUNDS = parseEther("1000");
const OFFENCE_A = id("offence-a");
const OFFENCE_B = id("offence-b");

interface Stake {
  free: bigint;
  locked: bigint;
  unbonding: bigint;
  unbondingReleaseAt: bigint;
}

interface Totals {
  free: bigint;
  locked: bigint;
  unbonding: bigint;
  slashedUnswept: bigint;
}

/** The foundation, plus MODULE_ROLE for `module` and a second module, and funded, approving stakers. */
async function vaultFixture() {
  const f = await foundationFixture();
  const { admin, alice, bob, carol, token, vault, others } = f;
  const [module2, stranger] = others;
  const MODULE_ROLE: string = await vault.MODULE_ROLE();
  const TREASURER_ROLE: string = await vault.TREASURER_ROLE();
  const DEFAULT_ADMIN_ROLE: string = await vault.DEFAULT_ADMIN_ROLE();
  const asAdmin = vault.connect(admin) as Contract;
  await asAdmin.grantRole(MODULE_ROLE, f.module.address);
  await asAdmin.grantRole(MODULE_ROLE, module2.address);
  const vaultAddress = await vault.getAddress();
  for (const s of [alice, bob, carol]) {
    await (token.connect(admin) as Contract).mint(s.address, FUNDS);
    await (token.connect(s) as Contract).approve(vaultAddress, ethers.MaxUint256);
  }
  return { ...f, module2, stranger, vaultAddress, MODULE_ROLE, TREASURER_ROLE, DEFAULT_ADMIN_ROLE };
}

/** `contract` with `signer` as the sender. */
function as(contract: Contract, signer: HardhatEthersSigner): Contract {
  return contract.connect(signer) as Contract;
}

async function stakeOf(vault: Contract, account: HardhatEthersSigner): Promise<Stake> {
  const s = await vault.stakeOf(account.address);
  return { free: s.free, locked: s.locked, unbonding: s.unbonding, unbondingReleaseAt: s.unbondingReleaseAt };
}

async function totalsOf(vault: Contract): Promise<Totals> {
  const t = await vault.totals();
  return { free: t.free, locked: t.locked, unbonding: t.unbonding, slashedUnswept: t.slashedUnswept };
}

/** Pins the timestamp of the next block and returns it. */
async function atNextBlock(secondsFromNow = 10): Promise<bigint> {
  const t = (await time.latest()) + secondsFromNow;
  await time.setNextBlockTimestamp(t);
  return BigInt(t);
}

/** The vault's token balance equals the sum of its totals. */
async function expectBalanced(token: Contract, vault: Contract): Promise<void> {
  const t = await totalsOf(vault);
  expect(await token.balanceOf(await vault.getAddress())).to.equal(t.free + t.locked + t.unbonding + t.slashedUnswept);
}

/** A vault over a fee-on-transfer token (1% burnt per transfer), deployed by the deploy code. */
async function feeOnTransferFixture() {
  const f = await vaultFixture();
  const fot = (await ethers.deployContract("FeeOnTransferToken")) as unknown as Contract;
  const d = await deployFoundation(clientsFor(f.admin), {
    admin: f.admin.address as `0x${string}`,
    token: (await fot.getAddress()) as `0x${string}`,
    unbondingDelaySeconds: UNBONDING_DELAY,
    adminTransferDelaySeconds: ADMIN_TRANSFER_DELAY,
  });
  const fotVault = await ethers.getContractAt("StakeVault", d.stakeVault.address);
  await fot.mint(f.alice.address, FUNDS);
  await as(fot, f.alice).approve(d.stakeVault.address, ethers.MaxUint256);
  return { ...f, fot, fotVault };
}

/** A vault over a token whose transfers can call back into the vault first. */
async function reentrantFixture() {
  const f = await vaultFixture();
  const ree = (await ethers.deployContract("ReentrantToken")) as unknown as Contract;
  const d = await deployFoundation(clientsFor(f.admin), {
    admin: f.admin.address as `0x${string}`,
    token: (await ree.getAddress()) as `0x${string}`,
    unbondingDelaySeconds: UNBONDING_DELAY,
    adminTransferDelaySeconds: ADMIN_TRANSFER_DELAY,
  });
  const reeVault = await ethers.getContractAt("StakeVault", d.stakeVault.address);
  await ree.mint(f.alice.address, FUNDS);
  await as(ree, f.alice).approve(d.stakeVault.address, ethers.MaxUint256);
  // The token contract itself holds tokens and lets the vault pull them, so its hook can stake.
  await ree.mint(await ree.getAddress(), FUNDS);
  await ree.approveFromSelf(d.stakeVault.address, ethers.MaxUint256);
  return { ...f, ree, reeVault };
}

describe("StakeVault", () => {
  describe("# constructor", () => {
    it("stores the token and the unbonding delay and makes the admin default admin and treasurer", async () => {
      const { vault, token, admin, module, DEFAULT_ADMIN_ROLE, TREASURER_ROLE, MODULE_ROLE } = await loadFixture(vaultFixture);
      expect(await vault.token()).to.equal(await token.getAddress());
      expect(await vault.unbondingDelay()).to.equal(DELAY);
      expect(await vault.MAX_UNBONDING_DELAY()).to.equal(MAX_UNBONDING_DELAY);
      expect(MODULE_ROLE).to.equal(id("zkmerit.MODULE_ROLE"));
      expect(TREASURER_ROLE).to.equal(id("zkmerit.TREASURER_ROLE"));
      expect(await vault.defaultAdmin()).to.equal(admin.address);
      expect(await vault.defaultAdminDelay()).to.equal(ADMIN_TRANSFER_DELAY);
      expect(await vault.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await vault.hasRole(TREASURER_ROLE, admin.address)).to.equal(true);
      expect(await vault.hasRole(TREASURER_ROLE, module.address)).to.equal(false);
      expect(await totalsOf(vault)).to.deep.equal({ free: 0n, locked: 0n, unbonding: 0n, slashedUnswept: 0n });
    });

    it("grants no module role by itself", async () => {
      const { vault, module } = await loadFixture(foundationFixture);
      expect(await vault.hasRole(await vault.MODULE_ROLE(), module.address)).to.equal(false);
    });

    it("emits UnbondingDelayChanged from zero to the initial delay", async () => {
      const { token, admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      const v = await factory.deploy(await token.getAddress(), 3600n, admin.address, 0n);
      await expect(v.deploymentTransaction()).to.emit(v, "UnbondingDelayChanged").withArgs(0n, 3600n);
    });

    it("accepts the maximum unbonding delay", async () => {
      const { token, admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      const v = (await factory.deploy(await token.getAddress(), MAX_UNBONDING_DELAY, admin.address, 0n)) as Contract;
      expect(await v.unbondingDelay()).to.equal(MAX_UNBONDING_DELAY);
    });

    it("reverts if the unbonding delay exceeds the maximum", async () => {
      const { token, admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      await expect(factory.deploy(await token.getAddress(), MAX_UNBONDING_DELAY + 1n, admin.address, 0n))
        .to.be.revertedWithCustomError(factory, "UnbondingDelayTooLong")
        .withArgs(MAX_UNBONDING_DELAY + 1n, MAX_UNBONDING_DELAY);
    });

    it("reverts if the token is the zero address", async () => {
      const { admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      await expect(factory.deploy(ZeroAddress, DELAY, admin.address, 0n))
        .to.be.revertedWithCustomError(factory, "ZeroAddress")
        .withArgs("token");
    });

    it("reverts if the admin is the zero address", async () => {
      const { token } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      await expect(factory.deploy(await token.getAddress(), DELAY, ZeroAddress, 0n))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(ZeroAddress);
    });
  });

  describe("# stake", () => {
    it("pulls the tokens, credits them as free stake and emits Staked", async () => {
      const { vault, token, alice } = await loadFixture(vaultFixture);
      const tx = as(vault, alice).stake(100n);
      await expect(tx).to.emit(vault, "Staked").withArgs(alice.address, 100n);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [-100n, 100n]);
      expect(await stakeOf(vault, alice)).to.deep.equal({ free: 100n, locked: 0n, unbonding: 0n, unbondingReleaseAt: 0n });
      expect(await totalsOf(vault)).to.deep.equal({ free: 100n, locked: 0n, unbonding: 0n, slashedUnswept: 0n });
    });

    it("adds up repeated stakes and keeps accounts apart", async () => {
      const { vault, token, alice, bob } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).stake(50n);
      await as(vault, bob).stake(7n);
      expect((await stakeOf(vault, alice)).free).to.equal(150n);
      expect((await stakeOf(vault, bob)).free).to.equal(7n);
      expect((await totalsOf(vault)).free).to.equal(157n);
      await expectBalanced(token, vault);
    });

    it("reverts if the amount is zero", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await expect(as(vault, alice).stake(0n)).to.be.revertedWithCustomError(vault, "ZeroAmount");
    });

    it("reverts with the token's error if the allowance is short", async () => {
      const { vault, token, alice, vaultAddress } = await loadFixture(vaultFixture);
      await as(token, alice).approve(vaultAddress, 10n);
      await expect(as(vault, alice).stake(11n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(vaultAddress, 10n, 11n);
    });

    it("reverts with the token's error if the balance is short", async () => {
      const { vault, token, alice } = await loadFixture(vaultFixture);
      await expect(as(vault, alice).stake(FUNDS + 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, FUNDS, FUNDS + 1n);
    });

    it("credits only what arrived from a fee-on-transfer token", async () => {
      const { fot, fotVault, alice } = await loadFixture(feeOnTransferFixture);
      const tx = as(fotVault, alice).stake(1000n);
      await expect(tx).to.emit(fotVault, "Staked").withArgs(alice.address, 990n);
      await expect(tx).to.changeTokenBalances(fot, [alice, fotVault], [-1000n, 990n]);
      expect((await stakeOf(fotVault, alice)).free).to.equal(990n);
      expect((await totalsOf(fotVault)).free).to.equal(990n);
      await expectBalanced(fot, fotVault);
    });

    it("lets a fee-on-transfer staker withdraw everything credited, leaving the vault empty", async () => {
      const { fot, fotVault, alice } = await loadFixture(feeOnTransferFixture);
      await as(fotVault, alice).stake(1000n);
      await as(fotVault, alice).unstake(990n);
      await time.increase(UNBONDING_DELAY);
      const tx = as(fotVault, alice).withdraw();
      await expect(tx).to.emit(fotVault, "Withdrawn").withArgs(alice.address, 990n);
      // The vault sends 990; the token burns 1% (9) on the way.
      await expect(tx).to.changeTokenBalances(fot, [alice, fotVault], [981n, -990n]);
      expect(await totalsOf(fotVault)).to.deep.equal({ free: 0n, locked: 0n, unbonding: 0n, slashedUnswept: 0n });
      await expectBalanced(fot, fotVault);
    });

    it("reverts if nothing arrives (a token that burns the whole transfer)", async () => {
      const { fot, fotVault, alice } = await loadFixture(feeOnTransferFixture);
      await fot.setFeeBps(10_000n);
      await expect(as(fotVault, alice).stake(1000n)).to.be.revertedWithCustomError(fotVault, "ZeroAmount");
    });

    it("cannot be re-entered from the token's transfer (the nested stake would be credited twice)", async () => {
      const { ree, reeVault, alice } = await loadFixture(reentrantFixture);
      await ree.arm(await reeVault.getAddress(), reeVault.interface.encodeFunctionData("stake", [100n]));
      await expect(as(reeVault, alice).stake(100n)).to.be.revertedWithCustomError(reeVault, "ReentrancyGuardReentrantCall");
      expect(await totalsOf(reeVault)).to.deep.equal({ free: 0n, locked: 0n, unbonding: 0n, slashedUnswept: 0n });
    });
  });

  describe("# unstake", () => {
    it("moves free stake to unbonding, sets the release time and emits UnbondingStarted", async () => {
      const { vault, token, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      const at = await atNextBlock();
      const tx = as(vault, alice).unstake(30n);
      await expect(tx)
        .to.emit(vault, "UnbondingStarted")
        .withArgs(alice.address, 30n, 30n, at + DELAY);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [0n, 0n]);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 70n,
        locked: 0n,
        unbonding: 30n,
        unbondingReleaseAt: at + DELAY,
      });
      expect(await totalsOf(vault)).to.deep.equal({ free: 70n, locked: 0n, unbonding: 30n, slashedUnswept: 0n });
    });

    it("moves the release time of all unbonding stake to the latest unstake", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(30n);
      const at = await atNextBlock(3600);
      await expect(as(vault, alice).unstake(20n))
        .to.emit(vault, "UnbondingStarted")
        .withArgs(alice.address, 20n, 50n, at + DELAY);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 50n,
        locked: 0n,
        unbonding: 50n,
        unbondingReleaseAt: at + DELAY,
      });
    });

    it("uses the unbonding delay in force when unstaking", async () => {
      const { vault, admin, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, admin).setUnbondingDelay(60n);
      const at = await atNextBlock();
      await expect(as(vault, alice).unstake(1n))
        .to.emit(vault, "UnbondingStarted")
        .withArgs(alice.address, 1n, 1n, at + 60n);
    });

    it("can unstake all free stake", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(100n);
      const s = await stakeOf(vault, alice);
      expect([s.free, s.unbonding]).to.deep.equal([0n, 100n]);
    });

    it("reverts if the amount is zero", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await expect(as(vault, alice).unstake(0n)).to.be.revertedWithCustomError(vault, "ZeroAmount");
    });

    it("reverts if the amount exceeds free stake", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await expect(as(vault, alice).unstake(101n))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeStake")
        .withArgs(alice.address, 100n, 101n);
    });

    it("reverts for locked stake, which is not free", async () => {
      const { vault, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      await expect(as(vault, alice).unstake(50n))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeStake")
        .withArgs(alice.address, 40n, 50n);
    });

    it("reverts for stake already unbonding", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(100n);
      await expect(as(vault, alice).unstake(1n))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeStake")
        .withArgs(alice.address, 0n, 1n);
    });
  });

  describe("# rebond", () => {
    it("moves unbonding stake back to free and emits Rebonded, keeping the release time if some is left", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      const at = await atNextBlock();
      await as(vault, alice).unstake(40n);
      await expect(as(vault, alice).rebond(15n)).to.emit(vault, "Rebonded").withArgs(alice.address, 15n);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 75n,
        locked: 0n,
        unbonding: 25n,
        unbondingReleaseAt: at + DELAY,
      });
      expect(await totalsOf(vault)).to.deep.equal({ free: 75n, locked: 0n, unbonding: 25n, slashedUnswept: 0n });
    });

    it("resets the release time when everything is rebonded", async () => {
      const { vault, token, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(40n);
      const tx = as(vault, alice).rebond(40n);
      await expect(tx).to.emit(vault, "Rebonded").withArgs(alice.address, 40n);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [0n, 0n]);
      expect(await stakeOf(vault, alice)).to.deep.equal({ free: 100n, locked: 0n, unbonding: 0n, unbondingReleaseAt: 0n });
      await time.increase(UNBONDING_DELAY);
      await expect(as(vault, alice).withdraw()).to.be.revertedWithCustomError(vault, "NothingUnbonding").withArgs(alice.address);
    });

    it("reverts if the amount is zero", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(40n);
      await expect(as(vault, alice).rebond(0n)).to.be.revertedWithCustomError(vault, "ZeroAmount");
    });

    it("reverts if the amount exceeds unbonding stake", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(40n);
      await expect(as(vault, alice).rebond(41n))
        .to.be.revertedWithCustomError(vault, "InsufficientUnbondingStake")
        .withArgs(alice.address, 40n, 41n);
    });

    it("reverts if nothing is unbonding", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await expect(as(vault, alice).rebond(1n))
        .to.be.revertedWithCustomError(vault, "InsufficientUnbondingStake")
        .withArgs(alice.address, 0n, 1n);
    });
  });

  describe("# withdraw", () => {
    it("reverts if nothing is unbonding", async () => {
      const { vault, alice, bob } = await loadFixture(vaultFixture);
      await expect(as(vault, bob).withdraw()).to.be.revertedWithCustomError(vault, "NothingUnbonding").withArgs(bob.address);
      await as(vault, alice).stake(100n);
      await expect(as(vault, alice).withdraw()).to.be.revertedWithCustomError(vault, "NothingUnbonding").withArgs(alice.address);
    });

    it("reverts one second before the release time", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      const at = await atNextBlock();
      await as(vault, alice).unstake(40n);
      const releaseAt = at + DELAY;
      await time.setNextBlockTimestamp(releaseAt - 1n);
      await expect(as(vault, alice).withdraw())
        .to.be.revertedWithCustomError(vault, "StillUnbonding")
        .withArgs(alice.address, releaseAt, releaseAt - 1n);
    });

    it("pays out at the release time, clears unbonding stake and emits Withdrawn", async () => {
      const { vault, token, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 10n);
      const at = await atNextBlock();
      await as(vault, alice).unstake(40n);
      await time.setNextBlockTimestamp(at + DELAY);
      const tx = as(vault, alice).withdraw();
      await expect(tx).to.emit(vault, "Withdrawn").withArgs(alice.address, 40n);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [40n, -40n]);
      expect(await stakeOf(vault, alice)).to.deep.equal({ free: 50n, locked: 10n, unbonding: 0n, unbondingReleaseAt: 0n });
      expect(await totalsOf(vault)).to.deep.equal({ free: 50n, locked: 10n, unbonding: 0n, slashedUnswept: 0n });
      await expectBalanced(token, vault);
    });

    it("returns the amount withdrawn", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(40n);
      await time.increase(UNBONDING_DELAY);
      expect(await as(vault, alice).withdraw.staticCall()).to.equal(40n);
    });

    it("reverts the second time", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(40n);
      await time.increase(UNBONDING_DELAY);
      await as(vault, alice).withdraw();
      await expect(as(vault, alice).withdraw()).to.be.revertedWithCustomError(vault, "NothingUnbonding").withArgs(alice.address);
    });

    it("waits again for earlier unbonding stake after a later unstake", async () => {
      const { vault, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(40n);
      await time.increase(UNBONDING_DELAY / 2);
      const at = await atNextBlock();
      await as(vault, alice).unstake(10n);
      await time.increase(UNBONDING_DELAY / 2 + 10);
      const now = await atNextBlock(1);
      await expect(as(vault, alice).withdraw())
        .to.be.revertedWithCustomError(vault, "StillUnbonding")
        .withArgs(alice.address, at + DELAY, now);
      await time.increaseTo(at + DELAY);
      await expect(as(vault, alice).withdraw()).to.emit(vault, "Withdrawn").withArgs(alice.address, 50n);
    });

    it("pays out at once when the delay is zero", async () => {
      const { vault, token, admin, alice } = await loadFixture(vaultFixture);
      await as(vault, admin).setUnbondingDelay(0n);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(100n);
      await expect(as(vault, alice).withdraw()).to.changeTokenBalances(token, [alice, vault], [100n, -100n]);
    });

    it("cannot be re-entered from the token's transfer", async () => {
      const { ree, reeVault, alice } = await loadFixture(reentrantFixture);
      await as(reeVault, alice).stake(100n);
      await as(reeVault, alice).unstake(100n);
      await time.increase(UNBONDING_DELAY);
      await ree.arm(await reeVault.getAddress(), reeVault.interface.encodeFunctionData("withdraw"));
      await expect(as(reeVault, alice).withdraw()).to.be.revertedWithCustomError(reeVault, "ReentrancyGuardReentrantCall");
      expect((await stakeOf(reeVault, alice)).unbonding).to.equal(100n);
    });

    it("cannot be re-entered into stake from the token's transfer", async () => {
      const { ree, reeVault, alice } = await loadFixture(reentrantFixture);
      await as(reeVault, alice).stake(100n);
      await as(reeVault, alice).unstake(100n);
      await time.increase(UNBONDING_DELAY);
      await ree.arm(await reeVault.getAddress(), reeVault.interface.encodeFunctionData("stake", [5n]));
      await expect(as(reeVault, alice).withdraw()).to.be.revertedWithCustomError(reeVault, "ReentrancyGuardReentrantCall");
    });
  });

  describe("# lock", () => {
    it("locks free stake for the calling module and emits Locked", async () => {
      const { vault, token, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      const tx = as(vault, module).lock(alice.address, 60n);
      await expect(tx).to.emit(vault, "Locked").withArgs(module.address, alice.address, 60n);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [0n, 0n]);
      expect(await stakeOf(vault, alice)).to.deep.equal({ free: 40n, locked: 60n, unbonding: 0n, unbondingReleaseAt: 0n });
      expect(await vault.lockedBy(module.address, alice.address)).to.equal(60n);
      expect(await totalsOf(vault)).to.deep.equal({ free: 40n, locked: 60n, unbonding: 0n, slashedUnswept: 0n });
    });

    it("keeps each module's locks apart", async () => {
      const { vault, module, module2, alice, bob } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, bob).stake(100n);
      await as(vault, module).lock(alice.address, 30n);
      await as(vault, module).lock(alice.address, 5n);
      await as(vault, module2).lock(alice.address, 20n);
      await as(vault, module2).lock(bob.address, 1n);
      expect(await vault.lockedBy(module.address, alice.address)).to.equal(35n);
      expect(await vault.lockedBy(module2.address, alice.address)).to.equal(20n);
      expect(await vault.lockedBy(module.address, bob.address)).to.equal(0n);
      expect(await vault.lockedBy(module2.address, bob.address)).to.equal(1n);
      expect((await stakeOf(vault, alice)).locked).to.equal(55n);
      expect((await totalsOf(vault)).locked).to.equal(56n);
    });

    it("reverts if the amount is zero", async () => {
      const { vault, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await expect(as(vault, module).lock(alice.address, 0n)).to.be.revertedWithCustomError(vault, "ZeroAmount");
    });

    it("reverts if the amount exceeds free stake", async () => {
      const { vault, module, module2, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module2).lock(alice.address, 70n);
      await expect(as(vault, module).lock(alice.address, 31n))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeStake")
        .withArgs(alice.address, 30n, 31n);
    });

    it("reverts for unbonding stake", async () => {
      const { vault, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(100n);
      await expect(as(vault, module).lock(alice.address, 1n))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeStake")
        .withArgs(alice.address, 0n, 1n);
    });

    it("reverts if the caller is not a module", async () => {
      const { vault, stranger, alice, MODULE_ROLE } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await expect(as(vault, stranger).lock(alice.address, 1n))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, MODULE_ROLE);
    });
  });

  describe("# unlock", () => {
    it("returns locked stake to free and emits Unlocked", async () => {
      const { vault, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      await expect(as(vault, module).unlock(alice.address, 25n)).to.emit(vault, "Unlocked").withArgs(module.address, alice.address, 25n);
      expect(await stakeOf(vault, alice)).to.deep.equal({ free: 65n, locked: 35n, unbonding: 0n, unbondingReleaseAt: 0n });
      expect(await vault.lockedBy(module.address, alice.address)).to.equal(35n);
      expect(await totalsOf(vault)).to.deep.equal({ free: 65n, locked: 35n, unbonding: 0n, slashedUnswept: 0n });
      await as(vault, module).unlock(alice.address, 35n);
      expect(await stakeOf(vault, alice)).to.deep.equal({ free: 100n, locked: 0n, unbonding: 0n, unbondingReleaseAt: 0n });
    });

    it("reverts if the amount is zero", async () => {
      const { vault, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      await expect(as(vault, module).unlock(alice.address, 0n)).to.be.revertedWithCustomError(vault, "ZeroAmount");
    });

    it("reverts if the amount exceeds what the module locked", async () => {
      const { vault, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      await expect(as(vault, module).unlock(alice.address, 61n))
        .to.be.revertedWithCustomError(vault, "InsufficientLockedStake")
        .withArgs(module.address, alice.address, 60n, 61n);
    });

    it("cannot unlock another module's lock", async () => {
      const { vault, module, module2, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module2).lock(alice.address, 50n);
      await expect(as(vault, module).unlock(alice.address, 50n))
        .to.be.revertedWithCustomError(vault, "InsufficientLockedStake")
        .withArgs(module.address, alice.address, 0n, 50n);
      await as(vault, module).lock(alice.address, 10n);
      // The account has 60 locked, but only 10 of it by `module`.
      await expect(as(vault, module).unlock(alice.address, 30n))
        .to.be.revertedWithCustomError(vault, "InsufficientLockedStake")
        .withArgs(module.address, alice.address, 10n, 30n);
      expect(await vault.lockedBy(module2.address, alice.address)).to.equal(50n);
    });

    it("reverts if the caller is not a module", async () => {
      const { vault, module, stranger, alice, MODULE_ROLE } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      await expect(as(vault, stranger).unlock(alice.address, 1n))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, MODULE_ROLE);
    });
  });

  describe("# slash", () => {
    /** alice: 40 locked by `module`, 30 unbonding, 30 free. */
    async function slashableFixture() {
      const f = await vaultFixture();
      await as(f.vault, f.alice).stake(100n);
      await as(f.vault, f.module).lock(f.alice.address, 40n);
      await as(f.vault, f.alice).unstake(30n);
      return f;
    }

    it("takes from the module's own lock first and emits Slashed", async () => {
      const { vault, token, module, alice } = await loadFixture(slashableFixture);
      const before = await stakeOf(vault, alice);
      const tx = as(vault, module).slash(alice.address, 25n, OFFENCE_A);
      await expect(tx).to.emit(vault, "Slashed").withArgs(module.address, alice.address, OFFENCE_A, 25n, 25n);
      // Slashed tokens stay in the vault until swept.
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [0n, 0n]);
      expect(await stakeOf(vault, alice)).to.deep.equal({ ...before, locked: 15n });
      expect(await vault.lockedBy(module.address, alice.address)).to.equal(15n);
      expect(await totalsOf(vault)).to.deep.equal({ free: 30n, locked: 15n, unbonding: 30n, slashedUnswept: 25n });
      await expectBalanced(token, vault);
    });

    it("then takes unbonding stake", async () => {
      const { vault, module, alice } = await loadFixture(slashableFixture);
      const before = await stakeOf(vault, alice);
      await expect(as(vault, module).slash(alice.address, 60n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 60n, 60n);
      // Slashing does not move the release time of what is left unbonding.
      expect(await stakeOf(vault, alice)).to.deep.equal({ ...before, locked: 0n, unbonding: 10n });
      expect(await vault.lockedBy(module.address, alice.address)).to.equal(0n);
      expect(await totalsOf(vault)).to.deep.equal({ free: 30n, locked: 0n, unbonding: 10n, slashedUnswept: 60n });
    });

    it("clears the release time when it empties the unbonding stake", async () => {
      const { vault, module, alice } = await loadFixture(slashableFixture);
      await as(vault, module).slash(alice.address, 70n, OFFENCE_A);
      const s = await stakeOf(vault, alice);
      expect([s.unbonding, s.unbondingReleaseAt]).to.deep.equal([0n, 0n]);
    });

    it("then takes free stake", async () => {
      const { vault, module, alice } = await loadFixture(slashableFixture);
      await expect(as(vault, module).slash(alice.address, 90n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 90n, 90n);
      const s = await stakeOf(vault, alice);
      expect([s.free, s.locked, s.unbonding]).to.deep.equal([10n, 0n, 0n]);
      expect(await totalsOf(vault)).to.deep.equal({ free: 10n, locked: 0n, unbonding: 0n, slashedUnswept: 90n });
    });

    it("takes at most what the account holds, and reports requested and taken", async () => {
      const { vault, token, module, alice } = await loadFixture(slashableFixture);
      expect(await as(vault, module).slash.staticCall(alice.address, 1000n, OFFENCE_A)).to.equal(100n);
      await expect(as(vault, module).slash(alice.address, 1000n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 1000n, 100n);
      const s = await stakeOf(vault, alice);
      expect([s.free, s.locked, s.unbonding]).to.deep.equal([0n, 0n, 0n]);
      expect(await totalsOf(vault)).to.deep.equal({ free: 0n, locked: 0n, unbonding: 0n, slashedUnswept: 100n });
      await expectBalanced(token, vault);
    });

    it("returns the amount taken", async () => {
      const { vault, module, alice } = await loadFixture(slashableFixture);
      expect(await as(vault, module).slash.staticCall(alice.address, 45n, OFFENCE_A)).to.equal(45n);
    });

    it("never touches another module's lock", async () => {
      const { vault, module, module2, alice } = await loadFixture(slashableFixture);
      // alice: module 40, module2 20, unbonding 30, free 10.
      await as(vault, module2).lock(alice.address, 20n);
      await expect(as(vault, module).slash(alice.address, 1000n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 1000n, 80n);
      expect(await vault.lockedBy(module2.address, alice.address)).to.equal(20n);
      const s = await stakeOf(vault, alice);
      expect([s.free, s.locked, s.unbonding]).to.deep.equal([0n, 20n, 0n]);
      // module2's own slash takes its lock.
      await expect(as(vault, module2).slash(alice.address, 1000n, OFFENCE_B))
        .to.emit(vault, "Slashed")
        .withArgs(module2.address, alice.address, OFFENCE_B, 1000n, 20n);
      expect((await totalsOf(vault)).slashedUnswept).to.equal(100n);
    });

    it("reaches stake that is unbonding, so unstaking does not escape a slash", async () => {
      const { vault, token, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(100n);
      await expect(as(vault, module).slash(alice.address, 70n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 70n, 70n);
      await time.increase(UNBONDING_DELAY);
      const tx = as(vault, alice).withdraw();
      await expect(tx).to.emit(vault, "Withdrawn").withArgs(alice.address, 30n);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [30n, -30n]);
      await expectBalanced(token, vault);
    });

    it("records the offence even if the account holds nothing", async () => {
      const { vault, module, bob } = await loadFixture(vaultFixture);
      await expect(as(vault, module).slash(bob.address, 5n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, bob.address, OFFENCE_A, 5n, 0n);
      expect(await vault.isOffenceSlashed(module.address, OFFENCE_A)).to.equal(true);
      expect((await totalsOf(vault)).slashedUnswept).to.equal(0n);
    });

    it("reverts a second slash for the same offence, even against another account", async () => {
      const { vault, module, alice, bob } = await loadFixture(slashableFixture);
      await as(vault, bob).stake(100n);
      expect(await vault.isOffenceSlashed(module.address, OFFENCE_A)).to.equal(false);
      await as(vault, module).slash(alice.address, 10n, OFFENCE_A);
      expect(await vault.isOffenceSlashed(module.address, OFFENCE_A)).to.equal(true);
      await expect(as(vault, module).slash(alice.address, 10n, OFFENCE_A))
        .to.be.revertedWithCustomError(vault, "OffenceAlreadySlashed")
        .withArgs(module.address, OFFENCE_A);
      await expect(as(vault, module).slash(bob.address, 10n, OFFENCE_A))
        .to.be.revertedWithCustomError(vault, "OffenceAlreadySlashed")
        .withArgs(module.address, OFFENCE_A);
      expect((await totalsOf(vault)).slashedUnswept).to.equal(10n);
      // Another offence id is a new slash.
      await expect(as(vault, module).slash(alice.address, 10n, OFFENCE_B))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_B, 10n, 10n);
    });

    it("lets two modules use the same offence id", async () => {
      const { vault, module, module2, alice } = await loadFixture(slashableFixture);
      await as(vault, module).slash(alice.address, 10n, OFFENCE_A);
      expect(await vault.isOffenceSlashed(module2.address, OFFENCE_A)).to.equal(false);
      await expect(as(vault, module2).slash(alice.address, 10n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module2.address, alice.address, OFFENCE_A, 10n, 10n);
      expect(await vault.isOffenceSlashed(module2.address, OFFENCE_A)).to.equal(true);
      expect((await totalsOf(vault)).slashedUnswept).to.equal(20n);
    });

    it("reverts if the amount is zero, without using up the offence id", async () => {
      const { vault, module, alice } = await loadFixture(slashableFixture);
      await expect(as(vault, module).slash(alice.address, 0n, OFFENCE_A)).to.be.revertedWithCustomError(vault, "ZeroAmount");
      expect(await vault.isOffenceSlashed(module.address, OFFENCE_A)).to.equal(false);
    });

    it("reverts if the caller is not a module", async () => {
      const { vault, stranger, alice, MODULE_ROLE } = await loadFixture(slashableFixture);
      await expect(as(vault, stranger).slash(alice.address, 10n, OFFENCE_A))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, MODULE_ROLE);
    });
  });

  describe("# sweepSlashed", () => {
    async function slashedFixture() {
      const f = await vaultFixture();
      await as(f.vault, f.alice).stake(100n);
      await as(f.vault, f.bob).stake(50n);
      await as(f.vault, f.module).slash(f.alice.address, 30n, OFFENCE_A);
      await as(f.vault, f.module2).slash(f.bob.address, 12n, OFFENCE_A);
      await (f.vault.connect(f.admin) as Contract).grantRole(f.TREASURER_ROLE, f.treasurer.address);
      return f;
    }

    it("sends all slashed tokens to the recipient and emits SlashedSwept", async () => {
      const { vault, token, treasurer, carol } = await loadFixture(slashedFixture);
      expect(await as(vault, treasurer).sweepSlashed.staticCall(carol.address)).to.equal(42n);
      const tx = as(vault, treasurer).sweepSlashed(carol.address);
      await expect(tx).to.emit(vault, "SlashedSwept").withArgs(carol.address, 42n);
      await expect(tx).to.changeTokenBalances(token, [carol, vault], [42n, -42n]);
      expect(await totalsOf(vault)).to.deep.equal({ free: 108n, locked: 0n, unbonding: 0n, slashedUnswept: 0n });
      await expectBalanced(token, vault);
    });

    it("can be called by the admin, treasurer since deployment", async () => {
      const { vault, admin, carol } = await loadFixture(slashedFixture);
      await expect(as(vault, admin).sweepSlashed(carol.address)).to.emit(vault, "SlashedSwept").withArgs(carol.address, 42n);
    });

    it("reverts if the recipient is the vault itself", async () => {
      const { vault, treasurer, vaultAddress } = await loadFixture(slashedFixture);
      await expect(as(vault, treasurer).sweepSlashed(vaultAddress)).to.be.revertedWithCustomError(vault, "SweepToVault");
    });

    it("reverts if nothing was slashed", async () => {
      const { vault, admin, carol } = await loadFixture(vaultFixture);
      await expect(as(vault, admin).sweepSlashed(carol.address)).to.be.revertedWithCustomError(vault, "NothingToSweep");
    });

    it("reverts when everything was already swept", async () => {
      const { vault, treasurer, carol } = await loadFixture(slashedFixture);
      await as(vault, treasurer).sweepSlashed(carol.address);
      await expect(as(vault, treasurer).sweepSlashed(carol.address)).to.be.revertedWithCustomError(vault, "NothingToSweep");
    });

    it("reverts if the recipient is the zero address", async () => {
      const { vault, treasurer } = await loadFixture(slashedFixture);
      await expect(as(vault, treasurer).sweepSlashed(ZeroAddress)).to.be.revertedWithCustomError(vault, "ZeroAddress").withArgs("to");
    });

    it("reverts if the caller is not a treasurer", async () => {
      const { vault, module, carol, TREASURER_ROLE } = await loadFixture(slashedFixture);
      await expect(as(vault, module).sweepSlashed(carol.address))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(module.address, TREASURER_ROLE);
    });
  });

  describe("# setUnbondingDelay", () => {
    it("sets the delay and emits UnbondingDelayChanged with the old and new values", async () => {
      const { vault, admin } = await loadFixture(vaultFixture);
      await expect(as(vault, admin).setUnbondingDelay(3600n)).to.emit(vault, "UnbondingDelayChanged").withArgs(DELAY, 3600n);
      expect(await vault.unbondingDelay()).to.equal(3600n);
      await expect(as(vault, admin).setUnbondingDelay(MAX_UNBONDING_DELAY))
        .to.emit(vault, "UnbondingDelayChanged")
        .withArgs(3600n, MAX_UNBONDING_DELAY);
      await expect(as(vault, admin).setUnbondingDelay(0n)).to.emit(vault, "UnbondingDelayChanged").withArgs(MAX_UNBONDING_DELAY, 0n);
      expect(await vault.unbondingDelay()).to.equal(0n);
    });

    it("does not move the release time of stake already unbonding", async () => {
      const { vault, admin, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      const at = await atNextBlock();
      await as(vault, alice).unstake(40n);
      await as(vault, admin).setUnbondingDelay(0n);
      expect((await stakeOf(vault, alice)).unbondingReleaseAt).to.equal(at + DELAY);
      const now = await atNextBlock();
      await expect(as(vault, alice).withdraw())
        .to.be.revertedWithCustomError(vault, "StillUnbonding")
        .withArgs(alice.address, at + DELAY, now);
    });

    it("reverts if the delay exceeds the maximum", async () => {
      const { vault, admin } = await loadFixture(vaultFixture);
      await expect(as(vault, admin).setUnbondingDelay(MAX_UNBONDING_DELAY + 1n))
        .to.be.revertedWithCustomError(vault, "UnbondingDelayTooLong")
        .withArgs(MAX_UNBONDING_DELAY + 1n, MAX_UNBONDING_DELAY);
    });

    it("reverts if the caller is not the admin", async () => {
      const { vault, module, DEFAULT_ADMIN_ROLE } = await loadFixture(vaultFixture);
      await expect(as(vault, module).setUnbondingDelay(1n))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(module.address, DEFAULT_ADMIN_ROLE);
    });
  });

  describe("access control", () => {
    it("gives MODULE_ROLE through grantRole by the admin", async () => {
      const { vault, admin, stranger, alice, MODULE_ROLE } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await expect(as(vault, admin).grantRole(MODULE_ROLE, stranger.address))
        .to.emit(vault, "RoleGranted")
        .withArgs(MODULE_ROLE, stranger.address, admin.address);
      await expect(as(vault, stranger).lock(alice.address, 10n)).to.emit(vault, "Locked").withArgs(stranger.address, alice.address, 10n);
    });

    it("takes a module's powers away with revokeRole; its locks stay in place", async () => {
      const { vault, admin, module, alice, MODULE_ROLE } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 10n);
      await as(vault, admin).revokeRole(MODULE_ROLE, module.address);
      for (const call of [
        () => as(vault, module).lock(alice.address, 1n),
        () => as(vault, module).unlock(alice.address, 1n),
        () => as(vault, module).slash(alice.address, 1n, OFFENCE_A),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount").withArgs(module.address, MODULE_ROLE);
      }
      expect(await vault.lockedBy(module.address, alice.address)).to.equal(10n);
    });

    it("lets the admin release a revoked module's lock, and only then", async () => {
      const { vault, admin, module, alice, stranger, MODULE_ROLE, DEFAULT_ADMIN_ROLE } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 10n);
      await expect(as(vault, admin).releaseOrphanedLock(module.address, alice.address))
        .to.be.revertedWithCustomError(vault, "ModuleStillActive")
        .withArgs(module.address);
      await as(vault, admin).revokeRole(MODULE_ROLE, module.address);
      await expect(as(vault, stranger).releaseOrphanedLock(module.address, alice.address))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
      await expect(as(vault, admin).releaseOrphanedLock(module.address, alice.address))
        .to.emit(vault, "OrphanedLockReleased")
        .withArgs(module.address, alice.address, 10n);
      expect(await vault.lockedBy(module.address, alice.address)).to.equal(0n);
      expect((await stakeOf(vault, alice)).free).to.equal(100n);
      expect((await totalsOf(vault)).locked).to.equal(0n);
      await expect(as(vault, admin).releaseOrphanedLock(module.address, alice.address))
        .to.be.revertedWithCustomError(vault, "NoOrphanedLock")
        .withArgs(module.address, alice.address);
    });

    it("lets only the admin grant roles", async () => {
      const { vault, module, stranger, MODULE_ROLE, TREASURER_ROLE, DEFAULT_ADMIN_ROLE } = await loadFixture(vaultFixture);
      await expect(as(vault, module).grantRole(MODULE_ROLE, stranger.address))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(module.address, DEFAULT_ADMIN_ROLE);
      await expect(as(vault, module).grantRole(TREASURER_ROLE, module.address))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(module.address, DEFAULT_ADMIN_ROLE);
    });

    it("refuses to grant the default admin role directly", async () => {
      const { vault, admin, bob, DEFAULT_ADMIN_ROLE } = await loadFixture(vaultFixture);
      await expect(as(vault, admin).grantRole(DEFAULT_ADMIN_ROLE, bob.address)).to.be.revertedWithCustomError(
        vault,
        "AccessControlEnforcedDefaultAdminRules",
      );
    });

    it("transfers the admin in two steps, after the transfer delay", async () => {
      const { vault, admin, bob, stranger, DEFAULT_ADMIN_ROLE } = await loadFixture(vaultFixture);
      const at = await atNextBlock();
      await as(vault, admin).beginDefaultAdminTransfer(bob.address);
      const schedule = at + BigInt(ADMIN_TRANSFER_DELAY);
      const [pending, pendingSchedule] = await vault.pendingDefaultAdmin();
      expect([pending, pendingSchedule]).to.deep.equal([bob.address, schedule]);

      await expect(as(vault, stranger).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(vault, "AccessControlInvalidDefaultAdmin")
        .withArgs(stranger.address);
      await time.setNextBlockTimestamp(schedule);
      await expect(as(vault, bob).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(vault, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);

      await time.setNextBlockTimestamp(schedule + 1n);
      await as(vault, bob).acceptDefaultAdminTransfer();
      expect(await vault.defaultAdmin()).to.equal(bob.address);
      await expect(as(vault, bob).setUnbondingDelay(1n)).to.emit(vault, "UnbondingDelayChanged").withArgs(DELAY, 1n);
      await expect(as(vault, admin).setUnbondingDelay(2n))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, DEFAULT_ADMIN_ROLE);
    });
  });
});
