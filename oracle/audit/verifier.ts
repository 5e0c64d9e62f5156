import { keccak256, type Address, type PublicClient } from "viem";
import { loadArtifact, type ManifestEntry } from "../core";
import type { AuditCheck, AuditVerifierInfo } from "./report";

/** What an audit says about a deployed verifier: whether it is the one the local verification key produces. */
export interface VerifierAudit {
  address: string;
  matchesLocalKey: boolean;
  vkeySha256: string;
  insecureKeys: boolean;
}

/**
 * Whether the code at `address` is the verifier contract `contract` compiled here (the snarkjs
 * verifier generated from the local verification key). Used by audits and by oracle jobs' preflight.
 */
export async function verifierMatches(client: PublicClient, address: Address, contract: string): Promise<boolean> {
  const code = (await client.getCode({ address })) ?? "0x";
  return code.toLowerCase() === loadArtifact(contract).deployedBytecode.toLowerCase();
}

/** The verifier check of an audit: the deployed verifier at `address` against the circuit `entry`'s key. */
export async function auditVerifier(
  client: PublicClient,
  address: Address,
  entry: ManifestEntry,
): Promise<{ verifier: VerifierAudit; info: AuditVerifierInfo; check: AuditCheck }> {
  const code = ((await client.getCode({ address })) ?? "0x").toLowerCase() as `0x${string}`;
  const expected = loadArtifact(entry.verifierContract).deployedBytecode.toLowerCase() as `0x${string}`;
  const matches = code === expected;
  const verifier = {
    address,
    matchesLocalKey: matches,
    vkeySha256: entry.artifacts.vkey.sha256,
    insecureKeys: entry.setup.insecure || entry.ptau.insecure,
  };
  return {
    verifier,
    info: {
      ...verifier,
      contract: entry.verifierContract,
      circuit: entry.name,
      deployedCodeHash: keccak256(code),
      expectedCodeHash: keccak256(expected),
    },
    check: {
      name: "verifier.bytecode",
      ok: matches,
      detail: matches ? undefined : `expected ${entry.verifierContract} from the local verification key, got code at ${address}`,
    },
  };
}
