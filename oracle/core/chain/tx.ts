import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  getAddress,
  parseAbi,
  type Abi,
  type Address,
  type Hash,
  type Hex,
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
  logs: readonly { address: Address; data: Hex; topics: readonly Hex[] }[];
}

/** A contract write: a compiled contract by name (its ABI from the artifacts), or an explicit ABI. */
export interface Call {
  address: Address;
  /** Contract name in the compiled artifacts, used for the ABI when `abi` is absent and in errors. */
  contract: string;
  abi?: Abi;
  functionName: string;
  args?: readonly unknown[];
}

export interface TxOptions {
  /** Waits for the receipt (a retrying wrapper, for the oracle); the client's own wait otherwise. */
  wait?: (hash: Hash) => Promise<{ status: "success" | "reverted"; gasUsed: bigint; blockNumber: bigint; logs: unknown[] }>;
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

function reverted(call: Call, abi: Abi, e: unknown, when: "would revert" | "reverted"): ZkMeritError {
  const d = decodeRevert(abi, e);
  return new ZkMeritError("TX_REVERTED", `${call.contract}.${call.functionName} ${when}: ${d?.text ?? shortMessage(e)}`, {
    contract: call.contract,
    functionName: call.functionName,
    ...(d ? { error: d.name, errorArgs: d.args } : {}),
  });
}

/** Simulates, sends and waits for a contract write; throws TX_REVERTED with the decoded custom error. */
export async function sendTx(c: Clients, call: Call, o: TxOptions = {}): Promise<TxReceipt> {
  const abi = call.abi ?? loadArtifact(call.contract).abi;
  let request;
  try {
    ({ request } = await c.publicClient.simulateContract({
      address: call.address,
      abi,
      functionName: call.functionName,
      args: (call.args ?? []) as unknown[],
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
        args: (call.args ?? []) as unknown[],
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
  return { hash, gasUsed: r.gasUsed, blockNumber: r.blockNumber, logs: r.logs as TxReceipt["logs"] };
}

/** A deployed contract. */
export interface Deployed {
  address: Address;
  txHash: Hash;
  blockNumber: number;
  gasUsed: number;
}

/** Deploys creation bytecode (a compiled contract's, by default) and waits; a failure names `label`. */
export async function deployTx(
  c: Clients,
  label: string,
  o: { abi?: Abi; bytecode?: Hex; args?: readonly unknown[] } = {},
): Promise<Deployed> {
  const art = o.abi && o.bytecode ? { abi: o.abi, bytecode: o.bytecode } : loadArtifact(label);
  let txHash: Hash;
  try {
    txHash = await c.walletClient.deployContract({ abi: art.abi, bytecode: art.bytecode, args: (o.args ?? []) as unknown[] });
  } catch (e) {
    throw new ZkMeritError("TX_REVERTED", `deploying ${label} would fail: ${describeRevert(art.abi, e)}`, { contract: label });
  }
  const r = await c.publicClient.waitForTransactionReceipt({ hash: txHash });
  if (r.status !== "success" || !r.contractAddress) {
    throw new ZkMeritError("TX_REVERTED", `deploying ${label} failed in transaction ${txHash}`, { contract: label, hash: txHash });
  }
  return { address: getAddress(r.contractAddress), txHash, blockNumber: Number(r.blockNumber), gasUsed: Number(r.gasUsed) };
}
