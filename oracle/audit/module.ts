import type { PublicClient } from "viem";
import type { ContentStore, Deployments, LogReader } from "../core";
import type { AuditReport } from "./report";

/** What every module's audit gets: the chain, the deployment, the content store and the shared log reader. */
export interface AuditEnv {
  client: PublicClient;
  chainId: number;
  deployments: Deployments;
  store: ContentStore;
  /** The event log reader (with its cache); audits read events through it. */
  logs?: LogReader;
}

/**
 * A module's audit: replays what `target` names (a task, a range of batches, ...) from chain events
 * and the content store, recomputes it with the module's reference, verifies the proofs, and
 * returns a report in the framework's model (oracle/audit/report.ts), which the CLI renders.
 */
export interface ModuleAudit<Target> {
  /** The module's slug. */
  readonly id: string;
  run(env: AuditEnv, target: Target): Promise<AuditReport>;
}
