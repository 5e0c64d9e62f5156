// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "./IGroth16Settlement.sol";
import {IReliabilityRegistryTypes} from "./IReliabilityRegistryTypes.sol";

/// @title IReliabilityRegistryEvents
/// @notice The events of module 2's source reliability registry (see {IReliabilityRegistry}), all
/// in the past tense, each emitted right after the state change it reports.
interface IReliabilityRegistryEvents is IReliabilityRegistryTypes, IGroth16Settlement {
    /// @notice The registry was deployed with `params`; its epochs' rule is `ruleParams` (rule 1).
    event RegistryConfigured(RegistryParams params, uint256 ruleParams, uint64 startTime);
    /// @notice `operator` registered source `sourceId` (in lane sourceId % 8 of word sourceId / 8,
    /// now `word`), locking `stake`.
    event SourceRegistered(
        uint32 indexed sourceId,
        address indexed operator,
        uint256 stake,
        uint256 wordIndex,
        uint256 word,
        string metadataURI
    );
    /// @notice The operator changed the source's metadata URI.
    event SourceURIChanged(uint32 indexed sourceId, string oldURI, string newURI);
    /// @notice The source left: `stake` unlocked into the vault's unbonding, slashable until `unbondingEnds`.
    event SourceLeft(uint32 indexed sourceId, address indexed operator, uint256 stake, uint64 unbondingEnds);
    /// @notice The source lost `amount` for low reliability (`reliability` below the floor), under `offenceId`.
    event SourceSlashed(
        uint32 indexed sourceId,
        address indexed operator,
        uint256 reliability,
        bytes32 offenceId,
        uint256 amount
    );
    /// @notice `account` registered as evaluator `evaluatorId`, locking `stake`.
    event EvaluatorRegistered(uint32 indexed evaluatorId, address indexed account, uint256 stake);
    /// @notice The evaluator left: `stake` unlocked into the vault's unbonding until `unbondingEnds`.
    event EvaluatorLeft(uint32 indexed evaluatorId, address indexed account, uint256 stake, uint64 unbondingEnds);
    /// @notice The evaluator lost `amount` in `epoch` for `offence`, under vault offence id `offenceId`.
    event EvaluatorSlashed(
        uint32 indexed evaluatorId,
        uint32 indexed epoch,
        address indexed account,
        Offence offence,
        bytes32 offenceId,
        uint256 amount
    );
    /// @notice A slash the vault refused (e.g. the registry lost its module role); the epoch still resolved.
    event SlashFailed(uint32 indexed evaluatorId, uint32 indexed epoch, bytes32 offenceId);
    /// @notice The evaluator was flagged in a final epoch (`strikes` within the window, this one included).
    event EvaluatorFlagged(uint32 indexed evaluatorId, uint32 indexed epoch, uint256 strikes);
    /// @notice The evaluator committed `commitHash` in commit slot `slot` of `epoch` (`relayed`: by signature).
    event FeedbackCommitted(
        uint32 indexed epoch,
        uint32 indexed evaluatorId,
        uint256 slot,
        bytes32 commitHash,
        bool relayed
    );
    /// @notice The evaluator revealed feedback commitment `commitment` (content at `uri`) at reveal
    /// position `position`; the epoch's accumulator became `acc` (`relayed`: by signature).
    event FeedbackRevealed(
        uint32 indexed epoch,
        uint32 indexed evaluatorId,
        uint256 position,
        uint256 commitment,
        string uri,
        uint256 acc,
        bool relayed
    );
    /// @notice `settler` proposed the scores of `epoch`: `batch` is the exact batchBytes of rule 14
    /// (epoch, masks, and per word its index, old and new word), `batchDigest` its sha256, applied
    /// to the stored words now; final at `finalAt` unless a stronger proposal replaces it
    /// (`replaced`: this one replaced a weaker one, whose old words were restored first).
    event ScoresProposed(
        uint32 indexed epoch,
        address indexed settler,
        uint32 includedMask,
        uint32 flaggedMask,
        bytes32 batchDigest,
        uint64 finalAt,
        bool replaced,
        bytes batch,
        Groth16Proof proof
    );
    /// @notice The proposal of `settler` for `epoch` became final (the `finalEpochs`-th).
    event EpochFinalized(
        uint32 indexed epoch,
        address indexed settler,
        uint32 includedMask,
        uint32 flaggedMask,
        bytes32 batchDigest,
        uint256 finalEpochs
    );
    /// @notice `epoch` ended without a proposal (`commits` commits, `reveals` reveals); scores stayed.
    event EpochExpired(uint32 indexed epoch, uint256 commits, uint256 reveals);
    /// @notice `count` epochs from `fromEpoch` on had no commit and were skipped.
    event EpochsSkipped(uint32 fromEpoch, uint256 count);
}
