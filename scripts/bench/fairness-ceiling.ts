/**
 * The fairness ceiling of held-out-data rewards (oracle/contribution/model/ceiling.ts): how well any reward
 * measured on the owner's held-out data can rank honest trainers the way the bench's ground truth does.
 *
 *   npx ts-node scripts/bench/fairness-ceiling.ts      # writes scripts/bench/fairness-ceiling.{json,md}, about 4 min
 *   npx ts-node scripts/bench/fairness-ceiling.ts --seeds 1 --stability 0 --rounds 2 --out /tmp/c.json --md /tmp/c.md
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import * as prettier from "prettier";
import { RULE_NAMES, renderCeilingMarkdown, ruleByName, runFairnessCeiling } from "../../oracle/contribution/model";
import { integers } from "./options";

async function main(): Promise<void> {
  const here = path.join(__dirname);
  const o = new Command()
    .name("ts-node scripts/bench/fairness-ceiling.ts")
    .option("--out <file>", "JSON result", path.join(here, "fairness-ceiling.json"))
    .option("--md <file>", "Markdown tables", path.join(here, "fairness-ceiling.md"))
    .option("--seeds <list>", "simulation seeds (comma-separated)", "1,2,3")
    .option("--rounds <n>", "rounds per federation", "8")
    .option("--trainers <n>", "trainers per federation (2^n coalitions)", "8")
    .option("--slices <list>", "sizes of the test-set slices used as held-out sets", "250,500,1000")
    .option("--stability <n>", "extra SGD seeds of the coalition runs (0 skips the stability check)", "2")
    .option("--rule <name>", `round rule of the federation: ${RULE_NAMES.join(", ")}`, "root-trust")
    .parse()
    .opts<{ out: string; md: string; seeds: string; rounds: string; trainers: string; slices: string; stability: string; rule: string }>();
  const one = (name: string, text: string) => integers(name, text)[0];
  const started = Date.now();
  const result = runFairnessCeiling({
    trainers: one("trainers", o.trainers),
    rounds: one("rounds", o.rounds),
    seeds: integers("seeds", o.seeds),
    sliceSizes: integers("slices", o.slices),
    stabilitySeeds: one("stability", o.stability),
    ruleName: ruleByName(o.rule),
    log: (line) => process.stderr.write(`fairness-ceiling: ${line}\n`),
  });
  for (const [file, text] of [
    [o.out, JSON.stringify(result, null, 2) + "\n"],
    [o.md, renderCeilingMarkdown(result)],
  ] as const) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const options = (await prettier.resolveConfig(path.resolve(file))) ?? {};
    fs.writeFileSync(file, await prettier.format(text, { ...options, filepath: path.resolve(file) }));
    process.stderr.write(`fairness-ceiling: wrote ${file}\n`);
  }
  process.stderr.write(`fairness-ceiling: wall time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`fairness-ceiling failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
