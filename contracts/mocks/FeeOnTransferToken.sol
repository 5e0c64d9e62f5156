// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken
/// @notice Test-only ERC-20 that burns 1% of every transfer (mints and burns are exempt), so the
/// recipient gets less than the amount sent. Lets tests check that the vault credits only what arrived.
contract FeeOnTransferToken is ERC20 {
    /// @notice Share of each transfer that is burnt, in basis points.
    uint256 public constant FEE_BPS = 100;

    constructor() ERC20("Fee On Transfer", "FOT") {}

    /// @notice Mints `amount` to `to` (anyone: test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Splits a transfer into a burn of 1% (rounded down) and a transfer of the rest.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * FEE_BPS) / 10_000;
        if (fee != 0) super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
