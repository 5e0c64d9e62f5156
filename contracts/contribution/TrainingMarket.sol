// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Groth16Settlement} from "../libraries/Groth16Settlement.sol";
import {SnarkField} from "../libraries/SnarkField.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4} from "../interfaces/IPoseidon.sol";
import {ITrainingMarket} from "../interfaces/ITrainingMarket.sol";

/// @title TrainingMarket
/// @notice See {ITrainingMarket}. Circuit: `Contribution(N, P, 32)`, public inputs
/// [acc, newState, outlierBitmap]. The proof context (chain id and this address) and the task id are
/// bound through the task header inside acc, the round through acc's per-submission round * 2^16 + slot.
/// The contract owner has no power over tasks, escrow or stakes: no function is owner-only. The
/// two-step owner only names who operates the deployment, and can hand that over safely.
contract TrainingMarket is ITrainingMarket, Groth16Settlement, Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Longest URI accepted (initial model, updates, settled models), in bytes.
    uint256 public constant MAX_URI_LENGTH = 512;
    /// @notice Longest submission or settlement window.
    uint256 public constant MAX_WINDOW = 90 days;
    /// @notice Latest a task may open after its creation.
    uint256 public constant MAX_START_DELAY = 365 days;

    uint256 private constant NUM_PUBLIC_INPUTS = 3;
    uint256 private constant MAX_SLOT_CAPACITY = 64;
    uint256 private constant MAX_ROUNDS = type(uint16).max;

    /// @dev Everything a submission or settlement reads and writes besides acc and state, in one
    /// slot (248 bits). The reward accounting is two counters here instead of amounts elsewhere:
    /// the rewards of all rounds are fixed by the budget, so `paidRounds` and `lastRoundPaid` say
    /// exactly how much was distributed (see _split), and a settlement never touches another slot.
    struct TaskCore {
        uint16 round;
        uint16 numRounds; // >= 1 for every created task: doubles as the existence flag
        uint16 paidRounds; // rounds settled with at least one inlier
        bool lastRoundPaid; // whether the last round (which carries the remainder) is one of them
        bool cancelled;
        uint8 maxTrainers;
        uint8 members;
        uint32 submissionWindow;
        uint32 settlementWindow;
        uint40 roundStart; // unix seconds: 40 bits last until the year 36812
        uint64 submittedMask;
    }

    /// @dev One task, 8 slots; a settlement touches slots 0-2 (and 5 when slashing).
    struct Task {
        TaskCore core; // slot 0
        uint256 state; // slot 1
        uint256 acc; // slot 2, meaningful only while core.submittedMask != 0 (else acc == state)
        uint128 budget; // slot 3
        uint128 claimed;
        uint128 reclaimed; // slot 4
        uint128 minStake;
        uint128 slashAmount; // slot 5
        uint80 normBoundSq;
        address owner; // slot 6
        uint32 outlierFactor;
        uint256 header; // slot 7
    }

    /// @dev A trainer's membership; `locked` is what the vault holds for this task (the vault's
    /// per-module lock sums all of a trainer's tasks in this market).
    struct Member {
        bool joined;
        uint8 slot;
        bool released;
        uint128 locked;
        uint128 claimed; // next slot
    }

    /// @dev What a settlement emits, gathered in memory (the event has more fields than the stack holds).
    struct Settlement {
        uint256 taskId;
        uint64 round;
        uint256 acc;
        uint256 newState;
        uint256 submittedMask;
        uint256 outlierBitmap;
        uint256 modelCommitment;
        uint256 rewardRoot;
    }

    IStakeVault private immutable _vault;
    IERC20 private immutable _rewardToken;
    uint256 private immutable _slotCapacity;
    uint256 private immutable _treeDepth;
    uint256 private immutable _emptyRoot;
    IPoseidon2 private immutable _poseidon2;
    IPoseidon3 private immutable _poseidon3;
    IPoseidon4 private immutable _poseidon4;

    uint256 private _taskCount;
    mapping(uint256 taskId => Task) private _tasks;
    mapping(uint256 taskId => mapping(address account => Member)) private _members;
    mapping(uint256 taskId => mapping(uint256 slot => address)) private _trainerAt;

    /// @param verifier_ The Groth16 verifier of `Contribution(slotCapacity_, P, 32)`.
    /// @param vault The stake vault; this contract needs its MODULE_ROLE before anyone can join.
    /// @param rewardToken_ The ERC-20 budgets are escrowed and rewards paid in (may be the stake token).
    /// @param slotCapacity_ The circuit's N: a power of two in 2..64.
    /// @param poseidon2 circomlibjs Poseidon contract with 2 inputs (likewise `poseidon3`, `poseidon4`).
    /// @param owner_ The initial owner.
    constructor(
        address verifier_,
        IStakeVault vault,
        IERC20 rewardToken_,
        uint256 slotCapacity_,
        IPoseidon2 poseidon2,
        IPoseidon3 poseidon3,
        IPoseidon4 poseidon4,
        address owner_
    ) Groth16Settlement(verifier_, NUM_PUBLIC_INPUTS) Ownable(owner_) {
        if (address(vault).code.length == 0) revert NotAContract("vault", address(vault));
        if (address(rewardToken_).code.length == 0) revert NotAContract("rewardToken", address(rewardToken_));
        if (address(poseidon2).code.length == 0) revert NotAContract("poseidon2", address(poseidon2));
        if (address(poseidon3).code.length == 0) revert NotAContract("poseidon3", address(poseidon3));
        if (address(poseidon4).code.length == 0) revert NotAContract("poseidon4", address(poseidon4));
        // The circuit's reward tree is a full binary tree and the submitted mask is a uint64.
        if (slotCapacity_ < 2 || slotCapacity_ > MAX_SLOT_CAPACITY || slotCapacity_ & (slotCapacity_ - 1) != 0) {
            revert InvalidSlotCapacity(slotCapacity_);
        }
        _vault = vault;
        _rewardToken = rewardToken_;
        _slotCapacity = slotCapacity_;
        _poseidon2 = poseidon2;
        _poseidon3 = poseidon3;
        _poseidon4 = poseidon4;
        uint256 depth;
        uint256 root; // a zero leaf
        while ((uint256(1) << depth) < slotCapacity_) {
            root = poseidon2.poseidon([root, root]);
            ++depth;
        }
        _treeDepth = depth;
        _emptyRoot = root;
    }

    // ---------------------------------------------------------------- task owner

    /// @inheritdoc ITrainingMarket
    function createTask(TaskParams calldata p) external nonReentrant returns (uint256 taskId) {
        uint64 startTime = _validate(p);
        // Pull first and measure: the header binds the exact budget, so the escrow must hold all
        // of it (a fee-on-transfer token would leave the last claims unpayable).
        uint256 before = _rewardToken.balanceOf(address(this));
        _rewardToken.safeTransferFrom(msg.sender, address(this), p.budget);
        uint256 received = _rewardToken.balanceOf(address(this)) - before;
        if (received != p.budget) revert BudgetNotReceived(p.budget, received);

        taskId = ++_taskCount;
        // The fields cannot overlap: _validate bounded budget < 2^128, numRounds < 2^16,
        // maxTrainers <= 64 and outlierFactor < 2^32.
        uint256 configPacked = p.budget | (p.numRounds << 128) | (p.maxTrainers << 144) | (p.outlierFactor << 160);
        uint256 header = _poseidon4.poseidon([proofContext(), taskId, configPacked, p.normBoundSq]);
        uint256 state = _poseidon3.poseidon([header, p.initModelCommitment, _emptyRoot]);

        // The narrowing casts below are lossless: _validate bounded every value.
        Task storage t = _tasks[taskId];
        t.core = TaskCore({
            round: 0,
            numRounds: uint16(p.numRounds),
            paidRounds: 0,
            lastRoundPaid: false,
            cancelled: false,
            maxTrainers: uint8(p.maxTrainers),
            members: 0,
            submissionWindow: uint32(p.submissionWindow),
            settlementWindow: uint32(p.settlementWindow),
            roundStart: uint40(startTime),
            submittedMask: 0
        });
        t.state = state;
        t.budget = uint128(p.budget);
        t.minStake = uint128(p.minStake);
        t.slashAmount = uint128(p.slashAmount);
        t.normBoundSq = uint80(p.normBoundSq);
        t.owner = msg.sender;
        t.outlierFactor = uint32(p.outlierFactor);
        t.header = header;
        emit TaskCreated(taskId, msg.sender, header, state, startTime, p);
    }

    /// @inheritdoc ITrainingMarket
    function cancelTask(uint256 taskId) external {
        Task storage t = _task(taskId);
        TaskCore memory c = t.core;
        _requireActive(taskId, c);
        if (msg.sender != t.owner) revert NotTaskOwner(taskId, msg.sender, t.owner);
        // Trainers who submitted in this round did the work; the owner must let it be settled or expire.
        if (c.submittedMask != 0) revert RoundHasSubmissions(taskId, c.round, c.submittedMask);
        // What was pending (this round and the later ones) becomes refundable: _split counts
        // nothing as pending once the task is cancelled.
        (, , uint256 voided) = _split(t.budget, c);
        t.core.cancelled = true;
        emit TaskCancelled(taskId, c.round, voided);
    }

    /// @inheritdoc ITrainingMarket
    function reclaim(uint256 taskId) external nonReentrant returns (uint256 amount) {
        Task storage t = _task(taskId);
        address owner_ = t.owner;
        if (msg.sender != owner_) revert NotTaskOwner(taskId, msg.sender, owner_);
        (, uint256 refundable_, ) = _split(t.budget, t.core);
        uint256 reclaimed = t.reclaimed;
        // Cannot underflow: refundable only grows and `reclaimed` is a past value of it.
        unchecked {
            amount = refundable_ - reclaimed;
        }
        if (amount == 0) revert NothingToReclaim(taskId);
        // Fits: refundable <= budget < 2^128.
        t.reclaimed = uint128(refundable_);
        emit EscrowReclaimed(taskId, owner_, amount);
        _rewardToken.safeTransfer(owner_, amount);
    }

    // ---------------------------------------------------------------- trainers

    /// @inheritdoc ITrainingMarket
    function join(uint256 taskId) external returns (uint8 slot) {
        Task storage t = _task(taskId);
        TaskCore memory c = t.core;
        _requireActive(taskId, c);
        Member storage m = _members[taskId][msg.sender];
        if (m.joined) revert AlreadyJoined(taskId, msg.sender, m.slot);
        if (c.members >= c.maxTrainers) revert TaskFull(taskId, c.maxTrainers);
        slot = c.members;
        uint128 stakeAmount = t.minStake;
        t.core.members = slot + 1;
        m.joined = true;
        m.slot = slot;
        m.locked = stakeAmount;
        _trainerAt[taskId][slot] = msg.sender;
        emit TrainerJoined(taskId, msg.sender, slot, stakeAmount);
        // Reverts with the vault's InsufficientFreeStake when the caller has too little free stake.
        _vault.lock(msg.sender, stakeAmount);
    }

    /// @inheritdoc ITrainingMarket
    function submitUpdate(uint256 taskId, uint64 round, uint256 commitment, string calldata uri) external {
        Task storage t = _task(taskId);
        TaskCore memory c = t.core;
        uint8 slot = _checkSubmission(taskId, round, c);
        // The hasher reduces inputs mod r, so c and c + r would hash alike; the circuit takes c < r.
        if (commitment >= SnarkField.MODULUS) revert InvalidCommitment(commitment);
        _checkURI(uri);
        // The accumulator starts the round equal to the state (acc is not rewritten at round starts).
        uint256 acc = _poseidon3.poseidon(
            [c.submittedMask == 0 ? t.state : t.acc, (uint256(round) << 16) | slot, commitment]
        );
        t.acc = acc;
        t.core.submittedMask = c.submittedMask | (uint64(1) << slot);
        emit UpdateSubmitted(taskId, round, msg.sender, slot, commitment, uri, acc);
    }

    /// @inheritdoc ITrainingMarket
    function claim(
        uint256 taskId,
        uint256 cumAmount,
        uint256[] calldata path,
        uint256 modelCommitment
    ) external nonReentrant returns (uint256 amount) {
        Task storage t = _task(taskId);
        Member storage m = _members[taskId][msg.sender];
        if (!m.joined) revert NotMember(taskId, msg.sender);
        // Leaves are < 2^128 in the circuit; also keeps every hashed value < r.
        if (cumAmount >> 128 != 0) revert InvalidCumulativeAmount(cumAmount);
        if (modelCommitment >= SnarkField.MODULUS) revert InvalidCommitment(modelCommitment);
        uint256 root = _rootFromPath(m.slot, cumAmount, path);
        uint256 computed = _poseidon3.poseidon([t.header, modelCommitment, root]);
        uint256 state = t.state;
        if (computed != state) revert RewardProofMismatch(taskId, computed, state);

        uint256 already = m.claimed;
        if (cumAmount <= already) revert NothingToClaim(taskId, msg.sender, cumAmount, already);
        // Cannot underflow: checked just above.
        unchecked {
            amount = cumAmount - already;
        }
        uint256 claimedTotal = t.claimed + amount;
        (uint256 distributed, , ) = _split(t.budget, t.core);
        // A sound circuit keeps the leaves summing to `distributed`; this bounds the damage of a
        // broken verifier or key to this task's own distributed rewards.
        if (claimedTotal > distributed) revert ClaimExceedsDistributed(taskId, claimedTotal, distributed);
        // Casts are safe: cumAmount < 2^128 and claimedTotal <= distributed < 2^128.
        m.claimed = uint128(cumAmount);
        t.claimed = uint128(claimedTotal);
        emit RewardClaimed(taskId, msg.sender, cumAmount, amount);
        _rewardToken.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ITrainingMarket
    function releaseStake(uint256 taskId, address trainer) external {
        Task storage t = _task(taskId);
        TaskCore memory c = t.core;
        if (!c.cancelled && c.round < c.numRounds) revert TaskStillActive(taskId, c.round, c.numRounds);
        Member storage m = _members[taskId][trainer];
        if (!m.joined) revert NotMember(taskId, trainer);
        if (m.released) revert StakeAlreadyReleased(taskId, trainer);
        uint128 amount = m.locked;
        m.released = true;
        m.locked = 0;
        emit StakeReleased(taskId, trainer, amount);
        // The vault rejects a zero unlock; a trainer slashed down to nothing has nothing to unlock.
        if (amount != 0) _vault.unlock(trainer, amount);
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc ITrainingMarket
    function settleRound(
        uint256 taskId,
        uint64 round,
        uint256 newState,
        uint256 outlierBitmap,
        uint256 modelCommitment,
        uint256 rewardRoot,
        string calldata modelURI,
        Groth16Proof calldata proof
    ) external {
        Task storage t = _task(taskId);
        TaskCore memory c = t.core;
        Settlement memory s;
        s.submittedMask = _checkSettleable(taskId, round, outlierBitmap, c);
        _checkURI(modelURI);
        s.taskId = taskId;
        s.round = round;
        s.acc = t.acc;
        s.newState = newState;
        s.outlierBitmap = outlierBitmap;
        s.modelCommitment = modelCommitment;
        s.rewardRoot = rewardRoot;
        _verifySettlement(s, proof);
        _applySettlement(t, c, s);
        _emitSettled(s, modelURI);
        if (c.round == c.numRounds) emit TaskFinished(taskId);
        if (outlierBitmap != 0) _slashOutliers(t, taskId, round, outlierBitmap);
    }

    /// @inheritdoc ITrainingMarket
    function expireRound(uint256 taskId) external {
        Task storage t = _task(taskId);
        TaskCore memory c = t.core;
        _requireActive(taskId, c);
        uint64 submissionEnd = uint64(c.roundStart) + c.submissionWindow;
        // With submissions, the settler gets the whole settlement window; without, nothing can
        // ever settle the round, so waiting would only delay the next one.
        uint64 expirableAt = c.submittedMask == 0 ? submissionEnd : submissionEnd + c.settlementWindow;
        if (block.timestamp < expirableAt) {
            revert RoundNotExpirable(taskId, c.round, expirableAt, uint64(block.timestamp));
        }
        uint64 round = c.round;
        uint256 mask = c.submittedMask;
        // The round's reward becomes refundable by not counting the round in paidRounds.
        _advance(t, c);
        emit RoundExpired(taskId, round, mask, _roundReward(t.budget, c.numRounds, round));
        if (c.round == c.numRounds) emit TaskFinished(taskId);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ITrainingMarket
    function stakeVault() external view returns (address) {
        return address(_vault);
    }

    /// @inheritdoc ITrainingMarket
    function rewardToken() external view returns (address) {
        return address(_rewardToken);
    }

    /// @inheritdoc ITrainingMarket
    function slotCapacity() external view returns (uint256) {
        return _slotCapacity;
    }

    /// @inheritdoc ITrainingMarket
    function treeDepth() external view returns (uint256) {
        return _treeDepth;
    }

    /// @inheritdoc ITrainingMarket
    function emptyRoot() external view returns (uint256) {
        return _emptyRoot;
    }

    /// @inheritdoc ITrainingMarket
    function hashers() external view returns (address poseidon2, address poseidon3, address poseidon4) {
        return (address(_poseidon2), address(_poseidon3), address(_poseidon4));
    }

    /// @inheritdoc ITrainingMarket
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc ITrainingMarket
    function task(uint256 taskId) external view returns (TaskInfo memory info) {
        Task storage t = _task(taskId);
        TaskCore memory c = t.core;
        info = TaskInfo({
            owner: t.owner,
            numRounds: c.numRounds,
            maxTrainers: c.maxTrainers,
            members: c.members,
            round: c.round,
            finished: c.round == c.numRounds,
            cancelled: c.cancelled,
            submissionWindow: c.submissionWindow,
            settlementWindow: c.settlementWindow,
            minStake: t.minStake,
            slashAmount: t.slashAmount,
            normBoundSq: t.normBoundSq,
            outlierFactor: t.outlierFactor,
            taskHeader: t.header,
            state: t.state
        });
    }

    /// @inheritdoc ITrainingMarket
    function roundInfo(uint256 taskId) external view returns (RoundInfo memory info) {
        Task storage t = _task(taskId);
        TaskCore memory c = t.core;
        uint64 submissionEnd = uint64(c.roundStart) + c.submissionWindow;
        bool active = !c.cancelled && c.round < c.numRounds;
        info = RoundInfo({
            round: c.round,
            startedAt: uint64(c.roundStart),
            submissionEnd: submissionEnd,
            settlementDeadline: submissionEnd + c.settlementWindow,
            submittedMask: c.submittedMask,
            submissions: _popCount(c.submittedMask),
            acc: c.submittedMask == 0 ? t.state : t.acc,
            reward: active ? _roundReward(t.budget, c.numRounds, c.round) : 0
        });
    }

    /// @inheritdoc ITrainingMarket
    function accounting(uint256 taskId) external view returns (Accounting memory a) {
        Task storage t = _task(taskId);
        (uint256 distributed, uint256 refundable_, uint256 pending) = _split(t.budget, t.core);
        a = Accounting({
            budget: t.budget,
            distributed: distributed,
            refundable: refundable_,
            pending: pending,
            claimed: t.claimed,
            reclaimed: t.reclaimed
        });
    }

    /// @inheritdoc ITrainingMarket
    function member(uint256 taskId, address account) external view returns (MemberInfo memory) {
        _task(taskId);
        Member storage m = _members[taskId][account];
        return MemberInfo({joined: m.joined, slot: m.slot, released: m.released, locked: m.locked, claimed: m.claimed});
    }

    /// @inheritdoc ITrainingMarket
    function trainerAt(uint256 taskId, uint8 slot) external view returns (address) {
        _task(taskId);
        return _trainerAt[taskId][slot];
    }

    /// @inheritdoc ITrainingMarket
    function claimed(uint256 taskId, address account) external view returns (uint256) {
        _task(taskId);
        return _members[taskId][account].claimed;
    }

    /// @inheritdoc ITrainingMarket
    function refundable(uint256 taskId) external view returns (uint256) {
        Task storage t = _task(taskId);
        (, uint256 refundable_, ) = _split(t.budget, t.core);
        return refundable_ - t.reclaimed;
    }

    /// @inheritdoc ITrainingMarket
    function roundReward(uint256 taskId, uint64 round) external view returns (uint256) {
        Task storage t = _task(taskId);
        uint16 numRounds = t.core.numRounds;
        if (round >= numRounds) revert RoundOutOfRange(taskId, round, numRounds);
        return _roundReward(t.budget, numRounds, round);
    }

    /// @inheritdoc ITrainingMarket
    function publicInputs(
        uint256 taskId,
        uint256 newState,
        uint256 outlierBitmap
    ) external view returns (uint256[] memory inputs) {
        Task storage t = _task(taskId);
        inputs = new uint256[](NUM_PUBLIC_INPUTS);
        inputs[0] = t.core.submittedMask == 0 ? t.state : t.acc;
        inputs[1] = newState;
        inputs[2] = outlierBitmap;
    }

    // ---------------------------------------------------------------- internal

    /// @dev The task with id `taskId`, or a TaskNotFound revert.
    function _task(uint256 taskId) private view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.core.numRounds == 0) revert TaskNotFound(taskId);
    }

    /// @dev Reverts unless the task is neither finished nor cancelled.
    function _requireActive(uint256 taskId, TaskCore memory c) private pure {
        if (c.cancelled || c.round >= c.numRounds) revert TaskNotActive(taskId, c.round, c.numRounds, c.cancelled);
    }

    /// @dev Checks that the caller may submit to `round` of the task now; returns its slot.
    function _checkSubmission(uint256 taskId, uint64 round, TaskCore memory c) private view returns (uint8 slot) {
        _requireActive(taskId, c);
        Member storage m = _members[taskId][msg.sender];
        if (!m.joined) revert NotMember(taskId, msg.sender);
        // The round is part of the hashed slot tag; naming it stops a late transaction from
        // landing in the next round with an update trained on the previous model.
        if (round != c.round) revert WrongRound(taskId, round, c.round);
        uint64 closesAt = uint64(c.roundStart) + c.submissionWindow;
        if (block.timestamp < c.roundStart || block.timestamp >= closesAt) {
            revert OutsideSubmissionWindow(taskId, round, uint64(c.roundStart), closesAt, uint64(block.timestamp));
        }
        slot = m.slot;
        if ((c.submittedMask >> slot) & 1 != 0) revert AlreadySubmitted(taskId, round, slot);
    }

    /// @dev Checks that `round` of the task can be settled now with `outlierBitmap`; returns the submitted mask.
    function _checkSettleable(
        uint256 taskId,
        uint64 round,
        uint256 outlierBitmap,
        TaskCore memory c
    ) private view returns (uint256 mask) {
        _requireActive(taskId, c);
        if (round != c.round) revert WrongRound(taskId, round, c.round);
        uint64 opensAt = uint64(c.roundStart) + c.submissionWindow;
        uint64 closesAt = opensAt + c.settlementWindow;
        // Not before the window closes: the accumulator must be final, or a late submission
        // would change acc under a settler's feet and later submitters would be shut out.
        if (block.timestamp < opensAt || block.timestamp >= closesAt) {
            revert OutsideSettlementWindow(taskId, round, opensAt, closesAt, uint64(block.timestamp));
        }
        mask = c.submittedMask;
        if (mask == 0) revert NoSubmissions(taskId, round);
        // The circuit only flags submissions; a bit outside the mask would slash a bystander.
        if (outlierBitmap & ~mask != 0) revert OutliersNotSubmitted(taskId, round, outlierBitmap, mask);
    }

    /// @dev Verifies the proof of settlement `s` against [acc, newState, outlierBitmap].
    function _verifySettlement(Settlement memory s, Groth16Proof calldata proof) private view {
        uint256[] memory inputs = new uint256[](NUM_PUBLIC_INPUTS);
        inputs[0] = s.acc;
        inputs[1] = s.newState;
        inputs[2] = s.outlierBitmap;
        // Replay protection is the round counter, never the proof bytes (Groth16 proofs are
        // malleable). The round key fits: task ids come from a counter, rounds are < 2^16.
        _verifyOrRevert((s.taskId << 64) | s.round, proof, inputs);
    }

    /// @dev Records a verified settlement: the new state, and the round's reward distributed
    /// (some inlier) or left refundable (none); then opens the next round.
    function _applySettlement(Task storage t, TaskCore memory c, Settlement memory s) private {
        // The accumulator of the next round is the new state, implied by a zero mask.
        t.state = s.newState;
        if (s.submittedMask & ~s.outlierBitmap != 0) {
            // Cannot overflow: each round is counted at most once, so paidRounds <= numRounds < 2^16.
            unchecked {
                ++c.paidRounds;
            }
            if (s.round == c.numRounds - 1) c.lastRoundPaid = true;
        }
        // Otherwise no inlier: the circuit gives every share 0, so the reward goes back to the owner.
        _advance(t, c);
    }

    /// @dev Moves the task to its next round, opened now, and writes the core slot once.
    function _advance(Task storage t, TaskCore memory c) private {
        // Fits: the task is active, so round + 1 <= numRounds < 2^16.
        unchecked {
            ++c.round;
        }
        c.roundStart = uint40(block.timestamp);
        c.submittedMask = 0;
        t.core = c;
    }

    /// @dev Emits RoundSettled from `s`.
    function _emitSettled(Settlement memory s, string calldata modelURI) private {
        emit RoundSettled(
            s.taskId,
            s.round,
            msg.sender,
            s.acc,
            s.newState,
            s.submittedMask,
            s.outlierBitmap,
            s.modelCommitment,
            s.rewardRoot,
            modelURI
        );
    }

    /// @dev Slashes each trainer flagged in `bitmap` (at most N bits, all members) once, capped
    /// at what the trainer still has locked for this task, so a slash can never reach stake the
    /// trainer locked for another task in this market.
    function _slashOutliers(Task storage t, uint256 taskId, uint64 round, uint256 bitmap) private {
        uint256 amount = t.slashAmount;
        if (amount == 0) return;
        for (uint256 slot = 0; bitmap != 0; ++slot) {
            if (bitmap & 1 != 0) {
                address trainer = _trainerAt[taskId][slot];
                Member storage m = _members[taskId][trainer];
                uint256 locked = m.locked;
                uint256 take = amount < locked ? amount : locked;
                if (take != 0) {
                    // Cannot underflow: take <= locked.
                    unchecked {
                        m.locked = uint128(locked - take);
                    }
                    bytes32 offenceId = keccak256(abi.encode(taskId, round, slot));
                    // The vault takes from this module's lock on the trainer first, which holds
                    // at least `locked` >= take, so exactly `take` is slashed from the lock.
                    _vault.slash(trainer, take, offenceId);
                    emit TrainerSlashed(taskId, round, trainer, uint8(slot), offenceId, take);
                }
            }
            bitmap >>= 1;
        }
    }

    /// @dev The reward tree root from the leaf `leaf` at `slot` and its siblings `path` (level 0 first).
    function _rootFromPath(uint8 slot, uint256 leaf, uint256[] calldata path) private view returns (uint256 node) {
        uint256 depth = _treeDepth;
        if (path.length != depth) revert InvalidPathLength(depth, path.length);
        node = leaf;
        for (uint256 i = 0; i < depth; ++i) {
            uint256 sibling = path[i];
            // The hasher reduces mod r; a sibling >= r would let one tree have many valid paths.
            if (sibling >= SnarkField.MODULUS) revert InvalidPathElement(i, sibling);
            // Bit i of the slot says whether the node is a right child at level i.
            node =
                (uint256(slot) >> i) & 1 == 0
                    ? _poseidon2.poseidon([node, sibling])
                    : _poseidon2.poseidon([sibling, node]);
        }
    }

    /// @dev Reverts unless `uri` has 1..MAX_URI_LENGTH bytes.
    function _checkURI(string calldata uri) private pure {
        uint256 len = bytes(uri).length;
        if (len == 0 || len > MAX_URI_LENGTH) revert InvalidURILength(len, MAX_URI_LENGTH);
    }

    /// @dev Validates the parameters of a new task; returns the start time of round 0.
    function _validate(TaskParams calldata p) private view returns (uint64 startTime) {
        if (p.initModelCommitment >= SnarkField.MODULUS) revert InvalidInitModelCommitment(p.initModelCommitment);
        _checkURI(p.initModelURI);
        if (p.numRounds == 0 || p.numRounds > MAX_ROUNDS) revert InvalidNumRounds(p.numRounds);
        if (p.maxTrainers == 0 || p.maxTrainers > _slotCapacity) {
            revert InvalidMaxTrainers(p.maxTrainers, _slotCapacity);
        }
        uint256 latest = block.timestamp + MAX_START_DELAY;
        // A start in the past would shorten round 0's window below what trainers signed up for.
        if (p.startTime != 0 && (p.startTime < block.timestamp || p.startTime > latest)) {
            revert InvalidStartTime(p.startTime, block.timestamp, latest);
        }
        if (p.submissionWindow == 0 || p.submissionWindow > MAX_WINDOW) {
            revert InvalidSubmissionWindow(p.submissionWindow, MAX_WINDOW);
        }
        if (p.settlementWindow == 0 || p.settlementWindow > MAX_WINDOW) {
            revert InvalidSettlementWindow(p.settlementWindow, MAX_WINDOW);
        }
        if (p.minStake == 0 || p.minStake >> 128 != 0) revert InvalidMinStake(p.minStake);
        // Bounded by the stake each trainer locks: a slash can take no more than that anyway.
        if (p.slashAmount > p.minStake) revert InvalidSlashAmount(p.slashAmount, p.minStake);
        // The limits below are the field widths of configPacked and the circuit's range checks.
        if (p.budget == 0 || p.budget >> 128 != 0) revert InvalidBudget(p.budget);
        if (p.normBoundSq >> 80 != 0) revert InvalidNormBoundSq(p.normBoundSq);
        if (p.outlierFactor >> 32 != 0) revert InvalidOutlierFactor(p.outlierFactor);
        // Fits: block.timestamp and the bounded start are far below 2^64.
        startTime = uint64(p.startTime == 0 ? block.timestamp : p.startTime);
    }

    /// @dev Where a task's budget is. Every resolved round's reward R is either distributed
    /// (counted in paidRounds) or refundable; pending are the rounds not resolved yet, none once
    /// the task is finished or cancelled. distributed + refundable + pending == budget.
    function _split(
        uint256 budget,
        TaskCore memory c
    ) private pure returns (uint256 distributed, uint256 refundable_, uint256 pending) {
        uint256 base = budget / c.numRounds;
        uint256 remainder = budget % c.numRounds;
        distributed = base * c.paidRounds + (c.lastRoundPaid ? remainder : 0);
        // An open task's last round is still pending, so the remainder is too.
        if (!c.cancelled && c.round < c.numRounds) pending = base * (c.numRounds - c.round) + remainder;
        refundable_ = budget - distributed - pending;
    }

    /// @dev R = floor(budget / numRounds), plus the remainder in the last round (spec rule 13).
    function _roundReward(uint256 budget, uint256 numRounds, uint256 round) private pure returns (uint256 reward) {
        reward = budget / numRounds;
        if (round == numRounds - 1) reward += budget % numRounds;
    }

    /// @dev The number of set bits of a 64-bit mask.
    function _popCount(uint64 x) private pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
