// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "./IGroth16Settlement.sol";

/// @title ITrainingMarket
/// @notice Module 1, the proof-of-contribution training market (spec: docs/spec/contribution.md).
/// A task owner escrows a reward budget and a settlement fee per round for `numRounds` rounds of
/// federated training; trainers lock stake to join (one slot each, at most the circuit's slot
/// capacity N). A task may name its owner the root: the owner then holds slot 0 from creation
/// and commits and reveals a root update each round like any member (spec: docs/spec/root-trust.md);
/// the rule weighs the members' updates by their direction to it. Each round has four phases:
/// 1. commit: each trainer commits keccak256(abi.encode(chainId, market, taskId, round, trainer,
///    updateCommitment, salt)), so nobody can copy or react to an update before the window closes;
/// 2. reveal: the trainer reveals `updateCommitment` and `salt` (and the content's URI) on-chain;
///    a trainer who committed and does not reveal pays the no-show penalty, once;
/// 3. settle: anyone holding a Groth16 proof of `Contribution(N, P, 32)` proposes the round's
///    result; the proof names which revealed submissions it includes (content that is not
///    available may be left out), which the rule excluded (no trust in the root's direction: no
///    reward, no slash) and which it slashed (objective offences: over the norm bound, or a
///    revealed duplicate). The root's position, when included, is never a member: never excluded,
///    slashed or paid;
/// 4. challenge: for `challengeWindow` seconds after a proposal, a valid proof that includes
///    strictly more revealed submissions replaces it (and earns the fee instead). Then the
///    proposal is final: the new state is recorded, rewards are credited, slashes applied.
///
/// Nothing needs to be called to move time on: every entry point first brings the task up to
/// date (`sync`): a final proposal is applied, a round nobody can settle any more expires, and
/// rounds nobody committed to are skipped in one step. Empty rounds cost nobody gas.
///
/// Hashing (all Poseidon, circomlib constants; r is the BN254 scalar field modulus):
/// - context      = chainId * 2^160 + address(this)
/// - configPacked = budget + numRounds * 2^128 + maxTrainers * 2^144
/// - ruleParams   = normBoundSq + trustMargin * 2^80 + rootUpdates * 2^97
/// - taskHeader   = Poseidon(context, taskId, configPacked, ruleParams)
/// - models       = Poseidon(modelCommitment, prevModelCommitment): the VectorCommits of the model
///   and of the model before the last settled step (the rule's previous step is their difference)
/// - state        = Poseidon(taskHeader, models, rewardRoot), where rewardRoot is the binary Merkle
///   root (nodes Poseidon(left, right)) over N leaves, leaf i = slot i's cumulative reward; state_0
///   has models = Poseidon(init, init) (no previous step) and the all-zero tree.
/// - acc          = state at the round's start, then Poseidon(acc, round * 2^16 + slot, commitment)
///   for each reveal in order.
/// Public inputs of a settlement: [acc, newState, modelCommitment, rewardRoot,
/// includedMask + excludedMask * 2^64 + slashedMask * 2^128, settler]. The settler is the caller,
/// so a proof copied from the mempool cannot be posted by anyone else.
///
/// Timing of round `k` starting at `s`: commits in [s, c = s + commitWindow), reveals in
/// [c, v = c + revealWindow), proposals in [v, v + settlementWindow); a proposal made at `t`
/// becomes final at `t + challengeWindow` and the next round starts then. A round with no commit
/// ends at `c`; with commits but no reveal at `v`; with reveals but no proposal at
/// `v + settlementWindow` (expired).
///
/// Accounting per task: every round's reward R ends up in exactly one of `distributed` (final
/// with at least one inlier, which the root never is: the trainers' cumulative rewards grew by
/// exactly R) or `refundable` (expired, skipped, final with no inlier, or voided by cancellation);
/// every round's fee is either paid to its final settler or refundable. Invariant: the escrow
/// held for a task is budget + numRounds * settlementFee - claimed - reclaimed - fees paid.
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
        // Number of rounds, 1..2^16-1, and numRounds * roundDuration <= MAX_TASK_DURATION.
        uint256 numRounds;
        // Maximum number of trainers, 1..slotCapacity(), the root slot included (then at least 2).
        uint256 maxTrainers;
        // When round 0 opens (unix seconds); 0 means at creation. At most MAX_START_DELAY after
        // creation, never in the past.
        uint256 startTime;
        // Seconds of each phase, each 1..MAX_WINDOW.
        uint256 commitWindow;
        uint256 revealWindow;
        uint256 settlementWindow;
        uint256 challengeWindow;
        // Stake each trainer locks to join (stake token units), 1..2^128-1.
        uint256 minStake;
        // Stake slashed per objective offence proven in a settlement (over-norm, duplicate), 0..minStake.
        uint256 slashAmount;
        // Stake taken from a trainer who committed and did not reveal, 0..minStake.
        uint256 noShowPenalty;
        // Reward budget of the whole task, escrowed at creation, 1..2^128-1.
        uint256 budget;
        // Paid per round to whoever's proposal becomes final, escrowed at creation
        // (budget + numRounds * settlementFee < 2^128).
        uint256 settlementFee;
        // Bound on the squared L2 norm of a quantized update, < 2^80.
        uint256 normBoundSq;
        // Added to each update's cosine with the root update before clamping its trust to [0, 1],
        // fixed point with 16 fractional bits, 0..65536 (13107 = 0.2 keeps part of a non-IID
        // honest update's weight).
        uint256 trustMargin;
        // The owner joins at slot 0 (locking minStake) and submits a root update each round.
        bool rootUpdates;
    }

    /// @notice What a settlement proposal claims; all of it is a public input of the proof.
    struct SettlementResult {
        // Poseidon(taskHeader, Poseidon(modelCommitment, prevModelCommitment), rewardRoot), where
        // prevModelCommitment is the model the round started from.
        uint256 newState;
        // VectorCommit of the new global model (the next round starts from it).
        uint256 modelCommitment;
        // Merkle root of every slot's cumulative reward.
        uint256 rewardRoot;
        // Revealed submissions the proof includes (bit = slot).
        uint64 includedMask;
        // Included submissions the rule gave no trust (no reward, no slash); never the root.
        uint64 excludedMask;
        // Included submissions with an objective offence (no reward, slashed); never the root.
        uint64 slashedMask;
    }

    /// @notice A task's configuration and progress, as of now (pending time-based changes applied).
    struct TaskInfo {
        address owner;
        uint64 numRounds;
        // The round after the last one that will run (numRounds, or less once cancelled).
        uint64 endRound;
        uint64 maxTrainers;
        // Trainers joined so far (slots 0..members-1 are taken, also by trainers who left).
        uint64 members;
        // The current round; equals endRound once the task is finished.
        uint64 round;
        bool finished;
        bool cancelled;
        uint64 commitWindow;
        uint64 revealWindow;
        uint64 settlementWindow;
        uint64 challengeWindow;
        uint256 minStake;
        uint256 slashAmount;
        uint256 noShowPenalty;
        uint256 settlementFee;
        uint256 normBoundSq;
        uint256 trustMargin;
        bool rootUpdates;
        uint256 taskHeader;
        // Poseidon(taskHeader, models, rewardRoot) after the last final settlement.
        uint256 state;
    }

    /// @notice The current round of a task, as of now.
    struct RoundInfo {
        uint64 round;
        uint64 startedAt;
        // Commits until `commitEnd` (exclusive), reveals until `revealEnd`, proposals until
        // `settlementDeadline` (or, once there is a proposal, challenges until `finalAt`).
        uint64 commitEnd;
        uint64 revealEnd;
        uint64 settlementDeadline;
        uint256 committedMask;
        uint256 revealedMask;
        // The reveal accumulator (the first public input of this round's settlement).
        uint256 acc;
        // This round's reward R (0 once the task is finished).
        uint256 reward;
        // The pending proposal, if any (settler != 0).
        address settler;
        uint64 proposedAt;
        uint64 finalAt;
        SettlementResult proposal;
    }

    /// @notice Where a task's escrow is. budget + fees == distributed + refundable + pending + feesPaid.
    struct Accounting {
        uint256 budget;
        // numRounds * settlementFee, escrowed with the budget.
        uint256 fees;
        // Rewards of rounds final with at least one inlier (owed to trainers).
        uint256 distributed;
        // Rewards and fees of rounds expired, skipped, final with no inlier, or cancelled.
        uint256 refundable;
        // Rewards and fees of rounds not resolved yet.
        uint256 pending;
        // Fees credited to final settlers.
        uint256 feesPaid;
        // Paid to trainers so far (<= distributed).
        uint256 claimed;
        // Paid back to the owner so far (<= refundable).
        uint256 reclaimed;
    }

    /// @notice A trainer's membership of a task.
    struct MemberInfo {
        bool joined;
        uint8 slot;
        // Whether the stake was released (the task ended, or the trainer left).
        bool released;
        // Whether the trainer left before the end (it cannot commit any more).
        bool left;
        // Stake still locked for this task (minStake minus what was slashed).
        uint256 locked;
        // Cumulative reward claimed so far.
        uint256 claimed;
    }

    /// @notice Why a trainer was slashed.
    enum Offence {
        // Included in a final settlement and proven over the norm bound or a duplicate.
        Proven,
        // Committed and did not reveal.
        NoShow
    }

    // ---------------------------------------------------------------- errors

    /// @notice A constructor argument is the zero address.
    error ZeroAddress(string what);
    /// @notice A constructor argument that must be a contract has no code.
    error NotAContract(string what, address account);
    /// @notice The slot capacity is not a power of two in 2..64.
    error InvalidSlotCapacity(uint256 slotCapacity);
    /// @notice The initial model commitment is not below r.
    error InvalidInitModelCommitment(uint256 commitment);
    /// @notice numRounds is 0 or above 2^16 - 1.
    error InvalidNumRounds(uint256 numRounds);
    /// @notice maxTrainers is 0 or above the slot capacity.
    error InvalidMaxTrainers(uint256 maxTrainers, uint256 slotCapacity);
    /// @notice A task with root updates needs maxTrainers >= 2: the owner's slot 0 and a trainer's.
    error RootUpdatesNeedTrainerSlot(uint256 maxTrainers);
    /// @notice startTime is in the past or later than `latest`.
    error InvalidStartTime(uint256 startTime, uint256 now, uint256 latest);
    /// @notice A phase window (named by `which`) is 0 or above `max`.
    error InvalidWindow(string which, uint256 window, uint256 max);
    /// @notice numRounds rounds of the chosen windows would last `duration` seconds, above `max`.
    error TaskTooLong(uint256 duration, uint256 max);
    /// @notice minStake is 0 or does not fit 128 bits.
    error InvalidMinStake(uint256 minStake);
    /// @notice A penalty (named by `which`) exceeds the stake it is taken from.
    error InvalidPenalty(string which, uint256 amount, uint256 minStake);
    /// @notice The budget is 0, or budget + numRounds * settlementFee does not fit 128 bits.
    error InvalidBudget(uint256 budget, uint256 settlementFee);
    /// @notice normBoundSq does not fit 80 bits.
    error InvalidNormBoundSq(uint256 normBoundSq);
    /// @notice trustMargin is above `max` (2^16, a trust of 1).
    error InvalidTrustMargin(uint256 trustMargin, uint256 max);
    /// @notice A URI is empty or longer than `max` bytes.
    error InvalidURILength(uint256 length, uint256 max);
    /// @notice The escrow received `received` of the `expected` tokens (fee-on-transfer token?).
    error BudgetNotReceived(uint256 expected, uint256 received);
    /// @notice No task has id `taskId`.
    error TaskNotFound(uint256 taskId);
    /// @notice The task is finished or cancelled.
    error TaskNotActive(uint256 taskId, uint64 round, uint64 endRound, bool cancelled);
    /// @notice The task has not ended yet.
    error TaskStillActive(uint256 taskId, uint64 round, uint64 endRound);
    /// @notice Only the task owner may do this.
    error NotTaskOwner(uint256 taskId, address caller, address owner);
    /// @notice `trainer` already joined the task (in `slot`); a trainer who left cannot rejoin.
    error AlreadyJoined(uint256 taskId, address trainer, uint8 slot);
    /// @notice Every slot of the task is taken.
    error TaskFull(uint256 taskId, uint256 maxTrainers);
    /// @notice `account` is not a member of the task.
    error NotMember(uint256 taskId, address account);
    /// @notice `account` left the task.
    error MemberLeft(uint256 taskId, address account);
    /// @notice `round` is not the task's current round.
    error WrongRound(uint256 taskId, uint64 round, uint64 currentRound);
    /// @notice The call is only allowed in a phase of the round that is not now.
    error OutsidePhase(uint256 taskId, uint64 round, string phase, uint64 opensAt, uint64 closesAt, uint64 now);
    /// @notice The commit hash is zero.
    error InvalidCommitHash();
    /// @notice `slot` already committed in `round`.
    error AlreadyCommitted(uint256 taskId, uint64 round, uint8 slot);
    /// @notice `slot` did not commit in `round`.
    error NotCommitted(uint256 taskId, uint64 round, uint8 slot);
    /// @notice `slot` already revealed in `round`.
    error AlreadyRevealed(uint256 taskId, uint64 round, uint8 slot);
    /// @notice The revealed commitment and salt do not hash to the commit.
    error RevealMismatch(uint256 taskId, uint64 round, uint8 slot, bytes32 expected, bytes32 actual);
    /// @notice An update commitment (or a claim's `models`) is not below r.
    error InvalidCommitment(uint256 commitment);
    /// @notice The masks of a proposal are inconsistent: included must be a nonempty subset of
    /// the revealed submissions, excluded and slashed disjoint subsets of included.
    error InvalidMasks(uint256 taskId, uint64 round, uint64 included, uint64 excluded, uint64 slashed, uint64 revealed);
    /// @notice A challenge must include strictly more submissions than the pending proposal.
    error ChallengeNotStronger(uint256 taskId, uint64 round, uint256 included, uint256 pendingIncluded);
    /// @notice The current round has a commit, so the trainer (slot) cannot leave until it resolves.
    error CommittedThisRound(uint256 taskId, uint64 round, uint8 slot);
    /// @notice `round` is not one of the task's rounds.
    error RoundOutOfRange(uint256 taskId, uint64 round, uint64 numRounds);
    /// @notice A reward tree path has the wrong length.
    error InvalidPathLength(uint256 expected, uint256 actual);
    /// @notice A reward tree path element is not below r.
    error InvalidPathElement(uint256 index, uint256 value);
    /// @notice A cumulative amount does not fit 128 bits.
    error InvalidCumulativeAmount(uint256 cumAmount);
    /// @notice The claim's leaf, path and `models` do not hash to the task's state.
    error RewardProofMismatch(uint256 taskId, uint256 computed, uint256 state);
    /// @notice The cumulative amount is not above what the trainer claimed already.
    error NothingToClaim(uint256 taskId, address trainer, uint256 cumAmount, uint256 claimed);
    /// @notice Claims would exceed the rewards distributed by the task (a broken key or verifier).
    error ClaimExceedsDistributed(uint256 taskId, uint256 claimedTotal, uint256 distributed);
    /// @notice The trainer's stake for the task was already released.
    error StakeAlreadyReleased(uint256 taskId, address trainer);
    /// @notice Nothing is refundable to the owner right now.
    error NothingToReclaim(uint256 taskId);
    /// @notice No settlement fee is owed to the caller.
    error NoFeesOwed(address account);

    // ---------------------------------------------------------------- events

    /// @notice `owner` created task `taskId`, escrowing `params.budget` and
    /// `params.numRounds * params.settlementFee`; round 0 opens at `startTime`.
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
    /// @notice `trainer` (slot `slot`) left the task in `round`, unlocking `stake`.
    event TrainerLeft(uint256 indexed taskId, address indexed trainer, uint8 slot, uint64 round, uint256 stake);
    /// @notice `trainer` (slot `slot`) committed `commitHash` in `round`.
    event UpdateCommitted(
        uint256 indexed taskId,
        uint64 indexed round,
        address indexed trainer,
        uint8 slot,
        bytes32 commitHash
    );
    /// @notice `trainer` (slot `slot`) revealed update `commitment`, stored at `uri`; the round's
    /// accumulator became `acc`.
    event UpdateRevealed(
        uint256 indexed taskId,
        uint64 indexed round,
        address indexed trainer,
        uint8 slot,
        uint256 commitment,
        string uri,
        uint256 acc
    );
    /// @notice `settler` proposed `result` for `round` with `proof` over the round's `acc`
    /// (`replaced` says whether it replaced a weaker proposal); it becomes final at `finalAt`
    /// unless a stronger one replaces it. `modelURI` is a hint of where the new model is stored:
    /// it is not proven, the model is found by its commitment.
    event RoundProposed(
        uint256 indexed taskId,
        uint64 indexed round,
        address indexed settler,
        uint256 acc,
        SettlementResult result,
        uint64 finalAt,
        bool replaced,
        string modelURI,
        Groth16Proof proof
    );
    /// @notice The proposal of `settler` for `round` became final: the state is `newState`, the
    /// round's reward was distributed to its inliers (`rewarded`) or became refundable, and
    /// `fee` was credited to the settler.
    event RoundFinalized(
        uint256 indexed taskId,
        uint64 indexed round,
        address indexed settler,
        uint256 newState,
        bool rewarded,
        uint256 fee
    );
    /// @notice `trainer` (slot `slot`) lost `amount` of its stake locked for the task in `round`
    /// for `offence`, under vault offence id `offenceId`.
    event TrainerSlashed(
        uint256 indexed taskId,
        uint64 indexed round,
        address indexed trainer,
        uint8 slot,
        Offence offence,
        bytes32 offenceId,
        uint256 amount
    );
    /// @notice A slash the vault refused (e.g. this market lost its module role); the round still resolved.
    event SlashFailed(uint256 indexed taskId, uint64 indexed round, address indexed trainer, bytes32 offenceId);
    /// @notice `round` ended without a final settlement (with the reveals in `revealedMask`); its
    /// reward and fee, `refunded`, became refundable and the state stayed as it was.
    event RoundExpired(
        uint256 indexed taskId,
        uint64 indexed round,
        uint256 committedMask,
        uint256 revealedMask,
        uint256 refunded
    );
    /// @notice `count` rounds from `fromRound` on had no commit and were skipped (refundable).
    event RoundsSkipped(uint256 indexed taskId, uint64 fromRound, uint64 count);
    /// @notice The last round of task `taskId` resolved.
    event TaskFinished(uint256 indexed taskId);
    /// @notice The owner cancelled task `taskId` in `round`; the task ends at `endRound` (after
    /// the current round if it has commits).
    event TaskCancelled(uint256 indexed taskId, uint64 round, uint64 endRound);
    /// @notice `trainer` claimed `amount`, bringing its claimed total to `cumAmount`.
    event RewardClaimed(uint256 indexed taskId, address indexed trainer, uint256 cumAmount, uint256 amount);
    /// @notice `trainer`'s remaining stake `amount` for the task was unlocked.
    event StakeReleased(uint256 indexed taskId, address indexed trainer, uint256 amount);
    /// @notice The task owner took back `amount` of refundable escrow.
    event EscrowReclaimed(uint256 indexed taskId, address indexed owner, uint256 amount);
    /// @notice `account` withdrew `amount` of settlement fees.
    event FeesWithdrawn(address indexed account, uint256 amount);

    // ---------------------------------------------------------------- task owner

    /// @notice Creates a task and escrows its budget and fees (needs an allowance of the reward token).
    /// Computes the task header and the initial state on-chain. Ids come from a counter starting at 1.
    /// With `rootUpdates` the caller joins at slot 0 as `join` does (locking minStake of its free
    /// stake in the vault, TrainerJoined), so nobody else can ever hold the root slot.
    function createTask(TaskParams calldata params) external returns (uint256 taskId);

    /// @notice Cancels the task (its owner only, once). If the current round has commits it still runs
    /// to its end (the trainers did the work); otherwise the task ends now. Later rounds' rewards
    /// and fees become refundable; rewards already distributed stay claimable.
    function cancelTask(uint256 taskId) external;

    /// @notice Pays the task owner all refundable escrow not reclaimed yet.
    function reclaim(uint256 taskId) external returns (uint256 amount);

    // ---------------------------------------------------------------- trainers

    /// @notice Joins the task in the next free slot, locking `minStake` of the caller's free stake
    /// in the stake vault. Not once the task ended or was cancelled, not twice, not beyond maxTrainers.
    function join(uint256 taskId) external returns (uint8 slot);

    /// @notice Leaves the task before its end, unlocking the caller's stake (into the vault's
    /// unbonding for this market). Not while the caller has a commit in the current round.
    function leave(uint256 taskId) external;

    /// @notice Commits to the caller's update for the current round `round`, in the commit window.
    /// `commitHash` = keccak256(abi.encode(block.chainid, address(this), taskId, round, msg.sender,
    /// updateCommitment, salt)); see `commitHashOf`.
    function commitUpdate(uint256 taskId, uint64 round, bytes32 commitHash) external;

    /// @notice Reveals the caller's committed update for `round` in the reveal window: its
    /// commitment (VectorCommit of the update, < r), the salt and where the content is stored.
    /// Updates acc = Poseidon(acc, round * 2^16 + slot, commitment).
    function revealUpdate(uint256 taskId, uint64 round, uint256 commitment, bytes32 salt, string calldata uri) external;

    /// @notice Pays the caller its cumulative reward `cumAmount` minus what it claimed already.
    /// `path` holds the log2(slotCapacity) siblings of the caller's leaf (level 0 first);
    /// `models` is the state's middle preimage, Poseidon(modelCommitment, prevModelCommitment)
    /// (not the bare model commitment); Poseidon(taskHeader, models, root) must equal the task's
    /// current state.
    function claim(
        uint256 taskId,
        uint256 cumAmount,
        uint256[] calldata path,
        uint256 models
    ) external returns (uint256 amount);

    /// @notice Unlocks `trainer`'s remaining stake once the task ended. Permissionless, once.
    function releaseStake(uint256 taskId, address trainer) external;

    // ---------------------------------------------------------------- anyone

    /// @notice Proposes the result of `round` with a proof over [acc, result..., msg.sender].
    /// Permissionless (the proof is the authority): in the settlement window, or while a pending
    /// proposal is not final yet and `result` includes strictly more submissions than it.
    /// A proof failure reverts with InvalidProof(taskId * 2^64 + round).
    function settleRound(
        uint256 taskId,
        uint64 round,
        SettlementResult calldata result,
        string calldata modelURI,
        Groth16Proof calldata proof
    ) external;

    /// @notice Brings the task up to date: applies a final proposal, expires a round that can no
    /// longer be settled, skips rounds with no commit. Every other entry point does this first.
    function sync(uint256 taskId) external;

    /// @notice Pays the caller the settlement fees credited to it.
    function withdrawFees() external returns (uint256 amount);

    // ---------------------------------------------------------------- views

    /// @notice The longest URI accepted, in bytes.
    function MAX_URI_LENGTH() external view returns (uint256);

    /// @notice The longest a task's rounds may last in total (numRounds times the sum of the windows).
    function MAX_TASK_DURATION() external view returns (uint256);

    /// @notice The stake vault trainers lock stake in (this contract holds its MODULE_ROLE).
    function stakeVault() external view returns (address);

    /// @notice The ERC-20 rewards and fees are paid in.
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

    /// @notice A task's configuration and progress, as of now.
    function task(uint256 taskId) external view returns (TaskInfo memory);

    /// @notice The task's current round, as of now.
    function roundInfo(uint256 taskId) external view returns (RoundInfo memory);

    /// @notice Where the task's escrow is, as of now.
    function accounting(uint256 taskId) external view returns (Accounting memory);

    /// @notice `account`'s membership of the task.
    function member(uint256 taskId, address account) external view returns (MemberInfo memory);

    /// @notice The trainer holding `slot` of the task (zero if free).
    function trainerAt(uint256 taskId, uint8 slot) external view returns (address);

    /// @notice What `account` claimed from the task so far.
    function claimed(uint256 taskId, address account) external view returns (uint256);

    /// @notice What `reclaim` would pay the task owner now.
    function refundable(uint256 taskId) external view returns (uint256);

    /// @notice Settlement fees credited to `account` and not withdrawn. A proposal final by time
    /// is credited at the task's next transaction (`sync` or any other), while `accounting`
    /// already counts it in `feesPaid`.
    function feesOwed(address account) external view returns (uint256);

    /// @notice The reward R of `round`: floor(budget / numRounds), plus budget mod numRounds in the last round.
    function roundReward(uint256 taskId, uint64 round) external view returns (uint256);

    /// @notice The commit hash of `trainer`'s update `commitment` with `salt` for `round` of the task.
    function commitHashOf(
        uint256 taskId,
        uint64 round,
        address trainer,
        uint256 commitment,
        bytes32 salt
    ) external view returns (bytes32);

    /// @notice The public inputs a proposal of the current round by `settler` with `result` is
    /// proven against.
    function publicInputs(
        uint256 taskId,
        SettlementResult calldata result,
        address settler
    ) external view returns (uint256[] memory);
}
