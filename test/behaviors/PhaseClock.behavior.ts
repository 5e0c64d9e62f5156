import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Contract, ContractTransactionResponse } from "ethers";

// The guarantees of contracts/base/PhaseClock.sol, written once and applied to every module on the
// clock: a call succeeds from the first to the last second of its phase and reverts with
// OutsidePhase (phase name, window, time) one second outside it; windows, the start time and the
// total duration are validated with the shared errors of IPhaseClock.

/** One check's fresh state: a phase not open yet, and the call that must succeed only inside it. */
export interface PhaseCase {
  id: bigint;
  round: bigint;
  opensAt: bigint;
  closesAt: bigint;
  /** The call (sent in the next block). */
  act(): Promise<ContractTransactionResponse>;
  /** Run inside the window before the check at `closesAt` (e.g. a commit that keeps the round from being skipped). */
  beforeClose?(): Promise<void>;
  /**
   * What the call does at `closesAt` when the end of this phase moves the round on, so that the
   * module answers with its own error (default: OutsidePhase at closesAt).
   */
  atClose?(call: Promise<ContractTransactionResponse>): Promise<void>;
}

export interface PhaseUnderTest {
  /** The name OutsidePhase reports. */
  name: string;
  open(): Promise<PhaseCase>;
}

/** A created schedule: the transaction (sent in the next block) and the duration the module computes for it. */
export interface Created {
  call: Promise<ContractTransactionResponse>;
  duration?: bigint;
}

export interface PhaseClockSubject {
  /** The module, for its constants and its errors. */
  contract: Contract;
  phases: PhaseUnderTest[];
  /** The window names InvalidWindow reports, in the module's order. */
  windows: string[];
  /** Creates a schedule with window `which` set to `seconds` (the others valid). */
  createWithWindow(which: string, seconds: bigint): Promise<Created>;
  /** Creates a schedule opening at `startTime` (0: now). */
  createStartingAt(startTime: bigint): Promise<Created>;
  /** Creates a schedule lasting exactly the module's cap, or just above it (`over`). */
  createLasting(over: boolean): Promise<Created>;
  /** The cap TaskTooLong reports. */
  maxDuration: bigint;
}

const DAY = 24n * 3600n;

export function shouldBehaveLikePhaseClock(subject: () => Promise<PhaseClockSubject>): void {
  describe("behaves like a PhaseClock", () => {
    it("has a window cap of 30 days and a start delay cap of 365 days", async () => {
      const s = await subject();
      expect(await s.contract.MAX_WINDOW()).to.equal(30n * DAY);
      expect(await s.contract.MAX_START_DELAY()).to.equal(365n * DAY);
    });

    describe("phase deadlines", () => {
      it("names at least one phase", async () => {
        expect((await subject()).phases.length).to.be.greaterThan(0);
      });

      it("reverts a call one second before its phase opens, with the phase, its window and the time", async () => {
        const s = await subject();
        for (const p of s.phases) {
          const c = await p.open();
          const before = c.opensAt - 1n;
          // The subject must hand over a phase that has not opened yet, or the check proves nothing.
          expect(BigInt(await time.latest()) < before, `${p.name}: the phase is already open`).to.equal(true);
          await time.setNextBlockTimestamp(before);
          await expect(c.act(), p.name)
            .to.be.revertedWithCustomError(s.contract, "OutsidePhase")
            .withArgs(c.id, c.round, p.name, c.opensAt, c.closesAt, before);
        }
      });

      it("accepts a call in the first second of its phase", async () => {
        const s = await subject();
        for (const p of s.phases) {
          const c = await p.open();
          await time.setNextBlockTimestamp(c.opensAt);
          await expect(c.act(), p.name).not.to.be.reverted;
        }
      });

      it("accepts a call in the last second of its phase", async () => {
        const s = await subject();
        for (const p of s.phases) {
          const c = await p.open();
          await c.beforeClose?.();
          await time.setNextBlockTimestamp(c.closesAt - 1n);
          await expect(c.act(), p.name).not.to.be.reverted;
        }
      });

      it("reverts a call at its phase's deadline (the first second after it)", async () => {
        const s = await subject();
        for (const p of s.phases) {
          const c = await p.open();
          await c.beforeClose?.();
          await time.setNextBlockTimestamp(c.closesAt);
          if (c.atClose) await c.atClose(c.act());
          else
            await expect(c.act(), p.name)
              .to.be.revertedWithCustomError(s.contract, "OutsidePhase")
              .withArgs(c.id, c.round, p.name, c.opensAt, c.closesAt, c.closesAt);
        }
      });
    });

    describe("schedule validation", () => {
      it("reverts a window of 0 or above MAX_WINDOW, naming it", async () => {
        const s = await subject();
        const max = (await s.contract.MAX_WINDOW()) as bigint;
        for (const w of s.windows) {
          for (const seconds of [0n, max + 1n]) {
            await expect((await s.createWithWindow(w, seconds)).call, `${w} = ${seconds}`)
              .to.be.revertedWithCustomError(s.contract, "InvalidWindow")
              .withArgs(w, seconds, max);
          }
        }
      });

      it("accepts windows of 1 second and of MAX_WINDOW", async () => {
        const s = await subject();
        const max = (await s.contract.MAX_WINDOW()) as bigint;
        for (const w of s.windows) {
          for (const seconds of [1n, max])
            await expect((await s.createWithWindow(w, seconds)).call, `${w} = ${seconds}`).not.to.be.reverted;
        }
      });

      it("reverts a start in the past or beyond MAX_START_DELAY, and accepts now and the latest start", async () => {
        const s = await subject();
        const delay = (await s.contract.MAX_START_DELAY()) as bigint;
        let now = BigInt(await time.latest()) + 10n;
        await time.setNextBlockTimestamp(now);
        await expect((await s.createStartingAt(now - 1n)).call)
          .to.be.revertedWithCustomError(s.contract, "InvalidStartTime")
          .withArgs(now - 1n, now, now + delay);
        now += 10n;
        await time.setNextBlockTimestamp(now);
        await expect((await s.createStartingAt(now + delay + 1n)).call)
          .to.be.revertedWithCustomError(s.contract, "InvalidStartTime")
          .withArgs(now + delay + 1n, now, now + delay);
        now += 10n;
        await time.setNextBlockTimestamp(now);
        await expect((await s.createStartingAt(now + delay)).call).not.to.be.reverted;
        now += 10n;
        await time.setNextBlockTimestamp(now);
        await expect((await s.createStartingAt(now)).call).not.to.be.reverted;
        await expect((await s.createStartingAt(0n)).call).not.to.be.reverted;
      });

      it("accepts a schedule lasting exactly the module's cap and reverts one above it with TaskTooLong", async () => {
        const s = await subject();
        const exact = await s.createLasting(false);
        if (exact.duration !== undefined) expect(exact.duration).to.equal(s.maxDuration);
        await expect(exact.call).not.to.be.reverted;
        const over = await s.createLasting(true);
        expect(over.duration! > s.maxDuration, "the subject's schedule is not above the cap").to.equal(true);
        await expect(over.call).to.be.revertedWithCustomError(s.contract, "TaskTooLong").withArgs(over.duration!, s.maxDuration);
      });
    });
  });
}
