import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, keccak256, parseEther, zeroPadValue, toBeHex, type Contract, type ContractTransactionResponse } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { proofContext } from "../../oracle/core/field";
import type { Address } from "viem";
import { deploySwarm as deploySwarmContracts } from "../../scripts/deploy/reputation";
import { clientsFor, foundationFixture } from "./fixtures";

// The round protocol of SwarmReputation, written out for the tests (ISwarmReputation's NatSpec is the
// spec; encodings come from docs/spec/reputation.md and the oracle's reference).

const { ethers } = hre;

/** ISwarmReputationTypes.SwarmParams, as the constructor takes it. */
export interface SwarmParams {
  slots: bigint;
  emaRate: bigint;
  minAgreement: bigint;
  prior: bigint;
  answerCommitWindow: bigint;
  answerRevealWindow: bigint;
  judgeCommitWindow: bigint;
  judgeRevealWindow: bigint;
  settlementWindow: bigint;
  challengeWindow: bigint;
  nodeStake: bigint;
  initialReputation: bigint;
  strikeLimit: bigint;
  strikeWindow: bigint;
  strikeSlashAmount: bigint;
  noShowPenalty: bigint;
  winnerShareBps: bigint;
}

export const SLOTS = 8;
export const ACW = 600n;
export const ARW = 600n;
export const JCW = 600n;
export const JRW = 600n;
export const SW = 1800n;
export const CHW = 600n;
export const NODE_STAKE = parseEther("20");
export const INITIAL_REP = 32768n;
export const STRIKE_LIMIT = 2n;
export const STRIKE_WINDOW = 3n;
export const STRIKE_SLASH = parseEther("5");
export const NO_SHOW = parseEther("1");
export const WINNER_BPS = 4000n;
export const REWARD = parseEther("100");
export const FUNDS = parseEther("100000");
export const STAKED = parseEther("1000");
export const KIND_ANSWER = 0;
export const KIND_JUDGMENT = 1;
/** RoundStatus and NodeStatus as the contract numbers them. */
export const RoundStatus = { None: 0n, Open: 1n, Proposed: 2n, Final: 3n, Expired: 4n } as const;
export const NodeStatus = { Registered: 0n, Admitted: 1n, Unbonding: 2n, Left: 3n } as const;
/** Offence scopes of the vault offence ids (strikes, answer no-show, judgment no-show). */
export const SCOPE_STRIKES = 1n;
export const SCOPE_NO_SHOW_ANSWER = 2n;
export const SCOPE_NO_SHOW_JUDGMENT = 3n;

/** The stories' parameters: rate 1/4, flagged below 1/2, one virtual judge of prior (8 * prior >= N). */
export function swarmParams(o: Partial<SwarmParams> = {}, slots = SLOTS): SwarmParams {
  return {
    slots: BigInt(slots),
    emaRate: 16384n,
    minAgreement: 32768n,
    prior: BigInt(Math.ceil(slots / 8)),
    answerCommitWindow: ACW,
    answerRevealWindow: ARW,
    judgeCommitWindow: JCW,
    judgeRevealWindow: JRW,
    settlementWindow: SW,
    challengeWindow: CHW,
    nodeStake: NODE_STAKE,
    initialReputation: INITIAL_REP,
    strikeLimit: STRIKE_LIMIT,
    strikeWindow: STRIKE_WINDOW,
    strikeSlashAmount: STRIKE_SLASH,
    noShowPenalty: NO_SHOW,
    winnerShareBps: WINNER_BPS,
    ...o,
  };
}

export type Foundation = Awaited<ReturnType<typeof foundationFixture>>;

export function as(contract: Contract, signer: HardhatEthersSigner | { address: string }): Contract {
  return contract.connect(signer as HardhatEthersSigner) as Contract;
}

/**
 * Deploys a swarm on the foundation through the deploy code (scripts/deploy/reputation.ts): hashers,
 * verifier, SwarmReputation, SwarmCalibration with ADMITTER_ROLE, the vault's MODULE_ROLE for the swarm
 * (before anyone stakes, so the grant is ready at once). `verifier` reuses a deployed verifier;
 * otherwise `verifierContract` (the mock by default) is deployed.
 */
export async function deploySwarm(
  f: Foundation,
  o: { params?: SwarmParams; verifierContract?: string; verifier?: string; hashers?: [string, string, string] } = {},
) {
  const d = await deploySwarmContracts(clientsFor(f.admin), {
    stakeVault: (await f.vault.getAddress()) as Address,
    admin: f.admin.address as Address,
    params: o.params ?? swarmParams(),
    ...(o.verifier ? { verifier: o.verifier as Address } : { verifierContract: o.verifierContract ?? "MockReputationVerifier" }),
    ...(o.hashers
      ? { hashers: { poseidon2: o.hashers[0] as Address, poseidon3: o.hashers[1] as Address, poseidon4: o.hashers[2] as Address } }
      : {}),
  });
  const swarm = (await ethers.getContractAt("SwarmReputation", d.swarm.address)) as unknown as Contract;
  const calibration = (await ethers.getContractAt("SwarmCalibration", d.calibration.address)) as unknown as Contract;
  const hashers = [d.hashers.poseidon2.address, d.hashers.poseidon3.address, d.hashers.poseidon4.address] as [string, string, string];
  return { swarm, calibration, verifierAddress: d.verifier.address as string, hashers };
}

/** Mints FUNDS to each account and stakes STAKED of it in the vault; approves the swarm for rewards. */
export async function fund(f: Foundation, accounts: HardhatEthersSigner[], swarm?: Contract): Promise<void> {
  const vaultAddress = await f.vault.getAddress();
  const token = f.token as unknown as Contract;
  for (const s of accounts) {
    await as(token, f.admin).mint(s.address, FUNDS);
    await as(token, s).approve(vaultAddress, ethers.MaxUint256);
    await as(f.vault as unknown as Contract, s).stake(STAKED);
    if (swarm) await as(token, s).approve(await swarm.getAddress(), ethers.MaxUint256);
  }
}

/**
 * The foundation, a swarm of 8 slots on the mock verifier, funded accounts: `nodes[0..7]` (not yet
 * registered), `admitter` (holds ADMITTER_ROLE directly, for the logic tests), `opener`, `settler`,
 * `challenger`, `stranger`.
 */
export async function swarmFixture() {
  return swarmFixtureWith(swarmParams());
}

export async function swarmFixtureWith(params: SwarmParams, verifierContract?: string) {
  const f = await foundationFixture();
  const d = await deploySwarm(f, { params, ...(verifierContract ? { verifierContract } : {}) });
  const [n3, n4, n5, n6, n7, admitter, opener, settler, challenger, stranger, spare] = f.others;
  const nodes = [f.alice, f.bob, f.carol, n3, n4, n5, n6, n7];
  await as(d.swarm, f.admin).grantRole(await d.swarm.ADMITTER_ROLE(), admitter.address);
  await fund(f, [...nodes, opener, spare], d.swarm);
  const verifier = (await ethers.getContractAt("MockReputationVerifier", d.verifierAddress)) as unknown as Contract;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const address = await d.swarm.getAddress();
  return {
    ...f,
    swarm: d.swarm,
    calibration: d.calibration,
    verifier,
    hashers: d.hashers,
    nodes,
    admitter,
    opener,
    settler,
    challenger,
    stranger,
    spare,
    chainId,
    address,
    context: proofContext(chainId, address),
  };
}

export type Fixture = Awaited<ReturnType<typeof swarmFixture>>;

/** swarmFixture with the 8 nodes registered (ids 1..8) and admitted (slots 0..7) by `admitter`. */
export async function admittedFixture() {
  const g = await swarmFixture();
  for (const [i, n] of g.nodes.entries()) await as(g.swarm, n).registerNode(`store://node-${i}`);
  for (let id = 1; id <= g.nodes.length; id++) await as(g.swarm, g.admitter).admit(id);
  return g;
}

/** keccak256(abi.encode(chainId, swarm, kind, round, slot, value, salt)). */
export function commitHash(chainId: bigint, swarm: string, kind: number, round: bigint, slot: number, value: string, salt: string): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint8", "uint32", "uint8", "bytes32", "bytes32"],
      [chainId, swarm, kind, round, slot, value, salt],
    ),
  );
}

/** A bytes32 of a number (a judgment commitment as the commit hash takes it). */
export const b32 = (x: bigint): string => zeroPadValue(toBeHex(x), 32);

export function saltFor(kind: number, round: bigint, slot: number): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["string", "uint8", "uint32", "uint8"], ["salt", kind, round, slot]));
}

export const answerDigestOf = (round: bigint, slot: number): string =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["string", "uint32", "uint8"], ["answer", round, slot]));

/** The vault offence id keccak256(abi.encode(scope, round, nodeId)). */
export const offenceId = (scope: bigint, round: bigint, nodeId: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "uint256"], [scope, round, nodeId]));

/** Makes the next block land at `ts`, or as soon after as possible if that is already past. */
export async function at(ts: bigint): Promise<void> {
  if (BigInt(await time.latest()) < ts) await time.setNextBlockTimestamp(ts);
}

/** Opens a round from `opener` with `reward`; returns its id. */
export async function openRound(g: Fixture, reward = REWARD, opener = g.opener): Promise<bigint> {
  await as(g.swarm, opener).openRound(keccak256("0x01"), "store://question", reward);
  return (await g.swarm.currentRound()) as bigint;
}

export async function info(g: { swarm: Contract }, round: bigint) {
  return g.swarm.roundInfo(round);
}

/** The node signer at `slot` in an admittedFixture (slot i = nodes[i]). */
export const signerAt = (g: Fixture, slot: number) => g.nodes[slot];

/** Slots `slots` commit and reveal answers (digest answerDigestOf); ends in the answer reveal window. */
export async function answer(g: Fixture, round: bigint, slots: number[]): Promise<void> {
  const i = await info(g, round);
  await at(i.opensAt);
  for (const s of slots) {
    const h = commitHash(g.chainId, g.address, KIND_ANSWER, round, s, answerDigestOf(round, s), saltFor(KIND_ANSWER, round, s));
    await as(g.swarm, signerAt(g, s)).commitAnswer(round, h);
  }
  await at(i.answerCommitEnd);
  for (const s of slots) {
    await as(g.swarm, signerAt(g, s)).revealAnswer(round, answerDigestOf(round, s), saltFor(KIND_ANSWER, round, s), `store://answer-${s}`);
  }
}

/** A judgment commitment per slot for the mock-verifier tests (any field element). */
export const commitmentOf = (round: bigint, slot: number): bigint => 1000n * round + BigInt(slot) + 1n;

/** Slots commit and reveal judgments (in the order given); ends in the judgment reveal window. */
export async function judge(g: Fixture, round: bigint, slots: number[], commitments?: bigint[]): Promise<void> {
  const i = await info(g, round);
  await at(i.answerRevealEnd);
  const c = (k: number) => commitments?.[k] ?? commitmentOf(round, slots[k]);
  for (const [k, s] of slots.entries()) {
    const h = commitHash(g.chainId, g.address, KIND_JUDGMENT, round, s, b32(c(k)), saltFor(KIND_JUDGMENT, round, s));
    await as(g.swarm, signerAt(g, s)).commitJudgment(round, h);
  }
  await at(i.judgeCommitEnd);
  for (const [k, s] of slots.entries()) {
    await as(g.swarm, signerAt(g, s)).revealJudgment(round, c(k), saltFor(KIND_JUDGMENT, round, s), `store://judgment-${s}`);
  }
}

/** Opens a round, all `answered` answer, all `judges` judge, and moves to its settlement window. */
export async function roundToSettlement(g: Fixture, o: { answered?: number[]; judges?: number[]; reward?: bigint } = {}): Promise<bigint> {
  const round = await openRound(g, o.reward ?? REWARD);
  const answered = o.answered ?? [0, 1, 2, 3, 4, 5, 6, 7];
  if (answered.length) await answer(g, round, answered);
  await judge(g, round, o.judges ?? [0, 1, 2, 3, 4, 5, 6, 7]);
  await at((await info(g, round)).judgeRevealEnd);
  return round;
}

export interface Ranking {
  round: bigint;
  winner: number;
  includedMask: bigint;
  agreeMask: bigint;
  flaggedMask: bigint;
  newWords: bigint[];
}

export const maskOf = (slots: number[]): bigint => slots.reduce((m, s) => m | (1n << BigInt(s)), 0n);

/** Packs reputations by slot into words (lane l of word m = slot 16m + l). */
export function packReps(reps: bigint[], slots = SLOTS): bigint[] {
  const words = new Array<bigint>(Math.ceil(slots / 16)).fill(0n);
  reps.forEach((r, s) => (words[s >> 4] |= r << BigInt(16 * (s & 15))));
  return words;
}

/** A ranking of the current stored words with each included slot's reputation moved to `rep`. */
export async function rankingOf(
  g: Fixture,
  round: bigint,
  o: { winner?: number; included?: number[]; agree?: number[]; flagged?: number[]; rep?: bigint } = {},
): Promise<Ranking> {
  const words = ((await g.swarm.reputationWords()) as bigint[]).map((w) => BigInt(w));
  const included = o.included ?? [0, 1, 2, 3, 4, 5, 6, 7];
  const newWords = [...words];
  for (const s of included) {
    const shift = BigInt(16 * (s & 15));
    newWords[s >> 4] = (newWords[s >> 4] & ~(0xffffn << shift)) | ((o.rep ?? 40000n) << shift);
  }
  return {
    round,
    winner: o.winner ?? 0,
    includedMask: maskOf(included),
    agreeMask: maskOf(o.agree ?? included.filter((s) => !(o.flagged ?? []).includes(s))),
    flaggedMask: maskOf(o.flagged ?? []),
    newWords,
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

export function settle(g: Fixture, r: Ranking, signer = g.settler): Promise<ContractTransactionResponse> {
  return as(g.swarm, signer).settleRanking(r, PROOF);
}

export function challenge(g: Fixture, r: Ranking, replaced: string, signer = g.challenger): Promise<ContractTransactionResponse> {
  return as(g.swarm, signer).challengeRanking(r, replaced, PROOF);
}

/** The outBytes of the latest RankingProposed of `round`. */
export async function proposedBytes(g: Fixture, round: bigint): Promise<string> {
  const ev = await g.swarm.queryFilter(g.swarm.filters.RankingProposed(round));
  return (ev[ev.length - 1] as unknown as { args: { out: string } }).args.out;
}

/** Moves past the pending proposal's challenge window. */
export async function toFinal(g: Fixture, round: bigint): Promise<void> {
  await at((await info(g, round)).finalAt);
}

/** A snapshot of everything a refused call must leave alone. */
export async function snapshot(g: Fixture, round?: bigint) {
  const r = round ?? ((await g.swarm.currentRound()) as bigint);
  const ri = r === 0n ? null : await g.swarm.roundInfo(r);
  return {
    words: ((await g.swarm.reputationWords()) as bigint[]).map((w) => BigInt(w)),
    admitted: (await g.swarm.admittedMask()) as bigint,
    round: r,
    // Every field but the status, which reads as of now (a round past its deadline reads Expired).
    info: ri
      ? ri
          .toArray()
          .map(String)
          .filter((_: string, k: number) => k !== 1)
      : [],
    balance: (await g.token.balanceOf(g.address)) as bigint,
  };
}
