// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoseidonHashers} from "../base/PoseidonHashers.sol";
import {MerklePath} from "../libraries/MerklePath.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4} from "../interfaces/IPoseidon.sol";

/// @title MerklePathHarness
/// @notice Test harness: MerklePath.rootFromPath over the deployed Poseidon hashers.
contract MerklePathHarness is PoseidonHashers {
    constructor(
        IPoseidon2 poseidon2,
        IPoseidon3 poseidon3,
        IPoseidon4 poseidon4
    ) PoseidonHashers(poseidon2, poseidon3, poseidon4) {}

    /// @notice The root of a tree of depth `depth` from leaf `index` = `leaf` and its siblings `path`.
    function rootFromPath(
        uint256 index,
        uint256 leaf,
        uint256[] calldata path,
        uint256 depth
    ) external view returns (uint256) {
        return MerklePath.rootFromPath(index, leaf, path, depth, _hash2);
    }

    /// @notice Poseidon of 2, 3 and 4 inputs through the base's internal entries.
    function hashes(uint256 a, uint256 b, uint256 c, uint256 d) external view returns (uint256, uint256, uint256) {
        return (_hash2(a, b), _hash3(a, b, c), _hash4(a, b, c, d));
    }
}
