// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title SnarkField
/// @notice Field hygiene for Groth16 public inputs over BN254, in one place: the scalar field
/// modulus, the field encoding of signed values, and the proof context that binds a proof to one
/// chain and one contract.
library SnarkField {
    /// @notice The BN254 scalar field modulus r. Every public input must be < r.
    uint256 internal constant MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice A signed value whose field encoding would wrap the field.
    error SignedValueOutOfField(int256 value);
    /// @notice The chain id does not fit the 64 bits that the proof context reserves for it.
    error ChainIdTooLarge(uint256 chainId);

    /// @notice Field encoding of a signed integer: x >= 0 maps to x, x < 0 maps to r - |x|.
    /// @dev Reverts unless |x| < r / 2, so the encoding is injective and the circuit can range-check it.
    function fromSigned(int256 x) internal pure returns (uint256) {
        if (x >= 0) {
            if (uint256(x) > MODULUS / 2) revert SignedValueOutOfField(x);
            return uint256(x);
        }
        // -x cannot overflow: x > type(int256).min is implied by |x| <= r / 2 < 2^255, checked first.
        if (x == type(int256).min || uint256(-x) > MODULUS / 2) revert SignedValueOutOfField(x);
        return MODULUS - uint256(-x);
    }

    /// @notice The proof context: chainId * 2^160 + address, one field element (< 2^224 < r).
    /// @dev Every circuit takes it as its first public input, so a proof made for one chain or
    /// one contract fails verification anywhere else.
    function context(uint256 chainId, address self) internal pure returns (uint256) {
        if (chainId >= 1 << 64) revert ChainIdTooLarge(chainId);
        return (chainId << 160) | uint256(uint160(self));
    }
}
