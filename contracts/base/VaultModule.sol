// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStakeVault} from "../interfaces/IStakeVault.sol";
import {IVaultModule} from "../interfaces/IVaultModule.sol";

/// @title VaultModule
/// @notice Base for a module holding MODULE_ROLE on the stake vault: the vault calls a module makes
/// for its participants' stake, in one place. The module keeps what it holds per scope (a task's
/// member, a source's registration, a node's seat) in its own storage, packed with its other
/// fields, and passes it in: `_slashable` caps a slash at that amount, so a module only ever asks the
/// vault for what it locked for the scope of the offence. The vault enforces the rest: a module
/// locks free stake only, unlocks and slashes only its own locks (and its unbonding buckets), and
/// slashes at most once per offence id.
abstract contract VaultModule is IVaultModule {
    IStakeVault private immutable _vault;

    /// @param vault_ The stake vault; this contract needs its MODULE_ROLE before it can lock stake.
    constructor(IStakeVault vault_) {
        if (address(vault_).code.length == 0) revert NotAContract("vault", address(vault_));
        _vault = vault_;
    }

    /// @inheritdoc IVaultModule
    function stakeVault() external view returns (address) {
        return address(_vault);
    }

    /// @dev Locks `amount` of `account`'s free stake for this module. Reverts with the vault's error
    /// (InsufficientFreeStake; AccessControlUnauthorizedAccount without MODULE_ROLE).
    function _lockStake(address account, uint256 amount) internal {
        _vault.lock(account, amount);
    }

    /// @dev Unlocks `amount` of what this module locked for `account` into the vault's unbonding
    /// bucket of this module for `account` (still slashable by this module for the unbonding delay).
    /// Nothing to unlock is a no-op: the vault rejects a zero unlock, and a participant slashed down
    /// to nothing must still be able to leave.
    function _unlockStake(address account, uint256 amount) internal {
        if (amount != 0) _vault.unlock(account, amount);
    }

    /// @dev Slashes `amount` of `account`'s stake under `offenceId` through the vault. Returns false
    /// if the vault refused (this module lost MODULE_ROLE, the offence was already slashed), so the
    /// module can report it and still resolve the round: a refused slash must never block one.
    /// @param amount What to take, at most what the module holds for the offence's scope
    /// (`_slashable`): the vault takes from the module's lock first, so exactly `amount` is taken.
    function _trySlash(address account, uint256 amount, bytes32 offenceId) internal returns (bool slashed) {
        try _vault.slash(account, amount, offenceId) {
            return true;
        } catch {
            return false;
        }
    }

    /// @dev What a slash of `amount` takes when the module holds `held` for the offence's scope:
    /// min(amount, held).
    function _slashable(uint256 amount, uint256 held) internal pure returns (uint256) {
        return amount < held ? amount : held;
    }

    /// @dev The offence id of participant `index` in `round` of `scope`: keccak256(abi.encode(scope,
    /// round, index)). A module has at most one offence per participant and round in a scope, so each
    /// is slashed at most once (the vault keys its once-only check by module and id).
    function _offenceId(uint256 scope, uint256 round, uint256 index) internal pure returns (bytes32) {
        return keccak256(abi.encode(scope, round, index));
    }
}
