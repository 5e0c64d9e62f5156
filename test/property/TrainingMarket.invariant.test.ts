import hre from "hardhat";
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, keccak256, type Contract, type ContractTransactionResponse } from "ethers";
import { proofContext } from "../../oracle/field";
import { PROOF, SLOT_CAPACITY, marketFixture } from "../helpers/marketFixtures";
import { accStep, configPacked, rewardPath, rewardTree, rootFromPath, stateOf, taskHeader, type RewardTree } from "../helpers/rewardTree";

// Random operation sequences against the TrainingMarket (mock verifier), with a TypeScript model
// alongside that predicts every outcome: success with its exact market events, or the exact custom
// error. After each step the chain must equal the model and the invariants must hold. At the end
// every task is driven to its end, every stake released, every reward claimed and all refundable
// escrow reclaimed: the market must be left with nothing, the vault with no lock of the market.
// Set FC_SEED (and FC_RUNS) to replay a failure; fast-check prints the seed and path when it fails.

const { ethers } = hre;

const TRAINERS = 4;
const TASKS = 2;
const MIN_STAKE = 100n;
const STAKE = 1000n;
const MODEL0 = 77n;
const URI = "store://u";

// ---------------------------------------------------------------- operations

interface TaskSpec {
  numRounds: bigint;
  maxTrainers: bigint;
  budget: bigint;
  slashAmount: bigint;
  submissionWindow: bigint;
  settlementWindow: bigint;
  startDelay: bigint;
}

type BitmapMode = "none" | "subset" | "all" | "random";

/** With `aim` set, time first moves (if needed) to the earliest moment the operation can succeed. */
type Op =
  | { op: "join"; who: number; task: number }
  /** With `member` set, `who` picks among the task's trainers (when it has any). */
  | { op: "submit"; who: number; member: boolean; task: number; wrongRound: boolean; commitment: bigint; aim: boolean }
  | { op: "settle"; task: number; mode: BitmapMode; seed: number; proofOk: boolean; wrongRound: boolean; aim: boolean }
  | { op: "expire"; task: number; aim: boolean }
  | { op: "claim"; who: number; member: boolean; task: number; tamper: boolean }
  | { op: "reclaim"; task: number; byOwner: boolean }
  | { op: "cancel"; task: number; byOwner: boolean }
  | { op: "release"; who: number; task: number }
  /** Moves time so the next transaction lands at the current round's boundary plus `offset`. */
  | { op: "waitFor"; task: number; boundary: "start" | "submissionEnd" | "deadline"; offset: number }
  | { op: "wait"; seconds: number }
  /**
   * A round of work: the members whose slot bits are set in `submitters` submit, then an aimed, valid
   * settle (after expiring the current round if its submission window is over).
   */
  | { op: "work"; task: number; submitters: number; mode: BitmapMode; seed: number };

const who = fc.integer({ min: 0, max: TRAINERS - 1 });
const member = fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 });
const aim = fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 });
const task = fc.integer({ min: 0, max: TASKS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("join" as const), who, task }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant("submit" as const),
      who,
      member,
      task,
      wrongRound: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
      commitment: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
      aim,
    }),
    weight: 12,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("settle" as const),
      task,
      mode: fc.constantFrom<BitmapMode>("none", "none", "subset", "subset", "all", "random"),
      seed: fc.integer({ min: 0, max: 0xffff }),
      proofOk: fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 }),
      wrongRound: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
      aim,
    }),
    weight: 8,
  },
  { arbitrary: fc.record({ op: fc.constant("expire" as const), task, aim }), weight: 4 },
  {
    arbitrary: fc.record({
      op: fc.constant("claim" as const),
      who,
      member,
      task,
      tamper: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant("reclaim" as const), task, byOwner: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("cancel" as const), task, byOwner: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("release" as const), who, task }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant("waitFor" as const),
      task,
      boundary: fc.constantFrom("start" as const, "submissionEnd" as const, "deadline" as const),
      offset: fc.integer({ min: -1, max: 1 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant("wait" as const), seconds: fc.constantFrom(1, 60, 600) }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant("work" as const),
      task,
      submitters: fc.integer({ min: 1, max: 15 }),
      mode: fc.constantFrom<BitmapMode>("none", "subset", "all", "all"),
      seed: fc.integer({ min: 0, max: 0xffff }),
    }),
    weight: 6,
  },
);

const taskSpec: fc.Arbitrary<TaskSpec> = fc.record({
  numRounds: fc.bigInt({ min: 1n, max: 4n }),
  maxTrainers: fc.bigInt({ min: 1n, max: 3n }),
  budget: fc.bigInt({ min: 1n, max: 1_000_000n }),
  // 60 twice exceeds the stake: the second slash is capped at what is left locked for the task.
  slashAmount: fc.constantFrom(0n, 60n, MIN_STAKE),
  submissionWindow: fc.constantFrom(100n, 1000n),
  settlementWindow: fc.constantFrom(50n, 500n),
  startDelay: fc.constantFrom(0n, 200n),
});

/** Each run creates the tasks, lets a random subset of trainers join, then runs up to 35 random operations. */
const scenario = fc.record({
  tasks: fc.array(taskSpec, { minLength: TASKS, maxLength: TASKS }),
  joins: fc.array(fc.record({ op: fc.constant("join" as const), who, task }), { minLength: 2, maxLength: 6 }),
  ops: fc.array(op, { minLength: 10, maxLength: 35, size: "max" }),
});

// ---------------------------------------------------------------- model

interface Event {
  name: string;
  args: unknown[];
}

type Outcome = { ok: true; events: Event[] } | { ok: false; error: string; args: unknown[] };

interface MemberModel {
  slot: number;
  locked: bigint;
  released: boolean;
  claimed: bigint;
}

interface TaskModel {
  id: bigint;
  spec: TaskSpec;
  owner: number;
  header: bigint;
  round: bigint;
  roundStart: bigint;
  mask: bigint;
  acc: bigint;
  cancelled: boolean;
  slots: number[];
  members: Map<number, MemberModel>;
  /** Cumulative reward of each slot, the reward tree over it and the model commitment in the state. */
  cum: bigint[];
  tree: RewardTree;
  model: bigint;
  state: bigint;
  /** Kept as sums of the rounds' rewards, independently of the contract's counters. */
  distributed: bigint;
  refundable: bigint;
  claimed: bigint;
  reclaimed: bigint;
}

const R_OF = (t: TaskModel, round: bigint) =>
  t.spec.budget / t.spec.numRounds + (round === t.spec.numRounds - 1n ? t.spec.budget % t.spec.numRounds : 0n);
const active = (t: TaskModel) => !t.cancelled && t.round < t.spec.numRounds;
const submissionEnd = (t: TaskModel) => t.roundStart + t.spec.submissionWindow;
const deadline = (t: TaskModel) => submissionEnd(t) + t.spec.settlementWindow;
const pending = (t: TaskModel) => t.spec.budget - t.distributed - t.refundable;
const offenceId = (taskId: bigint, round: bigint, slot: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "uint256"], [taskId, round, slot]));

class Model {
  tasks: TaskModel[] = [];
  /** Offence ids slashed so far (each at most once). */
  offences = new Set<string>();
  /** Tokens paid out to trainers and owners. */
  paid = 0n;

  constructor(
    readonly trainers: string[],
    readonly owners: string[],
    readonly settler: string,
  ) {}

  async apply(o: Op, now: bigint): Promise<Outcome> {
    const fail = (error: string, ...args: unknown[]): Outcome => ({ ok: false, error, args });
    const ok = (...events: Event[]): Outcome => ({ ok: true, events });
    const notActive = (t: TaskModel) => fail("TaskNotActive", t.id, t.round, t.spec.numRounds, t.cancelled);
    switch (o.op) {
      case "join": {
        const t = this.tasks[o.task];
        if (!active(t)) return notActive(t);
        const m = t.members.get(o.who);
        if (m) return fail("AlreadyJoined", t.id, this.trainers[o.who], BigInt(m.slot));
        if (BigInt(t.slots.length) >= t.spec.maxTrainers) return fail("TaskFull", t.id, t.spec.maxTrainers);
        const slot = t.slots.length;
        t.slots.push(o.who);
        t.members.set(o.who, { slot, locked: MIN_STAKE, released: false, claimed: 0n });
        return ok({ name: "TrainerJoined", args: [t.id, this.trainers[o.who], BigInt(slot), MIN_STAKE] });
      }
      case "submit": {
        const t = this.tasks[o.task];
        const round = o.wrongRound ? t.round + 1n : t.round;
        if (!active(t)) return notActive(t);
        const m = t.members.get(o.who);
        if (!m) return fail("NotMember", t.id, this.trainers[o.who]);
        if (round !== t.round) return fail("WrongRound", t.id, round, t.round);
        if (now < t.roundStart || now >= submissionEnd(t)) {
          return fail("OutsideSubmissionWindow", t.id, round, t.roundStart, submissionEnd(t), now);
        }
        const bit = 1n << BigInt(m.slot);
        if ((t.mask & bit) !== 0n) return fail("AlreadySubmitted", t.id, round, BigInt(m.slot));
        t.acc = await accStep(t.mask === 0n ? t.state : t.acc, round, BigInt(m.slot), o.commitment);
        t.mask |= bit;
        return ok({
          name: "UpdateSubmitted",
          args: [t.id, round, this.trainers[o.who], BigInt(m.slot), o.commitment, URI, t.acc],
        });
      }
      case "settle": {
        const t = this.tasks[o.task];
        const s = await this.settlement(t, o);
        if (!active(t)) return notActive(t);
        if (s.round !== t.round) return fail("WrongRound", t.id, s.round, t.round);
        if (now < submissionEnd(t) || now >= deadline(t)) {
          return fail("OutsideSettlementWindow", t.id, s.round, submissionEnd(t), deadline(t), now);
        }
        if (t.mask === 0n) return fail("NoSubmissions", t.id, s.round);
        if ((s.bitmap & ~t.mask) !== 0n) return fail("OutliersNotSubmitted", t.id, s.round, s.bitmap, t.mask);
        if (!o.proofOk) return fail("InvalidProof", (t.id << 64n) | s.round);
        const events: Event[] = [
          {
            name: "RoundSettled",
            args: [t.id, s.round, this.settler, t.acc, s.newState, t.mask, s.bitmap, s.model, s.tree.root, URI],
          },
        ];
        const reward = R_OF(t, s.round);
        if ((t.mask & ~s.bitmap) !== 0n) t.distributed += reward;
        else t.refundable += reward;
        t.state = s.newState;
        t.cum = s.cum;
        t.tree = s.tree;
        t.model = s.model;
        t.round += 1n;
        t.roundStart = now;
        t.mask = 0n;
        if (t.round === t.spec.numRounds) events.push({ name: "TaskFinished", args: [t.id] });
        for (let slot = 0; slot < SLOT_CAPACITY; slot++) {
          if (((s.bitmap >> BigInt(slot)) & 1n) === 0n || t.spec.slashAmount === 0n) continue;
          const trainer = t.slots[slot];
          const m = t.members.get(trainer)!;
          const take = t.spec.slashAmount < m.locked ? t.spec.slashAmount : m.locked;
          if (take === 0n) continue;
          m.locked -= take;
          const oid = offenceId(t.id, s.round, BigInt(slot));
          expect(this.offences.has(oid), `model: offence ${oid} slashed twice`).to.be.false;
          this.offences.add(oid);
          events.push({ name: "TrainerSlashed", args: [t.id, s.round, this.trainers[trainer], BigInt(slot), oid, take] });
        }
        return ok(...events);
      }
      case "expire": {
        const t = this.tasks[o.task];
        if (!active(t)) return notActive(t);
        const expirableAt = t.mask === 0n ? submissionEnd(t) : deadline(t);
        if (now < expirableAt) return fail("RoundNotExpirable", t.id, t.round, expirableAt, now);
        const reward = R_OF(t, t.round);
        const events: Event[] = [{ name: "RoundExpired", args: [t.id, t.round, t.mask, reward] }];
        t.refundable += reward;
        t.round += 1n;
        t.roundStart = now;
        t.mask = 0n;
        if (t.round === t.spec.numRounds) events.push({ name: "TaskFinished", args: [t.id] });
        return ok(...events);
      }
      case "claim": {
        const t = this.tasks[o.task];
        const m = t.members.get(o.who);
        if (!m) return fail("NotMember", t.id, this.trainers[o.who]);
        const c = this.claimArgs(t, o);
        if (o.tamper) {
          const computed = await stateOf(t.header, t.model, await rootFromPath(m.slot, c.amount, c.path));
          return fail("RewardProofMismatch", t.id, computed, t.state);
        }
        if (c.amount <= m.claimed) return fail("NothingToClaim", t.id, this.trainers[o.who], c.amount, m.claimed);
        const amount = c.amount - m.claimed;
        expect(t.claimed + amount <= t.distributed, "model: claims within distributed").to.be.true;
        m.claimed = c.amount;
        t.claimed += amount;
        this.paid += amount;
        return ok({ name: "RewardClaimed", args: [t.id, this.trainers[o.who], c.amount, amount] });
      }
      case "reclaim": {
        const t = this.tasks[o.task];
        const caller = o.byOwner ? this.owners[t.owner] : this.settler;
        if (!o.byOwner) return fail("NotTaskOwner", t.id, caller, this.owners[t.owner]);
        const amount = t.refundable - t.reclaimed;
        if (amount === 0n) return fail("NothingToReclaim", t.id);
        t.reclaimed += amount;
        this.paid += amount;
        return ok({ name: "EscrowReclaimed", args: [t.id, this.owners[t.owner], amount] });
      }
      case "cancel": {
        const t = this.tasks[o.task];
        if (!active(t)) return notActive(t);
        if (!o.byOwner) return fail("NotTaskOwner", t.id, this.settler, this.owners[t.owner]);
        if (t.mask !== 0n) return fail("RoundHasSubmissions", t.id, t.round, t.mask);
        const voided = pending(t);
        t.refundable += voided;
        t.cancelled = true;
        return ok({ name: "TaskCancelled", args: [t.id, t.round, voided] });
      }
      case "release": {
        const t = this.tasks[o.task];
        if (active(t)) return fail("TaskStillActive", t.id, t.round, t.spec.numRounds);
        const m = t.members.get(o.who);
        if (!m) return fail("NotMember", t.id, this.trainers[o.who]);
        if (m.released) return fail("StakeAlreadyReleased", t.id, this.trainers[o.who]);
        const amount = m.locked;
        m.released = true;
        m.locked = 0n;
        return ok({ name: "StakeReleased", args: [t.id, this.trainers[o.who], amount] });
      }
      case "waitFor":
      case "wait":
      case "work":
        throw new Error(`${o.op} sends no transaction`);
    }
  }

  /** The settlement the operation posts: bitmap, the circuit's reward split, new tree and state. */
  async settlement(t: TaskModel, o: Extract<Op, { op: "settle" }>) {
    const round = o.wrongRound ? t.round + 1n : t.round;
    const bitmap =
      o.mode === "none" ? 0n : o.mode === "all" ? t.mask : o.mode === "subset" ? BigInt(o.seed) & t.mask : BigInt(o.seed & 0xff);
    const cum = [...t.cum];
    const inliers = Array.from({ length: SLOT_CAPACITY }, (_, i) => i).filter((i) => ((t.mask & ~bitmap) >> BigInt(i)) & 1n);
    if (inliers.length > 0 && round < t.spec.numRounds) {
      // Spec rule 14: shares by weight, the rounding remainder to the first inlier.
      const reward = R_OF(t, round);
      const weights = inliers.map((i) => BigInt(((o.seed >> (2 * i)) & 3) + 1));
      const total = weights.reduce((a, b) => a + b, 0n);
      const shares = weights.map((w) => (reward * w) / total);
      shares[0] += reward - shares.reduce((a, b) => a + b, 0n);
      inliers.forEach((i, j) => (cum[i] += shares[j]));
    }
    const tree = await rewardTree(cum);
    const model = 1000n + BigInt(o.seed);
    return { round, bitmap, cum, tree, model, newState: await stateOf(t.header, model, tree.root) };
  }

  /** What a claim posts: the caller's leaf (plus one when tampering) and its path in the current tree. */
  claimArgs(t: TaskModel, o: Extract<Op, { op: "claim" }>) {
    const m = t.members.get(o.who)!;
    const amount = t.cum[m.slot] + (o.tamper ? 1n : 0n);
    return { amount, path: rewardPath(t.tree, m.slot), model: t.model };
  }
}

// ---------------------------------------------------------------- chain

async function invariantFixture() {
  const f = await marketFixture();
  const trainers = [f.alice, f.bob, f.carol, f.others[2]];
  const owners = [f.others[0], f.others[1]];
  const settler = f.others[3];
  const market = f.market as Contract;
  const vault = f.vault as Contract;
  const token = f.token as Contract;
  const marketAddress = await market.getAddress();
  const vaultAddress = await vault.getAddress();
  for (const s of trainers) {
    await (token.connect(f.admin) as Contract).mint(s.address, STAKE);
    await (token.connect(s) as Contract).approve(vaultAddress, ethers.MaxUint256);
    await (vault.connect(s) as Contract).stake(STAKE);
  }
  for (const s of owners) {
    await (token.connect(f.admin) as Contract).mint(s.address, 10_000_000n);
    await (token.connect(s) as Contract).approve(marketAddress, ethers.MaxUint256);
  }
  const context = proofContext((await ethers.provider.getNetwork()).chainId, marketAddress);
  const emptyTree = await rewardTree(Array.from({ length: SLOT_CAPACITY }, () => 0n));
  return { market, vault, token, verifier: f.verifier as Contract, marketAddress, trainers, owners, settler, context, emptyTree };
}

type Chain = Awaited<ReturnType<typeof invariantFixture>>;

/**
 * Prepares the operation's transaction from the model as it is before the operation (the model
 * changes when it applies the operation); the returned function sends it and reports what happened
 * (the market's events, or the custom error).
 */
async function prepare(c: Chain, m: Model, o: Op): Promise<() => Promise<Outcome>> {
  const as = (s: HardhatEthersSigner) => c.market.connect(s) as Contract;
  let send: () => Promise<ContractTransactionResponse>;
  switch (o.op) {
    case "join":
      send = () => as(c.trainers[o.who]).join(m.tasks[o.task].id);
      break;
    case "submit": {
      const t = m.tasks[o.task];
      const round = o.wrongRound ? t.round + 1n : t.round;
      send = () => as(c.trainers[o.who]).submitUpdate(t.id, round, o.commitment, URI);
      break;
    }
    case "settle": {
      const t = m.tasks[o.task];
      const s = await m.settlement(t, o);
      send = () => as(c.settler).settleRound(t.id, s.round, s.newState, s.bitmap, s.model, s.tree.root, URI, PROOF);
      break;
    }
    case "expire":
      send = () => as(c.settler).expireRound(m.tasks[o.task].id);
      break;
    case "claim": {
      const t = m.tasks[o.task];
      if (t.members.has(o.who)) {
        const a = m.claimArgs(t, o);
        send = () => as(c.trainers[o.who]).claim(t.id, a.amount, a.path, a.model);
      } else {
        const path = rewardPath(t.tree, 0);
        const model = t.model;
        send = () => as(c.trainers[o.who]).claim(t.id, 1n, path, model);
      }
      break;
    }
    case "reclaim": {
      const t = m.tasks[o.task];
      send = () => as(o.byOwner ? c.owners[t.owner] : c.settler).reclaim(t.id);
      break;
    }
    case "cancel": {
      const t = m.tasks[o.task];
      send = () => as(o.byOwner ? c.owners[t.owner] : c.settler).cancelTask(t.id);
      break;
    }
    case "release":
      send = () => as(c.settler).releaseStake(m.tasks[o.task].id, c.trainers[o.who].address);
      break;
    case "waitFor":
    case "wait":
    case "work":
      throw new Error(`${o.op} sends no transaction`);
  }
  return () => outcome(c, send);
}

async function outcome(c: Chain, send: () => Promise<ContractTransactionResponse>): Promise<Outcome> {
  try {
    const receipt = await (await send()).wait();
    if (!receipt) throw new Error("no receipt");
    const events = receipt.logs
      .filter((l) => l.address === c.marketAddress)
      .map((l) => c.market.interface.parseLog(l))
      .filter((e) => e !== null)
      .map((e) => ({ name: e.name, args: e.args.toArray() }));
    const slashed = receipt.logs
      .filter((l) => l.address.toLowerCase() === (c.vault.target as string).toLowerCase())
      .map((l) => c.vault.interface.parseLog(l))
      .filter((e) => e !== null && e.name === "Slashed");
    // The vault slashed exactly the offences the market reported, each from the market's lock.
    expect(
      slashed.map((e) => [e!.args[2], e!.args[3], e!.args[4]]),
      "vault Slashed events",
    ).to.deep.equal(events.filter((e) => e.name === "TrainerSlashed").map((e) => [e.args[4], e.args[5], e.args[5]]));
    return { ok: true, events };
  } catch (e) {
    const data = (e as { data?: string }).data;
    if (typeof data !== "string") throw e;
    const parsed = c.market.interface.parseError(data) ?? c.vault.interface.parseError(data) ?? c.token.interface.parseError(data);
    if (!parsed) throw e;
    return { ok: false, error: parsed.name, args: parsed.args.toArray() };
  }
}

/** Checks conservation and the invariants, and that every view equals the model. */
async function checkState(c: Chain, m: Model, step: string, rounds: bigint[]): Promise<void> {
  let owed = 0n;
  for (const [i, t] of m.tasks.entries()) {
    const [a, r, info] = await Promise.all([c.market.accounting(t.id), c.market.roundInfo(t.id), c.market.task(t.id)]);
    expect(
      {
        budget: a.budget,
        distributed: a.distributed,
        refundable: a.refundable,
        pending: a.pending,
        claimed: a.claimed,
        reclaimed: a.reclaimed,
      },
      `${step}: accounting of task ${t.id}`,
    ).to.deep.equal({
      budget: t.spec.budget,
      distributed: t.distributed,
      refundable: t.refundable,
      pending: pending(t),
      claimed: t.claimed,
      reclaimed: t.reclaimed,
    });
    expect(a.distributed + a.refundable + a.pending, `${step}: task ${t.id} budget split`).to.equal(a.budget);
    expect(a.claimed <= a.distributed && a.reclaimed <= a.refundable, `${step}: task ${t.id} payouts within their pools`).to.be.true;
    owed += t.spec.budget - t.claimed - t.reclaimed;
    expect([r.round, r.startedAt, r.submittedMask, r.acc], `${step}: round of task ${t.id}`).to.deep.equal([
      t.round,
      t.roundStart,
      t.mask,
      t.mask === 0n ? t.state : t.acc,
    ]);
    expect(r.round >= rounds[i], `${step}: task ${t.id} round went back`).to.be.true;
    rounds[i] = r.round;
    expect([info.state, info.cancelled, info.members], `${step}: task ${t.id}`).to.deep.equal([
      t.state,
      t.cancelled,
      BigInt(t.slots.length),
    ]);
  }
  // Token conservation: the market holds exactly the budgets minus what was claimed and reclaimed.
  expect(await c.token.balanceOf(c.marketAddress), `${step}: market balance`).to.equal(owed);
  for (const [w, s] of c.trainers.entries()) {
    const locks = m.tasks.map((t) => t.members.get(w)?.locked ?? 0n);
    const views = await Promise.all(m.tasks.map((t) => c.market.member(t.id, s.address)));
    expect(
      views.map((v) => [v.joined, v.locked, v.released, v.claimed]),
      `${step}: memberships of trainer ${w}`,
    ).to.deep.equal(
      m.tasks.map((t) => [
        t.members.has(w),
        t.members.get(w)?.locked ?? 0n,
        t.members.get(w)?.released ?? false,
        t.members.get(w)?.claimed ?? 0n,
      ]),
    );
    // The vault's lock for the market is exactly the sum of the per-task locks.
    expect(await c.vault.lockedBy(c.marketAddress, s.address), `${step}: vault lock of trainer ${w}`).to.equal(
      locks.reduce((x, y) => x + y, 0n),
    );
  }
}

/** `o` with `who` resolved to one of the task's trainers when the operation asks for a member. */
function resolve(m: Model, o: Op): Op {
  if ((o.op === "submit" || o.op === "claim") && o.member) {
    const slots = m.tasks[o.task].slots;
    if (slots.length > 0) return { ...o, who: slots[o.who % slots.length] };
  }
  return o;
}

/** The model time such that the next transaction (sent at time + 1) lands at `target`, if that is later. */
function waitUntil(now: bigint, target: bigint): bigint {
  return target - 1n > now ? target - 1n : now;
}

function describeOp(o: Op): string {
  return JSON.stringify(o, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
}

/** Sends `o` at `now`, compares with the model, checks the state. */
async function step(c: Chain, m: Model, o: Op, now: bigint, label: string, rounds: bigint[], slashes: Map<string, number>) {
  const send = await prepare(c, m, o);
  const expected = await m.apply(o, now);
  await time.setNextBlockTimestamp(now);
  const actual = await send();
  expect(actual, label).to.deep.equal(expected);
  if (actual.ok) {
    for (const e of actual.events.filter((ev) => ev.name === "TrainerSlashed")) {
      const oid = e.args[4] as string;
      slashes.set(oid, (slashes.get(oid) ?? 0) + 1);
      expect(slashes.get(oid), `${label}: offence ${oid} slashed twice`).to.equal(1);
    }
  }
  await checkState(c, m, label, rounds);
}

describe("TrainingMarket (property)", () => {
  it("conserves tokens, keeps payouts within their pools and lets everything out at the end", async () => {
    const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
    const numRuns = process.env.FC_RUNS === undefined ? 16 : Number(process.env.FC_RUNS);
    await fc.assert(
      fc.asyncProperty(scenario, async ({ tasks, joins, ops }) => {
        const c = await loadFixture(invariantFixture);
        const m = new Model(
          c.trainers.map((s) => s.address),
          c.owners.map((s) => s.address),
          c.settler.address,
        );
        const slashes = new Map<string, number>();
        let now = BigInt(await time.latest());

        // Create the tasks (owner i creates task i).
        for (const [i, spec] of tasks.entries()) {
          now += 1n;
          await time.setNextBlockTimestamp(now);
          const id = BigInt(i + 1);
          const startTime = spec.startDelay === 0n ? 0n : now + spec.startDelay;
          const p = {
            initModelCommitment: MODEL0,
            initModelURI: URI,
            numRounds: spec.numRounds,
            maxTrainers: spec.maxTrainers,
            startTime,
            submissionWindow: spec.submissionWindow,
            settlementWindow: spec.settlementWindow,
            minStake: MIN_STAKE,
            slashAmount: spec.slashAmount,
            budget: spec.budget,
            normBoundSq: 1n << 40n,
            outlierFactor: 4n << 16n,
          };
          await (c.market.connect(c.owners[i]) as Contract).createTask(p);
          const header = await taskHeader(c.context, id, configPacked(p), p.normBoundSq);
          const state = await stateOf(header, MODEL0, c.emptyTree.root);
          m.tasks.push({
            id,
            spec,
            owner: i,
            header,
            round: 0n,
            roundStart: startTime === 0n ? now : startTime,
            mask: 0n,
            acc: state,
            cancelled: false,
            slots: [],
            members: new Map(),
            cum: Array.from({ length: SLOT_CAPACITY }, () => 0n),
            tree: c.emptyTree,
            model: MODEL0,
            state,
            distributed: 0n,
            refundable: 0n,
            claimed: 0n,
            reclaimed: 0n,
          });
        }
        const rounds = m.tasks.map(() => 0n);
        await checkState(c, m, "start", rounds);

        const run = async (o: Op, label: string): Promise<void> => {
          // An aimed settle of a round without submissions stays put: moving on would only close the window.
          if ((o.op === "submit" || o.op === "expire" || (o.op === "settle" && m.tasks[o.task].mask !== 0n)) && o.aim) {
            const t = m.tasks[o.task];
            const target = o.op === "submit" ? t.roundStart : o.op === "settle" || t.mask === 0n ? submissionEnd(t) : deadline(t);
            // The settle below first spends a block on the mock verifier's answer.
            now = waitUntil(now, o.op === "settle" ? target - 1n : target);
          }
          switch (o.op) {
            case "wait":
              now += BigInt(o.seconds);
              return;
            case "waitFor": {
              const t = m.tasks[o.task];
              const base = o.boundary === "start" ? t.roundStart : o.boundary === "submissionEnd" ? submissionEnd(t) : deadline(t);
              now = waitUntil(now, base + BigInt(o.offset));
              return;
            }
            case "work": {
              const t = m.tasks[o.task];
              // A round whose submission window is (about to be) over is expired first, so the work lands in a fresh round.
              if (active(t) && now + 2n >= submissionEnd(t)) await run({ op: "expire", task: o.task, aim: true }, `${label} expire`);
              for (const [slot, w] of t.slots.entries()) {
                if (((o.submitters >> slot) & 1) === 0) continue;
                const commitment = BigInt(o.seed) * 16n + BigInt(slot) + 1n;
                await run(
                  { op: "submit", who: w, member: false, task: o.task, wrongRound: false, commitment, aim: true },
                  `${label} submit ${slot}`,
                );
              }
              const settle = {
                op: "settle" as const,
                task: o.task,
                mode: o.mode,
                seed: o.seed,
                proofOk: true,
                wrongRound: false,
                aim: true,
              };
              await run(settle, `${label} settle`);
              return;
            }
            case "settle":
              // The mock verifier's answer is set in its own block first.
              now += 1n;
              await time.setNextBlockTimestamp(now);
              await c.verifier.setResult(o.proofOk);
              break;
            default:
              break;
          }
          now += 1n;
          await step(c, m, o, now, label, rounds, slashes);
        };
        for (const [i, generated] of [...joins, ...ops].entries()) {
          const o = resolve(m, generated);
          await run(o, `op ${i} ${describeOp(o)}`);
        }

        // The end: finish every task, release every stake, claim every reward, reclaim the rest.
        for (const [ti, t] of m.tasks.entries()) {
          while (active(t)) {
            now = waitUntil(now, deadline(t)) + 1n;
            await step(c, m, { op: "expire", task: ti, aim: false }, now, `end: expire task ${t.id}`, rounds, slashes);
          }
          for (const w of t.members.keys()) {
            now += 1n;
            await step(c, m, { op: "release", who: w, task: ti }, now, `end: release ${w} from task ${t.id}`, rounds, slashes);
            const mm = t.members.get(w)!;
            if (t.cum[mm.slot] > mm.claimed) {
              now += 1n;
              await step(
                c,
                m,
                { op: "claim", who: w, member: false, task: ti, tamper: false },
                now,
                `end: claim ${w} in task ${t.id}`,
                rounds,
                slashes,
              );
            }
          }
          if (t.refundable > t.reclaimed) {
            now += 1n;
            await step(c, m, { op: "reclaim", task: ti, byOwner: true }, now, `end: reclaim task ${t.id}`, rounds, slashes);
          }
        }
        expect(await c.token.balanceOf(c.marketAddress), "end: market balance").to.equal(0n);
        for (const s of c.trainers) expect(await c.vault.lockedBy(c.marketAddress, s.address), "end: locks").to.equal(0n);
        for (const t of m.tasks) expect(t.distributed, `end: task ${t.id} claimed everything distributed`).to.equal(t.claimed);
        for (const oid of m.offences) expect(await c.vault.isOffenceSlashed(c.marketAddress, oid), `end: offence ${oid}`).to.equal(true);
      }),
      { numRuns, seed },
    );
  });
});
