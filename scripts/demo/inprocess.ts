import type { EIP1193Provider } from "viem";
import { makeClients, type Clients } from "../../oracle/core/chain/clients";

/**
 * The embedded Hardhat network: compiles the contracts and returns viem clients for its
 * unlocked development accounts. Loaded lazily so commands aimed at other networks never load Hardhat.
 */
export async function inProcessNetwork(): Promise<{
  accounts: Clients[];
  provider: EIP1193Provider;
  increaseTime(s: number): Promise<void>;
}> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as typeof import("hardhat");
  await hre.run("compile", { quiet: true });
  const provider = hre.network.provider as unknown as EIP1193Provider;
  const addrs = (await provider.request({ method: "eth_accounts" })) as `0x${string}`[];
  const chainId = Number(hre.network.config.chainId ?? 31337);
  const accounts = addrs.map((address) => makeClients({ provider, address, chainId }));
  const increaseTime = async (s: number) => {
    await (provider.request as (a: { method: string; params?: unknown[] }) => Promise<unknown>)({
      method: "evm_increaseTime",
      params: [s],
    });
    await (provider.request as (a: { method: string; params?: unknown[] }) => Promise<unknown>)({ method: "evm_mine", params: [] });
  };
  return { accounts, provider, increaseTime };
}
