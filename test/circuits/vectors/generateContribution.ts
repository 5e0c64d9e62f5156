/**
 * Writes contribution.json, the golden settlements of the contribution rule (docs/spec/contribution.md),
 * from the TypeScript reference. Run by hand, once per rule change, and review the diff:
 *   npx ts-node test/circuits/vectors/generateContribution.ts
 * Tests only read the file (test/circuits/contribution.test.ts): a change to the reference or the
 * circuit that alters any pinned value fails them.
 */
import fs from "node:fs";
import path from "node:path";
import { commitVector } from "../../../oracle/field";
import { publicSignals, settleRound, type RoundInput } from "../../../oracle/contribution";

/** A round input with every bigint as a decimal string. */
export interface EncodedRound {
  slots: number;
  task: {
    context: string;
    taskId: string;
    config: { budget: string; numRounds: number; maxTrainers: number; outlierFactor: string };
    rule: { normBoundSq: string; distFloor: string; minSubmissions: number };
  };
  wOld: string[];
  cumOld: string[];
  round: number;
  settler: string;
  submissions: { slot: number; commitment: string; update?: string[] }[];
}

export interface GoldenCase {
  name: string;
  input: EncodedRound;
  /** [acc, newState, modelCommitment, rewardRoot, masks, settler] */
  publicSignals: string[];
  shares: string[];
}

const str = (xs: readonly bigint[]) => xs.map(String);
const big = (xs: readonly string[]) => xs.map(BigInt);

export function encodeRound(r: RoundInput): EncodedRound {
  const { config, rule } = r.task;
  return {
    slots: r.slots,
    task: {
      context: String(r.task.context),
      taskId: String(r.task.taskId),
      config: {
        budget: String(config.budget),
        numRounds: config.numRounds,
        maxTrainers: config.maxTrainers,
        outlierFactor: String(config.outlierFactor),
      },
      rule: { normBoundSq: String(rule.normBoundSq), distFloor: String(rule.distFloor), minSubmissions: rule.minSubmissions },
    },
    wOld: str(r.wOld),
    cumOld: str(r.cumOld),
    round: r.round,
    settler: String(r.settler),
    submissions: r.submissions.map((s) => ({
      slot: s.slot,
      commitment: String(s.commitment),
      ...(s.update ? { update: str(s.update) } : {}),
    })),
  };
}

export function decodeRound(e: EncodedRound): RoundInput {
  const { config, rule } = e.task;
  return {
    slots: e.slots,
    task: {
      context: BigInt(e.task.context),
      taskId: BigInt(e.task.taskId),
      config: {
        budget: BigInt(config.budget),
        numRounds: config.numRounds,
        maxTrainers: config.maxTrainers,
        outlierFactor: BigInt(config.outlierFactor),
      },
      rule: { normBoundSq: BigInt(rule.normBoundSq), distFloor: BigInt(rule.distFloor), minSubmissions: rule.minSubmissions },
    },
    wOld: big(e.wOld),
    cumOld: big(e.cumOld),
    round: e.round,
    settler: BigInt(e.settler),
    submissions: e.submissions.map((s) => ({
      slot: s.slot,
      commitment: BigInt(s.commitment),
      update: s.update ? big(s.update) : undefined,
    })),
  };
}

const base = [40_000n, -25_000n, 12_000n, 0n, -7_000n, 30_000n, -1_000n, 5_000n];
const honest = (seed: number) => base.map((b, k) => b + BigInt(((seed * 7919 + k * 104_729) % 2001) - 1000));

async function round(name: string, updates: bigint[][], unavailable: number[], slotOf: number[], minSubmissions = 3): Promise<GoldenCase> {
  const submissions = [];
  for (const [j, u] of updates.entries()) {
    submissions.push({ slot: slotOf[j], commitment: await commitVector(u, 32), update: unavailable.includes(j) ? undefined : u });
  }
  const input: RoundInput = {
    slots: 4,
    task: {
      context: (31337n << 160n) + 0x5fbdb2315678afecb367f032d93f642f64180aa3n,
      taskId: 11n,
      config: { budget: 10n ** 21n + 7n, numRounds: 5, maxTrainers: 4, outlierFactor: 16n << 16n },
      rule: { normBoundSq: 1n << 40n, distFloor: 1n << 26n, minSubmissions },
    },
    wOld: base.map((b) => -b / 4n),
    cumOld: [0n, 10n ** 18n, 0n, 42n],
    round: 2,
    settler: 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n,
    submissions,
  };
  const s = await settleRound(input);
  return { name, input: encodeRound(input), publicSignals: str(publicSignals(s)), shares: str(s.results.shares) };
}

async function main() {
  const flip = honest(9).map((x) => -4n * x);
  const scaled = honest(5).map((x) => 50n * x);
  const cases = [
    await round("all_included", [honest(1), honest(2), honest(3), honest(4)], [], [0, 1, 2, 3]),
    await round("position0_unavailable", [honest(1), honest(2), honest(3), honest(4)], [0], [2, 0, 3, 1]),
    await round("duplicate_pair_slashed", [honest(6), honest(2), honest(6), honest(3)], [], [3, 1, 0, 2]),
    await round("norm_slashed_distance_excluded", [honest(1), scaled, flip, honest(3)], [], [1, 0, 3, 2]),
    await round("too_few_for_distance_rule", [honest(1), flip, honest(2)], [2], [0, 1, 2]),
  ];
  fs.writeFileSync(path.join(__dirname, "contribution.json"), JSON.stringify(cases, null, 2) + "\n");
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
