import { type Address, type ContractConstructorArgs, type Hash } from "viem";
import { swarmCalibrationAbi, swarmReputationAbi } from "../../oracle/core/chain/abi";
import { contractAt } from "../../oracle/core/chain/contract";
import type { Clients } from "../../oracle/core/chain/clients";
import { ZkMeritError } from "../../oracle/core/errors";
import { deployContract, vaultAt, type Deployed } from "./foundation";
import { deployPoseidonHashers, type PoseidonHashers } from "./poseidon";

/** The swarm reputation, typed by its generated ABI; writes go through the one transaction path (oracle/core/chain/tx.ts). */
export const swarmAt = (c: Clients, address: Address) => contractAt(c, "SwarmReputation", swarmReputationAbi, address);
/** The swarm's calibration (proof of capability), typed by its generated ABI. */
export const calibrationAt = (c: Clients, address: Address) => contractAt(c, "SwarmCalibration", swarmCalibrationAbi, address);

/** ISwarmReputationTypes.SwarmParams, as the constructor takes it. */
export type SwarmParams = ContractConstructorArgs<typeof swarmReputationAbi>[6];

export interface SwarmDeployParams {
  stakeVault: Address;
  /** The admin of both contracts (default the sender); when it is the sender it is also given CALIBRATOR_ROLE. */
  admin?: Address;
  /** Everything the swarm fixes for good: slots, rule, windows, stakes, penalties, strike rule, reward split. */
  params: SwarmParams;
  /**
   * A compiled verifier to deploy by contract name: the generated verifier of `Reputation(N)` for
   * N = params.slots (e.g. "Reputation8Verifier"), or "MockReputationVerifier" in logic tests.
   * Ignored when `verifier` is given.
   */
  verifierContract?: string;
  /** An already deployed verifier. */
  verifier?: Address;
  /** Already deployed hashers (anything serving IPoseidon2/3/4); poseidon-solidity's libraries are deployed when absent. */
  hashers?: { poseidon2: Address; poseidon3: Address; poseidon4: Address };
  /** Grant the swarm MODULE_ROLE on the vault (the sender must hold the vault's admin role). Default true. */
  grantModuleRole?: boolean;
}

export interface Swarm {
  hashers: PoseidonHashers;
  verifier: Deployed;
  swarm: Deployed;
  calibration: Deployed;
  /** The ADMITTER_ROLE grant to the calibration. */
  admitterRoleTx: Hash;
  /** The CALIBRATOR_ROLE grant to the admin, when the admin is the sender. */
  calibratorRoleTx?: Hash;
  /** The MODULE_ROLE grant, unless `grantModuleRole` was false. */
  moduleRoleTx?: Hash;
}

const existing = (address: Address): Deployed => ({ address, txHash: "0x" as Hash, blockNumber: 0, gasUsed: 0 });

/**
 * Deploys Module 3: the Poseidon hashers (unless given), the verifier, the SwarmReputation and its
 * SwarmCalibration, grants the calibration ADMITTER_ROLE on the swarm (admission is by calibration
 * only) and the admin CALIBRATOR_ROLE, then the swarm MODULE_ROLE on the stake vault so nodes can
 * lock stake.
 */
export async function deploySwarm(c: Clients, p: SwarmDeployParams): Promise<Swarm> {
  if (!p.verifier && !p.verifierContract) {
    throw new ZkMeritError("CONFIG", "deploySwarm needs a verifier address or a verifier contract name", {});
  }
  const hashers: PoseidonHashers = p.hashers
    ? { poseidon2: existing(p.hashers.poseidon2), poseidon3: existing(p.hashers.poseidon3), poseidon4: existing(p.hashers.poseidon4) }
    : await deployPoseidonHashers(c);
  const verifier = p.verifier ? existing(p.verifier) : await deployContract(c, p.verifierContract as string);
  const admin = p.admin ?? c.account.address;
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
  const s = swarmAt(c, swarm.address);
  const admitterRoleTx = (await s.send("grantRole", [await s.read.ADMITTER_ROLE(), calibration.address])).hash;
  let calibratorRoleTx: Hash | undefined;
  if (admin.toLowerCase() === c.account.address.toLowerCase()) {
    const k = calibrationAt(c, calibration.address);
    calibratorRoleTx = (await k.send("grantRole", [await k.read.CALIBRATOR_ROLE(), admin])).hash;
  }
  let moduleRoleTx: Hash | undefined;
  if (p.grantModuleRole ?? true) {
    // MODULE_ROLE is granted through a delayed schedule; on a vault that holds no stake yet
    // (a fresh deployment) the schedule is ready at once.
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
  return { hashers, verifier, swarm, calibration, admitterRoleTx, calibratorRoleTx, moduleRoleTx };
}
