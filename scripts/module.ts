/**
 * What a module gives the entry points (CLI, deploy, demo, bench), beside what it gives the oracle
 * runner (`OracleModule`, oracle/service/module.ts) and the auditor (`ModuleAudit`, oracle/audit).
 * Every module has one `ZkMeritModule` (scripts/<slug>/index.ts), listed once in scripts/modules.ts;
 * the entry points are written against these types only (docs/architecture.md, "Adding a module").
 */
import type { Command } from "commander";
import type { Address } from "viem";
import type { Clients, ContentStore, Deployments, LogReader, Manifest } from "../oracle/core";
import type { ModuleAudit } from "../oracle/audit";
import type { OracleModule } from "../oracle/service/module";
import type { BenchResults } from "./bench/report";

/** A deployment as one account sees it: the clients, the deployments record, the content store, the event log reader. */
export interface Ctx {
  c: Clients;
  d: Deployments;
  store: ContentStore;
  /** The event log reader with its cache (the CLI's is on disk); the client's in-memory one when absent. */
  logs?: LogReader;
}

/** What every CLI command gets from the shared options (--network, --account, --deployments, --store). */
export interface CommandContext extends Ctx {
  /** The deployments file, for error messages. */
  file: string;
}

/** The shared options every command takes. */
export interface CommonOptions {
  network: "localhost" | "testnet";
  account?: number;
  deployments?: string;
  store: string;
}

/** The CLI's shared pieces a module's commands are built with. */
export interface CliKit {
  /** Adds the shared options to a command. */
  common(cmd: Command): Command;
  /** Connects, reads the deployments file and opens the store for a command's options. */
  context(o: CommonOptions): Promise<CommandContext>;
  /** Prints one line of a command's output. */
  out(line: string): void;
  /** A path the user typed, from the folder they ran the command in. */
  fromUserDir(p: string): string;
}

/** What a module's deploy gets: the spine deployed before it and every contract so far. */
export interface DeployContext {
  clients: Clients;
  network: string;
  admin: Address;
  /** The stake and reward token and the stake vault (the shared spine). */
  token: Address;
  stakeVault: Address;
  /** Every contract deployed so far by name (the spine and earlier modules), to reuse shared ones. */
  contracts: Readonly<Record<string, Address>>;
  /** Module options: the `deploy` command's parsed options (each module reads its own, e.g. `circuit`), or a caller's. */
  options: Readonly<Record<string, unknown>>;
  say(line: string): void;
}

/** What a module adds to the deployments file. */
export interface ModuleDeployment {
  contracts: Record<string, Address>;
  verifiers: Deployments["verifiers"];
}

/** A module's part of the `audit` command: its target options, and the oracle-side audit that runs them. */
export interface AuditEntry<Target> {
  audit: ModuleAudit<Target>;
  /** Adds the options that name what to audit (e.g. `--task <id>`) to the `audit` command. */
  options(cmd: Command): void;
  /** The target the parsed options name, or undefined when this module's options were not given. */
  target(o: Readonly<Record<string, unknown>>): Target | undefined;
  /** How to name a target in an error ("--task <id>"). */
  usage: string;
}

/** The embedded network of the demo and the bench. */
export interface EmbeddedNetwork {
  accounts: Clients[];
  increaseTime(seconds: number): Promise<void>;
}

/** Deploys the spine and the given modules (defaults: every module) on `clients`; what deploySystem does. */
export type DeployFn = (
  clients: Clients,
  o: {
    network: string;
    unbondingDelaySeconds: number;
    adminTransferDelaySeconds: number;
    modules?: readonly string[];
    options?: Record<string, unknown>;
  },
  say?: (line: string) => void,
) => Promise<Deployments>;

export interface DemoContext {
  net: EmbeddedNetwork;
  /** The demo's output folder (.zkmerit/demo); a module writes under `<outDir>` with its slug in names. */
  outDir: string;
  /** Prints the next numbered heading ("3. ..."). */
  heading(title: string): void;
  /** Prints an indented line. */
  say(line?: string): void;
  deploy: DeployFn;
}

/** What a demo step leaves behind: its deployment, which `npm run demo -- --serve` shows in the explorer. */
export interface DemoResult {
  deployments: Deployments;
}

/** A module's part of `npm run demo`. */
export interface DemoStep {
  run(ctx: DemoContext): Promise<void | DemoResult>;
}

export interface BenchContext {
  /** The bench's parsed options (each section reads its own). */
  options: Readonly<Record<string, unknown>>;
  /** The circuits built for this run (absent when a section runs alone, with its `onlyFlag`). */
  manifest?: Manifest;
  /** A fresh embedded network (each measurement gets its own chain). */
  network(): Promise<EmbeddedNetwork>;
  deploy: DeployFn;
  /** The previous run's results, for sections that keep rows they do not re-measure. */
  previous?: BenchResults;
  log(line: string): void;
}

/** A part of `npm run bench`: its options and what it adds to scripts/bench/results.json. */
export interface BenchSection {
  id: string;
  options?(cmd: Command): void;
  /** A boolean option that makes the bench measure only this section and keep every other one from the previous run. */
  onlyFlag?: string;
  /** The gas rows this section measures, so a run of the section alone replaces them rather than adding them again. */
  ownsGasRow?(row: { contract: string; call: string }): boolean;
  /** Measures; `gas` and `settleByTrainers` rows are appended to the other sections', the other fields set. */
  run(ctx: BenchContext): Promise<Partial<BenchResults>>;
}

/** Everything a module gives the entry points. */
export interface ZkMeritModule {
  /** The slug (contribution, reliability, reputation), as in every folder and `--modules`. */
  readonly id: string;
  /** The name `--help` groups its commands under. */
  readonly title: string;
  /** What the oracle runner serves (its jobs), and whether a deployment has the module. */
  readonly oracle: OracleModule;
  readonly deploy: {
    /** Adds the module's options to the `deploy` command (e.g. `--circuit`). */
    options?(cmd: Command): void;
    /** Deploys the module's contracts on the spine and returns what goes into the deployments file. */
    run(ctx: DeployContext): Promise<ModuleDeployment>;
  };
  // Targets differ per module; the CLI hands each module back only the target it parsed.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly audit: AuditEntry<any>;
  /** Adds the module's own commands (`task ...`, `trainer ...`) to the program, under its help group. */
  registerCommands(program: Command, cli: CliKit): void;
  /** Withdraws the settlement fees the module credited to this account (the `fees` command), if it pays any. */
  withdrawFees?(x: Ctx): Promise<{ amount: bigint; gasUsed: bigint }>;
  readonly benchSections: readonly BenchSection[];
  /** Proving-time benches by circuit template: one fresh proof of `circuit`, returning the seconds it took. */
  readonly proofBenches?: Readonly<Record<string, (circuit: string, i: number) => Promise<number>>>;
  readonly demoStep: DemoStep;
}
