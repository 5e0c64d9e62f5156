import { type Address, type Hash } from "viem";
import { trainingMarketAbi } from "../../oracle/core/chain/abi";
import { contractAt } from "../../oracle/core/chain/contract";
import type { Clients } from "../../oracle/core/chain/clients";
import { ZkMeritError } from "../../oracle/core/errors";
import { circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import { contributionShape } from "../../oracle/contribution/taskstate";
import { deployContract, vaultAt, type Deployed } from "../deploy/foundation";
import { deployPoseidonHashers, type PoseidonHashers } from "../deploy/poseidon";
export {
  POSEIDON_ARITIES,
  POSEIDON_LIBRARIES,
  deployPoseidonHashers,
  poseidonAbi,
  type PoseidonArity,
  type PoseidonHashers,
} from "../deploy/poseidon";
import type { DeployContext, ModuleDeployment } from "../module";

/** The training market, typed by its generated ABI; writes go through the one transaction path (oracle/core/chain/tx.ts). */
export const marketAt = (c: Clients, address: Address) => contractAt(c, "TrainingMarket", trainingMarketAbi, address);

export interface MarketParams {
  /** Owner of the market contract (no power over tasks, escrow or stakes). */
  owner: Address;
  stakeVault: Address;
  /** The ERC-20 that budgets are escrowed and rewards paid in (may be the stake token). */
  rewardToken: Address;
  /** The circuit's N: a power of two in 2..64, the maximum trainers per task. */
  slotCapacity: number;
  /**
   * A compiled verifier to deploy by contract name: the generated verifier of `Contribution(N, P, 32)`
   * (e.g. "Contribution4x8Verifier"), or "MockGroth16Verifier" in logic tests. Ignored when `verifier` is given.
   */
  verifierContract?: string;
  /** An already deployed verifier. */
  verifier?: Address;
  /** Already deployed hashers (anything serving IPoseidon2/3/4); poseidon-solidity's libraries are deployed when absent. */
  hashers?: { poseidon2: Address; poseidon3: Address; poseidon4: Address };
  /** Grant the market MODULE_ROLE on the vault (the sender must hold the vault's admin role). Default true. */
  grantModuleRole?: boolean;
}

export interface Market {
  hashers: PoseidonHashers;
  verifier: Deployed;
  market: Deployed;
  /** The MODULE_ROLE grant, unless `grantModuleRole` was false. */
  moduleRoleTx?: Hash;
}

const existing = (address: Address): Deployed => ({ address, txHash: "0x" as Hash, blockNumber: 0, gasUsed: 0 });

/**
 * Deploys Module 1: the Poseidon hashers, the verifier and the TrainingMarket, then grants the
 * market MODULE_ROLE on the stake vault so trainers can lock stake and outliers can be slashed.
 */
export async function deployMarket(c: Clients, p: MarketParams): Promise<Market> {
  const n = p.slotCapacity;
  if (!Number.isInteger(n) || n < 2 || n > 64 || (n & (n - 1)) !== 0) {
    throw new ZkMeritError("CONFIG", `the slot capacity must be a power of two in 2..64 (the circuit's N), got ${n}`, {
      slotCapacity: n,
    });
  }
  if (!p.verifier && !p.verifierContract) {
    throw new ZkMeritError("CONFIG", "deployMarket needs a verifier address or a verifier contract name", {});
  }
  const hashers: PoseidonHashers = p.hashers
    ? { poseidon2: existing(p.hashers.poseidon2), poseidon3: existing(p.hashers.poseidon3), poseidon4: existing(p.hashers.poseidon4) }
    : await deployPoseidonHashers(c);
  const verifier = p.verifier ? existing(p.verifier) : await deployContract(c, p.verifierContract as string);
  const market = await deployContract(c, "TrainingMarket", {
    abi: trainingMarketAbi,
    args: [
      verifier.address,
      p.stakeVault,
      p.rewardToken,
      BigInt(n),
      hashers.poseidon2.address,
      hashers.poseidon3.address,
      hashers.poseidon4.address,
      p.owner,
    ],
  });
  let moduleRoleTx: Hash | undefined;
  if (p.grantModuleRole ?? true) {
    // MODULE_ROLE is granted through a delayed schedule; on a vault that holds no stake yet
    // (a fresh deployment) the schedule is ready at once.
    const vault = vaultAt(c, p.stakeVault);
    const scheduled = await vault.send("scheduleModuleGrant", [market.address]);
    const readyAt = await vault.read.moduleGrantReadyAt([market.address]);
    const now = (await c.publicClient.getBlock({ blockNumber: scheduled.blockNumber })).timestamp;
    if (readyAt > now) {
      throw new ZkMeritError(
        "DEPLOYMENTS",
        `TrainingMarket ${market.address} deployed; its vault module grant is scheduled and ready at ${readyAt} (call grantModule then)`,
        { market: market.address, readyAt: Number(readyAt), txHash: scheduled.hash },
      );
    }
    moduleRoleTx = (await vault.send("grantModule", [market.address])).hash;
  }
  return { hashers, verifier, market, moduleRoleTx };
}

/** The contribution circuit a deployment's market verifies unless `--circuit` says otherwise. */
export const DEFAULT_CIRCUIT = "contribution_8x130";

/**
 * Module 1's part of `zkmerit deploy`: the market for `options.circuit` (its hashers, its verifier)
 * on the spine's vault and token, granted the vault's module role.
 */
export async function deployContribution(x: DeployContext): Promise<ModuleDeployment> {
  const circuit = x.options.circuit ?? DEFAULT_CIRCUIT;
  if (typeof circuit !== "string") throw new ZkMeritError("CONFIG", `--circuit must be a circuit name, got ${String(circuit)}`, {});
  const shape = contributionShape(circuit);
  const entry = circuitArtifacts(circuit);
  if (entry.setup.insecure || entry.ptau.insecure)
    x.say(`WARNING: ${circuit} uses INSECURE development keys (fine for local chains, not for value)`);
  const mk = await deployMarket(x.clients, {
    owner: x.admin,
    stakeVault: x.stakeVault,
    rewardToken: x.token,
    slotCapacity: shape.slots,
    verifierContract: entry.verifierContract,
  });
  x.say(`TrainingMarket ${mk.market.address} verifying ${circuit} with ${entry.verifierContract} ${mk.verifier.address}`);
  return {
    contracts: {
      TrainingMarket: mk.market.address,
      Poseidon2: mk.hashers.poseidon2.address,
      Poseidon3: mk.hashers.poseidon3.address,
      Poseidon4: mk.hashers.poseidon4.address,
    },
    verifiers: {
      [circuit]: {
        address: mk.verifier.address,
        contract: entry.verifierContract,
        zkeySha256: entry.artifacts.zkey.sha256,
        vkeySha256: entry.artifacts.vkey.sha256,
        insecure: entry.setup.insecure || entry.ptau.insecure,
      },
    },
  };
}
