import fs from "node:fs";
import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { formatUnits, parseEther } from "viem";
import { z } from "zod";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";
import { ChatEndpoint } from "../../oracle/core/llm/chat";
import { ZkMeritError } from "../../oracle/core/errors";
import { LlmAnswerer, LlmJudge, type ChoiceQuestion } from "../../oracle/reputation/adapter";
import {
  PREFER_FIRST,
  PREFER_SECOND,
  PREF_TIE,
  pairSchedule,
  unpackRepWord,
  type Judgment,
  type Vote,
} from "../../oracle/reputation/reference";
import { int } from "../cli/options";
import type { CliKit, CommonOptions as Common } from "../module";
import {
  claimAdmission,
  claimRewards,
  commitAnswer,
  commitCalibration,
  commitJudgment,
  openCalibration,
  openRound,
  ownSlot,
  registerNode,
  revealAnswer,
  revealCalibration,
  revealJudgment,
  revealKey,
  revealedAnswers,
  roundQuestion,
  roundStatus,
  swarm,
} from "./actions";

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const frac = (x: bigint | number) => (Number(x) / 65535).toFixed(3);

const choiceArg = (v: string) => {
  const i = /^[A-Za-z]$/.test(v) ? LETTERS.indexOf(v.toUpperCase()) : -1;
  if (i < 0) throw new InvalidArgumentError(`--choice must be one letter (A, B, C, ...), got "${v}"`);
  return i;
};

const tokens = (v: string) => {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new InvalidArgumentError(`--reward must be an amount of tokens (e.g. 10 or 2.5), got "${v}"`);
  return parseEther(v);
};

const questionFile = z.object({ text: z.string().min(1), choices: z.array(z.string().min(1)).min(2).max(26) });
const calibrationFile = z.object({
  questions: z
    .array(questionFile.extend({ answer: z.string().regex(/^[A-Z]$/, "one capital letter") }))
    .min(1)
    .max(64),
});
const judgmentFile = z.object({
  votes: z.array(z.object({ first: z.number().int().min(0), second: z.number().int().min(0), pref: z.number().int() })),
});

function readJson<T extends z.ZodTypeAny>(file: string, schema: T, what: string): z.output<T> {
  if (!fs.existsSync(file)) throw new ZkMeritError("CONFIG", `no ${what} file at ${file}`, { file });
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ZkMeritError("CONFIG", `${file} is not JSON: ${(e as Error).message}`, { file });
  }
  const p = schema.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new ZkMeritError("CONFIG", `${file} is not a ${what}: ${i.path.join(".") || "(root)"}: ${i.message}`, { file });
  }
  return p.data;
}

/** `--ranking "0,1>3>2"`: each slot's rank (0 best), slots in one group tied; a slot may appear once. */
export function parseRanking(v: string, n: number): Map<number, number> {
  const rank = new Map<number, number>();
  const groups = v.split(">").map((g) => g.split(",").map((x) => x.trim()));
  groups.forEach((g, r) => {
    for (const x of g) {
      if (!/^\d+$/.test(x) || Number(x) >= n)
        throw new ZkMeritError(
          "CONFIG",
          `--ranking: "${x}" is not a slot of this swarm (0..${n - 1}); write slots best first, e.g. "0,1>3>2"`,
          {},
        );
      if (rank.has(Number(x))) throw new ZkMeritError("CONFIG", `--ranking: slot ${x} appears twice`, {});
      rank.set(Number(x), r);
    }
  });
  return rank;
}

/** The votes a ranking implies: every scheduled pair of ranked, answered slots without the judge's own, in both orders. */
export function judgmentFromRanking(rank: ReadonlyMap<number, number>, judge: number, answered: readonly boolean[]): Judgment {
  const votes: Vote[] = [];
  const pref = (x: number, y: number) =>
    rank.get(x)! < rank.get(y)! ? PREFER_FIRST : rank.get(x)! > rank.get(y)! ? PREFER_SECOND : PREF_TIE;
  for (const [a, b] of pairSchedule(answered.length)) {
    if (a === judge || b === judge || !answered[a] || !answered[b] || !rank.has(a) || !rank.has(b)) continue;
    votes.push({ first: a, second: b, pref: pref(a, b) }, { first: b, second: a, pref: pref(b, a) });
  }
  return { votes };
}

const endpointOf = (o: { llmUrl?: string; model?: string; apiKeyEnv?: string }) =>
  new ChatEndpoint({ baseUrl: o.llmUrl!, model: o.model ?? "default", ...(o.apiKeyEnv ? { apiKeyEnv: o.apiKeyEnv } : {}) });

/** Module 3's commands: `node ...` for swarm nodes, `round ...` for anyone, `calibration ...` for the calibrator. */
export function registerReputationCommands(program: Command, { common, context, out, fromUserDir }: CliKit): void {
  const secrets = (cmd: Command) =>
    cmd.option(
      "--secrets <dir>",
      "where commit secrets (payload + salt) are kept until the reveal",
      path.join(REPO_ROOT, ".zkmerit", "secrets"),
    );
  const llm = (cmd: Command) =>
    cmd
      .option("--llm-url <url>", "an OpenAI-compatible endpoint (its /v1/chat/completions) to answer or judge with a model")
      .option("--model <name>", "the model name sent to --llm-url")
      .option("--api-key-env <var>", "the environment variable holding --llm-url's API key");

  const node = program.command("node").description("swarm node commands (register, calibrate, answer, judge, claim)");
  common(node.command("register").description("register a node (locks the node stake, staking what is missing first)"))
    .requiredOption("--uri <uri>", "the node's metadata URI (its model card)")
    .action(async (o: Common & { uri: string }) => {
      const r = await registerNode(await context(o), o.uri);
      out(
        `node ${r.nodeId} registered (gas ${r.gasUsed}${r.stakeGas ? `; staked the missing stake first, gas ${r.stakeGas}` : ""}); pass a calibration set to be admitted`,
      );
    });
  secrets(
    common(
      node
        .command("calibrate")
        .description("calibration (proof of capability): commit your answers, reveal them, then claim admission once the key is out")
        .argument("<step>", "commit, reveal or claim", (v: string) => {
          if (!["commit", "reveal", "claim"].includes(v))
            throw new InvalidArgumentError(`<step> must be commit, reveal or claim, got "${v}"`);
          return v;
        }),
    )
      .requiredOption("--set <id>", "the calibration set", int("--set", 1))
      .option("--answers <letters>", "commit: one letter per question, e.g. BADC"),
  ).action(async (step: string, o: Common & { set: number; answers?: string; secrets: string }) => {
    const x = await context(o);
    if (step === "commit") {
      if (!o.answers || !/^[A-Za-z]+$/.test(o.answers))
        throw new ZkMeritError("CONFIG", "node calibrate commit needs --answers <letters> (one per question, e.g. BADC)", {});
      const r = await commitCalibration(
        x,
        o.set,
        [...o.answers.toUpperCase()].map((c) => LETTERS.indexOf(c)),
        fromUserDir(o.secrets),
      );
      out(`calibration answers committed for set ${r!.setId} (gas ${r!.gasUsed}); reveal them in the set's reveal window`);
    } else if (step === "reveal") {
      const r = await revealCalibration(x, o.set, fromUserDir(o.secrets));
      out(`calibration answers revealed for set ${r.setId} (gas ${r.gasUsed})`);
    } else {
      const r = await claimAdmission(x, o.set);
      out(`node ${r!.nodeId} admitted into slot ${r!.slot} (scored ${r!.score} in set ${r!.setId}; gas ${r!.gasUsed})`);
    }
  });
  secrets(
    llm(
      common(
        node
          .command("answer")
          .description("commit your answer to the current round (answer commit window), or reveal it (answer reveal window)")
          .argument("<step>", "commit or reveal", (v: string) => {
            if (v !== "commit" && v !== "reveal") throw new InvalidArgumentError(`<step> must be commit or reveal, got "${v}"`);
            return v;
          }),
      )
        .option("--choice <letter>", "commit: your answer's letter", choiceArg)
        .option("--text <text>", "commit: your justification", "")
        .option("--round <n>", "the round (default: the current one)", int("--round", 1)),
    ),
  ).action(
    async (
      step: string,
      o: Common & { choice?: number; text: string; round?: number; secrets: string; llmUrl?: string; model?: string; apiKeyEnv?: string },
    ) => {
      const x = await context(o);
      if (step === "reveal") {
        const r = await revealAnswer(x, fromUserDir(o.secrets), o.round);
        out(`answer of slot ${r!.slot} for round ${r!.round} revealed, published at ${r!.uri} (gas ${r!.gasUsed})`);
        return;
      }
      let a: { choice: number; text: string };
      if (o.llmUrl) {
        if (o.choice !== undefined) throw new ZkMeritError("CONFIG", "give --choice or --llm-url, not both", {});
        const q = await roundQuestion(x, o.round ?? (await swarm(x).read.currentRound()));
        const m = await new LlmAnswerer(endpointOf(o)).answer(q);
        a = { choice: m.choice, text: m.rationale };
      } else {
        if (o.choice === undefined)
          throw new ZkMeritError("CONFIG", "node answer commit needs --choice <letter> (or --llm-url to let a model answer)", {});
        a = { choice: o.choice, text: o.text };
      }
      const r = await commitAnswer(x, a, fromUserDir(o.secrets), o.round);
      out(
        `answer ${LETTERS[a.choice]} committed for round ${r!.round} by slot ${r!.slot} (gas ${r!.gasUsed}); secret kept in ${r!.secretFile}`,
      );
    },
  );
  secrets(
    llm(
      common(
        node
          .command("judge")
          .description("commit your pairwise judgments of the round's revealed answers (judgment commit window), or reveal them")
          .argument("<step>", "commit or reveal", (v: string) => {
            if (v !== "commit" && v !== "reveal") throw new InvalidArgumentError(`<step> must be commit or reveal, got "${v}"`);
            return v;
          }),
      )
        .option("--ranking <order>", 'commit: your ranking of the answers by slot, best first: "0,1>3>2" (">" better, "," tie)')
        .option("--file <votes.json>", 'commit: {"votes":[{"first":0,"second":1,"pref":1}, ...]} (1 first better, 2 tie, 3 second better)')
        .option("--round <n>", "the round (default: the current one)", int("--round", 1)),
    ),
  ).action(
    async (
      step: string,
      o: Common & { file?: string; ranking?: string; round?: number; secrets: string; llmUrl?: string; model?: string; apiKeyEnv?: string },
    ) => {
      const x = await context(o);
      if (step === "reveal") {
        const r = await revealJudgment(x, fromUserDir(o.secrets), o.round);
        out(`judgment of slot ${r!.slot} for round ${r!.round} revealed, published at ${r!.uri} (gas ${r!.gasUsed})`);
        return;
      }
      if ([o.file, o.ranking, o.llmUrl].filter(Boolean).length !== 1)
        throw new ZkMeritError(
          "CONFIG",
          "node judge commit needs one of --ranking <order>, --file <votes.json> or --llm-url (a model judges)",
          {},
        );
      const round = o.round ?? (await swarm(x).read.currentRound());
      let judgment;
      if (o.file) judgment = readJson(fromUserDir(o.file), judgmentFile, "judgment");
      else if (o.ranking) {
        const { slot } = await ownSlot(x);
        const answered = (await revealedAnswers(x, round)).map((a) => a !== undefined);
        judgment = judgmentFromRanking(parseRanking(o.ranking, answered.length), slot, answered);
      } else {
        const { slot } = await ownSlot(x);
        const q: ChoiceQuestion = await roundQuestion(x, round);
        const answers = (await revealedAnswers(x, round)).map((a) =>
          a ? `${LETTERS[a.choice]}. ${q.choices[a.choice] ?? ""}${a.text ? ` (${a.text})` : ""}` : undefined,
        );
        judgment = await new LlmJudge(endpointOf(o)).judge(slot, answers.length, { question: q, answers });
      }
      const r = await commitJudgment(x, judgment, fromUserDir(o.secrets), round);
      out(
        `judgment of ${judgment.votes.length} comparisons committed for round ${r!.round} by slot ${r!.slot} (gas ${r!.gasUsed}); secret kept in ${r!.secretFile}`,
      );
    },
  );
  common(node.command("claim").description("claim the rewards credited to your account")).action(async (o: Common) => {
    const r = await claimRewards(await context(o));
    out(`claimed ${formatUnits(r.amount, 18)} tokens (gas ${r.gasUsed})`);
  });
  common(node.command("status").description("your node: status, slot, stake, strikes, reputation, rewards")).action(async (o: Common) => {
    const x = await context(o);
    const s = swarm(x);
    const id = await s.read.nodeOf([x.c.account.address]);
    if (id === 0) throw new ZkMeritError("CONFIG", `${x.c.account.address} has no node; run \`zkmerit node register\` first`, {});
    const n = await s.read.node([id]);
    const status = ["registered", "admitted", "unbonding", "left"][n.status] ?? String(n.status);
    out(`node ${id}: ${status}${n.status === 1 ? `, slot ${n.slot}, reputation ${frac(await s.read.reputationOf([n.slot]))}` : ""}`);
    out(
      `  stake ${formatUnits(n.stake, 18)}, strikes ${n.strikes}, rewards to claim ${formatUnits(await s.read.pendingRewards([x.c.account.address]), 18)}`,
    );
  });

  const round = program.command("round").description("swarm ranking rounds (open one, read its state)");
  common(round.command("open").description("open the next round with a multiple-choice question and a reward"))
    .requiredOption("--question <file>", 'the question: {"text": "...", "choices": ["...", "..."]}')
    .option("--reward <tokens>", "tokens escrowed for the winner and the agreeing judges", tokens, 0n)
    .action(async (o: Common & { question: string; reward: bigint }) => {
      const x = await context(o);
      const q = readJson(fromUserDir(o.question), questionFile, "question");
      const r = await openRound(x, q, o.reward);
      out(`round ${r.round} opened (question at ${r.questionURI}, reward ${formatUnits(o.reward, 18)}; gas ${r.gasUsed})`);
    });
  common(round.command("status").description("a round's phases, answers, judgments and result"))
    .option("--round <n>", "the round (default: the current one)", int("--round", 1))
    .action(async (o: Common & { round?: number }) => {
      const x = await context(o);
      const i = await roundStatus(x, o.round);
      out(`round ${i.round}: ${i.statusName}; reward ${formatUnits(i.reward, 18)} by ${i.opener}`);
      out(
        `  answers until ${i.answerCommitEnd} (commit) / ${i.answerRevealEnd} (reveal); judgments until ${i.judgeCommitEnd} / ${i.judgeRevealEnd}; settle by ${i.settlementDeadline}`,
      );
      out(`  answered 0x${i.answeredMask.toString(16)}, judged 0x${i.judgedMask.toString(16)}`);
      if (i.settler !== "0x0000000000000000000000000000000000000000")
        out(
          `  proposal by ${i.settler}: winner slot ${i.winner}, included 0x${i.includedMask.toString(16)}, flagged 0x${i.flaggedMask.toString(16)}; final at ${i.finalAt}`,
        );
    });
  common(round.command("reputations").description("every slot's reputation")).action(async (o: Common) => {
    const x = await context(o);
    const s = swarm(x);
    const n = Number((await s.read.params()).slots);
    const reps = (await s.read.reputationWords()).flatMap(unpackRepWord).slice(0, n);
    for (let k = 0; k < n; k++) {
      const id = await s.read.nodeAtSlot([k]);
      out(`slot ${String(k).padStart(2)}  ${id === 0 ? "free" : `node ${id}`}  reputation ${frac(reps[k])}`);
    }
  });

  const cal = program.command("calibration").description("calibration sets (the calibrator opens them and reveals their keys)");
  secrets(
    common(cal.command("open").description("open a calibration set: questions with a committed answer key"))
      .requiredOption(
        "--file <file>",
        'the set: {"questions": [{"text": "...", "choices": [...], "answer": "B"}, ...]} (kept secret: only the key commitment and the questions are published)',
      )
      .requiredOption("--pass <n>", "how many answers must match the key to be admitted", int("--pass", 1))
      .option("--windows <s,s,s>", "commit, reveal and key windows (seconds)", "600,600,600"),
  ).action(async (o: Common & { file: string; pass: number; windows: string; secrets: string }) => {
    const x = await context(o);
    const set = readJson(fromUserDir(o.file), calibrationFile, "calibration set");
    const w = o.windows.split(",").map(Number);
    if (w.length !== 3 || w.some((v) => !Number.isSafeInteger(v) || v <= 0))
      throw new ZkMeritError("CONFIG", `--windows must be three positive integers (commit,reveal,key seconds), got "${o.windows}"`, {});
    const r = await openCalibration(x, {
      questions: set.questions.map((q) => ({ text: q.text, choices: q.choices })),
      key: set.questions.map((q) => LETTERS.indexOf(q.answer)),
      passMark: o.pass,
      windows: [w[0], w[1], w[2]],
      secretsDir: fromUserDir(o.secrets),
    });
    out(`calibration set ${r.setId} opened (questions at ${r.questionsURI}; gas ${r.gasUsed}); its key is kept in ${r.keyFile}`);
  });
  secrets(
    common(cal.command("key").description("reveal a set's answer key (in its key window)")).requiredOption(
      "--set <id>",
      "the calibration set",
      int("--set", 1),
    ),
  ).action(async (o: Common & { set: number; secrets: string }) => {
    const r = await revealKey(await context(o), o.set, fromUserDir(o.secrets));
    out(`key of calibration set ${r.setId} revealed (gas ${r.gasUsed}); nodes at the pass mark can claim admission`);
  });
}
