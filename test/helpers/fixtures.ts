import hre from "hardhat";
import type { EIP1193Provider } from "viem";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { makeClients, type Clients } from "../../oracle/core/chain/clients";
import { deployFoundation } from "../../scripts/deploy/foundation";

/** viem clients acting as `signer` on the in-process Hardhat network. */
export function clientsFor(signer: HardhatEthersSigner): Clients {
  return makeClients({
    provider: hre.network.provider as unknown as EIP1193Provider,
    address: signer.address as `0x${string}`,
    chainId: Number(hre.network.config.chainId ?? 31337),
  });
}

export const UNBONDING_DELAY = 7 * 24 * 3600;
export const ADMIN_TRANSFER_DELAY = 2 * 24 * 3600;

/** The shared spine, deployed through the same code as `scripts/deploy`. */
export async function foundationFixture() {
  const [admin, module, treasurer, alice, bob, carol, ...others] = await hre.ethers.getSigners();
  const f = await deployFoundation(clientsFor(admin), {
    admin: admin.address as `0x${string}`,
    unbondingDelaySeconds: UNBONDING_DELAY,
    adminTransferDelaySeconds: ADMIN_TRANSFER_DELAY,
  });
  const token = await hre.ethers.getContractAt("TestToken", f.token.address);
  const vault = await hre.ethers.getContractAt("StakeVault", f.stakeVault.address);
  return { admin, module, treasurer, alice, bob, carol, others, token, vault, deployed: f };
}

/** The proof round trip: verifier + RoundTripSettlement, plus a second settlement on the same verifier. */
export async function roundTripFixture() {
  const [owner, settler, stranger] = await hre.ethers.getSigners();
  const { deployRoundTrip } = await import("../../scripts/deploy/roundtrip");
  const a = await deployRoundTrip(clientsFor(owner), owner.address as `0x${string}`);
  const b = await deployRoundTrip(clientsFor(owner), owner.address as `0x${string}`);
  const settlement = await hre.ethers.getContractAt("RoundTripSettlement", a.settlement.address);
  const other = await hre.ethers.getContractAt("RoundTripSettlement", b.settlement.address);
  return { owner, settler, stranger, settlement, other, deployed: a };
}
