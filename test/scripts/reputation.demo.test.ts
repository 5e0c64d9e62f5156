import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem } from "../../scripts/commands/deploy";
import { reputationDemo } from "../../scripts/reputation/demo";
import { clientsFor } from "../helpers/fixtures";

// Module 3's demo step on the in-process network: real contracts, real proofs, a few rounds.
describe("scripts/reputation demo step", function () {
  this.timeout(900_000);

  it("calibrates a swarm, runs rounds through the contracts with real proofs, and the chain's reputations equal the reference's", async () => {
    const accounts = (await hre.ethers.getSigners()).map(clientsFor);
    const lines: string[] = [];
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-repdemo-"));
    const r = await reputationDemo(
      {
        net: { accounts, increaseTime: (s) => time.increase(s).then(() => undefined) },
        outDir,
        heading: (t) => lines.push(`# ${t}`),
        say: (l = "") => lines.push(l),
        deploy: deploySystem,
      },
      // The test instance (npm test builds it); npm run demo proves the demo instance, reputation_16.
      { circuit: "reputation_8", rounds: 3 },
    );
    const text = lines.join("\n");
    console.log(text.replace(/^/gm, "      "));
    expect(text).to.match(/# swarm reputation: 8 slots, 12 candidate nodes \(4 in a colluding ring\) and 2 Sybils calibrate; 3 rounds/);
    expect(text).to.match(/calibration set 1 \(8 questions, pass mark 5\)/);
    expect(text).to.match(/admitted into slots 0\.\.7: candidates .*Sybils admitted: 0 of 2/);
    expect(text).to.match(/round 1: correct option [A-D] .*swarm picks slot \d/);
    expect(text).to.match(/settleRanking \d+ gas \(proof/);
    expect(text).to.match(/audit of round 3: pass/);
    expect(text).to.match(/gas {2}SwarmReputation {2}settleRanking/);
    expect(r.reputations).to.have.length(4);
    // Honest slots end above the ring's on average.
    const last = r.reputations[3];
    const mean = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n) / BigInt(xs.length);
    const ring = new Set(r.adversaries);
    expect(mean(last.filter((_, k) => !ring.has(k)))).to.be.greaterThan(mean(last.filter((_, k) => ring.has(k))));
  });
});
