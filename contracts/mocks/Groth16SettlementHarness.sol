// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Groth16Settlement} from "../base/Groth16Settlement.sol";

/// @title Groth16SettlementHarness
/// @notice Test harness exposing Groth16Settlement's internal check with caller-chosen inputs.
contract Groth16SettlementHarness is Groth16Settlement {
    constructor(address verifier_, uint256 numPublicInputs_) Groth16Settlement(verifier_, numPublicInputs_) {}

    /// @notice Reverts unless `proof` verifies against `inputs`.
    function check(uint256 roundKey, Groth16Proof calldata proof, uint256[] calldata inputs) external view {
        _verifyOrRevert(roundKey, proof, inputs);
    }
}
