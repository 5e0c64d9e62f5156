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
import {
  DEFAULT_ADVERSARY_FRACTION,
  DEFAULT_INITIAL_REPUTATION,
  DEFAULT_NODES,
  DEFAULT_ROUNDS,
  defaultOutcomeParams,
  reputationOutcome,
} from "../../oracle/reputation";
import type { BenchSection } from "../module";
import { renderReputationOutcome, type BenchResults, type ReputationOutcomeBench, type ReputationOutcomeRow } from "../bench/report";

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
