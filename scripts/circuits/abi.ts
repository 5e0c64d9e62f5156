import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import * as prettier from "prettier";
import type { Abi } from "viem";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";
import { loadArtifact } from "../../oracle/core/chain/artifacts";
import { ZkMeritError } from "../../oracle/core/errors";
import { GENERATED_MARK } from "./pipeline";
import type { Progress } from "./progress";

/**
 * The ABIs the oracle and the scripts call through, generated from Hardhat's artifacts as `as const`
 * TypeScript (oracle/core/chain/abi/), so that reads, writes and events are typed by them and an ABI
 * change is a compile error. Committed, so a fresh clone type-checks before anything is compiled;
 * `npm run circuits` rewrites them and `npm run circuits -- --check` fails when they differ.
 * ERC-20 calls use viem's `erc20Abi`; the generated verifiers are called by contracts only.
 */
export const ABI_CONTRACTS = [
  "TrainingMarket",
  "ReliabilityRegistry",
  "SwarmReputation",
  "SwarmCalibration",
  "StakeVault",
  "TestToken",
  "RoundTripSettlement",
] as const;

export const ABI_DIR = path.join(REPO_ROOT, "oracle", "core", "chain", "abi");

/** trainingMarket, stakeVault, ...: the file and export stem of a contract's ABI. */
function stem(contract: string): string {
  return contract.charAt(0).toLowerCase() + contract.slice(1);
}

/** A stable order (by kind, then name, then signature), so moving a function between base contracts changes nothing. */
function sorted(abi: Abi): Abi {
  const key = (x: Abi[number]) =>
    `${x.type}:${"name" in x ? x.name : ""}:${JSON.stringify("inputs" in x ? x.inputs.map((i) => i.type) : [])}`;
  return [...abi].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

const HOW = "// Regenerate with `npm run circuits`; `npm run circuits -- --check` fails if this file differs.\n";

/** Formats a generated file as `prettier --write` would, so `prettier --check .` holds them too. */
async function format(file: string, text: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

/** The generated files (name -> text) from the compiled artifacts under `artifactsDir`. */
export async function renderAbis(dir = ABI_DIR, artifactsDir?: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const contract of ABI_CONTRACTS) {
    const a = loadArtifact(contract, artifactsDir);
    files.set(
      `${stem(contract)}.ts`,
      `${GENERATED_MARK}\n` +
        `// ABI of contract ${contract} (${a.sourceName}), from its Hardhat artifact.\n` +
        HOW +
        `export const ${stem(contract)}Abi = ${JSON.stringify(sorted(a.abi))} as const;\n`,
    );
  }
  files.set(
    "index.ts",
    `${GENERATED_MARK}\n// The generated ABIs (scripts/circuits/abi.ts).\n` +
      HOW +
      ABI_CONTRACTS.map((c) => `export { ${stem(c)}Abi } from "./${stem(c)}";\n`).join(""),
  );
  for (const [name, text] of files) files.set(name, await format(path.join(dir, name), text));
  return files;
}

/** Writes the generated ABIs, removing generated files of contracts no longer listed; returns the files changed. */
export async function writeAbis(dir = ABI_DIR, artifactsDir?: string): Promise<string[]> {
  const want = await renderAbis(dir, artifactsDir);
  const changed: string[] = [];
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of want) {
    const file = path.join(dir, name);
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) continue;
    fs.writeFileSync(file, text);
    changed.push(name);
  }
  for (const f of fs.readdirSync(dir)) {
    const file = path.join(dir, f);
    if (!want.has(f) && fs.readFileSync(file, "utf8").startsWith(GENERATED_MARK)) {
      fs.rmSync(file);
      changed.push(f);
    }
  }
  return changed;
}

/** The differences between the committed ABIs and the ones the compiled contracts give (empty when none). */
export async function checkAbis(dir = ABI_DIR, artifactsDir?: string): Promise<string[]> {
  const problems: string[] = [];
  const want = await renderAbis(dir, artifactsDir);
  const rel = (f: string) => path.relative(REPO_ROOT, path.join(dir, f));
  for (const [name, text] of want) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) problems.push(`${rel(name)} is missing`);
    else if (fs.readFileSync(file, "utf8") !== text) problems.push(`${rel(name)} differs from the ABI of the compiled contracts`);
  }
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir)) {
      if (!want.has(f) && fs.readFileSync(path.join(dir, f), "utf8").startsWith(GENERATED_MARK))
        problems.push(`${rel(f)} is generated but no longer listed`);
    }
  }
  return problems;
}

/** `hardhat compile` (the verifiers installed first): the artifacts the ABIs are generated from. */
export function compileContracts(log: Progress): void {
  log("compiling the contracts (hardhat compile) for the generated ABIs ...");
  const cli = path.join(REPO_ROOT, "node_modules", "hardhat", "internal", "cli", "bootstrap.js");
  const res = spawnSync(process.execPath, [cli, "compile", "--quiet"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) {
    throw new ZkMeritError("CIRCUIT_BUILD", `hardhat compile failed:\n${`${res.stdout ?? ""}${res.stderr ?? ""}`.trim()}`, {});
  }
}
