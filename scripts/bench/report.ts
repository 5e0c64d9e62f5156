import type { PtauBenchResult } from "./ptau";
import type { GasSample } from "../demo/foundation";
import type { machineInfo } from "./machine";

export interface CircuitBench {
  name: string;
  template: string;
  constraints: number;
  publicInputs: number;
  ptauPower: number;
  compileSeconds?: number;
  setupSeconds?: number;
  zkeyMB: number;
  proveSecondsMedian?: number;
  proofs: number;
}

export type PtauBench = PtauBenchResult;

export interface BenchResults {
  machine: ReturnType<typeof machineInfo>;
  date: string;
  seconds: number;
  gas: GasSample[];
  circuits: CircuitBench[];
  ptau: PtauBench[];
  /** When the ptau rows were measured, if an earlier run's rows were kept (`--ptau ""`). */
  ptauMeasuredAt?: string;
  settleByTrainers: Array<{ circuit: string; trainers: number; gas: number; outliers: number; proveSeconds: number }>;
  accuracy: Array<{ label: string; perRound: number[] }>;
}

const fmt = (v: number | undefined, digits = 1) => (v === undefined ? "-" : v.toFixed(digits));

/** The README results section (Markdown) for a bench run. */
export function renderResults(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push(
    `Measured by \`npm run bench\` on ${r.date.slice(0, 10)}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}.`,
  );
  lines.push(
    "Gas on the embedded Hardhat network (solc 0.8.28, cancun; optimizer 200 runs, TrainingMarket 1 run to stay under the 24,576-byte code limit).",
  );
  lines.push("");
  lines.push("| contract | call | gas |");
  lines.push("|---|---|---:|");
  for (const g of r.gas) lines.push(`| ${g.contract} | ${g.call}${g.note ? ` (${g.note})` : ""} | ${g.gas.toLocaleString("en-US")} |`);
  if (r.settleByTrainers.length) {
    lines.push("");
    lines.push("Gas of a first settleRound proposal against the number of revealing trainers (real proofs, every reveal included):");
    lines.push("");
    lines.push("| circuit | trainers | settleRound gas | proof s |");
    lines.push("|---|---:|---:|---:|");
    for (const s of r.settleByTrainers)
      lines.push(`| ${s.circuit} | ${s.trainers} | ${s.gas.toLocaleString("en-US")} | ${s.proveSeconds.toFixed(1)} |`);
    lines.push("");
    lines.push(
      "Each row is its own round of one task; the 1-trainer row is the task's first proposal, which writes the pending-proposal storage fresh (later proposals overwrite it).",
    );
  }
  lines.push("");
  lines.push("| circuit | template | constraints | public inputs | ptau | compile s | setup s | zkey MB | proof s (median) |");
  lines.push("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const c of r.circuits) {
    lines.push(
      `| ${c.name} | ${c.template} | ${c.constraints.toLocaleString("en-US")} | ${c.publicInputs} | 2^${c.ptauPower} | ${fmt(c.compileSeconds)} | ${fmt(
        c.setupSeconds,
      )} | ${fmt(c.zkeyMB)} | ${fmt(c.proveSecondsMedian, 2)} (n=${c.proofs}) |`,
    );
  }
  if (r.ptau.length) {
    lines.push("");
    if (r.ptauMeasuredAt) {
      lines.push(`Powers of Tau rows kept from the run of ${r.ptauMeasuredAt.slice(0, 10)} (not re-measured by this run):`);
      lines.push("");
    }
    lines.push("| development Powers of Tau | fast path s | peak RSS MB | snarkjs pipeline s | peak RSS MB | speed-up |");
    lines.push("|---|---:|---:|---:|---:|---:|");
    for (const p of r.ptau) {
      lines.push(
        `| 2^${p.power} | ${fmt(p.fastSeconds)} | ${fmt(p.fastPeakRssMB, 0)} | ${fmt(p.snarkjsSeconds)} | ${fmt(p.snarkjsPeakRssMB, 0)} | ${
          p.ratio === undefined ? "-" : `${p.ratio.toFixed(1)}x`
        } |`,
      );
    }
  }
  if (r.accuracy.length) {
    lines.push("");
    lines.push(
      "Test accuracy of the global model per round (mean of 5 seeds; 8 trainers, 3 attacking: sign flip x4, scaled x10, label flip):",
    );
    lines.push("");
    const n = Math.max(...r.accuracy.map((a) => a.perRound.length));
    lines.push(`| run | ${Array.from({ length: n }, (_, i) => `r${i}`).join(" | ")} |`);
    lines.push(`|---|${"---:|".repeat(n)}`);
    for (const a of r.accuracy) lines.push(`| ${a.label} | ${a.perRound.map((v) => (v * 100).toFixed(1)).join(" | ")} |`);
  }
  return lines.join("\n");
}
