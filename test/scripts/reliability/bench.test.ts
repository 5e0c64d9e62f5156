import { expect } from "chai";
import { outcomeRow } from "../../../scripts/reliability/bench";
import { renderReliabilityGas, renderReliabilityOutcome } from "../../../scripts/bench/report";
import type { SimulationReport } from "../../../oracle/reliability/simulation";

/** A report with the given per-epoch taus and last-epoch accuracies; evaluator 2 is a liar flagged in `liarFlags` epochs. */
function report(
  taus: number[],
  acc: { relevance: number; aware: number; oracle: number },
  liarFlags: number,
  honestFlags = 0,
): SimulationReport {
  const epochs = taus.map((tau, e) => ({
    epoch: e,
    scores: new Map(),
    tau,
    accuracy: acc,
    flagged: [...(e >= 1 && e <= liarFlags ? [2n] : []), ...(e >= 1 && e <= honestFlags ? [1n] : [])],
  }));
  return {
    options: {},
    aggregate: "median",
    panel: [
      { id: 1n, strategy: "honest" },
      { id: 2n, strategy: "boost", target: 7n },
    ],
    truth: new Map(),
    epochs,
  } as unknown as SimulationReport;
}

describe("scripts/reliability/bench", () => {
  it("counts the runs meeting each bar, at the end and ever, and the flag rates per side", () => {
    const good = report([0, 0.6, 0.85, 0.9], { relevance: 0.45, aware: 0.86, oracle: 0.88 }, 3);
    // Reaches 0.8 in epoch 2 and falls back below it; aware only 5 points over relevance, 5 under the oracle.
    const dip = report([0, 0.5, 0.81, 0.7], { relevance: 0.5, aware: 0.55, oracle: 0.6 }, 1, 1);
    const row = outcomeRow("boost", 0.3, "median", [good, dip]);
    expect(row.seeds).to.equal(2);
    expect(row.tauAtEnd).to.equal(1);
    expect(row.tauReached).to.equal(2);
    expect(row.overRelevance).to.equal(1);
    expect(row.nearOracle).to.equal(1);
    expect(row.minTau).to.equal(0.7);
    expect(row.meanTau.map((t) => +t.toFixed(3))).to.deep.equal([0, 0.55, 0.83, 0.8]);
    expect(row.aware).to.be.closeTo(0.705, 1e-12);
    // The liar: flagged in 3 + 1 of its 6 epochs; the honest evaluator in 1 of 6.
    expect(row.liarsFlagged).to.be.closeTo(4 / 6, 1e-12);
    expect(row.honestFlagged).to.be.closeTo(1 / 6, 1e-12);
    expect(outcomeRow("boost", 0.3, "naive", [good]).liarsFlagged).to.equal(undefined);
  });

  it("renders the batch-size and outcome tables with their units and bars", () => {
    const gas = renderReliabilityGas({
      batchMock: [
        { sources: 8, words: 1, gas: 106794 },
        { sources: 64, words: 8, gas: 155297 },
      ],
      marginal: { from8: 866, from32: 869 },
      batchReal: [{ circuit: "reliability_8x16x5x3", sources: 64, evaluators: 5, updateScoresGas: 329953, proveSeconds: 20.2 }],
    }).join("\n");
    expect(gas).to.contain("**866 gas per updated source**");
    expect(gas).to.contain("| 64 | 8 | 155,297 |");
    expect(gas).to.contain("| reliability_8x16x5x3 | 64 | 5 | 329,953 | 20.2 |");
    const row = outcomeRow("boost", 0.3, "median", [report([0, 0.9], { relevance: 0.4, aware: 0.9, oracle: 0.9 }, 1)]);
    const out = renderReliabilityOutcome({ epochs: 1, seeds: [1], shape: "1x16x7x3", seconds: 3, rows: [row] }).join("\n");
    expect(out).to.contain("| 30% boost | median | 40.0 | 90.0 | 90.0 | 0.00 0.90 | 0.90 | 1/1 / 1/1 | 1/1 | 1/1 | 100.0 | 0.0 |");
  });
});
