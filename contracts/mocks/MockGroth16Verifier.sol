// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title MockGroth16Verifier
/// @notice Test-only stand-in for a snarkjs verifier of a circuit with 3 public inputs: returns
/// whatever result was set (true after deployment), whatever the proof and inputs. Lets logic tests
/// drive settlements without proving. Never deploy it to a network that holds value.
contract MockGroth16Verifier {
    /// @notice What `verifyProof` returns.
    bool public result = true;

    /// @notice Sets what `verifyProof` returns (anyone: test contract).
    function setResult(bool result_) external {
        result = result_;
    }

    /// @notice Returns `result`, ignoring its arguments (same signature as the generated verifier).
    function verifyProof(
        uint256[2] calldata,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[3] calldata
    ) external view returns (bool) {
        return result;
    }
}
