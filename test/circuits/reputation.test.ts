import { expect } from "chai";
import fc from "fast-check";
import type { WasmTester } from "circom_tester";
import { poseidon, toField } from "../../oracle/core/field";
import {
  PREFER_FIRST,
  STRENGTH_SCALE,
  accStep,
  buildWitness,
  checkStrengths,
  emaStep,
  pairSchedule,
  priorWeight,
  headerTag,
  roundHeader,
  settleRound,
  type RoundInput,
  type RoundSettlement,
  type ReputationWitness,
} from "../../oracle/reputation";

import { constraintCount, expectFail, expectPass, expectTamperedFails, signalIndex, templateTester } from "../helpers/circuit";
import { CONTEXT, PARAMS, SHAPE, contraryVotes, honestVotes, reveal, revealAll, roundArb, roundOf } from "../helpers/reputation";
import { QUALITY, decodeRound, type GoldenRound } from "./vectors/generateReputation";
import vectors from "./vectors/reputation.json";

const FILE = "reputation/reputation.circom";
const PUBLICS = ["outHash", "acc", "settler"];
const RUNS = Number(process.env.ZKMERIT_FC_RUNS ?? 15);
const N = SHAPE.nodes;

const tester = () => templateTester(FILE, "Reputation", [N], PUBLICS);

/** Proves the reference's witness satisfies the circuit; returns the settlement, the witness and its input. */
async function prove(t: WasmTester, input: RoundInput): Promise<{ s: RoundSettlement; w: bigint[]; witness: ReputationWitness }> {
  const s = await settleRound(input);
  const witness = buildWitness(s);
  return { s, w: await expectPass(t, witness), witness };
}

/**
 * The circuit's values equal the reference's: the live pairs' weighted wins (7), each pair's expected
 * wins of its second node and each slot's tolerance (9), the agreements through emaRate (agreement -
 * oldRep) (11), the threshold test (12) and the EMA quotients (13). The posted winner, masks and words
 * themselves are bound through outHash, which the callers check; --O2 folds many other signals away.
 */
async function expectValues(t: WasmTester, w: bigint[], s: RoundSettlement): Promise<void> {
  const at = async (name: string) => w[await signalIndex(t, name)];
  const { trace } = s;
  for (const [e, [a, b]] of pairSchedule(N).entries()) {
    const total = trace.winsFirst[e] + trace.winsSecond[e];
    const prior = priorWeight(s.input.params);
    expect(await at(`main.liveFirst[${e}]`)).to.equal(trace.winsFirst[e] - prior);
    expect(await at(`main.expectedSecond[${e}]`)).to.equal((total * trace.strengths[b]) / (trace.strengths[a] + trace.strengths[b]));
  }
  for (let k = 0; k < N; k++) {
    const old = s.input.oldReputation[k];
    const rate = s.input.params.emaRate;
    expect(await at(`main.tolerance[${k}]`)).to.equal(trace.check.tolerance[k]);
    expect(await at(`main.repProd[${k}]`)).to.equal(toField(rate * (trace.agreement[k] - old)));
    expect(await at(`main.belowThreshold[${k}]`)).to.equal(trace.agreement[k] < BigInt(s.input.params.minAgreement) ? 1n : 0n);
    expect(await at(`main.ema[${k}].q`)).to.equal(toField(emaStep(old, trace.agreement[k], rate) - old));
  }
}

/** Moves `delta` units of strength from slot `to`'s donor `from` to slot `to` (the sum is kept). */
function moved(witness: ReputationWitness, to: number, from: number, delta: bigint): ReputationWitness {
  const strength = witness.strength.slice();
  strength[to] = (BigInt(strength[to]) + delta).toString();
  strength[from] = (BigInt(strength[from]) - delta).toString();
  return { ...witness, strength };
}

/** The largest delta >= 0 for which moving delta from `from` to `to` still passes step 9 (by the reference's check). */
function largestAccepted(s: RoundSettlement, to: number, from: number, sign: bigint): bigint {
  const ok = (d: bigint) => {
    const p = s.trace.strengths.slice();
    p[to] += sign * d;
    p[from] -= sign * d;
    return checkStrengths(N, s.trace.winsFirst, s.trace.winsSecond, p).ok;
  };
  let lo = 0n;
  let hi = 1n;
  while (ok(hi)) {
    lo = hi;
    hi *= 2n;
  }
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

describe("circuits/reputation (Reputation)", () => {
  describe("# golden vectors", () => {
    for (const v of vectors as GoldenRound[]) {
      it(`${v.name}: the reference and the circuit give the pinned strengths, winner, masks, words and public inputs`, async () => {
        const s = await settleRound(decodeRound(v));
        expect(s.trace.strengths.map(String)).to.deep.equal(v.strengths);
        expect(s.trace.winner).to.equal(v.winner);
        expect(s.trace.newWords.map(String)).to.deep.equal(v.newWords);
        expect(s.trace.answeredMask.toString()).to.equal(v.answeredMask);
        expect(s.trace.includedMask.toString()).to.equal(v.includedMask);
        expect(s.trace.agreeMask.toString()).to.equal(v.agreeMask);
        expect(s.trace.flaggedMask.toString()).to.equal(v.flaggedMask);
        expect(s.publicInputs.outHash.toString()).to.equal(v.outHash);
        expect(s.publicInputs.acc.toString()).to.equal(v.acc);
        const t = await tester();
        await expectPass(t, buildWitness(s));
      });
    }
  });

  describe("# the rule in the circuit", () => {
    it("computes the reference's tolerances, agreements, flags and reputations for a round with a contrary judge", async () => {
      const t = await tester();
      const input = roundOf(await revealAll((k) => (k === 3 ? contraryVotes(k, QUALITY) : honestVotes(k, QUALITY))));
      const { s, w } = await prove(t, input);
      await expectValues(t, w, s);
      expect(s.trace.winner).to.equal(5);
      expect(s.trace.flagged).to.deep.equal([false, false, false, true, false, false, false, false]);
    });

    it("proves a round without reveals, one whose reveals are all withheld, and one where nobody answered (winner N)", async () => {
      const t = await tester();
      const empty = await prove(t, roundOf([]));
      expect(empty.s.trace.newWords).to.deep.equal(empty.s.trace.oldWords);
      const reveals = await revealAll((k) => honestVotes(k, QUALITY));
      const withheld = await prove(t, roundOf(reveals.map((r) => ({ judge: r.judge, commitment: r.commitment }))));
      expect(withheld.s.trace.includedMask).to.equal(0n);
      const silent = await prove(t, roundOf(reveals, { answered: new Array<boolean>(N).fill(false) }));
      expect(silent.s.trace.winner).to.equal(N);
      expect(silent.s.trace.observed.some(Boolean)).to.equal(false);
    });

    it("proves the boundaries: rate 2^16, minAgreement 65535, prior 1 (8 prior = N) and 255, reputations 0 and 65535", async () => {
      const t = await tester();
      const reveals = await revealAll((k) => (k === 2 ? contraryVotes(k, QUALITY) : honestVotes(k, QUALITY)));
      const reps = Array.from({ length: N }, (_, k) => (k % 2 ? 65535n : 0n));
      for (const prior of [1, 255]) {
        const { s } = await prove(t, roundOf(reveals, { oldReputation: reps, params: { emaRate: 65536n, minAgreement: 65535, prior } }));
        // At rate 1 the reputation jumps to the agreement: the contrary judge's is what its tie votes
        // (on the equally good slots 0 and 7) earn, 2 halves of 2 x 18 (9 pairs in both orders).
        expect(s.trace.newReputation).to.deep.equal(s.trace.agreement);
        expect(s.trace.agreement[2]).to.equal((65535n * 2n) / 36n);
        expect(s.trace.flagged.filter(Boolean).length).to.be.greaterThan(0);
      }
    });
  });

  describe("# properties", () => {
    it("the circuit accepts exactly the reference's public inputs on random rounds", async () => {
      const t = await tester();
      await fc.assert(
        fc.asyncProperty(roundArb, async (make) => {
          const input = await make;
          const { s, w, witness } = await prove(t, input);
          await expectValues(t, w, s);
          // Any other outHash is rejected: the winner, masks and words are bound.
          await expectFail(t, { ...witness, outHash: (s.publicInputs.outHash ^ 1n).toString() });
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe("# soundness", () => {
    it("(9) the tolerance is tight: strengths moved by the largest accepted step pass, one unit more fails, for the winner and the weakest", async () => {
      const t = await tester();
      const { s, witness } = await prove(t, roundOf(await revealAll((k) => honestVotes(k, QUALITY))));
      // Slot 5 is the strongest, slot 2 the weakest; the donor is the slot opposite (cross pair).
      for (const [to, from] of [
        [5, 1],
        [2, 6],
      ]) {
        for (const sign of [1n, -1n]) {
          const d = largestAccepted(s, to, from, sign);
          await expectPass(t, moved(witness, to, from, sign * d));
          await expectFail(t, moved(witness, to, from, sign * (d + 1n)));
          // The band is narrow: under 2^-16 of the strength moved (2^-17 to 2^-20 here).
          expect(d > 0n && d * (1n << 16n) < s.trace.strengths[to]).to.equal(true);
        }
      }
    });

    it("(8) the sum may fall short of N 2^64 by at most N - 1", async () => {
      const t = await tester();
      const { s, witness } = await prove(t, roundOf(await revealAll((k) => honestVotes(k, QUALITY))));
      const shortfall = s.trace.check.shortfall;
      const shift = (by: bigint) => {
        const strength = witness.strength.slice();
        strength[5] = (BigInt(strength[5]) + by).toString();
        return { ...witness, strength };
      };
      await expectPass(t, shift(shortfall - BigInt(N - 1)));
      await expectFail(t, shift(shortfall - BigInt(N)));
      await expectPass(t, shift(shortfall));
      await expectFail(t, shift(shortfall + 1n));
      // A strength of 0 is rejected even when the sum matches.
      const strength = witness.strength.slice();
      strength[1] = (BigInt(strength[1]) + BigInt(strength[0])).toString();
      strength[0] = "0";
      await expectFail(t, { ...witness, strength });
    });

    it("(10) any other winner is rejected, an exact tie goes to the lowest answered slot, and winner N needs that nobody answered", async () => {
      const t = await tester();
      const { witness } = await prove(t, roundOf(await revealAll((k) => honestVotes(k, QUALITY))));
      for (let i = 0; i <= N; i++) if (i !== 5) await expectFail(t, { ...witness, winner: String(i) });
      const ties = await revealAll((k) => honestVotes(k, new Array<number>(N).fill(1)));
      const tied = await prove(t, roundOf(ties));
      expect(tied.s.trace.strengths.every((p) => p === STRENGTH_SCALE)).to.equal(true);
      expect(tied.s.trace.winner).to.equal(0);
      await expectFail(t, { ...tied.witness, winner: "1" });
      // Slot 0 gave no answer: slot 1 wins the tie, and slot 0 cannot.
      const answered = [false, ...new Array<boolean>(N - 1).fill(true)];
      const skip = await prove(t, roundOf(ties, { answered }));
      expect(skip.s.trace.winner).to.equal(1);
      await expectFail(t, { ...skip.witness, winner: "0" });
    });

    it("(7) (9) (11) (12) (13) a weight, a win count, an expected win, a tolerance, an agreement, a flag or an EMA quotient edited in the witness is rejected", async () => {
      const t = await tester();
      const input = roundOf(await revealAll((k) => (k === 3 ? contraryVotes(k, QUALITY) : honestVotes(k, QUALITY))));
      const { w } = await prove(t, input);
      for (const name of [
        "main.weight[2]",
        "main.liveFirst[0]",
        "main.liveTotal[9]",
        "main.expectedSecond[4]",
        "main.exactDiv[4]",
        "main.tolerance[2]",
        "main.repProd[3]",
        "main.agreement[0].r",
        "main.belowThreshold[3]",
        "main.flagged[3]",
        "main.agrees[0]",
        "main.judgedZero[6]",
        "main.ema[1].q",
        "main.firstBelow[0]",
        "main.sameStrength[1]",
      ]) {
        const i = await signalIndex(t, name);
        await expectTamperedFails(t, w, i, w[i] + 1n);
      }
    });

    it("(5) a self-judgment, a preference of 4, a content that does not match its commitment and an included slot that never revealed are rejected", async () => {
      const t = await tester();
      const reveals = await revealAll((k) => honestVotes(k, QUALITY));
      // Slot 7 does not reveal.
      const { witness } = await prove(t, roundOf(reveals.slice(0, 7)));
      const withPref = (k: number, c: number, v: string) => {
        const pref = witness.pref.map((row) => row.slice());
        pref[k][c] = v;
        return { ...witness, pref };
      };
      // Comparison 0 is pair (0, 1) shown in order: slot 7 is not included, so its preferences are free but for its own pairs.
      await expectPass(t, withPref(7, 0, String(PREFER_FIRST)));
      await expectFail(t, withPref(7, 0, "4"));
      // Comparison 12 is pair (6, 7): slot 7's own.
      await expectFail(t, withPref(7, 12, String(PREFER_FIRST)));
      // Slot 0 is included: any edit breaks its commitment.
      await expectFail(t, withPref(0, 2, "2"));
      const included = witness.included.slice();
      included[7] = "1";
      await expectFail(t, { ...witness, included });
    });

    it("(3) (4) two reveals by one judge, a count other than acc's, count > N and a judge slot >= N are rejected", async () => {
      const t = await tester();
      const reveals = await revealAll((k) => honestVotes(k, QUALITY));
      const withheld = reveals.slice(0, 2).map((r) => ({ judge: r.judge, commitment: r.commitment }));
      const { witness } = await prove(t, roundOf(withheld));
      const header = await roundHeader(SHAPE, CONTEXT, 7n, PARAMS);
      const acc = await accStep(await accStep(header, 0, withheld[0].commitment), 0, withheld[1].commitment);
      await expectFail(t, { ...witness, judge: ["0", "0", ...witness.judge.slice(2)], acc: acc.toString() });
      await expectFail(t, { ...witness, count: "1" });
      const far = await accStep(header, N, withheld[0].commitment);
      await expectFail(t, { ...witness, count: "1", judge: [String(N), ...witness.judge.slice(1)], acc: far.toString() });
      const full = await prove(t, roundOf(reveals));
      await expectFail(t, { ...full.witness, count: String(N + 1) });
    });

    it("(1) rule parameters out of range are rejected even with a matching acc", async () => {
      const t = await tester();
      // A round without reveals: its results do not depend on the parameters.
      const { witness } = await prove(t, roundOf([]));
      for (const [rate, min, prior, ok] of [
        [65536n, 65535n, 1n, true],
        [65537n, 0n, 1n, false],
        [0n, 0n, 0n, false],
        [0n, 0n, 255n, true],
      ] as const) {
        const ruleParams = rate + (min << 17n) + (prior << 33n);
        const acc = await poseidon([headerTag(SHAPE), CONTEXT, 7n, ruleParams]);
        const w = { ...witness, ruleParams: ruleParams.toString(), acc: acc.toString() };
        if (ok) await expectPass(t, w);
        else await expectFail(t, w);
      }
      // Another header than acc's is rejected: a proof is for the round's parameters.
      await expectFail(t, { ...witness, ruleParams: (BigInt(witness.ruleParams) + 1n).toString() });
      await expectFail(t, { ...witness, round: "8" });
    });

    it("(6) (15) an old reputation of 2^16, an answered flag of 2 and a settler of 2^160 are rejected", async () => {
      const t = await tester();
      const { witness } = await prove(t, roundOf([await reveal(1, honestVotes(1, QUALITY))]));
      await expectFail(t, { ...witness, oldRep: ["65536", ...witness.oldRep.slice(1)] });
      await expectFail(t, { ...witness, answered: ["2", ...witness.answered.slice(1)] });
      await expectFail(t, { ...witness, settler: (1n << 160n).toString() });
    });
  });

  it(`Reputation(${N}) has a pinned constraint count`, async () => {
    const t = await tester();
    expect(await constraintCount(t)).to.equal(63_428);
  });
});
