// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ITrainingMarketTypes
/// @notice The structs and enums of module 1's training market (see {ITrainingMarket}).
interface ITrainingMarketTypes {
    /// @notice What a task owner chooses when creating a task.
    /// @dev Numeric fields are full words so out-of-range values revert with a custom error that
    /// names the field, instead of failing ABI decoding.
    struct TaskParams {
        // VectorCommit of the initial global model (< r).
        uint256 initModelCommitment;
        // Where the initial global model is stored (1..MAX_URI_LENGTH bytes).
        string initModelURI;
        // Number of rounds, 1..2^16-1, and numRounds * roundDuration <= MAX_TASK_DURATION.
        uint256 numRounds;
        // Maximum number of trainers, 1..slotCapacity(), the root slot included (then at least 2).
        uint256 maxTrainers;
        // When round 0 opens (unix seconds); 0 means at creation. At most MAX_START_DELAY after
        // creation, never in the past.
        uint256 startTime;
        // Seconds of each phase, each 1..MAX_WINDOW.
        uint256 commitWindow;
        uint256 revealWindow;
        uint256 settlementWindow;
        uint256 challengeWindow;
        // Stake each trainer locks to join (stake token units), 1..2^128-1.
        uint256 minStake;
        // Stake slashed per objective offence proven in a settlement (over-norm, duplicate), 0..minStake.
        uint256 slashAmount;
        // Stake taken from a trainer who committed and did not reveal, 0..minStake.
        uint256 noShowPenalty;
        // Reward budget of the whole task, escrowed at creation, 1..2^128-1.
        uint256 budget;
        // Paid per round to whoever's proposal becomes final, escrowed at creation
        // (budget + numRounds * settlementFee < 2^128).
        uint256 settlementFee;
        // Bound on the squared L2 norm of a quantized update, < 2^80.
        uint256 normBoundSq;
        // Added to each update's cosine with the root update before clamping its trust to [0, 1],
        // fixed point with 16 fractional bits, 0..65536 (13107 = 0.2 keeps part of a non-IID
        // honest update's weight).
        uint256 trustMargin;
        // The owner joins at slot 0 (locking minStake) and submits a root update each round.
        bool rootUpdates;
    }

    /// @notice What a settlement proposal claims; all of it is a public input of the proof.
    struct SettlementResult {
        // Poseidon(taskHeader, Poseidon(modelCommitment, prevModelCommitment), rewardRoot), where
        // prevModelCommitment is the model the round started from.
        uint256 newState;
        // VectorCommit of the new global model (the next round starts from it).
        uint256 modelCommitment;
        // Merkle root of every slot's cumulative reward.
        uint256 rewardRoot;
        // Revealed submissions the proof includes (bit = slot).
        uint64 includedMask;
        // Included submissions the rule gave no trust (no reward, no slash); never the root.
        uint64 excludedMask;
        // Included submissions with an objective offence (no reward, slashed); never the root.
        uint64 slashedMask;
    }

    /// @notice A task's configuration and progress, as of now (pending time-based changes applied).
    struct TaskInfo {
        address owner;
        uint64 numRounds;
        // The round after the last one that will run (numRounds, or less once cancelled).
        uint64 endRound;
        uint64 maxTrainers;
        // Trainers joined so far (slots 0..members-1 are taken, also by trainers who left).
        uint64 members;
        // The current round; equals endRound once the task is finished.
        uint64 round;
        bool finished;
        bool cancelled;
        uint64 commitWindow;
        uint64 revealWindow;
        uint64 settlementWindow;
        uint64 challengeWindow;
        uint256 minStake;
        uint256 slashAmount;
        uint256 noShowPenalty;
        uint256 settlementFee;
        uint256 normBoundSq;
        uint256 trustMargin;
        bool rootUpdates;
        uint256 taskHeader;
        // Poseidon(taskHeader, models, rewardRoot) after the last final settlement.
        uint256 state;
    }

    /// @notice The current round of a task, as of now.
    struct RoundInfo {
        uint64 round;
        uint64 startedAt;
        // Commits until `commitEnd` (exclusive), reveals until `revealEnd`, proposals until
        // `settlementDeadline` (or, once there is a proposal, challenges until `finalAt`).
        uint64 commitEnd;
        uint64 revealEnd;
        uint64 settlementDeadline;
        uint256 committedMask;
        uint256 revealedMask;
        // The reveal accumulator (the first public input of this round's settlement).
        uint256 acc;
        // This round's reward R (0 once the task is finished).
        uint256 reward;
        // The pending proposal, if any (settler != 0).
        address settler;
        uint64 proposedAt;
        uint64 finalAt;
        SettlementResult proposal;
    }

    /// @notice Where a task's escrow is. budget + fees == distributed + refundable + pending + feesPaid.
    struct Accounting {
        uint256 budget;
        // numRounds * settlementFee, escrowed with the budget.
        uint256 fees;
        // Rewards of rounds final with at least one inlier (owed to trainers).
        uint256 distributed;
        // Rewards and fees of rounds expired, skipped, final with no inlier, or cancelled.
        uint256 refundable;
        // Rewards and fees of rounds not resolved yet.
        uint256 pending;
        // Fees credited to final settlers.
        uint256 feesPaid;
        // Paid to trainers so far (<= distributed).
        uint256 claimed;
        // Paid back to the owner so far (<= refundable).
        uint256 reclaimed;
    }

    /// @notice A trainer's membership of a task.
    struct MemberInfo {
        bool joined;
        uint8 slot;
        // Whether the stake was released (the task ended, or the trainer left).
        bool released;
        // Whether the trainer left before the end (it cannot commit any more).
        bool left;
        // Stake still locked for this task (minStake minus what was slashed).
        uint256 locked;
        // Cumulative reward claimed so far.
        uint256 claimed;
    }

    /// @notice Why a trainer was slashed.
    enum Offence {
        // Included in a final settlement and proven over the norm bound or a duplicate.
        Proven,
        // Committed and did not reveal.
        NoShow
    }
}
