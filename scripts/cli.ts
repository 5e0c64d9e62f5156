/**
 * `npm run zkmerit -- <command>`: every user-facing action, for deployers, task owners, trainers,
 * oracle operators and auditors. `--help` lists the commands by module: the system's (deploy,
 * faucet, stake, fees, oracle, audit, explorer), then each module's, registered from scripts/modules.ts.
 * `--help` on any command lists its options.
 *
 * Networks: `--network localhost` (a node at $ZKMERIT_LOCAL_RPC, default http://127.0.0.1:8545,
 * e.g. `npx hardhat node`; pick an unlocked account with --account N or set $ZKMERIT_PRIVATE_KEY)
 * or `--network testnet` ($ZKMERIT_RPC_URL and $ZKMERIT_PRIVATE_KEY). The embedded network lives
 * only inside `npm run demo`. Events are read through a cache on disk ($ZKMERIT_LOG_CACHE, default
 * ~/.cache/zkmerit/logs; `off` keeps it in memory), so each command reads only blocks no command read before.
 */
import fs from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import pino from "pino";
import { formatUnits, type Address } from "viem";
import { REPO_ROOT } from "../oracle/core/artifacts/manifest";
import { connect, type NetworkName } from "../oracle/core/chain/network";
import { contractAddress, defaultDeploymentsPath, writeDeployments } from "../oracle/core/chain/deployments";
import { ZkMeritError, isZkMeritError } from "../oracle/core/errors";
import { terminateCurves } from "../oracle/core/prover";
import { renderHtml, renderJson, renderText } from "../oracle/audit";
import { OracleRunner } from "../oracle/service/runner";
import { selectModules } from "../oracle/service/module";
import { cliKit, common, context, fromUserDir, int, out, slugs, tokens } from "./cli/options";
import { deploySystem, modulesNamed } from "./commands/deploy";
import { stakeStatus, unstake, withdrawStake } from "./commands/stake";
import { explorerFor, serveExplorer } from "./commands/explorer";
import { testTokenAt } from "./deploy/foundation";
import type { CommonOptions } from "./module";
import { MODULES } from "./modules";

type Common = CommonOptions & { network: NetworkName };

export const program = new Command().name("zkmerit").description("zkmerit: a proof-checked merit ledger for decentralized AI work");

// The system's commands: the spine every module stands on.
program.commandsGroup("System commands:").helpCommand(true);

const deploy = common(
  program
    .command("deploy")
    .description("deploy the stake vault and every module's contracts (or those of --modules); write the deployments file"),
)
  .option("--modules <slugs>", `modules to deploy, comma-separated (default: all; known: ${MODULES.map((m) => m.id).join(", ")})`, slugs)
  .option("--token <address>", "stake and reward ERC-20 (default: deploy a TestToken)")
  .option("--unbonding-delay <seconds>", "stake unbonding delay", int("--unbonding-delay", 0, 90 * 86400), 7 * 86400);
for (const m of MODULES) {
  deploy.optionsGroup(`${m.title} (${m.id}):`);
  m.deploy.options?.(deploy);
}
deploy.action(async (o: Common & { modules?: string[]; token?: Address; unbondingDelay: number } & Record<string, unknown>) => {
  const c = await connect({ network: o.network, account: o.account });
  const file = o.deployments ?? defaultDeploymentsPath(o.network);
  const d = await deploySystem(
    c,
    {
      network: o.network,
      token: o.token,
      unbondingDelaySeconds: o.unbondingDelay,
      adminTransferDelaySeconds: 2 * 86400,
      modules: o.modules && modulesNamed(o.modules).map((m) => m.id),
      options: o,
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

common(program.command("fees").description("settler: withdraw the settlement fees every deployed module credited to you")).action(
  async (o: Common) => {
    const x = await context(o);
    const paying = MODULES.filter((m) => m.withdrawFees && m.oracle.deployed(x.d));
    let any = false;
    for (const m of paying) {
      const r = await m.withdrawFees!(x);
      if (r.amount === 0n) continue;
      any = true;
      out(`withdrew ${formatUnits(r.amount, 18)} tokens of settlement fees${paying.length > 1 ? ` from ${m.id}` : ""} (gas ${r.gasUsed})`);
    }
    if (!any) out("no fees owed");
  },
);

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
    slugs,
  )
  .option("--interval <ms>", "poll interval", int("--interval", 100), 5000)
  .option(
    "--health-port <port>",
    "serve GET /health and the explorer (GET /) on this port (0: a free one)",
    int("--health-port", 0, 65535),
    8787,
  )
  .option("--no-explorer", "serve only /health, not the explorer pages")
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
        explorer: boolean;
      },
    ) => {
      const x = await context(o);
      const log = pino({ name: "zkmerit-oracle" });
      const env = {
        clients: x.c,
        logs: x.logs,
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
      const oracleModules = MODULES.map((m) => m.oracle);
      for (const m of selectModules(oracleModules, x.d, o.modules)) jobs.push(...(await m.oracleJobs(env)));
      // One event pass per tick for every job, through the command's log reader (and its cache).
      const runner = new OracleRunner(jobs, log, { logs: x.logs });
      await runner.preflight();
      if (o.once) {
        const reports = Object.fromEntries(await runner.tick());
        out(JSON.stringify(reports, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
        return;
      }
      const pages = o.explorer
        ? explorerFor(
            { client: x.c.publicClient, chainId: x.c.chain.id, deployments: x.d, store: x.store, logs: x.logs },
            { health: () => runner.status() },
          )
        : undefined;
      const port = await runner.serveHealth(o.healthPort, "127.0.0.1", pages);
      log.info({ port, jobs: jobs.map((j) => j.id), explorer: pages ? `http://127.0.0.1:${port}/` : "off" }, "oracle started");
      const stop = () => void runner.stop();
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      await runner.run(o.interval);
    },
  );

const audit = common(
  program
    .command("audit")
    .description(
      "replay a module's history (a task, ...), recompute every result, verify every proof and the verifier; exit 1 on any mismatch",
    ),
)
  .option("--module <slug>", `the module to audit (default: the one whose target is given; known: ${MODULES.map((m) => m.id).join(", ")})`)
  .option("--out <file>", "JSON report", "audit.json")
  .option("--html <file>", "HTML report with charts");
for (const m of MODULES) {
  audit.optionsGroup(`${m.title} (${m.id}):`);
  m.audit.options(audit);
}
audit.action(async (o: Common & { module?: string; out: string; html?: string } & Record<string, unknown>) => {
  const named = o.module ? modulesNamed([o.module]) : MODULES.filter((m) => m.audit.target(o) !== undefined);
  const usage = MODULES.map((m) => `${m.audit.usage} (${m.id})`).join(", ");
  if (named.length !== 1)
    throw new ZkMeritError(
      "CONFIG",
      named.length ? `the options name targets of ${named.map((m) => m.id).join(" and ")}: pass --module` : `say what to audit: ${usage}`,
      {},
    );
  const m = named[0];
  const target = m.audit.target(o);
  if (target === undefined) throw new ZkMeritError("CONFIG", `audit --module ${m.id} needs ${m.audit.usage}`, {});
  const x = await context(o);
  if (!m.oracle.deployed(x.d)) throw new ZkMeritError("DEPLOYMENTS", `${x.file} has no ${m.id} module; deploy it first`, {});
  const r = await m.audit.audit.run(
    { client: x.c.publicClient, chainId: x.c.chain.id, deployments: x.d, store: x.store, logs: x.logs },
    target,
  );
  // The exact commands that re-run this audit, for the report's readers.
  r.commands = [
    "npm ci",
    ...(r.verifier ? [`npm run circuits -- --only ${r.verifier.circuit}`] : []),
    `npm run zkmerit -- ${process.argv
      .slice(2)
      .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))
      .join(" ")}`,
  ];
  const outFile = fromUserDir(o.out);
  const htmlFile = o.html ? fromUserDir(o.html) : undefined;
  fs.writeFileSync(outFile, renderJson(r));
  if (htmlFile) fs.writeFileSync(htmlFile, renderHtml(r));
  for (const line of renderText(r, htmlFile ? [outFile, htmlFile] : [outFile])) out(line);
  if (!r.ok) process.exitCode = 1;
});

common(
  program
    .command("explorer")
    .description("serve the explorer (every deployed module's tasks, rounds, scores, stakes and proofs, live) without running an oracle"),
)
  .option("--port <port>", "port to serve on (0: a free one)", int("--port", 0, 65535), 8788)
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .action(async (o: Common & { port: number; host: string }) => {
    const x = await context(o);
    const explorer = explorerFor({ client: x.c.publicClient, chainId: x.c.chain.id, deployments: x.d, store: x.store, logs: x.logs });
    const { server, url } = await serveExplorer(explorer, o.port, o.host);
    out(`explorer of ${x.file} (chain ${x.c.chain.id}): ${url}`);
    out("press Ctrl-C to stop");
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  });

// Each module's own commands, under its own heading in --help.
for (const m of MODULES) {
  program.commandsGroup(`${m.title} (${m.id}) commands:`);
  m.registerCommands(program, cliKit);
}

if (require.main === module) {
  program
    .parseAsync()
    .catch((e: unknown) => {
      process.stderr.write(`error: ${isZkMeritError(e) ? `[${e.code}] ` : ""}${(e as Error).message}\n`);
      process.exitCode = 1;
    })
    .finally(() => terminateCurves());
}
