import { parseEther, type Address } from "viem";
import { circuitArtifacts, readManifest } from "../../oracle/core/artifacts/manifest";
import { ZkMeritError } from "../../oracle/core/errors";
import { DEFAULT_INITIAL_REPUTATION, defaultOutcomeParams } from "../../oracle/reputation/outcome";
import { deploySwarm, type SwarmParams } from "../deploy/reputation";
import type { DeployContext, ModuleDeployment } from "../module";

/** The reputation circuit a deployment's swarm verifies unless `--reputation-circuit` says otherwise (the test instance: 8 slots). */
export const DEFAULT_REPUTATION_CIRCUIT = "reputation_8";

/** The round windows unless `--round-windows` says otherwise: answer commit, answer reveal, judgment commit, judgment reveal, settlement, challenge (seconds). */
export const DEFAULT_ROUND_WINDOWS = [600, 600, 600, 600, 1800, 300] as const;

/** The stakes and penalties of a deployment (tokens of 18 decimals). */
export const REPUTATION_STAKES = {
  nodeStake: parseEther("25"),
  strikeSlashAmount: parseEther("5"),
  noShowPenalty: parseEther("1"),
};

/** N of a `Reputation` circuit of the manifest. */
export function reputationSlotsOf(circuit: string): number {
  const spec = readManifest().circuits[circuit]?.spec;
  if (!spec) {
    throw new ZkMeritError("ARTIFACT_MISSING", `circuit ${circuit} is not built; run \`npm run circuits -- --only ${circuit}\``, {
      circuit,
    });
  }
  if (spec.template !== "Reputation") {
    throw new ZkMeritError("CONFIG", `--reputation-circuit: ${circuit} is a ${spec.template} circuit, not a Reputation one`, { circuit });
  }
  return (spec.params as number[])[0];
}

/** The swarm parameters of a deployment of `circuit` with `windows`. */
export function swarmParams(circuit: string, windows: readonly number[] = DEFAULT_ROUND_WINDOWS): SwarmParams {
  const n = reputationSlotsOf(circuit);
  const rule = defaultOutcomeParams(n);
  const [answerCommitWindow, answerRevealWindow, judgeCommitWindow, judgeRevealWindow, settlementWindow, challengeWindow] =
    windows.map(BigInt);
  return {
    slots: BigInt(n),
    emaRate: rule.emaRate,
    minAgreement: BigInt(rule.minAgreement),
    prior: BigInt(rule.prior),
    answerCommitWindow,
    answerRevealWindow,
    judgeCommitWindow,
    judgeRevealWindow,
    settlementWindow,
    challengeWindow,
    ...REPUTATION_STAKES,
    initialReputation: DEFAULT_INITIAL_REPUTATION,
    strikeLimit: 3n,
    strikeWindow: 5n,
    winnerShareBps: 5000n,
  };
}

/** `--round-windows 600,600,600,600,1800,300`: six positive integers. */
export function parseRoundWindows(v: string): number[] {
  const w = v.split(",").map((x) => Number(x.trim()));
  if (w.length !== 6 || w.some((x) => !Number.isSafeInteger(x) || x <= 0)) {
    throw new ZkMeritError(
      "CONFIG",
      `--round-windows must be six positive integers (answer commit, answer reveal, judgment commit, judgment reveal, settlement, challenge seconds), got "${v}"`,
      {},
    );
  }
  return w;
}

/**
 * Module 3's part of `zkmerit deploy`: the SwarmReputation for `options.reputationCircuit` (its
 * verifier) and its SwarmCalibration on the spine's vault, reusing the Poseidon hashers when an
 * earlier module deployed them; the deployer is the calibrator.
 */
export async function deployReputationModule(x: DeployContext): Promise<ModuleDeployment> {
  const circuit = x.options.reputationCircuit ?? DEFAULT_REPUTATION_CIRCUIT;
  if (typeof circuit !== "string")
    throw new ZkMeritError("CONFIG", `--reputation-circuit must be a circuit name, got ${String(circuit)}`, {});
  const w = x.options.roundWindows;
  const windows = w === undefined ? DEFAULT_ROUND_WINDOWS : typeof w === "string" ? parseRoundWindows(w) : (w as number[]);
  const params = swarmParams(circuit, windows);
  const entry = circuitArtifacts(circuit);
  if (entry.setup.insecure || entry.ptau.insecure)
    x.say(`WARNING: ${circuit} uses INSECURE development keys (fine for local chains, not for value)`);
  const k = x.contracts;
  const hashers =
    k.Poseidon2 && k.Poseidon3 && k.Poseidon4
      ? { poseidon2: k.Poseidon2 as Address, poseidon3: k.Poseidon3 as Address, poseidon4: k.Poseidon4 as Address }
      : undefined;
  const r = await deploySwarm(x.clients, {
    stakeVault: x.stakeVault,
    params,
    verifierContract: entry.verifierContract,
    ...(hashers ? { hashers } : {}),
  });
  x.say(
    `SwarmReputation ${r.swarm.address} (${params.slots} slots) verifying ${circuit} with ${entry.verifierContract} ${r.verifier.address}`,
  );
  x.say(`SwarmCalibration ${r.calibration.address} (calibrator: ${x.clients.account.address})`);
  return {
    contracts: {
      SwarmReputation: r.swarm.address,
      SwarmCalibration: r.calibration.address,
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
