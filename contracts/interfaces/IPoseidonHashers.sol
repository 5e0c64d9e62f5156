// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkMeritErrors} from "./IZkMeritErrors.sol";

/// @title IPoseidonHashers
/// @notice A contract that hashes with the deployed Poseidon libraries (contracts/base/PoseidonHashers.sol,
/// the hashers of contracts/interfaces/IPoseidon.sol), the same function the circuits use.
interface IPoseidonHashers is IZkMeritErrors {
    /// @notice The Poseidon hashers with 2, 3 and 4 inputs.
    function hashers() external view returns (address poseidon2, address poseidon3, address poseidon4);
}
