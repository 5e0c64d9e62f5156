import { expect } from "chai";
import { PREFER_FIRST, PREFER_SECOND, PREF_TIE } from "../../../oracle/reputation";
import { judgmentFromRanking, parseRanking } from "../../../scripts/reputation/cli";

describe("scripts/reputation cli", () => {
  it("--ranking: slots best first, ties with commas; a judge's own pairs and unanswered slots are left out", () => {
    const rank = parseRanking("0,1>3>2", 8);
    expect([...rank]).to.deep.equal([
      [0, 0],
      [1, 0],
      [3, 1],
      [2, 2],
    ]);
    const answered = [true, true, true, true, false, false, false, false];
    const j = judgmentFromRanking(rank, 0, answered);
    // Judge 0 sees the live pairs without slot 0: (1, 2) and (2, 3), both orders.
    expect(j.votes).to.deep.equal([
      { first: 1, second: 2, pref: PREFER_FIRST },
      { first: 2, second: 1, pref: PREFER_SECOND },
      { first: 2, second: 3, pref: PREFER_SECOND },
      { first: 3, second: 2, pref: PREFER_FIRST },
    ]);
    expect(judgmentFromRanking(parseRanking("0,1,2,3", 8), 3, answered).votes.every((v) => v.pref === PREF_TIE)).to.equal(true);
    expect(() => parseRanking("0>9", 8)).to.throw(/"9" is not a slot of this swarm \(0\.\.7\)/);
    expect(() => parseRanking("0>0", 8)).to.throw(/slot 0 appears twice/);
  });
});
