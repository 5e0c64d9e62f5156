/** The CLI's shared options, value parsers and command context (every module's commands use them). */
import path from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { parseUnits } from "viem";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";
import { connect } from "../../oracle/core/chain/network";
import { defaultDeploymentsPath, readDeployments } from "../../oracle/core/chain/deployments";
import { LogReader, defaultLogCacheDir } from "../../oracle/core/chain/logs";
import { openStore } from "../../oracle/core/store";
import type { CliKit, CommandContext, CommonOptions } from "../module";

export const int =
  (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
    return n;
  };

export const tokens = (name: string) => (v: string) => {
  try {
    const x = parseUnits(v, 18);
    if (x < 0n) throw new Error();
    return x;
  } catch {
    throw new InvalidArgumentError(`${name} must be a non-negative token amount like 100 or 0.5`);
  }
};

/** A token-amount option with a default, shown in --help as tokens (a bigint default cannot be printed). */
export const tokenOption = (flags: string, description: string, dflt: string) => {
  const name = flags.split(" ")[0];
  return new Option(flags, description).argParser(tokens(name)).default(parseUnits(dflt, 18), `${dflt} tokens`);
};

export const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number`);
  return n;
};

export const taskId = (v: string) => BigInt(int("--task", 1)(v));

/** A comma-separated list of slugs. */
export const slugs = (v: string) =>
  v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

export function common(cmd: Command): Command {
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

/**
 * Connects, reads the deployments file and opens the store. Events are read through a log reader
 * whose cache is on disk (defaultLogCacheDir: ~/.cache/zkmerit/logs), so a command reads only the
 * blocks no earlier command read.
 */
export async function context(o: CommonOptions): Promise<CommandContext> {
  const c = await connect({ network: o.network, account: o.account });
  const file = o.deployments ?? defaultDeploymentsPath(o.network);
  const d = readDeployments(file);
  if (d.chainId !== c.chain.id)
    throw new Error(`${file} is for chain ${d.chainId}, but the node is chain ${c.chain.id}; redeploy or pass --deployments`);
  return { c, d, store: openStore(o.store), file, logs: new LogReader(c.publicClient, { dir: defaultLogCacheDir() }) };
}

export const out = (s: string) => process.stdout.write(s + "\n");

/** A path the user typed, resolved from the folder they ran the command in (npm runs scripts from the repository root). */
export const fromUserDir = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);

export const cliKit: CliKit = { common, context, out, fromUserDir };
