// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkMeritErrors} from "./IZkMeritErrors.sol";
import {IPhaseClock} from "./IPhaseClock.sol";

/// @title ITrainingMarketErrors
/// @notice The custom errors of module 1's training market (see {ITrainingMarket}). Errors every
/// module shares are declared once, in {IZkMeritErrors} (dependencies, URIs, commitments, Merkle
/// paths) and {IPhaseClock} (windows, start time, duration, round and phase); the settlement
/// errors are in {IGroth16Settlement}.
interface ITrainingMarketErrors is IZkMeritErrors, IPhaseClock {
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
    /// @notice The masks of a proposal are inconsistent: included must be a nonempty subset of
    /// the revealed submissions, excluded and slashed disjoint subsets of included.
    error InvalidMasks(uint256 taskId, uint64 round, uint64 included, uint64 excluded, uint64 slashed, uint64 revealed);
    /// @notice A challenge must include strictly more submissions than the pending proposal.
    error ChallengeNotStronger(uint256 taskId, uint64 round, uint256 included, uint256 pendingIncluded);
    /// @notice The current round has a commit, so the trainer (slot) cannot leave until it resolves.
    error CommittedThisRound(uint256 taskId, uint64 round, uint8 slot);
    /// @notice `round` is not one of the task's rounds.
    error RoundOutOfRange(uint256 taskId, uint64 round, uint64 numRounds);
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
}
