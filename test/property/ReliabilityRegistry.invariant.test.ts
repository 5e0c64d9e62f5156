import hre from "hardhat";
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Contract } from "ethers";
import { as, registryFixture } from "../helpers/reliabilityFixtures";

// Random register / leave / commit / no-show sequences against the registry and the stake vault:
// after every step the vault's token balance is free + locked + unbonding + module unbonding +
// slashed-but-unswept, and what the vault holds locked for the registry per account is what the
// registry says each account's active sources and evaluator hold. Set FC_SEED (and FC_RUNS) to
// replay a failure.

const { ethers } = hre;
const ACCOUNTS = 3;

type Op =
  | { op: "registerSource"; who: number }
  | { op: "leaveSource"; pick: number }
  | { op: "registerEvaluator"; who: number }
  | { op: "leaveEvaluator"; who: number }
  | { op: "commit"; who: number }
  /** Lets `phases` phase windows pass (an epoch with commits and no reveal expires: no-show slashes). */
  | { op: "wait"; phases: number };

const who = fc.integer({ min: 0, max: ACCOUNTS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: who.map((w): Op => ({ op: "registerSource", who: w })) },
  { weight: 2, arbitrary: fc.nat(100).map((p): Op => ({ op: "leaveSource", pick: p })) },
  { weight: 2, arbitrary: who.map((w): Op => ({ op: "registerEvaluator", who: w })) },
  { weight: 1, arbitrary: who.map((w): Op => ({ op: "leaveEvaluator", who: w })) },
  { weight: 3, arbitrary: who.map((w): Op => ({ op: "commit", who: w })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 4 }).map((n): Op => ({ op: "wait", phases: n })) },
);

describe("ReliabilityRegistry stake invariants (property)", () => {
  it("keeps the vault's balance equal to its books and the registry's per-account stake equal to the vault's lock", async () => {
    const runs = Number(process.env.FC_RUNS ?? 15);
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), async (ops) => {
        const f = await loadFixture(registryFixture);
        const accounts = [f.operator, f.evaluators[0], f.evaluators[1]];
        const vault = f.vault as unknown as Contract;
        const token = f.token as unknown as Contract;
        const vaultAddress = await vault.getAddress();
        const check = async () => {
          const t = await vault.totals();
          const books = t.free + t.locked + t.unbonding + t.moduleUnbonding + t.slashedUnswept;
          expect(await token.balanceOf(vaultAddress)).to.equal(books);
          const held = new Map<string, bigint>(accounts.map((a) => [a.address, 0n]));
          const n = Number(await f.registry.sourceCount());
          for (let i = 0; i < n; i++) {
            const s = await f.registry.source(i);
            if (s.status === 0n) held.set(s.operator, (held.get(s.operator) ?? 0n) + s.stake);
          }
          const m = Number(await f.registry.evaluatorCount());
          for (let i = 1; i <= m; i++) {
            const e = await f.registry.evaluator(i);
            if (e.active) held.set(e.account, (held.get(e.account) ?? 0n) + e.stake);
          }
          for (const a of accounts) expect(await vault.lockedBy(f.address, a.address), a.address).to.equal(held.get(a.address));
        };
        for (const o of ops) {
          try {
            if (o.op === "registerSource") await as(f.registry, accounts[o.who]).registerSource("store://s");
            else if (o.op === "leaveSource") {
              const n = Number(await f.registry.sourceCount());
              if (n > 0) {
                const id = o.pick % n;
                const s = await f.registry.source(id);
                const signer = accounts.find((a) => a.address === s.operator)!;
                await as(f.registry, signer).leaveSource(id);
              }
            } else if (o.op === "registerEvaluator") await as(f.registry, accounts[o.who]).registerEvaluator();
            else if (o.op === "leaveEvaluator") await as(f.registry, accounts[o.who]).leaveEvaluator();
            else if (o.op === "commit") {
              const info = await f.registry.epochInfo();
              await as(f.registry, accounts[o.who]).commitFeedback(info.epoch, ethers.id(`c-${o.who}-${info.epoch}`));
            } else {
              await time.increase(o.phases * 1800);
              await f.registry.sync();
            }
          } catch (e) {
            // A refused operation (a custom error: not registered, outside the phase, already done)
            // must change nothing; anything else is a failure.
            if (!/reverted with custom error/.test(String(e))) throw e;
          }
          await check();
        }
      }),
      { numRuns: runs, seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined },
    );
  });
});
