import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { formatUnits } from "viem";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";
import { int } from "../cli/options";
import type { CliKit, CommonOptions as Common } from "../module";
import {
  commitFeedback,
  leaveSource,
  readFeedbackFile,
  registerEvaluator,
  registerSource,
  revealFeedback,
  shapeOf,
  sourceScores,
  sourceStatus,
} from "./actions";

const sourceId = (v: string) => {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) > 0xffffffff)
    throw new InvalidArgumentError(`--source must be a source id (an integer >= 0), got "${v}"`);
  return Number(v);
};

const frac = (x: number) => (x / 65535).toFixed(3);

/** Module 2's commands: `source ...` for source operators (and anyone, `source scores`), `evaluator ...` for evaluators. */
export function registerReliabilityCommands(program: Command, { common, context, out, fromUserDir }: CliKit): void {
  const source = program.command("source").description("source operator commands (the source reliability registry)");
  common(source.command("register").description("register a source (locks the source stake); prints its id"))
    .requiredOption("--uri <uri>", "the source's metadata URI (where its passages are)")
    .action(async (o: Common & { uri: string }) => {
      const x = await context(o);
      const r = await registerSource(x, o.uri);
      out(`source ${r.sourceId} registered (gas ${r.gasUsed})`);
    });
  common(source.command("leave").description("leave a source (its stake unbonds)"))
    .requiredOption("--source <id>", "the source id", sourceId)
    .action(async (o: Common & { source: number }) => {
      const x = await context(o);
      out(`source ${o.source} left (gas ${await leaveSource(x, o.source)})`);
    });
  common(source.command("status").description("a source's record and scores"))
    .requiredOption("--source <id>", "the source id", sourceId)
    .action(async (o: Common & { source: number }) => {
      const s = await sourceStatus(await context(o), o.source);
      out(`source ${s.id}: ${s.status}, operator ${s.operator}, stake ${formatUnits(s.stake, 18)}`);
      out(`  reliability ${frac(s.reliability)} (${s.reliability}), usefulness ${frac(s.usefulness)} (${s.usefulness})`);
      out(`  metadata ${s.metadataURI}`);
    });
  common(source.command("scores").description("every source's scores, most reliable first"))
    .option("--top <k>", "only the k most reliable", int("--top", 1))
    .action(async (o: Common & { top?: number }) => {
      const rows = (await sourceScores(await context(o))).sort((a, b) => b.reliability - a.reliability || a.id - b.id);
      if (rows.length === 0) out("no sources registered");
      for (const r of rows.slice(0, o.top ?? rows.length))
        out(`source ${String(r.id).padStart(4)}  reliability ${frac(r.reliability)}  usefulness ${frac(r.usefulness)}`);
    });

  const evaluator = program.command("evaluator").description("evaluator commands (grade answers, commit and reveal feedback)");
  const secrets = (cmd: Command) =>
    cmd.option(
      "--secrets <dir>",
      "where commit secrets (feedback + salt) are kept until the reveal",
      path.join(REPO_ROOT, ".zkmerit", "secrets"),
    );
  common(evaluator.command("register").description("register as an evaluator (locks the evaluator stake)")).action(async (o: Common) => {
    const r = await registerEvaluator(await context(o));
    out(`evaluator ${r.evaluatorId} registered (gas ${r.gasUsed})`);
  });
  secrets(
    common(evaluator.command("commit").description("commit feedback for the current epoch (in its commit window)")).requiredOption(
      "--feedback <file>",
      'a feedback payload: {"kind":"zkmerit/reliability-feedback","version":1,"grades":[...]} (oracle/reliability/content.ts)',
    ),
  ).action(async (o: Common & { feedback: string; secrets: string }) => {
    const x = await context(o);
    const fb = readFeedbackFile(fromUserDir(o.feedback), await shapeOf(x));
    const r = await commitFeedback(x, fb, fromUserDir(o.secrets));
    out(`feedback committed for epoch ${r.epoch} (commitment ${r.commitment}, gas ${r.gasUsed}); secret kept in ${r.secretFile}`);
  });
  secrets(
    common(
      evaluator.command("reveal").description("publish the committed feedback to the store and reveal it (in the reveal window)"),
    ).option("--epoch <n>", "the epoch (default: the current one)", int("--epoch")),
  ).action(async (o: Common & { epoch?: number; secrets: string }) => {
    const r = await revealFeedback(await context(o), fromUserDir(o.secrets), o.epoch);
    out(`feedback for epoch ${r.epoch} revealed, published at ${r.uri} (gas ${r.gasUsed})`);
  });
}
