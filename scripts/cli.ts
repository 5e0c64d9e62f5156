/**
 * `npm run zkmerit -- <command>`: every user-facing action, for deployers, task owners, trainers,
 * oracle operators and auditors. `--help` on any command lists its options.
 *
 * Networks: `--network localhost` (a node at $ZKMERIT_LOCAL_RPC, default http://127.0.0.1:8545,
 * e.g. `npx hardhat node`; pick an unlocked account with --account N or set $ZKMERIT_PRIVATE_KEY)
 * or `--network testnet` ($ZKMERIT_RPC_URL and $ZKMERIT_PRIVATE_KEY). The embedded network lives
 * only inside `npm run demo`.
 */
import fs from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import pino from "pino";
import { formatUnits, parseUnits, type Address } from "viem";
import { REPO_ROOT, circuitArtifacts } from "../oracle/core/artifacts/manifest";
import { connect, type NetworkName } from "../oracle/core/chain/network";
import { contractAddress, defaultDeploymentsPath, readDeployments, writeDeployments } from "../oracle/core/chain/deployments";
import { ZkMeritError, isZkMeritError } from "../oracle/core/errors";
import { terminateCurves } from "../oracle/core/prover";
import { openStore } from "../oracle/core/store";
import { contributionModule } from "../oracle/contribution/module";
import { OracleRunner } from "../oracle/service/runner";
import { selectModules, type OracleModule } from "../oracle/service/module";
import { auditHtml, auditTask } from "../oracle/contribution/auditor";
import { TRAINER_ATTACKS, type TrainerAttack } from "../oracle/contribution/trainer";
import { deploySystem } from "./commands/deploy";
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
  shapeOf,
  stakeStatus,
  syncTask,
  unstake,
  withdrawStake,
  trainAndCommit,
  withdrawFees,
  type Ctx,
} from "./commands/market";
import { testTokenAt } from "./deploy/foundation";
import { marketAt } from "./deploy/market";

interface Common {
  network: NetworkName;
  account?: number;
  deployments?: string;
  store: string;
}

const int =
  (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
    return n;
  };
const tokens = (name: string) => (v: string) => {
  try {
    const x = parseUnits(v, 18);
    if (x < 0n) throw new Error();
    return x;
  } catch {
    throw new InvalidArgumentError(`${name} must be a non-negative token amount like 100 or 0.5`);
  }
};
/** A token-amount option with a default, shown in --help as tokens (a bigint default cannot be printed). */
const tokenOption = (flags: string, description: string, dflt: string) => {
  const name = flags.split(" ")[0];
  return new Option(flags, description).argParser(tokens(name)).default(parseUnits(dflt, 18), `${dflt} tokens`);
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number`);
  return n;
};
const taskId = (v: string) => BigInt(int("--task", 1)(v));

function common(cmd: Command): Command {
  return cmd
    .addOption(new Option("--network <name>", "localhost or testnet").choices(["localhost", "testnet"]).default("localhost"))
    .option("--account <index>", "unlocked node account index (localhost, when $ZKMERIT_PRIVATE_KEY is unset)", int("--account"))
    .option("--deployments <file>", "deployments file (default .zkmerit/deployments/<network>.json)")
    .option(
      "--store <spec>",
      "content store: a folder, or ipfs+http://host:5001 for a Kubo node",
      path.join(REPO_ROOT, ".zkmerit", "store"),
    );
}

async function context(o: Common): Promise<Ctx & { file: string }> {
  const c = await connect({ network: o.network, account: o.account });
  const file = o.deployments ?? defaultDeploymentsPath(o.network);
  const d = readDeployments(file);
  if (d.chainId !== c.chain.id)
    throw new Error(`${file} is for chain ${d.chainId}, but the node is chain ${c.chain.id}; redeploy or pass --deployments`);
  return { c, d, store: openStore(o.store), file };
}

const out = (s: string) => process.stdout.write(s + "\n");

/** A path the user typed, resolved from the folder they ran the command in (npm runs scripts from the repository root). */
const fromUserDir = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);

/** The modules this build knows (the oracle runner serves those a deployment has). */
const MODULES: readonly OracleModule[] = [contributionModule];

export const program = new Command().name("zkmerit").description("zkmerit: a proof-checked merit ledger for decentralized AI work");

common(program.command("deploy").description("deploy the stake vault, hashers, verifier and training market; write the deployments file"))
  .option("--circuit <name>", "contribution circuit the market verifies", "contribution_8x130")
  .option("--token <address>", "stake and reward ERC-20 (default: deploy a TestToken)")
  .option("--unbonding-delay <seconds>", "stake unbonding delay", int("--unbonding-delay", 0, 90 * 86400), 7 * 86400)
  .action(async (o: Common & { circuit: string; token?: Address; unbondingDelay: number }) => {
    const c = await connect({ network: o.network, account: o.account });
    const file = o.deployments ?? defaultDeploymentsPath(o.network);
    const d = await deploySystem(
      c,
      {
        network: o.network,
        circuit: o.circuit,
        token: o.token,
        unbondingDelaySeconds: o.unbondingDelay,
        adminTransferDelaySeconds: 2 * 86400,
      },
      out,
    );
    writeDeployments(file, d);
    out(`deployments written to ${file}`);
  });

common(program.command("faucet").description("mint test tokens to yourself (TestToken deployments only)"))
  .requiredOption("--amount <tokens>", "how many tokens (at most 10000 per call)", tokens("--amount"))
  .action(async (o: Common & { amount: bigint }) => {
    const x = await context(o);
    await testTokenAt(x.c, contractAddress(x.d, "TestToken", x.file)).send("faucet", [o.amount]);
    out(`minted ${formatUnits(o.amount, 18)} test tokens to ${x.c.account.address}`);
  });

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
  .option("--no-root-updates", "do not post a root update each round (by default you hold slot 0 and post one with `trainer train --root`)")
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

const bigints = (name: string) => (v: string) => {
  if (!/^\d+(,\d+)*$/.test(v)) throw new InvalidArgumentError(`${name} must be a comma-separated list of task ids, like 1,2,5`);
  return v.split(",").map((t) => BigInt(t));
};
common(
  program
    .command("oracle")
    .description(
      "run the oracle service for the deployment's modules: prove and propose due rounds, challenge proposals that leave content out",
    ),
)
  .option(
    "--modules <slugs>",
    `modules to serve, comma-separated (default: every deployed one; known: ${MODULES.map((m) => m.id).join(", ")})`,
    (v: string) => v.split(",").map((x) => x.trim()),
  )
  .option("--interval <ms>", "poll interval", int("--interval", 100), 5000)
  .option("--health-port <port>", "serve GET /health on this port (0: a free one)", int("--health-port", 0, 65535), 8787)
  .option("--journal <dir>", "proof journal directory", path.join(REPO_ROOT, ".zkmerit", "oracle-journal"))
  .option("--once", "run one pass and exit")
  .option("--tasks <ids>", "serve only these tasks (default: every task)", bigints("--tasks"))
  .option("--min-fee <tokens>", "skip tasks paying less than this per round", tokens("--min-fee"))
  .option("--task-budget <ms>", "time one task may take per pass", int("--task-budget", 1000), 120_000)
  .option("--fetch-timeout <ms>", "longest wait for one payload; slower content counts as unavailable", int("--fetch-timeout", 100), 5000)
  .option("--concurrency <n>", "tasks served at once", int("--concurrency", 1, 64), 4)
  .option("--no-challenge", "do not replace others' proposals that leave out content this oracle holds")
  .option("--deadline-margin <s>", "send no proposal this close to its deadline (it could be mined after it)", int("--deadline-margin"), 15)
  .action(
    async (
      o: Common & {
        interval: number;
        healthPort: number;
        journal: string;
        once?: boolean;
        tasks?: bigint[];
        minFee?: bigint;
        taskBudget: number;
        fetchTimeout: number;
        concurrency: number;
        challenge: boolean;
        deadlineMargin: number;
        modules?: string[];
      },
    ) => {
      const x = await context(o);
      const log = pino({ name: "zkmerit-oracle" });
      const env = {
        clients: x.c,
        deployments: x.d,
        store: x.store,
        journalDir: o.journal,
        log,
        retry: { attempts: 5, baseMs: 500 },
        tasks: o.tasks,
        minFee: o.minFee,
        taskBudgetMs: o.taskBudget,
        fetchTimeoutMs: o.fetchTimeout,
        concurrency: o.concurrency,
        challenge: o.challenge,
        deadlineMarginSeconds: o.deadlineMargin,
      };
      const jobs = [];
      for (const m of selectModules(MODULES, x.d, o.modules)) jobs.push(...(await m.oracleJobs(env)));
      const runner = new OracleRunner(jobs, log);
      await runner.preflight();
      if (o.once) {
        const reports = Object.fromEntries(await runner.tick());
        out(JSON.stringify(reports, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
        return;
      }
      const port = await runner.serveHealth(o.healthPort);
      log.info({ port, jobs: jobs.map((j) => j.id) }, "oracle started");
      const stop = () => void runner.stop();
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      await runner.run(o.interval);
    },
  );
const stake = program.command("stake").description("stake vault commands (your free stake is never slashable)");
common(stake.command("status").description("your free, locked and unbonding stake")).action(async (o: Common) => {
  const x = await context(o);
  const v = await stakeStatus(x);
  out(
    `free ${formatUnits(v.free, 18)}, locked ${formatUnits(v.locked, 18)}, unbonding ${formatUnits(v.unbonding, 18)}` +
      (v.unbonding ? ` (withdrawable at ${v.unbondingReleaseAt})` : "") +
      `, unbonding from modules ${formatUnits(v.moduleUnbonding, 18)} tokens`,
  );
});
common(stake.command("unstake").description("start unbonding free stake (withdraw it after the unbonding delay)"))
  .requiredOption("--amount <tokens>", "how many tokens", tokens("--amount"))
  .action(async (o: Common & { amount: bigint }) => {
    out(`unbonding ${formatUnits(o.amount, 18)} tokens (gas ${await unstake(await context(o), o.amount)})`);
  });
common(stake.command("withdraw").description("withdraw stake whose unbonding delay has passed")).action(async (o: Common) => {
  const r = await withdrawStake(await context(o));
  out(`withdrew ${formatUnits(r.amount, 18)} tokens (gas ${r.gasUsed})`);
});

common(program.command("fees").description("settler: withdraw the settlement fees credited to you")).action(async (o: Common) => {
  const r = await withdrawFees(await context(o));
  out(r.amount === 0n ? "no fees owed" : `withdrew ${formatUnits(r.amount, 18)} tokens of settlement fees (gas ${r.gasUsed})`);
});

common(program.command("audit").description("replay a task, recompute every round, verify every proof; exit 1 on any mismatch"))
  .requiredOption("--task <id>", "task id", taskId)
  .option("--out <file>", "JSON report", "audit.json")
  .option("--html <file>", "HTML report with charts")
  .action(async (o: Common & { task: bigint; out: string; html?: string }) => {
    const x = await context(o);
    const { circuit, slots, params } = await shapeOf(x);
    const r = await auditTask({
      client: x.c.publicClient,
      chainId: x.c.chain.id,
      market: contractAddress(x.d, "TrainingMarket", x.file),
      store: x.store,
      entry: circuitArtifacts(circuit),
      shape: { slots, params },
      taskId: o.task,
      fromBlock: BigInt(x.d.startBlock),
    });
    const outFile = fromUserDir(o.out);
    const htmlFile = o.html ? fromUserDir(o.html) : undefined;
    fs.writeFileSync(outFile, JSON.stringify(r, null, 2));
    if (htmlFile) fs.writeFileSync(htmlFile, auditHtml(r));
    for (const m of r.mismatches) out(`MISMATCH round ${m.round ?? "-"} ${m.field}: expected ${m.expected}, got ${m.actual}`);
    for (const rd of r.rounds) for (const w of rd.warnings) out(`warning round ${rd.round}: ${w}`);
    out(`${r.ok ? "OK" : "FAILED"}: ${r.rounds.length} rounds audited; report ${outFile}${htmlFile ? ` and ${htmlFile}` : ""}`);
    if (!r.ok) process.exitCode = 1;
  });

if (require.main === module) {
  program
    .parseAsync()
    .catch((e: unknown) => {
      process.stderr.write(`error: ${isZkMeritError(e) ? `[${e.code}] ` : ""}${(e as Error).message}\n`);
      process.exitCode = 1;
    })
    .finally(() => terminateCurves());
}
