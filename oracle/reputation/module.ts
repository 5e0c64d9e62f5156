import path from "node:path";
import { contractAddress, deployedCircuit, type Deployments } from "../core";
import type { OracleModule } from "../service/module";
import { ReputationJob } from "./job";
import { reputationExplorer } from "./explorer";

/** The swarm's circuit in a deployments record: its one `Reputation` verifier, checked against the local key. */
export function swarmCircuit(d: Deployments): string {
  return deployedCircuit(d, "Reputation");
}

/** Module 3 as the oracle runner sees it: one job proving each round's ranking, finalizing and releasing rounds. */
export const reputationModule: OracleModule = {
  id: "reputation",
  deployed: (d) => Boolean(d.contracts.SwarmReputation),
  explorer: (env) => reputationExplorer(env),
  async oracleJobs(env) {
    const d = env.deployments;
    const { deployments: _, journalDir, log, ...serve } = env;
    return [
      new ReputationJob({
        ...serve,
        swarm: contractAddress(d, "SwarmReputation"),
        circuit: swarmCircuit(d),
        journalDir: path.join(journalDir, "reputation"),
        log: log.child({ module: "reputation" }),
        fromBlock: BigInt(d.startBlock),
      }),
    ];
  },
};
