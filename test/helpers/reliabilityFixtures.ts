import hre from "hardhat";
import type { Address } from "viem";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, keccak256, parseEther, type Contract, type ContractTransactionResponse } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployReliability, type RegistryParams } from "../../scripts/deploy/reliability";
import { proofContext } from "../../oracle/core/field";
import { packWord, type ReliabilityParams, type ReliabilityShape, type Score } from "../../oracle/reliability";
import { clientsFor, foundationFixture } from "./fixtures";

// The epoch protocol of the ReliabilityRegistry, written out for the tests (IReliabilityRegistry's
// NatSpec is the spec; encodings come from the oracle's reference, docs/spec/reliability.md).

/** The test instance reliability_1x8x5x2: one word per batch, 8 queries, 5 reveal positions, 2 sources per grade. */
export const TEST_SHAPE: ReliabilityShape = { words: 1, queries: 8, evaluators: 5, entries: 2 };
/** The rule of the stories: rate 1/4, 3 graders, 40 share points, flagged above 50%. */
export const TEST_RULE: ReliabilityParams = { emaRate: 16384n, minGraders: 3, shareTolerance: 40, disagreePct: 50 };
export const CW = 3600n;
export const RW = 1800n;
export const SW = 1800n;
export const CHW = 600n;
export const SOURCE_STAKE = parseEther("10");
export const EVALUATOR_STAKE = parseEther("20");
export const SOURCE_SLASH = parseEther("4");
export const STRIKE_SLASH = parseEther("5");
export const NO_SHOW = parseEther("1");
export const FLOOR = 10000n;
export const PRIOR: Score = { reliability: 32768n, usefulness: 32768n };
export const PRIOR_LANE = PRIOR.reliability + (PRIOR.usefulness << 16n);
export const STRIKE_LIMIT = 2n;
export const STRIKE_WINDOW = 3n;
export const FUNDS = parseEther("100000");
export const STAKED = parseEther("1000");

/** Registry parameters of the tests, with the windows, stakes and penalties above. */
export function registryParams(o: Partial<RegistryParams> = {}, shape: ReliabilityShape = TEST_SHAPE): RegistryParams {
  return {
    shape: {
      words: BigInt(shape.words),
      queries: BigInt(shape.queries),
      evaluators: BigInt(shape.evaluators),
      entries: BigInt(shape.entries),
    },
    rule: {
      emaRate: TEST_RULE.emaRate,
      minGraders: BigInt(TEST_RULE.minGraders),
      shareTolerance: BigInt(TEST_RULE.shareTolerance),
      disagreePct: BigInt(TEST_RULE.disagreePct),
    },
    startTime: 0n,
    commitWindow: CW,
    revealWindow: RW,
    settlementWindow: SW,
    challengeWindow: CHW,
    sourceStake: SOURCE_STAKE,
    evaluatorStake: EVALUATOR_STAKE,
    sourceSlashAmount: SOURCE_SLASH,
    reliabilityFloor: FLOOR,
    strikeSlashAmount: STRIKE_SLASH,
    noShowPenalty: NO_SHOW,
    strikeLimit: STRIKE_LIMIT,
    strikeWindow: STRIKE_WINDOW,
    priorReliability: PRIOR.reliability,
    priorUsefulness: PRIOR.usefulness,
    ...o,
  };
}

export type Foundation = Awaited<ReturnType<typeof foundationFixture>>;

export function as(contract: Contract, signer: HardhatEthersSigner): Contract {
  return contract.connect(signer) as Contract;
}

/** Deploys a registry on the foundation through the deploy code, on a fresh mock verifier unless told otherwise. */
export async function deployTestRegistry(
  f: Foundation,
  o: { params?: RegistryParams; verifierContract?: string; verifier?: Address; grantModuleRole?: boolean } = {},
) {
  const d = await deployReliability(clientsFor(f.admin), {
    stakeVault: f.deployed.stakeVault.address,
    params: o.params ?? registryParams(),
    ...(o.verifier ? { verifier: o.verifier } : { verifierContract: o.verifierContract ?? "MockReliabilityVerifier" }),
    ...(o.grantModuleRole === undefined ? {} : { grantModuleRole: o.grantModuleRole }),
  });
  const registry = (await hre.ethers.getContractAt("ReliabilityRegistry", d.registry.address)) as unknown as Contract;
  return { registry, deployed: d };
}

/** Mints FUNDS to each signer and stakes STAKED of it in the vault. */
export async function fund(f: Foundation, signers: HardhatEthersSigner[]): Promise<void> {
  const vaultAddress = await f.vault.getAddress();
  for (const s of signers) {
    await as(f.token as unknown as Contract, f.admin).mint(s.address, FUNDS);
    await as(f.token as unknown as Contract, s).approve(vaultAddress, hre.ethers.MaxUint256);
    await as(f.vault as unknown as Contract, s).stake(STAKED);
  }
}

/**
 * The foundation, a registry on the mock verifier, funded accounts: `operator` runs sources 0..7
 * (one word), evaluators 1..5 are `evaluators[0..4]`; `settler`, `challenger`, `relayer`, `stranger`.
 */
export async function registryFixture() {
  return registryFixtureWith(registryParams());
}

/** registryFixture with other registry parameters. */
export async function registryFixtureWith(params: RegistryParams, verifierContract?: string) {
  const f = await foundationFixture();
  const { registry, deployed } = await deployTestRegistry(f, { params, ...(verifierContract ? { verifierContract } : {}) });
  const [dave, erin, frank, settler, challenger, relayer, stranger, gina] = f.others;
  const operator = f.alice;
  const evaluators = [f.bob, f.carol, dave, erin, frank];
  await fund(f, [operator, ...evaluators, gina]);
  const verifier = (await hre.ethers.getContractAt("MockReliabilityVerifier", deployed.verifier.address)) as unknown as Contract;
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const address = await registry.getAddress();
  return {
    ...f,
    registry,
    deployedRegistry: deployed,
    verifier,
    operator,
    evaluators,
    settler,
    challenger,
    relayer,
    stranger,
    gina,
    chainId,
    address,
    context: proofContext(chainId, address),
  };
}

export type Fixture = Awaited<ReturnType<typeof registryFixture>>;

/** registryFixture plus 8 sources of `operator` (ids 0..7, word 0) and 5 evaluators (ids 1..5). */
export async function populatedFixture() {
  const f = await registryFixture();
  for (let i = 0; i < 8; i++) await as(f.registry, f.operator).registerSource(`store://source-${i}`);
  for (const e of f.evaluators) await as(f.registry, e).registerEvaluator();
  return f;
}

/** keccak256(abi.encode(chainId, registry, epoch, evaluatorId, commitment, salt)). */
export function commitHash(
  chainId: bigint,
  registry: string,
  epoch: bigint,
  evaluatorId: bigint,
  commitment: bigint,
  salt: string,
): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint32", "uint32", "uint256", "bytes32"],
      [chainId, registry, epoch, evaluatorId, commitment, salt],
    ),
  );
}

export function saltFor(evaluatorId: bigint, epoch: bigint): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["string", "uint32", "uint32"], ["salt", evaluatorId, epoch]));
}

/** The vault offence id keccak256(abi.encode(scope, epoch, index)): scope 1 source (epoch 0), 2 strikes, 3 no-show. */
export const offenceId = (scope: bigint, epoch: bigint, index: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "uint256"], [scope, epoch, index]));
export const SCOPE_SOURCE = 1n;
export const SCOPE_STRIKES = 2n;
export const SCOPE_NO_SHOW = 3n;

/** Makes the next block land at `ts`, or as soon after as possible if that is already past. */
export async function at(ts: bigint): Promise<void> {
  if (BigInt(await time.latest()) < ts) await time.setNextBlockTimestamp(ts);
}

export interface Submission {
  signer: HardhatEthersSigner;
  commitment: bigint;
  uri?: string;
}

/** Commits each submission in the current epoch's commit window (at its start). */
export async function commitAll(f: Fixture, subs: Submission[]): Promise<bigint> {
  const info = await f.registry.epochInfo();
  const epoch = info.epoch as bigint;
  await at(info.startedAt);
  for (const s of subs) {
    const id = (await f.registry.evaluatorOf(s.signer.address)) as bigint;
    await as(f.registry, s.signer).commitFeedback(epoch, commitHash(f.chainId, f.address, epoch, id, s.commitment, saltFor(id, epoch)));
  }
  return epoch;
}

/** Reveals each submission, in order, at the start of the reveal window. */
export async function revealAll(f: Fixture, subs: Submission[]): Promise<void> {
  const info = await f.registry.epochInfo();
  const epoch = info.epoch as bigint;
  await at(info.commitEnd);
  for (const s of subs) {
    const id = (await f.registry.evaluatorOf(s.signer.address)) as bigint;
    await as(f.registry, s.signer).revealFeedback(epoch, s.commitment, saltFor(id, epoch), s.uri ?? `store://feedback-${id}-${epoch}`);
  }
}

/** Commits and reveals; the settlement window opens next. */
export async function commitAndReveal(f: Fixture, subs: Submission[]): Promise<bigint> {
  const epoch = await commitAll(f, subs);
  await revealAll(f, subs);
  return epoch;
}

/** Moves to the settlement window of the current epoch. */
export async function toSettlement(f: Fixture): Promise<void> {
  await at((await f.registry.epochInfo()).revealEnd);
}

/** Moves past the pending proposal's challenge window (the next transaction makes it final). */
export async function toFinal(f: Fixture): Promise<void> {
  await at((await f.registry.epochInfo()).finalAt);
}

export interface Batch {
  epoch: bigint;
  wordIndices: bigint[];
  oldWords: bigint[];
  newWords: bigint[];
  includedMask: bigint;
  flaggedMask: bigint;
}

/** A batch on the stored words: word `index` gets the scores `scores` (8 of them, unchanged lanes default to the stored ones). */
export async function batchOf(
  f: Fixture,
  o: { index?: bigint; scores?: (Score | undefined)[]; included: bigint; flagged?: bigint; epoch?: bigint },
): Promise<Batch> {
  const index = o.index ?? 0n;
  const old = (await f.registry.scoreWord(index)) as bigint;
  const lanes: Score[] = Array.from({ length: 8 }, (_, l) => {
    const lane = (old >> BigInt(32 * l)) & 0xffffffffn;
    return o.scores?.[l] ?? { reliability: lane & 0xffffn, usefulness: lane >> 16n };
  });
  return {
    epoch: o.epoch ?? ((await f.registry.epochInfo()).epoch as bigint),
    wordIndices: [index],
    oldWords: [old],
    newWords: [packWord(lanes)],
    includedMask: o.included,
    flaggedMask: o.flagged ?? 0n,
  };
}

/** A placeholder proof for the mock verifier (its result is set by the test, not by these numbers). */
export const PROOF = {
  a: [1n, 2n],
  b: [
    [3n, 4n],
    [5n, 6n],
  ],
  c: [7n, 8n],
};

export function propose(f: Fixture, signer: HardhatEthersSigner, b: Batch): Promise<ContractTransactionResponse> {
  return as(f.registry, signer).updateScores(b, PROOF);
}

export function challenge(f: Fixture, signer: HardhatEthersSigner, b: Batch, replaced: string): Promise<ContractTransactionResponse> {
  return as(f.registry, signer).challengeScores(b, replaced, PROOF);
}

/** The submissions of the first `n` evaluators, commitment 1000 + i. */
export function subsOf(f: Fixture, n: number): Submission[] {
  return f.evaluators.slice(0, n).map((signer, i) => ({ signer, commitment: 1000n + BigInt(i) }));
}
