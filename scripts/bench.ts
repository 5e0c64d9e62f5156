/**
 * `npm run bench` - measures gas of every user-facing call, circuit sizes, setup and proving
 * times, and the development trusted setup; writes scripts/bench/results.json and the README's
 * results table (between the `bench:start` / `bench:end` markers).
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { REPO_ROOT } from "../oracle/core/artifacts/manifest";
import { terminateCurves } from "../oracle/core/prover";
import { buildCircuits } from "./circuits/pipeline";
import { makeProgress } from "./circuits/progress";
import { inProcessNetwork } from "./demo/inprocess";
import { foundationScenario, type GasSample } from "./demo/foundation";
import { machineInfo } from "./bench/machine";
import { proveBenches } from "./bench/inputs";
import { renderResults, type BenchResults, type CircuitBench, type RobustnessBench } from "./bench/report";
import { benchMarket } from "./bench/market";
import {
  ownerData,
  ownerRoundContext,
  rootTrustRule,
  ruleByName,
  runRobustness,
  simulate,
  type Aggregator,
  type AttackerSpec,
  type RobustnessResult,
} from "../oracle/contribution/model";

/**
 * The settlement's rule as a simulation aggregator: each round the owner trains its root update from the
 * round's model on its own set, and the previous step is the change of the model over the last round.
 */
function rootTrustAggregator(seed: number): Aggregator {
  const owner = ownerData();
  let before: Float64Array | undefined;
  return (updates, { round, model }) => {
    const previousStep = before ? model.map((x, k) => x - before![k]) : new Float64Array(model.length);
    before = Float64Array.from(model);
    const d = rootTrustRule(updates, ownerRoundContext(owner, model, seed, round, previousStep));
    return { aggregate: d.aggregate, outliers: d.inlier.map((x) => !x) };
  };
}

const RESULTS = path.join(REPO_ROOT, "scripts", "bench", "results.json");
const README = path.join(REPO_ROOT, "README.md");

async function main(): Promise<void> {
  const o = new Command()
    .name("npm run bench --")
    .option(
      "--ptau <powers>",
      "powers of tau to time with the fast development setup (comma-separated; empty keeps the previous run's rows)",
      "12,14,16",
    )
    .option("--compare <power>", "power at which to also time snarkjs's own pipeline (0 to skip)", "14")
    .option("--proofs <n>", "proofs per circuit for the proving-time median", "5")
    .option("--no-readme", "do not rewrite the README table")
    .option("--no-fresh", "skip timing a fresh clone through npm ci && npm run demo (keeps the previous run's row)")
    .option("--render-only", "measure nothing: rewrite the README table from scripts/bench/results.json")
    .option(
      "--market <circuits>",
      "contribution circuits to measure the market with (comma-separated)",
      "contribution_4x8,contribution_8x130",
    )
    .option("--sizes <sizes>", "circuit sizes to build (comma-separated)", "test,demo,bench")
    .option(
      "--zkey <circuits>",
      "circuits whose development zkey to time with the fast generator (comma-separated; 'built' for every built one; empty keeps the previous run's rows)",
      "built",
    )
    .option(
      "--zkey-compare <circuits>",
      "circuits at which to also time snarkjs's zkey new + zkey beacon and compare the bytes",
      "contribution_4x8,contribution_8x130",
    )
    .option(
      "--robustness <rules>",
      "rules to run the robustness and fairness harness for (comma-separated; the first gets the full table; empty keeps the previous run's)",
      "root-trust,chain",
    )
    .option("--robustness-only", "measure only the robustness harness; keep every other section of scripts/bench/results.json")
    .parse()
    .opts<{
      ptau: string;
      compare: string;
      proofs: string;
      readme: boolean;
      fresh: boolean;
      market: string;
      sizes: string;
      zkey: string;
      zkeyCompare: string;
      renderOnly?: boolean;
      robustness: string;
      robustnessOnly?: boolean;
    }>();
  const rules = o.robustness
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
    .map(ruleByName);
  if (o.renderOnly) {
    await writeReadme(JSON.parse(fs.readFileSync(RESULTS, "utf8")) as BenchResults);
    return;
  }
  if (o.robustnessOnly) {
    if (!fs.existsSync(RESULTS))
      throw new Error(`--robustness-only keeps the other sections of ${RESULTS}, which does not exist: run the whole bench once`);
    if (!rules.length) throw new Error("--robustness-only needs at least one rule in --robustness");
    const prev = JSON.parse(fs.readFileSync(RESULTS, "utf8")) as BenchResults;
    const results: BenchResults = {
      ...prev,
      robustness: rules.map((rule) => benchRobustness(rule, makeProgress("bench"))),
      robustnessMeasuredAt: new Date().toISOString(),
    };
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");
    if (o.readme) await writeReadme(results);
    return;
  }
  const log = makeProgress("bench");
  const started = Date.now();
  const sizes = o.sizes.split(",").map((x) => x.trim()) as Array<"test" | "demo" | "bench">;
  const buildStarted = Date.now();
  const manifest = await buildCircuits({ ptauMethod: "fast", zkeyMethod: "fast", sizes, log: makeProgress("circuits") });
  log(`circuits built (or reused) in ${((Date.now() - buildStarted) / 1000).toFixed(1)} s`);

  log("gas: deploying and exercising every call on the embedded network");
  const net = await inProcessNetwork();
  const scenario = await foundationScenario(net.accounts, net.increaseTime);
  const gas: GasSample[] = scenario.gas;
  const settleByTrainers: BenchResults["settleByTrainers"] = [];
  for (const circuit of o.market
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!manifest.circuits[circuit]) {
      log(`${circuit}: not built, skipped (build it with --sizes)`);
      continue;
    }
    const net2 = await inProcessNetwork();
    const m = await benchMarket(net2.accounts, net2.increaseTime, circuit, log);
    gas.push(...m.gas);
    settleByTrainers.push(...m.settleByTrainers);
  }

  log("accuracy: in-memory federation, 8 trainers, 3 attackers (sign flip x4, scaled x10, label flip), 8 rounds, seeds 1-5");
  const attackers: AttackerSpec[] = [
    { index: 5, kind: "sign-flip" },
    { index: 6, kind: "scaled" },
    { index: 7, kind: "label-flip" },
  ];
  const accuracy: BenchResults["accuracy"] = [];
  for (const [label, cfg] of [
    ["no attackers, plain averaging", () => ({ aggregator: "mean" as const })],
    ["attackers, plain averaging", () => ({ aggregator: "mean" as const, attackers })],
    ["attackers, the distance rule (before root-trust)", () => ({ aggregator: "median-filter" as const, attackers })],
    ["attackers, root-trust (zkmerit's rule)", (seed: number) => ({ aggregator: rootTrustAggregator(seed), attackers })],
  ] as const) {
    const runs = [1, 2, 3, 4, 5].map((seed) => simulate({ trainers: 8, rounds: 8, seed, ...cfg(seed) }));
    const perRound = runs[0].rounds.map((_, r) => runs.reduce((a, x) => a + x.rounds[r].accuracy, 0) / runs.length);
    accuracy.push({ label, perRound });
    log(`${label}: final ${(perRound[perRound.length - 1] * 100).toFixed(1)}%`);
  }

  let robustness = rules.map((rule) => benchRobustness(rule, log));
  let robustnessMeasuredAt: string | undefined;
  if (!rules.length && fs.existsSync(RESULTS)) {
    const prev = JSON.parse(fs.readFileSync(RESULTS, "utf8")) as BenchResults;
    robustness = prev.robustness ?? [];
    robustnessMeasuredAt = prev.robustnessMeasuredAt ?? prev.date;
  }

  const circuits: CircuitBench[] = [];
  for (const e of Object.values(manifest.circuits)) {
    const bench = proveBenches[e.name];
    const times: number[] = [];
    if (bench) for (let i = 0; i < Number(o.proofs); i++) times.push(await bench(i));
    times.sort((a, b) => a - b);
    circuits.push({
      name: e.name,
      template: `${e.spec.template}(${e.spec.params.join(", ")})`,
      constraints: e.constraints,
      publicInputs: e.publicInputs,
      ptauPower: e.ptau.power,
      compileSeconds: e.timings.compileSeconds,
      setupSeconds: e.timings.setupSeconds,
      zkeyMB: fs.statSync(e.artifacts.zkey.path).size / 2 ** 20,
      proveSecondsMedian: times.length ? times[Math.floor(times.length / 2)] : undefined,
      proofs: times.length,
    });
    log(`${e.name}: ${e.constraints} constraints, median proof ${times.length ? times[Math.floor(times.length / 2)].toFixed(2) : "-"} s`);
  }

  const ptau: BenchResults["ptau"] = [];
  const powers = o.ptau
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (powers.length) {
    const { benchPtau } = await import("./bench/ptau");
    for (const p of powers) {
      log(`ptau 2^${p}: timing the fast development setup${Number(o.compare) === p ? " and snarkjs's pipeline" : ""}`);
      ptau.push(await benchPtau(p, { snarkjs: Number(o.compare) === p, log }));
    }
  }

  // Not re-measured this run: keep the previous run's rows, and say when they were measured.
  let ptauMeasuredAt: string | undefined;
  if (!powers.length && fs.existsSync(RESULTS)) {
    const prev = JSON.parse(fs.readFileSync(RESULTS, "utf8")) as BenchResults;
    if (prev.ptau?.length) {
      ptau.push(...prev.ptau);
      ptauMeasuredAt = prev.ptauMeasuredAt ?? prev.date;
    }
  }

  const zkey: BenchResults["zkey"] = [];
  let zkeyMeasuredAt: string | undefined;
  const list = (v: string) =>
    v
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  const zkeyNames = o.zkey.trim() === "built" ? Object.keys(manifest.circuits) : list(o.zkey);
  if (zkeyNames.length) {
    const { benchZkey } = await import("./bench/zkey");
    const compare = new Set(list(o.zkeyCompare));
    for (const name of zkeyNames) {
      const e = manifest.circuits[name];
      if (!e) {
        log(`zkey ${name}: not built, skipped (build it with --sizes)`);
        continue;
      }
      log(`zkey ${name}: timing the fast development zkey${compare.has(name) ? " and snarkjs's zkey new + zkey beacon" : ""}`);
      zkey.push(await benchZkey(e, { snarkjs: compare.has(name), log }));
    }
  } else if (fs.existsSync(RESULTS)) {
    const prev = JSON.parse(fs.readFileSync(RESULTS, "utf8")) as BenchResults;
    if (prev.zkey?.length) {
      zkey.push(...prev.zkey);
      zkeyMeasuredAt = prev.zkeyMeasuredAt ?? prev.date;
    }
  }

  const results: BenchResults = {
    machine: machineInfo(),
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    gas,
    settleByTrainers,
    circuits,
    ptau,
    ptauMeasuredAt,
    zkey,
    zkeyMeasuredAt,
    fresh: await freshRun(o.fresh, log),
    accuracy,
    robustness,
    robustnessMeasuredAt,
  };
  fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");
  log(`wrote ${path.relative(REPO_ROOT, RESULTS)}`);
  if (o.readme) {
    await writeReadme(results);
    log("updated the README results table");
  }
}

/** Times a fresh clone through the README's two commands, or keeps the previous run's row. */
async function freshRun(measure: boolean, log: (line: string) => void): Promise<BenchResults["fresh"]> {
  if (!measure) return fs.existsSync(RESULTS) ? (JSON.parse(fs.readFileSync(RESULTS, "utf8")) as BenchResults).fresh : undefined;
  const { benchFreshClone } = await import("./bench/fresh");
  const r = await benchFreshClone(log);
  log(
    `fresh clone: npm ci ${r.npmCiSeconds.toFixed(1)} s, demo ${r.demoSeconds.toFixed(1)} s (build ${r.buildSeconds?.toFixed(1) ?? "?"} s)`,
  );
  return r;
}

/** Runs the robustness and fairness harness (seeds 1-3, 8 trainers, 8 rounds, 1-3 attackers) for one rule. */
function benchRobustness(rule: ReturnType<typeof ruleByName>, log: (line: string) => void): RobustnessBench {
  log(`robustness: the ${rule} rule against every attack of the harness, 1-3 attackers of 8, seeds 1-3 (about 2 min)`);
  const r: RobustnessResult = runRobustness({ trainers: 8, rounds: 8, seeds: [1, 2, 3], attackerCounts: [1, 2, 3], ruleName: rule });
  log(`robustness: ${rule} done in ${r.seconds.total.toFixed(0)} s`);
  return {
    rule,
    seeds: r.config.seeds,
    trainers: r.config.trainers,
    rounds: r.config.rounds,
    attackFreeAccuracy: r.attackFree.accuracy,
    attackFreeTargetRate: r.attackFree.targetRate,
    seconds: r.seconds.total,
    rows: r.rows.map((x) => ({
      attack: x.attack,
      family: x.family,
      attackers: x.attackers,
      deltaPoints: x.deltaVsAttackFree * 100,
      attackersFlagged: x.attackersExcluded + x.attackersSlashed,
      honestFlagged: x.honestExcluded + x.honestSlashed,
      rewardRatio: x.attackerRewardRatio,
      targetRate: x.targetRate,
    })),
    fairness: r.fairness && {
      spearmanLoo: r.fairness.mean.spearmanRewardLoo,
      spearmanShapley: r.fairness.mean.spearmanRewardShapley,
      misallocation: r.fairness.mean.misallocationRule,
      misallocationEqual: r.fairness.mean.misallocationEqual,
    },
    bars: {
      accuracyFailing: r.bars.accuracyWithin2Points,
      honestCutFailing: r.bars.honestCutBelow1Percent,
      freeRiderFailing: r.bars.freeRiderAtMostQuarter,
      spearmanLoo: r.bars.spearmanLoo,
      spearmanShapley: r.bars.spearmanShapley,
      misallocationBelowEqual: r.bars.misallocationBelowEqual,
    },
  };
}

/** Rewrites the README's results section (between the bench markers) from `results`. */
async function writeReadme(results: BenchResults): Promise<void> {
  const text = fs.readFileSync(README, "utf8");
  const start = "<!-- bench:start -->";
  const end = "<!-- bench:end -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${start} ... ${end} markers`);
  const prettier = await import("prettier");
  const updated = text.slice(0, a + start.length) + "\n" + renderResults(results) + "\n" + text.slice(b);
  // Keep the README in the repository's formatting, so `npm run lint` passes after a bench run.
  const options = (await prettier.resolveConfig(README)) ?? {};
  fs.writeFileSync(README, await prettier.format(updated, { ...options, filepath: README }));
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => terminateCurves());
