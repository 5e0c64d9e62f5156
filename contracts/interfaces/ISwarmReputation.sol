// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "./IGroth16Settlement.sol";
import {IPhaseClock} from "./IPhaseClock.sol";
import {IPoseidonHashers} from "./IPoseidonHashers.sol";
import {IVaultModule} from "./IVaultModule.sol";
import {ISwarmReputationErrors} from "./ISwarmReputationErrors.sol";
import {ISwarmReputationEvents} from "./ISwarmReputationEvents.sol";
import {ISwarmReputationTypes} from "./ISwarmReputationTypes.sol";

/// @title ISwarmReputation
/// @notice Module 3, the swarm reputation (spec: docs/spec/reputation.md; "rule n" below is its
/// step n). One swarm of N slots per deployment (N of the circuit instance `Reputation(N)`).
/// Nodes register with stake (`registerNode`); a node that passes calibration (the contract holding
/// ADMITTER_ROLE, {ISwarmCalibration}) is admitted into the lowest free slot with the initial
/// reputation. Reputations live here packed 16 to a word: lane l (bits 16l..16l+15) of word m is
/// slot 16m + l (the spec's reputation word).
///
/// One ranking round at a time; anyone opens one (`openRound`), escrowing a reward of the vault's
/// token, once the previous one is Final or Expired. Its phases run back to back from its opening:
/// 1. answer commit: admitted nodes commit `commitHashOf(0, round, slot, answerDigest, salt)`;
/// 2. answer reveal: they reveal digest and salt (the answered bit of their slot is set);
/// 3. judgment commit: admitted nodes commit `commitHashOf(1, round, slot, bytes32(c), salt)`;
/// 4. judgment reveal: they reveal the judgment commitment c < r (rule 4's HashChain of the
///    preference vector) and the content's URI; acc = Poseidon(acc, slot, c) in reveal order,
///    seeded with the round header Poseidon(0x72657075746174696f6e * 256 + N, context, round,
///    ruleParams) (rule 1, computed when the round opens);
/// 5. settlement: anyone proposes a `RankingResult` with a proof over [outHash, acc, msg.sender],
///    outHash = uint256(sha256(outBytes)) & (2^253 - 1), outBytes = uint32 round ‖ uint8 winner ‖
///    uint64 answeredMask ‖ uint64 includedMask ‖ uint64 agreeMask ‖ uint64 flaggedMask ‖ old words
///    ‖ new words (rule 14), the answered mask and the old words read from storage. The new words
///    are written at once;
/// 6. challenge: for challengeWindow seconds after a proposal, a proof including strictly more
///    judgment reveals replaces it (`challengeRanking`, posting the replaced outBytes from its
///    RankingProposed event: checked against the stored digest, its old words restored first).
/// Then the proposal is final (lazily at the next call, or `finalizeRound`): the winner's account
/// is credited winnerShareBps of the reward, the agreeing judges the rest in equal parts (dust and,
/// without agreeing judges, everything to the winner; nobody answered: the opener is refunded),
/// each flagged node gets a strike, and one flagged in strikeLimit of the last strikeWindow final
/// rounds is slashed strikeSlashAmount once per offence. A round nobody proposes for by its
/// settlement deadline (by its judgment reveal deadline if nobody revealed a judgment) expires
/// (`releaseRound`, or lazily): the reward is refunded to the opener, reputations stay. A node that
/// committed and did not reveal loses noShowPenalty once per round and kind (`penalizeNoShow`,
/// anyone, after that kind's reveal deadline). Rewards and refunds are credited and pulled
/// (`claimRewards`).
///
/// Commit hashes are keccak256(abi.encode(block.chainid, address(this), uint8 kind, uint32 round,
/// uint8 slot, bytes32 value, bytes32 salt)); a hash another slot committed in the same round is
/// refused. Admission waits while a round is Open or Proposed (the circuit reads the words from
/// storage); a node may leave unless it committed in the unresolved round, its lane being zeroed and
/// its slot freed at once, or when that round resolves; its stake unbonds in the vault, slashable.
///
/// The surface is split by kind: {ISwarmReputationTypes}, {ISwarmReputationErrors},
/// {ISwarmReputationEvents}; the shared spine's parts are {IGroth16Settlement}, {IPhaseClock},
/// {IVaultModule} and {IPoseidonHashers}.
interface ISwarmReputation is
    ISwarmReputationTypes,
    IGroth16Settlement,
    IPhaseClock,
    IVaultModule,
    IPoseidonHashers,
    ISwarmReputationErrors,
    ISwarmReputationEvents
{
    // ---------------------------------------------------------------- nodes

    /// @notice Registers a node for the caller (ids from 1, one per account, ever), locking
    /// nodeStake of its free stake in the vault.
    function registerNode(string calldata metadataURI) external returns (uint32 nodeId);

    /// @notice Admits a Registered node into the lowest free slot and writes initialReputation into
    /// its lane (ADMITTER_ROLE only). Not while a round is Open or Proposed (RoundInProgress).
    function admit(uint32 nodeId) external returns (uint8 slot);

    /// @notice The caller's node leaves: its slot is freed and its lane zeroed (now, or when the
    /// unresolved round resolves), its stake unlocked into the vault's unbonding (still slashable).
    /// Not while it has a commit in the unresolved round (NodeCommitted).
    function leaveNode(uint32 nodeId) external;

    // ---------------------------------------------------------------- rounds

    /// @notice Opens the next round (anyone), pulling `reward` of the vault's token from the caller
    /// (what arrives is escrowed). Only once the previous round is Final or Expired (resolved first).
    function openRound(
        bytes32 questionHash,
        string calldata questionURI,
        uint256 reward
    ) external returns (uint32 round);

    /// @notice Commits the caller's answer in the answer commit phase (admitted nodes).
    function commitAnswer(uint32 round, bytes32 commitHash) external;

    /// @notice Reveals the caller's answer digest in the answer reveal phase; sets its answered bit.
    function revealAnswer(uint32 round, bytes32 answerDigest, bytes32 salt, string calldata uri) external;

    /// @notice Commits the caller's judgment in the judgment commit phase (admitted nodes).
    function commitJudgment(uint32 round, bytes32 commitHash) external;

    /// @notice Reveals the caller's judgment commitment (< r) in the judgment reveal phase and chains
    /// it into the round's accumulator (rule 4).
    function revealJudgment(uint32 round, uint256 commitment, bytes32 salt, string calldata uri) external;

    /// @notice Proposes the ranking of the current round in its settlement window (anyone holding a
    /// proof over [outHash, acc, msg.sender]); applies the new words at once.
    function settleRanking(RankingResult calldata r, Groth16Proof calldata proof) external;

    /// @notice Replaces the pending proposal within its challenge window with one including strictly
    /// more judgment reveals; `replaced` is the pending proposal's outBytes (from RankingProposed).
    function challengeRanking(RankingResult calldata r, bytes calldata replaced, Groth16Proof calldata proof) external;

    /// @notice Makes the round's proposal final once its challenge window is over (anyone).
    function finalizeRound(uint32 round) external;

    /// @notice Expires the round if nobody proposed by its deadline (anyone): the reward is refunded.
    function releaseRound(uint32 round) external;

    /// @notice Takes noShowPenalty from the node that committed in `slot` of `round` and did not
    /// reveal, for each kind whose reveal deadline passed, once per kind (anyone). Returns what was taken.
    function penalizeNoShow(uint32 round, uint8 slot) external returns (uint256 amount);

    /// @notice Pays the caller its credited rewards and refunds; returns the amount.
    function claimRewards() external returns (uint256 amount);

    // ---------------------------------------------------------------- views

    /// @notice The role that may admit nodes (held by the calibration contract).
    function ADMITTER_ROLE() external view returns (bytes32);

    /// @notice The longest a round may last (its phases plus N challenge windows), in seconds.
    function MAX_ROUND_DURATION() external view returns (uint256);

    /// @notice The most bytes a URI may have.
    function MAX_URI_LENGTH() external view returns (uint256);

    /// @notice The deployment parameters.
    function params() external view returns (SwarmParams memory);

    /// @notice The packed rule parameters (rule 1): emaRate bits 0..16, minAgreement 17..32, prior 33..40.
    function ruleParams() external view returns (uint256);

    /// @notice How many nodes registered (ids 1..nodeCount).
    function nodeCount() external view returns (uint256);

    /// @notice Node `nodeId`, as of now.
    function node(uint32 nodeId) external view returns (NodeInfo memory);

    /// @notice The node of `account` (0: none).
    function nodeOf(address account) external view returns (uint32);

    /// @notice The node holding `slot` (0: free).
    function nodeAtSlot(uint8 slot) external view returns (uint32);

    /// @notice Bit i: slot i is held by an admitted node.
    function admittedMask() external view returns (uint64);

    /// @notice The reputation of `slot` (0..65535; 0 for a free slot).
    function reputationOf(uint8 slot) external view returns (uint16);

    /// @notice The ceil(N / 16) reputation words, as stored.
    function reputationWords() external view returns (uint256[] memory);

    /// @notice The latest round id (0: none yet).
    function currentRound() external view returns (uint32);

    /// @notice Round `round`, as of now.
    function roundInfo(uint32 round) external view returns (RoundInfo memory);

    /// @notice The header of round `round` (rule 1).
    function roundHeader(uint32 round) external view returns (uint256);

    /// @notice keccak256(abi.encode(chainId, this, kind, round, slot, value, salt)): kind 0 an
    /// answer (value: its digest), 1 a judgment (value: bytes32(commitment)).
    function commitHashOf(
        uint8 kind,
        uint32 round,
        uint8 slot,
        bytes32 value,
        bytes32 salt
    ) external view returns (bytes32);

    /// @notice The outBytes of rule 14 for `r` on the stored answered mask of `r.round` and the
    /// stored words (during a challenge window a challenger proves on the replaced proposal's old
    /// words instead, bytes 37..37 + 32M of its outBytes).
    function outBytes(RankingResult calldata r) external view returns (bytes memory);

    /// @notice The public inputs [outHash, acc, settler] a settlement of `r` by `settler` is
    /// verified against now.
    function publicInputs(RankingResult calldata r, address settler) external view returns (uint256[] memory);

    /// @notice Rewards and refunds credited to `account`, not yet claimed.
    function pendingRewards(address account) external view returns (uint256);
}
