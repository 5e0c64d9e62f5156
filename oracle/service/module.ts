import type { Logger } from "pino";
import type { Clients } from "../core";
import type { Deployments } from "../core";
import type { ContentStore } from "../core";
import type { LogReader } from "../core";
import type { OracleJob } from "./runner";
import type { ExplorerEnv, ModuleExplorer } from "./explorer";

/**
 * What a module gives the oracle runner. The runner, the CLI's `oracle` command and the health
 * endpoint are written against this only; each module (oracle/<slug>/module.ts) builds its own jobs
 * from the deployment. The entry points list every module once, in scripts/modules.ts.
 */
export interface OracleModule {
  /** The module's slug, used in every folder and in `--modules`. */
  readonly id: string;
  /** Whether the deployment has this module's contracts. */
  deployed(d: Deployments): boolean;
  /** The module's jobs on this deployment. */
  oracleJobs(env: OracleEnv): Promise<OracleJob[]>;
  /**
   * The module's part of the explorer (oracle/service/explorer.ts): a view model of its contracts,
   * built from the same history and audit readers `zkmerit audit` uses. Optional: a module without
   * one is served by the oracle but not shown. Module 3 adds oracle/reputation/explorer.ts here.
   */
  explorer?(env: ExplorerEnv): ModuleExplorer;
}

/** How a job serves tasks: the runner's command-line options every task-serving module honours. */
export interface ServeOptions {
  retry: { attempts: number; baseMs: number };
  /** Serve only these tasks (every task when absent); modules without tasks ignore it. */
  tasks?: readonly bigint[];
  /** Skip tasks whose settlement fee is below this (0: serve unpaid tasks too). */
  minFee?: bigint;
  /** Time one task may take per tick (fetching content, proving, sending), ms. */
  taskBudgetMs?: number;
  /** Longest wait for one payload, ms; a slower one counts as unavailable. */
  fetchTimeoutMs?: number;
  /** Tasks served at once, so one slow store or task never stalls the others. */
  concurrency?: number;
  /** Replace other settlers' proposals that leave out content this oracle holds. */
  challenge?: boolean;
  /** Do not send a proposal this close (seconds) to its deadline: it could be mined after it and revert. */
  deadlineMarginSeconds?: number;
}

/** What every job gets from the runner's command line and the deployment. */
export interface OracleEnv extends ServeOptions {
  clients: Clients;
  deployments: Deployments;
  store: ContentStore;
  /** The event log reader the runner's passes come from (its cache); jobs read through it between passes. */
  logs?: LogReader;
  /** The module's own journal folder is `<journalDir>/<module id>`. */
  journalDir: string;
  log: Logger;
}

/** The modules named by `--modules` (comma-separated slugs), or every deployed one; unknown names are refused. */
export function selectModules(all: readonly OracleModule[], d: Deployments, names?: readonly string[]): OracleModule[] {
  if (!names) return all.filter((m) => m.deployed(d));
  return names.map((n) => {
    const m = all.find((x) => x.id === n);
    if (!m) throw new Error(`--modules: no module "${n}"; known: ${all.map((x) => x.id).join(", ")}`);
    if (!m.deployed(d))
      throw new Error(`--modules: module "${n}" is not in this deployment (its contracts are missing from the deployments file)`);
    return m;
  });
}
