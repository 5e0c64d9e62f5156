// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable2Step, Ownable} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title TestToken
/// @notice An ERC-20 for local chains and testnets: the owner mints, and anyone may take a small
/// amount from the faucet so scripts can fund trainers, sources and nodes without a bridge.
contract TestToken is ERC20, Ownable2Step {
    /// @notice Most a single faucet call hands out.
    uint256 public constant FAUCET_MAX = 10_000 ether;

    /// @notice More than `FAUCET_MAX` was requested from the faucet.
    error FaucetAmountTooLarge(uint256 requested, uint256 max);

    constructor(string memory name_, string memory symbol_, address owner_) ERC20(name_, symbol_) Ownable(owner_) {}

    /// @notice Mints `amount` to `to` (owner only).
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Mints up to `FAUCET_MAX` to the caller. Test networks only: this token has no value.
    function faucet(uint256 amount) external {
        if (amount > FAUCET_MAX) revert FaucetAmountTooLarge(amount, FAUCET_MAX);
        _mint(msg.sender, amount);
    }
}
