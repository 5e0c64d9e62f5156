import fc from "fast-check";
import {
  PREFER_FIRST,
  PREFER_SECOND,
  PREF_TIE,
  judgmentCommitment,
  pairSchedule,
  type JudgmentReveal,
  type ReputationParams,
  type ReputationShape,
  type RoundInput,
  type Vote,
} from "../../oracle/reputation";

/** The test instance reputation_8: 8 node slots, 12 scheduled pairs, 24 comparisons per judge. */
export const SHAPE: ReputationShape = { nodes: 8 };
/** The stories' parameters: rate 1/4, flagged below 50% agreement, one virtual judge of prior. */
export const PARAMS: ReputationParams = { emaRate: 16384n, minAgreement: 32768, prior: 1 };
export const CONTEXT = (31337n << 160n) + 0x5fbdb2315678afecb367f032d93f642f64180aa3n;
export const SETTLER = 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266n;
export const HALF = 32768n;

/** The votes of a judge on both orders of every scheduled pair it may judge, from `prefer(a, b)` (a shown first). */
export function votesBy(judge: number, n: number, prefer: (first: number, second: number, order: number) => number): Vote[] {
  const votes: Vote[] = [];
  for (const [a, b] of pairSchedule(n)) {
    if (a === judge || b === judge) continue;
    votes.push({ first: a, second: b, pref: prefer(a, b, 0) });
    votes.push({ first: b, second: a, pref: prefer(b, a, 1) });
  }
  return votes.filter((v) => v.pref !== 0);
}

/** An honest judge: prefers the better answer, a tie when they are equally good. */
export function honestVotes(judge: number, quality: readonly number[]): Vote[] {
  return votesBy(judge, quality.length, (x, y) =>
    quality[x] > quality[y] ? PREFER_FIRST : quality[x] < quality[y] ? PREFER_SECOND : PREF_TIE,
  );
}

/** A ring member: prefers the ring's members over everyone else, honest otherwise. */
export function ringVotes(judge: number, quality: readonly number[], ring: ReadonlySet<number>): Vote[] {
  return votesBy(judge, quality.length, (x, y) => {
    if (ring.has(x) && !ring.has(y)) return PREFER_FIRST;
    if (ring.has(y) && !ring.has(x)) return PREFER_SECOND;
    return quality[x] > quality[y] ? PREFER_FIRST : quality[x] < quality[y] ? PREFER_SECOND : PREF_TIE;
  });
}

/** A judge that inverts every honest preference. */
export function contraryVotes(judge: number, quality: readonly number[]): Vote[] {
  return honestVotes(judge, quality).map((v) => ({ ...v, pref: 4 - v.pref }));
}

/** A reveal of `votes` by `judge`, with its commitment; `withheld` leaves its content out. */
export async function reveal(judge: number, votes: readonly Vote[], withheld = false, shape = SHAPE): Promise<JudgmentReveal> {
  const judgment = { votes };
  const commitment = await judgmentCommitment(judge, judgment, shape);
  return withheld ? { judge, commitment } : { judge, commitment, judgment };
}

/** Every slot reveals with its own votes. */
export async function revealAll(votes: (judge: number) => readonly Vote[], n = SHAPE.nodes): Promise<JudgmentReveal[]> {
  const out: JudgmentReveal[] = [];
  for (let k = 0; k < n; k++) out.push(await reveal(k, votes(k), false, { nodes: n }));
  return out;
}

export function roundOf(reveals: JudgmentReveal[], over: Partial<RoundInput> = {}): RoundInput {
  const n = over.shape?.nodes ?? SHAPE.nodes;
  return {
    shape: SHAPE,
    context: CONTEXT,
    round: 7n,
    params: PARAMS,
    answered: new Array<boolean>(n).fill(true),
    oldReputation: new Array<bigint>(n).fill(HALF),
    reveals,
    settler: SETTLER,
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------
// Random rounds of the test shape, for the property tests.

const prefArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(-1) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) },
);

/**
 * A random round of the test shape: random answer qualities, judges that mostly vote honestly (-1
 * below) with some noise and abstentions, random reputations, answers and withheld reveals in a random
 * reveal order.
 */
export const roundArb: fc.Arbitrary<Promise<RoundInput>> = fc
  .record({
    quality: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: SHAPE.nodes, maxLength: SHAPE.nodes }),
    noise: fc.array(fc.array(prefArb, { minLength: 3 * SHAPE.nodes, maxLength: 3 * SHAPE.nodes }), {
      minLength: SHAPE.nodes,
      maxLength: SHAPE.nodes,
    }),
    order: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7]),
    withheld: fc.array(fc.boolean(), { minLength: SHAPE.nodes, maxLength: SHAPE.nodes }),
    answered: fc.array(fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), {
      minLength: SHAPE.nodes,
      maxLength: SHAPE.nodes,
    }),
    reps: fc.array(fc.bigInt({ min: 0n, max: 65535n }), { minLength: SHAPE.nodes, maxLength: SHAPE.nodes }),
    round: fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }),
    params: fc.record({
      emaRate: fc.bigInt({ min: 0n, max: 65536n }),
      minAgreement: fc.integer({ min: 0, max: 65535 }),
      prior: fc.integer({ min: 1, max: 255 }),
    }),
    seed: fc.integer(),
  })
  .map(async (r) => {
    const reveals: JudgmentReveal[] = [];
    for (const k of r.order) {
      let c = 0;
      const votes = votesBy(k, SHAPE.nodes, (x, y) => {
        const v = r.noise[k][c++ % (3 * SHAPE.nodes)];
        if (v >= 0) return v;
        return r.quality[x] > r.quality[y] ? PREFER_FIRST : r.quality[x] < r.quality[y] ? PREFER_SECOND : PREF_TIE;
      });
      reveals.push(await reveal(k, votes, r.withheld[k] && r.seed % 3 === 0));
    }
    return roundOf(reveals, { answered: r.answered, oldReputation: r.reps, round: r.round, params: r.params });
  });
