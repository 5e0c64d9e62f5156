import type { Address, Hash } from "viem";
import type { Clients } from "../../oracle/core/chain/clients";
import { deployTx, sendTx, type Deployed } from "../../oracle/core/chain/tx";
import { ZkMeritError } from "../../oracle/core/errors";

export type { Deployed };

/** Deploys a compiled contract and waits for it; a failure names the contract. */
export async function deployContract(c: Clients, contractName: string, args: readonly unknown[] = []): Promise<Deployed> {
  return deployTx(c, contractName, { args });
}

/** Sends a contract write and waits for a successful receipt (oracle/core/chain/tx.ts). */
export async function send(
  c: Clients,
  address: Address,
  contractName: string,
  functionName: string,
  args: readonly unknown[] = [],
): Promise<{ txHash: Hash; gasUsed: number; blockNumber: number }> {
  const r = await sendTx(c, { address, contract: contractName, functionName, args });
  return { txHash: r.hash, gasUsed: Number(r.gasUsed), blockNumber: Number(r.blockNumber) };
}

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
    : await deployContract(c, "TestToken", ["zkmerit test stake", "ZKMT", p.admin]);
  const stakeVault = await deployContract(c, "StakeVault", [
    token.address,
    BigInt(p.unbondingDelaySeconds),
    p.admin,
    BigInt(p.adminTransferDelaySeconds),
    BigInt(p.moduleGrantDelaySeconds ?? 2 * 86400),
  ]);
  return { token, stakeVault };
}
