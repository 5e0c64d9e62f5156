// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkMeritErrors} from "../interfaces/IZkMeritErrors.sol";
import {SnarkField} from "./SnarkField.sol";

/// @title MerklePath
/// @notice Membership in a binary Merkle tree over field elements, as the circuits build it: nodes
/// are hash2(left, right) (Poseidon in every module), leaves are indexed from 0 on the left.
library MerklePath {
    /// @notice The root of a tree of depth `depth` whose leaf `index` is `leaf`, from its siblings
    /// `path` (level 0 first).
    /// @dev Reverts with InvalidPathLength unless `path` has `depth` elements, and with
    /// InvalidPathElement for a sibling >= r: the hasher reduces mod r, so a sibling >= r would let
    /// one tree have many valid paths. The leaf is the caller's to check. `hash2` is the contract's
    /// own hasher, passed as an internal function so that its external call is compiled once.
    function rootFromPath(
        uint256 index,
        uint256 leaf,
        uint256[] calldata path,
        uint256 depth,
        function(uint256, uint256) view returns (uint256) hash2
    ) internal view returns (uint256 node) {
        if (path.length != depth) revert IZkMeritErrors.InvalidPathLength(depth, path.length);
        node = leaf;
        for (uint256 i = 0; i < depth; ++i) {
            uint256 sibling = path[i];
            if (sibling >= SnarkField.MODULUS) revert IZkMeritErrors.InvalidPathElement(i, sibling);
            // Bit i of the index says whether the node is a right child at level i.
            node = (index >> i) & 1 == 0 ? hash2(node, sibling) : hash2(sibling, node);
        }
    }
}
