import { expect } from "chai";
import {
  DEFAULT_TRAINING,
  coalitionLogLoss,
  crossEntropy,
  deriveSeed,
  federationData,
  initialParams,
  localTrain,
  renderCeilingMarkdown,
  roundTrip,
  runFairnessCeiling,
  shapleyValues,
  spearman,
  trainerData,
} from "../../../../oracle/contribution/model";

describe("oracle/contribution/model/ceiling", function () {
  this.timeout(120_000);
  const config = { trainers: 4, rounds: 1, seeds: [1], sliceSizes: [100], stabilitySeeds: 1 } as const;
  let result: ReturnType<typeof runFairnessCeiling>;

  before(() => {
    result = runFairnessCeiling(config);
  });

  it("measures every held-out set with both losses and three signals, plus the rule and the ground truth's mix", () => {
    // validation, two slices, the whole test set: 4 sets x 2 losses x 3 signals, + the rule + the truth.
    expect(result.signals).to.have.length(4 * 2 * 3 + 2);
    expect(result.signals.map((s) => s.data)).to.include.members(["validation (500)", "test 0..99", "test 1000..1099", "test (all 2000)"]);
    for (const s of result.signals) {
      expect(s.perSeed).to.have.length(1);
      expect(Math.abs(s.meanLoo)).to.be.at.most(1);
      expect(Math.abs(s.meanShapley)).to.be.at.most(1);
    }
    expect(result.truth[0].looStability).to.have.length(1);
    expect(renderCeilingMarkdown(result)).to.contain("| test (all 2000) | alone | log-loss |");
  });

  it("agrees with the ground truth and the alone signal computed directly", () => {
    const { test } = federationData();
    const locals = trainerData(4, 1);
    const values = Array.from({ length: 16 }, (_, m) => -coalitionLogLoss(locals, test, m, 1, 1, DEFAULT_TRAINING));
    const loo = [0, 1, 2, 3].map((i) => values[15] - values[15 & ~(1 << i)]);
    const shapley = shapleyValues(values);
    expect(result.truth[0].spearmanLooShapley).to.be.closeTo(spearman(loo, shapley), 1e-12);
    // One round from the initial model: alone(j) = loss(w0) - loss(w0 + u_j) on the whole test set.
    const w0 = initialParams(test.dim);
    const alone = locals.map((data, i) => {
      const u = roundTrip(localTrain(w0, data, { ...DEFAULT_TRAINING, seed: deriveSeed(1, 0, i) }));
      return (
        crossEntropy(w0, test) -
        crossEntropy(
          Float64Array.from(u, (x, k) => w0[k] + x),
          test,
        )
      );
    });
    const row = result.signals.find((s) => s.data === "test (all 2000)" && s.signal === "alone" && s.loss === "log-loss")!;
    expect(row.perSeed[0].loo).to.be.closeTo(spearman(alone, loo), 1e-12);
    expect(row.perSeed[0].shapley).to.be.closeTo(spearman(alone, shapley), 1e-12);
  });

  it("refuses a federation too small to rank and a slice larger than half the test set", () => {
    expect(() => runFairnessCeiling({ ...config, trainers: 2 })).to.throw(/3 to 12 trainers/);
    expect(() => runFairnessCeiling({ ...config, sliceSizes: [1001] })).to.throw(/1 to 1000 images/);
  });
});
