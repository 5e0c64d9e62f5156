import { ZkMeritError } from "../../core";
import { deriveSeed } from "./data";
import { DEFAULT_TRAINING, federationData, trainerData } from "./fedavg";
import { DEFAULT_FEATURES, featureSubset, type FeatureSet } from "./projection";
import { roundTrip } from "./quantize";
import { ROUND_RULES, multiclassHinge, type RuleName } from "./rule";
import { coalitionLogLoss, ownerData, ownerRoundContext, shapleyValues, spearman, toChain } from "./robustness";
import { crossEntropy, initialParams, localTrain, type LocalTrainOptions } from "./softmax";

/**
 * The fairness ceiling: how well can any reward computed from held-out data rank the honest trainers the
 * way the bench's ground truth does?
 *
 * The ground truth (robustness.ts, `fairnessForSeed`) is the leave-one-out (LOO) change and the exact
 * Shapley value of -(test log-loss) of plain FedAvg over all 2^n coalitions. A rule can only see what the
 * owner holds. So this study runs the federation without attackers under a round rule, and accumulates
 * over the rounds, for each trainer j and for several held-out sets D, the two marginals a settlement could
 * measure with D:
 * - loo_D(j) = sum over rounds of loss_D(w + mean of the others) - loss_D(w + mean of all): the per-round
 *   estimate of the grand coalition's marginal, which is what LOO measures;
 * - alone_D(j) = sum over rounds of loss_D(w) - loss_D(w + u_j): j's update on its own, the estimate of the
 *   small coalitions' marginals, which dominate the Shapley value (they are the largest, and Shapley
 *   weighs every coalition size equally);
 * - mix_D = z(alone_D) + z(loo_D), z the standardization across trainers;
 * with loss the log-loss and the multiclass hinge (the loss a circuit evaluates exactly). The held-out sets:
 * the owner's validation set, slices of the test set of growing size (an owner with more data drawn from
 * the evaluation distribution), and the whole test set (the ground truth's own evaluation set: an upper
 * bound no owner has). Each signal's Spearman correlation with the ground truth's LOO and Shapley is the
 * best any reward built on it can reach, since the bars compare ranks.
 *
 * The study also gives the ground truth's own agreement: Spearman(LOO, Shapley), and the stability of each
 * under other SGD seeds of the coalition runs, which bounds how much of the ranking is noise.
 */

export interface CeilingConfig {
  readonly trainers: number;
  readonly rounds: number;
  readonly seeds: readonly number[];
  /** Sizes of the test-set slices used as held-out sets (two disjoint slices each, from 0 and from half). */
  readonly sliceSizes: readonly number[];
  /** Extra SGD seeds of the coalition runs for the ground truth's stability (0 skips it). */
  readonly stabilitySeeds: number;
  readonly ruleName?: RuleName;
  readonly training?: Partial<Omit<LocalTrainOptions, "seed">>;
  readonly log?: (line: string) => void;
}

export interface CeilingSignal {
  /** The held-out set ("validation 500", "test 0..499", "test (all 2000)", ...), or "rule" / "truth". */
  readonly data: string;
  /** What is accumulated: "reward", "loo", "alone", "mix", with the loss ("log-loss" or "hinge"). */
  readonly signal: string;
  readonly loss: string;
  readonly perSeed: readonly {
    readonly seed: number;
    readonly loo: number;
    readonly shapley: number;
    /** The accumulated signal of each trainer. */
    readonly values: readonly number[];
  }[];
  readonly meanLoo: number;
  readonly meanShapley: number;
  /**
   * The lowest honest trainer's accumulated signal over the median honest trainer's, the worst over the
   * seeds. A free-rider's loo signal is about 0 (its update adds nothing the others do not), so where this
   * is at or below 0.25, no reward that grows with the signal can hold free-riders to 0.25x the median
   * honest reward and still pay every honest trainer at least that.
   */
  readonly lowestToMedian: number;
}

export interface CeilingSeedTruth {
  readonly seed: number;
  readonly spearmanLooShapley: number;
  /** Spearman of LOO (and Shapley) with the same computed under each extra SGD seed. */
  readonly looStability: readonly number[];
  readonly shapleyStability: readonly number[];
}

export interface CeilingResult {
  readonly config: Omit<CeilingConfig, "log">;
  readonly truth: readonly CeilingSeedTruth[];
  readonly signals: readonly CeilingSignal[];
  readonly seconds: number;
}

interface HeldOut {
  readonly name: string;
  readonly set: FeatureSet;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Standardized across trainers (all 0 when constant). */
function standardized(xs: readonly number[]): number[] {
  const m = mean(xs);
  const sd = Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
  return xs.map((x) => (sd > 0 ? (x - m) / sd : 0));
}

/** LOO and Shapley of -(test log-loss) over all coalitions, with the coalition runs' SGD seeded by `trainSeed`. */
function groundTruth(
  locals: readonly FeatureSet[],
  test: FeatureSet,
  rounds: number,
  trainSeed: number,
  training: Omit<LocalTrainOptions, "seed">,
): { loo: number[]; shapley: number[]; single: number[] } {
  const n = locals.length;
  const values = Array.from({ length: 2 ** n }, (_, mask) => -coalitionLogLoss(locals, test, mask, rounds, trainSeed, training));
  const full = 2 ** n - 1;
  return {
    loo: Array.from({ length: n }, (_, i) => values[full] - values[full & ~(1 << i)]),
    shapley: shapleyValues(values),
    single: Array.from({ length: n }, (_, i) => values[1 << i] - values[0]),
  };
}

export function runFairnessCeiling(config: CeilingConfig): CeilingResult {
  const t0 = performance.now();
  const log = config.log ?? (() => {});
  const n = config.trainers;
  if (!Number.isInteger(n) || n < 3 || n > 12) throw new ZkMeritError("CONFIG", `the ceiling study needs 3 to 12 trainers, got ${n}`, {});
  if (!Number.isInteger(config.rounds) || config.rounds < 1)
    throw new ZkMeritError("CONFIG", `rounds must be a positive integer, got ${config.rounds}`, {});
  const training = { ...DEFAULT_TRAINING, ...config.training };
  const ruleName = config.ruleName ?? "root-trust";
  const { test } = federationData(DEFAULT_FEATURES);
  const half = Math.floor(test.count / 2);
  for (const s of config.sliceSizes) {
    if (!Number.isInteger(s) || s < 1 || s > half)
      throw new ZkMeritError("CONFIG", `a test slice must have 1 to ${half} images, got ${s}`, { slice: s });
  }
  const owner = ownerData(DEFAULT_FEATURES);
  const heldOut: HeldOut[] = [{ name: `validation (${owner.validation.count})`, set: owner.validation }];
  for (const s of config.sliceSizes) {
    for (const from of [0, half]) {
      const positions = Array.from({ length: s }, (_, i) => from + i);
      heldOut.push({ name: `test ${from}..${from + s - 1}`, set: featureSubset(test, positions) });
    }
  }
  heldOut.push({ name: `test (all ${test.count})`, set: test });
  const losses = [
    { name: "log-loss", f: crossEntropy },
    { name: "hinge", f: multiclassHinge },
  ] as const;

  type Acc = Map<string, number[][]>; // key -> per seed, per trainer
  const acc: Acc = new Map();
  const put = (key: string, seedIndex: number, values: readonly number[]) => {
    const rows = acc.get(key) ?? [];
    rows[seedIndex] = values.slice();
    acc.set(key, rows);
  };
  const truths: CeilingSeedTruth[] = [];
  const gt: { loo: number[]; shapley: number[]; single: number[] }[] = [];

  config.seeds.forEach((seed, si) => {
    const locals = trainerData(n, seed);
    const truth = groundTruth(locals, test, config.rounds, seed, training);
    gt.push(truth);
    const looStability: number[] = [];
    const shapleyStability: number[] = [];
    for (let k = 1; k <= config.stabilitySeeds; k++) {
      const other = groundTruth(locals, test, config.rounds, seed + 1000 * k, training);
      looStability.push(spearman(truth.loo, other.loo));
      shapleyStability.push(spearman(truth.shapley, other.shapley));
    }
    truths.push({ seed, spearmanLooShapley: spearman(truth.loo, truth.shapley), looStability, shapleyStability });
    log(`seed ${seed}: ground truth ready (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    // The federation under the rule, without attackers, measuring every signal on every held-out set.
    const sums = new Map<string, number[]>();
    const add = (key: string, j: number, x: number) => {
      const row = sums.get(key) ?? new Array<number>(n).fill(0);
      row[j] += x;
      sums.set(key, row);
    };
    let w = initialParams(DEFAULT_FEATURES);
    let previousStep = new Float64Array(w.length);
    for (let r = 0; r < config.rounds; r++) {
      const model = w;
      const ctx = ownerRoundContext(owner, model, seed, r, previousStep, training);
      const updates = locals.map((data, i) => roundTrip(localTrain(model, data, { ...training, seed: deriveSeed(seed, r, i) })));
      const res = ROUND_RULES[ruleName](updates, ctx);
      res.shares.forEach((x, j) => add("rule", j, x));
      const P = model.length;
      const at = (step: (k: number) => number) => Float64Array.from({ length: P }, (_, k) => model[k] + step(k));
      const total = new Float64Array(P);
      for (const u of updates) for (let k = 0; k < P; k++) total[k] += u[k];
      const withAll = at((k) => total[k] / n);
      const without = updates.map((u) => at((k) => (total[k] - u[k]) / (n - 1)));
      const alone = updates.map((u) => at((k) => u[k]));
      for (const h of heldOut) {
        for (const l of losses) {
          const base = l.f(model, h.set);
          const full = l.f(withAll, h.set);
          for (let j = 0; j < n; j++) {
            add(`${h.name}|loo|${l.name}`, j, l.f(without[j], h.set) - full);
            add(`${h.name}|alone|${l.name}`, j, base - l.f(alone[j], h.set));
          }
        }
      }
      const next = new Float64Array(P);
      for (let k = 0; k < P; k++) next[k] = w[k] + res.aggregate[k];
      const wNext = toChain(next);
      previousStep = new Float64Array(P);
      for (let k = 0; k < P; k++) previousStep[k] = wNext[k] - w[k];
      w = wNext;
    }
    put("rule||", si, sums.get("rule")!);
    for (const h of heldOut) {
      for (const l of losses) {
        const loo = sums.get(`${h.name}|loo|${l.name}`)!;
        const alone = sums.get(`${h.name}|alone|${l.name}`)!;
        const za = standardized(alone);
        const zl = standardized(loo);
        put(`${h.name}|loo|${l.name}`, si, loo);
        put(`${h.name}|alone|${l.name}`, si, alone);
        put(
          `${h.name}|mix|${l.name}`,
          si,
          za.map((x, j) => x + zl[j]),
        );
      }
    }
    const zs = standardized(truth.single);
    const zl = standardized(truth.loo);
    put(
      "truth|mix|log-loss",
      si,
      zs.map((x, j) => x + zl[j]),
    );
    log(`seed ${seed}: signals ready (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  });

  const signals: CeilingSignal[] = [...acc.entries()].map(([key, rows]) => {
    const [data, signal, loss] = key.split("|");
    const perSeed = rows.map((values, si) => ({
      seed: config.seeds[si],
      loo: spearman(values, gt[si].loo),
      shapley: spearman(values, gt[si].shapley),
      values,
    }));
    return {
      data: data === "rule" ? `the rule (${ruleName})` : data === "truth" ? "ground truth (test game)" : data,
      signal: data === "rule" ? "reward" : data === "truth" ? "mix of singleton and LOO" : signal,
      loss: data === "rule" ? "" : loss,
      perSeed,
      meanLoo: mean(perSeed.map((p) => p.loo)),
      meanShapley: mean(perSeed.map((p) => p.shapley)),
      lowestToMedian: Math.min(...perSeed.map((p) => Math.min(...p.values) / median(p.values))),
    };
  });
  const { log: _log, ...rest } = config;
  return { config: rest, truth: truths, signals, seconds: (performance.now() - t0) / 1000 };
}

const num = (x: number) => (Number.isNaN(x) ? "n/a" : x.toFixed(2));

/** The study in Markdown: the ground truth's agreement and stability, then one row per signal. */
export function renderCeilingMarkdown(r: CeilingResult): string {
  const c = r.config;
  const out: string[] = [];
  out.push(`# The fairness ceiling of held-out-data rewards`);
  out.push("");
  out.push(
    `${c.trainers} trainers, ${c.rounds} rounds, seeds ${c.seeds.join(", ")}, no attackers. Ground truth: LOO and exact Shapley of -(test log-loss) of plain FedAvg over all ${2 ** c.trainers} coalitions (as the bench's fairness study). Written by \`npx ts-node scripts/bench/fairness-ceiling.ts\` in ${r.seconds.toFixed(0)} s.`,
  );
  out.push("");
  out.push(`## The ground truth`);
  out.push("");
  out.push(`| seed | Spearman(LOO, Shapley) | LOO under other SGD seeds | Shapley under other SGD seeds |`);
  out.push(`| ---: | ---: | ---: | ---: |`);
  for (const t of r.truth) {
    out.push(
      `| ${t.seed} | ${num(t.spearmanLooShapley)} | ${t.looStability.map(num).join(", ") || "-"} | ${t.shapleyStability.map(num).join(", ") || "-"} |`,
    );
  }
  out.push("");
  out.push(`## Signals, accumulated over the rounds: Spearman with the ground truth (mean over seeds; per seed LOO/Shapley)`);
  out.push("");
  out.push(
    `The last column is the lowest honest trainer's accumulated signal over the median honest trainer's (the worst seed). A free-rider's loo signal is about 0, so at or below 0.25 a reward growing with the signal pays some honest trainer no more than a free-rider.`,
  );
  out.push("");
  out.push(`| held-out data | signal | loss | vs LOO | vs Shapley | both ≥ 0.6 | per seed | lowest ÷ median honest |`);
  out.push(`| --- | --- | --- | ---: | ---: | :---: | --- | ---: |`);
  for (const s of r.signals) {
    const both = s.meanLoo >= 0.6 && s.meanShapley >= 0.6 ? "yes" : "no";
    const per = s.perSeed.map((p) => `${num(p.loo)}/${num(p.shapley)}`).join(" ");
    out.push(
      `| ${s.data} | ${s.signal} | ${s.loss} | ${num(s.meanLoo)} | ${num(s.meanShapley)} | ${both} | ${per} | ${s.signal === "loo" || s.signal === "reward" ? num(s.lowestToMedian) : "-"} |`,
    );
  }
  out.push("");
  return out.join("\n");
}
