import { expect } from "chai";
import { DEFAULT_SOURCES, SCORE_MAX, generateCorpus, makeSources, readValue, trueScores } from "../../../oracle/reliability";
import { isZkMeritError } from "../../../oracle/core";

describe("oracle/reliability/corpus", () => {
  describe("# generateCorpus", () => {
    it("is a pure function of its options: the same seed gives the same corpus, another seed another", () => {
      const a = generateCorpus({ seed: 7 });
      const b = generateCorpus({ seed: 7 });
      expect(b.passages).to.deep.equal(a.passages);
      expect(b.training).to.deep.equal(a.training);
      expect(b.heldOut).to.deep.equal(a.heldOut);
      const c = generateCorpus({ seed: 8 });
      expect(c.passages.map((p) => p.text)).to.not.deep.equal(a.passages.map((p) => p.text));
    });

    it("has at least 6 sources of known, distinct reliability, ids from firstSourceId", () => {
      const c = generateCorpus({ firstSourceId: 16n });
      expect(c.sources.length).to.be.at.least(6);
      expect(c.sources.map((s) => s.id)).to.deep.equal(DEFAULT_SOURCES.map((_, i) => 16n + BigInt(i)));
      expect(new Set(c.sources.map((s) => s.reliability)).size).to.equal(c.sources.length);
      const truth = trueScores(c);
      expect(truth.get(16n)).to.equal(BigInt(Math.round(DEFAULT_SOURCES[0].reliability * Number(SCORE_MAX))));
    });

    it("corrupts each source's facts at about its rate, and the corrupted ones share a decoy", () => {
      const c = generateCorpus({ seed: 3, entities: 200 });
      const truth = new Map(c.entities.map((e) => [e.name, e.facts]));
      for (const s of c.sources) {
        const claims = c.passages.filter((p) => p.source === s.id).flatMap((p) => p.claims);
        const right = claims.filter((x) => truth.get(x.entity)![x.attribute] === x.value).length / claims.length;
        expect(Math.abs(right - s.reliability), `${s.name}: ${right} vs ${s.reliability}`).to.be.below(0.06);
      }
      // Two bad sources mostly agree when both are wrong on a fact (copied misinformation).
      const wrongOf = (id: bigint) =>
        new Map(
          c.passages
            .filter((p) => p.source === id)
            .flatMap((p) => p.claims)
            .filter((x) => truth.get(x.entity)![x.attribute] !== x.value)
            .map((x) => [`${x.entity}/${x.attribute}`, x.value]),
        );
      const farm = wrongOf(6n);
      const spam = wrongOf(7n);
      const both = [...farm.keys()].filter((k) => spam.has(k));
      const same = both.filter((k) => farm.get(k) === spam.get(k)).length;
      expect(same / both.length).to.be.above(0.5);
    });

    it("splits the answerable questions into disjoint training and held-out sets, each answered by some passage", () => {
      const c = generateCorpus();
      const ids = new Set(c.training.map((q) => q.id));
      expect(c.heldOut.some((q) => ids.has(q.id))).to.equal(false);
      expect(c.heldOut.length).to.be.within(0.25 * (ids.size + c.heldOut.length), 0.35 * (ids.size + c.heldOut.length));
      for (const q of c.heldOut) expect(c.passages.some((p) => readValue(p, q) !== undefined)).to.equal(true);
    });

    it("writes the unreliable sources' passages keyword-stuffed: longer than the plain ones for one fact", () => {
      const c = generateCorpus();
      const mean = (id: bigint) => {
        const ps = c.passages.filter((p) => p.source === id);
        return ps.reduce((a, p) => a + p.text.length, 0) / ps.length;
      };
      expect(mean(7n)).to.be.above(2 * mean(1n));
    });

    it("makeSources(n) spreads n reliabilities from 0.97 to 0.1, the worst third stuffed", () => {
      const s = makeSources(12);
      expect(s.map((x) => x.reliability)[0]).to.equal(0.97);
      expect(s[11].reliability).to.equal(0.1);
      for (let i = 1; i < s.length; i++) expect(s[i].reliability).to.be.below(s[i - 1].reliability);
      expect(s.slice(8).every((x) => x.stuffing > 0)).to.equal(true);
      expect(s.slice(0, 4).every((x) => x.stuffing === 0 && x.focus === undefined)).to.equal(true);
      expect(generateCorpus({ sources: s }).sources).to.have.length(12);
    });

    it("refuses bad options with a named error", () => {
      for (const bad of [{ entities: 0 }, { decoyShare: 2 }, { sources: DEFAULT_SOURCES.slice(0, 1) }]) {
        try {
          generateCorpus(bad);
          expect.fail("expected a CONFIG error");
        } catch (e) {
          expect(isZkMeritError(e, "CONFIG"), String(e)).to.equal(true);
        }
      }
    });
  });
});
