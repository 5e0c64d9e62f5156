import type { Address } from "viem";
import type { Logger } from "pino";
import { circuitArtifacts, fetchWithin, logPass, prove, sendTx, swarmReputationAbi, toSolidityProof, ZkMeritError } from "../core";
import type { Clients, ContentStore, LogPass, LogReader, SolidityProof } from "../core";
import { verifierMatches } from "../audit";
import { ProvingJob } from "../service/provingJob";
import type { ServeOptions } from "../service/module";
import { within, type JobReport, type OracleJob, type TickContext } from "../service/runner";
import { maskBits, popCount, readJudgments, readPendingRanking, swarmEvents, swarmReader, swarmRule } from "./chain";
import { decodeCommittedJudgment } from "./content";
import { settleRound, unpackRepWord, type Judgment, type JudgmentReveal } from "./reference";
import { buildWitness } from "./witness";

export interface ReputationJobOptions extends ServeOptions {
  clients: Clients;
  swarm: Address;
  /** The circuit instance of the swarm's verifier (a `Reputation` entry of the manifest). */
  circuit: string;
  store: ContentStore;
  journalDir: string;
  log: Logger;
  /** Block from which to read the swarm's events. */
  fromBlock: bigint;
  /** The event log reader (its cache shared with the runner); the client's in-memory one when absent. */
  logs?: LogReader;
  /** Also finalize rounds past their challenge window and release expired ones (default true): cheap, and it pays the nodes. */
  housekeeping?: boolean;
}

/** The ranking `settleRanking` takes (ISwarmReputationTypes.RankingResult). */
export interface RankingArgs {
  round: number;
  winner: number;
  includedMask: bigint;
  agreeMask: bigint;
  flaggedMask: bigint;
  newWords: bigint[];
}

/** What the journal holds for a round: the proven ranking, its proof and the account that may send it. */
export interface PreparedRanking {
  settler: Address;
  acc: string;
  ranking: { round: number; winner: number; includedMask: string; agreeMask: string; flaggedMask: string; newWords: string[] };
  proof: SolidityProof;
  proveSeconds: number;
  included: number;
  unavailable: Array<{ position: number; slot: number; reason: string }>;
}

export interface ReputationTickReport extends JobReport {
  /** Rounds this oracle proposed (gasUsed 0: someone else proposed first, the proof was dropped). */
  settled: Array<{
    round: number;
    gasUsed: bigint;
    winner: number;
    included: number;
    flaggedMask: bigint;
    unavailable: number[];
    proveSeconds: number;
    reusedProof: boolean;
  }>;
  /** Rounds with a pending proposal by someone else. */
  observed: Array<{ round: number; settler: Address; includedMask: bigint }>;
  /** Pending proposals this oracle replaced with one including more judgments (gasUsed 0: replaced by someone else first). */
  challenged: Array<{ round: number; gasUsed: bigint; included: number; replacedIncluded: number; proveSeconds: number }>;
  /** Rounds made final (finalizeRound) or expired (releaseRound) by this oracle. */
  finalized: Array<{ round: number; gasUsed: bigint }>;
  released: Array<{ round: number; gasUsed: bigint }>;
  /** Rounds due whose revealed judgments are all unavailable (they expire on their own). */
  unprovable: Array<{ round: number; reason: string }>;
  /** Rounds left alone because their deadline is within the margin. */
  tooLate: number[];
  errors: Array<{ round?: number; message: string }>;
  counts: { settled: number; challenged: number };
  block?: bigint;
}

const ZERO = "0x0000000000000000000000000000000000000000";
/** RoundStatus of ISwarmReputationTypes. */
export const ROUND_STATUS = ["None", "Open", "Proposed", "Final", "Expired"] as const;

/** The ranking as the contract takes it, from the journal's JSON. */
export function rankingArgs(r: PreparedRanking["ranking"]): RankingArgs {
  return {
    round: r.round,
    winner: r.winner,
    includedMask: BigInt(r.includedMask),
    agreeMask: BigInt(r.agreeMask),
    flaggedMask: BigInt(r.flaggedMask),
    newWords: r.newWords.map(BigInt),
  };
}

/**
 * Module 3's oracle job: once a round's judgment reveal window has closed and nobody has proposed,
 * it reads the round's judgment reveals (JudgmentRevealed, through the shared log reader), fetches
 * and checks each judgment against its commitment (a missing, late, malformed or mismatching one is
 * left out: `includedMask` shows it), reads the answered mask and the reputation words from
 * storage, runs the reference (docs/spec/reputation.md), proves `Reputation(N)`, journals the proof
 * and sends `settleRanking`. The proof is journalled before sending, so a restart resumes with it;
 * nothing is sent within `deadlineMarginSeconds` of the deadline. A proposal by someone else is
 * replaced (challengeRanking) when this oracle holds strictly more judgments (unless `challenge` is
 * false), proven on the reputations that proposal overwrote (the contract restores them first).
 * It also finalizes rounds past their challenge window and releases expired ones.
 */
export class ReputationJob extends ProvingJob implements OracleJob<ReputationTickReport> {
  readonly id = "reputation";

  constructor(readonly o: ReputationJobOptions) {
    super(o, o.swarm, "round");
  }

  describe(): Record<string, unknown> {
    return { swarm: this.o.swarm, chainId: this.c.chain.id, circuit: this.o.circuit };
  }

  async preflight(): Promise<void> {
    const expected = circuitArtifacts(this.o.circuit).verifierContract;
    const verifier = await this.rpc("verifier", () => this.swarm.verifier());
    if (!(await this.rpc("getCode", () => verifierMatches(this.c.publicClient, verifier, expected)))) {
      throw new ZkMeritError(
        "ARTIFACT_MISMATCH",
        `the swarm's verifier at ${verifier} is not ${expected} built from this machine's zkey; ` +
          "run the oracle with the keys the swarm was deployed with (circuits/build/manifest.json), or redeploy",
        { verifier },
      );
    }
  }

  private get swarm() {
    return swarmReader(this.c.publicClient, this.o.swarm).read;
  }

  private async send(fn: "finalizeRound" | "releaseRound", round: number): Promise<bigint> {
    const r = await sendTx(
      this.c,
      { address: this.o.swarm, contract: "SwarmReputation", abi: swarmReputationAbi, functionName: fn, args: [round] },
      { wait: (hash) => this.rpc("receipt", () => this.c.publicClient.waitForTransactionReceipt({ hash })) },
    );
    return r.gasUsed;
  }

  async tick(ctx: TickContext = {}): Promise<ReputationTickReport> {
    const report: ReputationTickReport = {
      settled: [],
      observed: [],
      challenged: [],
      finalized: [],
      released: [],
      unprovable: [],
      tooLate: [],
      errors: [],
      counts: { settled: 0, challenged: 0 },
    };
    const block = await this.rpc("getBlock", () => this.c.publicClient.getBlock());
    report.block = block.number;
    let round: number | undefined;
    try {
      round = await this.rpc("currentRound", () => this.swarm.currentRound());
      if (round === 0) return report;
      this.pruneJournal(round);
      const info = await this.rpc("roundInfo", () => this.swarm.roundInfo([round!]));
      const status = ROUND_STATUS[info.status];
      const now = block.timestamp;
      const margin = BigInt(this.o.deadlineMarginSeconds ?? 15);
      const housekeeping = this.o.housekeeping ?? true;
      // roundInfo reads time-based changes as applied; the chain records them at the next call.
      if (status === "Final" || status === "Expired") {
        if (!housekeeping) return report;
        const pass = ctx.logs ?? (await this.rpc("logs", () => logPass(this.o.logs ?? this.c.publicClient)));
        const stored = await this.rpc("logs", () => this.isRecorded(round!, status, pass));
        if (!stored) {
          const gasUsed = await this.send(status === "Final" ? "finalizeRound" : "releaseRound", round);
          (status === "Final" ? report.finalized : report.released).push({ round, gasUsed });
          this.o.log.info({ round, gasUsed: Number(gasUsed) }, status === "Final" ? "round finalized" : "expired round released");
        }
        return report;
      }
      if (status !== "Open" && status !== "Proposed") return report;
      if (info.judgedMask === 0n || now < info.judgeRevealEnd) return report;
      if (status === "Proposed") {
        for (const k of this.journal.keys()) if (k.startsWith(this.keyPrefix(round)) && !k.includes("-challenge-")) this.journal.remove(k);
        if (info.settler.toLowerCase() === this.me.toLowerCase()) return report;
        report.observed.push({ round, settler: info.settler, includedMask: info.includedMask });
        if (this.o.challenge === false || now + margin >= info.finalAt) return report;
        const pass = ctx.logs ?? (await this.rpc("logs", () => logPass(this.o.logs ?? this.c.publicClient)));
        const done = await within(`round ${round} challenge`, this.o.taskBudgetMs ?? 120_000, this.challenge(round, info, pass));
        if (typeof done !== "string") report.challenged.push(done);
        report.counts.challenged = report.challenged.filter((x) => x.gasUsed > 0n).length;
        return report;
      }
      if (now + margin >= info.settlementDeadline) {
        report.tooLate.push(round);
        return report;
      }
      const pass = ctx.logs ?? (await this.rpc("logs", () => logPass(this.o.logs ?? this.c.publicClient)));
      const done = await within(`round ${round}`, this.o.taskBudgetMs ?? 120_000, this.propose(round, info, pass));
      if (typeof done === "string") report.unprovable.push({ round, reason: done });
      else report.settled.push(done);
    } catch (e) {
      const message = (e as Error).message.split("\n")[0];
      this.o.log.error({ round, err: message, code: (e as ZkMeritError).code }, "round failed this tick");
      report.errors.push({ round, message });
    }
    report.counts.settled = report.settled.filter((x) => x.gasUsed > 0n).length;
    return report;
  }

  /** Whether the chain has recorded the round's resolution (a Final or Expired view may be only time-based so far). */
  private async isRecorded(round: number, status: "Final" | "Expired", pass: LogPass): Promise<boolean> {
    const name = status === "Final" ? "RoundFinalized" : "RoundExpired";
    return (await swarmEvents(pass, this.o.swarm, this.o.fromBlock)).some(
      (e) => e.eventName === name && (e.args as { round: number }).round === round,
    );
  }

  /** Proves and proposes the current round (or resumes with its journalled proof); a string says why it cannot. */
  private async propose(
    round: number,
    info: { acc: bigint; answeredMask: bigint },
    pass: LogPass,
  ): Promise<ReputationTickReport["settled"][number] | string> {
    const key = `${this.keyPrefix(round)}${info.acc.toString(16).slice(0, 16)}-${this.me.toLowerCase()}`;
    let prepared = this.journal.read<PreparedRanking>(key);
    const reused = prepared !== undefined && prepared.settler.toLowerCase() === this.me.toLowerCase();
    if (reused) this.o.log.info({ round, key }, "resuming with the journalled proof");
    else {
      const p = await this.prepare(round, info, pass);
      if (typeof p === "string") return p;
      prepared = p;
      this.journal.write(key, prepared);
    }
    const p = prepared!;
    const ranking = rankingArgs(p.ranking);
    const summary = {
      round,
      winner: ranking.winner,
      included: p.included,
      flaggedMask: ranking.flaggedMask,
      unavailable: p.unavailable.map((u) => u.slot),
      proveSeconds: p.proveSeconds,
      reusedProof: reused,
    };
    try {
      const r = await sendTx(
        this.c,
        {
          address: this.o.swarm,
          contract: "SwarmReputation",
          abi: swarmReputationAbi,
          functionName: "settleRanking",
          args: [ranking, p.proof],
        },
        { wait: (hash) => this.rpc("receipt", () => this.c.publicClient.waitForTransactionReceipt({ hash })) },
      );
      this.journal.remove(key);
      this.o.log.info({ round, gasUsed: Number(r.gasUsed), winner: ranking.winner, included: p.included }, "ranking proposed");
      return { ...summary, gasUsed: r.gasUsed };
    } catch (e) {
      // Someone else may have proposed meanwhile, or the round moved on: then the proof is spent, not lost.
      const now = await this.rpc("roundInfo", () => this.swarm.roundInfo([round]));
      if (now.settler !== ZERO || ROUND_STATUS[now.status] !== "Open") {
        this.journal.remove(key);
        this.o.log.info({ round, settler: now.settler }, "round proposed by someone else or resolved; dropping our proof");
        return { ...summary, gasUsed: 0n };
      }
      // Stale reputations (a node admitted or left since proving) cannot succeed: prove again next tick.
      if (/StaleReputation|InvalidProof/.test((e as Error).message)) this.journal.remove(key);
      throw e;
    }
  }

  /**
   * Replaces the pending proposal of `round` (by someone else) when this oracle holds strictly more
   * judgments: proves on the reputations the pending one replaced (the contract restores them from
   * the proposal's outBytes) and sends challengeRanking; the proof is journalled first.
   */
  private async challenge(
    round: number,
    info: { acc: bigint; answeredMask: bigint; includedMask: bigint },
    pass: LogPass,
  ): Promise<ReputationTickReport["challenged"][number] | string> {
    const replacedIncluded = popCount(info.includedMask);
    const { shape } = swarmRule(await this.rpc("params", () => this.swarm.params()));
    const pending = await this.rpc("logs", () => readPendingRanking(pass, this.o.swarm, round, this.o.fromBlock, shape));
    if (!pending) return "the pending proposal's event is not in the log (is --from-block after the round began?)";
    const key = `${this.keyPrefix(round)}challenge-${pending.digest.slice(2, 18)}-${this.me.toLowerCase()}`;
    let prepared = this.journal.read<PreparedRanking>(key);
    if (!prepared) {
      const p = await this.prepare(round, info, pass, { oldWords: pending.oldWords, mustExceed: replacedIncluded });
      if (typeof p === "string") return p;
      prepared = p;
      this.journal.write(key, prepared);
    }
    const p = prepared;
    try {
      const r = await sendTx(
        this.c,
        {
          address: this.o.swarm,
          contract: "SwarmReputation",
          abi: swarmReputationAbi,
          functionName: "challengeRanking",
          args: [rankingArgs(p.ranking), pending.bytes, p.proof],
        },
        { wait: (hash) => this.rpc("receipt", () => this.c.publicClient.waitForTransactionReceipt({ hash })) },
      );
      this.journal.remove(key);
      this.o.log.info({ round, gasUsed: Number(r.gasUsed), included: p.included, replacedIncluded }, "pending ranking replaced");
      return { round, gasUsed: r.gasUsed, included: p.included, replacedIncluded, proveSeconds: p.proveSeconds };
    } catch (e) {
      const now = await this.rpc("roundInfo", () => this.swarm.roundInfo([round]));
      if (ROUND_STATUS[now.status] !== "Proposed" || now.includedMask !== info.includedMask) {
        this.journal.remove(key);
        this.o.log.info({ round, settler: now.settler }, "pending ranking replaced by someone else or final; dropping our proof");
        return { round, gasUsed: 0n, included: p.included, replacedIncluded, proveSeconds: p.proveSeconds };
      }
      throw e;
    }
  }

  private async prepare(
    round: number,
    info: { acc: bigint; answeredMask: bigint },
    pass: LogPass,
    over: { oldWords?: readonly bigint[]; mustExceed?: number } = {},
  ): Promise<PreparedRanking | string> {
    const { shape, rule } = swarmRule(await this.rpc("params", () => this.swarm.params()));
    const onChain = await this.rpc("logs", () => readJudgments(pass, this.o.swarm, round, this.o.fromBlock));
    if (onChain.length === 0 || onChain.at(-1)!.acc !== info.acc) {
      throw new ZkMeritError(
        "DEPLOYMENTS",
        `the swarm's accumulator for round ${round} is not the last JudgmentRevealed event's (${onChain.length} read); is --from-block after the round began?`,
        { round },
      );
    }
    const unavailable: PreparedRanking["unavailable"] = [];
    const reveals: JudgmentReveal[] = [];
    for (const r of onChain) {
      let judgment: Judgment | undefined;
      try {
        const bytes = await fetchWithin(this.o.store, r.uri, this.o.fetchTimeoutMs ?? 5_000);
        judgment = await decodeCommittedJudgment(bytes, {
          shape,
          round: BigInt(round),
          judge: r.slot,
          commitment: r.commitment,
          uri: r.uri,
        });
      } catch (e) {
        const reason = (e as Error).message.split("\n")[0];
        unavailable.push({ position: r.position, slot: r.slot, reason });
        this.o.log.warn({ round, position: r.position, slot: r.slot, reason }, "judgment left out");
      }
      reveals.push({ judge: r.slot, commitment: r.commitment, ...(judgment ? { judgment } : {}) });
    }
    const available = reveals.filter((r) => r.judgment).length;
    if (available === 0) return "no revealed judgment is available";
    if (over.mustExceed !== undefined && available <= over.mustExceed)
      return `the pending proposal includes ${over.mustExceed} judgments; this oracle holds ${available}`;
    const words = over.oldWords ?? (await this.rpc("reputationWords", () => this.swarm.reputationWords()));
    const oldReputation = words.flatMap(unpackRepWord).slice(0, shape.nodes);
    const context = await this.rpc("proofContext", () => this.swarm.proofContext());
    const s = await settleRound({
      shape,
      context,
      round: BigInt(round),
      params: rule,
      answered: maskBits(info.answeredMask, shape.nodes),
      oldReputation,
      reveals,
      settler: BigInt(this.me),
    });
    if (s.publicInputs.acc !== info.acc) {
      throw new ZkMeritError("COMMITMENT_MISMATCH", `recomputed accumulator ${s.publicInputs.acc} differs from the chain's ${info.acc}`, {
        round,
      });
    }
    const t0 = Date.now();
    const proof = await prove(this.o.circuit, buildWitness(s));
    const proveSeconds = (Date.now() - t0) / 1000;
    const t = s.trace;
    this.o.log.info({ round, proveSeconds, winner: t.winner, included: t.includedMask.toString(2) }, "round proven");
    return {
      settler: this.me,
      acc: info.acc.toString(),
      ranking: {
        round,
        winner: t.winner,
        includedMask: t.includedMask.toString(),
        agreeMask: t.agreeMask.toString(),
        flaggedMask: t.flaggedMask.toString(),
        newWords: t.newWords.map(String),
      },
      proof: toSolidityProof(proof.proof),
      proveSeconds,
      included: popCount(t.includedMask),
      unavailable,
    };
  }
}
