// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "./IGroth16Settlement.sol";
import {IPhaseClock} from "./IPhaseClock.sol";
import {IPoseidonHashers} from "./IPoseidonHashers.sol";
import {IVaultModule} from "./IVaultModule.sol";
import {ITrainingMarketErrors} from "./ITrainingMarketErrors.sol";
import {ITrainingMarketEvents} from "./ITrainingMarketEvents.sol";
import {ITrainingMarketTypes} from "./ITrainingMarketTypes.sol";

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
///
/// The surface is split by kind: {ITrainingMarketTypes} (structs), {ITrainingMarketErrors},
/// {ITrainingMarketEvents}; the shared spine's parts are {IGroth16Settlement} (proof settlement),
/// {IPhaseClock} (round timing), {IVaultModule} (stake) and {IPoseidonHashers}.
interface ITrainingMarket is
    ITrainingMarketTypes,
    IGroth16Settlement,
    IPhaseClock,
    IVaultModule,
    IPoseidonHashers,
    ITrainingMarketErrors,
    ITrainingMarketEvents
{
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

    /// @notice The ERC-20 rewards and fees are paid in.
    function rewardToken() external view returns (address);

    /// @notice The circuit's slot capacity N (maximum trainers per task, leaves of the reward tree).
    function slotCapacity() external view returns (uint256);

    /// @notice log2(N): the depth of the reward tree and the length of a claim path.
    function treeDepth() external view returns (uint256);

    /// @notice The reward root of N zero leaves.
    function emptyRoot() external view returns (uint256);

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
