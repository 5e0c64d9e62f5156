import { type Address, type ContractConstructorArgs, type Hash } from "viem";
import { swarmCalibrationAbi, swarmReputationAbi } from "../../oracle/core/chain/abi";
import { contractAt } from "../../oracle/core/chain/contract";
import type { Clients } from "../../oracle/core/chain/clients";
import { ZkMeritError } from "../../oracle/core/errors";
import { deployContract, vaultAt, type Deployed } from "./foundation";
import { deployPoseidonHashers, type PoseidonHashers } from "./poseidon";

/** The swarm and its calibration, typed by their generated ABIs; writes go through the one transaction path. */
export const swarmAt = (c: Clients, address: Address) => contractAt(c, "SwarmReputation", swarmReputationAbi, address);
export const calibrationAt = (c: Clients, address: Address) => contractAt(c, "SwarmCalibration", swarmCalibrationAbi, address);

/** ISwarmReputationTypes.SwarmParams, as the constructor takes it. */
export type SwarmParams = ContractConstructorArgs<typeof swarmReputationAbi>[6];

export interface SwarmDeployParams {
  stakeVault: Address;
  params: SwarmParams;
  /** The generated verifier of `Reputation(N)` for the same N (e.g. "Reputation16Verifier"), or "MockReputationVerifier". Ignored when `verifier` is given. */
  verifierContract?: string;
  verifier?: Address;
  /** Already deployed hashers; poseidon-solidity's libraries are deployed when absent. */
  hashers?: { poseidon2: Address; poseidon3: Address; poseidon4: Address };
  /** The swarm's and the calibration's admin (default the sender), who also gets CALIBRATOR_ROLE. */
  admin?: Address;
  /** Grant the swarm MODULE_ROLE on the vault (the sender must hold the vault's admin role). Default true. */
  grantModuleRole?: boolean;
}

export interface Swarm {
  hashers: PoseidonHashers;
  verifier: Deployed;
  swarm: Deployed;
  calibration: Deployed;
  moduleRoleTx?: Hash;
}

const existing = (address: Address): Deployed => ({ address, txHash: "0x" as Hash, blockNumber: 0, gasUsed: 0 });

/**
 * Deploys module 3: the Poseidon hashers (unless given), the verifier, the SwarmReputation and its
 * SwarmCalibration; gives the calibration the swarm's ADMITTER_ROLE (admission is by calibration
 * only) and the admin CALIBRATOR_ROLE, then grants the swarm MODULE_ROLE on the stake vault.
 */
export async function deploySwarm(c: Clients, p: SwarmDeployParams): Promise<Swarm> {
  if (!p.verifier && !p.verifierContract)
    throw new ZkMeritError("CONFIG", "deploySwarm needs a verifier address or a verifier contract name", {});
  const admin = p.admin ?? c.account.address;
  const hashers: PoseidonHashers = p.hashers
    ? { poseidon2: existing(p.hashers.poseidon2), poseidon3: existing(p.hashers.poseidon3), poseidon4: existing(p.hashers.poseidon4) }
    : await deployPoseidonHashers(c);
  const verifier = p.verifier ? existing(p.verifier) : await deployContract(c, p.verifierContract as string);
  const swarm = await deployContract(c, "SwarmReputation", {
    abi: swarmReputationAbi,
    args: [
      verifier.address,
      p.stakeVault,
      hashers.poseidon2.address,
      hashers.poseidon3.address,
      hashers.poseidon4.address,
      admin,
      p.params,
    ],
  });
  const calibration = await deployContract(c, "SwarmCalibration", { abi: swarmCalibrationAbi, args: [swarm.address, admin] });
  if (admin.toLowerCase() === c.account.address.toLowerCase()) {
    const s = swarmAt(c, swarm.address);
    await s.send("grantRole", [await s.read.ADMITTER_ROLE(), calibration.address]);
    const k = calibrationAt(c, calibration.address);
    await k.send("grantRole", [await k.read.CALIBRATOR_ROLE(), admin]);
  }
  let moduleRoleTx: Hash | undefined;
  if (p.grantModuleRole ?? true) {
    const vault = vaultAt(c, p.stakeVault);
    const scheduled = await vault.send("scheduleModuleGrant", [swarm.address]);
    const readyAt = await vault.read.moduleGrantReadyAt([swarm.address]);
    const now = (await c.publicClient.getBlock({ blockNumber: scheduled.blockNumber })).timestamp;
    if (readyAt > now) {
      throw new ZkMeritError(
        "DEPLOYMENTS",
        `SwarmReputation ${swarm.address} deployed; its vault module grant is scheduled and ready at ${readyAt} (call grantModule then)`,
        { swarm: swarm.address, readyAt: Number(readyAt), txHash: scheduled.hash },
      );
    }
    moduleRoleTx = (await vault.send("grantModule", [swarm.address])).hash;
  }
  return { hashers, verifier, swarm, calibration, moduleRoleTx };
}
