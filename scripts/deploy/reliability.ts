import { type Address, type ContractConstructorArgs, type Hash } from "viem";
import { reliabilityRegistryAbi } from "../../oracle/core/chain/abi";
import { contractAt } from "../../oracle/core/chain/contract";
import type { Clients } from "../../oracle/core/chain/clients";
import { ZkMeritError } from "../../oracle/core/errors";
import { deployContract, vaultAt, type Deployed } from "./foundation";
import { deployPoseidonHashers, type PoseidonHashers } from "./poseidon";

/** The source reliability registry, typed by its generated ABI; writes go through the one transaction path (oracle/core/chain/tx.ts). */
export const registryAt = (c: Clients, address: Address) => contractAt(c, "ReliabilityRegistry", reliabilityRegistryAbi, address);

/** IReliabilityRegistryTypes.RegistryParams, as the constructor takes it. */
export type RegistryParams = ContractConstructorArgs<typeof reliabilityRegistryAbi>[5];

export interface RegistryDeployParams {
  stakeVault: Address;
  /** Everything the registry fixes for good: circuit shape, rule, windows, stakes, penalties, strike rule, prior. */
  params: RegistryParams;
  /**
   * A compiled verifier to deploy by contract name: the generated verifier of `Reliability(W, Q, E, U)`
   * of the same shape (e.g. "Reliability1x8x5x2Verifier"), or "MockReliabilityVerifier" in logic
   * tests. Ignored when `verifier` is given.
   */
  verifierContract?: string;
  /** An already deployed verifier. */
  verifier?: Address;
  /** Already deployed hashers (anything serving IPoseidon2/3/4); poseidon-solidity's libraries are deployed when absent. */
  hashers?: { poseidon2: Address; poseidon3: Address; poseidon4: Address };
  /** Grant the registry MODULE_ROLE on the vault (the sender must hold the vault's admin role). Default true. */
  grantModuleRole?: boolean;
}

export interface Registry {
  hashers: PoseidonHashers;
  verifier: Deployed;
  registry: Deployed;
  /** The MODULE_ROLE grant, unless `grantModuleRole` was false. */
  moduleRoleTx?: Hash;
}

const existing = (address: Address): Deployed => ({ address, txHash: "0x" as Hash, blockNumber: 0, gasUsed: 0 });

/**
 * Deploys Module 2: the Poseidon hashers (unless given), the verifier and the ReliabilityRegistry,
 * then grants the registry MODULE_ROLE on the stake vault so sources and evaluators can lock stake.
 */
export async function deployReliability(c: Clients, p: RegistryDeployParams): Promise<Registry> {
  if (!p.verifier && !p.verifierContract) {
    throw new ZkMeritError("CONFIG", "deployReliability needs a verifier address or a verifier contract name", {});
  }
  const hashers: PoseidonHashers = p.hashers
    ? { poseidon2: existing(p.hashers.poseidon2), poseidon3: existing(p.hashers.poseidon3), poseidon4: existing(p.hashers.poseidon4) }
    : await deployPoseidonHashers(c);
  const verifier = p.verifier ? existing(p.verifier) : await deployContract(c, p.verifierContract as string);
  const registry = await deployContract(c, "ReliabilityRegistry", {
    abi: reliabilityRegistryAbi,
    args: [verifier.address, p.stakeVault, hashers.poseidon2.address, hashers.poseidon3.address, hashers.poseidon4.address, p.params],
  });
  let moduleRoleTx: Hash | undefined;
  if (p.grantModuleRole ?? true) {
    // MODULE_ROLE is granted through a delayed schedule; on a vault that holds no stake yet
    // (a fresh deployment) the schedule is ready at once.
    const vault = vaultAt(c, p.stakeVault);
    const scheduled = await vault.send("scheduleModuleGrant", [registry.address]);
    const readyAt = await vault.read.moduleGrantReadyAt([registry.address]);
    const now = (await c.publicClient.getBlock({ blockNumber: scheduled.blockNumber })).timestamp;
    if (readyAt > now) {
      throw new ZkMeritError(
        "DEPLOYMENTS",
        `ReliabilityRegistry ${registry.address} deployed; its vault module grant is scheduled and ready at ${readyAt} (call grantModule then)`,
        { registry: registry.address, readyAt: Number(readyAt), txHash: scheduled.hash },
      );
    }
    moduleRoleTx = (await vault.send("grantModule", [registry.address])).hash;
  }
  return { hashers, verifier, registry, moduleRoleTx };
}
