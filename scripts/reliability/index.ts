/**
 * Module 2, the source reliability registry, as the entry points see it: its oracle job, deploy,
 * audit, commands and demo step. Listed once in scripts/modules.ts.
 */
import { InvalidArgumentError } from "commander";
import { reliabilityModule } from "../../oracle/reliability/module";
import { reliabilityAudit, type EpochTarget } from "../../oracle/reliability/audit";
import type { ZkMeritModule } from "../module";
import { registerReliabilityCommands } from "./cli";
import { reliabilityBenchSections, reliabilityProofBenches } from "./bench";
import { reliabilityDemo } from "./demo";
import { DEFAULT_EPOCH_WINDOWS, DEFAULT_RELIABILITY_CIRCUIT, deployReliabilityModule } from "./deploy";

const epochArg = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new InvalidArgumentError(`--reliability-epoch must be an epoch number, got "${v}"`);
  return Number(v);
};

export const reliability: ZkMeritModule = {
  id: "reliability",
  title: "Source reliability",
  oracle: reliabilityModule,
  deploy: {
    options: (cmd) =>
      cmd
        .option("--reliability-circuit <name>", "reliability circuit the registry verifies", DEFAULT_RELIABILITY_CIRCUIT)
        .option(
          "--epoch-windows <s,s,s,s>",
          "the registry's commit, reveal, settlement and challenge windows (seconds)",
          DEFAULT_EPOCH_WINDOWS.join(","),
        ),
    run: deployReliabilityModule,
  },
  audit: {
    audit: reliabilityAudit,
    usage: "--reliability-epoch <n>",
    options: (cmd) => cmd.option("--reliability-epoch <n>", "the reliability epoch to replay", epochArg),
    target: (o): EpochTarget | undefined => (typeof o.reliabilityEpoch === "number" ? { epoch: o.reliabilityEpoch } : undefined),
  },
  registerCommands: registerReliabilityCommands,
  benchSections: reliabilityBenchSections,
  proofBenches: reliabilityProofBenches,
  demoStep: {
    run: async (ctx) => ({ deployments: (await reliabilityDemo(ctx)).deployments }),
  },
};
