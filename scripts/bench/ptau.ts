/**
 * Times the fast development Powers of Tau generator against snarkjs's own pipeline
 * (new -> contribute -> prepare phase2) at one power.
 *
 * Each generator runs in a child process of its own so its peak memory (max RSS, worker threads
 * included) is measured alone.
 *
 *   npx ts-node scripts/bench/ptau.ts 14 --snarkjs     prints the result as JSON
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Progress } from "../circuits/progress";
import { peakRssMB, runJsonChild } from "./child";

const SEED = "00000000000000000000000000000000000000000000000000000000be7c4b07";

export interface PtauBenchResult {
  power: number;
  fastSeconds: number;
  fastPeakRssMB: number;
  snarkjsSeconds?: number;
  snarkjsPeakRssMB?: number;
  /** snarkjsSeconds / fastSeconds */
  ratio?: number;
}

type Method = "fast" | "snarkjs";

interface ChildResult {
  seconds: number;
  peakRssMB: number;
  cpuSeconds: number;
  bytes: number;
}

/** Runs one generator in a child process; its progress lines are forwarded to `log`. */
function runChild(method: Method, power: number, dir: string, log: Progress): Promise<ChildResult> {
  return runJsonChild<ChildResult>(__filename, ["--child", method, String(power), dir], `ptau bench child (${method}, 2^${power})`, log);
}

/** Child side: generate, then print seconds and peak memory as one JSON line. */
async function child(method: Method, power: number, dir: string): Promise<void> {
  const { makeProgress } = await import("../circuits/progress");
  const log = makeProgress(`${method} 2^${power}`);
  const file = path.join(dir, `${method}-p${power}.ptau`);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  if (method === "fast") {
    const { writeFastDevPtau } = await import("../circuits/fastptau");
    await writeFastDevPtau(file, power, SEED, log);
  } else {
    const snarkjs = await import("snarkjs");
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    await log.step("new", (l) => snarkjs.powersOfTau.newAccumulator(curve, power, `${file}.0`, l));
    await log.step("contribute", (l) =>
      snarkjs.powersOfTau.contribute(`${file}.0`, `${file}.1`, "zkmerit development (insecure)", SEED, l),
    );
    await log.step("prepare phase2", (l) => snarkjs.powersOfTau.preparePhase2(`${file}.1`, file, l));
    const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } | null };
    await g.curve_bn128?.terminate();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const result: ChildResult = {
    seconds,
    peakRssMB: peakRssMB(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bytes: fs.statSync(file).size,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

/**
 * Times writeFastDevPtau at 2^power and, if `opts.snarkjs`, snarkjs's new + contribute + prepare
 * phase2 at the same power, each in a child process, in a temporary directory removed afterwards.
 */
export async function benchPtau(power: number, opts: { snarkjs: boolean; log: Progress }): Promise<PtauBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkmerit-bench-ptau-"));
  try {
    const fast = await runChild("fast", power, dir, opts.log);
    opts.log(
      `ptau 2^${power} fast: ${fast.seconds.toFixed(1)} s (CPU ${fast.cpuSeconds.toFixed(1)} s), peak RSS ${fast.peakRssMB.toFixed(0)} MB, ${(
        fast.bytes /
        2 ** 20
      ).toFixed(1)} MiB`,
    );
    const result: PtauBenchResult = { power, fastSeconds: fast.seconds, fastPeakRssMB: fast.peakRssMB };
    fs.rmSync(path.join(dir, `fast-p${power}.ptau`), { force: true });
    if (opts.snarkjs) {
      const s = await runChild("snarkjs", power, dir, opts.log);
      opts.log(
        `ptau 2^${power} snarkjs: ${s.seconds.toFixed(1)} s (CPU ${s.cpuSeconds.toFixed(1)} s), peak RSS ${s.peakRssMB.toFixed(0)} MB`,
      );
      if (s.bytes !== fast.bytes) opts.log(`warning: the two files differ in size (${fast.bytes} vs ${s.bytes} bytes)`);
      result.snarkjsSeconds = s.seconds;
      result.snarkjsPeakRssMB = s.peakRssMB;
      result.ratio = s.seconds / fast.seconds;
    }
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child") {
    await child(argv[1] as Method, Number(argv[2]), argv[3]);
    return;
  }
  const power = Number(argv.find((a) => !a.startsWith("--")));
  if (!Number.isInteger(power) || power < 1 || power > 27) {
    throw new Error("usage: ts-node scripts/bench/ptau.ts <power> [--snarkjs]");
  }
  const { makeProgress } = await import("../circuits/progress");
  const result = await benchPtau(power, { snarkjs: argv.includes("--snarkjs"), log: makeProgress("bench ptau") });
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
