import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Contract } from "ethers";
import {
  admittedFixture,
  answer,
  as,
  at,
  info,
  judge,
  maskOf,
  openRound,
  rankingOf,
  settle,
  toFinal,
  type Fixture,
} from "../helpers/reputationFixtures";

// Random rounds against the swarm (rewards, who answers and judges, settled or left to expire, who
// agrees and who is flagged, who claims): after every resolved round the swarm's token balance is
// exactly what it has credited and not paid; after everyone claims it holds nothing. Set FC_SEED
// (and FC_RUNS) to replay a failure.

const slotsOf = (mask: number) => [0, 1, 2, 3, 4, 5, 6, 7].filter((s) => (mask >> s) & 1);

interface RoundPlan {
  reward: number;
  answered: number;
  judges: number;
  settled: boolean;
  agree: number;
  flagged: number;
  winnerPick: number;
  claims: number;
}

const planArb: fc.Arbitrary<RoundPlan> = fc.record({
  reward: fc.integer({ min: 0, max: 10_000 }),
  answered: fc.integer({ min: 0, max: 255 }),
  judges: fc.integer({ min: 0, max: 255 }),
  settled: fc.boolean(),
  agree: fc.integer({ min: 0, max: 255 }),
  flagged: fc.integer({ min: 0, max: 255 }),
  winnerPick: fc.nat(7),
  claims: fc.integer({ min: 0, max: 511 }),
});

async function credited(g: Fixture): Promise<bigint> {
  let sum = 0n;
  for (const a of [...g.nodes, g.opener]) sum += (await g.swarm.pendingRewards(a.address)) as bigint;
  return sum;
}

describe("SwarmReputation reward conservation (property)", () => {
  it("holds exactly the credited rewards after each round and nothing once everyone claimed", async () => {
    const runs = Number(process.env.FC_RUNS ?? 12);
    await fc.assert(
      fc.asyncProperty(fc.array(planArb, { minLength: 1, maxLength: 4 }), async (plans) => {
        const g = await loadFixture(admittedFixture);
        const token = g.token as unknown as Contract;
        const balance = async () => (await token.balanceOf(g.address)) as bigint;
        for (const p of plans) {
          const round = await openRound(g, BigInt(p.reward));
          const answered = slotsOf(p.answered);
          const judges = slotsOf(p.judges);
          if (answered.length) await answer(g, round, answered);
          if (judges.length) await judge(g, round, judges);
          expect(await balance()).to.equal((await credited(g)) + BigInt(p.reward));
          if (p.settled && judges.length) {
            await at((await info(g, round)).judgeRevealEnd);
            const flagged = judges.filter((s) => (p.flagged >> s) & 1);
            const agree = judges.filter((s) => (p.agree >> s) & 1 && !flagged.includes(s));
            const winner = answered.length ? answered[p.winnerPick % answered.length] : 8;
            await settle(g, await rankingOf(g, round, { included: judges, agree, flagged, winner }));
            await toFinal(g, round);
            await g.swarm.finalizeRound(round);
            const i = await info(g, round);
            expect([i.agreeMask, i.flaggedMask]).to.deep.equal([maskOf(agree), maskOf(flagged)]);
          } else {
            await at((await info(g, round)).settlementDeadline);
            await g.swarm.releaseRound(round);
          }
          expect(await balance()).to.equal(await credited(g));
          for (const [k, a] of [...g.nodes, g.opener].entries()) {
            if ((p.claims >> k) & 1 && (await g.swarm.pendingRewards(a.address)) > 0n) await as(g.swarm, a).claimRewards();
          }
          expect(await balance()).to.equal(await credited(g));
        }
        for (const a of [...g.nodes, g.opener]) if ((await g.swarm.pendingRewards(a.address)) > 0n) await as(g.swarm, a).claimRewards();
        expect(await balance()).to.equal(0n);
      }),
      { numRuns: runs, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) },
    );
  });
});
