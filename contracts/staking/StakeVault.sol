// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";

/// @title StakeVault
/// @notice See {IStakeVault}. Admin is two-step with a transfer delay
/// (`AccessControlDefaultAdminRules`); modules get `MODULE_ROLE` through a delayed schedule only,
/// the treasury `TREASURER_ROLE`.
contract StakeVault is IStakeVault, AccessControlDefaultAdminRules, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Role of contracts that may lock, unlock and slash stake.
    bytes32 public constant MODULE_ROLE = keccak256("zkmerit.MODULE_ROLE");
    /// @notice Role that may sweep slashed stake.
    bytes32 public constant TREASURER_ROLE = keccak256("zkmerit.TREASURER_ROLE");
    /// @notice Upper bound on the unbonding delay, so an admin cannot trap stake for ever.
    uint64 public constant MAX_UNBONDING_DELAY = 90 days;
    /// @notice Upper bound on the module grant delay, so a deployment cannot make itself unable to add modules.
    uint64 public constant MAX_MODULE_GRANT_DELAY = 30 days;

    /// @dev What one module unlocked for one account and may still slash until `releaseAt`.
    struct Bucket {
        uint256 amount;
        uint64 releaseAt;
    }

    IERC20 private immutable _token;
    uint64 private immutable _moduleGrantDelay;
    uint64 private _unbondingDelay;

    /// @dev `moduleUnbonding` holds the sum of the account's buckets (released or not).
    mapping(address account => StakeInfo) private _stakes;
    mapping(address module => mapping(address account => uint256)) private _lockedBy;
    mapping(address module => mapping(address account => Bucket)) private _buckets;
    /// @dev The modules with a non-empty bucket for the account: walked to release due buckets.
    /// At most one entry per module that unlocked for the account within the unbonding delay.
    mapping(address account => EnumerableSet.AddressSet) private _bucketModules;
    mapping(address module => mapping(bytes32 offenceId => bool)) private _offenceSlashed;
    mapping(address module => uint64 readyAt) private _grantReadyAt;
    Totals private _totals;

    /// @param token_ The staked ERC-20.
    /// @param unbondingDelay_ Seconds between `unstake` and `withdraw`, and that unlocked stake stays slashable.
    /// @param admin The initial default admin (also treasurer).
    /// @param adminTransferDelay Seconds a default-admin transfer must wait.
    /// @param moduleGrantDelay_ Seconds between scheduling and granting MODULE_ROLE, at most
    /// `MAX_MODULE_GRANT_DELAY`. It need not cover the unbonding delay: a staker only has to
    /// `unstake` (unbonding stake cannot be locked or slashed) before the grant, not withdraw.
    constructor(
        IERC20 token_,
        uint64 unbondingDelay_,
        address admin,
        uint48 adminTransferDelay,
        uint64 moduleGrantDelay_
    ) AccessControlDefaultAdminRules(adminTransferDelay, admin) {
        if (address(token_) == address(0)) revert ZeroAddress("token");
        if (unbondingDelay_ > MAX_UNBONDING_DELAY) revert UnbondingDelayTooLong(unbondingDelay_, MAX_UNBONDING_DELAY);
        if (moduleGrantDelay_ > MAX_MODULE_GRANT_DELAY) {
            revert ModuleGrantDelayTooLong(moduleGrantDelay_, MAX_MODULE_GRANT_DELAY);
        }
        _token = token_;
        _unbondingDelay = unbondingDelay_;
        _moduleGrantDelay = moduleGrantDelay_;
        _grantRole(TREASURER_ROLE, admin);
        emit UnbondingDelayChanged(0, unbondingDelay_);
        emit ModuleGrantDelaySet(moduleGrantDelay_);
    }

    // ---------------------------------------------------------------- participants

    /// @inheritdoc IStakeVault
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _releaseDue(msg.sender);
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
        _releaseDue(msg.sender);
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
        _releaseDue(msg.sender);
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
        _releaseDue(msg.sender);
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

    /// @inheritdoc IStakeVault
    function releaseUnlocked(address module, address account) external returns (uint256 amount) {
        Bucket storage b = _buckets[module][account];
        if (b.amount == 0) revert NoUnlockedStake(module, account);
        if (!_isReleased(module, b.releaseAt)) {
            revert UnlockedStakeNotReleased(module, account, b.releaseAt, uint64(block.timestamp));
        }
        amount = _releaseBucket(module, account);
    }

    // ---------------------------------------------------------------- modules

    /// @inheritdoc IStakeVault
    function lock(address account, uint256 amount) external onlyRole(MODULE_ROLE) {
        if (amount == 0) revert ZeroAmount();
        // Released buckets are free stake already (stakeOf says so); make them lockable.
        _releaseDue(account);
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
        // Moves this module's own bucket to free if it is released, so merging below never
        // makes released (free) stake slashable again.
        _releaseDue(account);
        uint256 mine = _lockedBy[msg.sender][account];
        if (mine < amount) revert InsufficientLockedStake(msg.sender, account, mine, amount);
        StakeInfo storage s = _stakes[account];
        // Cannot underflow: s.locked and _totals.locked include this module's lock of `mine` >= amount.
        unchecked {
            _lockedBy[msg.sender][account] = mine - amount;
            s.locked -= amount;
            _totals.locked -= amount;
        }
        Bucket storage b = _buckets[msg.sender][account];
        uint64 releaseAt = uint64(block.timestamp) + _unbondingDelay;
        // A bucket still unbonding keeps the later release time (the delay may have been lowered since).
        if (b.releaseAt > releaseAt) releaseAt = b.releaseAt;
        if (b.amount == 0) _bucketModules[account].add(msg.sender);
        b.amount += amount;
        b.releaseAt = releaseAt;
        s.moduleUnbonding += amount;
        _totals.moduleUnbonding += amount;
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
        // After this the caller's bucket, if any, is not released (the caller holds MODULE_ROLE,
        // so only time releases it): a released bucket is free stake and must stay out of reach.
        _releaseDue(account);

        StakeInfo storage s = _stakes[account];
        uint256 remaining = amount;
        // Each step takes min(remaining, source), and every account and vault total includes the
        // source, so no subtraction below can underflow.
        unchecked {
            uint256 mine = _lockedBy[msg.sender][account];
            uint256 take = remaining < mine ? remaining : mine;
            if (take != 0) {
                _lockedBy[msg.sender][account] = mine - take;
                s.locked -= take;
                _totals.locked -= take;
                remaining -= take;
            }
            Bucket storage b = _buckets[msg.sender][account];
            uint256 bucket = b.amount;
            take = remaining < bucket ? remaining : bucket;
            if (take != 0) {
                if (take == bucket) {
                    delete _buckets[msg.sender][account];
                    _bucketModules[account].remove(msg.sender);
                } else {
                    b.amount = bucket - take;
                }
                s.moduleUnbonding -= take;
                _totals.moduleUnbonding -= take;
                remaining -= take;
            }
            slashed = amount - remaining;
        }
        _totals.slashedUnswept += slashed;
        emit Slashed(msg.sender, account, offenceId, amount, slashed);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IStakeVault
    function scheduleModuleGrant(address module) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (module == address(0)) revert ZeroAddress("module");
        if (hasRole(MODULE_ROLE, module)) revert ModuleAlreadyGranted(module);
        uint64 scheduled = _grantReadyAt[module];
        if (scheduled != 0) revert ModuleGrantAlreadyScheduled(module, scheduled);
        // While the vault holds no stake there is nobody for the delay to protect (a deployment
        // grants its first modules this way); anyone staking later sees this ready schedule.
        uint64 readyAt = uint64(block.timestamp);
        if (!_holdsNoStake()) readyAt += _moduleGrantDelay;
        _grantReadyAt[module] = readyAt;
        emit ModuleGrantScheduled(module, readyAt);
    }

    /// @inheritdoc IStakeVault
    function cancelModuleGrant(address module) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint64 readyAt = _grantReadyAt[module];
        if (readyAt == 0) revert ModuleGrantNotScheduled(module);
        delete _grantReadyAt[module];
        emit ModuleGrantCancelled(module, readyAt);
    }

    /// @inheritdoc IStakeVault
    function grantModule(address module) external {
        uint64 readyAt = _grantReadyAt[module];
        if (readyAt == 0) revert ModuleGrantNotScheduled(module);
        if (block.timestamp < readyAt) revert ModuleGrantNotReady(module, readyAt, uint64(block.timestamp));
        delete _grantReadyAt[module];
        _grantRole(MODULE_ROLE, module);
    }

    /// @notice Grants `role` to `account` (role admin only); MODULE_ROLE goes through
    /// `scheduleModuleGrant` and `grantModule` instead, so a new module is always announced first.
    function grantRole(bytes32 role, address account) public override {
        if (role == MODULE_ROLE) revert ModuleGrantMustBeScheduled(account);
        super.grantRole(role, account);
    }

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
    function moduleGrantDelay() external view returns (uint64) {
        return _moduleGrantDelay;
    }

    /// @inheritdoc IStakeVault
    function moduleGrantReadyAt(address module) external view returns (uint64) {
        return _grantReadyAt[module];
    }

    /// @inheritdoc IStakeVault
    function stakeOf(address account) external view returns (StakeInfo memory info) {
        info = _stakes[account];
        EnumerableSet.AddressSet storage set = _bucketModules[account];
        uint256 n = set.length();
        for (uint256 i = 0; i < n; ++i) {
            address module = set.at(i);
            Bucket storage b = _buckets[module][account];
            if (_isReleased(module, b.releaseAt)) {
                // Cannot underflow: info.moduleUnbonding is the sum of the account's buckets.
                unchecked {
                    info.moduleUnbonding -= b.amount;
                }
                info.free += b.amount;
            }
        }
    }

    /// @inheritdoc IStakeVault
    function lockedBy(address module, address account) external view returns (uint256) {
        return _lockedBy[module][account];
    }

    /// @inheritdoc IStakeVault
    function unlockedBy(address module, address account) external view returns (uint256 amount, uint64 releaseAt) {
        Bucket storage b = _buckets[module][account];
        return (b.amount, b.releaseAt);
    }

    /// @inheritdoc IStakeVault
    function isOffenceSlashed(address module, bytes32 offenceId) external view returns (bool) {
        return _offenceSlashed[module][offenceId];
    }

    /// @inheritdoc IStakeVault
    function totals() external view returns (Totals memory) {
        return _totals;
    }

    // ---------------------------------------------------------------- internal

    /// @dev A bucket is released once its time has come, or once its module lost MODULE_ROLE
    /// (a module that cannot slash gains nothing from holding stake back).
    function _isReleased(address module, uint64 releaseAt) private view returns (bool) {
        return block.timestamp >= releaseAt || !hasRole(MODULE_ROLE, module);
    }

    /// @dev Whether the vault holds no stake at all (slashed tokens are the treasury's, not stake).
    function _holdsNoStake() private view returns (bool) {
        Totals storage t = _totals;
        return t.free == 0 && t.locked == 0 && t.unbonding == 0 && t.moduleUnbonding == 0;
    }

    /// @dev Moves every released bucket of `account` to its free stake. Walks the set backwards:
    /// `remove` moves the last entry into the removed slot, and that entry was already looked at.
    function _releaseDue(address account) private {
        EnumerableSet.AddressSet storage set = _bucketModules[account];
        for (uint256 i = set.length(); i != 0;) {
            // Cannot underflow: the loop runs only while i != 0.
            unchecked {
                --i;
            }
            address module = set.at(i);
            if (_isReleased(module, _buckets[module][account].releaseAt)) _releaseBucket(module, account);
        }
    }

    /// @dev Moves `module`'s bucket for `account` to the account's free stake.
    function _releaseBucket(address module, address account) private returns (uint256 amount) {
        amount = _buckets[module][account].amount;
        delete _buckets[module][account];
        _bucketModules[account].remove(module);
        StakeInfo storage s = _stakes[account];
        // Cannot underflow: the account's and the vault's module unbonding include this bucket.
        unchecked {
            s.moduleUnbonding -= amount;
            _totals.moduleUnbonding -= amount;
        }
        s.free += amount;
        _totals.free += amount;
        emit UnlockedReleased(module, account, amount);
    }
}
