// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Groth16Settlement} from "../base/Groth16Settlement.sol";
import {SnarkField} from "../libraries/SnarkField.sol";
import {IRoundTripSettlement} from "./IRoundTripSettlement.sol";

/// @title RoundTripSettlement
/// @notice See {IRoundTripSettlement}. Circuit: circuits/examples/roundtrip.circom, public inputs
/// [context, round, commitment, sum].
contract RoundTripSettlement is IRoundTripSettlement, Groth16Settlement, Ownable2Step {
    uint256 private constant NUM_PUBLIC_INPUTS = 4;

    uint64 private _lastRound;
    mapping(uint64 round => RoundResult) private _rounds;

    constructor(address verifier_, address owner_) Groth16Settlement(verifier_, NUM_PUBLIC_INPUTS) Ownable(owner_) {}

    /// @inheritdoc IRoundTripSettlement
    function openRound() external onlyOwner returns (uint64 round) {
        round = ++_lastRound;
        _rounds[round].opened = true;
        emit RoundOpened(round);
    }

    /// @inheritdoc IRoundTripSettlement
    function settle(uint64 round, uint256 commitment, int256 sum, Groth16Proof calldata proof) external {
        RoundResult storage r = _rounds[round];
        if (!r.opened) revert RoundNotOpened(round);
        // Replay protection is keyed on the round id, never on proof bytes (proofs are malleable).
        if (r.settled) revert RoundAlreadySettled(round);
        _verifyOrRevert(round, proof, publicInputs(round, commitment, sum));
        r.settled = true;
        r.commitment = commitment;
        r.sum = sum;
        r.settledBy = msg.sender;
        emit RoundSettled(round, commitment, sum, msg.sender);
    }

    /// @inheritdoc IRoundTripSettlement
    function publicInputs(uint64 round, uint256 commitment, int256 sum) public view returns (uint256[] memory inputs) {
        inputs = new uint256[](NUM_PUBLIC_INPUTS);
        inputs[0] = proofContext();
        inputs[1] = round;
        inputs[2] = commitment;
        inputs[3] = SnarkField.fromSigned(sum);
    }

    /// @inheritdoc IRoundTripSettlement
    function roundResult(uint64 round) external view returns (RoundResult memory) {
        return _rounds[round];
    }

    /// @inheritdoc IRoundTripSettlement
    function lastRound() external view returns (uint64) {
        return _lastRound;
    }
}
