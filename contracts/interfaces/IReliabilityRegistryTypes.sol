// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IReliabilityRegistryTypes
/// @notice The structs and enums of module 2's source reliability registry (see {IReliabilityRegistry}).
interface IReliabilityRegistryTypes {
    /// @notice The circuit instance `Reliability(W, Q, E, U)` the verifier checks (docs/spec/reliability.md).
    /// @dev Full words so an out-of-range value reverts with a custom error naming it.
    struct CircuitShape {
        // W: score words per batch (8 sources each), 1..32.
        uint256 words;
        // Q: query slots per epoch, 1..64 (only in the feedback commitment's tag; for clients).
        uint256 queries;
        // E: reveal positions per epoch, 1..32 (also the most commits an epoch takes).
        uint256 evaluators;
        // U: sources per grade, 1..6 (only in the feedback commitment's tag; for clients).
        uint256 entries;
    }

    /// @notice The batch rule's parameters, packed into `ruleParams` and bound by every epoch header.
    struct RuleParams {
        // EMA rate emaRate / 2^16, 0..2^16.
        uint256 emaRate;
        // A query counts with at least this many included graders, 1..min(31, E).
        uint256 minGraders;
        // L1 share tolerance in share points, 0..511.
        uint256 shareTolerance;
        // Flagged above this percentage of disagreeing counted queries, 0..100.
        uint256 disagreePct;
    }

    /// @notice Everything fixed at deployment (nothing can change it later: no admin).
    struct RegistryParams {
        CircuitShape shape;
        RuleParams rule;
        // When epoch 0 opens (unix seconds); 0 means at deployment, else now..now + MAX_START_DELAY.
        uint256 startTime;
        // Seconds of each phase, each 1..MAX_WINDOW; commit + reveal + settlement + E * challenge
        // is at most MAX_EPOCH_DURATION.
        uint256 commitWindow;
        uint256 revealWindow;
        uint256 settlementWindow;
        uint256 challengeWindow;
        // Stake a source locks to register, and one an evaluator locks, 1..2^96 - 1.
        uint256 sourceStake;
        uint256 evaluatorStake;
        // Taken once from a source whose final reliability fell below reliabilityFloor, 0..sourceStake.
        uint256 sourceSlashAmount;
        // Reliability below which a source can be slashed (0: never), at most priorReliability.
        uint256 reliabilityFloor;
        // Taken from an evaluator flagged in strikeLimit of the last strikeWindow final epochs, 0..evaluatorStake.
        uint256 strikeSlashAmount;
        // Taken from an evaluator who committed and did not reveal, once per epoch, 0..evaluatorStake.
        uint256 noShowPenalty;
        // k of the last w final epochs: 1 <= strikeLimit <= strikeWindow <= 64.
        uint256 strikeLimit;
        uint256 strikeWindow;
        // The scores a new source starts with, 0..65535 each (65535 is 1.0).
        uint256 priorReliability;
        uint256 priorUsefulness;
    }

    /// @notice A batch of new scores for the current epoch (rule 14: what batchBytes is built from).
    struct ScoreBatch {
        // The epoch being settled (the current one).
        uint32 epoch;
        // W word indices, strictly increasing, each holding at least one registered source.
        uint32[] wordIndices;
        // The words the batch was proven on, as the settler read them: compared to storage so a
        // stale batch reverts with StaleScoreWord naming both; the hash uses storage.
        uint256[] oldWords;
        // The new words, lane l = reliability + 2^16 * usefulness of source 8 * index + l.
        uint256[] newWords;
        // Bit j: reveal position j is included (its content was proven), a nonempty subset of the reveals.
        uint32 includedMask;
        // Bit j: reveal position j disagreed with the consensus (rule 13), a subset of includedMask.
        uint32 flaggedMask;
    }

    /// @notice A source's state: Active; Unbonding after leaving, while its stake is still slashable;
    /// Left once the unbonding delay has passed.
    enum SourceStatus {
        Active,
        Unbonding,
        Left
    }

    /// @notice A source, with its scores.
    struct SourceInfo {
        address operator;
        SourceStatus status;
        // Stake the registry still holds for the source (locked, or unbonding), after slashes.
        uint256 stake;
        // When its unbonding ends (0 while active).
        uint64 unbondingEnds;
        // The epoch that was current when it registered.
        uint32 registeredEpoch;
        // Whether it was slashed for falling below the reliability floor (at most once).
        bool slashed;
        // 0..65535 (65535 is 1.0).
        uint16 reliability;
        uint16 usefulness;
        string metadataURI;
    }

    /// @notice An evaluator.
    struct EvaluatorInfo {
        address account;
        bool active;
        // Stake the registry still holds for the evaluator (locked, or unbonding), after slashes.
        uint256 stake;
        // When its unbonding ends (0 while active).
        uint64 unbondingEnds;
        // Flags within the last strikeWindow final epochs, as of now.
        uint256 strikes;
    }

    /// @notice The current epoch, as of now (pending time-based changes applied).
    struct EpochInfo {
        uint32 epoch;
        uint64 startedAt;
        // Commits until commitEnd (exclusive), reveals until revealEnd, first proposals until
        // settlementDeadline; once there is a proposal, replacing ones until finalAt.
        uint64 commitEnd;
        uint64 revealEnd;
        uint64 settlementDeadline;
        uint256 commits;
        uint256 reveals;
        // The epoch header (rule 1), the accumulator's seed.
        uint256 header;
        // The accumulator over the reveals so far (the second public input); the header before any.
        uint256 acc;
        // Final epochs so far (the clock of the strike window).
        uint256 finalEpochs;
        // The pending proposal, if any (settler != 0).
        address settler;
        uint64 proposedAt;
        uint64 finalAt;
        uint32 includedMask;
        uint32 flaggedMask;
        // sha256(batchBytes) of the pending proposal.
        bytes32 batchDigest;
    }

    /// @notice Why an evaluator or a source was slashed.
    enum Offence {
        // A source's final reliability fell below the floor.
        LowReliability,
        // An evaluator was flagged in strikeLimit of the last strikeWindow final epochs.
        Strikes,
        // An evaluator committed and did not reveal.
        NoShow
    }
}
