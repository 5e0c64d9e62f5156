/**
 * Regenerates fixedpoint.json from the TypeScript reference:
 *   npx ts-node test/circuits/vectors/generate.ts
 * The committed file pins both the reference and the circuits: a change to either that alters
 * any value fails test/circuits/fixedpoint.test.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { commitVector, packVector } from "../../../oracle/core/field";

const s = (xs: bigint[]) => xs.map(String);

async function main() {
  const B32max = (1n << 31n) - 1n;
  const B32min = -(1n << 31n);
  const ramp = (n: number, f: (i: number) => bigint) => Array.from({ length: n }, (_, i) => f(i));
  const cases = [
    { name: "zeros_8x32", bits: 32, x: ramp(8, () => 0n) },
    { name: "extremes_8x32", bits: 32, x: [B32max, B32min, -1n, 1n, B32max, B32min, 0n, 65536n] },
    { name: "ramp_20x32", bits: 32, x: ramp(20, (i) => BigInt((i - 10) * 123457)) },
    { name: "two_chunks_130x32", bits: 32, x: ramp(130, (i) => BigInt(((i * 7919) % 4001) - 2000) << 12n) },
    { name: "ramp_40x16", bits: 16, x: ramp(40, (i) => BigInt((i * 1237) % 65536) - 32768n) },
  ];
  const out = [];
  for (const c of cases) {
    out.push({
      name: c.name,
      bits: c.bits,
      x: s(c.x),
      packed: s(packVector(c.x, c.bits)),
      commitment: String(await commitVector(c.x, c.bits)),
    });
  }
  fs.writeFileSync(path.join(__dirname, "fixedpoint.json"), JSON.stringify(out, null, 2) + "\n");
}

// Only when run by hand: the test runner loads every file under test/, and golden vectors must pin
// the reference, never be rewritten from it by a test run.
if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
