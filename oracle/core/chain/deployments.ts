import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ZkMeritError } from "../errors";
import { REPO_ROOT, circuitArtifacts, readManifest } from "../artifacts/manifest";

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");

export const DeploymentsSchema = z.object({
  network: z.string(),
  chainId: z.number().int().positive(),
  deployedAt: z.string(),
  deployer: Address,
  /** Block of the first deployment transaction: where event replay starts. */
  startBlock: z.number().int().nonnegative(),
  contracts: z.record(z.string(), Address),
  verifiers: z.record(
    z.string(),
    z.object({ address: Address, contract: z.string(), zkeySha256: z.string(), vkeySha256: z.string(), insecure: z.boolean() }),
  ),
});
export type Deployments = z.infer<typeof DeploymentsSchema>;

/** Default deployments file of a network: .zkmerit/deployments/<network>.json (override with --deployments). */
export function defaultDeploymentsPath(network: string): string {
  return path.join(REPO_ROOT, ".zkmerit", "deployments", `${network}.json`);
}

export function readDeployments(file: string): Deployments {
  if (!fs.existsSync(file)) {
    throw new ZkMeritError(
      "DEPLOYMENTS",
      `no deployments file at ${file}; run \`npm run zkmerit -- deploy\` first (or pass --deployments)`,
      {
        file,
      },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ZkMeritError("DEPLOYMENTS", `${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
  const parsed = DeploymentsSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ZkMeritError("DEPLOYMENTS", `${file}: ${i.path.join(".")}: ${i.message}`, { file });
  }
  return parsed.data;
}

export function writeDeployments(file: string, d: Deployments): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(d, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

/** The address of a deployed contract, or an error naming the file and the missing name. */
export function contractAddress(d: Deployments, name: string, file = "deployments"): `0x${string}` {
  const a = d.contracts[name];
  if (!a)
    throw new ZkMeritError("DEPLOYMENTS", `${file} has no ${name} on ${d.network}; redeploy with \`npm run zkmerit -- deploy\``, { name });
  return a as `0x${string}`;
}

/**
 * A module's circuit in a deployments record: its one verifier whose circuit (in the local
 * manifest) is an instance of `template` (e.g. "Reliability"), checked against the local key.
 * Names what to build when the circuit is missing here, and refuses a local key that is not the
 * deployed one.
 */
export function deployedCircuit(d: Deployments, template: string): string {
  const manifest = readManifest();
  const names = Object.keys(d.verifiers);
  const ours = names.filter((n) => manifest.circuits[n]?.spec.template === template);
  if (ours.length !== 1) {
    const missing = names.filter((n) => !manifest.circuits[n]);
    throw new ZkMeritError(
      missing.length && ours.length === 0 ? "ARTIFACT_MISSING" : "DEPLOYMENTS",
      missing.length && ours.length === 0
        ? `the deployment's circuit ${missing.join(", ")} is not built on this machine; run \`npm run circuits -- --only ${missing[0]}\``
        : `expected one ${template} verifier in the deployments, found ${ours.length}`,
      { verifiers: names },
    );
  }
  const e = circuitArtifacts(ours[0]);
  if (e.artifacts.zkey.sha256 !== d.verifiers[ours[0]].zkeySha256) {
    throw new ZkMeritError(
      "ARTIFACT_MISMATCH",
      `the local zkey of ${ours[0]} (sha256 ${e.artifacts.zkey.sha256.slice(0, 12)}...) is not the one deployed ` +
        `(${d.verifiers[ours[0]].zkeySha256.slice(0, 12)}...); use the keys of that deployment or redeploy`,
      {},
    );
  }
  return ours[0];
}
