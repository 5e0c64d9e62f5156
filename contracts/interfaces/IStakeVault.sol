// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IStakeVault
/// @notice One ERC-20 stake per participant, shared by every zkmerit module.
/// Stake is `free` (withdrawable after unbonding), `locked` by a module (for a task, a source
/// registration, a swarm seat) or `unbonding` (on its way out, still slashable). Modules holding
/// `MODULE_ROLE` lock, unlock and slash; each slash carries an offence id and happens once per
/// (module, offence id). Slashed tokens stay in the vault until swept by the treasurer.
/// Invariant: token balance == total free + total locked + total unbonding + slashed-not-swept.
interface IStakeVault {
    /// @notice A participant's stake.
    struct StakeInfo {
        uint256 free;
        uint256 locked;
        uint256 unbonding;
        uint64 unbondingReleaseAt;
    }

    /// @notice Vault-wide totals (their sum plus `slashedUnswept` equals the token balance).
    struct Totals {
        uint256 free;
        uint256 locked;
        uint256 unbonding;
        uint256 slashedUnswept;
    }

    // ---------------------------------------------------------------- errors

    /// @notice An amount of zero was given where a positive amount is required.
    error ZeroAmount();
    /// @notice The zero address was given for `what`.
    error ZeroAddress(string what);
    /// @notice `account` has `available` free stake, fewer than the `requested` amount.
    error InsufficientFreeStake(address account, uint256 available, uint256 requested);
    /// @notice `module` has locked only `available` of `account`'s stake, fewer than `requested`.
    error InsufficientLockedStake(address module, address account, uint256 available, uint256 requested);
    /// @notice `account` has `available` unbonding stake, fewer than `requested`.
    error InsufficientUnbondingStake(address account, uint256 available, uint256 requested);
    /// @notice `account` has nothing unbonding.
    error NothingUnbonding(address account);
    /// @notice `account`'s unbonding stake is released at `releaseAt`; it is `now`.
    error StillUnbonding(address account, uint64 releaseAt, uint64 now);
    /// @notice `module` already slashed for `offenceId`.
    error OffenceAlreadySlashed(address module, bytes32 offenceId);
    /// @notice The unbonding delay `delay` exceeds the maximum `max`.
    error UnbondingDelayTooLong(uint64 delay, uint64 max);
    /// @notice Nothing slashed is waiting to be swept.
    error NothingToSweep();
    /// @notice Slashed stake cannot be swept to the vault itself (it would sit there uncounted).
    error SweepToVault();
    /// @notice `module` still holds MODULE_ROLE, so its locks are its own to release.
    error ModuleStillActive(address module);
    /// @notice `module` holds no lock on `account`'s stake.
    error NoOrphanedLock(address module, address account);

    // ---------------------------------------------------------------- events

    /// @notice `account` deposited `amount` as free stake.
    event Staked(address indexed account, uint256 amount);
    /// @notice `account` moved `amount` from free to unbonding; all its unbonding stake is released at `releaseAt`.
    event UnbondingStarted(address indexed account, uint256 amount, uint256 totalUnbonding, uint64 releaseAt);
    /// @notice `account` moved `amount` from unbonding back to free.
    event Rebonded(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount` of released unbonding stake.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice `module` locked `amount` of `account`'s free stake.
    event Locked(address indexed module, address indexed account, uint256 amount);
    /// @notice `module` unlocked `amount` of `account`'s stake back to free.
    event Unlocked(address indexed module, address indexed account, uint256 amount);
    /// @notice `module` slashed `account` for `offenceId`: `requested` asked, `slashed` taken
    /// (from the module's lock first, then unbonding, then free stake).
    event Slashed(
        address indexed module,
        address indexed account,
        bytes32 indexed offenceId,
        uint256 requested,
        uint256 slashed
    );
    /// @notice `amount` of slashed stake was sent to `to`.
    event SlashedSwept(address indexed to, uint256 amount);
    /// @notice The admin released `amount` that a module no longer holding MODULE_ROLE had locked for `account`.
    event OrphanedLockReleased(address indexed module, address indexed account, uint256 amount);
    /// @notice The unbonding delay changed.
    event UnbondingDelayChanged(uint64 oldDelay, uint64 newDelay);

    // ---------------------------------------------------------------- participants

    /// @notice Deposits `amount` tokens as free stake (needs an allowance). Credits what the vault
    /// actually received, so a fee-on-transfer token cannot break the balance invariant.
    function stake(uint256 amount) external;

    /// @notice Starts unbonding `amount` of free stake. The release time of all the caller's
    /// unbonding stake moves to now + unbonding delay. Unbonding stake stays slashable.
    function unstake(uint256 amount) external;

    /// @notice Moves `amount` of unbonding stake back to free stake.
    function rebond(uint256 amount) external;

    /// @notice Withdraws all released unbonding stake.
    function withdraw() external returns (uint256 amount);

    // ---------------------------------------------------------------- modules

    /// @notice Locks `amount` of `account`'s free stake for the calling module.
    function lock(address account, uint256 amount) external;

    /// @notice Unlocks `amount` of the stake the calling module locked for `account`.
    function unlock(address account, uint256 amount) external;

    /// @notice Slashes up to `amount` of `account`'s stake for `offenceId` (once per module and id):
    /// from what the calling module locked, then unbonding, then free stake.
    /// @return slashed The amount actually taken (less than `amount` if the account holds less).
    function slash(address account, uint256 amount, bytes32 offenceId) external returns (uint256 slashed);

    // ---------------------------------------------------------------- admin

    /// @notice Sends all slashed-not-swept tokens to `to` (treasurer only).
    function sweepSlashed(address to) external returns (uint256 amount);

    /// @notice Unlocks back to free stake what `module` locked for `account`, once `module` has lost
    /// MODULE_ROLE (admin only): a retired or revoked module can no longer strand anyone's stake.
    function releaseOrphanedLock(address module, address account) external returns (uint256 amount);

    /// @notice Sets the unbonding delay (admin only), at most `MAX_UNBONDING_DELAY`.
    function setUnbondingDelay(uint64 newDelay) external;

    // ---------------------------------------------------------------- views

    /// @notice The staked token.
    function token() external view returns (address);

    /// @notice The current unbonding delay in seconds.
    function unbondingDelay() external view returns (uint64);

    /// @notice `account`'s stake.
    function stakeOf(address account) external view returns (StakeInfo memory);

    /// @notice How much of `account`'s stake `module` has locked.
    function lockedBy(address module, address account) external view returns (uint256);

    /// @notice Whether `module` already slashed for `offenceId`.
    function isOffenceSlashed(address module, bytes32 offenceId) external view returns (bool);

    /// @notice Vault-wide totals.
    function totals() external view returns (Totals memory);
}
