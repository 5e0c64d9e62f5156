import { erc20Abi, type Abi, type Address, type ContractConstructorArgs, type Hash } from "viem";
import { stakeVaultAbi, testTokenAbi } from "../../oracle/core/chain/abi";
import type { Clients } from "../../oracle/core/chain/clients";
import { contractAt } from "../../oracle/core/chain/contract";
import { deployTx, type Deployed } from "../../oracle/core/chain/tx";
import { ZkMeritError } from "../../oracle/core/errors";

export type { Deployed };

/**
 * Deploys a compiled contract (its bytecode from the artifacts) and waits for it; a failure names
 * the contract. With its generated ABI the constructor arguments are typed.
 */
export async function deployContract<const abi extends Abi = Abi>(
  c: Clients,
  contractName: string,
  o: { abi?: abi; args?: ContractConstructorArgs<abi> } = {},
): Promise<Deployed> {
  return deployTx(c, contractName, o);
}

/** The stake vault, typed by its generated ABI; writes go through the one transaction path (oracle/core/chain/tx.ts). */
export const vaultAt = (c: Clients, address: Address) => contractAt(c, "StakeVault", stakeVaultAbi, address);
/** The stake and reward token: any ERC-20, through viem's `erc20Abi`. */
export const tokenAt = (c: Clients, address: Address) => contractAt(c, "Token", erc20Abi, address);
/** The test token of local deployments (`mint`, `faucet` beside the ERC-20 calls). */
export const testTokenAt = (c: Clients, address: Address) => contractAt(c, "TestToken", testTokenAbi, address);

export interface FoundationParams {
  admin: Address;
  /** Use this staking token; when absent a TestToken is deployed (local chains and testnets). */
  token?: Address;
  unbondingDelaySeconds: number;
  adminTransferDelaySeconds: number;
  /** Seconds between scheduling and granting a vault module (MODULE_ROLE); default 2 days, at most 30 days. */
  moduleGrantDelaySeconds?: number;
}

export interface Foundation {
  token: Deployed;
  stakeVault: Deployed;
}

/** Deploys the shared spine: the staking token (unless given) and the StakeVault. */
export async function deployFoundation(c: Clients, p: FoundationParams): Promise<Foundation> {
  if (!Number.isInteger(p.unbondingDelaySeconds) || p.unbondingDelaySeconds < 0 || p.unbondingDelaySeconds > 90 * 86400) {
    throw new ZkMeritError("CONFIG", `unbonding delay must be 0..7776000 seconds (90 days), got ${p.unbondingDelaySeconds}`, {});
  }
  const token: Deployed = p.token
    ? { address: p.token, txHash: "0x" as Hash, blockNumber: 0, gasUsed: 0 }
    : await deployContract(c, "TestToken", { abi: testTokenAbi, args: ["zkmerit test stake", "ZKMT", p.admin] });
  const stakeVault = await deployContract(c, "StakeVault", {
    abi: stakeVaultAbi,
    args: [
      token.address,
      BigInt(p.unbondingDelaySeconds),
      p.admin,
      Number(p.adminTransferDelaySeconds),
      BigInt(p.moduleGrantDelaySeconds ?? 2 * 86400),
    ],
  });
  return { token, stakeVault };
}
