import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { WasmTester } from "circom_tester";
import { CIRCUITS_DIR, circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import { SNARK_FIELD, commitVector, poseidon, toField } from "../../oracle/core/field";
import {
  DEFAULT_TRUST_MARGIN,
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
import { prove, terminateCurves, verifyProof } from "../../oracle/core/prover";
import { constraintCount, expectFail, expectPass, expectTamperedFails, signalIndex, templateTester } from "../helpers/circuit";
import { decodeRound, type GoldenCase } from "./vectors/generateContribution";

const FILE = "contribution/contribution.circom";
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
  // Honest updates are ~6e4 long (norm2 ~3.6e9): a norm2 bound of 2^40 (~1.1e12) keeps them and
  // slashes the x50 scaling below. The owner posts root updates at slot 0.
  config: { budget: 10n ** 21n + 7n, numRounds: 5, maxTrainers: 4 },
  rule: { normBoundSq: 1n << 40n, trustMargin: DEFAULT_TRUST_MARGIN, rootUpdates: true },
};

const BASE = [40_000n, -25_000n, 12_000n, 0n, -7_000n, 30_000n, -1_000n, 5_000n];

/** A deterministic honest update: a shared direction plus per-trainer noise of up to `spread`. */
function honest(seed: number, spread = 1000): bigint[] {
  return BASE.map((b, k) => b + BigInt(((seed * 7919 + k * 104_729) % (2 * spread + 1)) - spread));
}

/** The owner's root update: the shared direction, a little off. */
const ROOT = BASE.map((b, k) => b + BigInt((k * 3001) % 1500));
/** An update that points partly away from the shared direction (cosine about 0.6 with the root). */
const skew = (seed: number) => honest(seed).map((x, k) => (k === 1 ? -x : x));
const flipped = (seed: number, k = 4n) => honest(seed).map((x) => -k * x);

const W_OLD = [1n, -2n, 3n, -4n, 5n, -6n, 7n, -8n].map((x) => x * 1000n);
/** The previous round's public step, wOld - wPrev. */
const PREVIOUS = honest(7, 3000).map((x) => x / 2n);
const W_PREV = W_OLD.map((w, k) => w - PREVIOUS[k]);

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
    wOld: W_OLD,
    wPrev: W_PREV,
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
 * hashes, so the step through wNew); the root, flags, trust, values and shares are compared signal by
 * signal (signals --O2 merges away, such as the step and inlier bits, are pinned by those).
 */
async function circuitMatches(t: WasmTester, input: RoundInput): Promise<{ s: Settlement; w: bigint[]; x: ContributionWitness }> {
  const s = await settleRound(input);
  const x = buildWitness(s);
  const w = await expectPass(t, x);
  const r = s.results;
  const f = (v: bigint) => toField(v);
  const pub = publicSignals(s);
  for (const [i, name] of PUBLICS.entries()) expect(await signal(t, w, `main.${name}`), name).to.equal(pub[i]);
  for (let k = 0; k < P; k++) {
    expect(await signal(t, w, `main.wNew[${k}]`), `wNew[${k}]`).to.equal(f(r.wNew[k]));
    expect(await signal(t, w, `main.previous[${k}]`), `previous[${k}]`).to.equal(f(s.trace.previous[k]));
  }
  for (let j = 0; j < s.trace.count; j++) {
    const fl = r.flags[j];
    expect(await signal(t, w, `main.isRoot[${j}]`), `isRoot[${j}]`).to.equal(bit(fl.root));
    expect(await signal(t, w, `main.dup[${j}]`), `dup[${j}]`).to.equal(bit(fl.dup));
    expect(await signal(t, w, `main.slashed[${j}]`), `slashed[${j}]`).to.equal(bit(fl.slashed));
    expect(await signal(t, w, `main.rule.excluded[${j}]`), `excluded[${j}]`).to.equal(bit(fl.excluded));
    expect(await signal(t, w, `main.rule.trust[${j}]`), `trust[${j}]`).to.equal(r.trust[j]);
    expect(await signal(t, w, `main.rule.value[${j}]`), `value[${j}]`).to.equal(f(r.values[j]));
    expect(await signal(t, w, `main.rule.share[${j}]`), `share[${j}]`).to.equal(r.shares[j]);
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

/** The 1-based line of a statement in circuits/contribution/contribution.circom. */
function lineOf(statement: string): number {
  const lines = fs.readFileSync(path.join(CIRCUITS_DIR, FILE), "utf8").split("\n");
  const i = lines.findIndex((l) => l.trim() === statement);
  if (i < 0) throw new Error(`"${statement}" is not a line of ${FILE}`);
  return i + 1;
}

const copyOf = (x: ContributionWitness): ContributionWitness => JSON.parse(JSON.stringify(x)) as ContributionWitness;
const masksOf = (inc: bigint, exc: bigint, sl: bigint) => inc + (exc << 64n) + (sl << 128n);
const total = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);

describe("circuits/contribution", () => {
  describe("# circuit == reference", () => {
    it("step 9: takes slot 0's included update as the root: never a member, never paid", async () => {
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([honest(1), ROOT, honest(2), honest(3)], { slotOf: [1, 0, 2, 3] }),
      );
      expect(s.results.hasRoot).to.equal(true);
      expect(s.results.flags[1]).to.include({ included: true, root: true, slashed: false, excluded: false, inlier: false });
      expect(s.results.trust[1]).to.equal(0n);
      expect(s.results.shares[1]).to.equal(0n);
      expect(s.results.masks).to.equal(0b1111n);
      expect(s.results.nIn).to.equal(3);
      expect(total(s.results.shares)).to.equal(s.results.R);
      // Every trainer points nearly along g0: full trust (cos + 0.2 > 1).
      expect(s.results.trust.filter((_, j) => j !== 1)).to.deep.equal([ONE, ONE, ONE]);
    });

    it("step 13: a member that points partly away from g0 keeps part of its trust; one that opposes it is excluded, not slashed", async () => {
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([ROOT, skew(2), flipped(9), honest(3)], { slotOf: [0, 2, 1, 3] }),
      );
      expect(s.results.trust[1]).to.be.greaterThan(0n).and.lessThan(ONE);
      expect(s.results.flags[2]).to.include({ excluded: true, slashed: false, inlier: false });
      expect(s.results.masks).to.equal(masksOf(0b1111n, 0b0010n, 0n));
      expect(s.results.shares[2]).to.equal(0n);
      expect(total(s.results.shares)).to.equal(s.results.R);
    });

    it("step 9: without the root's content (left out), every member has trust 1 and shares follow the trust", async () => {
      const { s } = await circuitMatches(await contribution(), await roundOf([ROOT, honest(1), skew(2), honest(3)], { unavailable: [0] }));
      expect(s.results.hasRoot).to.equal(false);
      expect(s.results.trust.slice(1)).to.deep.equal([ONE, ONE, ONE]);
      expect(s.results.shares[1] - s.results.shares[2]).to.be.lessThanOrEqual(1n);
      expect(s.results.masks).to.equal(0b1110n);
    });

    it("step 9: in a task without root updates slot 0 is an ordinary trainer", async () => {
      const task = withTask({}, { rootUpdates: false });
      const { s } = await circuitMatches(await contribution(), await roundOf([ROOT, honest(1), honest(2)], { task }));
      expect(s.results.flags[0]).to.include({ root: false, inlier: true });
      expect(s.results.shares[0]).to.be.greaterThan(0n);
    });

    it("step 9: the first round has no previous step (wPrev = wOld)", async () => {
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([honest(1), ROOT, skew(2), honest(3, 4000)], { slotOf: [3, 0, 1, 2], round: 0, wPrev: W_OLD }),
      );
      expect(s.trace.previous).to.deep.equal(new Array<bigint>(P).fill(0n));
      expect(total(s.results.shares)).to.equal(s.results.R);
    });

    it("step 13: resubmitting the previous public step earns nothing", async () => {
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([ROOT, honest(1, 6000), PREVIOUS, honest(2, 6000)], { slotOf: [0, 1, 2, 3] }),
      );
      expect(s.results.flags[2].inlier).to.equal(true);
      expect(s.results.values[2]).to.be.lessThanOrEqual(0n);
      expect(s.results.shares[2]).to.equal(0n);
      expect(s.results.shares[1] + s.results.shares[3]).to.equal(s.results.R);
    });

    it("step 7: leaves out unavailable reveals and pays them nothing", async () => {
      const t = await contribution();
      const input = await roundOf([honest(1), honest(2), ROOT, honest(4)], { slotOf: [2, 3, 0, 1], unavailable: [0] });
      const { s } = await circuitMatches(t, input);
      expect(s.results.flags.map((f) => f.included)).to.deep.equal([false, true, true, true]);
      expect(s.results.nIncl).to.equal(3);
      expect(s.results.masks).to.equal(0b1011n);
      expect(s.results.shares[0]).to.equal(0n);
      expect(s.results.cumNew[2]).to.equal(0n);
      const one = await circuitMatches(t, await roundOf([ROOT, honest(2), honest(3)], { unavailable: [0, 2] }));
      expect(one.s.results.includedMask).to.equal(0b010n);
      expect(one.s.results.shares[1]).to.equal(one.s.results.R);
    });

    it("step 10: slashes both copies of a duplicate pair, but never a trainer whose update the root copies", async () => {
      const t = await contribution();
      const { s } = await circuitMatches(t, await roundOf([honest(6), honest(2), honest(6), ROOT], { slotOf: [3, 1, 2, 0] }));
      expect(s.results.flags.map((f) => [f.dup, f.slashed])).to.deep.equal([
        [true, true],
        [false, false],
        [true, true],
        [false, false],
      ]);
      expect(s.results.masks).to.equal(masksOf(0b1111n, 0n, 0b1100n));
      // The owner submits a copy of a trainer's update as its root: nobody is slashed.
      const copied = await circuitMatches(t, await roundOf([honest(2), honest(5), honest(2)], { slotOf: [1, 2, 0] }));
      expect(copied.s.results.slashedMask).to.equal(0n);
      expect(copied.s.results.flags[0]).to.include({ dup: false, inlier: true });
    });

    it("step 10: a copy of an unavailable reveal is no duplicate", async () => {
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([ROOT, honest(2), honest(2), honest(3)], { unavailable: [1] }),
      );
      expect(s.results.flags.map((f) => f.dup)).to.deep.equal([false, false, false, false]);
      expect(s.results.nIn).to.equal(2);
    });

    it("step 11: slashes an update above the norm bound (and does not also exclude it); the root is never slashed", async () => {
      const scaled = honest(5).map((x) => 50n * x);
      const t = await contribution();
      const { s } = await circuitMatches(t, await roundOf([honest(1), scaled, ROOT, honest(3)], { slotOf: [3, 1, 0, 2] }));
      expect(s.results.flags[1]).to.include({ norm: true, slashed: true, excluded: false, inlier: false });
      expect(s.results.masks).to.equal(masksOf(0b1111n, 0n, 0b0010n));
      const big = await circuitMatches(t, await roundOf([scaled, honest(1)]));
      expect(big.s.results.flags[0]).to.include({ root: true, norm: true, slashed: false });
      expect(big.s.results.slashedMask).to.equal(0n);
    });

    it("settles a single submission (count = 1) from the highest slot, and the root alone (nobody to pay)", async () => {
      const t = await contribution();
      const { s } = await circuitMatches(t, await roundOf([honest(3)], { slotOf: [3] }));
      expect(s.results.cumNew[3]).to.equal(42n + s.results.R);
      const alone = await circuitMatches(t, await roundOf([ROOT]));
      expect(alone.s.results.nIn).to.equal(0);
      expect(alone.s.results.shares).to.deep.equal([0n]);
      expect(alone.s.results.wNew).to.deep.equal(W_OLD);
    });

    it("handles values at the 32-bit extremes, clamping the model and the previous step at both ends", async () => {
      const hi = new Array<bigint>(P).fill(MAX);
      const lo = new Array<bigint>(P).fill(MIN);
      const mixed = hi.map((x, k) => (k % 2 ? x : MIN));
      const wOld = mixed.map((x) => -x - 1n); // MAX, MIN, ... opposite to `mixed`
      const task = withTask({}, { normBoundSq: (1n << 80n) - 1n, trustMargin: ONE });
      const t = await contribution();
      for (const updates of [[hi], [lo, hi], [hi, lo, mixed], [mixed, lo, hi, mixed.map((x) => -x - 1n)]]) {
        await circuitMatches(t, await roundOf(updates, { task, wOld, wPrev: mixed }));
      }
      const { s } = await circuitMatches(t, await roundOf([lo, hi], { task, wOld: hi, wPrev: lo, settler: (1n << 160n) - 1n }));
      expect(s.trace.previous).to.deep.equal(hi);
      expect(s.results.wNew).to.deep.equal(hi);
    });

    it("pays nothing when every member is slashed", async () => {
      const task = withTask({}, { normBoundSq: 0n });
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([ROOT, honest(1), honest(2), honest(3)], { task, unavailable: [2] }),
      );
      expect(s.results.nIn).to.equal(0);
      expect(s.results.masks).to.equal(masksOf(0b1011n, 0n, 0b1010n));
      expect(s.results.cumNew).to.deep.equal((await roundOf([])).cumOld);
    });

    it("adds the budget's remainder in the last round, with the largest budget", async () => {
      const task = withTask({ budget: (1n << 128n) - 1n, numRounds: 7 });
      const cumOld = [0n, 1n << 126n, 0n, (1n << 127n) - 1n];
      const { s } = await circuitMatches(
        await contribution(),
        await roundOf([ROOT, honest(1), honest(2, 5000)], { task, round: 6, cumOld, slotOf: [0, 1, 3] }),
      );
      expect(s.results.R).to.equal((1n << 128n) / 7n + (((1n << 128n) - 1n) % 7n));
      expect(total(s.results.shares)).to.equal(s.results.R);
    });
  });

  describe("# golden vectors (test/circuits/vectors/contribution.json)", () => {
    const golden = JSON.parse(fs.readFileSync(path.join(__dirname, "vectors", "contribution.json"), "utf8")) as GoldenCase[];

    it("the reference and the circuit reproduce every pinned settlement", async () => {
      expect(golden.length).to.be.greaterThan(5);
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
      s = await settleRound(await roundOf([ROOT, flipped(9), honest(2), scaled]));
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
        const frames = await failure(t, { ...x, masks: bad.toString() });
        // The masks seed the sorted norms' challenge, so a wrong mask may also fail that check first.
        expect(frames.pop()).to.be.oneOf([line, `Contribution:${lineOf("rule.sortedNorm2 <== sortedNorm2;")}`]);
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

    it("rejects a previous model or a rule the state does not commit to (a settler cannot pick the baseline or drop the root)", async () => {
      const prev = copyOf(x);
      prev.wPrev = x.wOld;
      await expectFail(t, prev);
      const noRoot = copyOf(x);
      noRoot.ruleParams = (BigInt(x.ruleParams) - (1n << 97n)).toString();
      await expectFail(t, noRoot);
      const margin = copyOf(x);
      margin.ruleParams = (BigInt(x.ruleParams) + (1n << 80n)).toString();
      await expectFail(t, margin);
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
        await roundOf([honest(1), ROOT, flipped(9, 3n), skew(4), honest(3)].slice(0, 4), { slotOf: [1, 0, 3, 2], unavailable: [] }),
      ));
      expect(s.results.nIn).to.equal(2);
      expect(s.results.flags[2].excluded).to.equal(true);
    });

    it("rejects an included position whose update does not match its commitment", async () => {
      const bad = copyOf(x);
      bad.u[0][0] = (BigInt(bad.u[0][0]) + 1n).toString(); // a positive coordinate
      expect((await failure(t, bad)).pop()).to.equal(
        `Contribution:${lineOf("included[j] * (commitment[j] - updateCommitment[j]) === 0;")}`,
      );
    });

    it("rejects an unavailable reveal claimed as included", async () => {
      const left = await settleRound(await roundOf([honest(1), ROOT, honest(2)], { unavailable: [2] }));
      const claimed = copyOf(buildWitness(left));
      claimed.included[2] = "1";
      claimed.masks = (left.results.masks + (1n << 2n)).toString();
      expect((await failure(t, claimed)).pop()).to.match(/^Contribution:/);
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

    it("rejects sorted norms that are not a sorted permutation (which would move the clip norm)", async () => {
      const bad = copyOf(x);
      bad.sortedNorm2[1] = bad.sortedNorm2[0]; // still sorted and in range; one value replaced
      expect((await failure(t, bad))[0]).to.match(/^GrandProductEqual:/);
      const unsorted = copyOf(x);
      [unsorted.sortedNorm2[0], unsorted.sortedNorm2[1]] = [unsorted.sortedNorm2[1], unsorted.sortedNorm2[0]];
      expect(unsorted.sortedNorm2[0]).to.not.equal(unsorted.sortedNorm2[1]);
      expect((await failure(t, unsorted)).map((f) => f.split(":")[0])).to.include("SortedInRange");
    });

    it("rejects a flipped flag: root, slashed, dup, norm reason, excluded", async () => {
      for (const name of [
        "main.isRoot[1]",
        "main.isRoot[0]",
        "main.slashed[0]",
        "main.dup[0]",
        "main.normOut[2]",
        "main.rule.excluded[2]",
      ]) {
        const i = await signalIndex(t, name);
        await expectTamperedFails(t, w, i, 1n - w[i]);
      }
    });

    it("rejects a wrong step (its division's remainder), trust or share", async () => {
      const r = await signalIndex(t, "main.rule.average[0].r");
      await expectTamperedFails(t, w, r, w[r] + 1n);
      await expectTamperedFails(t, w, await signalIndex(t, "main.rule.trust[0]"), s.results.trust[0] - 1n);
      await expectTamperedFails(t, w, await signalIndex(t, "main.rule.share[0]"), s.results.shares[0] + 1n);
      await expectTamperedFails(t, w, await signalIndex(t, "main.reward"), s.results.R + 1n);
    });
  });

  describe("# constraint counts", () => {
    it("pins the constraint counts of the 4x8 instance and a 2x1 instance", async () => {
      const c4x8 = await constraintCount(await contribution());
      console.log(`      contribution_4x8: ${c4x8} constraints (${(c4x8 / (N * P)).toFixed(1)} per trainer-parameter)`);
      expect(c4x8).to.equal(22965);
      expect(await constraintCount(await templateTester(FILE, "Contribution", [2, 1, 32], PUBLICS))).to.equal(12081);
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
      const s = await settleRound(await roundOf([honest(8), flipped(4, 5n), ROOT, honest(2)], { slotOf: [2, 1, 0, 3], unavailable: [3] }));
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
      const models = await poseidon([await commitVector(s.results.wNew, 32), s.trace.oldModelCommitment]);
      expect(await poseidon([header, models, await rewardRoot(s.results.cumNew)])).to.equal(res.publicSignals[1]);
    });
  });
});
