import fs from "node:fs";
import type { Address } from "viem";
import { contributionShape } from "../../oracle/contribution/taskstate";
import { marketCircuit } from "../../oracle/contribution/module";
import { circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import type { Clients } from "../../oracle/core/chain/clients";
import type { Deployments } from "../../oracle/core/chain/deployments";
import { deployFoundation } from "../deploy/foundation";
import { deployMarket } from "../deploy/market";

export interface DeployOptions {
  network: string;
  /** The contribution circuit instance the market verifies (contribution_NxP). */
  circuit: string;
  /** An existing ERC-20 to stake and pay rewards in; a TestToken is deployed when absent. */
  token?: Address;
  unbondingDelaySeconds: number;
  adminTransferDelaySeconds: number;
}

/** Deploys the whole system and returns the deployments record every other command reads. */
export async function deploySystem(c: Clients, o: DeployOptions, say: (s: string) => void = () => {}): Promise<Deployments> {
  const shape = contributionShape(o.circuit);
  const entry = circuitArtifacts(o.circuit);
  if (entry.setup.insecure || entry.ptau.insecure)
    say(`WARNING: ${o.circuit} uses INSECURE development keys (fine for local chains, not for value)`);
  const startBlock = Number(await c.publicClient.getBlockNumber({ cacheTime: 0 })) + 1;
  const admin = c.account.address;
  const f = await deployFoundation(c, {
    admin,
    token: o.token,
    unbondingDelaySeconds: o.unbondingDelaySeconds,
    adminTransferDelaySeconds: o.adminTransferDelaySeconds,
  });
  say(`StakeVault ${f.stakeVault.address} (token ${f.token.address}${o.token ? "" : ", a new TestToken"})`);
  const mk = await deployMarket(c, {
    owner: admin,
    stakeVault: f.stakeVault.address,
    rewardToken: f.token.address,
    slotCapacity: shape.slots,
    verifierContract: entry.verifierContract,
  });
  say(`TrainingMarket ${mk.market.address} verifying ${o.circuit} with ${entry.verifierContract} ${mk.verifier.address}`);
  return {
    network: o.network,
    chainId: c.chain.id,
    deployedAt: new Date().toISOString(),
    deployer: admin,
    startBlock,
    contracts: {
      ...(o.token ? {} : { TestToken: f.token.address }),
      Token: f.token.address,
      StakeVault: f.stakeVault.address,
      TrainingMarket: mk.market.address,
      Poseidon2: mk.hashers.poseidon2.address,
      Poseidon3: mk.hashers.poseidon3.address,
      Poseidon4: mk.hashers.poseidon4.address,
    },
    verifiers: {
      [o.circuit]: {
        address: mk.verifier.address,
        contract: entry.verifierContract,
        zkeySha256: entry.artifacts.zkey.sha256,
        vkeySha256: entry.artifacts.vkey.sha256,
        insecure: entry.setup.insecure || entry.ptau.insecure,
      },
    },
  };
}

export { marketCircuit };

export function exists(file: string): boolean {
  return fs.existsSync(file);
}
