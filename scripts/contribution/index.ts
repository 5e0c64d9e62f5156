/**
 * Module 1, the training market, as the entry points see it: its oracle job, deploy, audit,
 * commands, bench sections and demo step. Listed once in scripts/modules.ts.
 */
import { contributionModule } from "../../oracle/contribution/module";
import { contributionAudit, type TaskTarget } from "../../oracle/contribution/audit";
import { taskId } from "../cli/options";
import type { ZkMeritModule } from "../module";
import { withdrawFees } from "./actions";
import { contributionBenchSections, contributionProofBenches } from "./bench";
import { registerContributionCommands } from "./cli";
import { contributionDemo } from "./demo";
import { DEFAULT_CIRCUIT, deployContribution } from "./deploy";

export const contribution: ZkMeritModule = {
  id: "contribution",
  title: "Training market",
  oracle: contributionModule,
  deploy: {
    options: (cmd) => cmd.option("--circuit <name>", "contribution circuit the market verifies", DEFAULT_CIRCUIT),
    run: deployContribution,
  },
  audit: {
    audit: contributionAudit,
    usage: "--task <id>",
    options: (cmd) => cmd.option("--task <id>", "the training task to replay", taskId),
    target: (o): TaskTarget | undefined => (typeof o.task === "bigint" ? { taskId: o.task } : undefined),
  },
  registerCommands: registerContributionCommands,
  withdrawFees,
  benchSections: contributionBenchSections,
  proofBenches: contributionProofBenches,
  demoStep: { run: contributionDemo },
};
