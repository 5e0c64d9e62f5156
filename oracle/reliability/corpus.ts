import { Rng, ZkMeritError } from "../core";
import { SCORE_MAX } from "./reference";

/**
 * A generated fact corpus for module 2's workload: entities with attributes ("the capital of X is
 * Y"), the questions they answer with their ground truth, and sources of known true reliability
 * that serve passages about some of the entities. Everything is a pure function of the options
 * (seed included), so a demo, a bench and a test that pass the same options see the same corpus.
 *
 * The environment is built so that relevance alone is a bad guide (docs/design/reliability-workload.md):
 * the unreliable sources write short, keyword-stuffed, question-shaped passages (which BM25 ranks
 * first), and they copy one another's misinformation (a shared decoy per fact), so a majority of
 * the most relevant passages is often wrong. The reliable sources write plainer text: per-entity
 * summaries or one plain sentence per fact.
 */

// ---------------------------------------------------------------------------------------------
// Types

/** The attributes an entity has; each is one kind of question. */
export const ATTRIBUTES = ["capital", "founded", "language", "currency", "river"] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

/** The topics (regions) entities belong to; sources can be more lexically relevant on some of them. */
export const TOPICS = ["northern", "coastal", "desert", "island"] as const;
export type Topic = (typeof TOPICS)[number];

export interface Entity {
  readonly name: string;
  readonly topic: Topic;
  /** The true value of each attribute. */
  readonly facts: Readonly<Record<Attribute, string>>;
}

/** A fact a passage states (true or corrupted). */
export interface Claim {
  readonly entity: string;
  readonly attribute: Attribute;
  readonly value: string;
}

export interface Passage {
  /** Unique in the corpus: `${sourceIndex}:${n}`. */
  readonly id: string;
  /** The on-chain source id of the source serving it. */
  readonly source: bigint;
  readonly text: string;
  /** What the text states, rendered from these claims (the deterministic reader reads them back). */
  readonly claims: readonly Claim[];
}

export interface Question {
  readonly id: number;
  readonly text: string;
  readonly entity: string;
  readonly attribute: Attribute;
  /** The ground truth. */
  readonly answer: string;
}

/**
 * How a source writes. `layout`: one passage per entity with all its facts ("summary") or one per
 * fact ("fact"). `stuffing`: how many extra keyword phrases (the question's own words) each fact
 * passage carries, the search-engine-optimisation that makes a passage rank first under BM25.
 * `focus`: topics where the source is stuffed by `focusStuffing` instead (lexically strong there).
 */
export interface SourceProfile {
  readonly name: string;
  /** The probability that a fact it serves is true (the known truth the scores are compared with). */
  readonly reliability: number;
  readonly layout: "summary" | "fact";
  readonly stuffing: number;
  /** The fraction of the entities it covers (each covered entity: each attribute with probability `attributeCoverage`). */
  readonly coverage: number;
  readonly focus?: readonly Topic[];
  readonly focusStuffing?: number;
}

export interface CorpusOptions {
  readonly seed?: number | string;
  readonly entities?: number;
  readonly sources?: readonly SourceProfile[];
  /** The on-chain id of source 0; source i has id firstSourceId + i. */
  readonly firstSourceId?: bigint;
  /** The probability that a covered entity's attribute is served by the source. */
  readonly attributeCoverage?: number;
  /** The probability that a corrupted fact is the fact's shared decoy (copied misinformation) rather than a random wrong value. */
  readonly decoyShare?: number;
  /** The fraction of the answerable questions held out for evaluation (never drawn in an epoch). */
  readonly heldOutFraction?: number;
}

export interface CorpusSource extends SourceProfile {
  readonly index: number;
  readonly id: bigint;
}

export interface Corpus {
  readonly options: Required<Omit<CorpusOptions, "sources">> & { readonly sources: readonly SourceProfile[] };
  readonly entities: readonly Entity[];
  readonly sources: readonly CorpusSource[];
  readonly passages: readonly Passage[];
  /** Questions that the epochs draw from. */
  readonly training: readonly Question[];
  /** Questions kept for the accuracy metrics. */
  readonly heldOut: readonly Question[];
}

/**
 * The default sources, one score word's worth (8). Reliable sources write plainly (summaries, or
 * one short sentence per fact); the unreliable ones stuff keywords, broadly (the content farm, the
 * spam hub) or on their focus topics (the forum on islands, the blog on the coast). The true
 * reliabilities are spread over [0.1, 0.97] with gaps of 0.1 to 0.17, so a ranking is learnable
 * from a few dozen graded answers but not trivially.
 */
export const DEFAULT_SOURCES: readonly SourceProfile[] = [
  { name: "atlas", reliability: 0.97, layout: "summary", stuffing: 0, coverage: 0.85 },
  { name: "almanac", reliability: 0.88, layout: "fact", stuffing: 0, coverage: 0.6 },
  { name: "gazetteer", reliability: 0.78, layout: "summary", stuffing: 0, coverage: 0.6 },
  { name: "travel-guide", reliability: 0.65, layout: "fact", stuffing: 0, coverage: 0.6, focus: ["northern", "desert"], focusStuffing: 2 },
  { name: "forum", reliability: 0.5, layout: "fact", stuffing: 0, coverage: 0.6, focus: ["island"], focusStuffing: 3 },
  { name: "news-blog", reliability: 0.35, layout: "fact", stuffing: 1, coverage: 0.6, focus: ["coastal"], focusStuffing: 3 },
  { name: "content-farm", reliability: 0.22, layout: "fact", stuffing: 2, coverage: 0.75 },
  { name: "spam-hub", reliability: 0.1, layout: "fact", stuffing: 3, coverage: 0.85 },
];

/**
 * `n` source profiles (2..256) in the style of {@link DEFAULT_SOURCES}: true reliabilities evenly
 * spread from 0.97 down to 0.1; the most reliable third writes plainly (summaries and plain facts
 * alternating), the middle third is stuffed on one or two focus topics, the least reliable third is
 * stuffed everywhere, more so the worse it is. `makeSources(8)` is not DEFAULT_SOURCES (whose
 * coverages and names are hand-set) but has the same shape.
 */
export function makeSources(n: number): SourceProfile[] {
  if (!Number.isInteger(n) || n < 2 || n > 256) throw new ZkMeritError("CONFIG", `a corpus needs 2..256 sources, got ${n}`, { n });
  return Array.from({ length: n }, (_, i) => {
    const reliability = Math.round((0.97 - (0.87 * i) / (n - 1)) * 100) / 100;
    const third = Math.floor((3 * i) / n);
    if (third === 0)
      return { name: `plain-${i}`, reliability, layout: i % 2 === 0 ? "summary" : "fact", stuffing: 0, coverage: 0.7 } as const;
    if (third === 1) {
      const focus = [TOPICS[i % TOPICS.length], ...(i % 2 === 0 ? [TOPICS[(i + 1) % TOPICS.length]] : [])];
      return { name: `niche-${i}`, reliability, layout: "fact", stuffing: 0, coverage: 0.6, focus, focusStuffing: 2 + (i % 2) } as const;
    }
    return {
      name: `stuffed-${i}`,
      reliability,
      layout: "fact",
      stuffing: 1 + Math.floor((3 * (i - Math.ceil((2 * n) / 3))) / Math.max(1, n - Math.ceil((2 * n) / 3))),
      coverage: 0.8,
    } as const;
  });
}

export const DEFAULT_CORPUS: Required<Omit<CorpusOptions, "sources">> & { readonly sources: readonly SourceProfile[] } = {
  seed: 1,
  entities: 60,
  sources: DEFAULT_SOURCES,
  firstSourceId: 0n,
  attributeCoverage: 0.8,
  decoyShare: 0.8,
  heldOutFraction: 0.3,
};

// ---------------------------------------------------------------------------------------------
// Text

const SYLLABLES = [
  "ka",
  "lo",
  "ve",
  "ri",
  "dan",
  "mor",
  "te",
  "sul",
  "bra",
  "qui",
  "zen",
  "ol",
  "pha",
  "ith",
  "gar",
  "nu",
  "sel",
  "tor",
  "vy",
  "wen",
];

/** Unique, single-token, capitalised names (so BM25 tells entities and values apart). */
class Names {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}
  next(suffix = ""): string {
    for (;;) {
      const n = 2 + this.rng.int(2);
      let s = "";
      for (let i = 0; i < n; i++) s += this.rng.pick(SYLLABLES);
      s = s[0].toUpperCase() + s.slice(1) + suffix;
      if (!this.used.has(s.toLowerCase())) {
        this.used.add(s.toLowerCase());
        return s;
      }
    }
  }
}

const QUESTION: Record<Attribute, (e: string) => string> = {
  capital: (e) => `What is the capital of ${e}?`,
  founded: (e) => `In which year was ${e} founded?`,
  language: (e) => `Which language is spoken in ${e}?`,
  currency: (e) => `What is the currency of ${e}?`,
  river: (e) => `What is the longest river in ${e}?`,
};

const PLAIN: Record<Attribute, (e: string, v: string) => string> = {
  capital: (e, v) => `The capital of ${e} is ${v}.`,
  founded: (e, v) => `${e} was founded in ${v}.`,
  language: (e, v) => `The language spoken in ${e} is ${v}.`,
  currency: (e, v) => `The currency of ${e} is the ${v}.`,
  river: (e, v) => `The longest river in ${e} is the ${v}.`,
};

/** Keyword phrases an optimised page repeats: the question's own words around the entity. */
const STUFF: Record<Attribute, readonly ((e: string, v: string) => string)[]> = {
  capital: [
    (e, v) => `${e} capital city: ${v}.`,
    (e) => `Capital of ${e} facts.`,
    (e, v) => `Which city is the ${e} capital? ${v}, the capital.`,
  ],
  founded: [(e, v) => `${e} founded ${v}.`, (e) => `The year ${e} was founded.`, (e, v) => `When was ${e} founded? Founded in ${v}.`],
  language: [
    (e, v) => `${e} language: ${v}.`,
    (e) => `Language spoken in ${e} explained.`,
    (e, v) => `Spoken language of ${e}? ${v} is spoken.`,
  ],
  currency: [(e, v) => `${e} currency: the ${v}.`, (e) => `Currency of ${e} guide.`, (e, v) => `What currency in ${e}? The ${v} currency.`],
  river: [
    (e, v) => `${e} longest river: the ${v}.`,
    (e) => `Longest river in ${e} facts.`,
    (e, v) => `Which river is longest in ${e}? The ${v} river.`,
  ],
};

function renderFact(c: Claim, stuffing: number): string {
  const parts = [PLAIN[c.attribute](c.entity, c.value)];
  for (let i = 0; i < stuffing; i++) parts.push(STUFF[c.attribute][i % STUFF[c.attribute].length](c.entity, c.value));
  return parts.join(" ");
}

function renderSummary(e: Entity, claims: readonly Claim[]): string {
  return [`${e.name} is a ${e.topic} country.`, ...claims.map((c) => PLAIN[c.attribute](c.entity, c.value))].join(" ");
}

// ---------------------------------------------------------------------------------------------
// Generation

function checkOptions(o: Corpus["options"]): void {
  const bad = (message: string, details: Record<string, unknown>) => new ZkMeritError("CONFIG", message, details);
  if (!Number.isInteger(o.entities) || o.entities < 1 || o.entities > 10_000)
    throw bad(`entities must be an integer in [1, 10000], got ${o.entities}`, {});
  if (o.sources.length < 2 || o.sources.length > 256) throw bad(`a corpus needs 2..256 sources, got ${o.sources.length}`, {});
  for (const [name, p] of [
    ["attributeCoverage", o.attributeCoverage],
    ["decoyShare", o.decoyShare],
    ["heldOutFraction", o.heldOutFraction],
  ] as const) {
    if (!(p >= 0 && p <= 1)) throw bad(`${name} must be in [0, 1], got ${p}`, { name });
  }
  o.sources.forEach((s, i) => {
    if (!(s.reliability >= 0 && s.reliability <= 1))
      throw bad(`sources[${i}] (${s.name}): reliability must be in [0, 1], got ${s.reliability}`, { i });
    if (!(s.coverage > 0 && s.coverage <= 1)) throw bad(`sources[${i}] (${s.name}): coverage must be in (0, 1], got ${s.coverage}`, { i });
    if (!Number.isInteger(s.stuffing) || s.stuffing < 0)
      throw bad(`sources[${i}] (${s.name}): stuffing must be a non-negative integer`, { i });
  });
}

/** Generates the corpus of `options` (defaults: {@link DEFAULT_CORPUS}). Deterministic. */
export function generateCorpus(options: CorpusOptions = {}): Corpus {
  const o = { ...DEFAULT_CORPUS, ...options };
  checkOptions(o);
  const root = new Rng(o.seed);
  const names = new Names(root.fork("names"));
  const factRng = root.fork("facts");

  // Value pools: each attribute draws from its own pool, so a wrong value is plausible (same kind).
  const poolSize = Math.max(12, Math.ceil(o.entities / 2));
  const pools: Record<Attribute, string[]> = {
    capital: Array.from({ length: poolSize }, () => names.next()),
    founded: Array.from({ length: 900 }, (_, i) => String(1000 + i)),
    language: Array.from({ length: poolSize }, () => names.next("ish")),
    currency: Array.from({ length: poolSize }, () => names.next("o")),
    river: Array.from({ length: poolSize }, () => names.next("a")),
  };
  const entities: Entity[] = Array.from({ length: o.entities }, (_, i) => {
    const name = names.next("ia");
    const facts = Object.fromEntries(ATTRIBUTES.map((a) => [a, factRng.pick(pools[a])])) as Record<Attribute, string>;
    return { name, topic: TOPICS[i % TOPICS.length], facts };
  });
  const wrong = (a: Attribute, truth: string, rng: Rng): string => {
    for (;;) {
      const v = rng.pick(pools[a]);
      if (v !== truth) return v;
    }
  };
  // The shared decoy of each fact: the misinformation unreliable sources copy from one another.
  const decoyRng = root.fork("decoys");
  const decoy = new Map<string, string>();
  for (const e of entities) for (const a of ATTRIBUTES) decoy.set(`${e.name}/${a}`, wrong(a, e.facts[a], decoyRng));

  const sources: CorpusSource[] = o.sources.map((s, index) => ({ ...s, index, id: o.firstSourceId + BigInt(index) }));
  const passages: Passage[] = [];
  const served = new Set<string>();
  for (const s of sources) {
    const rng = root.fork(`source:${s.index}`);
    let n = 0;
    for (const e of entities) {
      if (!rng.chance(s.coverage)) continue;
      const claims: Claim[] = [];
      for (const a of ATTRIBUTES) {
        if (!rng.chance(o.attributeCoverage)) continue;
        const corrupt = !rng.chance(s.reliability);
        const value = !corrupt ? e.facts[a] : rng.chance(o.decoyShare) ? decoy.get(`${e.name}/${a}`)! : wrong(a, e.facts[a], rng);
        claims.push({ entity: e.name, attribute: a, value });
        served.add(`${e.name}/${a}`);
      }
      if (claims.length === 0) continue;
      if (s.layout === "summary") {
        passages.push({ id: `${s.index}:${n++}`, source: s.id, text: renderSummary(e, claims), claims });
      } else {
        const stuffing = s.focus?.includes(e.topic) ? (s.focusStuffing ?? s.stuffing) : s.stuffing;
        for (const c of claims) passages.push({ id: `${s.index}:${n++}`, source: s.id, text: renderFact(c, stuffing), claims: [c] });
      }
    }
  }

  // Questions: every fact some source serves; a seeded shuffle splits off the held-out set.
  const all: Question[] = [];
  for (const e of entities) {
    for (const a of ATTRIBUTES) {
      if (served.has(`${e.name}/${a}`))
        all.push({ id: all.length, text: QUESTION[a](e.name), entity: e.name, attribute: a, answer: e.facts[a] });
    }
  }
  const shuffled = root.fork("split").shuffle(all);
  const cut = Math.round(shuffled.length * o.heldOutFraction);
  const byId = (x: Question, y: Question) => x.id - y.id;
  return {
    options: o,
    entities,
    sources,
    passages,
    heldOut: shuffled.slice(0, cut).sort(byId),
    training: shuffled.slice(cut).sort(byId),
  };
}

/** The sources' true reliabilities as 16-bit scores (the "oracle" retriever's input, and the truth for Kendall tau). */
export function trueScores(corpus: Corpus): Map<bigint, bigint> {
  return new Map(corpus.sources.map((s) => [s.id, BigInt(Math.round(s.reliability * Number(SCORE_MAX)))]));
}

/** The value a passage states for a question's fact, or undefined: the deterministic reader. */
export function readValue(p: Passage, q: Pick<Question, "entity" | "attribute">): string | undefined {
  return p.claims.find((c) => c.entity === q.entity && c.attribute === q.attribute)?.value;
}
