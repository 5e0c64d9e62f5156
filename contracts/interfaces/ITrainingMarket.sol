// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "./IGroth16Settlement.sol";

/// @title ITrainingMarket
/// @notice Module 1, the proof-of-contribution training market. A task owner escrows a reward
/// budget for `numRounds` rounds of federated training; trainers lock stake to join (one slot
/// each, at most the circuit's slot capacity N); each round they submit the commitment of their
/// model update; after the submission window anyone holding a Groth16 proof of circuit
/// `Contribution(N, P, 32)` settles the round: the contract records the new task state (which
/// commits to the new global model and to every slot's cumulative reward), credits the round's
/// reward to the trainers (pull payments, claimed against the state with a Merkle path) and slashes
/// the trainers the proof flags as outliers.
///
/// Hashing (all Poseidon, circomlib constants; r is the BN254 scalar field modulus):
/// - context      = chainId * 2^160 + address(this)
/// - configPacked = budget + numRounds * 2^128 + maxTrainers * 2^144 + outlierFactor * 2^160
/// - taskHeader   = Poseidon(context, taskId, configPacked, normBoundSq)
/// - state        = Poseidon(taskHeader, modelCommitment, rewardRoot), where rewardRoot is the
///   binary Merkle root (nodes Poseidon(left, right)) over N leaves, leaf i = slot i's cumulative
///   reward; state_0 uses the initial model commitment and the all-zero tree.
/// - acc          = state at the round's start, then Poseidon(acc, round * 2^16 + slot, commitment)
///   for each accepted submission in order.
/// Public inputs of a settlement: [acc, newState, outlierBitmap].
///
/// Timing of round `k` starting at `s` (the task's start time for round 0, else the time the
/// previous round was settled or expired): submissions in [s, s + submissionWindow); settlement in
/// [s + submissionWindow, s + submissionWindow + settlementWindow); after that deadline, or right
/// after the submission window when nobody submitted, anyone may expire the round.
///
/// Accounting per task: every round's reward R ends up in exactly one of `distributed` (settled
/// with at least one inlier: the trainers' cumulative rewards grew by exactly R) or `refundable`
/// (expired, settled with only outliers, or voided by cancellation). Trainers claim from
/// `distributed`; the owner reclaims from `refundable`; what is in neither is pending (rounds not
/// yet resolved). Invariant: the escrow held for a task is budget - claimed - reclaimed.
interface ITrainingMarket is IGroth16Settlement {
    // ---------------------------------------------------------------- structs

    /// @notice What a task owner chooses when creating a task.
    /// @dev Numeric fields are full words so out-of-range values revert with a custom error that
    /// names the field, instead of failing ABI decoding.
    struct TaskParams {
        // VectorCommit of the initial global model (< r).
        uint256 initModelCommitment;
        // Where the initial global model is stored (1..MAX_URI_LENGTH bytes).
        string initModelURI;
        // Number of rounds, 1..2^16-1.
        uint256 numRounds;
        // Maximum number of trainers, 1..slotCapacity().
        uint256 maxTrainers;
        // When round 0 opens (unix seconds); 0 means at creation. At most
        // MAX_START_DELAY after creation, never in the past.
        uint256 startTime;
        // Seconds each round accepts submissions, 1..MAX_WINDOW.
        uint256 submissionWindow;
        // Seconds after the submission window during which a round can be settled, 1..MAX_WINDOW.
        uint256 settlementWindow;
        // Stake each trainer locks to join (stake token units), 1..2^128-1.
        uint256 minStake;
        // Stake slashed from a trainer per round flagged as an outlier, 0..minStake (0: no slashing).
        uint256 slashAmount;
        // Reward budget of the whole task, escrowed at creation, 1..2^128-1.
        uint256 budget;
        // Bound on the squared L2 norm of a quantized update, < 2^80.
        uint256 normBoundSq;
        // Outlier threshold on the distance to the median, fixed point with 16 fractional bits, < 2^32.
        uint256 outlierFactor;
    }

    /// @notice A task's configuration and progress.
    struct TaskInfo {
        address owner;
        uint64 numRounds;
        uint64 maxTrainers;
        // Trainers joined so far (slots 0..members-1 are taken).
        uint64 members;
        // The current round; equals numRounds once the task is finished.
        uint64 round;
        bool finished;
        bool cancelled;
        uint64 submissionWindow;
        uint64 settlementWindow;
        uint256 minStake;
        uint256 slashAmount;
        uint256 normBoundSq;
        uint256 outlierFactor;
        uint256 taskHeader;
        // Poseidon(taskHeader, modelCommitment, rewardRoot) after the last settlement.
        uint256 state;
    }

    /// @notice The current round of a task.
    struct RoundInfo {
        uint64 round;
        // Submissions are accepted from `startedAt` (inclusive) ...
        uint64 startedAt;
        // ... to `submissionEnd` (exclusive); settlement opens at `submissionEnd` ...
        uint64 submissionEnd;
        // ... and closes at `settlementDeadline` (exclusive); from then on the round can be expired.
        uint64 settlementDeadline;
        // Bit i is set when slot i submitted this round.
        uint256 submittedMask;
        // Number of submissions this round.
        uint256 submissions;
        // The submission accumulator (the first public input of this round's settlement).
        uint256 acc;
        // This round's reward R (0 once the task is finished or cancelled).
        uint256 reward;
    }

    /// @notice Where a task's budget is. budget == distributed + refundable + pending.
    struct Accounting {
        uint256 budget;
        // Rewards of rounds settled with at least one inlier (owed to trainers).
        uint256 distributed;
        // Rewards of rounds expired, settled with only outliers or voided by cancellation.
        uint256 refundable;
        // Rewards of rounds not resolved yet.
        uint256 pending;
        // Paid to trainers so far (<= distributed).
        uint256 claimed;
        // Paid back to the owner so far (<= refundable).
        uint256 reclaimed;
    }

    /// @notice A trainer's membership of a task.
    struct MemberInfo {
        bool joined;
        uint8 slot;
        // Whether the stake was released after the task ended.
        bool released;
        // Stake still locked for this task (minStake minus what was slashed).
        uint256 locked;
        // Cumulative reward claimed so far.
        uint256 claimed;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The zero address was given for `what`.
    error ZeroAddress(string what);
    /// @notice The contract given for `what` holds no code.
    error NotAContract(string what, address account);
    /// @notice The circuit's slot capacity must be a power of two in 2..64.
    error InvalidSlotCapacity(uint256 slotCapacity);

    /// @notice The initial model commitment is not a field element.
    error InvalidInitModelCommitment(uint256 commitment);
    /// @notice numRounds must be in 1..2^16-1.
    error InvalidNumRounds(uint256 numRounds);
    /// @notice maxTrainers must be in 1..slotCapacity.
    error InvalidMaxTrainers(uint256 maxTrainers, uint256 slotCapacity);
    /// @notice startTime must be 0 or in [now, now + MAX_START_DELAY].
    error InvalidStartTime(uint256 startTime, uint256 now, uint256 latest);
    /// @notice submissionWindow must be in 1..MAX_WINDOW seconds.
    error InvalidSubmissionWindow(uint256 window, uint256 max);
    /// @notice settlementWindow must be in 1..MAX_WINDOW seconds.
    error InvalidSettlementWindow(uint256 window, uint256 max);
    /// @notice minStake must be in 1..2^128-1.
    error InvalidMinStake(uint256 minStake);
    /// @notice slashAmount must not exceed minStake.
    error InvalidSlashAmount(uint256 slashAmount, uint256 minStake);
    /// @notice budget must be in 1..2^128-1.
    error InvalidBudget(uint256 budget);
    /// @notice normBoundSq must be < 2^80.
    error InvalidNormBoundSq(uint256 normBoundSq);
    /// @notice outlierFactor must be < 2^32.
    error InvalidOutlierFactor(uint256 outlierFactor);
    /// @notice A URI must have 1..max bytes.
    error InvalidURILength(uint256 length, uint256 max);
    /// @notice The escrow transfer delivered `received` instead of the budget `expected`
    /// (fee-on-transfer tokens cannot fund a task: the header binds the exact budget).
    error BudgetNotReceived(uint256 expected, uint256 received);

    /// @notice No task has id `taskId`.
    error TaskNotFound(uint256 taskId);
    /// @notice The task is finished (round == numRounds) or cancelled.
    error TaskNotActive(uint256 taskId, uint64 round, uint64 numRounds, bool cancelled);
    /// @notice The task is neither finished nor cancelled yet.
    error TaskStillActive(uint256 taskId, uint64 round, uint64 numRounds);
    /// @notice Only the task's owner may do this.
    error NotTaskOwner(uint256 taskId, address caller, address owner);
    /// @notice `trainer` already holds slot `slot` of the task.
    error AlreadyJoined(uint256 taskId, address trainer, uint8 slot);
    /// @notice All `maxTrainers` slots of the task are taken.
    error TaskFull(uint256 taskId, uint256 maxTrainers);
    /// @notice `account` has not joined the task.
    error NotMember(uint256 taskId, address account);
    /// @notice The call names round `round` but the task is in round `currentRound`.
    error WrongRound(uint256 taskId, uint64 round, uint64 currentRound);
    /// @notice Submissions to this round are accepted in [opensAt, closesAt); it is `now`.
    error OutsideSubmissionWindow(uint256 taskId, uint64 round, uint64 opensAt, uint64 closesAt, uint64 now);
    /// @notice Slot `slot` already submitted in this round.
    error AlreadySubmitted(uint256 taskId, uint64 round, uint8 slot);
    /// @notice An update commitment is not a field element.
    error InvalidCommitment(uint256 commitment);
    /// @notice This round can be settled in [opensAt, closesAt); it is `now`.
    error OutsideSettlementWindow(uint256 taskId, uint64 round, uint64 opensAt, uint64 closesAt, uint64 now);
    /// @notice Nobody submitted in this round, so there is nothing to settle.
    error NoSubmissions(uint256 taskId, uint64 round);
    /// @notice The outlier bitmap flags slots that did not submit.
    error OutliersNotSubmitted(uint256 taskId, uint64 round, uint256 outlierBitmap, uint256 submittedMask);
    /// @notice The round can be expired from `expirableAt` on; it is `now`.
    error RoundNotExpirable(uint256 taskId, uint64 round, uint64 expirableAt, uint64 now);
    /// @notice The owner cannot cancel while the current round holds submissions.
    error RoundHasSubmissions(uint256 taskId, uint64 round, uint256 submittedMask);
    /// @notice `round` is not a round of the task.
    error RoundOutOfRange(uint256 taskId, uint64 round, uint64 numRounds);
    /// @notice A cumulative reward must be < 2^128.
    error InvalidCumulativeAmount(uint256 cumAmount);
    /// @notice A Merkle path has `actual` siblings; the tree depth is `expected`.
    error InvalidPathLength(uint256 expected, uint256 actual);
    /// @notice Sibling `index` of a Merkle path is not a field element.
    error InvalidPathElement(uint256 index, uint256 value);
    /// @notice The claimed leaf, path and model commitment hash to `computed`, not to the task's `state`.
    error RewardProofMismatch(uint256 taskId, uint256 computed, uint256 state);
    /// @notice The proven cumulative reward `cumAmount` does not exceed what was claimed already.
    error NothingToClaim(uint256 taskId, address trainer, uint256 cumAmount, uint256 claimed);
    /// @notice Paying this claim would take the task's claims to `claimedTotal`, above what was
    /// `distributed` (cannot happen with a sound circuit; contains a broken verifier to one task).
    error ClaimExceedsDistributed(uint256 taskId, uint256 claimedTotal, uint256 distributed);
    /// @notice `trainer`'s stake for the task was released already.
    error StakeAlreadyReleased(uint256 taskId, address trainer);
    /// @notice The task has no refundable escrow left.
    error NothingToReclaim(uint256 taskId);

    // ---------------------------------------------------------------- events

    /// @notice `owner` created task `taskId`, escrowing `params.budget`; round 0 opens at `startTime`.
    /// `taskHeader` and `initialState` are the hashes above, computed on-chain.
    event TaskCreated(
        uint256 indexed taskId,
        address indexed owner,
        uint256 taskHeader,
        uint256 initialState,
        uint64 startTime,
        TaskParams params
    );
    /// @notice `trainer` joined task `taskId` in slot `slot`, locking `stake`.
    event TrainerJoined(uint256 indexed taskId, address indexed trainer, uint8 slot, uint256 stake);
    /// @notice `trainer` (slot `slot`) submitted update `commitment`, stored at `uri`; the round's
    /// accumulator became `acc`.
    event UpdateSubmitted(
        uint256 indexed taskId,
        uint64 indexed round,
        address indexed trainer,
        uint8 slot,
        uint256 commitment,
        string uri,
        uint256 acc
    );
    /// @notice `settler` settled `round` with a proof over [acc, newState, outlierBitmap].
    /// `newState` must equal Poseidon(taskHeader, modelCommitment, rewardRoot) (checkable off-chain);
    /// the new global model is stored at `modelURI`. The round's reward `roundReward(taskId, round)`
    /// was distributed to the trainers if `submittedMask & ~outlierBitmap != 0` (some inlier),
    /// else it became refundable.
    event RoundSettled(
        uint256 indexed taskId,
        uint64 indexed round,
        address indexed settler,
        uint256 acc,
        uint256 newState,
        uint256 submittedMask,
        uint256 outlierBitmap,
        uint256 modelCommitment,
        uint256 rewardRoot,
        string modelURI
    );
    /// @notice `trainer` (slot `slot`) was flagged an outlier in `round` and lost `amount` of its
    /// stake locked for the task, under vault offence id `offenceId`.
    event TrainerSlashed(
        uint256 indexed taskId,
        uint64 indexed round,
        address indexed trainer,
        uint8 slot,
        bytes32 offenceId,
        uint256 amount
    );
    /// @notice `round` expired unsettled (with the submissions in `submittedMask`); its reward
    /// `refunded` became refundable and the state stayed as it was.
    event RoundExpired(uint256 indexed taskId, uint64 indexed round, uint256 submittedMask, uint256 refunded);
    /// @notice The last round of task `taskId` was settled or expired.
    event TaskFinished(uint256 indexed taskId);
    /// @notice The owner cancelled task `taskId` in round `round`; the rewards of that and every
    /// later round, `refunded` in all, became refundable.
    event TaskCancelled(uint256 indexed taskId, uint64 round, uint256 refunded);
    /// @notice `trainer` claimed `amount`, bringing its claimed total to `cumAmount`.
    event RewardClaimed(uint256 indexed taskId, address indexed trainer, uint256 cumAmount, uint256 amount);
    /// @notice `trainer`'s remaining stake `amount` for the task was unlocked.
    event StakeReleased(uint256 indexed taskId, address indexed trainer, uint256 amount);
    /// @notice The task owner took back `amount` of refundable escrow.
    event EscrowReclaimed(uint256 indexed taskId, address indexed owner, uint256 amount);

    // ---------------------------------------------------------------- task owner

    /// @notice Creates a task and escrows its whole budget (needs an allowance of the reward token).
    /// Computes the task header and the initial state on-chain. Ids come from a counter starting at 1.
    function createTask(TaskParams calldata params) external returns (uint256 taskId);

    /// @notice Cancels the task (its owner only), allowed while the current round has no
    /// submission. The current and every later round are void: their rewards become refundable.
    /// Rewards already distributed stay claimable; stakes become releasable.
    function cancelTask(uint256 taskId) external;

    /// @notice Pays the task owner all refundable escrow not reclaimed yet. Never touches rewards
    /// distributed to trainers or rewards of rounds not resolved yet.
    function reclaim(uint256 taskId) external returns (uint256 amount);

    // ---------------------------------------------------------------- trainers

    /// @notice Joins the task in the next free slot, locking `minStake` of the caller's free stake
    /// in the stake vault. Not once the task is finished or cancelled, not twice, not beyond maxTrainers.
    function join(uint256 taskId) external returns (uint8 slot);

    /// @notice Submits the commitment of the caller's model update for the current round `round`,
    /// stored at `uri`, inside the submission window, once per round.
    /// Updates acc = Poseidon(acc, round * 2^16 + slot, commitment).
    function submitUpdate(uint256 taskId, uint64 round, uint256 commitment, string calldata uri) external;

    /// @notice Pays the caller its cumulative reward `cumAmount` minus what it claimed already.
    /// `path` holds the log2(slotCapacity) siblings of the caller's leaf (level 0 first);
    /// Poseidon(taskHeader, modelCommitment, root) must equal the task's current state.
    function claim(
        uint256 taskId,
        uint256 cumAmount,
        uint256[] calldata path,
        uint256 modelCommitment
    ) external returns (uint256 amount);

    /// @notice Unlocks `trainer`'s remaining stake once the task is finished or cancelled.
    /// Permissionless, once per trainer and task.
    function releaseStake(uint256 taskId, address trainer) external;

    // ---------------------------------------------------------------- anyone

    /// @notice Settles `round` of the task with a proof over [acc, newState, outlierBitmap].
    /// Permissionless (the proof is the authority), after the submission window and before the
    /// settlement deadline, with at least one submission; `outlierBitmap` must flag only slots that
    /// submitted. Records newState, opens the next round now, credits or refunds the round's reward
    /// and slashes each flagged trainer (offence id keccak256(abi.encode(taskId, round, slot))).
    /// A proof failure reverts with InvalidProof(taskId * 2^64 + round).
    function settleRound(
        uint256 taskId,
        uint64 round,
        uint256 newState,
        uint256 outlierBitmap,
        uint256 modelCommitment,
        uint256 rewardRoot,
        string calldata modelURI,
        Groth16Proof calldata proof
    ) external;

    /// @notice Expires the current round: permissionless once the settlement deadline passed, or
    /// once the submission window closed with no submission. The round's reward becomes
    /// refundable, the state is unchanged and the next round opens now.
    function expireRound(uint256 taskId) external;

    // ---------------------------------------------------------------- views

    /// @notice The stake vault trainers lock stake in (this contract holds its MODULE_ROLE).
    function stakeVault() external view returns (address);

    /// @notice The ERC-20 rewards are paid in.
    function rewardToken() external view returns (address);

    /// @notice The circuit's slot capacity N (maximum trainers per task, leaves of the reward tree).
    function slotCapacity() external view returns (uint256);

    /// @notice log2(N): the depth of the reward tree and the length of a claim path.
    function treeDepth() external view returns (uint256);

    /// @notice The reward root of N zero leaves.
    function emptyRoot() external view returns (uint256);

    /// @notice The Poseidon hashers with 2, 3 and 4 inputs.
    function hashers() external view returns (address poseidon2, address poseidon3, address poseidon4);

    /// @notice The last task id created (0 before the first).
    function taskCount() external view returns (uint256);

    /// @notice A task's configuration and progress.
    function task(uint256 taskId) external view returns (TaskInfo memory);

    /// @notice The task's current round: number, window, deadline, submissions, accumulator, reward.
    function roundInfo(uint256 taskId) external view returns (RoundInfo memory);

    /// @notice Where the task's budget is.
    function accounting(uint256 taskId) external view returns (Accounting memory);

    /// @notice `account`'s membership of the task.
    function member(uint256 taskId, address account) external view returns (MemberInfo memory);

    /// @notice The trainer holding `slot` of the task (zero if free).
    function trainerAt(uint256 taskId, uint8 slot) external view returns (address);

    /// @notice What `account` claimed from the task so far.
    function claimed(uint256 taskId, address account) external view returns (uint256);

    /// @notice What `reclaim` would pay the task owner now.
    function refundable(uint256 taskId) external view returns (uint256);

    /// @notice The reward R of `round`: floor(budget / numRounds), plus budget mod numRounds in the last round.
    function roundReward(uint256 taskId, uint64 round) external view returns (uint256);

    /// @notice The public inputs a settlement of the current round with these results is proven against.
    function publicInputs(
        uint256 taskId,
        uint256 newState,
        uint256 outlierBitmap
    ) external view returns (uint256[] memory);
}
