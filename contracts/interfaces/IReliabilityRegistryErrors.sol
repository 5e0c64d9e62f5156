// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkMeritErrors} from "./IZkMeritErrors.sol";
import {IPhaseClock} from "./IPhaseClock.sol";

/// @title IReliabilityRegistryErrors
/// @notice The custom errors of module 2's source reliability registry (see {IReliabilityRegistry}).
/// Errors every module shares are declared once: {IZkMeritErrors} (dependencies, URIs,
/// commitments), {IPhaseClock} (windows, start time, duration, `WrongRound` and `OutsidePhase`,
/// whose `taskId` is 0 here: the registry runs one series of epochs) and {IGroth16Settlement}
/// (proofs).
interface IReliabilityRegistryErrors is IZkMeritErrors, IPhaseClock {
    // ---------------------------------------------------------------- deployment

    /// @notice A circuit shape field (named by `which`) is outside 1..max.
    error InvalidShape(string which, uint256 value, uint256 max);
    /// @notice A rule parameter (named by `which`) is outside min..max.
    error InvalidRuleParam(string which, uint256 value, uint256 min, uint256 max);
    /// @notice A stake (named by `which`) is 0 or does not fit 96 bits.
    error InvalidStake(string which, uint256 amount);
    /// @notice A penalty (named by `which`) exceeds the stake it is taken from.
    error InvalidPenalty(string which, uint256 amount, uint256 stake);
    /// @notice A prior score (named by `which`) is above 65535, or the floor is above the prior reliability.
    error InvalidScore(string which, uint256 value, uint256 max);
    /// @notice The strike rule is not 1 <= strikeLimit <= strikeWindow <= 64.
    error InvalidStrikeRule(uint256 strikeLimit, uint256 strikeWindow);

    // ---------------------------------------------------------------- sources

    /// @notice No source has id `sourceId` (ids are 0..sourceCount - 1).
    error UnknownSource(uint256 sourceId, uint256 sourceCount);
    /// @notice The registry holds MAX_SOURCES sources already.
    error RegistryFull(uint256 maxSources);
    /// @notice Only the source's operator may do this.
    error NotSourceOperator(uint32 sourceId, address caller, address operator);
    /// @notice The source left (or is unbonding); it cannot leave again.
    error SourceNotActive(uint32 sourceId, uint8 status);
    /// @notice The source's stake is no longer slashable (its unbonding ended at `unbondingEnds`).
    error SourceNotSlashable(uint32 sourceId, uint64 unbondingEnds, uint64 now);
    /// @notice The source was already slashed for low reliability (once per source).
    error SourceAlreadySlashed(uint32 sourceId);
    /// @notice The source's final reliability is not below the floor.
    error ReliabilityNotBelowFloor(uint32 sourceId, uint256 reliability, uint256 floor);
    /// @notice The vault refused the slash (e.g. the registry lost its module role); nothing changed.
    error SlashRefused(uint32 sourceId, bytes32 offenceId);
    /// @notice Scores are pending (a proposal of `epoch` is in its challenge window until
    /// `finalAt`): registering (which writes a score word) and slashing on a score wait for it.
    error ScoresPending(uint32 epoch, uint64 finalAt);

    // ---------------------------------------------------------------- evaluators

    /// @notice `account` is registered as evaluator `evaluatorId` already (one id per account, ever).
    error AlreadyEvaluator(address account, uint32 evaluatorId);
    /// @notice `account` is not a registered evaluator.
    error NotEvaluator(address account);
    /// @notice No evaluator has id `evaluatorId`.
    error UnknownEvaluator(uint256 evaluatorId);
    /// @notice The evaluator left (it cannot commit or leave again).
    error EvaluatorNotActive(uint32 evaluatorId);
    /// @notice The evaluator has a commit in the current epoch, so it cannot leave until it resolves.
    error CommittedThisEpoch(uint32 evaluatorId, uint32 epoch);

    // ---------------------------------------------------------------- feedback

    /// @notice The commit hash is zero.
    error InvalidCommitHash();
    /// @notice The epoch has taken E commits already (the circuit's reveal positions).
    error EpochFull(uint32 epoch, uint256 maxCommits);
    /// @notice The evaluator committed in this epoch already.
    error AlreadyCommitted(uint32 epoch, uint32 evaluatorId);
    /// @notice The evaluator did not commit in this epoch.
    error NotCommitted(uint32 epoch, uint32 evaluatorId);
    /// @notice The evaluator revealed in this epoch already (one reveal per evaluator and epoch).
    error AlreadyRevealed(uint32 epoch, uint32 evaluatorId);
    /// @notice The revealed commitment and salt do not hash to the commit.
    error RevealMismatch(uint32 epoch, uint32 evaluatorId, bytes32 expected, bytes32 actual);
    /// @notice A signed request's deadline has passed.
    error SignatureExpired(uint256 deadline, uint256 now);
    /// @notice The signature is not `account`'s (evaluator `evaluatorId`) over this request, chain and registry.
    error InvalidSignature(uint32 evaluatorId, address account);

    // ---------------------------------------------------------------- batches

    /// @notice A batch does not hold exactly W word indices, old words and new words.
    error BatchSizeMismatch(uint256 words, uint256 indices, uint256 oldWords, uint256 newWords);
    /// @notice Word indices must be strictly increasing: `index` at batch position `position` follows `previous`.
    error WordIndicesNotIncreasing(uint256 position, uint256 index, uint256 previous);
    /// @notice Word `index` holds no registered source (words 0..wordCount - 1 do).
    error UnknownWord(uint256 index, uint256 wordCount);
    /// @notice The batch was built on another score word than the one stored: stale (an earlier
    /// batch, a registration, a replaced proposal changed it) or racing another batch.
    error StaleScoreWord(uint32 epoch, uint256 wordIndex, uint256 stored, uint256 posted);
    /// @notice The masks are inconsistent: included must be a nonempty subset of the `reveals`
    /// reveal positions, flagged a subset of included.
    error InvalidMasks(uint32 epoch, uint32 includedMask, uint32 flaggedMask, uint256 reveals);
    /// @notice The epoch has a pending proposal already: only a stronger one replaces it (`challengeScores`).
    error EpochAlreadyProposed(uint32 epoch, address settler, uint32 includedMask);
    /// @notice `challengeScores` needs a pending proposal of the epoch.
    error NoPendingProposal(uint32 epoch);
    /// @notice The posted replaced batch does not hash to the pending proposal's digest.
    error ReplacedBatchMismatch(uint32 epoch, bytes32 expected, bytes32 actual);
    /// @notice A replacing proposal must include strictly more reveals than the pending one.
    error ChallengeNotStronger(uint32 epoch, uint256 included, uint256 pendingIncluded);
    /// @notice The epoch counter would pass 2^32 - 1 (after 136 years of 1-second empty epochs).
    error EpochsExhausted();
}
