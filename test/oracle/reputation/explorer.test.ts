import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { reputationExplorer } from "../../../oracle/reputation/explorer";
import { unpackRepWord } from "../../../oracle/reputation";
import { swarm } from "../../../scripts/reputation/actions";
import { ANSWERS, CORRECT, admittedSwarm, jobFor, playedRound } from "../../helpers/reputationSwarm";

// Module 3's explorer view after a proven, finalized round: the numbers it shows are the chain's.
describe("oracle/reputation/explorer", function () {
  this.timeout(300_000);
  const fixture = () => admittedSwarm("reputation_8", 8);

  it("shows each round's winner, gas and audit, every node's slot, reputation and rewards, and the trajectories, equal to the chain", async () => {
    const t = await loadFixture(fixture);
    const { round } = await playedRound(t);
    const job = jobFor(t);
    const settled = (await job.tick()).settled[0];
    await t.mineTo((await swarm(t.ctx(t.owner)).read.roundInfo([round])).finalAt);
    await job.tick();
    const explorer = reputationExplorer({ client: t.owner.publicClient, chainId: t.owner.chain.id, deployments: t.d, store: t.store });
    const head = await t.owner.publicClient.getBlockNumber();
    const v = await explorer.view(head);
    const s = swarm(t.ctx(t.owner));
    const reps = (await s.read.reputationWords()).flatMap(unpackRepWord).slice(0, 8);
    const data = v.data as {
      winners: Record<string, number>;
      finalized: number[];
      nodes: Array<{ id: number; slot: number; reputation: number; trajectory: number[]; rewards: string }>;
    };
    expect(data.finalized).to.deep.equal([round]);
    expect(data.winners[round]).to.equal(settled.winner);
    expect(ANSWERS[settled.winner]).to.equal(CORRECT);
    for (const n of data.nodes) {
      expect(n.slot).to.equal(n.id - 1);
      expect(n.reputation).to.equal(Number(reps[n.slot]));
      expect(n.trajectory).to.have.length(2);
      expect(BigInt(n.rewards)).to.equal(await s.read.pendingRewards([t.nodes[n.slot].account.address]));
    }
    const page = JSON.stringify(v.pages[`swarm-round/${round}`]);
    expect(page).to.contain(settled.gasUsed.toLocaleString("en-US")).and.to.contain('"final"').and.to.contain("pass");
    const rounds = JSON.stringify(v.overview.sections.find((x) => x.id === "rounds"));
    expect(rounds)
      .to.contain(`slot ${settled.winner} (node ${settled.winner + 1})`)
      .and.to.contain("✔ verified");
    expect(v.pages["node/1"]).to.not.equal(undefined);
    expect(v.addresses[t.nodes[0].account.address.toLowerCase()]).to.have.length.greaterThan(0);
    const chart = v.summary.charts![0];
    expect(chart.series).to.have.length(8);
    expect(chart.labels).to.deep.equal(["admitted", `r${round}`]);
  });
});
