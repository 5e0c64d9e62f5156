/**
 * Module 3's outcome section of `npm run bench` (`reputation-outcome`): the simulated swarm
 * (oracle/reputation/simulation.ts) over seeds, attack-free and with 30% adversarial nodes of each
 * style (self, random, ring, copycat), every round settled by the reference, carrying reputations
 * round to round (oracle/reputation/outcome.ts). The table compares the swarm's chosen answer with
 * the plurality vote over the same answers and with the best single node in hindsight, and shows
 * the flags and the reputation trajectories. No chain, no proofs.
 *
 * Alone: `npx ts-node scripts/reputation/outcome.ts [seeds]` prints the table (Markdown) and writes
 * nothing.
 */
import { InvalidArgumentError } from "commander";
import { ZkMeritError } from "../../oracle/core/errors";
import {
  ADVERSARY_STYLES,
  DEFAULT_ADVERSARY_FRACTION,
  DEFAULT_INITIAL_REPUTATION,
  DEFAULT_NODES,
  DEFAULT_ROUNDS,
  defaultOutcomeParams,
  runOutcome,
  type AdversaryStyle,
  type OutcomeOptions,
  type OutcomeRun,
  type ReputationParams,
  REP_MAX,
  REPUTATION_OUTCOME_BARS,
} from "../../oracle/reputation";
import type { BenchSection } from "../module";
import { renderReputationOutcome, type BenchResults, type ReputationOutcomeBench, type ReputationOutcomeRow } from "../bench/report";

// ---------------------------------------------------------------------------------------------
// The reduction of runs over seeds to the table's rows

export interface ReputationOutcomeOptions {
  readonly seeds: readonly number[];
  readonly nodes?: number;
  readonly rounds?: number;
  readonly adversaryFraction?: number;
  /** The configurations: "none" and every adversarial style by default. */
  readonly styles?: readonly ("none" | AdversaryStyle)[];
  readonly initialReputation?: bigint;
  readonly params?: ReputationParams;
  /** Population overrides (simulation.ts), for sensitivity runs; the defaults are the documented population. */
  readonly swarm?: OutcomeOptions["swarm"];
  readonly lureShare?: number;
  readonly log?: (line: string) => void;
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Reduces one configuration's runs (one per seed) to a row. */
export function outcomeRow(adversaries: ReputationOutcomeRow["adversaries"], runs: readonly OutcomeRun[]): ReputationOutcomeRow {
  if (runs.length === 0) throw new ZkMeritError("CONFIG", "outcomeRow needs at least one run");
  const first = runs[0];
  const nodes = first.swarm.nodes.length;
  const flags = { adv: [0, 0], honest: [0, 0] };
  const agreements: { adv: number[]; honest: number[] } = { adv: [], honest: [] };
  for (const run of runs) {
    const adv = new Set(run.swarm.adversaries);
    for (const r of run.rounds) {
      for (let k = 0; k < nodes; k++) {
        const side = adv.has(k) ? "adv" : "honest";
        flags[side][0] += 1;
        flags[side][1] += r.flagged[k] ? 1 : 0;
        if (r.observed[k]) agreements[side].push(r.agreement[k]);
      }
    }
  }
  const repTrack = (pick: (run: OutcomeRun) => readonly number[]) =>
    first.reputations.map((_, t) => median(runs.map((run) => mean(pick(run).map((k) => Number(run.reputations[t][k]) / Number(REP_MAX))))));
  const honestSlots = (run: OutcomeRun) => run.swarm.nodes.map((x) => x.slot).filter((k) => !run.swarm.adversaries.includes(k));
  const hasAdv = first.swarm.adversaries.length > 0;
  const bars = REPUTATION_OUTCOME_BARS;
  return {
    adversaries,
    adversaryFraction: hasAdv ? first.swarm.adversaries.length / nodes : 0,
    adversaryNodes: first.swarm.adversaries.length,
    nodes,
    rounds: first.rounds.length,
    seeds: runs.length,
    swarm: median(runs.map((r) => r.swarmAccuracy)),
    majority: median(runs.map((r) => r.majorityAccuracy)),
    best: median(runs.map((r) => r.best.accuracy)),
    anyCorrect: median(runs.map((r) => r.anyCorrectRate)),
    overMajority: median(runs.map((r) => r.swarmAccuracy - r.majorityAccuracy)),
    overBest: median(runs.map((r) => r.swarmAccuracy - r.best.accuracy)),
    overMajorityRuns: runs.filter((r) => r.swarmAccuracy >= r.majorityAccuracy + bars.overMajority - 1e-9).length,
    atLeastBestRuns: runs.filter((r) => r.swarmAccuracy >= r.best.accuracy - bars.belowBest - 1e-9).length,
    swarmByQuarter: [0, 1, 2, 3].map((q) =>
      median(
        runs.map((run) => {
          const part = run.rounds.slice(Math.floor((q * run.rounds.length) / 4), Math.floor(((q + 1) * run.rounds.length) / 4));
          return part.length ? part.filter((x) => x.swarmCorrect).length / part.length : 0;
        }),
      ),
    ),
    adversaryWins: median(runs.map((r) => r.adversaryWins)),
    adversariesFlagged: hasAdv ? flags.adv[1] / flags.adv[0] : undefined,
    honestFlagged: flags.honest[1] / flags.honest[0],
    adversaryAgreement: hasAdv ? mean(agreements.adv) : undefined,
    honestAgreement: mean(agreements.honest),
    honestReputation: repTrack(honestSlots),
    adversaryReputation: hasAdv ? repTrack((run) => run.swarm.adversaries) : undefined,
  };
}

/** The outcome table: per configuration (attack-free and each adversarial style), one run per seed, reduced to a row. */
export async function reputationOutcome(options: ReputationOutcomeOptions): Promise<ReputationOutcomeRow[]> {
  const styles = options.styles ?? (["none", ...ADVERSARY_STYLES] as const);
  const fraction = options.adversaryFraction ?? DEFAULT_ADVERSARY_FRACTION;
  const rows: ReputationOutcomeRow[] = [];
  for (const style of styles) {
    const runs: OutcomeRun[] = [];
    for (const seed of options.seeds) {
      runs.push(
        await runOutcome({
          seed,
          nodes: options.nodes,
          rounds: options.rounds,
          initialReputation: options.initialReputation,
          params: options.params,
          swarm: options.swarm,
          lureShare: options.lureShare,
          ...(style === "none" ? {} : { style, adversaryFraction: fraction }),
        }),
      );
    }
    const row = outcomeRow(style, runs);
    rows.push(row);
    const p = (x: number) => (100 * x).toFixed(1);
    options.log?.(
      `reputation outcome ${style}: swarm ${p(row.swarm)}% vs plurality ${p(row.majority)}% and best node ${p(row.best)}% ` +
        `(+10 in ${row.overMajorityRuns}/${row.seeds}, >= best in ${row.atLeastBestRuns}/${row.seeds})`,
    );
  }
  return rows;
}

/** The outcome table at `nodes` slots over `seeds`: attack-free and each adversarial style at 30%. */
export async function benchReputationOutcome(
  seeds: readonly number[],
  log: (line: string) => void,
  nodes = DEFAULT_NODES,
  rounds = DEFAULT_ROUNDS,
): Promise<ReputationOutcomeBench> {
  const started = Date.now();
  const params = defaultOutcomeParams(nodes);
  const rows: ReputationOutcomeRow[] = await reputationOutcome({ seeds, nodes, rounds, params, log });
  return {
    nodes,
    rounds,
    seeds: [...seeds],
    adversaryFraction: DEFAULT_ADVERSARY_FRACTION,
    initialReputation: Number(DEFAULT_INITIAL_REPUTATION),
    params: { emaRate: Number(params.emaRate), minAgreement: params.minAgreement, prior: params.prior },
    seconds: (Date.now() - started) / 1000,
    rows,
  };
}

const seedList = (v: string) => {
  const seeds = v.split(",").map((s) => Number(s.trim()));
  if (!seeds.length || seeds.some((s) => !Number.isSafeInteger(s) || s < 0))
    throw new InvalidArgumentError(`--reputation-seeds must be comma-separated integers >= 0, got "${v}"`);
  return seeds;
};

export const reputationOutcomeSection: BenchSection = {
  id: "reputation-outcome",
  options: (cmd) =>
    cmd
      .option("--reputation-outcome-only", "measure only module 3's outcome table (keeps every other section of the previous run)")
      .option("--reputation-seeds <list>", "seeds of module 3's outcome table", seedList, seedList("1,2,3,4,5,6,7,8,9,10,11,12")),
  onlyFlag: "reputationOutcomeOnly",
  async run(x) {
    const seeds = x.options.reputationSeeds as number[];
    return { reputationOutcome: await benchReputationOutcome(seeds, x.log) } satisfies Partial<BenchResults>;
  },
};

if (require.main === module) {
  const seeds = seedList(process.argv[2] ?? "1,2,3,4,5,6,7,8,9,10,11,12");
  benchReputationOutcome(seeds, (l) => process.stderr.write(`[reputation-outcome] ${l}\n`))
    .then((o) => process.stdout.write(renderReputationOutcome(o).join("\n") + "\n"))
    .catch((e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    });
}
