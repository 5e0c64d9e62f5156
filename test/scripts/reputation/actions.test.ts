import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { isZkMeritError } from "../../../oracle/core/errors";
import { PREFER_FIRST } from "../../../oracle/reputation";
import {
  claimAdmission,
  claimRewards,
  commitAnswer,
  commitJudgment,
  openRound,
  registerNode,
  revealAnswer,
  roundOf,
  swarm,
} from "../../../scripts/reputation/actions";
import { admittedSwarm } from "../../helpers/reputationSwarm";

// Module 3's commands refuse bad input before sending anything, naming the value and what to do.

async function refuses(p: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<void> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(isZkMeritError(e), String(e)).to.equal(true);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected an error matching ${pattern}`);
}

const Q = { text: "Which one?", choices: ["a", "b", "c"] };

describe("scripts/reputation actions", function () {
  this.timeout(300_000);
  const fixture = () => admittedSwarm("reputation_8", 8);

  it("names the round, the choice, the window and the duplicate, and sends nothing", async () => {
    const t = await loadFixture(fixture);
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-cli-"));
    const node = t.ctx(t.nodes[0]);
    await refuses(roundOf(node), /unknown round 0: the swarm has no rounds yet/);
    await openRound(t.ctx(t.owner), Q, 0n);
    await refuses(roundOf(node, 2), /unknown round 2: the swarm has rounds 1\.\.1/);
    await refuses(commitAnswer(node, { choice: 3, text: "" }, secrets), /choice 3 is not one of round 1's 3 choices \(0\.\.2\)/);
    const before = await t.owner.publicClient.getTransactionCount({ address: t.nodes[0].account.address });
    await commitAnswer(node, { choice: 1, text: "" }, secrets);
    await refuses(commitAnswer(node, { choice: 1, text: "" }, secrets), /you already committed an answer for round 1/);
    await refuses(revealAnswer(node, secrets), /round 1's answer reveal window opens at \d+ \(now \d+\); wait until then/);
    await refuses(commitJudgment(node, { votes: [] }, secrets), /round 1's judgment commit window opens at/);
    // One transaction: the commit.
    expect(await t.owner.publicClient.getTransactionCount({ address: t.nodes[0].account.address })).to.equal(before + 1);
  });

  it("a judgment of the node's own answer, or of a pair outside the schedule, is refused before the commit", async () => {
    const t = await loadFixture(fixture);
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rep-cli-"));
    await openRound(t.ctx(t.owner), Q, 0n);
    const info = await swarm(t.ctx(t.owner)).read.roundInfo([1]);
    await t.mineTo(info.answerRevealEnd);
    const node = t.ctx(t.nodes[2]);
    await refuses(
      commitJudgment(node, { votes: [{ first: 1, second: 2, pref: PREFER_FIRST }] }, secrets),
      /self-judgment: judge 2 judged pair \(1, 2\)/,
    );
    await refuses(
      commitJudgment(node, { votes: [{ first: 0, second: 3, pref: PREFER_FIRST }] }, secrets),
      /pair \(0, 3\) is not in the round's schedule/,
    );
  });

  it("an unadmitted node, a full swarm, a reward the account cannot pay and an empty claim are told what to do", async () => {
    const t = await loadFixture(fixture);
    const outsider = t.ctx(t.spare[0]);
    await refuses(commitAnswer(outsider, { choice: 0, text: "" }, t.secrets, undefined), /unknown round 0|has no node in the swarm/);
    await registerNode(outsider, "test://outsider");
    await openRound(t.ctx(t.owner), Q, 0n);
    await refuses(
      commitAnswer(outsider, { choice: 0, text: "" }, t.secrets),
      /node 9 is not admitted \(status registered\); pass calibration first/,
    );
    await refuses(claimAdmission(outsider, 1), /node 9 scored 0 of 4 in set 1, below the pass mark 3|the swarm is full/);
    await refuses(
      openRound(t.ctx(t.spare[1]), Q, 10n ** 24n),
      /the reward is 1000000 tokens and .* holds 900; get tokens .* or lower --reward/,
    );
    await refuses(claimRewards(t.ctx(t.nodes[0])), /has no rewards to claim/);
  });
});
