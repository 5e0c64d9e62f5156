import path from "node:path";
import { contractAddress, deployedCircuit, type Deployments } from "../core";
import type { OracleModule } from "../service/module";
import { ReliabilityJob } from "./job";
import { reliabilityExplorer } from "./explorer";

/**
 * The registry's circuit in a deployments record: its one verifier whose circuit (in the local
 * manifest) is a `Reliability` instance, checked against the local key.
 */
export function registryCircuit(d: Deployments): string {
  return deployedCircuit(d, "Reliability");
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
