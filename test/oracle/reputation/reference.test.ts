import { expect } from "chai";
import fc from "fast-check";
import { isZkMeritError } from "../../../oracle/core/errors";
import {
  PREFER_FIRST,
  PREFER_SECOND,
  PREF_TIE,
  REP_MAX,
  STRENGTH_SCALE,
  checkStrengths,
  comparisonIndex,
  emaStep,
  encodeJudgment,
  fitBradleyTerryFloat,
  fitStrengths,
  outBytes,
  packRepWord,
  packRuleParams,
  pairSchedule,
  priorWeight,
  repWords,
  settleRound,
  unpackRepWord,
  unpackRuleParams,
  type JudgmentReveal,
  type RoundInput,
  type Vote,
} from "../../../oracle/reputation";
import {
  HALF,
  PARAMS,
  SHAPE,
  contraryVotes,
  honestVotes,
  reveal,
  revealAll,
  ringVotes,
  roundArb,
  roundOf,
  votesBy,
} from "../../helpers/reputation";

/** Answer qualities: slot 5 best, slot 2 worst. */
const QUALITY = [3, 4, 0, 2, 5, 6, 1, 3];
const N = SHAPE.nodes;

async function rejects(p: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<void> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(isZkMeritError(e), String(e)).to.equal(true);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected an error matching ${pattern}`);
}

/** A deterministic pseudo-random judge: a preference from a linear congruential sequence per comparison. */
function randomVotes(judge: number, seed: number): Vote[] {
  let x = seed;
  return votesBy(judge, N, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return 1 + (x % 3);
  });
}

/** Random win matrices: per pair a judged weight up to that of N - 2 full-reputation judges, split at random, plus the prior. */
const winsArb = fc
  .record({
    n: fc.constantFrom(8, 16, 16, 32),
    priorMul: fc.integer({ min: 1, max: 4 }),
    split: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
      minLength: 48,
      maxLength: 48,
    }),
    skew: fc.constantFrom(1, 2, 4),
  })
  .map(({ n, priorMul, split, skew }) => {
    const prior = priorWeight({ emaRate: 0n, minAgreement: 0, prior: Math.ceil(n / 8) * priorMul });
    const cap = 4 * (n - 2) * Number(REP_MAX);
    const winsFirst: bigint[] = [];
    const winsSecond: bigint[] = [];
    pairSchedule(n).forEach((_, e) => {
      const total = Math.floor(split[e][0] * cap);
      const first = Math.floor(total * split[e][1] ** skew);
      winsFirst.push(prior + BigInt(first));
      winsSecond.push(prior + BigInt(total - first));
    });
    return { n, winsFirst, winsSecond };
  });

describe("oracle/reputation/reference", () => {
  describe("# the fixed-point MM fit (rule 8, 9)", () => {
    it("agrees with a plain floating-point MM fit within 2^-24 relative, and passes the circuit's check, on random win matrices", () => {
      fc.assert(
        fc.property(winsArb, ({ n, winsFirst, winsSecond }) => {
          const { strengths } = fitStrengths(n, winsFirst, winsSecond);
          expect(checkStrengths(n, winsFirst, winsSecond, strengths).ok).to.equal(true);
          const float = fitBradleyTerryFloat(
            n,
            pairSchedule(n).map(([a, b], e) => ({ a, b, winsA: Number(winsFirst[e]), winsB: Number(winsSecond[e]) })),
          );
          expect(float.converged).to.equal(true);
          const fixed = strengths.map((p) => Number(p) / Number(STRENGTH_SCALE));
          fixed.forEach((x, i) => expect(Math.abs(x - float.strengths[i]) / float.strengths[i]).to.be.lessThan(2 ** -24));
          // The winner is the float fit's argmax unless the top two are within 2^-20 of each other.
          const sorted = [...float.strengths].sort((x, y) => y - x);
          if ((sorted[0] - sorted[1]) / sorted[0] > 2 ** -20) {
            const top = (xs: number[]) => xs.indexOf(Math.max(...xs));
            expect(top(fixed)).to.equal(top(float.strengths));
          }
        }),
        { numRuns: 60 },
      );
    });

    it("sums to N 2^64 within N - 1 units, from the exact rational MM step", () => {
      const wf = pairSchedule(N).map((_, e) => 1_000_000n + BigInt(e) * 77_777n);
      const ws = pairSchedule(N).map((_, e) => 3_000_000n - BigInt(e) * 55_555n);
      const { strengths, iterations } = fitStrengths(N, wf, ws);
      const shortfall = BigInt(N) * STRENGTH_SCALE - strengths.reduce((s, p) => s + p, 0n);
      expect(shortfall >= 0n && shortfall < BigInt(N)).to.equal(true);
      expect(iterations).to.be.greaterThan(1);
    });

    it("the circuit's check rejects a strength moved far from the fit and accepts the fit (rule 9)", () => {
      const wf = pairSchedule(N).map((_, e) => 2_000_000n + BigInt(e) * 100_000n);
      const ws = pairSchedule(N).map(() => 2_000_000n);
      const { strengths } = fitStrengths(N, wf, ws);
      const c = checkStrengths(N, wf, ws, strengths);
      expect(c.ok).to.equal(true);
      c.residual.forEach((r, i) => expect(r < 0n ? -r : r).to.be.lessThanOrEqual(c.tolerance[i]));
      const off = strengths.slice();
      off[0] += strengths[0] >> 10n;
      off[1] -= strengths[0] >> 10n;
      expect(checkStrengths(N, wf, ws, off).ok).to.equal(false);
    });
  });

  describe("# stories", () => {
    it("with honest judges the best answer wins, the strengths follow the qualities on every scheduled pair, and every judge agrees (rule 10, 11)", async () => {
      const s = await settleRound(roundOf(await revealAll((k) => honestVotes(k, QUALITY))));
      expect(s.trace.winner).to.equal(5);
      const p = s.trace.strengths;
      for (const [a, b] of pairSchedule(N)) if (QUALITY[a] !== QUALITY[b]) expect(p[a] > p[b]).to.equal(QUALITY[a] > QUALITY[b]);
      // Pairs never compared are inferred through the schedule's graph, and may come out either way:
      // slot 6 (quality 1) and slot 3 (quality 2) each beat only slot 2, and slot 6 lost to stronger slots.
      expect(p[6] > p[3]).to.equal(true);
      expect(s.trace.flagged.some(Boolean)).to.equal(false);
      expect(s.trace.agrees.every(Boolean)).to.equal(true);
    });

    it("a colluding minority ring cannot make its member win when honest reputation outweighs it, and loses reputation round after round", async () => {
      // The ring {1, 2, 6} promotes its members; its best member (slot 1) has the third-best answer.
      const ring = new Set([1, 2, 6]);
      const reveals = await revealAll((k) => (ring.has(k) ? ringVotes(k, QUALITY, ring) : honestVotes(k, QUALITY)));
      let reps: bigint[] = new Array<bigint>(N).fill(HALF);
      for (let r = 0; r < 4; r++) {
        const s = await settleRound(roundOf(reveals, { oldReputation: reps, round: BigInt(r) }));
        expect(s.trace.winner).to.equal(5);
        for (const k of ring) expect(s.trace.agreement[k] < s.trace.agreement[0]).to.equal(true);
        reps = s.trace.newReputation.slice();
      }
      for (const k of ring) for (const h of [0, 3, 4, 5, 7]) expect(reps[k] < reps[h]).to.equal(true);
    });

    it("the same ring holding the reputation does win: reputation weighting is what stops it", async () => {
      const ring = new Set([1, 2, 6]);
      const reveals = await revealAll((k) => (ring.has(k) ? ringVotes(k, QUALITY, ring) : honestVotes(k, QUALITY)));
      const s = await settleRound(roundOf(reveals, { oldReputation: QUALITY.map((_, k) => (ring.has(k) ? 65535n : 2000n)) }));
      expect(ring.has(s.trace.winner)).to.equal(true);
      // ... and the honest judges are the ones who disagree with that consensus.
      for (const k of ring) expect(s.trace.agreement[k] > s.trace.agreement[5]).to.equal(true);
    });

    it("Sybils of low reputation cannot move the winner, however many (rule 7)", async () => {
      // Four Sybils (slots 4..7, 500 each) all push slot 2, the worst answer, against four honest judges at 30000.
      const push = (k: number) =>
        votesBy(k, N, (x, y) =>
          x === 2 ? PREFER_FIRST : y === 2 ? PREFER_SECOND : QUALITY[x] > QUALITY[y] ? PREFER_FIRST : PREFER_SECOND,
        );
      const reveals = await revealAll((k) => (k >= 4 ? push(k) : honestVotes(k, QUALITY)));
      const reps = QUALITY.map((_, k) => (k >= 4 ? 500n : 30000n));
      const s = await settleRound(roundOf(reveals, { oldReputation: reps }));
      expect(s.trace.winner).to.equal(5);
      const honest = await settleRound(roundOf(await revealAll((k) => honestVotes(k, QUALITY)), { oldReputation: reps }));
      expect(s.trace.strengths[2] < s.trace.strengths[0]).to.equal(true);
      expect(honest.trace.winner).to.equal(5);
    });

    it("a judge of reputation 0 changes nothing, and a judge whose reveal is withheld neither (rule 7)", async () => {
      const base = await revealAll((k) => honestVotes(k, QUALITY));
      const reps = new Array<bigint>(N).fill(40000n);
      reps[3] = 0n;
      const honest = await settleRound(roundOf(base, { oldReputation: reps }));
      const contrary = base.slice();
      contrary[3] = await reveal(3, contraryVotes(3, QUALITY));
      const s = await settleRound(roundOf(contrary, { oldReputation: reps }));
      expect(s.trace.strengths).to.deep.equal(honest.trace.strengths);
      // Its agreement is still measured: its reputation can rise only by agreeing.
      expect(s.trace.flagged[3]).to.equal(true);
      const withheld = base.slice();
      withheld[3] = { judge: 3, commitment: contrary[3].commitment };
      const w = await settleRound(roundOf(withheld, { oldReputation: reps }));
      expect(w.trace.strengths).to.deep.equal(honest.trace.strengths);
      expect(w.trace.observed[3]).to.equal(false);
      expect(w.trace.newReputation[3]).to.equal(0n);
    });

    it("a random judge agrees about half the time and drifts toward 1/2; an honest one climbs (rule 11, 13)", async () => {
      let reps: bigint[] = new Array<bigint>(N).fill(HALF);
      for (let r = 0; r < 6; r++) {
        const reveals = await revealAll((k) => (k === 4 ? randomVotes(k, 1000 + r) : honestVotes(k, QUALITY)));
        const s = await settleRound(roundOf(reveals, { oldReputation: reps, round: BigInt(r) }));
        expect(Number(s.trace.agreement[4]) / 65535).to.be.within(0.2, 0.8);
        reps = s.trace.newReputation.slice();
      }
      expect(Number(reps[4]) / 65535).to.be.within(0.3, 0.7);
      expect(Number(reps[0]) / 65535).to.be.greaterThan(0.8);
    });

    it("a judge who always prefers itself cannot: its own pairs are not on its schedule, and voting on them is rejected", async () => {
      const own = pairSchedule(N).filter(([a, b]) => a === 5 || b === 5);
      expect(own).to.have.length(3);
      const selfish = [...honestVotes(5, QUALITY), { first: 5, second: 4, pref: PREFER_FIRST }];
      await rejects(() => encodeJudgment(5, { votes: selfish }, SHAPE), /self-judgment: judge 5 judged pair \(5, 4\)/);
    });

    it("a copycat's verbatim copy of another judge is a self-judgment, and is rejected", async () => {
      const copied = honestVotes(0, QUALITY);
      await rejects(() => encodeJudgment(1, { votes: copied }, SHAPE), /self-judgment: judge 1 judged pair \(1, 2\)/);
      // Copying only the pairs it may judge makes it an honest judge on those: it is paid for what it judged.
      const trimmed = copied.filter((v) => v.first !== 1 && v.second !== 1);
      const reveals = await revealAll((k) => (k === 1 ? trimmed : honestVotes(k, QUALITY)));
      const s = await settleRound(roundOf(reveals));
      expect(s.trace.judged[1]).to.be.lessThan(s.trace.judged[3]);
      expect(s.trace.agrees[1]).to.equal(true);
    });

    it("pairs with a slot that gave no answer carry the prior only, and that slot cannot win (rule 7, 10)", async () => {
      const answered = QUALITY.map((_, k) => k !== 5);
      const s = await settleRound(roundOf(await revealAll((k) => honestVotes(k, QUALITY)), { answered }));
      const prior = priorWeight(PARAMS);
      pairSchedule(N).forEach(([a, b], e) => {
        if (a === 5 || b === 5) {
          expect(s.trace.live[e]).to.equal(false);
          expect([s.trace.winsFirst[e], s.trace.winsSecond[e]]).to.deep.equal([prior, prior]);
        }
      });
      expect(s.trace.winner).to.equal(4);
      expect(s.trace.answeredMask).to.equal(0b11011111n);
    });
  });

  describe("# agreement and the EMA (rule 11, 12, 13)", () => {
    it("scores 2 per vote matching the strength order, 0 per opposite vote, 1 when one side is a tie", async () => {
      // Judge 0 votes honestly on pair (1, 2) in order, inverts it in reverse order, and ties pair (2, 3) twice.
      const votes: Vote[] = [
        { first: 1, second: 2, pref: PREFER_FIRST },
        { first: 2, second: 1, pref: PREFER_FIRST },
        { first: 2, second: 3, pref: PREF_TIE },
        { first: 3, second: 2, pref: PREF_TIE },
      ];
      const reveals = await revealAll((k) => (k === 0 ? votes : honestVotes(k, QUALITY)));
      const s = await settleRound(roundOf(reveals));
      expect(s.trace.judged[0]).to.equal(4);
      expect(s.trace.score[0]).to.equal(2 + 0 + 1 + 1);
      expect(s.trace.agreement[0]).to.equal((65535n * 4n) / 8n);
      // 32767 < minAgreement 32768: flagged, by one unit.
      expect(s.trace.flagged[0]).to.equal(true);
      expect(s.trace.newReputation[0]).to.equal(emaStep(HALF, 32767n, PARAMS.emaRate));
      expect(s.trace.newReputation[0]).to.equal(32767n);
    });

    it("the EMA step is floor(rate (agreement - rep) / 2^16), toward -infinity, and stays in [0, 65535]", () => {
      expect(emaStep(100n, 0n, 1n)).to.equal(99n);
      expect(emaStep(0n, 100n, 1n)).to.equal(0n);
      expect(emaStep(5n, 9n, 65536n)).to.equal(9n);
      expect(emaStep(REP_MAX, 0n, 65536n)).to.equal(0n);
    });

    it("reputations stay between the old value and the agreement on random rounds; only observed judges move", async () => {
      await fc.assert(
        fc.asyncProperty(roundArb, async (make) => {
          const input: RoundInput = await make;
          const s = await settleRound(input);
          s.trace.newReputation.forEach((r, k) => {
            const old = input.oldReputation[k];
            const a = s.trace.agreement[k];
            expect(r >= 0n && r <= REP_MAX).to.equal(true);
            if (!s.trace.observed[k]) expect(r).to.equal(old);
            else expect(r >= (old < a ? old : a) && r <= (old > a ? old : a)).to.equal(true);
            if (s.trace.flagged[k] || s.trace.agrees[k]) expect(s.trace.observed[k]).to.equal(true);
          });
          if (s.trace.winner < N) expect(input.answered[s.trace.winner]).to.equal(true);
          else expect(input.answered.some(Boolean)).to.equal(false);
        }),
        { numRuns: 40 },
      );
    });
  });

  describe("# encodings", () => {
    it("ruleParams packs emaRate, minAgreement and prior into 17 + 16 + 8 bits", () => {
      const p = { emaRate: 65536n, minAgreement: 65535, prior: 255 };
      expect(packRuleParams(p)).to.equal(65536n + (65535n << 17n) + (255n << 33n));
      expect(unpackRuleParams(packRuleParams(PARAMS))).to.deep.equal(PARAMS);
    });

    it("reputation words hold 16 lanes of 16 bits, slot 16m + l in bits 16l..16l+15", () => {
      const reps = Array.from({ length: 20 }, (_, i) => BigInt(1000 * i + 1));
      const words = repWords(reps);
      expect(words).to.have.length(2);
      expect((words[0] >> 16n) & 0xffffn).to.equal(1001n);
      expect(unpackRepWord(words[1]).slice(0, 4)).to.deep.equal(reps.slice(16));
      expect(packRepWord([1n, 2n])).to.equal(1n + (2n << 16n));
    });

    it("the posted bytes are round, winner, four uint64 masks, old words, new words, big-endian (37 + 64M bytes)", () => {
      const b = outBytes(0x01020304n, 5, { answered: 0xffn, included: 0x7fn, agree: 0x3n, flagged: 0x80n }, [0xaan], [0xbbn]);
      expect(b.length).to.equal(37 + 64);
      expect([...b.slice(0, 5)]).to.deep.equal([1, 2, 3, 4, 5]);
      expect(b[12]).to.equal(0xff);
      expect(b[20]).to.equal(0x7f);
      expect(b[28]).to.equal(0x03);
      expect(b[36]).to.equal(0x80);
      expect(b[68]).to.equal(0xaa);
      expect(b[100]).to.equal(0xbb);
    });

    it("comparison 2e shows pair e's first node first, 2e + 1 its second; cross pairs follow the ring pairs", () => {
      expect(pairSchedule(N).slice(6, 10)).to.deep.equal([
        [6, 7],
        [7, 0],
        [0, 4],
        [1, 5],
      ]);
      expect(comparisonIndex(N, 0, 1)).to.equal(0);
      expect(comparisonIndex(N, 0, 7)).to.equal(15);
      expect(comparisonIndex(N, 5, 1)).to.equal(19);
      expect(comparisonIndex(N, 0, 3)).to.equal(-1);
    });
  });

  describe("# bad input names the value", () => {
    const one = (votes: Vote[]) => encodeJudgment(0, { votes }, SHAPE);

    it("rejects a pair outside the schedule, a self-judgment, a preference out of range and a comparison judged twice", async () => {
      await rejects(() => one([{ first: 1, second: 3, pref: PREF_TIE }]), /pair \(1, 3\) is not in the round's schedule/);
      await rejects(() => one([{ first: 7, second: 0, pref: PREF_TIE }]), /self-judgment: judge 0 judged pair \(7, 0\)/);
      await rejects(() => one([{ first: 1, second: 2, pref: 4 }]), /preference 4 on pair \(1, 2\) is out of range/);
      await rejects(() => one([{ first: 1, second: 2, pref: 0 }]), /preference 0 on pair \(1, 2\) is out of range/);
      await rejects(() => one([{ first: 1, second: 9, pref: 1 }]), /second must be an integer in \[0, 7\], got 9/);
      await rejects(
        () =>
          one([
            { first: 1, second: 2, pref: 1 },
            { first: 1, second: 2, pref: 3 },
          ]),
        /pair \(1, 2\) in this order is judged twice/,
      );
    });

    it("rejects a second reveal by one judge, a mismatched commitment, and a prior too small for the swarm", async () => {
      const r = await reveal(2, honestVotes(2, QUALITY));
      await rejects(settleRound(roundOf([r, r])), /duplicate reveal: judge 2 revealed at positions 0 and 1/);
      const other = await reveal(2, contraryVotes(2, QUALITY));
      const mismatched: JudgmentReveal = { ...r, judgment: other.judgment };
      await rejects(settleRound(roundOf([mismatched])), /reveals\[0\] \(judge 2\): the judgment's commitment is/);
      await rejects(
        settleRound(roundOf([], { shape: { nodes: 16 }, params: { ...PARAMS, prior: 1 } })),
        /params.prior is 1; 16 slots need at least 2/,
      );
      await rejects(
        settleRound(roundOf([], { oldReputation: [65536n, ...new Array<bigint>(N - 1).fill(0n)] })),
        /oldReputation\[0\] must be a bigint in \[0, 65535\], got 65536/,
      );
      await rejects(settleRound(roundOf([], { shape: { nodes: 9 } })), /shape.nodes must be even/);
    });
  });
});
