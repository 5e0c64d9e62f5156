import http from "node:http";
import type { Address } from "viem";
import type { Logger } from "pino";
import { loadArtifact } from "../chain/artifacts";
import type { Clients } from "../chain/clients";
import { ZkMeritError } from "../errors";
import type { ContentStore } from "../store";
import { marketAbi, readTaskHistory } from "../contribution/history";
import { prepareSettlement, type PreparedSettlement, type SettleContext } from "../contribution/settler";
import { ProofJournal } from "./journal";
import { isTransientRpcError, withRetry } from "./retry";

export interface OracleOptions {
  clients: Clients;
  market: Address;
  circuit: string;
  shape: { slots: number; params: number };
  store: ContentStore;
  journalDir: string;
  log: Logger;
  /** Expire rounds nobody settled in time (keeps tasks live). */
  expire: boolean;
  /** Block from which to replay events. */
  fromBlock: bigint;
  retry: { attempts: number; baseMs: number };
}

export interface TickReport {
  settled: Array<{ taskId: bigint; round: number; gasUsed: bigint; outlierBitmap: bigint; proveSeconds: number; reusedProof: boolean }>;
  expired: Array<{ taskId: bigint; round: number }>;
  errors: Array<{ taskId: bigint; message: string }>;
}

type RoundInfo = { round: bigint; submissionEnd: bigint; settlementDeadline: bigint; submissions: bigint; acc: bigint };
type TaskInfo = { finished: boolean; cancelled: boolean };

/**
 * The oracle service for the training market. Stateless but for a proof journal: every tick it
 * reads each task's current round from the chain and settles (or expires) what is due. A round
 * is proven once; the proof is journalled before the transaction is sent, so a crash between
 * proving and settling resumes with the same proof; the chain decides whether a round still needs
 * it (a settled round is skipped, so nothing is settled twice).
 */
export class OracleService {
  readonly journal: ProofJournal;
  private health = { startedAt: new Date().toISOString(), lastTickAt: "", lastBlock: "0", ticks: 0, settled: 0, expired: 0, lastError: "" };
  private server?: http.Server;
  private stopped = false;

  constructor(readonly o: OracleOptions) {
    this.journal = new ProofJournal(o.journalDir);
  }

  private get c(): Clients {
    return this.o.clients;
  }

  private rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      ...this.o.retry,
      isTransient: isTransientRpcError,
      onRetry: (e, attempt, waitMs) =>
        this.o.log.warn({ what, attempt, waitMs, err: String((e as Error).message).split("\n")[0] }, "RPC fault, retrying"),
    });
  }

  private read<T>(functionName: string, args: unknown[]): Promise<T> {
    return this.rpc(
      functionName,
      () => this.c.publicClient.readContract({ address: this.o.market, abi: marketAbi(), functionName, args }) as Promise<T>,
    );
  }

  /**
   * Refuses to run when the verifier the market uses is not the one our zkey produces: proofs
   * would fail on-chain (or, worse, the deployment trusts keys we do not have).
   */
  async checkVerifier(expectedContract: string): Promise<void> {
    const verifier = (await this.read<Address>("verifier", [])) as Address;
    const code = await this.rpc("getCode", () => this.c.publicClient.getCode({ address: verifier }));
    const expected = loadArtifact(expectedContract).deployedBytecode;
    if (!code || code.toLowerCase() !== expected.toLowerCase()) {
      throw new ZkMeritError(
        "ARTIFACT_MISMATCH",
        `the market's verifier at ${verifier} is not ${expectedContract} built from this machine's zkey; ` +
          "run the oracle with the keys the market was deployed with (circuits/build/manifest.json), or redeploy",
        { verifier },
      );
    }
  }

  private journalKey(taskId: bigint, round: number, acc: bigint): string {
    return `${this.c.chain.id}-${this.o.market.toLowerCase()}-${taskId}-${round}-${acc.toString(16).slice(0, 16)}`;
  }

  /** Drops journalled proofs of rounds the chain has moved past (settled by anyone, or expired). */
  private pruneJournal(taskId: bigint, currentRound: number): void {
    const prefix = `${this.c.chain.id}-${this.o.market.toLowerCase()}-${taskId}-`;
    for (const k of this.journal.keys()) {
      if (!k.startsWith(prefix)) continue;
      const round = Number(k.slice(prefix.length).split("-")[0]);
      if (round < currentRound) {
        this.journal.remove(k);
        this.o.log.info({ taskId: String(taskId), round }, "round already resolved on-chain; dropped its journalled proof");
      }
    }
  }

  /** One pass over every task. */
  async tick(): Promise<TickReport> {
    const report: TickReport = { settled: [], expired: [], errors: [] };
    const block = await this.rpc("getBlock", () => this.c.publicClient.getBlock());
    const now = block.timestamp;
    const count = await this.read<bigint>("taskCount", []);
    for (let taskId = 1n; taskId <= count; taskId++) {
      try {
        const t = await this.read<TaskInfo>("task", [taskId]);
        if (t.finished || t.cancelled) continue;
        const ri = await this.read<RoundInfo>("roundInfo", [taskId]);
        this.pruneJournal(taskId, Number(ri.round));
        if (now < ri.submissionEnd) continue;
        if (ri.submissions > 0n && now < ri.settlementDeadline) {
          report.settled.push(await this.settle(taskId, ri));
        } else if (this.o.expire && (ri.submissions === 0n || now >= ri.settlementDeadline)) {
          await this.send("expireRound", [taskId]);
          this.o.log.info({ taskId: String(taskId), round: Number(ri.round), submissions: Number(ri.submissions) }, "round expired");
          report.expired.push({ taskId, round: Number(ri.round) });
          this.health.expired++;
        }
      } catch (e) {
        const message = (e as Error).message.split("\n")[0];
        this.o.log.error({ taskId: String(taskId), err: message, code: (e as ZkMeritError).code }, "task failed this tick");
        report.errors.push({ taskId, message });
        this.health.lastError = message;
      }
    }
    this.health.ticks++;
    this.health.lastTickAt = new Date().toISOString();
    this.health.lastBlock = block.number.toString();
    return report;
  }

  private async send(functionName: string, args: unknown[]): Promise<bigint> {
    const { request } = await this.c.publicClient.simulateContract({
      address: this.o.market,
      abi: marketAbi(),
      functionName,
      args,
      account: this.c.account,
    });
    const hash = await this.c.walletClient.writeContract(request);
    const r = await this.rpc("receipt", () => this.c.publicClient.waitForTransactionReceipt({ hash }));
    if (r.status !== "success") throw new ZkMeritError("PROOF_INVALID", `${functionName} reverted in ${hash}`, { hash });
    return r.gasUsed;
  }

  private async settle(taskId: bigint, ri: RoundInfo): Promise<TickReport["settled"][number]> {
    const round = Number(ri.round);
    const key = this.journalKey(taskId, round, ri.acc);
    let prepared = this.journal.read<PreparedSettlement>(key);
    const reused = prepared !== undefined;
    if (prepared) {
      this.o.log.info({ taskId: String(taskId), round, key }, "resuming with the journalled proof");
    } else {
      const h = await this.rpc("history", () =>
        readTaskHistory(this.c.publicClient, this.o.market, taskId, { fromBlock: this.o.fromBlock }),
      );
      const ctx: SettleContext = {
        client: this.c.publicClient,
        chainId: this.c.chain.id,
        market: this.o.market,
        store: this.o.store,
        circuit: this.o.circuit,
        shape: this.o.shape,
      };
      const out = await prepareSettlement(ctx, h, round);
      prepared = out.prepared;
      if (prepared.acc !== ri.acc) {
        throw new ZkMeritError("COMMITMENT_MISMATCH", `recomputed accumulator ${prepared.acc} differs from the chain's ${ri.acc}`, {});
      }
      this.journal.write(key, prepared);
      this.o.log.info(
        {
          taskId: String(taskId),
          round,
          proveSeconds: prepared.proveSeconds,
          outlierBitmap: prepared.outlierBitmap.toString(2),
          nIn: out.settlement.results.nIn,
        },
        "round proven",
      );
    }
    const p = prepared;
    try {
      const gasUsed = await this.send("settleRound", [
        taskId,
        BigInt(round),
        p.newState,
        p.outlierBitmap,
        p.modelCommitment,
        p.rewardRoot,
        p.modelURI,
        p.proof,
      ]);
      this.journal.remove(key);
      this.health.settled++;
      this.o.log.info({ taskId: String(taskId), round, gasUsed: Number(gasUsed), modelURI: p.modelURI }, "round settled");
      return { taskId, round, gasUsed, outlierBitmap: p.outlierBitmap, proveSeconds: p.proveSeconds, reusedProof: reused };
    } catch (e) {
      // Someone else may have settled it meanwhile: then the proof is spent, not lost.
      const now = await this.read<RoundInfo>("roundInfo", [taskId]);
      if (now.round !== ri.round) {
        this.journal.remove(key);
        this.o.log.info({ taskId: String(taskId), round }, "round was settled by someone else; dropping the journalled proof");
        return { taskId, round, gasUsed: 0n, outlierBitmap: p.outlierBitmap, proveSeconds: p.proveSeconds, reusedProof: reused };
      }
      throw e;
    }
  }

  /** Serves GET /health (JSON) on `port` (0 picks a free port); returns the port. */
  async serveHealth(port: number, host = "127.0.0.1"): Promise<number> {
    this.server = http.createServer((req, res) => {
      if (req.url !== "/health") {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          status: this.health.lastError ? "degraded" : "ok",
          market: this.o.market,
          chainId: this.c.chain.id,
          ...this.health,
        }),
      );
    });
    await new Promise<void>((r) => this.server!.listen(port, host, r));
    return (this.server.address() as { port: number }).port;
  }

  /** Runs ticks every `intervalMs` until stop(). */
  async run(intervalMs: number): Promise<void> {
    while (!this.stopped) {
      try {
        await this.tick();
      } catch (e) {
        this.health.lastError = (e as Error).message.split("\n")[0];
        this.o.log.error({ err: this.health.lastError }, "tick failed");
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
