import { expect } from "chai";
import { renderResults, type BenchResults, type RobustnessBench } from "../../../scripts/bench/report";

const rule = (name: string, freeRiderFailing: string[]): RobustnessBench => ({
  rule: name,
  seeds: [1, 2, 3],
  trainers: 8,
  rounds: 8,
  attackFreeAccuracy: 0.8177,
  attackFreeTargetRate: 0.07,
  seconds: 120,
  rows: [
    {
      attack: "targeted-4-to-9",
      family: "model",
      attackers: 1,
      deltaPoints: -0.42,
      attackersFlagged: 0,
      honestFlagged: 0,
      rewardRatio: 0,
      targetRate: 0.095,
    },
    {
      attack: "targeted-4-to-9",
      family: "model",
      attackers: 3,
      deltaPoints: -1.05,
      attackersFlagged: 0,
      honestFlagged: 0,
      rewardRatio: 0.02,
      targetRate: 0.132,
    },
    { attack: "sign-flip", family: "model", attackers: 1, deltaPoints: -0.23, attackersFlagged: 1, honestFlagged: 0, rewardRatio: 0 },
    {
      attack: "sign-flip",
      family: "model",
      attackers: 3,
      deltaPoints: -1.43,
      attackersFlagged: 0.5,
      honestFlagged: 0.008,
      rewardRatio: null,
    },
    {
      attack: "free-ride-previous-step",
      family: "free-rider",
      attackers: 1,
      deltaPoints: -0.27,
      attackersFlagged: 0,
      honestFlagged: 0,
      rewardRatio: 0.9,
    },
  ],
  fairness: { spearmanLoo: 0.47, spearmanShapley: 0.46, misallocation: 0.331, misallocationEqual: 0.016 },
  bars: {
    accuracyFailing: [],
    honestCutFailing: [],
    freeRiderFailing,
    spearmanLoo: false,
    spearmanShapley: false,
    misallocationBelowEqual: false,
  },
});

const base: BenchResults = {
  machine: { cpu: "test cpu", cores: 2, memoryGiB: 24, node: "v20", platform: "linux" },
  date: "2026-12-02T00:00:00.000Z",
  seconds: 1,
  gas: [],
  circuits: [],
  ptau: [],
  settleByTrainers: [],
  accuracy: [],
};

describe("scripts/bench/report (robustness section)", () => {
  it("renders the first rule's attack x attackers table, with a dash for a missing cell and an undefined ratio", () => {
    const md = renderResults({ ...base, robustness: [rule("root-trust", []), rule("chain", ["free-ride-previous-step/1"])] });
    expect(md).to.include("Robustness of the `root-trust` rule");
    expect(md).to.include("| attack | family | f = 1 | f = 3 |");
    expect(md).to.include("| sign-flip | model | -0.23 / 100.0 / 0.0 / 0.00 | -1.43 / 50.0 / 0.8 / - |");
    expect(md).to.include("| free-ride-previous-step | free-rider | -0.27 / 0.0 / 0.0 / 0.90 | - |");
    expect(md).to.include("free-riders at most 0.25x met");
    expect(md).to.include("with Shapley 0.46 (**not met**)");
    expect(md).to.include(
      "Targeted push (`targeted-4-to-9`): 9.5% / 13.2% of the test images of the class read as the target at f = 1 / 3, against 7.0% without attackers.",
    );
  });

  it("gives the other rules their bars only, naming the failing rows", () => {
    const md = renderResults({ ...base, robustness: [rule("root-trust", []), rule("chain", ["free-ride-previous-step/1"])] });
    expect(md).to.include("Robustness of the `chain` rule");
    expect(md).to.include("free-riders at most 0.25x **1 failing** (free-ride-previous-step/1)");
    expect(md.match(/\| attack \| family \|/g)?.length).to.equal(1);
  });

  it("says when the rows were measured apart from the rest of the run, and renders nothing without them", () => {
    expect(renderResults({ ...base, robustness: [rule("root-trust", [])], robustnessMeasuredAt: "2026-11-30T10:00:00Z" })).to.include(
      "(measured on 2026-11-30, apart from the rest of this table)",
    );
    expect(renderResults(base)).to.not.include("Robustness of");
  });
});
