import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";

const DIR = path.join(__dirname, "vectors");

describe("golden vectors", () => {
  it("are never rewritten by loading their generators (the test runner loads every file under test/)", async () => {
    // Every golden file and every generator in the folder, so a new module's generator is covered too.
    const files = fs
      .readdirSync(DIR)
      .filter((f) => f.endsWith(".json"))
      .map((f) => path.join(DIR, f));
    const generators = fs.readdirSync(DIR).filter((f) => /^generate\w*\.ts$/.test(f));
    expect(generators).to.include.members([
      "generate.ts",
      "generateContribution.ts",
      "generateTrust.ts",
      "generateReliability.ts",
      "generateReputation.ts",
    ]);
    const before = files.map((f) => [fs.statSync(f).mtimeMs, fs.readFileSync(f, "utf8")]);
    for (const g of generators) {
      const file = require.resolve(path.join(DIR, g));
      delete require.cache[file];
      await import(file);
    }
    // A generator that ran would write after its first await (Poseidon's setup); give it time.
    await new Promise((r) => setTimeout(r, 1500));
    expect(files.map((f) => [fs.statSync(f).mtimeMs, fs.readFileSync(f, "utf8")])).to.deep.equal(before);
  });
});
