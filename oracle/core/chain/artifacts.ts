import fs from "node:fs";
import path from "node:path";
import type { Abi, Hex } from "viem";
import { ZkMeritError } from "../errors";
import { REPO_ROOT } from "../artifacts/manifest";

export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
}

const cache = new Map<string, ContractArtifact>();

/** Finds Hardhat's compiled artifact of `contractName` under artifacts/contracts. */
export function loadArtifact(contractName: string, artifactsDir = path.join(REPO_ROOT, "artifacts", "contracts")): ContractArtifact {
  const hit = cache.get(`${artifactsDir}:${contractName}`);
  if (hit) return hit;
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === `${contractName}.json`) found.push(p);
    }
  };
  walk(artifactsDir);
  if (found.length === 0) {
    const how = /Verifier$/.test(contractName)
      ? "build the circuits' verifiers first, then compile: `npm run circuits && npx hardhat compile`"
      : "run `npx hardhat compile`";
    throw new ZkMeritError("ARTIFACT_MISSING", `no compiled artifact for contract ${contractName}; ${how}`, {
      contractName,
    });
  }
  if (found.length > 1) {
    throw new ZkMeritError("ARTIFACT_MISMATCH", `contract name ${contractName} is ambiguous: ${found.join(", ")}`, { contractName });
  }
  const a = JSON.parse(fs.readFileSync(found[0], "utf8")) as ContractArtifact;
  cache.set(`${artifactsDir}:${contractName}`, a);
  return a;
}
