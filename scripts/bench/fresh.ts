/**
 * A newcomer's first run, timed: a clone of the committed HEAD into a temporary directory, with an
 * empty key cache, through `npm ci` and `npm run demo`. The demo reports how long its circuit build
 * (compile, development ptau, development keys) took; that share is parsed from its output.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface FreshRunResult {
  commit: string;
  npmCiSeconds: number;
  demoSeconds: number;
  /** The demo's own "circuit artifacts ready in X s". */
  buildSeconds?: number;
  totalSeconds: number;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
): Promise<{ seconds: number; out: string }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let tail = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      for (const l of d.split("\n")) if (/^\d\. |ready in|written in|demo finished|audit/i.test(l.trim())) log(`  ${l.trim()}`);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (tail = (tail + d).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve({ seconds: (Date.now() - t0) / 1000, out })
        : reject(new Error(`${cmd} ${args.join(" ")} failed (${code}): ${tail}`)),
    );
  });
}

/** Clones HEAD (uncommitted changes are not part of the measurement) and times the README's first two commands. */
export async function benchFreshClone(log: (l: string) => void): Promise<FreshRunResult> {
  const commit = spawnSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).stdout.trim();
  const dirty = spawnSync("git", ["status", "--porcelain"], { cwd: REPO_ROOT, encoding: "utf8" }).stdout.trim();
  if (dirty) log("fresh clone: the work tree has uncommitted changes; the clone measures the last commit");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkmerit-fresh-"));
  try {
    const repo = path.join(dir, "repo");
    const cl = spawnSync("git", ["clone", "-q", REPO_ROOT, repo], { encoding: "utf8" });
    if (cl.status !== 0) throw new Error(`git clone failed: ${cl.stderr}`);
    const env: NodeJS.ProcessEnv = { ...process.env, ZKMERIT_CACHE_DIR: path.join(dir, "cache"), HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" };
    delete env.TS_NODE_TRANSPILE_ONLY;
    log(`fresh clone of ${commit.slice(0, 10)} in ${repo}, empty cache: npm ci`);
    const ci = await run("npm", ["ci", "--no-audit", "--no-fund"], repo, env, log);
    log(`  npm ci ${ci.seconds.toFixed(1)} s; npm run demo`);
    const demo = await run("npm", ["run", "demo"], repo, env, log);
    const m = /circuit artifacts ready in ([\d.]+) s/.exec(demo.out);
    return {
      commit,
      npmCiSeconds: ci.seconds,
      demoSeconds: demo.seconds,
      buildSeconds: m ? Number(m[1]) : undefined,
      totalSeconds: ci.seconds + demo.seconds,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchFreshClone((l) => process.stderr.write(`[fresh] ${l}\n`))
    .then((r) => process.stdout.write(JSON.stringify(r, null, 2) + "\n"))
    .catch((e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    });
}
