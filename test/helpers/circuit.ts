import fs from "node:fs";
import path from "node:path";
import { wasm as wasmTester, type WasmTester } from "circom_tester";
import { CIRCUITS_DIR, REPO_ROOT, cacheDir } from "../../oracle/core/artifacts/manifest";
import { circuitSources } from "../../scripts/circuits/pipeline";
import { sha256 } from "../../scripts/circuits/hash";

// circom_tester shells out to `circom`: put the circom2-backed shim first on PATH.
const SHIM_DIR = path.join(REPO_ROOT, "scripts", "bin");
if (!(process.env.PATH ?? "").split(path.delimiter).includes(SHIM_DIR)) {
  process.env.PATH = `${SHIM_DIR}${path.delimiter}${process.env.PATH ?? ""}`;
}

const testers = new Map<string, Promise<WasmTester>>();

/**
 * A witness tester for one template instance of a file under circuits/ (compiled with --O2).
 * Compiled output is cached by content (sources, template, parameters), so reruns are instant.
 */
export function templateTester(file: string, template: string, params: number[], publics: string[] = []): Promise<WasmTester> {
  const abs = path.join(CIRCUITS_DIR, file);
  const sources = [...circuitSources(abs).entries()].map(([f, t]) => `${path.relative(REPO_ROOT, f)}:${sha256(t)}`).sort();
  const key = sha256(JSON.stringify({ sources, template, params, publics })).slice(0, 24);
  let t = testers.get(key);
  if (!t) {
    const output = path.join(cacheDir(), "testers", key);
    const compiled = fs.existsSync(path.join(output, "DONE"));
    t = wasmTester(abs, {
      include: [path.join(REPO_ROOT, "node_modules"), CIRCUITS_DIR],
      templateName: template,
      templateParams: params,
      templatePublicSignals: publics.length ? publics : undefined,
      output,
      recompile: !compiled,
      O: 2,
    }).then((tester) => {
      fs.writeFileSync(path.join(output, "DONE"), "");
      return tester;
    });
    testers.set(key, t);
  }
  return t;
}

/** Computes a witness and checks every constraint; returns the witness. */
export async function expectPass(t: WasmTester, input: Record<string, unknown>): Promise<bigint[]> {
  const w = await t.calculateWitness(input, true);
  await t.checkConstraints(w);
  return w;
}

/** Asserts the input cannot produce a satisfying witness (witness generation or constraints fail). */
export async function expectFail(t: WasmTester, input: Record<string, unknown>): Promise<void> {
  let w: bigint[];
  try {
    w = await t.calculateWitness(input, true);
  } catch {
    return;
  }
  try {
    await t.checkConstraints(w);
  } catch {
    return;
  }
  throw new Error(`expected the circuit to reject input ${JSON.stringify(input, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
}

/** Asserts that an edited witness fails the constraints. */
export async function expectTamperedFails(t: WasmTester, witness: bigint[], index: number, value: bigint): Promise<void> {
  const w = [...witness];
  w[index] = value;
  let failed = false;
  try {
    await t.checkConstraints(w);
  } catch {
    failed = true;
  }
  if (!failed) throw new Error(`witness with signal ${index} set to ${value} still satisfies the constraints`);
}

/** Index in the witness of a named signal of the main component (e.g. "main.packed"). */
export async function signalIndex(t: WasmTester, name: string): Promise<number> {
  await t.loadSymbols();
  const s = t.symbols[name];
  if (!s || s.varIdx < 0) throw new Error(`signal ${name} is not in the witness (optimized away or misspelled)`);
  return s.varIdx;
}

/** Number of constraints of a tester's circuit. */
export async function constraintCount(t: WasmTester): Promise<number> {
  await t.loadConstraints();
  return t.constraints.length;
}
