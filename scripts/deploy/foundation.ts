import { getAddress, type Address, type Hash } from "viem";
import { loadArtifact } from "../../oracle/chain/artifacts";
import type { Clients } from "../../oracle/chain/clients";
import { ZkMeritError } from "../../oracle/errors";

export interface Deployed {
  address: Address;
  txHash: Hash;
  blockNumber: number;
  gasUsed: number;
}

/** Deploys a compiled contract and waits for it; reverts surface as errors naming the contract. */
export async function deployContract(c: Clients, contractName: string, args: readonly unknown[] = []): Promise<Deployed> {
  const art = loadArtifact(contractName);
  const txHash = await c.walletClient.deployContract({ abi: art.abi, bytecode: art.bytecode, args: args as unknown[] });
  const r = await c.publicClient.waitForTransactionReceipt({ hash: txHash });
  if (r.status !== "success" || !r.contractAddress) {
    throw new ZkMeritError("DEPLOYMENTS", `deploying ${contractName} failed in transaction ${txHash}`, { contractName, txHash });
  }
  return { address: getAddress(r.contractAddress), txHash, blockNumber: Number(r.blockNumber), gasUsed: Number(r.gasUsed) };
}

/** Sends a contract write and waits for a successful receipt; returns the gas used. */
export async function send(
  c: Clients,
  address: Address,
  contractName: string,
  functionName: string,
  args: readonly unknown[] = [],
): Promise<{ txHash: Hash; gasUsed: number; blockNumber: number }> {
  const art = loadArtifact(contractName);
  const { request } = await c.publicClient.simulateContract({
    address,
    abi: art.abi,
    functionName,
    args: args as unknown[],
    account: c.account,
  });
  const txHash = await c.walletClient.writeContract(request);
  const r = await c.publicClient.waitForTransactionReceipt({ hash: txHash });
  if (r.status !== "success") {
    throw new ZkMeritError("DEPLOYMENTS", `${contractName}.${functionName} reverted in transaction ${txHash}`, { txHash });
  }
  return { txHash, gasUsed: Number(r.gasUsed), blockNumber: Number(r.blockNumber) };
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
