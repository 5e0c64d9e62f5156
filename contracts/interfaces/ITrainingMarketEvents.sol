// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "./IGroth16Settlement.sol";
import {ITrainingMarketTypes} from "./ITrainingMarketTypes.sol";

/// @title ITrainingMarketEvents
/// @notice The events of module 1's training market (see {ITrainingMarket}), all in the past tense,
/// each emitted right after the state change it reports.
interface ITrainingMarketEvents is ITrainingMarketTypes, IGroth16Settlement {
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
}
