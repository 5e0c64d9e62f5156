import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { formatUnits } from "viem";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";
import { ZkMeritError } from "../../oracle/core/errors";
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
import { readSignedFeedback, relayFeedback, signCommit, signReveal, writeSignedFeedback, type SignedFeedback } from "./relay";

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
      out(`source ${r.sourceId} registered (gas ${r.gasUsed}${r.stakeGas ? `; staked the missing stake first, gas ${r.stakeGas}` : ""})`);
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
    out(
      `evaluator ${r.evaluatorId} registered (gas ${r.gasUsed}${r.stakeGas ? `; staked the missing stake first, gas ${r.stakeGas}` : ""})`,
    );
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

  secrets(
    common(
      evaluator
        .command("sign")
        .description(
          "sign the commit (in the commit window) or the reveal (after the commit landed) for a relayer to submit; sends nothing, needs no gas",
        )
        .argument("<what>", "commit or reveal", (v: string) => {
          if (v !== "commit" && v !== "reveal") throw new InvalidArgumentError(`<what> must be commit or reveal, got "${v}"`);
          return v;
        }),
    )
      .requiredOption("--out <file>", "where to write the signed request (JSON: every field, the signature, the deadline)")
      .option("--feedback <file>", "commit: the feedback payload to commit (as for `evaluator commit`)")
      .option("--epoch <n>", "reveal: the epoch (default: the current one)", int("--epoch"))
      .option(
        "--deadline <seconds>",
        "how many seconds (chain time) a relayer has to submit it (default: until its window closes)",
        int("--deadline", 1),
      ),
  ).action(
    async (
      what: "commit" | "reveal",
      o: Common & { out: string; feedback?: string; epoch?: number; deadline?: number; secrets: string },
    ) => {
      const x = await context(o);
      let signed: SignedFeedback;
      if (what === "commit") {
        if (!o.feedback) throw new ZkMeritError("CONFIG", "evaluator sign commit needs --feedback <file> (the feedback to commit)", {});
        if (o.epoch !== undefined)
          throw new ZkMeritError("CONFIG", "--epoch is for a reveal; a commit is always for the current epoch", {});
        const fb = readFeedbackFile(fromUserDir(o.feedback), await shapeOf(x));
        signed = await signCommit(x, fb, fromUserDir(o.secrets), { deadlineSeconds: o.deadline });
      } else {
        if (o.feedback)
          throw new ZkMeritError("CONFIG", "--feedback is for a commit; a reveal publishes the feedback committed before", {});
        signed = await signReveal(x, fromUserDir(o.secrets), { deadlineSeconds: o.deadline, epoch: o.epoch });
      }
      const file = fromUserDir(o.out);
      writeSignedFeedback(file, signed);
      out(
        `signed the ${what} of evaluator ${signed.message.evaluatorId} for epoch ${signed.message.epoch} ` +
          `(nonce ${signed.message.nonce}, valid until ${signed.message.deadline}, ${signed.expiresAt}); written to ${file}`,
      );
    },
  );

  common(program.command("relay").description("submit an evaluator's signed commit or reveal (any account; it pays the gas)"))
    .requiredOption("--file <file>", "the signed request, written by `zkmerit evaluator sign`")
    .action(async (o: Common & { file: string }) => {
      const file = fromUserDir(o.file);
      const signed = readSignedFeedback(file);
      const r = await relayFeedback(await context(o), signed, file);
      out(
        `relayed the ${r.primaryType === "CommitFeedback" ? "commit" : "reveal"} of evaluator ${r.evaluatorId} for epoch ${r.epoch} (gas ${r.gasUsed})`,
      );
      if (r.content === "missing")
        out(`  note: evaluator ${signed.message.evaluatorId}'s revealed content is not in this store; the oracle fetches it from its URI`);
      if (r.content === "mismatch")
        out(`  warning: the content at the revealed URI is not what was committed; the oracle will leave this reveal out`);
    });
}
