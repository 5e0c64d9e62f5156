import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { hexlify, type Contract, type EventLog } from "ethers";
import { prove, toSolidityProof, type SolidityProof } from "../../oracle/core/prover";
import {
  buildWitness,
  feedbackCommitment,
  publicSignals,
  unpackWord,
  updateBatch,
  type BatchUpdate,
  type Feedback,
  type QueryGrade,
  type Reveal,
} from "../../oracle/reliability";
import {
  TEST_RULE,
  TEST_SHAPE,
  as,
  at,
  commitAll,
  commitAndReveal,
  revealAll,
  deployTestRegistry,
  fund,
  registryParams,
  type Batch,
  type Fixture,
} from "../helpers/reliabilityFixtures";
import { foundationFixture } from "../helpers/fixtures";

// The story: five evaluators grade eight answers built from sources 0..7; four grade honestly, one
// inverts every verdict. The oracle's reference computes the batch, the prover proves it with the
// reliability_1x8x5x2 keys, and the registry accepts the proof only for its own epoch and its own
// deployment, writes the words the reference computed and, once final, strikes the liar.

const CIRCUIT = "reliability_1x8x5x2";
const { ethers } = hre;

/** Query q used sources (q mod 8) with 70 and ((q + 3) mod 8) with 30; odd queries were wrong, every third ungrounded. */
function truth(q: number): QueryGrade {
  return {
    graded: true,
    correct: q % 2 === 0,
    grounded: q % 3 !== 0,
    sources: [
      { source: BigInt(q % 8), share: 70 },
      { source: BigInt((q + 3) % 8), share: 30 },
    ],
  };
}
const HONEST: Feedback = { grades: Array.from({ length: TEST_SHAPE.queries }, (_, q) => truth(q)) };
const LIAR: Feedback = { grades: HONEST.grades.map((g) => ({ ...g, correct: !g.correct, grounded: !g.grounded })) };

async function storyFixture() {
  const f = await foundationFixture();
  // Both registries first (a vault holding no stake grants module roles at once), on one verifier.
  const startTime = BigInt(await time.latest()) + 100n;
  const params = registryParams({ startTime });
  const a = await deployTestRegistry(f, { params, verifierContract: "Reliability1x8x5x2Verifier" });
  const b = await deployTestRegistry(f, { params, verifier: a.deployed.verifier.address });
  const [operator, e1, e2, e3, e4, e5, settler] = f.others;
  const evaluators = [e1, e2, e3, e4, e5];
  await fund(f, [operator, ...evaluators]);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const mk = async (registry: Contract): Promise<Fixture> => {
    for (let i = 0; i < 8; i++) await as(registry, operator).registerSource(`store://source-${i}`);
    for (const e of evaluators) await as(registry, e).registerEvaluator();
    return { ...f, registry, chainId, address: await registry.getAddress(), evaluators, settler, operator } as unknown as Fixture;
  };
  const feedback = [HONEST, HONEST, LIAR, HONEST, HONEST];
  const commitments = await Promise.all(feedback.map((fb) => feedbackCommitment(fb, TEST_SHAPE)));
  const subs = evaluators.map((signer, i) => ({ signer, commitment: commitments[i] }));
  return { A: await mk(a.registry), B: await mk(b.registry), feedback, commitments, subs, settler };
}

/** The reference's batch of the current epoch of `g` (reveals in evaluator order 1..5), from the words on chain. */
async function referenceBatch(g: Fixture, s: Awaited<ReturnType<typeof storyFixture>>, epoch: bigint): Promise<BatchUpdate> {
  const word = (await g.registry.scoreWord(0n)) as bigint;
  const reveals: Reveal[] = s.feedback.map((feedback, i) => ({ evaluator: BigInt(i + 1), commitment: s.commitments[i], feedback }));
  return updateBatch({
    shape: TEST_SHAPE,
    context: (await g.registry.proofContext()) as bigint,
    epoch,
    params: TEST_RULE,
    words: [0n],
    oldScores: unpackWord(word),
    reveals,
    settler: BigInt(s.settler.address),
  });
}

function batchFrom(u: BatchUpdate, epoch: bigint): Batch {
  return {
    epoch,
    wordIndices: [0n],
    oldWords: [...u.trace.oldWords],
    newWords: [...u.trace.newWords],
    includedMask: u.trace.includedMask,
    flaggedMask: u.trace.flaggedMask,
  };
}

async function proofOf(u: BatchUpdate): Promise<SolidityProof> {
  const p = await prove(CIRCUIT, buildWitness(u));
  expect(p.publicSignals).to.deep.equal(publicSignals(u));
  return toSolidityProof(p.proof);
}

describe("Evaluators reveal, the oracle proves, scores update", () => {
  it("accepts a real proof only for its epoch and its deployment, writes the reference's words and strikes the liar", async () => {
    const s = await loadFixture(storyFixture);
    const { A, B } = s;
    // Epoch 0 on both registries, the same reveals.
    await commitAll(A, s.subs);
    await commitAll(B, s.subs);
    await revealAll(A, s.subs);
    await revealAll(B, s.subs);
    await at((await A.registry.epochInfo()).revealEnd);
    const u0 = await referenceBatch(A, s, 0n);
    expect(u0.trace.flaggedMask).to.equal(0b00100n);
    expect((await A.registry.epochInfo()).acc).to.equal(u0.publicInputs.acc);
    const p0 = await proofOf(u0);
    const b0 = batchFrom(u0, 0n);
    // The contract hashes exactly the reference's bytes.
    expect(await A.registry.batchBytes(b0)).to.equal(hexlify(u0.trace.batchBytes));
    expect(await A.registry.publicInputs(b0, s.settler.address)).to.deep.equal(publicSignals(u0));
    // Another deployment (same verifier, same reveals, same words): its header, so its acc, differs.
    await expect(as(B.registry, s.settler).updateScores(b0, p0)).to.be.revertedWithCustomError(B.registry, "InvalidProof").withArgs(0n);
    // Another settler cannot post it either.
    await expect(as(A.registry, s.subs[0].signer).updateScores(b0, p0))
      .to.be.revertedWithCustomError(A.registry, "InvalidProof")
      .withArgs(0n);

    // Nobody settles epoch 0 of A: it expires; epoch 1 gets the same reveals.
    await at((await A.registry.epochInfo()).settlementDeadline);
    await A.registry.sync();
    expect((await A.registry.epochInfo()).epoch).to.equal(1n);
    await commitAndReveal(A, s.subs);
    await at((await A.registry.epochInfo()).revealEnd);
    // The epoch-0 proof for epoch 1's batch: the epoch is in batchHash and in the header.
    await expect(as(A.registry, s.settler).updateScores({ ...b0, epoch: 1n }, p0))
      .to.be.revertedWithCustomError(A.registry, "InvalidProof")
      .withArgs(1n);

    const u1 = await referenceBatch(A, s, 1n);
    const p1 = await proofOf(u1);
    const b1 = batchFrom(u1, 1n);
    const tx = await as(A.registry, s.settler).updateScores(b1, p1);
    const rc = await tx.wait();
    console.log(`      updateScores with the real verifier (1 word, 5 reveals): ${rc!.gasUsed} gas`);
    const ev = (await A.registry.queryFilter(A.registry.filters.ScoresProposed(1n))) as EventLog[];
    expect(ev[0].args.batch).to.equal(hexlify(u1.trace.batchBytes));
    expect(await A.registry.scoreWord(0n)).to.equal(u1.trace.newWords[0]);
    for (let k = 0; k < 8; k++) {
      const [rel, use] = await A.registry.scoreOf(k);
      expect([rel, use]).to.deep.equal([u1.trace.newScores[k].reliability, u1.trace.newScores[k].usefulness]);
    }
    // Final after the challenge window: the liar (evaluator 3, position 2) has a strike.
    await at((await A.registry.epochInfo()).finalAt);
    await expect(A.registry.sync()).to.emit(A.registry, "EvaluatorFlagged").withArgs(3n, 1n, 1n);
    expect((await A.registry.evaluator(3)).strikes).to.equal(1n);
  });
});
