import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import {
  Blake2b512,
  beaconSeedWords,
  firstChallengeHash,
  readPtauSections,
  writeFastDevPtau,
  writeFastPtau,
  writePtauSections,
} from "../../scripts/circuits/fastptau";
import { makeProgress } from "../../scripts/circuits/progress";

// Generation progress is printed only with ZKMERIT_TEST_VERBOSE=1.
const log = makeProgress("fastptau", process.env.ZKMERIT_TEST_VERBOSE === "1" ? undefined : () => {});
const SLOW = process.env.ZKMERIT_SLOW_TESTS === "1";
const SEED = "5eed00112233445566778899aabbccdd";
const POWERS = SLOW ? [6, 8, 10, 11, 12] : [6, 8];
const VERIFY_POWERS = SLOW ? [6, 8, 10] : [6, 8];

const snarkjsLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: (m: string) => console.error(`snarkjs: ${m}`) };

describe("# writeFastDevPtau", function () {
  let dir: string;
  const generated = new Map<string, Promise<string>>();

  /** A fast development ptau, generated once per (power, seed) in this run. */
  function devPtau(power: number, seed = SEED): Promise<string> {
    const key = `${power}-${seed}`;
    let p = generated.get(key);
    if (!p) {
      const file = path.join(dir, `dev-p${power}-${seed.slice(0, 8)}-${generated.size}.ptau`);
      p = writeFastDevPtau(file, power, seed, log).then(() => file);
      generated.set(key, p);
    }
    return p;
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkmerit-fastptau-"));
  });

  after(async () => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    // snarkjs keeps its bn128 worker threads in globalThis.curve_bn128.
    const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } | null };
    await g.curve_bn128?.terminate();
  });

  /** Runs snarkjs preparePhase2 on the file's sections 1-7 and expects the file back, byte for byte. */
  async function expectSnarkjsPrepareMatches(file: string, tag: string): Promise<void> {
    const ours = readPtauSections(file);
    expect(ours.map((s) => s.id)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]);
    const unprepared = path.join(dir, `unprepared-${tag}.ptau`);
    const prepared = path.join(dir, `prepared-${tag}.ptau`);
    writePtauSections(
      unprepared,
      ours.filter((s) => s.id <= 7),
    );
    await snarkjs.powersOfTau.preparePhase2(unprepared, prepared, snarkjsLogger);
    const theirs = readPtauSections(prepared);
    expect(theirs.map((s) => s.id)).to.deep.equal(ours.map((s) => s.id));
    for (const s of ours) {
      const t = theirs.find((x) => x.id === s.id);
      expect(s.data.length, `section ${s.id} size`).to.equal(t?.data.length);
      expect(s.data.equals(t?.data as Buffer), `section ${s.id} bytes`).to.equal(true);
    }
    // And the whole files (container header, section order and sizes).
    expect(fs.readFileSync(file).equals(fs.readFileSync(prepared)), "whole file").to.equal(true);
  }

  for (const power of POWERS) {
    it(`2^${power}: sections 12-15 equal snarkjs preparePhase2 of the file's own unprepared sections, byte for byte`, async () => {
      await expectSnarkjsPrepareMatches(await devPtau(power), `p${power}`);
    });
  }

  it("τ inside the evaluation domains (τ = 1, τ = -1): the Lagrange sections still equal snarkjs's", async () => {
    const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    for (const [name, tau] of [
      ["one", 1n],
      ["minus-one", r - 1n],
    ] as const) {
      const file = path.join(dir, `tau-${name}.ptau`);
      await writeFastPtau(
        file,
        4,
        { chachaSeed: [1, 2, 3, 4, 5, 6, 7, 8], name: "tau in domain", secrets: { tau, alpha: 5n, beta: 7n } },
        log,
      );
      await expectSnarkjsPrepareMatches(file, `tau-${name}`);
    }
  });

  for (const power of VERIFY_POWERS) {
    it(`2^${power}: snarkjs powersOfTau.verify accepts it (contribution hashes, key proofs, powers, Lagrange sections)`, async () => {
      const file = await devPtau(power);
      expect(await snarkjs.powersOfTau.verify(file, snarkjsLogger)).to.equal(true);
    });
  }

  it("is deterministic: the same seed gives the same bytes, another seed different ones", async () => {
    const a = await devPtau(6);
    const again = path.join(dir, "again-p6.ptau");
    await writeFastDevPtau(again, 6, SEED, log);
    expect(fs.readFileSync(again).equals(fs.readFileSync(a))).to.equal(true);

    const other = await devPtau(6, "0123456789abcdef");
    const sa = readPtauSections(a);
    const so = readPtauSections(other);
    for (const id of [2, 3, 4, 5, 6, 7, 12, 13, 14, 15]) {
      const x = sa.find((s) => s.id === id)?.data as Buffer;
      const y = so.find((s) => s.id === id)?.data as Buffer;
      expect(x.length).to.equal(y.length);
      if (id === 2 || id === 3) {
        // Point 0 is the generator in both; the rest differ.
        const size = id === 2 ? 64 : 128;
        expect(x.subarray(0, size).equals(y.subarray(0, size))).to.equal(true);
        expect(x.subarray(size).equals(y.subarray(size)), `section ${id}`).to.equal(false);
      } else {
        expect(x.equals(y), `section ${id}`).to.equal(false);
      }
    }
  });

  it("rejects bad seeds and powers", async () => {
    const f = path.join(dir, "bad.ptau");
    for (const seed of ["", "abc", "0123456789ABCDEF", "0123456789abcdeg"]) {
      let err: unknown;
      await writeFastDevPtau(f, 4, seed, log).catch((e) => (err = e));
      expect(err, `seed "${seed}"`).to.be.instanceOf(Error);
    }
    for (const power of [0, 28, 3.5]) {
      let err: unknown;
      await writeFastDevPtau(f, power, SEED, log).catch((e) => (err = e));
      expect(err, `power ${power}`).to.be.instanceOf(Error);
    }
  });

  it("given a beacon's key, equals snarkjs new -> beacon -> prepare phase2 byte for byte", async () => {
    const power = 5;
    const beaconHex = "9d1c3b1f0a4e2d6c8b7a69584736251403f2e1d0c9b8a7968574635241302f1e";
    const beaconHash = Buffer.from(beaconHex, "hex");
    const name = "zkmerit beacon check";
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    const f0 = path.join(dir, "beacon0.ptau");
    const f1 = path.join(dir, "beacon1.ptau");
    const f2 = path.join(dir, "beacon2.ptau");
    const challenge = (await snarkjs.powersOfTau.newAccumulator(curve, power, f0, snarkjsLogger)) as Uint8Array;
    expect(Buffer.from(await firstChallengeHash(power)).equals(Buffer.from(challenge))).to.equal(true);
    await snarkjs.powersOfTau.beacon(f0, f1, name, beaconHex, 10, snarkjsLogger);
    await snarkjs.powersOfTau.preparePhase2(f1, f2, snarkjsLogger);

    const ours = path.join(dir, "beacon-fast.ptau");
    await writeFastPtau(
      ours,
      power,
      { chachaSeed: beaconSeedWords(beaconHash, 10), name, beacon: { hash: beaconHash, numIterationsExp: 10 } },
      log,
    );
    expect(fs.readFileSync(ours).equals(fs.readFileSync(f2))).to.equal(true);
  });

  it("BLAKE2b-512: digests equal node's for any split of the input", () => {
    const data = randomBytes(3000);
    for (const cuts of [[], [0], [1], [64], [128], [129], [128, 256], [100, 228, 1000], [2999], [3000], [127, 255, 2048]]) {
      const h = new Blake2b512();
      let prev = 0;
      for (const c of [...cuts, data.length]) {
        h.update(data.subarray(prev, c));
        prev = c;
      }
      expect(Buffer.from(h.digest()).toString("hex"), `cuts ${cuts}`).to.equal(createHash("blake2b512").update(data).digest("hex"));
    }
    for (const len of [0, 1, 127, 128, 129, 255, 256, 257]) {
      const d = data.subarray(0, len);
      expect(Buffer.from(new Blake2b512().update(d).digest()).toString("hex")).to.equal(createHash("blake2b512").update(d).digest("hex"));
    }
  });

  it("a Groth16 setup from the file proves and verifies; a tampered public signal is rejected", async function () {
    const ptau = await devPtau(6);
    const work = path.join(dir, "circuit");
    fs.mkdirSync(work, { recursive: true });
    const src = path.join(work, "mul.circom");
    fs.writeFileSync(
      src,
      "pragma circom 2.0.0;\n" +
        "template Mul() { signal input a; signal input b; signal output c; c <== a * b; }\n" +
        "component main = Mul();\n",
    );
    // circom2 runs under WASI and only sees files below its working directory: run it from "/".
    const cli = require.resolve("circom2/cli.js");
    const rel = (p: string) => path.relative("/", p);
    const out = spawnSync(process.execPath, [cli, rel(src), "--r1cs", "--wasm", "-o", rel(work)], { cwd: "/", encoding: "utf8" });
    expect(out.status, `circom2 failed: ${out.stderr}${out.stdout}`).to.equal(0);
    const r1cs = path.join(work, "mul.r1cs");
    const wasm = path.join(work, "mul_js", "mul.wasm");
    expect(fs.existsSync(r1cs) && fs.existsSync(wasm)).to.equal(true);

    const zkey = path.join(work, "mul.zkey");
    await snarkjs.zKey.newZKey(r1cs, ptau, zkey, snarkjsLogger);
    const vk = await snarkjs.zKey.exportVerificationKey(zkey, snarkjsLogger);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ a: "3", b: "11" }, wasm, zkey);
    expect(publicSignals).to.deep.equal(["33"]);
    expect(await snarkjs.groth16.verify(vk, publicSignals, proof)).to.equal(true);
    expect(await snarkjs.groth16.verify(vk, ["34"], proof)).to.equal(false);
  });
});
