// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title CallForwarder
/// @notice Test contract: makes a call on behalf of whoever asks, like a multisig or a relayer,
/// so tests can check that a settlement made through another contract audits like a direct one.
contract CallForwarder {
    /// @notice The forwarded call reverted with `data`.
    error ForwardFailed(bytes data);

    /// @notice Calls `target` with `data` and bubbles a revert up as ForwardFailed.
    function forward(address target, bytes calldata data) external returns (bytes memory ret) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, ret) = target.call(data);
        if (!ok) revert ForwardFailed(ret);
    }
}
