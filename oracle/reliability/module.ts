import path from "node:path";
import { circuitArtifacts, contractAddress, readManifest, ZkMeritError, type Deployments } from "../core";
import type { OracleModule } from "../service/module";
import { ReliabilityJob } from "./job";
import { reliabilityExplorer } from "./explorer";

/**
 * The registry's circuit in a deployments record: its one verifier whose circuit (in the local
 * manifest) is a `Reliability` instance, checked against the local key.
 */
export function registryCircuit(d: Deployments): string {
  const manifest = readManifest();
  const names = Object.keys(d.verifiers);
  const ours = names.filter((n) => manifest.circuits[n]?.spec.template === "Reliability");
  if (ours.length !== 1) {
    const missing = names.filter((n) => !manifest.circuits[n]);
    throw new ZkMeritError(
      missing.length ? "ARTIFACT_MISSING" : "DEPLOYMENTS",
      missing.length && ours.length === 0
        ? `the deployment's circuit ${missing.join(", ")} is not built on this machine; run \`npm run circuits -- --only ${missing[0]}\``
        : `expected one Reliability verifier in the deployments, found ${ours.length}`,
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

/** Module 2 as the oracle runner sees it: one job proposing each epoch's score batch. */
export const reliabilityModule: OracleModule = {
  id: "reliability",
  deployed: (d) => Boolean(d.contracts.ReliabilityRegistry),
  async oracleJobs(env) {
    const d = env.deployments;
    const { deployments: _, journalDir, log, ...serve } = env;
    return [
      new ReliabilityJob({
        ...serve,
        registry: contractAddress(d, "ReliabilityRegistry"),
        circuit: registryCircuit(d),
        journalDir: path.join(journalDir, "reliability"),
        log: log.child({ module: "reliability" }),
        fromBlock: BigInt(d.startBlock),
      }),
    ];
  },
  explorer: (env) => reliabilityExplorer(env),
};
