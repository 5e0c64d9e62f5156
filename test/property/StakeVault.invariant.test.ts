import hre from "hardhat";
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { id, type Contract, type ContractTransactionResponse } from "ethers";
import { UNBONDING_DELAY, foundationFixture } from "../helpers/fixtures";

// Random operation sequences against the deployed StakeVault, with a TypeScript model alongside.
// Set FC_SEED (and FC_RUNS) to replay a failure; fast-check prints the seed and path when it fails.

const { ethers } = hre;

const ACCOUNTS = 3;
const MODULES = 2;
const OFFENCES = 4;
const FUNDS = 1000n;
const DELAY = BigInt(UNBONDING_DELAY);
const OFFENCE_IDS = Array.from({ length: OFFENCES }, (_, i) => id(`offence-${i}`));

// ---------------------------------------------------------------- operations

/** An amount, chosen relative to the bucket the operation draws on so boundaries come up often. */
type Amount = { kind: "zero" } | { kind: "all" } | { kind: "allPlusOne" } | { kind: "half" } | { kind: "fixed"; n: bigint };

/**
 * An operation. With `aim` set, `who` is taken among the accounts whose stake the operation draws
 * on is not empty (so random sequences reach deep states instead of mostly hitting empty buckets).
 */
type Op =
  | { op: "stake"; who: number; amount: Amount }
  | { op: "unstake"; who: number; aim: boolean; amount: Amount }
  | { op: "rebond"; who: number; aim: boolean; amount: Amount }
  /** With `atRelease` set, time first moves so the withdrawal lands at the release time plus `atRelease` seconds. */
  | { op: "withdraw"; who: number; aim: boolean; atRelease: number | null }
  | { op: "lock"; mod: number; who: number; aim: boolean; amount: Amount }
  | { op: "unlock"; mod: number; who: number; aim: boolean; amount: Amount }
  | { op: "slash"; mod: number; who: number; aim: boolean; amount: Amount; offence: number }
  /** Anyone (here the treasurer) moves a module's released bucket to free stake. */
  | { op: "releaseUnlocked"; mod: number; who: number; aim: boolean }
  | { op: "sweep" }
  | { op: "setDelay"; delay: bigint }
  | { op: "wait"; seconds: number }
  /** Moves time so the next transaction lands at `who`'s release time plus `offset` seconds. */
  | { op: "waitForRelease"; who: number; aim: boolean; offset: number }
  /** Moves time so the next transaction lands at the release time of a module's bucket plus `offset` seconds. */
  | { op: "waitForBucket"; mod: number; who: number; aim: boolean; offset: number };

const who = fc.integer({ min: 0, max: ACCOUNTS - 1 });
const mod = fc.integer({ min: 0, max: MODULES - 1 });
/** Mostly aimed: unaimed module operations on two modules and three accounts mostly hit empty stake. */
const aim = fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 });
const amount: fc.Arbitrary<Amount> = fc.oneof(
  { arbitrary: fc.constant<Amount>({ kind: "zero" }), weight: 1 },
  { arbitrary: fc.constant<Amount>({ kind: "all" }), weight: 3 },
  { arbitrary: fc.constant<Amount>({ kind: "allPlusOne" }), weight: 1 },
  { arbitrary: fc.constant<Amount>({ kind: "half" }), weight: 3 },
  { arbitrary: fc.bigInt({ min: 1n, max: FUNDS / 10n }).map((n): Amount => ({ kind: "fixed", n })), weight: 4 },
);
/** Each kind of operation with its weight in the mixed sequences and in the module-heavy ones. */
const opKinds: { arbitrary: fc.Arbitrary<Op>; weight: number; moduleWeight: number }[] = [
  { arbitrary: fc.record({ op: fc.constant("stake" as const), who, amount }), weight: 4, moduleWeight: 2 },
  { arbitrary: fc.record({ op: fc.constant("unstake" as const), who, aim, amount }), weight: 6, moduleWeight: 1 },
  { arbitrary: fc.record({ op: fc.constant("rebond" as const), who, aim, amount }), weight: 3, moduleWeight: 0 },
  {
    arbitrary: fc.record({
      op: fc.constant("withdraw" as const),
      who,
      aim,
      atRelease: fc.option(fc.integer({ min: -1, max: 1 }), { nil: null }),
    }),
    weight: 4,
    moduleWeight: 0,
  },
  { arbitrary: fc.record({ op: fc.constant("lock" as const), mod, who, aim, amount }), weight: 6, moduleWeight: 8 },
  { arbitrary: fc.record({ op: fc.constant("unlock" as const), mod, who, aim, amount }), weight: 6, moduleWeight: 8 },
  {
    arbitrary: fc.record({
      op: fc.constant("slash" as const),
      mod,
      who,
      aim,
      amount,
      offence: fc.integer({ min: 0, max: OFFENCES - 1 }),
    }),
    weight: 4,
    moduleWeight: 6,
  },
  { arbitrary: fc.record({ op: fc.constant("releaseUnlocked" as const), mod, who, aim }), weight: 2, moduleWeight: 2 },
  {
    arbitrary: fc.record({ op: fc.constant("waitForBucket" as const), mod, who, aim, offset: fc.integer({ min: -1, max: 1 }) }),
    weight: 3,
    moduleWeight: 4,
  },
  { arbitrary: fc.constant<Op>({ op: "sweep" }), weight: 1, moduleWeight: 0 },
  {
    arbitrary: fc.record({ op: fc.constant("setDelay" as const), delay: fc.constantFrom(0n, 3600n, DELAY) }),
    weight: 1,
    moduleWeight: 1,
  },
  {
    arbitrary: fc.record({ op: fc.constant("wait" as const), seconds: fc.constantFrom(1, 3600, UNBONDING_DELAY) }),
    weight: 2,
    moduleWeight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("waitForRelease" as const),
      who,
      aim,
      offset: fc.integer({ min: -1, max: 1 }),
    }),
    weight: 3,
    moduleWeight: 0,
  },
];

/**
 * Each run opens with a stake by every account, then up to 30 random operations in all. The
 * module-heavy mix mostly locks, unlocks, slashes and moves time to bucket release times, so
 * slashes meet buckets (unreleased, released at that very second, released but not moved) often.
 */
function opsWith(moduleHeavy: boolean): fc.Arbitrary<Op[]> {
  const op = fc.oneof(
    ...opKinds.map((k) => ({ arbitrary: k.arbitrary, weight: moduleHeavy ? k.moduleWeight : k.weight })).filter((k) => k.weight > 0),
  );
  return fc
    .tuple(
      fc.array(fc.bigInt({ min: 1n, max: FUNDS }), { minLength: ACCOUNTS, maxLength: ACCOUNTS }),
      fc.array(op, { minLength: 10, maxLength: 30 - ACCOUNTS, size: "max" }),
    )
    .map(([deposits, rest]) => [...deposits.map((n, i): Op => ({ op: "stake", who: i, amount: { kind: "fixed", n } })), ...rest]);
}

/**
 * `o` with `who` (and `mod`, for module operations) resolved: an aimed operation picks among the
 * accounts (or module-account pairs) it can act on, if any. An aimed slash prefers pairs where the
 * module has a bucket, so slashes reach unlocked stake (and released buckets) often.
 */
function aimed(m: Model, o: Op): Op {
  if (!("aim" in o) || !o.aim) return o;
  if ("mod" in o) {
    const source = (mod: number, i: number): bigint => {
      switch (o.op) {
        case "unlock":
          return m.lockedBy[mod][i];
        case "slash":
        case "releaseUnlocked":
        case "waitForBucket":
          return m.buckets[mod][i].amount;
        default:
          return m.accounts[i].free;
      }
    };
    const pairs = Array.from({ length: MODULES * ACCOUNTS }, (_, k) => [Math.floor(k / ACCOUNTS), k % ACCOUNTS]);
    let candidates = pairs.filter(([mod, i]) => source(mod, i) > 0n);
    if (candidates.length === 0 && o.op === "slash") candidates = pairs.filter(([mod, i]) => m.lockedBy[mod][i] > 0n);
    if (candidates.length === 0) return o;
    // lock aims at accounts with free stake and keeps its module.
    if (o.op === "lock") {
      const accounts = [...new Set(candidates.map(([, i]) => i))];
      return { ...o, who: accounts[o.who % accounts.length] };
    }
    const [mod, who] = candidates[(o.who * MODULES + o.mod) % candidates.length];
    return { ...o, mod, who };
  }
  const bucket = (i: number): bigint => {
    const a = m.accounts[i];
    switch (o.op) {
      case "unstake":
        return a.free;
      case "rebond":
      case "withdraw":
      case "waitForRelease":
        return a.unbonding;
      default:
        return 0n;
    }
  };
  const candidates = Array.from({ length: ACCOUNTS }, (_, i) => i).filter((i) => bucket(i) > 0n);
  if (candidates.length === 0) return o;
  return { ...o, who: candidates[o.who % candidates.length] };
}

function resolve(a: Amount, base: bigint): bigint {
  switch (a.kind) {
    case "zero":
      return 0n;
    case "all":
      return base;
    case "allPlusOne":
      return base + 1n;
    case "half":
      return base / 2n;
    case "fixed":
      return a.n;
  }
}

// ---------------------------------------------------------------- model

interface Account {
  wallet: bigint;
  free: bigint;
  locked: bigint;
  unbonding: bigint;
  releaseAt: bigint;
  /** Sum of the account's module unbonding buckets, released or not (as stored). */
  moduleUnbonding: bigint;
  /** Credited by `stake`. */
  deposited: bigint;
  withdrawn: bigint;
  slashed: bigint;
}

interface Bucket {
  amount: bigint;
  releaseAt: bigint;
}

interface Event {
  name: string;
  args: unknown[];
}

type Outcome = { ok: true; events: Event[] } | { ok: false; error: string; args: unknown[] };

interface State {
  accounts: Account[];
  /** lockedBy[module][account] */
  lockedBy: bigint[][];
  /** buckets[module][account] */
  buckets: Bucket[][];
  /** The modules with a bucket for each account, in the order of the vault's EnumerableSet. */
  bucketModules: number[][];
  offences: string[];
  totals: { free: bigint; locked: bigint; unbonding: bigint; moduleUnbonding: bigint; slashedUnswept: bigint };
  treasurerWallet: bigint;
  delay: bigint;
}

class Model {
  s: State = {
    accounts: Array.from({ length: ACCOUNTS }, () => ({
      wallet: FUNDS,
      free: 0n,
      locked: 0n,
      unbonding: 0n,
      releaseAt: 0n,
      moduleUnbonding: 0n,
      deposited: 0n,
      withdrawn: 0n,
      slashed: 0n,
    })),
    lockedBy: Array.from({ length: MODULES }, () => Array.from({ length: ACCOUNTS }, () => 0n)),
    buckets: Array.from({ length: MODULES }, () => Array.from({ length: ACCOUNTS }, () => ({ amount: 0n, releaseAt: 0n }))),
    bucketModules: Array.from({ length: ACCOUNTS }, () => []),
    offences: [],
    totals: { free: 0n, locked: 0n, unbonding: 0n, moduleUnbonding: 0n, slashedUnswept: 0n },
    treasurerWallet: 0n,
    delay: DELAY,
  };

  constructor(
    readonly addrs: string[],
    readonly modAddrs: string[],
    readonly treasurer: string,
  ) {}

  get accounts(): Account[] {
    return this.s.accounts;
  }
  get lockedBy(): bigint[][] {
    return this.s.lockedBy;
  }
  get buckets(): Bucket[][] {
    return this.s.buckets;
  }
  get totals(): State["totals"] {
    return this.s.totals;
  }

  /** `who`'s free stake as `stakeOf` reports it at `now`: stored free plus released buckets. */
  effectiveFree(who: number, now: bigint): bigint {
    let free = this.accounts[who].free;
    for (const mod of this.s.bucketModules[who]) {
      const b = this.buckets[mod][who];
      if (now >= b.releaseAt) free += b.amount;
    }
    return free;
  }

  /** Moves `mod`'s bucket for `who` to free stake (the vault's `_releaseBucket`). */
  private releaseBucket(mod: number, who: number, events: Event[]): bigint {
    const a = this.accounts[who];
    const b = this.buckets[mod][who];
    const n = b.amount;
    this.buckets[mod][who] = { amount: 0n, releaseAt: 0n };
    this.removeFromSet(who, mod);
    a.moduleUnbonding -= n;
    a.free += n;
    this.totals.moduleUnbonding -= n;
    this.totals.free += n;
    events.push({ name: "UnlockedReleased", args: [this.modAddrs[mod], this.addrs[who], n] });
    return n;
  }

  /** EnumerableSet.remove: the last entry takes the removed one's place. */
  private removeFromSet(who: number, mod: number): void {
    const set = this.s.bucketModules[who];
    const i = set.indexOf(mod);
    const last = set.pop() as number;
    if (i !== set.length) set[i] = last;
  }

  /** The vault's `_releaseDue`: walks the set backwards, moving every released bucket. */
  private releaseDue(who: number, now: bigint, events: Event[]): void {
    const set = this.s.bucketModules[who];
    for (let i = set.length - 1; i >= 0; i--) {
      const mod = set[i];
      if (now >= this.buckets[mod][who].releaseAt) this.releaseBucket(mod, who, events);
    }
  }

  /** Predicts `o` in a block at `now` and applies it if it succeeds (nothing changes if it fails). */
  apply(o: Op, now: bigint): Outcome {
    const before = structuredClone(this.s);
    const outcome = this.run(o, now);
    if (!outcome.ok) this.s = before;
    return outcome;
  }

  private run(o: Op, now: bigint): Outcome {
    const fail = (error: string, ...args: unknown[]): Outcome => ({ ok: false, error, args });
    const events: Event[] = [];
    const ok = (...more: Event[]): Outcome => ({ ok: true, events: [...events, ...more] });
    const t = this.totals;
    switch (o.op) {
      case "stake": {
        const a = this.accounts[o.who];
        const n = resolve(o.amount, a.wallet);
        if (n === 0n) return fail("ZeroAmount");
        this.releaseDue(o.who, now, events);
        if (n > a.wallet) return fail("ERC20InsufficientBalance", this.addrs[o.who], a.wallet, n);
        a.wallet -= n;
        a.free += n;
        a.deposited += n;
        t.free += n;
        return ok({ name: "Staked", args: [this.addrs[o.who], n] });
      }
      case "unstake": {
        const a = this.accounts[o.who];
        const n = resolve(o.amount, this.effectiveFree(o.who, now));
        if (n === 0n) return fail("ZeroAmount");
        this.releaseDue(o.who, now, events);
        if (n > a.free) return fail("InsufficientFreeStake", this.addrs[o.who], a.free, n);
        a.free -= n;
        a.unbonding += n;
        a.releaseAt = now + this.s.delay;
        t.free -= n;
        t.unbonding += n;
        return ok({ name: "UnbondingStarted", args: [this.addrs[o.who], n, a.unbonding, a.releaseAt] });
      }
      case "rebond": {
        const a = this.accounts[o.who];
        const n = resolve(o.amount, a.unbonding);
        if (n === 0n) return fail("ZeroAmount");
        this.releaseDue(o.who, now, events);
        if (n > a.unbonding) return fail("InsufficientUnbondingStake", this.addrs[o.who], a.unbonding, n);
        a.unbonding -= n;
        a.free += n;
        if (a.unbonding === 0n) a.releaseAt = 0n;
        t.unbonding -= n;
        t.free += n;
        return ok({ name: "Rebonded", args: [this.addrs[o.who], n] });
      }
      case "withdraw": {
        const a = this.accounts[o.who];
        this.releaseDue(o.who, now, events);
        if (a.unbonding === 0n) return fail("NothingUnbonding", this.addrs[o.who]);
        if (now < a.releaseAt) return fail("StillUnbonding", this.addrs[o.who], a.releaseAt, now);
        const n = a.unbonding;
        a.unbonding = 0n;
        a.releaseAt = 0n;
        a.wallet += n;
        a.withdrawn += n;
        t.unbonding -= n;
        return ok({ name: "Withdrawn", args: [this.addrs[o.who], n] });
      }
      case "releaseUnlocked": {
        const b = this.buckets[o.mod][o.who];
        if (b.amount === 0n) return fail("NoUnlockedStake", this.modAddrs[o.mod], this.addrs[o.who]);
        if (now < b.releaseAt) return fail("UnlockedStakeNotReleased", this.modAddrs[o.mod], this.addrs[o.who], b.releaseAt, now);
        this.releaseBucket(o.mod, o.who, events);
        return ok();
      }
      case "lock": {
        const a = this.accounts[o.who];
        const n = resolve(o.amount, this.effectiveFree(o.who, now));
        if (n === 0n) return fail("ZeroAmount");
        this.releaseDue(o.who, now, events);
        if (n > a.free) return fail("InsufficientFreeStake", this.addrs[o.who], a.free, n);
        a.free -= n;
        a.locked += n;
        this.lockedBy[o.mod][o.who] += n;
        t.free -= n;
        t.locked += n;
        return ok({ name: "Locked", args: [this.modAddrs[o.mod], this.addrs[o.who], n] });
      }
      case "unlock": {
        const a = this.accounts[o.who];
        const mine = this.lockedBy[o.mod][o.who];
        const n = resolve(o.amount, mine);
        if (n === 0n) return fail("ZeroAmount");
        this.releaseDue(o.who, now, events);
        if (n > mine) return fail("InsufficientLockedStake", this.modAddrs[o.mod], this.addrs[o.who], mine, n);
        this.lockedBy[o.mod][o.who] -= n;
        a.locked -= n;
        t.locked -= n;
        const b = this.buckets[o.mod][o.who];
        if (b.amount === 0n) this.s.bucketModules[o.who].push(o.mod);
        const releaseAt = now + this.s.delay;
        b.amount += n;
        b.releaseAt = b.releaseAt > releaseAt ? b.releaseAt : releaseAt;
        a.moduleUnbonding += n;
        t.moduleUnbonding += n;
        return ok({ name: "Unlocked", args: [this.modAddrs[o.mod], this.addrs[o.who], n] });
      }
      case "slash": {
        const a = this.accounts[o.who];
        // Resolved against the whole bucket, released or not, so "all" also asks for what is out of reach.
        const requested = resolve(o.amount, this.lockedBy[o.mod][o.who] + this.buckets[o.mod][o.who].amount);
        const offenceId = OFFENCE_IDS[o.offence];
        if (requested === 0n) return fail("ZeroAmount");
        const key = `${o.mod}:${o.offence}`;
        if (this.s.offences.includes(key)) return fail("OffenceAlreadySlashed", this.modAddrs[o.mod], offenceId);
        this.s.offences.push(key);
        this.releaseDue(o.who, now, events);
        let rest = requested;
        const mine = this.lockedBy[o.mod][o.who];
        const fromLock = rest < mine ? rest : mine;
        this.lockedBy[o.mod][o.who] -= fromLock;
        a.locked -= fromLock;
        t.locked -= fromLock;
        rest -= fromLock;
        // Whatever is left in the bucket now is unreleased (released ones were just moved).
        const b = this.buckets[o.mod][o.who];
        const fromBucket = rest < b.amount ? rest : b.amount;
        if (fromBucket !== 0n) {
          if (fromBucket === b.amount) {
            this.buckets[o.mod][o.who] = { amount: 0n, releaseAt: 0n };
            this.removeFromSet(o.who, o.mod);
          } else {
            b.amount -= fromBucket;
          }
          a.moduleUnbonding -= fromBucket;
          t.moduleUnbonding -= fromBucket;
          rest -= fromBucket;
        }
        const slashed = requested - rest;
        a.slashed += slashed;
        t.slashedUnswept += slashed;
        return ok({
          name: "Slashed",
          args: [this.modAddrs[o.mod], this.addrs[o.who], offenceId, requested, slashed],
        });
      }
      case "sweep": {
        const n = t.slashedUnswept;
        if (n === 0n) return fail("NothingToSweep");
        t.slashedUnswept = 0n;
        this.s.treasurerWallet += n;
        return ok({ name: "SlashedSwept", args: [this.treasurer, n] });
      }
      case "setDelay": {
        const old = this.s.delay;
        this.s.delay = o.delay;
        return ok({ name: "UnbondingDelayChanged", args: [old, o.delay] });
      }
      case "wait":
      case "waitForRelease":
      case "waitForBucket":
        throw new Error(`${o.op} sends no transaction`);
    }
  }
}

// ---------------------------------------------------------------- chain

async function invariantFixture() {
  const f = await foundationFixture();
  const { admin, module, treasurer, alice, bob, carol, others, token, vault } = f;
  const modules = [module, others[0]];
  const asAdmin = vault.connect(admin) as Contract;
  // On the empty vault a scheduled grant is ready at once (as in the deploy code).
  for (const m of modules) {
    await asAdmin.scheduleModuleGrant(m.address);
    await asAdmin.grantModule(m.address);
  }
  await asAdmin.grantRole(await vault.TREASURER_ROLE(), treasurer.address);
  const accounts = [alice, bob, carol];
  const vaultAddress = await vault.getAddress();
  for (const s of accounts) {
    await (token.connect(admin) as Contract).mint(s.address, FUNDS);
    await (token.connect(s) as Contract).approve(vaultAddress, ethers.MaxUint256);
  }
  return { ...f, accounts, modules, vaultAddress };
}

interface Chain {
  vault: Contract;
  token: Contract;
  vaultAddress: string;
  admin: HardhatEthersSigner;
  treasurer: HardhatEthersSigner;
  accounts: HardhatEthersSigner[];
  modules: HardhatEthersSigner[];
}

/** Sends the operation's transaction (with the amount the model resolved) and reports what happened. */
async function execute(c: Chain, o: Op, n: bigint): Promise<Outcome> {
  const as = (s: HardhatEthersSigner) => c.vault.connect(s) as Contract;
  let tx: Promise<ContractTransactionResponse>;
  switch (o.op) {
    case "stake":
      tx = as(c.accounts[o.who]).stake(n);
      break;
    case "unstake":
      tx = as(c.accounts[o.who]).unstake(n);
      break;
    case "rebond":
      tx = as(c.accounts[o.who]).rebond(n);
      break;
    case "lock":
      tx = as(c.modules[o.mod]).lock(c.accounts[o.who].address, n);
      break;
    case "unlock":
      tx = as(c.modules[o.mod]).unlock(c.accounts[o.who].address, n);
      break;
    case "slash":
      tx = as(c.modules[o.mod]).slash(c.accounts[o.who].address, n, OFFENCE_IDS[o.offence]);
      break;
    case "withdraw":
      tx = as(c.accounts[o.who]).withdraw();
      break;
    case "releaseUnlocked":
      tx = as(c.treasurer).releaseUnlocked(c.modules[o.mod].address, c.accounts[o.who].address);
      break;
    case "sweep":
      tx = as(c.treasurer).sweepSlashed(c.treasurer.address);
      break;
    case "setDelay":
      tx = as(c.admin).setUnbondingDelay(o.delay);
      break;
    case "wait":
    case "waitForRelease":
    case "waitForBucket":
      throw new Error(`${o.op} sends no transaction`);
  }
  try {
    const receipt = await (await tx).wait();
    if (!receipt) throw new Error("no receipt");
    const events = receipt.logs
      .filter((l) => l.address === c.vaultAddress)
      .map((l) => c.vault.interface.parseLog(l))
      .filter((e) => e !== null)
      .map((e) => ({ name: e.name, args: e.args.toArray() }));
    return { ok: true, events };
  } catch (e) {
    const data = (e as { data?: string }).data;
    if (typeof data !== "string") throw e;
    const parsed = c.vault.interface.parseError(data) ?? c.token.interface.parseError(data);
    if (!parsed) throw e;
    return { ok: false, error: parsed.name, args: parsed.args.toArray() };
  }
}

/** The amount the operation will send at `now`, resolved against the model before it changes. */
function amountFor(m: Model, o: Op, now: bigint): bigint {
  switch (o.op) {
    case "stake":
      return resolve(o.amount, m.accounts[o.who].wallet);
    case "unstake":
      return resolve(o.amount, m.effectiveFree(o.who, now));
    case "rebond":
      return resolve(o.amount, m.accounts[o.who].unbonding);
    case "lock":
      return resolve(o.amount, m.effectiveFree(o.who, now));
    case "unlock":
      return resolve(o.amount, m.lockedBy[o.mod][o.who]);
    case "slash":
      return resolve(o.amount, m.lockedBy[o.mod][o.who] + m.buckets[o.mod][o.who].amount);
    default:
      return 0n;
  }
}

/**
 * Checks the conservation invariant and that every view equals the model. `viewTime` is the
 * timestamp of the latest block, which views run at (it decides which buckets `stakeOf` counts as released).
 */
async function checkState(c: Chain, m: Model, step: string, viewTime: bigint): Promise<void> {
  const [totals, vaultBalance, treasurerBalance, delay] = await Promise.all([
    c.vault.totals(),
    c.token.balanceOf(c.vaultAddress),
    c.token.balanceOf(c.treasurer.address),
    c.vault.unbondingDelay(),
  ]);
  const t = {
    free: totals.free,
    locked: totals.locked,
    unbonding: totals.unbonding,
    moduleUnbonding: totals.moduleUnbonding,
    slashedUnswept: totals.slashedUnswept,
  };
  expect(vaultBalance, `${step}: balance == free + locked + unbonding + moduleUnbonding + slashedUnswept`).to.equal(
    t.free + t.locked + t.unbonding + t.moduleUnbonding + t.slashedUnswept,
  );
  expect(t, `${step}: totals`).to.deep.equal(m.totals);
  expect(treasurerBalance, `${step}: treasurer balance`).to.equal(m.s.treasurerWallet);
  expect(delay, `${step}: unbonding delay`).to.equal(m.s.delay);

  let bucketSum = 0n;
  await Promise.all(
    c.accounts.map(async (s, i) => {
      const a = m.accounts[i];
      const [info, wallet, locks, buckets] = await Promise.all([
        c.vault.stakeOf(s.address),
        c.token.balanceOf(s.address),
        Promise.all(c.modules.map((mm) => c.vault.lockedBy(mm.address, s.address) as Promise<bigint>)),
        Promise.all(c.modules.map((mm) => c.vault.unlockedBy(mm.address, s.address))),
      ]);
      const effectiveFree = m.effectiveFree(i, viewTime);
      expect(
        {
          free: info.free,
          locked: info.locked,
          unbonding: info.unbonding,
          releaseAt: info.unbondingReleaseAt,
          moduleUnbonding: info.moduleUnbonding,
        },
        `${step}: stakeOf(account ${i})`,
      ).to.deep.equal({
        free: effectiveFree,
        locked: a.locked,
        unbonding: a.unbonding,
        releaseAt: a.releaseAt,
        moduleUnbonding: a.moduleUnbonding - (effectiveFree - a.free),
      });
      expect(locks, `${step}: lockedBy(*, account ${i})`).to.deep.equal(m.lockedBy.map((row) => row[i]));
      expect(
        buckets.map((b) => ({ amount: b.amount as bigint, releaseAt: b.releaseAt as bigint })),
        `${step}: unlockedBy(*, account ${i})`,
      ).to.deep.equal(m.buckets.map((row) => row[i]));
      const accountBuckets = buckets.reduce((x, b) => x + (b.amount as bigint), 0n);
      bucketSum += accountBuckets;
      expect(info.locked, `${step}: account ${i} locked == sum of module locks`).to.equal(locks.reduce((x, y) => x + y, 0n));
      expect(info.free + info.moduleUnbonding, `${step}: account ${i} free + moduleUnbonding == stored free + its buckets`).to.equal(
        a.free + accountBuckets,
      );
      expect(wallet, `${step}: wallet of account ${i}`).to.equal(a.wallet);
      expect(a.withdrawn <= a.deposited - a.slashed, `${step}: account ${i} withdrew more than deposited - slashed`).to.be.true;
      expect(a.deposited - a.slashed - a.withdrawn, `${step}: account ${i} stake conservation`).to.equal(
        a.free + a.locked + a.unbonding + a.moduleUnbonding,
      );
    }),
  );
  expect(t.moduleUnbonding, `${step}: total module unbonding == sum of all buckets`).to.equal(bucketSum);

  const flags = await Promise.all(c.modules.flatMap((mm) => OFFENCE_IDS.map((oid) => c.vault.isOffenceSlashed(mm.address, oid))));
  const expected = c.modules.flatMap((_, mi) => OFFENCE_IDS.map((_, oi) => m.s.offences.includes(`${mi}:${oi}`)));
  expect(flags, `${step}: isOffenceSlashed`).to.deep.equal(expected);
}

/** What a slash could reach and what it must not, read from the chain before it is sent. */
interface SlashScope {
  lock: bigint;
  bucket: bigint;
  bucketReleaseAt: bigint;
  free: bigint;
  unbonding: bigint;
  /** Every other module's lock and bucket on the account. */
  others: { lock: bigint; bucket: bigint; releaseAt: bigint }[];
}

async function slashScope(c: Chain, mod: number, who: number): Promise<SlashScope> {
  const account = c.accounts[who].address;
  const [lock, [bucket, bucketReleaseAt], info, others] = await Promise.all([
    c.vault.lockedBy(c.modules[mod].address, account) as Promise<bigint>,
    c.vault.unlockedBy(c.modules[mod].address, account) as Promise<[bigint, bigint]>,
    c.vault.stakeOf(account),
    Promise.all(
      c.modules
        .filter((_, i) => i !== mod)
        .map(async (mm) => {
          const [l, [bucket, releaseAt]] = await Promise.all([
            c.vault.lockedBy(mm.address, account) as Promise<bigint>,
            c.vault.unlockedBy(mm.address, account) as Promise<[bigint, bigint]>,
          ]);
          return { lock: l, bucket, releaseAt };
        }),
    ),
  ]);
  return { lock, bucket, bucketReleaseAt, free: info.free, unbonding: info.unbonding, others };
}

/** The new model time such that the next transaction (sent at time + 1) lands at `target`, if that is later. */
function waitUntil(now: bigint, target: bigint): bigint {
  return target - 1n > now ? target - 1n : now;
}

function describeOp(o: Op): string {
  return JSON.stringify(o, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
}

/** Runs random sequences against the chain and the model, checking every step. */
async function checkSequences(ops: fc.Arbitrary<Op[]>, defaultRuns: number): Promise<void> {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  const numRuns = process.env.FC_RUNS === undefined ? defaultRuns : Number(process.env.FC_RUNS);
  await fc.assert(
    fc.asyncProperty(ops, async (sequence) => {
      const f = await loadFixture(invariantFixture);
      const c: Chain = {
        vault: f.vault,
        token: f.token,
        vaultAddress: f.vaultAddress,
        admin: f.admin,
        treasurer: f.treasurer,
        accounts: f.accounts,
        modules: f.modules,
      };
      const m = new Model(
        f.accounts.map((s) => s.address),
        f.modules.map((s) => s.address),
        f.treasurer.address,
      );
      /** Slashed events seen per (module, offence id): never more than one. */
      const slashEvents = new Map<string, number>();
      let now = BigInt(await time.latest());
      await checkState(c, m, "start", now);

      for (const [i, generated] of sequence.entries()) {
        const o = aimed(m, generated);
        const step = `op ${i} ${describeOp(o)}`;
        if (o.op === "wait") {
          now += BigInt(o.seconds);
          continue;
        }
        if (o.op === "waitForRelease") {
          now = waitUntil(now, m.accounts[o.who].releaseAt + BigInt(o.offset));
          continue;
        }
        if (o.op === "waitForBucket") {
          now = waitUntil(now, m.buckets[o.mod][o.who].releaseAt + BigInt(o.offset));
          continue;
        }
        if (o.op === "withdraw" && o.atRelease !== null) {
          now = waitUntil(now, m.accounts[o.who].releaseAt + BigInt(o.atRelease));
        }
        now += 1n;
        const scope = o.op === "slash" ? await slashScope(c, o.mod, o.who) : null;
        await time.setNextBlockTimestamp(now);
        const n = amountFor(m, o, now);
        const expected = m.apply(o, now);
        const actual = await execute(c, o, n);
        expect(actual, step).to.deep.equal(expected);
        if (actual.ok && o.op === "slash" && scope) {
          const e = actual.events.find((ev) => ev.name === "Slashed");
          const slashed = e?.args[4] as bigint;
          // A module takes at most its lock plus its own bucket while that is not released.
          const reach = scope.lock + (now < scope.bucketReleaseAt ? scope.bucket : 0n);
          expect(slashed <= reach, `${step}: slashed ${slashed} > lock + own unreleased bucket ${reach}`).to.be.true;
          const after = await slashScope(c, o.mod, o.who);
          expect(after.free >= scope.free, `${step}: free stake decreased through a slash`).to.be.true;
          expect(after.unbonding, `${step}: a slash touched unbonding stake`).to.equal(scope.unbonding);
          // Other modules' locks stay; their buckets stay too, unless released by time (moved to free).
          const kept = scope.others.map((x) => (now >= x.releaseAt ? { ...x, bucket: 0n, releaseAt: 0n } : x));
          expect(after.others, `${step}: a slash touched another module's lock or bucket`).to.deep.equal(kept);
        }
        if (actual.ok) {
          for (const e of actual.events.filter((ev) => ev.name === "Slashed")) {
            const key = `${e.args[0]}:${e.args[2]}`;
            slashEvents.set(key, (slashEvents.get(key) ?? 0) + 1);
            expect(slashEvents.get(key), `${step}: offence ${key} slashed twice`).to.equal(1);
          }
        }
        await checkState(c, m, step, BigInt(await time.latest()));
      }
    }),
    { numRuns, seed },
  );
}

describe("StakeVault (property)", () => {
  it("keeps tokens conserved and every view equal to the model over random operation sequences", async () => {
    await checkSequences(opsWith(false), 40);
  });

  it("keeps every module to its lock and its own unreleased buckets over module-heavy sequences", async () => {
    await checkSequences(opsWith(true), 40);
  });
});
