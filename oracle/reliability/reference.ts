import {
  EMA_RATE_ONE,
  SHA256_FIELD_BITS,
  SNARK_FIELD,
  ZkMeritError,
  beBytes,
  checkBigIn as checkBig,
  checkIntIn as checkInt,
  emaStep as coreEmaStep,
  hashChain,
  poseidon,
  sha256Field,
} from "../core";

/**
 * The reference model of circuits/reliability/reliability.circom (module 2, the source reliability
 * registry): the rule that turns one epoch of evaluator feedback into new reliability and usefulness
 * scores (docs/spec/reliability.md) in exact integer (bigint) arithmetic, value for value what the
 * circuit computes. Pure and deterministic; the only asynchrony is circomlibjs's Poseidon. The
 * `// (n)` marks below are the spec's steps and the circuit's `Check (n)`.
 *
 * Inputs are validated once, here, with errors naming the offending value; anything accepted can
 * be proven by an instance of the same shape.
 */

// ---------------------------------------------------------------------------------------------
// Constants

/** Sources per packed score word: 8 lanes of (16-bit reliability, 16-bit usefulness). */
export const LANES = 8;
/** A score is an integer in [0, SCORE_MAX]; the real score is score / SCORE_MAX (65535 is 1.0). */
export const SCORE_BITS = 16;
export const SCORE_MAX = (1n << 16n) - 1n;
/** The EMA rate is rate / 2^16, in [0, 2^16]. */
export const RATE_FRACTION_BITS = 16;
export const RATE_ONE = EMA_RATE_ONE;
/** A source's share of an answer is an integer percentage; a record's shares sum to at most 100. */
export const SHARE_MAX = 100;
export const SHARE_BITS = 7;
/** Source and evaluator ids are 32-bit (ids come from on-chain counters); a word index is id >> 3. */
export const SOURCE_ID_BITS = 32;
export const WORD_INDEX_BITS = 29;
export const EVALUATOR_ID_BITS = 32;
export const EPOCH_BITS = 32;
/** The settler is an Ethereum address. */
export const ADDRESS_BITS = 160;
/** Widths of the ruleParams fields, lowest first (see {@link packRuleParams}). */
export const EMA_RATE_BITS = 17;
export const MIN_GRADERS_BITS = 5;
export const SHARE_TOLERANCE_BITS = 9;
export const DISAGREE_PCT_BITS = 7;
export const RULE_BITS = EMA_RATE_BITS + MIN_GRADERS_BITS + SHARE_TOLERANCE_BITS + DISAGREE_PCT_BITS;
/** Shape limits of a circuit instance. */
export const MAX_WORDS = 32;
export const MAX_QUERIES = 64;
export const MAX_EVALUATORS = 32;
export const MAX_ENTRIES = 6;
/** Domain tags: the epoch header ("reliability") and a feedback commitment ("feedback" * 2^32 + Q * 2^8 + U). */
export const HEADER_TAG = 0x72656c696162696c697479n;
export const FEEDBACK_TAG_BASE = 0x666565646261636bn << 32n;
/** batchHash is SHA-256 of the posted bytes, keeping its low 253 bits (so it is a field element). */
export const BATCH_HASH_BITS = SHA256_FIELD_BITS;

// ---------------------------------------------------------------------------------------------
// Types

/** The size of a circuit instance: W score words (K = 8W source slots), Q queries, E evaluators, U sources per record. */
export interface ReliabilityShape {
  readonly words: number;
  readonly queries: number;
  readonly evaluators: number;
  readonly entries: number;
}

/** The rule's parameters, packed into `ruleParams` and bound by the epoch header. */
export interface ReliabilityParams {
  /** EMA rate in 16-bit fixed point, in [0, 2^16]: new = old + rate * (obs - old) / 2^16. */
  readonly emaRate: bigint;
  /** A query counts only when at least this many included evaluators graded it (1..31). */
  readonly minGraders: number;
  /** An evaluator disagrees on a query when its shares are more than this far (L1, in share points) from the medians (0..511). */
  readonly shareTolerance: number;
  /** An evaluator is flagged when it disagrees on more than this percentage of the counted queries it graded (0..100). */
  readonly disagreePct: number;
}

/** One source an answer used, with its share of the answer (an integer 0..100). */
export interface SourceShare {
  readonly source: bigint;
  readonly share: number;
}

/** An evaluator's grade of one query: whether it graded it, and if so, the answer's sources and verdicts. */
export interface QueryGrade {
  readonly graded: boolean;
  readonly correct: boolean;
  readonly grounded: boolean;
  /** At most U entries; a source named twice has its shares added; entries of share 0 are ignored. */
  readonly sources: readonly SourceShare[];
}

/** An evaluator's feedback for an epoch: one grade per query slot (Q of them). */
export interface Feedback {
  readonly grades: readonly QueryGrade[];
}

/** A reveal, in reveal order: its evaluator, its revealed commitment, and the content when the settler holds it. */
export interface Reveal {
  readonly evaluator: bigint;
  readonly commitment: bigint;
  readonly feedback?: Feedback;
}

/** A source's two scores, each in [0, SCORE_MAX]. */
export interface Score {
  readonly reliability: bigint;
  readonly usefulness: bigint;
}

/** The input of one epoch's batch update. */
export interface BatchInput {
  readonly shape: ReliabilityShape;
  /** chainId * 2^160 + registry address (oracle/core/field proofContext). */
  readonly context: bigint;
  readonly epoch: bigint;
  readonly params: ReliabilityParams;
  /** The batch's W word indices, strictly increasing; slot 8w + l is source 8 * words[w] + l. */
  readonly words: readonly bigint[];
  /** The scores on chain at the epoch's start, by slot (K = 8W of them). */
  readonly oldScores: readonly Score[];
  /** The epoch's reveals in reveal order (0..E). */
  readonly reveals: readonly Reveal[];
  /** The address that will post the proof (msg.sender), < 2^160. */
  readonly settler: bigint;
}

/** The three public inputs, in circuit order. */
export interface ReliabilityPublicInputs {
  readonly batchHash: bigint;
  readonly acc: bigint;
  readonly settler: bigint;
}

/** Every intermediate the circuit computes, indexed [position j][query q][slot k] where it applies. */
export interface ReliabilityTrace {
  readonly header: bigint;
  readonly ruleParams: bigint;
  readonly count: number;
  readonly commitments: readonly bigint[];
  readonly included: readonly boolean[];
  /** (7) s[j][q][k]: the share position j gave slot k on query q (0 unless j is included and graded q). */
  readonly shares: readonly (readonly (readonly number[])[])[];
  /** (8) graders[q] = n_q, counted[q] = n_q >= minGraders, medianIndex[q] = floor((n_q - 1) / 2). */
  readonly graders: readonly number[];
  readonly counted: readonly boolean[];
  readonly medianIndex: readonly number[];
  /** (9) the lower median of the graders' shares per (query, slot); 0 without graders. */
  readonly median: readonly (readonly number[])[];
  /** (10) the majority verdicts per query (a tie is false). */
  readonly correct: readonly boolean[];
  readonly grounded: readonly boolean[];
  /** (11) per slot: weight sum, numerators, appearances, whether observed and the observations. */
  readonly weight: readonly bigint[];
  readonly reliabilityNum: readonly bigint[];
  readonly usefulnessNum: readonly bigint[];
  readonly appearances: readonly bigint[];
  readonly observed: readonly boolean[];
  readonly obsReliability: readonly bigint[];
  readonly obsUsefulness: readonly bigint[];
  /** (12) the new scores by slot. */
  readonly newScores: readonly Score[];
  /** (13) per position and query: the L1 distance to the medians and whether it disagrees; per position the totals. */
  readonly distance: readonly (readonly number[])[];
  readonly disagrees: readonly (readonly boolean[])[];
  readonly disagreements: readonly number[];
  readonly countedGrades: readonly number[];
  readonly flagged: readonly boolean[];
  /** (14) the posted data the contract hashes. */
  readonly includedMask: bigint;
  readonly flaggedMask: bigint;
  readonly oldWords: readonly bigint[];
  readonly newWords: readonly bigint[];
  readonly batchBytes: Uint8Array;
}

/** The batch update of one epoch: the input (validated), every intermediate and the public inputs. */
export interface BatchUpdate {
  readonly input: BatchInput;
  readonly trace: ReliabilityTrace;
  readonly publicInputs: ReliabilityPublicInputs;
}

// ---------------------------------------------------------------------------------------------
// Validation

function bad(message: string, details: Record<string, unknown>): ZkMeritError {
  return new ZkMeritError("PAYLOAD_INVALID", message, details);
}

export function checkShape(shape: ReliabilityShape): ReliabilityShape {
  checkInt("shape.words", shape.words, 1, MAX_WORDS);
  checkInt("shape.queries", shape.queries, 1, MAX_QUERIES);
  checkInt("shape.evaluators", shape.evaluators, 1, MAX_EVALUATORS);
  checkInt("shape.entries", shape.entries, 1, MAX_ENTRIES);
  return shape;
}

export function checkParams(params: ReliabilityParams, shape?: ReliabilityShape): ReliabilityParams {
  checkBig("params.emaRate", params.emaRate, 0n, RATE_ONE + 1n, "[0, 2^16]");
  checkInt("params.minGraders", params.minGraders, 1, (1 << MIN_GRADERS_BITS) - 1);
  checkInt("params.shareTolerance", params.shareTolerance, 0, (1 << SHARE_TOLERANCE_BITS) - 1);
  checkInt("params.disagreePct", params.disagreePct, 0, 100);
  if (shape && params.minGraders > shape.evaluators) {
    throw bad(`params.minGraders is ${params.minGraders}, more than the instance's ${shape.evaluators} evaluators: no query could count`, {
      minGraders: params.minGraders,
      evaluators: shape.evaluators,
    });
  }
  return params;
}

/** Validates a feedback's form (the checks of step 5 the circuit applies to every position). */
export function checkFeedback(feedback: Feedback, shape: ReliabilityShape, where = "feedback"): Feedback {
  if (!Array.isArray(feedback.grades) || feedback.grades.length !== shape.queries) {
    throw bad(`${where} must grade exactly ${shape.queries} query slots, got ${String(feedback.grades?.length)}`, {
      where,
      queries: shape.queries,
    });
  }
  feedback.grades.forEach((g, q) => {
    const at = `${where}, query ${q}`;
    for (const key of ["graded", "correct", "grounded"] as const) {
      if (typeof g[key] !== "boolean") throw bad(`${at}: ${key} must be a boolean, got ${String(g[key])}`, { where, query: q, key });
    }
    if (!Array.isArray(g.sources) || g.sources.length > shape.entries) {
      throw bad(`${at} names ${String(g.sources?.length)} sources; a record holds at most ${shape.entries}`, {
        where,
        query: q,
        max: shape.entries,
      });
    }
    let total = 0;
    g.sources.forEach((e: SourceShare, u: number) => {
      checkBig(`${at}, entry ${u}: source`, e.source, 0n, 1n << BigInt(SOURCE_ID_BITS), "[0, 2^32)");
      checkInt(`${at}, entry ${u} (source ${String(e.source)}): share`, e.share, 0, SHARE_MAX);
      total += e.share;
    });
    if (total > SHARE_MAX) {
      throw bad(`${at}: the shares sum to ${total}; an answer's shares sum to at most ${SHARE_MAX}`, { where, query: q, total });
    }
  });
  return feedback;
}

/** The batch slot of a source id, or -1 when its word is not in the batch. */
export function slotOf(source: bigint, words: readonly bigint[]): number {
  const w = words.indexOf(source >> 3n);
  return w < 0 ? -1 : w * LANES + Number(source & 7n);
}

export function checkBatchInput(input: BatchInput): BatchInput {
  const shape = checkShape(input.shape);
  checkParams(input.params, shape);
  checkBig("context", input.context, 0n, SNARK_FIELD, "[0, r)");
  checkBig("epoch", input.epoch, 0n, 1n << BigInt(EPOCH_BITS), "[0, 2^32)");
  checkBig("settler", input.settler, 0n, 1n << BigInt(ADDRESS_BITS), "[0, 2^160)");
  if (!Array.isArray(input.words) || input.words.length !== shape.words) {
    throw bad(`words must list exactly ${shape.words} word indices, got ${String(input.words?.length)}`, { words: shape.words });
  }
  input.words.forEach((w, i) => {
    checkBig(`words[${i}]`, w, 0n, 1n << BigInt(WORD_INDEX_BITS), "[0, 2^29)");
    if (i > 0 && w <= input.words[i - 1]) {
      throw bad(`words must be strictly increasing: words[${i}] = ${w} follows ${input.words[i - 1]}`, { index: i });
    }
  });
  const k = shape.words * LANES;
  if (!Array.isArray(input.oldScores) || input.oldScores.length !== k) {
    throw bad(`oldScores must hold exactly ${k} scores (8 per word), got ${String(input.oldScores?.length)}`, { slots: k });
  }
  input.oldScores.forEach((s, i) => {
    checkBig(`oldScores[${i}].reliability`, s.reliability, 0n, SCORE_MAX + 1n, "[0, 65535]");
    checkBig(`oldScores[${i}].usefulness`, s.usefulness, 0n, SCORE_MAX + 1n, "[0, 65535]");
  });
  if (!Array.isArray(input.reveals) || input.reveals.length > shape.evaluators) {
    throw bad(`an epoch of this instance holds at most ${shape.evaluators} reveals, got ${String(input.reveals?.length)}`, {
      max: shape.evaluators,
    });
  }
  const seen = new Map<bigint, number>();
  input.reveals.forEach((r, j) => {
    checkBig(`reveals[${j}].evaluator`, r.evaluator, 0n, 1n << BigInt(EVALUATOR_ID_BITS), "[0, 2^32)");
    checkBig(`reveals[${j}].commitment`, r.commitment, 0n, SNARK_FIELD, "[0, r)");
    const first = seen.get(r.evaluator);
    if (first !== undefined) {
      throw bad(`duplicate record: evaluator ${r.evaluator} revealed at positions ${first} and ${j}; one reveal per evaluator and epoch`, {
        evaluator: r.evaluator.toString(),
        first,
        second: j,
      });
    }
    seen.set(r.evaluator, j);
    if (r.feedback === undefined) return;
    checkFeedback(r.feedback, shape, `reveals[${j}] (evaluator ${r.evaluator})`);
    r.feedback.grades.forEach((g: QueryGrade, q: number) => {
      if (!g.graded) return;
      g.sources.forEach((e: SourceShare, u: number) => {
        if (e.share > 0 && slotOf(e.source, input.words) < 0) {
          throw bad(
            `reveals[${j}] (evaluator ${r.evaluator}), query ${q}, entry ${u}: unknown source slot: source ${e.source} ` +
              `(word ${e.source >> 3n}) is not in the batch's words [${input.words.join(", ")}]; add its word or leave the reveal out`,
            { position: j, query: q, entry: u, source: e.source.toString() },
          );
        }
      });
    });
  });
  return input;
}

// ---------------------------------------------------------------------------------------------
// Encodings

/** ruleParams = emaRate + minGraders * 2^17 + shareTolerance * 2^22 + disagreePct * 2^31 (38 bits). */
export function packRuleParams(p: ReliabilityParams): bigint {
  checkParams(p);
  return (
    p.emaRate +
    (BigInt(p.minGraders) << 17n) +
    (BigInt(p.shareTolerance) << BigInt(EMA_RATE_BITS + MIN_GRADERS_BITS)) +
    (BigInt(p.disagreePct) << BigInt(EMA_RATE_BITS + MIN_GRADERS_BITS + SHARE_TOLERANCE_BITS))
  );
}

export function unpackRuleParams(packed: bigint): ReliabilityParams {
  checkBig("ruleParams", packed, 0n, 1n << BigInt(RULE_BITS), "[0, 2^38)");
  const field = (lo: number, bits: number) => Number((packed >> BigInt(lo)) & ((1n << BigInt(bits)) - 1n));
  return checkParams({
    emaRate: packed & ((1n << BigInt(EMA_RATE_BITS)) - 1n),
    minGraders: field(EMA_RATE_BITS, MIN_GRADERS_BITS),
    shareTolerance: field(EMA_RATE_BITS + MIN_GRADERS_BITS, SHARE_TOLERANCE_BITS),
    disagreePct: field(EMA_RATE_BITS + MIN_GRADERS_BITS + SHARE_TOLERANCE_BITS, DISAGREE_PCT_BITS),
  });
}

/** (1) The epoch header: Poseidon(HEADER_TAG, context, epoch, ruleParams), the seed of acc. */
export async function epochHeader(context: bigint, epoch: bigint, params: ReliabilityParams): Promise<bigint> {
  return poseidon([HEADER_TAG, context, epoch, packRuleParams(params)]);
}

/** (4) One step of the feedback accumulator: Poseidon(acc, evaluator, commitment). */
export async function accStep(acc: bigint, evaluator: bigint, commitment: bigint): Promise<bigint> {
  return poseidon([acc, evaluator, commitment]);
}

/** The tag of a feedback commitment for Q query slots of U entries. */
export function feedbackTag(shape: ReliabilityShape): bigint {
  return FEEDBACK_TAG_BASE + (BigInt(shape.queries) << 8n) + BigInt(shape.entries);
}

/**
 * One grade packed into a field element (3 + 39U bits): graded + 2 correct + 4 grounded +
 * sum_u 2^(3 + 39u) (share_u + 2^7 source_u); missing entries are (source 0, share 0).
 */
export function packGrade(g: QueryGrade, entries: number): bigint {
  let x = (g.graded ? 1n : 0n) + (g.correct ? 2n : 0n) + (g.grounded ? 4n : 0n);
  g.sources.forEach((e, u) => {
    x += (BigInt(e.share) + (e.source << BigInt(SHARE_BITS))) << BigInt(3 + (SHARE_BITS + SOURCE_ID_BITS) * u);
  });
  if (g.sources.length > entries) throw bad(`a grade holds at most ${entries} entries`, { entries });
  return x;
}

/** (5) The commitment an evaluator reveals: HashChain(feedbackTag, packGrade of each query slot). */
export async function feedbackCommitment(feedback: Feedback, shape: ReliabilityShape): Promise<bigint> {
  checkFeedback(feedback, shape);
  return hashChain(
    feedbackTag(shape),
    feedback.grades.map((g) => packGrade(g, shape.entries)),
  );
}

/** A packed score word: lane l (bits 32l..32l+31) holds reliability + 2^16 usefulness of slot 8w + l. */
export function packWord(scores: readonly Score[]): bigint {
  if (scores.length !== LANES) throw bad(`a score word holds exactly ${LANES} scores, got ${scores.length}`, {});
  return scores.reduce((acc, s, l) => acc + ((s.reliability + (s.usefulness << 16n)) << BigInt(32 * l)), 0n);
}

export function unpackWord(word: bigint): Score[] {
  checkBig("score word", word, 0n, 1n << 256n, "[0, 2^256)");
  return Array.from({ length: LANES }, (_, l) => ({
    reliability: (word >> BigInt(32 * l)) & SCORE_MAX,
    usefulness: (word >> BigInt(32 * l + 16)) & SCORE_MAX,
  }));
}

/**
 * (14) The bytes the contract hashes, 12 + 68W of them: uint32 epoch, uint32 includedMask, uint32
 * flaggedMask, then per word in batch order: uint32 word index, uint256 old word, uint256 new word
 * (all big-endian, as abi.encodePacked writes scalars).
 */
export function batchBytes(
  epoch: bigint,
  includedMask: bigint,
  flaggedMask: bigint,
  words: readonly bigint[],
  oldWords: readonly bigint[],
  newWords: readonly bigint[],
): Uint8Array {
  const bytes = [...beBytes(epoch, 4), ...beBytes(includedMask, 4), ...beBytes(flaggedMask, 4)];
  words.forEach((w, i) => bytes.push(...beBytes(w, 4), ...beBytes(oldWords[i], 32), ...beBytes(newWords[i], 32)));
  return Uint8Array.from(bytes);
}

/** (14) batchHash: the low 253 bits of SHA-256(bytes), i.e. uint256(sha256(bytes)) & (2^253 - 1). */
export function batchHashOf(bytes: Uint8Array): bigint {
  return sha256Field(bytes);
}

// ---------------------------------------------------------------------------------------------
// The rule

/** The i-th smallest of xs (0-based). */
function orderStatistic(xs: readonly number[], i: number): number {
  return [...xs].sort((a, b) => a - b)[i];
}

/** One EMA step: old + floor(rate * (obs - old) / 2^16), in [min(old, obs), max(old, obs)]. */
export function emaStep(old: bigint, obs: bigint, rate: bigint): bigint {
  return coreEmaStep(old, obs, rate);
}

/** Settles an epoch: the new scores, the flagged evaluators and the public inputs. */
export async function updateBatch(input: BatchInput): Promise<BatchUpdate> {
  checkBatchInput(input);
  const { shape, params } = input;
  const W = shape.words;
  const Q = shape.queries;
  const E = shape.evaluators;
  const K = W * LANES;
  const reveals = input.reveals;

  // (1) The header binds the registry, the epoch and the rule's parameters.
  const ruleParams = packRuleParams(params);
  const header = await epochHeader(input.context, input.epoch, params);

  // (2)-(4) The reveals, in reveal order (distinct evaluators, checked above), and the accumulator.
  const count = reveals.length;
  let acc = header;
  for (const r of reveals) acc = await accStep(acc, r.evaluator, r.commitment);

  // (5) Included: the content is held and matches its commitment.
  const included: boolean[] = [];
  for (const [j, r] of reveals.entries()) {
    if (r.feedback === undefined) {
      included.push(false);
      continue;
    }
    const c = await feedbackCommitment(r.feedback, shape);
    if (c !== r.commitment) {
      throw new ZkMeritError(
        "COMMITMENT_MISMATCH",
        `reveals[${j}] (evaluator ${r.evaluator}): the feedback's commitment is ${c}, the revealed one ${r.commitment}; ` +
          `leave its feedback out (unavailable) instead`,
        { position: j, evaluator: r.evaluator.toString() },
      );
    }
    included.push(true);
  }

  // (6) The batch's words are checked above (strictly increasing, 29-bit); old scores are 16-bit.
  // (7) Shares by slot: s[j][q][k], 0 unless j is included and graded q.
  const gradedBy = (j: number, q: number) => included[j] && reveals[j].feedback!.grades[q].graded;
  const shares: number[][][] = [];
  for (let j = 0; j < E; j++) {
    const row: number[][] = [];
    for (let q = 0; q < Q; q++) {
      const s = new Array<number>(K).fill(0);
      if (j < count && gradedBy(j, q)) {
        for (const e of reveals[j].feedback!.grades[q].sources) if (e.share > 0) s[slotOf(e.source, input.words)] += e.share;
      }
      row.push(s);
    }
    shares.push(row);
  }
  const graders_: number[][] = Array.from({ length: Q }, (_, q) =>
    Array.from({ length: count }, (_, j) => j).filter((j) => gradedBy(j, q)),
  );

  // (8) Graders per query; a query counts with at least minGraders of them.
  const graders = graders_.map((g) => g.length);
  const counted = graders.map((n) => n >= params.minGraders);
  const medianIndex = graders.map((n) => (n === 0 ? 0 : Math.floor((n - 1) / 2)));

  // (9) The lower median of the graders' shares per (query, slot).
  const median = graders_.map((g, q) =>
    Array.from({ length: K }, (_, k) =>
      g.length === 0
        ? 0
        : orderStatistic(
            g.map((j) => shares[j][q][k]),
            medianIndex[q],
          ),
    ),
  );

  // (10) The majority verdicts: strictly more than half of the graders (a tie is false).
  const majority = (key: "correct" | "grounded") =>
    graders_.map((g, q) => 2 * g.filter((j) => reveals[j].feedback!.grades[q][key]).length > g.length);
  const correct = majority("correct");
  const grounded = majority("grounded");

  // (11) Observations per slot, over the counted queries, weighted by the median share.
  const weight: bigint[] = [];
  const reliabilityNum: bigint[] = [];
  const usefulnessNum: bigint[] = [];
  const appearances: bigint[] = [];
  const observed: boolean[] = [];
  const obsReliability: bigint[] = [];
  const obsUsefulness: bigint[] = [];
  for (let k = 0; k < K; k++) {
    let den = 0n;
    let rel = 0n;
    let use = 0n;
    let appear = 0n;
    for (let q = 0; q < Q; q++) {
      if (!counted[q]) continue;
      const m = BigInt(median[q][k]);
      den += m;
      if (correct[q]) rel += m;
      if (grounded[q]) use += m;
      if (m > 0n) appear += 1n;
    }
    weight.push(den);
    reliabilityNum.push(rel);
    usefulnessNum.push(use);
    appearances.push(appear);
    observed.push(den > 0n);
    obsReliability.push(den > 0n ? (SCORE_MAX * rel) / den : 0n);
    obsUsefulness.push(den > 0n ? (SCORE_MAX * use) / (BigInt(SHARE_MAX) * appear) : 0n);
  }

  // (12) The EMA toward the observation; a slot without an observation keeps its scores.
  const newScores: Score[] = input.oldScores.map((s, k) =>
    observed[k]
      ? {
          reliability: emaStep(s.reliability, obsReliability[k], params.emaRate),
          usefulness: emaStep(s.usefulness, obsUsefulness[k], params.emaRate),
        }
      : { reliability: s.reliability, usefulness: s.usefulness },
  );

  // (13) Each evaluator's disagreement with the consensus, over the counted queries it graded.
  const distance: number[][] = [];
  const disagrees: boolean[][] = [];
  const disagreements: number[] = [];
  const countedGrades: number[] = [];
  const flagged: boolean[] = [];
  for (let j = 0; j < E; j++) {
    const dist: number[] = [];
    const dis: boolean[] = [];
    let d = 0;
    let c = 0;
    for (let q = 0; q < Q; q++) {
      const l1 = shares[j][q].reduce((a, s, k) => a + Math.abs(s - median[q][k]), 0);
      const active = j < count && gradedBy(j, q) && counted[q];
      const g = active ? reveals[j].feedback!.grades[q] : undefined;
      const disagree = g !== undefined && (g.correct !== correct[q] || g.grounded !== grounded[q] || l1 > params.shareTolerance);
      dist.push(active ? l1 : 0);
      dis.push(disagree);
      if (active) c += 1;
      if (disagree) d += 1;
    }
    distance.push(dist);
    disagrees.push(dis);
    disagreements.push(d);
    countedGrades.push(c);
    flagged.push(j < count && included[j] && 100 * d > params.disagreePct * c);
  }

  // (14) The posted data and its hash.
  const bitmask = (bits: readonly boolean[]) => bits.reduce((a, b, j) => (b ? a | (1n << BigInt(j)) : a), 0n);
  const includedMask = bitmask(included);
  const flaggedMask = bitmask(flagged);
  const oldWords = input.words.map((_, w) => packWord(input.oldScores.slice(w * LANES, (w + 1) * LANES)));
  const newWords = input.words.map((_, w) => packWord(newScores.slice(w * LANES, (w + 1) * LANES)));
  const bytes = batchBytes(input.epoch, includedMask, flaggedMask, input.words, oldWords, newWords);
  const batchHash = batchHashOf(bytes);

  // (15) The settler is bound as a public input.
  return {
    input,
    trace: {
      header,
      ruleParams,
      count,
      commitments: reveals.map((r) => r.commitment),
      included,
      shares,
      graders,
      counted,
      medianIndex,
      median,
      correct,
      grounded,
      weight,
      reliabilityNum,
      usefulnessNum,
      appearances,
      observed,
      obsReliability,
      obsUsefulness,
      newScores,
      distance,
      disagrees,
      disagreements,
      countedGrades,
      flagged,
      includedMask,
      flaggedMask,
      oldWords,
      newWords,
      batchBytes: bytes,
    },
    publicInputs: { batchHash, acc, settler: input.settler },
  };
}

/** The public signals in circuit order, as snarkjs lists them. */
export function publicSignals(u: BatchUpdate): bigint[] {
  return [u.publicInputs.batchHash, u.publicInputs.acc, u.publicInputs.settler];
}
