// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "../interfaces/IGroth16Settlement.sol";

/// @title IRoundTripSettlement
/// @notice The smallest proof-settled contract: the owner opens rounds; anyone holding a proof
/// settles a round with a vector commitment and its sum (circuit `RoundTrip`). It exercises the
/// settlement path every module reuses: public inputs rebuilt from chain id, this contract's
/// address, the round id and the posted values; replay keyed on round ids.
interface IRoundTripSettlement is IGroth16Settlement {
    /// @notice A settled round's posted results.
    struct RoundResult {
        bool opened;
        bool settled;
        uint256 commitment;
        int256 sum;
        address settledBy;
    }

    /// @notice Round `round` was never opened.
    error RoundNotOpened(uint64 round);
    /// @notice Round `round` is already settled.
    error RoundAlreadySettled(uint64 round);

    /// @notice The owner opened `round`.
    event RoundOpened(uint64 indexed round);
    /// @notice `round` was settled by `settler` with the proven `commitment` and `sum`.
    event RoundSettled(uint64 indexed round, uint256 commitment, int256 sum, address indexed settler);

    /// @notice Opens the next round (owner only). Round ids come from a counter starting at 1.
    function openRound() external returns (uint64 round);

    /// @notice Settles `round` with a proof that a vector with commitment `commitment` sums to `sum`.
    /// Permissionless: the proof is the authority.
    function settle(uint64 round, uint256 commitment, int256 sum, Groth16Proof calldata proof) external;

    /// @notice The public inputs a settlement of `round` with these results must be proven against.
    function publicInputs(uint64 round, uint256 commitment, int256 sum) external view returns (uint256[] memory);

    /// @notice The state of `round`.
    function roundResult(uint64 round) external view returns (RoundResult memory);

    /// @notice The last round id opened (0 before the first).
    function lastRound() external view returns (uint64);
}
