/**
 * The module registry: every module this build knows, in the order the CLI's help, `deploy`, the
 * demo and the bench take them. A module registers itself by adding its entry here
 * (docs/architecture.md, "Adding a module").
 */
import { contribution } from "./contribution";
import { reliability } from "./reliability";
import { reputationProofBenches } from "./reputation/bench";
import type { ZkMeritModule } from "./module";

export const MODULES: readonly ZkMeritModule[] = [contribution, reliability];

/**
 * Proving benches of modules whose circuits and reference exist before their entry point (module 3,
 * swarm reputation, until it is listed in MODULES), by template.
 */
export const EXTRA_PROOF_BENCHES: Readonly<Record<string, (circuit: string, i: number) => Promise<number>>> = reputationProofBenches;
