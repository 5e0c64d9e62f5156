/**
 * Fixed-base scalar multiplication on BN254 ("bn128") for the development key generators.
 *
 * Both generators (the Powers of Tau in `fastptau.ts`, the Groth16 proving key in `fastzkey.ts`)
 * know every secret, so each point they write is a field scalar times a generator. This module
 * describes those scalars as streams (powers, Lagrange values over a domain, or explicit
 * scalars), cuts them into tasks and runs the tasks on worker threads, each with its own
 * instance of ffjavascript's bn128 WebAssembly module and a precomputed window table per group.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";

/* ------------------------------------------------------------------------------------------------
 * ffjavascript (untyped): the few parts used here.
 * ---------------------------------------------------------------------------------------------- */

export type El = Uint8Array;

export interface FfField {
  one: El;
  zero: El;
  n8: number;
  n64: number;
  s: number;
  w: El[];
  e(v: number | bigint | string): El;
  add(a: El, b: El): El;
  sub(a: El, b: El): El;
  mul(a: El, b: El): El;
  inv(a: El): El;
  exp(a: El, e: number | bigint): El;
  eq(a: El, b: El): boolean;
  isZero(a: El): boolean;
  fromRng(rng: unknown): El;
  toObject(a: El): bigint;
}

export interface FfGroup {
  g: El;
  F: { n8: number };
  timesFr(p: El, s: El): El;
  toAffine(p: El): El;
  fromRng(rng: unknown): El;
  eq(a: El, b: El): boolean;
  toRprUncompressed(buff: Uint8Array, pos: number, p: El): void;
  toRprLEM(buff: Uint8Array, pos: number, p: El): void;
  fromRprLEM(buff: Uint8Array, pos?: number): El;
  batchLEMtoU(buff: Uint8Array): Promise<Uint8Array>;
}

export interface FfCurve {
  name: string;
  q: bigint;
  r: bigint;
  Fr: FfField;
  F1: { n8: number; n64: number };
  G1: FfGroup;
  G2: FfGroup;
  /** The single-threaded instance's WebAssembly code and generator pointers. */
  tm: { code: Uint8Array<ArrayBuffer>; pG1gen: number; pG2gen: number };
}

export interface FfJs {
  buildBn128(singleThread?: boolean): Promise<FfCurve>;
  ChaCha: new (seed: number[]) => unknown;
  Scalar: { toRprLE(buff: Uint8Array, o: number, e: bigint, n8: number): void };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ff = require("ffjavascript") as FfJs;

/** A little-endian u32. */
export function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

/** The 12-byte header of an iden3 binary container ("ptau", "zkey", ...): magic, version 1, section count. */
export function containerHeader(magic: string, sections: number): Buffer {
  const head = Buffer.alloc(12);
  head.write(magic, 0, "latin1");
  head.writeUInt32LE(1, 4);
  head.writeUInt32LE(sections, 8);
  return head;
}

/** Bytes of one affine point in Montgomery little-endian form (the ptau and zkey point encoding). */
export const G1_LEM = 64;
export const G2_LEM = 128;

let mainCurve: Promise<FfCurve> | undefined;
/** A single-threaded bn128 instance for the main thread's few curve operations (no worker threads to end). */
export function curveMain(): Promise<FfCurve> {
  mainCurve ??= ff.buildBn128(true);
  return mainCurve;
}

/* ------------------------------------------------------------------------------------------------
 * Work description: sections cut into tasks of scalar segments.
 * ---------------------------------------------------------------------------------------------- */

/** Scalars first·inc^k, k < count. */
export interface PowSegment {
  t: "pow";
  count: number;
  first: El;
  inc: El;
}
/**
 * Lagrange scalars over a domain with generator ω, from index `start`: with w = ω^i,
 * factor·w/(τ - w) - corr·w, or `hot` where τ = w.
 */
export interface LagSegment {
  t: "lag";
  count: number;
  omega: El;
  w0: El;
  tau: El;
  factor: El;
  corr: El | null;
  hot: El;
}
/** Explicit scalars, `count` of them, 32 bytes each in Montgomery form. */
export interface RawSegment {
  t: "raw";
  count: number;
  scalars: Uint8Array;
}
export type Segment = PowSegment | LagSegment | RawSegment;

/** Which encodings of a task's points come back: Montgomery affine (written), compressed or uncompressed (hashed). */
export interface TaskOutputs {
  lem?: boolean;
  c?: boolean;
  u?: boolean;
}

export interface Task {
  id: number;
  section: number;
  group: 1 | 2;
  n: number;
  segs: Segment[];
  /** Encodings to return (Montgomery affine by default). */
  out: TaskOutputs;
}

export interface SectionPlan {
  id: number;
  group: 1 | 2;
  points: number;
  /** Sub-streams of scalars, in order. */
  segs: Segment[];
}

/** Splits a segment list into tasks of at most `chunk` points. */
export function cutTasks(curve: FfCurve, plan: SectionPlan, chunk: number, firstId: number, out: TaskOutputs = {}): Task[] {
  const Fr = curve.Fr;
  const tasks: Task[] = [];
  let cur: Task | undefined;
  for (const seg of plan.segs) {
    let off = 0;
    while (off < seg.count) {
      if (!cur || cur.n === chunk) {
        cur = { id: firstId + tasks.length, section: plan.id, group: plan.group, n: 0, segs: [], out: { lem: out.lem ?? true, ...out } };
        tasks.push(cur);
      }
      const k = Math.min(seg.count - off, chunk - cur.n);
      if (seg.t === "pow") {
        cur.segs.push({ ...seg, count: k, first: off ? Fr.mul(seg.first, Fr.exp(seg.inc, off)) : seg.first });
      } else if (seg.t === "lag") {
        cur.segs.push({ ...seg, count: k, w0: off ? Fr.mul(seg.w0, Fr.exp(seg.omega, off)) : seg.w0 });
      } else {
        // A copy, not a view: a posted view would clone the whole underlying buffer.
        cur.segs.push({ ...seg, count: k, scalars: seg.scalars.slice(off * 32, (off + k) * 32) });
      }
      cur.n += k;
      off += k;
    }
  }
  return tasks;
}

/** Lagrange segments for domains 2^0..2^maxLog of the powers mult·τ^i (the last one without its top power if dropLast). */
export function lagrangeSegments(curve: FfCurve, tau: El, mult: El, maxLog: number, dropLast: boolean): Segment[] {
  const Fr = curve.Fr;
  const segs: Segment[] = [];
  if (maxLog > Fr.s) throw new Error(`fixedbase: domain 2^${maxLog} exceeds the field's 2-adicity ${Fr.s}`);
  for (let lg = 0; lg <= maxLog; lg++) {
    const n = 2 ** lg;
    const invN = Fr.inv(Fr.e(n));
    const tauN = Fr.exp(tau, n);
    // Σ_{j<n} (τ/ω^i)^j / n = ω^i (τ^n - 1) / (n (τ - ω^i)); equal to [ω^i = τ] when τ^n = 1.
    const factor = Fr.mul(mult, Fr.mul(Fr.sub(tauN, Fr.one), invN));
    // Without the j = n-1 term: minus ω^{-i(n-1)} τ^{n-1} / n = ω^i τ^{n-1} / n.
    const corr = dropLast && lg === maxLog ? Fr.mul(mult, Fr.mul(Fr.exp(tau, n - 1), invN)) : null;
    segs.push({ t: "lag", count: n, omega: Fr.w[lg], w0: Fr.one, tau, factor, corr, hot: mult });
  }
  return segs;
}

/* ------------------------------------------------------------------------------------------------
 * Worker threads: fixed-base scalar multiplication in WebAssembly.
 * ---------------------------------------------------------------------------------------------- */

/**
 * The worker (scripts/circuits/fixedbase.worker.js, plain JavaScript). It instantiates ffjavascript's bn128
 * WebAssembly module in its own memory, precomputes for G1 and G2 the table T[j][d] = d·2^(W·j)·G (affine, d < 2^W),
 * and for each task computes its scalars (Montgomery form), converts them to integers and
 * multiplies: Σ_j T[j][digit_j], one mixed addition per non-zero W-bit digit. The results are
 * normalised to affine with one batch inversion per task.
 */
/** The worker file (a real file, so lint sees it; see its header). */
const WORKER_FILE = path.join(__dirname, "fixedbase.worker.js");

export interface TaskResult {
  id: number;
  /** Montgomery affine points (when asked for). */
  lem: Uint8Array | null;
  /** Compressed points (when asked for). */
  comp: Uint8Array | null;
  /** Uncompressed points (when asked for). */
  unc: Uint8Array | null;
  /** The worker's total time in tasks so far, ms. */
  busy: number;
  error?: string;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** The bn128 WebAssembly module, compiled once per process (each instance gets its own memory). */
export function bn128Module(curve: FfCurve): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(curve.tm.code);
  return compiled;
}

/** Runs tasks on worker threads, at most `ahead` tasks beyond the one the caller waits for. */
export class Pool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiters = new Map<number, { resolve(r: TaskResult): void; reject(e: Error): void }>();
  private readonly results = new Map<number, TaskResult>();
  private next = 0;
  private limit = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly tasks: Task[],
    private readonly ahead: number,
  ) {}

  static async start(curve: FfCurve, tasks: Task[], threads: number, windows: [number, number], ahead: number): Promise<Pool> {
    const pool = new Pool(tasks, ahead);
    // The main thread's compiled bn128 module, shared with the workers (each gets its own memory).
    const workerData = { module: await bn128Module(curve), pG1gen: curve.tm.pG1gen, pG2gen: curve.tm.pG2gen, windows };
    const ready: Promise<void>[] = [];
    for (let i = 0; i < threads; i++) {
      const w = new Worker(WORKER_FILE, { workerData });
      pool.workers.push(w);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const first = (m: { ready?: boolean; error?: string }) => {
            w.off("message", first);
            if (m.ready) {
              w.on("message", (r: TaskResult) => pool.onResult(w, r));
              resolve();
            } else reject(new Error(`fixed-base worker failed to start: ${m.error}`));
          };
          w.on("message", first);
          w.on("error", (e) => {
            pool.fail(e);
            reject(e);
          });
          w.on("exit", (code) => {
            if (code !== 0) pool.fail(new Error(`fixed-base worker exited with code ${code}`));
          });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    pool.idle.push(...pool.workers);
    return pool;
  }

  /** The result of task `id` (tasks are dispatched in order). */
  result(id: number): Promise<TaskResult> {
    if (this.failure) return Promise.reject(this.failure);
    this.limit = Math.max(this.limit, id + 1 + this.ahead);
    this.dispatch();
    const r = this.results.get(id);
    if (r) {
      this.results.delete(id);
      return Promise.resolve(r);
    }
    return new Promise((resolve, reject) => this.waiters.set(id, { resolve, reject }));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length && this.next < this.tasks.length && this.next < this.limit) {
      const w = this.idle.pop() as Worker;
      w.postMessage(this.tasks[this.next++]);
    }
  }

  /** Milliseconds each worker has spent in tasks. */
  readonly busy = new Map<Worker, number>();

  private onResult(w: Worker, r: TaskResult): void {
    this.busy.set(w, r.busy);
    if (r.error) {
      this.fail(new Error(`fixed-base worker: ${r.error}`));
      return;
    }
    this.idle.push(w);
    const waiter = this.waiters.get(r.id);
    if (waiter) {
      this.waiters.delete(r.id);
      waiter.resolve(r);
    } else this.results.set(r.id, r);
    this.dispatch();
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.waiters.values()) w.reject(e);
    this.waiters.clear();
  }
}

/**
 * The window width minimising a worker's additions: ceil(254/W) per point, plus as many times
 * 2^W to build the table. At most 14 bits (tables of 20 MB for G1, 40 MB for G2 per thread).
 */
export function bestWindow(pointsPerThread: number): number {
  let best = 2;
  let bestCost = Infinity;
  for (let w = 2; w <= 14; w++) {
    const cost = Math.ceil(254 / w) * (pointsPerThread + 2 ** w);
    if (cost < bestCost) {
      best = w;
      bestCost = cost;
    }
  }
  return best;
}
