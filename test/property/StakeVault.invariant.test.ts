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
const OFFENCES = 2;
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
  | { op: "sweep" }
  | { op: "setDelay"; delay: bigint }
  | { op: "wait"; seconds: number }
  /** Moves time so the next transaction lands at `who`'s release time plus `offset` seconds. */
  | { op: "waitForRelease"; who: number; aim: boolean; offset: number };

const who = fc.integer({ min: 0, max: ACCOUNTS - 1 });
const mod = fc.integer({ min: 0, max: MODULES - 1 });
const aim = fc.boolean();
const amount: fc.Arbitrary<Amount> = fc.oneof(
  { arbitrary: fc.constant<Amount>({ kind: "zero" }), weight: 1 },
  { arbitrary: fc.constant<Amount>({ kind: "all" }), weight: 3 },
  { arbitrary: fc.constant<Amount>({ kind: "allPlusOne" }), weight: 1 },
  { arbitrary: fc.constant<Amount>({ kind: "half" }), weight: 3 },
  { arbitrary: fc.bigInt({ min: 1n, max: FUNDS / 10n }).map((n): Amount => ({ kind: "fixed", n })), weight: 4 },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("stake" as const), who, amount }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("unstake" as const), who, aim, amount }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant("rebond" as const), who, aim, amount }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant("withdraw" as const),
      who,
      aim,
      atRelease: fc.option(fc.integer({ min: -1, max: 1 }), { nil: null }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant("lock" as const), mod, who, aim, amount }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("unlock" as const), mod, who, aim, amount }), weight: 4 },
  {
    arbitrary: fc.record({
      op: fc.constant("slash" as const),
      mod,
      who,
      aim,
      amount,
      offence: fc.integer({ min: 0, max: OFFENCES - 1 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.constant<Op>({ op: "sweep" }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant("setDelay" as const), delay: fc.constantFrom(0n, 3600n, DELAY) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ op: fc.constant("wait" as const), seconds: fc.constantFrom(1, 3600, UNBONDING_DELAY) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("waitForRelease" as const),
      who,
      aim,
      offset: fc.integer({ min: -1, max: 1 }),
    }),
    weight: 3,
  },
);

/** Each run opens with a stake by every account, then up to 30 random operations in all. */
const ops: fc.Arbitrary<Op[]> = fc
  .tuple(
    fc.array(fc.bigInt({ min: 1n, max: FUNDS }), { minLength: ACCOUNTS, maxLength: ACCOUNTS }),
    fc.array(op, { minLength: 10, maxLength: 30 - ACCOUNTS, size: "max" }),
  )
  .map(([deposits, rest]) => [...deposits.map((n, i): Op => ({ op: "stake", who: i, amount: { kind: "fixed", n } })), ...rest]);

/** `o` with `who` resolved: an aimed operation picks among the accounts it can act on, if any. */
function aimed(m: Model, o: Op): Op {
  if (!("aim" in o) || !o.aim) return o;
  const bucket = (i: number): bigint => {
    const a = m.accounts[i];
    switch (o.op) {
      case "unstake":
      case "lock":
        return a.free;
      case "rebond":
      case "withdraw":
      case "waitForRelease":
        return a.unbonding;
      case "unlock":
        return m.lockedBy[o.mod][i];
      case "slash":
        return m.lockedBy[o.mod][i] + a.unbonding + a.free;
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
  /** Credited by `stake`. */
  deposited: bigint;
  withdrawn: bigint;
  slashed: bigint;
}

interface Event {
  name: string;
  args: unknown[];
}

type Outcome = { ok: true; events: Event[] } | { ok: false; error: string; args: unknown[] };

class Model {
  accounts: Account[] = Array.from({ length: ACCOUNTS }, () => ({
    wallet: FUNDS,
    free: 0n,
    locked: 0n,
    unbonding: 0n,
    releaseAt: 0n,
    deposited: 0n,
    withdrawn: 0n,
    slashed: 0n,
  }));
  /** lockedBy[module][account] */
  lockedBy: bigint[][] = Array.from({ length: MODULES }, () => Array.from({ length: ACCOUNTS }, () => 0n));
  offences = new Set<string>();
  totals = { free: 0n, locked: 0n, unbonding: 0n, slashedUnswept: 0n };
  treasurerWallet = 0n;
  delay = DELAY;

  constructor(
    readonly addrs: string[],
    readonly modAddrs: string[],
    readonly treasurer: string,
  ) {}

  /** Predicts `o` in a block at `now` and applies it if it succeeds. */
  apply(o: Op, now: bigint): Outcome {
    const fail = (error: string, ...args: unknown[]): Outcome => ({ ok: false, error, args });
    const ok = (...events: Event[]): Outcome => ({ ok: true, events });
    const t = this.totals;
    switch (o.op) {
      case "stake": {
        const a = this.accounts[o.who];
        const n = resolve(o.amount, a.wallet);
        if (n === 0n) return fail("ZeroAmount");
        if (n > a.wallet) return fail("ERC20InsufficientBalance", this.addrs[o.who], a.wallet, n);
        a.wallet -= n;
        a.free += n;
        a.deposited += n;
        t.free += n;
        return ok({ name: "Staked", args: [this.addrs[o.who], n] });
      }
      case "unstake": {
        const a = this.accounts[o.who];
        const n = resolve(o.amount, a.free);
        if (n === 0n) return fail("ZeroAmount");
        if (n > a.free) return fail("InsufficientFreeStake", this.addrs[o.who], a.free, n);
        a.free -= n;
        a.unbonding += n;
        a.releaseAt = now + this.delay;
        t.free -= n;
        t.unbonding += n;
        return ok({ name: "UnbondingStarted", args: [this.addrs[o.who], n, a.unbonding, a.releaseAt] });
      }
      case "rebond": {
        const a = this.accounts[o.who];
        const n = resolve(o.amount, a.unbonding);
        if (n === 0n) return fail("ZeroAmount");
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
      case "lock": {
        const a = this.accounts[o.who];
        const n = resolve(o.amount, a.free);
        if (n === 0n) return fail("ZeroAmount");
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
        if (n > mine) return fail("InsufficientLockedStake", this.modAddrs[o.mod], this.addrs[o.who], mine, n);
        this.lockedBy[o.mod][o.who] -= n;
        a.locked -= n;
        a.free += n;
        t.locked -= n;
        t.free += n;
        return ok({ name: "Unlocked", args: [this.modAddrs[o.mod], this.addrs[o.who], n] });
      }
      case "slash": {
        const a = this.accounts[o.who];
        const mine = this.lockedBy[o.mod][o.who];
        const requested = resolve(o.amount, mine + a.unbonding + a.free);
        const offenceId = OFFENCE_IDS[o.offence];
        if (requested === 0n) return fail("ZeroAmount");
        const key = `${o.mod}:${o.offence}`;
        if (this.offences.has(key)) return fail("OffenceAlreadySlashed", this.modAddrs[o.mod], offenceId);
        this.offences.add(key);
        let rest = requested;
        const fromLock = rest < mine ? rest : mine;
        this.lockedBy[o.mod][o.who] -= fromLock;
        a.locked -= fromLock;
        t.locked -= fromLock;
        rest -= fromLock;
        const fromUnbonding = rest < a.unbonding ? rest : a.unbonding;
        a.unbonding -= fromUnbonding;
        t.unbonding -= fromUnbonding;
        rest -= fromUnbonding;
        // Emptying the unbonding stake clears its release time, as a full rebond does.
        if (fromUnbonding !== 0n && a.unbonding === 0n) a.releaseAt = 0n;
        const fromFree = rest < a.free ? rest : a.free;
        a.free -= fromFree;
        t.free -= fromFree;
        rest -= fromFree;
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
        this.treasurerWallet += n;
        return ok({ name: "SlashedSwept", args: [this.treasurer, n] });
      }
      case "setDelay": {
        const old = this.delay;
        this.delay = o.delay;
        return ok({ name: "UnbondingDelayChanged", args: [old, o.delay] });
      }
      case "wait":
      case "waitForRelease":
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
  for (const m of modules) await asAdmin.grantRole(await vault.MODULE_ROLE(), m.address);
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
    case "sweep":
      tx = as(c.treasurer).sweepSlashed(c.treasurer.address);
      break;
    case "setDelay":
      tx = as(c.admin).setUnbondingDelay(o.delay);
      break;
    case "wait":
    case "waitForRelease":
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

/** The amount the operation will send, resolved against the model before it changes. */
function amountFor(m: Model, o: Op): bigint {
  switch (o.op) {
    case "stake":
      return resolve(o.amount, m.accounts[o.who].wallet);
    case "unstake":
      return resolve(o.amount, m.accounts[o.who].free);
    case "rebond":
      return resolve(o.amount, m.accounts[o.who].unbonding);
    case "lock":
      return resolve(o.amount, m.accounts[o.who].free);
    case "unlock":
      return resolve(o.amount, m.lockedBy[o.mod][o.who]);
    case "slash": {
      const a = m.accounts[o.who];
      return resolve(o.amount, m.lockedBy[o.mod][o.who] + a.unbonding + a.free);
    }
    default:
      return 0n;
  }
}

/** Checks the conservation invariant and that every view equals the model. */
async function checkState(c: Chain, m: Model, step: string): Promise<void> {
  const [totals, vaultBalance, treasurerBalance, delay] = await Promise.all([
    c.vault.totals(),
    c.token.balanceOf(c.vaultAddress),
    c.token.balanceOf(c.treasurer.address),
    c.vault.unbondingDelay(),
  ]);
  const t = { free: totals.free, locked: totals.locked, unbonding: totals.unbonding, slashedUnswept: totals.slashedUnswept };
  expect(vaultBalance, `${step}: balance == free + locked + unbonding + slashedUnswept`).to.equal(
    t.free + t.locked + t.unbonding + t.slashedUnswept,
  );
  expect(t, `${step}: totals`).to.deep.equal(m.totals);
  expect(treasurerBalance, `${step}: treasurer balance`).to.equal(m.treasurerWallet);
  expect(delay, `${step}: unbonding delay`).to.equal(m.delay);

  await Promise.all(
    c.accounts.map(async (s, i) => {
      const a = m.accounts[i];
      const [info, wallet, ...locks] = await Promise.all([
        c.vault.stakeOf(s.address),
        c.token.balanceOf(s.address),
        ...c.modules.map((mm) => c.vault.lockedBy(mm.address, s.address)),
      ]);
      expect(
        { free: info.free, locked: info.locked, unbonding: info.unbonding, releaseAt: info.unbondingReleaseAt },
        `${step}: stakeOf(account ${i})`,
      ).to.deep.equal({ free: a.free, locked: a.locked, unbonding: a.unbonding, releaseAt: a.releaseAt });
      expect(locks, `${step}: lockedBy(*, account ${i})`).to.deep.equal(m.lockedBy.map((row) => row[i]));
      expect(info.locked, `${step}: account ${i} locked == sum of module locks`).to.equal((locks as bigint[]).reduce((x, y) => x + y, 0n));
      expect(wallet, `${step}: wallet of account ${i}`).to.equal(a.wallet);
      expect(a.withdrawn <= a.deposited - a.slashed, `${step}: account ${i} withdrew more than deposited - slashed`).to.be.true;
      expect(a.deposited - a.slashed - a.withdrawn, `${step}: account ${i} stake conservation`).to.equal(a.free + a.locked + a.unbonding);
    }),
  );

  const flags = await Promise.all(c.modules.flatMap((mm) => OFFENCE_IDS.map((oid) => c.vault.isOffenceSlashed(mm.address, oid))));
  const expected = c.modules.flatMap((_, mi) => OFFENCE_IDS.map((_, oi) => m.offences.has(`${mi}:${oi}`)));
  expect(flags, `${step}: isOffenceSlashed`).to.deep.equal(expected);
}

/** The new model time such that the next transaction (sent at time + 1) lands at `target`, if that is later. */
function waitUntil(now: bigint, target: bigint): bigint {
  return target - 1n > now ? target - 1n : now;
}

function describeOp(o: Op): string {
  return JSON.stringify(o, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
}

describe("StakeVault (property)", () => {
  it("keeps tokens conserved and every view equal to the model over random operation sequences", async () => {
    const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
    const numRuns = process.env.FC_RUNS === undefined ? 50 : Number(process.env.FC_RUNS);
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
        await checkState(c, m, "start");

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
          if (o.op === "withdraw" && o.atRelease !== null) {
            now = waitUntil(now, m.accounts[o.who].releaseAt + BigInt(o.atRelease));
          }
          now += 1n;
          await time.setNextBlockTimestamp(now);
          const n = amountFor(m, o);
          const expected = m.apply(o, now);
          const actual = await execute(c, o, n);
          expect(actual, step).to.deep.equal(expected);
          if (actual.ok) {
            for (const e of actual.events.filter((ev) => ev.name === "Slashed")) {
              const key = `${e.args[0]}:${e.args[2]}`;
              slashEvents.set(key, (slashEvents.get(key) ?? 0) + 1);
              expect(slashEvents.get(key), `${step}: offence ${key} slashed twice`).to.equal(1);
            }
          }
          await checkState(c, m, step);
        }
      }),
      { numRuns, seed },
    );
  });
});
