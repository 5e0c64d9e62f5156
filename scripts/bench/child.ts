/**
 * Bench measurements that run in a child process of their own, so that each one's peak memory
 * (max RSS, worker threads included) is its own.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Progress } from "../circuits/progress";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * This process's peak resident memory (worker threads included). Linux keeps getrusage's maxRSS
 * across execve, so a child spawned by a large parent would report the parent's peak; VmHWM in
 * /proc belongs to the new address space alone.
 */
export function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Runs `script` (a bench module, under ts-node when it is a .ts file) with `args` in a child
 * process and parses the last line it prints as JSON. Its stderr lines are forwarded to `log`;
 * `label` names it in the error if it fails.
 */
export function runJsonChild<T>(script: string, args: string[], label: string, log: Progress): Promise<T> {
  const argv = script.endsWith(".ts") ? ["-r", require.resolve("ts-node/register")] : [];
  argv.push(script, ...args);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: REPO_ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let errTail = "";
    let partial = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      errTail = (errTail + d).slice(-4000);
      const lines = (partial + d).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) if (l.trim()) log(`  ${l}`);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        reject(new Error(`${label} failed with code ${code}: ${errTail}`));
        return;
      }
      resolve(JSON.parse(line) as T);
    });
  });
}
