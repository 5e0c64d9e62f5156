// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPoseidonHashers} from "../interfaces/IPoseidonHashers.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4} from "../interfaces/IPoseidon.sol";

/// @title PoseidonHashers
/// @notice Base for contracts that hash with Poseidon (circomlib constants, the circuits' hash):
/// it holds the deployed PoseidonT3, T4 and T5 libraries (2, 3 and 4 inputs, see
/// contracts/interfaces/IPoseidon.sol and contracts/libraries/PoseidonLibraries.sol) and gives
/// one internal entry per arity.
/// @dev The hashers reduce their inputs mod r without complaint: callers check that every input is
/// below r first (otherwise x and x + r hash alike). Each `_hashN` is the only place its external
/// call is compiled: a module calling `_hashN` from many places pays the call code once, which is
/// what keeps the training market under the EIP-170 code size limit.
abstract contract PoseidonHashers is IPoseidonHashers {
    IPoseidon2 private immutable _poseidon2;
    IPoseidon3 private immutable _poseidon3;
    IPoseidon4 private immutable _poseidon4;

    /// @param poseidon2 A deployed PoseidonT3 (`poseidon3`, `poseidon4`: PoseidonT4, T5).
    constructor(IPoseidon2 poseidon2, IPoseidon3 poseidon3, IPoseidon4 poseidon4) {
        if (address(poseidon2).code.length == 0) revert NotAContract("poseidon2", address(poseidon2));
        if (address(poseidon3).code.length == 0) revert NotAContract("poseidon3", address(poseidon3));
        if (address(poseidon4).code.length == 0) revert NotAContract("poseidon4", address(poseidon4));
        _poseidon2 = poseidon2;
        _poseidon3 = poseidon3;
        _poseidon4 = poseidon4;
    }

    /// @inheritdoc IPoseidonHashers
    function hashers() external view returns (address poseidon2, address poseidon3, address poseidon4) {
        return (address(_poseidon2), address(_poseidon3), address(_poseidon4));
    }

    /// @dev Poseidon(a, b).
    function _hash2(uint256 a, uint256 b) internal view returns (uint256) {
        return _poseidon2.hash([a, b]);
    }

    /// @dev Poseidon(a, b, c).
    function _hash3(uint256 a, uint256 b, uint256 c) internal view returns (uint256) {
        return _poseidon3.hash([a, b, c]);
    }

    /// @dev Poseidon(a, b, c, d).
    function _hash4(uint256 a, uint256 b, uint256 c, uint256 d) internal view returns (uint256) {
        return _poseidon4.hash([a, b, c, d]);
    }
}
