import { expect } from "chai";
import { isZkMeritError } from "../../../oracle/core/errors";
import { TRAINER_ATTACKS, trainRootUpdate, trainRound } from "../../../oracle/contribution/trainer";
import { CONE_COSINE, dequantizeVector, initialParams } from "../../../oracle/contribution/model";
import { quantizeVector } from "../../../oracle/contribution/model";

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, k) => s + x * b[k], 0);
const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));

function rejects(f: () => unknown, re: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(isZkMeritError(err, "CONFIG"), String(err)).to.equal(true);
  expect((err as Error).message).to.match(re);
}

describe("oracle/contribution/trainer", function () {
  this.timeout(60_000);
  const model = quantizeVector(initialParams(12));
  const shard = { index: 1, of: 7, seed: 7 };

  it("trains the owner's root update on its trusted set: deterministic, and pointing along the trainers' updates", () => {
    const g0 = trainRootUpdate(model, 5);
    expect(g0).to.have.length(130);
    expect(trainRootUpdate(model, 5)).to.deep.equal(g0);
    const honest = dequantizeVector(trainRound(model, { shard, seed: 5 }));
    expect(cos(dequantizeVector(g0), honest)).to.be.greaterThan(0.5);
    rejects(() => trainRootUpdate(model, 0.5), /the root update's seed must be an integer, got 0.5/);
    rejects(() => trainRootUpdate(model.slice(0, 8), 1), /shipped 130-parameter model; this task's model has 8 parameters/);
  });

  it("a free-rider resubmits the previous public step, and needs it", () => {
    const previousStep = trainRound(model, { shard, seed: 1 });
    expect(trainRound(model, { shard, seed: 2, attack: "free-ride", previousStep })).to.deep.equal(previousStep);
    rejects(() => trainRound(model, { shard, seed: 2, attack: "free-ride" }), /a free-rider needs the previous round's public step/);
  });

  it("the cone attacker sits at CONE_COSINE to its estimate of the root direction, at the median norm", () => {
    const own = dequantizeVector(trainRound(model, { shard, seed: 3 }));
    const published = [2, 3, 4].map((i) => trainRound(model, { shard: { ...shard, index: i }, seed: 3 }));
    const attack = dequantizeVector(trainRound(model, { shard, seed: 3, attack: "cone", published }));
    const seen = [own, ...published.map((u) => dequantizeVector(u))];
    const mean = own.map((_, k) => seen.reduce((a, u) => a + u[k], 0) / seen.length);
    expect(cos(attack, mean)).to.be.closeTo(CONE_COSINE, 1e-3);
    // It is no honest update: it points away from its own.
    expect(cos(attack, own)).to.be.lessThan(0.9);
    // Without anything published it still attacks, around its own update.
    expect(cos(dequantizeVector(trainRound(model, { shard, seed: 3, attack: "cone" })), own)).to.be.closeTo(CONE_COSINE, 1e-3);
  });

  it("names the attacks it knows when given another", () => {
    expect(TRAINER_ATTACKS).to.include.members(["free-ride", "cone", "copy", "sign-flip"]);
    rejects(() => trainRound(model, { shard, seed: 1, attack: "nope" as never }), /--attack must be one of .*free-ride, cone, got "nope"/);
  });
});
