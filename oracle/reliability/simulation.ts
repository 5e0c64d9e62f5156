import { ZkMeritError } from "../core";
import {
  LANES,
  SCORE_MAX,
  SHARE_MAX,
  checkParams,
  checkShape,
  emaStep,
  feedbackCommitment,
  updateBatch,
  type BatchUpdate,
  type Feedback,
  type ReliabilityParams,
  type ReliabilityShape,
  type Reveal,
  type Score,
} from "./reference";
import {
  DEFAULT_CANDIDATES,
  DEFAULT_LAMBDA,
  DEFAULT_TOP_K,
  PRIOR_SCORE,
  RetrievalClient,
  type RerankMode,
  type RetrieveOptions,
} from "./client";
import { Rng } from "../core";
import { generateCorpus, trueScores, type Corpus, type CorpusOptions, type Passage, type Question } from "./corpus";
import { generateAnswer, recordAnswer, type AnswerRecord, type GenerateOptions } from "./generator";
import { epochFeedback, makePanel, type EvaluatorSpec, type EvaluatorStrategy } from "./evaluators";
import { answerAccuracy, formatTable, pct, scoreTau } from "./metrics";

/**
 * The epoch simulation of module 2, entirely off-chain: each epoch draws Q questions, retrieves and
 * answers them with the current scores, the evaluators grade the answers, and the batch rule
 * (`updateBatch` of the reference, or a naive mean aggregate for comparison) turns the grades into
 * new scores. The pieces are exposed one by one ({@link ReliabilityWorkload}) so that the demo can
 * run the same workload against the registry: read the scores from chain, answer, grade, commit
 * and reveal the feedback, settle with the prover.
 */

/** The demo-sized instance: one word (8 sources), 16 query slots, 7 evaluators, 3 sources per grade. */
export const DEFAULT_SHAPE: ReliabilityShape = { words: 1, queries: 16, evaluators: 7, entries: 3 };
/**
 * Default rule parameters: EMA rate 1/4 (a score moves a quarter of the way to the epoch's
 * observation, so five observed epochs leave 24% of the prior: slower than 1/2 but it averages the
 * few graded answers per source an epoch gives, see the design note), a query counts with 3
 * graders, 40 share points of tolerance, flagged above 50% disagreement (the rule's story parameters).
 */
export const DEFAULT_PARAMS: ReliabilityParams = { emaRate: 16384n, minGraders: 3, shareTolerance: 40, disagreePct: 50 };
/** chainId 31337 and the first Hardhat deployment address: a context for the off-chain batches. */
export const SIMULATION_CONTEXT = (31337n << 160n) + 0x5fbdb2315678afecb367f032d93f642f64180aa3n;
export const SIMULATION_SETTLER = 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266n;

/** Half of each epoch's graded questions are relevance-only probes (see {@link SimulationOptions.explore}). */
export const DEFAULT_EXPLORE = 0.5;

export type Aggregate = "median" | "naive";

export interface WorkloadOptions {
  readonly seed?: number | string;
  readonly corpus?: CorpusOptions | Corpus;
  readonly shape?: ReliabilityShape;
  /** The weight of reliability in the rerank (default 0.5) and its formula. */
  readonly lambda?: number;
  readonly mode?: RerankMode;
  readonly candidates?: number;
  readonly topK?: number;
  readonly answerMode?: GenerateOptions["answerMode"];
  readonly credit?: GenerateOptions["credit"];
  /**
   * The fraction of each epoch's graded questions answered with relevance only (λ = 0), the rest
   * with the current scores (default 0.5). Exploration: the registry learns nothing about a source
   * that reliability-aware retrieval has stopped retrieving, nor about one that is only ever
   * outvoted (see the workload design note).
   */
  readonly explore?: number;
  /** Evaluators in the panel (default shape.evaluators; at most that). */
  readonly evaluators?: number;
  readonly liarFraction?: number;
  readonly strategy?: Exclude<EvaluatorStrategy, "honest">;
  /** The liars' target; default: the least reliable source for boost, the most reliable for sink. */
  readonly target?: bigint;
  /** The honest evaluators' verdict noise rate (default 0.05). */
  readonly noise?: number;
  /** The score every source starts from (default 32768, 0.5). */
  readonly prior?: bigint;
}

export interface SimulationOptions extends WorkloadOptions {
  readonly params?: ReliabilityParams;
  readonly epochs?: number;
  /** The robust median of the reference (default) or the naive mean, implemented here only. */
  readonly aggregate?: Aggregate;
  /** Keep every epoch's BatchUpdate (the full trace) in the report (default false). */
  readonly keepBatches?: boolean;
}

/** Held-out accuracies of the three retrievers. */
export interface Accuracy {
  /** λ = 0: BM25 order. */
  readonly relevance: number;
  /** λ with the learned scores. */
  readonly aware: number;
  /** λ with the true reliabilities. */
  readonly oracle: number;
}

export interface EpochReport {
  /** 0 is the prior, before any feedback. */
  readonly epoch: number;
  readonly scores: ReadonlyMap<bigint, Score>;
  readonly tau: number;
  readonly accuracy: Accuracy;
  /** The fraction of this epoch's drawn questions answered correctly (reliability-aware, as graded). */
  readonly trainAccuracy?: number;
  /** The evaluators flagged by the disagreement rule this epoch (median aggregate only). */
  readonly flagged: readonly bigint[];
  readonly batch?: BatchUpdate;
}

export interface SimulationReport {
  readonly options: SimulationOptions;
  readonly aggregate: Aggregate;
  readonly panel: readonly EvaluatorSpec[];
  readonly truth: ReadonlyMap<bigint, bigint>;
  readonly epochs: readonly EpochReport[];
}

function bad(message: string, details: Record<string, unknown> = {}): ZkMeritError {
  return new ZkMeritError("CONFIG", message, details);
}

/** The workload, step by step: the corpus, the client, the panel, and the epoch's questions, answers and grades. */
export class ReliabilityWorkload {
  readonly corpus: Corpus;
  readonly client: RetrievalClient<Passage>;
  readonly shape: ReliabilityShape;
  readonly panel: readonly EvaluatorSpec[];
  readonly truth: ReadonlyMap<bigint, bigint>;
  /** The batch's word indices (strictly increasing): every source's word, padded to shape.words. */
  readonly words: readonly bigint[];
  readonly retrieve: RetrieveOptions;
  readonly prior: bigint;
  readonly generate: GenerateOptions;
  private readonly rng: Rng;

  constructor(readonly options: WorkloadOptions = {}) {
    const seed = options.seed ?? 1;
    this.corpus = isCorpus(options.corpus) ? options.corpus : generateCorpus({ seed, ...options.corpus });
    this.shape = checkShape(options.shape ?? DEFAULT_SHAPE);
    this.client = new RetrievalClient(this.corpus.passages);
    this.truth = trueScores(this.corpus);
    this.rng = new Rng(`workload:${String(seed)}`);
    this.prior = options.prior ?? PRIOR_SCORE;
    this.generate = { maxSources: this.shape.entries, answerMode: options.answerMode, credit: options.credit };
    this.retrieve = {
      lambda: options.lambda ?? DEFAULT_LAMBDA,
      mode: options.mode,
      candidates: options.candidates ?? DEFAULT_CANDIDATES,
      topK: options.topK ?? DEFAULT_TOP_K,
      unknownScore: this.prior,
    };
    const wordSet = [...new Set(this.corpus.sources.map((s) => s.id >> 3n))].sort((a, b) => (a < b ? -1 : 1));
    if (wordSet.length > this.shape.words) {
      throw bad(
        `the corpus's ${this.corpus.sources.length} sources span ${wordSet.length} score words; the instance holds ${this.shape.words}`,
      );
    }
    for (let w = 0n; wordSet.length < this.shape.words; w++) if (!wordSet.includes(w)) wordSet.push(w);
    this.words = wordSet.sort((a, b) => (a < b ? -1 : 1));
    const count = options.evaluators ?? this.shape.evaluators;
    if (count < 1 || count > this.shape.evaluators) throw bad(`evaluators must be in [1, ${this.shape.evaluators}], got ${count}`);
    const byReliability = [...this.corpus.sources].sort((a, b) => a.reliability - b.reliability);
    const target = options.target ?? (options.strategy === "sink" ? byReliability[byReliability.length - 1].id : byReliability[0].id);
    this.panel = makePanel({ count, liarFraction: options.liarFraction, strategy: options.strategy, target, noise: options.noise });
  }

  /** The scores every source starts from. */
  priorScores(): Map<bigint, Score> {
    return new Map(this.corpus.sources.map((s) => [s.id, { reliability: this.prior, usefulness: this.prior }]));
  }

  /** The epoch's questions: Q distinct training questions (a seeded draw per epoch). */
  drawQuestions(epoch: number, count = this.shape.queries): Question[] {
    if (count > this.shape.queries) throw bad(`an epoch holds at most ${this.shape.queries} questions, got ${count}`);
    return this.rng.fork(`questions:${epoch}`).shuffle(this.corpus.training).slice(0, count);
  }

  /** Retrieval (reranked with `reliability`) and the generator's answer with its verdict, per question. */
  answer(
    questions: readonly Question[],
    reliability: ReadonlyMap<bigint, bigint>,
    options: RetrieveOptions = this.retrieve,
  ): AnswerRecord[] {
    return questions.map((q) => recordAnswer(q, generateAnswer(q, this.client.retrieve(q.text, reliability, options), this.generate)));
  }

  /** Every evaluator's feedback on the epoch's answers, in panel (reveal) order. */
  grade(epoch: number, records: readonly AnswerRecord[]): { evaluator: bigint; feedback: Feedback }[] {
    const universe = this.corpus.sources.map((s) => s.id);
    return this.panel.map((spec) => ({
      evaluator: spec.id,
      feedback: epochFeedback(spec, records, this.shape, { rng: this.rng.fork(`grade:${epoch}:${spec.id}`), universe }),
    }));
  }

  /** The reveals of the feedback (commitments as the evaluators would reveal them). */
  async reveals(feedback: readonly { evaluator: bigint; feedback: Feedback }[]): Promise<Reveal[]> {
    const out: Reveal[] = [];
    for (const f of feedback)
      out.push({ evaluator: f.evaluator, commitment: await feedbackCommitment(f.feedback, this.shape), feedback: f.feedback });
    return out;
  }

  /** The scores by batch slot (K = 8W), sources missing from `scores` at the prior. */
  slotScores(scores: ReadonlyMap<bigint, Score>): Score[] {
    const prior = { reliability: this.prior, usefulness: this.prior };
    return this.words.flatMap((w) => Array.from({ length: LANES }, (_, l) => scores.get(w * BigInt(LANES) + BigInt(l)) ?? prior));
  }

  /** Held-out accuracy of relevance-only, reliability-aware (with `reliability`) and oracle retrieval. */
  accuracy(reliability: ReadonlyMap<bigint, bigint>): Accuracy {
    const qs = this.corpus.heldOut;
    return {
      relevance: answerAccuracy(this.client, qs, reliability, { ...this.retrieve, lambda: 0 }, this.generate),
      aware: answerAccuracy(this.client, qs, reliability, this.retrieve, this.generate),
      oracle: answerAccuracy(this.client, qs, this.truth, this.retrieve, this.generate),
    };
  }
}

function isCorpus(c: CorpusOptions | Corpus | undefined): c is Corpus {
  return c !== undefined && "passages" in c;
}

/** The reliability column of a score map (what the client reranks with). */
export function reliabilityOf(scores: ReadonlyMap<bigint, Score>): Map<bigint, bigint> {
  return new Map([...scores].map(([id, s]) => [id, s.reliability]));
}

/**
 * The naive aggregate, for comparison only (never proven): per (query, slot) the mean of the
 * graders' shares instead of the lower median, and per query the fraction of graders calling the
 * answer correct (grounded) instead of the majority; then the same observation (step 11) and EMA
 * (step 12) as the rule. One liar moves every mean it touches.
 */
export function naiveUpdate(
  shape: ReliabilityShape,
  params: ReliabilityParams,
  words: readonly bigint[],
  oldScores: readonly Score[],
  feedback: readonly Feedback[],
): Score[] {
  checkParams(params, shape);
  const K = words.length * LANES;
  const slot = (source: bigint) => {
    const w = words.indexOf(source >> 3n);
    return w < 0 ? -1 : w * LANES + Number(source & 7n);
  };
  const den = new Array<number>(K).fill(0);
  const rel = new Array<number>(K).fill(0);
  const use = new Array<number>(K).fill(0);
  const appear = new Array<number>(K).fill(0);
  for (let q = 0; q < shape.queries; q++) {
    const graders = feedback.map((f) => f.grades[q]).filter((g) => g.graded);
    const n = graders.length;
    if (n === 0 || n < params.minGraders) continue;
    const mean = new Array<number>(K).fill(0);
    for (const g of graders) for (const e of g.sources) if (e.share > 0 && slot(e.source) >= 0) mean[slot(e.source)] += e.share / n;
    const correct = graders.filter((g) => g.correct).length / n;
    const grounded = graders.filter((g) => g.grounded).length / n;
    for (let k = 0; k < K; k++) {
      den[k] += mean[k];
      rel[k] += mean[k] * correct;
      use[k] += mean[k] * grounded;
      if (mean[k] > 0) appear[k] += 1;
    }
  }
  const max = Number(SCORE_MAX);
  return oldScores.map((s, k) =>
    den[k] > 0
      ? {
          reliability: emaStep(s.reliability, BigInt(Math.floor((max * rel[k]) / den[k])), params.emaRate),
          usefulness: emaStep(s.usefulness, BigInt(Math.min(max, Math.floor((max * use[k]) / (SHARE_MAX * appear[k])))), params.emaRate),
        }
      : s,
  );
}

/** Runs E epochs of the workload with the reference rule (or the naive aggregate) from the prior. */
export async function runSimulation(options: SimulationOptions = {}): Promise<SimulationReport> {
  const w = new ReliabilityWorkload(options);
  const params = checkParams(options.params ?? DEFAULT_PARAMS, w.shape);
  const epochs = options.epochs ?? 5;
  if (!Number.isInteger(epochs) || epochs < 0 || epochs > 1000) throw bad(`epochs must be an integer in [0, 1000], got ${epochs}`);
  const aggregate = options.aggregate ?? "median";
  let scores = w.priorScores();
  const report = (epoch: number, extra: Partial<EpochReport> = {}): EpochReport => {
    const rel = reliabilityOf(scores);
    return { epoch, scores, tau: scoreTau(rel, w.truth, w.prior), accuracy: w.accuracy(rel), flagged: [], ...extra };
  };
  const out: EpochReport[] = [report(0)];
  for (let e = 1; e <= epochs; e++) {
    const questions = w.drawQuestions(e);
    const probes = Math.round((options.explore ?? DEFAULT_EXPLORE) * questions.length);
    const records = [
      ...w.answer(questions.slice(0, probes), reliabilityOf(scores), { ...w.retrieve, lambda: 0 }),
      ...w.answer(questions.slice(probes), reliabilityOf(scores)),
    ];
    const graded = w.grade(e, records);
    const oldScores = w.slotScores(scores);
    let newScores: readonly Score[];
    let flagged: bigint[] = [];
    let batch: BatchUpdate | undefined;
    if (aggregate === "median") {
      batch = await updateBatch({
        shape: w.shape,
        context: SIMULATION_CONTEXT,
        epoch: BigInt(e),
        params,
        words: w.words,
        oldScores,
        reveals: await w.reveals(graded),
        settler: SIMULATION_SETTLER,
      });
      newScores = batch.trace.newScores;
      flagged = graded.filter((_, j) => batch!.trace.flagged[j]).map((g) => g.evaluator);
    } else {
      newScores = naiveUpdate(
        w.shape,
        params,
        w.words,
        oldScores,
        graded.map((g) => g.feedback),
      );
    }
    const next = new Map<bigint, Score>();
    for (const s of w.corpus.sources) {
      const k = w.words.indexOf(s.id >> 3n) * LANES + Number(s.id & 7n);
      next.set(s.id, newScores[k]);
    }
    scores = next;
    out.push(
      report(e, {
        trainAccuracy: records.filter((r) => r.correct).length / Math.max(1, records.length),
        flagged,
        batch: options.keepBatches ? batch : undefined,
      }),
    );
  }
  return { options, aggregate, panel: w.panel, truth: w.truth, epochs: out };
}

/** A text table of a simulation: per epoch the held-out accuracies, tau and the flagged evaluators. */
export function formatSimulation(r: SimulationReport): string {
  const liars = r.panel.filter((p) => p.strategy !== "honest");
  const title =
    `${r.aggregate} aggregate, ${r.panel.length} evaluators` +
    (liars.length > 0 ? `, ${liars.length} liars (${liars[0].strategy} source ${liars[0].target})` : ", all honest");
  const rows = r.epochs.map((e) => [
    String(e.epoch),
    pct(e.accuracy.relevance),
    pct(e.accuracy.aware),
    pct(e.accuracy.oracle),
    e.tau.toFixed(3),
    e.flagged.join(",") || "-",
  ]);
  return `${title}\n${formatTable(["epoch", "relevance", "aware", "oracle", "tau", "flagged"], rows)}`;
}

/** The learned and true reliability of each source, as a table. */
export function formatScores(r: SimulationReport, corpus: Corpus): string {
  const last = r.epochs[r.epochs.length - 1];
  const rows = corpus.sources.map((s) => [
    `${s.id} ${s.name}`,
    s.reliability.toFixed(2),
    (Number(last.scores.get(s.id)!.reliability) / Number(SCORE_MAX)).toFixed(3),
    (Number(last.scores.get(s.id)!.usefulness) / Number(SCORE_MAX)).toFixed(3),
  ]);
  return formatTable(["source", "true", "reliability", "usefulness"], rows);
}
