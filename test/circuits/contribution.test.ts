import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { WasmTester } from "circom_tester";
import { CIRCUITS_DIR } from "../../oracle/artifacts/manifest";
import { SNARK_FIELD, commitVector, poseidon, toField } from "../../oracle/field";
import {
  accStep,
  buildWitness,
  publicSignals,
  rewardRoot,
  settleRound,
  type ContributionWitness,
  type RoundInput,
  type Settlement,
  type TaskParams,
} from "../../oracle/contribution";
import { prove, terminateCurves } from "../../oracle/prover";
import { constraintCount, expectFail, expectPass, expectTamperedFails, signalIndex, templateTester } from "../helpers/circuit";

const FILE = "contribution.circom";
const PUBLICS = ["acc", "newState", "outlierBitmap"];
const N = 4;
const P = 8;
const MAX = (1n << 31n) - 1n;
const MIN = -(1n << 31n);
const ONE = 1n << 16n;

const contribution = () => templateTester(FILE, "Contribution", [N, P, 32], PUBLICS);

const TASK: TaskParams = {
  context: (31337n << 160n) + 0x5fbdb2315678afecb367f032d93f642f64180aa3n,
  taskId: 3n,
  // Honest updates are ~6e4 long (norm2 ~3.6e9) and within 1e3 per coordinate of each other: a distance
  // factor of 16 and a norm2 bound of 2^40 (~1.1e12) keep them all and separate them from the attackers below.
  config: { budget: 10n ** 21n + 7n, numRounds: 5, maxTrainers: 4, outlierFactor: 16n * ONE },
  normBoundSq: 1n << 40n,
};

/** A deterministic honest update: a shared direction plus small per-trainer noise. */
function honest(seed: number): bigint[] {
  const base = [40_000n, -25_000n, 12_000n, 0n, -7_000n, 30_000n, -1_000n, 5_000n];
  return base.map((b, k) => b + BigInt(((seed * 7919 + k * 104_729) % 2001) - 1000));
}

function roundOf(updates: bigint[][], over: Partial<RoundInput> & { slotOf?: number[] } = {}): RoundInput {
  const { slotOf, ...rest } = over;
  return {
    slots: N,
    task: TASK,
    wOld: [1n, -2n, 3n, -4n, 5n, -6n, 7n, -8n].map((x) => x * 1000n),
    cumOld: [0n, 10n ** 18n, 0n, 42n],
    round: 1,
    submissions: updates.map((update, j) => ({ slot: slotOf?.[j] ?? j, update })),
    ...rest,
  };
}

const withConfig = (c: Partial<TaskParams["config"]>, normBoundSq = TASK.normBoundSq): TaskParams => ({
  ...TASK,
  config: { ...TASK.config, ...c },
  normBoundSq,
});

/** The value of a named signal in a witness (signals merged away by --O2 are not available). */
async function signal(t: WasmTester, w: bigint[], name: string): Promise<bigint> {
  return w[await signalIndex(t, name)];
}

/**
 * Proves the circuit accepts the reference's public inputs for `input` and that its internal values
 * equal the reference's. newState binds wNew and cumNew through their hashes; the median, distances,
 * aggregate, scores and shares are compared signal by signal.
 */
async function circuitMatches(t: WasmTester, input: RoundInput): Promise<{ s: Settlement; w: bigint[]; x: ContributionWitness }> {
  const s = await settleRound(input);
  const x = buildWitness(s);
  const w = await expectPass(t, x);
  const r = s.results;
  const f = (v: bigint) => toField(v);
  expect(await signal(t, w, "main.acc")).to.equal(s.publicInputs.acc);
  expect(await signal(t, w, "main.newState")).to.equal(r.newState);
  expect(await signal(t, w, "main.outlierBitmap")).to.equal(r.outlierBitmap);
  expect(await signal(t, w, "main.newModelCommitment")).to.equal(r.newModelCommitment);
  expect(await signal(t, w, "main.newRoot")).to.equal(r.newRewardRoot);
  expect(await signal(t, w, "main.medDist")).to.equal(r.medDist);
  for (let k = 0; k < P; k++) {
    expect(await signal(t, w, `main.med[${k}]`), `med[${k}]`).to.equal(f(r.med[k]));
    expect(await signal(t, w, `main.g[${k}]`), `g[${k}]`).to.equal(f(r.g[k]));
    expect(await signal(t, w, `main.wNew[${k}]`), `wNew[${k}]`).to.equal(f(r.wNew[k]));
  }
  for (let j = 0; j < s.trace.count; j++) {
    expect(await signal(t, w, `main.score[${j}]`), `score[${j}]`).to.equal(r.scores[j]);
    const share = (await signal(t, w, `main.baseShare[${j}]`)) + (await signal(t, w, `main.bonus[${j}]`));
    expect(share, `share[${j}]`).to.equal(r.shares[j]);
  }
  return { s, w, x };
}

/** The templates and lines of the last failed assertion (the tester keeps earlier messages). */
async function failure(t: WasmTester, x: ContributionWitness): Promise<string[]> {
  let message = "";
  try {
    await t.calculateWitness(x, true);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message, "the witness must be rejected").to.match(/Assert Failed/);
  const frames = [...message.matchAll(/Error in template (\w+?)_\d+ line: (\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
  const ends = frames.flatMap((fr, i) => (fr.startsWith("Contribution:") ? [i] : []));
  return frames.slice(ends.length > 1 ? ends[ends.length - 2] + 1 : 0);
}

/** The 1-based line of a statement in circuits/contribution.circom. */
function lineOf(statement: string): number {
  const lines = fs.readFileSync(path.join(CIRCUITS_DIR, FILE), "utf8").split("\n");
  const i = lines.findIndex((l) => l.trim() === statement);
  if (i < 0) throw new Error(`"${statement}" is not a line of ${FILE}`);
  return i + 1;
}

const copyOf = (x: ContributionWitness): ContributionWitness => JSON.parse(JSON.stringify(x)) as ContributionWitness;

describe("circuits/contribution", () => {
  describe("# circuit == reference", () => {
    it("settles four honest trainers (count = N)", async () => {
      const t = await contribution();
      const { s } = await circuitMatches(t, roundOf([honest(1), honest(2), honest(3), honest(4)]));
      expect(s.results.nIn).to.equal(4);
      expect(s.results.shares.reduce((a, b) => a + b)).to.equal(s.results.R);
    });

    it("flags a sign-flipping attacker by distance", async () => {
      const flip = honest(9).map((x) => -4n * x);
      const { s } = await circuitMatches(await contribution(), roundOf([honest(1), flip, honest(2), honest(3)], { slotOf: [2, 0, 3, 1] }));
      expect(s.results.outliers.map((o) => o.outlier)).to.deep.equal([false, true, false, false]);
      expect(s.results.outlierBitmap).to.equal(1n);
    });

    it("flags a scaled attacker by norm and a copier as a duplicate", async () => {
      const scaled = honest(5).map((x) => 50n * x);
      const first = honest(6);
      const { s } = await circuitMatches(await contribution(), roundOf([first, scaled, honest(7), [...first]], { slotOf: [3, 1, 0, 2] }));
      expect(s.results.outliers.map((o) => [o.norm, o.dup])).to.deep.equal([
        [false, false],
        [true, false],
        [false, false],
        [false, true],
      ]);
      expect(s.results.outlierBitmap).to.equal((1n << 1n) | (1n << 2n));
    });

    it("settles a single submission (count = 1) from the highest slot", async () => {
      const { s } = await circuitMatches(await contribution(), roundOf([honest(3)], { slotOf: [3] }));
      expect(s.results.scores).to.deep.equal([ONE]);
      expect(s.results.cumNew[3]).to.equal(42n + s.results.R);
    });

    it("handles values at the 32-bit extremes, clamping the model at both ends", async () => {
      const hi = new Array<bigint>(P).fill(MAX);
      const lo = new Array<bigint>(P).fill(MIN);
      const mixed = hi.map((x, k) => (k % 2 ? x : MIN));
      const wOld = mixed.map((x) => -x - 1n); // MAX, MIN, ... opposite to `mixed`
      const task = withConfig({ outlierFactor: (1n << 32n) - 1n }, (1n << 80n) - 1n);
      for (const updates of [[hi], [lo], [hi, lo, mixed, hi], [mixed, mixed, lo]]) {
        await circuitMatches(await contribution(), roundOf(updates, { task, wOld }));
      }
      const { s } = await circuitMatches(await contribution(), roundOf([hi, hi], { task, wOld: hi }));
      expect(s.results.wNew).to.deep.equal(hi);
    });

    it("pays nothing when every submission is an outlier", async () => {
      const task = withConfig({}, 0n);
      const { s } = await circuitMatches(await contribution(), roundOf([honest(1), honest(2), honest(3)], { task }));
      expect(s.results.nIn).to.equal(0);
      expect(s.results.outlierBitmap).to.equal(0b111n);
      expect(s.results.cumNew).to.deep.equal(roundOf([]).cumOld);
    });

    it("adds the budget's remainder in the last round, with the largest budget", async () => {
      const task = withConfig({ budget: (1n << 128n) - 1n, numRounds: 7 });
      const cumOld = [1n << 126n, 0n, 0n, (1n << 127n) - 1n];
      const { s } = await circuitMatches(await contribution(), roundOf([honest(1), honest(2)], { task, round: 6, cumOld, slotOf: [0, 3] }));
      expect(s.results.R).to.equal((1n << 128n) / 7n + (((1n << 128n) - 1n) % 7n));
    });
  });

  describe("# rejects inconsistent public inputs", () => {
    it("rejects a wrong newState, outlierBitmap or acc", async () => {
      const t = await contribution();
      const flip = honest(9).map((x) => -4n * x);
      const s = await settleRound(roundOf([honest(1), flip, honest(2)]));
      const x = buildWitness(s);
      await expectPass(t, x);
      for (const [key, value] of [
        ["newState", (s.publicInputs.newState + 1n).toString()],
        ["outlierBitmap", "0"],
        ["outlierBitmap", "3"],
        ["acc", s.trace.accChain[1].toString()],
      ] as const) {
        await expectFail(t, { ...x, [key]: value });
      }
    });

    it("rejects a count that the accumulator does not end at", async () => {
      const t = await contribution();
      const x = buildWitness(await settleRound(roundOf([honest(1), honest(2)])));
      for (const count of ["1", "3", "0", "5"]) await expectFail(t, { ...x, count });
    });

    it("rejects a repeated slot even with a consistent accumulator", async () => {
      const t = await contribution();
      const s = await settleRound(roundOf([honest(1), honest(2)], { slotOf: [1, 2] }));
      const x = copyOf(buildWitness(s));
      // Re-chain the accumulator with both submissions from slot 1.
      let acc = s.trace.oldState;
      for (const c of s.trace.commitments) acc = await accStep(acc, 1, 1, c);
      x.slot[1] = "1";
      x.acc = acc.toString();
      expect(await failure(t, x)).to.deep.equal([`Contribution:${lineOf("lcOnes === count;")}`]);
    });

    it("rejects a slot at or above maxTrainers", async () => {
      const t = await contribution();
      const task = withConfig({ maxTrainers: 2 });
      const s = await settleRound(roundOf([honest(1)], { task, slotOf: [1] }));
      const x = copyOf(buildWitness(s));
      x.slot[0] = "2";
      x.acc = (await accStep(s.trace.oldState, 1, 2, s.trace.commitments[0])).toString();
      expect(await failure(t, x)).to.deep.equal([`Contribution:${lineOf("valid[j] * (1 - belowMax[j]) === 0;")}`]);
    });
  });

  describe("# rejects tampered witnesses", () => {
    let t: WasmTester;
    let s: Settlement;
    let x: ContributionWitness;
    let w: bigint[];

    before(async () => {
      t = await contribution();
      const flip = honest(9).map((v) => -3n * v);
      ({ s, x, w } = await circuitMatches(t, roundOf([honest(1), honest(2), flip], { slotOf: [1, 3, 0] })));
      expect(s.results.nIn).to.equal(2);
    });

    it("rejects a sorted column that is not a permutation of the column", async () => {
      const bad = copyOf(x);
      bad.sorted[0][1] = bad.sorted[0][0]; // still sorted and in range; one value replaced
      expect((await failure(t, bad))[0]).to.match(/^GrandProductEqual:/);
      const badDist = copyOf(x);
      badDist.sortedDist[2] = badDist.sortedDist[1];
      expect((await failure(t, badDist))[0]).to.match(/^GrandProductEqual:/);
    });

    it("rejects a permutation that is not sorted (which would move the median)", async () => {
      const bad = copyOf(x);
      [bad.sorted[2][0], bad.sorted[2][1]] = [bad.sorted[2][1], bad.sorted[2][0]];
      expect(bad.sorted[2][0]).to.not.equal(bad.sorted[2][1]);
      expect((await failure(t, bad)).slice(0, 2).map((f) => f.split(":")[0])).to.deep.equal(["Num2Bits", "SortedInRange"]);
      const badDist = copyOf(x);
      [badDist.sortedDist[0], badDist.sortedDist[3]] = [badDist.sortedDist[3], badDist.sortedDist[0]];
      expect((await failure(t, badDist)).slice(0, 2).map((f) => f.split(":")[0])).to.deep.equal(["Num2Bits", "SortedInRange"]);
    });

    it("rejects a wrong median or median distance", async () => {
      await expectTamperedFails(t, w, await signalIndex(t, "main.med[0]"), toField(s.results.med[0] + 1n));
      await expectTamperedFails(t, w, await signalIndex(t, "main.medDist"), s.results.medDist - 1n);
    });

    it("rejects a flipped outlier bit or reason flag", async () => {
      for (const name of ["main.outlier[2]", "main.distOut[2]", "main.distOut[0]", "main.normOut[1]"]) {
        const i = await signalIndex(t, name);
        await expectTamperedFails(t, w, i, 1n - w[i]);
      }
    });

    it("rejects shares that do not sum to R", async () => {
      const first = s.results.outliers.findIndex((o) => !o.outlier);
      await expectTamperedFails(t, w, await signalIndex(t, `main.bonus[${first}]`), (await signal(t, w, `main.bonus[${first}]`)) + 1n);
      await expectTamperedFails(t, w, await signalIndex(t, "main.baseShare[1]"), (await signal(t, w, "main.baseShare[1]")) - 1n);
      await expectTamperedFails(t, w, await signalIndex(t, "main.reward"), s.results.R + 1n);
    });

    it("rejects a wrong quotient hint: aggregate, score, share", async () => {
      await expectTamperedFails(t, w, await signalIndex(t, "main.g[0]"), toField(s.results.g[0] + 1n));
      await expectTamperedFails(t, w, await signalIndex(t, "main.g[1]"), toField(s.results.g[1] - 1n));
      await expectTamperedFails(t, w, await signalIndex(t, "main.score[0]"), s.results.scores[0] - 1n);
      await expectTamperedFails(t, w, await signalIndex(t, "main.baseShare[0]"), SNARK_FIELD - 1n);
    });
  });

  describe("# constraint counts", () => {
    it("pins the constraint counts of the 4x8 instance and a 2x1 instance", async () => {
      expect(await constraintCount(await contribution())).to.equal(14861);
      expect(await constraintCount(await templateTester(FILE, "Contribution", [2, 1, 32], PUBLICS))).to.equal(6865);
    });
  });

  describe("# lib templates", () => {
    it("MerkleRoot equals the reference reward root", async () => {
      const t = await templateTester("lib/merkle.circom", "MerkleRoot", [2]);
      const leaves = [5n, 0n, (1n << 128n) - 1n, 9n];
      await t.assertOut(await expectPass(t, { leaves: leaves.map(String) }), { root: await rewardRoot(leaves) });
    });

    it("FloorDiv rounds toward -infinity and pins the remainder", async () => {
      const t = await templateTester("lib/arith.circom", "FloorDiv", [8, 2]);
      for (const [a, d, q, r] of [
        [-5n, 3n, -2n, 1n],
        [5n, 3n, 1n, 2n],
        [-6n, 3n, -2n, 0n],
        [-128n, 1n, -128n, 0n],
        [127n, 4n, 31n, 3n],
      ]) {
        await t.assertOut(await expectPass(t, { a: toField(a).toString(), d: d.toString() }), { q: toField(q), r });
      }
      await expectFail(t, { a: "5", d: "0" });
      await expectFail(t, { a: "4096", d: "1" }); // quotient beyond 8-bit signed
      const w = await expectPass(t, { a: toField(-5n).toString(), d: "3" });
      await expectTamperedFails(t, w, await signalIndex(t, "main.q"), toField(-1n));
    });

    it("Clamp clamps exactly at the B-bit ends", async () => {
      const t = await templateTester("lib/arith.circom", "Clamp", [8]);
      for (const [x, out] of [
        [-256n, -128n],
        [-129n, -128n],
        [-128n, -128n],
        [0n, 0n],
        [127n, 127n],
        [128n, 127n],
        [255n, 127n],
      ]) {
        await t.assertOut(await expectPass(t, { x: toField(x).toString() }), { out: toField(out) });
      }
      await expectFail(t, { x: "256" });
      await expectFail(t, { x: toField(-257n).toString() });
    });
  });

  describe("# proof", () => {
    // snarkjs keeps bn128 worker threads; end them so this file can also run on its own.
    after(() => terminateCurves());

    it("proves contribution_4x8 with snarkjs; the public signals are [acc, newState, outlierBitmap]", async () => {
      const flip = honest(4).map((v) => -5n * v);
      const s = await settleRound(roundOf([honest(8), flip, honest(9)], { slotOf: [2, 1, 0] }));
      const res = await prove("contribution_4x8", buildWitness(s));
      expect(res.publicSignals).to.deep.equal(publicSignals(s));
      expect(res.publicSignals[2]).to.equal(1n << 1n);
      // Off-chain check of the posted results against the new state (what a claimant does).
      const header = s.trace.taskHeader;
      expect(await poseidon([header, await commitVector(s.results.wNew, 32), await rewardRoot(s.results.cumNew)])).to.equal(
        res.publicSignals[1],
      );
    });
  });
});
