import { getContract, type Abi, type Address, type GetContractReturnType, type PublicClient } from "viem";
import type { Clients } from "./clients";
import { sendTx, type TxOptions, type TxReceipt, type WriteFunctionArgs, type WriteFunctionName } from "./tx";

/** viem's typed reads of a contract with `abi` (`contract.read.fn(args)`). */
export type ContractReads<abi extends Abi> = GetContractReturnType<abi, PublicClient> extends { read: infer R } ? R : never;

/** A deployed contract with a const ABI: reads and writes typed by it. */
export interface BoundContract<abi extends Abi> {
  /** The name errors use (`TrainingMarket.join would revert: ...`). */
  readonly name: string;
  readonly address: Address;
  readonly abi: abi;
  /** Typed reads, as viem's `getContract`: `vault.read.stakeOf([account])` returns a `StakeInfo` object. */
  readonly read: ContractReads<abi>;
  /** A typed write through the one transaction path (`sendTx`: simulate, send, wait, decoded reverts). */
  send<fn extends WriteFunctionName<abi>>(functionName: fn, args: WriteFunctionArgs<abi, fn>, o?: TxOptions): Promise<TxReceipt>;
}

/** Binds `abi` (one of the generated ABIs of oracle/core/chain/abi, or viem's `erc20Abi`) to an address for one account. */
export function contractAt<const abi extends Abi>(c: Clients, name: string, abi: abi, address: Address): BoundContract<abi> {
  const reader = getContract({ address, abi, client: c.publicClient as PublicClient });
  return {
    name,
    address,
    abi,
    read: (reader as unknown as { read: ContractReads<abi> }).read,
    send: (functionName, args, o) => sendTx(c, { address, contract: name, abi, functionName, args }, o),
  };
}
