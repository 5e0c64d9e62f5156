import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { expect } from "chai";
import pino from "pino";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Contract } from "ethers";
import type { Address } from "viem";
import { LocalContentStore } from "../../../oracle/core/store";
import {
  feedbackCommitment,
  unpackWord,
  updateBatch,
  type BatchUpdate,
  type Feedback,
  type QueryGrade,
  type Reveal,
} from "../../../oracle/reliability";
import { encodeFeedback } from "../../../oracle/reliability/content";
import { ReliabilityJob, type PreparedBatch, type ReliabilityJobOptions } from "../../../oracle/reliability/job";
import { reliabilityModule } from "../../../oracle/reliability/module";
import { reliabilityAudit } from "../../../oracle/reliability/audit";
import { circuitArtifacts } from "../../../oracle/core/artifacts/manifest";
import {
  TEST_RULE,
  TEST_SHAPE,
  as,
  commitAll,
  deployTestRegistry,
  fund,
  registryParams,
  revealAll,
  type Fixture,
  type Submission,
} from "../../helpers/reliabilityFixtures";
import { clientsFor, foundationFixture } from "../../helpers/fixtures";

// The oracle job of module 2 on the in-process network with real reliability_1x8x5x2 proofs:
// five evaluators (one liar, one whose content is missing, one whose content does not match its
// commitment), the job proposes what the reference computes, once; it resumes a journalled proof
// after a restart and sends nothing inside the deadline margin.

const CIRCUIT = "reliability_1x8x5x2";

function truth(q: number): QueryGrade {
  return {
    graded: true,
    correct: q % 2 === 0,
    grounded: q % 3 !== 0,
    sources: [
      { source: BigInt(q % 8), share: 70 },
      { source: BigInt((q + 3) % 8), share: 30 },
    ],
  };
}
const HONEST: Feedback = { grades: Array.from({ length: TEST_SHAPE.queries }, (_, q) => truth(q)) };
const LIAR: Feedback = { grades: HONEST.grades.map((g) => ({ ...g, correct: !g.correct, grounded: !g.grounded })) };

async function mineTo(ts: bigint): Promise<void> {
  if (BigInt(await time.latest()) < ts) await time.increaseTo(ts);
}

async function jobFixture() {
  const f = await foundationFixture();
  const startTime = BigInt(await time.latest()) + 100n;
  const { registry, deployed } = await deployTestRegistry(f, {
    params: registryParams({ startTime }),
    verifierContract: "Reliability1x8x5x2Verifier",
  });
  const [operator, e1, e2, e3, e4, e5, settler, other] = f.others;
  const evaluators = [e1, e2, e3, e4, e5];
  await fund(f, [operator, ...evaluators]);
  for (let i = 0; i < 8; i++) await as(registry, operator).registerSource(`store://source-${i}`);
  for (const e of evaluators) await as(registry, e).registerEvaluator();
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const address = (await registry.getAddress()) as Address;
  const g = { ...f, registry, chainId, address, evaluators, settler, operator } as unknown as Fixture;
  const store = new LocalContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rel-store-")));
  const startBlock = BigInt(deployed.registry.blockNumber);
  return { g, registry: registry as Contract, address, store, evaluators, settler, other, startBlock };
}

type S = Awaited<ReturnType<typeof jobFixture>>;

/**
 * Commits and reveals `feedback[i]` for evaluator i; `published[i]` is what is put in the store
 * (undefined: nothing, the URI points at missing content).
 */
async function epochOf(s: S, feedback: Feedback[], published: Array<Feedback | undefined> = feedback) {
  const commitments = await Promise.all(feedback.map((fb) => feedbackCommitment(fb, TEST_SHAPE)));
  const subs: Submission[] = [];
  for (let i = 0; i < feedback.length; i++) {
    const p = published[i];
    const uri = p
      ? await s.store.put(encodeFeedback(p))
      : LocalContentStore.uriOf(new TextEncoder().encode(`missing ${i} ${Math.random()}`));
    subs.push({ signer: s.evaluators[i], commitment: commitments[i], uri });
  }
  const epoch = await commitAll(s.g, subs);
  await revealAll(s.g, subs);
  return { epoch, commitments };
}

/** The reference's batch for the current epoch with the feedback the settler can use (undefined: left out). */
async function expected(s: S, epoch: bigint, commitments: bigint[], usable: Array<Feedback | undefined>): Promise<BatchUpdate> {
  const reveals: Reveal[] = commitments.map((commitment, i) => ({
    evaluator: BigInt(i + 1),
    commitment,
    ...(usable[i] ? { feedback: usable[i] } : {}),
  }));
  return updateBatch({
    shape: TEST_SHAPE,
    context: (await s.registry.proofContext()) as bigint,
    epoch,
    params: TEST_RULE,
    words: [0n],
    oldScores: unpackWord((await s.registry.scoreWord(0n)) as bigint),
    reveals,
    settler: BigInt(s.settler.address),
  });
}

function jobOf(s: S, dir: string, extra: Partial<ReliabilityJobOptions> = {}): ReliabilityJob {
  return new ReliabilityJob({
    clients: clientsFor(s.settler),
    registry: s.address,
    circuit: CIRCUIT,
    store: s.store,
    journalDir: dir,
    log: pino({ level: "silent" }),
    fromBlock: s.startBlock,
    retry: { attempts: 2, baseMs: 10 },
    fetchTimeoutMs: 2000,
    ...extra,
  });
}

describe("ReliabilityJob (oracle, real proofs)", function () {
  this.timeout(600_000);

  it("is the oracle module of deployments holding a ReliabilityRegistry", () => {
    expect(reliabilityModule.id).to.equal("reliability");
    const d = { contracts: { ReliabilityRegistry: "0x" + "11".repeat(20) } } as never;
    expect(reliabilityModule.deployed(d)).to.equal(true);
    expect(reliabilityModule.deployed({ contracts: {} } as never)).to.equal(false);
  });

  it("proposes each epoch once with what the reference computes, resumes a journalled proof, and never sends past the margin", async () => {
    const s = await loadFixture(jobFixture);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rel-journal-"));
    const job = jobOf(s, dir);
    await job.preflight();

    // Epoch 0: evaluator 3 lies, evaluator 4 publishes content that is not what it committed to, evaluator 5 publishes nothing.
    const fb = [HONEST, HONEST, LIAR, HONEST, HONEST];
    const e0 = await epochOf(s, fb, [HONEST, HONEST, LIAR, LIAR, undefined]);
    // The reveal window is still open: nothing to do.
    const early = await job.tick();
    expect(early.settled).to.have.length(0);
    expect(early.errors).to.deep.equal([]);

    await mineTo((await s.registry.epochInfo()).revealEnd);
    const want = await expected(s, e0.epoch, e0.commitments, [HONEST, HONEST, LIAR, undefined, undefined]);
    const r0 = await job.tick();
    expect(r0.errors).to.deep.equal([]);
    expect(r0.settled).to.have.length(1);
    expect(r0.settled[0].epoch).to.equal(0);
    expect(r0.settled[0].gasUsed > 0n).to.equal(true);
    expect(r0.settled[0].unavailable).to.deep.equal([3, 4]);
    expect(r0.settled[0].included).to.equal(3);
    expect(r0.counts.settled).to.equal(1);
    console.log(`      updateScores by the job (real verifier): ${r0.settled[0].gasUsed} gas, proved in ${r0.settled[0].proveSeconds} s`);
    const info0 = await s.registry.epochInfo();
    expect(info0.settler).to.equal(s.settler.address);
    expect(BigInt(info0.includedMask)).to.equal(want.trace.includedMask);
    expect(BigInt(info0.flaggedMask)).to.equal(want.trace.flaggedMask);
    expect(want.trace.flaggedMask).to.equal(0b00100n);
    expect(await s.registry.scoreWord(0n)).to.equal(want.trace.newWords[0]);
    expect(job.journal.keys()).to.deep.equal([]);

    // The audit replays the epoch: the verifier, the proof and the reference's words all check out.
    const entry = circuitArtifacts(CIRCUIT);
    const d = {
      network: "hardhat",
      chainId: 31337,
      deployedAt: "",
      deployer: s.settler.address,
      startBlock: Number(s.startBlock),
      contracts: { ReliabilityRegistry: s.address },
      verifiers: {
        [CIRCUIT]: {
          address: (await s.registry.verifier()) as string,
          contract: entry.verifierContract,
          zkeySha256: entry.artifacts.zkey.sha256,
          vkeySha256: entry.artifacts.vkey.sha256,
          insecure: true,
        },
      },
    };
    const client = clientsFor(s.settler).publicClient;
    const audit = await reliabilityAudit.run({ client, chainId: 31337, deployments: d, store: s.store }, { epoch: 0 });
    expect(audit.checks.filter((c) => !c.ok)).to.deep.equal([]);
    expect(audit.ok).to.equal(true);
    expect(audit.checks.map((c) => c.name).some((n) => n.endsWith(".replay"))).to.equal(true);

    // Idempotent: the epoch is proposed, so a second tick (or a restarted oracle) sends nothing.
    const again = await jobOf(s, dir).tick();
    expect(again.settled).to.have.length(0);
    expect(again.errors).to.deep.equal([]);

    // Epoch 1: the oracle proves and journals, then "crashes" before sending; a restart resumes with the proof.
    await mineTo(info0.finalAt);
    await s.registry.sync();
    const e1 = await epochOf(s, fb);
    expect(e1.epoch).to.equal(1n);
    await mineTo((await s.registry.epochInfo()).revealEnd);
    const info1 = await s.registry.epochInfo();
    const crashed = jobOf(s, dir) as unknown as {
      prepare(epoch: number, acc: bigint, n: number, pass: unknown): Promise<PreparedBatch>;
      journalKey(epoch: number, acc: bigint): string;
      journal: { write(k: string, v: unknown): void };
    };
    const { logPass } = await import("../../../oracle/core");
    const prepared = await crashed.prepare(1, info1.acc as bigint, 5, await logPass(clientsFor(s.settler).publicClient));
    crashed.journal.write(crashed.journalKey(1, info1.acc as bigint), prepared);
    const resumed = jobOf(s, dir);
    expect(resumed.journal.keys()).to.have.length(1);
    const r1 = await resumed.tick();
    expect(r1.errors).to.deep.equal([]);
    expect(r1.settled).to.have.length(1);
    expect(r1.settled[0].reusedProof).to.equal(true);
    expect(r1.settled[0].included).to.equal(5);
    expect(r1.settled[0].gasUsed > 0n).to.equal(true);
    expect(resumed.journal.keys()).to.deep.equal([]);
    expect(await s.registry.scoreWord(0n)).to.equal(prepared.batch.newWords[0]);

    // Epoch 2: the oracle first looks within 10 s of the settlement deadline (margin 15): it sends nothing.
    await mineTo((await s.registry.epochInfo()).finalAt);
    await s.registry.sync();
    const e2 = await epochOf(s, fb);
    expect(e2.epoch).to.equal(2n);
    await mineTo((await s.registry.epochInfo()).settlementDeadline - 10n);
    const late = await jobOf(s, dir, { deadlineMarginSeconds: 15 }).tick();
    expect(late.settled).to.have.length(0);
    expect(late.tooLate).to.deep.equal([2]);
    expect((await s.registry.epochInfo()).settler).to.equal("0x0000000000000000000000000000000000000000");
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it("a proposer that leaves out an honest evaluator's feedback is replaced by the oracle that holds it, on the words the proposal overwrote", async () => {
    const s = await loadFixture(jobFixture);
    // Two liars of five; the censor's proposal leaves out evaluator 5 (honest), claiming its content unavailable.
    const fb = [HONEST, HONEST, LIAR, LIAR, HONEST];
    const e0 = await epochOf(s, fb);
    await mineTo((await s.registry.epochInfo()).revealEnd);
    const censoredUri = (await s.store.put(encodeFeedback(HONEST))) as string;
    const censorStore = {
      describe: "censor",
      put: (d: Uint8Array) => s.store.put(d),
      get: async (uri: string, max?: number) => {
        if (uri === censoredUri) throw new Error("not found");
        return s.store.get(uri, max);
      },
    };
    // Evaluators 1, 2 and 5 publish the same HONEST bytes: the censor withholds all three, keeping the liars.
    const want = await expected(s, e0.epoch, e0.commitments, fb);
    const censor = jobOf(s, fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rel-journal-")), {
      clients: clientsFor(s.other),
      store: censorStore,
    });
    const c0 = await censor.tick();
    expect(c0.errors).to.deep.equal([]);
    expect(c0.settled).to.have.length(1);
    expect(c0.settled[0].included).to.equal(2);
    expect((await s.registry.epochInfo()).settler).to.equal(s.other.address);
    const censoredWord = (await s.registry.scoreWord(0n)) as bigint;

    // The oracle holding every payload replaces it: all five included, the liars flagged.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rel-journal-"));
    const r = await jobOf(s, dir).tick();
    expect(r.errors).to.deep.equal([]);
    expect(r.observed).to.have.length(1);
    expect(r.challenged).to.have.length(1);
    expect(r.challenged[0].included).to.equal(5);
    expect(r.challenged[0].replacedIncluded).to.equal(2);
    expect(r.challenged[0].gasUsed > 0n).to.equal(true);
    expect(r.counts.challenged).to.equal(1);
    const info = await s.registry.epochInfo();
    expect(info.settler).to.equal(s.settler.address);
    expect(BigInt(info.includedMask)).to.equal(0b11111n);
    expect(BigInt(info.flaggedMask)).to.equal(want.trace.flaggedMask);
    expect(want.trace.flaggedMask).to.equal(0b01100n);
    const word = (await s.registry.scoreWord(0n)) as bigint;
    expect(word).to.equal(want.trace.newWords[0]);
    expect(word).to.not.equal(censoredWord);
    expect(fs.readdirSync(dir)).to.deep.equal([]);

    // Neither side moves again: the censor cannot include more, the oracle's own proposal is pending.
    const back = await censor.tick();
    expect(back.errors).to.deep.equal([]);
    expect(back.challenged).to.deep.equal([]);
    expect((await jobOf(s, dir).tick()).challenged).to.deep.equal([]);
  });
});
