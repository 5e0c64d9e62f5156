import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { ZkMeritError } from "../errors";

/** The repository root (this file is oracle/core/artifacts/manifest.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const CIRCUITS_DIR = path.join(REPO_ROOT, "circuits");
export const CIRCUITS_JSON = path.join(CIRCUITS_DIR, "circuits.json");
export const BUILD_DIR = path.join(CIRCUITS_DIR, "build");
export const MANIFEST_PATH = path.join(BUILD_DIR, "manifest.json");
export const VERIFIERS_DIR = path.join(REPO_ROOT, "contracts", "verifiers");

/**
 * Where slow one-time work (Powers of Tau, zkeys) is cached, outside git and shared by every
 * clone on the machine: $ZKMERIT_CACHE_DIR, else $XDG_CACHE_HOME/zkmerit, else ~/.cache/zkmerit.
 */
export function cacheDir(): string {
  if (process.env.ZKMERIT_CACHE_DIR) return path.resolve(process.env.ZKMERIT_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  return path.join(base, "zkmerit");
}

export const CircuitSize = z.enum(["test", "demo", "bench"]);
export type CircuitSize = z.infer<typeof CircuitSize>;

/** One instance in circuits/circuits.json. */
export const CircuitSpec = z
  .object({
    file: z.string().regex(/^[A-Za-z0-9_./-]+\.circom$/, "must be a .circom path relative to circuits/"),
    template: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a circom template name"),
    params: z.array(z.number().int().nonnegative()),
    public: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)),
    size: CircuitSize,
  })
  .strict();
export type CircuitSpec = z.infer<typeof CircuitSpec>;

export const CircuitsFile = z.object({
  $comment: z.string().optional(),
  circuits: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, "circuit names are lower_snake_case"), CircuitSpec),
});

export function loadCircuitsFile(file = CIRCUITS_JSON): Record<string, CircuitSpec> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ZkMeritError("CIRCUIT_CONFIG", `cannot read ${file}: ${(e as Error).message}`, { file });
  }
  const names = Object.keys((raw as { circuits?: Record<string, unknown> })?.circuits ?? {});
  for (const n of names) {
    if (!/^[a-z][a-z0-9_]*$/.test(n)) {
      throw new ZkMeritError("CIRCUIT_CONFIG", `${file}: circuit name "${n}" must be lower_snake_case (a-z, 0-9, _)`, { file, name: n });
    }
  }
  const parsed = CircuitsFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ZkMeritError("CIRCUIT_CONFIG", `${file}: ${issue.path.join(".")}: ${issue.message}`, { file });
  }
  return parsed.data.circuits;
}

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** What `npm run circuits` recorded for one circuit. Paths are absolute. */
export const ManifestEntry = z.object({
  name: z.string(),
  spec: CircuitSpec,
  key: Hex64,
  dir: z.string(),
  constraints: z.number().int(),
  publicInputs: z.number().int(),
  privateInputs: z.number().int(),
  wires: z.number().int(),
  ptau: z.object({ file: z.string(), power: z.number().int(), sha256: Hex64, source: z.string(), insecure: z.boolean() }),
  setup: z.object({
    source: z.enum(["dev", "ceremony"]),
    seed: z.string().optional(),
    insecure: z.boolean(),
    /** How a development key was written: the fast generator or snarkjs (zkey new + zkey beacon); the same bytes. */
    method: z.enum(["fast", "snarkjs"]).optional(),
    /** The writer's version (part of the key's cache key). */
    generator: z.string().optional(),
  }),
  verifierContract: z.string(),
  verifierFile: z.string(),
  artifacts: z.object({
    r1cs: z.object({ path: z.string(), sha256: Hex64 }),
    wasm: z.object({ path: z.string(), sha256: Hex64 }),
    zkey: z.object({ path: z.string(), sha256: Hex64 }),
    vkey: z.object({ path: z.string(), sha256: Hex64 }),
    verifier: z.object({ path: z.string(), sha256: Hex64 }),
  }),
  timings: z.record(z.string(), z.number()),
  builtAt: z.string(),
});
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export const Manifest = z.object({
  version: z.literal(1),
  circuits: z.record(z.string(), ManifestEntry),
});
export type Manifest = z.infer<typeof Manifest>;

export function readManifest(file = MANIFEST_PATH): Manifest {
  if (!fs.existsSync(file)) return { version: 1, circuits: {} };
  const parsed = Manifest.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new ZkMeritError("ARTIFACT_MISMATCH", `${file} is malformed (${parsed.error.issues[0].message}); run \`npm run circuits\``, {
      file,
    });
  }
  return parsed.data;
}

/** The manifest entry of `name`, or an error telling the user to build it. */
export function circuitArtifacts(name: string, file = MANIFEST_PATH): ManifestEntry {
  const entry = readManifest(file).circuits[name];
  if (!entry) {
    throw new ZkMeritError(
      "ARTIFACT_MISSING",
      `circuit "${name}" has no artifacts in ${file}; run \`npm run circuits -- --only ${name}\``,
      { name },
    );
  }
  for (const [kind, a] of Object.entries(entry.artifacts)) {
    if (!fs.existsSync(a.path)) {
      throw new ZkMeritError("ARTIFACT_MISSING", `${kind} of circuit "${name}" is missing at ${a.path}; run \`npm run circuits\``, {
        name,
        kind,
      });
    }
  }
  return entry;
}

/** Solidity contract name of a circuit's verifier: roundtrip_8 -> Roundtrip8Verifier. */
export function verifierContractName(circuit: string): string {
  return (
    circuit
      .split("_")
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join("") + "Verifier"
  );
}
