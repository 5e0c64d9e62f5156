// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Groth16Settlement} from "../base/Groth16Settlement.sol";
import {PhaseClock} from "../base/PhaseClock.sol";
import {PoseidonHashers} from "../base/PoseidonHashers.sol";
import {VaultModule} from "../base/VaultModule.sol";
import {EscrowSplit} from "../libraries/EscrowSplit.sol";
import {MerklePath} from "../libraries/MerklePath.sol";
import {SnarkField} from "../libraries/SnarkField.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4} from "../interfaces/IPoseidon.sol";
import {ITrainingMarket} from "../interfaces/ITrainingMarket.sol";

/// @title TrainingMarket
/// @notice See {ITrainingMarket}. Circuit: `Contribution(N, P, 32)`, public inputs
/// [acc, newState, modelCommitment, rewardRoot, masks, settler]. The proof context (chain id and
/// this address) and the task id are bound through the task header inside acc, the round through
/// acc's per-reveal round * 2^16 + slot, the caller through `settler`.
/// The contract owner has no power over tasks, escrow or stakes: no function is owner-only. The
/// two-step owner only names who operates the deployment, and can hand that over safely.
/// Built on the shared spine: {Groth16Settlement} verifies the proofs, {PhaseClock} times the
/// rounds, {VaultModule} locks, unlocks and slashes stake, {PoseidonHashers} hashes; {MerklePath}
/// checks claims and {EscrowSplit} keeps the escrow's books. This contract holds the market's rules.
contract TrainingMarket is
    ITrainingMarket,
    Groth16Settlement,
    PhaseClock,
    VaultModule,
    PoseidonHashers,
    Ownable2Step,
    ReentrancyGuard
{
    using SafeERC20 for IERC20;

    /// @inheritdoc ITrainingMarket
    uint256 public constant MAX_URI_LENGTH = 512;
    /// @inheritdoc ITrainingMarket
    /// @dev Bounds numRounds * (commit + reveal + settlement + maxTrainers * challenge): a round
    /// lasts at most that long, since each replacing proposal includes strictly more of at most
    /// maxTrainers submissions. Stakes can leave between rounds anyway; the cap bounds the escrow.
    uint256 public constant MAX_TASK_DURATION = 365 days;

    uint256 private constant NUM_PUBLIC_INPUTS = 6;
    uint256 private constant MAX_SLOT_CAPACITY = 64;
    uint256 private constant MAX_ROUNDS = type(uint16).max;
    /// @dev A trust of 1 in the rule's 16-bit fixed point: the largest trust margin.
    uint256 private constant MAX_TRUST_MARGIN = 1 << 16;
    /// @dev The phases of a round, back to back from its start (a challenge window follows each proposal).
    uint256 private constant PHASE_COMMIT = 0;
    uint256 private constant PHASE_REVEAL = 1;
    uint256 private constant PHASE_SETTLEMENT = 2;

    /// @dev What every call reads and writes first, one slot (224 bits). The reward accounting is
    /// counters here instead of amounts elsewhere: the rewards of all rounds are fixed by the budget.
    struct TaskCore {
        uint16 round;
        uint16 numRounds; // >= 1 for every created task: doubles as the existence flag
        uint16 endRound; // numRounds, or where a cancellation ends the task
        uint16 paidRounds; // rounds final with at least one inlier
        uint16 settledRounds; // rounds final (their fee was paid)
        bool lastRoundPaid; // whether the last round (which carries the remainder) is paid
        bool cancelled;
        uint8 maxTrainers;
        uint8 members;
        uint40 roundStart; // unix seconds
        uint64 committedMask;
        // Slot 0 is the owner's root: counting inliers needs it, so it lives here, not in Rule.
        bool rootUpdates;
    }

    /// @dev The phase clock and the current round's reveals and proposal time, one slot (232 bits).
    struct Phase {
        uint32 commitWindow;
        uint32 revealWindow;
        uint32 settlementWindow;
        uint32 challengeWindow;
        uint64 revealedMask;
        uint40 proposedAt; // 0: no pending proposal
    }

    /// @dev The pending proposal of the current round (meaningful while phase.proposedAt != 0).
    struct Pending {
        uint256 state;
        uint192 masks; // included | excluded << 64 | slashed << 128
        address settler;
    }

    /// @dev The rule parameters, for views (the circuit reads them from the header; rootUpdates
    /// is in TaskCore).
    struct Rule {
        uint80 normBoundSq;
        uint32 trustMargin;
    }

    struct Task {
        TaskCore core; // slot 0
        Phase phase; // slot 1
        uint256 state; // slot 2
        uint256 acc; // slot 3, meaningful only while phase.revealedMask != 0
        Pending pending; // slots 4-6
        uint128 budget; // slot 7
        uint128 fee;
        uint128 claimed; // slot 8
        uint128 reclaimed;
        uint128 minStake; // slot 9
        uint128 slashAmount;
        uint128 noShowPenalty; // slot 10
        address owner; // slot 11
        Rule rule; // slot 12
        uint256 header; // slot 13
    }

    /// @dev A trainer's membership; `locked` is what the vault holds for this task (the vault's
    /// per-module lock sums all of a trainer's tasks in this market).
    struct Member {
        bool joined;
        uint8 slot;
        bool released;
        bool left;
        uint128 locked;
        uint128 claimed; // next slot
    }

    /// @dev What bringing a task up to date did to its stored round.
    struct Catchup {
        bool finalized; // the pending proposal became final
        bool expired; // the round ended unsettled
        uint64 round; // the resolved round
        uint64 committedMask;
        uint64 revealedMask;
        uint64 skippedFrom;
        uint64 skipped; // empty rounds skipped
    }

    IERC20 private immutable _rewardToken;
    uint256 private immutable _slotCapacity;
    uint256 private immutable _treeDepth;
    uint256 private immutable _emptyRoot;

    uint256 private _taskCount;
    mapping(uint256 taskId => Task) private _tasks;
    mapping(uint256 taskId => mapping(address account => Member)) private _members;
    mapping(uint256 taskId => mapping(uint256 slot => address)) private _trainerAt;
    mapping(uint256 taskId => mapping(uint256 slot => bytes32)) private _commits;
    mapping(address account => uint256) private _feesOwed;

    /// @param verifier_ The Groth16 verifier of `Contribution(slotCapacity_, P, 32)`.
    /// @param vault The stake vault; this contract needs its MODULE_ROLE before anyone can join.
    /// @param rewardToken_ The ERC-20 budgets and fees are escrowed and paid in (may be the stake token).
    /// @param slotCapacity_ The circuit's N: a power of two in 2..64.
    /// @param poseidon2 The Poseidon hasher with 2 inputs, a deployed PoseidonT3 (`poseidon3`, `poseidon4`: PoseidonT4, T5).
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
    )
        Groth16Settlement(verifier_, NUM_PUBLIC_INPUTS)
        VaultModule(vault)
        PoseidonHashers(poseidon2, poseidon3, poseidon4)
        Ownable(owner_)
    {
        if (address(rewardToken_).code.length == 0) revert NotAContract("rewardToken", address(rewardToken_));
        // The circuit's reward tree is a full binary tree and the masks are uint64.
        if (slotCapacity_ < 2 || slotCapacity_ > MAX_SLOT_CAPACITY || slotCapacity_ & (slotCapacity_ - 1) != 0) {
            revert InvalidSlotCapacity(slotCapacity_);
        }
        _rewardToken = rewardToken_;
        _slotCapacity = slotCapacity_;
        uint256 depth;
        uint256 root; // a zero leaf
        while ((uint256(1) << depth) < slotCapacity_) {
            root = poseidon2.hash([root, root]);
            ++depth;
        }
        _treeDepth = depth;
        _emptyRoot = root;
    }

    // ---------------------------------------------------------------- task owner

    /// @inheritdoc ITrainingMarket
    function createTask(TaskParams calldata p) external nonReentrant returns (uint256 taskId) {
        uint64 startTime = _validate(p);
        _pullEscrow(p.budget + p.numRounds * p.settlementFee);
        taskId = ++_taskCount;
        (uint256 header, uint256 state) = _taskHashes(taskId, p);
        Task storage t = _tasks[taskId];
        _initTask(t, p, startTime, header, state);
        emit TaskCreated(taskId, msg.sender, header, state, startTime, p);
        // Slot 0 is taken before anyone else can join, so the root slot is always the owner's.
        if (p.rootUpdates) _join(taskId, t, 0);
    }

    /// @dev Pulls `escrow` from the caller and checks it all arrived: the header binds the exact
    /// budget, so the escrow must hold all of it (a fee-on-transfer token would leave the last
    /// claims unpayable).
    function _pullEscrow(uint256 escrow) private {
        uint256 before = _rewardToken.balanceOf(address(this));
        _rewardToken.safeTransferFrom(msg.sender, address(this), escrow);
        uint256 received = _rewardToken.balanceOf(address(this)) - before;
        if (received != escrow) revert BudgetNotReceived(escrow, received);
    }

    /// @dev The task header and initial state of a new task.
    function _taskHashes(uint256 taskId, TaskParams calldata p) private view returns (uint256 header, uint256 state) {
        // The fields cannot overlap: _validate bounded budget < 2^128, numRounds < 2^16,
        // maxTrainers <= 64, normBoundSq < 2^80, trustMargin <= 2^16 (17 bits).
        uint256 configPacked = p.budget | (p.numRounds << 128) | (p.maxTrainers << 144);
        uint256 ruleParams = p.normBoundSq | (p.trustMargin << 80) | (p.rootUpdates ? 1 << 97 : 0);
        header = _hash4(proofContext(), taskId, configPacked, ruleParams);
        // No step was settled yet: the previous model is the initial one, so the first previous step is 0.
        uint256 init = p.initModelCommitment;
        state = _hash3(header, _hash2(init, init), _emptyRoot);
    }

    /// @dev Writes a new task. The narrowing casts are lossless: _validate bounded every value.
    function _initTask(Task storage t, TaskParams calldata p, uint64 startTime, uint256 header, uint256 state) private {
        t.core = TaskCore({
            round: 0,
            numRounds: uint16(p.numRounds),
            endRound: uint16(p.numRounds),
            paidRounds: 0,
            settledRounds: 0,
            lastRoundPaid: false,
            cancelled: false,
            maxTrainers: uint8(p.maxTrainers),
            members: 0,
            roundStart: uint40(startTime),
            committedMask: 0,
            rootUpdates: p.rootUpdates
        });
        t.phase = Phase({
            commitWindow: uint32(p.commitWindow),
            revealWindow: uint32(p.revealWindow),
            settlementWindow: uint32(p.settlementWindow),
            challengeWindow: uint32(p.challengeWindow),
            revealedMask: 0,
            proposedAt: 0
        });
        t.state = state;
        t.budget = uint128(p.budget);
        t.fee = uint128(p.settlementFee);
        t.minStake = uint128(p.minStake);
        t.slashAmount = uint128(p.slashAmount);
        t.noShowPenalty = uint128(p.noShowPenalty);
        t.owner = msg.sender;
        t.rule = Rule({normBoundSq: uint80(p.normBoundSq), trustMargin: uint32(p.trustMargin)});
        t.header = header;
    }

    /// @inheritdoc ITrainingMarket
    function cancelTask(uint256 taskId) external nonReentrant {
        (Task storage t, TaskCore memory c, ) = _sync(taskId);
        _requireOpen(taskId, c);
        if (msg.sender != t.owner) revert NotTaskOwner(taskId, msg.sender, t.owner);
        // Trainers who committed this round may be doing the work: the round runs to its end.
        // Nobody can block the cancellation itself (a commit only delays it by one round).
        c.endRound = c.committedMask != 0 ? c.round + 1 : c.round;
        c.cancelled = true;
        t.core = c;
        emit TaskCancelled(taskId, c.round, c.endRound);
        if (c.round == c.endRound) emit TaskFinished(taskId);
    }

    /// @inheritdoc ITrainingMarket
    function reclaim(uint256 taskId) external nonReentrant returns (uint256 amount) {
        (Task storage t, TaskCore memory c, ) = _sync(taskId);
        address owner_ = t.owner;
        if (msg.sender != owner_) revert NotTaskOwner(taskId, msg.sender, owner_);
        (, uint256 refundable_, , ) = _split(t, c);
        uint256 reclaimed = t.reclaimed;
        // Cannot underflow: refundable only grows and `reclaimed` is a past value of it.
        unchecked {
            amount = refundable_ - reclaimed;
        }
        if (amount == 0) revert NothingToReclaim(taskId);
        // Fits: refundable <= budget + fees < 2^128.
        t.reclaimed = uint128(refundable_);
        emit EscrowReclaimed(taskId, owner_, amount);
        _rewardToken.safeTransfer(owner_, amount);
    }

    // ---------------------------------------------------------------- trainers

    /// @inheritdoc ITrainingMarket
    function join(uint256 taskId) external nonReentrant returns (uint8 slot) {
        (Task storage t, TaskCore memory c, ) = _sync(taskId);
        _requireOpen(taskId, c);
        Member storage m = _members[taskId][msg.sender];
        if (m.joined) revert AlreadyJoined(taskId, msg.sender, m.slot);
        if (c.members >= c.maxTrainers) revert TaskFull(taskId, c.maxTrainers);
        slot = c.members;
        _join(taskId, t, slot);
    }

    /// @dev Makes the caller the member in the free `slot` (the next one), locking minStake last.
    function _join(uint256 taskId, Task storage t, uint8 slot) private {
        Member storage m = _members[taskId][msg.sender];
        uint128 stakeAmount = t.minStake;
        t.core.members = slot + 1;
        m.joined = true;
        m.slot = slot;
        m.locked = stakeAmount;
        _trainerAt[taskId][slot] = msg.sender;
        emit TrainerJoined(taskId, msg.sender, slot, stakeAmount);
        // Reverts with the vault's InsufficientFreeStake when the caller has too little free stake.
        _lockStake(msg.sender, stakeAmount);
    }

    /// @inheritdoc ITrainingMarket
    function leave(uint256 taskId) external nonReentrant {
        (, TaskCore memory c, ) = _sync(taskId);
        Member storage m = _members[taskId][msg.sender];
        if (!m.joined) revert NotMember(taskId, msg.sender);
        if (m.released) revert StakeAlreadyReleased(taskId, msg.sender);
        bool active = !_ended(c);
        // A trainer with a commit this round could otherwise dodge its no-show penalty or a
        // proven slash; every earlier round is already resolved (sync ran).
        if (active && (c.committedMask >> m.slot) & 1 != 0) revert CommittedThisRound(taskId, c.round, m.slot);
        uint128 amount = m.locked;
        m.released = true;
        m.left = active;
        m.locked = 0;
        if (active) emit TrainerLeft(taskId, msg.sender, m.slot, c.round, amount);
        else emit StakeReleased(taskId, msg.sender, amount);
        _unlockStake(msg.sender, amount);
    }

    /// @inheritdoc ITrainingMarket
    function commitUpdate(uint256 taskId, uint64 round, bytes32 commitHash) external nonReentrant {
        (Task storage t, TaskCore memory c, Phase memory ph) = _sync(taskId);
        uint8 slot = _checkMember(taskId, round, c);
        uint64 opensAt = uint64(c.roundStart);
        _requirePhase(taskId, round, PHASE_COMMIT, opensAt, opensAt + ph.commitWindow);
        if ((c.committedMask >> slot) & 1 != 0) revert AlreadyCommitted(taskId, round, slot);
        if (commitHash == bytes32(0)) revert InvalidCommitHash();
        _commits[taskId][slot] = commitHash;
        t.core.committedMask = c.committedMask | (uint64(1) << slot);
        emit UpdateCommitted(taskId, round, msg.sender, slot, commitHash);
    }

    /// @inheritdoc ITrainingMarket
    function revealUpdate(
        uint256 taskId,
        uint64 round,
        uint256 commitment,
        bytes32 salt,
        string calldata uri
    ) external nonReentrant {
        (Task storage t, TaskCore memory c, Phase memory ph) = _sync(taskId);
        uint8 slot = _checkReveal(taskId, round, commitment, salt, c, ph);
        _checkURI(uri);
        // The accumulator starts the round equal to the state (acc is not rewritten at round starts).
        uint256 acc = _hash3(ph.revealedMask == 0 ? t.state : t.acc, (uint256(round) << 16) | slot, commitment);
        t.acc = acc;
        t.phase.revealedMask = ph.revealedMask | (uint64(1) << slot);
        emit UpdateRevealed(taskId, round, msg.sender, slot, commitment, uri, acc);
    }

    /// @inheritdoc ITrainingMarket
    function claim(
        uint256 taskId,
        uint256 cumAmount,
        uint256[] calldata path,
        uint256 models
    ) external nonReentrant returns (uint256 amount) {
        (Task storage t, TaskCore memory c, ) = _sync(taskId);
        Member storage m = _members[taskId][msg.sender];
        if (!m.joined) revert NotMember(taskId, msg.sender);
        // Leaves are < 2^128 in the circuit; also keeps every hashed value < r.
        if (cumAmount >> 128 != 0) revert InvalidCumulativeAmount(cumAmount);
        if (models >= SnarkField.MODULUS) revert InvalidCommitment(models);
        _checkRewardProof(t, taskId, m.slot, cumAmount, path, models);

        uint256 already = m.claimed;
        if (cumAmount <= already) revert NothingToClaim(taskId, msg.sender, cumAmount, already);
        // Cannot underflow: checked just above.
        unchecked {
            amount = cumAmount - already;
        }
        uint256 claimedTotal = t.claimed + amount;
        uint256 distributed = EscrowSplit.distributed(t.budget, c.numRounds, c.paidRounds, c.lastRoundPaid);
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
    function releaseStake(uint256 taskId, address trainer) external nonReentrant {
        (, TaskCore memory c, ) = _sync(taskId);
        if (!_ended(c)) revert TaskStillActive(taskId, c.round, c.endRound);
        Member storage m = _members[taskId][trainer];
        if (!m.joined) revert NotMember(taskId, trainer);
        if (m.released) revert StakeAlreadyReleased(taskId, trainer);
        uint128 amount = m.locked;
        m.released = true;
        m.locked = 0;
        emit StakeReleased(taskId, trainer, amount);
        // A trainer slashed down to nothing has nothing to unlock (a no-op, see _unlockStake).
        _unlockStake(trainer, amount);
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc ITrainingMarket
    function settleRound(
        uint256 taskId,
        uint64 round,
        SettlementResult calldata result,
        string calldata modelURI,
        Groth16Proof calldata proof
    ) external nonReentrant {
        (Task storage t, TaskCore memory c, Phase memory ph) = _sync(taskId);
        _requireActive(taskId, c);
        _requireRound(taskId, round, c.round);
        bool replacing = ph.proposedAt != 0;
        if (!replacing) {
            // sync expired the round if its settlement window had closed, so only "too early" can fail.
            uint64 opensAt = uint64(c.roundStart) + ph.commitWindow + ph.revealWindow;
            _requirePhase(taskId, round, PHASE_SETTLEMENT, opensAt, opensAt + ph.settlementWindow);
            // revealedMask != 0 here: a round with commits and no reveal ends at revealEnd (sync
            // moved on) and one with no commit at its commit deadline, so _checkMasks suffices.
        }
        _checkMasks(taskId, round, result, ph.revealedMask);
        if (replacing) _checkStronger(taskId, round, result.includedMask, uint64(t.pending.masks));
        _checkURI(modelURI);
        uint192 masks = _packMasks(result);
        // Replay protection is the round counter, never the proof bytes (Groth16 proofs are
        // malleable). The round key fits: task ids come from a counter, rounds are < 2^16.
        _verifyOrRevert((taskId << 64) | round, proof, _inputs(t.acc, result, masks, msg.sender));
        t.pending = Pending({state: result.newState, masks: masks, settler: msg.sender});
        t.phase.proposedAt = uint40(block.timestamp);
        _emitProposed(
            t,
            taskId,
            round,
            result,
            uint64(block.timestamp) + ph.challengeWindow,
            replacing,
            modelURI,
            proof
        );
    }

    /// @dev Emits RoundProposed (its own frame: the event has more fields than settleRound's stack holds).
    function _emitProposed(
        Task storage t,
        uint256 taskId,
        uint64 round,
        SettlementResult calldata result,
        uint64 finalAt,
        bool replacing,
        string calldata modelURI,
        Groth16Proof calldata proof
    ) private {
        emit RoundProposed(taskId, round, msg.sender, t.acc, result, finalAt, replacing, modelURI, proof);
    }

    /// @inheritdoc ITrainingMarket
    function sync(uint256 taskId) external nonReentrant {
        _sync(taskId);
    }

    /// @inheritdoc ITrainingMarket
    function withdrawFees() external nonReentrant returns (uint256 amount) {
        amount = _feesOwed[msg.sender];
        if (amount == 0) revert NoFeesOwed(msg.sender);
        _feesOwed[msg.sender] = 0;
        emit FeesWithdrawn(msg.sender, amount);
        _rewardToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- views

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
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc ITrainingMarket
    function task(uint256 taskId) external view returns (TaskInfo memory info) {
        Task storage t = _task(taskId);
        (TaskCore memory c, Phase memory ph, uint256 state, ) = _current(t);
        Rule memory r = t.rule;
        info = TaskInfo({
            owner: t.owner,
            numRounds: c.numRounds,
            endRound: c.endRound,
            maxTrainers: c.maxTrainers,
            members: c.members,
            round: c.round,
            finished: _ended(c),
            cancelled: c.cancelled,
            commitWindow: ph.commitWindow,
            revealWindow: ph.revealWindow,
            settlementWindow: ph.settlementWindow,
            challengeWindow: ph.challengeWindow,
            minStake: t.minStake,
            slashAmount: t.slashAmount,
            noShowPenalty: t.noShowPenalty,
            settlementFee: t.fee,
            normBoundSq: r.normBoundSq,
            trustMargin: r.trustMargin,
            rootUpdates: c.rootUpdates,
            taskHeader: t.header,
            state: state
        });
    }

    /// @inheritdoc ITrainingMarket
    function roundInfo(uint256 taskId) external view returns (RoundInfo memory info) {
        Task storage t = _task(taskId);
        (TaskCore memory c, Phase memory ph, , uint256 acc) = _current(t);
        uint64 commitEnd = uint64(c.roundStart) + ph.commitWindow;
        uint64 revealEnd = commitEnd + ph.revealWindow;
        info.round = c.round;
        info.startedAt = uint64(c.roundStart);
        info.commitEnd = commitEnd;
        info.revealEnd = revealEnd;
        info.settlementDeadline = revealEnd + ph.settlementWindow;
        info.committedMask = c.committedMask;
        info.revealedMask = ph.revealedMask;
        info.acc = acc;
        info.reward = _ended(c) ? 0 : EscrowSplit.roundReward(t.budget, c.numRounds, c.round);
        if (ph.proposedAt != 0) {
            Pending memory p = t.pending;
            info.settler = p.settler;
            info.proposedAt = ph.proposedAt;
            info.finalAt = uint64(ph.proposedAt) + ph.challengeWindow;
            info.proposal = _unpackMasks(p.state, p.masks);
        }
    }

    /// @inheritdoc ITrainingMarket
    function accounting(uint256 taskId) external view returns (Accounting memory a) {
        Task storage t = _task(taskId);
        (TaskCore memory c, , , ) = _current(t);
        (uint256 distributed, uint256 refundable_, uint256 pending, uint256 feesPaid) = _split(t, c);
        a = Accounting({
            budget: t.budget,
            fees: uint256(t.fee) * c.numRounds,
            distributed: distributed,
            refundable: refundable_,
            pending: pending,
            feesPaid: feesPaid,
            claimed: t.claimed,
            reclaimed: t.reclaimed
        });
    }

    /// @inheritdoc ITrainingMarket
    function member(uint256 taskId, address account) external view returns (MemberInfo memory) {
        _task(taskId);
        Member storage m = _members[taskId][account];
        return
            MemberInfo({
                joined: m.joined,
                slot: m.slot,
                released: m.released,
                left: m.left,
                locked: m.locked,
                claimed: m.claimed
            });
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
        (TaskCore memory c, , , ) = _current(t);
        (, uint256 refundable_, , ) = _split(t, c);
        return refundable_ - t.reclaimed;
    }

    /// @inheritdoc ITrainingMarket
    function feesOwed(address account) external view returns (uint256) {
        return _feesOwed[account];
    }

    /// @inheritdoc ITrainingMarket
    function roundReward(uint256 taskId, uint64 round) external view returns (uint256) {
        Task storage t = _task(taskId);
        uint16 numRounds = t.core.numRounds;
        if (round >= numRounds) revert RoundOutOfRange(taskId, round, numRounds);
        return EscrowSplit.roundReward(t.budget, numRounds, round);
    }

    /// @inheritdoc ITrainingMarket
    function commitHashOf(
        uint256 taskId,
        uint64 round,
        address trainer,
        uint256 commitment,
        bytes32 salt
    ) external view returns (bytes32) {
        return _commitHash(taskId, round, trainer, commitment, salt);
    }

    /// @inheritdoc ITrainingMarket
    function publicInputs(
        uint256 taskId,
        SettlementResult calldata result,
        address settler
    ) external view returns (uint256[] memory) {
        Task storage t = _task(taskId);
        (, , , uint256 acc) = _current(t);
        return _inputs(acc, result, _packMasks(result), settler);
    }

    // ---------------------------------------------------------------- internal: the clock

    /// @dev Brings the task up to date (see {sync}) and returns it with its core and phase as now.
    /// Writes storage only when something changed; applies at most one resolved round's effects
    /// (a proposal's slashes and fee, the no-show penalties), each bounded by the 64 slots.
    function _sync(uint256 taskId) private returns (Task storage t, TaskCore memory c, Phase memory ph) {
        t = _task(taskId);
        c = t.core;
        ph = t.phase;
        if (_ended(c)) return (t, c, ph);
        Pending memory p;
        if (ph.proposedAt != 0) p = t.pending;
        Catchup memory u = _catchUp(c, ph, p.masks, block.timestamp);
        if (!u.finalized && !u.expired && u.skipped == 0) return (t, c, ph);
        t.core = c;
        t.phase = ph;
        if (u.finalized) {
            t.state = p.state;
            uint256 fee = t.fee;
            if (fee != 0) _feesOwed[p.settler] += fee;
            emit RoundFinalized(taskId, u.round, p.settler, p.state, _inliers(c, p.masks) != 0, fee);
            _penalize(taskId, u.round, uint64(p.masks >> 128), t.slashAmount, Offence.Proven);
        } else if (u.expired) {
            uint256 refunded = EscrowSplit.roundReward(t.budget, c.numRounds, u.round) + t.fee;
            emit RoundExpired(taskId, u.round, u.committedMask, u.revealedMask, refunded);
        }
        if (u.finalized || u.expired) {
            _penalize(taskId, u.round, u.committedMask & ~u.revealedMask, t.noShowPenalty, Offence.NoShow);
        }
        if (u.skipped != 0) emit RoundsSkipped(taskId, u.skippedFrom, u.skipped);
        if (_ended(c)) emit TaskFinished(taskId);
    }

    /// @dev The task as it is now, without writing: core, phase, state and the current accumulator.
    function _current(
        Task storage t
    ) private view returns (TaskCore memory c, Phase memory ph, uint256 state, uint256 acc) {
        c = t.core;
        ph = t.phase;
        state = t.state;
        if (!_ended(c)) {
            uint192 masks = ph.proposedAt != 0 ? t.pending.masks : 0;
            Catchup memory u = _catchUp(c, ph, masks, block.timestamp);
            if (u.finalized) state = t.pending.state;
        }
        // The stored acc belongs to the stored round; a round change above reset revealedMask.
        acc = ph.revealedMask == 0 ? state : t.acc;
    }

    /// @dev Moves the clock of a task forward to `now`, in memory: resolves the stored round if its
    /// time is over (a pending proposal becomes final at proposedAt + challengeWindow; without
    /// one, a round with commits ends at the reveal deadline if nobody revealed, else at the
    /// settlement deadline), then skips every round since that had no commit (each ends at its
    /// commit deadline) in one step. Updates the reward counters for a final proposal.
    function _catchUp(
        TaskCore memory c,
        Phase memory ph,
        uint192 masks,
        uint256 now_
    ) private pure returns (Catchup memory u) {
        uint256 start = c.roundStart;
        if (c.committedMask != 0) {
            uint256 revealEnd = start + ph.commitWindow + ph.revealWindow;
            uint256 endsAt;
            if (ph.proposedAt != 0) endsAt = uint256(ph.proposedAt) + ph.challengeWindow;
            else if (ph.revealedMask == 0) endsAt = revealEnd;
            else endsAt = revealEnd + ph.settlementWindow;
            if (now_ < endsAt) return u;
            u.round = c.round;
            u.committedMask = c.committedMask;
            u.revealedMask = ph.revealedMask;
            u.finalized = ph.proposedAt != 0;
            u.expired = !u.finalized;
            if (u.finalized) _countFinal(c, masks);
            // Fits: the task is active, so round + 1 <= endRound < 2^16; endsAt < 2^40 (bounded windows).
            unchecked {
                ++c.round;
            }
            c.roundStart = uint40(endsAt);
            c.committedMask = 0;
            ph.revealedMask = 0;
            ph.proposedAt = 0;
            start = endsAt;
            if (_ended(c)) return u;
        }
        if (now_ >= start + ph.commitWindow) {
            uint256 k = (now_ - start) / ph.commitWindow;
            uint256 left = c.endRound - c.round;
            if (k > left) k = left;
            u.skippedFrom = c.round;
            // Fits: k <= endRound - round, and the start stays below now.
            u.skipped = uint64(k);
            c.round += uint16(k);
            c.roundStart = uint40(start + k * ph.commitWindow);
        }
    }

    /// @dev Counts a final proposal with `masks` in the reward counters: its fee is paid, and its
    /// reward distributed if it has an inlier (see _inliers).
    function _countFinal(TaskCore memory c, uint192 masks) private pure {
        // Cannot overflow: each round is counted once, so the counters stay <= numRounds < 2^16.
        unchecked {
            ++c.settledRounds;
        }
        if (_inliers(c, masks) != 0) {
            unchecked {
                ++c.paidRounds;
            }
            if (c.round == c.numRounds - 1) c.lastRoundPaid = true;
        }
    }

    /// @dev The inliers of `masks`: included, neither excluded nor slashed, and not the root (the
    /// circuit pays it nothing, so a round whose only inlier were the root distributes nothing).
    function _inliers(TaskCore memory c, uint192 masks) private pure returns (uint64 inliers) {
        inliers = uint64(masks) & ~uint64(masks >> 64) & ~uint64(masks >> 128);
        if (c.rootUpdates) inliers &= ~uint64(1);
    }

    // ---------------------------------------------------------------- internal: rules

    /// @dev The task with id `taskId`, or a TaskNotFound revert.
    function _task(uint256 taskId) private view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.core.numRounds == 0) revert TaskNotFound(taskId);
    }

    /// @dev Whether the task has run its last round (finished, or cancelled and done).
    function _ended(TaskCore memory c) private pure returns (bool) {
        return c.round >= c.endRound;
    }

    /// @dev Reverts unless the task has rounds left.
    function _requireActive(uint256 taskId, TaskCore memory c) private pure {
        if (_ended(c)) revert TaskNotActive(taskId, c.round, c.endRound, c.cancelled);
    }

    /// @dev Reverts unless the task has rounds left and is not cancelled (its last round may still run).
    function _requireOpen(uint256 taskId, TaskCore memory c) private pure {
        if (_ended(c) || c.cancelled) revert TaskNotActive(taskId, c.round, c.endRound, c.cancelled);
    }

    /// @dev Checks that the caller is a current member and `round` is the task's current round; returns its slot.
    function _checkMember(uint256 taskId, uint64 round, TaskCore memory c) private view returns (uint8 slot) {
        _requireActive(taskId, c);
        Member storage m = _members[taskId][msg.sender];
        if (!m.joined) revert NotMember(taskId, msg.sender);
        if (m.left) revert MemberLeft(taskId, msg.sender);
        // Naming the round stops a late transaction from landing in the next round with an
        // update trained on the previous model.
        _requireRound(taskId, round, c.round);
        slot = m.slot;
    }

    /// @dev Checks a reveal of the caller for `round` now; returns its slot.
    function _checkReveal(
        uint256 taskId,
        uint64 round,
        uint256 commitment,
        bytes32 salt,
        TaskCore memory c,
        Phase memory ph
    ) private view returns (uint8 slot) {
        slot = _checkMember(taskId, round, c);
        uint64 opensAt = uint64(c.roundStart) + ph.commitWindow;
        _requirePhase(taskId, round, PHASE_REVEAL, opensAt, opensAt + ph.revealWindow);
        if ((c.committedMask >> slot) & 1 == 0) revert NotCommitted(taskId, round, slot);
        if ((ph.revealedMask >> slot) & 1 != 0) revert AlreadyRevealed(taskId, round, slot);
        bytes32 expected = _commits[taskId][slot];
        bytes32 actual = _commitHash(taskId, round, msg.sender, commitment, salt);
        if (actual != expected) revert RevealMismatch(taskId, round, slot, expected, actual);
        // The hasher reduces inputs mod r, so c and c + r would hash alike; the circuit takes c < r.
        if (commitment >= SnarkField.MODULUS) revert InvalidCommitment(commitment);
    }

    /// @dev Reverts unless included is a nonempty subset of revealed, and excluded and slashed are
    /// disjoint subsets of included (the circuit proves how they were chosen, the contract that
    /// they name only revealed slots, so no bystander is ever slashed).
    function _checkMasks(uint256 taskId, uint64 round, SettlementResult calldata r, uint64 revealed) private pure {
        uint64 inc = r.includedMask;
        if (
            inc == 0 ||
            inc & ~revealed != 0 ||
            r.excludedMask & ~inc != 0 ||
            r.slashedMask & ~inc != 0 ||
            r.excludedMask & r.slashedMask != 0
        ) revert InvalidMasks(taskId, round, inc, r.excludedMask, r.slashedMask, revealed);
    }

    /// @dev A proposal is replaced only by one that leaves strictly fewer revealed submissions out:
    /// whoever holds an honest trainer's content can prove it in, so nobody (the oracle included)
    /// can censor a trainer by proposing first; and the count only grows, so at most maxTrainers
    /// proposals are ever made for a round.
    function _checkStronger(uint256 taskId, uint64 round, uint64 included, uint64 pendingIncluded) private pure {
        uint256 n = _popCount(included);
        uint256 pending = _popCount(pendingIncluded);
        if (n <= pending) revert ChallengeNotStronger(taskId, round, n, pending);
    }

    /// @dev The public inputs of a proposal, in circuit order.
    function _inputs(
        uint256 acc,
        SettlementResult calldata r,
        uint192 masks,
        address settler
    ) private pure returns (uint256[] memory inputs) {
        inputs = new uint256[](NUM_PUBLIC_INPUTS);
        inputs[0] = acc;
        inputs[1] = r.newState;
        inputs[2] = r.modelCommitment;
        inputs[3] = r.rewardRoot;
        inputs[4] = masks;
        inputs[5] = uint160(settler);
    }

    function _packMasks(SettlementResult calldata r) private pure returns (uint192) {
        return uint192(r.includedMask) | (uint192(r.excludedMask) << 64) | (uint192(r.slashedMask) << 128);
    }

    function _unpackMasks(uint256 state, uint192 masks) private pure returns (SettlementResult memory r) {
        r.newState = state;
        r.includedMask = uint64(masks);
        r.excludedMask = uint64(masks >> 64);
        r.slashedMask = uint64(masks >> 128);
    }

    /// @dev keccak256(abi.encode(chainId, this, taskId, round, trainer, commitment, salt)).
    function _commitHash(
        uint256 taskId,
        uint64 round,
        address trainer,
        uint256 commitment,
        bytes32 salt
    ) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), taskId, round, trainer, commitment, salt));
    }

    /// @dev Takes `amount` (capped at what is still locked for this task) from each trainer in
    /// `mask` (at most 64 bits, all members) once, under offence id keccak256(taskId, round, slot):
    /// a slot has at most one offence per round (a no-show is never in a proof). A slash the vault
    /// refuses is reported and skipped, so a round always resolves.
    function _penalize(uint256 taskId, uint64 round, uint64 mask, uint256 amount, Offence offence) private {
        if (amount == 0) return;
        for (uint256 slot = 0; mask != 0; ++slot) {
            if (mask & 1 != 0) {
                address trainer = _trainerAt[taskId][slot];
                Member storage m = _members[taskId][trainer];
                uint256 locked = m.locked;
                uint256 take = _slashable(amount, locked);
                if (take != 0) {
                    bytes32 offenceId = _offenceId(taskId, round, slot);
                    // The vault takes from this module's lock on the trainer first, which holds
                    // at least `locked` >= take, so exactly `take` is slashed from the lock.
                    if (_trySlash(trainer, take, offenceId)) {
                        // Cannot underflow: take <= locked.
                        unchecked {
                            m.locked = uint128(locked - take);
                        }
                        emit TrainerSlashed(taskId, round, trainer, uint8(slot), offence, offenceId, take);
                    } else {
                        emit SlashFailed(taskId, round, trainer, offenceId);
                    }
                }
            }
            mask >>= 1;
        }
    }

    /// @dev Reverts unless the leaf `cumAmount` at `slot` with `path` and `models` hashes to the state.
    function _checkRewardProof(
        Task storage t,
        uint256 taskId,
        uint8 slot,
        uint256 cumAmount,
        uint256[] calldata path,
        uint256 models
    ) private view {
        uint256 root = MerklePath.rootFromPath(slot, cumAmount, path, _treeDepth, _hash2);
        uint256 computed = _hash3(t.header, models, root);
        uint256 state = t.state;
        if (computed != state) revert RewardProofMismatch(taskId, computed, state);
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
        // The root is never a member: a root task needs a slot for someone to train.
        if (p.rootUpdates && p.maxTrainers < 2) revert RootUpdatesNeedTrainerSlot(p.maxTrainers);
        startTime = _startTime(p.startTime);
        _checkWindow("commit", p.commitWindow);
        _checkWindow("reveal", p.revealWindow);
        _checkWindow("settlement", p.settlementWindow);
        _checkWindow("challenge", p.challengeWindow);
        // Cannot overflow: every factor is bounded above (2^16 rounds, 64 trainers, 30-day windows).
        uint256 duration =
            p.numRounds * (p.commitWindow + p.revealWindow + p.settlementWindow + p.maxTrainers * p.challengeWindow);
        _checkDuration(duration);
        if (p.minStake == 0 || p.minStake >> 128 != 0) revert InvalidMinStake(p.minStake);
        // Bounded by the stake each trainer locks: a slash can take no more than that anyway.
        if (p.slashAmount > p.minStake) revert InvalidPenalty("slashAmount", p.slashAmount, p.minStake);
        if (p.noShowPenalty > p.minStake) revert InvalidPenalty("noShowPenalty", p.noShowPenalty, p.minStake);
        // The limits below are the field widths of configPacked, ruleParams and the circuit's range checks.
        // Cannot overflow once the fee fits 128 bits: numRounds < 2^16.
        if (
            p.budget == 0 ||
            p.budget >> 128 != 0 ||
            p.settlementFee >> 128 != 0 ||
            (p.budget + p.numRounds * p.settlementFee) >> 128 != 0
        ) revert InvalidBudget(p.budget, p.settlementFee);
        if (p.normBoundSq >> 80 != 0) revert InvalidNormBoundSq(p.normBoundSq);
        if (p.trustMargin > MAX_TRUST_MARGIN) revert InvalidTrustMargin(p.trustMargin, MAX_TRUST_MARGIN);
    }

    /// @dev The names OutsidePhase gives the phases of a round.
    function _phaseName(uint256 phase) internal pure override returns (string memory) {
        return
            phase == PHASE_COMMIT
                ? "commit"
                : phase == PHASE_REVEAL
                    ? "reveal"
                    : "settlement";
    }

    /// @dev The phase clock's cap on a task's total duration (see MAX_TASK_DURATION).
    function _maxDuration() internal pure override returns (uint256) {
        return MAX_TASK_DURATION;
    }

    /// @dev Where a task's escrow is (see EscrowSplit): every resolved round's reward R is either
    /// distributed (counted in paidRounds) or refundable, its fee paid (settledRounds) or
    /// refundable; pending are the rounds from the current one to endRound.
    /// distributed + refundable + pending + feesPaid == budget + numRounds * fee.
    function _split(
        Task storage t,
        TaskCore memory c
    ) private view returns (uint256 distributed, uint256 refundable_, uint256 pending, uint256 feesPaid) {
        uint256 budget = t.budget;
        uint256 fee = t.fee;
        distributed = EscrowSplit.distributed(budget, c.numRounds, c.paidRounds, c.lastRoundPaid);
        feesPaid = fee * c.settledRounds;
        pending = EscrowSplit.pending(budget, fee, c.numRounds, c.round, c.endRound);
        refundable_ = EscrowSplit.refundable(budget, fee, c.numRounds, distributed, pending, feesPaid);
    }

    /// @dev The number of set bits of a 64-bit mask.
    function _popCount(uint64 x) private pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
