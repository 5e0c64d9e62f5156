/**
 * `npm run demo` - runs zkmerit end to end on the embedded Hardhat network and a local content
 * store: the circuits, the stake vault and the proof round trip, then each module's demo step in
 * turn (scripts/modules.ts; module 1: a whole federated-training task with attackers, settled by the
 * oracle with real proofs, claimed, and audited).
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
import { MODULES } from "./modules";

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
  for (const m of modules) {
    await m.demoStep.run({
      net,
      outDir,
      heading: (title) => say(`\n${++n}. ${title}`),
      say,
      deploy: deploySystem,
    });
  }
  say("\ndone.");
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => terminateCurves());
