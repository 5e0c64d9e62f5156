import { expect } from "chai";
import {
  DEFAULT_TRAINING,
  ROBUSTNESS_ATTACKS,
  TARGETED_PUSH,
  TARGET_IMAGES,
  coalitionLogLoss,
  fairShares,
  federationData,
  misallocation,
  renderRobustnessMarkdown,
  runFederation,
  runRobustness,
  shapleyValues,
  spearman,
  targetData,
  targetRate,
  trainerData,
} from "../../../../oracle/contribution/model";

const attack = (id: string) => {
  const a = ROBUSTNESS_ATTACKS.find((x) => x.id === id);
  if (!a) throw new Error(`no attack ${id}`);
  return a;
};

describe("oracle/contribution/model/robustness", function () {
  this.timeout(60_000);

  before(() => {
    federationData();
  });

  describe("# spearman", () => {
    it("is 1 for a monotone relation, -1 for a reversed one, and uses average ranks for ties", () => {
      expect(spearman([1, 2, 3, 4], [10, 20, 30, 1000])).to.be.closeTo(1, 1e-12);
      expect(spearman([1, 2, 3], [3, 2, 1])).to.be.closeTo(-1, 1e-12);
      // ranks [1, 2.5, 2.5, 4] against [1, 2, 3, 4]: 4.5 / sqrt(4.5 * 5)
      expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).to.be.closeTo(4.5 / Math.sqrt(22.5), 1e-12);
      expect(Number.isNaN(spearman([1, 1, 1], [1, 2, 3]))).to.equal(true);
    });
  });

  describe("# shapleyValues", () => {
    const game = (n: number, v: (members: number[]) => number) =>
      Array.from({ length: 2 ** n }, (_, mask) => v(Array.from({ length: n }, (_, i) => i).filter((i) => (mask >> i) & 1)));

    it("gives each player its own value in an additive game", () => {
      const a = [0.5, -1, 2];
      const phi = shapleyValues(game(3, (s) => s.reduce((t, i) => t + a[i], 0)));
      phi.forEach((x, i) => expect(x).to.be.closeTo(a[i], 1e-12));
    });

    it("splits a symmetric game equally and a glove game as the textbook does", () => {
      // Majority of 3: v(S) = 1 when |S| >= 2.
      for (const x of shapleyValues(game(3, (s) => (s.length >= 2 ? 1 : 0)))) expect(x).to.be.closeTo(1 / 3, 1e-12);
      // Glove game: player 0 holds a left glove, players 1 and 2 right gloves; a pair is worth 1.
      const phi = shapleyValues(game(3, (s) => (s.includes(0) && (s.includes(1) || s.includes(2)) ? 1 : 0)));
      expect(phi[0]).to.be.closeTo(2 / 3, 1e-12);
      expect(phi[1]).to.be.closeTo(1 / 6, 1e-12);
      expect(phi[2]).to.be.closeTo(1 / 6, 1e-12);
    });

    it("is efficient: the values add up to v(all) - v(empty)", () => {
      const v = game(4, (s) => Math.sqrt(s.reduce((t, i) => t + (i + 1) ** 2, 0)));
      const phi = shapleyValues(v);
      expect(phi.reduce((a, b) => a + b, 0)).to.be.closeTo(v[15] - v[0], 1e-12);
    });
  });

  describe("# fairShares and misallocation", () => {
    it("normalizes the positive Shapley values and counts half the L1 gap", () => {
      expect(fairShares([3, 1, -2])).to.deep.equal([0.75, 0.25, 0]);
      expect(fairShares([-1, 0])).to.deep.equal([0.5, 0.5]);
      expect(misallocation([0.5, 0.5, 0], [0.75, 0.25, 0])).to.be.closeTo(0.25, 1e-12);
      expect(misallocation([0.2, 0.8], [0.2, 0.8])).to.equal(0);
    });
  });

  describe("# coalitionLogLoss", () => {
    it("keeps the initial model (loss ln 10) for the empty coalition, and training lowers it", () => {
      const locals = trainerData(4, 1);
      const { test } = federationData();
      const training = { ...DEFAULT_TRAINING, epochs: 1 };
      expect(coalitionLogLoss(locals, test, 0, 2, 1, training)).to.be.closeTo(Math.log(10), 1e-12);
      const one = coalitionLogLoss(locals, test, 0b0001, 1, 1, training);
      const all = coalitionLogLoss(locals, test, 0b1111, 1, 1, training);
      expect(one).to.be.lessThan(Math.log(10));
      expect(all).to.be.lessThan(one);
      expect(coalitionLogLoss(locals, test, 0b1111, 1, 1, training)).to.equal(all);
    });
  });

  describe("# runFederation", () => {
    it("is deterministic and pays exactly one reward per round in a clean run, cutting nobody", () => {
      const a = runFederation({ trainers: 8, rounds: 2, seed: 1 });
      const b = runFederation({ trainers: 8, rounds: 2, seed: 1 });
      expect(a).to.deep.equal(b);
      expect(a.trainers.reduce((s, t) => s + t.reward, 0)).to.be.closeTo(2, 1e-12);
      expect(a.trainers.every((t) => t.excludedRounds === 0 && t.slashedRounds === 0)).to.equal(true);
      expect(a.finalAccuracy).to.be.greaterThan(0.7);
    });

    it("attacks tuned to the rule are never cut by it, and a scaled update is always slashed", () => {
      for (const id of ["ipm-tuned", "rule-adaptive-std"]) {
        const r = runFederation({ trainers: 8, rounds: 2, seed: 1, attack: attack(id), attackers: 2 });
        for (const t of r.trainers.filter((x) => x.attacker)) expect(t.excludedRounds + t.slashedRounds, id).to.equal(0);
        expect(r.parameters).to.have.length(2);
      }
      const s = runFederation({ trainers: 8, rounds: 2, seed: 1, attack: attack("scaled"), attackers: 1 });
      expect(s.trainers[7]).to.include({ slashedRounds: 2, reward: 0 });
    });

    it("identical median-shift colluders are slashed as duplicates; near-copies of one trainer are not", () => {
      const m = runFederation({ trainers: 8, rounds: 1, seed: 1, attack: attack("median-shift"), attackers: 3 });
      expect(m.trainers.slice(5).every((t) => t.slashedRounds === 1)).to.equal(true);
      const s = runFederation({ trainers: 8, rounds: 1, seed: 1, attack: attack("sybil-near-copy"), attackers: 3 });
      expect(s.trainers.every((t) => t.slashedRounds === 0)).to.equal(true);
    });
  });

  describe("# the targeted push", () => {
    it("adds public images of the target class only, and measures how many test images of it read as the target", () => {
      const t = targetData();
      expect(t.count).to.equal(TARGET_IMAGES);
      expect([...new Set(t.labels)]).to.deep.equal([TARGETED_PUSH.from]);
      const { test } = federationData();
      // A model whose only nonzero parameter is the bias of the target class reads every image as it.
      const w = new Float64Array(130);
      w[TARGETED_PUSH.to * 13 + 12] = 1;
      expect(targetRate(w, test)).to.equal(1);
      expect(targetRate(new Float64Array(130), test)).to.equal(0);
    });

    it("under today's rule, 2 attackers make most test 4s read as 9 in 2 rounds, and the push is never cut", () => {
      const r = runFederation({ trainers: 8, rounds: 2, seed: 1, attack: attack("targeted-4-to-9"), attackers: 2 });
      const clean = runFederation({ trainers: 8, rounds: 2, seed: 1 });
      expect(r.targetRate).to.be.greaterThan(clean.targetRate + 0.2);
      for (const x of r.trainers.filter((y) => y.attacker)) expect(x.excludedRounds + x.slashedRounds).to.equal(0);
    });

    it("under root-trust the same push moves the 4s far less", () => {
      const r = runFederation({ trainers: 8, rounds: 2, seed: 1, attack: attack("targeted-4-to-9"), attackers: 2, ruleName: "root-trust" });
      const chain = runFederation({ trainers: 8, rounds: 2, seed: 1, attack: attack("targeted-4-to-9"), attackers: 2 });
      expect(r.targetRate).to.be.lessThan(chain.targetRate / 2);
    });
  });

  describe("# runRobustness", () => {
    it("returns plain JSON with one row per attack and attacker count, and renders both tables", () => {
      const r = runRobustness({
        trainers: 8,
        rounds: 1,
        seeds: [1],
        attackerCounts: [1, 3],
        attacks: ["sign-flip", "free-ride-previous-mean"],
        fairnessTrainers: 3,
      });
      expect(JSON.parse(JSON.stringify(r))).to.deep.equal(r);
      expect(r.rows.map((x) => `${x.attack}/${x.attackers}`)).to.deep.equal([
        "sign-flip/1",
        "sign-flip/3",
        "free-ride-previous-mean/1",
        "free-ride-previous-mean/3",
      ]);
      expect(r.fairness?.perSeed[0].coalitions).to.equal(8);
      expect(r.fairness?.perSeed[0].rewardShares.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-12);
      const md = renderRobustnessMarkdown(r);
      expect(md).to.include("| attack | f | accuracy % |");
      expect(md).to.include("| sign-flip | 3 |");
      expect(md).to.include("Spearman(reward, Shapley)");
      expect(() => runRobustness({ trainers: 8, rounds: 1, seeds: [1], attackerCounts: [1], attacks: ["nope"] })).to.throw(
        /unknown attack nope/,
      );
    });
  });
});
