import { ZkMeritError } from "../core";
import { REP_MAX, checkParams, settleRound, type ReputationParams } from "./reference";
import { generateQuestions, type Question, type QuestionOptions } from "./questions";
import {
  DEFAULT_LURE_SHARE,
  DEFAULT_NODES,
  makeSwarm,
  playRound,
  roundReveals,
  type AdversaryStyle,
  type Swarm,
  type SwarmOptions,
} from "./simulation";

/**
 * Module 3's outcome evaluation, off-chain: R rounds (one question each) of a simulated swarm
 * (simulation.ts) settled one after the other by the reference rule (`settleRound`), the new
 * reputations of a round being the old ones of the next, from a configurable starting reputation.
 * It measures, per round and over the run, the accuracy of the swarm's chosen answer (the winning
 * slot's answer) against a plurality vote over the same nodes' answers and against the best single
 * node in hindsight (the node most often right over the run), the reputation trajectories and the
 * flagged judges; {@link reputationOutcome} reduces runs over seeds × adversarial styles to the
 * bench's rows (medians over the seeds).
 */

/**
 * Default rule parameters of the runs, those of the rule's stories: EMA rate 1/4, flagged below an
 * agreement of 1/2, and prior ceil(N/8) (the least the rule allows). The honest judges' agreement is
 * pulled toward 1/2 by their ties (an honest judge calls two equal answers, or two wrong ones, a tie,
 * which scores half against any strict order), so a higher threshold flags honest judges in many
 * rounds; the threshold only flags, it changes no winner.
 */
export const OUTCOME_EMA_RATE = 16384n;
export const OUTCOME_MIN_AGREEMENT = 32768;
export const defaultOutcomeParams = (nodes: number): ReputationParams => ({
  emaRate: OUTCOME_EMA_RATE,
  minAgreement: OUTCOME_MIN_AGREEMENT,
  prior: Math.max(1, Math.ceil(nodes / 8)),
});
/** A newcomer's reputation: one half. */
export const DEFAULT_INITIAL_REPUTATION = 32768n;
export const DEFAULT_ROUNDS = 40;
/** chainId 31337 and a fixed contract address, and a settler: any values do off-chain. */
export const OUTCOME_CONTEXT = (31337n << 160n) + 0x5fbdb2315678afecb367f032d93f642f64180aa3n;
export const OUTCOME_SETTLER = 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266n;

/** The bars of the issue: the swarm at least 10 points above the plurality vote and at least the best single node. */
export const REPUTATION_OUTCOME_BARS = { overMajority: 0.1, belowBest: 0 } as const;

export interface OutcomeOptions {
  readonly seed?: number | string;
  readonly nodes?: number;
  readonly rounds?: number;
  readonly style?: AdversaryStyle;
  readonly adversaryFraction?: number;
  /** Every slot's reputation before the first round (default 32768). */
  readonly initialReputation?: bigint;
  readonly params?: ReputationParams;
  readonly swarm?: Omit<SwarmOptions, "seed" | "nodes" | "style" | "adversaryFraction">;
  readonly questions?: Omit<QuestionOptions, "seed" | "count">;
  readonly lureShare?: number;
  /** A swarm to run instead of the one made from the seed (e.g. the nodes a calibration admitted, re-slotted); its size must be `nodes`. */
  readonly population?: Swarm;
}

export interface RoundOutcome {
  readonly round: number;
  readonly question: Question;
  readonly answers: readonly number[];
  /** The winning slot (every slot answers, so always < N). */
  readonly winner: number;
  readonly swarmCorrect: boolean;
  /** The plurality vote's credit: 1 when the correct option has strictly most votes, 1/t when it ties t ways for most, else 0. */
  readonly majorityCredit: number;
  /** Whether some node answered correctly (no rule can do better). */
  readonly anyCorrect: boolean;
  /** By slot: agreement (0..1) and flagged, as the rule computed them; reputations after the round. */
  readonly agreement: readonly number[];
  readonly observed: readonly boolean[];
  readonly flagged: readonly boolean[];
  readonly reputation: readonly bigint[];
}

export interface OutcomeRun {
  readonly swarm: Swarm;
  readonly params: ReputationParams;
  readonly rounds: readonly RoundOutcome[];
  /** By round 0..R: every slot's reputation (index 0: before the first round). */
  readonly reputations: readonly (readonly bigint[])[];
  readonly swarmAccuracy: number;
  readonly majorityAccuracy: number;
  readonly anyCorrectRate: number;
  /** By slot: the share of rounds it answered correctly; and the best of them, the best single node in hindsight. */
  readonly nodeAccuracy: readonly number[];
  readonly best: { readonly slot: number; readonly accuracy: number };
  /** Share of rounds won by an adversarial slot. */
  readonly adversaryWins: number;
}

function bad(message: string, details: Record<string, unknown> = {}): ZkMeritError {
  return new ZkMeritError("CONFIG", message, details);
}

/** The plurality vote's credit on one question: 1/t when the correct option is among the t options with most votes, else 0. */
export function pluralityCredit(answers: readonly number[], correct: number): number {
  const votes = new Map<number, number>();
  for (const a of answers) votes.set(a, (votes.get(a) ?? 0) + 1);
  const most = Math.max(...votes.values());
  const top = [...votes].filter(([, v]) => v === most).map(([a]) => a);
  return top.includes(correct) ? 1 / top.length : 0;
}

/** Runs R rounds of a swarm through the reference, carrying the reputations round to round. */
export async function runOutcome(options: OutcomeOptions = {}): Promise<OutcomeRun> {
  const seed = options.seed ?? 1;
  const nodes = options.nodes ?? DEFAULT_NODES;
  const count = options.rounds ?? DEFAULT_ROUNDS;
  if (!Number.isInteger(count) || count < 1 || count > 10_000) throw bad(`rounds must be an integer in [1, 10000], got ${count}`);
  const swarm =
    options.population ??
    makeSwarm(
      { ...options.swarm, seed, nodes, style: options.style, adversaryFraction: options.adversaryFraction },
      options.lureShare ?? DEFAULT_LURE_SHARE,
    );
  if (swarm.nodes.length !== nodes) throw bad(`the population has ${swarm.nodes.length} nodes, the run ${nodes}`);
  const params = checkParams(options.params ?? defaultOutcomeParams(nodes), { nodes });
  const initial = options.initialReputation ?? DEFAULT_INITIAL_REPUTATION;
  if (initial < 0n || initial > REP_MAX) throw bad(`initialReputation must be in [0, 65535], got ${initial}`);
  const questions = generateQuestions({ ...options.questions, seed, count });
  let reputation: bigint[] = new Array<bigint>(nodes).fill(initial);
  const reputations: bigint[][] = [reputation];
  const rounds: RoundOutcome[] = [];
  let previous: { prefs: readonly (readonly number[])[]; reputation: readonly bigint[] } | undefined;
  for (const [r, question] of questions.entries()) {
    const play = playRound(swarm, r, question, previous);
    const s = await settleRound({
      shape: { nodes },
      context: OUTCOME_CONTEXT,
      round: BigInt(r + 1),
      params,
      answered: new Array<boolean>(nodes).fill(true),
      oldReputation: reputation,
      reveals: await roundReveals(play),
      settler: OUTCOME_SETTLER,
    });
    const t = s.trace;
    reputation = [...t.newReputation];
    previous = { prefs: play.prefs, reputation };
    reputations.push(reputation);
    rounds.push({
      round: r,
      question,
      answers: play.answers,
      winner: t.winner,
      swarmCorrect: play.answers[t.winner] === question.correct,
      majorityCredit: pluralityCredit(play.answers, question.correct),
      anyCorrect: play.answers.includes(question.correct),
      agreement: t.agreement.map((a) => Number(a) / Number(REP_MAX)),
      observed: t.observed,
      flagged: t.flagged,
      reputation,
    });
  }
  const share = (f: (x: RoundOutcome) => number) => rounds.reduce((s, x) => s + f(x), 0) / rounds.length;
  const nodeAccuracy = swarm.nodes.map((_, i) => share((x) => (x.answers[i] === x.question.correct ? 1 : 0)));
  const bestSlot = nodeAccuracy.reduce((b, a, i) => (a > nodeAccuracy[b] ? i : b), 0);
  const adversaries = new Set(swarm.adversaries);
  return {
    swarm,
    params,
    rounds,
    reputations,
    swarmAccuracy: share((x) => (x.swarmCorrect ? 1 : 0)),
    majorityAccuracy: share((x) => x.majorityCredit),
    anyCorrectRate: share((x) => (x.anyCorrect ? 1 : 0)),
    nodeAccuracy,
    best: { slot: bestSlot, accuracy: nodeAccuracy[bestSlot] },
    adversaryWins: share((x) => (adversaries.has(x.winner) ? 1 : 0)),
  };
}
