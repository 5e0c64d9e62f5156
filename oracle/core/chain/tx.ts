import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  getAddress,
  parseAbi,
  type Abi,
  type Address,
  type ContractConstructorArgs,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type Hex,
  type Log,
} from "viem";
import type { Clients } from "./clients";
import { loadArtifact } from "./artifacts";
import { ZkMeritError } from "../errors";

/**
 * The one transaction path of every tool: simulate, send, wait, and turn a revert into a TX_REVERTED
 * error naming the contract, the function and the custom error with its arguments
 * (`TrainingMarket.join would revert: TaskFull(taskId=1, maxTrainers=4)`).
 */

/** A mined transaction. */
export interface TxReceipt {
  hash: Hash;
  gasUsed: bigint;
  blockNumber: bigint;
  /** The receipt's logs, for viem's `parseEventLogs` with a generated ABI. */
  logs: Log[];
}

/** The state-changing functions of an ABI, and their arguments. */
export type WriteFunctionName<abi extends Abi> = ContractFunctionName<abi, "nonpayable" | "payable">;
export type WriteFunctionArgs<abi extends Abi, fn extends WriteFunctionName<abi>> = ContractFunctionArgs<abi, "nonpayable" | "payable", fn>;

/**
 * A contract write, typed by its ABI (a generated one of oracle/core/chain/abi, or viem's `erc20Abi`):
 * a function the ABI does not have, or arguments of the wrong shape, do not compile.
 */
export interface Call<abi extends Abi = Abi, fn extends WriteFunctionName<abi> = WriteFunctionName<abi>> {
  address: Address;
  /** The contract's name, for errors. */
  contract: string;
  abi: abi;
  functionName: fn;
  args: WriteFunctionArgs<abi, fn>;
}

export interface TxOptions {
  /** Waits for the receipt (a retrying wrapper, for the oracle); the client's own wait otherwise. */
  wait?: (hash: Hash) => Promise<{ status: "success" | "reverted"; gasUsed: bigint; blockNumber: bigint; logs: Log[] }>;
}

/**
 * The custom error of a reverted call with its named arguments (`CommittedThisRound(taskId=1,
 * round=0, slot=0)`), found in the revert data anywhere down the error's cause chain (providers
 * differ in where they put it), else the client's own short message.
 */
export function describeRevert(abi: Abi, e: unknown): string {
  return decodeRevert(abi, e)?.text ?? shortMessage(e);
}

function shortMessage(e: unknown): string {
  const err = e as { shortMessage?: string; message?: string };
  return err.shortMessage ?? String(err.message ?? e).split("\n")[0];
}

/**
 * The ERC-20 errors of OpenZeppelin's token (ERC-6093). A contract that moves tokens bubbles them up
 * (the vault's `stake` reverts with the token's ERC20InsufficientBalance), and they are not in its ABI.
 */
const TOKEN_ERRORS = parseAbi([
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InvalidSender(address sender)",
  "error ERC20InvalidReceiver(address receiver)",
  "error ERC20InvalidApprover(address approver)",
  "error ERC20InvalidSpender(address spender)",
]);

/** The decoded custom error of a revert, when its data is one of `abi`'s errors or a token error it bubbled up. */
export function decodeRevert(contractAbi: Abi, e: unknown): { name: string; args: Record<string, string>; text: string } | undefined {
  const abi: Abi = [...contractAbi, ...TOKEN_ERRORS];
  for (let err = e as { cause?: unknown; data?: unknown } | undefined, i = 0; err && i < 10; err = err.cause as typeof err, i++) {
    const data = typeof err.data === "string" ? err.data : (err.data as { data?: unknown } | undefined)?.data;
    if (typeof data !== "string" || !/^0x[0-9a-fA-F]{8,}$/.test(data)) continue;
    try {
      const d = decodeErrorResult({ abi, data: data as Hex });
      const item = abi.find((x) => x.type === "error" && x.name === d.errorName) as { inputs?: readonly { name?: string }[] } | undefined;
      const args: Record<string, string> = {};
      (d.args ?? []).forEach((v, k) => (args[item?.inputs?.[k]?.name ?? String(k)] = String(v)));
      const text = `${d.errorName}(${Object.entries(args)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")})`;
      return { name: d.errorName, args, text };
    } catch {
      // not this contract's error: keep looking
    }
  }
  return undefined;
}

/**
 * Whether `e` is the chain refusing the call (a revert), not the transport failing: only a revert becomes
 * TX_REVERTED; anything else is rethrown as it came, so a caller's retry still sees a network error.
 */
export function isRevert(abi: Abi, e: unknown): boolean {
  if (decodeRevert(abi, e)) return true;
  if (e instanceof BaseError && e.walk((x) => x instanceof ContractFunctionRevertedError)) return true;
  return /revert/i.test(shortMessage(e));
}

function reverted(call: { contract: string; functionName: string }, abi: Abi, e: unknown, when: "would revert" | "reverted"): ZkMeritError {
  const d = decodeRevert(abi, e);
  return new ZkMeritError("TX_REVERTED", `${call.contract}.${call.functionName} ${when}: ${d?.text ?? shortMessage(e)}`, {
    contract: call.contract,
    functionName: call.functionName,
    ...(d ? { error: d.name, errorArgs: d.args } : {}),
  });
}

/** Simulates, sends and waits for a contract write; throws TX_REVERTED with the decoded custom error. */
export async function sendTx<const abi extends Abi, fn extends WriteFunctionName<abi>>(
  c: Clients,
  typed: Call<abi, fn>,
  o: TxOptions = {},
): Promise<TxReceipt> {
  // Typed at the call site; viem's simulation takes the ABI as data from here on.
  const call = { address: typed.address, contract: typed.contract, functionName: typed.functionName as string };
  const abi: Abi = typed.abi;
  const args = typed.args as readonly unknown[];
  let request;
  try {
    ({ request } = await c.publicClient.simulateContract({
      address: call.address,
      abi,
      functionName: call.functionName,
      args,
      account: c.account,
    }));
  } catch (e) {
    if (!isRevert(abi, e)) throw e;
    throw reverted(call, abi, e, "would revert");
  }
  const hash = await c.walletClient.writeContract(request);
  const r = o.wait ? await o.wait(hash) : await c.publicClient.waitForTransactionReceipt({ hash });
  if (r.status !== "success") {
    // Mined and reverted (the state moved between the simulation and the block): replay it for the reason.
    let reason: unknown = new Error(`reverted in ${hash}`);
    try {
      await c.publicClient.simulateContract({
        address: call.address,
        abi,
        functionName: call.functionName,
        args,
        account: c.account,
        blockNumber: r.blockNumber,
      });
    } catch (e) {
      reason = e;
    }
    const err = reverted(call, abi, reason, "reverted");
    err.details.hash = hash;
    throw err;
  }
  return { hash, gasUsed: r.gasUsed, blockNumber: r.blockNumber, logs: r.logs };
}

/** A deployed contract. */
export interface Deployed {
  address: Address;
  txHash: Hash;
  blockNumber: number;
  gasUsed: number;
}

/**
 * Deploys creation bytecode (the compiled contract `label`'s, by default) and waits; a failure names
 * `label`. With a generated ABI the constructor arguments are typed by it.
 */
export async function deployTx<const abi extends Abi = Abi>(
  c: Clients,
  label: string,
  o: { abi?: abi; bytecode?: Hex; args?: ContractConstructorArgs<abi> } = {},
): Promise<Deployed> {
  const art = o.bytecode ? { abi: (o.abi ?? []) as Abi, bytecode: o.bytecode } : loadArtifact(label);
  const abi: Abi = o.abi ?? art.abi;
  let txHash: Hash;
  try {
    txHash = await c.walletClient.deployContract({ abi, bytecode: art.bytecode, args: (o.args ?? []) as readonly unknown[] });
  } catch (e) {
    throw new ZkMeritError("TX_REVERTED", `deploying ${label} would fail: ${describeRevert(abi, e)}`, { contract: label });
  }
  const r = await c.publicClient.waitForTransactionReceipt({ hash: txHash });
  if (r.status !== "success" || !r.contractAddress) {
    throw new ZkMeritError("TX_REVERTED", `deploying ${label} failed in transaction ${txHash}`, { contract: label, hash: txHash });
  }
  return { address: getAddress(r.contractAddress), txHash, blockNumber: Number(r.blockNumber), gasUsed: Number(r.gasUsed) };
}
