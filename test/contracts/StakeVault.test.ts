import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress, id, parseEther, type Contract } from "ethers";
import { deployFoundation } from "../../scripts/deploy/foundation";
import { ADMIN_TRANSFER_DELAY, UNBONDING_DELAY, clientsFor, foundationFixture } from "../helpers/fixtures";

const { ethers } = hre;

const MAX_UNBONDING_DELAY = 90n * 24n * 3600n;
const MAX_MODULE_GRANT_DELAY = 30n * 24n * 3600n;
/** The deploy code's default module grant delay. */
const MODULE_GRANT_DELAY = 2n * 24n * 3600n;
const DELAY = BigInt(UNBONDING_DELAY);
const FUNDS = parseEther("1000");
const OFFENCE_A = id("offence-a");
const OFFENCE_B = id("offence-b");

interface Stake {
  free: bigint;
  locked: bigint;
  unbonding: bigint;
  unbondingReleaseAt: bigint;
  moduleUnbonding: bigint;
}

interface Totals {
  free: bigint;
  locked: bigint;
  unbonding: bigint;
  moduleUnbonding: bigint;
  slashedUnswept: bigint;
}

/** The foundation, plus MODULE_ROLE for `module` and a second module (scheduled and granted at once on the
 * empty vault, as the deploy code does), and funded, approving stakers. */
async function vaultFixture() {
  const f = await foundationFixture();
  const { admin, alice, bob, carol, token, vault, others } = f;
  const [module2, stranger] = others;
  const MODULE_ROLE: string = await vault.MODULE_ROLE();
  const TREASURER_ROLE: string = await vault.TREASURER_ROLE();
  const DEFAULT_ADMIN_ROLE: string = await vault.DEFAULT_ADMIN_ROLE();
  const asAdmin = vault.connect(admin) as Contract;
  for (const m of [f.module, module2]) {
    await asAdmin.scheduleModuleGrant(m.address);
    await asAdmin.grantModule(m.address);
  }
  const GRANT_DELAY: bigint = await vault.moduleGrantDelay();
  const vaultAddress = await vault.getAddress();
  for (const s of [alice, bob, carol]) {
    await (token.connect(admin) as Contract).mint(s.address, FUNDS);
    await (token.connect(s) as Contract).approve(vaultAddress, ethers.MaxUint256);
  }
  return { ...f, module2, stranger, vaultAddress, MODULE_ROLE, TREASURER_ROLE, DEFAULT_ADMIN_ROLE, GRANT_DELAY };
}

/** `contract` with `signer` as the sender. */
function as(contract: Contract, signer: HardhatEthersSigner): Contract {
  return contract.connect(signer) as Contract;
}

async function stakeOf(vault: Contract, account: HardhatEthersSigner): Promise<Stake> {
  const s = await vault.stakeOf(account.address);
  return {
    free: s.free,
    locked: s.locked,
    unbonding: s.unbonding,
    unbondingReleaseAt: s.unbondingReleaseAt,
    moduleUnbonding: s.moduleUnbonding,
  };
}

async function totalsOf(vault: Contract): Promise<Totals> {
  const t = await vault.totals();
  return { free: t.free, locked: t.locked, unbonding: t.unbonding, moduleUnbonding: t.moduleUnbonding, slashedUnswept: t.slashedUnswept };
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
  expect(await token.balanceOf(await vault.getAddress())).to.equal(t.free + t.locked + t.unbonding + t.moduleUnbonding + t.slashedUnswept);
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
      expect(await vault.moduleGrantDelay()).to.equal(MODULE_GRANT_DELAY);
      expect(await vault.MAX_MODULE_GRANT_DELAY()).to.equal(MAX_MODULE_GRANT_DELAY);
      expect(MODULE_ROLE).to.equal(id("zkmerit.MODULE_ROLE"));
      expect(TREASURER_ROLE).to.equal(id("zkmerit.TREASURER_ROLE"));
      expect(await vault.defaultAdmin()).to.equal(admin.address);
      expect(await vault.defaultAdminDelay()).to.equal(ADMIN_TRANSFER_DELAY);
      expect(await vault.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await vault.hasRole(TREASURER_ROLE, admin.address)).to.equal(true);
      expect(await vault.hasRole(TREASURER_ROLE, module.address)).to.equal(false);
      expect(await totalsOf(vault)).to.deep.equal({ free: 0n, locked: 0n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 0n });
    });

    it("grants no module role by itself", async () => {
      const { vault, module } = await loadFixture(foundationFixture);
      expect(await vault.hasRole(await vault.MODULE_ROLE(), module.address)).to.equal(false);
    });

    it("emits UnbondingDelayChanged from zero to the initial delay", async () => {
      const { token, admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      const v = await factory.deploy(await token.getAddress(), 3600n, admin.address, 0n, 0n);
      await expect(v.deploymentTransaction()).to.emit(v, "UnbondingDelayChanged").withArgs(0n, 3600n);
    });

    it("emits ModuleGrantDelaySet with the module grant delay", async () => {
      const { token, admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      const v = await factory.deploy(await token.getAddress(), 3600n, admin.address, 0n, 600n);
      await expect(v.deploymentTransaction()).to.emit(v, "ModuleGrantDelaySet").withArgs(600n);
    });

    it("accepts the maximum module grant delay, and one shorter than the unbonding delay", async () => {
      const { token, admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      const v = (await factory.deploy(await token.getAddress(), DELAY, admin.address, 0n, MAX_MODULE_GRANT_DELAY)) as Contract;
      expect(await v.moduleGrantDelay()).to.equal(MAX_MODULE_GRANT_DELAY);
      const w = (await factory.deploy(await token.getAddress(), DELAY, admin.address, 0n, 60n)) as Contract;
      expect(await w.moduleGrantDelay()).to.equal(60n);
    });

    it("reverts if the module grant delay exceeds the maximum", async () => {
      const { token, admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      await expect(factory.deploy(await token.getAddress(), DELAY, admin.address, 0n, MAX_MODULE_GRANT_DELAY + 1n))
        .to.be.revertedWithCustomError(factory, "ModuleGrantDelayTooLong")
        .withArgs(MAX_MODULE_GRANT_DELAY + 1n, MAX_MODULE_GRANT_DELAY);
    });

    it("accepts the maximum unbonding delay", async () => {
      const { token, admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      const v = (await factory.deploy(await token.getAddress(), MAX_UNBONDING_DELAY, admin.address, 0n, 0n)) as Contract;
      expect(await v.unbondingDelay()).to.equal(MAX_UNBONDING_DELAY);
    });

    it("reverts if the unbonding delay exceeds the maximum", async () => {
      const { token, admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      await expect(factory.deploy(await token.getAddress(), MAX_UNBONDING_DELAY + 1n, admin.address, 0n, 0n))
        .to.be.revertedWithCustomError(factory, "UnbondingDelayTooLong")
        .withArgs(MAX_UNBONDING_DELAY + 1n, MAX_UNBONDING_DELAY);
    });

    it("reverts if the token is the zero address", async () => {
      const { admin } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      await expect(factory.deploy(ZeroAddress, DELAY, admin.address, 0n, 0n))
        .to.be.revertedWithCustomError(factory, "ZeroAddress")
        .withArgs("token");
    });

    it("reverts if the admin is the zero address", async () => {
      const { token } = await loadFixture(vaultFixture);
      const factory = await ethers.getContractFactory("StakeVault");
      await expect(factory.deploy(await token.getAddress(), DELAY, ZeroAddress, 0n, 0n))
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
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 100n,
        locked: 0n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 0n,
      });
      expect(await totalsOf(vault)).to.deep.equal({ free: 100n, locked: 0n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 0n });
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
      expect(await totalsOf(fotVault)).to.deep.equal({ free: 0n, locked: 0n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 0n });
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
      expect(await totalsOf(reeVault)).to.deep.equal({ free: 0n, locked: 0n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 0n });
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
        moduleUnbonding: 0n,
      });
      expect(await totalsOf(vault)).to.deep.equal({ free: 70n, locked: 0n, unbonding: 30n, moduleUnbonding: 0n, slashedUnswept: 0n });
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
        moduleUnbonding: 0n,
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
        moduleUnbonding: 0n,
      });
      expect(await totalsOf(vault)).to.deep.equal({ free: 75n, locked: 0n, unbonding: 25n, moduleUnbonding: 0n, slashedUnswept: 0n });
    });

    it("resets the release time when everything is rebonded", async () => {
      const { vault, token, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(40n);
      const tx = as(vault, alice).rebond(40n);
      await expect(tx).to.emit(vault, "Rebonded").withArgs(alice.address, 40n);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [0n, 0n]);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 100n,
        locked: 0n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 0n,
      });
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
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 50n,
        locked: 10n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 0n,
      });
      expect(await totalsOf(vault)).to.deep.equal({ free: 50n, locked: 10n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 0n });
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
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 40n,
        locked: 60n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 0n,
      });
      expect(await vault.lockedBy(module.address, alice.address)).to.equal(60n);
      expect(await totalsOf(vault)).to.deep.equal({ free: 40n, locked: 60n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 0n });
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
    it("moves locked stake into the module's unbonding bucket for the account and emits Unlocked", async () => {
      const { vault, token, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      const at = await atNextBlock();
      const tx = as(vault, module).unlock(alice.address, 25n);
      await expect(tx).to.emit(vault, "Unlocked").withArgs(module.address, alice.address, 25n);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [0n, 0n]);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 40n,
        locked: 35n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 25n,
      });
      expect(await vault.lockedBy(module.address, alice.address)).to.deep.equal(35n);
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([25n, at + DELAY]);
      expect(await totalsOf(vault)).to.deep.equal({ free: 40n, locked: 35n, unbonding: 0n, moduleUnbonding: 25n, slashedUnswept: 0n });
      await expectBalanced(token, vault);
    });

    it("merges into a bucket still unbonding and keeps the later release time", async () => {
      const { vault, admin, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      await as(vault, module).unlock(alice.address, 10n);
      const later = await atNextBlock(3600);
      await as(vault, module).unlock(alice.address, 5n);
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([15n, later + DELAY]);
      // With a shorter delay now, the merged bucket still waits for the earlier, later-ending release.
      await as(vault, admin).setUnbondingDelay(60n);
      await as(vault, module).unlock(alice.address, 5n);
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([20n, later + DELAY]);
      expect((await stakeOf(vault, alice)).moduleUnbonding).to.equal(20n);
    });

    it("becomes free stake at the release time; stakeOf counts it before a transaction moves it", async () => {
      const { vault, token, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      const at = await atNextBlock();
      await as(vault, module).unlock(alice.address, 25n);
      await time.increaseTo(at + DELAY - 1n);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 40n,
        locked: 35n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 25n,
      });
      await time.increaseTo(at + DELAY);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 65n,
        locked: 35n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 0n,
      });
      // Not moved yet: the bucket and the totals still hold it.
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([25n, at + DELAY]);
      expect((await totalsOf(vault)).moduleUnbonding).to.equal(25n);
      // The account's next action moves it first.
      const tx = as(vault, alice).unstake(65n);
      await expect(tx).to.emit(vault, "UnlockedReleased").withArgs(module.address, alice.address, 25n);
      await expect(tx).to.emit(vault, "UnbondingStarted");
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([0n, 0n]);
      expect(await totalsOf(vault)).to.deep.equal({ free: 0n, locked: 35n, unbonding: 65n, moduleUnbonding: 0n, slashedUnswept: 0n });
      await expectBalanced(token, vault);
    });

    it("moves a released bucket to free before starting a new one, so released stake is never slashable again", async () => {
      const { vault, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      const first = await atNextBlock();
      await as(vault, module).unlock(alice.address, 10n);
      await time.setNextBlockTimestamp(first + DELAY);
      const tx = as(vault, module).unlock(alice.address, 5n);
      await expect(tx).to.emit(vault, "UnlockedReleased").withArgs(module.address, alice.address, 10n);
      await expect(tx).to.emit(vault, "Unlocked").withArgs(module.address, alice.address, 5n);
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([5n, first + DELAY + DELAY]);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 50n,
        locked: 45n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 5n,
      });
    });

    it("keeps each module's buckets apart", async () => {
      const { vault, module, module2, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 30n);
      await as(vault, module2).lock(alice.address, 30n);
      const at = await atNextBlock();
      await as(vault, module).unlock(alice.address, 10n);
      const at2 = await atNextBlock();
      await as(vault, module2).unlock(alice.address, 20n);
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([10n, at + DELAY]);
      expect(await vault.unlockedBy(module2.address, alice.address)).to.deep.equal([20n, at2 + DELAY]);
      expect((await stakeOf(vault, alice)).moduleUnbonding).to.equal(30n);
      expect((await totalsOf(vault)).moduleUnbonding).to.equal(30n);
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

  describe("# releaseUnlocked", () => {
    /** alice: 35 locked by `module`, 25 in its bucket released at `releaseAt`, 40 free. */
    async function bucketFixture() {
      const f = await vaultFixture();
      await as(f.vault, f.alice).stake(100n);
      await as(f.vault, f.module).lock(f.alice.address, 60n);
      const at = await atNextBlock();
      await as(f.vault, f.module).unlock(f.alice.address, 25n);
      return { ...f, releaseAt: at + DELAY };
    }

    it("moves a released bucket to free stake on anyone's call and emits UnlockedReleased", async () => {
      const { vault, token, module, alice, stranger, releaseAt } = await loadFixture(bucketFixture);
      await time.increaseTo(releaseAt);
      expect(await as(vault, stranger).releaseUnlocked.staticCall(module.address, alice.address)).to.equal(25n);
      const tx = as(vault, stranger).releaseUnlocked(module.address, alice.address);
      await expect(tx).to.emit(vault, "UnlockedReleased").withArgs(module.address, alice.address, 25n);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [0n, 0n]);
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([0n, 0n]);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 65n,
        locked: 35n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 0n,
      });
      expect(await totalsOf(vault)).to.deep.equal({ free: 65n, locked: 35n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 0n });
      await expectBalanced(token, vault);
    });

    it("reverts before the release time, with the times", async () => {
      const { vault, module, alice, releaseAt } = await loadFixture(bucketFixture);
      await time.setNextBlockTimestamp(releaseAt - 1n);
      await expect(as(vault, alice).releaseUnlocked(module.address, alice.address))
        .to.be.revertedWithCustomError(vault, "UnlockedStakeNotReleased")
        .withArgs(module.address, alice.address, releaseAt, releaseAt - 1n);
    });

    it("reverts if there is no bucket, or it was already moved", async () => {
      const { vault, module, module2, alice, releaseAt } = await loadFixture(bucketFixture);
      await expect(as(vault, alice).releaseUnlocked(module2.address, alice.address))
        .to.be.revertedWithCustomError(vault, "NoUnlockedStake")
        .withArgs(module2.address, alice.address);
      await time.increaseTo(releaseAt);
      await as(vault, alice).releaseUnlocked(module.address, alice.address);
      await expect(as(vault, alice).releaseUnlocked(module.address, alice.address))
        .to.be.revertedWithCustomError(vault, "NoUnlockedStake")
        .withArgs(module.address, alice.address);
    });

    it("releases a revoked module's bucket at once: it can no longer slash it", async () => {
      const { vault, admin, module, alice, stranger, MODULE_ROLE } = await loadFixture(bucketFixture);
      await as(vault, admin).revokeRole(MODULE_ROLE, module.address);
      expect((await stakeOf(vault, alice)).free).to.equal(65n);
      await expect(as(vault, stranger).releaseUnlocked(module.address, alice.address))
        .to.emit(vault, "UnlockedReleased")
        .withArgs(module.address, alice.address, 25n);
      expect((await totalsOf(vault)).moduleUnbonding).to.equal(0n);
    });

    it("is done for every due bucket by the account's own next action", async () => {
      const { vault, module, module2, alice, releaseAt } = await loadFixture(bucketFixture);
      await as(vault, module2).lock(alice.address, 40n);
      await as(vault, module2).unlock(alice.address, 15n);
      // module2's bucket for alice is released one block after module's.
      await time.setNextBlockTimestamp(releaseAt);
      const tx = as(vault, alice).stake(1n);
      await expect(tx).to.emit(vault, "UnlockedReleased").withArgs(module.address, alice.address, 25n);
      expect((await vault.unlockedBy(module2.address, alice.address))[0]).to.equal(15n);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 26n,
        locked: 60n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 15n,
      });
      await time.increase(UNBONDING_DELAY);
      await expect(as(vault, alice).unstake(1n)).to.emit(vault, "UnlockedReleased").withArgs(module2.address, alice.address, 15n);
      expect(await totalsOf(vault)).to.deep.equal({ free: 40n, locked: 60n, unbonding: 1n, moduleUnbonding: 0n, slashedUnswept: 0n });
    });
  });

  describe("# slash", () => {
    /** alice: 40 locked by `module`, 10 in its bucket, 20 unbonding (her own unstake), 30 free. */
    async function slashableFixture() {
      const f = await vaultFixture();
      await as(f.vault, f.alice).stake(100n);
      await as(f.vault, f.module).lock(f.alice.address, 50n);
      const at = await atNextBlock();
      await as(f.vault, f.module).unlock(f.alice.address, 10n);
      await as(f.vault, f.alice).unstake(20n);
      return { ...f, bucketReleaseAt: at + DELAY };
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
      expect(await totalsOf(vault)).to.deep.equal({ free: 30n, locked: 15n, unbonding: 20n, moduleUnbonding: 10n, slashedUnswept: 25n });
      await expectBalanced(token, vault);
    });

    it("then takes what the module unlocked for the account, keeping the bucket's release time", async () => {
      const { vault, token, module, alice, bucketReleaseAt } = await loadFixture(slashableFixture);
      const before = await stakeOf(vault, alice);
      await expect(as(vault, module).slash(alice.address, 45n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 45n, 45n);
      expect(await stakeOf(vault, alice)).to.deep.equal({ ...before, locked: 0n, moduleUnbonding: 5n });
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([5n, bucketReleaseAt]);
      expect(await totalsOf(vault)).to.deep.equal({ free: 30n, locked: 0n, unbonding: 20n, moduleUnbonding: 5n, slashedUnswept: 45n });
      await expectBalanced(token, vault);
    });

    it("clears the bucket when it empties it", async () => {
      const { vault, module, alice } = await loadFixture(slashableFixture);
      await as(vault, module).slash(alice.address, 50n, OFFENCE_A);
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([0n, 0n]);
      expect((await stakeOf(vault, alice)).moduleUnbonding).to.equal(0n);
      // A new unlock starts a fresh bucket.
      await as(vault, module).lock(alice.address, 5n);
      const at = await atNextBlock();
      await as(vault, module).unlock(alice.address, 5n);
      expect(await vault.unlockedBy(module.address, alice.address)).to.deep.equal([5n, at + DELAY]);
    });

    it("takes at most the lock plus the bucket, and reports requested and taken", async () => {
      const { vault, token, module, alice } = await loadFixture(slashableFixture);
      expect(await as(vault, module).slash.staticCall(alice.address, 1000n, OFFENCE_A)).to.equal(50n);
      await expect(as(vault, module).slash(alice.address, 1000n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 1000n, 50n);
      const s = await stakeOf(vault, alice);
      expect([s.free, s.locked, s.unbonding, s.moduleUnbonding]).to.deep.equal([30n, 0n, 20n, 0n]);
      expect(await totalsOf(vault)).to.deep.equal({ free: 30n, locked: 0n, unbonding: 20n, moduleUnbonding: 0n, slashedUnswept: 50n });
      await expectBalanced(token, vault);
    });

    it("returns the amount taken", async () => {
      const { vault, module, alice } = await loadFixture(slashableFixture);
      expect(await as(vault, module).slash.staticCall(alice.address, 45n, OFFENCE_A)).to.equal(45n);
    });

    it("never touches another module's lock or bucket", async () => {
      const { vault, module, module2, alice } = await loadFixture(slashableFixture);
      // alice: module 40 + bucket 10, module2 15 + bucket 5, unbonding 20, free 10.
      await as(vault, module2).lock(alice.address, 20n);
      await as(vault, module2).unlock(alice.address, 5n);
      await expect(as(vault, module).slash(alice.address, 1000n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 1000n, 50n);
      expect(await vault.lockedBy(module2.address, alice.address)).to.equal(15n);
      expect((await vault.unlockedBy(module2.address, alice.address))[0]).to.equal(5n);
      const s = await stakeOf(vault, alice);
      expect([s.free, s.locked, s.unbonding, s.moduleUnbonding]).to.deep.equal([10n, 15n, 20n, 5n]);
      // module2's own slash takes its lock and bucket.
      await expect(as(vault, module2).slash(alice.address, 1000n, OFFENCE_B))
        .to.emit(vault, "Slashed")
        .withArgs(module2.address, alice.address, OFFENCE_B, 1000n, 20n);
      expect((await totalsOf(vault)).slashedUnswept).to.equal(70n);
    });

    it("does not reach the bucket once it is released, and moves it to free first", async () => {
      const { vault, token, module, alice, bucketReleaseAt } = await loadFixture(slashableFixture);
      await time.setNextBlockTimestamp(bucketReleaseAt);
      const tx = as(vault, module).slash(alice.address, 1000n, OFFENCE_A);
      await expect(tx).to.emit(vault, "UnlockedReleased").withArgs(module.address, alice.address, 10n);
      await expect(tx).to.emit(vault, "Slashed").withArgs(module.address, alice.address, OFFENCE_A, 1000n, 40n);
      const s = await stakeOf(vault, alice);
      expect([s.free, s.locked, s.unbonding, s.moduleUnbonding]).to.deep.equal([40n, 0n, 20n, 0n]);
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
      await as(vault, module).lock(bob.address, 100n);
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
      await as(vault, module2).lock(alice.address, 10n);
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

  describe("attacks (each of these succeeded on the vault that slashed across modules and free stake)", () => {
    it("a module cannot slash another module's lock", async () => {
      const { vault, token, module, module2, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module2).lock(alice.address, 60n);
      await expect(as(vault, module).slash(alice.address, 1000n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 1000n, 0n);
      expect(await vault.lockedBy(module2.address, alice.address)).to.equal(60n);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 40n,
        locked: 60n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 0n,
      });
      await expectBalanced(token, vault);
    });

    it("a module cannot slash free stake", async () => {
      const { vault, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await expect(as(vault, module).slash(alice.address, 100n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 100n, 0n);
      await as(vault, module).lock(alice.address, 10n);
      await expect(as(vault, module).slash(alice.address, 100n, OFFENCE_B))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_B, 100n, 10n);
      expect((await stakeOf(vault, alice)).free).to.equal(90n);
    });

    it("a module cannot slash stake the account is unstaking", async () => {
      const { vault, token, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, alice).unstake(100n);
      await expect(as(vault, module).slash(alice.address, 70n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 70n, 0n);
      await time.increase(UNBONDING_DELAY);
      const tx = as(vault, alice).withdraw();
      await expect(tx).to.emit(vault, "Withdrawn").withArgs(alice.address, 100n);
      await expect(tx).to.changeTokenBalances(token, [alice, vault], [100n, -100n]);
      await expectBalanced(token, vault);
    });

    it("a module can slash what it unlocked within the unbonding delay, and not after", async () => {
      const { vault, token, module, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 50n);
      const at = await atNextBlock();
      await as(vault, module).unlock(alice.address, 50n);
      await time.setNextBlockTimestamp(at + DELAY - 1n);
      await expect(as(vault, module).slash(alice.address, 20n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 20n, 20n);
      await time.setNextBlockTimestamp(at + DELAY);
      const tx = as(vault, module).slash(alice.address, 1000n, OFFENCE_B);
      await expect(tx).to.emit(vault, "UnlockedReleased").withArgs(module.address, alice.address, 30n);
      await expect(tx).to.emit(vault, "Slashed").withArgs(module.address, alice.address, OFFENCE_B, 1000n, 0n);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 80n,
        locked: 0n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 0n,
      });
      await expectBalanced(token, vault);
    });

    it("a module cannot slash what another module unlocked", async () => {
      const { vault, module, module2, alice } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module2).lock(alice.address, 30n);
      await as(vault, module2).unlock(alice.address, 30n);
      await expect(as(vault, module).slash(alice.address, 1000n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(module.address, alice.address, OFFENCE_A, 1000n, 0n);
      expect((await vault.unlockedBy(module2.address, alice.address))[0]).to.equal(30n);
    });

    it("an admin cannot grant itself MODULE_ROLE without the delay, and stakers can leave meanwhile", async () => {
      const { vault, admin, alice, MODULE_ROLE, GRANT_DELAY } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await expect(as(vault, admin).grantRole(MODULE_ROLE, admin.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantMustBeScheduled")
        .withArgs(admin.address);
      const at = await atNextBlock();
      await expect(as(vault, admin).scheduleModuleGrant(admin.address))
        .to.emit(vault, "ModuleGrantScheduled")
        .withArgs(admin.address, at + GRANT_DELAY);
      const now = await atNextBlock();
      await expect(as(vault, admin).grantModule(admin.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantNotReady")
        .withArgs(admin.address, at + GRANT_DELAY, now);
      await expect(as(vault, admin).lock(alice.address, 100n))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, MODULE_ROLE);
      // alice sees the schedule and unstakes; unbonding stake can be neither locked nor slashed.
      await as(vault, alice).unstake(100n);
      await time.setNextBlockTimestamp(at + GRANT_DELAY);
      await as(vault, admin).grantModule(admin.address);
      await expect(as(vault, admin).lock(alice.address, 1n))
        .to.be.revertedWithCustomError(vault, "InsufficientFreeStake")
        .withArgs(alice.address, 0n, 1n);
      await expect(as(vault, admin).slash(alice.address, 100n, OFFENCE_A))
        .to.emit(vault, "Slashed")
        .withArgs(admin.address, alice.address, OFFENCE_A, 100n, 0n);
    });

    it("grantRole(MODULE_ROLE) reverts, even on an empty vault and for the admin", async () => {
      const { vault, admin, module } = await loadFixture(foundationFixture);
      const MODULE_ROLE = await vault.MODULE_ROLE();
      await expect(as(vault as unknown as Contract, admin).grantRole(MODULE_ROLE, module.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantMustBeScheduled")
        .withArgs(module.address);
      expect(await vault.hasRole(MODULE_ROLE, module.address)).to.equal(false);
    });
  });

  describe("# module grants", () => {
    /** The vault with stake in it, so grants wait for the delay. */
    async function stakedFixture() {
      const f = await vaultFixture();
      await as(f.vault, f.alice).stake(100n);
      return f;
    }

    it("schedules a grant ready after the delay and emits ModuleGrantScheduled", async () => {
      const { vault, admin, stranger, GRANT_DELAY } = await loadFixture(stakedFixture);
      expect(await vault.moduleGrantReadyAt(stranger.address)).to.equal(0n);
      const at = await atNextBlock();
      await expect(as(vault, admin).scheduleModuleGrant(stranger.address))
        .to.emit(vault, "ModuleGrantScheduled")
        .withArgs(stranger.address, at + GRANT_DELAY);
      expect(await vault.moduleGrantReadyAt(stranger.address)).to.equal(at + GRANT_DELAY);
    });

    it("reverts granting before the delay, with the times", async () => {
      const { vault, admin, bob, stranger, GRANT_DELAY } = await loadFixture(stakedFixture);
      const at = await atNextBlock();
      await as(vault, admin).scheduleModuleGrant(stranger.address);
      await time.setNextBlockTimestamp(at + GRANT_DELAY - 1n);
      await expect(as(vault, bob).grantModule(stranger.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantNotReady")
        .withArgs(stranger.address, at + GRANT_DELAY, at + GRANT_DELAY - 1n);
    });

    it("grants at the ready time on anyone's call and clears the schedule", async () => {
      const { vault, admin, alice, bob, stranger, MODULE_ROLE, GRANT_DELAY } = await loadFixture(stakedFixture);
      const at = await atNextBlock();
      await as(vault, admin).scheduleModuleGrant(stranger.address);
      await time.setNextBlockTimestamp(at + GRANT_DELAY);
      await expect(as(vault, bob).grantModule(stranger.address))
        .to.emit(vault, "RoleGranted")
        .withArgs(MODULE_ROLE, stranger.address, bob.address);
      expect(await vault.hasRole(MODULE_ROLE, stranger.address)).to.equal(true);
      expect(await vault.moduleGrantReadyAt(stranger.address)).to.equal(0n);
      await expect(as(vault, stranger).lock(alice.address, 10n)).to.emit(vault, "Locked").withArgs(stranger.address, alice.address, 10n);
      await expect(as(vault, bob).grantModule(stranger.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantNotScheduled")
        .withArgs(stranger.address);
    });

    it("makes a schedule ready at once while the vault holds no stake at all", async () => {
      const { vault, admin, module, others } = await loadFixture(foundationFixture);
      const [stranger] = others;
      const v = vault as unknown as Contract;
      const at = await atNextBlock();
      await expect(as(v, admin).scheduleModuleGrant(module.address)).to.emit(v, "ModuleGrantScheduled").withArgs(module.address, at);
      await expect(as(v, stranger).grantModule(module.address))
        .to.emit(v, "RoleGranted")
        .withArgs(await v.MODULE_ROLE(), module.address, stranger.address);
    });

    it("counts free, locked, unbonding and unlocked stake as stake, but not slashed tokens", async () => {
      const { vault, admin, module, alice, others, GRANT_DELAY } = await loadFixture(vaultFixture);
      const [, , x1, x2, x3, x4] = others;
      const readyDelay = async (m: HardhatEthersSigner): Promise<bigint> => {
        const at = await atNextBlock();
        await as(vault, admin).scheduleModuleGrant(m.address);
        return (await vault.moduleGrantReadyAt(m.address)) - at;
      };
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 60n);
      await as(vault, alice).unstake(40n);
      // Locked 60, unbonding 40.
      expect(await readyDelay(x1)).to.equal(GRANT_DELAY);
      await time.increase(UNBONDING_DELAY);
      await as(vault, alice).withdraw();
      await as(vault, module).unlock(alice.address, 60n);
      // Only the bucket of 60 is left.
      expect(await totalsOf(vault)).to.deep.equal({ free: 0n, locked: 0n, unbonding: 0n, moduleUnbonding: 60n, slashedUnswept: 0n });
      expect(await readyDelay(x2)).to.equal(GRANT_DELAY);
      await as(vault, module).slash(alice.address, 50n, OFFENCE_A);
      await time.increase(UNBONDING_DELAY);
      await as(vault, alice).releaseUnlocked(module.address, alice.address);
      // Only free stake (10) is left.
      expect(await readyDelay(x3)).to.equal(GRANT_DELAY);
      await as(vault, alice).unstake(10n);
      await time.increase(UNBONDING_DELAY);
      await as(vault, alice).withdraw();
      // Only the 50 slashed tokens are left: they are the treasury's, nobody's stake.
      expect(await totalsOf(vault)).to.deep.equal({ free: 0n, locked: 0n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 50n });
      expect(await readyDelay(x4)).to.equal(0n);
    });

    it("reverts scheduling twice, with the ready time", async () => {
      const { vault, admin, stranger, GRANT_DELAY } = await loadFixture(stakedFixture);
      const at = await atNextBlock();
      await as(vault, admin).scheduleModuleGrant(stranger.address);
      await expect(as(vault, admin).scheduleModuleGrant(stranger.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantAlreadyScheduled")
        .withArgs(stranger.address, at + GRANT_DELAY);
    });

    it("reverts scheduling a module that already holds the role, or the zero address", async () => {
      const { vault, admin, module } = await loadFixture(stakedFixture);
      await expect(as(vault, admin).scheduleModuleGrant(module.address))
        .to.be.revertedWithCustomError(vault, "ModuleAlreadyGranted")
        .withArgs(module.address);
      await expect(as(vault, admin).scheduleModuleGrant(ZeroAddress))
        .to.be.revertedWithCustomError(vault, "ZeroAddress")
        .withArgs("module");
    });

    it("a cancelled schedule cannot be granted; a new schedule waits the full delay again", async () => {
      const { vault, admin, bob, stranger, GRANT_DELAY } = await loadFixture(stakedFixture);
      const at = await atNextBlock();
      await as(vault, admin).scheduleModuleGrant(stranger.address);
      await expect(as(vault, admin).cancelModuleGrant(stranger.address))
        .to.emit(vault, "ModuleGrantCancelled")
        .withArgs(stranger.address, at + GRANT_DELAY);
      expect(await vault.moduleGrantReadyAt(stranger.address)).to.equal(0n);
      await time.increaseTo(at + GRANT_DELAY);
      await expect(as(vault, bob).grantModule(stranger.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantNotScheduled")
        .withArgs(stranger.address);
      const again = await atNextBlock();
      await as(vault, admin).scheduleModuleGrant(stranger.address);
      expect(await vault.moduleGrantReadyAt(stranger.address)).to.equal(again + GRANT_DELAY);
    });

    it("reverts cancelling or granting what is not scheduled", async () => {
      const { vault, admin, stranger } = await loadFixture(stakedFixture);
      await expect(as(vault, admin).cancelModuleGrant(stranger.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantNotScheduled")
        .withArgs(stranger.address);
      await expect(as(vault, admin).grantModule(stranger.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantNotScheduled")
        .withArgs(stranger.address);
    });

    it("lets only the admin schedule and cancel", async () => {
      const { vault, admin, module, stranger, DEFAULT_ADMIN_ROLE } = await loadFixture(stakedFixture);
      await expect(as(vault, module).scheduleModuleGrant(stranger.address))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(module.address, DEFAULT_ADMIN_ROLE);
      await as(vault, admin).scheduleModuleGrant(stranger.address);
      await expect(as(vault, stranger).cancelModuleGrant(stranger.address))
        .to.be.revertedWithCustomError(vault, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
    });

    it("needs a new schedule to bring back a revoked module", async () => {
      const { vault, admin, module, MODULE_ROLE, GRANT_DELAY } = await loadFixture(stakedFixture);
      await as(vault, admin).revokeRole(MODULE_ROLE, module.address);
      await expect(as(vault, admin).grantModule(module.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantNotScheduled")
        .withArgs(module.address);
      const at = await atNextBlock();
      await as(vault, admin).scheduleModuleGrant(module.address);
      expect(await vault.moduleGrantReadyAt(module.address)).to.equal(at + GRANT_DELAY);
    });
  });

  describe("# sweepSlashed", () => {
    async function slashedFixture() {
      const f = await vaultFixture();
      await as(f.vault, f.alice).stake(100n);
      await as(f.vault, f.bob).stake(50n);
      await as(f.vault, f.module).lock(f.alice.address, 30n);
      await as(f.vault, f.module2).lock(f.bob.address, 12n);
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
      expect(await totalsOf(vault)).to.deep.equal({ free: 108n, locked: 0n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 0n });
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
    it("still gives other roles through grantRole by the admin", async () => {
      const { vault, admin, treasurer, TREASURER_ROLE } = await loadFixture(vaultFixture);
      await expect(as(vault, admin).grantRole(TREASURER_ROLE, treasurer.address))
        .to.emit(vault, "RoleGranted")
        .withArgs(TREASURER_ROLE, treasurer.address, admin.address);
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

    it("revokes at once; the revoked module's buckets are released at once", async () => {
      const { vault, admin, module, alice, MODULE_ROLE } = await loadFixture(vaultFixture);
      await as(vault, alice).stake(100n);
      await as(vault, module).lock(alice.address, 10n);
      await as(vault, module).unlock(alice.address, 4n);
      await expect(as(vault, admin).revokeRole(MODULE_ROLE, module.address))
        .to.emit(vault, "RoleRevoked")
        .withArgs(MODULE_ROLE, module.address, admin.address);
      expect(await stakeOf(vault, alice)).to.deep.equal({
        free: 94n,
        locked: 6n,
        unbonding: 0n,
        unbondingReleaseAt: 0n,
        moduleUnbonding: 0n,
      });
      await expect(as(vault, alice).unstake(94n)).to.emit(vault, "UnlockedReleased").withArgs(module.address, alice.address, 4n);
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
      // MODULE_ROLE is refused to everyone, pointing at the scheduled path.
      await expect(as(vault, module).grantRole(MODULE_ROLE, stranger.address))
        .to.be.revertedWithCustomError(vault, "ModuleGrantMustBeScheduled")
        .withArgs(stranger.address);
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
