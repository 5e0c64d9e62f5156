/**
 * `npm run demo` - runs zkmerit end to end on the embedded Hardhat network and a local content
 * store, and prints what happened.
 */
import { buildCircuits } from "./circuits/pipeline";
import { makeProgress } from "./circuits/progress";
import { inProcessNetwork } from "./demo/inprocess";
import { foundationScenario } from "./demo/foundation";
import { terminateCurves } from "../oracle/prover";

async function main(): Promise<void> {
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say("zkmerit demo - embedded Hardhat network\n");
  say("1. circuit artifacts (built once, then cached)");
  await buildCircuits({ sizes: ["test", "demo"], ptauMethod: "snarkjs", log: makeProgress("circuits") });
  const net = await inProcessNetwork();
  say("\n2. stake vault and proof round trip");
  const r = await foundationScenario(net.accounts, net.increaseTime, (l) => say(`   ${l}`));
  say("\n   gas per call:");
  for (const g of r.gas) say(`   ${g.contract.padEnd(22)} ${g.call.padEnd(26)} ${String(g.gas).padStart(9)}`);
  say("\ndone.");
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => terminateCurves());
