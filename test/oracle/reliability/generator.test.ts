import { expect } from "chai";
import { generateAnswer, normalizeAnswer, recordAnswer, sharesOf, type Passage, type RankedHit } from "../../../oracle/reliability";

const Q = { id: 0, text: "What is the capital of Valdoria?", entity: "Valdoria", attribute: "capital" as const, answer: "Morten" };
const hit = (id: string, source: bigint, value: string | null, score: number): RankedHit<Passage> => ({
  passage: {
    id,
    source,
    text: "",
    claims:
      value === null ? [{ entity: "Brenmark", attribute: "capital", value: "Olo" }] : [{ entity: "Valdoria", attribute: "capital", value }],
  },
  bm25: score,
  relevance: score,
  reliability: 1,
  score,
});

describe("oracle/reliability/generator", () => {
  it("answers the score-weighted majority and credits the supporting sources by weight", () => {
    const ranked = [hit("a", 7n, "Karsel", 0.9), hit("b", 1n, "Morten", 0.6), hit("c", 2n, "Morten", 0.5), hit("d", 3n, null, 0.4)];
    const g = generateAnswer(Q, ranked, { maxSources: 3 });
    expect(g.answer).to.equal("Morten");
    expect(g.grounded).to.equal(true);
    expect(g.sources).to.deep.equal([
      { source: 1n, share: 54 },
      { source: 2n, share: 45 },
    ]);
    expect(recordAnswer(Q, g).correct).to.equal(true);
  });

  it("in 'first' mode answers the best-ranked passage, and 'primary' credits only its source", () => {
    const ranked = [hit("a", 7n, "Karsel", 0.9), hit("e", 6n, "Karsel", 0.1), hit("b", 1n, "Morten", 0.6), hit("c", 2n, "Morten", 0.5)];
    const g = generateAnswer(Q, ranked, { answerMode: "first", credit: "primary" });
    expect(g).to.deep.equal({ answer: "Karsel", grounded: true, sources: [{ source: 7n, share: 100 }] });
    expect(recordAnswer(Q, g).correct).to.equal(false);
  });

  it("abstains, ungrounded and crediting nobody, when no passage states the fact", () => {
    const g = generateAnswer(Q, [hit("d", 3n, null, 1)]);
    expect(g).to.deep.equal({ answer: null, sources: [], grounded: false });
    expect(recordAnswer(Q, g).correct).to.equal(false);
  });

  it("shares keep the U heaviest sources, sum to at most 100 and drop those under 1%", () => {
    const s = sharesOf(
      new Map([
        [1n, 1000],
        [2n, 1],
        [3n, 500],
      ]),
      2,
    );
    expect(s).to.deep.equal([
      { source: 1n, share: 66 },
      { source: 3n, share: 33 },
    ]);
    expect(
      sharesOf(
        new Map([
          [1n, 1000],
          [2n, 1],
        ]),
        2,
      ),
    ).to.deep.equal([{ source: 1n, share: 99 }]);
  });

  it("compares answers without case, punctuation or a leading 'the'", () => {
    expect(normalizeAnswer("The Olo.")).to.equal(normalizeAnswer("olo"));
    expect(normalizeAnswer("Morten")).to.not.equal(normalizeAnswer("Karsel"));
  });
});
