import { expect } from "chai";
import fc from "fast-check";
import type { WasmTester } from "circom_tester";
import { poseidon, toField } from "../../oracle/core/field";
import {
  accStep,
  buildWitness,
  checkBatchInput,
  emaStep,
  epochHeader,
  HEADER_TAG,
  updateBatch,
  type BatchInput,
  type ReliabilityWitness,
} from "../../oracle/reliability";

import { constraintCount, expectFail, expectPass, expectTamperedFails, signalIndex, templateTester } from "../helpers/circuit";
import { CONTEXT, PARAMS, SHAPE, SKIP, batch, batchArb, grade, reveal, src } from "../helpers/reliability";
import { decodeBatch, type GoldenBatch } from "./vectors/generateReliability";
import vectors from "./vectors/reliability.json";

const FILE = "reliability/reliability.circom";
const PUBLICS = ["batchHash", "acc", "settler"];
const RUNS = Number(process.env.ZKMERIT_FC_RUNS ?? 15);

const tester = () => templateTester(FILE, "Reliability", [SHAPE.words, SHAPE.queries, SHAPE.evaluators, SHAPE.entries], PUBLICS);

/** Proves the reference's witness satisfies the circuit; returns it and the witness. */
async function proveBatch(t: WasmTester, input: BatchInput): Promise<{ w: bigint[]; input: ReliabilityWitness }> {
  const witness = buildWitness(await updateBatch(input));
  return { w: await expectPass(t, witness), input: witness };
}

/**
 * The circuit's observations and EMA quotients equal the reference's. The new scores and flags
 * themselves are bound through batchHash (SHA-256 of the posted words and masks), which the caller
 * checks; --O2 folds most of their signals away.
 */
async function expectScores(t: WasmTester, w: bigint[], u: Awaited<ReturnType<typeof updateBatch>>): Promise<void> {
  const at = async (name: string) => w[await signalIndex(t, name)];
  for (let k = 0; k < 8; k++) {
    const old = u.input.oldScores[k];
    const rate = u.input.params.emaRate;
    expect(await at(`main.obsRel[${k}]`)).to.equal(u.trace.obsReliability[k]);
    expect(await at(`main.obsUse[${k}]`)).to.equal(u.trace.obsUsefulness[k]);
    expect(await at(`main.relEma[${k}].q`)).to.equal(toField(emaStep(old.reliability, u.trace.obsReliability[k], rate) - old.reliability));
    expect(await at(`main.useEma[${k}].q`)).to.equal(toField(emaStep(old.usefulness, u.trace.obsUsefulness[k], rate) - old.usefulness));
  }
}

/** A compact epoch: three honest evaluators and two liars over 8 queries, the liars boosting slot 7. */
async function story(): Promise<BatchInput> {
  const truth = (q: number) =>
    grade(q % 3 !== 0, true, [
      [q % 4, 70],
      [4 + (q % 3), 30],
    ]);
  const honest = Array.from({ length: 8 }, (_, q) => truth(q));
  const liar = Array.from({ length: 8 }, (_, q) =>
    grade(true, true, [
      [7, 100 - (q % 2)],
      [q % 4, 0],
    ]),
  );
  const reveals = [
    await reveal(11n, honest),
    await reveal(12n, liar),
    await reveal(
      13n,
      honest.map((g, q) => (q === 5 ? SKIP : g)),
    ),
    await reveal(14n, liar),
    await reveal(15n, honest),
  ];
  return batch(reveals);
}

describe("circuits/reliability (Reliability)", () => {
  describe("# golden vectors", () => {
    for (const v of vectors as GoldenBatch[]) {
      it(`${v.name}: the reference and the circuit give the pinned scores, flags and public inputs`, async () => {
        const input = decodeBatch(v);
        const u = await updateBatch(input);
        expect(u.trace.newWords.map(String)).to.deep.equal(v.newWords);
        expect(u.trace.flaggedMask.toString()).to.equal(v.flaggedMask);
        expect(u.trace.includedMask.toString()).to.equal(v.includedMask);
        expect(u.publicInputs.batchHash.toString()).to.equal(v.batchHash);
        expect(u.publicInputs.acc.toString()).to.equal(v.acc);
        const t = await tester();
        await expectPass(t, buildWitness(u));
      });
    }
  });

  describe("# the rule in the circuit", () => {
    it("computes the reference's new scores and flags for an epoch with a lying minority", async () => {
      const t = await tester();
      const input = await story();
      const u = await updateBatch(input);
      const { w } = await proveBatch(t, input);
      await expectScores(t, w, u);
      expect(u.trace.flagged).to.deep.equal([false, true, false, true, false]);
      // The boosted slot 7 is never observed: its median share is 0 on every query.
      expect(u.trace.observed[7]).to.equal(false);
      expect(u.trace.newScores[7]).to.deep.equal(input.oldScores[7]);
    });

    it("proves an epoch without reveals (nothing moves) and one whose reveals are all withheld", async () => {
      const t = await tester();
      await proveBatch(t, batch([]));
      const input = await story();
      const withheld = batch(input.reveals.map((r) => ({ evaluator: r.evaluator, commitment: r.commitment })));
      const u = await updateBatch(withheld);
      expect(u.trace.includedMask).to.equal(0n);
      expect(u.trace.newWords).to.deep.equal(u.trace.oldWords);
      await proveBatch(t, withheld);
    });

    it("proves the boundaries: shares summing to exactly 100, rate 2^16, disagreePct 100, scores 0 and 65535", async () => {
      const t = await tester();
      const full = Array.from({ length: 8 }, () =>
        grade(true, false, [
          [0, 99],
          [1, 1],
        ]),
      );
      const reveals = [await reveal(1n, full), await reveal(2n, full), await reveal(3n, full)];
      const old = Array.from({ length: 8 }, (_, k) => ({ reliability: k % 2 ? 65535n : 0n, usefulness: k % 2 ? 0n : 65535n }));
      const input = batch(reveals, { oldScores: old, params: { emaRate: 65536n, minGraders: 3, shareTolerance: 0, disagreePct: 100 } });
      const u = await updateBatch(input);
      // At rate 1 the score jumps to the observation: always correct, never grounded.
      expect(u.trace.newScores[0]).to.deep.equal({ reliability: 65535n, usefulness: 0n });
      expect(u.trace.newScores[1]).to.deep.equal({ reliability: 65535n, usefulness: 0n });
      await proveBatch(t, input);
    });
  });

  describe("# properties", () => {
    it("the circuit accepts exactly the reference's public inputs on random epochs", async () => {
      const t = await tester();
      await fc.assert(
        fc.asyncProperty(batchArb, async (make) => {
          const input = await make;
          const u = await updateBatch(input);
          const witness = buildWitness(u);
          const w = await expectPass(t, witness);
          await expectScores(t, w, u);
          // Any other batchHash is rejected: the posted words and masks are bound.
          await expectFail(t, { ...witness, batchHash: (u.publicInputs.batchHash ^ 1n).toString() });
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe("# soundness", () => {
    it("(9) a median hint off by one is rejected, on a cell with graders and on one without", async () => {
      const t = await tester();
      const input = await story();
      const { input: witness } = await proveBatch(t, input);
      for (const [q, k] of [
        [0, 0],
        [0, 7],
        [5, 4],
      ]) {
        for (const delta of [1n, -1n]) {
          const median = witness.median.map((row) => row.slice());
          median[q][k] = (BigInt(median[q][k]) + delta).toString();
          if (BigInt(median[q][k]) < 0n) continue;
          await expectFail(t, { ...witness, median });
        }
      }
      // A query nobody graded must have median 0.
      const none = batch([await reveal(1n, new Array(8).fill(SKIP))]);
      const { input: w0 } = await proveBatch(t, none);
      const median = w0.median.map((row) => row.slice());
      median[2][3] = "1";
      await expectFail(t, { ...w0, median });
    });

    it("(11) (12) an observation, an EMA quotient, a new score bit, a flag, a disagreement, a grader bit or a verdict edited in the witness is rejected", async () => {
      const t = await tester();
      const input = await story();
      const u = await updateBatch(input);
      const { w } = await proveBatch(t, input);
      const k = u.trace.observed.indexOf(true);
      expect(k).to.be.greaterThanOrEqual(0);
      for (const name of [
        `main.obsRel[${k}]`,
        `main.obsUse[${k}]`,
        `main.relEma[${k}].q`,
        `main.useEma[${k}].q`,
        `main.newRelBits[${k}][0]`,
        `main.newUseBits[${k}][0]`,
        `main.flagged[1]`,
        `main.disagree[1][1]`,
        `main.g[0][0]`,
        `main.verdictCorrect[0]`,
      ]) {
        const i = await signalIndex(t, name);
        await expectTamperedFails(t, w, i, w[i] + 1n);
      }
    });

    it("(5) a share above 100, shares summing to 101 and a content that does not match its commitment are rejected", async () => {
      const t = await tester();
      const { input: witness } = await proveBatch(t, await story());
      const edit = (j: number, q: number, u: number, v: string) => {
        const share = witness.share.map((a) => a.map((b) => b.slice()));
        share[j][q][u] = v;
        return { ...witness, share };
      };
      // Position 0 is included: any edit breaks its commitment. Position 4 of a 4-reveal epoch is padding.
      await expectFail(t, edit(0, 0, 0, "71"));
      const padded = buildWitness(await updateBatch(batch((await story()).reveals.slice(0, 4))));
      await expectPass(t, padded);
      const sharePad = (a: string, b: string) => {
        const share = padded.share.map((x) => x.map((y) => y.slice()));
        share[4][0] = [a, b];
        return { ...padded, share };
      };
      await expectPass(t, sharePad("60", "40"));
      await expectFail(t, sharePad("61", "40"));
      await expectFail(t, sharePad("101", "0"));
      await expectFail(t, { ...padded, included: ["1", "1", "1", "1", "1"] });
    });

    it("(7) a graded entry of positive share outside the batch's words is rejected; of share 0 it is ignored", async () => {
      const t = await tester();
      const grades = Array.from({ length: 8 }, () =>
        grade(true, true, [
          [0, 50],
          [1, 50],
        ]),
      );
      const entry = (share: number) => ({
        ...grades[0],
        sources: [
          { source: src(0), share: 50 },
          { source: 999n, share },
        ],
      });
      const ok = batch([await reveal(1n, [entry(0), ...grades.slice(1)])]);
      const witness = buildWitness(await updateBatch(ok));
      await expectPass(t, witness);
      // The same content with share 50 on source 999 (word 124): the reference refuses it ...
      const outside = await reveal(1n, [entry(50), ...grades.slice(1)]);
      await updateBatch(batch([outside])).then(
        () => expect.fail("the reference accepted a source outside the batch"),
        (e: Error) => expect(e.message).to.match(/unknown source slot: source 999/),
      );
      // ... and the circuit too, although acc, the commitment and batchHash (which would be that of
      // the batch above: the share would go nowhere) all match.
      const share = witness.share.map((a) => a.map((b) => b.slice()));
      share[0][0][1] = "50";
      const acc = await accStep(await epochHeader(ok.context, ok.epoch, ok.params), 1n, outside.commitment);
      const commitment = [outside.commitment.toString(), ...witness.commitment.slice(1)];
      await expectFail(t, { ...witness, share, commitment, acc: acc.toString() });
    });

    it("(1) rule parameters out of range are rejected even with a matching acc", async () => {
      const t = await tester();
      // An epoch without reveals: its scores and flags do not depend on the parameters.
      const empty = buildWitness(await updateBatch(batch([])));
      for (const [rate, min, tol, pct, ok] of [
        [65536n, 3n, 40n, 50n, true],
        [65537n, 3n, 40n, 50n, false],
        [1n, 0n, 40n, 50n, false],
        [1n, 31n, 511n, 100n, true],
        [1n, 3n, 40n, 101n, false],
      ] as const) {
        const ruleParams = rate + (min << 17n) + (tol << 22n) + (pct << 31n);
        const acc = await poseidon([HEADER_TAG, CONTEXT, 7n, ruleParams]);
        const w = { ...empty, ruleParams: ruleParams.toString(), acc: acc.toString() };
        if (ok) await expectPass(t, w);
        else await expectFail(t, w);
      }
      // Another header than acc's is rejected: a proof is for the epoch's parameters.
      await expectFail(t, { ...empty, ruleParams: (BigInt(empty.ruleParams) + 1n).toString() });
    });

    it("(3) (4) two reveals by one evaluator, a count other than acc's and count > E are rejected", async () => {
      const t = await tester();
      const input = await story();
      // Withheld reveals: nothing is included, so only the evaluators and acc matter.
      const withheld = input.reveals.slice(0, 2).map((r) => ({ evaluator: r.evaluator, commitment: r.commitment }));
      const witness = buildWitness(await updateBatch(batch(withheld)));
      await expectPass(t, witness);
      const header = await epochHeader(CONTEXT, 7n, PARAMS);
      const acc = await accStep(await accStep(header, 11n, withheld[0].commitment), 11n, withheld[1].commitment);
      await expectFail(t, { ...witness, evaluator: ["11", "11", "0", "0", "0"], acc: acc.toString() });
      await expectFail(t, { ...witness, count: "1" });
      const full = buildWitness(await updateBatch(input));
      await expectFail(t, { ...full, count: "6" });
    });

    it("(6) (15) equal or decreasing word indices, an old score of 2^16 and a settler of 2^160 are rejected", async () => {
      const t = await tester();
      const input = await story();
      const witness = buildWitness(await updateBatch(input));
      await expectFail(t, { ...witness, oldRel: ["65536", ...witness.oldRel.slice(1)] });
      await expectFail(t, { ...witness, settler: (1n << 160n).toString() });
      await expectFail(t, { ...witness, wordIndex: [(1n << 29n).toString()] });
      // Two words: strictly increasing is checked by the reference (the test instance has one word).
      expect(() => checkBatchInput({ ...input, shape: { ...SHAPE, words: 2 }, words: [5n, 5n] })).to.throw(/strictly increasing/);
    });
  });

  it(`Reliability(${SHAPE.words}, ${SHAPE.queries}, ${SHAPE.evaluators}, ${SHAPE.entries}) has a pinned constraint count`, async () => {
    const t = await tester();
    expect(await constraintCount(t)).to.equal(69_335);
  });
});
