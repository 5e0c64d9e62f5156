/**
 * The on-chain Poseidon hashers every module shares (contracts/base/PoseidonHashers.sol calls them):
 * poseidon-solidity's libraries, deployed once per deployment and reused by each module's deploy.
 */
import path from "node:path";
import { type Abi } from "viem";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";
import { loadArtifact, type ContractArtifact } from "../../oracle/core/chain/artifacts";
import type { Clients } from "../../oracle/core/chain/clients";
import { deployTx } from "../../oracle/core/chain/tx";
import type { Deployed } from "./foundation";

/** The Poseidon arities the modules call (module 1: reward-tree nodes, state and accumulator, task header; module 2: the epoch header and the feedback accumulator). */
export const POSEIDON_ARITIES = [2, 3, 4] as const;
export type PoseidonArity = (typeof POSEIDON_ARITIES)[number];

/** poseidon-solidity's library for each arity (its T counts the capacity element: T = inputs + 1). */
export const POSEIDON_LIBRARIES: Record<PoseidonArity, string> = { 2: "PoseidonT3", 3: "PoseidonT4", 4: "PoseidonT5" };

export interface PoseidonHashers {
  poseidon2: Deployed;
  poseidon3: Deployed;
  poseidon4: Deployed;
}

/** The compiled hasher with `n` inputs (Hardhat puts dependencies' artifacts beside contracts/, not under it). */
function poseidonArtifact(n: PoseidonArity): ContractArtifact {
  return loadArtifact(POSEIDON_LIBRARIES[n], path.join(REPO_ROOT, "artifacts", "poseidon-solidity"));
}

/** The ABI of the hasher with `n` inputs: `hash(uint256[n]) returns (uint256)`. */
export function poseidonAbi(n: PoseidonArity): Abi {
  return poseidonArtifact(n).abi;
}

/** Deploys the Poseidon hashers with 2, 3 and 4 inputs: poseidon-solidity's libraries, called directly. */
export async function deployPoseidonHashers(c: Clients): Promise<PoseidonHashers> {
  const deployed: Deployed[] = [];
  for (const n of POSEIDON_ARITIES) {
    const a = poseidonArtifact(n);
    deployed.push(await deployTx(c, a.contractName, { abi: a.abi, bytecode: a.bytecode }));
  }
  const [poseidon2, poseidon3, poseidon4] = deployed;
  return { poseidon2, poseidon3, poseidon4 };
}
