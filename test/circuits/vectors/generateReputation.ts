/**
 * Regenerates reputation.json from the TypeScript reference (oracle/reputation/reference.ts):
 *   npx ts-node test/circuits/vectors/generateReputation.ts
 * The committed file pins both the reference and circuits/reputation/reputation.circom: a change to
 * either that alters any strength, the winner, a mask, a reputation word or a public input fails
 * test/circuits/reputation.test.ts. Tests never run this; they only read the file (and decode it with
 * decodeRound).
 */
import fs from "node:fs";
import path from "node:path";
import { settleRound, type RoundInput } from "../../../oracle/reputation";
import { HALF, contraryVotes, honestVotes, reveal, revealAll, ringVotes, roundOf } from "../../helpers/reputation";

/** A round as JSON: every bigint a decimal string. */
export interface GoldenRound {
  name: string;
  input: unknown;
  strengths: string[];
  winner: number;
  newWords: string[];
  answeredMask: string;
  includedMask: string;
  agreeMask: string;
  flaggedMask: string;
  outHash: string;
  acc: string;
}

const big = (_: string, v: unknown) => (typeof v === "bigint" ? `${v}n` : v);
const unbig = (_: string, v: unknown) => (typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v);

export function decodeRound(v: GoldenRound): RoundInput {
  return JSON.parse(JSON.stringify(v.input), unbig) as RoundInput;
}

/** Answer qualities: slot 5 gave the best answer, slot 2 the worst. */
export const QUALITY = [3, 4, 0, 2, 5, 6, 1, 3];
/** A ring of three (slots 0, 1, 2) promoting its members; slot 2's answer is the worst. */
export const RING = new Set([0, 1, 2]);

async function cases(): Promise<{ name: string; input: RoundInput }[]> {
  const ringRound = (ringRep: bigint, honestRep: bigint) =>
    revealAll((k) => (RING.has(k) ? ringVotes(k, QUALITY, RING) : honestVotes(k, QUALITY))).then((reveals) =>
      roundOf(reveals, { oldReputation: QUALITY.map((_, k) => (RING.has(k) ? ringRep : honestRep)) }),
    );
  return [
    { name: "honest_round", input: roundOf(await revealAll((k) => honestVotes(k, QUALITY))) },
    { name: "ring_outweighed_by_honest_reputation", input: await ringRound(20000n, 50000n) },
    { name: "ring_with_the_reputation_wins_its_pairs", input: await ringRound(65535n, 3000n) },
    {
      name: "contrary_judge_flagged",
      input: roundOf(await revealAll((k) => (k === 6 ? contraryVotes(k, QUALITY) : honestVotes(k, QUALITY))), {
        params: { emaRate: 65536n, minAgreement: 40000, prior: 2 },
        oldReputation: [65535n, 0n, 1n, 40000n, 65534n, 30000n, 65535n, 12345n],
      }),
    },
    {
      name: "absent_withheld_and_out_of_order",
      input: roundOf(
        [
          await reveal(6, honestVotes(6, QUALITY)),
          await reveal(1, honestVotes(1, QUALITY), true),
          await reveal(4, honestVotes(4, QUALITY).slice(3)),
          await reveal(0, contraryVotes(0, QUALITY)),
          await reveal(3, honestVotes(3, QUALITY)),
        ],
        {
          round: 4_000_000_000n,
          answered: [true, true, true, false, true, false, true, true],
          oldReputation: [HALF, 65535n, 9000n, 65535n, 0n, HALF, 60000n, 100n],
          params: { emaRate: 1000n, minAgreement: 65535, prior: 255 },
        },
      ),
    },
    { name: "all_ties_lowest_slot_wins", input: roundOf(await revealAll((k) => honestVotes(k, new Array<number>(8).fill(1)))) },
  ];
}

async function main(): Promise<void> {
  const out: GoldenRound[] = [];
  for (const { name, input } of await cases()) {
    const s = await settleRound(input);
    out.push({
      name,
      input: JSON.parse(JSON.stringify(input, big)),
      strengths: s.trace.strengths.map(String),
      winner: s.trace.winner,
      newWords: s.trace.newWords.map(String),
      answeredMask: s.trace.answeredMask.toString(),
      includedMask: s.trace.includedMask.toString(),
      agreeMask: s.trace.agreeMask.toString(),
      flaggedMask: s.trace.flaggedMask.toString(),
      outHash: s.publicInputs.outHash.toString(),
      acc: s.publicInputs.acc.toString(),
    });
  }
  const file = path.join(__dirname, "reputation.json");
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  process.stdout.write(`wrote ${file} (${out.length} cases)\n`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
