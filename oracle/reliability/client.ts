import MiniSearch from "minisearch";
import { ZkMeritError } from "../core";
import { SCORE_MAX } from "./reference";

/**
 * The retrieval client of module 2: BM25 over the sources' passages (minisearch), then a rerank by
 * relevance and the sources' on-chain reliability. The client never reads the chain: the caller
 * passes the scores it read (sourceId -> 16-bit reliability, 65535 is 1.0).
 *
 * Rerank formula (geometric, the default):
 *
 *     score = relevance^(1 - λ) · reliability^λ,   relevance = bm25 / max bm25 among the candidates
 *
 * with reliability = max(score / 65535, floor). λ = 0 is pure BM25 order; λ = 1 orders the
 * candidates by reliability alone; the default λ = 0.7 was measured on the workload
 * (docs/design/reliability-workload.md). Why geometric rather than linear ((1 - λ)·relevance +
 * λ·reliability, also available as `mode: "linear"`):
 *
 * - it is scale-free in both factors: only ratios matter, so "half as relevant" or "twice as
 *   reliable" means the same for every query, whatever its raw BM25 range;
 * - it is a fixed exchange rate: a passage r times less relevant wins when its source is more than
 *   r^((1-λ)/λ) times more reliable (at λ = 0.7, 2.7 times less relevant needs 1.5 times the
 *   reliability); a barely relevant passage of a perfect source loses to a relevant one of a fair
 *   source, whereas the linear mix adds λ·reliability to any passage, relevant or not;
 * - as relevance goes to 0 the score goes to 0, so reliability never lifts a passage that does not
 *   match the question.
 *
 * The floor keeps a source at 0 orderable (its passages still come back when nothing else matches).
 */

export interface IndexedPassage {
  readonly id: string;
  readonly source: bigint;
  readonly text: string;
}

/** A BM25 hit. */
export interface Hit<P extends IndexedPassage = IndexedPassage> {
  readonly passage: P;
  /** minisearch's BM25+ score (times the number of query terms matched). */
  readonly bm25: number;
}

/** A reranked hit. */
export interface RankedHit<P extends IndexedPassage = IndexedPassage> extends Hit<P> {
  /** bm25 / max bm25 over the candidates, in (0, 1]. */
  readonly relevance: number;
  /** The source's reliability used, in [floor, 1]. */
  readonly reliability: number;
  readonly score: number;
}

export type RerankMode = "geometric" | "linear";

export interface RerankOptions {
  /** The weight of reliability, in [0, 1]; 0 is relevance only (default 0.7). */
  readonly lambda?: number;
  readonly mode?: RerankMode;
  /** The reliability of a source missing from the map, 16-bit (default 32768, the registry's prior). */
  readonly unknownScore?: bigint;
  /** The lowest reliability used, as a fraction (default 0.01). */
  readonly floor?: number;
}

export interface RetrieveOptions extends RerankOptions {
  /** BM25 candidates (default 20). */
  readonly candidates?: number;
  /** Passages returned after the rerank (default 4). */
  readonly topK?: number;
}

export const DEFAULT_LAMBDA = 0.7;
export const DEFAULT_CANDIDATES = 20;
export const DEFAULT_TOP_K = 4;
/** The prior a source starts from on chain (0.5), also the score assumed for a source the map lacks. */
export const PRIOR_SCORE = 32768n;

const STOP_WORDS = new Set(
  "a an and are as at be by for from how in is it its of on or that the to was were what when where which who why with".split(" "),
);

/** Lower-cased, without stop words: the question's function words would otherwise reward any passage. */
export function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  return t.length === 0 || STOP_WORDS.has(t) ? null : t;
}

function checkLambda(lambda: number): number {
  if (!(lambda >= 0 && lambda <= 1)) throw new ZkMeritError("CONFIG", `lambda must be in [0, 1], got ${lambda}`, { lambda });
  return lambda;
}

/** Reranks BM25 hits by relevance and reliability (see the formula above). Stable: ties keep BM25 order. */
export function rerank<P extends IndexedPassage>(
  hits: readonly Hit<P>[],
  reliability: ReadonlyMap<bigint, bigint>,
  options: RerankOptions = {},
): RankedHit<P>[] {
  const lambda = checkLambda(options.lambda ?? DEFAULT_LAMBDA);
  const mode = options.mode ?? "geometric";
  const floor = options.floor ?? 0.01;
  const unknown = options.unknownScore ?? PRIOR_SCORE;
  const max = hits.reduce((m, h) => Math.max(m, h.bm25), 0);
  const ranked = hits.map((h, i) => {
    const raw = reliability.get(h.passage.source) ?? unknown;
    if (raw < 0n || raw > SCORE_MAX) {
      throw new ZkMeritError("PAYLOAD_INVALID", `the reliability of source ${h.passage.source} is ${raw}, outside [0, 65535]`, {
        source: h.passage.source.toString(),
      });
    }
    const r = Math.max(floor, Number(raw) / Number(SCORE_MAX));
    const relevance = max > 0 ? h.bm25 / max : 0;
    const score =
      lambda === 0 ? relevance : mode === "geometric" ? relevance ** (1 - lambda) * r ** lambda : (1 - lambda) * relevance + lambda * r;
    return { hit: { ...h, relevance, reliability: r, score }, i };
  });
  ranked.sort((a, b) => b.hit.score - a.hit.score || a.i - b.i);
  return ranked.map((x) => x.hit);
}

/** A BM25 index over passages with a reliability-aware rerank. */
export class RetrievalClient<P extends IndexedPassage = IndexedPassage> {
  private readonly index: MiniSearch<{ id: string; text: string }>;
  private readonly byId = new Map<string, P>();

  constructor(passages: readonly P[]) {
    this.index = new MiniSearch<{ id: string; text: string }>({ fields: ["text"], idField: "id", processTerm });
    for (const p of passages) {
      if (this.byId.has(p.id)) throw new ZkMeritError("PAYLOAD_INVALID", `duplicate passage id ${p.id}`, { id: p.id });
      this.byId.set(p.id, p);
    }
    this.index.addAll(passages.map((p) => ({ id: p.id, text: p.text })));
  }

  get size(): number {
    return this.byId.size;
  }

  /** The top `n` passages by BM25 (ties by passage id, so the order is deterministic). */
  search(query: string, n = DEFAULT_CANDIDATES): Hit<P>[] {
    const results = this.index.search(query, { combineWith: "OR", prefix: false, fuzzy: false });
    const hits = results.map((r) => ({ passage: this.byId.get(r.id as string)!, bm25: r.score }));
    hits.sort((a, b) => b.bm25 - a.bm25 || (a.passage.id < b.passage.id ? -1 : a.passage.id > b.passage.id ? 1 : 0));
    return hits.slice(0, n);
  }

  /**
   * BM25 candidates, reranked with `reliability` (sourceId -> 16-bit score, read from the registry),
   * the top `topK` of them. `lambda: 0` is relevance only; pass the true scores for an oracle.
   */
  retrieve(query: string, reliability: ReadonlyMap<bigint, bigint>, options: RetrieveOptions = {}): RankedHit<P>[] {
    const candidates = this.search(query, options.candidates ?? DEFAULT_CANDIDATES);
    return rerank(candidates, reliability, options).slice(0, options.topK ?? DEFAULT_TOP_K);
  }
}
