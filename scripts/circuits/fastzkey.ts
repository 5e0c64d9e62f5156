/**
 * A fast generator of INSECURE development Groth16 proving keys (snarkjs `.zkey`) for BN254.
 *
 * snarkjs makes a development key in two steps: `zkey new` combines the circuit's R1CS with the
 * Lagrange points of a prepared ptau by one multi-exponentiation per wire, then a contribution
 * (`zkey contribute`, or `zkey beacon`) multiplies the C and H sections by 1/δ. A development
 * setup knows τ, α and β (the ptau's single contributor) and δ (the zkey's), so every point of the
 * final key is a field scalar times a generator. This module computes those scalars and writes
 * the points by fixed-base multiplication on worker threads (`fixedbase.ts`), the same way the
 * ptau itself is written. With the domain's Lagrange values L_c(τ) and the wire polynomials
 *
 *   a_i = Σ_c A[c][i]·L_c(τ) (+ L_{m+i}(τ) for a public wire i, the rows `zkey new` appends),
 *   b_i = Σ_c B[c][i]·L_c(τ),   c_i = Σ_c C[c][i]·L_c(τ),   k_i = β·a_i + α·b_i + c_i,
 *
 * the sections of the final file are
 *
 *   1  header             protocol 1 (Groth16)
 *   2  Groth16 header     sizes, α·G1, β·G1, β·G2, γ·G2 = G2 (snarkjs never contributes to γ), δ·G1, δ·G2
 *   3  IC                 k_i·G1 for the public wires i ≤ nPublic
 *   4  coefficients       (matrix, constraint, wire, value·R²) of every A and B term, and the appended rows
 *   5  A                  a_i·G1            6  B1   b_i·G1            7  B2   b_i·G2
 *   8  C                  k_i/δ·G1 for the private wires
 *   9  H                  L'_{2j+1}(τ)/δ·G1, j < n, over the domain of size 2n (the odd points: the coset
 *                        snarkjs's prover evaluates h on); L' is L without its τ^(2n-1) term when the
 *                        ptau's power equals the domain's (that ptau has no τ^(2n-1))
 *  10  contributions      the circuit hash and one contribution record (δ's public key and transcript)
 *
 * The circuit hash ("csHash") is the BLAKE2b-512 of the key before any contribution (δ = 1), in
 * snarkjs's order: the header points, then IC, the H query τ^j(τ^n - 1)·G1, C with δ = 1, A, B1
 * and B2, each section prefixed by its length. These points are computed too, hashed and dropped.
 *
 * One quirk of `zkey new` is reproduced so that `zkey verify` accepts the key: for domains of
 * 2^15 and more it hashes one H-query point past the n - 1 it announces (its chunk loop reads whole
 * chunks). That point is τ^(n-1)(τ^n - 1)·G1 when the ptau is larger than the domain, and, when
 * the ptau's power equals the domain's, the difference of τ^(n-1)·G1 from the 64 bytes that follow
 * the ptau's tauG1 section (the next section's header and the start of the G2 generator).
 *
 * Whoever knows the seed knows τ, α, β and δ and can forge proofs: development keys only.
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
  bn128Module,
  containerHeader,
  curveMain,
  cutTasks,
  ff,
  type El,
  type FfCurve,
  type FfGroup,
  type SectionPlan,
  type Task,
  u32le,
} from "./fixedbase";
import { beaconSeedWords, contributionParams, seedWords } from "./fastptau";
import { sourceVersion } from "./hash";
import type { Progress } from "./progress";

/** Bumped by hand when the bytes this generator writes change for the same inputs. */
export const FASTZKEY_FORMAT = 1;

/**
 * The generator's version, part of every development key's cache key: its format number and the
 * sha256 of its own source and of the fixed-base code it runs, so any change to either rebuilds
 * the keys made with it.
 */
export function fastZkeyVersion(): string {
  return `${FASTZKEY_FORMAT}-${sourceVersion(`fastzkey/${FASTZKEY_FORMAT}`, __dirname, ["fastzkey", "fixedbase"])}`;
}

/** The contribution of a development key: a beacon whose hash is derived from the circuit's name and the recorded seed. */
export function devZkeyContribution(
  circuit: string,
  seed: string,
): ZkeyContribution & { beacon: { hash: Uint8Array; numIterationsExp: number } } {
  if (!/^[0-9a-f]{16,}$/.test(seed)) {
    throw new ZkMeritError("ZKEY", `a development seed must be at least 16 lowercase hex digits, got "${seed}"`, { seed });
  }
  const hash = createHash("sha256").update(`zkmerit/dev-zkey/v1:${circuit}:${seed}`, "utf8").digest();
  return { name: DEV_ZKEY_NAME, beacon: { hash: new Uint8Array(hash), numIterationsExp: 10 } };
}

/** The name every development key's contribution record carries. */
export const DEV_ZKEY_NAME = "zkmerit development (insecure)";

const FR = 32;

/* ------------------------------------------------------------------------------------------------
 * R1CS.
 * ---------------------------------------------------------------------------------------------- */

/** An .r1cs file (iden3 binary format): its header and its constraints section. */
export interface R1cs {
  n8: number;
  prime: bigint;
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
  /** Section 2: per constraint, the A, B and C linear combinations (u32 count, then u32 wire and n8-byte coefficient). */
  constraints: Buffer;
}

function readLE(buf: Buffer, off: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[off + i]);
  return v;
}

/** Reads an .r1cs file, with clear errors on a file that is not one. */
export function readR1cs(file: string): R1cs {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new ZkMeritError("ZKEY", `cannot read r1cs ${file}: ${(e as Error).message}`, { file });
  }
  const bad = (why: string) => new ZkMeritError("ZKEY", `${file} is not a usable .r1cs file: ${why}`, { file });
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "r1cs") throw bad("bad magic");
  const nSections = buf.readUInt32LE(8);
  const sections = new Map<number, { off: number; size: number }>();
  let pos = 12;
  for (let i = 0; i < nSections; i++) {
    if (pos + 12 > buf.length) throw bad("truncated section table");
    const id = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    if (pos + 12 + size > buf.length) throw bad(`section ${id} runs past the end of the file`);
    if (sections.has(id)) throw bad(`section ${id} appears twice`);
    sections.set(id, { off: pos + 12, size });
    pos += 12 + size;
  }
  const h = sections.get(1);
  const c = sections.get(2);
  if (!h || !c) throw bad("no header or constraints section");
  if (sections.has(4) || sections.has(5)) throw bad("it has custom gates (PLONK only)");
  const n8 = buf.readUInt32LE(h.off);
  let o = h.off + 4;
  const prime = readLE(buf, o, n8);
  o += n8;
  const nVars = buf.readUInt32LE(o);
  const nOutputs = buf.readUInt32LE(o + 4);
  const nPubInputs = buf.readUInt32LE(o + 8);
  const nPrvInputs = buf.readUInt32LE(o + 12);
  const nConstraints = buf.readUInt32LE(o + 24);
  return { n8, prime, nVars, nOutputs, nPubInputs, nPrvInputs, nConstraints, constraints: buf.subarray(c.off, c.off + c.size) };
}

/** log2 of the domain `zkey new` uses: the smallest 2^k above constraints + public inputs. */
export function zkeyDomainPower(r: { nConstraints: number; nPubInputs: number; nOutputs: number }): number {
  return Math.floor(Math.log2(r.nConstraints + r.nPubInputs + r.nOutputs)) + 1;
}

/* ------------------------------------------------------------------------------------------------
 * The contribution.
 * ---------------------------------------------------------------------------------------------- */

/** Where δ and the contribution's public key come from, and how the record names it. */
export type ZkeyContribution =
  { name: string; beacon: { hash: Uint8Array; numIterationsExp: number } } | { name: string; chachaSeed: number[] };

export interface FastZkeyOptions {
  /** The ptau's secrets: τ, α, β. */
  secrets: { tau: bigint; alpha: bigint; beta: bigint };
  /** Power of the ptau the key pairs with (see the quirk above); at least the circuit's domain. */
  ptauPower: number;
  contribution: ZkeyContribution;
  /** Worker threads (default: one per CPU, or ZKMERIT_ZKEY_THREADS). */
  threads?: number;
}

export interface FastZkeyResult {
  csHash: Uint8Array;
  contributionHash: Uint8Array;
  domainPower: number;
  nVars: number;
  nPublic: number;
  nCoefs: number;
  bytes: number;
  seconds: number;
}

/** The beacon's ChaCha seed (snarkjs's rngFromBeaconParams), for the iteration counts snarkjs accepts below 2^32. */
function beaconWords(hash: Uint8Array, exp: number): number[] {
  if (!Number.isInteger(exp) || exp < 10 || exp > 31) {
    throw new ZkMeritError("ZKEY", `a beacon's numIterationsExp must be an integer in [10, 31], got ${exp}`, { exp });
  }
  if (hash.length === 0 || hash.length > 255) throw new ZkMeritError("ZKEY", `a beacon hash must be 1..255 bytes, got ${hash.length}`);
  return beaconSeedWords(hash, exp);
}

function lem(g: FfGroup, p: El): Uint8Array {
  const b = new Uint8Array(g.F.n8 * 2);
  g.toRprLEM(b, 0, p);
  return b;
}
function unc(g: FfGroup, p: El): Uint8Array {
  const b = new Uint8Array(g.F.n8 * 2);
  g.toRprUncompressed(b, 0, p);
  return b;
}
function u32be(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}

/* ------------------------------------------------------------------------------------------------
 * Field sums in the main thread's own instance of the bn128 WebAssembly module.
 * ---------------------------------------------------------------------------------------------- */

type WasmFn = (...args: number[]) => number;

class Wasm {
  private top: number;
  private constructor(
    readonly ex: Record<string, WasmFn>,
    readonly memory: WebAssembly.Memory,
  ) {
    this.top = new Uint32Array(memory.buffer)[0];
  }

  static async create(curve: FfCurve): Promise<Wasm> {
    const memory = new WebAssembly.Memory({ initial: 64 });
    const instance = await WebAssembly.instantiate(await bn128Module(curve), { env: { memory } });
    return new Wasm(instance.exports as unknown as Record<string, WasmFn>, memory);
  }

  /** Reserves `n` bytes (64-aligned), growing the memory; the module's own temporaries go above. */
  alloc(n: number): number {
    const p = (this.top + 63) & ~63;
    this.top = p + n;
    const need = this.top + (1 << 20);
    const have = this.memory.buffer.byteLength;
    if (have < need) this.memory.grow(Math.ceil((need - have) / 65536));
    new Uint32Array(this.memory.buffer)[0] = this.top;
    return p;
  }

  /** Makes sure `n` bytes above the last allocation exist (the module's own temporaries, e.g. batchInverse's). */
  reserve(n: number): void {
    const need = this.top + n + (1 << 20);
    const have = this.memory.buffer.byteLength;
    if (have < need) this.memory.grow(Math.ceil((need - have) / 65536));
  }

  get u8(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }
}

/* ------------------------------------------------------------------------------------------------
 * The generator.
 * ---------------------------------------------------------------------------------------------- */

/** snarkjs's chunk when it hashes the H query (zkey_new.js, hashHPoints). */
const H_HASH_CHUNK = 1 << 14;

/** Section plans that are hashed but not written (the key before its contribution). */
const HASH_H = 109;
const HASH_C = 108;

const SECTION_LABEL: Record<number, string> = {
  3: "IC",
  5: "A",
  6: "B1",
  7: "B2",
  8: "C",
  9: "H",
  [HASH_H]: "H query (circuit hash)",
  [HASH_C]: "C before δ (circuit hash)",
};

/**
 * Writes the final zkey of `r1csFile` with one contribution, from known secrets. Same inputs →
 * byte-identical file: the file `zkey new` (with the ptau of these secrets) then `zkey beacon`
 * (or `zkey contribute` with that ChaCha seed) would write.
 */
export async function writeFastZkey(r1csFile: string, zkeyFile: string, opts: FastZkeyOptions, log: Progress): Promise<FastZkeyResult> {
  const t0 = Date.now();
  const curve = await curveMain();
  const { Fr, G1, G2 } = curve;
  const r1cs = readR1cs(r1csFile);
  if (r1cs.prime !== curve.r || r1cs.n8 !== FR) {
    throw new ZkMeritError("ZKEY", `${r1csFile} is not over BN254's scalar field; only bn128 circuits are supported`, { r1csFile });
  }
  const nPublic = r1cs.nOutputs + r1cs.nPubInputs;
  const m = r1cs.nConstraints;
  const nVars = r1cs.nVars;
  const power = zkeyDomainPower(r1cs);
  const n = 2 ** power;
  if (power + 1 > Fr.s) {
    throw new ZkMeritError("ZKEY", `circuit domain 2^${power} is too large: H needs a 2^${power + 1} domain, beyond BN254's 2^${Fr.s}`);
  }
  if (!Number.isInteger(opts.ptauPower) || opts.ptauPower < power || opts.ptauPower > 27) {
    throw new ZkMeritError(
      "ZKEY",
      `ptau power ${opts.ptauPower} cannot serve this circuit (domain 2^${power}); use a ptau of 2^${power}..2^27`,
      {
        power,
        ptauPower: opts.ptauPower,
      },
    );
  }
  for (const [k, v] of Object.entries(opts.secrets)) {
    if (typeof v !== "bigint" || v <= 0n || v >= curve.r)
      throw new ZkMeritError("ZKEY", `secret ${k} must be a non-zero field element`, { k });
  }
  const threads = Math.max(
    1,
    opts.threads ?? (Number(process.env.ZKMERIT_ZKEY_THREADS) || (os.availableParallelism?.() ?? os.cpus().length)),
  );

  const tau = Fr.e(opts.secrets.tau);
  const alpha = Fr.e(opts.secrets.alpha);
  const beta = Fr.e(opts.secrets.beta);

  // The contribution's key, drawn as snarkjs draws it: δ, then a random G1 point.
  const c = opts.contribution;
  const rng = new ff.ChaCha("beacon" in c ? beaconWords(c.beacon.hash, c.beacon.numIterationsExp) : c.chachaSeed);
  const delta = Fr.fromRng(rng);
  if (Fr.isZero(delta)) throw new ZkMeritError("ZKEY", "the contribution drew δ = 0; use another seed");
  const invDelta = Fr.inv(delta);
  const g1s = G1.toAffine(G1.fromRng(rng));
  const g1sx = G1.toAffine(G1.timesFr(g1s, delta));

  // ---- Scalars (main thread).
  const wasm = await Wasm.create(curve);
  const ex = wasm.ex;
  const pL = wasm.alloc(n * FR);
  const pW = wasm.alloc(n * FR);
  const pD = wasm.alloc(n * FR);
  const pA = wasm.alloc(nVars * FR);
  const pB = wasm.alloc(nVars * FR);
  const pC = wasm.alloc(nVars * FR);
  const pCons = wasm.alloc(r1cs.constraints.length);
  const pT = wasm.alloc(8 * FR);
  const [pT1, pT2, pTau, pOm, pF, pOne, pAlpha, pBeta] = Array.from({ length: 8 }, (_, i) => pT + i * FR);
  let nCoefs = 0;
  let coefs: Buffer;
  await log.step(`zkey: wire polynomials at τ (${m} constraints, ${nVars} wires, domain 2^${power})`, async () => {
    let u8 = wasm.u8;
    u8.fill(0, pA, pA + nVars * FR);
    u8.fill(0, pB, pB + nVars * FR);
    u8.fill(0, pC, pC + nVars * FR);
    u8.set(tau, pTau);
    u8.set(Fr.w[power], pOm);
    u8.set(Fr.one, pOne);
    u8.set(alpha, pAlpha);
    u8.set(beta, pBeta);
    // L_c(τ) = ω^c (τ^n - 1) / (n (τ - ω^c)), or 1 where τ = ω^c.
    u8.set(Fr.mul(Fr.sub(Fr.exp(tau, n), Fr.one), Fr.inv(Fr.e(n))), pF);
    ex.frm_copy(pOne, pT1);
    for (let k = 0; k < n; k++) {
      ex.frm_copy(pT1, pW + k * FR);
      ex.frm_sub(pTau, pT1, pD + k * FR);
      ex.frm_mul(pT1, pOm, pT1);
    }
    wasm.reserve(2 * n * FR);
    ex.frm_batchInverse(pD, FR, n, pL, FR);
    for (let k = 0; k < n; k++) {
      const l = pL + k * FR;
      if (ex.frm_isZero(pD + k * FR)) ex.frm_copy(pOne, l);
      else {
        ex.frm_mul(l, pW + k * FR, l);
        ex.frm_mul(l, pF, l);
      }
    }

    // One pass over the constraints: the sums, and the coefficients section's entries.
    const cons = r1cs.constraints;
    u8 = wasm.u8;
    u8.set(cons, pCons);
    const bad = (why: string) => new ZkMeritError("ZKEY", `${r1csFile}: malformed constraints section (${why})`, { r1csFile });
    let pos = 0;
    let terms = 0;
    for (let ci = 0; ci < m; ci++) {
      for (let mat = 0; mat < 3; mat++) {
        if (pos + 4 > cons.length) throw bad(`constraint ${ci} is cut short`);
        const k = cons.readUInt32LE(pos);
        pos += 4 + k * 36;
        if (mat < 2) terms += k;
      }
    }
    if (pos !== cons.length) throw bad(`${cons.length - pos} bytes after the last constraint`);
    nCoefs = terms + nPublic + 1;
    coefs = Buffer.alloc(4 + nCoefs * 44);
    coefs.writeUInt32LE(nCoefs, 0);
    let cp = 4;
    const writeCoef = (mat: number, row: number, wire: number, pMont: number) => {
      coefs.writeUInt32LE(mat, cp);
      coefs.writeUInt32LE(row, cp + 4);
      coefs.writeUInt32LE(wire, cp + 8);
      ex.frm_toMontgomery(pMont, pT2); // value·R² as an integer: the Montgomery form of the Montgomery form
      coefs.set(wasm.u8.subarray(pT2, pT2 + FR), cp + 12);
      cp += 44;
    };
    pos = 0;
    const sums = [pA, pB, pC];
    for (let ci = 0; ci < m; ci++) {
      const l = pL + ci * FR;
      for (let mat = 0; mat < 3; mat++) {
        const k = cons.readUInt32LE(pos);
        pos += 4;
        for (let t = 0; t < k; t++) {
          const s = cons.readUInt32LE(pos);
          if (s >= nVars) throw bad(`constraint ${ci} names wire ${s} of ${nVars}`);
          ex.frm_toMontgomery(pCons + pos + 4, pT1);
          if (mat < 2) writeCoef(mat, ci, s, pT1);
          ex.frm_mul(pT1, l, pT1);
          const acc = sums[mat] + s * FR;
          ex.frm_add(acc, pT1, acc);
          pos += 36;
        }
      }
    }
    // The rows `zkey new` appends: A[m + i][i] = 1 for the public wires (and wire 0).
    for (let s = 0; s <= nPublic; s++) {
      const acc = pA + s * FR;
      ex.frm_add(acc, pL + (m + s) * FR, acc);
      writeCoef(0, m + s, s, pOne);
    }
    // k_i = β·a_i + α·b_i + c_i, into pC.
    for (let s = 0; s < nVars; s++) {
      const o = s * FR;
      ex.frm_mul(pBeta, pA + o, pT1);
      ex.frm_mul(pAlpha, pB + o, pT2);
      ex.frm_add(pT1, pT2, pT1);
      ex.frm_add(pC + o, pT1, pC + o);
    }
  });
  const u8 = wasm.u8;
  const aS = u8.slice(pA, pA + nVars * FR);
  const bS = u8.slice(pB, pB + nVars * FR);
  const kS = u8.slice(pC, pC + nVars * FR);
  const nPriv = nVars - nPublic - 1;
  const kPriv = kS.slice((nPublic + 1) * FR);
  const kDelta = new Uint8Array(nPriv * FR);
  {
    const pK = wasm.alloc(FR);
    wasm.u8.set(invDelta, pK);
    const base = pC + (nPublic + 1) * FR;
    for (let s = 0; s < nPriv; s++) {
      ex.frm_mul(base + s * FR, pK, pT1);
      kDelta.set(wasm.u8.subarray(pT1, pT1 + FR), s * FR);
    }
  }

  // The H query hashed into csHash: τ^j (τ^n - 1), j < n - 1, and the point past it (see above).
  const hashedH = n - 1 > H_HASH_CHUNK ? n : n - 1;
  const quirk = hashedH === n && opts.ptauPower === power;
  const tauN1 = Fr.sub(Fr.exp(tau, n), Fr.one);
  const twoN = 2 * n;

  const plans: Array<SectionPlan & { out: { lem?: boolean; u?: boolean } }> = [
    {
      id: 3,
      group: 1,
      points: nPublic + 1,
      segs: [{ t: "raw", count: nPublic + 1, scalars: kS.slice(0, (nPublic + 1) * FR) }],
      out: { lem: true, u: true },
    },
    {
      id: HASH_H,
      group: 1,
      points: quirk ? n - 1 : hashedH,
      segs: [{ t: "pow", count: quirk ? n - 1 : hashedH, first: tauN1, inc: tau }],
      out: { lem: false, u: true },
    },
    { id: HASH_C, group: 1, points: nPriv, segs: [{ t: "raw", count: nPriv, scalars: kPriv }], out: { lem: false, u: true } },
    { id: 5, group: 1, points: nVars, segs: [{ t: "raw", count: nVars, scalars: aS }], out: { lem: true, u: true } },
    { id: 6, group: 1, points: nVars, segs: [{ t: "raw", count: nVars, scalars: bS }], out: { lem: true, u: true } },
    { id: 7, group: 2, points: nVars, segs: [{ t: "raw", count: nVars, scalars: bS }], out: { lem: true, u: true } },
    { id: 8, group: 1, points: nPriv, segs: [{ t: "raw", count: nPriv, scalars: kDelta }], out: { lem: true } },
    {
      id: 9,
      group: 1,
      points: n,
      segs: [
        {
          t: "lag",
          count: n,
          omega: Fr.w[power],
          w0: Fr.w[power + 1],
          tau,
          factor: Fr.mul(Fr.mul(Fr.sub(Fr.exp(tau, twoN), Fr.one), Fr.inv(Fr.e(twoN))), invDelta),
          // A ptau of the domain's own power holds τ^0..τ^(2n-2) only, and its 2n-point Lagrange
          // section (which `zkey new` copies) lacks the τ^(2n-1) term: ω^k τ^(2n-1) / 2n.
          corr: opts.ptauPower === power ? Fr.mul(Fr.mul(Fr.exp(tau, twoN - 1), Fr.inv(Fr.e(twoN))), invDelta) : null,
          hot: invDelta,
        },
      ],
      out: { lem: true },
    },
  ];
  const tasks: Task[] = [];
  for (const p of plans) tasks.push(...cutTasks(curve, p, p.group === 1 ? 1 << 13 : 1 << 12, tasks.length, p.out));
  const perThread = (g: 1 | 2) => plans.filter((p) => p.group === g).reduce((s, p) => s + p.points, 0) / threads;
  const windows: [number, number] = [bestWindow(perThread(1)), bestWindow(perThread(2))];

  // ---- File layout: sections 1..10 in order, sizes known up front but for 10's tail.
  const contribParams = contributionParams(c.name, "beacon" in c ? c.beacon : undefined);
  const sizes: Record<number, number> = {
    1: 4,
    2: 4 + FR + 4 + FR + 12 + 3 * G1_LEM + 3 * G2_LEM,
    3: (nPublic + 1) * G1_LEM,
    4: 4 + nCoefs * 44,
    5: nVars * G1_LEM,
    6: nVars * G1_LEM,
    7: nVars * G2_LEM,
    8: nPriv * G1_LEM,
    9: n * G1_LEM,
    10: 64 + 4 + 3 * G1_LEM + G2_LEM + 64 + 4 + 4 + contribParams.length,
  };
  const offset: Record<number, number> = {};
  let at = 12;
  for (let id = 1; id <= 10; id++) {
    offset[id] = at + 12;
    at += 12 + sizes[id];
  }
  const total = at;

  const fd = fs.openSync(zkeyFile, "w");
  const writeAt = (b: Uint8Array, pos: number) => {
    let off = 0;
    while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off, pos + off);
  };
  let csHash: Uint8Array = new Uint8Array();
  let contributionHash: Uint8Array = new Uint8Array();
  let pool: Pool | undefined;
  try {
    writeAt(containerHeader("zkey", 10), 0);
    for (let id = 1; id <= 10; id++) {
      const sh = Buffer.alloc(12);
      sh.writeUInt32LE(id, 0);
      sh.writeBigUInt64LE(BigInt(sizes[id]), 4);
      writeAt(sh, offset[id] - 12);
    }
    writeAt(u32le(1), offset[1]);
    writeAt(coefs!, offset[4]);

    const alpha1 = G1.toAffine(G1.timesFr(G1.g, alpha));
    const beta1 = G1.toAffine(G1.timesFr(G1.g, beta));
    const beta2 = G2.toAffine(G2.timesFr(G2.g, beta));
    const delta1 = G1.toAffine(G1.timesFr(G1.g, delta));
    const delta2 = G2.toAffine(G2.timesFr(G2.g, delta));
    const hdr = Buffer.alloc(sizes[2]);
    let hp = 0;
    hdr.writeUInt32LE(FR, hp);
    ff.Scalar.toRprLE(hdr, hp + 4, curve.q, FR);
    hdr.writeUInt32LE(FR, hp + 4 + FR);
    ff.Scalar.toRprLE(hdr, hp + 8 + FR, curve.r, FR);
    hp += 8 + 2 * FR;
    hdr.writeUInt32LE(nVars, hp);
    hdr.writeUInt32LE(nPublic, hp + 4);
    hdr.writeUInt32LE(n, hp + 8);
    hp += 12;
    for (const b of [lem(G1, alpha1), lem(G1, beta1), lem(G2, beta2), lem(G2, G2.g), lem(G1, delta1), lem(G2, delta2)]) {
      hdr.set(b, hp);
      hp += b.length;
    }
    writeAt(hdr, offset[2]);

    const cs = createHash("blake2b512");
    for (const b of [unc(G1, alpha1), unc(G1, beta1), unc(G2, beta2), unc(G2, G2.g), unc(G1, G1.g), unc(G2, G2.g)]) cs.update(b);

    await log.step(`zkey: ${tasks.length} point tasks on ${threads} threads`, async (logger) => {
      const tp = Date.now();
      pool = await Pool.start(curve, tasks, threads, windows, 2 * threads + 2);
      log(`  fixed-base tables (windows G1 ${windows[0]}, G2 ${windows[1]} bits) ready in ${((Date.now() - tp) / 1000).toFixed(1)} s`);
      const cursor: Record<number, number> = { ...offset };
      const totalPoints = tasks.reduce((sum, t) => sum + t.n * (t.group === 2 ? 3 : 1), 0);
      let done = 0;
      for (const p of plans) {
        const started = Date.now();
        // Each hashed section is prefixed by its length (big-endian u32), as `zkey new` hashes it.
        const count = p.id === HASH_H ? n - 1 : p.points;
        if (p.out.u) cs.update(u32be(count));
        for (const task of tasks.filter((t) => t.section === p.id)) {
          const r = await (pool as Pool).result(task.id);
          if (r.lem) {
            writeAt(r.lem, cursor[p.id]);
            cursor[p.id] += r.lem.length;
          }
          if (r.unc) cs.update(r.unc);
          done += task.n * (task.group === 2 ? 3 : 1);
          logger.debug(`${SECTION_LABEL[p.id]}: ${((100 * done) / totalPoints).toFixed(0)}% of all points`);
        }
        if (p.id === HASH_H && quirk) cs.update(quirkPoint(curve, wasm, tau, n, opts.ptauPower));
        if (p.out.lem && cursor[p.id] !== offset[p.id] + sizes[p.id]) throw new Error(`fastzkey: section ${p.id} was not fully written`);
        log(`  ${SECTION_LABEL[p.id]}: ${p.points} G${p.group} points in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      const busy = [...(pool as Pool).busy.values()].map((ms) => (ms / 1000).toFixed(1));
      log(`  time in tasks per worker thread: ${busy.join(", ")} s`);
    });
    csHash = new Uint8Array(cs.digest());

    // ---- Section 10: the circuit hash and the contribution record.
    const transcript = createHash("blake2b512").update(csHash).update(unc(G1, g1s)).update(unc(G1, g1sx)).digest();
    const g2sp = G2.fromRng(new ff.ChaCha(seedWords(transcript)));
    const g2spx = G2.toAffine(G2.timesFr(g2sp, delta));
    const rec = Buffer.concat([
      csHash,
      u32le(1),
      lem(G1, delta1),
      lem(G1, g1s),
      lem(G1, g1sx),
      lem(G2, g2spx),
      transcript,
      u32le("beacon" in c ? 1 : 0),
      u32le(contribParams.length),
      contribParams,
    ]);
    if (rec.length !== sizes[10]) throw new Error("fastzkey: contribution section size");
    writeAt(rec, offset[10]);
    contributionHash = new Uint8Array(
      createHash("blake2b512")
        .update(unc(G1, delta1))
        .update(unc(G1, g1s))
        .update(unc(G1, g1sx))
        .update(unc(G2, g2spx))
        .update(transcript)
        .digest(),
    );
  } finally {
    if (pool) await (pool as Pool).close();
    fs.closeSync(fd);
  }
  const seconds = (Date.now() - t0) / 1000;
  log(`zkey (fast, ${(total / 2 ** 20).toFixed(1)} MiB, INSECURE development key) written in ${seconds.toFixed(1)} s`);
  return { csHash, contributionHash, domainPower: power, nVars, nPublic, nCoefs, bytes: total, seconds };
}

/**
 * The uncompressed point `zkey new` hashes last in the H query when the ptau's power equals the
 * domain's: the 64 bytes after the ptau's tauG1 section (section 3's header: id 3 and size
 * 2^p·128; then the first 52 bytes of τ^0·G2) minus τ^(n-1)·G1, through the same WebAssembly
 * calls (subAffine, batchToAffine, batchLEMtoU).
 */
function quirkPoint(curve: FfCurve, wasm: Wasm, tau: El, n: number, ptauPower: number): Uint8Array {
  const { Fr, G1, G2 } = curve;
  const past = Buffer.alloc(G1_LEM);
  past.writeUInt32LE(3, 0);
  past.writeBigUInt64LE(BigInt(2 ** ptauPower * G2_LEM), 4);
  past.set(lem(G2, G2.g).subarray(0, G1_LEM - 12), 12);
  const q = lem(G1, G1.toAffine(G1.timesFr(G1.g, Fr.exp(tau, n - 1))));
  const p = wasm.alloc(G1_LEM * 2 + 96 + G1_LEM * 2);
  const [p1, p2, pj, pa, pu] = [p, p + G1_LEM, p + 2 * G1_LEM, p + 2 * G1_LEM + 96, p + 3 * G1_LEM + 96];
  wasm.u8.set(past, p1);
  wasm.u8.set(q, p2);
  wasm.ex.g1m_subAffine(p1, p2, pj);
  wasm.ex.g1m_batchToAffine(pj, 1, pa);
  wasm.ex.g1m_batchLEMtoU(pa, 1, pu);
  return wasm.u8.slice(pu, pu + G1_LEM);
}
