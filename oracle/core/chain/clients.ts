import {
  createPublicClient,
  createWalletClient,
  custom,
  http,
  type Account,
  type Chain,
  type EIP1193Provider,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { ZkMeritError } from "../errors";

export interface Clients {
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  account: Account;
  chain: Chain;
}

export interface ClientOptions {
  /** An EIP-1193 provider (the in-process Hardhat network), or */
  provider?: EIP1193Provider;
  /** an RPC URL. */
  rpcUrl?: string;
  /** Sign locally with this key, else use `address` as an unlocked node account. */
  privateKey?: `0x${string}`;
  address?: `0x${string}`;
  chainId: number;
}

/** viem clients for one account on one chain. */
export function makeClients(o: ClientOptions): Clients {
  if (!o.provider && !o.rpcUrl) throw new ZkMeritError("CONFIG", "makeClients needs a provider or an RPC URL", {});
  const transport: Transport = o.provider ? custom(o.provider) : http(o.rpcUrl, { retryCount: 3, retryDelay: 500 });
  const chain: Chain =
    o.chainId === hardhat.id
      ? hardhat
      : {
          id: o.chainId,
          name: `chain-${o.chainId}`,
          nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
          rpcUrls: { default: { http: [o.rpcUrl ?? "http://127.0.0.1:8545"] } },
        };
  let account: Account;
  if (o.privateKey) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(o.privateKey)) {
      throw new ZkMeritError("CONFIG", "the private key must be 0x followed by 64 hex digits", {});
    }
    account = privateKeyToAccount(o.privateKey);
  } else if (o.address) {
    account = { address: o.address, type: "json-rpc" } as Account;
  } else {
    throw new ZkMeritError("CONFIG", "makeClients needs a private key or an unlocked account address", {});
  }
  const publicClient = createPublicClient({ chain, transport }) as PublicClient<Transport, Chain>;
  const walletClient = createWalletClient({ chain, transport, account });
  return { publicClient, walletClient, account, chain };
}
