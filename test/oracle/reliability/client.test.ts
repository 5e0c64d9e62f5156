import { expect } from "chai";
import fc from "fast-check";
import { PRIOR_SCORE, RetrievalClient, rerank, type Hit, type IndexedPassage } from "../../../oracle/reliability";
import { isZkMeritError } from "../../../oracle/core";

const P = (id: string, source: bigint, text: string): IndexedPassage => ({ id, source, text });
/** Source 1 is reliable and plain; source 2 is unreliable and stuffed with the question's words. */
const PASSAGES = [
  P("a", 1n, "The capital of Valdoria is Morten. Valdoria is a northern country with many rivers and old towns."),
  P("b", 2n, "Capital of Valdoria: Karsel. Valdoria capital city Karsel. What is the capital of Valdoria? The capital, Karsel."),
  P("c", 3n, "The currency of Brenmark is the Olo."),
];
const SCORES = new Map([
  [1n, 62_000n],
  [2n, 6_000n],
]);

describe("oracle/reliability/client", () => {
  const client = new RetrievalClient(PASSAGES);

  describe("# search", () => {
    it("ranks by BM25: the keyword-stuffed passage first, the unrelated one last or absent", () => {
      const hits = client.search("What is the capital of Valdoria?");
      expect(hits.map((h) => h.passage.id).slice(0, 2)).to.deep.equal(["b", "a"]);
      expect(hits[0].bm25).to.be.above(hits[1].bm25);
      expect(hits.some((h) => h.passage.id === "c")).to.equal(false);
    });

    it("refuses duplicate passage ids", () => {
      expect(() => new RetrievalClient([PASSAGES[0], PASSAGES[0]])).to.throw(/duplicate passage id a/);
    });
  });

  describe("# retrieve and rerank", () => {
    it("λ = 0 is pure BM25 order, whatever the scores", () => {
      const q = "What is the capital of Valdoria?";
      expect(client.retrieve(q, SCORES, { lambda: 0 }).map((h) => h.passage.id)).to.deep.equal(client.search(q).map((h) => h.passage.id));
    });

    it("at λ > 0 a reliable source beats a more relevant unreliable one (geometric and linear)", () => {
      for (const mode of ["geometric", "linear"] as const) {
        const top = client.retrieve("What is the capital of Valdoria?", SCORES, { lambda: 0.5, mode });
        expect(top[0].passage.id, mode).to.equal("a");
        expect(top[0].relevance).to.be.below(1);
        expect(top[1].relevance).to.equal(1);
      }
    });

    it("with equal reliabilities the order is BM25's, and a source missing from the map is at the prior", () => {
      const q = "What is the capital of Valdoria?";
      const flat = client.retrieve(q, new Map([[1n, PRIOR_SCORE]]), { lambda: 0.7 });
      expect(flat.map((h) => h.passage.id)).to.deep.equal(["b", "a"]);
      expect(flat[0].reliability).to.equal(Number(PRIOR_SCORE) / 65535);
    });

    it("the geometric score is relevance^(1-λ) · reliability^λ; a barely relevant passage does not win on reliability as it does in the linear mix", () => {
      const hits: Hit[] = [
        { passage: P("x", 1n, ""), bm25: 10 },
        { passage: P("y", 2n, ""), bm25: 0.5 },
      ];
      const scores = new Map([
        [1n, 13_107n],
        [2n, 65_535n],
      ]);
      // y is 20 times less relevant but 5 times as reliable: the product keeps x first, the sum puts y first.
      const r = rerank(hits, scores, { lambda: 0.6 });
      expect(r.map((h) => h.passage.id)).to.deep.equal(["x", "y"]);
      expect(r[0].score).to.be.closeTo(1 ** 0.4 * 0.2 ** 0.6, 1e-9);
      expect(r[1].score).to.be.closeTo(0.05 ** 0.4 * 1 ** 0.6, 1e-9);
      expect(rerank(hits, scores, { lambda: 0.6, mode: "linear" })[0].passage.id).to.equal("y");
    });

    it("keeps BM25 order for random hits at λ = 0, and is monotone in a source's reliability at λ > 0 (property)", () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ bm25: fc.double({ min: 0.01, max: 50, noNaN: true }), source: fc.bigInt({ min: 0n, max: 7n }) }), {
            minLength: 1,
            maxLength: 12,
          }),
          fc.array(fc.bigInt({ min: 0n, max: 65535n }), { minLength: 8, maxLength: 8 }),
          fc.double({ min: 0.05, max: 1, noNaN: true }),
          (raw, scoreList, lambda) => {
            const hits = raw.map((h, i) => ({ passage: P(String(i), h.source, ""), bm25: h.bm25 })).sort((a, b) => b.bm25 - a.bm25);
            const scores = new Map(scoreList.map((s, i) => [BigInt(i), s]));
            expect(rerank(hits, scores, { lambda: 0 }).map((h) => h.passage.id)).to.deep.equal(hits.map((h) => h.passage.id));
            const before = rerank(hits, scores, { lambda });
            const s0 = hits[0].passage.source;
            const raised = new Map(scores).set(s0, 65535n);
            const after = rerank(hits, raised, { lambda });
            const rank = (xs: typeof before) => xs.findIndex((h) => h.passage.id === hits[0].passage.id);
            expect(rank(after)).to.be.at.most(rank(before));
          },
        ),
        { numRuns: 200 },
      );
    });

    it("refuses a λ outside [0, 1] and a score outside [0, 65535]", () => {
      expect(() => client.retrieve("capital", SCORES, { lambda: 1.5 })).to.throw(/lambda must be in \[0, 1\]/);
      try {
        client.retrieve("capital Valdoria", new Map([[2n, 70_000n]]));
        expect.fail("expected an error");
      } catch (e) {
        expect(isZkMeritError(e, "PAYLOAD_INVALID")).to.equal(true);
        expect((e as Error).message).to.match(/source 2 is 70000, outside \[0, 65535\]/);
      }
    });
  });
});
