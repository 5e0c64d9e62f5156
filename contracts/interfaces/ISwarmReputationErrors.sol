// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkMeritErrors} from "./IZkMeritErrors.sol";
import {IPhaseClock} from "./IPhaseClock.sol";

/// @title ISwarmReputationErrors
/// @notice The custom errors of module 3's swarm reputation (see {ISwarmReputation}). Errors every
/// module shares are declared once: {IZkMeritErrors} (dependencies, URIs, commitments),
/// {IPhaseClock} (windows, duration, `WrongRound` and `OutsidePhase`, whose `taskId` is 0 here: one
/// swarm per deployment) and {IGroth16Settlement} (proofs).
interface ISwarmReputationErrors is IZkMeritErrors, IPhaseClock {
    // ---------------------------------------------------------------- deployment

    /// @notice A parameter (named by `which`) is outside min..max (for `slots`: or odd).
    error InvalidParam(string which, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- nodes

    /// @notice `account` registered node `nodeId` already (one node per account, ever).
    error AlreadyRegistered(address account, uint32 nodeId);
    /// @notice `account` has no node.
    error NotRegistered(address account);
    /// @notice No node has id `nodeId` (ids are 1..nodeCount).
    error UnknownNode(uint256 nodeId, uint256 nodeCount);
    /// @notice Only the node's account may do this.
    error NotNodeAccount(uint32 nodeId, address caller, address account);
    /// @notice The node is not in the status this needs (`status`, see NodeStatus; admission needs
    /// Registered, leaving Registered or Admitted).
    error InvalidNodeStatus(uint32 nodeId, uint8 status);
    /// @notice The node holds no slot: only admitted nodes answer and judge.
    error NodeNotAdmitted(uint32 nodeId);
    /// @notice Every one of the N slots is taken (or still being freed by a leave in the current round).
    error SwarmFull(uint256 slots);
    /// @notice Round `round` is unresolved (`status`, see RoundStatus): admission waits for it,
    /// because the circuit reads the reputation words from storage.
    error RoundInProgress(uint32 round, uint8 status);
    /// @notice The node committed in unresolved round `round`, so it cannot leave until it resolves.
    error NodeCommitted(uint32 nodeId, uint32 round);
    /// @notice The vault refused the slash (e.g. this contract lost its module role); nothing changed.
    error SlashRefused(uint32 nodeId, bytes32 offenceId);

    // ---------------------------------------------------------------- rounds

    /// @notice No round has id `round` (ids are 1..currentRound).
    error UnknownRound(uint32 round, uint32 currentRound);
    /// @notice Round `round` is not Open (`status`, see RoundStatus): commits, reveals and first
    /// proposals need an Open round.
    error RoundNotOpen(uint32 round, uint8 status);
    /// @notice The reward does not fit 128 bits.
    error InvalidReward(uint256 reward);
    /// @notice The round counter would pass 2^32 - 1.
    error RoundsExhausted();
    /// @notice The commit hash is zero.
    error InvalidCommitHash();
    /// @notice The node's slot committed this kind (0 answer, 1 judgment) in this round already.
    error AlreadyCommitted(uint32 round, uint8 slot, uint8 kind);
    /// @notice The node's slot did not commit this kind in this round.
    error NotCommitted(uint32 round, uint8 slot, uint8 kind);
    /// @notice The node's slot revealed this kind in this round already.
    error AlreadyRevealed(uint32 round, uint8 slot, uint8 kind);
    /// @notice Slot `otherSlot` committed the same hash in this round already: a copy is refused.
    error CommitmentCopied(uint32 round, uint8 slot, uint8 otherSlot);
    /// @notice The revealed value and salt do not hash to the commit.
    error RevealMismatch(uint32 round, uint8 slot, uint8 kind, bytes32 expected, bytes32 actual);

    // ---------------------------------------------------------------- settlement

    /// @notice The result does not hold ceil(N / 16) new words.
    error WordCountMismatch(uint256 expected, uint256 actual);
    /// @notice The masks are inconsistent: included must be a nonempty subset of `judgedMask`,
    /// agree and flagged disjoint subsets of included.
    error InvalidMasks(uint32 round, uint64 includedMask, uint64 agreeMask, uint64 flaggedMask, uint64 judgedMask);
    /// @notice The winner is above N, is a slot that did not answer, or is not N when nobody answered
    /// (or N when somebody did).
    error InvalidWinner(uint32 round, uint8 winner, uint64 answeredMask);
    /// @notice The round has a pending proposal already: only a stronger one replaces it (`challengeRanking`).
    error RoundAlreadyProposed(uint32 round, address settler, uint64 includedMask);
    /// @notice `challengeRanking` needs a pending proposal of the round in its challenge window.
    error NoPendingProposal(uint32 round);
    /// @notice The posted replaced outBytes do not hash to the pending proposal's digest.
    error ReplacedOutputMismatch(uint32 round, bytes32 expected, bytes32 actual);
    /// @notice A replacing proposal must include strictly more judgment reveals than the pending one.
    error ChallengeNotStronger(uint32 round, uint256 included, uint256 pendingIncluded);
    /// @notice The round is not in a state this call resolves: `finalizeRound` needs a proposal whose
    /// challenge window ended, `releaseRound` an unsettled round past its deadline (`at`: when it
    /// can, 0 if never).
    error RoundNotResolvable(uint32 round, uint8 status, uint64 at, uint64 now);

    // ---------------------------------------------------------------- penalties and rewards

    /// @notice The slot has no unpenalized no-show in the round whose reveal deadline has passed.
    error NoShowNotFound(uint32 round, uint8 slot);
    /// @notice The caller has no credited rewards.
    error NothingToClaim(address account);
}
