import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { WasmTester } from "circom_tester";
import { CIRCUITS_DIR, circuitArtifacts } from "../../oracle/artifacts/manifest";
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
  type Submission,
  type TaskParams,
} from "../../oracle/contribution";
import { prove, terminateCurves, verifyProof } from "../../oracle/prover";
import { constraintCount, expectFail, expectPass, expectTamperedFails, signalIndex, templateTester } from "../helpers/circuit";
import { decodeRound, type GoldenCase } from "./vectors/generateContribution";

const FILE = "contribution.circom";
const PUBLICS = ["acc", "newState", "modelCommitment", "rewardRoot", "masks", "settler"];
const N = 4;
const P = 8;
const MAX = (1n << 31n) - 1n;
const MIN = -(1n << 31n);
const ONE = 1n << 16n;
const SETTLER = 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266n;

const contribution = () => templateTester(FILE, "Contribution", [N, P, 32], PUBLICS);

const TASK: TaskParams = {
  context: (31337n << 160n) + 0x5fbdb2315678afecb367f032d93f642f64180aa3n,
  taskId: 3n,
  // Honest updates are ~6e4 long (norm2 ~3.6e9) and within 1e3 per coordinate of each other: a distance
  // factor of 16 and a norm2 bound of 2^40 (~1.1e12) keep them all and separate them from the attackers below.
  config: { budget: 10n ** 21n + 7n, numRounds: 5, maxTrainers: 4, outlierFactor: 16n * ONE },
  rule: { normBoundSq: 1n << 40n, distFloor: 1n << 26n, minSubmissions: 3 },
};

/** A deterministic honest update: a shared direction plus small per-trainer noise. */
function honest(seed: number): bigint[] {
  const base = [40_000n, -25_000n, 12_000n, 0n, -7_000n, 30_000n, -1_000n, 5_000n];
  return base.map((b, k) => b + BigInt(((seed * 7919 + k * 104_729) % 2001) - 1000));
}

const flipped = (seed: number, k = 4n) => honest(seed).map((x) => -k * x);

type Over = Partial<Omit<RoundInput, "submissions">> & { slotOf?: number[]; unavailable?: number[] };

/** A round of the 4-slot task; each update is revealed (committed), and withheld at `unavailable` positions. */
async function roundOf(updates: bigint[][], over: Over = {}): Promise<RoundInput> {
  const { slotOf, unavailable = [], ...rest } = over;
  const submissions: Submission[] = [];
  for (const [j, update] of updates.entries()) {
    const commitment = await commitVector(update, 32);
    submissions.push({ slot: slotOf?.[j] ?? j, commitment, update: unavailable.includes(j) ? undefined : update });
  }
  return {
    slots: N,
    task: TASK,
    wOld: [1n, -2n, 3n, -4n, 5n, -6n, 7n, -8n].map((x) => x * 1000n),
    cumOld: [0n, 10n ** 18n, 0n, 42n],
    round: 1,
    settler: SETTLER,
    submissions,
    ...rest,
  };
}

const withTask = (c: Partial<TaskParams["config"]>, r: Partial<TaskParams["rule"]> = {}): TaskParams => ({
  ...TASK,
  config: { ...TASK.config, ...c },
  rule: { ...TASK.rule, ...r },
});

/** The value of a named signal in a witness (signals merged away by --O2 are not available). */
async function signal(t: WasmTester, w: bigint[], name: string): Promise<bigint> {
  return w[await signalIndex(t, name)];
}

const bit = (b: boolean) => (b ? 1n : 0n);

/**
 * Proves the circuit accepts the reference's public inputs for `input` and that its internal values
 * equal the reference's: the public inputs fix masks, the new model and reward leaves (through their
 * hashes); the median, distances, flags, aggregate, scores and shares are compared signal by signal.
 */
async function circuitMatches(t: WasmTester, input: RoundInput): Promise<{ s: Settlement; w: bigint[]; x: ContributionWitness }> {
  const s = await settleRound(input);
  const x = buildWitness(s);
  const w = await expectPass(t, x);
  const r = s.results;
  const f = (v: bigint) => toField(v);
  const pub = publicSignals(s);
  for (const [i, name] of PUBLICS.entries()) expect(await signal(t, w, `main.${name}`), name).to.equal(pub[i]);
  expect(await signal(t, w, "main.medDist")).to.equal(r.medDist);
  let nIncl = 0n;
  for (let j = 0; j < N; j++) nIncl += await signal(t, w, `main.included[${j}]`);
  expect(nIncl, "nIncl").to.equal(BigInt(r.nIncl));
  for (let k = 0; k < P; k++) {
    expect(await signal(t, w, `main.med[${k}]`), `med[${k}]`).to.equal(f(r.med[k]));
    expect(await signal(t, w, `main.g[${k}]`), `g[${k}]`).to.equal(f(r.g[k]));
    expect(await signal(t, w, `main.wNew[${k}]`), `wNew[${k}]`).to.equal(f(r.wNew[k]));
  }
  for (let j = 0; j < s.trace.count; j++) {
    const fl = r.flags[j];
    expect(await signal(t, w, `main.dup[${j}]`), `dup[${j}]`).to.equal(bit(fl.dup));
    expect(await signal(t, w, `main.slashed[${j}]`), `slashed[${j}]`).to.equal(bit(fl.slashed));
    expect(await signal(t, w, `main.excluded[${j}]`), `excluded[${j}]`).to.equal(bit(fl.excluded));
    expect(await signal(t, w, `main.included[${j}]`), `included[${j}]`).to.equal(bit(fl.included));
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
const masksOf = (inc: bigint, exc: bigint, sl: bigint) => inc + (exc << 64n) + (sl << 128n);

describe("circuits/contribution", () => {
  describe("# circuit == reference", () => {
    it("settles four honest trainers, all included (count = N)", async () => {
      const { s } = await circuitMatches(await contribution(), await roundOf([honest(1), honest(2), honest(3), honest(4)]));
      expect(s.results.nIn).to.equal(4);
      expect(s.results.masks).to.equal(0b1111n);
      expect(s.results.shares.reduce((a, b) => a + b)).to.equal(s.results.R);
    });

    it("rule 7: leaves out unavailable reveals, position 0 included, and pays them nothing", async () => {
      const t = await contribution();
      const input = await roundOf([honest(1), honest(2), honest(3), honest(4)], { slotOf: [2, 0, 3, 1], unavailable: [0] });
      const { s } = await circuitMatches(t, input);
      expect(s.results.flags.map((f) => f.included)).to.deep.equal([false, true, true, true]);
      expect(s.results.nIncl).to.equal(3);
      expect(s.results.masks).to.equal(0b1011n);
      expect(s.results.shares[0]).to.equal(0n);
      expect(s.results.cumNew[2]).to.equal(0n);
      // The median of the three included updates, not of four.
      expect(s.trace.sorted[0][3]).to.equal(1n << 31n);
      const two = await circuitMatches(t, await roundOf([honest(1), honest(2), honest(3)], { unavailable: [0, 2] }));
      expect(two.s.results.includedMask).to.equal(0b010n);
      expect(two.s.results.shares[1]).to.equal(two.s.results.R);
    });

    it("rule 11: slashes both copies of a duplicate pair", async () => {
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([honest(6), honest(2), honest(6), honest(3)], { slotOf: [3, 1, 0, 2] }),
      );
      expect(s.results.flags.map((f) => [f.dup, f.slashed])).to.deep.equal([
        [true, true],
        [false, false],
        [true, true],
        [false, false],
      ]);
      expect(s.results.masks).to.equal(masksOf(0b1111n, 0n, 0b1001n));
    });

    it("rule 11: a copy of an unavailable reveal is no duplicate", async () => {
      const { s } = await circuitMatches(await contribution(), await roundOf([honest(6), honest(2), honest(6)], { unavailable: [0] }));
      expect(s.results.flags.map((f) => f.dup)).to.deep.equal([false, false, false]);
      expect(s.results.nIn).to.equal(2);
    });

    it("rule 12: slashes an update above the norm bound (and does not also exclude it)", async () => {
      const scaled = honest(5).map((x) => 50n * x);
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([honest(1), scaled, honest(7), honest(3)], { slotOf: [3, 1, 0, 2] }),
      );
      expect(s.results.flags[1]).to.include({ norm: true, dist: true, slashed: true, excluded: false, inlier: false });
      expect(s.results.masks).to.equal(masksOf(0b1111n, 0n, 0b0010n));
    });

    it("rule 12: excludes, never slashes, a distance outlier when nIncl >= minSubmissions", async () => {
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([honest(1), flipped(9), honest(2), honest(3)], { slotOf: [2, 0, 3, 1] }),
      );
      expect(s.results.flags[1]).to.include({ dist: true, excluded: true, slashed: false });
      expect(s.results.masks).to.equal(masksOf(0b1111n, 0b0001n, 0n));
      expect(s.results.shares[1]).to.equal(0n);
      expect(s.results.nIn).to.equal(3);
    });

    it("rule 12: applies no distance rule when nIncl < minSubmissions (an unavailable reveal does not count)", async () => {
      const t = await contribution();
      const updates = [honest(1), flipped(9), honest(2), honest(3)];
      const task = withTask({}, { minSubmissions: 4 });
      const all = await circuitMatches(t, await roundOf(updates, { task }));
      expect(all.s.results.flags[1]).to.include({ dist: true, excluded: true });
      const { s } = await circuitMatches(t, await roundOf(updates, { task, unavailable: [3] }));
      expect(s.results.nIncl).to.equal(3);
      expect(s.results.distApplies).to.equal(false);
      expect(s.results.flags[1]).to.include({ dist: true, excluded: false, inlier: true });
      expect(s.results.masks).to.equal(0b0111n);
    });

    it("rule 12: never excludes a distance at or below distFloor", async () => {
      const t = await contribution();
      const updates = [honest(1), flipped(9), honest(2), honest(3)];
      const d = (await settleRound(await roundOf(updates))).trace.dist[1];
      const at = await circuitMatches(t, await roundOf(updates, { task: withTask({}, { distFloor: d }) }));
      expect(at.s.results.flags[1]).to.include({ dist: false, excluded: false, inlier: true });
      const below = await circuitMatches(t, await roundOf(updates, { task: withTask({}, { distFloor: d - 1n }) }));
      expect(below.s.results.flags[1]).to.include({ dist: true, excluded: true });
    });

    it("rule 17: weighs an inlier 1 + score in 16-bit fixed point (scores 2^16 and 0 share 2:1)", async () => {
      const e = (x: bigint) => [x, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
      // g = (40, 0, ...) is parallel to (100, 0, ...) and opposite to (-20, 0, ...).
      const task = withTask({ budget: 15_000n }, {});
      const { s } = await circuitMatches(await contribution(), await roundOf([e(100n), e(-20n)], { task }));
      expect(s.results.g[0]).to.equal(40n);
      expect(s.results.scores).to.deep.equal([ONE, 0n]);
      expect(s.trace.weights).to.deep.equal([2n * ONE, ONE]);
      expect(s.results.shares).to.deep.equal([2000n, 1000n]);
    });

    it("rule 17: takes the largest weight sum, N * 2^17 (four parallel inliers)", async () => {
      const e = (x: bigint) => [x * 1000n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
      const { s } = await circuitMatches(await contribution(), await roundOf([e(1n), e(2n), e(3n), e(4n)]));
      expect(s.results.scores).to.deep.equal([ONE, ONE, ONE, ONE]);
      expect(s.trace.W).to.equal(4n << 17n);
    });

    it("settles a single submission (count = 1) from the highest slot", async () => {
      const { s } = await circuitMatches(await contribution(), await roundOf([honest(3)], { slotOf: [3] }));
      expect(s.results.scores).to.deep.equal([ONE]);
      expect(s.results.cumNew[3]).to.equal(42n + s.results.R);
    });

    it("handles values at the 32-bit extremes, clamping the model at both ends", async () => {
      const hi = new Array<bigint>(P).fill(MAX);
      const lo = new Array<bigint>(P).fill(MIN);
      const mixed = hi.map((x, k) => (k % 2 ? x : MIN));
      const wOld = mixed.map((x) => -x - 1n); // MAX, MIN, ... opposite to `mixed`
      const task = withTask({ outlierFactor: (1n << 32n) - 1n }, { normBoundSq: (1n << 80n) - 1n, distFloor: (1n << 80n) - 1n });
      for (const updates of [[hi], [lo], [hi, lo, mixed], [mixed, lo]]) {
        await circuitMatches(await contribution(), await roundOf(updates, { task, wOld }));
      }
      const { s } = await circuitMatches(await contribution(), await roundOf([hi], { task, wOld: hi, settler: (1n << 160n) - 1n }));
      expect(s.results.wNew).to.deep.equal(hi);
    });

    it("pays nothing when every included submission is slashed", async () => {
      const task = withTask({}, { normBoundSq: 0n });
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([honest(1), honest(2), honest(3)], { task, unavailable: [1] }),
      );
      expect(s.results.nIn).to.equal(0);
      expect(s.results.masks).to.equal(masksOf(0b101n, 0n, 0b101n));
      expect(s.results.cumNew).to.deep.equal((await roundOf([])).cumOld);
    });

    it("adds the budget's remainder in the last round, with the largest budget", async () => {
      const task = withTask({ budget: (1n << 128n) - 1n, numRounds: 7 });
      const cumOld = [1n << 126n, 0n, 0n, (1n << 127n) - 1n];
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([honest(1), honest(2)], { task, round: 6, cumOld, slotOf: [0, 3] }),
      );
      expect(s.results.R).to.equal((1n << 128n) / 7n + (((1n << 128n) - 1n) % 7n));
    });
  });

  describe("# golden vectors (test/circuits/vectors/contribution.json)", () => {
    const golden = JSON.parse(fs.readFileSync(path.join(__dirname, "vectors", "contribution.json"), "utf8")) as GoldenCase[];

    it("the reference and the circuit reproduce every pinned settlement", async () => {
      expect(golden.length).to.be.greaterThan(3);
      const t = await contribution();
      for (const c of golden) {
        const s = await settleRound(decodeRound(c.input));
        expect(publicSignals(s).map(String), c.name).to.deep.equal(c.publicSignals);
        expect(s.results.shares.map(String), c.name).to.deep.equal(c.shares);
        await expectPass(t, buildWitness(s));
      }
    });
  });

  describe("# rejects inconsistent public inputs", () => {
    let t: WasmTester;
    let s: Settlement;
    let x: ContributionWitness;

    before(async () => {
      t = await contribution();
      const scaled = honest(6).map((v) => 50n * v);
      s = await settleRound(await roundOf([honest(1), flipped(9), honest(2), scaled]));
      expect(s.results.flags.map((f) => [f.included, f.excluded, f.slashed])).to.deep.equal([
        [true, false, false],
        [true, true, false],
        [true, false, false],
        [true, false, true],
      ]);
      x = buildWitness(s);
      await expectPass(t, x);
    });

    it("rejects wrong masks: each of the included, excluded and slashed parts", async () => {
      const m = s.results.masks;
      const line = `Contribution:${lineOf("masks === lcIncludedMask + lcExcludedMask * (1 << MASK_SHIFT) + lcSlashedMask * (1 << (2 * MASK_SHIFT));")}`;
      for (const bad of [m ^ (1n << 2n), m ^ (1n << 0n), m ^ (1n << 65n), m ^ (1n << 64n), m ^ (1n << 131n), m ^ (1n << 128n), 0n]) {
        expect((await failure(t, { ...x, masks: bad.toString() })).pop()).to.equal(line);
      }
    });

    it("rejects a wrong newState, modelCommitment, rewardRoot or acc", async () => {
      for (const [key, value] of [
        ["newState", (s.publicInputs.newState + 1n).toString()],
        ["modelCommitment", s.trace.oldModelCommitment.toString()],
        ["rewardRoot", s.trace.oldRewardRoot.toString()],
        ["acc", s.trace.accChain[1].toString()],
      ] as const) {
        await expectFail(t, { ...x, [key]: value });
      }
    });

    it("accepts any settler address but none at or above 2^160", async () => {
      await expectPass(t, { ...x, settler: "0" });
      await expectPass(t, { ...x, settler: ((1n << 160n) - 1n).toString() });
      for (const settler of [1n << 160n, SNARK_FIELD - 1n]) {
        expect(await failure(t, { ...x, settler: settler.toString() })).to.include(
          `Contribution:${lineOf("_ <== Num2Bits(ADDRESS_BITS)(settler);")}`,
        );
      }
    });

    it("rejects a count that the accumulator does not end at", async () => {
      for (const count of ["1", "3", "0", "5"]) await expectFail(t, { ...x, count });
    });

    it("rejects a repeated slot even with a consistent accumulator", async () => {
      const two = await settleRound(await roundOf([honest(1), honest(2)], { slotOf: [1, 2] }));
      const bad = copyOf(buildWitness(two));
      // Re-chain the accumulator with both submissions from slot 1.
      let acc = two.trace.oldState;
      for (const c of two.trace.commitments) acc = await accStep(acc, 1, 1, c);
      bad.slot[1] = "1";
      bad.acc = acc.toString();
      bad.masks = "2";
      expect(await failure(t, bad)).to.deep.equal([`Contribution:${lineOf("lcOnes === count;")}`]);
    });

    it("rejects a slot at or above maxTrainers", async () => {
      const task = withTask({ maxTrainers: 2 });
      const one = await settleRound(await roundOf([honest(1)], { task, slotOf: [1] }));
      const bad = copyOf(buildWitness(one));
      bad.slot[0] = "2";
      bad.acc = (await accStep(one.trace.oldState, 1, 2, one.trace.commitments[0])).toString();
      expect(await failure(t, bad)).to.deep.equal([`Contribution:${lineOf("valid[j] * (1 - belowMax[j]) === 0;")}`]);
    });
  });

  describe("# rejects tampered witnesses", () => {
    let t: WasmTester;
    let s: Settlement;
    let x: ContributionWitness;
    let w: bigint[];

    before(async () => {
      t = await contribution();
      ({ s, x, w } = await circuitMatches(
        t,
        await roundOf([honest(1), honest(2), flipped(9, 3n), honest(4)], { slotOf: [1, 3, 0, 2], unavailable: [3] }),
      ));
      expect(s.results.nIn).to.equal(2);
      expect(s.results.flags[2].excluded).to.equal(true);
    });

    it("rejects an included position whose update does not match its commitment", async () => {
      const bad = copyOf(x);
      bad.u[1][0] = (BigInt(bad.u[1][0]) + 1n).toString(); // a positive coordinate
      expect((await failure(t, bad)).pop()).to.equal(
        `Contribution:${lineOf("included[j] * (commitment[j] - updateCommitment[j]) === 0;")}`,
      );
    });

    it("rejects an unavailable reveal claimed as included, with or without its bit in the masks", async () => {
      const line = `Contribution:${lineOf("included[j] * (commitment[j] - updateCommitment[j]) === 0;")}`;
      const claimed = copyOf(x);
      claimed.included[3] = "1";
      expect((await failure(t, claimed)).pop()).to.equal(line);
      claimed.masks = (s.results.masks + (1n << 2n)).toString();
      expect((await failure(t, claimed)).pop()).to.equal(line);
      // Only the mask bit: the included bits do not add up to it.
      expect((await failure(t, { ...x, masks: claimed.masks })).pop()).to.match(/^Contribution:/);
    });

    it("rejects an included bit on a padding position or a non-bit", async () => {
      const one = await settleRound(await roundOf([honest(1), honest(2)]));
      const pad = copyOf(buildWitness(one));
      pad.included[3] = "1";
      expect((await failure(t, pad)).pop()).to.equal(`Contribution:${lineOf("included[j] * (1 - valid[j]) === 0;")}`);
      const two = copyOf(x);
      two.included[0] = "2";
      expect((await failure(t, two)).pop()).to.equal(`Contribution:${lineOf("included[j] * (included[j] - 1) === 0;")}`);
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

    it("rejects a flipped flag: excluded, slashed, dup, distance and norm reasons", async () => {
      for (const name of [
        "main.excluded[2]",
        "main.excluded[0]",
        "main.slashed[1]",
        "main.dup[0]",
        "main.distOut[2]",
        "main.distOut[0]",
        "main.normOut[1]",
      ]) {
        const i = await signalIndex(t, name);
        await expectTamperedFails(t, w, i, 1n - w[i]);
      }
    });

    it("rejects shares that do not sum to R", async () => {
      const first = s.results.flags.findIndex((o) => o.inlier);
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
      const c4x8 = await constraintCount(await contribution());
      console.log(`      contribution_4x8: ${c4x8} constraints (${(c4x8 / (N * P)).toFixed(1)} per trainer-parameter)`);
      expect(c4x8).to.equal(15738);
      expect(await constraintCount(await templateTester(FILE, "Contribution", [2, 1, 32], PUBLICS))).to.equal(7547);
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

    it("proves contribution_4x8 with snarkjs for one settler; the public signals are [acc, newState, modelCommitment, rewardRoot, masks, settler]", async () => {
      const s = await settleRound(
        await roundOf([honest(8), flipped(4, 5n), honest(9), honest(2)], { slotOf: [2, 1, 0, 3], unavailable: [3] }),
      );
      const res = await prove("contribution_4x8", buildWitness(s));
      expect(res.publicSignals).to.deep.equal(publicSignals(s));
      expect(res.publicSignals[4]).to.equal(0b0111n + (0b0010n << 64n));
      expect(res.publicSignals[5]).to.equal(SETTLER);
      // The same proof posted by anyone else (another settler) does not verify.
      const entry = circuitArtifacts("contribution_4x8");
      const other = [...res.publicSignals];
      other[5] = SETTLER + 1n;
      expect(await verifyProof(entry, res.proof, other)).to.equal(false);
      // Off-chain check of the posted results against the new state (what a claimant does).
      const header = s.trace.taskHeader;
      expect(await poseidon([header, await commitVector(s.results.wNew, 32), await rewardRoot(s.results.cumNew)])).to.equal(
        res.publicSignals[1],
      );
    });
  });
});
