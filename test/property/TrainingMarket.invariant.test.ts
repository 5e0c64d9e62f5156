import hre from "hardhat";
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Contract, ContractTransactionResponse } from "ethers";
import { SLOT_CAPACITY, marketFixture } from "../helpers/marketFixtures";
import { modelsOf, rewardPath, rewardTree, type RewardTree } from "../helpers/rewardTree";
import { buildResult, offenceId, phases, propose, saltFor, type Settlement, type TaskParams } from "../helpers/marketRounds";

// Random operation sequences against the TrainingMarket (test verifier) across two tasks, with or
// without root updates (the owner at slot 0): joins, commits, reveals, proposals and challenges
// with random valid (and some invalid) masks, time jumps, syncs, leaves, cancellations, claims,
// reclaims and fee withdrawals. Any operation may
// revert, but only with a custom error of the market, the vault or the token. After each step:
// - tokens are conserved: the market holds every task's budget + fees - claimed - reclaimed,
//   minus the fees withdrawn; each task's escrow splits exactly into distributed + refundable +
//   pending + feesPaid (a negative pending would make the view revert);
// - round numbers never go back; the vault's lock of each trainer (and owner) is the sum of its
//   task locks; the root is never paid, so a round whose only inlier would be the root is refundable;
// - every slash names a fresh offence id keccak256(taskId, round, slot) and is either Proven for a
//   slot in the final proposal's slashed mask or NoShow for a slot that committed and did not
//   reveal; the honest trainer (who always reveals and is never in a slashed mask) keeps its stake.
// At the end every task is driven to its end, every stake released, every reward claimed, every
// fee withdrawn and all refundable escrow reclaimed: the market must be left with nothing.
// Set FC_SEED (and FC_RUNS) to replay a failure; fast-check prints the seed and path when it fails.

const { ethers } = hre;

const TRAINERS = 4;
const HONEST = 0;
const MIN_STAKE = 100n;
const STAKE = 1000n;
const MODEL0 = 77n;

interface TaskSpec {
  numRounds: bigint;
  maxTrainers: bigint;
  budget: bigint;
  fee: bigint;
  slashAmount: bigint;
  noShowPenalty: bigint;
  commitWindow: bigint;
  challengeWindow: bigint;
  rootUpdates: boolean;
}

type Phase = "commitEnd" | "revealEnd" | "settlementDeadline" | "finalAt";
type Op =
  | { op: "join"; who: number; task: number }
  | { op: "commit"; who: number; task: number; commitment: bigint }
  /** With `aim` set, time first moves (if needed) to the opening of the phase the operation needs. */
  | { op: "reveal"; who: number; task: number; aim: boolean }
  /** The honest trainer's round: commit, then reveal at the opening of the reveal window. */
  | { op: "honest"; task: number; commitment: bigint }
  | {
      op: "propose";
      task: number;
      settler: number;
      inc: number;
      exc: number;
      sl: number;
      proofOk: boolean;
      raw: boolean;
      seed: number;
      aim: boolean;
    }
  /**
   * A round of work: the members in `committers` commit (the honest trainer always, if a member),
   * those in `revealers` reveal (the honest trainer always), then an aimed proposal with masks from
   * `inc`/`exc`/`sl`, and with `challenge` a stronger one including every reveal. Bit TRAINERS of
   * `committers`/`revealers` is the owner's root update, on a task with root updates.
   */
  | {
      op: "work";
      task: number;
      committers: number;
      revealers: number;
      inc: number;
      exc: number;
      sl: number;
      seed: number;
      challenge: boolean;
    }
  | { op: "warp"; seconds: number }
  | { op: "warpTo"; task: number; phase: Phase; offset: number }
  | { op: "sync"; task: number }
  | { op: "leave"; who: number; task: number }
  | { op: "cancel"; task: number; byOwner: boolean }
  | { op: "claim"; who: number; task: number }
  | { op: "reclaim"; task: number }
  | { op: "withdrawFees"; settler: number }
  | { op: "release"; who: number; task: number };

const who = fc.integer({ min: 0, max: TRAINERS - 1 });
const task = fc.integer({ min: 0, max: 1 });
const byte = fc.integer({ min: 0, max: 255 });
const aim = fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("join" as const), who, task }), weight: 3 },
  {
    arbitrary: fc.record({ op: fc.constant("commit" as const), who, task, commitment: fc.bigInt({ min: 1n, max: 1n << 64n }) }),
    weight: 8,
  },
  { arbitrary: fc.record({ op: fc.constant("reveal" as const), who, task, aim }), weight: 8 },
  { arbitrary: fc.record({ op: fc.constant("honest" as const), task, commitment: fc.bigInt({ min: 1n, max: 1n << 64n }) }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant("propose" as const),
      task,
      settler: fc.integer({ min: 0, max: 1 }),
      inc: byte,
      exc: byte,
      sl: byte,
      proofOk: fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 }),
      raw: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
      seed: fc.integer({ min: 0, max: 0xffff }),
      aim,
    }),
    weight: 8,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("work" as const),
      task,
      committers: fc.integer({ min: 0, max: 31 }),
      revealers: fc.integer({ min: 0, max: 31 }),
      inc: byte,
      exc: byte,
      sl: byte,
      seed: fc.integer({ min: 0, max: 0xffff }),
      challenge: fc.boolean(),
    }),
    weight: 14,
  },
  { arbitrary: fc.record({ op: fc.constant("warp" as const), seconds: fc.constantFrom(1, 30, 100, 1000) }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant("warpTo" as const),
      task,
      phase: fc.constantFrom<Phase>("commitEnd", "revealEnd", "settlementDeadline", "finalAt"),
      offset: fc.integer({ min: -1, max: 1 }),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ op: fc.constant("sync" as const), task }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("leave" as const), who, task }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("cancel" as const), task, byOwner: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("claim" as const), who, task }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("reclaim" as const), task }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("withdrawFees" as const), settler: fc.integer({ min: 0, max: 1 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("release" as const), who, task }), weight: 1 },
);

const taskSpec: fc.Arbitrary<TaskSpec> = fc.record({
  numRounds: fc.bigInt({ min: 1n, max: 6n }),
  maxTrainers: fc.bigInt({ min: 2n, max: 4n }),
  budget: fc.bigInt({ min: 1n, max: 1_000_000n }),
  fee: fc.constantFrom(0n, 7n, 1000n),
  // 60 twice exceeds the stake: the second slash is capped at what is left locked for the task.
  slashAmount: fc.constantFrom(0n, 60n, MIN_STAKE),
  noShowPenalty: fc.constantFrom(0n, 30n),
  commitWindow: fc.constantFrom(100n, 300n),
  challengeWindow: fc.constantFrom(50n, 150n),
  rootUpdates: fc.boolean(),
});

const scenario = fc.record({
  tasks: fc.array(taskSpec, { minLength: 2, maxLength: 2 }),
  joins: fc.array(fc.record({ op: fc.constant("join" as const), who, task }), { minLength: 3, maxLength: 8 }),
  ops: fc.array(op, { minLength: 15, maxLength: 45, size: "max" }),
});

async function invariantFixture() {
  const f = await marketFixture();
  const trainers = [f.alice, f.bob, f.carol, f.others[2]];
  const owners = [f.others[0], f.others[1]];
  const settlers = [f.others[3], f.others[4]];
  const market = f.market as Contract;
  const vault = f.vault as Contract;
  const token = f.token as Contract;
  for (const s of trainers) {
    await (token.connect(f.admin) as Contract).mint(s.address, STAKE);
    await (token.connect(s) as Contract).approve(await vault.getAddress(), ethers.MaxUint256);
    await (vault.connect(s) as Contract).stake(STAKE);
  }
  for (const s of owners) {
    await (token.connect(f.admin) as Contract).mint(s.address, 10_000_000n + STAKE);
    await (token.connect(s) as Contract).approve(await market.getAddress(), ethers.MaxUint256);
    // Stake for the root slot of a task with root updates.
    await (token.connect(s) as Contract).approve(await vault.getAddress(), ethers.MaxUint256);
    await (vault.connect(s) as Contract).stake(STAKE);
  }
  const emptyTree = await rewardTree(Array.from({ length: SLOT_CAPACITY }, () => 0n));
  return {
    market,
    vault,
    token,
    verifier: f.verifier as Contract,
    marketAddress: await market.getAddress(),
    trainers,
    owners,
    settlers,
    emptyTree,
  };
}

type Chain = Awaited<ReturnType<typeof invariantFixture>>;

/** What the test knows of a task, learnt from its own transactions and the market's events. */
interface TaskState {
  id: bigint;
  spec: TaskSpec;
  header: bigint;
  /** The reward tree of the last final state (and its cumulative leaves, model and models preimage). */
  final: { tree: RewardTree; cum: bigint[]; model: bigint; models: bigint };
  /** Proposals by round, keyed by settler and new state (a RoundFinalized names both). */
  proposals: Map<string, Settlement>;
  /** Commitments revealed or to reveal, by round and trainer address. */
  commitments: Map<string, bigint>;
  committed: Set<string>;
  revealed: Set<string>;
  /** The slashed mask of each round's final proposal. */
  finalSlashed: Map<bigint, bigint>;
  lastRound: bigint;
}

/** What happened over all runs, so the generator is seen to reach every part of the protocol. */
const seen = {
  proposed: 0,
  replaced: 0,
  finalized: 0,
  rootIncluded: 0,
  expired: 0,
  skipped: 0,
  proven: 0,
  noShow: 0,
  left: 0,
  claimed: 0,
  cancelled: 0,
};

const key = (...parts: unknown[]) => parts.map(String).join("/");

function reward(spec: TaskSpec, round: bigint): bigint {
  return spec.budget / spec.numRounds + (round === spec.numRounds - 1n ? spec.budget % spec.numRounds : 0n);
}

class Run {
  tasks: TaskState[] = [];
  offences = new Map<string, number>();
  withdrawn = 0n;
  slashedCount = 0;
  vaultSlashedCount = 0;

  constructor(readonly c: Chain) {}

  /** Sends a transaction; returns its receipt's market events, or null if it reverted with a known custom error. */
  async send(tx: () => Promise<ContractTransactionResponse>, label: string) {
    let receipt;
    try {
      receipt = await (await tx()).wait();
    } catch (e) {
      const data = (e as { data?: string }).data;
      const parsed =
        typeof data === "string"
          ? (this.c.market.interface.parseError(data) ?? this.c.vault.interface.parseError(data) ?? this.c.token.interface.parseError(data))
          : null;
      if (!parsed) throw new Error(`${label}: not a custom error: ${(e as Error).message}`);
      return null;
    }
    const vaultAddress = (await this.c.vault.getAddress()).toLowerCase();
    for (const l of receipt!.logs) {
      if (l.address.toLowerCase() === vaultAddress) {
        const ev = this.c.vault.interface.parseLog(l);
        if (ev?.name === "Slashed") this.vaultSlashedCount++;
        continue;
      }
      if (l.address !== this.c.marketAddress) continue;
      const ev = this.c.market.interface.parseLog(l);
      if (ev) this.onEvent(ev.name, ev.args.toArray(), label);
    }
    return receipt;
  }

  onEvent(name: string, a: unknown[], label: string) {
    if (name === "FeesWithdrawn") {
      this.withdrawn += a[1] as bigint;
      return;
    }
    const t = this.tasks.find((x) => x.id === (a[0] as bigint));
    if (!t) return;
    const counted: Record<string, keyof typeof seen> = {
      RoundFinalized: "finalized",
      RoundExpired: "expired",
      RoundsSkipped: "skipped",
      TrainerLeft: "left",
      RewardClaimed: "claimed",
      TaskCancelled: "cancelled",
    };
    if (counted[name]) seen[counted[name]]++;
    if (name === "RoundProposed") seen[a[6] ? "replaced" : "proposed"]++;
    if (name === "TrainerSlashed") seen[a[4] === 0n ? "proven" : "noShow"]++;
    switch (name) {
      case "UpdateCommitted":
        t.committed.add(key(a[1], a[3]));
        break;
      case "UpdateRevealed":
        t.revealed.add(key(a[1], a[3]));
        break;
      case "RoundFinalized": {
        const s = t.proposals.get(key(a[1], a[2], a[3]));
        expect(s, `${label}: finalized an unknown proposal`).not.to.equal(undefined);
        t.final = { tree: s!.tree, cum: s!.cum, model: s!.model, models: s!.models };
        t.finalSlashed.set(a[1] as bigint, s!.result.slashedMask);
        if (t.spec.rootUpdates && (s!.result.includedMask & 1n) === 1n) seen.rootIncluded++;
        break;
      }
      case "TrainerSlashed": {
        const [taskId, round, trainer, slot, offence, oid] = a as [bigint, bigint, string, bigint, bigint, string];
        expect(oid, `${label}: offence id`).to.equal(offenceId(taskId, round, slot));
        this.offences.set(oid, (this.offences.get(oid) ?? 0) + 1);
        expect(this.offences.get(oid), `${label}: offence ${oid} slashed twice`).to.equal(1);
        this.slashedCount++;
        expect(trainer, `${label}: the honest trainer was slashed`).not.to.equal(this.c.trainers[HONEST].address);
        if (offence === 0n) {
          expect((t.finalSlashed.get(round)! >> slot) & 1n, `${label}: Proven slash outside the slashed mask`).to.equal(1n);
        } else {
          expect(t.committed.has(key(round, slot)) && !t.revealed.has(key(round, slot)), `${label}: NoShow slash of a revealer`).to.equal(
            true,
          );
        }
        break;
      }
      default:
        break;
    }
  }

  slotOf = async (t: TaskState, w: number): Promise<number | undefined> => {
    const m = await this.c.market.member(t.id, this.c.trainers[w].address);
    return m.joined ? Number(m.slot) : undefined;
  };

  async commit(t: TaskState, s: HardhatEthersSigner, commitment: bigint, label: string) {
    const round = (await phases(this.c.market, t.id)).round;
    const hash = await this.c.market.commitHashOf(t.id, round, s.address, commitment, saltFor(s.address, round));
    t.commitments.set(key(round, s.address), commitment);
    return this.send(() => (this.c.market.connect(s) as Contract).commitUpdate(t.id, round, hash), label);
  }

  async reveal(t: TaskState, s: HardhatEthersSigner, label: string, aim = false) {
    const p = await phases(this.c.market, t.id);
    const round = p.round;
    if (aim) await this.atLeast(p.commitEnd);
    const commitment = t.commitments.get(key(round, s.address)) ?? 1n;
    return this.send(
      () => (this.c.market.connect(s) as Contract).revealUpdate(t.id, round, commitment, saltFor(s.address, round), "store://u"),
      label,
    );
  }

  /** Makes the next block land at `ts` if that is later than now. */
  async atLeast(ts: bigint) {
    if (BigInt(await time.latest()) < ts) await time.setNextBlockTimestamp(ts);
  }

  async apply(o: Op, label: string): Promise<void> {
    const m = this.c.market;
    const signer = (s: HardhatEthersSigner) => m.connect(s) as Contract;
    switch (o.op) {
      case "join":
        await this.send(() => signer(this.c.trainers[o.who]).join(this.tasks[o.task].id), label);
        return;
      case "commit":
        await this.commit(this.tasks[o.task], this.c.trainers[o.who === HONEST ? 1 : o.who], o.commitment, label);
        return;
      case "reveal":
        await this.reveal(this.tasks[o.task], this.c.trainers[o.who], label, o.aim);
        return;
      case "honest": {
        const t = this.tasks[o.task];
        const honest = this.c.trainers[HONEST];
        if (await this.commit(t, honest, o.commitment, label)) {
          expect(await this.reveal(t, honest, `${label} reveal`, true), `${label}: the honest reveal`).not.to.equal(null);
        }
        return;
      }
      case "propose": {
        const t = this.tasks[o.task];
        const p = await phases(m, t.id);
        const revealed = p.revealedMask;
        const honestSlot = await this.slotOf(t, HONEST);
        const protect = honestSlot === undefined ? 0n : 1n << BigInt(honestSlot);
        // The circuit never excludes, slashes or pays the root (slot 0 of a task with root updates).
        const root = t.spec.rootUpdates ? 1n : 0n;
        const inc = o.raw ? BigInt(o.inc) : (BigInt(o.inc) & revealed) === 0n ? revealed : BigInt(o.inc) & revealed;
        const exc = o.raw ? BigInt(o.exc) : BigInt(o.exc) & inc & ~root;
        const sl = (o.raw ? BigInt(o.sl) : BigInt(o.sl) & inc & ~exc & ~root) & ~protect;
        const cum = [...t.final.cum];
        const inliers = Array.from({ length: SLOT_CAPACITY }, (_, i) => i).filter((i) => ((inc & ~exc & ~sl & ~root) >> BigInt(i)) & 1n);
        if (inliers.length > 0 && p.round < t.spec.numRounds) {
          const r = reward(t.spec, p.round);
          const share = r / BigInt(inliers.length);
          inliers.forEach((i) => (cum[i] += share));
          cum[inliers[0]] += r - share * BigInt(inliers.length);
        }
        // t.final is current whenever a proposal can succeed: the reveals it includes synced the task.
        const s = await buildResult(t.header, {
          cum,
          model: 1000n + BigInt(o.seed),
          prevModel: t.final.model,
          included: inc,
          excluded: exc,
          slashed: sl,
        });
        const settler = this.c.settlers[o.settler];
        t.proposals.set(key(p.round, settler.address, s.result.newState), s);
        await this.c.verifier.setResult(o.proofOk);
        if (o.aim && p.proposedAt === 0n) await this.atLeast(p.revealEnd);
        await this.send(() => propose(m, t.id, settler, s.result, p.round), label);
        return;
      }
      case "work": {
        const t = this.tasks[o.task];
        // A round whose commit window is (about to be) over runs out first, so the work lands in a fresh round.
        const p = await phases(m, t.id);
        if (BigInt(await time.latest()) + 8n >= p.commitEnd) {
          const end =
            p.proposedAt !== 0n
              ? p.finalAt
              : p.revealedMask !== 0n
                ? p.settlementDeadline
                : p.committedMask !== 0n
                  ? p.revealEnd
                  : p.commitEnd;
          await this.atLeast(end);
          await this.send(() => m.sync(t.id), `${label} sync`);
        }
        const members = (await Promise.all(this.c.trainers.map((_, w) => this.slotOf(t, w)))).map((slot, w) => ({ slot, w }));
        const isIn = (mask: number, w: number) => w === HONEST || ((mask >> w) & 1) === 1;
        const owner = this.c.owners[o.task];
        const rootIn = (mask: number) => t.spec.rootUpdates && ((mask >> TRAINERS) & 1) === 1;
        if (rootIn(o.committers)) await this.commit(t, owner, BigInt(o.seed) * 16n + 15n, `${label} commit root`);
        for (const { slot, w } of members) {
          if (slot !== undefined && isIn(o.committers, w))
            await this.commit(t, this.c.trainers[w], BigInt(o.seed) * 16n + BigInt(w) + 1n, `${label} commit ${w}`);
        }
        if (rootIn(o.committers) && rootIn(o.revealers)) await this.reveal(t, owner, `${label} reveal root`, true);
        for (const { slot, w } of members) {
          if (slot !== undefined && isIn(o.committers, w) && isIn(o.revealers, w))
            await this.reveal(t, this.c.trainers[w], `${label} reveal ${w}`, true);
        }
        const base = { op: "propose" as const, task: o.task, proofOk: true, raw: false, aim: true };
        await this.apply({ ...base, settler: 0, inc: o.inc, exc: o.exc, sl: o.sl, seed: o.seed }, `${label} propose`);
        if (o.challenge) await this.apply({ ...base, settler: 1, inc: 255, exc: o.exc, sl: o.sl, seed: o.seed + 1 }, `${label} challenge`);
        return;
      }
      case "warp":
        await time.increase(o.seconds);
        return;
      case "warpTo": {
        const p = await phases(m, this.tasks[o.task].id);
        const target = (o.phase === "finalAt" && p.finalAt === 0n ? p.settlementDeadline : p[o.phase]) + BigInt(o.offset);
        if (BigInt(await time.latest()) < target) await time.setNextBlockTimestamp(target);
        return;
      }
      case "sync":
        await this.send(() => m.sync(this.tasks[o.task].id), label);
        return;
      case "leave":
        await this.send(() => signer(this.c.trainers[o.who]).leave(this.tasks[o.task].id), label);
        return;
      case "cancel": {
        const t = this.tasks[o.task];
        await this.send(() => signer(o.byOwner ? this.c.owners[o.task] : this.c.settlers[0]).cancelTask(t.id), label);
        return;
      }
      case "claim": {
        const t = this.tasks[o.task];
        const slot = await this.slotOf(t, o.who);
        if (slot === undefined) return;
        const { tree, cum, models } = t.final;
        await this.send(() => signer(this.c.trainers[o.who]).claim(t.id, cum[slot], rewardPath(tree, slot), models), label);
        return;
      }
      case "reclaim":
        await this.send(() => signer(this.c.owners[o.task]).reclaim(this.tasks[o.task].id), label);
        return;
      case "withdrawFees":
        await this.send(() => signer(this.c.settlers[o.settler]).withdrawFees(), label);
        return;
      case "release":
        await this.send(() => m.releaseStake(this.tasks[o.task].id, this.c.trainers[o.who].address), label);
        return;
    }
  }

  /** Conservation and the invariants, from the views. */
  async check(label: string): Promise<void> {
    const m = this.c.market;
    let held = 0n;
    for (const t of this.tasks) {
      const [a, info] = await Promise.all([m.accounting(t.id), m.task(t.id)]);
      expect(a.distributed + a.refundable + a.pending + a.feesPaid, `${label}: task ${t.id} escrow split`).to.equal(a.budget + a.fees);
      expect(a.claimed <= a.distributed && a.reclaimed <= a.refundable, `${label}: task ${t.id} payouts within their pools`).to.equal(true);
      held += (a.budget as bigint) + (a.fees as bigint) - (a.claimed as bigint) - (a.reclaimed as bigint);
      expect(info.round >= t.lastRound, `${label}: task ${t.id} round went back`).to.equal(true);
      expect(info.round <= info.endRound && info.endRound <= info.numRounds, `${label}: task ${t.id} round bounds`).to.equal(true);
      t.lastRound = info.round;
    }
    expect(await this.c.token.balanceOf(this.c.marketAddress), `${label}: market balance`).to.equal(held - this.withdrawn);
    expect(this.vaultSlashedCount, `${label}: vault slashes`).to.equal(this.slashedCount);
    for (const [w, s] of [...this.c.trainers, ...this.c.owners].entries()) {
      const members = await Promise.all(this.tasks.map((t) => m.member(t.id, s.address)));
      const sum = members.reduce((x, y) => x + (y.locked as bigint), 0n);
      expect(await this.c.vault.lockedBy(this.c.marketAddress, s.address), `${label}: vault lock of staker ${w}`).to.equal(sum);
      if (w === HONEST) {
        for (const mm of members) if (mm.joined && !mm.released) expect(mm.locked, `${label}: honest stake`).to.equal(MIN_STAKE);
      }
    }
  }
}

describe("TrainingMarket (property)", () => {
  it("conserves tokens, slashes each offence once and only for cause, and lets everything out at the end", async () => {
    const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
    const numRuns = process.env.FC_RUNS === undefined ? 20 : Number(process.env.FC_RUNS);
    await fc.assert(
      fc.asyncProperty(scenario, async ({ tasks, joins, ops }) => {
        const c = await loadFixture(invariantFixture);
        await c.verifier.setResult(true);
        const run = new Run(c);
        for (const [i, spec] of tasks.entries()) {
          const p: TaskParams = {
            initModelCommitment: MODEL0,
            initModelURI: "store://m",
            numRounds: spec.numRounds,
            maxTrainers: spec.maxTrainers,
            startTime: 0n,
            commitWindow: spec.commitWindow,
            revealWindow: 100n,
            settlementWindow: 100n,
            challengeWindow: spec.challengeWindow,
            minStake: MIN_STAKE,
            slashAmount: spec.slashAmount,
            noShowPenalty: spec.noShowPenalty,
            budget: spec.budget,
            settlementFee: spec.fee,
            normBoundSq: 1n << 40n,
            trustMargin: 13107n,
            rootUpdates: spec.rootUpdates,
          };
          await (c.market.connect(c.owners[i]) as Contract).createTask(p);
          const id = BigInt(i + 1);
          if (spec.rootUpdates) expect(await c.market.trainerAt(id, 0), "the owner holds the root slot").to.equal(c.owners[i].address);
          run.tasks.push({
            id,
            spec,
            header: (await c.market.task(id)).taskHeader,
            final: {
              tree: c.emptyTree,
              cum: Array.from({ length: SLOT_CAPACITY }, () => 0n),
              model: MODEL0,
              models: await modelsOf(MODEL0, MODEL0),
            },
            proposals: new Map(),
            commitments: new Map(),
            committed: new Set(),
            revealed: new Set(),
            finalSlashed: new Map(),
            lastRound: 0n,
          });
        }
        // The honest trainer joins both tasks first.
        for (const t of [0, 1]) await run.apply({ op: "join", who: HONEST, task: t }, "join honest");
        await run.check("start");
        for (const [i, o] of [...joins, ...ops].entries()) {
          const label = `op ${i} ${JSON.stringify(o, (_, v) => (typeof v === "bigint" ? `${v}n` : v))}`;
          await run.apply(o, label);
          await run.check(label);
        }

        // The end: every task runs out, stakes are released, rewards claimed, fees withdrawn, escrow reclaimed.
        await c.verifier.setResult(true);
        await time.increase(400n * 24n * 3600n);
        for (const t of run.tasks) {
          await run.send(() => c.market.sync(t.id), "end sync");
          expect((await c.market.task(t.id)).finished, `end: task ${t.id} finished`).to.equal(true);
        }
        for (const [i, t] of run.tasks.entries()) {
          const owner = c.owners[i];
          if (t.spec.rootUpdates && !(await c.market.member(t.id, owner.address)).released) {
            expect(await run.send(() => c.market.releaseStake(t.id, owner.address), "end release root")).not.to.equal(null);
          }
          expect(t.final.cum[0] === 0n || !t.spec.rootUpdates, `end: task ${t.id} paid the root`).to.equal(true);
          for (const [w, s] of c.trainers.entries()) {
            const mm = await c.market.member(t.id, s.address);
            if (!mm.joined) continue;
            if (!mm.released) expect(await run.send(() => c.market.releaseStake(t.id, s.address), "end release")).not.to.equal(null);
            if (t.final.cum[Number(mm.slot)] > mm.claimed) {
              await run.apply({ op: "claim", who: w, task: run.tasks.indexOf(t) }, "end claim");
              expect(await c.market.claimed(t.id, s.address), `end: claim of ${w} in task ${t.id}`).to.equal(t.final.cum[Number(mm.slot)]);
            }
          }
          if ((await c.market.refundable(t.id)) > 0n) await run.apply({ op: "reclaim", task: run.tasks.indexOf(t) }, "end reclaim");
          const a = await c.market.accounting(t.id);
          expect([a.claimed, a.reclaimed, a.pending], `end: task ${t.id} paid out`).to.deep.equal([a.distributed, a.refundable, 0n]);
        }
        for (const [i, s] of c.settlers.entries())
          if ((await c.market.feesOwed(s.address)) > 0n) await run.apply({ op: "withdrawFees", settler: i }, "end fees");
        await run.check("end");
        expect(await c.token.balanceOf(c.marketAddress), "end: market balance").to.equal(0n);
        for (const s of [...c.trainers, ...c.owners]) expect(await c.vault.lockedBy(c.marketAddress, s.address), "end: locks").to.equal(0n);
        for (const oid of run.offences.keys())
          expect(await c.vault.isOffenceSlashed(c.marketAddress, oid), `end: offence ${oid}`).to.equal(true);
      }),
      { numRuns, seed },
    );
    console.log(`      seen: ${JSON.stringify(seen)}`);
  });
});
