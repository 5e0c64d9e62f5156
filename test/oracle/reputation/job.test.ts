import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import { parseEventLogs, type Address } from "viem";
import { swarmReputationAbi } from "../../../oracle/core/chain/abi";
import { toSolidityProof, prove } from "../../../oracle/core/prover";
import { logPass } from "../../../oracle/core/chain/logs";
import { readJudgments } from "../../../oracle/reputation/chain";
import { reputationAudit } from "../../../oracle/reputation/audit";
import { buildWitness } from "../../../oracle/reputation/witness";
import { settleRound, unpackRepWord } from "../../../oracle/reputation";
import { swarmAt } from "../../../scripts/deploy/reputation";
import { swarm } from "../../../scripts/reputation/actions";
import { ANSWERS, CORRECT, admittedSwarm, honest, jobFor, playedRound, type TestSwarm } from "../../helpers/reputationSwarm";

// Module 3's oracle job on the in-process network with real reputation_8 proofs: eight admitted
// nodes answer one question (five right), judge honestly, and the job settles what the reference
// computes; it leaves out a judgment whose content it cannot fetch, replaces a proposal that left
// out a judgment it holds, and resumes its journalled proof after a crash.

const N = 8;

async function reference(t: TestSwarm, round: number, leaveOut: number[], settler: Address) {
  const s = swarm(t.ctx(t.owner));
  const info = await s.read.roundInfo([round]);
  const judgments = await readJudgments(await logPass(t.owner.publicClient), t.swarm, round, BigInt(t.d.startBlock));
  return settleRound({
    shape: { nodes: N },
    context: await s.read.proofContext(),
    round: BigInt(round),
    params: { emaRate: 16384n, minAgreement: 32768, prior: 1 },
    answered: Array.from({ length: N }, (_, k) => ((info.answeredMask >> BigInt(k)) & 1n) === 1n),
    oldReputation: (await s.read.reputationWords()).flatMap(unpackRepWord).slice(0, N),
    reveals: judgments.map((j) => ({
      judge: j.slot,
      commitment: j.commitment,
      ...(leaveOut.includes(j.slot) ? {} : { judgment: honest(j.slot) }),
    })),
    settler: BigInt(settler),
  });
}

describe("oracle/reputation/job", function () {
  this.timeout(600_000);
  const fixture = () => admittedSwarm("reputation_8", N);

  it("settles the round with what the reference computes, leaving out a judgment whose content it cannot fetch", async () => {
    const t = await loadFixture(fixture);
    const { round } = await playedRound(t, [3]);
    const expected = await reference(t, round, [3], t.oracle.account.address);
    const job = jobFor(t);
    await job.preflight();
    const r = await job.tick();
    expect(r.errors).to.deep.equal([]);
    expect(r.settled).to.have.length(1);
    expect(r.settled[0].unavailable).to.deep.equal([3]);
    expect(r.settled[0].included).to.equal(N - 1);
    const info = await swarm(t.ctx(t.owner)).read.roundInfo([round]);
    expect(info.includedMask).to.equal(expected.trace.includedMask);
    expect(info.winner).to.equal(expected.trace.winner);
    expect(ANSWERS[info.winner]).to.equal(CORRECT);
    expect(await swarm(t.ctx(t.owner)).read.reputationWords()).to.deep.equal([...expected.trace.newWords]);
    // Past the challenge window the job finalizes the round itself; the audit replays it clean.
    await t.mineTo(info.finalAt);
    const f = await job.tick();
    expect(f.finalized.map((x) => x.round)).to.deep.equal([round]);
    const audit = await reputationAudit.run(
      { client: t.owner.publicClient, chainId: t.owner.chain.id, deployments: t.d, store: t.store },
      { round },
    );
    expect(audit.verdict, JSON.stringify(audit.checks)).to.equal("pass");
  });

  it("a settler who leaves out an honest judge's judgment is replaced by the oracle's proof that includes it", async () => {
    const t = await loadFixture(fixture);
    const { round } = await playedRound(t);
    const honestAll = await reference(t, round, [], t.oracle.account.address);
    const cheat = t.spare[0];
    await setBalance(cheat.account.address, 10n ** 20n);
    // The cheat proves the round without judge 6 (a judge whose weight it wants gone) and settles first.
    const s = await reference(t, round, [6], cheat.account.address);
    const proof = toSolidityProof((await prove("reputation_8", buildWitness(s))).proof);
    const tr = s.trace;
    await swarmAt(cheat, t.swarm).send("settleRanking", [
      {
        round,
        winner: tr.winner,
        includedMask: tr.includedMask,
        agreeMask: tr.agreeMask,
        flaggedMask: tr.flaggedMask,
        newWords: [...tr.newWords],
      },
      proof,
    ]);
    const r = await jobFor(t).tick();
    expect(r.errors).to.deep.equal([]);
    expect(r.observed.map((x) => x.settler.toLowerCase())).to.deep.equal([cheat.account.address.toLowerCase()]);
    expect(r.challenged).to.have.length(1);
    expect(r.challenged[0]).to.include({ round, included: N, replacedIncluded: N - 1 });
    const info = await swarm(t.ctx(t.owner)).read.roundInfo([round]);
    expect(info.settler.toLowerCase()).to.equal(t.oracle.account.address.toLowerCase());
    expect(info.includedMask).to.equal((1n << BigInt(N)) - 1n);
    // The replacement was proven on the reputations before the cheat's proposal, restored by the contract.
    expect(await swarm(t.ctx(t.owner)).read.reputationWords()).to.deep.equal([...honestAll.trace.newWords]);
  });

  it("a crash after proving loses nothing: the restarted oracle sends the journalled proof without proving again", async () => {
    const t = await loadFixture(fixture);
    const { round } = await playedRound(t);
    const journalDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-journal-"));
    // No ether: the proof is journalled, then sending fails.
    await setBalance(t.oracle.account.address, 0n);
    const first = await jobFor(t, { journalDir }).tick();
    expect(first.errors).to.have.length(1);
    expect(fs.readdirSync(journalDir).length).to.be.greaterThan(0);
    await setBalance(t.oracle.account.address, 10n ** 20n);
    const second = await jobFor(t, { journalDir }).tick();
    expect(second.errors).to.deep.equal([]);
    expect(second.settled).to.have.length(1);
    expect(second.settled[0].reusedProof).to.equal(true);
    const events = parseEventLogs({
      abi: swarmReputationAbi,
      logs: await hre.network.provider
        .request({ method: "eth_getLogs", params: [{ address: t.swarm, fromBlock: "0x0" }] })
        .then((l) => l as never),
    });
    expect(events.filter((e) => e.eventName === "RankingProposed" && e.args.round === round)).to.have.length(1);
  });
});
