// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IZkMeritErrors
/// @notice Errors any zkmerit module may raise, declared once: constructor dependencies, URIs,
/// commitments that must be field elements, and Merkle paths (contracts/libraries/MerklePath.sol).
/// A module's interface inherits this one, so each error has one selector and one NatSpec everywhere.
interface IZkMeritErrors {
    /// @notice A constructor argument is the zero address.
    error ZeroAddress(string what);
    /// @notice A constructor argument that must be a contract has no code.
    error NotAContract(string what, address account);
    /// @notice A URI is empty or longer than `max` bytes.
    error InvalidURILength(uint256 length, uint256 max);
    /// @notice A commitment (an update's, or a claim's `models`) is not below r.
    error InvalidCommitment(uint256 commitment);
    /// @notice A Merkle path has the wrong length.
    error InvalidPathLength(uint256 expected, uint256 actual);
    /// @notice A Merkle path element is not below r.
    error InvalidPathElement(uint256 index, uint256 value);
}
