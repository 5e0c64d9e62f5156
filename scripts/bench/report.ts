import type { PtauBenchResult } from "./ptau";
import type { ZkeyBenchResult } from "./zkey";
import type { FreshRunResult } from "./fresh";
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
  /** Development zkeys: the fast generator, and snarkjs's zkey new + zkey beacon where compared. */
  zkey?: ZkeyBenchResult[];
  /** When the zkey rows were measured, if an earlier run's rows were kept (`--zkey ""`). */
  zkeyMeasuredAt?: string;
  /** A fresh clone through `npm ci && npm run demo` (`--fresh`). */
  fresh?: FreshRunResult;
  settleByTrainers: Array<{ circuit: string; trainers: number; gas: number; outliers: number; proveSeconds: number }>;
  accuracy: Array<{ label: string; perRound: number[] }>;
  /** The robustness and fairness harness, per rule (oracle/contribution/model/robustness.ts). */
  robustness?: RobustnessBench[];
  /** When the robustness rows were measured, if not by this run (kept from an earlier run, or `--robustness-only`). */
  robustnessMeasuredAt?: string;
}

/** One rule's harness run, reduced to what the README shows. */
export interface RobustnessBench {
  rule: string;
  seeds: number[];
  trainers: number;
  rounds: number;
  attackFreeAccuracy: number;
  /** Share of the test images of the targeted class read as the target, without attackers. */
  attackFreeTargetRate?: number;
  seconds: number;
  rows: Array<{
    attack: string;
    family: string;
    attackers: number;
    deltaPoints: number;
    attackersFlagged: number;
    honestFlagged: number;
    rewardRatio: number | null;
    targetRate?: number;
  }>;
  fairness: { spearmanLoo: number; spearmanShapley: number; misallocation: number; misallocationEqual: number } | null;
  bars: {
    accuracyFailing: string[];
    honestCutFailing: string[];
    freeRiderFailing: string[];
    spearmanLoo: boolean;
    spearmanShapley: boolean;
    misallocationBelowEqual: boolean;
  };
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
  if (r.zkey?.length) {
    lines.push("");
    if (r.zkeyMeasuredAt) {
      lines.push(`Development zkey rows kept from the run of ${r.zkeyMeasuredAt.slice(0, 10)} (not re-measured by this run):`);
      lines.push("");
    }
    lines.push(
      "| development zkey (INSECURE) | constraints | domain | fast generator s | peak RSS MB | snarkjs new + beacon s | peak RSS MB | speed-up | same bytes |",
    );
    lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const z of r.zkey) {
      lines.push(
        `| ${z.circuit} | ${z.constraints.toLocaleString("en-US")} | 2^${z.domainPower} | ${fmt(z.fastSeconds)} | ${fmt(z.fastPeakRssMB, 0)} | ${fmt(
          z.snarkjsSeconds,
        )} | ${fmt(z.snarkjsPeakRssMB, 0)} | ${z.ratio === undefined ? "-" : `${z.ratio.toFixed(1)}x`} | ${
          z.identical === undefined ? "-" : z.identical ? "yes" : "NO"
        } |`,
      );
    }
  }
  if (r.fresh) {
    const f = r.fresh;
    lines.push("");
    lines.push(
      `A fresh clone (commit ${f.commit.slice(0, 10)}, empty key cache) through \`npm ci && npm run demo\`: ${fmt(f.totalSeconds)} s in all; ` +
        `\`npm ci\` ${fmt(f.npmCiSeconds)} s, the demo ${fmt(f.demoSeconds)} s, of which the circuit build (compile, ptau, keys) ${fmt(
          f.buildSeconds,
        )} s.`,
    );
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
  for (const [i, rb] of (r.robustness ?? []).entries()) lines.push("", ...renderRobustness(rb, i === 0, r.robustnessMeasuredAt));
  return lines.join("\n");
}

const pct = (x: number) => (x * 100).toFixed(1);

/** The attack × attackers table of one rule (in full for the first rule, its bars for the others). */
function renderRobustness(rb: RobustnessBench, full: boolean, measuredAt: string | undefined): string[] {
  const lines: string[] = [];
  const b = rb.bars;
  const list = (xs: string[]) => (xs.length ? `**${xs.length} failing** (${xs.join(", ")})` : "met");
  const fz = rb.fairness;
  lines.push(
    `Robustness of the \`${rb.rule}\` rule${measuredAt ? ` (measured on ${measuredAt.slice(0, 10)}, apart from the rest of this table)` : ""}: ${rb.trainers} trainers, ${rb.rounds} rounds, seeds ${rb.seeds.join(", ")}, the last f trainers attacking with every honest update of the round in view; attack-free accuracy ${(rb.attackFreeAccuracy * 100).toFixed(2)}% (${rb.seconds.toFixed(0)} s).`,
  );
  lines.push("");
  lines.push(
    `Bars: accuracy within 2 points ${list(b.accuracyFailing)}; honest trainers cut in under 1% of their rounds ${list(b.honestCutFailing)}; free-riders at most 0.25x ${list(b.freeRiderFailing)}` +
      (fz
        ? `; Spearman with leave-one-out ${fz.spearmanLoo.toFixed(2)} (${b.spearmanLoo ? "met" : "**not met**"}), with Shapley ${fz.spearmanShapley.toFixed(2)} (${b.spearmanShapley ? "met" : "**not met**"}); misallocation ${fz.misallocation.toFixed(3)} against the equal split's ${fz.misallocationEqual.toFixed(3)} (${b.misallocationBelowEqual ? "met" : "**not met**"}).`
        : "."),
  );
  if (!full) return lines;
  const fs = [...new Set(rb.rows.map((x) => x.attackers))].sort((a, c) => a - c);
  lines.push("");
  lines.push(
    "Each cell: accuracy Δ vs attack-free (points) / attackers flagged % / honest trainers flagged % / attacker reward ÷ median honest (flagged = excluded or slashed).",
  );
  lines.push("");
  lines.push(`| attack | family | ${fs.map((f) => `f = ${f}`).join(" | ")} |`);
  lines.push(`|---|---|${fs.map(() => "---|").join("")}`);
  for (const attack of [...new Set(rb.rows.map((x) => x.attack))]) {
    const cells = fs.map((f) => {
      const x = rb.rows.find((y) => y.attack === attack && y.attackers === f);
      if (!x) return "-";
      return `${x.deltaPoints.toFixed(2)} / ${pct(x.attackersFlagged)} / ${pct(x.honestFlagged)} / ${x.rewardRatio === null ? "-" : x.rewardRatio.toFixed(2)}`;
    });
    const family = rb.rows.find((y) => y.attack === attack)?.family ?? "";
    lines.push(`| ${attack} | ${family} | ${cells.join(" | ")} |`);
  }
  const targeted = rb.rows.filter((x) => x.attack.startsWith("targeted-") && x.targetRate !== undefined);
  if (targeted.length && rb.attackFreeTargetRate !== undefined) {
    lines.push("");
    lines.push(
      `Targeted push (\`${targeted[0].attack}\`): ${targeted.map((x) => `${pct(x.targetRate ?? 0)}%`).join(" / ")} of the test images of the class read as the target at f = ${targeted.map((x) => x.attackers).join(" / ")}, against ${pct(rb.attackFreeTargetRate)}% without attackers.`,
    );
  }
  return lines;
}
