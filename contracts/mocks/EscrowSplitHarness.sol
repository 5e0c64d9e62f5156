// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EscrowSplit} from "../libraries/EscrowSplit.sol";

/// @title EscrowSplitHarness
/// @notice Test harness exposing EscrowSplit.
contract EscrowSplitHarness {
    /// @notice EscrowSplit.roundReward.
    function roundReward(uint256 budget, uint256 numRounds, uint256 round) external pure returns (uint256) {
        return EscrowSplit.roundReward(budget, numRounds, round);
    }

    /// @notice The whole split: distributed, refundable, pending and fees paid.
    function split(
        uint256 budget,
        uint256 fee,
        uint256 numRounds,
        uint256 round,
        uint256 endRound,
        uint256 paidRounds,
        bool lastRoundPaid,
        uint256 settledRounds
    ) external pure returns (uint256 distributed, uint256 refundable, uint256 pending, uint256 feesPaid) {
        distributed = EscrowSplit.distributed(budget, numRounds, paidRounds, lastRoundPaid);
        feesPaid = fee * settledRounds;
        pending = EscrowSplit.pending(budget, fee, numRounds, round, endRound);
        refundable = EscrowSplit.refundable(budget, fee, numRounds, distributed, pending, feesPaid);
    }
}
