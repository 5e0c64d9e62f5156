/**
 * Regenerates trust.json from the TypeScript reference (oracle/contribution/trust.ts):
 *   npx ts-node test/circuits/vectors/generateTrust.ts
 * The committed file pins both the reference and circuits/lib/trust.circom: a change to either that
 * alters any value fails test/circuits/trust.test.ts. Tests never run this.
 */
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_TRUST_MARGIN, rootTrust, type RootTrustInput } from "../../../oracle/contribution/trust";
import { quantize } from "../../../oracle/core/field";

const P = 8;
const q = (xs: number[]) => quantize(xs);
const honest = [
  [0.9, 0.3, 0.1, -0.2, 0.6, 0.0, 0.1, 0.3],
  [0.5, 0.8, 0.4, 0.1, -0.1, 0.2, 0.3, -0.1],
  [0.2, -0.1, 1.1, 0.5, 0.1, 0.4, -0.2, 0.0],
];
const root = [0.7, 0.4, 0.5, 0.1, 0.3, 0.1, 0.1, 0.1];
const previous = [0.5, 0.3, 0.4, 0.1, 0.2, 0.1, 0.0, 0.1];
const mean = honest[0].map((_, k) => (honest[0][k] + honest[1][k] + honest[2][k]) / 3);
/** A round of the three honest updates and a fourth, with the root and previous step above unless overridden. */
const round = (fourth: number[], over: Partial<RootTrustInput> = {}): RootTrustInput => ({
  updates: [...honest, fourth].map(q),
  member: [true, true, true, true],
  hasRoot: true,
  root: q(root),
  previous: q(previous),
  margin: DEFAULT_TRUST_MARGIN,
  reward: 1_000_000n,
  ...over,
});
const cases: { name: string; input: RootTrustInput }[] = [
  { name: "sign_flip_excluded", input: round(honest[0].map((x) => -4 * x)) },
  {
    name: "scaled_clipped",
    input: round(
      honest[1].map((x) => 10 * x),
      { reward: 999_999n },
    ),
  },
  { name: "mean_copy_free_rider", input: round(mean, { reward: 10n ** 20n + 7n }) },
  {
    name: "no_root_equal",
    input: round(mean, { member: [true, true, false, true], hasRoot: false, root: new Array<bigint>(P).fill(0n), reward: 1_000_001n }),
  },
  { name: "stale_free_rider", input: round(previous) },
  { name: "round_zero", input: round(mean, { previous: new Array<bigint>(P).fill(0n) }) },
  { name: "one_member", input: round(mean, { member: [false, true, false, false], margin: 0n, reward: 5n }) },
];

function main(): void {
  const s = (xs: readonly bigint[]) => xs.map(String);
  const out = cases.map(({ name, input }) => {
    const r = rootTrust(input);
    return {
      name,
      updates: input.updates.map(s),
      member: input.member,
      hasRoot: input.hasRoot,
      root: s([...input.root]),
      previous: s([...input.previous]),
      margin: input.margin.toString(),
      reward: input.reward.toString(),
      step: s(r.step),
      trust: s(r.trust),
      excluded: r.excluded,
      value: s(r.value),
      share: s(r.share),
    };
  });
  const file = path.join(__dirname, "trust.json");
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  process.stdout.write(`wrote ${file} (${out.length} cases)\n`);
}

// Only when run by hand: the test runner loads every file under test/, and a generator that wrote on
// load would regenerate the golden file from whatever the reference computes (test/circuits/vectors.test.ts).
if (require.main === module) main();
