/**
 * A fast generator of INSECURE development Powers of Tau files for BN254 ("bn128").
 *
 * The output is a phase-2-prepared `.ptau` in the binary format snarkjs reads and writes: the
 * file `powersoftau new` -> one `powersoftau contribute` -> `powersoftau prepare phase2` would
 * give for the same contributor key. Instead of transforming the points of the previous file and
 * running curve FFTs, every point is computed directly from the known secrets τ, α, β:
 *
 *   section  2  tauG1      τ^i·G1            i < 2^(p+1)-1
 *   section  3  tauG2      τ^i·G2            i < 2^p
 *   section  4  alphaTauG1 ατ^i·G1           i < 2^p
 *   section  5  betaTauG1  βτ^i·G1           i < 2^p
 *   section  6  betaG2     β·G2
 *   section  7  the contribution record (key, proofs of knowledge, hashes)
 *   sections 12..15        the same four sections in the Lagrange basis of every domain 2^0..2^p
 *                          (2^(p+1) too for tauG1), i.e. L_i(τ)·G with
 *                          L_i(τ) = ω^i (τ^n - 1) / (n (τ - ω^i)) over the domain of size n.
 *
 * Each point is a fixed-base scalar multiplication of a generator with a precomputed window
 * table, run in WebAssembly (ffjavascript's bn128 module) on worker threads.
 *
 * Whoever knows the seed knows τ and can forge proofs: use these files for development only.
 */
import fs from "node:fs";
import os from "node:os";
import { createHash } from "node:crypto";
import { ZkMeritError } from "../../oracle/core/errors";
import {
  G1_LEM,
  G2_LEM,
  Pool,
  bestWindow,
  containerHeader,
  curveMain,
  cutTasks,
  ff,
  lagrangeSegments,
  type El,
  type FfCurve,
  type FfGroup,
  type Segment,
  type SectionPlan,
  type Task,
  u32le,
} from "./fixedbase";
import { sourceVersion } from "./hash";
import type { Progress } from "./progress";

/* ------------------------------------------------------------------------------------------------
 * Sizes and names.
 * ---------------------------------------------------------------------------------------------- */

/** Points per chunk when a section is hashed in compressed form: 1 MiB of points, as snarkjs's contribute chunks it. */
const HASH_CHUNK = { 1: (1 << 20) / G1_LEM, 2: (1 << 20) / G2_LEM } as const;

export const DEV_CONTRIBUTION_NAME = "zkmerit development (insecure)";

/** The generator's version (sha256 of its source and of the fixed-base code), recorded with every ptau it writes. */
export function fastPtauVersion(): string {
  return sourceVersion("fastptau", __dirname, ["fastptau", "fixedbase"]);
}

const SECTION_NAMES: Record<number, string> = {
  2: "tauG1",
  3: "tauG2",
  4: "alphaTauG1",
  5: "betaTauG1",
  6: "betaG2",
  12: "lagrange tauG1",
  13: "lagrange tauG2",
  14: "lagrange alphaTauG1",
  15: "lagrange betaTauG1",
};

/* ------------------------------------------------------------------------------------------------
 * BLAKE2b-512 with an exportable state.
 *
 * The contribution record stores the response hash "partially": the hasher's state after the
 * previous challenge and the compressed points were absorbed, before the public key is. That
 * state is serialised as 216 bytes: the 128-byte block buffer, then little-endian u32 words
 * h0.lo, h0.hi, ..., h7.lo, h7.hi, bytes absorbed before the buffered ones (lo, hi), bytes in
 * the buffer (lo, hi), and two zero words. The block buffering below (the last block of the
 * input so far is always held back, whole blocks of a single update that are not its last one
 * are compressed without going through the buffer) decides the stale bytes left in the buffer,
 * and so is kept exactly as the readers of that state expect.
 * ---------------------------------------------------------------------------------------------- */

const B2B_IV = new Int32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a, 0xade682d1, 0x510e527f, 0x2b3e6c1f,
  0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

// Message word schedule: 10 permutations, rounds 10 and 11 reuse the first two. Pre-doubled
// (indices of the low u32 of each 64-bit word).
const B2B_SIGMA = (() => {
  const s = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
  ];
  const out = new Uint8Array(12 * 16);
  for (let r = 0; r < 12; r++) for (let i = 0; i < 16; i++) out[r * 16 + i] = s[r % 10][i] * 2;
  return out;
})();

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error("fastptau: a little-endian host is required");
}

export class Blake2b512 {
  private readonly h = new Int32Array(16);
  private readonly v = new Int32Array(32);
  private readonly block = new Uint8Array(128);
  private readonly m = new Int32Array(this.block.buffer);
  /** The held-back block (see above). */
  readonly buffer = new Uint8Array(128);
  /** Bytes held in `buffer`. */
  pos = 0;
  /** Bytes absorbed so far, including the held-back ones. */
  length = 0;
  private finished = false;

  constructor() {
    this.h.set(B2B_IV);
    this.h[0] ^= 0x01010000 | 64; // digest length 64, no key, fanout 1, depth 1
  }

  update(data: Uint8Array): this {
    if (this.finished) throw new Error("Blake2b512: update after digest");
    const len = data.length;
    let p = 0;
    while (p < len) {
      if (this.pos === 128) {
        this.compress(this.buffer, 0, false);
        this.pos = 0;
      }
      const take = Math.min(128 - this.pos, len - p);
      if (take === 128 && p + take < len) {
        while (p + 128 < len) {
          this.length += 128;
          this.compress(data, p, false);
          p += 128;
        }
        continue;
      }
      this.buffer.set(data.subarray(p, p + take), this.pos);
      this.pos += take;
      this.length += take;
      p += take;
    }
    return this;
  }

  /** The 216-byte serialised state (see the comment above the class). */
  partialState(): Uint8Array {
    const out = new Uint8Array(216);
    out.set(this.buffer, 0);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < 16; i++) dv.setUint32(128 + 4 * i, this.h[i], true);
    const before = this.length - this.pos;
    dv.setUint32(128 + 64, before >>> 0, true);
    dv.setUint32(128 + 68, Math.floor(before / 2 ** 32), true);
    dv.setUint32(128 + 72, this.pos, true);
    return out;
  }

  digest(): Uint8Array {
    if (this.finished) throw new Error("Blake2b512: digest called twice");
    this.finished = true;
    this.buffer.fill(0, this.pos);
    this.compress(this.buffer, 0, true);
    const out = new Uint8Array(64);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < 16; i++) dv.setUint32(4 * i, this.h[i], true);
    return out;
  }

  private compress(data: Uint8Array, off: number, last: boolean): void {
    this.block.set(data.subarray(off, off + 128));
    const m = this.m;
    const v = this.v;
    const h = this.h;
    v.set(h, 0);
    v.set(B2B_IV, 16);
    const t = this.length;
    v[24] ^= t | 0;
    v[25] ^= Math.floor(t / 2 ** 32) | 0;
    if (last) {
      v[28] = ~v[28];
      v[29] = ~v[29];
    }
    const S = B2B_SIGMA;
    for (let r = 0; r < 12; r++) {
      const s = r * 16;
      g(v, m, 0, 8, 16, 24, S[s + 0], S[s + 1]);
      g(v, m, 2, 10, 18, 26, S[s + 2], S[s + 3]);
      g(v, m, 4, 12, 20, 28, S[s + 4], S[s + 5]);
      g(v, m, 6, 14, 22, 30, S[s + 6], S[s + 7]);
      g(v, m, 0, 10, 20, 30, S[s + 8], S[s + 9]);
      g(v, m, 2, 12, 22, 24, S[s + 10], S[s + 11]);
      g(v, m, 4, 14, 16, 26, S[s + 12], S[s + 13]);
      g(v, m, 6, 8, 18, 28, S[s + 14], S[s + 15]);
    }
    for (let i = 0; i < 16; i++) h[i] = h[i] ^ v[i] ^ v[i + 16];
  }
}

/**
 * The BLAKE2b mixing function on 64-bit words stored as (lo, hi) 32-bit pairs at even indices.
 * All arithmetic stays in int32; the carry of a 32-bit addition s = x + y is the top bit of
 * (x & y) | ((x | y) & ~s).
 */
function g(v: Int32Array, m: Int32Array, a: number, b: number, c: number, d: number, x: number, y: number): void {
  let al = v[a],
    ah = v[a + 1];
  let bl = v[b],
    bh = v[b + 1];
  let cl = v[c],
    ch = v[c + 1];
  let dl = v[d],
    dh = v[d + 1];
  let s: number, tl: number, th: number;

  // a = a + b + m[x]
  s = (al + bl) | 0;
  ah = (ah + bh + (((al & bl) | ((al | bl) & ~s)) >>> 31)) | 0;
  al = s;
  tl = m[x];
  s = (al + tl) | 0;
  ah = (ah + m[x + 1] + (((al & tl) | ((al | tl) & ~s)) >>> 31)) | 0;
  al = s;
  // d = rotr64(d ^ a, 32)
  tl = dl ^ al;
  dl = dh ^ ah;
  dh = tl;
  // c = c + d
  s = (cl + dl) | 0;
  ch = (ch + dh + (((cl & dl) | ((cl | dl) & ~s)) >>> 31)) | 0;
  cl = s;
  // b = rotr64(b ^ c, 24)
  tl = bl ^ cl;
  th = bh ^ ch;
  bl = (tl >>> 24) | (th << 8);
  bh = (th >>> 24) | (tl << 8);
  // a = a + b + m[y]
  s = (al + bl) | 0;
  ah = (ah + bh + (((al & bl) | ((al | bl) & ~s)) >>> 31)) | 0;
  al = s;
  tl = m[y];
  s = (al + tl) | 0;
  ah = (ah + m[y + 1] + (((al & tl) | ((al | tl) & ~s)) >>> 31)) | 0;
  al = s;
  // d = rotr64(d ^ a, 16)
  tl = dl ^ al;
  th = dh ^ ah;
  dl = (tl >>> 16) | (th << 16);
  dh = (th >>> 16) | (tl << 16);
  // c = c + d
  s = (cl + dl) | 0;
  ch = (ch + dh + (((cl & dl) | ((cl | dl) & ~s)) >>> 31)) | 0;
  cl = s;
  // b = rotr64(b ^ c, 63) = rotl64(b ^ c, 1)
  tl = bl ^ cl;
  th = bh ^ ch;
  bl = (tl << 1) | (th >>> 31);
  bh = (th << 1) | (tl >>> 31);

  v[a] = al;
  v[a + 1] = ah;
  v[b] = bl;
  v[b + 1] = bh;
  v[c] = cl;
  v[c + 1] = ch;
  v[d] = dl;
  v[d + 1] = dh;
}

/** BLAKE2b-512 of the concatenation of `parts` (native). */
function blake2b512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("blake2b512");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/* ------------------------------------------------------------------------------------------------
 * Reading and writing the section container (tests and tools).
 * ---------------------------------------------------------------------------------------------- */

export interface PtauSection {
  id: number;
  data: Buffer;
}

/** Reads every section of a (small) .ptau file into memory, in file order. */
export function readPtauSections(file: string): PtauSection[] {
  const buf = fs.readFileSync(file);
  if (buf.toString("latin1", 0, 4) !== "ptau") throw new Error(`${file} is not a .ptau file`);
  const n = buf.readUInt32LE(8);
  const out: PtauSection[] = [];
  let pos = 12;
  for (let i = 0; i < n; i++) {
    const id = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    out.push({ id, data: buf.subarray(pos + 12, pos + 12 + size) });
    pos += 12 + size;
  }
  if (pos !== buf.length) throw new Error(`${file}: ${buf.length - pos} trailing bytes after the last section`);
  return out;
}

/** Writes a .ptau container (format version 1) with the given sections, in the given order. */
export function writePtauSections(file: string, sections: PtauSection[]): void {
  const head = Buffer.alloc(12);
  head.write("ptau", 0, "latin1");
  head.writeUInt32LE(1, 4);
  head.writeUInt32LE(sections.length, 8);
  const parts: Buffer[] = [head];
  for (const s of sections) {
    const sh = Buffer.alloc(12);
    sh.writeUInt32LE(s.id, 0);
    sh.writeBigUInt64LE(BigInt(s.data.length), 4);
    parts.push(sh, s.data);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

/* ------------------------------------------------------------------------------------------------
 * Ceremony hashes and the contributor key.
 * ---------------------------------------------------------------------------------------------- */

/** Feeds `unit` repeated `count` times to a hash. */
function hashRepeated(h: { update(d: Uint8Array): unknown }, unit: Uint8Array, count: number): void {
  const per = Math.max(1, Math.floor((1 << 22) / unit.length));
  const big = new Uint8Array(per * unit.length);
  for (let i = 0; i < per; i++) big.set(unit, i * unit.length);
  let left = count;
  while (left > 0) {
    const k = Math.min(left, per);
    h.update(k === per ? big : big.subarray(0, k * unit.length));
    left -= k;
  }
}

/**
 * The challenge the first contributor of a 2^power ceremony answers: the hash of the empty
 * response (BLAKE2b of nothing) and of the initial accumulator, every point the generator, in
 * uncompressed form.
 */
export async function firstChallengeHash(power: number): Promise<Uint8Array> {
  const curve = await curveMain();
  const g1 = new Uint8Array(G1_LEM);
  const g2 = new Uint8Array(G2_LEM);
  curve.G1.toRprUncompressed(g1, 0, curve.G1.g);
  curve.G2.toRprUncompressed(g2, 0, curve.G2.g);
  const h = createHash("blake2b512");
  h.update(blake2b512());
  hashRepeated(h, g1, 2 ** (power + 1) - 1);
  hashRepeated(h, g2, 2 ** power);
  hashRepeated(h, g1, 2 ** power);
  hashRepeated(h, g1, 2 ** power);
  h.update(g2);
  return new Uint8Array(h.digest());
}

/** Eight big-endian u32 words of the first 32 bytes of `bytes`: a ChaCha seed. */
export function seedWords(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(dv.getUint32(4 * i, false));
  return out;
}

/** The ChaCha seed of a development ceremony's contributor (domain-separated sha256 of the seed). */
export function devSeedWords(seed: string): number[] {
  return seedWords(createHash("sha256").update(`zkmerit/dev-ptau/v1:${seed}`, "utf8").digest());
}

/**
 * The secrets τ, α, β of the development ptau made from `seed` (by either generator's fast path:
 * the first three field elements of the contributor's ChaCha stream). A zkey for that ptau can be
 * written from them directly (`fastzkey.ts`).
 */
export async function devPtauSecrets(seed: string): Promise<{ tau: bigint; alpha: bigint; beta: bigint }> {
  if (!/^[0-9a-f]{16,}$/.test(seed)) {
    throw new ZkMeritError("PTAU", `a development seed must be at least 16 lowercase hex digits, got "${seed}"`, { seed });
  }
  const curve = await curveMain();
  const rng = new ff.ChaCha(devSeedWords(seed));
  const [tau, alpha, beta] = [0, 1, 2].map(() => curve.Fr.toObject(curve.Fr.fromRng(rng)));
  return { tau, alpha, beta };
}

/** The ChaCha seed a beacon contribution uses: sha256 iterated 2^numIterationsExp times over the beacon hash. */
export function beaconSeedWords(beaconHash: Uint8Array, numIterationsExp: number): number[] {
  let h: Uint8Array = beaconHash;
  const n = 2 ** numIterationsExp;
  for (let i = 0; i < n; i++) h = createHash("sha256").update(h).digest();
  return seedWords(h);
}

interface KeyPart {
  prv: El;
  g1s: El;
  g1sx: El;
  g2spx: El;
}
interface PtauKey {
  tau: KeyPart;
  alpha: KeyPart;
  beta: KeyPart;
}

/** The G2 point a proof of knowledge is checked against: hash of personalisation, challenge and the G1 pair. */
function proofBase(curve: FfCurve, personalization: number, challenge: Uint8Array, g1s: El, g1sx: El): El {
  const a = new Uint8Array(G1_LEM);
  const b = new Uint8Array(G1_LEM);
  curve.G1.toRprUncompressed(a, 0, g1s);
  curve.G1.toRprUncompressed(b, 0, g1sx);
  const hash = blake2b512(new Uint8Array([personalization]), challenge, a, b);
  return curve.G2.fromRng(new ff.ChaCha(seedWords(hash)));
}

/**
 * The contributor's secrets and public key drawn from one ChaCha stream: τ, α, β, then for each
 * of them a random G1 point s, s·x and (s' = hash to G2 of challenge and that pair) s'·x.
 */
function makeKey(curve: FfCurve, challenge: Uint8Array, chachaSeed: number[], secrets?: FastPtauOptions["secrets"]): PtauKey {
  const rng = new ff.ChaCha(chachaSeed);
  let prv = [curve.Fr.fromRng(rng), curve.Fr.fromRng(rng), curve.Fr.fromRng(rng)];
  if (secrets) prv = [secrets.tau, secrets.alpha, secrets.beta].map((v) => curve.Fr.e(v));
  if (prv.some((x) => curve.Fr.isZero(x))) throw new ZkMeritError("PTAU", "a zero secret was drawn; use another seed");
  const parts = prv.map((x, i) => {
    const g1s = curve.G1.toAffine(curve.G1.fromRng(rng));
    const g1sx = curve.G1.toAffine(curve.G1.timesFr(g1s, x));
    const g2sp = curve.G2.toAffine(proofBase(curve, i, challenge, g1s, g1sx));
    const g2spx = curve.G2.toAffine(curve.G2.timesFr(g2sp, x));
    return { prv: x, g1s, g1sx, g2spx };
  });
  return { tau: parts[0], alpha: parts[1], beta: parts[2] };
}

/** The public key: six G1 and three G2 points, Montgomery (in the file) or uncompressed (hashed). */
function keyBytes(curve: FfCurve, key: PtauKey, montgomery: boolean): Uint8Array {
  const out = new Uint8Array(6 * G1_LEM + 3 * G2_LEM);
  let pos = 0;
  const put = (grp: FfGroup, size: number, p: El) => {
    if (montgomery) grp.toRprLEM(out, pos, p);
    else grp.toRprUncompressed(out, pos, p);
    pos += size;
  };
  for (const k of [key.tau, key.alpha, key.beta]) {
    put(curve.G1, G1_LEM, k.g1s);
    put(curve.G1, G1_LEM, k.g1sx);
  }
  for (const k of [key.tau, key.alpha, key.beta]) put(curve.G2, G2_LEM, k.g2spx);
  return out;
}

/* ------------------------------------------------------------------------------------------------
 * The generator.
 * ---------------------------------------------------------------------------------------------- */

export interface FastPtauOptions {
  /** ChaCha seed (8 u32 words) the contributor's secrets and key are drawn from. */
  chachaSeed: number[];
  /** Contribution name (at most 64 characters are kept). */
  name: string;
  /** Record the contribution as a beacon with these parameters (type 1) instead of a plain one. */
  beacon?: { hash: Uint8Array; numIterationsExp: number };
  /** Worker threads (default: one per CPU, or ZKMERIT_PTAU_THREADS). */
  threads?: number;
  /** Window width in bits of the fixed-base tables (default: chosen per group from the work; at most 16). */
  window?: number;
  /** Tests only: use these secrets instead of drawing them (the rest of the key is still drawn). */
  secrets?: { tau: bigint; alpha: bigint; beta: bigint };
}

/** The parameter block of a contribution record: name, and the beacon's parameters. */
export function contributionParams(name: string, beacon?: FastPtauOptions["beacon"]): Uint8Array {
  const out: number[] = [];
  if (name) {
    const nb = new TextEncoder().encode(name.substring(0, 64));
    if (nb.length > 255) throw new Error("fastptau: contribution name too long");
    out.push(1, nb.length, ...nb);
  }
  if (beacon) {
    if (beacon.hash.length === 0 || beacon.hash.length > 255) throw new Error("fastptau: beacon hash must be 1..255 bytes");
    out.push(2, beacon.numIterationsExp, 3, beacon.hash.length, ...beacon.hash);
  }
  return new Uint8Array(out);
}

/**
 * Writes a prepared 2^power ptau with a single contribution whose key comes from `opts.chachaSeed`.
 * Same options → byte-identical file.
 */
export async function writeFastPtau(file: string, power: number, opts: FastPtauOptions, log: Progress): Promise<void> {
  if (!Number.isInteger(power) || power < 1 || power > 27) {
    // 2^28 needs the Lagrange basis of a 2^29 domain for tauG1, beyond the field's 2-adicity (28);
    // snarkjs builds it from a coset, which this generator does not implement.
    throw new ZkMeritError("PTAU", `the fast ptau generator supports powers 1..27, got ${power}`, { power });
  }
  if (opts.window !== undefined && (!Number.isInteger(opts.window) || opts.window < 2 || opts.window > 16)) {
    throw new ZkMeritError("PTAU", `fast ptau window must be an integer in [2, 16], got ${opts.window}`, { window: opts.window });
  }
  const threads = Math.max(
    1,
    opts.threads ?? (Number(process.env.ZKMERIT_PTAU_THREADS) || (os.availableParallelism?.() ?? os.cpus().length)),
  );
  const t0 = Date.now();
  const curve = await curveMain();
  const Fr = curve.Fr;
  const n = 2 ** power;

  const challenge = await firstChallengeHash(power);
  const key = makeKey(curve, challenge, opts.chachaSeed, opts.secrets);
  const tau = key.tau.prv;
  const alpha = key.alpha.prv;
  const beta = key.beta.prv;

  // Sections, in file order.
  const pow = (count: number, first: El): Segment[] => [{ t: "pow", count, first, inc: tau }];
  const plans: SectionPlan[] = [
    { id: 2, group: 1, points: 2 * n - 1, segs: pow(2 * n - 1, Fr.one) },
    { id: 3, group: 2, points: n, segs: pow(n, Fr.one) },
    { id: 4, group: 1, points: n, segs: pow(n, alpha) },
    { id: 5, group: 1, points: n, segs: pow(n, beta) },
    { id: 6, group: 2, points: 1, segs: pow(1, beta) },
    { id: 12, group: 1, points: 4 * n - 1, segs: lagrangeSegments(curve, tau, Fr.one, power + 1, true) },
    { id: 13, group: 2, points: 2 * n - 1, segs: lagrangeSegments(curve, tau, Fr.one, power, false) },
    { id: 14, group: 1, points: 2 * n - 1, segs: lagrangeSegments(curve, tau, alpha, power, false) },
    { id: 15, group: 1, points: 2 * n - 1, segs: lagrangeSegments(curve, tau, beta, power, false) },
  ];
  const tasks: Task[] = [];
  for (const p of plans) {
    // The accumulator sections are cut exactly where their compressed form is hashed in chunks.
    tasks.push(...cutTasks(curve, p, HASH_CHUNK[p.group], tasks.length, { c: p.id <= 6 }));
  }
  const totalWork = tasks.reduce((s, t) => s + t.n * (t.group === 2 ? 4 : 1), 0);
  const perThread = (g: 1 | 2) => plans.filter((p) => p.group === g).reduce((s, p) => s + p.points, 0) / threads;
  const windows: [number, number] = opts.window ? [opts.window, opts.window] : [bestWindow(perThread(1)), bestWindow(perThread(2))];

  const fd = fs.openSync(file, "w+");
  let pos = 0;
  const write = (b: Uint8Array) => {
    let off = 0;
    while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off, pos + off);
    pos += b.length;
  };
  const sectionHeader = (id: number, size: number) => {
    const b = Buffer.alloc(12);
    b.writeUInt32LE(id, 0);
    b.writeBigUInt64LE(BigInt(size), 4);
    write(b);
  };

  let pool: Pool | undefined;
  try {
    // File header and section 1.
    write(containerHeader("ptau", 11));
    const hdr = Buffer.alloc(4 + curve.F1.n8 + 8);
    hdr.writeUInt32LE(curve.F1.n8, 0);
    ff.Scalar.toRprLE(hdr, 4, curve.q, curve.F1.n8);
    hdr.writeUInt32LE(power, 4 + curve.F1.n8);
    hdr.writeUInt32LE(power, 8 + curve.F1.n8);
    sectionHeader(1, hdr.length);
    write(hdr);

    await log.step(`ptau 2^${power}: fast generation (${threads} threads)`, async (logger) => {
      const tp = Date.now();
      pool = await Pool.start(curve, tasks, threads, windows, 2 * threads + 2);
      log(`  fixed-base tables (windows G1 ${windows[0]}, G2 ${windows[1]} bits) ready in ${((Date.now() - tp) / 1000).toFixed(1)} s`);

      const response = new Blake2b512();
      response.update(challenge);
      const sectionPos = new Map<number, { offset: number; size: number }>();
      const firsts = new Map<number, Uint8Array>(); // first result of each accumulator section
      let section = 0;
      let sectionStart = 0;
      let sectionDone = 0;
      let work = 0;

      const startSection = (p: SectionPlan) => {
        const size = p.points * (p.group === 1 ? G1_LEM : G2_LEM);
        sectionHeader(p.id, size);
        sectionPos.set(p.id, { offset: pos, size });
        section = p.id;
        sectionStart = Date.now();
        sectionDone = 0;
      };

      const writeContributionSection = async () => {
        const partial = response.partialState();
        response.update(keyBytes(curve, key, false));
        const responseHash = response.digest();
        // Next challenge: the response hash and the accumulator sections uncompressed, read back.
        const next = createHash("blake2b512");
        next.update(responseHash);
        for (const id of [2, 3, 4, 5, 6]) {
          const s = sectionPos.get(id) as { offset: number; size: number };
          const grp = id === 3 || id === 6 ? curve.G2 : curve.G1;
          const step = 1 << 22;
          for (let o = 0; o < s.size; o += step) {
            const len = Math.min(step, s.size - o);
            const b = Buffer.alloc(len);
            fs.readSync(fd, b, 0, len, s.offset + o);
            next.update(await grp.batchLEMtoU(new Uint8Array(b.buffer, b.byteOffset, len)));
          }
        }
        const nextChallenge = new Uint8Array(next.digest());
        const point = (id: number, i: number, size: number) => (firsts.get(id) as Uint8Array).subarray(i * size, (i + 1) * size);
        const params = contributionParams(opts.name, opts.beacon);
        const body = Buffer.concat([
          u32le(1),
          point(2, 1, G1_LEM),
          point(3, 1, G2_LEM),
          point(4, 0, G1_LEM),
          point(5, 0, G1_LEM),
          point(6, 0, G2_LEM),
          keyBytes(curve, key, true),
          partial,
          nextChallenge,
          u32le(opts.beacon ? 1 : 0),
          u32le(params.length),
          params,
        ]);
        sectionHeader(7, body.length);
        write(body);
        log(`  contribution "${opts.name}" recorded; response hash ${Buffer.from(responseHash).toString("hex").slice(0, 16)}...`);
      };

      for (const task of tasks) {
        if (task.section !== section) {
          if (section) {
            const p = plans.find((x) => x.id === section) as SectionPlan;
            log(`  ${SECTION_NAMES[section]}: ${p.points} G${p.group} points in ${((Date.now() - sectionStart) / 1000).toFixed(1)} s`);
          }
          if (task.section === 12) await writeContributionSection();
          startSection(plans.find((x) => x.id === task.section) as SectionPlan);
        }
        const r = await (pool as Pool).result(task.id);
        const lem = r.lem as Uint8Array;
        write(lem);
        if (task.out.c) response.update(r.comp as Uint8Array);
        if (!firsts.has(task.section)) firsts.set(task.section, lem.subarray(0, 2 * (task.group === 1 ? G1_LEM : G2_LEM)));
        sectionDone += task.n;
        work += task.n * (task.group === 2 ? 4 : 1);
        logger.debug(
          `${SECTION_NAMES[section]} ${sectionDone}/${plans.find((x) => x.id === section)?.points} points, ` +
            `${((100 * work) / totalWork).toFixed(0)}% of all`,
        );
      }
      const last = plans[plans.length - 1];
      log(`  ${SECTION_NAMES[last.id]}: ${last.points} G${last.group} points in ${((Date.now() - sectionStart) / 1000).toFixed(1)} s`);
      const busy = [...(pool as Pool).busy.values()].map((ms) => (ms / 1000).toFixed(1));
      log(`  time in tasks per worker thread: ${busy.join(", ")} s`);
    });
    if (pos !== fs.fstatSync(fd).size) throw new Error("fastptau: file size does not match what was written");
  } finally {
    if (pool) await (pool as Pool).close();
    fs.closeSync(fd);
  }
  log(`ptau 2^${power} (fast, ${(pos / 2 ** 20).toFixed(1)} MiB) written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * Writes an INSECURE prepared development ptau of 2^power whose single contributor's secrets are
 * derived from `seed` (lowercase hex, at least 16 digits). Same seed → byte-identical file.
 */
export async function writeFastDevPtau(file: string, power: number, seed: string, log: Progress): Promise<void> {
  if (!/^[0-9a-f]{16,}$/.test(seed)) {
    throw new ZkMeritError("PTAU", `a development seed must be at least 16 lowercase hex digits, got "${seed}"`, { seed });
  }
  await writeFastPtau(file, power, { chachaSeed: devSeedWords(seed), name: DEV_CONTRIBUTION_NAME }, log);
}
