import { expect } from "chai";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { devPtauSecrets, writeFastDevPtau, writeFastPtau } from "../../scripts/circuits/fastptau";
import { devZkeyContribution, readR1cs, writeFastZkey, zkeyDomainPower, type ZkeyContribution } from "../../scripts/circuits/fastzkey";
import { makeProgress } from "../../scripts/circuits/progress";
import { isZkMeritError } from "../../oracle/core/errors";

// Generation progress is printed only with ZKMERIT_TEST_VERBOSE=1.
const log = makeProgress("fastzkey", process.env.ZKMERIT_TEST_VERBOSE === "1" ? undefined : () => {});
const SLOW = process.env.ZKMERIT_SLOW_TESTS === "1";
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: (m: string) => console.error(`snarkjs: ${m}`) };
const SECRETS = { tau: 0x1234_5678_9abc_def1n, alpha: 0xa1fa_0001n, beta: 0xbe7a_0002n };
const BEACON_HEX = "9d1c3b1f0a4e2d6c8b7a69584736251403f2e1d0c9b8a7968574635241302f1e";
const BEACON: ZkeyContribution = { name: "zkmerit zkey check", beacon: { hash: Buffer.from(BEACON_HEX, "hex"), numIterationsExp: 10 } };

/** The sections of a zkey (or any iden3 binary file), by id. */
function sections(file: string): Map<number, Buffer> {
  const buf = fs.readFileSync(file);
  const out = new Map<number, Buffer>();
  let pos = 12;
  for (let i = 0; i < buf.readUInt32LE(8); i++) {
    const id = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    out.set(id, buf.subarray(pos + 12, pos + 12 + size));
    pos += 12 + size;
  }
  return out;
}

/** Expects two zkeys to be the same file; on a difference, names the first section that differs. */
function expectSameFile(ours: string, theirs: string): void {
  const a = sections(ours);
  const b = sections(theirs);
  expect([...a.keys()]).to.deep.equal([...b.keys()]);
  for (const [id, d] of a) expect(d.equals(b.get(id) as Buffer), `section ${id}`).to.equal(true);
  expect(fs.readFileSync(ours).equals(fs.readFileSync(theirs)), "whole file").to.equal(true);
}

describe("# writeFastZkey", function () {
  let dir: string;

  /**
   * A circuit of `k` chained constraints with one public input, one output, a private input that
   * no constraint uses (an all-zero wire) and wires on the B side only in some constraints.
   */
  function chain(k: number): { r1cs: string; wasm: string } {
    const work = path.join(dir, `chain${k}`);
    const r1cs = path.join(work, "chain.r1cs");
    if (fs.existsSync(r1cs)) return { r1cs, wasm: path.join(work, "chain_js", "chain.wasm") };
    fs.mkdirSync(work, { recursive: true });
    const src = path.join(work, "chain.circom");
    fs.writeFileSync(
      src,
      "pragma circom 2.0.0;\n" +
        "template Chain(K) {\n" +
        "  signal input x; signal input y; signal input unused; signal output out;\n" +
        "  signal s[K];\n" +
        "  s[0] <== x * y;\n" +
        "  for (var i = 1; i < K; i++) { s[i] <== s[i-1] * s[i-1] + i * x + 3; }\n" +
        "  out <== s[K-1] + 2 * y;\n" +
        "}\n" +
        `component main {public [x]} = Chain(${k});\n`,
    );
    // circom2 runs under WASI and only sees files below its working directory: run it from "/".
    const rel = (p: string) => path.relative("/", p);
    const res = spawnSync(process.execPath, [require.resolve("circom2/cli.js"), rel(src), "--r1cs", "--wasm", "--O2", "-o", rel(work)], {
      cwd: "/",
      encoding: "utf8",
    });
    expect(res.status, `circom2 failed: ${res.stderr}${res.stdout}`).to.equal(0);
    return { r1cs, wasm: path.join(work, "chain_js", "chain.wasm") };
  }

  const ptaus = new Map<number, string>();
  /** A ptau of 2^power with the test's secrets. */
  async function ptau(power: number): Promise<string> {
    let f = ptaus.get(power);
    if (!f) {
      f = path.join(dir, `secrets-p${power}.ptau`);
      await writeFastPtau(
        f,
        power,
        { chachaSeed: [8, 7, 6, 5, 4, 3, 2, 1], name: "zkey test", secrets: SECRETS },
        makeProgress("p", () => {}),
      );
      ptaus.set(power, f);
    }
    return f;
  }

  /** snarkjs's key for the same circuit and ptau: zkey new, then zkey beacon. */
  async function snarkjsBeacon(r1cs: string, ptauFile: string, tag: string): Promise<string> {
    const z0 = path.join(dir, `${tag}-0.zkey`);
    const z1 = path.join(dir, `${tag}-1.zkey`);
    await snarkjs.zKey.newZKey(r1cs, ptauFile, z0, quiet);
    await snarkjs.zKey.beacon(z0, z1, BEACON.name, BEACON_HEX, 10, quiet);
    return z1;
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkmerit-fastzkey-"));
  });

  after(async () => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } | null };
    await g.curve_bn128?.terminate();
  });

  const small: Array<[number, number]> = SLOW
    ? [
        [5, 3],
        [5, 6],
        [40, 6],
        [300, 9],
        [300, 12],
        [1000, 10],
      ]
    : [
        [5, 3],
        [40, 6],
        [40, 8],
      ];
  for (const [k, extra] of small) {
    it(`${k} constraints, ptau 2^${extra}: equals snarkjs zkey new -> zkey beacon byte for byte`, async () => {
      const { r1cs } = chain(k);
      const power = zkeyDomainPower(readR1cs(r1cs));
      expect(extra).to.be.at.least(power);
      const ours = path.join(dir, `fast-${k}-${extra}.zkey`);
      await writeFastZkey(r1cs, ours, { secrets: SECRETS, ptauPower: extra, contribution: BEACON }, log);
      expectSameFile(ours, await snarkjsBeacon(r1cs, await ptau(extra), `s-${k}-${extra}`));
    });
  }

  // zkey new hashes one H-query point past the n - 1 it announces once the domain reaches 2^15;
  // with a ptau of the domain's own power that point comes from the bytes after tauG1.
  for (const extra of SLOW ? [15, 16] : [15]) {
    it(`a 2^15 domain with a ptau of 2^${extra}: the circuit hash still equals snarkjs's (its H-hash overrun reproduced)`, async () => {
      const { r1cs } = chain(16_400);
      expect(zkeyDomainPower(readR1cs(r1cs))).to.equal(15);
      const ours = path.join(dir, `fast-16400-${extra}.zkey`);
      await writeFastZkey(r1cs, ours, { secrets: SECRETS, ptauPower: extra, contribution: BEACON }, log);
      expectSameFile(ours, await snarkjsBeacon(r1cs, await ptau(extra), `s-16400-${extra}`));
    });
  }

  it("a 2^16 domain: the batch inversion's scratch outgrows 1 MiB, and the key still proves and verifies", async () => {
    // The writer once left 1 MiB above its arrays for the WebAssembly module's own temporaries;
    // inverting 2^16 Lagrange denominators needs 2 MiB and failed with "memory access out of bounds".
    const { r1cs, wasm } = chain(40_000);
    expect(zkeyDomainPower(readR1cs(r1cs))).to.equal(16);
    const zkey = path.join(dir, "fast-40000.zkey");
    await writeFastZkey(r1cs, zkey, { secrets: SECRETS, ptauPower: 16, contribution: BEACON }, log);
    const vk = await snarkjs.zKey.exportVerificationKey(zkey, quiet);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ x: "2", y: "7", unused: "1" }, wasm, zkey);
    expect(await snarkjs.groth16.verify(vk, publicSignals, proof)).to.equal(true);
  });

  it("a plain contribution (type 0) equals snarkjs zkey contribute when its 64 random bytes are known", async () => {
    const { r1cs } = chain(40);
    const p = await ptau(6);
    const z0 = path.join(dir, "c0.zkey");
    const z1 = path.join(dir, "c1.zkey");
    await snarkjs.zKey.newZKey(r1cs, p, z0, quiet);
    // snarkjs draws 64 bytes from crypto.randomFillSync and hashes them with the entropy text.
    const nodeCrypto = crypto as unknown as { randomFillSync: (a: Uint8Array) => Uint8Array };
    const real = nodeCrypto.randomFillSync;
    nodeCrypto.randomFillSync = (a: Uint8Array) => a.fill(7);
    try {
      await snarkjs.zKey.contribute(z0, z1, "plain", "some entropy", quiet);
    } finally {
      nodeCrypto.randomFillSync = real;
    }
    const h = crypto.createHash("blake2b512").update(new Uint8Array(64).fill(7)).update("some entropy").digest();
    const chachaSeed = Array.from({ length: 8 }, (_, i) => h.readUInt32BE(4 * i));
    const ours = path.join(dir, "c-fast.zkey");
    await writeFastZkey(r1cs, ours, { secrets: SECRETS, ptauPower: 6, contribution: { name: "plain", chachaSeed } }, log);
    expectSameFile(ours, z1);
  });

  it("from a development ptau's seed: snarkjs zkey verify accepts the key, and its proofs verify (a tampered signal does not)", async () => {
    const seed = "5eed00112233445566778899aabbccdd";
    const { r1cs, wasm } = chain(300);
    for (const power of [9, 10]) {
      const devPtau = path.join(dir, `dev-p${power}.ptau`);
      await writeFastDevPtau(
        devPtau,
        power,
        seed,
        makeProgress("p", () => {}),
      );
      const zkey = path.join(dir, `dev-${power}.zkey`);
      await writeFastZkey(
        r1cs,
        zkey,
        { secrets: await devPtauSecrets(seed), ptauPower: power, contribution: devZkeyContribution("chain", seed) },
        log,
      );
      expect(await snarkjs.zKey.verifyFromR1cs(r1cs, devPtau, zkey, quiet), `zkey verify, ptau 2^${power}`).to.equal(true);
      const vk = await snarkjs.zKey.exportVerificationKey(zkey, quiet);
      const { proof, publicSignals } = await snarkjs.groth16.fullProve({ x: "3", y: "5", unused: "9" }, wasm, zkey);
      expect(await snarkjs.groth16.verify(vk, publicSignals, proof)).to.equal(true);
      const tampered = [...publicSignals];
      tampered[1] = (BigInt(tampered[1]) + 1n).toString();
      expect(await snarkjs.groth16.verify(vk, tampered, proof)).to.equal(false);
    }
  });

  it("is deterministic: the same inputs give the same bytes; another beacon changes δ's sections only", async () => {
    const { r1cs } = chain(40);
    const a = path.join(dir, "det-a.zkey");
    const b = path.join(dir, "det-b.zkey");
    const c = path.join(dir, "det-c.zkey");
    await writeFastZkey(r1cs, a, { secrets: SECRETS, ptauPower: 6, contribution: BEACON }, log);
    await writeFastZkey(r1cs, b, { secrets: SECRETS, ptauPower: 6, contribution: BEACON }, log);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).to.equal(true);
    await writeFastZkey(r1cs, c, { secrets: SECRETS, ptauPower: 6, contribution: devZkeyContribution("chain", "0123456789abcdef") }, log);
    const sa = sections(a);
    const sc = sections(c);
    for (const id of [1, 3, 4, 5, 6, 7])
      expect(sa.get(id)?.equals(sc.get(id) as Buffer), `section ${id} does not depend on δ`).to.equal(true);
    for (const id of [2, 8, 9, 10]) expect(sa.get(id)?.equals(sc.get(id) as Buffer), `section ${id} depends on δ`).to.equal(false);
    // The circuit hash (the first 64 bytes of section 10) is δ-free too.
    expect(
      sa
        .get(10)
        ?.subarray(0, 64)
        .equals(sc.get(10)?.subarray(0, 64) as Buffer),
    ).to.equal(true);
  });

  it("rejects bad input with the value and the reason", async () => {
    const { r1cs } = chain(40);
    const out = path.join(dir, "bad.zkey");
    const notR1cs = path.join(dir, "not.r1cs");
    fs.writeFileSync(notR1cs, "hello, this is not an r1cs file at all");
    const truncated = path.join(dir, "truncated.r1cs");
    fs.writeFileSync(truncated, fs.readFileSync(r1cs).subarray(0, 200));
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      [
        "missing file",
        () => writeFastZkey(path.join(dir, "nope.r1cs"), out, { secrets: SECRETS, ptauPower: 6, contribution: BEACON }, log),
        /cannot read r1cs/,
      ],
      ["not an r1cs", () => writeFastZkey(notR1cs, out, { secrets: SECRETS, ptauPower: 6, contribution: BEACON }, log), /bad magic/],
      [
        "truncated",
        () => writeFastZkey(truncated, out, { secrets: SECRETS, ptauPower: 6, contribution: BEACON }, log),
        /runs past the end/,
      ],
      [
        "ptau too small",
        () => writeFastZkey(r1cs, out, { secrets: SECRETS, ptauPower: 5, contribution: BEACON }, log),
        /ptau power 5 cannot serve/,
      ],
      [
        "zero secret",
        () => writeFastZkey(r1cs, out, { secrets: { ...SECRETS, tau: 0n }, ptauPower: 6, contribution: BEACON }, log),
        /secret tau/,
      ],
      [
        "beacon iterations",
        () =>
          writeFastZkey(
            r1cs,
            out,
            { secrets: SECRETS, ptauPower: 6, contribution: { name: "x", beacon: { hash: new Uint8Array(32), numIterationsExp: 9 } } },
            log,
          ),
        /numIterationsExp/,
      ],
      ["bad seed", async () => devZkeyContribution("c", "XYZ"), /at least 16 lowercase hex/],
    ];
    for (const [label, run, msg] of cases) {
      let err: unknown;
      await run().catch((e) => (err = e));
      expect(isZkMeritError(err), `${label}: ${String(err)}`).to.equal(true);
      expect((err as Error).message, label).to.match(msg);
    }
  });
});
