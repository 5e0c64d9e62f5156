import fs from "node:fs";
import * as snarkjs from "snarkjs";
import type { Groth16Proof, VerificationKey } from "snarkjs";
import { ZkMeritError } from "../errors";
import { circuitArtifacts, type ManifestEntry } from "../artifacts/manifest";
import { SNARK_FIELD } from "../field";

/** A proof in the layout the Solidity verifier and IGroth16Settlement.Groth16Proof take. */
export interface SolidityProof {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
}

export interface ProofResult {
  circuit: string;
  proof: Groth16Proof;
  publicSignals: bigint[];
  seconds: number;
}

/** Converts a snarkjs proof to verifier layout (the G2 point's coordinates are swapped). */
export function toSolidityProof(p: Groth16Proof): SolidityProof {
  const n = (s: string) => BigInt(s);
  return {
    a: [n(p.pi_a[0]), n(p.pi_a[1])],
    b: [
      [n(p.pi_b[0][1]), n(p.pi_b[0][0])],
      [n(p.pi_b[1][1]), n(p.pi_b[1][0])],
    ],
    c: [n(p.pi_c[0]), n(p.pi_c[1])],
  };
}

/** The snarkjs layout of a proof in verifier layout (G2 coordinates swapped back), as read from an event. */
export function fromSolidityProof(p: SolidityProof): Groth16Proof {
  const s = (x: bigint) => x.toString();
  return {
    pi_a: [s(p.a[0]), s(p.a[1]), "1"],
    pi_b: [
      [s(p.b[0][1]), s(p.b[0][0])],
      [s(p.b[1][1]), s(p.b[1][0])],
      ["1", "0"],
    ],
    pi_c: [s(p.c[0]), s(p.c[1]), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

const vkeys = new Map<string, VerificationKey>();

export function verificationKey(entry: ManifestEntry): VerificationKey {
  let vk = vkeys.get(entry.artifacts.vkey.sha256);
  if (!vk) {
    vk = JSON.parse(fs.readFileSync(entry.artifacts.vkey.path, "utf8")) as VerificationKey;
    vkeys.set(entry.artifacts.vkey.sha256, vk);
  }
  return vk;
}

/** Verifies a proof off-chain against the circuit's verification key. */
export async function verifyProof(entry: ManifestEntry, proof: Groth16Proof, publicSignals: readonly bigint[]): Promise<boolean> {
  if (publicSignals.some((s) => s < 0n || s >= SNARK_FIELD)) return false;
  return snarkjs.groth16.verify(verificationKey(entry), publicSignals.map(String), proof);
}

/**
 * Proves `input` for circuit `name` with its manifest artifacts and checks the proof locally
 * before returning it, so a bad witness or key never reaches the chain.
 */
export async function prove(name: string, input: Record<string, unknown>): Promise<ProofResult> {
  const entry = circuitArtifacts(name);
  const t0 = performance.now();
  let out: { proof: Groth16Proof; publicSignals: string[] };
  try {
    out = await snarkjs.groth16.fullProve(input, entry.artifacts.wasm.path, entry.artifacts.zkey.path);
  } catch (e) {
    // The witness calculator throws on a failed `===` with the template and line; pass that on.
    throw new ZkMeritError("PROOF_INVALID", `circuit ${name} rejected the witness: ${(e as Error).message}`, { circuit: name });
  }
  const seconds = (performance.now() - t0) / 1000;
  const publicSignals = out.publicSignals.map((s) => BigInt(s));
  if (!(await verifyProof(entry, out.proof, publicSignals))) {
    throw new ZkMeritError("PROOF_INVALID", `the proof made for ${name} does not verify against its own verification key`, {
      circuit: name,
    });
  }
  return { circuit: name, proof: out.proof, publicSignals, seconds };
}
