/**
 * The robustness and contribution-fairness harness of today's settlement rule on the in-memory federation
 * (oracle/contribution/model/robustness.ts): writes the JSON result and the Markdown tables.
 *
 *   npx ts-node scripts/bench/robustness.ts --out scripts/bench/robustness.json --md scripts/bench/robustness.md
 *   npx ts-node scripts/bench/robustness.ts --quick            # a small smoke configuration
 *   npx ts-node scripts/bench/robustness.ts --rule gated-val --out scripts/bench/robustness-gated-val.json \
 *     --md scripts/bench/robustness-gated-val.md                # a candidate rule (docs/design/contribution-rule.md)
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import * as prettier from "prettier";
import { RULE_NAMES, renderRobustnessMarkdown, ruleByName, runRobustness, type RobustnessConfig } from "../../oracle/contribution/model";
import { integers } from "./options";

async function main(): Promise<void> {
  const o = new Command()
    .name("ts-node scripts/bench/robustness.ts")
    .option("--out <file>", "JSON result")
    .option("--md <file>", "Markdown tables")
    .option("--seeds <list>", "simulation seeds (comma-separated)", "1,2,3")
    .option("--rounds <n>", "rounds per federation", "8")
    .option("--trainers <n>", "trainers per federation", "8")
    .option("--attackers <list>", "numbers of attackers (comma-separated)", "1,2,3")
    .option("--attacks <list>", "attack ids to run (comma-separated; all when omitted)")
    .option("--fairness-trainers <n>", "trainers of the fairness study (2^n coalitions; 0 skips it; default --trainers)")
    .option("--fairness-epochs <n>", "local epochs of the coalition runs (default: the federation's)")
    .option("--rule <name>", `round rule: ${RULE_NAMES.join(", ")}`, "chain")
    .option("--quick", "smoke configuration: seed 1, 2 rounds, 1 and 3 attackers, fairness over 4 trainers")
    .parse()
    .opts<{
      out?: string;
      md?: string;
      seeds: string;
      rounds: string;
      trainers: string;
      attackers: string;
      attacks?: string;
      fairnessTrainers?: string;
      fairnessEpochs?: string;
      rule: string;
      quick?: boolean;
    }>();
  const one = (name: string, text: string) => integers(name, text)[0];
  const config: RobustnessConfig = {
    trainers: one("trainers", o.trainers),
    rounds: o.quick ? 2 : one("rounds", o.rounds),
    seeds: o.quick ? [1] : integers("seeds", o.seeds),
    attackerCounts: o.quick ? [1, 3] : integers("attackers", o.attackers),
    attacks: o.attacks?.split(",").map((s) => s.trim()),
    fairnessTrainers: o.quick ? 4 : o.fairnessTrainers !== undefined ? one("fairness-trainers", o.fairnessTrainers) : undefined,
    fairnessEpochs: o.fairnessEpochs !== undefined ? one("fairness-epochs", o.fairnessEpochs) : undefined,
    ruleName: ruleByName(o.rule),
    log: (line) => process.stderr.write(`robustness: ${line}\n`),
  };
  const started = Date.now();
  const result = runRobustness(config);
  const md = renderRobustnessMarkdown(result);
  for (const [file, text] of [
    [o.out, JSON.stringify(result, null, 2) + "\n"],
    [o.md, md],
  ] as const) {
    if (!file) continue;
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    // Written as the repository's formatter would write it, so `prettier --check` passes on the outputs.
    const options = (await prettier.resolveConfig(path.resolve(file))) ?? {};
    fs.writeFileSync(file, await prettier.format(text, { ...options, filepath: path.resolve(file) }));
    process.stderr.write(`robustness: wrote ${file}\n`);
  }
  if (!o.md) process.stdout.write(md);
  process.stderr.write(`robustness: wall time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`robustness failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
