import fs from "node:fs";
import hre from "hardhat";
import { expect } from "chai";
import { setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, keccak256, parseEther, type Contract, type ContractTransactionResponse } from "ethers";
import { readManifest } from "../../../oracle/core/artifacts/manifest";
import { prove, toSolidityProof } from "../../../oracle/core/prover";
import { buildWitness, judgmentCommitment, publicSignals, settleRound, type JudgmentReveal } from "../../../oracle/reputation";
import { foundationFixture } from "../../helpers/fixtures";
import { honestVotes } from "../../helpers/reputation";
import {
  INITIAL_REP,
  KIND_ANSWER,
  KIND_JUDGMENT,
  PROOF,
  REWARD,
  answer,
  answerDigestOf,
  as,
  at,
  b32,
  commitHash,
  commitmentOf,
  deploySwarm,
  fund,
  info,
  judge,
  maskOf,
  proposedBytes,
  saltFor,
  swarmParams,
  type Fixture,
  type Ranking,
} from "../../helpers/reputationFixtures";

// Gas of every user-facing call of SwarmReputation and SwarmCalibration, and of settleRanking at
// 8, 16 and 32 slots on the mock verifier (every slot answers and judges; the verifier's cost is
// constant, the real one is measured by test/integration/Swarm_Judges_Reveal_Oracle_Proves_Round at
// 8 slots). Logged as a table for the bench, written as JSON when ZKMERIT_GAS_JSON is set; the
// assertions are the budget of docs/design/reputation-rule.md: at most 3,000 gas per extra slot.

const { ethers } = hre;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  return (await (await tx).wait())!.gasUsed;
}

/** `n` funded accounts beyond the named signers (fresh keys with ether). */
async function accounts(n: number): Promise<HardhatEthersSigner[]> {
  const out: HardhatEthersSigner[] = [];
  for (let i = 0; i < n; i++) {
    const w = ethers.Wallet.createRandom().connect(ethers.provider);
    await setBalance(w.address, parseEther("100"));
    out.push(w as unknown as HardhatEthersSigner);
  }
  return out;
}

/** A swarm of `slots` slots, every slot admitted, a round with every slot answering and judging, at its settlement window. */
async function settleReady(slots: number) {
  const f = await foundationFixture();
  const { swarm, calibration } = await deploySwarm(f, { params: swarmParams({}, slots) });
  const [admitter, opener, settler, challenger, calibrator] = f.others;
  const nodes = await accounts(slots + 1);
  await fund(f, [...nodes, opener], swarm);
  await as(swarm, f.admin).grantRole(await swarm.ADMITTER_ROLE(), admitter.address);
  await as(calibration, f.admin).grantRole(await calibration.CALIBRATOR_ROLE(), calibrator.address);
  const g = {
    ...f,
    swarm,
    calibration,
    nodes,
    opener,
    settler,
    challenger,
    chainId: (await ethers.provider.getNetwork()).chainId,
    address: await swarm.getAddress(),
  } as unknown as Fixture;
  const calls: Record<string, bigint> = {};
  for (const [i, n] of nodes.slice(0, slots).entries()) {
    const gas = await gasOf(as(swarm, n).registerNode(`store://node-${i}`));
    if (i === 0) calls["registerNode"] = gas;
  }
  for (let id = 1; id <= slots; id++) {
    const gas = await gasOf(as(swarm, admitter).admit(id));
    if (id === 1) calls["admit (first lane of a word)"] = gas;
    if (id === 2) calls["admit (later lane)"] = gas;
  }
  calls["openRound (first, reward pulled)"] = await gasOf(as(swarm, opener).openRound(keccak256("0x01"), "store://q", REWARD));
  const round = 1n;
  const i = await info(g, round);
  await at(i.opensAt);
  for (let s = 0; s < slots; s++) {
    const h = commitHash(g.chainId, g.address, KIND_ANSWER, round, s, answerDigestOf(round, s), saltFor(KIND_ANSWER, round, s));
    const gas = await gasOf(as(swarm, nodes[s]).commitAnswer(round, h));
    if (s === 0) calls["commitAnswer (first of the round)"] = gas;
    if (s === 1) calls["commitAnswer (later)"] = gas;
  }
  await at(i.answerCommitEnd);
  for (let s = 0; s < slots; s++) {
    const gas = await gasOf(
      as(swarm, nodes[s]).revealAnswer(round, answerDigestOf(round, s), saltFor(KIND_ANSWER, round, s), `store://a-${s}`),
    );
    if (s === 1) calls["revealAnswer"] = gas;
  }
  await at(i.answerRevealEnd);
  for (let s = 0; s < slots; s++) {
    const h = commitHash(g.chainId, g.address, KIND_JUDGMENT, round, s, b32(commitmentOf(round, s)), saltFor(KIND_JUDGMENT, round, s));
    const gas = await gasOf(as(swarm, nodes[s]).commitJudgment(round, h));
    if (s === 1) calls["commitJudgment"] = gas;
  }
  await at(i.judgeCommitEnd);
  for (let s = 0; s < slots; s++) {
    const gas = await gasOf(
      as(swarm, nodes[s]).revealJudgment(round, commitmentOf(round, s), saltFor(KIND_JUDGMENT, round, s), `store://j-${s}`),
    );
    if (s === 1) calls["revealJudgment (Poseidon step)"] = gas;
  }
  await at(i.judgeRevealEnd);
  return { g, f, swarm, calibration, nodes, admitter, opener, settler, challenger, calibrator, calls };
}

/** Every lane of every included slot moved to `rep`. */
async function ranking(swarm: Contract, included: number[], rep: bigint, flagged: number[] = []): Promise<Ranking> {
  const words = ((await swarm.reputationWords()) as bigint[]).map((w) => BigInt(w));
  for (const s of included) words[s >> 4] = (words[s >> 4] & ~(0xffffn << BigInt(16 * (s & 15)))) | (rep << BigInt(16 * (s & 15)));
  return {
    round: (await swarm.currentRound()) as bigint,
    winner: 0,
    includedMask: maskOf(included),
    agreeMask: maskOf(included.filter((s) => !flagged.includes(s))),
    flaggedMask: maskOf(flagged),
    newWords: words,
  };
}

const range = (n: number) => Array.from({ length: n }, (_, k) => k);

describe("SwarmReputation gas (logged for the bench)", () => {
  it("costs at most 3,000 gas per extra slot in settleRanking, and logs every call", async () => {
    const settle: Record<string, bigint> = {};
    let calls: Record<string, bigint> = {};
    for (const slots of [8, 16, 32]) {
      const r = await settleReady(slots);
      const res = await ranking(r.swarm, range(slots), 40000n);
      settle[String(slots)] = await gasOf(as(r.swarm, r.settler).settleRanking(res, PROOF));
      if (slots !== 8) continue;
      calls = { ...r.calls, "settleRanking (8 slots, 8 included)": settle["8"] };
      const round = res.round;
      // Finality with the winner and 8 agreeing judges credited.
      await at((await info(r.g, round)).finalAt);
      calls["finalizeRound (winner + 8 judges credited)"] = await gasOf(r.swarm.finalizeRound(round));
      calls["claimRewards"] = await gasOf(as(r.swarm, r.nodes[0]).claimRewards());
      // Round 2: one node commits an answer and does not reveal; a weak proposal is challenged.
      calls["openRound (previous final)"] = await gasOf(as(r.swarm, r.opener).openRound(keccak256("0x02"), "store://q2", REWARD));
      const i2 = await info(r.g, 2n);
      await at(i2.opensAt);
      for (const s of [0, 1, 2]) {
        const h = commitHash(r.g.chainId, r.g.address, KIND_ANSWER, 2n, s, answerDigestOf(2n, s), saltFor(KIND_ANSWER, 2n, s));
        await as(r.swarm, r.nodes[s]).commitAnswer(2n, h);
      }
      await at(i2.answerCommitEnd);
      for (const s of [0, 1])
        await as(r.swarm, r.nodes[s]).revealAnswer(2n, answerDigestOf(2n, s), saltFor(KIND_ANSWER, 2n, s), "store://a");
      await at(i2.answerRevealEnd);
      calls["penalizeNoShow (answer)"] = await gasOf(r.swarm.penalizeNoShow(2n, 2));
      for (const s of [0, 1]) {
        const h = commitHash(r.g.chainId, r.g.address, KIND_JUDGMENT, 2n, s, b32(commitmentOf(2n, s)), saltFor(KIND_JUDGMENT, 2n, s));
        await as(r.swarm, r.nodes[s]).commitJudgment(2n, h);
      }
      await at(i2.judgeCommitEnd);
      for (const s of [0, 1])
        await as(r.swarm, r.nodes[s]).revealJudgment(2n, commitmentOf(2n, s), saltFor(KIND_JUDGMENT, 2n, s), "store://j");
      await at(i2.judgeRevealEnd);
      const weak = await ranking(r.swarm, [0], 30000n);
      calls["settleRanking (8 slots, 1 included)"] = await gasOf(as(r.swarm, r.settler).settleRanking(weak, PROOF));
      const strong = await ranking(r.swarm, [0, 1], 35000n, [1]);
      // The challenger proves on the restored old words: the mock accepts any.
      calls["challengeRanking (restore + apply)"] = await gasOf(
        as(r.swarm, r.challenger).challengeRanking(strong, await proposedBytes(r.g, 2n), PROOF),
      );
      await at((await info(r.g, 2n)).finalAt);
      calls["finalizeRound (one flag)"] = await gasOf(r.swarm.finalizeRound(2n));
      // Round 3 expires unsettled.
      await as(r.swarm, r.opener).openRound(keccak256("0x03"), "store://q3", REWARD);
      const i3 = await info(r.g, 3n);
      await at(i3.judgeRevealEnd);
      calls["releaseRound (expired, refund credited)"] = await gasOf(r.swarm.releaseRound(3n));
      calls["leaveNode (slot freed now)"] = await gasOf(as(r.swarm, r.nodes[7]).leaveNode(8));
      // Calibration of the spare node, then its admission into the freed slot.
      const cal = await r.calibration.getAddress();
      const key = "0x00010203040506070809";
      const salt = keccak256("0x6b6579");
      const enc = AbiCoder.defaultAbiCoder();
      const keyCommitment = keccak256(enc.encode(["uint256", "address", "uint32", "bytes", "bytes32"], [r.g.chainId, cal, 1n, key, salt]));
      calls["openCalibration"] = await gasOf(
        as(r.calibration, r.calibrator).openCalibration(keyCommitment, 10, 7, "store://cal", 600, 600, 600),
      );
      const spare = r.nodes[slots];
      await as(r.swarm, spare).registerNode("store://spare");
      const id = 9n;
      const h = keccak256(
        enc.encode(["uint256", "address", "uint32", "uint32", "bytes", "bytes32"], [r.g.chainId, cal, 1n, id, key, salt]),
      );
      calls["commitCalibration"] = await gasOf(as(r.calibration, spare).commitCalibration(1, h));
      const set = await r.calibration.calibrationSet(1);
      await at(set.commitEnd);
      calls["revealCalibration (10 answers)"] = await gasOf(as(r.calibration, spare).revealCalibration(1, key, salt));
      await at(set.revealEnd);
      calls["revealKey (10 answers)"] = await gasOf(as(r.calibration, r.calibrator).revealKey(1, key, salt));
      calls["claimAdmission (score + admit)"] = await gasOf(as(r.calibration, spare).claimAdmission(1));
    }
    const perSlot16 = (settle["16"] - settle["8"]) / 8n;
    const perSlot32 = (settle["32"] - settle["16"]) / 16n;
    console.log("      gas per call (mock verifier):");
    for (const [k, v] of Object.entries(calls)) console.log(`        ${k.padEnd(44)} ${v}`);
    console.log("      settleRanking by slots (mock verifier; every slot answered and included):");
    for (const [k, v] of Object.entries(settle)) console.log(`        ${k.padStart(2)} slots: ${v}`);
    console.log(`      gas per extra slot: ${perSlot16} (8 -> 16), ${perSlot32} (16 -> 32)`);
    // `npm run bench` can run this test with ZKMERIT_GAS_JSON set and read the figures back.
    const out = process.env.ZKMERIT_GAS_JSON;
    if (out) {
      const str = (o: Record<string, bigint>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.toString()]));
      fs.writeFileSync(
        out,
        JSON.stringify({ calls: str(calls), settle: str(settle), perSlot: { from8: `${perSlot16}`, from16: `${perSlot32}` } }),
      );
    }
    expect(perSlot16 <= 3000n, `per slot 8 -> 16: ${perSlot16}`).to.equal(true);
    expect(perSlot32 <= 3000n, `per slot 16 -> 32: ${perSlot32}`).to.equal(true);
  });
  it("settles 16 and 32 slots with real proofs under 300,000 gas (the bench instances, when built)", async function () {
    // reputation_16 and reputation_32 are bench instances: `npx ts-node scripts/circuits.ts --only
    // reputation_16,reputation_32` builds them (from the key cache in seconds). `npm test` builds only
    // the test and demo sizes, so without them this measurement has nothing to run against.
    const built = (n: number) => readManifest().circuits[`reputation_${n}`] !== undefined;
    if (!built(16) && !built(32)) this.skip();
    const real: Record<string, bigint> = {};
    for (const n of [16, 32].filter(built)) {
      const f = await foundationFixture();
      const { swarm } = await deploySwarm(f, { params: swarmParams({}, n), verifierContract: `Reputation${n}Verifier` });
      const [admitter, opener, settler] = f.others;
      const nodes = await accounts(n);
      await fund(f, [...nodes, opener], swarm);
      await as(swarm, f.admin).grantRole(await swarm.ADMITTER_ROLE(), admitter.address);
      for (const [i, node] of nodes.entries()) await as(swarm, node).registerNode(`store://node-${i}`);
      for (let id = 1; id <= n; id++) await as(swarm, admitter).admit(id);
      const g = {
        ...f,
        swarm,
        nodes,
        opener,
        chainId: (await ethers.provider.getNetwork()).chainId,
        address: await swarm.getAddress(),
      } as unknown as Fixture;
      await as(swarm, opener).openRound(keccak256("0x01"), "store://q", REWARD);
      const slots = range(n);
      // Answers of quality k mod 5; every judge honest.
      const quality = slots.map((k) => (k * 7) % 5);
      const reveals: JudgmentReveal[] = [];
      for (const k of slots) {
        const judgment = { votes: honestVotes(k, quality) };
        reveals.push({ judge: k, commitment: await judgmentCommitment(k, judgment, { nodes: n }), judgment });
      }
      await answer(g, 1n, slots);
      await judge(
        g,
        1n,
        slots,
        reveals.map((r) => r.commitment),
      );
      await at((await info(g, 1n)).judgeRevealEnd);
      const u = await settleRound({
        shape: { nodes: n },
        context: (await swarm.proofContext()) as bigint,
        round: 1n,
        params: { emaRate: 16384n, minAgreement: 32768, prior: Math.ceil(n / 8) },
        answered: new Array<boolean>(n).fill(true),
        oldReputation: new Array<bigint>(n).fill(INITIAL_REP),
        reveals,
        settler: BigInt(settler.address),
      });
      const p = await prove(`reputation_${n}`, buildWitness(u));
      expect(p.publicSignals).to.deep.equal(publicSignals(u));
      const res: Ranking = {
        round: 1n,
        winner: u.trace.winner,
        includedMask: u.trace.includedMask,
        agreeMask: u.trace.agreeMask,
        flaggedMask: u.trace.flaggedMask,
        newWords: [...u.trace.newWords],
      };
      real[String(n)] = await gasOf(as(swarm, settler).settleRanking(res, toSolidityProof(p.proof)));
      expect(await swarm.reputationWords()).to.deep.equal(u.trace.newWords);
    }
    console.log("      settleRanking with the real verifier (every slot answered and included):");
    for (const [k, v] of Object.entries(real)) console.log(`        ${k.padStart(2)} slots: ${v}`);
    const out = process.env.ZKMERIT_GAS_JSON;
    if (out && fs.existsSync(out)) {
      const j = JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, unknown>;
      fs.writeFileSync(out, JSON.stringify({ ...j, real: Object.fromEntries(Object.entries(real).map(([k, v]) => [k, `${v}`])) }));
    }
    if (real["16"] !== undefined) expect(real["16"] <= 300_000n, `16 slots: ${real["16"]}`).to.equal(true);
  });
});
