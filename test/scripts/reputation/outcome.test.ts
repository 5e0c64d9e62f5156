import { expect } from "chai";
import { Command } from "commander";
import { benchReputationOutcome, outcomeRow, reputationOutcome, reputationOutcomeSection } from "../../../scripts/reputation/outcome";
import { DEFAULT_INITIAL_REPUTATION, REP_MAX, runOutcome } from "../../../oracle/reputation";
import { renderReputationOutcome, type ReputationOutcomeRow } from "../../../scripts/bench/report";

const row = (over: Partial<ReputationOutcomeRow> = {}): ReputationOutcomeRow => ({
  adversaries: "ring",
  adversaryFraction: 5 / 16,
  adversaryNodes: 5,
  nodes: 16,
  rounds: 8,
  seeds: 2,
  swarm: 0.9375,
  majority: 0.33125,
  best: 0.875,
  anyCorrect: 1,
  overMajority: 0.58125,
  overBest: 0.025,
  overMajorityRuns: 2,
  atLeastBestRuns: 1,
  swarmByQuarter: [0.75, 1, 1, 1],
  adversaryWins: 0.0625,
  adversariesFlagged: 0.297,
  honestFlagged: 0.091,
  adversaryAgreement: 0.5754,
  honestAgreement: 0.6381,
  honestReputation: [0.5, 0.55, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66],
  adversaryReputation: [0.5, 0.6, 0.61, 0.6, 0.58, 0.57, 0.56, 0.55, 0.54],
  ...over,
});

describe("scripts/reputation/outcome", function () {
  this.timeout(60_000);

  it("measures attack-free and each adversarial style at 30%, with the runs' parameters, as the bench stores it", async () => {
    const lines: string[] = [];
    const o = await benchReputationOutcome([1], (l) => lines.push(l), 8, 3);
    expect(o.rows.map((r) => r.adversaries)).to.deep.equal(["none", "self", "random", "ring", "copycat"]);
    expect(o.rows.map((r) => r.adversaryNodes)).to.deep.equal([0, 2, 2, 2, 2]);
    expect(o).to.deep.include({ nodes: 8, rounds: 3, seeds: [1], adversaryFraction: 0.3, initialReputation: 32768 });
    expect(o.params).to.deep.equal({ emaRate: 16384, minAgreement: 32768, prior: 1 });
    expect(lines.length).to.equal(5);
    // JSON-safe (results.json): a bigint would throw.
    expect(() => JSON.stringify(o)).to.not.throw();
    expect(renderReputationOutcome(o).filter((l) => l.startsWith("| ")).length).to.equal(6);
  });

  it("renders the outcome table: accuracies, margins, bars met, flags, agreements and reputations at five checkpoints", () => {
    const none = row({
      adversaries: "none",
      adversaryNodes: 0,
      adversaryFraction: 0,
      adversaryWins: 0,
      adversariesFlagged: undefined,
      adversaryAgreement: undefined,
      adversaryReputation: undefined,
      overBest: -0.05,
    });
    const out = renderReputationOutcome({
      nodes: 16,
      rounds: 8,
      seeds: [1, 2],
      adversaryFraction: 0.3,
      initialReputation: 32768,
      params: { emaRate: 16384, minAgreement: 32768, prior: 2 },
      seconds: 3,
      rows: [none, row()],
    }).join("\n");
    expect(out).to.contain("seeds 1, 2");
    expect(out).to.contain("after rounds 0, 2, 4, 6, 8");
    expect(out).to.contain(
      "| none | 93.8 | 33.1 | 87.5 | 100.0 | +58.1 | -5.0 | 2/2 | 1/2 | 75 100 100 100 | - | - | 9.1 | - / 0.638 | 0.50 0.60 0.62 0.64 0.66 | - |",
    );
    expect(out).to.contain(
      "| 5 ring | 93.8 | 33.1 | 87.5 | 100.0 | +58.1 | +2.5 | 2/2 | 1/2 | 75 100 100 100 | 6.3 | 29.7 | 9.1 | 0.575 / 0.638 | 0.50 0.60 0.62 0.64 0.66 | 0.50 0.61 0.58 0.56 0.54 |",
    );
  });

  it("is the reputation-outcome section: --reputation-outcome-only alone, --reputation-seeds parsed and checked", () => {
    expect(reputationOutcomeSection.id).to.equal("reputation-outcome");
    expect(reputationOutcomeSection.onlyFlag).to.equal("reputationOutcomeOnly");
    const cmd = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    reputationOutcomeSection.options!(cmd);
    cmd.parse(["node", "bench", "--reputation-outcome-only", "--reputation-seeds", "3, 4"]);
    expect(cmd.opts()).to.deep.include({ reputationOutcomeOnly: true, reputationSeeds: [3, 4] });
    const defaults = new Command();
    reputationOutcomeSection.options!(defaults);
    defaults.parse(["node", "bench"]);
    expect(defaults.opts().reputationSeeds).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const bad = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    reputationOutcomeSection.options!(bad);
    expect(() => bad.parse(["node", "bench", "--reputation-seeds", "1,x"])).to.throw(/--reputation-seeds must be comma-separated integers/);
  });
});

describe("scripts/reputation/outcome: reputationOutcome", function () {
  this.timeout(300_000);
  it("reduces each configuration's runs to a row of medians, bars and pooled flags, in the order asked", async () => {
    const lines: string[] = [];
    const rows = await reputationOutcome({ seeds: [1, 2], rounds: 6, styles: ["none", "random"], log: (l) => lines.push(l) });
    expect(rows.map((r) => r.adversaries)).to.deep.equal(["none", "random"]);
    expect(lines.length).to.equal(2);
    const [none, random] = rows;
    expect(none.adversaryNodes).to.equal(0);
    expect(none.adversariesFlagged).to.equal(undefined);
    expect(none.adversaryReputation).to.equal(undefined);
    expect(random.adversaryNodes).to.equal(5);
    expect(random.adversaryFraction).to.equal(5 / 16);
    expect(random.seeds).to.equal(2);
    expect(random.honestReputation.length).to.equal(7);
    expect(random.honestReputation[0]).to.equal(Number(DEFAULT_INITIAL_REPUTATION) / Number(REP_MAX));
    const direct = [await runOutcome({ seed: 1, rounds: 6, style: "random" }), await runOutcome({ seed: 2, rounds: 6, style: "random" })];
    expect(outcomeRow("random", direct)).to.deep.equal(random);
    expect(random.swarm).to.equal((direct[0].swarmAccuracy + direct[1].swarmAccuracy) / 2);
    expect(random.overMajorityRuns).to.equal(direct.filter((r) => r.swarmAccuracy >= r.majorityAccuracy + 0.1 - 1e-9).length);
  });
});
