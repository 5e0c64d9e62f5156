// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "./IGroth16Settlement.sol";
import {IPhaseClock} from "./IPhaseClock.sol";
import {IPoseidonHashers} from "./IPoseidonHashers.sol";
import {IVaultModule} from "./IVaultModule.sol";
import {IReliabilityRegistryErrors} from "./IReliabilityRegistryErrors.sol";
import {IReliabilityRegistryEvents} from "./IReliabilityRegistryEvents.sol";
import {IReliabilityRegistryTypes} from "./IReliabilityRegistryTypes.sol";

/// @title IReliabilityRegistry
/// @notice Module 2, the source reliability registry (spec: docs/spec/reliability.md; "rule n"
/// below is its step n). Sources (document servers of a decentralized RAG) register with stake and
/// a metadata URI; their reliability and usefulness scores live here packed 8 to a word. Staked
/// evaluators grade answers per epoch with commit-reveal; anyone holding a Groth16 proof of
/// `Reliability(W, Q, E, U)` posts one batch of new score words per epoch.
///
/// Epochs run one after another on a phase clock (everything fixed at deployment, no admin):
/// 1. commit: each evaluator commits keccak256(abi.encode(chainId, registry, epoch, evaluatorId,
///    commitment, salt)) (`commitHashOf`), at most E per epoch;
/// 2. reveal: it reveals its feedback commitment `commitment` (rule 5's FeedbackCommit of its grades,
///    < r), the salt and the content's URI; acc = Poseidon(acc, evaluatorId, commitment) in reveal
///    order, seeded with the epoch header Poseidon("reliability", context, epoch, ruleParams)
///    (rule 1, computed at the epoch's first reveal). A committer who does not reveal pays the
///    no-show penalty once, when the epoch resolves;
/// 3. settlement: anyone proposes a batch (`updateScores`) with a proof over
///    [batchHash, acc, msg.sender]; batchHash = uint256(sha256(batchBytes)) & (2^253 - 1), where
///    batchBytes = uint32 epoch ‖ uint32 includedMask ‖ uint32 flaggedMask ‖ (uint32 wordIndex ‖
///    uint256 oldWord ‖ uint256 newWord) per word, big-endian, the old words read from storage
///    (rule 14). The new words are written at once (the cheap path: no copy is kept);
/// 4. challenge: for challengeWindow seconds after a proposal, a proof that includes strictly more
///    reveals replaces it (`challengeScores`, which posts the replaced batch's bytes from its
///    ScoresProposed event: the registry checks them against the stored digest and restores its
///    old words before applying the new batch). Then the proposal is final: each flagged
///    evaluator gets a strike, and one flagged in strikeLimit of the last strikeWindow final
///    epochs is slashed once per offence.
///
/// Timing of an epoch starting at s: commits in [s, c = s + commitWindow), reveals in
/// [c, v = c + revealWindow), first proposals in [v, v + settlementWindow); a proposal made at t
/// is final at t + challengeWindow and the next epoch starts then. An epoch with no commit ends at
/// c (and runs of such epochs are skipped in one step); with commits but no reveal at v; with
/// reveals but no proposal at v + settlementWindow (expired: scores unchanged, nothing is held).
/// Every entry point first brings the clock up to date (`sync`).
///
/// Sources: ids 0..MAX_SOURCES - 1 from a counter; source i is lane i % 8 (bits 32(i % 8) ..
/// 32(i % 8) + 31, reliability + 2^16 * usefulness) of word i / 8. Registering writes the prior
/// scores to the lane (the circuit reads old words from storage, and feedback that named the id
/// before it existed must have no effect); it waits while a proposal is pending, so a replaced
/// proposal's old words can be restored exactly. Leaving unlocks the stake into the vault's
/// unbonding: it stays slashable there for the vault's unbonding delay. A source whose final
/// reliability is below `reliabilityFloor` can be slashed by anyone, once.
///
/// Stake is pooled per account in the vault (one lock per module and account): an account may run
/// several sources and one evaluator, and a slash of one of them is taken from the account's lock
/// with this registry first (the vault's order); unlocks are capped by what is still locked.
///
/// The surface is split by kind: {IReliabilityRegistryTypes}, {IReliabilityRegistryErrors},
/// {IReliabilityRegistryEvents}; the shared spine's parts are {IGroth16Settlement},
/// {IPhaseClock}, {IVaultModule} and {IPoseidonHashers}.
interface IReliabilityRegistry is
    IReliabilityRegistryTypes,
    IGroth16Settlement,
    IPhaseClock,
    IVaultModule,
    IPoseidonHashers,
    IReliabilityRegistryErrors,
    IReliabilityRegistryEvents
{
    // ---------------------------------------------------------------- sources

    /// @notice Registers a source operated by the caller, locking `sourceStake` of its free stake,
    /// and writes its lane with the prior scores. Not while a proposal is pending (ScoresPending).
    function registerSource(string calldata metadataURI) external returns (uint32 sourceId);

    /// @notice Changes the source's metadata URI (its operator only).
    function setSourceURI(uint32 sourceId, string calldata metadataURI) external;

    /// @notice Leaves: unlocks the source's stake into the vault's unbonding (its operator only).
    /// Its scores stay readable; it is left out of `topSources`.
    function leaveSource(uint32 sourceId) external;

    /// @notice Slashes `sourceSlashAmount` (capped at its stake) from a source, active or unbonding,
    /// whose final reliability is below the floor. Permissionless, once per source.
    function slashSource(uint32 sourceId) external returns (uint256 amount);

    // ---------------------------------------------------------------- evaluators

    /// @notice Registers the caller as an evaluator, locking `evaluatorStake`. Ids from 1, one per account.
    function registerEvaluator() external returns (uint32 evaluatorId);

    /// @notice Leaves: unlocks the caller's evaluator stake into the vault's unbonding. Not while
    /// it has a commit in the current epoch; for good (a new id needs a new account).
    function leaveEvaluator() external;

    /// @notice Commits the caller's feedback for the current epoch `epoch`, in the commit window.
    function commitFeedback(uint32 epoch, bytes32 commitHash) external;

    /// @notice Reveals the caller's committed feedback for `epoch` in the reveal window.
    function revealFeedback(uint32 epoch, uint256 commitment, bytes32 salt, string calldata uri) external;

    /// @notice `commitFeedback` for evaluator `evaluatorId`, relayed by anyone: `signature` is its
    /// account's EIP-712 signature (or ERC-1271 approval) of CommitFeedback(evaluatorId, epoch,
    /// commitHash, nonce, deadline) under this registry's domain; `nonce` must be `nonces(account)`.
    function commitFeedbackBySig(
        uint32 evaluatorId,
        uint32 epoch,
        bytes32 commitHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice `revealFeedback` relayed by anyone, signed as RevealFeedback(evaluatorId, epoch,
    /// commitment, salt, uri, nonce, deadline).
    function revealFeedbackBySig(
        uint32 evaluatorId,
        uint32 epoch,
        uint256 commitment,
        bytes32 salt,
        string calldata uri,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    // ---------------------------------------------------------------- anyone

    /// @notice Proposes the current epoch's scores, in its settlement window, with a proof over
    /// [batchHash, acc, msg.sender]. Writes the new words at once; final after the challenge window.
    /// A proof failure reverts with InvalidProof(epoch).
    function updateScores(ScoreBatch calldata batch, Groth16Proof calldata proof) external;

    /// @notice Replaces the pending proposal of `batch.epoch` with one including strictly more
    /// reveals, before it is final. `replaced` is the pending proposal's batchBytes (its
    /// ScoresProposed event's `batch`): its old words are restored, then `batch` is applied on them.
    function challengeScores(ScoreBatch calldata batch, bytes calldata replaced, Groth16Proof calldata proof) external;

    /// @notice Brings the clock up to date: a final proposal counts (strikes, slashes), an epoch
    /// nobody can settle any more expires (no-show penalties), empty epochs are skipped.
    function sync() external;

    // ---------------------------------------------------------------- views

    /// @notice The most sources the registry holds (8 * 2^9 = 512 words, so every view that walks
    /// the sources is bounded).
    function MAX_SOURCES() external view returns (uint256);

    /// @notice The longest an epoch may last: commit + reveal + settlement + E * challenge windows.
    function MAX_EPOCH_DURATION() external view returns (uint256);

    /// @notice The longest URI accepted, in bytes.
    function MAX_URI_LENGTH() external view returns (uint256);

    /// @notice The most sources `topSources` returns.
    function MAX_TOP_K() external view returns (uint256);

    /// @notice The EIP-712 type hash of a relayed commit.
    function COMMIT_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 type hash of a relayed reveal.
    function REVEAL_TYPEHASH() external view returns (bytes32);

    /// @notice The deployment's parameters (the start time as resolved at deployment).
    function params() external view returns (RegistryParams memory);

    /// @notice ruleParams = emaRate + minGraders * 2^17 + shareTolerance * 2^22 + disagreePct * 2^31.
    function ruleParams() external view returns (uint256);

    /// @notice The number of sources registered so far (ids 0..sourceCount - 1).
    function sourceCount() external view returns (uint256);

    /// @notice The number of evaluators registered so far (ids 1..evaluatorCount).
    function evaluatorCount() external view returns (uint256);

    /// @notice One source, with its status (as of now), stake, scores and metadata URI.
    function source(uint32 sourceId) external view returns (SourceInfo memory);

    /// @notice One source's scores.
    function scoreOf(uint32 sourceId) external view returns (uint16 reliability, uint16 usefulness);

    /// @notice The scores of sources from..from + count - 1 (clipped at sourceCount).
    function scores(
        uint32 from,
        uint32 count
    ) external view returns (uint16[] memory reliability, uint16[] memory usefulness);

    /// @notice The k (at most MAX_TOP_K) active sources of highest reliability, best first (ties: lower id first).
    function topSources(uint256 k) external view returns (uint32[] memory ids, uint16[] memory reliability);

    /// @notice The stored score word `index` (what a batch reads as its old word).
    function scoreWord(uint256 index) external view returns (uint256);

    /// @notice One evaluator.
    function evaluator(uint32 evaluatorId) external view returns (EvaluatorInfo memory);

    /// @notice The evaluator id of `account` (0 if none).
    function evaluatorOf(address account) external view returns (uint32);

    /// @notice The current epoch, as of now.
    function epochInfo() external view returns (EpochInfo memory);

    /// @notice The epoch header Poseidon(0x72656c696162696c697479, context, epoch, ruleParams) (rule 1).
    function epochHeader(uint32 epoch) external view returns (uint256);

    /// @notice keccak256(abi.encode(block.chainid, address(this), epoch, evaluatorId, commitment, salt)).
    function commitHashOf(
        uint32 epoch,
        uint32 evaluatorId,
        uint256 commitment,
        bytes32 salt
    ) external view returns (bytes32);

    /// @notice The batchBytes (rule 14) the registry would hash for `batch` now, from its stored
    /// words (reverting as `updateScores` would on a malformed or stale batch).
    function batchBytes(ScoreBatch calldata batch) external view returns (bytes memory);

    /// @notice The public inputs [batchHash, acc, settler] a proposal of `batch` by `settler` is proven against now.
    function publicInputs(ScoreBatch calldata batch, address settler) external view returns (uint256[] memory);
}
