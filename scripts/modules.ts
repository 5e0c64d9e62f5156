/**
 * The module registry: every module this build knows, in the order the CLI's help, `deploy`, the
 * demo and the bench take them. A module registers itself by adding its entry here
 * (docs/architecture.md, "Adding a module").
 */
import { contribution } from "./contribution";
import { reliability } from "./reliability";
import { reputation } from "./reputation";
import type { ZkMeritModule } from "./module";

export const MODULES: readonly ZkMeritModule[] = [contribution, reliability, reputation];
