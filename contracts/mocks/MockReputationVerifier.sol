// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title MockReputationVerifier
/// @notice Test-only stand-in for the snarkjs verifier of `Reputation(N)` (3 public
/// inputs [outHash, acc, settler], so the same `verifyProof` selector): returns whatever result
/// was set (true after deployment), and, with inputs pinned, false for any other inputs, so a test
/// can check exactly what the swarm passed. Lets logic tests and the gas measurement drive
/// rounds without proving. Never deploy it to a network that holds value.
contract MockReputationVerifier {
    /// @notice What `verifyProof` returns (for the pinned inputs, if any).
    bool public result = true;
    /// @notice keccak256 of the pinned public inputs, or 0 when none are pinned.
    bytes32 public pinned;

    /// @notice Sets what `verifyProof` returns (anyone: test contract).
    function setResult(bool result_) external {
        result = result_;
    }

    /// @notice Accept only these public inputs from now on.
    function pinInputs(uint256[3] calldata inputs) external {
        pinned = keccak256(abi.encode(inputs));
    }

    /// @notice Accept any public inputs again.
    function unpin() external {
        pinned = bytes32(0);
    }

    /// @notice Returns `result`, or false when inputs are pinned and these differ (same signature as the generated verifier).
    function verifyProof(
        uint256[2] calldata,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[3] calldata inputs
    ) external view returns (bool) {
        if (pinned != bytes32(0) && keccak256(abi.encode(inputs)) != pinned) return false;
        return result;
    }
}
