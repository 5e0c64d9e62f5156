// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title MockGroth16Verifier
/// @notice Test-only stand-in for the snarkjs verifier of `Contribution(N, P, 32)` (6 public
/// inputs, so the same `verifyProof` selector): returns whatever result was set (true after
/// deployment), and, with inputs pinned, false for any other inputs, so a test can check exactly
/// what the market passed. Lets logic tests drive settlements without proving. Never deploy it to
/// a network that holds value.
contract MockGroth16Verifier {
    /// @notice What `verifyProof` returns (for the pinned inputs, if any).
    bool public result = true;
    /// @notice keccak256 of the pinned public inputs, or 0 when none are pinned.
    bytes32 public pinned;

    /// @notice Sets what `verifyProof` returns (anyone: test contract).
    function setResult(bool result_) external {
        result = result_;
    }

    /// @notice Accept only these public inputs from now on.
    function pinInputs(uint256[6] calldata inputs) external {
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
        uint256[6] calldata inputs
    ) external view returns (bool) {
        if (pinned != bytes32(0) && keccak256(abi.encode(inputs)) != pinned) return false;
        return result;
    }
}
