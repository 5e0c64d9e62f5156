// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";

/// @title StakeVault
/// @notice See {IStakeVault}. Admin is two-step with a transfer delay
/// (`AccessControlDefaultAdminRules`); modules get `MODULE_ROLE`, the treasury `TREASURER_ROLE`.
contract StakeVault is IStakeVault, AccessControlDefaultAdminRules, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Role of contracts that may lock, unlock and slash stake.
    bytes32 public constant MODULE_ROLE = keccak256("zkmerit.MODULE_ROLE");
    /// @notice Role that may sweep slashed stake.
    bytes32 public constant TREASURER_ROLE = keccak256("zkmerit.TREASURER_ROLE");
    /// @notice Upper bound on the unbonding delay, so an admin cannot trap stake for ever.
    uint64 public constant MAX_UNBONDING_DELAY = 90 days;

    IERC20 private immutable _token;
    uint64 private _unbondingDelay;

    mapping(address account => StakeInfo) private _stakes;
    mapping(address module => mapping(address account => uint256)) private _lockedBy;
    mapping(address module => mapping(bytes32 offenceId => bool)) private _offenceSlashed;
    Totals private _totals;

    /// @param token_ The staked ERC-20.
    /// @param unbondingDelay_ Seconds between `unstake` and `withdraw`.
    /// @param admin The initial default admin (also treasurer).
    /// @param adminTransferDelay Seconds a default-admin transfer must wait.
    constructor(
        IERC20 token_,
        uint64 unbondingDelay_,
        address admin,
        uint48 adminTransferDelay
    ) AccessControlDefaultAdminRules(adminTransferDelay, admin) {
        if (address(token_) == address(0)) revert ZeroAddress("token");
        if (unbondingDelay_ > MAX_UNBONDING_DELAY) revert UnbondingDelayTooLong(unbondingDelay_, MAX_UNBONDING_DELAY);
        _token = token_;
        _unbondingDelay = unbondingDelay_;
        _grantRole(TREASURER_ROLE, admin);
        emit UnbondingDelayChanged(0, unbondingDelay_);
    }

    // ---------------------------------------------------------------- participants

    /// @inheritdoc IStakeVault
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received == 0) revert ZeroAmount();
        _stakes[msg.sender].free += received;
        _totals.free += received;
        emit Staked(msg.sender, received);
    }

    /// @inheritdoc IStakeVault
    function unstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        StakeInfo storage s = _stakes[msg.sender];
        if (s.free < amount) revert InsufficientFreeStake(msg.sender, s.free, amount);
        uint64 releaseAt = uint64(block.timestamp) + _unbondingDelay;
        // Cannot underflow: checked above. Totals hold at least each account's share.
        unchecked {
            s.free -= amount;
            _totals.free -= amount;
        }
        s.unbonding += amount;
        s.unbondingReleaseAt = releaseAt;
        _totals.unbonding += amount;
        emit UnbondingStarted(msg.sender, amount, s.unbonding, releaseAt);
    }

    /// @inheritdoc IStakeVault
    function rebond(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        StakeInfo storage s = _stakes[msg.sender];
        if (s.unbonding < amount) revert InsufficientUnbondingStake(msg.sender, s.unbonding, amount);
        // Cannot underflow: checked above.
        unchecked {
            s.unbonding -= amount;
            _totals.unbonding -= amount;
        }
        s.free += amount;
        _totals.free += amount;
        if (s.unbonding == 0) s.unbondingReleaseAt = 0;
        emit Rebonded(msg.sender, amount);
    }

    /// @inheritdoc IStakeVault
    function withdraw() external nonReentrant returns (uint256 amount) {
        StakeInfo storage s = _stakes[msg.sender];
        amount = s.unbonding;
        if (amount == 0) revert NothingUnbonding(msg.sender);
        if (block.timestamp < s.unbondingReleaseAt) {
            revert StillUnbonding(msg.sender, s.unbondingReleaseAt, uint64(block.timestamp));
        }
        s.unbonding = 0;
        s.unbondingReleaseAt = 0;
        _totals.unbonding -= amount;
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- modules

    /// @inheritdoc IStakeVault
    function lock(address account, uint256 amount) external onlyRole(MODULE_ROLE) {
        if (amount == 0) revert ZeroAmount();
        StakeInfo storage s = _stakes[account];
        if (s.free < amount) revert InsufficientFreeStake(account, s.free, amount);
        // Cannot underflow: checked above.
        unchecked {
            s.free -= amount;
            _totals.free -= amount;
        }
        s.locked += amount;
        _lockedBy[msg.sender][account] += amount;
        _totals.locked += amount;
        emit Locked(msg.sender, account, amount);
    }

    /// @inheritdoc IStakeVault
    function unlock(address account, uint256 amount) external onlyRole(MODULE_ROLE) {
        if (amount == 0) revert ZeroAmount();
        uint256 mine = _lockedBy[msg.sender][account];
        if (mine < amount) revert InsufficientLockedStake(msg.sender, account, mine, amount);
        StakeInfo storage s = _stakes[account];
        // Cannot underflow: s.locked and _totals.locked include this module's lock of `mine` >= amount.
        unchecked {
            _lockedBy[msg.sender][account] = mine - amount;
            s.locked -= amount;
            _totals.locked -= amount;
        }
        s.free += amount;
        _totals.free += amount;
        emit Unlocked(msg.sender, account, amount);
    }

    /// @inheritdoc IStakeVault
    function slash(
        address account,
        uint256 amount,
        bytes32 offenceId
    ) external onlyRole(MODULE_ROLE) returns (uint256 slashed) {
        if (amount == 0) revert ZeroAmount();
        // A module's rule may fire twice for the same misbehaviour (a retried settlement, two
        // rounds reporting one offence): the id makes the second slash revert instead of doubling it.
        if (_offenceSlashed[msg.sender][offenceId]) revert OffenceAlreadySlashed(msg.sender, offenceId);
        _offenceSlashed[msg.sender][offenceId] = true;

        StakeInfo storage s = _stakes[account];
        uint256 remaining = amount;
        // Each step takes min(remaining, bucket), so no subtraction below can underflow.
        unchecked {
            uint256 mine = _lockedBy[msg.sender][account];
            uint256 take = remaining < mine ? remaining : mine;
            if (take != 0) {
                _lockedBy[msg.sender][account] = mine - take;
                s.locked -= take;
                _totals.locked -= take;
                remaining -= take;
            }
            take = remaining < s.unbonding ? remaining : s.unbonding;
            if (take != 0) {
                s.unbonding -= take;
                _totals.unbonding -= take;
                remaining -= take;
                if (s.unbonding == 0) s.unbondingReleaseAt = 0;
            }
            take = remaining < s.free ? remaining : s.free;
            if (take != 0) {
                s.free -= take;
                _totals.free -= take;
                remaining -= take;
            }
            slashed = amount - remaining;
        }
        _totals.slashedUnswept += slashed;
        emit Slashed(msg.sender, account, offenceId, amount, slashed);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IStakeVault
    function sweepSlashed(address to) external onlyRole(TREASURER_ROLE) nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress("to");
        // Tokens sent to the vault itself would belong to no bucket and break the balance invariant.
        if (to == address(this)) revert SweepToVault();
        amount = _totals.slashedUnswept;
        if (amount == 0) revert NothingToSweep();
        _totals.slashedUnswept = 0;
        emit SlashedSwept(to, amount);
        _token.safeTransfer(to, amount);
    }

    /// @inheritdoc IStakeVault
    function releaseOrphanedLock(
        address module,
        address account
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 amount) {
        if (hasRole(MODULE_ROLE, module)) revert ModuleStillActive(module);
        amount = _lockedBy[module][account];
        if (amount == 0) revert NoOrphanedLock(module, account);
        StakeInfo storage s = _stakes[account];
        // Cannot underflow: s.locked and _totals.locked include this lock.
        unchecked {
            _lockedBy[module][account] = 0;
            s.locked -= amount;
            _totals.locked -= amount;
        }
        s.free += amount;
        _totals.free += amount;
        emit OrphanedLockReleased(module, account, amount);
    }

    /// @inheritdoc IStakeVault
    function setUnbondingDelay(uint64 newDelay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newDelay > MAX_UNBONDING_DELAY) revert UnbondingDelayTooLong(newDelay, MAX_UNBONDING_DELAY);
        uint64 old = _unbondingDelay;
        _unbondingDelay = newDelay;
        emit UnbondingDelayChanged(old, newDelay);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IStakeVault
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IStakeVault
    function unbondingDelay() external view returns (uint64) {
        return _unbondingDelay;
    }

    /// @inheritdoc IStakeVault
    function stakeOf(address account) external view returns (StakeInfo memory) {
        return _stakes[account];
    }

    /// @inheritdoc IStakeVault
    function lockedBy(address module, address account) external view returns (uint256) {
        return _lockedBy[module][account];
    }

    /// @inheritdoc IStakeVault
    function isOffenceSlashed(address module, bytes32 offenceId) external view returns (bool) {
        return _offenceSlashed[module][offenceId];
    }

    /// @inheritdoc IStakeVault
    function totals() external view returns (Totals memory) {
        return _totals;
    }
}
