import { ZkMeritError } from "../errors";
import { makeClients, type Clients } from "./clients";
import { createPublicClient, http } from "viem";

export type NetworkName = "localhost" | "testnet";

export interface NetworkOptions {
  network: NetworkName;
  /** Use the node's unlocked account with this index (localhost only). */
  account?: number;
}

/**
 * Clients for a named network. localhost: $ZKMERIT_LOCAL_RPC (default http://127.0.0.1:8545) and
 * either $ZKMERIT_PRIVATE_KEY or an unlocked node account by index; testnet: $ZKMERIT_RPC_URL and
 * $ZKMERIT_PRIVATE_KEY, both required. (The in-process network lives only inside `npm run demo`.)
 */
export async function connect(o: NetworkOptions): Promise<Clients> {
  const env = process.env;
  const rpcUrl = o.network === "localhost" ? (env.ZKMERIT_LOCAL_RPC ?? "http://127.0.0.1:8545") : env.ZKMERIT_RPC_URL;
  if (!rpcUrl) throw new ZkMeritError("CONFIG", "ZKMERIT_RPC_URL is not set; export the testnet RPC URL", {});
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 2 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (e) {
    throw new ZkMeritError(
      "CONFIG",
      `cannot reach ${rpcUrl}: ${(e as Error).message.split("\n")[0]}` +
        (o.network === "localhost" ? "; start a node with `npx hardhat node`" : ""),
      { rpcUrl },
    );
  }
  const key = env.ZKMERIT_PRIVATE_KEY as `0x${string}` | undefined;
  if (key) return makeClients({ rpcUrl, privateKey: key, chainId });
  if (o.network === "testnet") throw new ZkMeritError("CONFIG", "ZKMERIT_PRIVATE_KEY is not set; export the deployer/participant key", {});
  const accounts = (await (probe.request as (a: { method: string }) => Promise<unknown>)({ method: "eth_accounts" })) as `0x${string}`[];
  const i = o.account ?? 0;
  if (!Number.isInteger(i) || i < 0 || i >= accounts.length) {
    throw new ZkMeritError(
      "CONFIG",
      `--account ${i}: the node at ${rpcUrl} has ${accounts.length} unlocked accounts (0..${accounts.length - 1})`,
      {},
    );
  }
  return makeClients({ rpcUrl, address: accounts[i], chainId });
}
