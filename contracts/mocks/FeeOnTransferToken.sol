// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken
/// @notice Test-only ERC-20 that burns a share of every transfer, 1% unless changed (mints and burns
/// are exempt), so the recipient gets less than the amount sent. Lets tests check that the vault
/// credits only what arrived.
contract FeeOnTransferToken is ERC20 {
    /// @notice Share of each transfer that is burnt, in basis points.
    uint256 public feeBps = 100;

    /// @notice A fee above 100% (10,000 basis points) was requested.
    error FeeTooHigh(uint256 bps);

    constructor() ERC20("Fee On Transfer", "FOT") {}

    /// @notice Sets the burnt share to `bps` basis points, at most 10,000 (anyone: test token).
    function setFeeBps(uint256 bps) external {
        if (bps > 10_000) revert FeeTooHigh(bps);
        feeBps = bps;
    }

    /// @notice Mints `amount` to `to` (anyone: test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Splits a transfer into a burn of `feeBps` (rounded down) and a transfer of the rest.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * feeBps) / 10_000;
        if (fee != 0) super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
