// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ISwarmReputationTypes
/// @notice The structs and enums of module 3's swarm reputation (see {ISwarmReputation}).
interface ISwarmReputationTypes {
    /// @notice Everything fixed at deployment (nothing can change it later). Full words, so an
    /// out-of-range value reverts with InvalidParam naming it.
    struct SwarmParams {
        // N: node slots of the circuit instance `Reputation(N)`, even, 4..64.
        uint256 slots;
        // Rule parameters (docs/spec/reputation.md, rule 1): EMA rate emaRate / 2^16, 0..2^16;
        // flagged below minAgreement, 0..65535; prior virtual judges, 1..255 with 8 * prior >= N.
        uint256 emaRate;
        uint256 minAgreement;
        uint256 prior;
        // Seconds of each phase of a round, back to back, each 1..MAX_WINDOW; the five plus
        // N * challengeWindow is at most MAX_ROUND_DURATION.
        uint256 answerCommitWindow;
        uint256 answerRevealWindow;
        uint256 judgeCommitWindow;
        uint256 judgeRevealWindow;
        uint256 settlementWindow;
        uint256 challengeWindow;
        // Stake a node locks to register, 1..2^96 - 1.
        uint256 nodeStake;
        // The reputation an admitted node starts with, 0..65535 (65535 is 1.0).
        uint256 initialReputation;
        // A node flagged in strikeLimit of the last strikeWindow final rounds loses
        // strikeSlashAmount (0..nodeStake), once per offence: 1 <= strikeLimit <= strikeWindow <= 64.
        uint256 strikeLimit;
        uint256 strikeWindow;
        uint256 strikeSlashAmount;
        // Taken from a node that committed and did not reveal, once per round and kind, 0..nodeStake.
        uint256 noShowPenalty;
        // The winner's share of a round's reward in basis points, 0..10000; the rest goes to the
        // agreeing judges in equal parts.
        uint256 winnerShareBps;
    }

    /// @notice A settlement of the current round (rule 14: what outBytes is built from).
    struct RankingResult {
        // The round being settled (the current one).
        uint32 round;
        // The winning slot, or N when nobody answered (rule 10).
        uint8 winner;
        // Bit i: slot i's judgment content is included (rule 5), a nonempty subset of judgedMask.
        uint64 includedMask;
        // Bit i: slot i agreed with the consensus (rule 12, paid), a subset of includedMask.
        uint64 agreeMask;
        // Bit i: slot i was flagged (rule 12, a strike), a subset of includedMask, disjoint from agreeMask.
        uint64 flaggedMask;
        // The ceil(N / 16) new reputation words (rule 13), lane l of word m = slot 16m + l.
        uint256[] newWords;
    }

    /// @notice A node's state: Registered (staked, not admitted), Admitted (holds a slot),
    /// Unbonding after leaving while its stake is still slashable, Left once the unbonding delay passed.
    enum NodeStatus {
        Registered,
        Admitted,
        Unbonding,
        Left
    }

    /// @notice A node.
    struct NodeInfo {
        address account;
        NodeStatus status;
        // Its slot while admitted (meaningless otherwise).
        uint8 slot;
        // Stake the contract still holds for the node (locked, or unbonding), after slashes.
        uint256 stake;
        // When its unbonding ends (0 while not left).
        uint64 unbondingEnds;
        // Flags within the last strikeWindow final rounds, as of now.
        uint256 strikes;
        string metadataURI;
    }

    /// @notice A round's state: None (no such round), Open (phases running, no proposal), Proposed
    /// (a proposal in its challenge window), Final, Expired (nobody settled in time).
    enum RoundStatus {
        None,
        Open,
        Proposed,
        Final,
        Expired
    }

    /// @notice A round, as of now (time-based changes applied: a round past its deadline reads as
    /// Expired, a proposal past its challenge window as Final, before any transaction records it).
    struct RoundInfo {
        uint32 round;
        RoundStatus status;
        address opener;
        // What the opener escrowed (what the contract received).
        uint256 reward;
        bytes32 questionHash;
        // Answer commits in [opensAt, answerCommitEnd), answer reveals until answerRevealEnd,
        // judgment commits until judgeCommitEnd, judgment reveals until judgeRevealEnd, first
        // proposals until settlementDeadline; replacing ones until finalAt.
        uint64 opensAt;
        uint64 answerCommitEnd;
        uint64 answerRevealEnd;
        uint64 judgeCommitEnd;
        uint64 judgeRevealEnd;
        uint64 settlementDeadline;
        // proposedAt + challengeWindow of the pending or final proposal (0 without one).
        uint64 finalAt;
        // Bit i: slot i revealed an answer.
        uint64 answeredMask;
        // Bit i: slot i revealed a judgment.
        uint64 judgedMask;
        // The round header (rule 1), the accumulator's seed.
        uint256 header;
        // The accumulator over the judgment reveals so far (the second public input).
        uint256 acc;
        // The pending or final proposal (settler != 0).
        uint8 winner;
        address settler;
        uint64 includedMask;
        uint64 agreeMask;
        uint64 flaggedMask;
        // sha256(outBytes) of the pending or final proposal.
        bytes32 outDigest;
    }

    /// @notice Why a node was slashed.
    enum Offence {
        // Flagged in strikeLimit of the last strikeWindow final rounds.
        Strikes,
        // Committed an answer and did not reveal it.
        NoShowAnswer,
        // Committed a judgment and did not reveal it.
        NoShowJudgment
    }
}
