/**
 * Regenerates reliability.json from the TypeScript reference (oracle/reliability/reference.ts):
 *   npx ts-node test/circuits/vectors/generateReliability.ts
 * The committed file pins both the reference and circuits/reliability/reliability.circom: a change
 * to either that alters any posted word, flag or public input fails test/circuits/reliability.test.ts.
 * Tests never run this; they only read the file (and decode it with decodeBatch).
 */
import fs from "node:fs";
import path from "node:path";
import { updateBatch, type BatchInput, type QueryGrade } from "../../../oracle/reliability";
import { SKIP, batch, grade, reveal } from "../../helpers/reliability";

/** A batch input as JSON: every bigint a decimal string. */
export interface GoldenBatch {
  name: string;
  input: unknown;
  newWords: string[];
  includedMask: string;
  flaggedMask: string;
  batchHash: string;
  acc: string;
}

const big = (_: string, v: unknown) => (typeof v === "bigint" ? `${v}n` : v);
const unbig = (_: string, v: unknown) => (typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v);

export function decodeBatch(v: GoldenBatch): BatchInput {
  return JSON.parse(JSON.stringify(v.input), unbig) as BatchInput;
}

const honest = (q: number): QueryGrade =>
  grade(q % 4 !== 1, q % 3 !== 2, [
    [q % 5, 60],
    [5 + (q % 3), 40],
  ]);
const honestAll = Array.from({ length: 8 }, (_, q) => honest(q));
/** Colluders boost slot 7 (a bad source) on every query and call every answer correct. */
const booster = Array.from({ length: 8 }, (_, q) =>
  grade(true, true, [
    [7, 100],
    [q % 5, 0],
  ]),
);
/** Colluders sink slot 0 (a good source): every answer that used it is wrong and ungrounded. */
const sinker = Array.from({ length: 8 }, (_, q) => (q % 5 === 0 ? grade(false, false, [[5 + (q % 3), 100]]) : honest(q)));

async function cases(): Promise<{ name: string; input: BatchInput }[]> {
  return [
    {
      name: "honest_epoch",
      input: batch([await reveal(101n, honestAll), await reveal(102n, honestAll), await reveal(103n, honestAll)]),
    },
    {
      name: "boosting_minority_outvoted",
      input: batch([
        await reveal(201n, honestAll),
        await reveal(202n, booster),
        await reveal(203n, honestAll),
        await reveal(204n, booster),
        await reveal(205n, honestAll),
      ]),
    },
    {
      name: "sinking_minority_outvoted",
      input: batch([
        await reveal(301n, sinker),
        await reveal(302n, honestAll),
        await reveal(303n, honestAll),
        await reveal(304n, honestAll),
      ]),
    },
    {
      name: "boosting_majority_wins",
      input: batch([await reveal(401n, booster), await reveal(402n, honestAll), await reveal(403n, booster)]),
    },
    {
      name: "withheld_and_partial",
      input: batch(
        [
          await reveal(501n, honestAll),
          await reveal(502n, honestAll, true),
          await reveal(
            503n,
            honestAll.map((g, q) => (q < 3 ? SKIP : g)),
          ),
          await reveal(504n, honestAll),
        ],
        {
          epoch: 4_000_000_000n,
          oldScores: Array.from({ length: 8 }, (_, k) => ({ reliability: BigInt(k * 9000), usefulness: 65535n - BigInt(k * 9000) })),
          params: { emaRate: 65536n, minGraders: 2, shareTolerance: 0, disagreePct: 0 },
        },
      ),
    },
  ];
}

async function main(): Promise<void> {
  const out: GoldenBatch[] = [];
  for (const { name, input } of await cases()) {
    const u = await updateBatch(input);
    out.push({
      name,
      input: JSON.parse(JSON.stringify(input, big)),
      newWords: u.trace.newWords.map(String),
      includedMask: u.trace.includedMask.toString(),
      flaggedMask: u.trace.flaggedMask.toString(),
      batchHash: u.publicInputs.batchHash.toString(),
      acc: u.publicInputs.acc.toString(),
    });
  }
  const file = path.join(__dirname, "reliability.json");
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  process.stdout.write(`wrote ${file} (${out.length} cases)\n`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
