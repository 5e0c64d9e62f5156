/**
 * Writes contribution.json, the golden settlements of the contribution rule (docs/spec/contribution.md,
 * with the root-trust steps of docs/spec/root-trust.md),
 * from the TypeScript reference. Run by hand, once per rule change, and review the diff:
 *   npx ts-node test/circuits/vectors/generateContribution.ts
 * Tests only read the file (test/circuits/contribution.test.ts): a change to the reference or the
 * circuit that alters any pinned value fails them.
 */
import fs from "node:fs";
import path from "node:path";
import { commitVector } from "../../../oracle/core/field";
import { DEFAULT_TRUST_MARGIN, publicSignals, settleRound, type RoundInput } from "../../../oracle/contribution";

/** A round input with every bigint as a decimal string. */
export interface EncodedRound {
  slots: number;
  task: {
    context: string;
    taskId: string;
    config: { budget: string; numRounds: number; maxTrainers: number };
    rule: { normBoundSq: string; trustMargin: string; rootUpdates: boolean };
  };
  wOld: string[];
  wPrev: string[];
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
      },
      rule: { normBoundSq: String(rule.normBoundSq), trustMargin: String(rule.trustMargin), rootUpdates: rule.rootUpdates },
    },
    wOld: str(r.wOld),
    wPrev: str(r.wPrev),
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
      },
      rule: { normBoundSq: BigInt(rule.normBoundSq), trustMargin: BigInt(rule.trustMargin), rootUpdates: rule.rootUpdates },
    },
    wOld: big(e.wOld),
    wPrev: big(e.wPrev),
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
/** A root update near the shared direction, and updates that point partly away from it. */
const root = base.map((b, k) => b + BigInt((k * 3001) % 1500));
const skew = (seed: number) => honest(seed).map((x, k) => (k < 3 ? -x : x));
const flip = honest(9).map((x) => -4n * x);
const wOld = base.map((b) => -b / 4n);
/** The previous round's step is honest-looking: wOld - wPrev = honest(8) / 2. */
const wPrev = wOld.map((w, k) => w - honest(8)[k] / 2n);

interface Options {
  rootUpdates?: boolean;
  first?: boolean;
  trustMargin?: bigint;
}

async function round(name: string, updates: bigint[][], unavailable: number[], slotOf: number[], o: Options = {}): Promise<GoldenCase> {
  const submissions = [];
  for (const [j, u] of updates.entries()) {
    submissions.push({ slot: slotOf[j], commitment: await commitVector(u, 32), update: unavailable.includes(j) ? undefined : u });
  }
  const input: RoundInput = {
    slots: 4,
    task: {
      context: (31337n << 160n) + 0x5fbdb2315678afecb367f032d93f642f64180aa3n,
      taskId: 11n,
      config: { budget: 10n ** 21n + 7n, numRounds: 5, maxTrainers: 4 },
      rule: { normBoundSq: 1n << 40n, trustMargin: o.trustMargin ?? DEFAULT_TRUST_MARGIN, rootUpdates: o.rootUpdates ?? true },
    },
    wOld,
    wPrev: o.first ? wOld : wPrev,
    cumOld: [0n, 10n ** 18n, 0n, 42n],
    round: o.first ? 0 : 2,
    settler: 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n,
    submissions,
  };
  const s = await settleRound(input);
  return { name, input: encodeRound(input), publicSignals: str(publicSignals(s)), shares: str(s.results.shares) };
}

async function main() {
  const scaled = honest(5).map((x) => 50n * x);
  const previousStep = wOld.map((w, k) => w - wPrev[k]);
  const cases = [
    await round("root_and_three_trainers", [root, honest(1), skew(2), honest(3)], [], [0, 1, 2, 3]),
    await round("first_round_no_previous_step", [honest(1), root, honest(2), skew(4)], [], [3, 0, 1, 2], { first: true }),
    await round("root_unavailable_equal_trust", [root, honest(1), honest(2), honest(3)], [0], [0, 2, 3, 1]),
    await round("no_root_updates_slot0_trains", [honest(4), honest(1), skew(2)], [], [0, 1, 2], { rootUpdates: false }),
    await round("flip_excluded_norm_slashed", [flip, root, scaled, honest(3)], [], [1, 0, 3, 2]),
    await round("duplicate_pair_slashed", [honest(6), root, honest(6), honest(3)], [], [3, 0, 1, 2]),
    await round("previous_step_resubmitted", [root, previousStep, honest(1), honest(2)], [], [0, 2, 1, 3], { trustMargin: 0n }),
  ];
  fs.writeFileSync(path.join(__dirname, "contribution.json"), JSON.stringify(cases, null, 2) + "\n");
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
