import path from "node:path";
import { circuitArtifacts, readManifest } from "../core";
import { contractAddress, type Deployments } from "../core";
import { ZkMeritError } from "../core";
import type { OracleModule } from "../service/module";
import { ContributionJob } from "./job";
import { contributionExplorer } from "./explorer";
import { marketShape } from "./taskstate";

/**
 * The market's circuit in a deployments record: its one verifier whose circuit (in the local
 * manifest) is a `Contribution` instance, checked against the local key.
 */
export function marketCircuit(d: Deployments): string {
  const manifest = readManifest();
  const names = Object.keys(d.verifiers);
  const missing = names.filter((n) => !manifest.circuits[n]);
  const ours = names.filter((n) => manifest.circuits[n]?.spec.template === "Contribution");
  if (ours.length !== 1) {
    throw new ZkMeritError(
      missing.length ? "ARTIFACT_MISSING" : "DEPLOYMENTS",
      missing.length
        ? `the deployment's circuit ${missing.join(", ")} is not built on this machine; run \`npm run circuits -- --only ${missing[0]}\``
        : `expected one Contribution verifier in the deployments, found ${ours.length}`,
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

/** Module 1 as the oracle runner sees it: one job settling and challenging the market's rounds. */
export const contributionModule: OracleModule = {
  id: "contribution",
  deployed: (d) => Boolean(d.contracts.TrainingMarket),
  async oracleJobs(env) {
    const d = env.deployments;
    const market = contractAddress(d, "TrainingMarket");
    const circuit = marketCircuit(d);
    const shape = await marketShape(env.clients.publicClient, market, circuit);
    const { deployments: _, journalDir, log, ...serve } = env;
    return [
      new ContributionJob({
        ...serve,
        market,
        circuit,
        shape,
        journalDir: path.join(journalDir, "contribution"),
        log: log.child({ module: "contribution" }),
        fromBlock: BigInt(d.startBlock),
      }),
    ];
  },
  explorer: (env) => contributionExplorer(env),
};
