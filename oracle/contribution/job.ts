import type { Address } from "viem";
import type { Logger } from "pino";
import { circuitArtifacts, fetchWithin } from "../core";
import type { Clients } from "../core";
import { sendTx, type WriteFunctionArgs, type WriteFunctionName } from "../core";
import { ZkMeritError } from "../core";
import type { ContentStore } from "../core";
import { ProofJournal } from "../service/journal";
import { isTransientRpcError, withRetry } from "../service/retry";
import type { ServeOptions } from "../service/module";
import { eachLimited, within, type JobReport, type OracleJob, type TickContext } from "../service/runner";
import { marketReader, readTaskHistory, type RoundInfoOnChain } from "./history";
import { logPass, trainingMarketAbi, type LogPass, type LogReader } from "../core";
import { verifierMatches } from "../audit";
import { popCount, prepareSettlement, type PreparedSettlement, type SettleContext } from "./settler";
import { fetchUpdate, loadTaskState } from "./taskstate";
import { decodeRoundRecord, verifyRoundRecord } from "./records";

export interface OracleOptions extends ServeOptions {
  clients: Clients;
  market: Address;
  circuit: string;
  shape: { slots: number; params: number };
  store: ContentStore;
  journalDir: string;
  log: Logger;
  /** Block from which to replay events. */
  fromBlock: bigint;
  /** The event log reader (its cache shared with the runner); the client's in-memory one when absent. */
  logs?: LogReader;
}

export interface TickReport extends JobReport {
  /** Proposals this oracle made (first proposals and challenges). */
  settled: Array<{
    taskId: bigint;
    round: number;
    gasUsed: bigint;
    included: number;
    masks: { included: bigint; excluded: bigint; slashed: bigint };
    unavailable: number[];
    proveSeconds: number;
    reusedProof: boolean;
    challenge: boolean;
  }>;
  /** Pending proposals by others that the oracle checked and left alone. */
  observed: Array<{ taskId: bigint; round: number; settler: Address; included: number; recordOk: boolean }>;
  /** Proposals by others whose round record is missing or wrong (the proof is valid; the hint is not). */
  junk: Array<{ taskId: bigint; round: number; settler: Address; reason: string }>;
  /** Rounds due whose revealed content is all unavailable (they expire on their own). */
  unprovable: Array<{ taskId: bigint; round: number; reason: string }>;
  errors: Array<{ taskId: bigint; message: string }>;
  /** settled, challenged and junk proposals of this tick (the runner adds them up for /health). */
  counts: { settled: number; challenged: number; junk: number };
  block?: bigint;
}

type RoundInfo = RoundInfoOnChain;

const ZERO = "0x0000000000000000000000000000000000000000";

/**
 * Module 1's oracle job (run by the OracleRunner of oracle/service). Stateless but for a proof journal: every tick it
 * reads each served task's current round from the chain and proposes what is due: a round whose
 * reveal window closed gets a proof over every reveal whose content is available; a pending
 * proposal by someone else that leaves out content this oracle holds is challenged with a proof
 * including more. Nothing else costs it gas: finality, expiry and empty rounds happen lazily
 * on-chain. A proof is journalled before its transaction is sent, so a crash between proving and
 * sending resumes with the same proof; the chain decides whether the round still needs it.
 */
export class ContributionJob implements OracleJob<TickReport> {
  readonly id = "contribution";
  readonly journal: ProofJournal;

  constructor(readonly o: OracleOptions) {
    this.journal = new ProofJournal(o.journalDir);
  }

  describe(): Record<string, unknown> {
    return { market: this.o.market, chainId: this.c.chain.id, circuit: this.o.circuit };
  }

  /** Refuses to start against a market whose verifier is not the one this machine's key produces. */
  async preflight(): Promise<void> {
    await this.checkVerifier(circuitArtifacts(this.o.circuit).verifierContract);
  }

  private get c(): Clients {
    return this.o.clients;
  }

  private get me(): Address {
    return this.c.account.address;
  }

  private rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      ...this.o.retry,
      isTransient: isTransientRpcError,
      onRetry: (e, attempt, waitMs) =>
        this.o.log.warn({ what, attempt, waitMs, err: String((e as Error).message).split("\n")[0] }, "RPC fault, retrying"),
    });
  }

  /** The market's typed reads (through `rpc`, which retries transient faults). */
  private get market() {
    return marketReader(this.c.publicClient, this.o.market).read;
  }

  private get ctx(): SettleContext {
    return {
      chainId: this.c.chain.id,
      market: this.o.market,
      store: this.o.store,
      circuit: this.o.circuit,
      shape: this.o.shape,
      fetchTimeoutMs: this.o.fetchTimeoutMs ?? 5_000,
      onRecovered: (round, why, uri) => this.o.log.warn({ round, why, uri }, "round record unusable; rebuilt from revealed content"),
    };
  }

  /**
   * Refuses to run when the verifier the market uses is not the one our zkey produces: proofs
   * would fail on-chain (or, worse, the deployment trusts keys we do not have).
   */
  async checkVerifier(expectedContract: string): Promise<void> {
    const verifier = await this.rpc("verifier", () => this.market.verifier());
    if (!(await this.rpc("getCode", () => verifierMatches(this.c.publicClient, verifier, expectedContract)))) {
      throw new ZkMeritError(
        "ARTIFACT_MISMATCH",
        `the market's verifier at ${verifier} is not ${expectedContract} built from this machine's zkey; ` +
          "run the oracle with the keys the market was deployed with (circuits/build/manifest.json), or redeploy",
        { verifier },
      );
    }
  }

  private journalKey(taskId: bigint, round: number, acc: bigint, included: bigint): string {
    return `${this.c.chain.id}-${this.o.market.toLowerCase()}-${taskId}-${round}-${acc.toString(16).slice(0, 16)}-${included.toString(16)}`;
  }

  /** Drops journalled proofs of rounds the chain has moved past. */
  private pruneJournal(taskId: bigint, currentRound: number): void {
    const prefix = `${this.c.chain.id}-${this.o.market.toLowerCase()}-${taskId}-`;
    for (const k of this.journal.keys()) {
      if (!k.startsWith(prefix)) continue;
      const round = Number(k.slice(prefix.length).split("-")[0]);
      if (round < currentRound) {
        this.journal.remove(k);
        this.o.log.info({ taskId: String(taskId), round }, "round resolved on-chain; dropped its journalled proof");
      }
    }
  }

  /** The tasks this oracle serves. */
  private async served(): Promise<bigint[]> {
    if (this.o.tasks) return [...this.o.tasks];
    const count = await this.rpc("taskCount", () => this.market.taskCount());
    return Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  }

  /** One pass over every served task, `concurrency` at a time, each within its time budget. */
  async tick(ctx: TickContext = {}): Promise<TickReport> {
    const report: TickReport = {
      settled: [],
      observed: [],
      junk: [],
      unprovable: [],
      errors: [],
      counts: { settled: 0, challenged: 0, junk: 0 },
    };
    const block = await this.rpc("getBlock", () => this.c.publicClient.getBlock());
    const tasks = await this.served();
    // One event pass for every task of the tick (the runner's, shared with the other jobs, when it gives one).
    const pass = ctx.logs ?? (await this.rpc("logs", () => logPass(this.o.logs ?? this.c.publicClient)));
    await eachLimited(tasks, this.o.concurrency ?? 4, async (taskId) => {
      try {
        await within(`task ${taskId}`, this.o.taskBudgetMs ?? 120_000, this.serveTask(taskId, block.timestamp, report, pass));
      } catch (e) {
        const message = (e as Error).message.split("\n")[0];
        this.o.log.error({ taskId: String(taskId), err: message, code: (e as ZkMeritError).code }, "task failed this tick");
        report.errors.push({ taskId, message });
      }
    });
    report.counts.settled = report.settled.filter((x) => x.gasUsed > 0n).length;
    report.counts.challenged = report.settled.filter((x) => x.gasUsed > 0n && x.challenge).length;
    report.counts.junk = report.junk.length;
    report.block = block.number;
    return report;
  }

  private async serveTask(taskId: bigint, now: bigint, report: TickReport, pass: LogPass): Promise<void> {
    const t = await this.rpc("task", () => this.market.task([taskId]));
    if (t.finished) return;
    if (this.o.minFee !== undefined && t.settlementFee < this.o.minFee) return;
    const ri = await this.rpc("roundInfo", () => this.market.roundInfo([taskId]));
    this.pruneJournal(taskId, Number(ri.round));
    if (ri.revealedMask === 0n || now < ri.revealEnd) return;
    const pending = ri.settler !== ZERO;
    // Simulation runs at the last block's time; the transaction lands in a later block. Too close
    // to a deadline, it would simulate fine, be mined late and revert (gas spent): leave it.
    const margin = BigInt(this.o.deadlineMarginSeconds ?? 15);
    if (!pending) {
      if (now + margin >= ri.settlementDeadline) return; // expired (the chain resolves it lazily), or too late to land
      const done = await this.propose(taskId, ri, false, pass);
      if (done) report.settled.push(done);
      else report.unprovable.push({ taskId, round: Number(ri.round), reason: "no revealed content is available" });
      return;
    }
    if (now + margin >= ri.finalAt) return;
    // A proposal is pending: it is proven, so only two things can be wrong with it.
    const mine = ri.settler.toLowerCase() === this.me.toLowerCase();
    const round = Number(ri.round);
    const theirs = popCount(ri.proposal.includedMask);
    if (mine && theirs === popCount(ri.revealedMask)) return;
    const h = await this.rpc("history", () => readTaskHistory(pass, this.o.market, taskId, { fromBlock: this.o.fromBlock }));
    const proposal = h.rounds.get(round)?.proposals.at(-1);
    let recordOk = mine;
    if (proposal && !mine) {
      try {
        const rec = decodeRoundRecord(await fetchWithin(this.o.store, proposal.modelURI, this.ctx.fetchTimeoutMs!), proposal.modelURI);
        await verifyRoundRecord(rec, {
          taskHeader: h.taskHeader,
          state: proposal.result.newState,
          ...this.o.shape,
          uri: proposal.modelURI,
        });
        recordOk = true;
      } catch (e) {
        // (1) Its round record is a junk hint: the state is right, tools rebuild the record.
        const reason = (e as Error).message.split("\n")[0];
        report.junk.push({ taskId, round, settler: ri.settler, reason });
        this.o.log.warn({ taskId: String(taskId), round, settler: ri.settler, reason }, "pending proposal names an unusable round record");
      }
    }
    // (2) It leaves out content we hold (content may arrive late, so our own proposal too):
    // prove more in, while the challenge window allows.
    let available = 0;
    for (const r of h.rounds.get(round)?.reveals ?? []) if ((await fetchUpdate(this.ctx, r)).update) available++;
    if ((mine || this.o.challenge !== false) && available > theirs) {
      const done = await this.propose(taskId, ri, true, pass);
      if (done) report.settled.push(done);
      return;
    }
    if (mine) return;
    // Our journalled proof, if any, can no longer beat it: drop it rather than send it.
    const prefix = this.journalKey(taskId, round, ri.acc, 0n).slice(0, -1);
    for (const k of this.journal.keys()) if (k.startsWith(prefix)) this.journal.remove(k);
    report.observed.push({ taskId, round, settler: ri.settler, included: theirs, recordOk });
    this.o.log.info({ taskId: String(taskId), round, settler: ri.settler, included: theirs, recordOk }, "round proposed by someone else");
  }

  private async send<fn extends WriteFunctionName<typeof trainingMarketAbi>>(
    functionName: fn,
    args: WriteFunctionArgs<typeof trainingMarketAbi, fn>,
  ): Promise<bigint> {
    const r = await sendTx(
      this.c,
      { address: this.o.market, contract: "TrainingMarket", abi: trainingMarketAbi, functionName, args },
      { wait: (hash) => this.rpc("receipt", () => this.c.publicClient.waitForTransactionReceipt({ hash })) },
    );
    return r.gasUsed;
  }

  private async propose(
    taskId: bigint,
    ri: RoundInfo,
    challenge: boolean,
    pass: LogPass,
  ): Promise<TickReport["settled"][number] | undefined> {
    const round = Number(ri.round);
    const h = await this.rpc("history", () => readTaskHistory(pass, this.o.market, taskId, { fromBlock: this.o.fromBlock }));
    const ctx = this.ctx;
    const prev = await loadTaskState(ctx, h, round);
    // The included set is known before proving (what the store holds), so the journal key can name it.
    let prepared: PreparedSettlement | undefined;
    let unavailable: number[] = [];
    let reused = false;
    for (const k of this.journal.keys()) {
      if (!k.startsWith(this.journalKey(taskId, round, ri.acc, 0n).slice(0, -1))) continue;
      const p = this.journal.read<PreparedSettlement>(k);
      if (p && p.settler.toLowerCase() === this.me.toLowerCase()) {
        prepared = p;
        reused = true;
        this.o.log.info({ taskId: String(taskId), round, key: k }, "resuming with the journalled proof");
      }
    }
    if (!prepared) {
      const reveals = h.rounds.get(round)?.reveals ?? [];
      let any = false;
      for (const r of reveals) if (!any && (await fetchUpdate(ctx, r)).update) any = true;
      if (!any) {
        // Nothing to prove: the round expires on its own (at no cost to anyone) unless content arrives.
        this.o.log.warn(
          { taskId: String(taskId), round, reveals: reveals.length },
          "no revealed content is available; nothing to prove yet",
        );
        return undefined;
      }
      const out = await prepareSettlement(ctx, h, round, { settler: this.me, prev });
      prepared = out.prepared;
      unavailable = out.unavailable.map((u) => u.slot);
      for (const u of out.unavailable)
        this.o.log.warn({ taskId: String(taskId), round, slot: u.slot, reason: u.reason }, "reveal left out: content unavailable");
      if (prepared.acc !== ri.acc) {
        throw new ZkMeritError("COMMITMENT_MISMATCH", `recomputed accumulator ${prepared.acc} differs from the chain's ${ri.acc}`, {});
      }
      this.journal.write(this.journalKey(taskId, round, ri.acc, prepared.result.includedMask), prepared);
      this.o.log.info(
        {
          taskId: String(taskId),
          round,
          proveSeconds: prepared.proveSeconds,
          included: prepared.result.includedMask.toString(2),
          excluded: prepared.result.excludedMask.toString(2),
          slashed: prepared.result.slashedMask.toString(2),
          nIn: out.settlement.results.nIn,
        },
        "round proven",
      );
    }
    const p = prepared;
    const key = this.journalKey(taskId, round, ri.acc, p.result.includedMask);
    const summary = {
      taskId,
      round,
      included: p.included,
      masks: { included: p.result.includedMask, excluded: p.result.excludedMask, slashed: p.result.slashedMask },
      unavailable,
      proveSeconds: p.proveSeconds,
      reusedProof: reused,
      challenge,
    };
    if (challenge && p.included <= popCount(ri.proposal.includedMask)) {
      this.journal.remove(key);
      return { ...summary, gasUsed: 0n };
    }
    try {
      const gasUsed = await this.send("settleRound", [taskId, BigInt(round), p.result, p.modelURI, p.proof]);
      this.journal.remove(key);
      this.o.log.info({ taskId: String(taskId), round, gasUsed: Number(gasUsed), challenge, modelURI: p.modelURI }, "round proposed");
      return { ...summary, gasUsed };
    } catch (e) {
      // Someone else may have proposed as much or more meanwhile, or the round moved on: then
      // the proof is spent, not lost.
      const now = await this.rpc("roundInfo", () => this.market.roundInfo([taskId]));
      if (now.round !== ri.round || (now.settler !== ZERO && popCount(now.proposal.includedMask) >= p.included)) {
        this.journal.remove(key);
        this.o.log.info({ taskId: String(taskId), round }, "round proposed by someone else with as much included; dropping our proof");
        return { ...summary, gasUsed: 0n };
      }
      throw e;
    }
  }
}
