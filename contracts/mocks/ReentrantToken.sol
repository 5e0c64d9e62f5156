// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice Test-only ERC-20 with a transfer hook, like a token that calls back into the sender or
/// recipient before moving balances. When armed, the next transfer first calls `target` with
/// `data` (as this token contract) and bubbles up a revert. Lets tests check that the vault's
/// token-moving functions cannot be re-entered: without the guard on `stake`, a nested `stake`
/// inside the outer `transferFrom` would be counted twice by the balance-difference credit.
contract ReentrantToken is ERC20 {
    address private _target;
    bytes private _data;

    constructor() ERC20("Reentrant", "REE") {}

    /// @notice Mints `amount` to `to` (anyone: test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Lets `spender` move this contract's own tokens (so the hook can stake them).
    function approveFromSelf(address spender, uint256 amount) external {
        _approve(address(this), spender, amount);
    }

    /// @notice Makes the next transfer call `target` with `data` first, once.
    function arm(address target, bytes calldata data) external {
        _target = target;
        _data = data;
    }

    /// @dev Runs the armed call (once) before any transfer, then moves the balances.
    function _update(address from, address to, uint256 value) internal override {
        address target = _target;
        if (target != address(0) && from != address(0) && to != address(0)) {
            // Disarm before the call so the nested transfer does not fire the hook again.
            _target = address(0);
            bytes memory data = _data;
            delete _data;
            _call(target, data);
        }
        super._update(from, to, value);
    }

    /// @dev Calls `target` with `data` and re-throws its revert data unchanged.
    function _call(address target, bytes memory data) private {
        // A mock of a hostile token: the arbitrary call is the point.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
