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
 * The reference model of circuits/reputation/reputation.circom (module 3, swarm reputation): the rule
 * that turns one ranking round's revealed pairwise preferences into the reputation-weighted win
 * matrix, Bradley-Terry strengths, the winner, each judge's agreement with the consensus and the
 * reputation update (docs/spec/reputation.md), in exact integer (bigint) arithmetic, value for value
 * what the circuit computes. The strengths come from the MM iteration run in that integer arithmetic;
 * the circuit only checks their fixed-point condition. Pure and deterministic; the only asynchrony is
 * circomlibjs's Poseidon. The `// (n)` marks below are the spec's steps and the circuit's `Check (n)`.
 *
 * Inputs are validated once, here, with errors naming the offending value; anything accepted can be
 * proven by an instance of the same shape.
 */

// ---------------------------------------------------------------------------------------------
// Constants

/** A reputation (and an agreement) is an integer in [0, REP_MAX]; REP_MAX is 1.0. */
export const REP_BITS = 16;
export const REP_MAX = (1n << 16n) - 1n;
/** The EMA rate is rate / 2^16, in [0, 2^16]. */
export const RATE_ONE = EMA_RATE_ONE;
/** Strengths sum to N * STRENGTH_SCALE (within rounding); each is in [1, 2^STRENGTH_BITS]. */
export const STRENGTH_SCALE_BITS = 64;
export const STRENGTH_SCALE = 1n << 64n;
export const STRENGTH_BITS = 70;
/** tol_i = TOL_FLOORS + floor(TOL_UNITS * W_i / p_i) (step 9). */
export const TOL_FLOORS = 3n;
export const TOL_UNITS = 2n;
/** Preferences: 0 not judged, 1 the answer shown first is better, 2 a tie, 3 the answer shown second is better. */
export const PREF_NONE = 0;
export const PREFER_FIRST = 1;
export const PREF_TIE = 2;
export const PREFER_SECOND = 3;
/** Reputations per packed word: 16 lanes of 16 bits. */
export const LANES = 16;
/** Widths of the ruleParams fields, lowest first (see {@link packRuleParams}). */
export const EMA_RATE_BITS = 17;
export const MIN_AGREEMENT_BITS = 16;
export const PRIOR_BITS = 8;
export const RULE_BITS = EMA_RATE_BITS + MIN_AGREEMENT_BITS + PRIOR_BITS;
export const ROUND_BITS = 32;
export const ADDRESS_BITS = 160;
/** Shape limits of a circuit instance. */
export const MIN_NODES = 4;
export const MAX_NODES = 64;
/** Domain tags: the round header ("reputation" * 2^8 + N) and a judgment commitment ("judgment" * 2^8 + N). */
export const HEADER_TAG_BASE = 0x72657075746174696f6en << 8n;
export const JUDGMENT_TAG_BASE = 0x6a756467656d656e74n << 8n;
/** Two-bit preferences per field element of a judgment commitment. */
export const PREFS_PER_ELEMENT = 126;
/** outHash is SHA-256 of the posted bytes, keeping its low 253 bits (so it is a field element). */
export const OUT_HASH_BITS = SHA256_FIELD_BITS;
/** The integer MM stops when no strength moves by more than this many units, or after MAX_MM_ITERATIONS. */
export const MM_STOP_UNITS = 1n;
export const MAX_MM_ITERATIONS = 200_000;

// ---------------------------------------------------------------------------------------------
// Types

/** The size of a circuit instance: N node slots (even, 4..64). */
export interface ReputationShape {
  readonly nodes: number;
}

/** The rule's parameters, packed into `ruleParams` and bound by the round header. */
export interface ReputationParams {
  /** EMA rate in 16-bit fixed point, in [0, 2^16]: rep' = rep + rate * (agreement - rep) / 2^16. */
  readonly emaRate: bigint;
  /** A judge whose agreement (0..65535, 65535 = all) is below this is flagged. */
  readonly minAgreement: number;
  /** Virtual full-reputation judges calling every scheduled pair a tie in both orders (1..255, and 8 prior >= N). */
  readonly prior: number;
}

/** One judged comparison: the judge was shown `first`'s answer, then `second`'s, and preferred `pref`. */
export interface Vote {
  readonly first: number;
  readonly second: number;
  readonly pref: number;
}

/** A judge's preferences for a round; comparisons it leaves out are not judged. */
export interface Judgment {
  readonly votes: readonly Vote[];
}

/** A judgment reveal, in reveal order: the judge's slot, its revealed commitment, and the content when the settler holds it. */
export interface JudgmentReveal {
  readonly judge: number;
  readonly commitment: bigint;
  readonly judgment?: Judgment;
}

/** The input of one ranking round. */
export interface RoundInput {
  readonly shape: ReputationShape;
  /** chainId * 2^160 + contract address (oracle/core proofContext). */
  readonly context: bigint;
  readonly round: bigint;
  readonly params: ReputationParams;
  /** By slot: whether the node revealed an answer this round (the contract's mask). */
  readonly answered: readonly boolean[];
  /** By slot: the reputation on chain before the round, in [0, 65535]. */
  readonly oldReputation: readonly bigint[];
  /** The round's judgment reveals in reveal order (0..N, distinct judges). */
  readonly reveals: readonly JudgmentReveal[];
  /** The address that will post the proof (msg.sender), < 2^160. */
  readonly settler: bigint;
}

/** The three public inputs, in circuit order. */
export interface ReputationPublicInputs {
  readonly outHash: bigint;
  readonly acc: bigint;
  readonly settler: bigint;
}

/** What steps 8 and 9 check of a strength vector. */
export interface StrengthCheck {
  /** W_i: slot i's weighted half-wins, prior included. */
  readonly wins: bigint[];
  /** E_i: sum over i's pairs of floor(n_e p_i / (p_i + p_j)). */
  readonly expected: bigint[];
  /** tol_i = 3 + floor(2 W_i / p_i). */
  readonly tolerance: bigint[];
  /** W_i - E_i. */
  readonly residual: bigint[];
  /** N 2^64 - sum p, which must be in [0, N). */
  readonly shortfall: bigint;
  /** Whether every bound of steps 8 and 9 holds. */
  readonly ok: boolean;
}

/** Every intermediate the circuit computes. Indices: slot i or judge k, scheduled pair e, comparison c = 2e + order. */
export interface ReputationTrace {
  readonly header: bigint;
  readonly ruleParams: bigint;
  readonly count: number;
  /** (3) revealed[k]: slot k revealed a judgment; (5) included[k]: and its content is held and matches. */
  readonly revealed: readonly boolean[];
  readonly included: readonly boolean[];
  /** (5) the canonical preference vector of each slot (3N entries; zeros unless included). */
  readonly prefs: readonly (readonly number[])[];
  /** (7) per pair: live (both answered), each side's weighted half-wins and their sum n_e. */
  readonly live: readonly boolean[];
  readonly winsFirst: readonly bigint[];
  readonly winsSecond: readonly bigint[];
  /** (8) (9) the strengths, how many MM steps found them, and what the circuit checks of them. */
  readonly strengths: readonly bigint[];
  readonly iterations: number;
  readonly check: StrengthCheck;
  /** (10) the winning slot, N when nobody answered. */
  readonly winner: number;
  /** (11) per judge: agreement score (in halves), judged comparisons, observed and the agreement. */
  readonly score: readonly number[];
  readonly judged: readonly number[];
  readonly observed: readonly boolean[];
  readonly agreement: readonly bigint[];
  /** (12) the flags. */
  readonly flagged: readonly boolean[];
  readonly agrees: readonly boolean[];
  /** (13) the new reputations by slot. */
  readonly newReputation: readonly bigint[];
  /** (14) the posted data the contract hashes. */
  readonly answeredMask: bigint;
  readonly includedMask: bigint;
  readonly agreeMask: bigint;
  readonly flaggedMask: bigint;
  readonly oldWords: readonly bigint[];
  readonly newWords: readonly bigint[];
  readonly outBytes: Uint8Array;
}

/** A settled round: the input (validated), every intermediate and the public inputs. */
export interface RoundSettlement {
  readonly input: RoundInput;
  readonly trace: ReputationTrace;
  readonly publicInputs: ReputationPublicInputs;
}

// ---------------------------------------------------------------------------------------------
// Validation

function bad(message: string, details: Record<string, unknown>): ZkMeritError {
  return new ZkMeritError("PAYLOAD_INVALID", message, details);
}

export function checkShape(shape: ReputationShape): ReputationShape {
  checkInt("shape.nodes", shape.nodes, MIN_NODES, MAX_NODES);
  if (shape.nodes % 2 !== 0)
    throw bad(`shape.nodes must be even (cross pairs are (i, i + N/2)), got ${shape.nodes}`, { nodes: shape.nodes });
  return shape;
}

export function checkParams(params: ReputationParams, shape?: ReputationShape): ReputationParams {
  checkBig("params.emaRate", params.emaRate, 0n, RATE_ONE + 1n, "[0, 2^16]");
  checkInt("params.minAgreement", params.minAgreement, 0, Number(REP_MAX));
  checkInt("params.prior", params.prior, 1, (1 << PRIOR_BITS) - 1);
  if (shape && 8 * params.prior < shape.nodes) {
    throw bad(
      `params.prior is ${params.prior}; ${shape.nodes} slots need at least ${Math.ceil(shape.nodes / 8)} (8 prior >= N bounds the strengths' spread)`,
      { prior: params.prior, nodes: shape.nodes },
    );
  }
  return params;
}

// ---------------------------------------------------------------------------------------------
// The pair schedule

/** The scheduled pairs of N slots: ring pairs (e, e + 1 mod N) for e < N, then cross pairs (i, i + N/2) for i < N/2. */
export function pairSchedule(n: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let e = 0; e < n; e++) pairs.push([e, (e + 1) % n]);
  for (let i = 0; i < n / 2; i++) pairs.push([i, i + n / 2]);
  return pairs;
}

/** Comparison index 2e + order of showing `first` then `second`, or -1 when the pair is not scheduled. */
export function comparisonIndex(n: number, first: number, second: number): number {
  const pairs = pairSchedule(n);
  for (const [e, [a, b]] of pairs.entries()) {
    if (a === first && b === second) return 2 * e;
    if (b === first && a === second) return 2 * e + 1;
  }
  return -1;
}

/**
 * (5) The canonical preference vector of a judgment by `judge`: 3N entries, entry 2e + o the
 * preference on pair e shown in order o (0: its first node first). Rejects, naming the value: a slot
 * out of range, a pair outside the schedule, a pair containing the judge's own answer, a preference
 * out of range, a comparison judged twice.
 */
export function encodeJudgment(judge: number, judgment: Judgment, shape: ReputationShape, where = `judge ${judge}`): number[] {
  const n = shape.nodes;
  checkInt(`${where}: judge slot`, judge, 0, n - 1);
  if (!Array.isArray(judgment.votes)) throw bad(`${where}: votes must be an array`, { judge });
  const prefs = new Array<number>(3 * n).fill(PREF_NONE);
  judgment.votes.forEach((v, i) => {
    const at = `${where}, vote ${i}`;
    checkInt(`${at}: first`, v.first, 0, n - 1);
    checkInt(`${at}: second`, v.second, 0, n - 1);
    if (typeof v.pref !== "number" || !Number.isInteger(v.pref) || v.pref < PREFER_FIRST || v.pref > PREFER_SECOND) {
      throw bad(
        `${at}: preference ${String(v.pref)} on pair (${v.first}, ${v.second}) is out of range; it must be 1 (first), 2 (tie) or 3 (second)`,
        {
          judge,
          vote: i,
          pref: String(v.pref),
        },
      );
    }
    const c = comparisonIndex(n, v.first, v.second);
    if (c < 0) {
      throw bad(
        `${at}: pair (${v.first}, ${v.second}) is not in the round's schedule (ring pairs (i, i+1 mod ${n}) and cross pairs (i, i+${n / 2}))`,
        {
          judge,
          vote: i,
          first: v.first,
          second: v.second,
        },
      );
    }
    if (v.first === judge || v.second === judge) {
      throw bad(`${at}: self-judgment: judge ${judge} judged pair (${v.first}, ${v.second}), which contains its own answer`, {
        judge,
        vote: i,
        first: v.first,
        second: v.second,
      });
    }
    if (prefs[c] !== PREF_NONE) {
      throw bad(`${at}: pair (${v.first}, ${v.second}) in this order is judged twice`, {
        judge,
        vote: i,
        first: v.first,
        second: v.second,
      });
    }
    prefs[c] = v.pref;
  });
  return prefs;
}

export function checkRoundInput(input: RoundInput): RoundInput {
  const shape = checkShape(input.shape);
  const n = shape.nodes;
  checkParams(input.params, shape);
  checkBig("context", input.context, 0n, SNARK_FIELD, "[0, r)");
  checkBig("round", input.round, 0n, 1n << BigInt(ROUND_BITS), "[0, 2^32)");
  checkBig("settler", input.settler, 0n, 1n << BigInt(ADDRESS_BITS), "[0, 2^160)");
  if (!Array.isArray(input.answered) || input.answered.length !== n) {
    throw bad(`answered must hold exactly ${n} flags (one per slot), got ${String(input.answered?.length)}`, { nodes: n });
  }
  input.answered.forEach((a, i) => {
    if (typeof a !== "boolean") throw bad(`answered[${i}] must be a boolean, got ${String(a)}`, { slot: i });
  });
  if (!Array.isArray(input.oldReputation) || input.oldReputation.length !== n) {
    throw bad(`oldReputation must hold exactly ${n} reputations (one per slot), got ${String(input.oldReputation?.length)}`, { nodes: n });
  }
  input.oldReputation.forEach((r, i) => checkBig(`oldReputation[${i}]`, r, 0n, REP_MAX + 1n, "[0, 65535]"));
  if (!Array.isArray(input.reveals) || input.reveals.length > n) {
    throw bad(`a round of this instance holds at most ${n} judgment reveals, got ${String(input.reveals?.length)}`, { max: n });
  }
  const seen = new Map<number, number>();
  input.reveals.forEach((r, j) => {
    checkInt(`reveals[${j}].judge`, r.judge, 0, n - 1);
    checkBig(`reveals[${j}].commitment`, r.commitment, 0n, SNARK_FIELD, "[0, r)");
    const first = seen.get(r.judge);
    if (first !== undefined) {
      throw bad(`duplicate reveal: judge ${r.judge} revealed at positions ${first} and ${j}; one judgment per judge and round`, {
        judge: r.judge,
        first,
        second: j,
      });
    }
    seen.set(r.judge, j);
    if (r.judgment !== undefined) encodeJudgment(r.judge, r.judgment, shape, `reveals[${j}] (judge ${r.judge})`);
  });
  return input;
}

// ---------------------------------------------------------------------------------------------
// Encodings

/** ruleParams = emaRate + minAgreement * 2^17 + prior * 2^33 (41 bits). */
export function packRuleParams(p: ReputationParams): bigint {
  checkParams(p);
  return p.emaRate + (BigInt(p.minAgreement) << BigInt(EMA_RATE_BITS)) + (BigInt(p.prior) << BigInt(EMA_RATE_BITS + MIN_AGREEMENT_BITS));
}

export function unpackRuleParams(packed: bigint): ReputationParams {
  checkBig("ruleParams", packed, 0n, 1n << BigInt(RULE_BITS), "[0, 2^41)");
  return checkParams({
    emaRate: packed & ((1n << BigInt(EMA_RATE_BITS)) - 1n),
    minAgreement: Number((packed >> BigInt(EMA_RATE_BITS)) & REP_MAX),
    prior: Number(packed >> BigInt(EMA_RATE_BITS + MIN_AGREEMENT_BITS)),
  });
}

/** The header tag of an N-slot instance: "reputation" * 2^8 + N. */
export function headerTag(shape: ReputationShape): bigint {
  return HEADER_TAG_BASE + BigInt(shape.nodes);
}

/** The judgment commitment tag of an N-slot instance: "judgment" * 2^8 + N. */
export function judgmentTag(shape: ReputationShape): bigint {
  return JUDGMENT_TAG_BASE + BigInt(shape.nodes);
}

/** (1) The round header: Poseidon(headerTag, context, round, ruleParams), the seed of acc. */
export async function roundHeader(shape: ReputationShape, context: bigint, round: bigint, params: ReputationParams): Promise<bigint> {
  return poseidon([headerTag(shape), context, round, packRuleParams(params)]);
}

/** (4) One step of the judgment accumulator: Poseidon(acc, judge slot, commitment). */
export async function accStep(acc: bigint, judge: number, commitment: bigint): Promise<bigint> {
  return poseidon([acc, BigInt(judge), commitment]);
}

/** A preference vector packed two bits an entry, 126 entries per field element (entry c at bits 2 (c mod 126) of element c / 126). */
export function packPrefs(prefs: readonly number[]): bigint[] {
  const out: bigint[] = [];
  for (let t = 0; t * PREFS_PER_ELEMENT < prefs.length; t++) {
    let x = 0n;
    prefs.slice(t * PREFS_PER_ELEMENT, (t + 1) * PREFS_PER_ELEMENT).forEach((v, i) => (x += BigInt(v) << BigInt(2 * i)));
    out.push(x);
  }
  return out;
}

/** (5) The commitment a judge reveals: HashChain(judgmentTag, packPrefs(canonical preference vector)). */
export async function judgmentCommitment(judge: number, judgment: Judgment, shape: ReputationShape): Promise<bigint> {
  checkShape(shape);
  return hashChain(judgmentTag(shape), packPrefs(encodeJudgment(judge, judgment, shape)));
}

/** A packed reputation word: lane l (bits 16l..16l+15) holds the reputation of slot 16m + l; missing lanes are 0. */
export function packRepWord(reps: readonly bigint[]): bigint {
  if (reps.length > LANES) throw bad(`a reputation word holds at most ${LANES} reputations, got ${reps.length}`, {});
  return reps.reduce((acc, r, l) => acc + (r << BigInt(16 * l)), 0n);
}

export function unpackRepWord(word: bigint): bigint[] {
  checkBig("reputation word", word, 0n, 1n << 256n, "[0, 2^256)");
  return Array.from({ length: LANES }, (_, l) => (word >> BigInt(16 * l)) & REP_MAX);
}

/** The M = ceil(N / 16) words of a slot-indexed reputation vector. */
export function repWords(reps: readonly bigint[]): bigint[] {
  const words: bigint[] = [];
  for (let m = 0; m * LANES < reps.length; m++) words.push(packRepWord(reps.slice(m * LANES, (m + 1) * LANES)));
  return words;
}

/**
 * (14) The bytes the contract hashes, 37 + 64M of them: uint32 round, uint8 winner, uint64
 * answeredMask, uint64 includedMask, uint64 agreeMask, uint64 flaggedMask, the M old words, the M
 * new words (uint256 each; all big-endian, as abi.encodePacked writes scalars).
 */
export function outBytes(
  round: bigint,
  winner: number,
  masks: { answered: bigint; included: bigint; agree: bigint; flagged: bigint },
  oldWords: readonly bigint[],
  newWords: readonly bigint[],
): Uint8Array {
  const bytes = [
    ...beBytes(round, 4),
    winner,
    ...beBytes(masks.answered, 8),
    ...beBytes(masks.included, 8),
    ...beBytes(masks.agree, 8),
    ...beBytes(masks.flagged, 8),
  ];
  for (const w of [...oldWords, ...newWords]) bytes.push(...beBytes(w, 32));
  return Uint8Array.from(bytes);
}

/** (14) outHash: the low 253 bits of SHA-256(bytes), i.e. uint256(sha256(bytes)) & (2^253 - 1). */
export function outHashOf(bytes: Uint8Array): bigint {
  return sha256Field(bytes);
}

// ---------------------------------------------------------------------------------------------
// The rule

/** One EMA step: old + floor(rate * (target - old) / 2^16), in [min(old, target), max(old, target)]. */
export function emaStep(old: bigint, target: bigint, rate: bigint): bigint {
  return coreEmaStep(old, target, rate);
}

/** The prior's weight on each side of every scheduled pair: prior virtual judges of reputation 65535, a tie (one half-win) in each order. */
export function priorWeight(params: ReputationParams): bigint {
  return 2n * REP_MAX * BigInt(params.prior);
}

/**
 * (7) The reputation-weighted win matrix: per scheduled pair e = (a, b), the half-wins of a and of b,
 * each judge's counting with weight `weight[k]` (its reputation if included, else 0), plus the prior
 * on each side. A pair with a slot that gave no answer carries the prior only.
 */
export function weightedWins(
  n: number,
  prefs: readonly (readonly number[])[],
  weight: readonly bigint[],
  answered: readonly boolean[],
  prior: bigint,
): { live: boolean[]; winsFirst: bigint[]; winsSecond: bigint[] } {
  const pairs = pairSchedule(n);
  const live = pairs.map(([a, b]) => answered[a] && answered[b]);
  const winsFirst: bigint[] = [];
  const winsSecond: bigint[] = [];
  // Half-wins of the node shown first and second, by preference.
  const shownFirst = [0n, 2n, 1n, 0n];
  const shownSecond = [0n, 0n, 1n, 2n];
  pairs.forEach((_, e) => {
    let first = prior;
    let second = prior;
    if (live[e]) {
      for (let k = 0; k < n; k++) {
        const v0 = prefs[k][2 * e];
        const v1 = prefs[k][2 * e + 1];
        first += weight[k] * (shownFirst[v0] + shownSecond[v1]);
        second += weight[k] * (shownSecond[v0] + shownFirst[v1]);
      }
    }
    winsFirst.push(first);
    winsSecond.push(second);
  });
  return { live, winsFirst, winsSecond };
}

/** (8) (9) What the circuit checks of strengths p against the win matrix: the MM fixed point within tol_i and the normalization. */
export function checkStrengths(
  n: number,
  winsFirst: readonly bigint[],
  winsSecond: readonly bigint[],
  strengths: readonly bigint[],
): StrengthCheck {
  const pairs = pairSchedule(n);
  const wins = new Array<bigint>(n).fill(0n);
  const expected = new Array<bigint>(n).fill(0n);
  let inRange = strengths.length === n;
  for (const p of strengths) if (p < 1n || p > 1n << BigInt(STRENGTH_BITS)) inRange = false;
  if (!inRange) {
    return { wins, expected, tolerance: wins, residual: wins, shortfall: 0n, ok: false };
  }
  pairs.forEach(([a, b], e) => {
    const total = winsFirst[e] + winsSecond[e];
    wins[a] += winsFirst[e];
    wins[b] += winsSecond[e];
    const num = total * strengths[a];
    const d = strengths[a] + strengths[b];
    const q = num / d;
    expected[a] += q;
    expected[b] += total - q - (num % d === 0n ? 0n : 1n);
  });
  const tolerance = wins.map((w, i) => TOL_FLOORS + (TOL_UNITS * w) / strengths[i]);
  const residual = wins.map((w, i) => w - expected[i]);
  const shortfall = BigInt(n) * STRENGTH_SCALE - strengths.reduce((s, p) => s + p, 0n);
  const ok = shortfall >= 0n && shortfall < BigInt(n) && residual.every((r, i) => (r < 0n ? -r : r) <= tolerance[i]);
  return { wins, expected, tolerance, residual, shortfall, ok };
}

/**
 * (8) (9) Bradley-Terry strengths by the MM (Zermelo / Hunter) iteration in integer arithmetic:
 * from p_i = 2^64, p_i' = floor(W_i / sum_j n_ij / (p_i + p_j)) (the quotient of the exact rational),
 * then p_i'' = floor(p_i' N 2^64 / sum p'), until no strength moves by more than one unit. Every W_i is
 * positive (the prior), so every step is defined; a strength that floors to 0 is an error (the
 * spread the prior bounds was exceeded).
 */
export function fitStrengths(
  n: number,
  winsFirst: readonly bigint[],
  winsSecond: readonly bigint[],
): { strengths: bigint[]; iterations: number } {
  const pairs = pairSchedule(n);
  const neighbours: { j: number; total: bigint }[][] = Array.from({ length: n }, () => []);
  const wins = new Array<bigint>(n).fill(0n);
  pairs.forEach(([a, b], e) => {
    const total = winsFirst[e] + winsSecond[e];
    neighbours[a].push({ j: b, total });
    neighbours[b].push({ j: a, total });
    wins[a] += winsFirst[e];
    wins[b] += winsSecond[e];
  });
  const target = BigInt(n) * STRENGTH_SCALE;
  let p = new Array<bigint>(n).fill(STRENGTH_SCALE);
  for (let it = 1; it <= MAX_MM_ITERATIONS; it++) {
    // W_i / sum_j n_ij / d_ij = W_i prod_j d_ij / sum_j n_ij prod_{l != j} d_il, exactly, then floored.
    const q = p.map((pi, i) => {
      const d = neighbours[i].map(({ j }) => pi + p[j]);
      const num = d.reduce((x, y) => x * y, wins[i]);
      let den = 0n;
      neighbours[i].forEach(({ total }, t) => (den += d.reduce((x, y, u) => (u === t ? x : x * y), total)));
      return num / den;
    });
    const sum = q.reduce((s, x) => s + x, 0n);
    const next = q.map((x) => (x * target) / sum);
    next.forEach((x, i) => {
      if (x < 1n) {
        throw bad(`slot ${i}'s strength fell below one unit (2^-64 of the mean) after ${it} MM steps; raise params.prior`, {
          slot: i,
          iterations: it,
        });
      }
    });
    const moved = next.reduce((m, x, i) => {
      const d = x > p[i] ? x - p[i] : p[i] - x;
      return d > m ? d : m;
    }, 0n);
    p = next;
    if (moved <= MM_STOP_UNITS) return { strengths: p, iterations: it };
  }
  return { strengths: p, iterations: MAX_MM_ITERATIONS };
}

/** (10) The answered slot of largest strength, the lowest on a tie; N when nobody answered. */
export function winnerOf(answered: readonly boolean[], strengths: readonly bigint[]): number {
  let best = answered.length;
  for (let i = 0; i < answered.length; i++) {
    if (answered[i] && (best === answered.length || strengths[i] > strengths[best])) best = i;
  }
  return best;
}

/**
 * (11) A judge's agreement with the strength order over the live pairs: per judged comparison 2 when
 * the vote matches the order (the stronger answer, or a tie vote on equal strengths), 0 when it is
 * the opposite, 1 when one of the two is a tie.
 */
export function agreementScore(
  n: number,
  prefs: readonly number[],
  live: readonly boolean[],
  strengths: readonly bigint[],
): { score: number; judged: number } {
  let score = 0;
  let judged = 0;
  pairSchedule(n).forEach(([a, b], e) => {
    if (!live[e]) return;
    for (const o of [0, 1]) {
      const v = prefs[2 * e + o];
      if (v === PREF_NONE) continue;
      judged += 1;
      const [shownFirst, shownSecond] = o === 0 ? [a, b] : [b, a];
      const voted = v === PREF_TIE ? -1 : v === PREFER_FIRST ? shownFirst : shownSecond;
      const other = voted === shownFirst ? shownSecond : shownFirst;
      const equal = strengths[a] === strengths[b];
      if (voted === -1) score += equal ? 2 : 1;
      else if (equal) score += 1;
      else if (strengths[voted] > strengths[other]) score += 2;
    }
  });
  return { score, judged };
}

/** Settles a ranking round: the winner, the masks, the new reputations and the public inputs. */
export async function settleRound(input: RoundInput): Promise<RoundSettlement> {
  checkRoundInput(input);
  const { shape, params } = input;
  const n = shape.nodes;
  const reveals = input.reveals;

  // (1) The header binds the contract, the round and the rule's parameters.
  const ruleParams = packRuleParams(params);
  const header = await roundHeader(shape, input.context, input.round, params);

  // (2)-(4) The reveals in reveal order (distinct judge slots, checked above) and the accumulator.
  const count = reveals.length;
  let acc = header;
  for (const r of reveals) acc = await accStep(acc, r.judge, r.commitment);

  // (5) Included: the content is held and matches its commitment; the canonical vectors by slot.
  const revealed = new Array<boolean>(n).fill(false);
  const included = new Array<boolean>(n).fill(false);
  const prefs: number[][] = Array.from({ length: n }, () => new Array<number>(3 * n).fill(PREF_NONE));
  for (const [j, r] of reveals.entries()) {
    revealed[r.judge] = true;
    if (r.judgment === undefined) continue;
    const c = await judgmentCommitment(r.judge, r.judgment, shape);
    if (c !== r.commitment) {
      throw new ZkMeritError(
        "COMMITMENT_MISMATCH",
        `reveals[${j}] (judge ${r.judge}): the judgment's commitment is ${c}, the revealed one ${r.commitment}; ` +
          `leave its judgment out (unavailable) instead`,
        { position: j, judge: r.judge },
      );
    }
    included[r.judge] = true;
    prefs[r.judge] = encodeJudgment(r.judge, r.judgment, shape);
  }

  // (6) The answered mask and old reputations are checked above.
  // (7) The reputation-weighted win matrix with the prior.
  const weight = input.oldReputation.map((r, k) => (included[k] ? r : 0n));
  const { live, winsFirst, winsSecond } = weightedWins(n, prefs, weight, input.answered, priorWeight(params));

  // (8) (9) Strengths by the integer MM, and what the circuit checks of them.
  const { strengths, iterations } = fitStrengths(n, winsFirst, winsSecond);
  const check = checkStrengths(n, winsFirst, winsSecond, strengths);
  if (!check.ok) {
    throw bad(`the MM fit stopped after ${iterations} steps outside the tolerance of step 9 (residuals ${check.residual.join(", ")})`, {
      iterations,
    });
  }

  // (10) The winner.
  const winner = winnerOf(input.answered, strengths);

  // (11) Each judge's agreement with the strength order.
  const score: number[] = [];
  const judged: number[] = [];
  const observed: boolean[] = [];
  const agreement: bigint[] = [];
  for (let k = 0; k < n; k++) {
    const s = agreementScore(n, prefs[k], live, strengths);
    score.push(s.score);
    judged.push(s.judged);
    observed.push(included[k] && s.judged > 0);
    agreement.push(s.judged > 0 ? (REP_MAX * BigInt(s.score)) / BigInt(2 * s.judged) : 0n);
  }

  // (12) Flags: observed and below the threshold; the other observed judges agree.
  const flagged = observed.map((o, k) => o && agreement[k] < BigInt(params.minAgreement));
  const agrees = observed.map((o, k) => o && !flagged[k]);

  // (13) The EMA toward the agreement; a judge without an observation keeps its reputation.
  const newReputation = input.oldReputation.map((r, k) => (observed[k] ? emaStep(r, agreement[k], params.emaRate) : r));

  // (14) The posted data and its hash.
  const bitmask = (bits: readonly boolean[]) => bits.reduce((a, b, j) => (b ? a | (1n << BigInt(j)) : a), 0n);
  const masks = { answered: bitmask(input.answered), included: bitmask(included), agree: bitmask(agrees), flagged: bitmask(flagged) };
  const oldWords = repWords(input.oldReputation);
  const newWords = repWords(newReputation);
  const bytes = outBytes(input.round, winner, masks, oldWords, newWords);
  const outHash = outHashOf(bytes);

  // (15) The settler is bound as a public input.
  return {
    input,
    trace: {
      header,
      ruleParams,
      count,
      revealed,
      included,
      prefs,
      live,
      winsFirst,
      winsSecond,
      strengths,
      iterations,
      check,
      winner,
      score,
      judged,
      observed,
      agreement,
      flagged,
      agrees,
      newReputation,
      answeredMask: masks.answered,
      includedMask: masks.included,
      agreeMask: masks.agree,
      flaggedMask: masks.flagged,
      oldWords,
      newWords,
      outBytes: bytes,
    },
    publicInputs: { outHash, acc, settler: input.settler },
  };
}

/** The public signals in circuit order, as snarkjs lists them. */
export function publicSignals(s: RoundSettlement): bigint[] {
  return [s.publicInputs.outHash, s.publicInputs.acc, s.publicInputs.settler];
}
