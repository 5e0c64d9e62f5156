// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Settlement} from "../interfaces/IGroth16Settlement.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {SnarkField} from "../libraries/SnarkField.sol";

/// @title Groth16Settlement
/// @notice Base for contracts that settle rounds with a Groth16 proof. A concrete module rebuilds
/// the public inputs from its own storage plus the posted results (never taking them from the
/// caller), then calls `_verifyOrRevert`. The public inputs must bind the proof context
/// (chain id and this contract's address, `proofContext()`), directly as an input or inside a
/// hash the contract recomputes or stores, so a proof cannot be replayed on another chain or
/// contract; the module binds the round id the same way, and keys replay protection on round ids,
/// never on proof bytes (Groth16 proofs are malleable).
abstract contract Groth16Settlement is IGroth16Settlement {
    address private immutable _verifier;
    uint256 private immutable _numPublicInputs;
    /// @dev The snarkjs verifier's `verifyProof` takes `uint[N]` for a circuit-specific N, so its
    /// selector depends on N; it is computed once here.
    bytes4 private immutable _verifySelector;

    constructor(address verifier_, uint256 numPublicInputs_) {
        if (verifier_.code.length == 0) revert VerifierNotContract(verifier_);
        if (numPublicInputs_ == 0) revert NoPublicInputs();
        _verifier = verifier_;
        _numPublicInputs = numPublicInputs_;
        _verifySelector = bytes4(
            keccak256(
                abi.encodePacked(
                    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[",
                    Strings.toString(numPublicInputs_),
                    "])"
                )
            )
        );
    }

    /// @inheritdoc IGroth16Settlement
    function verifier() external view returns (address) {
        return _verifier;
    }

    /// @inheritdoc IGroth16Settlement
    function numPublicInputs() external view returns (uint256) {
        return _numPublicInputs;
    }

    /// @inheritdoc IGroth16Settlement
    function proofContext() public view returns (uint256) {
        return SnarkField.context(block.chainid, address(this));
    }

    /// @notice Reverts unless `proof` verifies against `publicInputs`.
    /// @param roundKey The round being settled, reported in the error.
    /// @param proof The proof, in verifier layout.
    /// @param publicInputs The public inputs the contract rebuilt, in circuit order.
    function _verifyOrRevert(
        uint256 roundKey,
        Groth16Proof calldata proof,
        uint256[] memory publicInputs
    ) internal view {
        if (publicInputs.length != _numPublicInputs) {
            revert PublicInputCountMismatch(_numPublicInputs, publicInputs.length);
        }
        // The verifier would quietly return false for a value >= r; say which input it was.
        for (uint256 i = 0; i < publicInputs.length; ++i) {
            if (publicInputs[i] >= SnarkField.MODULUS) revert PublicInputNotInField(i, publicInputs[i]);
        }
        // `uint256[N]` is a static array: ABI-encoded inline as N words, which is exactly what
        // encodePacked writes for a memory uint256[] (each element padded to 32 bytes, no length).
        (bool ok, bytes memory ret) = _verifier.staticcall(
            abi.encodePacked(_verifySelector, abi.encode(proof.a, proof.b, proof.c), publicInputs)
        );
        if (!ok || ret.length != 32 || abi.decode(ret, (uint256)) != 1) revert InvalidProof(roundKey);
    }
}
