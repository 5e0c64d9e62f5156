// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkMeritErrors} from "./IZkMeritErrors.sol";

/// @title IVaultModule
/// @notice A module that holds MODULE_ROLE on the stake vault (contracts/base/VaultModule.sol):
/// it locks a participant's free stake for one of its scopes (a task, a registration, a seat),
/// unlocks it into the vault's unbonding for this module, and slashes only what it holds, at most
/// once per offence id (the vault enforces both). Offence ids are keccak256(abi.encode(scope,
/// round, index)), so one participant's offence in one round of one scope is slashed once.
interface IVaultModule is IZkMeritErrors {
    /// @notice The stake vault participants lock stake in (this contract holds its MODULE_ROLE).
    function stakeVault() external view returns (address);
}
