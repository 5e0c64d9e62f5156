// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title EscrowSplit
/// @notice Where the escrow of a schedule of rounds is: an owner escrows a reward `budget` for
/// `numRounds` rounds plus a settlement `fee` per round; round k's reward is
/// R_k = floor(budget / numRounds), plus budget mod numRounds in the last round. Every resolved
/// round's reward is either distributed (paid rounds) or refundable, its fee either paid to its
/// settler (settled rounds) or refundable; pending are the rounds from the current one to
/// `endRound` (numRounds, or where a cancellation ends the schedule). Invariant, for any counters
/// with paidRounds, settledRounds <= numRounds and round <= endRound <= numRounds:
/// distributed + refundable + pending + feesPaid == budget + numRounds * fee.
/// @dev Callers keep the values bounded: budget + numRounds * fee < 2^128 and numRounds < 2^16,
/// so no product below overflows.
library EscrowSplit {
    /// @notice R_round: floor(budget / numRounds), plus the remainder in the last round.
    function roundReward(uint256 budget, uint256 numRounds, uint256 round) internal pure returns (uint256 reward) {
        reward = budget / numRounds;
        if (round == numRounds - 1) reward += budget % numRounds;
    }

    /// @notice The rewards of `paidRounds` paid rounds, the remainder counted once if the last round is among them.
    function distributed(
        uint256 budget,
        uint256 numRounds,
        uint256 paidRounds,
        bool lastRoundPaid
    ) internal pure returns (uint256) {
        return (budget / numRounds) * paidRounds + (lastRoundPaid ? budget % numRounds : 0);
    }

    /// @notice The rewards and fees of the rounds from `round` to `endRound` (none once round >= endRound);
    /// the remainder is pending while the last round is still to come (not cancelled away).
    function pending(
        uint256 budget,
        uint256 fee,
        uint256 numRounds,
        uint256 round,
        uint256 endRound
    ) internal pure returns (uint256) {
        if (round >= endRound) return 0;
        return (budget / numRounds + fee) * (endRound - round) + (endRound == numRounds ? budget % numRounds : 0);
    }

    /// @notice What the owner can get back in total: the escrow minus what is distributed, pending or paid as fees.
    function refundable(
        uint256 budget,
        uint256 fee,
        uint256 numRounds,
        uint256 distributed_,
        uint256 pending_,
        uint256 feesPaid
    ) internal pure returns (uint256) {
        return budget + fee * numRounds - distributed_ - pending_ - feesPaid;
    }
}
