import { ZkMeritError } from "../core";
import {
  PREFER_FIRST,
  PREFER_SECOND,
  PREF_NONE,
  PREF_TIE,
  judgmentCommitment,
  pairSchedule,
  type Judgment,
  type JudgmentReveal,
  type Vote,
} from "./reference";
import { type Question } from "./questions";
import { Rng } from "../core";

/**
 * Module 3's simulated swarm, entirely off-chain and deterministic from a seed: N nodes, one per
 * slot, each answering a multiple-choice question (questions.ts) and judging the other nodes'
 * answers over the rule's pair schedule, in the exact encoding the reference settles
 * (docs/spec/reputation.md: a preference vector of 3N entries, 0 not judged, 1 the answer shown
 * first is better, 2 a tie, 3 the answer shown second is better, 0 on the judge's own comparisons).
 *
 * ## The population (default, for 16 slots)
 *
 * Heterogeneous, as a real swarm of models is: a few strong nodes and many weak ones, so that a
 * plurality vote of heads is genuinely worse than the best node.
 *
 * | tier   | share | answer ability | mean accuracy (K = 4, difficulty uniform) |
 * | ------ | ----- | -------------- | ----------------------------------------- |
 * | strong | 20%   | U(0.75, 0.95)  | about 85%                                 |
 * | medium | 25%   | U(0.40, 0.60)  | about 62%                                 |
 * | weak   | rest  | U(0.00, 0.25)  | about 40%                                 |
 *
 * (16 slots: 3 strong, 4 medium, 9 weak, placed on the slots in a seeded random order.)
 *
 * - **Answering** is an item-response model: a node of ability `a` answers a question of difficulty
 *   `d` correctly with probability `1/K + (1 − 1/K)·σ(6(a − d))`; a wrong answer is the question's
 *   lure with probability `lureShare` (default 0.6), else uniform over the other wrong options.
 *   Nodes err independently given the question, but they share the lure.
 * - **Judging is easier than answering**: the same model with the ability raised by `judgeBoost`
 *   (default 0.4) and a coin flip as its floor. Shown a correct and a wrong answer, a judge prefers
 *   the correct one with probability `1/2 + σ(6(a + judgeBoost − d))/2` (a weak node: about 98% on
 *   the easiest questions, 70–85% at mid difficulty, a coin flip on the hardest; a strong node
 *   85–95% on the hardest). Two identical answers are a tie; two different wrong answers are a
 *   tie too (the judge cannot tell which is less wrong). A judge's verdict does not depend on its
 *   own answer.
 * - **Position bias**: with probability `positionBias` (per node U(0, 0.2)) the judge prefers the
 *   answer shown first whatever it is. The schedule compares every pair in both orders, so the bias
 *   cancels in the wins but costs the judge agreement.
 * - **Noise**: with probability `noise` (per node U(0.02, 0.08)) a preference is uniform over
 *   1, 2, 3, before the bias and the verdict.
 *
 * ## Adversarial styles
 *
 * A seeded random `adversaryFraction` of the slots (rounded; 30% of 16 is 5) takes the style; they
 * keep their tier's abilities.
 *
 * - `self` (always prefers itself). The schedule never shows a judge a pair with its own answer, so
 *   what such a node can do is prefer whichever shown answer **equals its own** over one that
 *   differs, whatever its verdict; between two answers both equal to or both different from its own
 *   it judges honestly. It answers with its own skill.
 * - `random` (lazy): answers a uniform option and votes uniformly over 1, 2, 3 on every comparison
 *   (its agreement with any order is 1/2 in expectation).
 * - `ring` (a colluding ring promoting its members): every member answers the question's lure (the
 *   ring coordinates on one wrong answer, the one that also draws the weak nodes' mistakes: the most
 *   damaging for a plurality vote). A member prefers a member's answer over a non-member's, calls
 *   two members' answers a tie, and judges two non-members honestly (to keep its agreement up).
 * - `copycat` copies revealed judgments instead of judging. Under commit-reveal nothing of the
 *   current round is visible before its own judgment commit closes, so the only judgments it can
 *   copy are the **previous round's** reveals: it takes the preference vector of the judge with the
 *   highest reputation on chain (after that round; not itself, the lowest slot on a tie), and zeroes its own
 *   comparisons (a verbatim copy containing them would be rejected). The copied vector was about
 *   another question's answers, so it carries no information on this round's answers, only on which
 *   slots tend to be right (strong slots keep winning). In the first round it has nothing to copy and
 *   abstains (all 0, so the rule does not observe it). It answers with its own skill. In the outcome
 *   runs (outcome.ts) one copycat earns a little less agreement than an honest judge; five that follow
 *   the same leader vote alike, so on the pairs that honest judges call a tie (two equal answers, two
 *   wrong ones) their strict votes make the strength order and they agree with it: they earn more
 *   agreement and reputation than the honest judges (about 0.73 against 0.63 at 16 slots).
 */

export type NodeStyle = "honest" | "self" | "random" | "ring" | "copycat";
export type AdversaryStyle = Exclude<NodeStyle, "honest">;
export const ADVERSARY_STYLES: readonly AdversaryStyle[] = ["self", "random", "ring", "copycat"];

export type Tier = "strong" | "medium" | "weak";

export interface SimNode {
  readonly slot: number;
  readonly tier: Tier;
  /** Answering ability on the difficulty scale (see the file header). */
  readonly ability: number;
  /** How much easier judging is than answering, on the same scale. */
  readonly judgeBoost: number;
  /** Probability of preferring the answer shown first regardless. */
  readonly positionBias: number;
  /** Probability of a uniformly random preference. */
  readonly noise: number;
  readonly style: NodeStyle;
}

export interface TierSpec {
  /** Share of the slots (the last tier takes the rest). */
  readonly share: number;
  readonly ability: readonly [number, number];
}

export interface SwarmOptions {
  readonly seed?: number | string;
  /** Slots N (default 16). */
  readonly nodes?: number;
  /** The adversaries' style; none by default. */
  readonly style?: AdversaryStyle;
  /** Share of the slots that are adversarial (default 0.3 when a style is given, else 0). */
  readonly adversaryFraction?: number;
  readonly tiers?: Readonly<Record<Tier, TierSpec>>;
  readonly judgeBoost?: number;
  readonly positionBias?: readonly [number, number];
  readonly noise?: readonly [number, number];
}

export const DEFAULT_NODES = 16;
export const DEFAULT_ADVERSARY_FRACTION = 0.3;
export const DEFAULT_TIERS: Readonly<Record<Tier, TierSpec>> = {
  strong: { share: 0.2, ability: [0.75, 0.95] },
  medium: { share: 0.25, ability: [0.4, 0.6] },
  weak: { share: 0.55, ability: [0, 0.25] },
};
export const DEFAULT_JUDGE_BOOST = 0.4;
export const DEFAULT_POSITION_BIAS: readonly [number, number] = [0, 0.2];
export const DEFAULT_NOISE: readonly [number, number] = [0.02, 0.08];
/** Share of the wrong answers that go to the question's lure. */
export const DEFAULT_LURE_SHARE = 0.6;
/** The slope of the item-response curve, per unit of ability minus difficulty. */
export const IRT_SLOPE = 6;

/** A swarm: its nodes by slot and the options it was made from. */
export interface Swarm {
  readonly seed: number | string;
  readonly nodes: readonly SimNode[];
  /** The adversarial slots, increasing. */
  readonly adversaries: readonly number[];
  readonly lureShare: number;
}

function bad(message: string, details: Record<string, unknown> = {}): ZkMeritError {
  return new ZkMeritError("CONFIG", message, details);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Makes the swarm: tiers' counts from their shares, placed on the slots in a seeded order, then the adversaries. */
export function makeSwarm(options: SwarmOptions = {}, lureShare = DEFAULT_LURE_SHARE): Swarm {
  const seed = options.seed ?? 1;
  const n = options.nodes ?? DEFAULT_NODES;
  if (!Number.isInteger(n) || n < 4 || n > 64 || n % 2 !== 0) throw bad(`nodes must be an even integer in [4, 64], got ${n}`);
  const fraction = options.adversaryFraction ?? (options.style ? DEFAULT_ADVERSARY_FRACTION : 0);
  if (!(fraction >= 0 && fraction <= 1)) throw bad(`adversaryFraction must be in [0, 1], got ${fraction}`);
  if (fraction > 0 && !options.style) throw bad(`adversaryFraction ${fraction} needs a style (${ADVERSARY_STYLES.join(", ")})`);
  if (options.style && !ADVERSARY_STYLES.includes(options.style))
    throw bad(`style must be one of ${ADVERSARY_STYLES.join(", ")}, got ${String(options.style)}`);
  if (!(lureShare >= 0 && lureShare <= 1)) throw bad(`lureShare must be in [0, 1], got ${lureShare}`);
  const tiers = options.tiers ?? DEFAULT_TIERS;
  const rng = new Rng(`swarm:${String(seed)}`);
  const strong = Math.round(tiers.strong.share * n);
  const medium = Math.min(n - strong, Math.round(tiers.medium.share * n));
  const order: Tier[] = [
    ...new Array<Tier>(strong).fill("strong"),
    ...new Array<Tier>(medium).fill("medium"),
    ...new Array<Tier>(n - strong - medium).fill("weak"),
  ];
  const placed = rng.fork("tiers").shuffle(order);
  const count = Math.round(fraction * n);
  const adversaries = rng
    .fork("adversaries")
    .shuffle(Array.from({ length: n }, (_, i) => i))
    .slice(0, count)
    .sort((a, b) => a - b);
  const bias = options.positionBias ?? DEFAULT_POSITION_BIAS;
  const noise = options.noise ?? DEFAULT_NOISE;
  const nodes = placed.map((tier, slot): SimNode => {
    const r = rng.fork(`node:${slot}`);
    const [lo, hi] = tiers[tier].ability;
    return {
      slot,
      tier,
      ability: r.uniform(lo, hi),
      judgeBoost: options.judgeBoost ?? DEFAULT_JUDGE_BOOST,
      positionBias: r.uniform(bias[0], bias[1]),
      noise: r.uniform(noise[0], noise[1]),
      style: adversaries.includes(slot) ? options.style! : "honest",
    };
  });
  return { seed, nodes, adversaries, lureShare };
}

/** The probability that `node` answers `q` correctly by its skill: 1/K + (1 − 1/K) σ(6 (ability − difficulty)). */
export function answerProbability(node: SimNode, q: Question): number {
  return 1 / q.choices + (1 - 1 / q.choices) * sigmoid(IRT_SLOPE * (node.ability - q.difficulty));
}

/** The probability that `node`, shown a correct and a wrong answer to `q`, prefers the correct one: 1/2 + σ(6 (ability + boost − difficulty))/2. */
export function judgeAccuracy(node: SimNode, q: Question): number {
  return 0.5 + 0.5 * sigmoid(IRT_SLOPE * (node.ability + node.judgeBoost - q.difficulty));
}

/** An answer by skill: correct with {@link answerProbability}, else the lure with `lureShare`, else another wrong option. */
export function skilledAnswer(node: SimNode, q: Question, lureShare: number, rng: Rng): number {
  if (rng.chance(answerProbability(node, q))) return q.correct;
  const others = Array.from({ length: q.choices }, (_, c) => c).filter((c) => c !== q.correct && c !== q.lure);
  if (others.length === 0 || rng.chance(lureShare)) return q.lure;
  return rng.pick(others);
}

/** What a judge sees and knows in a round. */
export interface JudgeView {
  readonly question: Question;
  /** Every slot's revealed answer this round. */
  readonly answers: readonly number[];
  /** The previous round's revealed preference vectors by slot (undefined in the first round), and the reputations on chain now (after it). */
  readonly previous?: { readonly prefs: readonly (readonly number[])[]; readonly reputation: readonly bigint[] };
}

const randomPref = (rng: Rng) => 1 + rng.int(3);
const preferSide = (first: boolean) => (first ? PREFER_FIRST : PREFER_SECOND);

/** An honest judge's preference on answers `x` (shown first) and `y`: noise, then position bias, then the verdict. */
export function honestPreference(node: SimNode, q: Question, x: number, y: number, rng: Rng): number {
  if (rng.chance(node.noise)) return randomPref(rng);
  if (rng.chance(node.positionBias)) return PREFER_FIRST;
  if (x === y) return PREF_TIE;
  if (x !== q.correct && y !== q.correct) return PREF_TIE;
  const right = rng.chance(judgeAccuracy(node, q));
  return preferSide((x === q.correct) === right);
}

/**
 * The preference vector of `node` as a judge: 3N entries over the pair schedule, entry 2e + o the
 * preference on pair e shown in order o (0: the pair's first slot's answer first), 0 on its own
 * comparisons, by its style (file header).
 */
export function judgePreferences(swarm: Swarm, node: SimNode, view: JudgeView, rng: Rng): number[] {
  const n = swarm.nodes.length;
  const prefs = new Array<number>(3 * n).fill(PREF_NONE);
  const { question: q, answers } = view;
  if (node.style === "copycat") {
    if (!view.previous) return prefs;
    const { prefs: before, reputation } = view.previous;
    let source = -1;
    for (let k = 0; k < n; k++) if (k !== node.slot && (source < 0 || reputation[k] > reputation[source])) source = k;
    pairSchedule(n).forEach(([a, b], e) => {
      if (a === node.slot || b === node.slot) return;
      prefs[2 * e] = before[source][2 * e];
      prefs[2 * e + 1] = before[source][2 * e + 1];
    });
    return prefs;
  }
  const ring = new Set(swarm.adversaries);
  pairSchedule(n).forEach(([a, b], e) => {
    if (a === node.slot || b === node.slot) return;
    for (const o of [0, 1]) {
      const [first, second] = o === 0 ? [a, b] : [b, a];
      const x = answers[first];
      const y = answers[second];
      let pref: number;
      switch (node.style) {
        case "random":
          pref = randomPref(rng);
          break;
        case "self": {
          const own = answers[node.slot];
          pref = (x === own) !== (y === own) ? preferSide(x === own) : honestPreference(node, q, x, y, rng);
          break;
        }
        case "ring":
          if (ring.has(first) && ring.has(second)) pref = PREF_TIE;
          else if (ring.has(first) || ring.has(second)) pref = preferSide(ring.has(first));
          else pref = honestPreference(node, q, x, y, rng);
          break;
        default:
          pref = honestPreference(node, q, x, y, rng);
      }
      prefs[2 * e + o] = pref;
    }
  });
  return prefs;
}

/** A node's answer to the round's question, by its style. */
export function nodeAnswer(swarm: Swarm, node: SimNode, q: Question, rng: Rng): number {
  if (node.style === "random") return rng.int(q.choices);
  if (node.style === "ring") return q.lure;
  return skilledAnswer(node, q, swarm.lureShare, rng);
}

/** One round of the swarm: every slot's answer and every judge's preference vector. */
export interface RoundPlay {
  readonly question: Question;
  readonly answers: readonly number[];
  /** By slot: the 3N-entry preference vector (the spec's encoding). */
  readonly prefs: readonly (readonly number[])[];
}

/**
 * Plays round `round` on `question`: the answers (all slots answer), then the judgments, each from
 * its own seeded stream (`previous`: the last round's preference vectors and the reputations after
 * it, which only a copycat reads).
 */
export function playRound(swarm: Swarm, round: number, question: Question, previous?: JudgeView["previous"]): RoundPlay {
  const rng = new Rng(`round:${String(swarm.seed)}:${round}`);
  const answers = swarm.nodes.map((node) => nodeAnswer(swarm, node, question, rng.fork(`answer:${node.slot}`)));
  const view: JudgeView = { question, answers, previous };
  const prefs = swarm.nodes.map((node) => judgePreferences(swarm, node, view, rng.fork(`judge:${node.slot}`)));
  return { question, answers, prefs };
}

/** The reference's judgment (its votes) of a preference vector: one vote per nonzero entry, in comparison order. */
export function judgmentOf(n: number, prefs: readonly number[]): Judgment {
  if (prefs.length !== 3 * n) throw bad(`a preference vector of ${n} slots has ${3 * n} entries, got ${prefs.length}`);
  const votes: Vote[] = [];
  pairSchedule(n).forEach(([a, b], e) => {
    if (prefs[2 * e] !== PREF_NONE) votes.push({ first: a, second: b, pref: prefs[2 * e] });
    if (prefs[2 * e + 1] !== PREF_NONE) votes.push({ first: b, second: a, pref: prefs[2 * e + 1] });
  });
  return { votes };
}

/** The round's judgment reveals, in slot order, with their commitments (every slot reveals; a copycat's empty first judgment too). */
export async function roundReveals(play: RoundPlay): Promise<JudgmentReveal[]> {
  const n = play.answers.length;
  const out: JudgmentReveal[] = [];
  for (let k = 0; k < n; k++) {
    const judgment = judgmentOf(n, play.prefs[k]);
    out.push({ judge: k, commitment: await judgmentCommitment(k, judgment, { nodes: n }), judgment });
  }
  return out;
}
