// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The Poseidon hashers are poseidon-solidity's libraries PoseidonT3, PoseidonT4 and PoseidonT5
// (2, 3 and 4 inputs), with the same constants as circomlib's `Poseidon(n)` template. Each is
// deployed on its own and called directly: its `hash` is `public pure`, which a library serves over
// a plain call, so a hash costs one external call, with no adapter in between and no linking.
// The libraries reduce every input modulo the BN254 scalar field r without complaint, so callers
// must check inputs are < r themselves (otherwise x and x + r hash alike).

/// @title IPoseidon2
/// @notice circomlib Poseidon with 2 inputs (reward-tree nodes): PoseidonT3.
interface IPoseidon2 {
    /// @notice Poseidon(input[0], input[1]).
    function hash(uint256[2] calldata input) external pure returns (uint256);
}

/// @title IPoseidon3
/// @notice circomlib Poseidon with 3 inputs (the task state and the submission accumulator): PoseidonT4.
interface IPoseidon3 {
    /// @notice Poseidon(input[0], input[1], input[2]).
    function hash(uint256[3] calldata input) external pure returns (uint256);
}

/// @title IPoseidon4
/// @notice circomlib Poseidon with 4 inputs (the task header): PoseidonT5.
interface IPoseidon4 {
    /// @notice Poseidon(input[0], input[1], input[2], input[3]).
    function hash(uint256[4] calldata input) external pure returns (uint256);
}
