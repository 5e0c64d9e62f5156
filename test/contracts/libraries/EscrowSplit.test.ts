import hre from "hardhat";
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Contract } from "ethers";

async function splitFixture() {
  const harness = (await (await hre.ethers.getContractFactory("EscrowSplitHarness")).deploy()) as unknown as Contract;
  return { harness };
}

interface Counters {
  budget: bigint;
  fee: bigint;
  numRounds: bigint;
  round: bigint;
  endRound: bigint;
  paidRounds: bigint;
  lastRoundPaid: boolean;
  settledRounds: bigint;
}

const split = async (h: Contract, c: Counters) =>
  ((await h.split(c.budget, c.fee, c.numRounds, c.round, c.endRound, c.paidRounds, c.lastRoundPaid, c.settledRounds)) as bigint[]).map(
    BigInt,
  );

/** Counters a schedule can reach: round <= endRound <= numRounds, paid <= settled <= resolved rounds. */
const counters = fc
  .record({
    budget: fc.bigInt({ min: 1n, max: 2n ** 100n }),
    fee: fc.bigInt({ min: 0n, max: 2n ** 100n }),
    numRounds: fc.bigInt({ min: 1n, max: 2n ** 16n - 1n }),
    a: fc.double({ min: 0, max: 1, noNaN: true }),
    b: fc.double({ min: 0, max: 1, noNaN: true }),
    c: fc.double({ min: 0, max: 1, noNaN: true }),
    d: fc.double({ min: 0, max: 1, noNaN: true }),
    last: fc.boolean(),
  })
  .map(({ budget, fee, numRounds, a, b, c, d, last }): Counters => {
    const frac = (x: number, of: bigint) => (of * BigInt(Math.floor(x * 1_000_000))) / 1_000_000n;
    const endRound = numRounds - frac(a, numRounds);
    const round = frac(b, endRound);
    const settledRounds = frac(c, round);
    const paidRounds = frac(d, settledRounds);
    // The last round is paid only if it resolved (round == numRounds) and was paid.
    const lastRoundPaid = last && paidRounds > 0n && round === numRounds && endRound === numRounds;
    return { budget, fee, numRounds, round, endRound, paidRounds, lastRoundPaid, settledRounds };
  });

describe("EscrowSplit", () => {
  describe("# roundReward", () => {
    it("pays floor(budget / numRounds) per round and the remainder in the last", async () => {
      const { harness } = await loadFixture(splitFixture);
      expect(await harness.roundReward(902n, 3n, 0n)).to.equal(300n);
      expect(await harness.roundReward(902n, 3n, 1n)).to.equal(300n);
      expect(await harness.roundReward(902n, 3n, 2n)).to.equal(302n);
      expect(await harness.roundReward(5n, 1n, 0n)).to.equal(5n);
      expect(await harness.roundReward(2n, 7n, 6n), "a budget below the round count goes to the last round").to.equal(2n);
    });

    it("sums to the budget over all rounds", async () => {
      const { harness } = await loadFixture(splitFixture);
      for (const [budget, n] of [
        [900n + 2n, 3n],
        [1n, 4n],
        [10n ** 24n + 7n, 13n],
      ]) {
        let sum = 0n;
        for (let k = 0n; k < n; k++) sum += (await harness.roundReward(budget, n, k)) as bigint;
        expect(sum, `budget ${budget} over ${n} rounds`).to.equal(budget);
      }
    });
  });

  describe("# split", () => {
    it("keeps everything pending before the first round and refundable once cancelled before it", async () => {
      const { harness } = await loadFixture(splitFixture);
      const c: Counters = {
        budget: 902n,
        fee: 5n,
        numRounds: 3n,
        round: 0n,
        endRound: 3n,
        paidRounds: 0n,
        lastRoundPaid: false,
        settledRounds: 0n,
      };
      expect(await split(harness, c)).to.deep.equal([0n, 0n, 902n + 15n, 0n]);
      expect(await split(harness, { ...c, endRound: 0n })).to.deep.equal([0n, 902n + 15n, 0n, 0n]);
    });

    it("counts a paid round as distributed and its fee as paid, the last round with its remainder", async () => {
      const { harness } = await loadFixture(splitFixture);
      const c: Counters = {
        budget: 902n,
        fee: 5n,
        numRounds: 3n,
        round: 1n,
        endRound: 3n,
        paidRounds: 1n,
        lastRoundPaid: false,
        settledRounds: 1n,
      };
      expect(await split(harness, c)).to.deep.equal([300n, 0n, 2n * 305n + 2n, 5n]);
      // Round 1 expired (refundable, fee too), round 2 paid: the remainder is distributed.
      expect(await split(harness, { ...c, round: 3n, paidRounds: 2n, lastRoundPaid: true, settledRounds: 2n })).to.deep.equal([
        602n,
        305n,
        0n,
        10n,
      ]);
      // Cancelled after round 1: round 2's reward (with the remainder) and fee are refundable, not pending.
      expect(await split(harness, { ...c, round: 2n, endRound: 2n, settledRounds: 2n, paidRounds: 2n })).to.deep.equal([
        600n,
        302n + 5n,
        0n,
        10n,
      ]);
    });

    it("always sums distributed + refundable + pending + feesPaid to budget + numRounds * fee", async () => {
      const { harness } = await loadFixture(splitFixture);
      await fc.assert(
        fc.asyncProperty(counters, async (c) => {
          const [distributed, refundable, pending, feesPaid] = await split(harness, c);
          expect(distributed + refundable + pending + feesPaid).to.equal(c.budget + c.numRounds * c.fee);
          expect(feesPaid).to.equal(c.fee * c.settledRounds);
          expect(distributed <= c.budget).to.equal(true);
        }),
        { numRuns: 150 },
      );
    });
  });
});
