import { expect } from "chai";
import fc from "fast-check";
import { isZkMeritError, Rng } from "../../../oracle/core";
import {
  ADVERSARY_STYLES,
  PREFER_FIRST,
  PREFER_SECOND,
  PREF_NONE,
  PREF_TIE,
  answerProbability,
  encodeJudgment,
  generateQuestions,
  honestPreference,
  judgeAccuracy,
  judgePreferences,
  judgmentOf,
  makeSwarm,
  pairSchedule,
  playRound,
  roundReveals,
  settleRound,
  skilledAnswer,
  type AdversaryStyle,
  type Question,
  type SimNode,
  type Swarm,
} from "../../../oracle/reputation";
import { CONTEXT, SETTLER } from "../../helpers/reputation";

const Q = (over: Partial<Question> = {}): Question => ({ index: 0, choices: 4, correct: 1, lure: 2, difficulty: 0.5, ...over });
const node = (over: Partial<SimNode> = {}): SimNode => ({
  slot: 0,
  tier: "weak",
  ability: 0.3,
  judgeBoost: 0.4,
  positionBias: 0,
  noise: 0,
  style: "honest",
  ...over,
});
/** The comparisons of `n` slots as (entry, slot shown first, slot shown second). */
const comparisons = (n: number) =>
  pairSchedule(n).flatMap(([a, b], e) => [
    { c: 2 * e, first: a, second: b },
    { c: 2 * e + 1, first: b, second: a },
  ]);
const mine = (n: number, k: number) =>
  new Set(
    comparisons(n)
      .filter((x) => x.first === k || x.second === k)
      .map((x) => x.c),
  );

describe("oracle/reputation/simulation", function () {
  this.timeout(60_000);

  describe("# makeSwarm", () => {
    it("is deterministic from the seed", () => {
      expect(makeSwarm({ seed: 4, style: "ring" })).to.deep.equal(makeSwarm({ seed: 4, style: "ring" }));
      expect(makeSwarm({ seed: 5, style: "ring" })).to.not.deep.equal(makeSwarm({ seed: 4, style: "ring" }));
    });

    it("places 3 strong, 4 medium and 9 weak nodes on 16 slots, abilities in their tiers' ranges", () => {
      const s = makeSwarm({ seed: 2 });
      const count = (t: string) => s.nodes.filter((x) => x.tier === t).length;
      expect([count("strong"), count("medium"), count("weak")]).to.deep.equal([3, 4, 9]);
      expect(s.nodes.map((x) => x.slot)).to.deep.equal(Array.from({ length: 16 }, (_, i) => i));
      for (const x of s.nodes) {
        const [lo, hi] = { strong: [0.75, 0.95], medium: [0.4, 0.6], weak: [0, 0.25] }[x.tier];
        expect(x.ability).to.be.within(lo, hi);
        expect(x.positionBias).to.be.within(0, 0.2);
        expect(x.noise).to.be.within(0.02, 0.08);
      }
      expect(s.adversaries).to.deep.equal([]);
      expect(s.nodes.every((x) => x.style === "honest")).to.equal(true);
    });

    it("gives 30% of the slots (5 of 16) the style, by default, and only those; the population is the same", () => {
      for (const style of ADVERSARY_STYLES) {
        const s = makeSwarm({ seed: 9, style });
        expect(s.adversaries.length).to.equal(5);
        expect(s.nodes.filter((x) => x.style === style).map((x) => x.slot)).to.deep.equal(s.adversaries);
        expect(s.nodes.filter((x) => x.style === "honest").length).to.equal(11);
        expect(s.nodes.map((x) => x.ability)).to.deep.equal(makeSwarm({ seed: 9 }).nodes.map((x) => x.ability));
      }
    });

    it("rejects an odd or out-of-range slot count, a fraction without a style, an unknown style", () => {
      const cases: [() => unknown, RegExp][] = [
        [() => makeSwarm({ nodes: 7 }), /nodes must be an even integer .* got 7/],
        [() => makeSwarm({ nodes: 66 }), /got 66/],
        [() => makeSwarm({ adversaryFraction: 0.3 }), /needs a style/],
        [() => makeSwarm({ style: "liar" as AdversaryStyle }), /style must be one of .* got liar/],
        [() => makeSwarm({ style: "ring", adversaryFraction: 1.5 }), /adversaryFraction must be in \[0, 1\], got 1.5/],
      ];
      for (const [f, pattern] of cases) {
        try {
          f();
          expect.fail(`accepted (${pattern})`);
        } catch (e) {
          expect(isZkMeritError(e, "CONFIG"), String(e)).to.equal(true);
          expect((e as Error).message).to.match(pattern);
        }
      }
    });
  });

  describe("# answering", () => {
    it("the answer probability rises with ability and falls with difficulty, between 1/K and 1; judging is easier", () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (a, d, step) => {
            const p = answerProbability(node({ ability: a }), Q({ difficulty: d }));
            expect(p).to.be.within(0.25, 1);
            expect(answerProbability(node({ ability: a + step }), Q({ difficulty: d }))).to.be.at.least(p);
            expect(answerProbability(node({ ability: a }), Q({ difficulty: Math.min(1, d + step) }))).to.be.at.most(p);
            const j = judgeAccuracy(node({ ability: a }), Q({ difficulty: d }));
            expect(j).to.be.within(0.5, 1);
            // Two options to tell apart against four to choose from, and a boost: above the answering's edge over chance.
            expect((j - 0.5) / 0.5).to.be.above((p - 0.25) / 0.75);
          },
        ),
      );
    });

    it("a skilled answer is right at its probability, and its mistakes go to the lure at the lure share", () => {
      const rng = new Rng(1);
      const x = node({ ability: 0.2 });
      const q = Q({ difficulty: 0.6 });
      const answers = Array.from({ length: 20000 }, () => skilledAnswer(x, q, 0.6, rng));
      const right = answers.filter((a) => a === q.correct).length / answers.length;
      expect(right).to.be.closeTo(answerProbability(x, q), 0.015);
      const wrong = answers.filter((a) => a !== q.correct);
      expect(wrong.filter((a) => a === q.lure).length / wrong.length).to.be.closeTo(0.6, 0.02);
      expect(answers.every((a) => a >= 0 && a < 4)).to.equal(true);
    });

    it("the default population's tiers answer at about 85%, 62% and 40% over uniform difficulties", () => {
      const qs = generateQuestions({ seed: 1, count: 2000 });
      const s = makeSwarm({ seed: 1 });
      const tierMean = (t: string) => {
        const xs = s.nodes.filter((x) => x.tier === t);
        return xs.reduce((sum, x) => sum + qs.reduce((a, q) => a + answerProbability(x, q), 0) / qs.length, 0) / xs.length;
      };
      expect(tierMean("strong")).to.be.closeTo(0.85, 0.04);
      expect(tierMean("medium")).to.be.closeTo(0.62, 0.04);
      expect(tierMean("weak")).to.be.closeTo(0.4, 0.04);
    });
  });

  describe("# honest judging", () => {
    it("calls two identical answers, and two different wrong ones, a tie; prefers the correct answer at its judging accuracy in either order", () => {
      const rng = new Rng(2);
      const x = node();
      const q = Q();
      expect(honestPreference(x, q, 3, 3, rng)).to.equal(PREF_TIE);
      expect(honestPreference(x, q, 1, 1, rng)).to.equal(PREF_TIE);
      expect(honestPreference(x, q, 0, 2, rng)).to.equal(PREF_TIE);
      const trials = 20000;
      let first = 0;
      let second = 0;
      for (let i = 0; i < trials; i++) {
        if (honestPreference(x, q, q.correct, 0, rng) === PREFER_FIRST) first++;
        if (honestPreference(x, q, 0, q.correct, rng) === PREFER_SECOND) second++;
      }
      expect(first / trials).to.be.closeTo(judgeAccuracy(x, q), 0.015);
      expect(second / trials).to.be.closeTo(judgeAccuracy(x, q), 0.015);
    });

    it("a position-biased judge prefers the answer shown first at its bias, whatever it is; noise is uniform", () => {
      const rng = new Rng(3);
      const q = Q({ difficulty: 0 });
      const biased = node({ positionBias: 0.3 });
      const trials = 20000;
      let wrongFirst = 0;
      for (let i = 0; i < trials; i++) if (honestPreference(biased, q, 0, q.correct, rng) === PREFER_FIRST) wrongFirst++;
      // Chosen first by the bias, or by the (rare) misjudgment.
      expect(wrongFirst / trials).to.be.closeTo(0.3 + 0.7 * (1 - judgeAccuracy(biased, q)), 0.015);
      const noisy = node({ noise: 1 });
      const counts = [0, 0, 0, 0];
      for (let i = 0; i < 30000; i++) counts[honestPreference(noisy, q, 1, 1, rng)]++;
      expect(counts[0]).to.equal(0);
      for (const v of [1, 2, 3]) expect(counts[v] / 30000).to.be.closeTo(1 / 3, 0.015);
    });
  });

  describe("# preference vectors", () => {
    it("have 3N entries in 0..3, 0 on the judge's own comparisons, and the reference encodes their votes back to the same vector", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 100000 }),
          fc.constantFrom(4, 8, 16, 32),
          fc.constantFrom<AdversaryStyle | undefined>(undefined, ...ADVERSARY_STYLES),
          (seed, n, style) => {
            const swarm = makeSwarm({ seed, nodes: n, style });
            const q = generateQuestions({ seed, count: 2 });
            const r0 = playRound(swarm, 0, q[0]);
            const r1 = playRound(swarm, 1, q[1], { prefs: r0.prefs, reputation: new Array<bigint>(n).fill(32768n) });
            for (const play of [r0, r1]) {
              expect(play.answers.length).to.equal(n);
              for (let k = 0; k < n; k++) {
                const prefs = play.prefs[k];
                expect(prefs.length).to.equal(3 * n);
                expect(prefs.every((v) => Number.isInteger(v) && v >= 0 && v <= 3)).to.equal(true);
                for (const c of mine(n, k)) expect(prefs[c]).to.equal(PREF_NONE);
                expect(encodeJudgment(k, judgmentOf(n, prefs), { nodes: n })).to.deep.equal(prefs);
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    it("a round's reveals settle with the reference, every judge included", async () => {
      for (const style of [undefined, ...ADVERSARY_STYLES]) {
        const swarm = makeSwarm({ seed: 3, style });
        const [q0, q1] = generateQuestions({ seed: 3, count: 2 });
        const reputation = new Array<bigint>(16).fill(32768n);
        const r0 = playRound(swarm, 0, q0);
        const play = playRound(swarm, 1, q1, { prefs: r0.prefs, reputation });
        const s = await settleRound({
          shape: { nodes: 16 },
          context: CONTEXT,
          round: 2n,
          params: { emaRate: 16384n, minAgreement: 32768, prior: 2 },
          answered: new Array<boolean>(16).fill(true),
          oldReputation: reputation,
          reveals: await roundReveals(play),
          settler: SETTLER,
        });
        expect(s.trace.included.every(Boolean), String(style)).to.equal(true);
        expect(s.trace.prefs).to.deep.equal(play.prefs);
        expect(s.trace.winner).to.be.below(16);
      }
    });

    it("is deterministic: the same swarm, round and question give the same answers and vectors", () => {
      const swarm = makeSwarm({ seed: 6, style: "self" });
      const [q] = generateQuestions({ seed: 6, count: 1 });
      expect(playRound(swarm, 3, q)).to.deep.equal(playRound(swarm, 3, q));
      expect(playRound(swarm, 4, q)).to.not.deep.equal(playRound(swarm, 3, q));
    });
  });

  describe("# adversarial styles", () => {
    const n = 16;
    /** Round `round` of the swarm on a question of its own. */
    const play = (swarm: Swarm, round = 0) => {
      const q = generateQuestions({ seed: round, count: 1 })[0];
      return { q, p: playRound(swarm, round, q) };
    };

    it("self: prefers an answer equal to its own over one that differs, in both orders", () => {
      const swarm = makeSwarm({ seed: 1, style: "self" });
      let decisive = 0;
      for (let round = 0; round < 20; round++) {
        const { p } = play(swarm, round);
        for (const k of swarm.adversaries) {
          const own = p.answers[k];
          for (const { c, first, second } of comparisons(n)) {
            if (first === k || second === k) continue;
            const [x, y] = [p.answers[first], p.answers[second]];
            if ((x === own) === (y === own)) continue;
            decisive++;
            expect(p.prefs[k][c]).to.equal(x === own ? PREFER_FIRST : PREFER_SECOND);
          }
        }
      }
      expect(decisive).to.be.above(100);
    });

    it("random: answers uniformly and votes 1, 2, 3 uniformly on every comparison it may judge", () => {
      const swarm = makeSwarm({ seed: 2, style: "random" });
      const votes = [0, 0, 0, 0];
      const answers = [0, 0, 0, 0];
      for (let round = 0; round < 40; round++) {
        const { p } = play(swarm, round);
        for (const k of swarm.adversaries) {
          answers[p.answers[k]]++;
          p.prefs[k].forEach((v, c) => (mine(n, k).has(c) ? expect(v).to.equal(0) : votes[v]++));
        }
      }
      expect(votes[0]).to.equal(0);
      const total = votes[1] + votes[2] + votes[3];
      for (const v of [1, 2, 3]) expect(votes[v] / total).to.be.closeTo(1 / 3, 0.02);
      for (const a of answers) expect(a / 200).to.be.closeTo(0.25, 0.08);
    });

    it("ring: every member answers the lure, prefers members over non-members and ties members", () => {
      const swarm = makeSwarm({ seed: 3, style: "ring" });
      const ring = new Set(swarm.adversaries);
      const { q, p } = play(swarm);
      for (const k of swarm.adversaries) {
        expect(p.answers[k]).to.equal(q.lure);
        for (const { c, first, second } of comparisons(n)) {
          if (first === k || second === k) continue;
          if (ring.has(first) && ring.has(second)) expect(p.prefs[k][c]).to.equal(PREF_TIE);
          else if (ring.has(first)) expect(p.prefs[k][c]).to.equal(PREFER_FIRST);
          else if (ring.has(second)) expect(p.prefs[k][c]).to.equal(PREFER_SECOND);
        }
      }
    });

    it("copycat: abstains in the first round, then copies the previous round's highest-reputation judge, but its own comparisons", () => {
      const swarm = makeSwarm({ seed: 4, style: "copycat" });
      const [q0, q1] = generateQuestions({ seed: 4, count: 2 });
      const r0 = playRound(swarm, 0, q0);
      for (const k of swarm.adversaries) expect(r0.prefs[k].every((v) => v === PREF_NONE)).to.equal(true);
      const reputation = Array.from({ length: n }, (_, k) => BigInt(1000 + 100 * k));
      const top = n - 1;
      reputation[top] = 60000n;
      const r1 = playRound(swarm, 1, q1, { prefs: r0.prefs, reputation });
      for (const k of swarm.adversaries) {
        const source = k === top ? top - 1 : top;
        for (let c = 0; c < 3 * n; c++) expect(r1.prefs[k][c]).to.equal(mine(n, k).has(c) ? PREF_NONE : r0.prefs[source][c]);
      }
      // What it copies was revealed a round earlier: this round's judgments do not enter it.
      const other = judgePreferences(
        swarm,
        swarm.nodes[swarm.adversaries[0]],
        { question: q1, answers: r1.answers, previous: { prefs: r0.prefs, reputation } },
        new Rng(9),
      );
      expect(other).to.deep.equal(r1.prefs[swarm.adversaries[0]]);
    });
  });
});
