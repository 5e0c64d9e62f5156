import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress, ZeroHash, parseEther, type Contract, type ContractTransactionResponse, type InterfaceAbi } from "ethers";
import type { Address } from "viem";
import { SNARK_FIELD, poseidon, proofContext } from "../../oracle/core/field";
import { ZkMeritError } from "../../oracle/core/errors";
import { deployMarket, poseidonAbi } from "../../scripts/contribution/deploy";
import { UNBONDING_DELAY, clientsFor } from "../helpers/fixtures";
import { SLOT_CAPACITY, deployTestMarket, marketFixture } from "../helpers/marketFixtures";
import { accStep, emptyRoot, modelsOf, rewardPath, rootFromPath, stateOf } from "../helpers/rewardTree";
import {
  at,
  atNextBlock,
  buildResult,
  commitAll,
  commitAndReveal,
  commitHash,
  currentModel,
  offenceId,
  packedMasks,
  paramsTuple,
  phases,
  proofTuple,
  propose,
  resultTuple,
  revealAll,
  saltFor,
  taskHashes,
  toFinal,
  toReveal,
  toSettle,
  type Settlement,
  type Submission,
  type TaskParams,
} from "../helpers/marketRounds";
import { shouldBehaveLikeGroth16Settlement } from "../behaviors/Groth16Settlement.behavior";
import { shouldBehaveLikePhaseClock } from "../behaviors/PhaseClock.behavior";

const { ethers } = hre;

const R = SNARK_FIELD;
const CW = 3600n;
const RW = 1800n;
const SW = 1800n;
const CHW = 600n;
const MIN_STAKE = parseEther("10");
const SLASH = parseEther("4");
const NO_SHOW = parseEther("1");
const ROUNDS = 3n;
// floor(BUDGET / 3) = 300 tokens per round, the remainder of 2 wei goes to the last round.
const BUDGET = parseEther("900") + 2n;
const R0 = parseEther("300");
const R_LAST = R0 + 2n;
const FEE = parseEther("5");
const FEES = FEE * ROUNDS;
const ESCROW = BUDGET + FEES;
const FUNDS = parseEther("100000");
const STAKED = MIN_STAKE * 5n;
const MODEL0 = 1111n;
const MAX_URI_LENGTH = 512n;
const DAY = 24n * 3600n;
const MAX_WINDOW = 30n * DAY;
const MAX_START_DELAY = 365n * DAY;
const MAX_TASK_DURATION = 365n * DAY;
const PROVEN = 0n;
const NO_SHOW_OFFENCE = 1n;
const U128 = 1n << 128n;
// 0.2 in 16-bit fixed point; a trust of 1 is 2^16, the largest margin.
const TRUST_MARGIN = 13107n;
const TRUST_ONE = 1n << 16n;

function params(o: Partial<TaskParams> = {}): TaskParams {
  return {
    initModelCommitment: MODEL0,
    initModelURI: "store://model-0",
    numRounds: ROUNDS,
    maxTrainers: 4n,
    startTime: 0n,
    commitWindow: CW,
    revealWindow: RW,
    settlementWindow: SW,
    challengeWindow: CHW,
    minStake: MIN_STAKE,
    slashAmount: SLASH,
    noShowPenalty: NO_SHOW,
    budget: BUDGET,
    settlementFee: FEE,
    normBoundSq: 1n << 40n,
    trustMargin: TRUST_MARGIN,
    rootUpdates: false,
    ...o,
  };
}

function as(contract: Contract, signer: HardhatEthersSigner): Contract {
  return contract.connect(signer) as Contract;
}

/** The market with a task owner holding reward tokens and five trainers holding free stake. */
async function fundedFixture() {
  const f = await marketFixture();
  const [taskOwner, dave, erin, stranger, challenger] = f.others;
  const trainers = [f.alice, f.bob, f.carol, dave, erin];
  const marketAddress = await f.market.getAddress();
  const vaultAddress = await f.vault.getAddress();
  const token = f.token as Contract;
  await as(token, f.admin).mint(taskOwner.address, FUNDS);
  await as(token, taskOwner).approve(marketAddress, ethers.MaxUint256);
  // Free stake for the owner's root slot; its reward-token balance stays FUNDS.
  await as(token, f.admin).mint(taskOwner.address, STAKED);
  await as(token, taskOwner).approve(vaultAddress, ethers.MaxUint256);
  await as(f.vault as Contract, taskOwner).stake(STAKED);
  for (const s of trainers) {
    await as(token, f.admin).mint(s.address, FUNDS);
    await as(token, s).approve(vaultAddress, ethers.MaxUint256);
    await as(f.vault as Contract, s).stake(STAKED);
  }
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const context = proofContext(chainId, marketAddress);
  const empty = await emptyRoot(SLOT_CAPACITY);
  return {
    ...f,
    market: f.market as Contract,
    vault: f.vault as Contract,
    token,
    taskOwner,
    trainers,
    dave,
    stranger,
    challenger,
    marketAddress,
    vaultAddress,
    chainId,
    context,
    empty,
  };
}

type Funded = Awaited<ReturnType<typeof fundedFixture>>;

/** Task 1 with the default parameters, round 0 opened at `start`; alice, bob and carol joined (slots 0, 1, 2). */
async function taskFixture() {
  const f = await fundedFixture();
  const p = params();
  const start = await atNextBlock();
  await as(f.market, f.taskOwner).createTask(p);
  for (const s of f.trainers.slice(0, 3)) await as(f.market, s).join(1n);
  return { ...f, p, start };
}

const sub = (signer: HardhatEthersSigner, commitment: bigint, uri?: string): Submission => ({ signer, commitment, uri });

/** taskFixture, plus round 0 commits and reveals of alice (101, slot 0) and bob (102, slot 1); the reveal window is open. */
async function revealedFixture() {
  const f = await taskFixture();
  const subs = [sub(f.alice, 101n, "store://u-0-0"), sub(f.bob, 102n, "store://u-0-1")];
  const ph = await commitAndReveal(f.market, 1n, subs);
  return { ...f, subs, ph };
}

/** taskFixture, plus round 0 commits and reveals of alice, bob and carol. */
async function revealed3Fixture() {
  const f = await taskFixture();
  const subs = [sub(f.alice, 101n), sub(f.bob, 102n), sub(f.carol, 103n)];
  const ph = await commitAndReveal(f.market, 1n, subs);
  return { ...f, subs, ph };
}

/** The settlement of task 1's current round over `cum` with the model 5000 + round unless given. */
async function settlementOf(
  f: Funded,
  o: {
    cum: readonly bigint[];
    included: bigint | readonly number[];
    excluded?: bigint | readonly number[];
    slashed?: bigint | readonly number[];
    model?: bigint;
  },
  taskId = 1n,
): Promise<Settlement> {
  const header = (await f.market.task(taskId)).taskHeader as bigint;
  const round = (await phases(f.market, taskId)).round;
  return buildResult(header, { ...o, model: o.model ?? 5000n + round, prevModel: await currentModel(f.market, taskId) });
}

/** revealedFixture, plus the stranger's proposal (alice 200, bob 100) at the opening of the settlement window. */
async function proposedFixture() {
  const f = await revealedFixture();
  await toSettle(f.market, 1n);
  const s = await settlementOf(f, { cum: [parseEther("200"), parseEther("100")], included: [0, 1] });
  const tx = await propose(f.market, 1n, f.stranger, s.result, 0n);
  const proposedAt = BigInt((await tx.getBlock())!.timestamp);
  return { ...f, s, proposedAt };
}

/** proposedFixture, plus the proposal made final by a sync at the end of its challenge window. */
async function finalFixture() {
  const f = await proposedFixture();
  await toFinal(f.market, 1n);
  await f.market.sync(1n);
  return f;
}

async function accountingOf(f: Funded, taskId: bigint) {
  const a = await f.market.accounting(taskId);
  return {
    budget: a.budget as bigint,
    fees: a.fees as bigint,
    distributed: a.distributed as bigint,
    refundable: a.refundable as bigint,
    pending: a.pending as bigint,
    feesPaid: a.feesPaid as bigint,
    claimed: a.claimed as bigint,
    reclaimed: a.reclaimed as bigint,
  };
}

/**
 * Brings every task up to date, then checks each task's split (budget + fees == distributed +
 * refundable + pending + feesPaid) and that the market holds exactly every task's escrow minus
 * what was claimed, reclaimed and credited as fees, plus the fees credited and not withdrawn.
 */
async function expectEscrowCovered(f: Funded): Promise<void> {
  const n = (await f.market.taskCount()) as bigint;
  let held = 0n;
  for (let id = 1n; id <= n; id++) {
    await f.market.sync(id);
    const a = await accountingOf(f, id);
    expect(a.distributed + a.refundable + a.pending + a.feesPaid, `task ${id}: escrow split`).to.equal(a.budget + a.fees);
    expect(a.claimed <= a.distributed, `task ${id}: claimed <= distributed`).to.be.true;
    expect(a.reclaimed <= a.refundable, `task ${id}: reclaimed <= refundable`).to.be.true;
    held += a.budget + a.fees - a.claimed - a.reclaimed - a.feesPaid;
  }
  for (const s of await ethers.getSigners()) held += (await f.market.feesOwed(s.address)) as bigint;
  expect(await f.token.balanceOf(f.marketAddress)).to.equal(held);
}

/** The receipt's events of `name` emitted by `contract`. */
async function eventsOf(tx: ContractTransactionResponse, contract: Contract, name: string) {
  const receipt = await tx.wait();
  const address = (await contract.getAddress()).toLowerCase();
  return receipt!.logs
    .filter((l) => l.address.toLowerCase() === address)
    .map((l) => contract.interface.parseLog(l))
    .filter((e) => e !== null && e.name === name)
    .map((e) => e!.args.toArray());
}

/** `who` (in `slot`) commits and reveals in the task's current round; the stranger's proposal excluding it becomes final. */
async function settleOneRound(f: Funded, taskId: bigint, who: HardhatEthersSigner, slot: number): Promise<void> {
  await commitAndReveal(f.market, taskId, [sub(who, 9n)]);
  await toSettle(f.market, taskId);
  const round = (await phases(f.market, taskId)).round;
  await propose(
    f.market,
    taskId,
    f.stranger,
    (await settlementOf(f, { cum: [], included: [slot], excluded: [slot] }, taskId)).result,
    round,
  );
  await toFinal(f.market, taskId);
  await f.market.sync(taskId);
}

/** Grants `market` MODULE_ROLE on a vault that already holds stake: schedule, wait the delay, grant. */
async function grantModule(f: Funded, market: string): Promise<void> {
  await as(f.vault, f.admin).scheduleModuleGrant(market);
  await at((await f.vault.moduleGrantReadyAt(market)) as bigint);
  await f.vault.grantModule(market);
}

describe("TrainingMarket", () => {
  describe("# constructor and deployment", () => {
    it("stores its configuration and the empty reward root of N zero leaves", async () => {
      const f = await loadFixture(fundedFixture);
      const d = f.deployedMarket;
      expect(await f.market.stakeVault()).to.equal(f.vaultAddress);
      expect(await f.market.rewardToken()).to.equal(await f.token.getAddress());
      expect(await f.market.slotCapacity()).to.equal(BigInt(SLOT_CAPACITY));
      expect(await f.market.treeDepth()).to.equal(3n);
      expect(await f.market.emptyRoot()).to.equal(f.empty);
      expect(await f.market.hashers()).to.deep.equal([
        d.hashers.poseidon2.address,
        d.hashers.poseidon3.address,
        d.hashers.poseidon4.address,
      ]);
      expect(await f.market.verifier()).to.equal(d.verifier.address);
      expect(await f.market.numPublicInputs()).to.equal(6n);
      expect(await f.market.proofContext()).to.equal(f.context);
      expect(await f.market.owner()).to.equal(f.admin.address);
      expect(await f.market.taskCount()).to.equal(0n);
      expect(await f.market.MAX_URI_LENGTH()).to.equal(MAX_URI_LENGTH);
      expect(await f.market.MAX_WINDOW()).to.equal(MAX_WINDOW);
      expect(await f.market.MAX_START_DELAY()).to.equal(MAX_START_DELAY);
      expect(await f.market.MAX_TASK_DURATION()).to.equal(MAX_TASK_DURATION);
    });

    it("grants the market MODULE_ROLE on the vault", async () => {
      const f = await loadFixture(fundedFixture);
      expect(await f.vault.hasRole(await f.vault.MODULE_ROLE(), f.marketAddress)).to.equal(true);
    });

    it("deploys Poseidon hashers that agree with circomlibjs", async () => {
      const f = await loadFixture(fundedFixture);
      const h = f.deployedMarket.hashers;
      const inputs = [R - 1n, 2n, 3n, 4n];
      for (const [n, address] of [
        [2, h.poseidon2.address],
        [3, h.poseidon3.address],
        [4, h.poseidon4.address],
      ] as const) {
        const c = new ethers.Contract(address, poseidonAbi(n) as InterfaceAbi, ethers.provider);
        const got = await c.getFunction("hash")(inputs.slice(0, n));
        expect(got, `Poseidon${n}`).to.equal(await poseidon(inputs.slice(0, n)));
      }
    });

    async function constructorArgs(f: Funded) {
      const h = f.deployedMarket.hashers;
      return [
        f.deployedMarket.verifier.address,
        f.vaultAddress,
        await f.token.getAddress(),
        8n,
        h.poseidon2.address,
        h.poseidon3.address,
        h.poseidon4.address,
        f.admin.address,
      ];
    }

    it("reverts if the slot capacity is not a power of two in 2..64", async () => {
      const f = await loadFixture(fundedFixture);
      const factory = await ethers.getContractFactory("TrainingMarket");
      for (const n of [0n, 1n, 3n, 12n, 128n]) {
        const args = await constructorArgs(f);
        args[3] = n;
        await expect(factory.deploy(...args))
          .to.be.revertedWithCustomError(factory, "InvalidSlotCapacity")
          .withArgs(n);
      }
    });

    it("accepts the largest slot capacity, 64, with a tree of depth 6", async () => {
      const f = await loadFixture(fundedFixture);
      const h = f.deployedMarket.hashers;
      const { market } = await deployTestMarket(f, {
        slotCapacity: 64,
        verifier: f.deployedMarket.verifier.address,
        hashers: { poseidon2: h.poseidon2.address, poseidon3: h.poseidon3.address, poseidon4: h.poseidon4.address },
        grantModuleRole: false,
      });
      expect(await market.treeDepth()).to.equal(6n);
      expect(await market.emptyRoot()).to.equal(await emptyRoot(64));
    });

    it("reverts if a dependency holds no code", async () => {
      const f = await loadFixture(fundedFixture);
      const factory = await ethers.getContractFactory("TrainingMarket");
      const eoa = f.stranger.address;
      const cases: [number, string][] = [
        [1, "vault"],
        [2, "rewardToken"],
        [4, "poseidon2"],
        [5, "poseidon3"],
        [6, "poseidon4"],
      ];
      for (const [i, what] of cases) {
        const args = await constructorArgs(f);
        args[i] = eoa;
        await expect(factory.deploy(...args))
          .to.be.revertedWithCustomError(factory, "NotAContract")
          .withArgs(what, eoa);
      }
      const args = await constructorArgs(f);
      args[0] = eoa;
      await expect(factory.deploy(...args))
        .to.be.revertedWithCustomError(factory, "VerifierNotContract")
        .withArgs(eoa);
    });

    it("reverts if the owner is the zero address", async () => {
      const f = await loadFixture(fundedFixture);
      const factory = await ethers.getContractFactory("TrainingMarket");
      const args = await constructorArgs(f);
      args[7] = ZeroAddress;
      await expect(factory.deploy(...args))
        .to.be.revertedWithCustomError(factory, "OwnableInvalidOwner")
        .withArgs(ZeroAddress);
    });

    it("refuses a bad slot capacity or a missing verifier in the deploy code", async () => {
      const f = await loadFixture(fundedFixture);
      const base = {
        owner: f.admin.address as Address,
        stakeVault: f.vaultAddress as Address,
        rewardToken: (await f.token.getAddress()) as Address,
      };
      for (const slotCapacity of [1, 6, 128, 2.5]) {
        const e = await deployMarket(clientsFor(f.admin), { ...base, slotCapacity, verifierContract: "MockGroth16Verifier" }).catch(
          (x: unknown) => x,
        );
        expect(e).to.be.instanceOf(ZkMeritError);
        expect((e as ZkMeritError).code).to.equal("CONFIG");
      }
      const e = await deployMarket(clientsFor(f.admin), { ...base, slotCapacity: 8 }).catch((x: unknown) => x);
      expect((e as ZkMeritError).code).to.equal("CONFIG");
    });
  });

  describe("# createTask", () => {
    it("escrows the budget and all fees, computes header and initial state on-chain and emits TaskCreated", async () => {
      const f = await loadFixture(fundedFixture);
      const p = params();
      const ts = await atNextBlock();
      const { header, state } = await taskHashes(f.context, 1n, p, f.empty);
      const tx = as(f.market, f.taskOwner).createTask(p);
      await expect(tx).to.emit(f.market, "TaskCreated").withArgs(1n, f.taskOwner.address, header, state, ts, paramsTuple(p));
      await expect(tx).to.changeTokenBalances(f.token, [f.taskOwner, f.market], [-ESCROW, ESCROW]);
      expect(await f.market.taskCount()).to.equal(1n);
      expect((await f.market.task(1n)).toObject()).to.deep.equal({
        owner: f.taskOwner.address,
        numRounds: ROUNDS,
        endRound: ROUNDS,
        maxTrainers: 4n,
        members: 0n,
        round: 0n,
        finished: false,
        cancelled: false,
        commitWindow: CW,
        revealWindow: RW,
        settlementWindow: SW,
        challengeWindow: CHW,
        minStake: MIN_STAKE,
        slashAmount: SLASH,
        noShowPenalty: NO_SHOW,
        settlementFee: FEE,
        normBoundSq: p.normBoundSq,
        trustMargin: TRUST_MARGIN,
        rootUpdates: false,
        taskHeader: header,
        state,
      });
      expect(await phases(f.market, 1n)).to.deep.equal({
        round: 0n,
        startedAt: ts,
        commitEnd: ts + CW,
        revealEnd: ts + CW + RW,
        settlementDeadline: ts + CW + RW + SW,
        committedMask: 0n,
        revealedMask: 0n,
        acc: state,
        reward: R0,
        settler: ZeroAddress,
        proposedAt: 0n,
        finalAt: 0n,
      });
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        fees: FEES,
        distributed: 0n,
        refundable: 0n,
        pending: ESCROW,
        feesPaid: 0n,
        claimed: 0n,
        reclaimed: 0n,
      });
      await expectEscrowCovered(f);
    });

    it("takes ids from a counter and binds each id into its header", async () => {
      const f = await loadFixture(fundedFixture);
      const p = params();
      await as(f.market, f.taskOwner).createTask(p);
      // A failed creation uses no id.
      await expect(as(f.market, f.alice).createTask(p)).to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance");
      await as(f.market, f.taskOwner).createTask(p);
      expect(await f.market.taskCount()).to.equal(2n);
      expect((await f.market.task(2n)).taskHeader).to.equal((await taskHashes(f.context, 2n, p, f.empty)).header);
      expect((await f.market.task(1n)).taskHeader).not.to.equal((await f.market.task(2n)).taskHeader);
    });

    it("binds every rule parameter into the header", async () => {
      const f = await loadFixture(fundedFixture);
      const variants = [
        params(),
        params({ trustMargin: 7n }),
        params({ trustMargin: 0n }),
        params({ rootUpdates: true }),
        params({ normBoundSq: 5n }),
      ];
      const headers = new Set<bigint>();
      for (const [i, p] of variants.entries()) {
        await as(f.market, f.taskOwner).createTask(p);
        const id = BigInt(i + 1);
        const h = (await f.market.task(id)).taskHeader as bigint;
        expect(h).to.equal((await taskHashes(f.context, id, p, f.empty)).header);
        headers.add(h);
      }
      expect(headers.size).to.equal(variants.length);
    });

    it("opens round 0 at a future start time", async () => {
      const f = await loadFixture(fundedFixture);
      const start = BigInt(await time.latest()) + 1000n;
      await as(f.market, f.taskOwner).createTask(params({ startTime: start }));
      const r = await phases(f.market, 1n);
      expect([r.startedAt, r.commitEnd, r.revealEnd, r.settlementDeadline]).to.deep.equal([
        start,
        start + CW,
        start + CW + RW,
        start + CW + RW + SW,
      ]);
    });

    it("accepts every parameter at its upper bound", async () => {
      const f = await loadFixture(fundedFixture);
      const ts = await atNextBlock();
      // One round of eight trainers: 3 * 30 + 8 * 30 = 330 days, within the 365-day cap.
      const p = params({
        initModelCommitment: R - 1n,
        initModelURI: "x".repeat(Number(MAX_URI_LENGTH)),
        numRounds: 1n,
        maxTrainers: BigInt(SLOT_CAPACITY),
        startTime: ts + MAX_START_DELAY,
        commitWindow: MAX_WINDOW,
        revealWindow: MAX_WINDOW,
        settlementWindow: MAX_WINDOW,
        challengeWindow: MAX_WINDOW,
        minStake: U128 - 1n,
        slashAmount: U128 - 1n,
        noShowPenalty: U128 - 1n,
        budget: U128 - 2n,
        settlementFee: 1n,
        normBoundSq: (1n << 80n) - 1n,
        trustMargin: TRUST_ONE,
      });
      await as(f.token, f.admin).mint(f.taskOwner.address, U128);
      const { header, state } = await taskHashes(f.context, 1n, p, f.empty);
      await expect(as(f.market, f.taskOwner).createTask(p))
        .to.emit(f.market, "TaskCreated")
        .withArgs(1n, f.taskOwner.address, header, state, p.startTime, paramsTuple(p));
      expect((await accountingOf(f, 1n)).pending).to.equal(U128 - 1n);
    });

    it("accepts the most rounds, 2^16 - 1, and puts the remainder in the last", async () => {
      const f = await loadFixture(fundedFixture);
      const n = (1n << 16n) - 1n;
      const budget = parseEther("1000") + 7n;
      await as(f.market, f.taskOwner).createTask(
        params({ numRounds: n, commitWindow: 1n, revealWindow: 1n, settlementWindow: 1n, challengeWindow: 1n, budget, settlementFee: 1n }),
      );
      expect(await f.market.roundReward(1n, n - 1n)).to.equal(budget / n + (budget % n));
      expect(await f.market.roundReward(1n, n - 2n)).to.equal(budget / n);
    });

    it("accepts a total duration of exactly MAX_TASK_DURATION and reverts one second above it", async () => {
      const f = await loadFixture(fundedFixture);
      // 73 rounds of 2 + 1 + 1 days plus 4 trainers * 6 hours of challenges = 73 * 5 days = 365 days.
      const exact = params({ numRounds: 73n, commitWindow: 2n * DAY, revealWindow: DAY, settlementWindow: DAY, challengeWindow: DAY / 4n });
      await expect(as(f.market, f.taskOwner).createTask(exact)).to.emit(f.market, "TaskCreated");
      const longer = { ...exact, commitWindow: 2n * DAY + 1n };
      await expect(as(f.market, f.taskOwner).createTask(longer))
        .to.be.revertedWithCustomError(f.market, "TaskTooLong")
        .withArgs(MAX_TASK_DURATION + 73n, MAX_TASK_DURATION);
    });

    it("counts every trainer's challenge window in the duration", async () => {
      const f = await loadFixture(fundedFixture);
      const p = params({ numRounds: 10n, maxTrainers: 8n, challengeWindow: 5n * DAY });
      const duration = 10n * (CW + RW + SW + 8n * 5n * DAY);
      await expect(as(f.market, f.taskOwner).createTask(p))
        .to.be.revertedWithCustomError(f.market, "TaskTooLong")
        .withArgs(duration, MAX_TASK_DURATION);
    });

    it("accepts a start time equal to the block time", async () => {
      const f = await loadFixture(fundedFixture);
      const ts = await atNextBlock();
      await as(f.market, f.taskOwner).createTask(params({ startTime: ts }));
      expect((await phases(f.market, 1n)).startedAt).to.equal(ts);
    });

    const invalid: [string, Partial<TaskParams>, string, unknown[]][] = [
      ["the initial model commitment is not a field element", { initModelCommitment: R }, "InvalidInitModelCommitment", [R]],
      ["the initial model URI is empty", { initModelURI: "" }, "InvalidURILength", [0n, MAX_URI_LENGTH]],
      [
        "the initial model URI is too long",
        { initModelURI: "x".repeat(Number(MAX_URI_LENGTH) + 1) },
        "InvalidURILength",
        [MAX_URI_LENGTH + 1n, MAX_URI_LENGTH],
      ],
      ["numRounds is 0", { numRounds: 0n }, "InvalidNumRounds", [0n]],
      ["numRounds is 2^16", { numRounds: 1n << 16n }, "InvalidNumRounds", [1n << 16n]],
      ["maxTrainers is 0", { maxTrainers: 0n }, "InvalidMaxTrainers", [0n, BigInt(SLOT_CAPACITY)]],
      [
        "maxTrainers exceeds the slot capacity",
        { maxTrainers: BigInt(SLOT_CAPACITY) + 1n },
        "InvalidMaxTrainers",
        [BigInt(SLOT_CAPACITY) + 1n, BigInt(SLOT_CAPACITY)],
      ],
      ...(["commit", "reveal", "settlement", "challenge"] as const).flatMap((which): [string, Partial<TaskParams>, string, unknown[]][] => {
        const key = `${which}Window` as "commitWindow";
        return [
          [`the ${which} window is 0`, { [key]: 0n }, "InvalidWindow", [which, 0n, MAX_WINDOW]],
          [`the ${which} window is above MAX_WINDOW`, { [key]: MAX_WINDOW + 1n }, "InvalidWindow", [which, MAX_WINDOW + 1n, MAX_WINDOW]],
        ];
      }),
      ["minStake is 0", { minStake: 0n, slashAmount: 0n, noShowPenalty: 0n }, "InvalidMinStake", [0n]],
      ["minStake is 2^128", { minStake: U128 }, "InvalidMinStake", [U128]],
      ["the slash amount exceeds minStake", { slashAmount: MIN_STAKE + 1n }, "InvalidPenalty", ["slashAmount", MIN_STAKE + 1n, MIN_STAKE]],
      [
        "the no-show penalty exceeds minStake",
        { noShowPenalty: MIN_STAKE + 1n },
        "InvalidPenalty",
        ["noShowPenalty", MIN_STAKE + 1n, MIN_STAKE],
      ],
      ["the budget is 0", { budget: 0n }, "InvalidBudget", [0n, FEE]],
      ["the budget is 2^128", { budget: U128 }, "InvalidBudget", [U128, FEE]],
      ["the settlement fee is 2^128", { settlementFee: U128 }, "InvalidBudget", [BUDGET, U128]],
      ["the budget plus all fees is 2^128", { budget: U128 - FEES }, "InvalidBudget", [U128 - FEES, FEE]],
      ["normBoundSq is 2^80", { normBoundSq: 1n << 80n }, "InvalidNormBoundSq", [1n << 80n]],
      ["trustMargin is 2^16 + 1", { trustMargin: TRUST_ONE + 1n }, "InvalidTrustMargin", [TRUST_ONE + 1n, TRUST_ONE]],
      ["trustMargin is 2^80 (it would spill into rootUpdates)", { trustMargin: 1n << 80n }, "InvalidTrustMargin", [1n << 80n, TRUST_ONE]],
      ["rootUpdates with maxTrainers 1", { rootUpdates: true, maxTrainers: 1n }, "RootUpdatesNeedTrainerSlot", [1n]],
    ];
    for (const [what, override, error, args] of invalid) {
      it(`reverts if ${what}`, async () => {
        const f = await loadFixture(fundedFixture);
        await expect(as(f.market, f.taskOwner).createTask(params(override)))
          .to.be.revertedWithCustomError(f.market, error)
          .withArgs(...args);
      });
    }

    it("accepts the budget plus all fees at 2^128 - 1", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.token, f.admin).mint(f.taskOwner.address, U128);
      await as(f.market, f.taskOwner).createTask(params({ budget: U128 - 1n - FEES }));
      expect(await f.token.balanceOf(f.marketAddress)).to.equal(U128 - 1n);
    });

    it("reverts if the start time is in the past", async () => {
      const f = await loadFixture(fundedFixture);
      const ts = await atNextBlock();
      await expect(as(f.market, f.taskOwner).createTask(params({ startTime: ts - 1n })))
        .to.be.revertedWithCustomError(f.market, "InvalidStartTime")
        .withArgs(ts - 1n, ts, ts + MAX_START_DELAY);
    });

    it("reverts if the start time is too far ahead", async () => {
      const f = await loadFixture(fundedFixture);
      const ts = await atNextBlock();
      await expect(as(f.market, f.taskOwner).createTask(params({ startTime: ts + MAX_START_DELAY + 1n })))
        .to.be.revertedWithCustomError(f.market, "InvalidStartTime")
        .withArgs(ts + MAX_START_DELAY + 1n, ts, ts + MAX_START_DELAY);
    });

    it("reverts with the token's error if the allowance is short of budget plus fees", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.token, f.taskOwner).approve(f.marketAddress, ESCROW - 1n);
      await expect(as(f.market, f.taskOwner).createTask(params()))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.marketAddress, ESCROW - 1n, ESCROW);
    });

    it("reverts if a fee-on-transfer reward token delivers less than the escrow", async () => {
      const f = await loadFixture(fundedFixture);
      const fot = (await ethers.deployContract("FeeOnTransferToken")) as unknown as Contract;
      const { market } = await deployTestMarket(f, { rewardToken: (await fot.getAddress()) as Address, grantModuleRole: false });
      await fot.mint(f.taskOwner.address, ESCROW);
      await as(fot, f.taskOwner).approve(await market.getAddress(), ESCROW);
      const received = ESCROW - (ESCROW * 100n) / 10_000n;
      await expect(as(market as Contract, f.taskOwner).createTask(params()))
        .to.be.revertedWithCustomError(market, "BudgetNotReceived")
        .withArgs(ESCROW, received);
    });

    it("cannot be re-entered from the reward token's transfer", async () => {
      const f = await loadFixture(fundedFixture);
      const ree = (await ethers.deployContract("ReentrantToken")) as unknown as Contract;
      const { market } = await deployTestMarket(f, { rewardToken: (await ree.getAddress()) as Address, grantModuleRole: false });
      const m = market as Contract;
      const marketAddress = await m.getAddress();
      await ree.mint(f.taskOwner.address, ESCROW);
      await as(ree, f.taskOwner).approve(marketAddress, ESCROW);
      await ree.mint(await ree.getAddress(), ESCROW);
      await ree.approveFromSelf(marketAddress, ESCROW);
      await ree.arm(marketAddress, m.interface.encodeFunctionData("createTask", [params()]));
      await expect(as(m, f.taskOwner).createTask(params())).to.be.revertedWithCustomError(m, "ReentrancyGuardReentrantCall");
    });
  });

  describe("# join", () => {
    it("assigns the next slot, locks minStake in the vault and emits TrainerJoined", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params());
      for (const [i, s] of f.trainers.slice(0, 3).entries()) {
        const tx = as(f.market, s).join(1n);
        await expect(tx).to.emit(f.market, "TrainerJoined").withArgs(1n, s.address, i, MIN_STAKE);
        await expect(tx).to.emit(f.vault, "Locked").withArgs(f.marketAddress, s.address, MIN_STAKE);
        expect(await f.market.trainerAt(1n, i)).to.equal(s.address);
        expect((await f.market.member(1n, s.address)).toObject()).to.deep.equal({
          joined: true,
          slot: BigInt(i),
          released: false,
          left: false,
          locked: MIN_STAKE,
          claimed: 0n,
        });
        expect(await f.vault.lockedBy(f.marketAddress, s.address)).to.equal(MIN_STAKE);
        expect((await f.vault.stakeOf(s.address)).free).to.equal(STAKED - MIN_STAKE);
      }
      expect((await f.market.task(1n)).members).to.equal(3n);
      expect(await f.market.trainerAt(1n, 3)).to.equal(ZeroAddress);
    });

    it("lets one trainer join several tasks, each locking its own stake", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params());
      await as(f.market, f.taskOwner).createTask(params({ minStake: MIN_STAKE * 2n }));
      await as(f.market, f.bob).join(2n);
      await as(f.market, f.alice).join(1n);
      await as(f.market, f.alice).join(2n);
      expect((await f.market.member(2n, f.alice.address)).slot).to.equal(1n);
      expect(await f.vault.lockedBy(f.marketAddress, f.alice.address)).to.equal(MIN_STAKE * 3n);
    });

    it("accepts joins before the start time and in a later round (skipping the empty ones first)", async () => {
      const f = await loadFixture(fundedFixture);
      const start = BigInt(await time.latest()) + 1000n;
      await as(f.market, f.taskOwner).createTask(params({ startTime: start }));
      await as(f.market, f.alice).join(1n);
      await at(start + CW);
      const tx = as(f.market, f.bob).join(1n);
      await expect(tx).to.emit(f.market, "RoundsSkipped").withArgs(1n, 0n, 1n);
      await expect(tx).to.emit(f.market, "TrainerJoined").withArgs(1n, f.bob.address, 1, MIN_STAKE);
      expect((await phases(f.market, 1n)).round).to.equal(1n);
    });

    it("reverts if the task does not exist", async () => {
      const f = await loadFixture(fundedFixture);
      await expect(as(f.market, f.alice).join(1n)).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(1n);
    });

    it("reverts if the trainer already joined", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.bob).join(1n)).to.be.revertedWithCustomError(f.market, "AlreadyJoined").withArgs(1n, f.bob.address, 1);
    });

    it("reverts if every slot is taken", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ maxTrainers: 2n }));
      await as(f.market, f.alice).join(1n);
      await as(f.market, f.bob).join(1n);
      await expect(as(f.market, f.carol).join(1n)).to.be.revertedWithCustomError(f.market, "TaskFull").withArgs(1n, 2n);
    });

    it("reverts with the vault's error if the trainer has too little free stake", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ minStake: STAKED + 1n, slashAmount: 0n, noShowPenalty: 0n }));
      await expect(as(f.market, f.alice).join(1n))
        .to.be.revertedWithCustomError(f.vault, "InsufficientFreeStake")
        .withArgs(f.alice.address, STAKED, STAKED + 1n);
    });

    it("reverts with the vault's error if the market lacks MODULE_ROLE", async () => {
      const f = await loadFixture(fundedFixture);
      const { market } = await deployTestMarket(f, { grantModuleRole: false });
      const m = market as Contract;
      await as(f.token, f.taskOwner).approve(await m.getAddress(), ESCROW);
      await as(m, f.taskOwner).createTask(params());
      await expect(as(m, f.alice).join(1n))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
        .withArgs(await m.getAddress(), await f.vault.MODULE_ROLE());
    });

    it("reverts once the task is cancelled", async () => {
      const f = await loadFixture(taskFixture);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(as(f.market, f.dave).join(1n)).to.be.revertedWithCustomError(f.market, "TaskNotActive").withArgs(1n, 0n, 0n, true);
    });

    it("reverts once the task is finished", async () => {
      const f = await loadFixture(taskFixture);
      await at(f.start + ROUNDS * CW);
      await expect(as(f.market, f.dave).join(1n))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, ROUNDS, ROUNDS, false);
    });
  });

  describe("# leave", () => {
    it("lets a trainer without a commit this round leave, unlocking its stake into the vault's unbonding", async () => {
      const f = await loadFixture(taskFixture);
      const ts = await atNextBlock();
      const tx = as(f.market, f.alice).leave(1n);
      await expect(tx).to.emit(f.market, "TrainerLeft").withArgs(1n, f.alice.address, 0, 0n, MIN_STAKE);
      await expect(tx).to.emit(f.vault, "Unlocked").withArgs(f.marketAddress, f.alice.address, MIN_STAKE);
      expect((await f.market.member(1n, f.alice.address)).toObject()).to.deep.equal({
        joined: true,
        slot: 0n,
        released: true,
        left: true,
        locked: 0n,
        claimed: 0n,
      });
      expect(await f.vault.lockedBy(f.marketAddress, f.alice.address)).to.equal(0n);
      expect(await f.vault.unlockedBy(f.marketAddress, f.alice.address)).to.deep.equal([MIN_STAKE, ts + BigInt(UNBONDING_DELAY)]);
      expect((await f.vault.stakeOf(f.alice.address)).moduleUnbonding).to.equal(MIN_STAKE);
      // The slot stays taken.
      expect((await f.market.task(1n)).members).to.equal(3n);
      expect(await f.market.trainerAt(1n, 0)).to.equal(f.alice.address);
    });

    it("reverts while the trainer has a commit in the current round, and allows it once the round resolved", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      await expect(as(f.market, f.alice).leave(1n)).to.be.revertedWithCustomError(f.market, "CommittedThisRound").withArgs(1n, 0n, 0);
      // Bob, who did not commit, may leave.
      await expect(as(f.market, f.bob).leave(1n)).to.emit(f.market, "TrainerLeft");
      // Alice never reveals: the round ends at its reveal deadline and her leave pays the no-show penalty first.
      await at((await phases(f.market, 1n)).revealEnd);
      const tx = as(f.market, f.alice).leave(1n);
      await expect(tx)
        .to.emit(f.market, "TrainerSlashed")
        .withArgs(1n, 0n, f.alice.address, 0, NO_SHOW_OFFENCE, offenceId(1n, 0n, 0n), NO_SHOW);
      await expect(tx)
        .to.emit(f.market, "TrainerLeft")
        .withArgs(1n, f.alice.address, 0, 1n, MIN_STAKE - NO_SHOW);
    });

    it("reverts while the trainer's reveal is in a pending proposal", async () => {
      const f = await loadFixture(proposedFixture);
      await expect(as(f.market, f.bob).leave(1n)).to.be.revertedWithCustomError(f.market, "CommittedThisRound").withArgs(1n, 0n, 1);
    });

    it("stops a trainer who left from committing or joining again", async () => {
      const f = await loadFixture(taskFixture);
      await as(f.market, f.alice).leave(1n);
      const hash = await f.market.commitHashOf(1n, 0n, f.alice.address, 1n, saltFor(f.alice.address, 0n));
      await expect(as(f.market, f.alice).commitUpdate(1n, 0n, hash))
        .to.be.revertedWithCustomError(f.market, "MemberLeft")
        .withArgs(1n, f.alice.address);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, 1n, ZeroHash, "u"))
        .to.be.revertedWithCustomError(f.market, "MemberLeft")
        .withArgs(1n, f.alice.address);
      await expect(as(f.market, f.alice).join(1n))
        .to.be.revertedWithCustomError(f.market, "AlreadyJoined")
        .withArgs(1n, f.alice.address, 0);
    });

    it("reverts a second time with StakeAlreadyReleased, and for a non-member or a missing task", async () => {
      const f = await loadFixture(taskFixture);
      await as(f.market, f.alice).leave(1n);
      await expect(as(f.market, f.alice).leave(1n))
        .to.be.revertedWithCustomError(f.market, "StakeAlreadyReleased")
        .withArgs(1n, f.alice.address);
      await expect(f.market.releaseStake(1n, f.alice.address)).to.be.revertedWithCustomError(f.market, "TaskStillActive");
      await expect(as(f.market, f.stranger).leave(1n))
        .to.be.revertedWithCustomError(f.market, "NotMember")
        .withArgs(1n, f.stranger.address);
      await expect(as(f.market, f.alice).leave(2n)).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(2n);
    });

    it("is a release once the task ended (StakeReleased, not TrainerLeft)", async () => {
      const f = await loadFixture(taskFixture);
      await as(f.market, f.taskOwner).cancelTask(1n);
      const tx = as(f.market, f.alice).leave(1n);
      await expect(tx).to.emit(f.market, "StakeReleased").withArgs(1n, f.alice.address, MIN_STAKE);
      await expect(tx).not.to.emit(f.market, "TrainerLeft");
      const m = await f.market.member(1n, f.alice.address);
      expect([m.released, m.left]).to.deep.equal([true, false]);
      await expect(f.market.releaseStake(1n, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "StakeAlreadyReleased")
        .withArgs(1n, f.alice.address);
    });
  });

  describe("# commitUpdate", () => {
    it("stores the commit, sets the slot's bit and emits UpdateCommitted", async () => {
      const f = await loadFixture(taskFixture);
      const state0 = (await f.market.task(1n)).state as bigint;
      const salt = saltFor(f.bob.address, 0n);
      const hash = commitHash(f.chainId, f.marketAddress, 1n, 0n, f.bob.address, 102n, salt);
      expect(await f.market.commitHashOf(1n, 0n, f.bob.address, 102n, salt)).to.equal(hash);
      await expect(as(f.market, f.bob).commitUpdate(1n, 0n, hash))
        .to.emit(f.market, "UpdateCommitted")
        .withArgs(1n, 0n, f.bob.address, 1, hash);
      const r = await phases(f.market, 1n);
      expect([r.committedMask, r.revealedMask, r.acc]).to.deep.equal([2n, 0n, state0]);
      expect((await f.market.task(1n)).state).to.equal(state0);
    });

    it("accepts a commit in the last second of the commit window", async () => {
      const f = await loadFixture(taskFixture);
      await time.setNextBlockTimestamp((await phases(f.market, 1n)).commitEnd - 1n);
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      expect((await phases(f.market, 1n)).committedMask).to.equal(1n);
    });

    it("reverts before the task's start time", async () => {
      const f = await loadFixture(fundedFixture);
      const start = BigInt(await time.latest()) + 1000n;
      await as(f.market, f.taskOwner).createTask(params({ startTime: start }));
      await as(f.market, f.alice).join(1n);
      const ts = await atNextBlock();
      await expect(as(f.market, f.alice).commitUpdate(1n, 0n, ethers.id("c")))
        .to.be.revertedWithCustomError(f.market, "OutsidePhase")
        .withArgs(1n, 0n, "commit", start, start + CW, ts);
    });

    it("reverts once the commit window closed", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.bob, 1n)]);
      const r = await phases(f.market, 1n);
      await time.setNextBlockTimestamp(r.commitEnd);
      await expect(as(f.market, f.alice).commitUpdate(1n, 0n, ethers.id("c")))
        .to.be.revertedWithCustomError(f.market, "OutsidePhase")
        .withArgs(1n, 0n, "commit", r.startedAt, r.commitEnd, r.commitEnd);
    });

    it("reverts naming a round that passed without commits (it was skipped)", async () => {
      const f = await loadFixture(taskFixture);
      await time.setNextBlockTimestamp(f.start + CW);
      await expect(as(f.market, f.alice).commitUpdate(1n, 0n, ethers.id("c")))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 0n, 1n);
    });

    it("reverts if the call names another round", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.alice).commitUpdate(1n, 1n, ethers.id("c")))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 1n, 0n);
    });

    it("reverts if the task does not exist or the caller has not joined", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.alice).commitUpdate(2n, 0n, ethers.id("c")))
        .to.be.revertedWithCustomError(f.market, "TaskNotFound")
        .withArgs(2n);
      await expect(as(f.market, f.stranger).commitUpdate(1n, 0n, ethers.id("c")))
        .to.be.revertedWithCustomError(f.market, "NotMember")
        .withArgs(1n, f.stranger.address);
    });

    it("reverts a second commit of the same slot in a round", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.bob, 1n)]);
      await expect(as(f.market, f.bob).commitUpdate(1n, 0n, ethers.id("again")))
        .to.be.revertedWithCustomError(f.market, "AlreadyCommitted")
        .withArgs(1n, 0n, 1);
    });

    it("reverts if the commit hash is zero", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.alice).commitUpdate(1n, 0n, ZeroHash)).to.be.revertedWithCustomError(f.market, "InvalidCommitHash");
    });

    it("reverts once the task is cancelled or finished", async () => {
      const f = await loadFixture(taskFixture);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(as(f.market, f.alice).commitUpdate(1n, 0n, ethers.id("c")))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, 0n, 0n, true);
      await as(f.market, f.taskOwner).createTask(params({ numRounds: 1n }));
      await as(f.market, f.alice).join(2n);
      await at((await phases(f.market, 2n)).commitEnd);
      await expect(as(f.market, f.alice).commitUpdate(2n, 1n, ethers.id("c")))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(2n, 1n, 1n, false);
    });
  });

  describe("# revealUpdate", () => {
    it("chains the accumulator from the state, sets the slot's bit and emits UpdateRevealed", async () => {
      const f = await loadFixture(taskFixture);
      const state0 = (await f.market.task(1n)).state as bigint;
      const subs = [sub(f.bob, 102n), sub(f.alice, R - 1n)];
      await commitAll(f.market, 1n, subs);
      await toReveal(f.market, 1n);
      const acc1 = await accStep(state0, 0n, 1n, 102n);
      await expect(as(f.market, f.bob).revealUpdate(1n, 0n, 102n, saltFor(f.bob.address, 0n), "store://b"))
        .to.emit(f.market, "UpdateRevealed")
        .withArgs(1n, 0n, f.bob.address, 1, 102n, "store://b", acc1);
      const acc2 = await accStep(acc1, 0n, 0n, R - 1n);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, R - 1n, saltFor(f.alice.address, 0n), "store://a"))
        .to.emit(f.market, "UpdateRevealed")
        .withArgs(1n, 0n, f.alice.address, 0, R - 1n, "store://a", acc2);
      const r = await phases(f.market, 1n);
      expect([r.committedMask, r.revealedMask, r.acc]).to.deep.equal([3n, 3n, acc2]);
      expect((await f.market.task(1n)).state).to.equal(state0);
      const s = await settlementOf(f, { cum: [R0], included: [0, 1] });
      expect(await f.market.publicInputs(1n, s.result, f.stranger.address)).to.deep.equal([
        acc2,
        s.result.newState,
        s.result.modelCommitment,
        s.result.rewardRoot,
        packedMasks(s.result),
        BigInt(f.stranger.address),
      ]);
    });

    it("starts the next round's accumulator from the final state, with the new round number", async () => {
      const f = await loadFixture(finalFixture);
      expect((await phases(f.market, 1n)).acc).to.equal(f.s.result.newState);
      const r = await commitAndReveal(f.market, 1n, [sub(f.carol, 7n)]);
      expect(r.acc).to.equal(await accStep(f.s.result.newState, 1n, 2n, 7n));
    });

    it("accepts a reveal in the last second of the reveal window", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      await time.setNextBlockTimestamp((await phases(f.market, 1n)).revealEnd - 1n);
      await revealAll(f.market, 1n, [sub(f.alice, 1n)]);
      expect((await phases(f.market, 1n)).revealedMask).to.equal(1n);
    });

    it("reverts before the reveal window opens", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      const r = await phases(f.market, 1n);
      const ts = await atNextBlock();
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, 1n, saltFor(f.alice.address, 0n), "u"))
        .to.be.revertedWithCustomError(f.market, "OutsidePhase")
        .withArgs(1n, 0n, "reveal", r.commitEnd, r.revealEnd, ts);
    });

    it("reverts once the reveal window closed", async () => {
      const f = await loadFixture(revealedFixture);
      // With reveals, the round runs on to its settlement deadline: a late reveal is outside the window.
      const r = f.ph;
      await time.setNextBlockTimestamp(r.revealEnd);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, 101n, saltFor(f.alice.address, 0n), "u"))
        .to.be.revertedWithCustomError(f.market, "OutsidePhase")
        .withArgs(1n, 0n, "reveal", r.commitEnd, r.revealEnd, r.revealEnd);
    });

    it("reverts at the reveal deadline of a round nobody revealed in (it ended there)", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      await time.setNextBlockTimestamp((await phases(f.market, 1n)).revealEnd);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, 1n, saltFor(f.alice.address, 0n), "u"))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 0n, 1n);
    });

    it("reverts if the slot did not commit, or already revealed", async () => {
      const f = await loadFixture(revealedFixture);
      await expect(as(f.market, f.carol).revealUpdate(1n, 0n, 1n, ZeroHash, "u"))
        .to.be.revertedWithCustomError(f.market, "NotCommitted")
        .withArgs(1n, 0n, 2);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, 101n, saltFor(f.alice.address, 0n), "u"))
        .to.be.revertedWithCustomError(f.market, "AlreadyRevealed")
        .withArgs(1n, 0n, 0);
    });

    it("reverts if the commitment and salt do not hash to the commit", async () => {
      const f = await loadFixture(taskFixture);
      const aliceSalt = saltFor(f.alice.address, 0n);
      const bobSalt = saltFor(f.bob.address, 0n);
      // Carol's commit was made for round 1 of this task.
      await commitAll(f.market, 1n, [sub(f.alice, 101n), sub(f.bob, 102n)]);
      const carolRound1 = commitHash(f.chainId, f.marketAddress, 1n, 1n, f.carol.address, 103n, saltFor(f.carol.address, 0n));
      await as(f.market, f.carol).commitUpdate(1n, 0n, carolRound1);
      await toReveal(f.market, 1n);
      const hash = (who: HardhatEthersSigner, c: bigint, salt: string, taskId = 1n, round = 0n) =>
        commitHash(f.chainId, f.marketAddress, taskId, round, who.address, c, salt);
      const aliceCommit = hash(f.alice, 101n, aliceSalt);
      const bobCommit = hash(f.bob, 102n, bobSalt);
      const cases: [string, HardhatEthersSigner, bigint, string, number, string][] = [
        ["wrong salt", f.alice, 101n, bobSalt, 0, aliceCommit],
        ["wrong commitment", f.alice, 100n, aliceSalt, 0, aliceCommit],
        // Bob copies alice's revealed update and salt: his address is in the hash.
        ["another trainer's commit", f.bob, 101n, aliceSalt, 1, bobCommit],
        ["a commit for another round", f.carol, 103n, saltFor(f.carol.address, 0n), 2, carolRound1],
      ];
      for (const [what, who, c, salt, slot, expected] of cases) {
        await expect(as(f.market, who).revealUpdate(1n, 0n, c, salt, "u"), what)
          .to.be.revertedWithCustomError(f.market, "RevealMismatch")
          .withArgs(1n, 0n, slot, expected, hash(who, c, salt));
      }
    });

    it("reverts if the commit was made for another task", async () => {
      const f = await loadFixture(taskFixture);
      const salt = saltFor(f.alice.address, 0n);
      const forTask2 = commitHash(f.chainId, f.marketAddress, 2n, 0n, f.alice.address, 101n, salt);
      await as(f.market, f.alice).commitUpdate(1n, 0n, forTask2);
      await toReveal(f.market, 1n);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, 101n, salt, "u"))
        .to.be.revertedWithCustomError(f.market, "RevealMismatch")
        .withArgs(1n, 0n, 0, forTask2, commitHash(f.chainId, f.marketAddress, 1n, 0n, f.alice.address, 101n, salt));
    });

    it("reverts if the commitment is not a field element (even when committed)", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, R)]);
      await toReveal(f.market, 1n);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, R, saltFor(f.alice.address, 0n), "u"))
        .to.be.revertedWithCustomError(f.market, "InvalidCommitment")
        .withArgs(R);
    });

    it("reverts if the URI is empty or too long", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      await toReveal(f.market, 1n);
      const salt = saltFor(f.alice.address, 0n);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, 1n, salt, ""))
        .to.be.revertedWithCustomError(f.market, "InvalidURILength")
        .withArgs(0n, MAX_URI_LENGTH);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, 1n, salt, "x".repeat(513)))
        .to.be.revertedWithCustomError(f.market, "InvalidURILength")
        .withArgs(513n, MAX_URI_LENGTH);
      await expect(as(f.market, f.alice).revealUpdate(1n, 0n, 1n, salt, "x".repeat(512))).to.emit(f.market, "UpdateRevealed");
    });

    it("reverts if the caller has not joined, the round is another or the task does not exist", async () => {
      const f = await loadFixture(revealedFixture);
      await expect(as(f.market, f.stranger).revealUpdate(1n, 0n, 1n, ZeroHash, "u"))
        .to.be.revertedWithCustomError(f.market, "NotMember")
        .withArgs(1n, f.stranger.address);
      await expect(as(f.market, f.carol).revealUpdate(1n, 1n, 1n, ZeroHash, "u"))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 1n, 0n);
      await expect(as(f.market, f.carol).revealUpdate(3n, 0n, 1n, ZeroHash, "u"))
        .to.be.revertedWithCustomError(f.market, "TaskNotFound")
        .withArgs(3n);
    });
  });

  describe("# settleRound", () => {
    it("records a pending proposal, emits RoundProposed with the proof, and changes nothing else until final", async () => {
      const f = await loadFixture(revealedFixture);
      const r = await toSettle(f.market, 1n);
      const state0 = (await f.market.task(1n)).state as bigint;
      const s = await settlementOf(f, { cum: [parseEther("200"), parseEther("100")], included: [0, 1], excluded: [], slashed: [] });
      const tx = propose(f.market, 1n, f.stranger, s.result, 0n);
      await expect(tx)
        .to.emit(f.market, "RoundProposed")
        .withArgs(1n, 0n, f.stranger.address, r.acc, resultTuple(s.result), r.revealEnd + CHW, false, "store://model-1", proofTuple());
      await expect(tx).not.to.emit(f.market, "RoundFinalized");
      const after = await phases(f.market, 1n);
      expect([after.round, after.settler, after.proposedAt, after.finalAt]).to.deep.equal([
        0n,
        f.stranger.address,
        r.revealEnd,
        r.revealEnd + CHW,
      ]);
      expect((await f.market.roundInfo(1n)).proposal).to.deep.equal(resultTuple({ ...s.result, modelCommitment: 0n, rewardRoot: 0n }));
      expect((await f.market.task(1n)).state).to.equal(state0);
      expect((await accountingOf(f, 1n)).pending).to.equal(ESCROW);
      expect(await f.market.feesOwed(f.stranger.address)).to.equal(0n);
    });

    it("accepts a first proposal in the last second of the settlement window", async () => {
      const f = await loadFixture(revealedFixture);
      await time.setNextBlockTimestamp(f.ph.settlementDeadline - 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0] });
      await expect(propose(f.market, 1n, f.stranger, s.result, 0n)).to.emit(f.market, "RoundProposed");
    });

    it("reverts before the settlement window opens", async () => {
      const f = await loadFixture(revealedFixture);
      await time.setNextBlockTimestamp(f.ph.revealEnd - 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0] });
      await expect(propose(f.market, 1n, f.stranger, s.result, 0n))
        .to.be.revertedWithCustomError(f.market, "OutsidePhase")
        .withArgs(1n, 0n, "settlement", f.ph.revealEnd, f.ph.settlementDeadline, f.ph.revealEnd - 1n);
    });

    it("reverts for a round without reveals: before its reveal deadline too early, after it the round is over", async () => {
      // NothingRevealed cannot be reached: a round with commits and no reveal ends at the reveal
      // deadline, where the settlement window would open.
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      const r = await phases(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0] });
      const ts = await atNextBlock();
      await expect(propose(f.market, 1n, f.stranger, s.result, 0n))
        .to.be.revertedWithCustomError(f.market, "OutsidePhase")
        .withArgs(1n, 0n, "settlement", r.revealEnd, r.settlementDeadline, ts);
      await time.setNextBlockTimestamp(r.revealEnd);
      await expect(propose(f.market, 1n, f.stranger, s.result, 0n))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 0n, 1n);
    });

    it("reverts at the settlement deadline without a pending proposal: the round expired", async () => {
      const f = await loadFixture(revealedFixture);
      await time.setNextBlockTimestamp(f.ph.settlementDeadline);
      const s = await settlementOf(f, { cum: [R0], included: [0] });
      await expect(propose(f.market, 1n, f.stranger, s.result, 0n))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 0n, 1n);
    });

    it("reverts if the masks are inconsistent with the reveals", async () => {
      const f = await loadFixture(revealedFixture);
      await toSettle(f.market, 1n);
      const cases: [string, bigint, bigint, bigint][] = [
        ["included is empty", 0n, 0n, 0n],
        ["included names a slot that did not reveal", 0b101n, 0n, 0n],
        ["included names a slot beyond the members", 1n << 8n, 0n, 0n],
        ["excluded is outside included", 0b01n, 0b10n, 0n],
        ["slashed is outside included", 0b01n, 0n, 0b10n],
        ["excluded and slashed overlap", 0b11n, 0b01n, 0b01n],
      ];
      for (const [what, inc, exc, sl] of cases) {
        const s = await settlementOf(f, { cum: [R0], included: inc, excluded: exc, slashed: sl });
        await expect(propose(f.market, 1n, f.stranger, s.result, 0n), what)
          .to.be.revertedWithCustomError(f.market, "InvalidMasks")
          .withArgs(1n, 0n, inc, exc, sl, 0b11n);
      }
    });

    it("reverts if the proof does not verify, naming the round key taskId * 2^64 + round", async () => {
      const f = await loadFixture(revealedFixture);
      await f.verifier.setResult(false);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0, 1] });
      await expect(propose(f.market, 1n, f.stranger, s.result, 0n))
        .to.be.revertedWithCustomError(f.market, "InvalidProof")
        .withArgs((1n << 64n) + 0n);
    });

    it("verifies against exactly publicInputs(taskId, result, msg.sender): another caller gets other inputs", async () => {
      const f = await loadFixture(revealedFixture);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0, 1], excluded: [1] });
      const mine = (await f.market.publicInputs(1n, s.result, f.stranger.address)) as bigint[];
      const theirs = (await f.market.publicInputs(1n, s.result, f.challenger.address)) as bigint[];
      expect(mine).to.deep.equal([
        f.ph.acc,
        s.result.newState,
        s.result.modelCommitment,
        s.result.rewardRoot,
        0b11n | (0b10n << 64n),
        BigInt(f.stranger.address),
      ]);
      expect(theirs).to.deep.equal([...mine.slice(0, 5), BigInt(f.challenger.address)]);
      // The verifier accepts only the stranger's inputs: a copy of its proof fails for anyone else.
      await f.verifier.pinInputs([...mine]);
      await expect(propose(f.market, 1n, f.challenger, s.result, 0n))
        .to.be.revertedWithCustomError(f.market, "InvalidProof")
        .withArgs(1n << 64n);
      await expect(propose(f.market, 1n, f.stranger, s.result, 0n)).to.emit(f.market, "RoundProposed");
    });

    it("reverts if a public input is not a field element", async () => {
      const f = await loadFixture(revealedFixture);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0] });
      for (const [i, field] of [
        [1n, "newState"],
        [2n, "modelCommitment"],
        [3n, "rewardRoot"],
      ] as const) {
        await expect(propose(f.market, 1n, f.stranger, { ...s.result, [field]: R }, 0n))
          .to.be.revertedWithCustomError(f.market, "PublicInputNotInField")
          .withArgs(i, R);
      }
    });

    it("reverts if the task does not exist, the call names another round or the model URI is bad", async () => {
      const f = await loadFixture(revealedFixture);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0] });
      await expect(propose(f.market, 9n, f.stranger, s.result, 0n))
        .to.be.revertedWithCustomError(f.market, "TaskNotFound")
        .withArgs(9n);
      await expect(propose(f.market, 1n, f.stranger, s.result, 1n))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 1n, 0n);
      await expect(propose(f.market, 1n, f.stranger, s.result, 0n, ""))
        .to.be.revertedWithCustomError(f.market, "InvalidURILength")
        .withArgs(0n, MAX_URI_LENGTH);
      await expect(propose(f.market, 1n, f.stranger, s.result, 0n, "x".repeat(513)))
        .to.be.revertedWithCustomError(f.market, "InvalidURILength")
        .withArgs(513n, MAX_URI_LENGTH);
    });

    it("reverts a challenge that does not include strictly more submissions", async () => {
      const f = await loadFixture(proposedFixture);
      const equal = await settlementOf(f, { cum: [R0], included: [0, 1], excluded: [1], model: 9n });
      await expect(propose(f.market, 1n, f.challenger, equal.result, 0n))
        .to.be.revertedWithCustomError(f.market, "ChallengeNotStronger")
        .withArgs(1n, 0n, 2n, 2n);
      const fewer = await settlementOf(f, { cum: [R0], included: [0] });
      await expect(propose(f.market, 1n, f.challenger, fewer.result, 0n))
        .to.be.revertedWithCustomError(f.market, "ChallengeNotStronger")
        .withArgs(1n, 0n, 1n, 2n);
    });

    it("replaces a proposal by one including more submissions, restarting the challenge window", async () => {
      const f = await loadFixture(revealed3Fixture);
      const r = await toSettle(f.market, 1n);
      const weak = await settlementOf(f, { cum: [R0], included: [0, 1], excluded: [1] });
      await propose(f.market, 1n, f.stranger, weak.result, 0n);
      const strong = await settlementOf(f, { cum: [R0 / 2n, 0n, R0 / 2n], included: [0, 1, 2], excluded: [1] });
      const pending = await phases(f.market, 1n);
      await time.setNextBlockTimestamp(pending.finalAt - 1n);
      await expect(propose(f.market, 1n, f.challenger, strong.result, 0n))
        .to.emit(f.market, "RoundProposed")
        .withArgs(
          1n,
          0n,
          f.challenger.address,
          r.acc,
          resultTuple(strong.result),
          pending.finalAt - 1n + CHW,
          true,
          "store://model-1",
          proofTuple(),
        );
      const after = await phases(f.market, 1n);
      expect([after.settler, after.proposedAt, after.finalAt]).to.deep.equal([
        f.challenger.address,
        pending.finalAt - 1n,
        pending.finalAt - 1n + CHW,
      ]);
      // The first proposal's finality time passes without effect; the replacement's pays its settler.
      await at(pending.finalAt);
      await expect(f.market.sync(1n)).not.to.emit(f.market, "RoundFinalized");
      await at(after.finalAt);
      await expect(f.market.sync(1n))
        .to.emit(f.market, "RoundFinalized")
        .withArgs(1n, 0n, f.challenger.address, strong.result.newState, true, FEE);
      expect(await f.market.feesOwed(f.challenger.address)).to.equal(FEE);
      expect(await f.market.feesOwed(f.stranger.address)).to.equal(0n);
      expect((await f.market.task(1n)).state).to.equal(strong.result.newState);
    });

    it("accepts a challenge after the settlement deadline while the proposal is pending", async () => {
      const f = await loadFixture(revealed3Fixture);
      await time.setNextBlockTimestamp(f.ph.settlementDeadline - 1n);
      await propose(f.market, 1n, f.stranger, (await settlementOf(f, { cum: [R0], included: [0] })).result, 0n);
      await time.setNextBlockTimestamp(f.ph.settlementDeadline + 10n);
      const strong = await settlementOf(f, { cum: [R0], included: [0, 2] });
      await expect(propose(f.market, 1n, f.challenger, strong.result, 0n)).to.emit(f.market, "RoundProposed");
    });

    it("checks a challenge's masks and proof like a first proposal", async () => {
      const f = await loadFixture(proposedFixture);
      // Carol did not reveal: a challenge cannot include her.
      const bad = await settlementOf(f, { cum: [R0], included: [0, 1, 2] });
      await expect(propose(f.market, 1n, f.challenger, bad.result, 0n))
        .to.be.revertedWithCustomError(f.market, "InvalidMasks")
        .withArgs(1n, 0n, 0b111n, 0n, 0n, 0b11n);
    });

    it("reverts a challenge once the proposal is final (the task moved on)", async () => {
      const f = await loadFixture(proposedFixture);
      await toFinal(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0, 1] });
      await expect(propose(f.market, 1n, f.challenger, s.result, 0n))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 0n, 1n);
    });

    it("reverts once the task is finished", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ numRounds: 1n }));
      await as(f.market, f.alice).join(1n);
      await commitAndReveal(f.market, 1n, [sub(f.alice, 1n)]);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [BUDGET], included: [0] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      await toFinal(f.market, 1n);
      await expect(propose(f.market, 1n, f.stranger, s.result, 1n))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, 1n, 1n, false);
    });
  });

  describe("# finality (sync and every entry point)", () => {
    it("makes the proposal final at the end of its challenge window: state, reward, fee and RoundFinalized", async () => {
      const f = await loadFixture(proposedFixture);
      const finalAt = f.proposedAt + CHW;
      await time.setNextBlockTimestamp(finalAt - 1n);
      await expect(f.market.sync(1n)).not.to.emit(f.market, "RoundFinalized");
      const tx = f.market.sync(1n);
      await expect(tx).to.emit(f.market, "RoundFinalized").withArgs(1n, 0n, f.stranger.address, f.s.result.newState, true, FEE);
      await expect(tx).not.to.emit(f.market, "TrainerSlashed");
      await expect(tx).not.to.emit(f.market, "TaskFinished");
      expect((await f.market.task(1n)).state).to.equal(f.s.result.newState);
      const next = await phases(f.market, 1n);
      expect([next.round, next.startedAt, next.committedMask, next.revealedMask, next.acc, next.settler]).to.deep.equal([
        1n,
        finalAt,
        0n,
        0n,
        f.s.result.newState,
        ZeroAddress,
      ]);
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        fees: FEES,
        distributed: R0,
        refundable: 0n,
        pending: ESCROW - R0 - FEE,
        feesPaid: FEE,
        claimed: 0n,
        reclaimed: 0n,
      });
      expect(await f.market.feesOwed(f.stranger.address)).to.equal(FEE);
      // Anyone can check the posted model commitment (with the model the round started from) and
      // reward root against the proven state.
      expect(f.s.models).to.equal(await modelsOf(f.s.result.modelCommitment, MODEL0));
      expect(await stateOf((await f.market.task(1n)).taskHeader, f.s.models, f.s.tree.root)).to.equal(f.s.result.newState);
      await expect(f.market.sync(1n)).not.to.emit(f.market, "RoundFinalized");
      await expectEscrowCovered(f);
    });

    it("reports the final state in the views before any transaction", async () => {
      const f = await loadFixture(proposedFixture);
      await time.increaseTo(f.proposedAt + CHW);
      expect((await f.market.task(1n)).state).to.equal(f.s.result.newState);
      const r = await phases(f.market, 1n);
      expect([r.round, r.startedAt, r.acc]).to.deep.equal([1n, f.proposedAt + CHW, f.s.result.newState]);
      expect((await accountingOf(f, 1n)).distributed).to.equal(R0);
      const s = await settlementOf(f, { cum: [R0], included: [0] });
      expect((await f.market.publicInputs(1n, s.result, f.stranger.address))[0]).to.equal(f.s.result.newState);
    });

    it("is applied by the next round's first commit", async () => {
      const f = await loadFixture(proposedFixture);
      await toFinal(f.market, 1n);
      const hash = await f.market.commitHashOf(1n, 1n, f.carol.address, 7n, saltFor(f.carol.address, 1n));
      const tx = as(f.market, f.carol).commitUpdate(1n, 1n, hash);
      await expect(tx).to.emit(f.market, "RoundFinalized").withArgs(1n, 0n, f.stranger.address, f.s.result.newState, true, FEE);
      await expect(tx).to.emit(f.market, "UpdateCommitted").withArgs(1n, 1n, f.carol.address, 2, hash);
    });

    it("slashes the slashed submissions (Proven), never the excluded ones, and rewards the inliers", async () => {
      const f = await loadFixture(revealed3Fixture);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0, 1, 2], excluded: [1], slashed: [2] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      const slashedBefore = (await f.vault.totals()).slashedUnswept as bigint;
      await toFinal(f.market, 1n);
      const tx = await f.market.sync(1n);
      const oid = offenceId(1n, 0n, 2n);
      await expect(tx).to.emit(f.market, "RoundFinalized").withArgs(1n, 0n, f.stranger.address, s.result.newState, true, FEE);
      await expect(tx).to.emit(f.market, "TrainerSlashed").withArgs(1n, 0n, f.carol.address, 2, PROVEN, oid, SLASH);
      await expect(tx).to.emit(f.vault, "Slashed").withArgs(f.marketAddress, f.carol.address, oid, SLASH, SLASH);
      expect(await eventsOf(tx, f.market, "TrainerSlashed")).to.have.length(1);
      expect(await f.vault.isOffenceSlashed(f.marketAddress, oid)).to.equal(true);
      expect(await f.vault.isOffenceSlashed(f.marketAddress, offenceId(1n, 0n, 1n))).to.equal(false);
      expect((await f.market.member(1n, f.carol.address)).locked).to.equal(MIN_STAKE - SLASH);
      expect(await f.vault.lockedBy(f.marketAddress, f.carol.address)).to.equal(MIN_STAKE - SLASH);
      expect((await f.market.member(1n, f.bob.address)).locked).to.equal(MIN_STAKE);
      expect((await f.vault.totals()).slashedUnswept).to.equal(slashedBefore + SLASH);
      expect((await accountingOf(f, 1n)).distributed).to.equal(R0);
    });

    it("takes the no-show penalty once from a trainer who committed and did not reveal", async () => {
      const f = await loadFixture(taskFixture);
      await commitAndReveal(f.market, 1n, [sub(f.alice, 1n), sub(f.bob, 2n), sub(f.carol, 3n)], [sub(f.alice, 1n), sub(f.bob, 2n)]);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0, 1], slashed: [1] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      await toFinal(f.market, 1n);
      const tx = await f.market.sync(1n);
      await expect(tx)
        .to.emit(f.market, "TrainerSlashed")
        .withArgs(1n, 0n, f.carol.address, 2, NO_SHOW_OFFENCE, offenceId(1n, 0n, 2n), NO_SHOW);
      await expect(tx)
        .to.emit(f.market, "TrainerSlashed")
        .withArgs(1n, 0n, f.bob.address, 1, PROVEN, offenceId(1n, 0n, 1n), SLASH);
      expect(await eventsOf(tx, f.market, "TrainerSlashed")).to.have.length(2);
      expect((await f.market.member(1n, f.carol.address)).locked).to.equal(MIN_STAKE - NO_SHOW);
      expect((await f.market.member(1n, f.alice.address)).locked).to.equal(MIN_STAKE);
      await expect(f.market.sync(1n)).not.to.emit(f.market, "TrainerSlashed");
    });

    it("refunds the reward but pays the fee when no included submission is an inlier", async () => {
      const f = await loadFixture(revealedFixture);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [], included: [0, 1], excluded: [0], slashed: [1] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      await toFinal(f.market, 1n);
      await expect(f.market.sync(1n))
        .to.emit(f.market, "RoundFinalized")
        .withArgs(1n, 0n, f.stranger.address, s.result.newState, false, FEE);
      const a = await accountingOf(f, 1n);
      expect([a.distributed, a.refundable, a.feesPaid]).to.deep.equal([0n, R0, FEE]);
      expect(await f.market.refundable(1n)).to.equal(R0);
      await expectEscrowCovered(f);
    });

    it("caps a slash at what is still locked for the task and never touches other tasks' stake", async () => {
      const f = await loadFixture(fundedFixture);
      // Task 1 slashes the whole minStake per offence; alice also locks stake for task 2.
      await as(f.market, f.taskOwner).createTask(params({ slashAmount: MIN_STAKE }));
      await as(f.market, f.taskOwner).createTask(params());
      await as(f.market, f.alice).join(1n);
      await as(f.market, f.alice).join(2n);
      const slashRound = async () => {
        await commitAndReveal(f.market, 1n, [sub(f.alice, 1n)]);
        await toSettle(f.market, 1n);
        await propose(
          f.market,
          1n,
          f.stranger,
          (await settlementOf(f, { cum: [], included: [0], slashed: [0] })).result,
          (await phases(f.market, 1n)).round,
        );
        await toFinal(f.market, 1n);
        return f.market.sync(1n);
      };
      await expect(await slashRound())
        .to.emit(f.market, "TrainerSlashed")
        .withArgs(1n, 0n, f.alice.address, 0, PROVEN, offenceId(1n, 0n, 0n), MIN_STAKE);
      const second = await slashRound();
      await expect(second).to.emit(f.market, "RoundFinalized");
      await expect(second).not.to.emit(f.market, "TrainerSlashed");
      await expect(second).not.to.emit(f.vault, "Slashed");
      expect(await f.vault.lockedBy(f.marketAddress, f.alice.address)).to.equal(MIN_STAKE);
      expect((await f.market.member(2n, f.alice.address)).locked).to.equal(MIN_STAKE);
      // The second offence found nothing locked for task 1 and left free stake alone.
      expect((await f.vault.stakeOf(f.alice.address)).free).to.equal(STAKED - 2n * MIN_STAKE);
      // Both tasks end (task 2 had no commits: its rounds were skipped); each releases exactly what it still holds.
      await as(f.market, f.taskOwner).cancelTask(1n);
      expect((await f.market.task(2n)).finished).to.equal(true);
      await expect(f.market.releaseStake(1n, f.alice.address)).to.emit(f.market, "StakeReleased").withArgs(1n, f.alice.address, 0n);
      await expect(f.market.releaseStake(2n, f.alice.address))
        .to.emit(f.vault, "Unlocked")
        .withArgs(f.marketAddress, f.alice.address, MIN_STAKE);
      expect(await f.vault.lockedBy(f.marketAddress, f.alice.address)).to.equal(0n);
    });

    it("caps a no-show penalty at what is still locked", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ slashAmount: MIN_STAKE - 1n, noShowPenalty: 3n }));
      await as(f.market, f.alice).join(1n);
      await commitAndReveal(f.market, 1n, [sub(f.alice, 1n)]);
      await toSettle(f.market, 1n);
      await propose(f.market, 1n, f.stranger, (await settlementOf(f, { cum: [], included: [0], slashed: [0] })).result, 0n);
      await toFinal(f.market, 1n);
      await f.market.sync(1n);
      await commitAll(f.market, 1n, [sub(f.alice, 2n)]);
      await at((await phases(f.market, 1n)).revealEnd);
      await expect(f.market.sync(1n))
        .to.emit(f.market, "TrainerSlashed")
        .withArgs(1n, 1n, f.alice.address, 0, NO_SHOW_OFFENCE, offenceId(1n, 1n, 0n), 1n);
      expect((await f.market.member(1n, f.alice.address)).locked).to.equal(0n);
    });

    it("does not slash when the task's slash amount and no-show penalty are 0", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ slashAmount: 0n, noShowPenalty: 0n }));
      await as(f.market, f.alice).join(1n);
      await as(f.market, f.bob).join(1n);
      await commitAndReveal(f.market, 1n, [sub(f.alice, 1n), sub(f.bob, 2n)], [sub(f.alice, 1n)]);
      await toSettle(f.market, 1n);
      await propose(f.market, 1n, f.stranger, (await settlementOf(f, { cum: [], included: [0], slashed: [0] })).result, 0n);
      await toFinal(f.market, 1n);
      const tx = f.market.sync(1n);
      await expect(tx).to.emit(f.market, "RoundFinalized");
      await expect(tx).not.to.emit(f.vault, "Slashed");
      expect((await f.market.member(1n, f.alice.address)).locked).to.equal(MIN_STAKE);
    });

    it("reports a slash the vault refuses and still resolves the round", async () => {
      const f = await loadFixture(revealed3Fixture);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0, 1, 2], slashed: [2] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      await as(f.vault, f.admin).revokeRole(await f.vault.MODULE_ROLE(), f.marketAddress);
      await toFinal(f.market, 1n);
      const tx = f.market.sync(1n);
      await expect(tx)
        .to.emit(f.market, "SlashFailed")
        .withArgs(1n, 0n, f.carol.address, offenceId(1n, 0n, 2n));
      await expect(tx).to.emit(f.market, "RoundFinalized");
      await expect(tx).not.to.emit(f.market, "TrainerSlashed");
      expect((await f.market.member(1n, f.carol.address)).locked).to.equal(MIN_STAKE);
      expect((await phases(f.market, 1n)).round).to.equal(1n);
    });

    it("finishes the task with its last round and distributes the remainder there", async () => {
      const f = await loadFixture(taskFixture);
      await time.increaseTo(f.start + 2n * CW);
      expect((await phases(f.market, 1n)).reward).to.equal(R_LAST);
      await commitAndReveal(f.market, 1n, [sub(f.alice, 1n)]);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R_LAST], included: [0] });
      await propose(f.market, 1n, f.stranger, s.result, 2n);
      await toFinal(f.market, 1n);
      const tx = f.market.sync(1n);
      await expect(tx).to.emit(f.market, "RoundFinalized").withArgs(1n, 2n, f.stranger.address, s.result.newState, true, FEE);
      await expect(tx).to.emit(f.market, "TaskFinished").withArgs(1n);
      const t = await f.market.task(1n);
      expect([t.round, t.endRound, t.finished]).to.deep.equal([ROUNDS, ROUNDS, true]);
      expect((await phases(f.market, 1n)).reward).to.equal(0n);
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        fees: FEES,
        distributed: R_LAST,
        refundable: 2n * R0 + 2n * FEE,
        pending: 0n,
        feesPaid: FEE,
        claimed: 0n,
        reclaimed: 0n,
      });
      await expectEscrowCovered(f);
    });

    it("reverts for a task that does not exist", async () => {
      const f = await loadFixture(taskFixture);
      await expect(f.market.sync(2n)).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(2n);
    });
  });

  describe("# expiry and skipped rounds", () => {
    it("ends a round with commits but no reveal at its reveal deadline, with no-show penalties", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, 1n), sub(f.bob, 2n)]);
      const r = await phases(f.market, 1n);
      await time.setNextBlockTimestamp(r.revealEnd - 1n);
      await expect(f.market.sync(1n)).not.to.emit(f.market, "RoundExpired");
      const tx = await f.market.sync(1n);
      await expect(tx)
        .to.emit(f.market, "RoundExpired")
        .withArgs(1n, 0n, 0b11n, 0n, R0 + FEE);
      for (const [slot, who] of [
        [0n, f.alice],
        [1n, f.bob],
      ] as const) {
        await expect(tx)
          .to.emit(f.market, "TrainerSlashed")
          .withArgs(1n, 0n, who.address, slot, NO_SHOW_OFFENCE, offenceId(1n, 0n, slot), NO_SHOW);
      }
      expect(await eventsOf(tx, f.market, "TrainerSlashed")).to.have.length(2);
      const next = await phases(f.market, 1n);
      expect([next.round, next.startedAt]).to.deep.equal([1n, r.revealEnd]);
      const a = await accountingOf(f, 1n);
      expect([a.refundable, a.pending, a.feesPaid]).to.deep.equal([R0 + FEE, ESCROW - R0 - FEE, 0n]);
    });

    it("expires a round with reveals but no proposal at its settlement deadline", async () => {
      const f = await loadFixture(taskFixture);
      await commitAndReveal(
        f.market,
        1n,
        [sub(f.alice, 101n), sub(f.bob, 102n), sub(f.carol, 103n)],
        [sub(f.alice, 101n), sub(f.bob, 102n)],
      );
      const state = (await f.market.task(1n)).state as bigint;
      const r = await phases(f.market, 1n);
      await time.setNextBlockTimestamp(r.settlementDeadline - 1n);
      await expect(f.market.sync(1n)).not.to.emit(f.market, "RoundExpired");
      const tx = f.market.sync(1n);
      await expect(tx)
        .to.emit(f.market, "RoundExpired")
        .withArgs(1n, 0n, 0b111n, 0b011n, R0 + FEE);
      await expect(tx)
        .to.emit(f.market, "TrainerSlashed")
        .withArgs(1n, 0n, f.carol.address, 2, NO_SHOW_OFFENCE, offenceId(1n, 0n, 2n), NO_SHOW);
      expect((await f.market.task(1n)).state).to.equal(state);
      const next = await phases(f.market, 1n);
      expect([next.round, next.startedAt, next.committedMask, next.revealedMask, next.acc]).to.deep.equal([
        1n,
        r.settlementDeadline,
        0n,
        0n,
        state,
      ]);
      // The next round hashes from the unchanged state with its own round number.
      const again = await commitAndReveal(f.market, 1n, [sub(f.alice, 7n)]);
      expect(again.acc).to.equal(await accStep(state, 1n, 0n, 7n));
    });

    it("skips a round without commits at its commit deadline (RoundsSkipped)", async () => {
      const f = await loadFixture(taskFixture);
      await time.setNextBlockTimestamp(f.start + CW - 1n);
      await expect(f.market.sync(1n)).not.to.emit(f.market, "RoundsSkipped");
      await expect(f.market.sync(1n)).to.emit(f.market, "RoundsSkipped").withArgs(1n, 0n, 1n);
      const r = await phases(f.market, 1n);
      expect([r.round, r.startedAt, r.commitEnd]).to.deep.equal([1n, f.start + CW, f.start + 2n * CW]);
      const a = await accountingOf(f, 1n);
      expect([a.refundable, a.pending]).to.deep.equal([R0 + FEE, ESCROW - R0 - FEE]);
    });

    it("skips many rounds in one sync, arithmetically", async () => {
      const f = await loadFixture(fundedFixture);
      const start = await atNextBlock();
      await as(f.market, f.taskOwner).createTask(params({ numRounds: 100n, maxTrainers: 2n, challengeWindow: 60n }));
      await time.setNextBlockTimestamp(start + 57n * CW + 5n);
      const tx = await f.market.sync(1n);
      await expect(tx).to.emit(f.market, "RoundsSkipped").withArgs(1n, 0n, 57n);
      expect((await tx.wait())!.gasUsed < 60_000n, `skipping 57 rounds used ${(await tx.wait())!.gasUsed} gas`).to.be.true;
      const r = await phases(f.market, 1n);
      expect([r.round, r.startedAt]).to.deep.equal([57n, start + 57n * CW]);
    });

    it("skips no further than the end and finishes the task", async () => {
      const f = await loadFixture(taskFixture);
      await time.setNextBlockTimestamp(f.start + 1000n * CW);
      const tx = f.market.sync(1n);
      await expect(tx).to.emit(f.market, "RoundsSkipped").withArgs(1n, 0n, ROUNDS);
      await expect(tx).to.emit(f.market, "TaskFinished").withArgs(1n);
      const t = await f.market.task(1n);
      expect([t.round, t.finished]).to.deep.equal([ROUNDS, true]);
      expect(await f.market.refundable(1n)).to.equal(ESCROW);
      await expect(f.market.sync(1n)).not.to.emit(f.market, "RoundsSkipped");
    });

    it("expires a round and skips the empty rounds after it in one step", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      const r = await phases(f.market, 1n);
      await time.setNextBlockTimestamp(r.revealEnd + CW + 1n);
      const tx = f.market.sync(1n);
      await expect(tx)
        .to.emit(f.market, "RoundExpired")
        .withArgs(1n, 0n, 1n, 0n, R0 + FEE);
      await expect(tx).to.emit(f.market, "RoundsSkipped").withArgs(1n, 1n, 1n);
      const next = await phases(f.market, 1n);
      expect([next.round, next.startedAt]).to.deep.equal([2n, r.revealEnd + CW]);
    });

    it("reports the caught-up round, accounting and refundable in the views without a transaction", async () => {
      const f = await loadFixture(taskFixture);
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      const r = await phases(f.market, 1n);
      await time.increaseTo(r.revealEnd + CW + 10n);
      const v = await phases(f.market, 1n);
      expect([v.round, v.startedAt, v.committedMask]).to.deep.equal([2n, r.revealEnd + CW, 0n]);
      expect((await f.market.task(1n)).round).to.equal(2n);
      expect(await f.market.refundable(1n)).to.equal(2n * (R0 + FEE));
      const a = await accountingOf(f, 1n);
      expect([a.refundable, a.pending]).to.deep.equal([2n * (R0 + FEE), R_LAST + FEE]);
      // Nothing was written: the no-show penalty waits for the first transaction.
      expect((await f.market.member(1n, f.alice.address)).locked).to.equal(MIN_STAKE);
    });
  });

  describe("# cancelTask", () => {
    it("ends a task without commits in the current round now and makes every open round refundable", async () => {
      const f = await loadFixture(finalFixture);
      const tx = as(f.market, f.taskOwner).cancelTask(1n);
      await expect(tx).to.emit(f.market, "TaskCancelled").withArgs(1n, 1n, 1n);
      await expect(tx).to.emit(f.market, "TaskFinished").withArgs(1n);
      const t = await f.market.task(1n);
      expect([t.cancelled, t.finished, t.round, t.endRound]).to.deep.equal([true, true, 1n, 1n]);
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        fees: FEES,
        distributed: R0,
        refundable: ESCROW - R0 - FEE,
        pending: 0n,
        feesPaid: FEE,
        claimed: 0n,
        reclaimed: 0n,
      });
      expect((await phases(f.market, 1n)).reward).to.equal(0n);
      await expectEscrowCovered(f);
    });

    it("lets the current round run to its end if it has commits, then finishes", async () => {
      const f = await loadFixture(revealedFixture);
      const tx = as(f.market, f.taskOwner).cancelTask(1n);
      await expect(tx).to.emit(f.market, "TaskCancelled").withArgs(1n, 0n, 1n);
      await expect(tx).not.to.emit(f.market, "TaskFinished");
      const t = await f.market.task(1n);
      expect([t.cancelled, t.finished, t.round, t.endRound]).to.deep.equal([true, false, 0n, 1n]);
      // Round 0's reward and fee stay pending; the rest is refundable now.
      let a = await accountingOf(f, 1n);
      expect([a.pending, a.refundable]).to.deep.equal([R0 + FEE, ESCROW - R0 - FEE]);
      expect(await f.market.refundable(1n)).to.equal(ESCROW - R0 - FEE);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0, 1] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      await toFinal(f.market, 1n);
      const fin = f.market.sync(1n);
      await expect(fin).to.emit(f.market, "RoundFinalized").withArgs(1n, 0n, f.stranger.address, s.result.newState, true, FEE);
      await expect(fin).to.emit(f.market, "TaskFinished").withArgs(1n);
      a = await accountingOf(f, 1n);
      expect([a.distributed, a.pending, a.feesPaid, a.refundable]).to.deep.equal([R0, 0n, FEE, ESCROW - R0 - FEE]);
      await expectEscrowCovered(f);
    });

    it("can cancel before anyone joined and after empty rounds passed", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params());
      await expect(as(f.market, f.taskOwner).cancelTask(1n)).to.emit(f.market, "TaskCancelled").withArgs(1n, 0n, 0n);
      await as(f.market, f.taskOwner).createTask(params());
      await at((await phases(f.market, 2n)).startedAt + CW + 10n);
      const tx = as(f.market, f.taskOwner).cancelTask(2n);
      await expect(tx).to.emit(f.market, "RoundsSkipped").withArgs(2n, 0n, 1n);
      await expect(tx).to.emit(f.market, "TaskCancelled").withArgs(2n, 1n, 1n);
      expect(await f.market.refundable(2n)).to.equal(ESCROW);
    });

    it("reverts if the caller is not the task owner", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.admin).cancelTask(1n))
        .to.be.revertedWithCustomError(f.market, "NotTaskOwner")
        .withArgs(1n, f.admin.address, f.taskOwner.address);
    });

    it("reverts if the task already ended or does not exist", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.taskOwner).cancelTask(5n)).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(5n);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(as(f.market, f.taskOwner).cancelTask(1n))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, 0n, 0n, true);
      await as(f.market, f.taskOwner).createTask(params({ numRounds: 1n }));
      await at((await phases(f.market, 2n)).commitEnd);
      await expect(as(f.market, f.taskOwner).cancelTask(2n))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(2n, 1n, 1n, false);
    });
  });

  describe("A_Trainer_Cannot_Block_Cancellation", () => {
    it("a trainer cannot block cancellation by committing every round", async () => {
      const f = await loadFixture(taskFixture);
      // Alice commits at the opening of every round and never reveals; the owner cancels in round 0.
      await commitAll(f.market, 1n, [sub(f.alice, 1n)]);
      await expect(as(f.market, f.taskOwner).cancelTask(1n)).to.emit(f.market, "TaskCancelled").withArgs(1n, 0n, 1n);
      // Her commit only keeps round 0 running; there is no round 1 to commit to.
      const r = await phases(f.market, 1n);
      await time.setNextBlockTimestamp(r.revealEnd);
      const hash = await f.market.commitHashOf(1n, 1n, f.alice.address, 2n, saltFor(f.alice.address, 1n));
      await expect(as(f.market, f.alice).commitUpdate(1n, 1n, hash))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, 1n, 1n, true);
      const tx = f.market.sync(1n);
      await expect(tx)
        .to.emit(f.market, "RoundExpired")
        .withArgs(1n, 0n, 1n, 0n, R0 + FEE);
      await expect(tx).to.emit(f.market, "TaskFinished").withArgs(1n);
      // The owner gets everything back; alice paid for her no-show and gets the rest of her stake.
      await expect(as(f.market, f.taskOwner).reclaim(1n)).to.emit(f.market, "EscrowReclaimed").withArgs(1n, f.taskOwner.address, ESCROW);
      await expect(f.market.releaseStake(1n, f.alice.address))
        .to.emit(f.market, "StakeReleased")
        .withArgs(1n, f.alice.address, MIN_STAKE - NO_SHOW);
      expect(await f.token.balanceOf(f.marketAddress)).to.equal(0n);
    });
  });

  describe("# reclaim", () => {
    it("pays the owner only refundable escrow: never distributed rewards, paid fees nor an open round", async () => {
      const f = await loadFixture(finalFixture);
      // Round 0 final with inliers (R0 owed to trainers, FEE to the settler), round 1 skipped, round 2 open.
      await at((await phases(f.market, 1n)).commitEnd);
      const tx = as(f.market, f.taskOwner).reclaim(1n);
      await expect(tx)
        .to.emit(f.market, "EscrowReclaimed")
        .withArgs(1n, f.taskOwner.address, R0 + FEE);
      await expect(tx).to.changeTokenBalances(f.token, [f.taskOwner, f.market], [R0 + FEE, -(R0 + FEE)]);
      await expect(as(f.market, f.taskOwner).reclaim(1n)).to.be.revertedWithCustomError(f.market, "NothingToReclaim").withArgs(1n);
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        fees: FEES,
        distributed: R0,
        refundable: R0 + FEE,
        pending: R_LAST + FEE,
        feesPaid: FEE,
        claimed: 0n,
        reclaimed: R0 + FEE,
      });
      // The last round is final with only outliers: its reward is refundable too, the earned R0 is not.
      await commitAndReveal(f.market, 1n, [sub(f.bob, 5n)]);
      await toSettle(f.market, 1n);
      const last = await settlementOf(f, { cum: [parseEther("200"), parseEther("100")], included: [1], excluded: [1] });
      await propose(f.market, 1n, f.stranger, last.result, 2n);
      await toFinal(f.market, 1n);
      await expect(as(f.market, f.taskOwner).reclaim(1n)).to.emit(f.market, "EscrowReclaimed").withArgs(1n, f.taskOwner.address, R_LAST);
      await expectEscrowCovered(f);
      expect(await f.token.balanceOf(f.marketAddress)).to.equal(R0 + 2n * FEE);
      // Everyone still gets what they earned.
      await as(f.market, f.alice).claim(1n, parseEther("200"), rewardPath(last.tree, 0), last.models);
      await as(f.market, f.bob).claim(1n, parseEther("100"), rewardPath(last.tree, 1), last.models);
      await as(f.market, f.stranger).withdrawFees();
      expect(await f.token.balanceOf(f.marketAddress)).to.equal(0n);
    });

    it("reverts if the caller is not the task owner", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.alice).reclaim(1n))
        .to.be.revertedWithCustomError(f.market, "NotTaskOwner")
        .withArgs(1n, f.alice.address, f.taskOwner.address);
    });

    it("reverts if nothing is refundable or the task does not exist", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.taskOwner).reclaim(1n)).to.be.revertedWithCustomError(f.market, "NothingToReclaim").withArgs(1n);
      await expect(as(f.market, f.taskOwner).reclaim(2n)).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(2n);
    });

    it("cannot be re-entered from the reward token's transfer", async () => {
      const f = await loadFixture(fundedFixture);
      const ree = (await ethers.deployContract("ReentrantToken")) as unknown as Contract;
      const { market } = await deployTestMarket(f, { rewardToken: (await ree.getAddress()) as Address, grantModuleRole: false });
      const m = market as Contract;
      const marketAddress = await m.getAddress();
      await ree.mint(f.taskOwner.address, ESCROW);
      await as(ree, f.taskOwner).approve(marketAddress, ESCROW);
      await as(m, f.taskOwner).createTask(params());
      await at((await m.roundInfo(1n)).commitEnd);
      await m.sync(1n);
      await ree.arm(marketAddress, m.interface.encodeFunctionData("reclaim", [1n]));
      await expect(as(m, f.taskOwner).reclaim(1n)).to.be.revertedWithCustomError(m, "ReentrancyGuardReentrantCall");
    });
  });

  describe("# withdrawFees", () => {
    it("pays the settler the fees credited by final proposals, once", async () => {
      const f = await loadFixture(proposedFixture);
      await expect(as(f.market, f.stranger).withdrawFees())
        .to.be.revertedWithCustomError(f.market, "NoFeesOwed")
        .withArgs(f.stranger.address);
      await toFinal(f.market, 1n);
      await f.market.sync(1n);
      const tx = as(f.market, f.stranger).withdrawFees();
      await expect(tx).to.emit(f.market, "FeesWithdrawn").withArgs(f.stranger.address, FEE);
      await expect(tx).to.changeTokenBalances(f.token, [f.stranger, f.market], [FEE, -FEE]);
      expect(await f.market.feesOwed(f.stranger.address)).to.equal(0n);
      await expect(as(f.market, f.stranger).withdrawFees())
        .to.be.revertedWithCustomError(f.market, "NoFeesOwed")
        .withArgs(f.stranger.address);
      await expectEscrowCovered(f);
    });

    it("sums fees over rounds and tasks", async () => {
      const f = await loadFixture(finalFixture);
      await settleOneRound(f, 1n, f.carol, 2);
      await as(f.market, f.taskOwner).createTask(params({ settlementFee: 3n }));
      await as(f.market, f.dave).join(2n);
      await settleOneRound(f, 2n, f.dave, 0);
      expect(await f.market.feesOwed(f.stranger.address)).to.equal(2n * FEE + 3n);
      await expect(as(f.market, f.stranger).withdrawFees())
        .to.emit(f.market, "FeesWithdrawn")
        .withArgs(f.stranger.address, 2n * FEE + 3n);
      await expectEscrowCovered(f);
    });

    it("credits nothing on a task without a settlement fee", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ settlementFee: 0n }));
      await as(f.market, f.alice).join(1n);
      await commitAndReveal(f.market, 1n, [sub(f.alice, 1n)]);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0], included: [0] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      await toFinal(f.market, 1n);
      await expect(f.market.sync(1n)).to.emit(f.market, "RoundFinalized").withArgs(1n, 0n, f.stranger.address, s.result.newState, true, 0n);
      await expect(as(f.market, f.stranger).withdrawFees())
        .to.be.revertedWithCustomError(f.market, "NoFeesOwed")
        .withArgs(f.stranger.address);
    });
  });

  describe("# claim", () => {
    it("pays the cumulative reward proven against the state and emits RewardClaimed", async () => {
      const f = await loadFixture(finalFixture);
      for (const [slot, who, amount] of [
        [0, f.alice, parseEther("200")],
        [1, f.bob, parseEther("100")],
      ] as const) {
        const tx = as(f.market, who).claim(1n, amount, rewardPath(f.s.tree, slot), f.s.models);
        await expect(tx).to.emit(f.market, "RewardClaimed").withArgs(1n, who.address, amount, amount);
        await expect(tx).to.changeTokenBalances(f.token, [who, f.market], [amount, -amount]);
        expect(await f.market.claimed(1n, who.address)).to.equal(amount);
      }
      expect((await accountingOf(f, 1n)).claimed).to.equal(R0);
      await expectEscrowCovered(f);
    });

    it("pays against a proposal that became final without a transaction (the claim applies it)", async () => {
      const f = await loadFixture(proposedFixture);
      await toFinal(f.market, 1n);
      const tx = as(f.market, f.alice).claim(1n, parseEther("200"), rewardPath(f.s.tree, 0), f.s.models);
      await expect(tx).to.emit(f.market, "RoundFinalized");
      await expect(tx).to.emit(f.market, "RewardClaimed").withArgs(1n, f.alice.address, parseEther("200"), parseEther("200"));
    });

    it("pays only the increase on a later claim", async () => {
      const f = await loadFixture(finalFixture);
      await as(f.market, f.alice).claim(1n, parseEther("200"), rewardPath(f.s.tree, 0), f.s.models);
      await commitAndReveal(f.market, 1n, [sub(f.alice, 1n)]);
      await toSettle(f.market, 1n);
      const s2 = await settlementOf(f, { cum: [parseEther("500"), parseEther("100")], included: [0] });
      await propose(f.market, 1n, f.stranger, s2.result, 1n);
      await toFinal(f.market, 1n);
      await expect(as(f.market, f.alice).claim(1n, parseEther("500"), rewardPath(s2.tree, 0), s2.models))
        .to.emit(f.market, "RewardClaimed")
        .withArgs(1n, f.alice.address, parseEther("500"), parseEther("300"));
      expect((await f.market.member(1n, f.alice.address)).claimed).to.equal(parseEther("500"));
    });

    it("reverts a second claim of the same amount, and a claim of a zero leaf", async () => {
      const f = await loadFixture(finalFixture);
      const path = rewardPath(f.s.tree, 0);
      await as(f.market, f.alice).claim(1n, parseEther("200"), path, f.s.models);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), path, f.s.models))
        .to.be.revertedWithCustomError(f.market, "NothingToClaim")
        .withArgs(1n, f.alice.address, parseEther("200"), parseEther("200"));
      await expect(as(f.market, f.carol).claim(1n, 0n, rewardPath(f.s.tree, 2), f.s.models))
        .to.be.revertedWithCustomError(f.market, "NothingToClaim")
        .withArgs(1n, f.carol.address, 0n, 0n);
    });

    it("reverts if the amount does not match the proven leaf, or another slot's leaf is presented", async () => {
      const f = await loadFixture(finalFixture);
      const header = (await f.market.task(1n)).taskHeader as bigint;
      const path = rewardPath(f.s.tree, 0);
      const amount = parseEther("201");
      await expect(as(f.market, f.alice).claim(1n, amount, path, f.s.models))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, await stateOf(header, f.s.models, await rootFromPath(0, amount, path)), f.s.result.newState);
      await expect(as(f.market, f.bob).claim(1n, parseEther("200"), path, f.s.models))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, await stateOf(header, f.s.models, await rootFromPath(1, parseEther("200"), path)), f.s.result.newState);
    });

    it("reverts against a superseded state", async () => {
      const f = await loadFixture(finalFixture);
      await commitAndReveal(f.market, 1n, [sub(f.alice, 1n)]);
      await toSettle(f.market, 1n);
      const s2 = await settlementOf(f, { cum: [parseEther("500"), parseEther("100")], included: [0] });
      await propose(f.market, 1n, f.stranger, s2.result, 1n);
      // While the new proposal is pending, the old state still pays.
      await as(f.market, f.bob).claim(1n, parseEther("100"), rewardPath(f.s.tree, 1), f.s.models);
      await toFinal(f.market, 1n);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), rewardPath(f.s.tree, 0), f.s.models))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, f.s.result.newState, s2.result.newState);
    });

    it("reverts if models is wrong or not a field element, or the amount is 2^128 or more", async () => {
      const f = await loadFixture(finalFixture);
      const path = rewardPath(f.s.tree, 0);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), path, f.s.models + R))
        .to.be.revertedWithCustomError(f.market, "InvalidCommitment")
        .withArgs(f.s.models + R);
      const computed = await stateOf((await f.market.task(1n)).taskHeader, f.s.models + 1n, f.s.tree.root);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), path, f.s.models + 1n))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, computed, f.s.result.newState);
      await expect(as(f.market, f.alice).claim(1n, U128, path, f.s.models))
        .to.be.revertedWithCustomError(f.market, "InvalidCumulativeAmount")
        .withArgs(U128);
    });

    it("reverts if the path has the wrong length or an element outside the field", async () => {
      const f = await loadFixture(finalFixture);
      const path = rewardPath(f.s.tree, 0);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), path.slice(0, 2), f.s.models))
        .to.be.revertedWithCustomError(f.market, "InvalidPathLength")
        .withArgs(3n, 2n);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), [...path, 0n], f.s.models))
        .to.be.revertedWithCustomError(f.market, "InvalidPathLength")
        .withArgs(3n, 4n);
      // path[1] + r hashes like path[1] in the generated hasher: refused, not silently reduced.
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), [path[0], path[1] + R, path[2]], f.s.models))
        .to.be.revertedWithCustomError(f.market, "InvalidPathElement")
        .withArgs(1n, path[1] + R);
    });

    it("reverts if the caller has not joined or the task does not exist", async () => {
      const f = await loadFixture(finalFixture);
      const path = rewardPath(f.s.tree, 0);
      await expect(as(f.market, f.stranger).claim(1n, parseEther("200"), path, f.s.models))
        .to.be.revertedWithCustomError(f.market, "NotMember")
        .withArgs(1n, f.stranger.address);
      await expect(as(f.market, f.alice).claim(2n, parseEther("200"), path, f.s.models))
        .to.be.revertedWithCustomError(f.market, "TaskNotFound")
        .withArgs(2n);
    });

    it("never pays a task's trainers more than was distributed, even on a bad proof", async () => {
      const f = await loadFixture(revealedFixture);
      await toSettle(f.market, 1n);
      const s = await settlementOf(f, { cum: [R0 + 1n], included: [0] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      await toFinal(f.market, 1n);
      await expect(as(f.market, f.alice).claim(1n, R0 + 1n, rewardPath(s.tree, 0), s.models))
        .to.be.revertedWithCustomError(f.market, "ClaimExceedsDistributed")
        .withArgs(1n, R0 + 1n, R0);
    });

    it("still pays earned rewards after the task was cancelled or the trainer left", async () => {
      const f = await loadFixture(finalFixture);
      await as(f.market, f.alice).leave(1n);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), rewardPath(f.s.tree, 0), f.s.models))
        .to.emit(f.market, "RewardClaimed")
        .withArgs(1n, f.alice.address, parseEther("200"), parseEther("200"));
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(as(f.market, f.bob).claim(1n, parseEther("100"), rewardPath(f.s.tree, 1), f.s.models))
        .to.emit(f.market, "RewardClaimed")
        .withArgs(1n, f.bob.address, parseEther("100"), parseEther("100"));
    });

    it("cannot be re-entered from the reward token's transfer", async () => {
      const f = await loadFixture(fundedFixture);
      const ree = (await ethers.deployContract("ReentrantToken")) as unknown as Contract;
      const { market } = await deployTestMarket(f, { rewardToken: (await ree.getAddress()) as Address, grantModuleRole: false });
      const m = market as Contract;
      const marketAddress = await m.getAddress();
      await grantModule(f, marketAddress);
      await ree.mint(f.taskOwner.address, ESCROW);
      await as(ree, f.taskOwner).approve(marketAddress, ESCROW);
      await as(m, f.taskOwner).createTask(params());
      await as(m, f.alice).join(1n);
      await commitAndReveal(m, 1n, [sub(f.alice, 1n)]);
      await toSettle(m, 1n);
      const header = (await m.task(1n)).taskHeader as bigint;
      const s = await buildResult(header, { cum: [R0], included: [0], model: 5n, prevModel: MODEL0 });
      await propose(m, 1n, f.stranger, s.result, 0n);
      await toFinal(m, 1n);
      await m.sync(1n);
      await ree.arm(marketAddress, m.interface.encodeFunctionData("withdrawFees"));
      await expect(as(m, f.alice).claim(1n, R0, rewardPath(s.tree, 0), s.models)).to.be.revertedWithCustomError(
        m,
        "ReentrancyGuardReentrantCall",
      );
      await ree.arm(marketAddress, m.interface.encodeFunctionData("sync", [1n]));
      await expect(as(m, f.stranger).withdrawFees()).to.be.revertedWithCustomError(m, "ReentrancyGuardReentrantCall");
    });
  });

  describe("# releaseStake", () => {
    it("unlocks a trainer's stake once the task is finished (anyone may call) and only once", async () => {
      const f = await loadFixture(taskFixture);
      await at(f.start + ROUNDS * CW);
      const tx = as(f.market, f.stranger).releaseStake(1n, f.alice.address);
      await expect(tx).to.emit(f.market, "StakeReleased").withArgs(1n, f.alice.address, MIN_STAKE);
      await expect(tx).to.emit(f.vault, "Unlocked").withArgs(f.marketAddress, f.alice.address, MIN_STAKE);
      expect(await f.vault.lockedBy(f.marketAddress, f.alice.address)).to.equal(0n);
      expect((await f.market.member(1n, f.alice.address)).toObject()).to.deep.equal({
        joined: true,
        slot: 0n,
        released: true,
        left: false,
        locked: 0n,
        claimed: 0n,
      });
      await expect(f.market.releaseStake(1n, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "StakeAlreadyReleased")
        .withArgs(1n, f.alice.address);
    });

    it("unlocks what is left after slashes once the task is cancelled", async () => {
      const f = await loadFixture(revealedFixture);
      await toSettle(f.market, 1n);
      await propose(f.market, 1n, f.stranger, (await settlementOf(f, { cum: [0n, R0], included: [0, 1], slashed: [0] })).result, 0n);
      await toFinal(f.market, 1n);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(f.market.releaseStake(1n, f.alice.address))
        .to.emit(f.vault, "Unlocked")
        .withArgs(f.marketAddress, f.alice.address, MIN_STAKE - SLASH);
    });

    it("reverts while the task is active, also while a cancelled task's last round runs", async () => {
      const f = await loadFixture(revealedFixture);
      await expect(f.market.releaseStake(1n, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "TaskStillActive")
        .withArgs(1n, 0n, ROUNDS);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(f.market.releaseStake(1n, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "TaskStillActive")
        .withArgs(1n, 0n, 1n);
      await at(f.ph.settlementDeadline);
      await expect(f.market.releaseStake(1n, f.alice.address)).to.emit(f.market, "StakeReleased");
    });

    it("reverts for a non-member or a missing task", async () => {
      const f = await loadFixture(taskFixture);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(f.market.releaseStake(1n, f.stranger.address))
        .to.be.revertedWithCustomError(f.market, "NotMember")
        .withArgs(1n, f.stranger.address);
      await expect(f.market.releaseStake(2n, f.alice.address)).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(2n);
    });
  });

  describe("# views", () => {
    it("splits the budget into equal round rewards with the remainder in the last round", async () => {
      const f = await loadFixture(taskFixture);
      expect(await Promise.all([0n, 1n, 2n].map((r) => f.market.roundReward(1n, r)))).to.deep.equal([R0, R0, R_LAST]);
      await expect(f.market.roundReward(1n, 3n)).to.be.revertedWithCustomError(f.market, "RoundOutOfRange").withArgs(1n, 3n, ROUNDS);
      await expect(f.market.roundReward(2n, 0n)).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(2n);
    });

    it("reverts for a task that does not exist", async () => {
      const f = await loadFixture(taskFixture);
      const s = await settlementOf(f, { cum: [], included: [0] });
      for (const call of [
        () => f.market.task(2n),
        () => f.market.roundInfo(2n),
        () => f.market.accounting(2n),
        () => f.market.member(2n, f.alice.address),
        () => f.market.trainerAt(2n, 0),
        () => f.market.claimed(2n, f.alice.address),
        () => f.market.refundable(2n),
        () => f.market.publicInputs(2n, s.result, f.alice.address),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(2n);
      }
    });

    it("reports a non-member as not joined", async () => {
      const f = await loadFixture(taskFixture);
      expect((await f.market.member(1n, f.stranger.address)).toObject()).to.deep.equal({
        joined: false,
        slot: 0n,
        released: false,
        left: false,
        locked: 0n,
        claimed: 0n,
      });
    });
  });

  describe("The_Owner_Holds_The_Root_Slot", () => {
    /** Task 1 with root updates, created by the task owner at `start`; alice joined (slot 1). */
    async function rootTaskFixture() {
      const f = await fundedFixture();
      const p = params({ rootUpdates: true });
      const start = await atNextBlock();
      const tx = await as(f.market, f.taskOwner).createTask(p);
      await as(f.market, f.alice).join(1n);
      return { ...f, p, start, tx };
    }

    it("the owner of a rootUpdates task holds slot 0 and nobody else can (a join goes to slot 1)", async () => {
      const f = await loadFixture(rootTaskFixture);
      expect(await f.market.trainerAt(1n, 0)).to.equal(f.taskOwner.address);
      expect(await f.market.trainerAt(1n, 1)).to.equal(f.alice.address);
      expect((await f.market.member(1n, f.alice.address)).slot).to.equal(1n);
      const info = await f.market.task(1n);
      expect([info.owner, info.members, info.rootUpdates, info.trustMargin]).to.deep.equal([f.taskOwner.address, 2n, true, TRUST_MARGIN]);
      await expect(as(f.market, f.taskOwner).join(1n))
        .to.be.revertedWithCustomError(f.market, "AlreadyJoined")
        .withArgs(1n, f.taskOwner.address, 0);
      // Slot 0 stays taken once the owner leaves: slots are never handed out twice.
      await as(f.market, f.taskOwner).leave(1n);
      await expect(as(f.market, f.bob).join(1n)).to.emit(f.market, "TrainerJoined").withArgs(1n, f.bob.address, 2, MIN_STAKE);
      await as(f.market, f.carol).join(1n);
      // maxTrainers counts the root slot: owner, alice, bob and carol fill 4.
      await expect(as(f.market, f.dave).join(1n)).to.be.revertedWithCustomError(f.market, "TaskFull").withArgs(1n, 4n);
      expect(await f.market.trainerAt(1n, 0)).to.equal(f.taskOwner.address);
      // Without root updates the owner is not a member and the first join takes slot 0.
      await as(f.market, f.taskOwner).createTask(params());
      expect((await f.market.task(2n)).members).to.equal(0n);
      await expect(as(f.market, f.alice).join(2n)).to.emit(f.market, "TrainerJoined").withArgs(2n, f.alice.address, 0, MIN_STAKE);
    });

    it("createTask with rootUpdates locks the owner's stake through the vault and emits TrainerJoined after TaskCreated", async () => {
      const f = await loadFixture(fundedFixture);
      const p = params({ rootUpdates: true, maxTrainers: 2n });
      const ts = await atNextBlock();
      const { header, state } = await taskHashes(f.context, 1n, p, f.empty);
      const tx: Promise<ContractTransactionResponse> = as(f.market, f.taskOwner).createTask(p);
      await expect(tx).to.emit(f.market, "TaskCreated").withArgs(1n, f.taskOwner.address, header, state, ts, paramsTuple(p));
      await expect(tx).to.emit(f.market, "TrainerJoined").withArgs(1n, f.taskOwner.address, 0, MIN_STAKE);
      await expect(tx).to.emit(f.vault, "Locked").withArgs(f.marketAddress, f.taskOwner.address, MIN_STAKE);
      await expect(tx).to.changeTokenBalances(f.token, [f.taskOwner, f.market], [-ESCROW, ESCROW]);
      // TaskCreated first, so a reader of the events knows the task before its root member.
      const names = (await (await tx).wait())!.logs
        .filter((l) => l.address === f.marketAddress)
        .map((l) => f.market.interface.parseLog(l)!.name);
      expect(names).to.deep.equal(["TaskCreated", "TrainerJoined"]);
      expect((await f.market.member(1n, f.taskOwner.address)).toObject()).to.deep.equal({
        joined: true,
        slot: 0n,
        released: false,
        left: false,
        locked: MIN_STAKE,
        claimed: 0n,
      });
      expect(await f.vault.lockedBy(f.marketAddress, f.taskOwner.address)).to.equal(MIN_STAKE);
      expect((await f.vault.stakeOf(f.taskOwner.address)).free).to.equal(STAKED - MIN_STAKE);
      // The owner's stake is released at the end like any member's.
      await at(ts + ROUNDS * CW);
      await expect(f.market.releaseStake(1n, f.taskOwner.address))
        .to.emit(f.market, "StakeReleased")
        .withArgs(1n, f.taskOwner.address, MIN_STAKE);
    });

    it("createTask with rootUpdates reverts with the vault's error when the owner has too little free stake", async () => {
      const f = await loadFixture(fundedFixture);
      const p = params({ rootUpdates: true, minStake: STAKED + 1n, slashAmount: 0n, noShowPenalty: 0n });
      await expect(as(f.market, f.taskOwner).createTask(p))
        .to.be.revertedWithCustomError(f.vault, "InsufficientFreeStake")
        .withArgs(f.taskOwner.address, STAKED, STAKED + 1n);
      // Nothing happened: no id taken, no escrow pulled.
      expect(await f.market.taskCount()).to.equal(0n);
      expect(await f.token.balanceOf(f.marketAddress)).to.equal(0n);
      // Without root updates the same parameters need no stake from the owner.
      await expect(as(f.market, f.taskOwner).createTask({ ...p, rootUpdates: false })).to.emit(f.market, "TaskCreated");
    });

    it("createTask with rootUpdates reverts with the vault's error if the market lacks MODULE_ROLE", async () => {
      const f = await loadFixture(fundedFixture);
      const { market } = await deployTestMarket(f, { grantModuleRole: false });
      const m = market as Contract;
      await as(f.token, f.taskOwner).approve(await m.getAddress(), ESCROW);
      await expect(as(m, f.taskOwner).createTask(params({ rootUpdates: true })))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
        .withArgs(await m.getAddress(), await f.vault.MODULE_ROLE());
    });

    it("accepts rootUpdates with maxTrainers 2 (the root and one trainer)", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ rootUpdates: true, maxTrainers: 2n }));
      await as(f.market, f.alice).join(1n);
      await expect(as(f.market, f.bob).join(1n)).to.be.revertedWithCustomError(f.market, "TaskFull").withArgs(1n, 2n);
    });

    it("the owner commits and reveals its root update like any member, and pays the no-show penalty like one", async () => {
      const f = await loadFixture(rootTaskFixture);
      const root = sub(f.taskOwner, 900n);
      const ph = await commitAndReveal(f.market, 1n, [root, sub(f.alice, 101n)]);
      expect([ph.committedMask, ph.revealedMask]).to.deep.equal([0b11n, 0b11n]);
      const state = (await f.market.task(1n)).state as bigint;
      expect(ph.acc).to.equal(await accStep(await accStep(state, 0n, 0n, 900n), 0n, 1n, 101n));
      await toSettle(f.market, 1n);
      // The root is included, never excluded, slashed or paid; alice is the inlier.
      const s = await settlementOf(f, { cum: [0n, R0], included: [0, 1] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      await toFinal(f.market, 1n);
      await expect(f.market.sync(1n))
        .to.emit(f.market, "RoundFinalized")
        .withArgs(1n, 0n, f.stranger.address, s.result.newState, true, FEE);
      expect((await accountingOf(f, 1n)).distributed).to.equal(R0);
      await expect(as(f.market, f.alice).claim(1n, R0, rewardPath(s.tree, 1), s.models))
        .to.emit(f.market, "RewardClaimed")
        .withArgs(1n, f.alice.address, R0, R0);
      // Round 1: the owner commits and does not reveal.
      await commitAndReveal(f.market, 1n, [root, sub(f.alice, 102n)], [sub(f.alice, 102n)]);
      await at((await phases(f.market, 1n)).settlementDeadline);
      await expect(f.market.sync(1n))
        .to.emit(f.market, "TrainerSlashed")
        .withArgs(1n, 1n, f.taskOwner.address, 0, NO_SHOW_OFFENCE, offenceId(1n, 1n, 0n), NO_SHOW);
      expect((await f.market.member(1n, f.taskOwner.address)).locked).to.equal(MIN_STAKE - NO_SHOW);
      await expectEscrowCovered(f);
    });

    it("a round whose only inlier would be the root distributes nothing: its reward becomes refundable", async () => {
      const f = await loadFixture(rootTaskFixture);
      await commitAndReveal(f.market, 1n, [sub(f.taskOwner, 900n), sub(f.alice, 101n)]);
      await toSettle(f.market, 1n);
      // Alice gets no trust: no member is an inlier, so the circuit pays nobody.
      const s = await settlementOf(f, { cum: [], included: [0, 1], excluded: [1] });
      await propose(f.market, 1n, f.stranger, s.result, 0n);
      await toFinal(f.market, 1n);
      await expect(f.market.sync(1n))
        .to.emit(f.market, "RoundFinalized")
        .withArgs(1n, 0n, f.stranger.address, s.result.newState, false, FEE);
      const a = await accountingOf(f, 1n);
      expect([a.distributed, a.refundable, a.feesPaid]).to.deep.equal([0n, R0, FEE]);
      await expectEscrowCovered(f);
      // The same masks on a task without root updates do pay slot 0 (it is a member there).
      await as(f.market, f.taskOwner).createTask(params());
      await as(f.market, f.bob).join(2n);
      await as(f.market, f.carol).join(2n);
      await commitAndReveal(f.market, 2n, [sub(f.bob, 1n), sub(f.carol, 2n)]);
      await toSettle(f.market, 2n);
      await propose(f.market, 2n, f.stranger, (await settlementOf(f, { cum: [R0], included: [0, 1], excluded: [1] }, 2n)).result, 0n);
      await toFinal(f.market, 2n);
      await f.market.sync(2n);
      expect((await accountingOf(f, 2n)).distributed).to.equal(R0);
    });
  });

  describe("The_State_Carries_The_Previous_Model", () => {
    it("the initial state matches Poseidon3(header, Poseidon2(init, init), emptyRoot)", async () => {
      const f = await loadFixture(fundedFixture);
      for (const [id, p] of [
        [1n, params()],
        [2n, params({ rootUpdates: true, initModelCommitment: R - 1n })],
      ] as const) {
        await as(f.market, f.taskOwner).createTask(p);
        const info = await f.market.task(id);
        const header = await poseidon([
          f.context,
          id,
          p.budget + (p.numRounds << 128n) + (p.maxTrainers << 144n),
          p.normBoundSq + (p.trustMargin << 80n) + ((p.rootUpdates ? 1n : 0n) << 97n),
        ]);
        expect(info.taskHeader).to.equal(header);
        const init = p.initModelCommitment;
        expect(info.state).to.equal(await poseidon([header, await poseidon([init, init]), f.empty]));
        // Not the bare model commitment in the middle.
        expect(info.state).not.to.equal(await poseidon([header, init, f.empty]));
        expect((await phases(f.market, id)).acc).to.equal(info.state);
      }
    });

    it("a claim with the right models preimage pays and one with the bare model commitment fails", async () => {
      const f = await loadFixture(finalFixture);
      const header = (await f.market.task(1n)).taskHeader as bigint;
      const path = rewardPath(f.s.tree, 0);
      const amount = parseEther("200");
      await expect(as(f.market, f.alice).claim(1n, amount, path, f.s.model))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, await stateOf(header, f.s.model, f.s.tree.root), f.s.result.newState);
      // models of a wrong previous model fails too: the preimage binds both models.
      const wrongPrev = await modelsOf(f.s.model, f.s.model);
      await expect(as(f.market, f.alice).claim(1n, amount, path, wrongPrev))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, await stateOf(header, wrongPrev, f.s.tree.root), f.s.result.newState);
      expect(f.s.models).to.equal(await modelsOf(f.s.model, MODEL0));
      await expect(as(f.market, f.alice).claim(1n, amount, path, f.s.models))
        .to.emit(f.market, "RewardClaimed")
        .withArgs(1n, f.alice.address, amount, amount);
    });

    it("chains the previous model: a later round's models pairs its model with the one the round started from", async () => {
      const f = await loadFixture(finalFixture);
      expect(await currentModel(f.market, 1n)).to.equal(f.s.model);
      await commitAndReveal(f.market, 1n, [sub(f.alice, 1n)]);
      await toSettle(f.market, 1n);
      const s2 = await settlementOf(f, { cum: [parseEther("500"), parseEther("100")], included: [0] });
      expect([s2.model, s2.prevModel, s2.models]).to.deep.equal([5001n, f.s.model, await modelsOf(5001n, f.s.model)]);
      await propose(f.market, 1n, f.stranger, s2.result, 1n);
      await toFinal(f.market, 1n);
      await expect(as(f.market, f.bob).claim(1n, parseEther("100"), rewardPath(s2.tree, 1), s2.models))
        .to.emit(f.market, "RewardClaimed")
        .withArgs(1n, f.bob.address, parseEther("100"), parseEther("100"));
      // The previous state's models no longer pays.
      await expect(as(f.market, f.alice).claim(1n, parseEther("500"), rewardPath(s2.tree, 0), f.s.models)).to.be.revertedWithCustomError(
        f.market,
        "RewardProofMismatch",
      );
    });
  });

  describe("# gas", () => {
    it("stays within its gas budget with the test verifier", async () => {
      // Measured with the test verifier (a few thousand gas in the call): the generated verifier
      // of 6 public inputs adds its pairing check (about 240k) to settleRound.
      const f = await loadFixture(taskFixture);
      const gas: Record<string, bigint> = {};
      const used = async (name: string, tx: Promise<ContractTransactionResponse>) => {
        gas[name] = (await (await tx).wait())!.gasUsed;
      };
      const salt = (who: HardhatEthersSigner) => saltFor(who.address, 0n);
      // Tasks 2 and 3 are only measured: a second task of the same owner, then one whose owner
      // joins the root slot (its first lock in the vault).
      await used("createTask", as(f.market, f.taskOwner).createTask(params()));
      await used("createTask (root slot)", as(f.market, f.taskOwner).createTask(params({ rootUpdates: true })));
      await used("join", as(f.market, f.dave).join(3n));
      await used(
        "commitUpdate",
        as(f.market, f.alice).commitUpdate(1n, 0n, await f.market.commitHashOf(1n, 0n, f.alice.address, 1n, salt(f.alice))),
      );
      await commitAll(f.market, 1n, [sub(f.bob, 2n), sub(f.carol, 3n)]);
      await toReveal(f.market, 1n);
      await used("revealUpdate (first)", as(f.market, f.alice).revealUpdate(1n, 0n, 1n, salt(f.alice), "store://u-0-0"));
      await used("revealUpdate (next)", as(f.market, f.bob).revealUpdate(1n, 0n, 2n, salt(f.bob), "store://u-0-1"));
      await revealAll(f.market, 1n, [sub(f.carol, 3n)]);
      await toSettle(f.market, 1n);
      const first = await settlementOf(f, { cum: [R0], included: [0, 1] });
      await used("settleRound (first proposal)", propose(f.market, 1n, f.stranger, first.result, 0n));
      const strong = await settlementOf(f, { cum: [R0], included: [0, 1, 2], slashed: [2] });
      await used("settleRound (replacement)", propose(f.market, 1n, f.challenger, strong.result, 0n));
      await toFinal(f.market, 1n);
      await used("sync (final, 1 slash)", f.market.sync(1n));
      await commitAndReveal(f.market, 1n, [sub(f.alice, 4n)]);
      await toSettle(f.market, 1n);
      const clean = await settlementOf(f, { cum: [R0 * 2n], included: [0] });
      await propose(f.market, 1n, f.stranger, clean.result, 1n);
      await toFinal(f.market, 1n);
      await used("sync (final, no slash)", f.market.sync(1n));
      await used("leave", as(f.market, f.bob).leave(1n));
      await used("claim", as(f.market, f.alice).claim(1n, R0 * 2n, rewardPath(clean.tree, 0), clean.models));
      await used("withdrawFees", as(f.market, f.stranger).withdrawFees());
      console.log(
        `      gas: ${Object.entries(gas)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`,
      );
      // Budgets a little above what was measured (createTask 386k (Poseidon4, 3 and 2 calls and
      // fresh storage), with the root slot 503k (plus the owner's join), join 153k, commitUpdate
      // 62k, first reveal 108k, next 89k, first proposal 129k, replacement 76k, final with one
      // slash 172k, without 87k, leave 211k (the vault's first unbonding bucket writes fresh
      // storage), claim 205k (four Poseidon calls), withdrawFees 59k). The hashing calls' budgets
      // sit below what circomlibjs's hashers cost (createTask 426k, reveals 119k and 100k, claim 248k).
      const budget: Record<string, bigint> = {
        createTask: 400_000n,
        "createTask (root slot)": 520_000n,
        join: 165_000n,
        commitUpdate: 70_000n,
        "revealUpdate (first)": 115_000n,
        "revealUpdate (next)": 95_000n,
        "settleRound (first proposal)": 140_000n,
        "settleRound (replacement)": 90_000n,
        "sync (final, 1 slash)": 190_000n,
        "sync (final, no slash)": 100_000n,
        leave: 230_000n,
        claim: 215_000n,
        withdrawFees: 65_000n,
      };
      for (const [k, v] of Object.entries(budget)) expect(gas[k] < v, `${k} used ${gas[k]} gas`).to.be.true;
    });
  });

  describe("Join_Commit_Reveal_Settle_Challenge_Slash_Claim_Finish_Release_Reclaim", () => {
    it("runs a task from creation to the last payout and leaves nothing behind", async () => {
      const f = await loadFixture(fundedFixture);
      const [alice, bob, carol] = f.trainers;
      const m = f.market;
      await as(m, f.taskOwner).createTask(params());
      for (const s of [alice, bob, carol]) await as(m, s).join(1n);

      // Round 0: all three reveal; a first proposal leaves carol out, a challenge includes and slashes her.
      await commitAndReveal(m, 1n, [sub(alice, 100n), sub(bob, 101n), sub(carol, 102n)]);
      await toSettle(m, 1n);
      const weak = await settlementOf(f, { cum: [R0], included: [0, 1], excluded: [1] });
      await propose(m, 1n, f.stranger, weak.result, 0n);
      const s0 = await settlementOf(f, { cum: [parseEther("200"), parseEther("100")], included: [0, 1, 2], slashed: [2] });
      await propose(m, 1n, f.challenger, s0.result, 0n);
      await toFinal(m, 1n);
      const fin0 = f.market.sync(1n);
      await expect(fin0).to.emit(m, "RoundFinalized").withArgs(1n, 0n, f.challenger.address, s0.result.newState, true, FEE);
      await expect(fin0)
        .to.emit(m, "TrainerSlashed")
        .withArgs(1n, 0n, carol.address, 2, PROVEN, offenceId(1n, 0n, 2n), SLASH);
      await expectEscrowCovered(f);
      await as(m, alice).claim(1n, parseEther("200"), rewardPath(s0.tree, 0), s0.models);

      // Round 1: bob reveals, alice commits and does not, nobody proposes: the round expires.
      await commitAndReveal(m, 1n, [sub(bob, 201n), sub(alice, 200n)], [sub(bob, 201n)]);
      await at((await phases(m, 1n)).settlementDeadline);
      const exp1 = f.market.sync(1n);
      await expect(exp1)
        .to.emit(m, "RoundExpired")
        .withArgs(1n, 1n, 0b11n, 0b10n, R0 + FEE);
      await expect(exp1)
        .to.emit(m, "TrainerSlashed")
        .withArgs(1n, 1n, alice.address, 0, NO_SHOW_OFFENCE, offenceId(1n, 1n, 0n), NO_SHOW);
      await expectEscrowCovered(f);

      // Round 2 (last): alice and carol reveal; all of R_LAST to carol, no outlier.
      await commitAndReveal(m, 1n, [sub(alice, 300n), sub(carol, 302n)]);
      await toSettle(m, 1n);
      const s2 = await settlementOf(f, { cum: [parseEther("200"), parseEther("100"), R_LAST], included: [0, 2] });
      await propose(m, 1n, f.stranger, s2.result, 2n);
      await toFinal(m, 1n);
      await expect(f.market.sync(1n)).to.emit(m, "TaskFinished").withArgs(1n);

      // Everyone claims, stakes are released, fees withdrawn, the owner reclaims the expired round.
      await expect(as(m, bob).claim(1n, parseEther("100"), rewardPath(s2.tree, 1), s2.models)).to.emit(m, "RewardClaimed");
      await expect(as(m, carol).claim(1n, R_LAST, rewardPath(s2.tree, 2), s2.models)).to.emit(m, "RewardClaimed");
      await expect(as(m, alice).claim(1n, parseEther("200"), rewardPath(s2.tree, 0), s2.models)).to.be.revertedWithCustomError(
        m,
        "NothingToClaim",
      );
      for (const s of [alice, bob, carol]) await m.releaseStake(1n, s.address);
      await expect(as(m, f.taskOwner).reclaim(1n))
        .to.emit(m, "EscrowReclaimed")
        .withArgs(1n, f.taskOwner.address, R0 + FEE);
      await expect(as(m, f.challenger).withdrawFees()).to.emit(m, "FeesWithdrawn").withArgs(f.challenger.address, FEE);
      await expect(as(m, f.stranger).withdrawFees()).to.emit(m, "FeesWithdrawn").withArgs(f.stranger.address, FEE);

      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        fees: FEES,
        distributed: R0 + R_LAST,
        refundable: R0 + FEE,
        pending: 0n,
        feesPaid: 2n * FEE,
        claimed: R0 + R_LAST,
        reclaimed: R0 + FEE,
      });
      expect(await f.token.balanceOf(f.marketAddress)).to.equal(0n);
      for (const s of [alice, bob, carol]) expect(await f.vault.lockedBy(f.marketAddress, s.address)).to.equal(0n);
      expect((await f.vault.stakeOf(carol.address)).moduleUnbonding).to.equal(MIN_STAKE - SLASH);
      expect((await f.vault.stakeOf(alice.address)).moduleUnbonding).to.equal(MIN_STAKE - NO_SHOW);
      expect(await f.token.balanceOf(carol.address)).to.equal(FUNDS - STAKED + R_LAST);
      expect(await f.token.balanceOf(f.taskOwner.address)).to.equal(FUNDS - ESCROW + R0 + FEE);
    });
  });

  // The shared spine's guarantees (test/behaviors), applied to the market.

  shouldBehaveLikePhaseClock(async () => {
    const f = await loadFixture(fundedFixture);
    const key: Record<string, keyof TaskParams> = {
      commit: "commitWindow",
      reveal: "revealWindow",
      settlement: "settlementWindow",
      challenge: "challengeWindow",
    };
    // Sent at once, in the block the behaviour may have pinned (a fixture reload would unpin it).
    const create = (p: TaskParams): Promise<ContractTransactionResponse> => as(f.market, f.taskOwner).createTask(p);
    return {
      contract: f.market,
      maxDuration: MAX_TASK_DURATION,
      windows: Object.keys(key),
      phases: [
        {
          name: "commit",
          open: async () => {
            const f = await loadFixture(fundedFixture);
            const start = BigInt(await time.latest()) + 100n;
            await as(f.market, f.taskOwner).createTask(params({ startTime: start }));
            for (const s of [f.alice, f.bob]) await as(f.market, s).join(1n);
            return {
              id: 1n,
              round: 0n,
              opensAt: start,
              closesAt: start + CW,
              act: () => as(f.market, f.alice).commitUpdate(1n, 0n, ethers.id("c")),
              // A round nobody committed to is skipped at its commit deadline: bob keeps it.
              beforeClose: async () => {
                await at(start);
                await commitAll(f.market, 1n, [sub(f.bob, 2n)]);
              },
            };
          },
        },
        {
          name: "reveal",
          open: async () => {
            const f = await loadFixture(taskFixture);
            await commitAll(f.market, 1n, [sub(f.alice, 1n), sub(f.bob, 2n)]);
            const r = await phases(f.market, 1n);
            return {
              id: 1n,
              round: 0n,
              opensAt: r.commitEnd,
              closesAt: r.revealEnd,
              act: () => as(f.market, f.alice).revealUpdate(1n, 0n, 1n, saltFor(f.alice.address, 0n), "store://u"),
              // A round nobody revealed in ends at its reveal deadline: bob's reveal keeps it.
              beforeClose: async () => {
                await toReveal(f.market, 1n);
                await revealAll(f.market, 1n, [sub(f.bob, 2n)]);
              },
            };
          },
        },
        {
          name: "settlement",
          open: async () => {
            const f = await loadFixture(revealedFixture);
            const s = await settlementOf(f, { cum: [R0], included: [0, 1] });
            return {
              id: 1n,
              round: 0n,
              opensAt: f.ph.revealEnd,
              closesAt: f.ph.settlementDeadline,
              act: () => propose(f.market, 1n, f.stranger, s.result, 0n),
              // Without a proposal the round expires at its settlement deadline and the task moves on.
              atClose: (call) => expect(call).to.be.revertedWithCustomError(f.market, "WrongRound").withArgs(1n, 0n, 1n),
            };
          },
        },
      ],
      createWithWindow: async (which, seconds) => ({ call: create(params({ numRounds: 1n, [key[which]]: seconds })) }),
      createStartingAt: async (startTime) => ({ call: create(params({ startTime })) }),
      // 73 rounds of 2 + 1 + 1 days plus 4 trainers * 6 hours of challenges = 73 * 5 days = 365 days.
      createLasting: async (over) => ({
        call: create(
          params({
            numRounds: 73n,
            commitWindow: 2n * DAY + (over ? 1n : 0n),
            revealWindow: DAY,
            settlementWindow: DAY,
            challengeWindow: DAY / 4n,
          }),
        ),
        duration: MAX_TASK_DURATION + (over ? 73n : 0n),
      }),
    };
  });

  shouldBehaveLikeGroth16Settlement(async () => {
    const { market, deployedMarket } = await loadFixture(fundedFixture);
    return {
      contract: market,
      verifier: deployedMarket.verifier.address,
      numPublicInputs: 6n,
      ready: async () => {
        const f = await loadFixture(revealedFixture);
        await toSettle(f.market, 1n);
        const s = await settlementOf(f, { cum: [R0], included: [0, 1] });
        return {
          roundKey: 1n << 64n,
          settle: async () => {
            await f.verifier.setResult(true);
            return propose(f.market, 1n, f.stranger, s.result, 0n);
          },
          settleWithBadProof: async () => {
            await f.verifier.setResult(false);
            return propose(f.market, 1n, f.stranger, s.result, 0n);
          },
          settleOutOfField: () => ({
            call: propose(f.market, 1n, f.stranger, { ...s.result, rewardRoot: R + s.result.rewardRoot }, 0n),
            index: 3n,
            value: R + s.result.rewardRoot,
          }),
          // Once the round is final the task has moved on: the round cannot be named again.
          replay: async () => {
            await toFinal(f.market, 1n);
            await f.market.sync(1n);
            return { call: propose(f.market, 1n, f.challenger, s.result, 0n), error: "WrongRound", args: [1n, 0n, 1n] };
          },
          publicInputs: async () => (await f.market.publicInputs(1n, s.result, f.stranger.address)) as bigint[],
        };
      },
    };
  });
});
