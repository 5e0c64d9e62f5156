import path from "node:path";
import { deployedCircuit } from "../core";
import { contractAddress, type Deployments } from "../core";
import type { OracleModule } from "../service/module";
import { ContributionJob } from "./job";
import { contributionExplorer } from "./explorer";
import { marketShape } from "./taskstate";

/**
 * The market's circuit in a deployments record: its one verifier whose circuit (in the local
 * manifest) is a `Contribution` instance, checked against the local key.
 */
export function marketCircuit(d: Deployments): string {
  return deployedCircuit(d, "Contribution");
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
