import { expect } from "chai";
import fc from "fast-check";
import { SNARK_FIELD, commitVector, toField } from "../../oracle/core/field";
import { buildWitness, publicSignals, settleRound, type RoundInput } from "../../oracle/contribution";
import { expectPass, signalIndex, templateTester } from "../helpers/circuit";

// circuit == reference on random rounds of the contribution_4x8 instance: random counts, slots,
// task and rule parameters (root updates or not, any trust margin), a random previous model,
// reveals whose content is unavailable, and a mix of honest trainers and attackers (copies make
// duplicate pairs; slot 0 is the owner's root update when the task has them). Each run computes a real witness;
// ZKMERIT_FC_RUNS raises the number of runs (FC_SEED replays a failure, fast-check prints it).

const N = 4;
const P = 8;
const RUNS = Number(process.env.ZKMERIT_FC_RUNS ?? 20);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const MAX = (1n << 31n) - 1n;
const MIN = -(1n << 31n);
const clip = (x: bigint) => (x > MAX ? MAX : x < MIN ? MIN : x);

const value = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: -(1n << 20n), max: 1n << 20n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: MIN, max: MAX }) },
  { weight: 1, arbitrary: fc.constantFrom(MIN, MIN + 1n, -1n, 0n, 1n, MAX - 1n, MAX) },
);
const vector = fc.array(value, { minLength: P, maxLength: P });

/** How a trainer builds its update from the shared honest direction. */
const trainer = fc.oneof(
  fc.record({
    kind: fc.constant("honest" as const),
    noise: fc.array(fc.bigInt({ min: -2000n, max: 2000n }), { minLength: P, maxLength: P }),
  }),
  fc.record({ kind: fc.constant("signFlip" as const), k: fc.bigInt({ min: 1n, max: 10n }) }),
  fc.record({ kind: fc.constant("scaled" as const), s: fc.bigInt({ min: 2n, max: 1000n }) }),
  fc.record({ kind: fc.constant("copy" as const), of: fc.nat() }),
  fc.record({ kind: fc.constant("random" as const), update: vector }),
);

const roundArb = fc
  .record({
    count: fc.integer({ min: 1, max: N }),
    extraTrainers: fc.integer({ min: 0, max: N }),
    direction: fc.array(fc.bigInt({ min: -(1n << 24n), max: 1n << 24n }), { minLength: P, maxLength: P }),
    trainers: fc.array(trainer, { minLength: N, maxLength: N }),
    wOld: vector,
    wPrev: fc.oneof(vector, fc.constant(null)),
    budget: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })),
    numRounds: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 65535 })),
    roundPick: fc.oneof({ weight: 1, arbitrary: fc.constant("last" as const) }, { weight: 3, arbitrary: fc.nat() }),
    trustMargin: fc.oneof(fc.constantFrom(0n, 13107n, 1n << 16n), fc.bigInt({ min: 0n, max: 1n << 16n })),
    rootUpdates: fc.boolean(),
    // Mostly above honest norms (direction < 2^24: norm2 < 2^51), sometimes anywhere.
    normBoundLog: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 50, max: 79 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 79 }) },
    ),
    cumOld: fc.array(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), { minLength: N, maxLength: N }),
    context: fc.bigInt({ min: 0n, max: SNARK_FIELD - 1n }),
    taskId: fc.bigInt({ min: 0n, max: SNARK_FIELD - 1n }),
    slotSeed: fc.array(fc.nat(), { minLength: N, maxLength: N }),
    // Mostly available; position `keep` always is, so someone is included.
    available: fc.array(fc.boolean(), { minLength: N, maxLength: N }),
    keep: fc.nat(),
    settler: fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }),
  })
  .map((r) => {
    const maxTrainers = Math.min(N, r.count + r.extraTrainers);
    // Distinct slots below maxTrainers, in a random order.
    const free = Array.from({ length: maxTrainers }, (_, i) => i);
    const slots = r.slotSeed.slice(0, r.count).map((x) => free.splice(x % free.length, 1)[0]);
    const updates: bigint[][] = [];
    for (const tr of r.trainers.slice(0, r.count)) {
      switch (tr.kind) {
        case "honest":
          updates.push(r.direction.map((d, k) => clip(d + tr.noise[k])));
          break;
        case "signFlip":
          updates.push(r.direction.map((d) => clip(-tr.k * d)));
          break;
        case "scaled":
          updates.push(r.direction.map((d) => clip(tr.s * d)));
          break;
        case "copy":
          updates.push(updates.length ? [...updates[tr.of % updates.length]] : [...r.direction]);
          break;
        case "random":
          updates.push(tr.update);
          break;
      }
    }
    const round = r.roundPick === "last" ? r.numRounds - 1 : r.roundPick % r.numRounds;
    const keep = r.keep % r.count;
    const input: Omit<RoundInput, "submissions"> = {
      slots: N,
      task: {
        context: r.context,
        taskId: r.taskId,
        config: { budget: r.budget, numRounds: r.numRounds, maxTrainers },
        rule: {
          normBoundSq: (1n << BigInt(r.normBoundLog)) + BigInt(r.normBoundLog) * 12345n,
          trustMargin: r.trustMargin,
          rootUpdates: r.rootUpdates,
        },
      },
      wOld: r.wOld,
      wPrev: r.wPrev ?? r.wOld,
      // Below 2^128 - budget, so no leaf can overflow (a round pays at most the budget).
      cumOld: r.cumOld.map((c) => c % ((1n << 128n) - r.budget)),
      round,
      settler: r.settler,
    };
    return { input, updates, slots, available: updates.map((_, j) => j === keep || r.available[j]) };
  });

/** Reveals every update (its commitment) and withholds the unavailable ones. */
async function roundInput(draft: {
  input: Omit<RoundInput, "submissions">;
  updates: bigint[][];
  slots: number[];
  available: boolean[];
}): Promise<RoundInput> {
  const submissions = [];
  for (const [j, update] of draft.updates.entries()) {
    submissions.push({ slot: draft.slots[j], commitment: await commitVector(update, 32), update: draft.available[j] ? update : undefined });
  }
  return { ...draft.input, submissions };
}

describe("property: contribution circuit == reference (contribution_4x8)", () => {
  it(`agrees on random rounds (${RUNS} runs)`, async () => {
    const publics = ["acc", "newState", "modelCommitment", "rewardRoot", "masks", "settler"];
    const t = await templateTester("contribution/contribution.circom", "Contribution", [N, P, 32], publics);
    const at = async (name: string) => signalIndex(t, name);
    await fc.assert(
      fc.asyncProperty(roundArb, async (draft) => {
        const s = await settleRound(await roundInput(draft));
        const w = await expectPass(t, buildWitness(s));
        const r = s.results;
        // The public inputs are the reference's (expectPass used them); they fix wNew, cumNew and the masks.
        const pub = publicSignals(s);
        for (const [i, name] of publics.entries()) expect(w[await at(`main.${name}`)], name).to.equal(pub[i]);
        for (let k = 0; k < P; k++) {
          expect(w[await at(`main.wNew[${k}]`)]).to.equal(toField(r.wNew[k]));
          expect(w[await at(`main.previous[${k}]`)]).to.equal(toField(s.trace.previous[k]));
        }
        for (let j = 0; j < s.trace.count; j++) {
          const f = r.flags[j];
          expect(w[await at(`main.included[${j}]`)]).to.equal(f.included ? 1n : 0n);
          expect(w[await at(`main.dup[${j}]`)]).to.equal(f.dup ? 1n : 0n);
          expect(w[await at(`main.slashed[${j}]`)]).to.equal(f.slashed ? 1n : 0n);
          expect(w[await at(`main.isRoot[${j}]`)]).to.equal(f.root ? 1n : 0n);
          expect(w[await at(`main.rule.excluded[${j}]`)]).to.equal(f.excluded ? 1n : 0n);
          expect(w[await at(`main.rule.trust[${j}]`)]).to.equal(r.trust[j]);
          expect(w[await at(`main.rule.value[${j}]`)]).to.equal(toField(r.values[j]));
          expect(w[await at(`main.rule.share[${j}]`)]).to.equal(r.shares[j]);
        }
        if (r.nIn > 0) expect(r.shares.reduce((a, b) => a + b)).to.equal(r.R);
        else expect(r.shares.every((x) => x === 0n)).to.equal(true);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
