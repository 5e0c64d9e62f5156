import { createHash } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import { isZkMeritError } from "../../../oracle/core/errors";
import {
  SCORE_MAX,
  batchBytes,
  emaStep,
  packRuleParams,
  packWord,
  unpackRuleParams,
  unpackWord,
  updateBatch,
  type BatchInput,
  type QueryGrade,
  type Score,
} from "../../../oracle/reliability";
import { HALF, PARAMS, SHAPE, SKIP, batch, batchArb, grade, honestGrade, reveal, src, type Truth } from "../../helpers/reliability";

/** The truth of the 8 queries: slot 0 is a good source, slot 7 a bad one, slots 4..6 fill in, slot 3 is never used. */
const TRUTH: Truth[] = Array.from({ length: 8 }, (_, q) =>
  q % 2 === 0
    ? {
        sources: [
          [0, 70],
          [4 + (q % 3), 30],
        ],
        correct: true,
        grounded: true,
      }
    : {
        sources: [
          [7, 60],
          [5, 40],
        ],
        correct: false,
        grounded: q % 4 === 1,
      },
);
const honest = TRUTH.map(honestGrade);
/** Colluders boost slot 7: they credit it with the whole answer and call every answer correct. */
const booster = TRUTH.map(() => grade(true, true, [[7, 100]]));
/** Colluders sink slot 0: every answer that used it was wrong and ungrounded, and slot 0 got nothing. */
const sinker = TRUTH.map((t) => (t.sources[0][0] === 0 ? grade(false, false, [[4, 100]]) : honestGrade(t)));

async function epoch(grades: readonly (readonly QueryGrade[])[], over: Partial<BatchInput> = {}) {
  const reveals = [];
  for (const [j, g] of grades.entries()) reveals.push(await reveal(BigInt(100 + j), g));
  return updateBatch(batch(reveals, over));
}

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

describe("oracle/reliability/reference", () => {
  describe("# a minority cannot move a score", () => {
    it("two boosters among five evaluators leave every score where three honest evaluators put it (rule 9, 10)", async () => {
      const alone = await epoch([honest, honest, honest]);
      const attacked = await epoch([honest, booster, honest, booster, honest]);
      expect(attacked.trace.newWords).to.deep.equal(alone.trace.newWords);
      // The bad source's median share is 0 everywhere the boosters are outvoted, which is everywhere but its own queries,
      // and there the honest verdict (incorrect) wins: it goes down, not up.
      expect(attacked.trace.newScores[7].reliability < HALF.reliability).to.equal(true);
    });

    it("a sinker cannot sink the good source (rule 9, 10)", async () => {
      const alone = await epoch([honest, honest, honest]);
      const attacked = await epoch([sinker, honest, honest, honest]);
      expect(attacked.trace.newScores[0]).to.deep.equal(alone.trace.newScores[0]);
      expect(attacked.trace.newScores[0].reliability > HALF.reliability).to.equal(true);
    });

    it("a majority can (the documented limit): two boosters of three raise the bad source", async () => {
      const u = await epoch([booster, honest, booster]);
      expect(u.trace.observed[7]).to.equal(true);
      expect(u.trace.newScores[7].reliability > HALF.reliability).to.equal(true);
      // ... and the honest evaluator is the one who disagrees with that consensus.
      expect(u.trace.flagged).to.deep.equal([false, true, false, false, false]);
    });
  });

  describe("# observations and the EMA", () => {
    it("a never-observed source keeps its score, and so does one named only on queries that do not count (rule 8, 12)", async () => {
      const old: Score[] = Array.from({ length: 8 }, (_, k) => ({ reliability: BigInt(1000 * k), usefulness: BigInt(60000 - 1000 * k) }));
      const u = await epoch([honest, honest, honest], { oldScores: old });
      expect(u.trace.observed[3]).to.equal(false);
      expect(u.trace.newScores[3]).to.deep.equal(old[3]);
      // Two graders are below minGraders (3): nothing counts, nothing moves.
      const few = await epoch([honest, honest], { oldScores: old });
      expect(few.trace.counted.some(Boolean)).to.equal(false);
      expect(few.trace.newScores).to.deep.equal(old);
    });

    it("reliability is the median-share-weighted correctness, usefulness the mean median share of grounded answers (rule 11)", async () => {
      const u = await epoch([honest, honest, honest]);
      // Slot 0: 70% of four correct, grounded answers.
      expect(u.trace.obsReliability[0]).to.equal(SCORE_MAX);
      expect(u.trace.obsUsefulness[0]).to.equal((SCORE_MAX * 280n) / 400n);
      // Slot 7: 60% of four incorrect answers, two of them grounded.
      expect(u.trace.obsReliability[7]).to.equal(0n);
      expect(u.trace.obsUsefulness[7]).to.equal((SCORE_MAX * 120n) / 400n);
      // rate 1/4 from 1/2.
      expect(u.trace.newScores[0].reliability).to.equal(32768n + (16384n * (SCORE_MAX - 32768n)) / 65536n);
      expect(u.trace.newScores[7].reliability).to.equal(32768n - 8192n);
    });

    it("a source that is always right climbs toward 1 epoch after epoch, and one always wrong falls toward 0", async () => {
      let scores: Score[] = new Array<Score>(8).fill(HALF);
      const seen: bigint[] = [];
      for (let e = 0; e < 6; e++) {
        const u = await epoch([honest, honest, honest], { oldScores: scores, epoch: BigInt(e) });
        scores = u.trace.newScores.map((s) => ({ ...s }));
        seen.push(scores[0].reliability);
        expect(scores[7].reliability < HALF.reliability).to.equal(true);
      }
      for (let i = 1; i < seen.length; i++) expect(seen[i] > seen[i - 1]).to.equal(true);
      // 1 - 0.5 * 0.75^6 = 0.911 and 0.5 * 0.75^6 = 0.089 of 65535.
      expect(seen[5] > 59000n).to.equal(true);
      expect(scores[7].reliability < 6000n).to.equal(true);
    });

    it("a tie of verdicts is false, and the lower median of two shares is the smaller (rule 9, 10)", async () => {
      const a = TRUTH.map(() => grade(true, true, [[2, 80]]));
      const b = TRUTH.map(() => grade(false, false, [[2, 40]]));
      const u = await epoch([a, b], { params: { ...PARAMS, minGraders: 2 } });
      expect(u.trace.correct.every((c) => !c)).to.equal(true);
      expect(u.trace.median[0][2]).to.equal(40);
      expect(u.trace.obsReliability[2]).to.equal(0n);
    });

    it("scores stay in [0, 65535], between the old score and the observation, on random epochs (rule 12)", async () => {
      await fc.assert(
        fc.asyncProperty(batchArb, async (make) => {
          const input = await make;
          const u = await updateBatch(input);
          u.trace.newScores.forEach((s, k) => {
            const old = input.oldScores[k];
            for (const [n, o, obs] of [
              [s.reliability, old.reliability, u.trace.obsReliability[k]],
              [s.usefulness, old.usefulness, u.trace.obsUsefulness[k]],
            ]) {
              expect(n >= 0n && n <= SCORE_MAX).to.equal(true);
              if (!u.trace.observed[k]) expect(n).to.equal(o);
              else expect(n >= (o < obs ? o : obs) && n <= (o > obs ? o : obs)).to.equal(true);
            }
          });
          for (const [j, f] of u.trace.flagged.entries()) if (f) expect(u.trace.included[j]).to.equal(true);
        }),
        { numRuns: 100 },
      );
    });

    it("the EMA step is floor(rate (obs - old) / 2^16), toward -infinity", () => {
      expect(emaStep(100n, 0n, 1n)).to.equal(99n);
      expect(emaStep(0n, 100n, 1n)).to.equal(0n);
      expect(emaStep(5n, 9n, 65536n)).to.equal(9n);
      expect(emaStep(SCORE_MAX, 0n, 65536n)).to.equal(0n);
    });
  });

  describe("# the disagreement mask (rule 13)", () => {
    it("flags a consistent liar and not the honest evaluators it is outvoted by", async () => {
      const u = await epoch([honest, honest, booster, honest, sinker]);
      expect(u.trace.disagreements).to.deep.equal([0, 0, 8, 0, 4]);
      // The sinker lies on the four queries that used slot 0: exactly 50%, and the threshold is strict.
      expect(u.trace.flagged).to.deep.equal([false, false, true, false, false]);
      expect(u.trace.flaggedMask).to.equal(0b00100n);
      const strict = await epoch([honest, honest, booster, honest, sinker], { params: { ...PARAMS, disagreePct: 49 } });
      expect(strict.trace.flagged).to.deep.equal([false, false, true, false, true]);
      expect(strict.trace.flaggedMask).to.equal(0b10100n);
    });

    it("does not flag an honest evaluator who slips once, nor one who grades only some queries", async () => {
      const slip = honest.map((g, q) => (q === 3 ? { ...g, correct: !g.correct } : g));
      const partial = honest.map((g, q) => (q < 5 ? SKIP : g));
      const u = await epoch([honest, slip, honest, partial]);
      expect(u.trace.flagged).to.deep.equal([false, false, false, false, false]);
      expect(u.trace.disagreements[1]).to.equal(1);
      expect(u.trace.countedGrades[3]).to.equal(3);
    });

    it("tolerates share noise up to shareTolerance in L1", async () => {
      const noisy = TRUTH.map((t) =>
        grade(t.correct, t.grounded, [
          [t.sources[0][0], t.sources[0][1] - 20],
          [t.sources[1][0], t.sources[1][1] + 20],
        ]),
      );
      const within = await epoch([honest, honest, noisy]);
      expect(within.trace.distance[2][0]).to.equal(40);
      expect(within.trace.flagged[2]).to.equal(false);
      const beyond = await epoch([honest, honest, noisy], { params: { ...PARAMS, shareTolerance: 39 } });
      expect(beyond.trace.flagged[2]).to.equal(true);
    });

    it("a withheld reveal is neither included nor flagged, and the included mask shows it", async () => {
      const reveals = [await reveal(1n, honest), await reveal(2n, booster, true), await reveal(3n, honest), await reveal(4n, honest)];
      const u = await updateBatch(batch(reveals));
      expect(u.trace.includedMask).to.equal(0b1101n);
      expect(u.trace.flagged[1]).to.equal(false);
    });
  });

  describe("# encodings", () => {
    it("packs the rule's parameters and the score words losslessly", () => {
      const p = { emaRate: 65536n, minGraders: 31, shareTolerance: 511, disagreePct: 100 };
      expect(packRuleParams(p) < 1n << 38n).to.equal(true);
      expect(unpackRuleParams(packRuleParams(p))).to.deep.equal(p);
      expect(unpackRuleParams(packRuleParams(PARAMS))).to.deep.equal(PARAMS);
      const scores = Array.from({ length: 8 }, (_, k) => ({ reliability: BigInt(k * 7919), usefulness: SCORE_MAX - BigInt(k) }));
      expect(unpackWord(packWord(scores))).to.deep.equal(scores);
      expect(packWord(scores) & 0xffffffffn).to.equal((SCORE_MAX << 16n) + 0n);
    });

    it("batchHash is the low 253 bits of SHA-256 over 12 + 68W big-endian bytes (rule 14)", async () => {
      const u = await epoch([honest, honest, booster]);
      const bytes = u.trace.batchBytes;
      expect(bytes.length).to.equal(12 + 68);
      expect(Buffer.from(bytes.slice(0, 12)).toString("hex")).to.equal("00000007" + "00000007" + "00000004");
      expect(Buffer.from(bytes.slice(12, 16)).toString("hex")).to.equal("00000005");
      expect(BigInt("0x" + Buffer.from(bytes.slice(16, 48)).toString("hex"))).to.equal(u.trace.oldWords[0]);
      expect(BigInt("0x" + Buffer.from(bytes.slice(48, 80)).toString("hex"))).to.equal(u.trace.newWords[0]);
      const digest = BigInt("0x" + createHash("sha256").update(bytes).digest("hex"));
      expect(u.publicInputs.batchHash).to.equal(digest % (1n << 253n));
      expect(batchBytes(7n, 0n, 0n, [1n, 2n], [0n, 0n], [0n, 0n]).length).to.equal(12 + 136);
    });
  });

  describe("# bad input", () => {
    const g = (sources: { source: bigint; share: number }[]): QueryGrade => ({ graded: true, correct: true, grounded: true, sources });
    const withGrade = (x: QueryGrade) => [x, ...honest.slice(1)];

    it("names a share outside 0..100, shares summing above 100 and too many sources", async () => {
      await rejects(
        reveal(1n, withGrade(g([{ source: src(0), share: 101 }]))),
        /query 0, entry 0 \(source 40\): share must be an integer in \[0, 100\], got 101/,
      );
      await rejects(reveal(1n, withGrade(g([{ source: src(0), share: 2.5 }]))), /share must be an integer/);
      await rejects(
        reveal(
          1n,
          withGrade(
            g([
              { source: src(0), share: 60 },
              { source: src(1), share: 41 },
            ]),
          ),
        ),
        /query 0: the shares sum to 101/,
      );
      const three = [0, 1, 2].map((k) => ({ source: src(k), share: 10 }));
      await rejects(reveal(1n, withGrade(g(three))), /names 3 sources; a record holds at most 2/);
    });

    it("names an unknown source slot, a duplicate record and a content that does not match its commitment", async () => {
      const outside = await reveal(1n, withGrade(g([{ source: 7n, share: 50 }])));
      await rejects(updateBatch(batch([outside])), /unknown source slot: source 7 \(word 0\) is not in the batch's words \[5\]/);
      const r = await reveal(1n, honest);
      await rejects(updateBatch(batch([r, await reveal(1n, booster)])), /duplicate record: evaluator 1 revealed at positions 0 and 1/);
      await rejects(updateBatch(batch([{ ...r, feedback: { grades: booster } }])), /the feedback's commitment is/);
    });

    it("names bad batch fields: words, old scores, too many reveals, parameters", async () => {
      const r = await reveal(1n, honest);
      await rejects(updateBatch(batch([r], { words: [] })), /words must list exactly 1 word indices/);
      await rejects(updateBatch(batch([r], { words: [1n << 29n] })), /words\[0\] must be a bigint in \[0, 2\^29\)/);
      await rejects(
        updateBatch(batch([r], { oldScores: [{ reliability: 65536n, usefulness: 0n }, ...new Array(7).fill(HALF)] })),
        /oldScores\[0\].reliability/,
      );
      await rejects(updateBatch(batch(new Array(6).fill(r))), /at most 5 reveals, got 6/);
      await rejects(
        updateBatch(batch([r], { params: { ...PARAMS, minGraders: 6 } })),
        /minGraders is 6, more than the instance's 5 evaluators/,
      );
      await rejects(updateBatch(batch([r], { params: { ...PARAMS, emaRate: 65537n } })), /emaRate must be a bigint in \[0, 2\^16\]/);
      await rejects(updateBatch(batch([r], { params: { ...PARAMS, disagreePct: 101 } })), /disagreePct must be an integer in \[0, 100\]/);
      await rejects(updateBatch(batch([r], { epoch: 1n << 32n })), /epoch must be a bigint/);
      await rejects(updateBatch({ ...batch([r]), shape: { ...SHAPE, entries: 7 } }), /shape.entries must be an integer in \[1, 6\]/);
    });
  });
});
