import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { REPO_ROOT, circuitArtifacts, loadCircuitsFile, readManifest, verifierContractName } from "../../../oracle/core/artifacts/manifest";
import { circuitSources, domainPower, mainSource, sourceKey } from "../../../scripts/circuits/pipeline";
import { sha256File } from "../../../scripts/circuits/hash";
import { fastZkeyVersion } from "../../../scripts/circuits/fastzkey";
import { isPrepared, readPtauHeader } from "../../../scripts/circuits/ptau";

describe("scripts/circuits/pipeline", () => {
  it("keys a circuit by every source it includes, its template and parameters", () => {
    const spec = loadCircuitsFile().roundtrip_8;
    const key = sourceKey("roundtrip_8", spec);
    expect(sourceKey("roundtrip_8", spec)).to.equal(key);
    expect(sourceKey("roundtrip_8", { ...spec, params: [4, 32] })).to.not.equal(key);
    expect(sourceKey("roundtrip_8", { ...spec, public: ["context"] })).to.not.equal(key);
    const files = [...circuitSources(path.join(REPO_ROOT, "circuits", spec.file)).keys()].map((f) => path.relative(REPO_ROOT, f));
    expect(files).to.include("circuits/lib/fixedpoint.circom");
    expect(files).to.include("node_modules/circomlib/circuits/poseidon.circom");
  });

  it("writes a main component with the public inputs of circuits.json", () => {
    const src = mainSource({
      file: "examples/roundtrip.circom",
      template: "RoundTrip",
      params: [8, 32],
      public: ["context", "round"],
      size: "test",
    });
    expect(src).to.contain("component main {public [context, round]} = RoundTrip(8, 32);");
  });

  it("sizes the domain like groth16 setup", () => {
    expect(domainPower({ nConstraints: 708, nPubInputs: 4, nOutputs: 0 })).to.equal(10);
    expect(domainPower({ nConstraints: 1019, nPubInputs: 4, nOutputs: 0 })).to.equal(10);
    expect(domainPower({ nConstraints: 1020, nPubInputs: 4, nOutputs: 0 })).to.equal(11);
  });

  it("recorded every test circuit with matching artifact hashes and an installed verifier", async () => {
    const m = readManifest();
    for (const [name, spec] of Object.entries(loadCircuitsFile())) {
      if (spec.size !== "test") continue;
      const e = circuitArtifacts(name);
      expect(e.key).to.equal(sourceKey(name, spec));
      expect(e.verifierContract).to.equal(verifierContractName(name));
      for (const a of Object.values(e.artifacts)) expect(await sha256File(a.path)).to.equal(a.sha256);
      const installed = fs.readFileSync(path.join(REPO_ROOT, e.verifierFile), "utf8");
      expect(installed).to.equal(fs.readFileSync(e.artifacts.verifier.path, "utf8"));
      expect(installed)
        .to.match(/GENERATED/)
        .and.match(/INSECURE/);
      const h = readPtauHeader(e.ptau.file);
      expect(isPrepared(h)).to.equal(true);
      expect(h.power).to.be.at.least(domainPower({ nConstraints: e.constraints, nPubInputs: e.publicInputs, nOutputs: 0 }));
      expect(m.circuits[name].setup.seed ?? "").to.match(/^[0-9a-f]{64}$/);
    }
  });

  it("wrote the test circuits' development keys with the fast generator, under its current version", () => {
    const m = readManifest();
    for (const [name, spec] of Object.entries(loadCircuitsFile())) {
      if (spec.size !== "test") continue;
      const setup = m.circuits[name].setup;
      expect(setup.source, name).to.equal("dev");
      expect(setup.method, name).to.equal("fast");
      expect(setup.generator, name).to.equal(`fastzkey ${fastZkeyVersion()}`);
    }
  });

  it("check mode passes on the built artifacts and fails on an edited verifier", function () {
    this.timeout(120_000);
    const run = () =>
      spawnSync(process.execPath, ["-r", "ts-node/register", "scripts/circuits.ts", "--check"], { cwd: REPO_ROOT, encoding: "utf8" });
    const ok = run();
    expect(ok.status, ok.stderr).to.equal(0);
    const e = circuitArtifacts("roundtrip_8");
    const file = path.join(REPO_ROOT, e.verifierFile);
    const original = fs.readFileSync(file, "utf8");
    try {
      fs.writeFileSync(file, original.replace("uint256 constant", "uint256  constant"));
      const bad = run();
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.contain("roundtrip_8").and.contain("differs");
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it("rejects a bad circuits.json entry with a message naming the field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-cj-"));
    const f = path.join(dir, "circuits.json");
    fs.writeFileSync(f, JSON.stringify({ circuits: { Bad: { file: "x.circom", template: "T", params: [], public: [], size: "test" } } }));
    expect(() => loadCircuitsFile(f)).to.throw(/"Bad" must be lower_snake_case/);
    fs.writeFileSync(f, JSON.stringify({ circuits: { ok: { file: "x.circom", template: "T", params: [-1], public: [], size: "test" } } }));
    expect(() => loadCircuitsFile(f)).to.throw(/params/);
  });
});
