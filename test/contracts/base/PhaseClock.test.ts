import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Contract, ContractTransactionResponse } from "ethers";
import { shouldBehaveLikePhaseClock } from "../../behaviors/PhaseClock.behavior";

const DAY = 24n * 3600n;
const CAP = 60n * DAY;
const WINDOWS = [100n, 50n, 70n] as const;
const NAMES = ["commit", "reveal", "settle"];
const NOT_OPEN = 2n ** 256n - 1n;

/** The phase clock harness (a schedule of commit, reveal and settle windows, capped at 60 days). */
async function clockFixture() {
  const harness = (await (await hre.ethers.getContractFactory("PhaseClockHarness")).deploy(CAP)) as unknown as Contract;
  return { harness };
}

/** Schedule 1, opening 1000 s from now with the default windows. */
async function scheduledFixture() {
  const { harness } = await clockFixture();
  const start = BigInt(await time.latest()) + 1000n;
  await harness.schedule(start, [...WINDOWS]);
  return { harness, start };
}

describe("PhaseClock (PhaseClockHarness, module 3's round shape)", () => {
  shouldBehaveLikePhaseClock(async () => {
    const { harness } = await loadFixture(clockFixture);
    const windowsWith = (which: string, seconds: bigint) => WINDOWS.map((w, i) => (NAMES[i] === which ? seconds : w));
    return {
      contract: harness,
      maxDuration: CAP,
      windows: NAMES,
      phases: NAMES.map((name, phase) => ({
        name,
        open: async () => {
          const { harness: h, start } = await loadFixture(scheduledFixture);
          const opensAt = start + WINDOWS.slice(0, phase).reduce((a, b) => a + b, 0n);
          return { id: 1n, round: 0n, opensAt, closesAt: opensAt + WINDOWS[phase], act: () => h.act(1n, 0n, phase) };
        },
      })),
      createWithWindow: async (which, seconds) => ({ call: harness.schedule(0n, windowsWith(which, seconds)) }),
      createStartingAt: async (startTime) => ({ call: harness.schedule(startTime, [...WINDOWS]) }),
      createLasting: async (over) => ({
        call: harness.schedule(0n, [20n * DAY, 20n * DAY, 20n * DAY + (over ? 1n : 0n)]),
        duration: CAP + (over ? 1n : 0n),
      }),
    };
  });

  describe("# _phaseAt and _phaseWindow", () => {
    it("places a timestamp in its phase: not open before the start, each phase for its window, past the last after it", async () => {
      const { harness, start } = await loadFixture(scheduledFixture);
      const c = start + WINDOWS[0];
      const v = c + WINDOWS[1];
      const e = v + WINDOWS[2];
      const cases: [bigint, bigint][] = [
        [0n, NOT_OPEN],
        [start - 1n, NOT_OPEN],
        [start, 0n],
        [c - 1n, 0n],
        [c, 1n],
        [v - 1n, 1n],
        [v, 2n],
        [e - 1n, 2n],
        [e, 3n],
        [e + 10n ** 9n, 3n],
      ];
      for (const [t, phase] of cases) expect(await harness.phaseAt(1n, t), `t = start + ${t - start}`).to.equal(phase);
      expect(await harness.phaseWindow(1n, 0n)).to.deep.equal([start, c]);
      expect(await harness.phaseWindow(1n, 1n)).to.deep.equal([c, v]);
      expect(await harness.phaseWindow(1n, 2n)).to.deep.equal([v, e]);
    });

    it("reverts a call naming another round with WrongRound(id, round, current)", async () => {
      const { harness, start } = await loadFixture(scheduledFixture);
      await time.setNextBlockTimestamp(start);
      await expect(harness.act(1n, 1n, 0n) as Promise<ContractTransactionResponse>)
        .to.be.revertedWithCustomError(harness, "WrongRound")
        .withArgs(1n, 1n, 0n);
      await expect(harness.act(1n, 0n, 0n))
        .to.emit(harness, "Acted")
        .withArgs(1n, 0n, 0n);
    });

    it("reports the module's duration cap through the _maxDuration hook", async () => {
      const { harness } = await loadFixture(clockFixture);
      expect(await harness.maxDuration()).to.equal(CAP);
    });
  });
});
