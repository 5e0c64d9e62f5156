import type { Address } from "viem";
import type { Logger } from "pino";
import type { Clients } from "../core";
import { ProofJournal } from "./journal";
import { isTransientRpcError, withRetry } from "./retry";

/** What every proving job of a single settlement contract is built with. */
export interface ProvingJobOptions {
  clients: Clients;
  journalDir: string;
  log: Logger;
  retry: { attempts: number; baseMs: number };
}

/**
 * The parts modules 2 and 3's jobs share: the account that proves and sends, RPC calls retried on
 * transient faults (logged), and the proof journal keyed by chain, contract and round (or epoch),
 * pruned once the chain has moved past a round. A module's job adds what it settles and how.
 */
export abstract class ProvingJob {
  readonly journal: ProofJournal;

  constructor(
    private readonly base: ProvingJobOptions,
    /** The contract the job settles on. */
    protected readonly contract: Address,
    /** What a journal key's number is, in log lines ("epoch", "round"). */
    private readonly unit: string,
  ) {
    this.journal = new ProofJournal(base.journalDir);
  }

  protected get c(): Clients {
    return this.base.clients;
  }

  protected get me(): Address {
    return this.c.account.address;
  }

  protected rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      ...this.base.retry,
      isTransient: isTransientRpcError,
      onRetry: (e, attempt, waitMs) =>
        this.base.log.warn({ what, attempt, waitMs, err: String((e as Error).message).split("\n")[0] }, "RPC fault, retrying"),
    });
  }

  /** The journal keys of round (or epoch) `n` start with this. */
  protected keyPrefix(n: number): string {
    return `${this.c.chain.id}-${this.contract.toLowerCase()}-${n}-`;
  }

  /** Drops journalled proofs of rounds (or epochs) before `current`: the chain has moved past them. */
  protected pruneJournal(current: number): void {
    const prefix = `${this.c.chain.id}-${this.contract.toLowerCase()}-`;
    for (const k of this.journal.keys()) {
      if (!k.startsWith(prefix)) continue;
      const n = Number(k.slice(prefix.length).split("-")[0]);
      if (n < current) {
        this.journal.remove(k);
        this.base.log.info({ [this.unit]: n }, `${this.unit} resolved on-chain; dropped its journalled proof`);
      }
    }
  }
}
