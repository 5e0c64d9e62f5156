/**
 * Times the fast development zkey generator against snarkjs's own setup (zkey new + zkey beacon,
 * the same development contribution) for built circuits, each run in a child process of its own
 * so its peak memory is measured alone, and checks that the two files are the same bytes.
 *
 *   npx ts-node scripts/bench/zkey.ts contribution_4x8 --snarkjs     prints the result as JSON
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readManifest, type ManifestEntry } from "../../oracle/core/artifacts/manifest";
import type { Progress } from "../circuits/progress";
import { peakRssMB, runJsonChild } from "./child";

const SEED = "00000000000000000000000000000000000000000000000000000000be7c2e75";

export interface ZkeyBenchResult {
  circuit: string;
  constraints: number;
  domainPower: number;
  ptauPower: number;
  fastSeconds: number;
  fastPeakRssMB: number;
  snarkjsSeconds?: number;
  snarkjsPeakRssMB?: number;
  /** snarkjsSeconds / fastSeconds */
  ratio?: number;
  /** Whether snarkjs wrote the same file, byte for byte. */
  identical?: boolean;
}

type Method = "fast" | "snarkjs";

interface ChildResult {
  seconds: number;
  peakRssMB: number;
  cpuSeconds: number;
  sha256: string;
}

function runChild(method: Method, e: ManifestEntry, out: string, log: Progress): Promise<ChildResult> {
  const seed = e.ptau.source === "dev-fast" ? (JSON.parse(fs.readFileSync(`${e.ptau.file}.json`, "utf8")) as { seed: string }).seed : "";
  const args = ["--child", method, e.name, e.artifacts.r1cs.path, e.ptau.file, String(e.ptau.power), seed, out];
  return runJsonChild<ChildResult>(__filename, args, `zkey bench child (${method}, ${e.name})`, log);
}

/** Child side: write the key one way, then print seconds, peak memory and the file's sha256 as one JSON line. */
async function child(
  method: Method,
  name: string,
  r1cs: string,
  ptau: string,
  ptauPower: number,
  ptauSeed: string,
  out: string,
): Promise<void> {
  const { makeProgress } = await import("../circuits/progress");
  const { devZkeyContribution } = await import("../circuits/fastzkey");
  const { sha256File } = await import("../circuits/hash");
  const log = makeProgress(`${method} ${name}`);
  const contribution = devZkeyContribution(name, SEED);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  if (method === "fast") {
    const { writeFastZkey } = await import("../circuits/fastzkey");
    const { devPtauSecrets } = await import("../circuits/fastptau");
    await writeFastZkey(r1cs, out, { secrets: await devPtauSecrets(ptauSeed), ptauPower, contribution }, log);
  } else {
    const snarkjs = await import("snarkjs");
    await log.step("zkey new", (l) => snarkjs.zKey.newZKey(r1cs, ptau, `${out}.0`, l));
    await log.step("zkey beacon", (l) =>
      snarkjs.zKey.beacon(`${out}.0`, out, contribution.name, Buffer.from(contribution.beacon.hash).toString("hex"), 10, l),
    );
    fs.rmSync(`${out}.0`);
    const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } | null };
    await g.curve_bn128?.terminate();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const result: ChildResult = { seconds, peakRssMB: peakRssMB(), cpuSeconds: (cpu.user + cpu.system) / 1e6, sha256: await sha256File(out) };
  process.stdout.write(JSON.stringify(result) + "\n");
}

/**
 * Times the fast generator on a built circuit and, if `opts.snarkjs`, snarkjs's zkey new + zkey
 * beacon on the same r1cs and ptau, in a temporary directory removed afterwards.
 */
export async function benchZkey(e: ManifestEntry, opts: { snarkjs: boolean; log: Progress }): Promise<ZkeyBenchResult> {
  if (e.ptau.source !== "dev-fast")
    throw new Error(`${e.name}: the zkey bench needs a fast development ptau, the entry has ${e.ptau.source}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkmerit-bench-zkey-"));
  const fmt = (c: ChildResult) => `${c.seconds.toFixed(1)} s (CPU ${c.cpuSeconds.toFixed(1)} s), peak RSS ${c.peakRssMB.toFixed(0)} MB`;
  try {
    const fast = await runChild("fast", e, path.join(dir, "fast.zkey"), opts.log);
    opts.log(`zkey ${e.name} fast: ${fmt(fast)}`);
    fs.rmSync(path.join(dir, "fast.zkey"), { force: true });
    const domainPower = Math.floor(Math.log2(e.constraints + e.publicInputs)) + 1;
    const result: ZkeyBenchResult = {
      circuit: e.name,
      constraints: e.constraints,
      domainPower,
      ptauPower: e.ptau.power,
      fastSeconds: fast.seconds,
      fastPeakRssMB: fast.peakRssMB,
    };
    if (opts.snarkjs) {
      const s = await runChild("snarkjs", e, path.join(dir, "snarkjs.zkey"), opts.log);
      opts.log(`zkey ${e.name} snarkjs: ${fmt(s)}; ${s.sha256 === fast.sha256 ? "the same bytes" : "DIFFERENT bytes"}`);
      Object.assign(result, {
        snarkjsSeconds: s.seconds,
        snarkjsPeakRssMB: s.peakRssMB,
        ratio: s.seconds / fast.seconds,
        identical: s.sha256 === fast.sha256,
      });
    }
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child") {
    await child(argv[1] as Method, argv[2], argv[3], argv[4], Number(argv[5]), argv[6], argv[7]);
    return;
  }
  const name = argv.find((a) => !a.startsWith("--"));
  const e = name ? readManifest().circuits[name] : undefined;
  if (!e)
    throw new Error(
      `usage: ts-node scripts/bench/zkey.ts <built circuit> [--snarkjs]; built: ${Object.keys(readManifest().circuits).join(", ")}`,
    );
  const { makeProgress } = await import("../circuits/progress");
  const result = await benchZkey(e, { snarkjs: argv.includes("--snarkjs"), log: makeProgress("bench zkey") });
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
