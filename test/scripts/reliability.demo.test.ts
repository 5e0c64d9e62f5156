import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem } from "../../scripts/commands/deploy";
import { reliabilityDemo } from "../../scripts/reliability/demo";
import { clientsFor } from "../helpers/fixtures";

// Module 2's demo step on the in-process network: real contract, real proofs, a few epochs.
describe("scripts/reliability demo step", function () {
  this.timeout(900_000);

  it("runs epochs through the registry with real proofs and prints how the scores separate the sources", async () => {
    const accounts = (await hre.ethers.getSigners()).map(clientsFor);
    const lines: string[] = [];
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-reldemo-"));
    await reliabilityDemo(
      {
        net: { accounts, increaseTime: (s) => time.increase(s).then(() => undefined) },
        outDir,
        heading: (t) => lines.push(`# ${t}`),
        say: (l = "") => lines.push(l),
        deploy: deploySystem,
      },
      // The test instance (npm test builds it); npm run demo proves the demo instance, reliability_1x16x7x3.
      { circuit: "reliability_1x8x5x2", epochs: 4 },
    );
    const text = lines.join("\n");
    console.log(text.replace(/^/gm, "      "));
    expect(text).to.match(/# source reliability registry: 8 sources, 5 evaluators \(2 boosting/);
    expect(text).to.match(/epoch 0 .*relevance-only .*reliability-aware/);
    expect(text).to.match(/updateScores \d+ gas/);
    expect(text).to.match(/audit of epoch \d+: pass/);
    expect(text).to.match(/gas {2}ReliabilityRegistry {2}updateScores/);
    // The liars (flagged every epoch) are slashed for strikes, from the registry's EvaluatorSlashed events; no honest evaluator is.
    expect(text).to.match(/evaluator \d \(liar\) slashed 5 tokens for strikes in epoch \d/);
    expect(text).to.not.match(/\(honest\) slashed/);
    expect(text).to.match(/bars after 4 epochs: tau >= 0\.8/);
  });
});
