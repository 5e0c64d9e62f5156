/**
 * `npm run demo` - runs zkmerit end to end on the embedded Hardhat network and a local content
 * store: the circuits, the stake vault and the proof round trip, then each module's demo step in
 * turn (scripts/modules.ts; module 1: a whole federated-training task with attackers, settled by the
 * oracle with real proofs, claimed, and audited). At the end it serves the explorer over what the
 * steps deployed and prints its URL; `npm run demo -- --serve [--port N]` keeps serving it (the
 * embedded chain lives as long as the process) until Ctrl-C.
 */
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../oracle/core/artifacts/manifest";
import { terminateCurves } from "../oracle/core/prover";
import { buildCircuits } from "./circuits/pipeline";
import { makeProgress } from "./circuits/progress";
import { inProcessNetwork } from "./demo/inprocess";
import { foundationScenario } from "./demo/foundation";
import { deploySystem } from "./commands/deploy";
import { explorerFor, serveExplorer } from "./commands/explorer";
import { openStore } from "../oracle/core/store";
import type { Deployments } from "../oracle/core/chain/deployments";
import type { DemoResult } from "./module";
import { MODULES } from "./modules";

/** `--serve` keeps the explorer open after the run; `--port N` picks its port (default 8788, 0: any free one). */
function demoOptions(argv: readonly string[]): { serve: boolean; port: number } {
  const serve = argv.includes("--serve");
  const i = argv.indexOf("--port");
  const port = i >= 0 ? Number(argv[i + 1]) : 8788;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number 0..65535, got ${argv[i + 1]}`);
  const unknown = argv.filter(
    (a, k) =>
      a.startsWith("--") && !["--serve", "--port", "--modules"].includes(a) && argv[k - 1] !== "--port" && argv[k - 1] !== "--modules",
  );
  if (unknown.length) throw new Error(`unknown option ${unknown[0]}; the demo takes --serve, --port <n> and --modules <list>`);
  return { serve, port };
}

/**
 * The steps' deployments as one record for the explorer: each step deploys its own spine on the
 * one embedded chain, so every module's contract is there under its own name (the first step's
 * vault and token are the ones the address pages read).
 */
function mergeDeployments(all: readonly Deployments[]): Deployments {
  return {
    ...all[0],
    contracts: Object.assign({}, ...[...all].reverse().map((d) => d.contracts)),
    verifiers: Object.assign({}, ...all.map((d) => d.verifiers)),
    startBlock: Math.min(...all.map((d) => d.startBlock)),
  };
}

const say = (s = "") => process.stdout.write(`${s}\n`);

/** `--modules a,b`: run only these modules' steps (default every module, in registry order). */
function selectedModules(argv: readonly string[]): typeof MODULES {
  const i = argv.indexOf("--modules");
  if (i < 0) return MODULES;
  const names = (argv[i + 1] ?? "").split(",").filter(Boolean);
  const unknown = names.filter((n) => !MODULES.some((m) => m.id === n));
  if (names.length === 0 || unknown.length)
    throw new Error(
      `--modules: ${unknown.length ? `no module "${unknown[0]}"` : "give module names"}; known: ${MODULES.map((m) => m.id).join(", ")}`,
    );
  return MODULES.filter((m) => names.includes(m.id));
}

async function main(): Promise<void> {
  const opts = demoOptions(process.argv.slice(2));
  const modules = selectedModules(process.argv.slice(2));
  const outDir = path.join(REPO_ROOT, ".zkmerit", "demo");
  fs.mkdirSync(outDir, { recursive: true });
  say("zkmerit demo - embedded Hardhat network, local content store\n");
  say("1. circuit artifacts (built once, then cached in ~/.cache/zkmerit)");
  say("   A first run compiles the circuits and writes INSECURE development keys from a recorded seed (about 2 minutes");
  say("   on 2 cores); later runs reuse them. Progress follows.");
  const t0 = Date.now();
  await buildCircuits({
    sizes: ["test", "demo"],
    ptauMethod: "fast",
    zkeyMethod: "fast",
    log: makeProgress("circuits", (l) => say(`   ${l}`)),
  });
  say(`   circuit artifacts ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const net = await inProcessNetwork();

  say("\n2. stake vault and the proof round trip");
  const f = await foundationScenario(net.accounts, net.increaseTime, (l) => say(`   ${l}`));
  for (const g of f.gas) say(`   gas  ${g.contract.padEnd(20)} ${g.call.padEnd(26)} ${String(g.gas).padStart(9)}`);

  let n = 2;
  const results: DemoResult[] = [];
  for (const m of modules) {
    const r = await m.demoStep.run({
      net,
      outDir,
      heading: (title) => say(`\n${++n}. ${title}`),
      say,
      deploy: deploySystem,
    });
    if (r) results.push(r);
  }
  if (results.length) {
    const owner = net.accounts[0];
    const explorer = explorerFor({
      client: owner.publicClient,
      chainId: owner.chain.id,
      deployments: mergeDeployments(results.map((r) => r.deployments)),
      store: openStore(path.join(outDir, "store")),
    });
    const { server, url } = await serveExplorer(explorer, opts.serve ? opts.port : 0);
    say(`\n${++n}. explorer: every module's tasks, rounds, scores, stakes and proofs`);
    const merged = mergeDeployments(results.map((r) => r.deployments));
    const pages = [
      merged.contracts.TrainingMarket ? `the task: ${url}task/1` : undefined,
      merged.contracts.ReliabilityRegistry ? `the registry: ${url}module/reliability` : undefined,
      merged.contracts.SwarmReputation ? `the swarm: ${url}module/reputation` : undefined,
    ].filter(Boolean);
    say(`   ${url}  (${pages.join("; ")})`);
    if (opts.serve) {
      say("   serving until Ctrl-C (the embedded chain lives as long as this process)");
      await new Promise<void>((resolve) => {
        const stop = () => server.close(() => resolve());
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    } else {
      say("   `npm run demo -- --serve` keeps it open after the run");
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
  say("\ndone.");
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => terminateCurves());
