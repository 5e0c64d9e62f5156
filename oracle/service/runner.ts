import http from "node:http";
import type { Logger } from "pino";
import { ZkMeritError, type LogPass, type LogReader } from "../core";

/**
 * The oracle runner: one loop, one health endpoint and one log for the jobs of every module a
 * deployment has. It knows no module: a module hands it jobs (`OracleJob`), and the runner ticks
 * them, keeps their counters and last error for GET /health, and stops them together. Journals and
 * retries are the jobs' own, built from `ProofJournal` and `withRetry` in this folder. With a log
 * reader, each tick is one event pass for all jobs: the pass is pinned at the chain's head and reads
 * each contract's new blocks once, however many jobs read that contract.
 */

/** What else the health server answers (the explorer): true when it handled the request. */
export interface PageHandler {
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
}

/** What one job did in one tick: at least its errors, and counters to add up in /health. */
export interface JobReport {
  errors: ReadonlyArray<{ message: string }>;
  /** Counters (settled, challenged, ...) added to the job's totals. */
  counts?: Readonly<Record<string, number>>;
  /** The latest block the job read. */
  block?: bigint;
}

/** What the runner hands every job of one tick. */
export interface TickContext {
  /** The tick's event pass (one head, each contract's logs read once); a job makes its own when absent. */
  logs?: LogPass;
}

/** A module's oracle job: `tick` does what is due now and must not throw for one task's failure. */
export interface OracleJob<R extends JobReport = JobReport> {
  /** `<module>` or `<module>:<job>`, unique in a runner. */
  readonly id: string;
  /** What /health shows about the job (its contract, chain, ...). */
  describe(): Record<string, unknown>;
  /** Checks run once before the first tick (for example that the deployed verifier matches the key). */
  preflight?(): Promise<void>;
  tick(ctx?: TickContext): Promise<R>;
}

interface JobHealth {
  ticks: number;
  lastTickAt: string;
  lastBlock: string;
  lastError: string;
  counts: Record<string, number>;
}

export class OracleRunner {
  private readonly health = new Map<string, JobHealth>();
  private readonly startedAt = new Date().toISOString();
  private server?: http.Server;
  private stopped = false;

  constructor(
    readonly jobs: readonly OracleJob[],
    private readonly log: Logger,
    private readonly o: { logs?: LogReader } = {},
  ) {
    const ids = new Set<string>();
    for (const j of jobs) {
      if (ids.has(j.id)) throw new ZkMeritError("CONFIG", `two oracle jobs are both named ${j.id}`, { id: j.id });
      ids.add(j.id);
      this.health.set(j.id, { ticks: 0, lastTickAt: "", lastBlock: "0", lastError: "", counts: {} });
    }
  }

  async preflight(): Promise<void> {
    for (const j of this.jobs) await j.preflight?.();
  }

  /** One tick of every job, in order; a job that throws is logged and counted, the others still run. */
  async tick(): Promise<Map<string, JobReport>> {
    const out = new Map<string, JobReport>();
    let logs: LogPass | undefined;
    try {
      logs = await this.o.logs?.pass();
    } catch (e) {
      // The jobs read (and retry) on their own this tick.
      this.log.warn({ err: (e as Error).message.split("\n")[0] }, "event pass failed; jobs read on their own");
    }
    for (const j of this.jobs) {
      const h = this.health.get(j.id)!;
      try {
        const r = await j.tick({ logs });
        out.set(j.id, r);
        for (const [k, v] of Object.entries(r.counts ?? {})) h.counts[k] = (h.counts[k] ?? 0) + v;
        if (r.errors.length) h.lastError = r.errors[r.errors.length - 1].message;
        if (r.block !== undefined) h.lastBlock = r.block.toString();
      } catch (e) {
        h.lastError = (e as Error).message.split("\n")[0];
        this.log.error({ job: j.id, err: h.lastError }, "tick failed");
        out.set(j.id, { errors: [{ message: h.lastError }] });
      }
      h.ticks++;
      h.lastTickAt = new Date().toISOString();
    }
    return out;
  }

  /** The body of GET /health. */
  status(): Record<string, unknown> {
    const jobs = this.jobs.map((j) => ({ id: j.id, ...j.describe(), ...this.health.get(j.id)! }));
    return { status: jobs.some((j) => j.lastError) ? "degraded" : "ok", startedAt: this.startedAt, jobs };
  }

  /**
   * Serves GET /health (JSON) on `port` (0 picks a free port), and every other path through
   * `pages` when given (the explorer, oracle/service/explorer.ts); returns the port.
   */
  async serveHealth(port: number, host = "127.0.0.1", pages?: PageHandler): Promise<number> {
    const server = http.createServer((req, res) => {
      if (req.url === "/health") {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(this.status()));
        return;
      }
      const notFound = () => {
        res.statusCode = 404;
        res.end();
      };
      if (!pages) return notFound();
      pages.handle(req, res).then(
        (handled) => (handled ? undefined : notFound()),
        (e: unknown) => {
          this.log.error({ err: (e as Error).message.split("\n")[0], url: req.url }, "page failed");
          if (!res.headersSent) res.statusCode = 500;
          res.end();
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) =>
        reject(
          e.code === "EADDRINUSE"
            ? new ZkMeritError(
                "CONFIG",
                `port ${port} on ${host} is in use (another oracle?); pass --health-port with a free port, or 0 for any`,
                {
                  port,
                },
              )
            : e,
        ),
      );
      server.listen(port, host, resolve);
    });
    return (server.address() as { port: number }).port;
  }

  /** Ticks every `intervalMs` until stop(). */
  async run(intervalMs: number): Promise<void> {
    while (!this.stopped) {
      await this.tick();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Runs `fn` with at most `limit` at a time, in order. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Rejects with a TIMEOUT error naming `what` once `ms` pass. */
export async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ZkMeritError("TIMEOUT", `${what} took longer than its budget of ${ms} ms`, {})), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
