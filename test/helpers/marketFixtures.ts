import hre from "hardhat";
import type { Address } from "viem";
import { deployMarket, type MarketParams } from "../../scripts/deploy/market";
import { clientsFor, foundationFixture } from "./fixtures";

/** Slot capacity N of the market in the logic tests (tree depth 3). */
export const SLOT_CAPACITY = 8;

/** Deploys a market on the foundation through the deploy code, with the mock verifier unless told otherwise. */
export async function deployTestMarket(f: Awaited<ReturnType<typeof foundationFixture>>, overrides: Partial<MarketParams> = {}) {
  const d = await deployMarket(clientsFor(f.admin), {
    owner: f.admin.address as Address,
    stakeVault: f.deployed.stakeVault.address,
    rewardToken: f.deployed.token.address,
    slotCapacity: SLOT_CAPACITY,
    verifierContract: "MockGroth16Verifier",
    ...overrides,
  });
  const market = await hre.ethers.getContractAt("TrainingMarket", d.market.address);
  return { market, deployed: d };
}

/** The foundation (test token as both stake and reward token, stake vault) plus a TrainingMarket on the mock verifier. */
export async function marketFixture() {
  const f = await foundationFixture();
  const { market, deployed } = await deployTestMarket(f);
  const verifier = await hre.ethers.getContractAt("MockGroth16Verifier", deployed.verifier.address);
  return { ...f, market, verifier, deployedMarket: deployed };
}

/** A placeholder proof for the mock verifier (its result is set by the test, not by these numbers). */
export const PROOF = {
  a: [1n, 2n],
  b: [
    [3n, 4n],
    [5n, 6n],
  ],
  c: [7n, 8n],
};
