/**
 * Module 3, swarm reputation, as the entry points see it: its oracle job, deploy, audit, commands,
 * demo step and bench sections. Listed once in scripts/modules.ts.
 */
import { InvalidArgumentError } from "commander";
import { reputationModule } from "../../oracle/reputation/module";
import { reputationAudit, type RoundTarget } from "../../oracle/reputation/audit";
import type { ZkMeritModule } from "../module";
import { registerReputationCommands } from "./cli";
import { reputationGasSection, reputationProofBenches } from "./bench";
import { reputationOutcomeSection } from "./outcome";
import { reputationDemo } from "./demo";
import { DEFAULT_REPUTATION_CIRCUIT, DEFAULT_ROUND_WINDOWS, deployReputationModule } from "./deploy";

const roundArg = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 0xffffffff)
    throw new InvalidArgumentError(`--reputation-round must be a round number (1, 2, ...), got "${v}"`);
  return Number(v);
};

export const reputation: ZkMeritModule = {
  id: "reputation",
  title: "Swarm reputation",
  oracle: reputationModule,
  deploy: {
    options: (cmd) =>
      cmd
        .option(
          "--reputation-circuit <name>",
          "reputation circuit the swarm verifies (its N is the swarm's size)",
          DEFAULT_REPUTATION_CIRCUIT,
        )
        .option(
          "--round-windows <s,s,s,s,s,s>",
          "the swarm's answer commit, answer reveal, judgment commit, judgment reveal, settlement and challenge windows (seconds)",
          DEFAULT_ROUND_WINDOWS.join(","),
        ),
    run: deployReputationModule,
  },
  audit: {
    audit: reputationAudit,
    usage: "--reputation-round <n>",
    options: (cmd) => cmd.option("--reputation-round <n>", "the swarm ranking round to replay", roundArg),
    target: (o): RoundTarget | undefined => (typeof o.reputationRound === "number" ? { round: o.reputationRound } : undefined),
  },
  registerCommands: registerReputationCommands,
  benchSections: [reputationGasSection, reputationOutcomeSection],
  proofBenches: reputationProofBenches,
  demoStep: {
    run: async (ctx) => ({ deployments: (await reputationDemo(ctx)).deployments }),
  },
};
