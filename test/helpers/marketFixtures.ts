import hre from "hardhat";
import type { Address } from "viem";
import type { Contract } from "ethers";
import { deployMarket, type MarketParams } from "../../scripts/contribution/deploy";
import { clientsFor, foundationFixture } from "./fixtures";

/** Slot capacity N of the market in the logic tests (tree depth 3). */
export const SLOT_CAPACITY = 8;

/** Deploys a fresh mock verifier (contracts/mocks/MockGroth16Verifier.sol): `setResult(bool)`, `pinInputs(uint256[6])`, `unpin()`. */
export async function deployTestVerifier(): Promise<Contract> {
  const v = await (await hre.ethers.getContractFactory("MockGroth16Verifier")).deploy();
  await v.waitForDeployment();
  return v as unknown as Contract;
}

/** Deploys a market on the foundation through the deploy code, with a fresh test verifier unless told otherwise. */
export async function deployTestMarket(f: Awaited<ReturnType<typeof foundationFixture>>, overrides: Partial<MarketParams> = {}) {
  const given = overrides.verifier !== undefined || overrides.verifierContract !== undefined;
  const verifier = given ? undefined : ((await (await deployTestVerifier()).getAddress()) as Address);
  const d = await deployMarket(clientsFor(f.admin), {
    owner: f.admin.address as Address,
    stakeVault: f.deployed.stakeVault.address,
    rewardToken: f.deployed.token.address,
    slotCapacity: SLOT_CAPACITY,
    ...(verifier ? { verifier } : {}),
    ...overrides,
  });
  const market = await hre.ethers.getContractAt("TrainingMarket", d.market.address);
  return { market, deployed: d };
}

/** The foundation (test token as both stake and reward token, stake vault) plus a TrainingMarket on the test verifier. */
export async function marketFixture() {
  const f = await foundationFixture();
  const { market, deployed } = await deployTestMarket(f);
  const verifier = (await hre.ethers.getContractAt("MockGroth16Verifier", deployed.verifier.address, f.admin)) as unknown as Contract;
  return { ...f, market, verifier, deployedMarket: deployed };
}

/** A placeholder proof for the test verifier (its result is set by the test, not by these numbers). */
export const PROOF = {
  a: [1n, 2n],
  b: [
    [3n, 4n],
    [5n, 6n],
  ],
  c: [7n, 8n],
};
