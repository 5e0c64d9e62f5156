import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import * as snarkjs from "snarkjs";
import { ZkMeritError } from "../../oracle/core/errors";
import { cacheDir } from "../../oracle/core/artifacts/manifest";
import { sha256File } from "./hash";
import type { Progress } from "./progress";

/** A Powers of Tau file ready for Groth16 setup (phase 2 prepared). */
export interface PtauInfo {
  file: string;
  power: number;
  sha256: string;
  /** "dev-snarkjs" | "dev-fast" | "ceremony" */
  source: string;
  /** Seed of a development ptau (its single contributor's randomness). */
  seed?: string;
  insecure: boolean;
}

export type PtauMethod = "snarkjs" | "fast";

/** Header of a .ptau file: the curve's base field size, the file's power and the ceremony's power. */
export interface PtauHeader {
  n8: number;
  power: number;
  ceremonyPower: number;
  sections: Map<number, { offset: number; size: number }>;
}

/** Reads the section table and header of a .ptau file (the binary layout snarkjs writes). */
export function readPtauHeader(file: string): PtauHeader {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(12);
    fs.readSync(fd, head, 0, 12, 0);
    if (head.toString("latin1", 0, 4) !== "ptau") {
      throw new ZkMeritError("PTAU", `${file} is not a .ptau file (bad magic)`, { file });
    }
    const nSections = head.readUInt32LE(8);
    const sections = new Map<number, { offset: number; size: number }>();
    let pos = 12;
    const size = fs.fstatSync(fd).size;
    const sh = Buffer.alloc(12);
    for (let i = 0; i < nSections; i++) {
      if (pos + 12 > size) throw new ZkMeritError("PTAU", `${file} is truncated`, { file });
      fs.readSync(fd, sh, 0, 12, pos);
      const type = sh.readUInt32LE(0);
      const len = Number(sh.readBigUInt64LE(4));
      sections.set(type, { offset: pos + 12, size: len });
      pos += 12 + len;
    }
    const h = sections.get(1);
    if (!h) throw new ZkMeritError("PTAU", `${file} has no header section`, { file });
    const hb = Buffer.alloc(h.size);
    fs.readSync(fd, hb, 0, h.size, h.offset);
    const n8 = hb.readUInt32LE(0);
    const power = hb.readUInt32LE(4 + n8);
    const ceremonyPower = hb.readUInt32LE(8 + n8);
    return { n8, power, ceremonyPower, sections };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether a ptau file holds the Lagrange sections Groth16 setup needs (phase 2 prepared). */
export function isPrepared(h: PtauHeader): boolean {
  return [12, 13, 14, 15].every((s) => h.sections.has(s));
}

function ptauDir(): string {
  const d = path.join(cacheDir(), "ptau");
  fs.mkdirSync(d, { recursive: true });
  return d;
}

interface DevPtauMeta {
  power: number;
  method: PtauMethod;
  seed: string;
  sha256: string;
  createdAt: string;
  seconds: number;
  /** The fast generator's version (fastPtauVersion) that wrote it. */
  generator?: string;
}

/** Cached development ptau files, smallest first. */
export function listDevPtaus(): Array<DevPtauMeta & { file: string }> {
  const dir = ptauDir();
  const out: Array<DevPtauMeta & { file: string }> = [];
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith(".ptau.json")) continue;
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as DevPtauMeta;
      const file = path.join(dir, f.slice(0, -".json".length));
      if (fs.existsSync(file)) out.push({ ...meta, file });
    } catch {
      // A sidecar written by a crashed run; ignore it, the ptau is regenerated.
    }
  }
  return out.sort((a, b) => a.power - b.power);
}

/**
 * Generates a development ptau of 2^power with one contributor whose randomness is `seed`.
 * Insecure: whoever knows the seed can forge proofs. Written to a temporary name and renamed,
 * so a crash never leaves a half-written file under the final name.
 */
export async function generateDevPtau(power: number, seed: string, method: PtauMethod, log: Progress): Promise<PtauInfo> {
  if (!Number.isInteger(power) || power < 1 || power > 28) {
    throw new ZkMeritError("PTAU", `ptau power must be an integer in [1, 28], got ${power}`, { power });
  }
  if (!/^[0-9a-f]{16,}$/.test(seed)) {
    throw new ZkMeritError("PTAU", `a development seed must be at least 16 lowercase hex digits, got "${seed}"`, { seed });
  }
  const dir = ptauDir();
  const name = `dev-${method}-p${power}-${seed.slice(0, 16)}`;
  const final = path.join(dir, `${name}.ptau`);
  const tmp = path.join(dir, `${name}.${process.pid}.tmp`);
  const t0 = Date.now();
  log(`generating an INSECURE development Powers of Tau 2^${power} (${method}, seed ${seed.slice(0, 16)}...)`);
  try {
    if (method === "snarkjs") {
      const curve = await snarkjs.curves.getCurveFromName("bn128");
      await log.step(`ptau 2^${power}: new`, (l) => snarkjs.powersOfTau.newAccumulator(curve, power, `${tmp}.0`, l));
      await log.step(`ptau 2^${power}: contribute`, (l) =>
        snarkjs.powersOfTau.contribute(`${tmp}.0`, `${tmp}.1`, "zkmerit development (insecure)", seed, l),
      );
      await log.step(`ptau 2^${power}: prepare phase2`, (l) => snarkjs.powersOfTau.preparePhase2(`${tmp}.1`, tmp, l));
    } else {
      const { writeFastDevPtau } = await import("./fastptau");
      await writeFastDevPtau(tmp, power, seed, log);
    }
    fs.renameSync(tmp, final);
  } finally {
    for (const f of [`${tmp}.0`, `${tmp}.1`, tmp]) fs.rmSync(f, { force: true });
  }
  const seconds = (Date.now() - t0) / 1000;
  const sha = await sha256File(final);
  const generator = method === "fast" ? (await import("./fastptau")).fastPtauVersion() : undefined;
  const meta: DevPtauMeta = { power, method, seed, sha256: sha, createdAt: new Date().toISOString(), seconds, generator };
  fs.writeFileSync(`${final}.json`, JSON.stringify(meta, null, 2) + "\n");
  log(`ptau 2^${power} ready in ${seconds.toFixed(1)} s: ${final}`);
  return { file: final, power, sha256: sha, source: `dev-${method}`, seed, insecure: true };
}

/**
 * The ptau for a circuit needing 2^power: a ceremony file if one is given (it must be prepared
 * and large enough), else the smallest cached development ptau that suffices, else a new one.
 */
export async function resolvePtau(
  power: number,
  opts: { ceremonyPtau?: string; method: PtauMethod; seed?: string; log: Progress },
): Promise<PtauInfo> {
  if (opts.ceremonyPtau) {
    const file = path.resolve(opts.ceremonyPtau);
    if (!fs.existsSync(file)) throw new ZkMeritError("PTAU", `ceremony ptau ${file} does not exist`, { file });
    const h = readPtauHeader(file);
    if (!isPrepared(h)) {
      throw new ZkMeritError("PTAU", `${file} is not prepared for phase 2; run \`snarkjs powersoftau prepare phase2\` on it first`, {
        file,
      });
    }
    if (h.power < power) {
      throw new ZkMeritError("PTAU", `ceremony ptau ${file} has power ${h.power} but the circuit needs ${power}`, {
        file,
        have: h.power,
        need: power,
      });
    }
    return { file, power: h.power, sha256: await sha256File(file), source: "ceremony", insecure: false };
  }
  // A fast ptau is reused only if the generator that wrote it is the current one.
  const version = (await import("./fastptau")).fastPtauVersion();
  const cached = listDevPtaus().find(
    (p) => p.power >= power && (!opts.seed || p.seed === opts.seed) && (p.method !== "fast" || p.generator === version),
  );
  if (cached) {
    return {
      file: cached.file,
      power: cached.power,
      sha256: cached.sha256,
      source: `dev-${cached.method}`,
      seed: cached.seed,
      insecure: true,
    };
  }
  return generateDevPtau(power, opts.seed ?? randomBytes(32).toString("hex"), opts.method, opts.log);
}
