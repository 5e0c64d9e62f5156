import { expect } from "chai";
import {
  DEFAULT_PARAMS,
  ReliabilityWorkload,
  SCORE_MAX,
  SIMULATION_CONTEXT,
  SIMULATION_SETTLER,
  naiveUpdate,
  runSimulation,
  updateBatch,
  type SimulationReport,
} from "../../../oracle/reliability";

const SEEDS = [1, 2, 3, 4];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const last = (r: SimulationReport) => r.epochs[r.epochs.length - 1];
const targetScore = (r: SimulationReport, id: bigint) => Number(last(r).scores.get(id)!.reliability) / Number(SCORE_MAX);

/** The demo's configuration (defaults: W=1, Q=16, E=7, U=3, λ=0.7, EMA 1/4) with 30% boosting liars, over a few corpus seeds. */
async function boosted(aggregate: "median" | "naive"): Promise<SimulationReport[]> {
  const out: SimulationReport[] = [];
  for (const seed of SEEDS)
    out.push(await runSimulation({ seed, corpus: { seed }, epochs: 5, liarFraction: 0.3, strategy: "boost", aggregate }));
  return out;
}

describe("oracle/reliability/simulation", function () {
  this.timeout(30_000);

  describe("# the environment is a fair test", () => {
    it("relevance-only retrieval is misled by the stuffed sources: far below the true-reliability retriever", () => {
      const w = new ReliabilityWorkload({ seed: 1, corpus: { seed: 1 } });
      const acc = w.accuracy(new Map());
      expect(acc.relevance).to.be.below(0.55);
      expect(acc.oracle - acc.relevance).to.be.above(0.3);
    });
  });

  describe("# with 30% of the evaluators boosting the worst source", () => {
    let median: SimulationReport[];
    let naive: SimulationReport[];
    before(async () => {
      median = await boosted("median");
      naive = await boosted("naive");
    });

    it("the median learns the ranking: mean Kendall tau ≥ 0.8 after 5 epochs", () => {
      expect(mean(median.map((r) => last(r).tau))).to.be.at.least(0.8);
    });

    it("reliability-aware retrieval beats relevance-only by ≥ 10 points and is within 3 of the true-reliability retriever", () => {
      const acc = median.map((r) => last(r).accuracy);
      expect(mean(acc.map((a) => a.aware - a.relevance))).to.be.at.least(0.1);
      expect(mean(acc.map((a) => a.oracle - a.aware))).to.be.at.most(0.03);
    });

    it("the liars are flagged by the disagreement rule, the honest evaluators are not", () => {
      for (const r of median) {
        const liars = r.panel.filter((p) => p.strategy !== "honest").map((p) => p.id);
        for (const e of r.epochs.slice(1)) expect(e.flagged).to.deep.equal(liars);
      }
    });

    it("the naive mean aggregate does worse: the boosted source climbs above 0.45 and accuracy falls", () => {
      const target = median[0].panel.find((p) => p.strategy === "boost")!.target!;
      for (const [i, r] of naive.entries()) {
        expect(targetScore(r, target), `seed ${SEEDS[i]}`).to.be.above(0.45);
        expect(targetScore(median[i], target), `seed ${SEEDS[i]}`).to.be.below(0.35);
      }
      const aware = (rs: SimulationReport[]) => mean(rs.map((r) => last(r).accuracy.aware));
      expect(aware(median) - aware(naive)).to.be.at.least(0.03);
      expect(mean(naive.map((r) => last(r).tau))).to.be.below(mean(median.map((r) => last(r).tau)));
    });
  });

  describe("# the batches", () => {
    it("are reference batches of the configured shape, and the run is deterministic", async () => {
      const shape = { words: 1, queries: 8, evaluators: 5, entries: 2 };
      const a = await runSimulation({ seed: 9, corpus: { seed: 9 }, shape, epochs: 2, keepBatches: true });
      const b = await runSimulation({ seed: 9, corpus: { seed: 9 }, shape, epochs: 2 });
      expect(a.epochs.map((e) => e.tau)).to.deep.equal(b.epochs.map((e) => e.tau));
      for (const e of a.epochs.slice(1)) {
        expect(e.batch!.input.shape).to.deep.equal(shape);
        expect(e.batch!.trace.count).to.equal(5);
        expect(e.batch!.trace.included).to.deep.equal([true, true, true, true, true]);
        expect(e.batch!.trace.counted.every((c) => c)).to.equal(true);
      }
    });

    it("the naive update equals the reference rule when every grader gives the same grade", async () => {
      const w = new ReliabilityWorkload({ seed: 2, corpus: { seed: 2 }, noise: 0 });
      const records = w.answer(w.drawQuestions(1), new Map());
      const grade = w.grade(1, records)[0].feedback;
      const same = w.panel.map((p) => ({ evaluator: p.id, feedback: grade }));
      const oldScores = w.slotScores(w.priorScores());
      const ref = await updateBatch({
        shape: w.shape,
        context: SIMULATION_CONTEXT,
        epoch: 1n,
        params: DEFAULT_PARAMS,
        words: w.words,
        oldScores,
        reveals: await w.reveals(same),
        settler: SIMULATION_SETTLER,
      });
      const naive = naiveUpdate(
        w.shape,
        DEFAULT_PARAMS,
        w.words,
        oldScores,
        same.map((s) => s.feedback),
      );
      expect(naive).to.deep.equal(ref.trace.newScores);
      expect(ref.trace.observed.filter((o) => o).length).to.be.at.least(4);
    });
  });
});
