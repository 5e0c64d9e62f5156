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
  /** Module 2: batch gas by size, marginal gas per source, real-verifier batches. */
  reliabilityGas?: ReliabilityGasBench;
  /** Module 2: the workload's outcome with and without the robust aggregate. */
  reliabilityOutcome?: ReliabilityOutcomeBench;
  /** Module 3: the simulated swarm's answer accuracy against the plurality vote and the best node, per adversarial style. */
  reputationOutcome?: ReputationOutcomeBench;
  /** Module 3: settlement gas by swarm size, the real verifier's rounds, per-node round gas, a Sybil's cost. */
  reputationGas?: ReputationGasBench;
}

/** Module 3's gas: settleRanking by slots (mock verifier), real-verifier rounds, per-node gas per round, a Sybil's cost. */
export interface ReputationGasBench {
  /** settleRanking on the mock verifier, every slot answered and included (the gas test's swarms). */
  settleMock: Array<{ slots: number; gas: number }>;
  /** Gas per extra slot on the mock verifier, 8 -> 16 and 16 -> 32. */
  perSlot: { from8: number; from16: number };
  /** The demo's path with the real verifier: settleRanking (mean after the first round; the first round's too), proof time, a node's gas per round. */
  real: Array<{
    circuit: string;
    slots: number;
    settleGas: number;
    firstSettleGas: number;
    finalizeGas: number;
    proveSeconds: number;
    nodeRoundGas: Record<string, number>;
  }>;
  /** What a Sybil identity costs: the stake it locks, the gas to register and pass calibration, and the rounds it must agree in to reach a reputation. */
  sybil: {
    stake: string;
    admissionGas: number;
    roundGas: number;
    initialReputation: number;
    emaRate: number;
    rows: Array<{ target: number; roundsAtAgreement: Record<string, number | null> }>;
  };
}

/** One configuration of the outcome table, reduced over its seeds. */
export interface ReliabilityOutcomeRow {
  /** "honest" or the liars' strategy. */
  liars: "honest" | "boost" | "sink" | "random";
  liarFraction: number;
  aggregate: "median" | "naive";
  seeds: number;
  /** Means over the seeds of the held-out accuracies after the last epoch (fractions). */
  relevance: number;
  aware: number;
  oracle: number;
  /** Mean Kendall tau-b of the learned reliabilities against the truth after epochs 0..E. */
  meanTau: number[];
  /** The least tau after the last epoch over the seeds. */
  minTau: number;
  /** Runs whose tau after the last epoch is at least the bar, and runs that reach it in some epoch <= E. */
  tauAtEnd: number;
  tauReached: number;
  /** Runs with aware >= relevance + 10 points, and with aware >= oracle - 3 points, after the last epoch. */
  overRelevance: number;
  nearOracle: number;
  /** Share of the liars' (evaluator, epoch) pairs flagged, and of the honest ones (false flags). */
  liarsFlagged?: number;
  honestFlagged: number;
}

export interface ReliabilityOutcomeBench {
  epochs: number;
  seeds: number[];
  shape: string;
  seconds: number;
  rows: ReliabilityOutcomeRow[];
}

/** One configuration of module 3's outcome table (oracle/reputation/outcome.ts), reduced over its seeds. */
export interface ReputationOutcomeRow {
  /** "none" (attack-free) or the adversaries' style. */
  adversaries: "none" | "self" | "random" | "ring" | "copycat";
  adversaryFraction: number;
  adversaryNodes: number;
  nodes: number;
  rounds: number;
  seeds: number;
  /** Medians over the seeds of the run's accuracies (fractions): the swarm's winner, the plurality vote, the best single node in hindsight, some node right. */
  swarm: number;
  majority: number;
  best: number;
  anyCorrect: number;
  /** Medians over the seeds of swarm − plurality and swarm − best single node. */
  overMajority: number;
  overBest: number;
  /** Seeds meeting each bar: swarm ≥ plurality + 10 points, swarm ≥ best single node. */
  overMajorityRuns: number;
  atLeastBestRuns: number;
  /** The swarm's accuracy in each quarter of the rounds (median over the seeds): how fast reputation weighting takes effect. */
  swarmByQuarter: number[];
  /** Median share of rounds won by an adversarial slot. */
  adversaryWins: number;
  /** Pooled over seeds and rounds: share of the adversaries' and the honest nodes' (judge, round) pairs flagged. */
  adversariesFlagged?: number;
  honestFlagged: number;
  /** Pooled mean agreement (0..1) of the observed adversarial and honest judges. */
  adversaryAgreement?: number;
  honestAgreement: number;
  /** By round 0..R, the median over the seeds of the mean reputation (0..1) of the honest and of the adversarial slots. */
  honestReputation: number[];
  adversaryReputation?: number[];
}

export interface ReputationOutcomeBench {
  nodes: number;
  rounds: number;
  seeds: number[];
  adversaryFraction: number;
  /** Every slot's reputation before the first round (of 65535). */
  initialReputation: number;
  /** The rule's parameters of the runs. */
  params: { emaRate: number; minAgreement: number; prior: number };
  seconds: number;
  rows: ReputationOutcomeRow[];
}

/** The real-verifier batch of one instance, from the demo's path. */
export interface ReliabilityBatchReal {
  circuit: string;
  sources: number;
  evaluators: number;
  updateScoresGas: number;
  proveSeconds: number;
}

export interface ReliabilityGasBench {
  /** updateScores by updated sources on the mock verifier (the gas test's registries of 1, 4 and 8 words). */
  batchMock: Array<{ sources: number; words: number; gas: number }>;
  /** Marginal gas per updated source on the mock verifier, 8 -> 64 and 32 -> 64 sources. */
  marginal: { from8: number; from32: number };
  /** updateScores with the real verifier and a real proof, per instance. */
  batchReal: ReliabilityBatchReal[];
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
  if (r.reliabilityGas) lines.push("", ...renderReliabilityGas(r.reliabilityGas));
  if (r.reliabilityOutcome) lines.push("", ...renderReliabilityOutcome(r.reliabilityOutcome));
  if (r.reputationOutcome) lines.push("", ...renderReputationOutcome(r.reputationOutcome));
  if (r.reputationGas) lines.push("", ...renderReputationGas(r.reputationGas));
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

/** Module 2's batch gas: by batch size on the mock verifier, the marginal per source, and the real verifier's batches. */
export function renderReliabilityGas(g: ReliabilityGasBench): string[] {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = [
    `Source reliability registry, \`updateScores\` by batch size (mock verifier; the registry is deployed for 1, 4 or 8 score words of 8 sources; "1" changes one source of one word): ` +
      `**${n(g.marginal.from8)} gas per updated source** at the margin from 8 to 64 sources (${n(g.marginal.from32)} from 32 to 64), against 26,000–32,000 per update (72,000 for one) in the reference system.`,
    "",
    "| updated sources | score words | updateScores gas (mock verifier) |",
    "|---:|---:|---:|",
    ...g.batchMock.map((b) => `| ${b.sources} | ${b.words} | ${n(b.gas)} |`),
  ];
  if (g.batchReal.length) {
    lines.push(
      "",
      "With the real verifier and a real proof (the oracle job's batch, mean of the proven epochs):",
      "",
      "| circuit | sources | evaluators | updateScores gas | proof s |",
      "|---|---:|---:|---:|---:|",
      ...g.batchReal.map(
        (b) => `| ${b.circuit} | ${b.sources} | ${b.evaluators} | ${n(b.updateScoresGas)} | ${b.proveSeconds.toFixed(1)} |`,
      ),
    );
  }
  return lines;
}

/** Module 2's outcome table: each liar strategy with the median (the rule) and the naive mean. */
export function renderReliabilityOutcome(o: ReliabilityOutcomeBench): string[] {
  const p = (x: number) => (100 * x).toFixed(1);
  const k = o.seeds.length;
  const lines = [
    `Source reliability, outcome in the demo's environment (workload shape ${o.shape}: 8 sources, 16 graded questions and 7 evaluators an epoch, ${o.epochs} epochs, corpus seeds ${o.seeds.join(", ")}; ${o.seconds.toFixed(0)} s). ` +
      "Accuracies on the held-out questions after the last epoch, means over the seeds; tau is Kendall's tau-b of the learned reliabilities against the true ones. " +
      "Bars: tau >= 0.8 within 5 epochs, aware >= relevance-only + 10 points, aware >= true-score retrieval - 3 points; the columns count the runs meeting each.",
    "",
    "| liars | aggregate | relevance-only % | reliability-aware % | true scores % | mean tau by epoch | min tau | tau >= 0.8 at end / ever | +10 | -3 | liars flagged % | honest flagged % |",
    "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of o.rows) {
    lines.push(
      `| ${r.liars === "honest" ? "none" : `${Math.round(100 * r.liarFraction)}% ${r.liars}`} | ${r.aggregate} | ${p(r.relevance)} | ${p(r.aware)} | ${p(r.oracle)} | ` +
        `${r.meanTau.map((t) => t.toFixed(2)).join(" ")} | ${r.minTau.toFixed(2)} | ${r.tauAtEnd}/${k} / ${r.tauReached}/${k} | ${r.overRelevance}/${k} | ${r.nearOracle}/${k} | ` +
        `${r.liarsFlagged === undefined ? "-" : p(r.liarsFlagged)} | ${r.aggregate === "median" ? p(r.honestFlagged) : "-"} |`,
    );
  }
  return lines;
}

/** Module 3's outcome table: the swarm's chosen answer against the plurality vote and the best node, attack-free and per adversarial style. */
export function renderReputationOutcome(o: ReputationOutcomeBench): string[] {
  const p = (x: number) => (100 * x).toFixed(1);
  const d = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}`;
  const k = o.seeds.length;
  const marks = [...new Set([0, 1, 2, 3, 4].map((q) => Math.round((q * o.rounds) / 4)))];
  const track = (xs: readonly number[] | undefined) => (xs ? marks.map((t) => xs[t].toFixed(2)).join(" ") : "-");
  const lines = [
    `Swarm reputation, outcome of the simulated swarm (oracle/reputation/outcome.ts: ${o.nodes} nodes, a few strong and many weak, ${o.rounds} four-option questions a run, one a round, ` +
      `settled by the reference with EMA rate ${o.params.emaRate}/65536, flags below agreement ${o.params.minAgreement}/65535, prior ${o.params.prior}, every reputation starting at ${o.initialReputation}; ` +
      `seeds ${o.seeds.join(", ")}; ${o.seconds.toFixed(0)} s). Accuracies are medians over the seeds of the share of rounds answered correctly: the swarm's (the winning slot's answer), ` +
      "the plurality vote over the same answers (a tie shares the credit), the best single node in hindsight (the node most often right in the run) and the share of rounds some node was right (no rule does better). " +
      `Bars: swarm >= plurality + 10 points, swarm >= best node; the columns count the seeds meeting each. Adversaries are ${Math.round(100 * o.adversaryFraction)}% of the slots; flags and agreements are pooled over seeds and rounds; ` +
      `the swarm's accuracy by quarter is over rounds 1–${Math.floor(o.rounds / 4)}, and so on; reputations (0..1) are the median over the seeds of the mean of the honest and of the adversarial slots after rounds ${marks.join(", ")}.`,
    "",
    "| adversaries | swarm % | plurality % | best node % | some node right % | swarm − plurality | swarm − best | +10 | >= best | swarm % by quarter | adversary wins % | adversaries flagged % | honest flagged % | agreement adv. / honest | honest reputation | adversary reputation |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---|",
  ];
  for (const r of o.rows) {
    lines.push(
      `| ${r.adversaries === "none" ? "none" : `${r.adversaryNodes} ${r.adversaries}`} | ${p(r.swarm)} | ${p(r.majority)} | ${p(r.best)} | ${p(r.anyCorrect)} | ` +
        `${d(r.overMajority)} | ${d(r.overBest)} | ${r.overMajorityRuns}/${k} | ${r.atLeastBestRuns}/${k} | ` +
        `${r.swarmByQuarter.map((x) => (100 * x).toFixed(0)).join(" ")} | ${r.adversaries === "none" ? "-" : p(r.adversaryWins)} | ` +
        `${r.adversariesFlagged === undefined ? "-" : p(r.adversariesFlagged)} | ${p(r.honestFlagged)} | ` +
        `${r.adversaryAgreement === undefined ? "-" : r.adversaryAgreement.toFixed(3)} / ${r.honestAgreement.toFixed(3)} | ${track(r.honestReputation)} | ${track(r.adversaryReputation)} |`,
    );
  }
  return lines;
}

/** Module 3's gas: settlement by swarm size, the real verifier's rounds, a node's gas per round, and a Sybil's cost. */
export function renderReputationGas(g: ReputationGasBench): string[] {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = [
    `Swarm reputation, \`settleRanking\` by swarm size (mock verifier, every slot answered and included): **${n(g.perSlot.from8)} gas per extra slot** from 8 to 16 slots, ${n(g.perSlot.from16)} from 16 to 32 (budget: 3,000).`,
    "",
    "| slots | settleRanking gas (mock verifier) |",
    "|---:|---:|",
    ...g.settleMock.map((b) => `| ${b.slots} | ${n(b.gas)} |`),
  ];
  if (g.real.length) {
    const calls = [...new Set(g.real.flatMap((r) => Object.keys(r.nodeRoundGas)))];
    lines.push(
      "",
      "With the real verifier and real proofs (the demo's path: calibrated nodes answer and judge, the oracle job settles; mean over the rounds after the first, whose first writes cost more; budget 300,000 at 16 slots):",
      "",
      `| circuit | slots | settleRanking gas | first round | finalizeRound gas | proof s | ${calls.join(" | ")} |`,
      `|---|---:|---:|---:|---:|---:|${"---:|".repeat(calls.length)}`,
      ...g.real.map(
        (r) =>
          `| ${r.circuit} | ${r.slots} | ${n(r.settleGas)} | ${n(r.firstSettleGas)} | ${n(r.finalizeGas)} | ${r.proveSeconds.toFixed(1)} | ${calls.map((c) => (r.nodeRoundGas[c] !== undefined ? n(r.nodeRoundGas[c]) : "")).join(" | ")} |`,
      ),
    );
  }
  const s = g.sybil;
  const agreements = Object.keys(s.rows[0]?.roundsAtAgreement ?? {});
  lines.push(
    "",
    `A Sybil's cost: each identity locks ${s.stake} tokens of stake and spends ${n(s.admissionGas)} gas to register and pass calibration, then ${n(s.roundGas)} gas a round (commit and reveal an answer and a judgment). ` +
      `It starts at reputation ${(s.initialReputation / 65535).toFixed(2)} and moves toward its agreement with the consensus at rate ${(s.emaRate / 65536).toFixed(2)} a round, so a reputation above its agreement is out of reach: rounds it must agree in to reach each reputation (— never):`,
    "",
    `| reputation | ${agreements.map((a) => `agreement ${a}`).join(" | ")} |`,
    `|---:|${"---:|".repeat(agreements.length)}`,
    ...s.rows.map(
      (r) =>
        `| ${r.target.toFixed(2)} | ${agreements.map((a) => (r.roundsAtAgreement[a] === null ? "—" : String(r.roundsAtAgreement[a]))).join(" | ")} |`,
    ),
  );
  return lines;
}
