import { expect } from "chai";
import fc from "fast-check";
import { isZkMeritError } from "../../../oracle/core";
import {
  ADVERSARY_STYLES,
  DEFAULT_INITIAL_REPUTATION,
  OUTCOME_CONTEXT,
  OUTCOME_SETTLER,
  REP_MAX,
  defaultOutcomeParams,
  emaStep,
  playRound,
  pluralityCredit,
  roundReveals,
  runOutcome,
  settleRound,
  type AdversaryStyle,
  type OutcomeRun,
} from "../../../oracle/reputation";

const SEEDS = [1, 2, 3, 4, 5];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Mean over `slots` of the reputations (0..1) after round t. */
const repAt = (run: OutcomeRun, t: number, slots: readonly number[]) =>
  mean(slots.map((k) => Number(run.reputations[t][k]) / Number(REP_MAX)));
const honestSlots = (run: OutcomeRun) => run.swarm.nodes.map((x) => x.slot).filter((k) => !run.swarm.adversaries.includes(k));
/** Pooled agreement of the observed judges among `slots`. */
const agreementOf = (run: OutcomeRun, slots: readonly number[]) =>
  mean(run.rounds.flatMap((r) => slots.filter((k) => r.observed[k]).map((k) => r.agreement[k])));
const flagRate = (run: OutcomeRun, slots: readonly number[]) => mean(run.rounds.flatMap((r) => slots.map((k) => (r.flagged[k] ? 1 : 0))));

describe("oracle/reputation/outcome", function () {
  this.timeout(120_000);

  const runs = new Map<string, OutcomeRun[]>();
  before(async () => {
    for (const style of ["none", ...ADVERSARY_STYLES]) {
      const out: OutcomeRun[] = [];
      for (const seed of SEEDS) out.push(await runOutcome({ seed, ...(style === "none" ? {} : { style: style as AdversaryStyle }) }));
      runs.set(style, out);
    }
  });

  describe("# pluralityCredit", () => {
    it("is 1 for a strict plurality of the correct option, 1/t for a t-way tie including it, else 0", () => {
      expect(pluralityCredit([1, 1, 2, 3], 1)).to.equal(1);
      expect(pluralityCredit([1, 1, 2, 3], 2)).to.equal(0);
      expect(pluralityCredit([1, 1, 2, 2, 3], 2)).to.equal(0.5);
      expect(pluralityCredit([0, 1, 2, 3], 3)).to.equal(0.25);
    });

    it("credits sum to 1 over the options (property)", () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 32 }), (answers) => {
          expect([0, 1, 2, 3].reduce((s, c) => s + pluralityCredit(answers, c), 0)).to.be.closeTo(1, 1e-12);
        }),
      );
    });
  });

  describe("# runOutcome", () => {
    it("is deterministic from the seed", async () => {
      const a = await runOutcome({ seed: 7, rounds: 8, style: "ring" });
      const b = await runOutcome({ seed: 7, rounds: 8, style: "ring" });
      expect(b.rounds).to.deep.equal(a.rounds);
      expect(b.reputations).to.deep.equal(a.reputations);
      const c = await runOutcome({ seed: 8, rounds: 8, style: "ring" });
      expect(c.rounds.map((r) => r.answers)).to.not.deep.equal(a.rounds.map((r) => r.answers));
    });

    it("settles every round with the reference, the new reputations of a round being the old ones of the next, from the initial reputation", async () => {
      const run = await runOutcome({ seed: 2, rounds: 4, style: "copycat", initialReputation: 20000n });
      expect(run.reputations[0]).to.deep.equal(new Array<bigint>(16).fill(20000n));
      let previous: { prefs: readonly (readonly number[])[]; reputation: readonly bigint[] } | undefined;
      for (const [r, out] of run.rounds.entries()) {
        const play = playRound(run.swarm, r, out.question, previous);
        expect(play.answers).to.deep.equal(out.answers);
        const s = await settleRound({
          shape: { nodes: 16 },
          context: OUTCOME_CONTEXT,
          round: BigInt(r + 1),
          params: defaultOutcomeParams(16),
          answered: new Array<boolean>(16).fill(true),
          oldReputation: run.reputations[r],
          reveals: await roundReveals(play),
          settler: OUTCOME_SETTLER,
        });
        expect(s.trace.winner).to.equal(out.winner);
        expect(s.trace.newReputation).to.deep.equal(run.reputations[r + 1]);
        expect(out.reputation).to.deep.equal(run.reputations[r + 1]);
        expect(out.flagged).to.deep.equal(s.trace.flagged);
        // (13) The EMA toward the agreement, for every observed judge.
        for (let k = 0; k < 16; k++) {
          if (s.trace.observed[k]) expect(run.reputations[r + 1][k]).to.equal(emaStep(run.reputations[r][k], s.trace.agreement[k], 16384n));
          else expect(run.reputations[r + 1][k]).to.equal(run.reputations[r][k]);
        }
        expect(out.swarmCorrect).to.equal(out.answers[out.winner] === out.question.correct);
        previous = { prefs: play.prefs, reputation: run.reputations[r + 1] };
      }
      // The copycats had nothing to copy in the first round: not observed, reputation kept.
      for (const k of run.swarm.adversaries) expect(run.rounds[0].observed[k]).to.equal(false);
    });

    it("keeps every measure in range: the swarm is right only when some node is, and no better than that ceiling (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 1_000_000 }),
          fc.constantFrom<AdversaryStyle | undefined>(undefined, ...ADVERSARY_STYLES),
          fc.constantFrom(4, 8),
          async (seed, style, nodes) => {
            const run = await runOutcome({ seed, style, nodes, rounds: 3, questions: { difficulty: [0.8, 1] } });
            for (const r of run.rounds) {
              if (r.swarmCorrect) expect(r.anyCorrect).to.equal(true);
              expect(r.majorityCredit).to.be.within(0, 1);
              if (r.majorityCredit > 0) expect(r.anyCorrect).to.equal(true);
              expect(r.reputation.every((x) => x >= 0n && x <= REP_MAX)).to.equal(true);
            }
            expect(run.swarmAccuracy).to.be.at.most(run.anyCorrectRate);
            expect(run.best.accuracy).to.be.at.most(run.anyCorrectRate);
          },
        ),
        { numRuns: 25 },
      );
    });

    it("measures the best single node in hindsight as the node most often right over the run", async () => {
      const run = runs.get("none")![0];
      const acc = run.swarm.nodes.map((_, k) => mean(run.rounds.map((r) => (r.answers[k] === r.question.correct ? 1 : 0))));
      expect(run.nodeAccuracy).to.deep.equal(acc);
      expect(run.best.accuracy).to.equal(Math.max(...acc));
      expect(run.swarm.nodes[run.best.slot].tier).to.equal("strong");
    });

    it("rejects an initial reputation above 65535 and a round count out of range", async () => {
      for (const [opts, pattern] of [
        [{ initialReputation: 65536n }, /initialReputation must be in \[0, 65535\], got 65536/],
        [{ rounds: 0 }, /rounds must be .* got 0/],
      ] as const) {
        try {
          await runOutcome(opts);
          expect.fail(`accepted ${String(pattern)}`);
        } catch (e) {
          expect(isZkMeritError(e, "CONFIG"), String(e)).to.equal(true);
          expect((e as Error).message).to.match(pattern);
        }
      }
    });
  });

  describe("# the honest swarm", () => {
    it("beats the plurality vote by at least 10 points when the skilled nodes are a minority, and is at least as accurate as the best node", () => {
      const rs = runs.get("none")!;
      for (const run of rs) {
        const strong = run.swarm.nodes.filter((x) => x.tier === "strong").length;
        expect(strong).to.be.below(16 / 2);
      }
      expect(median(rs.map((r) => r.swarmAccuracy - r.majorityAccuracy))).to.be.at.least(0.1);
      expect(median(rs.map((r) => r.swarmAccuracy - r.best.accuracy))).to.be.at.least(0);
    });

    it("raises the honest judges' reputations above the start, and flags few of them", () => {
      for (const run of runs.get("none")!) {
        expect(repAt(run, run.rounds.length, honestSlots(run))).to.be.above(Number(DEFAULT_INITIAL_REPUTATION) / Number(REP_MAX));
        expect(flagRate(run, honestSlots(run))).to.be.below(0.15);
      }
    });
  });

  describe("# adversarial styles at 30%", () => {
    it("random: agreement about 1/2, flagged far more often than the honest judges, reputation drifting toward 1/2 below theirs", () => {
      for (const run of runs.get("random")!) {
        const adv = run.swarm.adversaries;
        expect(agreementOf(run, adv)).to.be.closeTo(0.5, 0.05);
        expect(flagRate(run, adv)).to.be.above(2 * flagRate(run, honestSlots(run)));
        const end = run.rounds.length;
        expect(repAt(run, end, adv)).to.be.closeTo(0.5, 0.08);
        expect(repAt(run, end, adv)).to.be.below(repAt(run, end, honestSlots(run)));
      }
    });

    it("ring: its members' reputations fall from their peak, and end below the honest judges' in most runs; the swarm still beats the plurality vote", () => {
      const rs = runs.get("ring")!;
      const gaps: number[] = [];
      for (const run of rs) {
        const adv = run.swarm.adversaries;
        const end = run.rounds.length;
        const track = run.reputations.map((_, t) => repAt(run, t, adv));
        expect(track[end]).to.be.below(Math.max(...track) - 0.02);
        gaps.push(track[end] - repAt(run, end, honestSlots(run)));
      }
      // A ring that wins the early rounds agrees with the consensus it made and can hold more reputation for a while (seed 3).
      expect(gaps.filter((g) => g < 0).length).to.be.at.least(rs.length - 1);
      expect(median(rs.map((r) => r.swarmAccuracy - r.majorityAccuracy))).to.be.at.least(0.1);
    });

    it("ring: coordinating on the lure drags the plurality vote far down, the swarm less than half as far", () => {
      const none = runs.get("none")!;
      const ring = runs.get("ring")!;
      const pluralityDrop = median(none.map((r) => r.majorityAccuracy)) - median(ring.map((r) => r.majorityAccuracy));
      expect(pluralityDrop).to.be.above(0.25);
      expect(median(none.map((r) => r.swarmAccuracy)) - median(ring.map((r) => r.swarmAccuracy))).to.be.below(pluralityDrop / 2);
    });

    it("self and copycat: the swarm stays above the plurality vote by 10 points (medians)", () => {
      for (const style of ["self", "copycat"]) {
        const rs = runs.get(style)!;
        expect(median(rs.map((r) => r.swarmAccuracy - r.majorityAccuracy)), style).to.be.at.least(0.1);
      }
    });
  });
});
