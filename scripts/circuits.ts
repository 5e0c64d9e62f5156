/**
 * `npm run circuits` - compile every circuit instance in circuits/circuits.json with circom2,
 * run (or reuse) the Groth16 setup, export verification keys and Solidity verifiers, and record
 * the sha256 of every artifact in circuits/build/manifest.json. Idempotent and content-keyed.
 * Then compiles the contracts (with the verifiers) and regenerates the typed ABIs of
 * oracle/core/chain/abi from them.
 */
import { Command, Option } from "commander";
import { CircuitSize } from "../oracle/core/artifacts/manifest";
import { isZkMeritError } from "../oracle/core/errors";
import { buildCircuits, checkCircuits } from "./circuits/pipeline";
import { checkAbis, compileContracts, writeAbis } from "./circuits/abi";
import { makeProgress } from "./circuits/progress";
import { terminateCurves } from "../oracle/core/prover/curve";

function list(v: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

function zkeyPair(v: string, prev: Record<string, string> = {}): Record<string, string> {
  const m = /^([a-z][a-z0-9_]*)=(.+)$/.exec(v);
  if (!m) throw new Error(`--zkey takes NAME=FILE (e.g. roundtrip_8=ceremony/roundtrip_8.zkey), got "${v}"`);
  return { ...prev, [m[1]]: m[2] };
}

async function main(): Promise<void> {
  const program = new Command()
    .name("npm run circuits --")
    .description("Build circuit artifacts (r1cs, wasm, zkey, verification key, Solidity verifier) into a content-keyed cache.")
    .option("--only <names>", "build only these circuits (comma-separated)", list)
    .option("--size <sizes>", "build only circuits of these sizes: test, demo, bench (comma-separated)", list)
    .option("--ptau <file>", "a prepared Powers of Tau from a ceremony (default: $ZKMERIT_CEREMONY_PTAU, else a development one)")
    .option("--zkey <name=file>", "a final zkey from a phase-2 ceremony for one circuit (repeatable)", zkeyPair)
    .option("--seed <hex>", "seed for new development keys (default: random; recorded in the manifest)")
    .addOption(new Option("--ptau-method <method>", "how to make a development ptau").choices(["fast", "snarkjs"]).default("fast"))
    .addOption(
      new Option("--zkey-method <method>", "how to make development zkeys (snarkjs: zkey new + zkey beacon, same bytes, slower)")
        .choices(["fast", "snarkjs"])
        .default("fast"),
    )
    .option("--force", "rebuild even if up to date")
    .option("--no-abis", "leave the contracts and the generated ABIs alone (npm test: its ABI test then fails on a stale ABI)")
    .option("--check", "verify artifacts and regenerate verifiers and ABIs, failing on any difference; builds no keys")
    .parse();
  const o = program.opts<{
    only?: string[];
    size?: string[];
    ptau?: string;
    zkey?: Record<string, string>;
    seed?: string;
    ptauMethod: "fast" | "snarkjs";
    zkeyMethod: "fast" | "snarkjs";
    force?: boolean;
    check?: boolean;
    abis: boolean;
  }>();
  const log = makeProgress("circuits");
  if (o.check) {
    const problems = await checkCircuits(log);
    if (o.abis) {
      compileContracts(log);
      problems.push(...(await checkAbis()));
    }
    if (problems.length) {
      for (const p of problems) log(`MISMATCH ${p}`);
      process.exitCode = 1;
    } else log("all artifacts, verifiers and generated ABIs match");
    return;
  }
  const sizes = o.size?.map((s) => {
    const p = CircuitSize.safeParse(s);
    if (!p.success) throw new Error(`--size: "${s}" is not one of test, demo, bench`);
    return p.data;
  });
  if (o.seed !== undefined && !/^[0-9a-f]{16,}$/.test(o.seed))
    throw new Error(`--seed must be at least 16 lowercase hex digits, got "${o.seed}"`);
  const t0 = Date.now();
  const m = await buildCircuits({
    only: o.only,
    sizes,
    ceremonyPtau: o.ptau ?? process.env.ZKMERIT_CEREMONY_PTAU,
    ceremonyZkeys: o.zkey,
    seed: o.seed,
    ptauMethod: o.ptauMethod,
    zkeyMethod: o.zkeyMethod,
    force: o.force,
    log,
  });
  const n = Object.keys(m.circuits).length;
  log(`${n} circuit(s) ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; manifest: circuits/build/manifest.json`);
  if (!o.abis) return;
  compileContracts(log);
  const changed = await writeAbis();
  log(changed.length ? `generated ABIs rewritten: ${changed.join(", ")} (oracle/core/chain/abi)` : "generated ABIs up to date");
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`error: ${isZkMeritError(e) ? `[${e.code}] ` : ""}${(e as Error).message}\n`);
    process.exitCode = 1;
  })
  .finally(() => terminateCurves());
