import hre from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { hexlify, type Contract, type EventLog } from "ethers";
import { hashChain } from "../../oracle/core";
import { prove, toSolidityProof, type SolidityProof } from "../../oracle/core/prover";
import {
  buildWitness,
  comparisonIndex,
  encodeJudgment,
  judgmentCommitment,
  judgmentTag,
  packPrefs,
  publicSignals,
  settleRound,
  unpackRepWord,
  type JudgmentReveal,
  type RoundSettlement,
} from "../../oracle/reputation";
import { foundationFixture } from "../helpers/fixtures";
import { contraryVotes, honestVotes } from "../helpers/reputation";
import {
  REWARD,
  WINNER_BPS,
  answer,
  as,
  at,
  deploySwarm,
  fund,
  info,
  judge,
  openRound,
  swarmParams,
  type Fixture,
  type Ranking,
} from "../helpers/reputationFixtures";

// The story: eight admitted nodes answer a question; their answers' quality orders them
// 1 > 5 > 3 > 6 > 0 > 4 > 2 > 7. Every node judges the scheduled pairs it may judge: six honestly,
// slot 6 inverts every preference, and slot 3 also judges a pair holding its own answer, which no
// witness can include. The oracle's reference settles the round (naming slot 3's self-judgment,
// then leaving its content out), the prover proves it with the reputation_8 keys, and the swarm
// accepts the proof only for its own round and its own deployment, writes the reference's words,
// pays the winner and the agreeing judges and, once final, gives slot 6 a strike.

const CIRCUIT = "reputation_8";
const SHAPE = { nodes: 8 };
const PARAMS = { emaRate: 16384n, minAgreement: 32768, prior: 1 };
const QUALITY = [3, 7, 1, 5, 2, 6, 4, 0];
const ORDER = [5, 0, 3, 7, 1, 6, 2, 4];
const { ethers } = hre;

/** Slot 3's preference vector with a vote on its own pair (3, 4): no witness includes it. */
async function selfJudgingCommitment(): Promise<bigint> {
  const prefs = encodeJudgment(3, { votes: honestVotes(3, QUALITY) }, SHAPE);
  prefs[comparisonIndex(8, 3, 4)] = 1;
  return hashChain(judgmentTag(SHAPE), packPrefs(prefs));
}

async function storyFixture() {
  const f = await foundationFixture();
  // Both swarms first (a vault holding no stake grants module roles at once), on one verifier.
  // A settlement window long enough for B's round to run after A's while A's waits for its proof.
  const params = swarmParams({ settlementWindow: 7200n });
  const a = await deploySwarm(f, { params, verifierContract: "Reputation8Verifier" });
  const b = await deploySwarm(f, { params, verifier: a.verifierAddress, hashers: a.hashers });
  const [n3, n4, n5, n6, n7, admitter, opener, settler] = f.others;
  const nodes = [f.alice, f.bob, f.carol, n3, n4, n5, n6, n7];
  await fund(f, [...nodes, opener], a.swarm);
  for (const s of [opener, ...nodes]) await as(f.token as unknown as Contract, s).approve(await b.swarm.getAddress(), ethers.MaxUint256);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const mk = async (swarm: Contract): Promise<Fixture> => {
    await as(swarm, f.admin).grantRole(await swarm.ADMITTER_ROLE(), admitter.address);
    for (const [i, n] of nodes.entries()) await as(swarm, n).registerNode(`store://node-${i}`);
    for (let id = 1; id <= 8; id++) await as(swarm, admitter).admit(id);
    return { ...f, swarm, chainId, address: await swarm.getAddress(), nodes, opener, settler } as unknown as Fixture;
  };
  const votes = (k: number) => (k === 6 ? contraryVotes(k, QUALITY) : honestVotes(k, QUALITY));
  const commitments: bigint[] = [];
  for (let k = 0; k < 8; k++)
    commitments.push(k === 3 ? await selfJudgingCommitment() : await judgmentCommitment(k, { votes: votes(k) }, SHAPE));
  return { A: await mk(a.swarm), B: await mk(b.swarm), votes, commitments, settler };
}
type Story = Awaited<ReturnType<typeof storyFixture>>;

/** Opens a round, every slot answers, and judges reveal in ORDER; ends at the settlement window. */
async function playRound(g: Fixture, s: Story): Promise<bigint> {
  const round = await openRound(g);
  await answer(g, round, [0, 1, 2, 3, 4, 5, 6, 7]);
  await judge(
    g,
    round,
    ORDER,
    ORDER.map((k) => s.commitments[k]),
  );
  await at((await info(g, round)).judgeRevealEnd);
  return round;
}

/** The reference's settlement of `round` of `g`, from the chain's words, with slot 3's content as given. */
async function reference(g: Fixture, s: Story, round: bigint, withSelfJudgment = false): Promise<RoundSettlement> {
  const word = BigInt((await g.swarm.reputationWords())[0]);
  const reveals: JudgmentReveal[] = ORDER.map((k) =>
    k === 3
      ? withSelfJudgment
        ? { judge: 3, commitment: s.commitments[3], judgment: { votes: [...honestVotes(3, QUALITY), { first: 3, second: 4, pref: 1 }] } }
        : { judge: 3, commitment: s.commitments[3] }
      : { judge: k, commitment: s.commitments[k], judgment: { votes: s.votes(k) } },
  );
  return settleRound({
    shape: SHAPE,
    context: (await g.swarm.proofContext()) as bigint,
    round,
    params: PARAMS,
    answered: new Array<boolean>(8).fill(true),
    oldReputation: unpackRepWord(word).slice(0, 8),
    reveals,
    settler: BigInt(s.settler.address),
  });
}

function rankingFrom(u: RoundSettlement, round: bigint): Ranking {
  return {
    round,
    winner: u.trace.winner,
    includedMask: u.trace.includedMask,
    agreeMask: u.trace.agreeMask,
    flaggedMask: u.trace.flaggedMask,
    newWords: [...u.trace.newWords],
  };
}

async function proofOf(u: RoundSettlement): Promise<SolidityProof> {
  const p = await prove(CIRCUIT, buildWitness(u));
  expect(p.publicSignals).to.deep.equal(publicSignals(u));
  return toSolidityProof(p.proof);
}

describe("Swarm judges reveal, the oracle proves the round", () => {
  it("accepts a real proof only for its round and its deployment, writes the reference's words, pays and strikes", async () => {
    const s = await loadFixture(storyFixture);
    const { A, B } = s;
    // Round 1 on both swarms, the same reveals.
    const r1 = await playRound(A, s);
    await playRound(B, s);

    // The circuit-side refusals, named by the reference: slot 3's own pair, a pair outside the schedule.
    const refusal = await reference(A, s, r1, true).then(
      () => "",
      (e: Error) => e.message,
    );
    expect(refusal).to.match(/self-judgment: judge 3/);
    expect(() => encodeJudgment(0, { votes: [{ first: 1, second: 3, pref: 1 }] }, SHAPE)).to.throw(/not in the round's schedule/);
    // Left out (its content has no witness), the round still settles: includedMask shows it.
    const u1 = await reference(A, s, r1);
    expect(u1.trace.includedMask).to.equal(0xffn & ~(1n << 3n));
    expect(u1.trace.flaggedMask).to.equal(1n << 6n);
    expect(u1.trace.winner).to.equal(1);
    expect((await info(A, r1)).acc).to.equal(u1.publicInputs.acc);
    const p1 = await proofOf(u1);
    const res1 = rankingFrom(u1, r1);
    // The contract hashes exactly the reference's bytes.
    expect(await A.swarm.outBytes(res1)).to.equal(hexlify(u1.trace.outBytes));
    expect(await A.swarm.publicInputs(res1, s.settler.address)).to.deep.equal(publicSignals(u1));
    // Another deployment (same verifier, same reveals, same words): its header, so its acc, differs.
    await expect(as(B.swarm, s.settler).settleRanking(res1, p1)).to.be.revertedWithCustomError(B.swarm, "InvalidProof").withArgs(r1);
    expect(await B.swarm.reputationWords()).to.deep.equal([u1.trace.oldWords[0]]);
    expect((await info(B, r1)).status).to.equal(1n);
    // Another settler cannot post it either.
    await expect(as(A.swarm, A.nodes[0]).settleRanking(res1, p1)).to.be.revertedWithCustomError(A.swarm, "InvalidProof").withArgs(r1);

    // Nobody settles round 1 of A: it expires; round 2 gets the same reveals.
    await at((await info(A, r1)).settlementDeadline);
    await A.swarm.releaseRound(r1);
    const r2 = await playRound(A, s);
    // The round-1 proof for round 2: the round is in outHash and in the header.
    await expect(as(A.swarm, s.settler).settleRanking({ ...res1, round: r2 }, p1))
      .to.be.revertedWithCustomError(A.swarm, "InvalidProof")
      .withArgs(r2);
    expect((await info(A, r2)).settler).to.equal(ethers.ZeroAddress);

    const u2 = await reference(A, s, r2);
    const p2 = await proofOf(u2);
    const res2 = rankingFrom(u2, r2);
    const rc = await (await as(A.swarm, s.settler).settleRanking(res2, p2)).wait();
    console.log(`      settleRanking with the real verifier (8 slots, 8 reveals): ${rc!.gasUsed} gas`);
    const ev = (await A.swarm.queryFilter(A.swarm.filters.RankingProposed(r2))) as EventLog[];
    expect(ev[0].args.out).to.equal(hexlify(u2.trace.outBytes));
    expect(await A.swarm.reputationWords()).to.deep.equal(u2.trace.newWords);
    for (let k = 0; k < 8; k++) expect(await A.swarm.reputationOf(k)).to.equal(u2.trace.newReputation[k]);
    // Honest judges climbed, the contrary one fell, the left-out one kept its reputation.
    expect(u2.trace.newReputation[0] > 32768n && u2.trace.newReputation[6] < 32768n).to.equal(true);
    expect(u2.trace.newReputation[3]).to.equal(32768n);

    // Final after the challenge window: slot 6 (node 7) has a strike, the winner and agreeing judges are paid.
    await at((await info(A, r2)).finalAt);
    await expect(A.swarm.finalizeRound(r2)).to.emit(A.swarm, "NodeFlagged").withArgs(7n, r2, 1n);
    expect((await A.swarm.node(7)).strikes).to.equal(1n);
    const agreeing = [0, 1, 2, 4, 5, 7];
    expect(u2.trace.agreeMask).to.equal(agreeing.reduce((m, k) => m | (1n << BigInt(k)), 0n));
    const judgeShare = (REWARD - (REWARD * WINNER_BPS) / 10000n) / BigInt(agreeing.length);
    const winnerShare = REWARD - judgeShare * BigInt(agreeing.length);
    expect(await A.swarm.pendingRewards(A.nodes[1].address)).to.equal(winnerShare + judgeShare);
    expect(await A.swarm.pendingRewards(A.nodes[0].address)).to.equal(judgeShare);
    expect(await A.swarm.pendingRewards(A.nodes[6].address)).to.equal(0n);
  });
});
