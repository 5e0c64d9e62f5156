/**
 * `npm run bench` - measures gas of every user-facing call, circuit sizes, setup and proving
 * times, and the development trusted setup; writes scripts/bench/results.json and the README's
 * results table (between the `bench:start` / `bench:end` markers).
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { REPO_ROOT, type Manifest } from "../oracle/core/artifacts/manifest";
import { terminateCurves } from "../oracle/core/prover";
import { buildCircuits } from "./circuits/pipeline";
import { makeProgress } from "./circuits/progress";
import { inProcessNetwork } from "./demo/inprocess";
import { foundationScenario } from "./demo/foundation";
import { machineInfo } from "./bench/machine";
import { proveBenchFor } from "./bench/inputs";
import { renderResults, type BenchResults, type CircuitBench } from "./bench/report";
import { deploySystem } from "./commands/deploy";
import type { BenchContext, BenchSection } from "./module";
import { MODULES } from "./modules";

/** Every module's bench sections, in the registry's order. */
const SECTIONS: readonly BenchSection[] = MODULES.flatMap((m) => m.benchSections);

type Rows = Pick<BenchResults, "gas" | "settleByTrainers" | "accuracy">;

/** Adds a section's results to `into`: gas, settlement and accuracy rows are appended, the other fields set. */
function merge(into: Rows & Partial<BenchResults>, part: Partial<BenchResults>): void {
  const { gas, settleByTrainers, accuracy, ...rest } = part;
  into.gas.push(...(gas ?? []));
  into.settleByTrainers.push(...(settleByTrainers ?? []));
  into.accuracy.push(...(accuracy ?? []));
  Object.assign(into, rest);
}

const previousResults = (): BenchResults | undefined =>
  fs.existsSync(RESULTS) ? (JSON.parse(fs.readFileSync(RESULTS, "utf8")) as BenchResults) : undefined;

const RESULTS = path.join(REPO_ROOT, "scripts", "bench", "results.json");
const README = path.join(REPO_ROOT, "README.md");

/** Every built circuit's size and its proving time (the median of `proofs` fresh proofs). */
async function benchCircuits(manifest: Manifest, proofs: number, log: (line: string) => void): Promise<CircuitBench[]> {
  const circuits: CircuitBench[] = [];
  for (const e of Object.values(manifest.circuits)) {
    const bench = proveBenchFor(e.name, MODULES);
    const times: number[] = [];
    if (bench) for (let i = 0; i < proofs; i++) times.push(await bench(i));
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

  return circuits;
}

async function main(): Promise<void> {
  const cmd = new Command()
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
    .option("--proofs-only", "measure only the circuits' proving times (keeps every other section of the previous run)")
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
    );
  for (const section of SECTIONS) section.options?.(cmd);
  const o = cmd.parse().opts<{
    ptau: string;
    compare: string;
    proofs: string;
    readme: boolean;
    fresh: boolean;
    sizes: string;
    zkey: string;
    zkeyCompare: string;
    renderOnly?: boolean;
    proofsOnly?: boolean;
    [sectionOption: string]: unknown;
  }>();
  if (o.renderOnly) {
    await writeReadme(JSON.parse(fs.readFileSync(RESULTS, "utf8")) as BenchResults);
    return;
  }
  const log = makeProgress("bench");
  const context = (manifest?: BenchContext["manifest"]): BenchContext => ({
    options: o,
    manifest,
    network: inProcessNetwork,
    deploy: deploySystem,
    previous: previousResults(),
    log,
  });
  // A section asked to run alone (e.g. --robustness-only) keeps every other section of the previous run.
  const alone = SECTIONS.filter((x) => x.onlyFlag && o[x.onlyFlag]);
  if (alone.length) {
    const prev = previousResults();
    if (!prev)
      throw new Error(
        `${alone.map((x) => x.id).join(", ")} alone keeps the other sections of ${RESULTS}, which does not exist: run the whole bench once`,
      );
    const results: BenchResults = {
      ...prev,
      gas: prev.gas.filter((g) => !alone.some((x) => x.ownsGasRow?.(g))),
      settleByTrainers: [...prev.settleByTrainers],
      accuracy: [...prev.accuracy],
    };
    for (const x of alone) merge(results, await x.run(context()));
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");
    if (o.readme) await writeReadme(results);
    return;
  }
  if (o.proofsOnly) {
    const prev = previousResults();
    if (!prev) throw new Error(`--proofs-only keeps the other sections of ${RESULTS}, which does not exist: run the whole bench once`);
    const sizes = o.sizes.split(",").map((x) => x.trim()) as Array<"test" | "demo" | "bench">;
    const manifest = await buildCircuits({ ptauMethod: "fast", zkeyMethod: "fast", sizes, log: makeProgress("circuits") });
    const results: BenchResults = { ...prev, circuits: await benchCircuits(manifest, Number(o.proofs), log) };
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");
    if (o.readme) await writeReadme(results);
    return;
  }
  const started = Date.now();
  const sizes = o.sizes.split(",").map((x) => x.trim()) as Array<"test" | "demo" | "bench">;
  const buildStarted = Date.now();
  const manifest = await buildCircuits({ ptauMethod: "fast", zkeyMethod: "fast", sizes, log: makeProgress("circuits") });
  log(`circuits built (or reused) in ${((Date.now() - buildStarted) / 1000).toFixed(1)} s`);

  log("gas: deploying and exercising every call on the embedded network");
  const net = await inProcessNetwork();
  const scenario = await foundationScenario(net.accounts, net.increaseTime);
  const measured: Rows & Partial<BenchResults> = { gas: [...scenario.gas], settleByTrainers: [], accuracy: [] };
  for (const section of SECTIONS) merge(measured, await section.run(context(manifest)));

  const circuits = await benchCircuits(manifest, Number(o.proofs), log);

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
    ...measured,
    machine: machineInfo(),
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    circuits,
    ptau,
    ptauMeasuredAt,
    zkey,
    zkeyMeasuredAt,
    fresh: await freshRun(o.fresh, log),
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
