import path from "node:path";
import { Option, type Command } from "commander";
import { formatUnits } from "viem";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";
import { contractAddress } from "../../oracle/core/chain/deployments";
import { ZkMeritError } from "../../oracle/core/errors";
import { TRAINER_ATTACKS, type TrainerAttack } from "../../oracle/contribution/trainer";
import { int, num, taskId, tokenOption, tokens } from "../cli/options";
import type { CliKit, CommonOptions as Common } from "../module";
import {
  TASK_DEFAULTS,
  cancelTask,
  claimReward,
  createTask,
  joinTask,
  leaveTask,
  loadSecret,
  reclaimEscrow,
  releaseStake,
  revealCommitted,
  saveSecret,
  syncTask,
  trainAndCommit,
} from "./actions";
import { marketAt } from "./deploy";

/** Module 1's commands: `task ...` for task owners (and anyone, `task sync`), `trainer ...` for trainers. */
export function registerContributionCommands(program: Command, { common, context, out }: CliKit): void {
  const task = program.command("task").description("task owner commands");
  common(task.command("create").description("escrow a budget and per-round settlement fees and create a federated-training task"))
    .requiredOption("--rounds <n>", "number of rounds", int("--rounds", 1, 65535))
    .requiredOption("--budget <tokens>", "reward budget of the whole task", tokens("--budget"))
    .addOption(tokenOption("--fee <tokens>", "paid per round to whoever's settlement becomes final", "1"))
    .addOption(tokenOption("--min-stake <tokens>", "stake each trainer locks", "100"))
    .addOption(tokenOption("--slash <tokens>", "stake slashed per proven offence (over the norm bound, or a duplicate)", "20"))
    .option(
      "--no-show-penalty <tokens>",
      "stake taken from a trainer who commits and does not reveal (default: --slash)",
      tokens("--no-show-penalty"),
    )
    .option("--max-trainers <n>", "maximum trainers (<= the circuit's slots)", int("--max-trainers", 1, 64), 8)
    .option("--commit-window <s>", "seconds each round takes commits", int("--commit-window", 1, 30 * 86400), 600)
    .option("--reveal-window <s>", "seconds after that to reveal", int("--reveal-window", 1, 30 * 86400), 300)
    .option("--settlement-window <s>", "seconds after that to propose a settlement", int("--settlement-window", 1, 30 * 86400), 600)
    .option(
      "--challenge-window <s>",
      "seconds a proposal can be replaced by one that includes more",
      int("--challenge-window", 1, 30 * 86400),
      300,
    )
    .option("--norm-bound <x>", "bound on an update's L2 norm (real units; above it is slashed)", num("--norm-bound"), 12)
    .option(
      "--trust-margin <x>",
      "an update's trust is clamp(cos(update, your root update) + this, 0, 1)^2; trust 0 is excluded, never slashed",
      num("--trust-margin"),
      TASK_DEFAULTS.trustMargin,
    )
    .option(
      "--no-root-updates",
      "do not post a root update each round (by default you hold slot 0 and post one with `trainer train --root`)",
    )
    .action(
      async (
        o: Common & {
          rounds: number;
          budget: bigint;
          fee: bigint;
          minStake: bigint;
          slash: bigint;
          noShowPenalty?: bigint;
          maxTrainers: number;
          commitWindow: number;
          revealWindow: number;
          settlementWindow: number;
          challengeWindow: number;
          normBound: number;
          trustMargin: number;
          rootUpdates: boolean;
        },
      ) => {
        const x = await context(o);
        const r = await createTask(x, {
          rounds: o.rounds,
          budget: o.budget,
          settlementFee: o.fee,
          minStake: o.minStake,
          slashAmount: o.slash,
          noShowPenalty: o.noShowPenalty,
          maxTrainers: o.maxTrainers,
          commitWindow: o.commitWindow,
          revealWindow: o.revealWindow,
          settlementWindow: o.settlementWindow,
          challengeWindow: o.challengeWindow,
          normBound: o.normBound,
          trustMargin: o.trustMargin,
          rootUpdates: o.rootUpdates,
        });
        out(
          `task ${r.taskId} created (initial model ${r.initModelURI}, gas ${r.gasUsed})` +
            (o.rootUpdates
              ? `; you hold slot 0: post a root update every round with \`zkmerit trainer train --task ${r.taskId} --root\` and reveal it`
              : ""),
        );
      },
    );
  common(task.command("cancel").description("task owner: end the task (after the current round if it has commits)"))
    .requiredOption("--task <id>", "task id", taskId)
    .action(async (o: Common & { task: bigint }) => {
      out(`cancelled (gas ${await cancelTask(await context(o), o.task)})`);
    });
  common(task.command("sync").description("anyone: apply what time made due (a final settlement, an expiry, skipped rounds)"))
    .requiredOption("--task <id>", "task id", taskId)
    .action(async (o: Common & { task: bigint }) => {
      out(`synced (gas ${await syncTask(await context(o), o.task)})`);
    });
  common(task.command("status").description("a task's round, window and accounting"))
    .requiredOption("--task <id>", "task id", taskId)
    .action(async (o: Common & { task: bigint }) => {
      const x = await context(o);
      const m = marketAt(x.c, contractAddress(x.d, "TrainingMarket", x.file));
      const json = (v: unknown) => JSON.stringify(v, (_, y) => (typeof y === "bigint" ? y.toString() : y), 2);
      out(
        json({
          task: await m.read.task([o.task]),
          round: await m.read.roundInfo([o.task]),
          accounting: await m.read.accounting([o.task]),
        }),
      );
    });
  common(task.command("reclaim").description("task owner: take back refundable escrow"))
    .requiredOption("--task <id>", "task id", taskId)
    .action(async (o: Common & { task: bigint }) => {
      const r = await reclaimEscrow(await context(o), o.task);
      out(r.amount === 0n ? "nothing refundable" : `reclaimed ${formatUnits(r.amount, 18)} tokens (gas ${r.gasUsed})`);
    });

  const trainer = program.command("trainer").description("trainer commands");
  common(trainer.command("join").description("stake what is missing and join a task"))
    .requiredOption("--task <id>", "task id", taskId)
    .action(async (o: Common & { task: bigint }) => {
      const r = await joinTask(await context(o), o.task);
      out(`joined in slot ${r.slot} (gas ${r.gasUsed}${r.stakeGas ? `, staked first: ${r.stakeGas}` : ""})`);
    });
  const secretsOption = (cmd: Command) =>
    cmd.option(
      "--secrets <dir>",
      "where commit secrets (update + salt) are kept until the reveal",
      path.join(REPO_ROOT, ".zkmerit", "secrets"),
    );
  secretsOption(
    common(
      trainer
        .command("train")
        .description(
          "train one round on your data shard (or, as the task owner, your root update) and commit to the update (reveal it with `trainer reveal`)",
        ),
    ),
  )
    .requiredOption("--task <id>", "task id", taskId)
    .option("--shard <i>", "your shard of the training data (required unless --root)", int("--shard", 0, 63))
    .option("--root", "task owner: train the round's root update on your own trusted set (slot 0)")
    .option("--shards <n>", "number of shards the data is split into", int("--shards", 1, 64), 8)
    .option("--data-seed <n>", "seed of the data split", int("--data-seed"), 7)
    .option("--seed <n>", "seed of local training", int("--seed"), 0)
    .addOption(new Option("--attack <kind>", "behave adversarially (for experiments)").choices([...TRAINER_ATTACKS]))
    .option("--copy-slot <slot>", "with --attack copy: whose update of the previous round to resubmit", int("--copy-slot", 0, 63), 0)
    .action(
      async (
        o: Common & {
          task: bigint;
          shard?: number;
          root?: boolean;
          shards: number;
          dataSeed: number;
          seed: number;
          attack?: TrainerAttack;
          copySlot: number;
          secrets: string;
        },
      ) => {
        if (o.shard === undefined && !o.root)
          throw new ZkMeritError("CONFIG", "give --shard <i> (your data shard), or --root as the task owner", {});
        if (o.root && o.attack) throw new ZkMeritError("CONFIG", "--root and --attack do not go together", {});
        const x = await context(o);
        const r = await trainAndCommit(x, o.task, {
          shard: { index: o.shard ?? 0, of: o.shards, seed: o.dataSeed },
          seed: o.seed,
          attack: o.attack,
          copySlot: o.copySlot,
          root: o.root,
        });
        const file = saveSecret(o.secrets, x.c.chain.id, r.secret);
        out(
          `committed round ${r.secret.round} from slot ${r.secret.slot} (gas ${r.gasUsed}); secret kept in ${file}; reveal after the commit window`,
        );
      },
    );
  secretsOption(common(trainer.command("reveal").description("publish and reveal your committed update, in the reveal window")))
    .requiredOption("--task <id>", "task id", taskId)
    .action(async (o: Common & { task: bigint; secrets: string }) => {
      const x = await context(o);
      const ri = await marketAt(x.c, contractAddress(x.d, "TrainingMarket", x.file)).read.roundInfo([o.task]);
      const secret = loadSecret(o.secrets, x.c.chain.id, o.task, Number(ri.round), x.c.account.address);
      const r = await revealCommitted(x, secret);
      out(`revealed round ${secret.round} from slot ${secret.slot}: ${r.uri} (gas ${r.gasUsed})`);
    });
  common(trainer.command("leave").description("leave the task between rounds, unlocking your stake"))
    .requiredOption("--task <id>", "task id", taskId)
    .action(async (o: Common & { task: bigint }) => {
      out(`left (gas ${await leaveTask(await context(o), o.task)})`);
    });
  common(trainer.command("claim").description("claim your cumulative reward"))
    .requiredOption("--task <id>", "task id", taskId)
    .action(async (o: Common & { task: bigint }) => {
      const r = await claimReward(await context(o), o.task);
      out(
        r.amount === 0n
          ? `nothing to claim (cumulative ${formatUnits(r.cumAmount, 18)} tokens)`
          : `claimed ${formatUnits(r.amount, 18)} tokens (gas ${r.gasUsed})`,
      );
    });
  common(trainer.command("release").description("unlock your stake once the task ended"))
    .requiredOption("--task <id>", "task id", taskId)
    .action(async (o: Common & { task: bigint }) => {
      const x = await context(o);
      out(`released (gas ${await releaseStake(x, o.task, x.c.account.address)})`);
    });
}
