// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "./IGroth16Settlement.sol";
import {ISwarmReputationTypes} from "./ISwarmReputationTypes.sol";

/// @title ISwarmReputationEvents
/// @notice The events of module 3's swarm reputation (see {ISwarmReputation}), all in the past
/// tense, each emitted right after the state change it reports.
interface ISwarmReputationEvents is ISwarmReputationTypes, IGroth16Settlement {
    /// @notice The swarm was deployed with `params`; its rounds' rule is `ruleParams` (rule 1).
    event SwarmConfigured(SwarmParams params, uint256 ruleParams);
    /// @notice `account` registered node `nodeId`, locking `stake`.
    event NodeRegistered(uint32 indexed nodeId, address indexed account, uint256 stake, string metadataURI);
    /// @notice The node was admitted into `slot` with reputation `reputation`; reputation word
    /// `wordIndex` is now `word`.
    event NodeAdmitted(uint32 indexed nodeId, uint8 indexed slot, uint256 reputation, uint256 wordIndex, uint256 word);
    /// @notice The node left: `stake` unlocked into the vault's unbonding, slashable until
    /// `unbondingEnds`. `slot` is freed (its lane zeroed) now, or when the unresolved round resolves
    /// (`deferred`); `slot` is meaningless for a node that was never admitted (`admitted` false).
    event NodeLeft(
        uint32 indexed nodeId,
        address indexed account,
        bool admitted,
        uint8 slot,
        bool deferred,
        uint256 stake,
        uint64 unbondingEnds
    );
    /// @notice The slots of `mask` were freed and their lanes zeroed.
    event SlotsFreed(uint64 mask);
    /// @notice The node lost `amount` in `round` for `offence`, under vault offence id `offenceId`.
    event NodeSlashed(
        uint32 indexed nodeId,
        uint32 indexed round,
        address indexed account,
        Offence offence,
        bytes32 offenceId,
        uint256 amount
    );
    /// @notice A strike slash the vault refused (e.g. this contract lost its module role); the round still resolved.
    event SlashFailed(uint32 indexed nodeId, uint32 indexed round, bytes32 offenceId);
    /// @notice The node was flagged in final `round` (`strikes` within the window, this one included).
    event NodeFlagged(uint32 indexed nodeId, uint32 indexed round, uint256 strikes);
    /// @notice `opener` opened `round`, escrowing `reward` (what the contract received), with
    /// header `header` (rule 1, the accumulator's seed); answer commits open at `opensAt`.
    event RoundOpened(
        uint32 indexed round,
        address indexed opener,
        bytes32 questionHash,
        string questionURI,
        uint256 reward,
        uint256 header,
        uint64 opensAt
    );
    /// @notice Slot `slot` (node `nodeId`) committed `commitHash` of `kind` (0 answer, 1 judgment).
    event Committed(uint32 indexed round, uint32 indexed nodeId, uint8 slot, uint8 kind, bytes32 commitHash);
    /// @notice Slot `slot` revealed answer digest `answerDigest` (content at `uri`).
    event AnswerRevealed(uint32 indexed round, uint32 indexed nodeId, uint8 slot, bytes32 answerDigest, string uri);
    /// @notice Slot `slot` revealed judgment commitment `commitment` (rule 4; content at `uri`) at
    /// reveal position `position`; the round's accumulator became `acc`.
    event JudgmentRevealed(
        uint32 indexed round,
        uint32 indexed nodeId,
        uint8 slot,
        uint256 position,
        uint256 commitment,
        string uri,
        uint256 acc
    );
    /// @notice `settler` proposed the ranking of `round`: `out` is the exact outBytes of rule 14
    /// (round, winner, the four masks, old and new words), `outDigest` its sha256; the new words are
    /// applied now; final at `finalAt` unless a stronger proposal replaces it (`replaced`: this one
    /// replaced a weaker one, whose old words were restored first).
    event RankingProposed(
        uint32 indexed round,
        address indexed settler,
        uint8 winner,
        uint64 includedMask,
        uint64 agreeMask,
        uint64 flaggedMask,
        bytes32 outDigest,
        uint64 finalAt,
        bool replaced,
        bytes out,
        Groth16Proof proof
    );
    /// @notice The proposal of `settler` for `round` became final (the `finalRounds`-th final round):
    /// `winner` won (N: nobody answered), `winnerReward` went to its account, `judgeReward` to each
    /// agreeing judge, `refund` back to the opener.
    event RoundFinalized(
        uint32 indexed round,
        address indexed settler,
        uint8 winner,
        bytes32 outDigest,
        uint256 winnerReward,
        uint256 judgeReward,
        uint256 refund,
        uint256 finalRounds
    );
    /// @notice `round` ended without a proposal; reputations stayed and `refund` went back to the opener.
    event RoundExpired(uint32 indexed round, address indexed opener, uint256 refund);
    /// @notice `amount` was credited to `account` (claim it with `claimRewards`).
    event RewardCredited(address indexed account, uint32 indexed round, uint256 amount);
    /// @notice `account` claimed `amount` of credited rewards.
    event RewardsClaimed(address indexed account, uint256 amount);
}
