/**
 * Module 3's part of `npm run bench`:
 * - **gas** (`reputation-gas`): settleRanking by swarm size (8, 16, 32 slots) and every call on the
 *   mock verifier, from the swarm's gas test; the demo's full path with the real verifier and real
 *   proofs at 16 and 32 slots (settlement, finalization, a node's commit and reveal gas per round);
 *   and a Sybil's cost to reach a reputation (stake, admission gas, rounds of agreement, by the
 *   rule's EMA);
 * - **proofs**: one fresh proof of a `Reputation(N)` instance, from a round whose N nodes all answer
 *   and judge every comparison they may (answers of random quality, judges honest but for a 10%
 *   chance of a reversed vote), settled by the reference.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { formatUnits } from "viem";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";
import { emaStep, REP_MAX } from "../../oracle/reputation/reference";
import type { BenchResults, ReputationGasBench } from "../bench/report";
import type { GasSample } from "../demo/foundation";
import type { BenchContext, BenchSection } from "../module";
import { reputationDemo } from "./demo";
import { swarmParams } from "./deploy";
import { proofContext } from "../../oracle/core/field";
import { prove } from "../../oracle/core/prover";
import { readManifest } from "../../oracle/core/artifacts/manifest";
import {
  PREFER_FIRST,
  PREFER_SECOND,
  PREF_TIE,
  judgmentCommitment,
  pairSchedule,
  settleRound,
  type JudgmentReveal,
  type Vote,
} from "../../oracle/reputation";
import { buildWitness } from "../../oracle/reputation/witness";
import { Rng } from "../../oracle/core/rng";

const run = promisify(execFile);

async function proveReputation(circuit: string, i: number): Promise<number> {
  const spec = readManifest().circuits[circuit]?.spec;
  const n = Number(spec?.params[0]);
  const r = new Rng(`reputation-bench:${i}`);
  const rand = () => r.next();
  const quality = Array.from({ length: n }, () => Math.floor(rand() * 4));
  const reveals: JudgmentReveal[] = [];
  for (let k = 0; k < n; k++) {
    const votes: Vote[] = [];
    for (const [a, b] of pairSchedule(n)) {
      if (a === k || b === k) continue;
      for (const [first, second] of [
        [a, b],
        [b, a],
      ]) {
        let pref = quality[first] > quality[second] ? PREFER_FIRST : quality[first] < quality[second] ? PREFER_SECOND : PREF_TIE;
        if (rand() < 0.1) pref = 4 - pref;
        votes.push({ first, second, pref });
      }
    }
    const judgment = { votes };
    reveals.push({ judge: k, commitment: await judgmentCommitment(k, judgment, { nodes: n }), judgment });
  }
  const s = await settleRound({
    shape: { nodes: n },
    context: proofContext(31337, "0x" + "ef".repeat(20)),
    round: BigInt(i + 1),
    params: { emaRate: 16384n, minAgreement: 32768, prior: Math.max(1, Math.ceil(n / 8)) },
    answered: new Array<boolean>(n).fill(true),
    oldReputation: Array.from({ length: n }, () => BigInt(16384 + Math.floor(rand() * 32768))),
    reveals,
    settler: 0xabn,
  });
  return (await prove(circuit, buildWitness(s))).seconds;
}

/** Proving benches of module 3's circuits, by template. */
export const reputationProofBenches = { Reputation: proveReputation } as const;

/** The swarm's gas test, run in a child process, with its figures written to a file. */
async function mockGas(log: (line: string) => void) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-gas-")), "gas.json");
  log("reputation gas: the swarm's gas test on the mock verifier (8, 16 and 32 slots)");
  await run("npx", ["hardhat", "test", "test/contracts/reputation/SwarmReputation.gas.test.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ZKMERIT_GAS_JSON: out },
    maxBuffer: 1 << 26,
  });
  return JSON.parse(fs.readFileSync(out, "utf8")) as {
    calls: Record<string, string>;
    settle: Record<string, string>;
    perSlot: { from8: string; from16: string };
  };
}

const mean = (xs: readonly bigint[]) => (xs.length ? Number(xs.reduce((a, b) => a + b, 0n) / BigInt(xs.length)) : 0);

/** The calls a node makes in a round. */
const NODE_ROUND_CALLS = ["commitAnswer", "revealAnswer", "commitJudgment", "revealJudgment"];

/** Rounds of agreement `agreement` (0..65535) a newcomer at `initial` needs to reach `target`, by the rule's EMA (null: never). */
export function roundsToReach(initial: bigint, target: bigint, agreement: bigint, rate: bigint, cap = 1000): number | null {
  let r = initial;
  for (let t = 0; t <= cap; t++) {
    if (r >= target) return t;
    const next = emaStep(r, agreement, rate);
    if (next <= r) return null;
    r = next;
  }
  return null;
}

const gasSection: BenchSection = {
  id: "reputation-gas",
  options: (cmd) => cmd.option("--reputation-gas-only", "measure only module 3's gas (keeps every other section of the previous run)"),
  onlyFlag: "reputationGasOnly",
  ownsGasRow: (g) => g.contract.startsWith("SwarmReputation") || g.contract.startsWith("SwarmCalibration"),
  async run(x: BenchContext) {
    const mock = await mockGas(x.log);
    const gas: GasSample[] = Object.entries(mock.calls).map(([call, g]) => ({
      contract: "SwarmReputation (mock verifier)",
      call,
      gas: Number(g),
    }));
    const real: ReputationGasBench["real"] = [];
    let admissionGas = 0;
    let roundGas = 0;
    for (const circuit of ["reputation_16", "reputation_32"]) {
      const manifest = x.manifest;
      if (manifest && !manifest.circuits[circuit]) {
        x.log(`reputation gas: ${circuit} not built, skipped (build it with --sizes)`);
        continue;
      }
      const net = await x.network();
      const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-bench-"));
      x.log(`reputation gas: 3 proven rounds of ${circuit} (real verifier)`);
      const r = await reputationDemo(
        { net, outDir, heading: () => undefined, say: () => undefined, deploy: x.deploy },
        { circuit, rounds: 3, gasOnly: true },
      );
      for (const [call, gs] of r.gas) gas.push({ contract: `SwarmReputation (${circuit})`, call, gas: mean(gs) });
      const settle = r.gas.get("settleRanking") ?? [];
      const node = Object.fromEntries(NODE_ROUND_CALLS.map((c) => [c, mean(r.gas.get(c) ?? [])]));
      real.push({
        circuit,
        slots: Number(circuit.split("_")[1]),
        settleGas: mean(settle.slice(1)),
        firstSettleGas: Number(settle[0] ?? 0n),
        finalizeGas: mean(r.gas.get("finalizeRound") ?? []),
        proveSeconds: [...r.proveSeconds].sort((a, b) => a - b)[Math.floor(r.proveSeconds.length / 2)] ?? 0,
        nodeRoundGas: node,
      });
      if (circuit === "reputation_16") {
        admissionGas = ["registerNode", "commitCalibration", "revealCalibration", "claimAdmission"].reduce(
          (a, c) => a + mean(r.gas.get(c) ?? []),
          0,
        );
        roundGas = Object.values(node).reduce((a, b) => a + b, 0);
      }
    }
    const p = swarmParams("reputation_16");
    const agreements = [0.6, 0.75, 0.9, 1];
    const rows = [0.55, 0.6, 0.7, 0.8, 0.9].map((target) => ({
      target,
      roundsAtAgreement: Object.fromEntries(
        agreements.map((a) => [
          a.toFixed(2),
          roundsToReach(
            p.initialReputation,
            BigInt(Math.ceil(target * Number(REP_MAX))),
            BigInt(Math.round(a * Number(REP_MAX))),
            p.emaRate,
          ),
        ]),
      ),
    }));
    const reputationGas: ReputationGasBench = {
      settleMock: Object.entries(mock.settle).map(([slots, g]) => ({ slots: Number(slots), gas: Number(g) })),
      perSlot: { from8: Number(mock.perSlot.from8), from16: Number(mock.perSlot.from16) },
      real,
      sybil: {
        stake: formatUnits(p.nodeStake, 18),
        admissionGas,
        roundGas,
        initialReputation: Number(p.initialReputation),
        emaRate: Number(p.emaRate),
        rows,
      },
    };
    return { gas, reputationGas } satisfies Partial<BenchResults>;
  },
};

export const reputationGasSection = gasSection;
