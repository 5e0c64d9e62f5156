import fs from "node:fs";
import hre from "hardhat";
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import { packWord, unpackWord } from "../../../oracle/reliability";
import { foundationFixture } from "../../helpers/fixtures";
import {
  PROOF,
  as,
  at,
  commitHash,
  deployTestRegistry,
  fund,
  registryParams,
  saltFor,
  type Batch,
  type Fixture,
} from "../../helpers/reliabilityFixtures";

// Gas of every user-facing call and of batches of 8, 32 and 64 sources (1, 4 and 8 words) on the
// mock verifier (the verifier's cost is constant; the real one is measured by the end-to-end
// test). Logged as a table for the bench; the one assertion is the budget of the issue: at most
// 1,000 gas per updated source at the margin of a 64-source batch. Not timed.

const { ethers } = hre;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  return (await (await tx).wait())!.gasUsed;
}

/** A registry of `words` words per batch with 8 * words sources and 5 evaluators, at its settlement window with 3 reveals. */
async function settleReady(words: number) {
  const f = await foundationFixture();
  const shape = { words, queries: 8, evaluators: 5, entries: 2 };
  const { registry } = await deployTestRegistry(f, { params: registryParams({}, shape) });
  const [operator, e1, e2, e3, settler, challenger] = f.others;
  await fund(f, [operator, e1, e2, e3]);
  const g = {
    ...f,
    registry,
    chainId: (await ethers.provider.getNetwork()).chainId,
    address: await registry.getAddress(),
  } as unknown as Fixture;
  const calls: Record<string, bigint> = {};
  for (let i = 0; i < 8 * words; i++) {
    const gas = await gasOf(as(registry, operator).registerSource(`store://source-${i}`));
    if (i === 0) calls["registerSource (first of a word)"] = gas;
    if (i === 1) calls["registerSource (later in a word)"] = gas;
  }
  const evs: HardhatEthersSigner[] = [e1, e2, e3];
  for (const [i, e] of evs.entries()) {
    const gas = await gasOf(as(registry, e).registerEvaluator());
    if (i === 0) calls["registerEvaluator"] = gas;
  }
  const info = await registry.epochInfo();
  await at(info.startedAt);
  for (const [i, e] of evs.entries()) {
    const id = BigInt(i + 1);
    const gas = await gasOf(as(registry, e).commitFeedback(0n, commitHash(g.chainId, g.address, 0n, id, 1000n + id, saltFor(id, 0n))));
    if (i === 0) calls["commitFeedback"] = gas;
  }
  await at(info.commitEnd);
  for (const [i, e] of evs.entries()) {
    const id = BigInt(i + 1);
    const gas = await gasOf(as(registry, e).revealFeedback(0n, 1000n + id, saltFor(id, 0n), `store://feedback-${id}`));
    if (i === 0) calls["revealFeedback (first: header + step)"] = gas;
    if (i === 1) calls["revealFeedback (later)"] = gas;
  }
  await at(info.revealEnd);
  return { f, g, registry, operator, settler, challenger, evaluators: evs, calls };
}

/** A batch over all words, every lane changed (each lane's reliability moved by `delta`). */
async function fullBatch(registry: Fixture["registry"], words: number, delta: bigint, included: bigint, onlyLane?: number): Promise<Batch> {
  const idx = Array.from({ length: words }, (_, i) => BigInt(i));
  const oldWords: bigint[] = [];
  for (const i of idx) oldWords.push((await registry.scoreWord(i)) as bigint);
  const newWords = oldWords.map((w) =>
    packWord(unpackWord(w).map((s, l) => (onlyLane === undefined || l === onlyLane ? { ...s, reliability: s.reliability - delta } : s))),
  );
  return { epoch: 0n, wordIndices: idx, oldWords, newWords, includedMask: included, flaggedMask: 0n };
}

describe("ReliabilityRegistry gas (logged for the bench)", () => {
  it("costs at most 1,000 gas per updated source at the margin of a 64-source batch, and logs every call", async () => {
    const batch: Record<string, bigint> = {};
    let calls: Record<string, bigint> = {};
    for (const [words, sources] of [
      [1, 1],
      [1, 8],
      [4, 32],
      [8, 64],
    ]) {
      const r = await settleReady(words);
      if (sources === 1) {
        // One source changed in a one-word batch: the same word is hashed and stored.
        const one = await fullBatch(r.registry, 1, 1n, 0b001n, 0);
        batch["1"] = await gasOf(as(r.registry, r.settler).updateScores(one, PROOF));
        calls = { ...r.calls, "updateScores (1 word)": batch["1"] };
        continue;
      }
      const b = await fullBatch(r.registry, words, 1n, 0b001n);
      batch[String(8 * words)] = await gasOf(as(r.registry, r.settler).updateScores(b, PROOF));
      if (words === 8) {
        calls = { ...calls, ...r.calls, "updateScores (8 words)": batch["64"] };
        const ev = await r.g.registry.queryFilter(r.g.registry.filters.ScoresProposed(0n));
        const replaced = (ev[0] as unknown as { args: { batch: string } }).args.batch;
        const stronger = { ...b, newWords: (await fullBatch(r.registry, words, 2n, 0b011n)).newWords, includedMask: 0b011n };
        calls["challengeScores (8 words, restore + apply)"] = await gasOf(
          as(r.registry, r.challenger).challengeScores(stronger, replaced, PROOF),
        );
        await at((await r.registry.epochInfo()).finalAt);
        calls["sync (finalize, no flags)"] = await gasOf(r.registry.sync());
        calls["leaveSource"] = await gasOf(as(r.registry, r.operator).leaveSource(3));
        calls["setSourceURI"] = await gasOf(as(r.registry, r.operator).setSourceURI(4, "store://new"));
        calls["leaveEvaluator"] = await gasOf(as(r.registry, r.evaluators[0]).leaveEvaluator());
        calls["slashSource"] = await gasOf(
          (async () => {
            // Source 5 below the floor in epoch 1: one more epoch on this registry.
            const info = await r.registry.epochInfo();
            await at(info.startedAt);
            await as(r.registry, r.evaluators[1]).commitFeedback(
              info.epoch,
              commitHash(r.g.chainId, r.g.address, info.epoch, 2n, 7n, saltFor(2n, info.epoch)),
            );
            await at(info.commitEnd);
            await as(r.registry, r.evaluators[1]).revealFeedback(info.epoch, 7n, saltFor(2n, info.epoch), "store://f");
            await at(info.revealEnd);
            const w = (await r.registry.scoreWord(0n)) as bigint;
            const lanes = unpackWord(w);
            lanes[5] = { reliability: 5n, usefulness: 5n };
            await as(r.registry, r.settler).updateScores(
              {
                epoch: info.epoch,
                wordIndices: [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n],
                oldWords: await Promise.all([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((i) => r.registry.scoreWord(i))),
                newWords: [packWord(lanes), ...(await Promise.all([1n, 2n, 3n, 4n, 5n, 6n, 7n].map((i) => r.registry.scoreWord(i))))],
                includedMask: 1n,
                flaggedMask: 1n,
              },
              PROOF,
            );
            await at((await r.registry.epochInfo()).finalAt);
            calls["sync (finalize, one flag)"] = await gasOf(r.registry.sync());
            return as(r.registry, r.evaluators[2]).slashSource(5);
          })(),
        );
        // Relayed calls, on a fresh epoch.
        const info = await r.registry.epochInfo();
        const e = r.evaluators[2];
        const domain = { name: "zkmerit ReliabilityRegistry", version: "1", chainId: r.g.chainId, verifyingContract: r.g.address };
        const deadline = BigInt(await time.latest()) + 86400n * 10n;
        await at(info.startedAt);
        const h = commitHash(r.g.chainId, r.g.address, info.epoch, 3n, 9n, saltFor(3n, info.epoch));
        const nonce = (await r.registry.nonces(e.address)) as bigint;
        const sig = await e.signTypedData(
          domain,
          {
            CommitFeedback: [
              { name: "evaluatorId", type: "uint32" },
              { name: "epoch", type: "uint32" },
              { name: "commitHash", type: "bytes32" },
              { name: "nonce", type: "uint256" },
              { name: "deadline", type: "uint256" },
            ],
          },
          { evaluatorId: 3n, epoch: info.epoch, commitHash: h, nonce, deadline },
        );
        calls["commitFeedbackBySig"] = await gasOf(as(r.registry, r.settler).commitFeedbackBySig(3n, info.epoch, h, nonce, deadline, sig));
        await at(info.commitEnd);
        const m = {
          evaluatorId: 3n,
          epoch: info.epoch,
          commitment: 9n,
          salt: saltFor(3n, info.epoch),
          uri: "store://f-3",
          nonce: nonce + 1n,
          deadline,
        };
        const rsig = await e.signTypedData(
          domain,
          {
            RevealFeedback: [
              { name: "evaluatorId", type: "uint32" },
              { name: "epoch", type: "uint32" },
              { name: "commitment", type: "uint256" },
              { name: "salt", type: "bytes32" },
              { name: "uri", type: "string" },
              { name: "nonce", type: "uint256" },
              { name: "deadline", type: "uint256" },
            ],
          },
          m,
        );
        calls["revealFeedbackBySig (first: header + step)"] = await gasOf(
          as(r.registry, r.settler).revealFeedbackBySig(3n, info.epoch, 9n, m.salt, m.uri, m.nonce, deadline, rsig),
        );
      }
    }
    const marginal = (batch["64"] - batch["8"]) / 56n;
    const marginal32 = (batch["64"] - batch["32"]) / 32n;
    console.log("      gas per call (mock verifier):");
    for (const [k, v] of Object.entries(calls)) console.log(`        ${k.padEnd(44)} ${v}`);
    console.log("      updateScores by batch size (mock verifier; 1 = one lane of one word changed):");
    for (const [k, v] of Object.entries(batch)) console.log(`        ${k.padStart(2)} sources: ${v}`);
    console.log(`      marginal gas per updated source: ${marginal} (8 -> 64), ${marginal32} (32 -> 64)`);
    // `npm run bench` runs this test with ZKMERIT_GAS_JSON set and reads the figures back.
    const out = process.env.ZKMERIT_GAS_JSON;
    if (out) {
      const str = (o: Record<string, bigint>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.toString()]));
      fs.writeFileSync(
        out,
        JSON.stringify({ calls: str(calls), batch: str(batch), marginal: { from8: `${marginal}`, from32: `${marginal32}` } }),
      );
    }
    expect(marginal <= 1000n, `marginal ${marginal}`).to.equal(true);
  });
});
