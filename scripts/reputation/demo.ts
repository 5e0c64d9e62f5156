/**
 * Module 3's step of `npm run demo`: a swarm of simulated nodes (oracle/reputation/simulation.ts,
 * deterministic from a seed; 30% of them a colluding ring) registers on the SwarmReputation with
 * stake, passes calibration on SwarmCalibration (two random-answering Sybils try too), then runs
 * ranking rounds on generated multiple-choice questions through the real contracts: every node
 * commits and reveals its answer, then its pairwise judgments, and the oracle job proves each
 * round's reputation-weighted Bradley–Terry consensus with the demo instance reputation_16 and
 * settles it. Per round it prints the swarm's pick against the plurality vote, the flagged judges,
 * the reputations of the ring against the honest nodes, the rewards and slashes and the gas; at
 * the end the accuracy of the swarm, the plurality vote and the best single node over the rounds,
 * the same for the attack-free swarm and every adversarial style (the reference over the same
 * questions, off chain), and an audit of the last round. The chain's reputations are checked
 * against the reference's after every round.
 */
import fs from "node:fs";
import path from "node:path";
import pino from "pino";
import { formatUnits, parseEventLogs, type Address, type Log } from "viem";
import { swarmReputationAbi } from "../../oracle/core/chain/abi";
import { writeDeployments, type Deployments } from "../../oracle/core/chain/deployments";
import { openStore } from "../../oracle/core/store";
import { ReputationJob } from "../../oracle/reputation/job";
import { swarmCircuit } from "../../oracle/reputation/module";
import { reputationAudit } from "../../oracle/reputation/audit";
import { unpackRepWord } from "../../oracle/reputation/reference";
import { generateQuestions, type Question } from "../../oracle/reputation/questions";
import { makeSwarm, playRound, judgmentOf, skilledAnswer, type AdversaryStyle, type Swarm } from "../../oracle/reputation/simulation";
import { pluralityCredit, runOutcome } from "../../oracle/reputation/outcome";
import { Rng } from "../../oracle/core/rng";
import { testTokenAt, vaultAt } from "../deploy/foundation";
import type { Ctx, DemoContext } from "../module";
import {
  calibration,
  claimAdmission,
  claimRewards,
  commitAnswer,
  commitCalibration,
  commitJudgment,
  openCalibration,
  openRound,
  registerNode,
  revealAnswer,
  revealCalibration,
  revealJudgment,
  revealKey,
  swarm as swarmOf,
} from "./actions";
import { reputationSlotsOf } from "./deploy";

/** The instance `npm run demo` proves with (size "demo" in circuits/circuits.json). */
export const DEMO_CIRCUIT = "reputation_16";
const DEMO_ROUNDS = 6;
const STYLE: AdversaryStyle = "ring";
const SEED = 7;
/** Answer commit, answer reveal, judgment commit, judgment reveal, settlement, challenge (seconds). */
const WINDOWS = [300, 300, 300, 300, 600, 120];
/** Calibration: questions per set, pass mark, windows (commit, reveal, key), and how many sets a node may try. */
const CALIBRATION = { questions: 8, passMark: 5, windows: [300, 300, 300] as const, attempts: 3, difficulty: [0, 0.3] as const };
const SYBILS = 2;
/** Candidates beyond the slots: calibration keeps the weakest out. */
const EXTRA = 4;
const TOKEN = 10n ** 18n;
const REWARD = 16n * TOKEN;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const rep = (x: bigint) => (Number(x) / 65535).toFixed(2);

export interface ReputationDemoOptions {
  /** The Reputation instance the swarm verifies (default DEMO_CIRCUIT); its N is the swarm's size. */
  circuit?: string;
  /** Rounds to run (default 6, or $ZKMERIT_DEMO_REPUTATION_ROUNDS). */
  rounds?: number;
  /** Skip the off-chain comparison of every style and the audit (the bench's gas runs). */
  gasOnly?: boolean;
}

/** What the run measured (for the bench and the test). */
export interface ReputationDemoResult {
  /** The run's deployments (the explorer serves them after `npm run demo -- --serve`). */
  deployments: Deployments;
  gas: Map<string, bigint[]>;
  proveSeconds: number[];
  swarmAccuracy: number;
  majorityAccuracy: number;
  bestSingle: number;
  adversaries: number[];
  slashed: number[];
  reputations: bigint[][];
}

function questionPayload(q: Question) {
  return {
    text: `Generated question ${q.index + 1} (difficulty ${q.difficulty.toFixed(2)}): which option is right?`,
    choices: Array.from({ length: q.choices }, (_, c) => `option ${"ABCDEFGH"[c]}`),
  };
}

export async function reputationDemo(
  { net, outDir, heading, say, deploy }: DemoContext,
  o: ReputationDemoOptions = {},
): Promise<ReputationDemoResult> {
  const CIRCUIT = o.circuit ?? DEMO_CIRCUIT;
  const ROUNDS = o.rounds ?? Number(process.env.ZKMERIT_DEMO_REPUTATION_ROUNDS ?? DEMO_ROUNDS);
  const N = reputationSlotsOf(CIRCUIT);
  // Candidates: N + EXTRA simulated nodes (30% of them in the ring) and the Sybils; calibration decides which N get the slots.
  const pool = makeSwarm({ seed: SEED, nodes: N + EXTRA, style: STYLE });
  const C = pool.nodes.length;
  const [owner, oracleOp, ...rest] = net.accounts;
  const candidates = rest.slice(0, C);
  const sybils = rest.slice(C, C + SYBILS);
  if (sybils.length < SYBILS) throw new Error(`the demo needs ${C + SYBILS + 2} accounts, the network has ${net.accounts.length}`);
  heading(
    `swarm reputation: ${N} slots, ${C} candidate nodes (${pool.adversaries.length} in a colluding ring) and ${SYBILS} Sybils calibrate; ${ROUNDS} rounds, circuit ${CIRCUIT}`,
  );
  const store = openStore(path.join(outDir, "store"));
  const d = await deploy(
    owner,
    {
      network: "hardhat",
      unbondingDelaySeconds: 3600,
      adminTransferDelaySeconds: 86400,
      modules: ["reputation"],
      options: { reputationCircuit: CIRCUIT, roundWindows: WINDOWS },
    },
    (l) => say(`   ${l}`),
  );
  writeDeployments(path.join(outDir, "reputation-deployments.json"), d);
  const ctx = (c: (typeof net.accounts)[number]): Ctx => ({ c, d, store });
  const token = d.contracts.Token as Address;
  for (const who of [owner, ...candidates, ...sybils]) {
    await testTokenAt(owner, token).send("mint", [who.account.address, 1000n * TOKEN]);
    if (who === owner) continue;
    await testTokenAt(who, token).send("approve", [d.contracts.StakeVault as Address, 1000n * TOKEN]);
    await vaultAt(who, d.contracts.StakeVault as Address).send("stake", [100n * TOKEN]);
  }
  const gas = new Map<string, bigint[]>();
  const note = (call: string, g: bigint) => gas.set(call, [...(gas.get(call) ?? []), g]);
  const s = swarmOf(ctx(owner));
  const p = await s.read.params();
  const everyone = [...candidates, ...sybils];
  const label = (k: number) => (k < C ? `candidate ${k}` : `sybil ${k - C}`);
  for (const [k, c] of everyone.entries())
    note("registerNode", (await registerNode(ctx(c), `demo://${label(k).replace(" ", "/")}`)).gasUsed);
  const poolRing = new Set(pool.adversaries);
  say(
    `   ${everyone.length} nodes registered, ${formatUnits(p.nodeStake, 18)} tokens staked each; candidates' tiers: ` +
      pool.nodes.map((n) => `${n.slot}:${n.tier[0]}${poolRing.has(n.slot) ? "*" : ""}`).join(" ") +
      " (s strong, m medium, w weak; * ring)",
  );

  // Calibration: every candidate answers a set of easy questions; one below the pass mark tries the next set.
  const secrets = fs.mkdtempSync(path.join(outDir, "reputation-secrets-"));
  const passedIn = new Map<number, number>();
  let pending = everyone.map((_, k) => k);
  for (let attempt = 1; attempt <= CALIBRATION.attempts && pending.length; attempt++) {
    const qs = generateQuestions({
      seed: `calibration:${SEED}:${attempt}`,
      count: CALIBRATION.questions,
      difficulty: [...CALIBRATION.difficulty],
    });
    const set = await openCalibration(ctx(owner), {
      questions: qs.map(questionPayload),
      key: qs.map((q) => q.correct),
      passMark: CALIBRATION.passMark,
      windows: CALIBRATION.windows,
      secretsDir: secrets,
    });
    const answersOf = (k: number) => {
      const rng = new Rng(`calibration-answers:${SEED}:${attempt}:${k}`);
      // Candidates answer with their skill (the ring too: it behaves until admitted); Sybils guess.
      return qs.map((q) => (k < C ? skilledAnswer(pool.nodes[k], q, pool.lureShare, rng) : rng.int(q.choices)));
    };
    for (const k of pending)
      note("commitCalibration", (await commitCalibration(ctx(everyone[k]), set.setId, answersOf(k), secrets))!.gasUsed);
    await net.increaseTime(CALIBRATION.windows[0]);
    for (const k of pending) note("revealCalibration", (await revealCalibration(ctx(everyone[k]), set.setId, secrets)).gasUsed);
    await net.increaseTime(CALIBRATION.windows[1]);
    note("revealKey", (await revealKey(ctx(owner), set.setId, secrets)).gasUsed);
    const scores: string[] = [];
    const next: number[] = [];
    for (const k of pending) {
      const nodeId = await s.read.nodeOf([everyone[k].account.address]);
      const [score] = await calibration(ctx(owner)).read.scoreOf([set.setId, nodeId]);
      scores.push(`${k < C ? k : `sybil ${k - C}`}: ${score}`);
      if (score >= BigInt(CALIBRATION.passMark)) passedIn.set(k, set.setId);
      else next.push(k);
    }
    say(`   calibration set ${set.setId} (${CALIBRATION.questions} questions, pass mark ${CALIBRATION.passMark}): ${scores.join(", ")}`);
    pending = next;
  }
  // Admissions in candidate order: the first N that passed take slots 0..N-1; the rest (Sybils last) find the swarm full.
  const members: number[] = [];
  for (const k of [...passedIn.keys()].sort((a, b) => a - b)) {
    try {
      const a = await claimAdmission(ctx(everyone[k]), passedIn.get(k)!);
      note("claimAdmission", a!.gasUsed);
      if (a!.slot !== members.length) throw new Error(`${label(k)} was admitted into slot ${a!.slot}, expected ${members.length}`);
      members.push(k);
    } catch (e) {
      say(`   ${label(k)}: admission refused (${(e as Error).message.split("\n")[0]})`);
    }
  }
  if (members.length < N) throw new Error(`only ${members.length} candidates passed calibration; the demo's swarm needs ${N}`);
  if (members.some((k) => k >= C)) throw new Error(`a Sybil passed calibration and holds a slot (seed ${SEED})`);
  const failed = pool.nodes.map((_, k) => k).filter((k) => !passedIn.has(k));
  say(
    `   admitted into slots 0..${N - 1}: candidates ${members.join(", ")} (mask 0x${(await s.read.admittedMask()).toString(16)}); ` +
      `failed ${CALIBRATION.attempts} sets: ${failed.length ? failed.map((k) => `${k} (${pool.nodes[k].tier})`).join(", ") : "none"}; ` +
      `Sybils admitted: ${[...passedIn.keys()].filter((k) => k >= C).length} of ${SYBILS} (each staked ${formatUnits(p.nodeStake, 18)} tokens to try)`,
  );
  // The swarm is the admitted candidates, re-slotted by their slot.
  const sim: Swarm = {
    seed: pool.seed,
    lureShare: pool.lureShare,
    nodes: members.map((k, slot) => ({ ...pool.nodes[k], slot })),
    adversaries: members.map((k, slot) => (poolRing.has(k) ? slot : -1)).filter((x) => x >= 0),
  };
  const ring = new Set(sim.adversaries);
  const nodes = members.map((k) => everyone[k]);
  say(`   the swarm: ${N} nodes, ${ring.size} of them in the ring (slots ${[...ring].join(", ")})`);

  const journalDir = fs.mkdtempSync(path.join(outDir, "reputation-journal-"));
  const job = new ReputationJob({
    clients: oracleOp,
    swarm: s.address,
    circuit: swarmCircuit(d),
    store,
    journalDir,
    log: pino({ level: "silent" }),
    fromBlock: BigInt(d.startBlock),
    retry: { attempts: 2, baseMs: 50 },
  });
  await job.preflight();
  // The reference over the same questions and swarm: the chain must agree with it after every round.
  const reference = await runOutcome({ seed: SEED, nodes: N, rounds: ROUNDS, initialReputation: p.initialReputation, population: sim });
  const questions = reference.rounds.map((r) => r.question);
  const slashes: string[] = [];
  const slashed: number[] = [];
  const proveSeconds: number[] = [];
  const reputations: bigint[][] = [];
  let swarmRight = 0;
  let pluralityRight = 0;
  const nodeRight = new Array<number>(N).fill(0);
  let previous: { prefs: readonly (readonly number[])[]; reputation: readonly bigint[] } | undefined;
  const onChainReps = async () => (await s.read.reputationWords()).flatMap(unpackRepWord).slice(0, N);
  const events = (logs: Log[]) => parseEventLogs({ abi: swarmReputationAbi, logs });
  const until = async (at: bigint) => {
    const now = (await owner.publicClient.getBlock()).timestamp;
    if (at > now) await net.increaseTime(Number(at - now));
  };
  reputations.push(await onChainReps());
  for (let r = 0; r < ROUNDS; r++) {
    const q = questions[r];
    const before = await onChainReps();
    const play = playRound(sim, r, q, previous);
    const opened = await openRound(ctx(owner), questionPayload(q), REWARD);
    note("openRound", opened.gasUsed);
    const info = await s.read.roundInfo([opened.round]);
    for (let k = 0; k < N; k++)
      note("commitAnswer", (await commitAnswer(ctx(nodes[k]), { choice: play.answers[k], text: "" }, secrets))!.gasUsed);
    await until(info.answerCommitEnd);
    for (let k = 0; k < N; k++) note("revealAnswer", (await revealAnswer(ctx(nodes[k]), secrets))!.gasUsed);
    await until(info.answerRevealEnd);
    for (let k = 0; k < N; k++)
      note("commitJudgment", (await commitJudgment(ctx(nodes[k]), judgmentOf(N, play.prefs[k]), secrets))!.gasUsed);
    await until(info.judgeCommitEnd);
    for (let k = 0; k < N; k++) note("revealJudgment", (await revealJudgment(ctx(nodes[k]), secrets))!.gasUsed);
    await until(info.judgeRevealEnd);
    const t = await job.tick();
    if (t.errors.length || t.settled.length !== 1)
      throw new Error(`round ${opened.round}: the oracle did not settle: ${JSON.stringify(t.errors)}`);
    const settled = t.settled[0];
    note("settleRanking", settled.gasUsed);
    proveSeconds.push(settled.proveSeconds);
    const pendingInfo = await s.read.roundInfo([opened.round]);
    await until(pendingInfo.finalAt);
    const fin = await s.send("finalizeRound", [opened.round]);
    note("finalizeRound", fin.gasUsed);
    const after = await onChainReps();
    reputations.push(after);
    const expected = reference.reputations[r + 1];
    if (after.some((x, i) => x !== expected[i]))
      throw new Error(`round ${opened.round}: the chain's reputations ${after} differ from the reference's ${expected}`);
    previous = { prefs: play.prefs, reputation: before };
    const winner = settled.winner;
    const right = play.answers[winner] === q.correct;
    const plurality = pluralityCredit(play.answers, q.correct);
    swarmRight += right ? 1 : 0;
    pluralityRight += plurality;
    play.answers.forEach((a, k) => (nodeRight[k] += a === q.correct ? 1 : 0));
    const flagged = Array.from({ length: N }, (_, k) => k).filter((k) => (settled.flaggedMask >> BigInt(k)) & 1n);
    const pen: string[] = [];
    const credits = new Map<string, bigint>();
    for (const ev of events(fin.logs)) {
      if (ev.eventName === "NodeSlashed") {
        const k = Number(ev.args.nodeId) - 1;
        const text = `node ${k} (${ring.has(k) ? "ring" : "honest"}) slashed ${formatUnits(ev.args.amount, 18)} tokens for ${["strikes", "answer no-show", "judgment no-show"][ev.args.offence] ?? ev.args.offence} in round ${ev.args.round}`;
        pen.push(text);
        slashes.push(text);
        slashed.push(k);
      } else if (ev.eventName === "RewardCredited") credits.set(ev.args.account, (credits.get(ev.args.account) ?? 0n) + ev.args.amount);
    }
    const mean = (xs: bigint[]) => (xs.length ? xs.reduce((a, b) => a + b, 0n) / BigInt(xs.length) : 0n);
    const honestRep = mean(after.filter((_, k) => !ring.has(k)));
    const ringRep = mean(after.filter((_, k) => ring.has(k)));
    say(
      `   round ${opened.round}: correct option ${"ABCDEFGH"[q.correct]} (difficulty ${q.difficulty.toFixed(2)}); swarm picks slot ${winner}` +
        `${ring.has(winner) ? " (ring)" : ""} -> ${"ABCDEFGH"[play.answers[winner]]} ${right ? "right" : "wrong"}; plurality vote ${plurality === 1 ? "right" : plurality > 0 ? "tied" : "wrong"}`,
    );
    say(
      `            settleRanking ${settled.gasUsed} gas (proof ${settled.proveSeconds.toFixed(1)} s, ${settled.included} judgments); ` +
        `flagged: ${flagged.length ? flagged.map((k) => `${k}${ring.has(k) ? "*" : ""}`).join(" ") : "none"}; ` +
        `mean reputation honest ${rep(honestRep)}, ring ${rep(ringRep)}; ${credits.size} accounts credited; ${pen.length ? pen.join("; ") : "no slash"}`,
    );
  }
  say(`   reputation trajectories (by slot, * ring; rounds 0..${ROUNDS}):`);
  for (let k = 0; k < N; k++)
    say(
      `     ${String(k).padStart(2)}${ring.has(k) ? "*" : " "} ${sim.nodes[k].tier.padEnd(6)} ${reputations.map((x) => rep(x[k])).join(" ")}`,
    );
  const claimed: string[] = [];
  for (let k = 0; k < N; k++) {
    if ((await s.read.pendingRewards([nodes[k].account.address])) === 0n) continue;
    const c = await claimRewards(ctx(nodes[k]));
    note("claimRewards", c.gasUsed);
    claimed.push(`${k}${ring.has(k) ? "*" : ""}:${formatUnits(c.amount, 18)}`);
  }
  say(
    `   rewards claimed (tokens; ${formatUnits(REWARD, 18)} per round, half to the winner, half to the agreeing judges): ${claimed.join(" ")}`,
  );
  say(`   slashes (NodeSlashed events)${slashes.length ? ":" : ": none"}`);
  for (const x of slashes) say(`     ${x}`);
  const best = Math.max(...nodeRight) / ROUNDS;
  say(
    `   accuracy over ${ROUNDS} rounds with the ring: swarm ${pct(swarmRight / ROUNDS)}, plurality vote ${pct(pluralityRight / ROUNDS)}, ` +
      `best single node ${pct(best)}`,
  );
  const result: ReputationDemoResult = {
    deployments: d,
    gas,
    proveSeconds,
    swarmAccuracy: swarmRight / ROUNDS,
    majorityAccuracy: pluralityRight / ROUNDS,
    bestSingle: best,
    adversaries: [...ring],
    slashed,
    reputations,
  };
  if (o.gasOnly) return result;
  say(`   the same swarm and questions through the reference (off chain), its ${ring.size} ring slots taking each style (none: honest):`);
  for (const style of [undefined, "self", "random", "ring", "copycat"] as const) {
    const population: Swarm = {
      ...sim,
      nodes: sim.nodes.map((n) => ({ ...n, style: style && ring.has(n.slot) ? style : "honest" })),
      adversaries: style ? sim.adversaries : [],
    };
    const run =
      style === STYLE
        ? reference
        : await runOutcome({ seed: SEED, nodes: N, rounds: ROUNDS, initialReputation: p.initialReputation, population });
    say(
      `     ${(style ?? "attack-free").padEnd(12)} swarm ${pct(run.swarmAccuracy).padStart(6)}  plurality ${pct(run.majorityAccuracy).padStart(6)}  best single ${pct(run.best.accuracy).padStart(6)}`,
    );
  }
  say(`   (the bench runs 40 rounds over 12 seeds per style: \`npm run bench -- --reputation-outcome-only\`)`);
  const audit = await reputationAudit.run(
    { client: owner.publicClient, chainId: owner.chain.id, deployments: d, store },
    { round: ROUNDS },
  );
  say(`   audit of round ${ROUNDS}: ${audit.verdict} (${audit.checks.length} checks: verifier, proof, reference replay)`);
  for (const [call, gs] of gas) {
    const mean = gs.reduce((a, b) => a + b, 0n) / BigInt(gs.length);
    say(`   gas  SwarmReputation  ${call.padEnd(20)} ${String(mean).padStart(9)}  (mean of ${gs.length})`);
  }
  return result;
}
