/**
 * Module 2's part of `npm run bench`:
 * - **gas**: every registry call with the real verifier, through the demo's full path (sources,
 *   evaluators, commit, reveal, the oracle job's proven `updateScores`, finalization) on the bench
 *   instance (64 sources) and the demo instance (8 sources); the batch gas against batch size
 *   (1, 8, 32, 64 sources) on the mock verifier, from the registry's gas test, whose figures differ
 *   from the real verifier's by the verifier's constant cost (3 public inputs);
 * - **outcome**: the workload simulation over seeds × liar strategies × the median or the naive
 *   aggregate (oracle/reliability/simulation.ts), so the robust aggregate's effect is visible;
 * - **proofs**: one fresh proof of a `Reliability` instance from a simulated epoch (proving time
 *   against batch size).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { InvalidArgumentError } from "commander";
import { REPO_ROOT, readManifest } from "../../oracle/core/artifacts/manifest";
import { prove } from "../../oracle/core/prover";
import { makeSources } from "../../oracle/reliability/corpus";
import { updateBatch } from "../../oracle/reliability/reference";
import { buildWitness } from "../../oracle/reliability/witness";
import {
  DEFAULT_PARAMS,
  ReliabilityWorkload,
  SIMULATION_CONTEXT,
  SIMULATION_SETTLER,
  runSimulation,
  type Aggregate,
} from "../../oracle/reliability/simulation";
import type { BenchContext, BenchSection } from "../module";
import type { GasSample } from "../demo/foundation";
import type {
  BenchResults,
  ReliabilityBatchReal,
  ReliabilityGasBench,
  ReliabilityOutcomeBench,
  ReliabilityOutcomeRow,
} from "../bench/report";
import { reliabilityDemo } from "./demo";
import { reliabilityShapeOf } from "./deploy";

const run = promisify(execFile);

/** The bars of the module (issue): tau within 5 epochs, aware over relevance-only and against the true scores. */
export const OUTCOME_BARS = { tau: 0.8, overRelevance: 0.1, belowOracle: 0.03 } as const;

/** Means of `xs` (0 when empty). */
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Reduces one configuration's simulation reports to a table row. */
export function outcomeRow(
  liars: ReliabilityOutcomeRow["liars"],
  liarFraction: number,
  aggregate: Aggregate,
  reports: ReadonlyArray<Awaited<ReturnType<typeof runSimulation>>>,
): ReliabilityOutcomeRow {
  const lasts = reports.map((r) => r.epochs[r.epochs.length - 1]);
  const epochs = reports[0]?.epochs.length ?? 0;
  let liarPairs = 0;
  let liarHits = 0;
  let honestPairs = 0;
  let honestHits = 0;
  for (const r of reports) {
    const liarIds = new Set(r.panel.filter((p) => p.strategy !== "honest").map((p) => p.id));
    for (const e of r.epochs.slice(1)) {
      const flagged = new Set(e.flagged);
      for (const p of r.panel) {
        const hit = flagged.has(p.id) ? 1 : 0;
        if (liarIds.has(p.id)) {
          liarPairs++;
          liarHits += hit;
        } else {
          honestPairs++;
          honestHits += hit;
        }
      }
    }
  }
  return {
    liars,
    liarFraction,
    aggregate,
    seeds: reports.length,
    relevance: mean(lasts.map((e) => e.accuracy.relevance)),
    aware: mean(lasts.map((e) => e.accuracy.aware)),
    oracle: mean(lasts.map((e) => e.accuracy.oracle)),
    meanTau: Array.from({ length: epochs }, (_, k) => mean(reports.map((r) => r.epochs[k].tau))),
    minTau: Math.min(...lasts.map((e) => e.tau)),
    tauAtEnd: lasts.filter((e) => e.tau >= OUTCOME_BARS.tau).length,
    tauReached: reports.filter((r) => r.epochs.slice(1).some((e) => e.tau >= OUTCOME_BARS.tau)).length,
    overRelevance: lasts.filter((e) => e.accuracy.aware >= e.accuracy.relevance + OUTCOME_BARS.overRelevance - 1e-9).length,
    nearOracle: lasts.filter((e) => e.accuracy.aware >= e.accuracy.oracle - OUTCOME_BARS.belowOracle - 1e-9).length,
    // The naive aggregate flags nobody: the agreement check is the robust rule's.
    liarsFlagged: liarPairs && aggregate === "median" ? liarHits / liarPairs : undefined,
    honestFlagged: honestPairs ? honestHits / honestPairs : 0,
  };
}

/** The outcome table: the demo's workload (shape 1x16x7x3) over `seeds`, every liar strategy, both aggregates. */
export async function benchOutcome(
  seeds: readonly number[],
  epochs: number,
  log: (line: string) => void,
  liarFraction = 0.3,
): Promise<ReliabilityOutcomeBench> {
  const started = Date.now();
  const rows: ReliabilityOutcomeRow[] = [];
  const configs: ReliabilityOutcomeRow["liars"][] = ["honest", "boost", "sink", "random"];
  for (const liars of configs) {
    for (const aggregate of ["median", "naive"] as const) {
      const reports = [];
      for (const seed of seeds) {
        reports.push(
          await runSimulation({
            seed,
            corpus: { seed },
            epochs,
            aggregate,
            ...(liars === "honest" ? {} : { liarFraction, strategy: liars }),
          }),
        );
      }
      const row = outcomeRow(liars, liars === "honest" ? 0 : liarFraction, aggregate, reports);
      rows.push(row);
      log(
        `reliability outcome ${liars}/${aggregate}: aware ${(100 * row.aware).toFixed(1)}% vs relevance ${(100 * row.relevance).toFixed(1)}%, ` +
          `oracle ${(100 * row.oracle).toFixed(1)}%, tau ${row.meanTau[row.meanTau.length - 1].toFixed(2)} (>= 0.8 in ${row.tauAtEnd}/${row.seeds})`,
      );
    }
  }
  return { epochs, seeds: [...seeds], shape: "1x16x7x3", seconds: (Date.now() - started) / 1000, rows };
}

/** The registry's gas test, run in a child process, with its figures written to a file. */
async function mockBatchGas(
  log: (line: string) => void,
): Promise<Pick<ReliabilityGasBench, "batchMock" | "marginal"> & { calls: GasSample[] }> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rel-gas-")), "gas.json");
  log("reliability gas: the registry's gas test on the mock verifier (batches of 1, 8, 32, 64 sources)");
  await run("npx", ["hardhat", "test", "test/contracts/reliability/ReliabilityRegistry.gas.test.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ZKMERIT_GAS_JSON: out },
    maxBuffer: 1 << 26,
  });
  const r = JSON.parse(fs.readFileSync(out, "utf8")) as {
    calls: Record<string, string>;
    batch: Record<string, string>;
    marginal: { from8: string; from32: string };
  };
  const words: Record<string, number> = { "1": 1, "8": 1, "32": 4, "64": 8 };
  return {
    batchMock: Object.entries(r.batch).map(([s, g]) => ({ sources: Number(s), words: words[s], gas: Number(g) })),
    marginal: { from8: Number(r.marginal.from8), from32: Number(r.marginal.from32) },
    calls: Object.entries(r.calls).map(([call, g]) => ({ contract: "ReliabilityRegistry (mock verifier)", call, gas: Number(g) })),
  };
}

/** The demo's full path on `circuit` with `sources` sources, silently, returning its gas and proving times. */
async function realPath(x: BenchContext, circuit: string, sources: number, epochs: number) {
  const net = await x.network();
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rel-bench-"));
  x.log(`reliability gas: ${epochs} proven epochs of ${circuit} with ${sources} sources (real verifier)`);
  return reliabilityDemo(
    { net, outDir, heading: () => undefined, say: () => undefined, deploy: x.deploy },
    { circuit, epochs, sources: sources === 8 ? undefined : makeSources(sources) },
  );
}

const gasSection: BenchSection = {
  id: "reliability-gas",
  options: (cmd) => cmd.option("--reliability-gas-only", "measure only module 2's gas (keeps every other section of the previous run)"),
  onlyFlag: "reliabilityGasOnly",
  ownsGasRow: (g) => g.contract.startsWith("ReliabilityRegistry"),
  async run(x) {
    const manifest = x.manifest ?? readManifest();
    const mock = await mockBatchGas(x.log);
    const gas: GasSample[] = [...mock.calls];
    const batchReal: ReliabilityBatchReal[] = [];
    for (const circuit of ["reliability_1x16x7x3", "reliability_8x16x5x3"]) {
      if (!manifest.circuits[circuit]) {
        x.log(`reliability gas: ${circuit} not built, skipped (build it with --sizes)`);
        continue;
      }
      const shape = reliabilityShapeOf(circuit);
      const r = await realPath(x, circuit, 8 * shape.words, 2);
      for (const [call, gs] of r.gas) {
        const m = gs.reduce((a, b) => a + b, 0n) / BigInt(gs.length);
        gas.push({ contract: `ReliabilityRegistry (${circuit})`, call, gas: Number(m) });
      }
      const upd = r.gas.get("updateScores") ?? [];
      batchReal.push({
        circuit,
        sources: 8 * shape.words,
        evaluators: shape.evaluators,
        updateScoresGas: Number(upd.reduce((a, b) => a + b, 0n) / BigInt(Math.max(1, upd.length))),
        proveSeconds: [...r.proveSeconds].sort((a, b) => a - b)[Math.floor(r.proveSeconds.length / 2)] ?? 0,
      });
    }
    return { gas, reliabilityGas: { batchMock: mock.batchMock, marginal: mock.marginal, batchReal } } satisfies Partial<BenchResults>;
  },
};

const seedList = (v: string) => {
  const seeds = v.split(",").map((s) => Number(s.trim()));
  if (!seeds.length || seeds.some((s) => !Number.isSafeInteger(s) || s < 0))
    throw new InvalidArgumentError(`--reliability-seeds must be comma-separated integers >= 0, got "${v}"`);
  return seeds;
};

const outcomeSection: BenchSection = {
  id: "reliability-outcome",
  options: (cmd) =>
    cmd
      .option("--reliability-outcome-only", "measure only module 2's outcome table (keeps every other section of the previous run)")
      .option("--reliability-seeds <list>", "corpus seeds of module 2's outcome table", seedList, seedList("1,2,3,4,5,6,7,8,9,10,11,12")),
  onlyFlag: "reliabilityOutcomeOnly",
  async run(x) {
    const seeds = x.options.reliabilitySeeds as number[];
    return { reliabilityOutcome: await benchOutcome(seeds, 5, x.log) } satisfies Partial<BenchResults>;
  },
};

export const reliabilityBenchSections: readonly BenchSection[] = [gasSection, outcomeSection];

/** One simulated epoch of `Reliability(W, Q, E, U)`: 8W sources, a full panel with 30% boosting liars, proven. */
async function proveReliability(circuit: string, i: number): Promise<number> {
  const shape = reliabilityShapeOf(circuit);
  const w = new ReliabilityWorkload({
    seed: i + 1,
    corpus: { seed: i + 1, ...(shape.words > 1 ? { sources: makeSources(8 * shape.words) } : {}) },
    shape,
    liarFraction: 0.3,
    strategy: "boost",
  });
  const scores = w.priorScores();
  const graded = w.grade(1, w.answer(w.drawQuestions(1), new Map()));
  const u = await updateBatch({
    shape,
    context: SIMULATION_CONTEXT,
    epoch: BigInt(i + 1),
    params: DEFAULT_PARAMS,
    words: w.words,
    oldScores: w.slotScores(scores),
    reveals: await w.reveals(graded),
    settler: SIMULATION_SETTLER,
  });
  return (await prove(circuit, buildWitness(u))).seconds;
}

/** Proving benches of module 2's circuits, by template. */
export const reliabilityProofBenches = { Reliability: proveReliability } as const;
