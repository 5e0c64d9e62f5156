import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";

const DIR = path.join(__dirname, "vectors");

describe("golden vectors", () => {
  it("are never rewritten by loading their generators (the test runner loads every file under test/)", async () => {
    const files = ["fixedpoint.json", "contribution.json"].map((f) => path.join(DIR, f));
    const before = files.map((f) => [fs.statSync(f).mtimeMs, fs.readFileSync(f, "utf8")]);
    for (const g of ["generate.ts", "generateContribution.ts"]) {
      const file = require.resolve(path.join(DIR, g));
      delete require.cache[file];
      await import(file);
    }
    // A generator that ran would write after its first await (Poseidon's setup); give it time.
    await new Promise((r) => setTimeout(r, 1500));
    expect(files.map((f) => [fs.statSync(f).mtimeMs, fs.readFileSync(f, "utf8")])).to.deep.equal(before);
  });
});
