import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { numberToHex, type Address, type Hash, type Hex, type PublicClient } from "viem";
import { getBlock, getChainId } from "viem/actions";
import { cacheDir } from "../artifacts/manifest";

/**
 * The one way modules read contract events: every log of a contract (optionally one topic filter),
 * read once per block range and cached, in memory and (with `dir`) on disk, so a later call, a later
 * tick or a later process asks the node only for the blocks after the last one read.
 *
 * A cache entry holds the logs of one contract on one chain from a block up to a block, with that
 * last block's hash. Before use the hash is checked against the chain: after a reorg, or a reset
 * or reverted hardhat node, it no longer matches and the entry is dropped and read again. Files
 * are written whole to a temporary name and renamed, so two processes sharing the folder each see
 * a complete file (the last writer's); a file that does not parse is ignored with a warning.
 */

/** A log as eth_getLogs returns it, with its position decoded. */
export interface RawLog {
  address: Address;
  data: Hex;
  topics: Hex[];
  blockNumber: bigint;
  logIndex: number;
  transactionHash: Hash;
}

export interface LogReaderOptions {
  /** Folder of the on-disk cache; in memory only when absent. */
  dir?: string;
  /** Blocks per eth_getLogs (public RPCs cap a call's range); default 50,000. */
  chunk?: bigint;
  /** Where a warning about an unusable cache file goes (default: stderr). */
  warn?: (message: string) => void;
}

interface Entry {
  from: bigint;
  to: bigint;
  toHash: Hash;
  logs: RawLog[];
}

const FILE_VERSION = 1;

/**
 * The default on-disk cache folder: `$ZKMERIT_LOG_CACHE`, else `logs/` in the key cache folder
 * (~/.cache/zkmerit/logs), outside any work tree. `ZKMERIT_LOG_CACHE=off` keeps the cache in memory.
 */
export function defaultLogCacheDir(): string | undefined {
  const v = process.env.ZKMERIT_LOG_CACHE;
  if (v === "off") return undefined;
  return v ? path.resolve(v) : path.join(cacheDir(), "logs");
}

const memoryReaders = new WeakMap<object, LogReader>();

export class LogReader {
  private readonly memory = new Map<string, Entry>();
  private chainId?: Promise<number>;
  private readonly warn: (message: string) => void;

  constructor(
    readonly client: PublicClient,
    readonly o: LogReaderOptions = {},
  ) {
    this.warn = o.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
  }

  /** The memory-only reader of `client` (one per client object, so its cache lives as long as the client). */
  static of(client: PublicClient): LogReader {
    let r = memoryReaders.get(client);
    if (!r) memoryReaders.set(client, (r = new LogReader(client)));
    return r;
  }

  /** A pass pinned at the chain's current head: every read of the pass sees the same blocks, each contract read once. */
  async pass(): Promise<LogPass> {
    const b = await getBlock(this.client, { blockTag: "latest" });
    return new LogPass(this, { number: b.number!, hash: b.hash! });
  }

  /** Every log of `address` (matching `topics`, when given) from `fromBlock` to the current head. */
  async logs(address: Address, fromBlock: bigint, o: { topics?: Array<Hex | null>; chunk?: bigint } = {}): Promise<RawLog[]> {
    return (await this.pass()).logs(address, fromBlock, o);
  }

  private key(chainId: number, address: Address, topics?: Array<Hex | null>): string {
    const filter = topics?.length ? `-${createHash("sha256").update(JSON.stringify(topics)).digest("hex").slice(0, 16)}` : "";
    return `${chainId}/${address.toLowerCase()}${filter}`;
  }

  private file(key: string): string | undefined {
    return this.o.dir ? path.join(this.o.dir, `${key}.json`) : undefined;
  }

  /** @internal The logs of one contract up to the pass's head (what LogPass.logs memoizes). */
  async sync(
    address: Address,
    fromBlock: bigint,
    head: { number: bigint; hash: Hash },
    o: { topics?: Array<Hex | null>; chunk?: bigint },
  ): Promise<RawLog[]> {
    if (fromBlock > head.number) return [];
    this.chainId ??= this.client.chain?.id !== undefined ? Promise.resolve(this.client.chain.id) : getChainId(this.client);
    const chainId = await this.chainId;
    const key = this.key(chainId, address, o.topics);
    const file = this.file(key);
    // The longest of what this process holds and what the folder holds (another process may have read further).
    const candidates = [this.memory.get(key), file ? this.load(file, chainId, address) : undefined].filter((e): e is Entry => !!e);
    let entry: Entry | undefined = candidates.sort((a, b) => (a.to < b.to ? 1 : a.to > b.to ? -1 : 0))[0];
    if (entry && entry.from > fromBlock) entry = undefined;
    if (entry && !(await this.stillOnChain(entry, head))) entry = undefined;
    if (entry && entry.to >= head.number) {
      this.memory.set(key, entry);
      return entry.logs.filter((l) => l.blockNumber >= fromBlock && l.blockNumber <= head.number);
    }
    const chunk = o.chunk ?? this.o.chunk ?? 50_000n;
    const fresh: RawLog[] = [];
    for (let from = entry ? entry.to + 1n : fromBlock; from <= head.number; from += chunk) {
      const to = from + chunk - 1n < head.number ? from + chunk - 1n : head.number;
      const raw = (await this.client.request({
        method: "eth_getLogs",
        params: [{ address, fromBlock: numberToHex(from), toBlock: numberToHex(to), ...(o.topics ? { topics: o.topics } : {}) }],
      })) as Array<{ address: Address; data: Hex; topics: Hex[]; transactionHash: Hash; blockNumber: Hex; logIndex: Hex }>;
      for (const l of raw)
        fresh.push({
          address: l.address,
          data: l.data,
          topics: l.topics,
          transactionHash: l.transactionHash,
          blockNumber: BigInt(l.blockNumber),
          logIndex: Number(l.logIndex),
        });
    }
    fresh.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
    const next: Entry = { from: entry?.from ?? fromBlock, to: head.number, toHash: head.hash, logs: [...(entry?.logs ?? []), ...fresh] };
    this.memory.set(key, next);
    if (file) this.save(file, chainId, address, o.topics, next);
    return next.logs.filter((l) => l.blockNumber >= fromBlock);
  }

  /** Whether the entry's last block is still the chain's block at that height (no reorg, no reset). */
  private async stillOnChain(e: Entry, head: { number: bigint; hash: Hash }): Promise<boolean> {
    if (e.to === head.number) return e.toHash === head.hash;
    const b = await getBlock(this.client, { blockNumber: e.to }).catch(() => undefined);
    return b?.hash === e.toHash;
  }

  private load(file: string, chainId: number, address: Address): Entry | undefined {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      return undefined; // not cached yet
    }
    try {
      const j = JSON.parse(text) as {
        version: number;
        chainId: number;
        address: string;
        from: string;
        to: string;
        toHash: string;
        logs: Array<Omit<RawLog, "blockNumber"> & { blockNumber: string }>;
      };
      if (j.version !== FILE_VERSION) throw new Error(`version ${j.version}, expected ${FILE_VERSION}`);
      if (j.chainId !== chainId || j.address.toLowerCase() !== address.toLowerCase()) throw new Error("another chain or contract");
      if (!/^0x[0-9a-f]{64}$/i.test(j.toHash) || !Array.isArray(j.logs)) throw new Error("no block hash or no logs");
      const logs = j.logs.map((l) => {
        if (typeof l.data !== "string" || !Array.isArray(l.topics) || typeof l.transactionHash !== "string")
          throw new Error("a malformed log");
        return { ...l, blockNumber: BigInt(l.blockNumber), logIndex: Number(l.logIndex) };
      });
      return { from: BigInt(j.from), to: BigInt(j.to), toHash: j.toHash as Hash, logs };
    } catch (e) {
      this.warn(`the log cache file ${file} is unusable (${(e as Error).message.split("\n")[0]}); reading the chain instead`);
      return undefined;
    }
  }

  private save(file: string, chainId: number, address: Address, topics: Array<Hex | null> | undefined, e: Entry): void {
    const body = JSON.stringify({
      version: FILE_VERSION,
      chainId,
      address,
      topics: topics ?? null,
      from: e.from.toString(),
      to: e.to.toString(),
      toHash: e.toHash,
      logs: e.logs.map((l) => ({ ...l, blockNumber: l.blockNumber.toString() })),
    });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, body);
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      this.warn(`could not write the log cache file ${file} (${(err as Error).message}); continuing without it`);
    }
  }
}

/**
 * One pass over the chain at a fixed head: each contract's logs are read (and their cache checked)
 * once, however many jobs or reads of the pass ask for them. The oracle runner makes one per tick.
 */
export class LogPass {
  private readonly reads = new Map<string, Promise<RawLog[]>>();

  constructor(
    readonly reader: LogReader,
    readonly head: { number: bigint; hash: Hash },
  ) {}

  logs(address: Address, fromBlock: bigint, o: { topics?: Array<Hex | null>; chunk?: bigint } = {}): Promise<RawLog[]> {
    const k = `${address.toLowerCase()}:${fromBlock}:${JSON.stringify(o.topics ?? null)}:${o.chunk ?? ""}`;
    let p = this.reads.get(k);
    if (!p) {
      p = this.reader.sync(address, fromBlock, this.head, o);
      // A failed read is not memoized: a retry of the pass asks again.
      p.catch(() => this.reads.delete(k));
      this.reads.set(k, p);
    }
    return p;
  }
}

/** Where to read logs from: a client (its memory-only reader), a reader (its cache), or a pass (pinned head). */
export type LogSource = PublicClient | LogReader | LogPass;

/** The pass a read from `source` goes through. */
export async function logPass(source: LogSource): Promise<LogPass> {
  if (source instanceof LogPass) return source;
  if (source instanceof LogReader) return source.pass();
  return LogReader.of(source).pass();
}
