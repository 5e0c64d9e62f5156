// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VaultModule} from "../base/VaultModule.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";

/// @title VaultModuleHarness
/// @notice Test harness: a module on the stake vault that keeps, like a real one, what it holds
/// per scope and account, and slashes through VaultModule's helpers.
contract VaultModuleHarness is VaultModule {
    mapping(uint256 scope => mapping(address account => uint256)) private _held;

    /// @notice `account` was slashed `amount` in `scope` under `offenceId`.
    event Penalized(uint256 indexed scope, address indexed account, bytes32 offenceId, uint256 amount);
    /// @notice The vault refused to slash `account` under `offenceId`.
    event SlashRefused(uint256 indexed scope, address indexed account, bytes32 offenceId);

    constructor(IStakeVault vault) VaultModule(vault) {}

    /// @notice Locks `amount` of `account`'s free stake for `scope`.
    function lock(uint256 scope, address account, uint256 amount) external {
        _held[scope][account] += amount;
        _lockStake(account, amount);
    }

    /// @notice Unlocks what `scope` holds of `account`'s stake (nothing is a no-op).
    function release(uint256 scope, address account) external {
        uint256 amount = _held[scope][account];
        _held[scope][account] = 0;
        _unlockStake(account, amount);
    }

    /// @notice Slashes up to `amount` of what `scope` holds of `account` for its offence in `round` as `index`.
    function penalize(uint256 scope, uint256 round, uint256 index, address account, uint256 amount) external {
        uint256 holds = _held[scope][account];
        uint256 take = _slashable(amount, holds);
        if (take == 0) return;
        bytes32 id = _offenceId(scope, round, index);
        if (_trySlash(account, take, id)) {
            _held[scope][account] = holds - take;
            emit Penalized(scope, account, id, take);
        } else {
            emit SlashRefused(scope, account, id);
        }
    }

    /// @notice What `scope` holds of `account`'s stake.
    function held(uint256 scope, address account) external view returns (uint256) {
        return _held[scope][account];
    }

    /// @notice The offence id of `index` in `round` of `scope`.
    function offenceId(uint256 scope, uint256 round, uint256 index) external pure returns (bytes32) {
        return _offenceId(scope, round, index);
    }
}
