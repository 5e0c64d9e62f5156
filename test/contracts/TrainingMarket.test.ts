import hre from "hardhat";
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, ZeroAddress, keccak256, parseEther, type Contract, type ContractTransactionResponse, type InterfaceAbi } from "ethers";
import type { Address } from "viem";
import { SNARK_FIELD, poseidon, proofContext } from "../../oracle/field";
import { ZkMeritError } from "../../oracle/errors";
import { deployMarket, poseidonAbi } from "../../scripts/deploy/market";
import { clientsFor } from "../helpers/fixtures";
import { PROOF, SLOT_CAPACITY, deployTestMarket, marketFixture } from "../helpers/marketFixtures";
import {
  accStep,
  configPacked,
  emptyRoot,
  rewardPath,
  rewardTree,
  rootFromPath,
  stateOf,
  taskHeader,
  type RewardTree,
} from "../helpers/rewardTree";
import type { TaskParamsOnChain } from "../../oracle/contribution/history";

const { ethers } = hre;

const R = SNARK_FIELD;
const SUB = 3600n;
const SET = 1800n;
const MIN_STAKE = parseEther("10");
const SLASH = parseEther("4");
const ROUNDS = 3n;
// floor(BUDGET / 3) = 300 tokens per round, the remainder of 2 wei goes to the last round.
const BUDGET = parseEther("900") + 2n;
const R0 = parseEther("300");
const R_LAST = R0 + 2n;
const FUNDS = parseEther("100000");
const STAKED = MIN_STAKE * 5n;
const MODEL0 = 1111n;
const MAX_URI_LENGTH = 512n;
const MAX_WINDOW = 90n * 24n * 3600n;
const MAX_START_DELAY = 365n * 24n * 3600n;

type Params = TaskParamsOnChain;

function params(o: Partial<Params> = {}): Params {
  return {
    initModelCommitment: MODEL0,
    initModelURI: "store://model-0",
    numRounds: ROUNDS,
    maxTrainers: 4n,
    startTime: 0n,
    submissionWindow: SUB,
    settlementWindow: SET,
    minStake: MIN_STAKE,
    slashAmount: SLASH,
    budget: BUDGET,
    normBoundSq: 1n << 40n,
    outlierFactor: 4n << 16n,
    ...o,
  };
}

/** TaskParams in struct order, as the TaskCreated event carries them. */
const paramsTuple = (p: Params) => [
  p.initModelCommitment,
  p.initModelURI,
  p.numRounds,
  p.maxTrainers,
  p.startTime,
  p.submissionWindow,
  p.settlementWindow,
  p.minStake,
  p.slashAmount,
  p.budget,
  p.normBoundSq,
  p.outlierFactor,
];

function as(contract: Contract, signer: HardhatEthersSigner): Contract {
  return contract.connect(signer) as Contract;
}

const offenceId = (taskId: bigint, round: bigint, slot: bigint) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "uint256"], [taskId, round, slot]));

/** The market with a task owner holding reward tokens and five trainers holding free stake. */
async function fundedFixture() {
  const f = await marketFixture();
  const [taskOwner, dave, erin, stranger] = f.others;
  const trainers = [f.alice, f.bob, f.carol, dave, erin];
  const marketAddress = await f.market.getAddress();
  const vaultAddress = await f.vault.getAddress();
  const token = f.token as Contract;
  await as(token, f.admin).mint(taskOwner.address, FUNDS);
  await as(token, taskOwner).approve(marketAddress, ethers.MaxUint256);
  for (const s of trainers) {
    await as(token, f.admin).mint(s.address, FUNDS);
    await as(token, s).approve(vaultAddress, ethers.MaxUint256);
    await as(f.vault as Contract, s).stake(STAKED);
  }
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const context = proofContext(chainId, marketAddress);
  return {
    ...f,
    market: f.market as Contract,
    vault: f.vault as Contract,
    token,
    taskOwner,
    trainers,
    stranger,
    marketAddress,
    vaultAddress,
    context,
  };
}

type Funded = Awaited<ReturnType<typeof fundedFixture>>;

/** Task 1 with the default parameters; alice, bob and carol joined (slots 0, 1, 2); round 0 is open. */
async function taskFixture() {
  const f = await fundedFixture();
  const p = params();
  await as(f.market, f.taskOwner).createTask(p);
  for (const s of f.trainers.slice(0, 3)) await as(f.market, s).join(1n);
  return { ...f, p, taskId: 1n };
}

/** taskFixture, plus round 0 submissions from alice (slot 0) and bob (slot 1). */
async function submittedFixture() {
  const f = await taskFixture();
  await as(f.market, f.alice).submitUpdate(1n, 0n, 101n, "store://u-0-0");
  await as(f.market, f.bob).submitUpdate(1n, 0n, 102n, "store://u-0-1");
  return f;
}

async function header(f: Funded, p: Params, taskId: bigint): Promise<bigint> {
  return taskHeader(f.context, taskId, configPacked(p), p.normBoundSq);
}

/** Sets the next block's timestamp to `ts` if that is still in the future. */
async function at(ts: bigint): Promise<void> {
  if (BigInt(await time.latest()) < ts) await time.setNextBlockTimestamp(ts);
}

/** Pins the timestamp of the next block a few seconds ahead and returns it. */
async function atNextBlock(secondsFromNow = 10n): Promise<bigint> {
  const ts = BigInt(await time.latest()) + secondsFromNow;
  await time.setNextBlockTimestamp(ts);
  return ts;
}

async function roundOf(f: Funded, taskId: bigint) {
  const r = await f.market.roundInfo(taskId);
  return {
    round: r.round as bigint,
    startedAt: r.startedAt as bigint,
    submissionEnd: r.submissionEnd as bigint,
    settlementDeadline: r.settlementDeadline as bigint,
    submittedMask: r.submittedMask as bigint,
    submissions: r.submissions as bigint,
    acc: r.acc as bigint,
    reward: r.reward as bigint,
  };
}

async function accountingOf(f: Funded, taskId: bigint) {
  const a = await f.market.accounting(taskId);
  return {
    budget: a.budget as bigint,
    distributed: a.distributed as bigint,
    refundable: a.refundable as bigint,
    pending: a.pending as bigint,
    claimed: a.claimed as bigint,
    reclaimed: a.reclaimed as bigint,
  };
}

/** The market's balance covers every task's budget - claimed - reclaimed, exactly. */
async function expectEscrowCovered(f: Funded): Promise<void> {
  const n = (await f.market.taskCount()) as bigint;
  let owed = 0n;
  for (let id = 1n; id <= n; id++) {
    const a = await accountingOf(f, id);
    expect(a.distributed + a.refundable + a.pending, `task ${id}: budget split`).to.equal(a.budget);
    expect(a.claimed <= a.distributed, `task ${id}: claimed <= distributed`).to.be.true;
    expect(a.reclaimed <= a.refundable, `task ${id}: reclaimed <= refundable`).to.be.true;
    owed += a.budget - a.claimed - a.reclaimed;
  }
  expect(await f.token.balanceOf(f.marketAddress)).to.equal(owed);
}

interface Settled {
  tx: Promise<ContractTransactionResponse>;
  newState: bigint;
  tree: RewardTree;
  model: bigint;
  cum: bigint[];
}

/**
 * Settles the current round at the end of its submission window (unless later already) with a
 * new state built in TypeScript from `cum` (cumulative rewards of slots 0.., padded to N).
 */
async function settle(
  f: Funded,
  taskId: bigint,
  cum: bigint[],
  o: { bitmap?: bigint; model?: bigint; settler?: HardhatEthersSigner; round?: bigint; atTime?: bigint } = {},
): Promise<Settled> {
  const info = await roundOf(f, taskId);
  await at(o.atTime ?? info.submissionEnd);
  const padded = [...cum, ...Array.from({ length: SLOT_CAPACITY - cum.length }, () => 0n)];
  const tree = await rewardTree(padded);
  const model = o.model ?? 5000n + info.round;
  const newState = await stateOf((await f.market.task(taskId)).taskHeader, model, tree.root);
  const tx = as(f.market, o.settler ?? f.stranger).settleRound(
    taskId,
    o.round ?? info.round,
    newState,
    o.bitmap ?? 0n,
    model,
    tree.root,
    `store://model-${info.round + 1n}`,
    PROOF,
  );
  return { tx, newState, tree, model, cum: padded };
}

/** Moves past the current round's settlement deadline and expires it. */
async function expire(f: Funded, taskId: bigint): Promise<void> {
  const info = await roundOf(f, taskId);
  await at(info.submittedMask === 0n ? info.submissionEnd : info.settlementDeadline);
  await f.market.expireRound(taskId);
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
      expect(await f.market.emptyRoot()).to.equal(await emptyRoot(SLOT_CAPACITY));
      expect(await f.market.hashers()).to.deep.equal([
        d.hashers.poseidon2.address,
        d.hashers.poseidon3.address,
        d.hashers.poseidon4.address,
      ]);
      expect(await f.market.verifier()).to.equal(d.verifier.address);
      expect(await f.market.numPublicInputs()).to.equal(3n);
      expect(await f.market.proofContext()).to.equal(f.context);
      expect(await f.market.owner()).to.equal(f.admin.address);
      expect(await f.market.taskCount()).to.equal(0n);
      expect(await f.market.MAX_URI_LENGTH()).to.equal(MAX_URI_LENGTH);
      expect(await f.market.MAX_WINDOW()).to.equal(MAX_WINDOW);
      expect(await f.market.MAX_START_DELAY()).to.equal(MAX_START_DELAY);
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
        const got = await c.getFunction(`poseidon(uint256[${n}])`)(inputs.slice(0, n));
        expect(got, `Poseidon${n}`).to.equal(await poseidon(inputs.slice(0, n)));
      }
    });

    it("reverts if the slot capacity is not a power of two in 2..64", async () => {
      const f = await loadFixture(fundedFixture);
      const h = f.deployedMarket.hashers;
      const factory = await ethers.getContractFactory("TrainingMarket");
      for (const n of [0n, 1n, 3n, 12n, 128n]) {
        await expect(
          factory.deploy(
            f.deployedMarket.verifier.address,
            f.vaultAddress,
            await f.token.getAddress(),
            n,
            h.poseidon2.address,
            h.poseidon3.address,
            h.poseidon4.address,
            f.admin.address,
          ),
        )
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
      });
      expect(await market.treeDepth()).to.equal(6n);
      expect(await market.emptyRoot()).to.equal(await emptyRoot(64));
    });

    it("reverts if a dependency holds no code", async () => {
      const f = await loadFixture(fundedFixture);
      const h = f.deployedMarket.hashers;
      const factory = await ethers.getContractFactory("TrainingMarket");
      const good = [
        f.deployedMarket.verifier.address,
        f.vaultAddress,
        await f.token.getAddress(),
        8n,
        h.poseidon2.address,
        h.poseidon3.address,
        h.poseidon4.address,
        f.admin.address,
      ];
      const eoa = f.stranger.address;
      const cases: [number, string][] = [
        [1, "vault"],
        [2, "rewardToken"],
        [4, "poseidon2"],
        [5, "poseidon3"],
        [6, "poseidon4"],
      ];
      for (const [i, what] of cases) {
        const args = [...good];
        args[i] = eoa;
        await expect(factory.deploy(...args))
          .to.be.revertedWithCustomError(factory, "NotAContract")
          .withArgs(what, eoa);
      }
      const args = [...good];
      args[0] = eoa;
      await expect(factory.deploy(...args))
        .to.be.revertedWithCustomError(factory, "VerifierNotContract")
        .withArgs(eoa);
    });

    it("reverts if the owner is the zero address", async () => {
      const f = await loadFixture(fundedFixture);
      const h = f.deployedMarket.hashers;
      const factory = await ethers.getContractFactory("TrainingMarket");
      await expect(
        factory.deploy(
          f.deployedMarket.verifier.address,
          f.vaultAddress,
          await f.token.getAddress(),
          8n,
          h.poseidon2.address,
          h.poseidon3.address,
          h.poseidon4.address,
          ZeroAddress,
        ),
      )
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
    it("escrows the budget, computes header and initial state on-chain and emits TaskCreated", async () => {
      const f = await loadFixture(fundedFixture);
      const p = params();
      const ts = await atNextBlock();
      const h = await header(f, p, 1n);
      const state0 = await stateOf(h, MODEL0, await emptyRoot(SLOT_CAPACITY));
      const tx = as(f.market, f.taskOwner).createTask(p);
      await expect(tx).to.emit(f.market, "TaskCreated").withArgs(1n, f.taskOwner.address, h, state0, ts, paramsTuple(p));
      await expect(tx).to.changeTokenBalances(f.token, [f.taskOwner, f.market], [-BUDGET, BUDGET]);
      expect(await f.market.taskCount()).to.equal(1n);
      const t = await f.market.task(1n);
      expect(t.toObject()).to.deep.equal({
        owner: f.taskOwner.address,
        numRounds: ROUNDS,
        maxTrainers: 4n,
        members: 0n,
        round: 0n,
        finished: false,
        cancelled: false,
        submissionWindow: SUB,
        settlementWindow: SET,
        minStake: MIN_STAKE,
        slashAmount: SLASH,
        normBoundSq: p.normBoundSq,
        outlierFactor: p.outlierFactor,
        taskHeader: h,
        state: state0,
      });
      expect(await roundOf(f, 1n)).to.deep.equal({
        round: 0n,
        startedAt: ts,
        submissionEnd: ts + SUB,
        settlementDeadline: ts + SUB + SET,
        submittedMask: 0n,
        submissions: 0n,
        acc: state0,
        reward: R0,
      });
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        distributed: 0n,
        refundable: 0n,
        pending: BUDGET,
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
      expect((await f.market.task(2n)).taskHeader).to.equal(await header(f, p, 2n));
      expect((await f.market.task(1n)).taskHeader).not.to.equal((await f.market.task(2n)).taskHeader);
    });

    it("opens round 0 at a future start time", async () => {
      const f = await loadFixture(fundedFixture);
      const start = BigInt(await time.latest()) + 1000n;
      await as(f.market, f.taskOwner).createTask(params({ startTime: start }));
      const r = await roundOf(f, 1n);
      expect([r.startedAt, r.submissionEnd, r.settlementDeadline]).to.deep.equal([start, start + SUB, start + SUB + SET]);
    });

    it("accepts every parameter at its upper bound", async () => {
      const f = await loadFixture(fundedFixture);
      const ts = await atNextBlock();
      const budget = (1n << 128n) - 1n;
      const p = params({
        initModelCommitment: R - 1n,
        initModelURI: "x".repeat(Number(MAX_URI_LENGTH)),
        numRounds: (1n << 16n) - 1n,
        maxTrainers: BigInt(SLOT_CAPACITY),
        startTime: ts + MAX_START_DELAY,
        submissionWindow: MAX_WINDOW,
        settlementWindow: MAX_WINDOW,
        minStake: (1n << 128n) - 1n,
        slashAmount: (1n << 128n) - 1n,
        budget,
        normBoundSq: (1n << 80n) - 1n,
        outlierFactor: (1n << 32n) - 1n,
      });
      await as(f.token, f.admin).mint(f.taskOwner.address, budget);
      const h = await header(f, p, 1n);
      await expect(as(f.market, f.taskOwner).createTask(p))
        .to.emit(f.market, "TaskCreated")
        .withArgs(1n, f.taskOwner.address, h, await stateOf(h, R - 1n, await emptyRoot(SLOT_CAPACITY)), p.startTime, paramsTuple(p));
      expect(await f.market.roundReward(1n, (1n << 16n) - 2n)).to.equal(budget / 65535n + (budget % 65535n));
    });

    it("accepts a start time equal to the block time", async () => {
      const f = await loadFixture(fundedFixture);
      const ts = await atNextBlock();
      await as(f.market, f.taskOwner).createTask(params({ startTime: ts }));
      expect((await roundOf(f, 1n)).startedAt).to.equal(ts);
    });

    const invalid: [string, Partial<Params>, string, (p: Params, ts: bigint) => unknown[]][] = [
      ["the initial model commitment is not a field element", { initModelCommitment: R }, "InvalidInitModelCommitment", () => [R]],
      ["the initial model URI is empty", { initModelURI: "" }, "InvalidURILength", () => [0n, MAX_URI_LENGTH]],
      [
        "the initial model URI is too long",
        { initModelURI: "x".repeat(Number(MAX_URI_LENGTH) + 1) },
        "InvalidURILength",
        () => [MAX_URI_LENGTH + 1n, MAX_URI_LENGTH],
      ],
      ["numRounds is 0", { numRounds: 0n }, "InvalidNumRounds", () => [0n]],
      ["numRounds is 2^16", { numRounds: 1n << 16n }, "InvalidNumRounds", () => [1n << 16n]],
      ["maxTrainers is 0", { maxTrainers: 0n }, "InvalidMaxTrainers", () => [0n, BigInt(SLOT_CAPACITY)]],
      [
        "maxTrainers exceeds the slot capacity",
        { maxTrainers: BigInt(SLOT_CAPACITY) + 1n },
        "InvalidMaxTrainers",
        () => [BigInt(SLOT_CAPACITY) + 1n, BigInt(SLOT_CAPACITY)],
      ],
      ["the submission window is 0", { submissionWindow: 0n }, "InvalidSubmissionWindow", () => [0n, MAX_WINDOW]],
      [
        "the submission window is too long",
        { submissionWindow: MAX_WINDOW + 1n },
        "InvalidSubmissionWindow",
        () => [MAX_WINDOW + 1n, MAX_WINDOW],
      ],
      ["the settlement window is 0", { settlementWindow: 0n }, "InvalidSettlementWindow", () => [0n, MAX_WINDOW]],
      [
        "the settlement window is too long",
        { settlementWindow: MAX_WINDOW + 1n },
        "InvalidSettlementWindow",
        () => [MAX_WINDOW + 1n, MAX_WINDOW],
      ],
      ["minStake is 0", { minStake: 0n, slashAmount: 0n }, "InvalidMinStake", () => [0n]],
      ["minStake is 2^128", { minStake: 1n << 128n }, "InvalidMinStake", () => [1n << 128n]],
      ["the slash amount exceeds minStake", { slashAmount: MIN_STAKE + 1n }, "InvalidSlashAmount", () => [MIN_STAKE + 1n, MIN_STAKE]],
      ["the budget is 0", { budget: 0n }, "InvalidBudget", () => [0n]],
      ["the budget is 2^128", { budget: 1n << 128n }, "InvalidBudget", () => [1n << 128n]],
      ["normBoundSq is 2^80", { normBoundSq: 1n << 80n }, "InvalidNormBoundSq", () => [1n << 80n]],
      ["outlierFactor is 2^32", { outlierFactor: 1n << 32n }, "InvalidOutlierFactor", () => [1n << 32n]],
    ];
    for (const [what, override, error, args] of invalid) {
      it(`reverts if ${what}`, async () => {
        const f = await loadFixture(fundedFixture);
        const p = params(override);
        const ts = await atNextBlock();
        await expect(as(f.market, f.taskOwner).createTask(p))
          .to.be.revertedWithCustomError(f.market, error)
          .withArgs(...args(p, ts));
      });
    }

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

    it("reverts with the token's error if the allowance is short", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.token, f.taskOwner).approve(f.marketAddress, BUDGET - 1n);
      await expect(as(f.market, f.taskOwner).createTask(params()))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.marketAddress, BUDGET - 1n, BUDGET);
    });

    it("reverts if a fee-on-transfer reward token delivers less than the budget", async () => {
      const f = await loadFixture(fundedFixture);
      const fot = (await ethers.deployContract("FeeOnTransferToken")) as unknown as Contract;
      const { market } = await deployTestMarket(f, { rewardToken: (await fot.getAddress()) as Address, grantModuleRole: false });
      await fot.mint(f.taskOwner.address, BUDGET);
      await as(fot, f.taskOwner).approve(await market.getAddress(), BUDGET);
      const received = BUDGET - (BUDGET * 100n) / 10_000n;
      await expect(as(market as Contract, f.taskOwner).createTask(params()))
        .to.be.revertedWithCustomError(market, "BudgetNotReceived")
        .withArgs(BUDGET, received);
    });

    it("cannot be re-entered from the reward token's transfer", async () => {
      const f = await loadFixture(fundedFixture);
      const ree = (await ethers.deployContract("ReentrantToken")) as unknown as Contract;
      const { market } = await deployTestMarket(f, { rewardToken: (await ree.getAddress()) as Address, grantModuleRole: false });
      const m = market as Contract;
      const marketAddress = await m.getAddress();
      await ree.mint(f.taskOwner.address, BUDGET);
      await as(ree, f.taskOwner).approve(marketAddress, BUDGET);
      await ree.mint(await ree.getAddress(), BUDGET);
      await ree.approveFromSelf(marketAddress, BUDGET);
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

    it("accepts joins before the start time and in a later round", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ startTime: BigInt(await time.latest()) + 1000n }));
      await as(f.market, f.alice).join(1n);
      await expire(f, 1n);
      await expect(as(f.market, f.bob).join(1n)).to.emit(f.market, "TrainerJoined").withArgs(1n, f.bob.address, 1, MIN_STAKE);
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
      await as(f.market, f.taskOwner).createTask(params({ minStake: STAKED + 1n }));
      await expect(as(f.market, f.alice).join(1n))
        .to.be.revertedWithCustomError(f.vault, "InsufficientFreeStake")
        .withArgs(f.alice.address, STAKED, STAKED + 1n);
    });

    it("reverts with the vault's error if the market lacks MODULE_ROLE", async () => {
      const f = await loadFixture(fundedFixture);
      const { market } = await deployTestMarket(f, { grantModuleRole: false });
      const m = market as Contract;
      await as(f.token, f.taskOwner).approve(await m.getAddress(), BUDGET);
      await as(m, f.taskOwner).createTask(params());
      await expect(as(m, f.alice).join(1n))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
        .withArgs(await m.getAddress(), await f.vault.MODULE_ROLE());
    });

    it("reverts once the task is cancelled", async () => {
      const f = await loadFixture(taskFixture);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(as(f.market, f.trainers[3]).join(1n))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, 0n, ROUNDS, true);
    });

    it("reverts once the task is finished", async () => {
      const f = await loadFixture(taskFixture);
      for (let i = 0; i < Number(ROUNDS); i++) await expire(f, 1n);
      await expect(as(f.market, f.trainers[3]).join(1n))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, ROUNDS, ROUNDS, false);
    });
  });

  describe("# submitUpdate", () => {
    it("chains the accumulator from the state, sets the slot's bit and emits UpdateSubmitted", async () => {
      const f = await loadFixture(taskFixture);
      const state0 = (await f.market.task(1n)).state as bigint;
      const acc1 = await accStep(state0, 0n, 1n, 102n);
      await expect(as(f.market, f.bob).submitUpdate(1n, 0n, 102n, "store://b"))
        .to.emit(f.market, "UpdateSubmitted")
        .withArgs(1n, 0n, f.bob.address, 1, 102n, "store://b", acc1);
      const acc2 = await accStep(acc1, 0n, 0n, R - 1n);
      await expect(as(f.market, f.alice).submitUpdate(1n, 0n, R - 1n, "store://a"))
        .to.emit(f.market, "UpdateSubmitted")
        .withArgs(1n, 0n, f.alice.address, 0, R - 1n, "store://a", acc2);
      const r = await roundOf(f, 1n);
      expect([r.submittedMask, r.submissions, r.acc]).to.deep.equal([3n, 2n, acc2]);
      expect(await f.market.publicInputs(1n, 77n, 2n)).to.deep.equal([acc2, 77n, 2n]);
      expect((await f.market.task(1n)).state).to.equal(state0);
    });

    it("starts the next round's accumulator from the settled state, with the new round number", async () => {
      const f = await loadFixture(submittedFixture);
      const s = await settle(f, 1n, [R0]);
      await s.tx;
      expect((await roundOf(f, 1n)).acc).to.equal(s.newState);
      await as(f.market, f.carol).submitUpdate(1n, 1n, 7n, "store://c");
      expect((await roundOf(f, 1n)).acc).to.equal(await accStep(s.newState, 1n, 2n, 7n));
    });

    it("accepts a submission in the last second of the window", async () => {
      const f = await loadFixture(taskFixture);
      const r = await roundOf(f, 1n);
      await time.setNextBlockTimestamp(r.submissionEnd - 1n);
      await expect(as(f.market, f.alice).submitUpdate(1n, 0n, 1n, "u")).to.emit(f.market, "UpdateSubmitted");
    });

    it("reverts if the task does not exist", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.alice).submitUpdate(2n, 0n, 1n, "u"))
        .to.be.revertedWithCustomError(f.market, "TaskNotFound")
        .withArgs(2n);
    });

    it("reverts if the caller has not joined", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.stranger).submitUpdate(1n, 0n, 1n, "u"))
        .to.be.revertedWithCustomError(f.market, "NotMember")
        .withArgs(1n, f.stranger.address);
    });

    it("reverts if the call names another round", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.alice).submitUpdate(1n, 1n, 1n, "u"))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 1n, 0n);
    });

    it("reverts before the task's start time", async () => {
      const f = await loadFixture(fundedFixture);
      const start = BigInt(await time.latest()) + 1000n;
      await as(f.market, f.taskOwner).createTask(params({ startTime: start }));
      await as(f.market, f.alice).join(1n);
      const ts = await atNextBlock();
      await expect(as(f.market, f.alice).submitUpdate(1n, 0n, 1n, "u"))
        .to.be.revertedWithCustomError(f.market, "OutsideSubmissionWindow")
        .withArgs(1n, 0n, start, start + SUB, ts);
    });

    it("reverts once the submission window closed", async () => {
      const f = await loadFixture(taskFixture);
      const r = await roundOf(f, 1n);
      await time.setNextBlockTimestamp(r.submissionEnd);
      await expect(as(f.market, f.alice).submitUpdate(1n, 0n, 1n, "u"))
        .to.be.revertedWithCustomError(f.market, "OutsideSubmissionWindow")
        .withArgs(1n, 0n, r.startedAt, r.submissionEnd, r.submissionEnd);
    });

    it("reverts a second submission of the same slot in a round", async () => {
      const f = await loadFixture(submittedFixture);
      await expect(as(f.market, f.bob).submitUpdate(1n, 0n, 5n, "u"))
        .to.be.revertedWithCustomError(f.market, "AlreadySubmitted")
        .withArgs(1n, 0n, 1);
    });

    it("reverts if the commitment is not a field element", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.alice).submitUpdate(1n, 0n, R, "u"))
        .to.be.revertedWithCustomError(f.market, "InvalidCommitment")
        .withArgs(R);
    });

    it("reverts if the URI is empty or too long", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.alice).submitUpdate(1n, 0n, 1n, ""))
        .to.be.revertedWithCustomError(f.market, "InvalidURILength")
        .withArgs(0n, MAX_URI_LENGTH);
      await expect(as(f.market, f.alice).submitUpdate(1n, 0n, 1n, "x".repeat(513)))
        .to.be.revertedWithCustomError(f.market, "InvalidURILength")
        .withArgs(513n, MAX_URI_LENGTH);
      await expect(as(f.market, f.alice).submitUpdate(1n, 0n, 1n, "x".repeat(512))).to.emit(f.market, "UpdateSubmitted");
    });

    it("reverts once the task is cancelled or finished", async () => {
      const f = await loadFixture(taskFixture);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(as(f.market, f.alice).submitUpdate(1n, 0n, 1n, "u"))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, 0n, ROUNDS, true);
      await as(f.market, f.taskOwner).createTask(params({ numRounds: 1n }));
      await as(f.market, f.alice).join(2n);
      await expire(f, 2n);
      await expect(as(f.market, f.alice).submitUpdate(2n, 1n, 1n, "u"))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(2n, 1n, 1n, false);
    });
  });

  describe("# settleRound", () => {
    it("records the new state, opens the next round now, credits the reward and emits RoundSettled", async () => {
      const f = await loadFixture(submittedFixture);
      const before = await roundOf(f, 1n);
      const s = await settle(f, 1n, [parseEther("200"), parseEther("100")]);
      await expect(s.tx)
        .to.emit(f.market, "RoundSettled")
        .withArgs(1n, 0n, f.stranger.address, before.acc, s.newState, 3n, 0n, s.model, s.tree.root, "store://model-1");
      await expect(s.tx).not.to.emit(f.market, "TrainerSlashed");
      await expect(s.tx).not.to.emit(f.market, "TaskFinished");
      expect((await f.market.task(1n)).state).to.equal(s.newState);
      expect(await roundOf(f, 1n)).to.deep.equal({
        round: 1n,
        startedAt: before.submissionEnd,
        submissionEnd: before.submissionEnd + SUB,
        settlementDeadline: before.submissionEnd + SUB + SET,
        submittedMask: 0n,
        submissions: 0n,
        acc: s.newState,
        reward: R0,
      });
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        distributed: R0,
        refundable: 0n,
        pending: BUDGET - R0,
        claimed: 0n,
        reclaimed: 0n,
      });
      // Anyone can check the posted model commitment and reward root against the proven state.
      expect(await stateOf((await f.market.task(1n)).taskHeader, s.model, s.tree.root)).to.equal(s.newState);
      await expectEscrowCovered(f);
    });

    it("settles in the last second of the settlement window", async () => {
      const f = await loadFixture(submittedFixture);
      const r = await roundOf(f, 1n);
      const s = await settle(f, 1n, [R0], { atTime: r.settlementDeadline - 1n });
      await expect(s.tx).to.emit(f.market, "RoundSettled");
    });

    it("slashes each flagged trainer once, from the stake locked for the task", async () => {
      const f = await loadFixture(submittedFixture);
      await as(f.market, f.carol).submitUpdate(1n, 0n, 103n, "store://u-0-2");
      const acc = (await roundOf(f, 1n)).acc;
      const slashedBefore = (await f.vault.totals()).slashedUnswept as bigint;
      const s = await settle(f, 1n, [0n, R0], { bitmap: 0b101n });
      await expect(s.tx)
        .to.emit(f.market, "RoundSettled")
        .withArgs(1n, 0n, f.stranger.address, acc, s.newState, 7n, 5n, s.model, s.tree.root, "store://model-1");
      for (const [slot, who] of [
        [0n, f.alice],
        [2n, f.carol],
      ] as const) {
        const oid = offenceId(1n, 0n, slot);
        await expect(s.tx).to.emit(f.market, "TrainerSlashed").withArgs(1n, 0n, who.address, slot, oid, SLASH);
        await expect(s.tx).to.emit(f.vault, "Slashed").withArgs(f.marketAddress, who.address, oid, SLASH, SLASH);
        expect(await f.vault.isOffenceSlashed(f.marketAddress, oid)).to.equal(true);
        expect((await f.market.member(1n, who.address)).locked).to.equal(MIN_STAKE - SLASH);
        expect(await f.vault.lockedBy(f.marketAddress, who.address)).to.equal(MIN_STAKE - SLASH);
      }
      expect(await f.vault.isOffenceSlashed(f.marketAddress, offenceId(1n, 0n, 1n))).to.equal(false);
      expect((await f.market.member(1n, f.bob.address)).locked).to.equal(MIN_STAKE);
      expect((await f.vault.totals()).slashedUnswept).to.equal(slashedBefore + 2n * SLASH);
    });

    it("refunds the reward when every submission is an outlier", async () => {
      const f = await loadFixture(submittedFixture);
      const acc = (await roundOf(f, 1n)).acc;
      const s = await settle(f, 1n, [], { bitmap: 0b11n });
      await expect(s.tx)
        .to.emit(f.market, "RoundSettled")
        .withArgs(1n, 0n, f.stranger.address, acc, s.newState, 3n, 3n, s.model, s.tree.root, "store://model-1");
      const a = await accountingOf(f, 1n);
      expect([a.distributed, a.refundable]).to.deep.equal([0n, R0]);
      expect(await f.market.refundable(1n)).to.equal(R0);
    });

    it("caps later slashes at what is still locked for the task and never touches other tasks' stake", async () => {
      const f = await loadFixture(fundedFixture);
      // Task 1 slashes the whole minStake per offence; alice also locks stake for task 2.
      await as(f.market, f.taskOwner).createTask(params({ slashAmount: MIN_STAKE }));
      await as(f.market, f.taskOwner).createTask(params());
      await as(f.market, f.alice).join(1n);
      await as(f.market, f.alice).join(2n);
      await as(f.market, f.alice).submitUpdate(1n, 0n, 1n, "u");
      await expect((await settle(f, 1n, [], { bitmap: 1n })).tx)
        .to.emit(f.market, "TrainerSlashed")
        .withArgs(1n, 0n, f.alice.address, 0, offenceId(1n, 0n, 0n), MIN_STAKE);
      await as(f.market, f.alice).submitUpdate(1n, 1n, 2n, "u");
      const second = await settle(f, 1n, [], { bitmap: 1n });
      await expect(second.tx).not.to.emit(f.market, "TrainerSlashed");
      await expect(second.tx).not.to.emit(f.vault, "Slashed");
      expect(await f.vault.lockedBy(f.marketAddress, f.alice.address)).to.equal(MIN_STAKE);
      expect((await f.market.member(2n, f.alice.address)).locked).to.equal(MIN_STAKE);
      // The second offence found nothing locked for task 1 and left free stake alone.
      expect((await f.vault.stakeOf(f.alice.address)).free).to.equal(STAKED - 2n * MIN_STAKE);
      // Both tasks end; each releases exactly what it still holds.
      await as(f.market, f.taskOwner).cancelTask(1n);
      await as(f.market, f.taskOwner).cancelTask(2n);
      await expect(f.market.releaseStake(1n, f.alice.address)).to.emit(f.market, "StakeReleased").withArgs(1n, f.alice.address, 0n);
      await expect(f.market.releaseStake(2n, f.alice.address))
        .to.emit(f.vault, "Unlocked")
        .withArgs(f.marketAddress, f.alice.address, MIN_STAKE);
      expect(await f.vault.lockedBy(f.marketAddress, f.alice.address)).to.equal(0n);
    });

    it("does not slash when the task's slash amount is 0", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ slashAmount: 0n }));
      await as(f.market, f.alice).join(1n);
      await as(f.market, f.alice).submitUpdate(1n, 0n, 1n, "u");
      const s = await settle(f, 1n, [], { bitmap: 1n });
      await expect(s.tx).to.emit(f.market, "RoundSettled");
      await expect(s.tx).not.to.emit(f.vault, "Slashed");
      expect((await f.market.member(1n, f.alice.address)).locked).to.equal(MIN_STAKE);
    });

    it("finishes the task with its last round and pays the remainder there", async () => {
      const f = await loadFixture(taskFixture);
      await expire(f, 1n);
      await expire(f, 1n);
      expect((await roundOf(f, 1n)).reward).to.equal(R_LAST);
      await as(f.market, f.alice).submitUpdate(1n, 2n, 1n, "u");
      const acc = (await roundOf(f, 1n)).acc;
      const s = await settle(f, 1n, [R_LAST]);
      await expect(s.tx)
        .to.emit(f.market, "RoundSettled")
        .withArgs(1n, 2n, f.stranger.address, acc, s.newState, 1n, 0n, s.model, s.tree.root, "store://model-3");
      await expect(s.tx).to.emit(f.market, "TaskFinished").withArgs(1n);
      const t = await f.market.task(1n);
      expect([t.round, t.finished]).to.deep.equal([ROUNDS, true]);
      expect((await roundOf(f, 1n)).reward).to.equal(0n);
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        distributed: R_LAST,
        refundable: 2n * R0,
        pending: 0n,
        claimed: 0n,
        reclaimed: 0n,
      });
    });

    it("reverts if the proof does not verify, naming the round key taskId * 2^64 + round", async () => {
      const f = await loadFixture(submittedFixture);
      await f.verifier.setResult(false);
      const s = await settle(f, 1n, [R0]);
      await expect(s.tx)
        .to.be.revertedWithCustomError(f.market, "InvalidProof")
        .withArgs((1n << 64n) + 0n);
    });

    it("reverts if the new state is not a field element", async () => {
      const f = await loadFixture(submittedFixture);
      const r = await roundOf(f, 1n);
      await time.setNextBlockTimestamp(r.submissionEnd);
      await expect(as(f.market, f.stranger).settleRound(1n, 0n, R, 0n, 1n, 2n, "m", PROOF))
        .to.be.revertedWithCustomError(f.market, "PublicInputNotInField")
        .withArgs(1n, R);
    });

    it("reverts if the task does not exist", async () => {
      const f = await loadFixture(submittedFixture);
      await expect(as(f.market, f.stranger).settleRound(9n, 0n, 1n, 0n, 1n, 2n, "m", PROOF))
        .to.be.revertedWithCustomError(f.market, "TaskNotFound")
        .withArgs(9n);
    });

    it("reverts if the call names another round, so a settled round cannot be settled again", async () => {
      const f = await loadFixture(submittedFixture);
      const s = await settle(f, 1n, [R0]);
      await s.tx;
      await expect(as(f.market, f.stranger).settleRound(1n, 0n, s.newState, 0n, s.model, s.tree.root, "m", PROOF))
        .to.be.revertedWithCustomError(f.market, "WrongRound")
        .withArgs(1n, 0n, 1n);
    });

    it("reverts before the submission window closed", async () => {
      const f = await loadFixture(submittedFixture);
      const r = await roundOf(f, 1n);
      const s = await settle(f, 1n, [R0], { atTime: r.submissionEnd - 1n });
      await expect(s.tx)
        .to.be.revertedWithCustomError(f.market, "OutsideSettlementWindow")
        .withArgs(1n, 0n, r.submissionEnd, r.settlementDeadline, r.submissionEnd - 1n);
    });

    it("reverts at and after the settlement deadline", async () => {
      const f = await loadFixture(submittedFixture);
      const r = await roundOf(f, 1n);
      const s = await settle(f, 1n, [R0], { atTime: r.settlementDeadline });
      await expect(s.tx)
        .to.be.revertedWithCustomError(f.market, "OutsideSettlementWindow")
        .withArgs(1n, 0n, r.submissionEnd, r.settlementDeadline, r.settlementDeadline);
    });

    it("reverts if nobody submitted", async () => {
      const f = await loadFixture(taskFixture);
      const s = await settle(f, 1n, [R0]);
      await expect(s.tx).to.be.revertedWithCustomError(f.market, "NoSubmissions").withArgs(1n, 0n);
    });

    it("reverts if the outlier bitmap flags a slot that did not submit", async () => {
      const f = await loadFixture(submittedFixture);
      for (const bitmap of [0b100n, 1n << 8n, 1n << 255n]) {
        const s = await settle(f, 1n, [R0], { bitmap });
        await expect(s.tx).to.be.revertedWithCustomError(f.market, "OutliersNotSubmitted").withArgs(1n, 0n, bitmap, 3n);
      }
    });

    it("reverts if the model URI is empty or too long", async () => {
      const f = await loadFixture(submittedFixture);
      const r = await roundOf(f, 1n);
      await time.setNextBlockTimestamp(r.submissionEnd);
      await expect(as(f.market, f.stranger).settleRound(1n, 0n, 1n, 0n, 1n, 2n, "", PROOF))
        .to.be.revertedWithCustomError(f.market, "InvalidURILength")
        .withArgs(0n, MAX_URI_LENGTH);
      await expect(as(f.market, f.stranger).settleRound(1n, 0n, 1n, 0n, 1n, 2n, "x".repeat(513), PROOF))
        .to.be.revertedWithCustomError(f.market, "InvalidURILength")
        .withArgs(513n, MAX_URI_LENGTH);
    });

    it("reverts once the task is finished", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params({ numRounds: 1n }));
      await as(f.market, f.alice).join(1n);
      await as(f.market, f.alice).submitUpdate(1n, 0n, 1n, "u");
      await (
        await settle(f, 1n, [BUDGET])
      ).tx;
      await expect(as(f.market, f.stranger).settleRound(1n, 1n, 1n, 0n, 1n, 2n, "m", PROOF))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, 1n, 1n, false);
    });

    it("stays within its gas budget with the mock verifier", async () => {
      // Measured with the mock verifier (which itself costs about 6k in the call): about 53k gas
      // without outliers, 140k with one (the vault's first slash writes fresh storage) and 35k
      // more per further outlier. The generated verifier of 3 public inputs adds its pairing check
      // (about 205k), for about 255k in all.
      const f = await loadFixture(submittedFixture);
      const s = await settle(f, 1n, [R0]);
      const receipt = await (await s.tx).wait();
      expect(receipt!.gasUsed < 56_000n, `settle used ${receipt!.gasUsed} gas`).to.be.true;
    });
  });

  describe("# expireRound", () => {
    it("expires a round with submissions once the settlement deadline passed", async () => {
      const f = await loadFixture(submittedFixture);
      const state = (await f.market.task(1n)).state as bigint;
      const r = await roundOf(f, 1n);
      await time.setNextBlockTimestamp(r.settlementDeadline);
      await expect(as(f.market, f.stranger).expireRound(1n)).to.emit(f.market, "RoundExpired").withArgs(1n, 0n, 3n, R0);
      expect((await f.market.task(1n)).state).to.equal(state);
      const next = await roundOf(f, 1n);
      expect([next.round, next.startedAt, next.submittedMask, next.acc]).to.deep.equal([1n, r.settlementDeadline, 0n, state]);
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        distributed: 0n,
        refundable: R0,
        pending: BUDGET - R0,
        claimed: 0n,
        reclaimed: 0n,
      });
      // The next round hashes from the unchanged state with its own round number.
      await as(f.market, f.alice).submitUpdate(1n, 1n, 101n, "u");
      expect((await roundOf(f, 1n)).acc).to.equal(await accStep(state, 1n, 0n, 101n));
    });

    it("reverts before the settlement deadline when the round has submissions", async () => {
      const f = await loadFixture(submittedFixture);
      const r = await roundOf(f, 1n);
      await time.setNextBlockTimestamp(r.settlementDeadline - 1n);
      await expect(f.market.expireRound(1n))
        .to.be.revertedWithCustomError(f.market, "RoundNotExpirable")
        .withArgs(1n, 0n, r.settlementDeadline, r.settlementDeadline - 1n);
    });

    it("expires a round without submissions as soon as its submission window closed", async () => {
      const f = await loadFixture(taskFixture);
      const r = await roundOf(f, 1n);
      await time.setNextBlockTimestamp(r.submissionEnd - 1n);
      await expect(f.market.expireRound(1n))
        .to.be.revertedWithCustomError(f.market, "RoundNotExpirable")
        .withArgs(1n, 0n, r.submissionEnd, r.submissionEnd - 1n);
      await time.setNextBlockTimestamp(r.submissionEnd);
      await expect(f.market.expireRound(1n)).to.emit(f.market, "RoundExpired").withArgs(1n, 0n, 0n, R0);
      expect((await roundOf(f, 1n)).startedAt).to.equal(r.submissionEnd);
    });

    it("finishes the task with its last round", async () => {
      const f = await loadFixture(taskFixture);
      await expire(f, 1n);
      await expire(f, 1n);
      const r = await roundOf(f, 1n);
      await at(r.submissionEnd);
      const tx = f.market.expireRound(1n);
      await expect(tx).to.emit(f.market, "RoundExpired").withArgs(1n, 2n, 0n, R_LAST);
      await expect(tx).to.emit(f.market, "TaskFinished").withArgs(1n);
      expect((await accountingOf(f, 1n)).refundable).to.equal(BUDGET);
      await expect(f.market.expireRound(1n)).to.be.revertedWithCustomError(f.market, "TaskNotActive").withArgs(1n, ROUNDS, ROUNDS, false);
    });

    it("reverts if the task does not exist or is cancelled", async () => {
      const f = await loadFixture(taskFixture);
      await expect(f.market.expireRound(2n)).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(2n);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await at((await roundOf(f, 1n)).settlementDeadline);
      await expect(f.market.expireRound(1n)).to.be.revertedWithCustomError(f.market, "TaskNotActive").withArgs(1n, 0n, ROUNDS, true);
    });
  });

  describe("# cancelTask", () => {
    it("voids the current and later rounds, makes their rewards refundable and emits TaskCancelled", async () => {
      const f = await loadFixture(submittedFixture);
      await (
        await settle(f, 1n, [R0])
      ).tx;
      await expect(as(f.market, f.taskOwner).cancelTask(1n))
        .to.emit(f.market, "TaskCancelled")
        .withArgs(1n, 1n, BUDGET - R0);
      const t = await f.market.task(1n);
      expect([t.cancelled, t.finished, t.round]).to.deep.equal([true, false, 1n]);
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        distributed: R0,
        refundable: BUDGET - R0,
        pending: 0n,
        claimed: 0n,
        reclaimed: 0n,
      });
      expect((await roundOf(f, 1n)).reward).to.equal(0n);
      await expectEscrowCovered(f);
    });

    it("can cancel before anyone joined and after the window of an empty round", async () => {
      const f = await loadFixture(fundedFixture);
      await as(f.market, f.taskOwner).createTask(params());
      await as(f.market, f.taskOwner).cancelTask(1n);
      await as(f.market, f.taskOwner).createTask(params());
      await at((await roundOf(f, 2n)).settlementDeadline + 10n);
      await expect(as(f.market, f.taskOwner).cancelTask(2n)).to.emit(f.market, "TaskCancelled").withArgs(2n, 0n, BUDGET);
    });

    it("reverts if the caller is not the task owner", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.admin).cancelTask(1n))
        .to.be.revertedWithCustomError(f.market, "NotTaskOwner")
        .withArgs(1n, f.admin.address, f.taskOwner.address);
    });

    it("reverts while the current round has submissions", async () => {
      const f = await loadFixture(submittedFixture);
      await expect(as(f.market, f.taskOwner).cancelTask(1n))
        .to.be.revertedWithCustomError(f.market, "RoundHasSubmissions")
        .withArgs(1n, 0n, 3n);
    });

    it("reverts if the task is already cancelled, finished or does not exist", async () => {
      const f = await loadFixture(taskFixture);
      await expect(as(f.market, f.taskOwner).cancelTask(5n)).to.be.revertedWithCustomError(f.market, "TaskNotFound").withArgs(5n);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(as(f.market, f.taskOwner).cancelTask(1n))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(1n, 0n, ROUNDS, true);
      await as(f.market, f.taskOwner).createTask(params({ numRounds: 1n }));
      await expire(f, 2n);
      await expect(as(f.market, f.taskOwner).cancelTask(2n))
        .to.be.revertedWithCustomError(f.market, "TaskNotActive")
        .withArgs(2n, 1n, 1n, false);
    });
  });

  describe("# reclaim", () => {
    it("pays the owner only refundable escrow: never distributed rewards nor an open round's reward", async () => {
      const f = await loadFixture(submittedFixture);
      // Round 0 settled with inliers (R0 owed to trainers), round 1 expired (R0 refundable), round 2 open.
      const s = await settle(f, 1n, [R0]);
      await s.tx;
      await expire(f, 1n);
      const tx = as(f.market, f.taskOwner).reclaim(1n);
      await expect(tx).to.emit(f.market, "EscrowReclaimed").withArgs(1n, f.taskOwner.address, R0);
      await expect(tx).to.changeTokenBalances(f.token, [f.taskOwner, f.market], [R0, -R0]);
      await expect(as(f.market, f.taskOwner).reclaim(1n)).to.be.revertedWithCustomError(f.market, "NothingToReclaim").withArgs(1n);
      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        distributed: R0,
        refundable: R0,
        pending: R_LAST,
        claimed: 0n,
        reclaimed: R0,
      });
      expect(await f.token.balanceOf(f.marketAddress)).to.equal(R0 + R_LAST);
      // The last round settles with only outliers: its reward is refundable too, the earned R0 is not.
      await as(f.market, f.bob).submitUpdate(1n, 2n, 5n, "u");
      await (
        await settle(f, 1n, [R0], { bitmap: 2n })
      ).tx;
      await expect(as(f.market, f.taskOwner).reclaim(1n)).to.emit(f.market, "EscrowReclaimed").withArgs(1n, f.taskOwner.address, R_LAST);
      expect(await f.token.balanceOf(f.marketAddress)).to.equal(R0);
      await expectEscrowCovered(f);
      // Alice still gets what she earned.
      const tree = await rewardTree([R0, 0n, 0n, 0n, 0n, 0n, 0n, 0n]);
      const lastModel = 5000n + 2n;
      await expect(as(f.market, f.alice).claim(1n, R0, rewardPath(tree, 0), lastModel))
        .to.emit(f.market, "RewardClaimed")
        .withArgs(1n, f.alice.address, R0, R0);
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
      await ree.mint(f.taskOwner.address, BUDGET);
      await as(ree, f.taskOwner).approve(marketAddress, BUDGET);
      await as(m, f.taskOwner).createTask(params());
      await at((await m.roundInfo(1n)).submissionEnd);
      await m.expireRound(1n);
      await ree.arm(marketAddress, m.interface.encodeFunctionData("reclaim", [1n]));
      await expect(as(m, f.taskOwner).reclaim(1n)).to.be.revertedWithCustomError(m, "ReentrancyGuardReentrantCall");
    });
  });

  describe("# claim", () => {
    /** Round 0 settled with alice 200, bob 100 (cumulative); returns the tree and model. */
    async function claimableFixture() {
      const f = await submittedFixture();
      const s = await settle(f, 1n, [parseEther("200"), parseEther("100")]);
      await s.tx;
      return { ...f, s };
    }

    it("pays the cumulative reward proven against the state and emits RewardClaimed", async () => {
      const f = await loadFixture(claimableFixture);
      for (const [slot, who, amount] of [
        [0, f.alice, parseEther("200")],
        [1, f.bob, parseEther("100")],
      ] as const) {
        const tx = as(f.market, who).claim(1n, amount, rewardPath(f.s.tree, slot), f.s.model);
        await expect(tx).to.emit(f.market, "RewardClaimed").withArgs(1n, who.address, amount, amount);
        await expect(tx).to.changeTokenBalances(f.token, [who, f.market], [amount, -amount]);
        expect(await f.market.claimed(1n, who.address)).to.equal(amount);
      }
      expect((await accountingOf(f, 1n)).claimed).to.equal(R0);
      await expectEscrowCovered(f);
    });

    it("pays only the increase on a later claim", async () => {
      const f = await loadFixture(claimableFixture);
      await as(f.market, f.alice).claim(1n, parseEther("200"), rewardPath(f.s.tree, 0), f.s.model);
      await as(f.market, f.alice).submitUpdate(1n, 1n, 1n, "u");
      const s2 = await settle(f, 1n, [parseEther("500"), parseEther("100")]);
      await s2.tx;
      await expect(as(f.market, f.alice).claim(1n, parseEther("500"), rewardPath(s2.tree, 0), s2.model))
        .to.emit(f.market, "RewardClaimed")
        .withArgs(1n, f.alice.address, parseEther("500"), parseEther("300"));
      expect((await f.market.member(1n, f.alice.address)).claimed).to.equal(parseEther("500"));
    });

    it("reverts a second claim of the same amount", async () => {
      const f = await loadFixture(claimableFixture);
      const path = rewardPath(f.s.tree, 0);
      await as(f.market, f.alice).claim(1n, parseEther("200"), path, f.s.model);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), path, f.s.model))
        .to.be.revertedWithCustomError(f.market, "NothingToClaim")
        .withArgs(1n, f.alice.address, parseEther("200"), parseEther("200"));
    });

    it("reverts a claim of a zero leaf", async () => {
      const f = await loadFixture(claimableFixture);
      await expect(as(f.market, f.carol).claim(1n, 0n, rewardPath(f.s.tree, 2), f.s.model))
        .to.be.revertedWithCustomError(f.market, "NothingToClaim")
        .withArgs(1n, f.carol.address, 0n, 0n);
    });

    it("reverts if the amount does not match the proven leaf", async () => {
      const f = await loadFixture(claimableFixture);
      const amount = parseEther("201");
      const path = rewardPath(f.s.tree, 0);
      const computed = await stateOf((await f.market.task(1n)).taskHeader, f.s.model, await rootFromPath(0, amount, path));
      await expect(as(f.market, f.alice).claim(1n, amount, path, f.s.model))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, computed, f.s.newState);
    });

    it("reverts if a trainer presents another slot's leaf and path", async () => {
      const f = await loadFixture(claimableFixture);
      const path = rewardPath(f.s.tree, 0);
      const amount = parseEther("200");
      const computed = await stateOf((await f.market.task(1n)).taskHeader, f.s.model, await rootFromPath(1, amount, path));
      await expect(as(f.market, f.bob).claim(1n, amount, path, f.s.model))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, computed, f.s.newState);
    });

    it("reverts against a superseded state", async () => {
      const f = await loadFixture(claimableFixture);
      await as(f.market, f.alice).submitUpdate(1n, 1n, 1n, "u");
      const s2 = await settle(f, 1n, [parseEther("500"), parseEther("100")]);
      await s2.tx;
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), rewardPath(f.s.tree, 0), f.s.model))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, f.s.newState, s2.newState);
    });

    it("reverts if the model commitment is wrong or not a field element", async () => {
      const f = await loadFixture(claimableFixture);
      const path = rewardPath(f.s.tree, 0);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), path, f.s.model + R))
        .to.be.revertedWithCustomError(f.market, "InvalidCommitment")
        .withArgs(f.s.model + R);
      const computed = await stateOf((await f.market.task(1n)).taskHeader, f.s.model + 1n, f.s.tree.root);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), path, f.s.model + 1n))
        .to.be.revertedWithCustomError(f.market, "RewardProofMismatch")
        .withArgs(1n, computed, f.s.newState);
    });

    it("reverts if the amount is 2^128 or more", async () => {
      const f = await loadFixture(claimableFixture);
      await expect(as(f.market, f.alice).claim(1n, 1n << 128n, rewardPath(f.s.tree, 0), f.s.model))
        .to.be.revertedWithCustomError(f.market, "InvalidCumulativeAmount")
        .withArgs(1n << 128n);
    });

    it("reverts if the path has the wrong length or an element outside the field", async () => {
      const f = await loadFixture(claimableFixture);
      const path = rewardPath(f.s.tree, 0);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), path.slice(0, 2), f.s.model))
        .to.be.revertedWithCustomError(f.market, "InvalidPathLength")
        .withArgs(3n, 2n);
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), [...path, 0n], f.s.model))
        .to.be.revertedWithCustomError(f.market, "InvalidPathLength")
        .withArgs(3n, 4n);
      // path[1] + r hashes like path[1] in the generated hasher: refused, not silently reduced.
      const bad = [path[0], path[1] + R, path[2]];
      await expect(as(f.market, f.alice).claim(1n, parseEther("200"), bad, f.s.model))
        .to.be.revertedWithCustomError(f.market, "InvalidPathElement")
        .withArgs(1n, path[1] + R);
    });

    it("reverts if the caller has not joined or the task does not exist", async () => {
      const f = await loadFixture(claimableFixture);
      const path = rewardPath(f.s.tree, 0);
      await expect(as(f.market, f.stranger).claim(1n, parseEther("200"), path, f.s.model))
        .to.be.revertedWithCustomError(f.market, "NotMember")
        .withArgs(1n, f.stranger.address);
      await expect(as(f.market, f.alice).claim(2n, parseEther("200"), path, f.s.model))
        .to.be.revertedWithCustomError(f.market, "TaskNotFound")
        .withArgs(2n);
    });

    it("never pays a task's trainers more than was distributed, even on a bad proof", async () => {
      const f = await loadFixture(submittedFixture);
      const s = await settle(f, 1n, [R0 + 1n]);
      await s.tx;
      await expect(as(f.market, f.alice).claim(1n, R0 + 1n, rewardPath(s.tree, 0), s.model))
        .to.be.revertedWithCustomError(f.market, "ClaimExceedsDistributed")
        .withArgs(1n, R0 + 1n, R0);
    });

    it("still pays earned rewards after the task was cancelled", async () => {
      const f = await loadFixture(claimableFixture);
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(as(f.market, f.bob).claim(1n, parseEther("100"), rewardPath(f.s.tree, 1), f.s.model))
        .to.emit(f.market, "RewardClaimed")
        .withArgs(1n, f.bob.address, parseEther("100"), parseEther("100"));
    });
  });

  describe("# releaseStake", () => {
    it("unlocks a trainer's stake once the task is finished (anyone may call) and only once", async () => {
      const f = await loadFixture(taskFixture);
      for (let i = 0; i < Number(ROUNDS); i++) await expire(f, 1n);
      const tx = as(f.market, f.stranger).releaseStake(1n, f.alice.address);
      await expect(tx).to.emit(f.market, "StakeReleased").withArgs(1n, f.alice.address, MIN_STAKE);
      await expect(tx).to.emit(f.vault, "Unlocked").withArgs(f.marketAddress, f.alice.address, MIN_STAKE);
      expect((await f.vault.stakeOf(f.alice.address)).free).to.equal(STAKED);
      expect((await f.market.member(1n, f.alice.address)).toObject()).to.deep.equal({
        joined: true,
        slot: 0n,
        released: true,
        locked: 0n,
        claimed: 0n,
      });
      await expect(f.market.releaseStake(1n, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "StakeAlreadyReleased")
        .withArgs(1n, f.alice.address);
    });

    it("unlocks what is left after slashes once the task is cancelled", async () => {
      const f = await loadFixture(submittedFixture);
      await (
        await settle(f, 1n, [0n, R0], { bitmap: 1n })
      ).tx;
      await as(f.market, f.taskOwner).cancelTask(1n);
      await expect(f.market.releaseStake(1n, f.alice.address))
        .to.emit(f.vault, "Unlocked")
        .withArgs(f.marketAddress, f.alice.address, MIN_STAKE - SLASH);
      expect((await f.vault.stakeOf(f.alice.address)).free).to.equal(STAKED - SLASH);
    });

    it("reverts while the task is active", async () => {
      const f = await loadFixture(taskFixture);
      await expire(f, 1n);
      await expect(f.market.releaseStake(1n, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "TaskStillActive")
        .withArgs(1n, 1n, ROUNDS);
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
      for (const call of [
        () => f.market.task(2n),
        () => f.market.roundInfo(2n),
        () => f.market.accounting(2n),
        () => f.market.member(2n, f.alice.address),
        () => f.market.trainerAt(2n, 0),
        () => f.market.claimed(2n, f.alice.address),
        () => f.market.refundable(2n),
        () => f.market.publicInputs(2n, 0n, 0n),
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
        locked: 0n,
        claimed: 0n,
      });
    });
  });

  describe("Join_Submit_Settle_Slash_Claim_Finish_Release_Reclaim", () => {
    it("runs a task from creation to the last payout and leaves nothing behind", async () => {
      const f = await loadFixture(fundedFixture);
      const [alice, bob, carol] = f.trainers;
      const m = f.market;
      await as(m, f.taskOwner).createTask(params());
      for (const s of [alice, bob, carol]) await as(m, s).join(1n);

      // Round 0: all three submit; carol is flagged; alice 200, bob 100.
      for (const [i, s] of [alice, bob, carol].entries()) await as(m, s).submitUpdate(1n, 0n, 100n + BigInt(i), `store://r0-${i}`);
      const s0 = await settle(f, 1n, [parseEther("200"), parseEther("100")], { bitmap: 0b100n });
      await expect(s0.tx)
        .to.emit(m, "TrainerSlashed")
        .withArgs(1n, 0n, carol.address, 2, offenceId(1n, 0n, 2n), SLASH);
      await expectEscrowCovered(f);
      await as(m, alice).claim(1n, parseEther("200"), rewardPath(s0.tree, 0), s0.model);

      // Round 1: only bob submits and nobody settles: the round expires.
      await as(m, bob).submitUpdate(1n, 1n, 201n, "store://r1-1");
      await expire(f, 1n);
      await expectEscrowCovered(f);

      // Round 2 (last): alice and carol submit; all of R_LAST to carol, no outlier.
      await as(m, alice).submitUpdate(1n, 2n, 300n, "store://r2-0");
      await as(m, carol).submitUpdate(1n, 2n, 302n, "store://r2-2");
      const s2 = await settle(f, 1n, [parseEther("200"), parseEther("100"), R_LAST]);
      await expect(s2.tx).to.emit(m, "TaskFinished").withArgs(1n);

      // Everyone claims, stakes are released, the owner reclaims the expired round.
      await expect(as(m, bob).claim(1n, parseEther("100"), rewardPath(s2.tree, 1), s2.model)).to.emit(m, "RewardClaimed");
      await expect(as(m, carol).claim(1n, R_LAST, rewardPath(s2.tree, 2), s2.model)).to.emit(m, "RewardClaimed");
      await expect(as(m, alice).claim(1n, parseEther("200"), rewardPath(s2.tree, 0), s2.model)).to.be.revertedWithCustomError(
        m,
        "NothingToClaim",
      );
      for (const s of [alice, bob, carol]) await m.releaseStake(1n, s.address);
      await expect(as(m, f.taskOwner).reclaim(1n)).to.emit(m, "EscrowReclaimed").withArgs(1n, f.taskOwner.address, R0);

      expect(await accountingOf(f, 1n)).to.deep.equal({
        budget: BUDGET,
        distributed: R0 + R_LAST,
        refundable: R0,
        pending: 0n,
        claimed: R0 + R_LAST,
        reclaimed: R0,
      });
      expect(await f.token.balanceOf(f.marketAddress)).to.equal(0n);
      expect(await f.vault.lockedBy(f.marketAddress, alice.address)).to.equal(0n);
      expect(await f.vault.lockedBy(f.marketAddress, carol.address)).to.equal(0n);
      expect((await f.vault.stakeOf(carol.address)).free).to.equal(STAKED - SLASH);
      expect(await f.token.balanceOf(carol.address)).to.equal(FUNDS - STAKED + R_LAST);
      expect(await f.token.balanceOf(f.taskOwner.address)).to.equal(FUNDS - BUDGET + R0);
    });
  });
});
