import { parseEther, type Address } from "viem";
import { circuitArtifacts, readManifest } from "../../oracle/core/artifacts/manifest";
import { ZkMeritError } from "../../oracle/core/errors";
import { DEFAULT_PARAMS } from "../../oracle/reliability/simulation";
import { deployReliability, type RegistryParams } from "../deploy/reliability";
import type { DeployContext, ModuleDeployment } from "../module";

/** The reliability circuit a deployment's registry verifies unless `--reliability-circuit` says otherwise (the test instance: 8 sources, 8 queries, 5 evaluators). */
export const DEFAULT_RELIABILITY_CIRCUIT = "reliability_1x8x5x2";

/** The epoch windows of a deployment unless `--epoch-windows` says otherwise: commit, reveal, settlement, challenge (seconds). */
export const DEFAULT_EPOCH_WINDOWS = [3600, 1800, 1800, 600] as const;

/** The stakes and penalties of a deployment (tokens of 18 decimals). */
export const RELIABILITY_STAKES = {
  sourceStake: parseEther("10"),
  evaluatorStake: parseEther("20"),
  sourceSlashAmount: parseEther("4"),
  strikeSlashAmount: parseEther("5"),
  noShowPenalty: parseEther("1"),
};

/** The shape [W, Q, E, U] of a `Reliability` circuit of the manifest. */
export function reliabilityShapeOf(circuit: string): { words: number; queries: number; evaluators: number; entries: number } {
  const spec = readManifest().circuits[circuit]?.spec;
  if (!spec) {
    throw new ZkMeritError("ARTIFACT_MISSING", `circuit ${circuit} is not built; run \`npm run circuits -- --only ${circuit}\``, {
      circuit,
    });
  }
  if (spec.template !== "Reliability") {
    throw new ZkMeritError("CONFIG", `--reliability-circuit: ${circuit} is a ${spec.template} circuit, not a Reliability one`, { circuit });
  }
  const [words, queries, evaluators, entries] = spec.params as number[];
  return { words, queries, evaluators, entries };
}

/** The registry parameters of a deployment of `circuit` with `windows` (commit, reveal, settlement, challenge). */
export function deploymentParams(circuit: string, windows: readonly number[] = DEFAULT_EPOCH_WINDOWS): RegistryParams {
  const s = reliabilityShapeOf(circuit);
  const [commitWindow, revealWindow, settlementWindow, challengeWindow] = windows.map(BigInt);
  return {
    shape: { words: BigInt(s.words), queries: BigInt(s.queries), evaluators: BigInt(s.evaluators), entries: BigInt(s.entries) },
    rule: {
      emaRate: DEFAULT_PARAMS.emaRate,
      minGraders: BigInt(DEFAULT_PARAMS.minGraders),
      shareTolerance: BigInt(DEFAULT_PARAMS.shareTolerance),
      disagreePct: BigInt(DEFAULT_PARAMS.disagreePct),
    },
    startTime: 0n,
    commitWindow,
    revealWindow,
    settlementWindow,
    challengeWindow,
    ...RELIABILITY_STAKES,
    reliabilityFloor: 10000n,
    strikeLimit: 2n,
    strikeWindow: 3n,
    priorReliability: 32768n,
    priorUsefulness: 32768n,
  };
}

/** `--epoch-windows 3600,1800,1800,600`: four positive integers. */
export function parseWindows(v: string): number[] {
  const w = v.split(",").map((x) => Number(x.trim()));
  if (w.length !== 4 || w.some((x) => !Number.isSafeInteger(x) || x <= 0)) {
    throw new ZkMeritError(
      "CONFIG",
      `--epoch-windows must be four positive integers (commit,reveal,settlement,challenge seconds), got "${v}"`,
      {},
    );
  }
  return w;
}

/**
 * Module 2's part of `zkmerit deploy`: the ReliabilityRegistry for `options.reliabilityCircuit`
 * (its verifier) on the spine's vault, reusing the Poseidon hashers when an earlier module deployed
 * them, granted the vault's module role.
 */
export async function deployReliabilityModule(x: DeployContext): Promise<ModuleDeployment> {
  const circuit = x.options.reliabilityCircuit ?? DEFAULT_RELIABILITY_CIRCUIT;
  if (typeof circuit !== "string")
    throw new ZkMeritError("CONFIG", `--reliability-circuit must be a circuit name, got ${String(circuit)}`, {});
  const w = x.options.epochWindows;
  const windows = w === undefined ? DEFAULT_EPOCH_WINDOWS : typeof w === "string" ? parseWindows(w) : (w as number[]);
  const params = deploymentParams(circuit, windows);
  const entry = circuitArtifacts(circuit);
  if (entry.setup.insecure || entry.ptau.insecure)
    x.say(`WARNING: ${circuit} uses INSECURE development keys (fine for local chains, not for value)`);
  const k = x.contracts;
  const hashers =
    k.Poseidon2 && k.Poseidon3 && k.Poseidon4
      ? { poseidon2: k.Poseidon2 as Address, poseidon3: k.Poseidon3 as Address, poseidon4: k.Poseidon4 as Address }
      : undefined;
  const r = await deployReliability(x.clients, {
    stakeVault: x.stakeVault,
    params,
    verifierContract: entry.verifierContract,
    ...(hashers ? { hashers } : {}),
  });
  x.say(`ReliabilityRegistry ${r.registry.address} verifying ${circuit} with ${entry.verifierContract} ${r.verifier.address}`);
  return {
    contracts: {
      ReliabilityRegistry: r.registry.address,
      Poseidon2: r.hashers.poseidon2.address,
      Poseidon3: r.hashers.poseidon3.address,
      Poseidon4: r.hashers.poseidon4.address,
    },
    verifiers: {
      [circuit]: {
        address: r.verifier.address,
        contract: entry.verifierContract,
        zkeySha256: entry.artifacts.zkey.sha256,
        vkeySha256: entry.artifacts.vkey.sha256,
        insecure: entry.setup.insecure || entry.ptau.insecure,
      },
    },
  };
}
