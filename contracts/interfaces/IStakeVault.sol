// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IStakeVault
/// @notice One ERC-20 stake per participant, shared by every zkmerit module.
///
/// Stake is in one of four places:
/// - `free`: the account's to unstake, and the only stake a module can lock. Never slashable.
/// - `locked` by a module (for a task, a source registration, a swarm seat): slashable by that module only.
/// - a module's unbonding bucket: what a module unlocked for the account, held for the unbonding delay
///   so an offence found just after the unlock can still be punished. Slashable by that module only;
///   once its release time has passed it is the account's free stake.
/// - `unbonding` (account-initiated by `unstake`): on its way out. Never slashable.
///
/// Modules hold `MODULE_ROLE`, which is granted only through a delayed schedule
/// (`scheduleModuleGrant`, then `grantModule` once `moduleGrantDelay` has passed), so every staker
/// sees a new module coming and can unstake free stake before it could lock it. Each slash carries
/// an offence id and happens once per (module, offence id). Slashed tokens stay in the vault until
/// swept by the treasurer.
///
/// Invariant: token balance == total free + total locked + total unbonding + total module unbonding
/// + slashed-not-swept.
interface IStakeVault {
    /// @notice A participant's stake, as it stands now.
    /// @dev `free` includes module unbonding buckets whose release time has passed but which no
    /// transaction has moved yet: the account's next action (or `releaseUnlocked`) moves them first,
    /// so that is what the account can use. `moduleUnbonding` counts only buckets not yet released.
    struct StakeInfo {
        uint256 free;
        uint256 locked;
        uint256 unbonding;
        uint64 unbondingReleaseAt;
        uint256 moduleUnbonding;
    }

    /// @notice Vault-wide totals (their sum equals the token balance).
    /// @dev Totals count stored state: a released bucket stays in `moduleUnbonding` until it is moved.
    struct Totals {
        uint256 free;
        uint256 locked;
        uint256 unbonding;
        uint256 moduleUnbonding;
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
    /// @notice The module grant delay `delay` exceeds the maximum `max`.
    error ModuleGrantDelayTooLong(uint64 delay, uint64 max);
    /// @notice Nothing slashed is waiting to be swept.
    error NothingToSweep();
    /// @notice Slashed stake cannot be swept to the vault itself (it would sit there uncounted).
    error SweepToVault();
    /// @notice `module` still holds MODULE_ROLE, so its locks are its own to release.
    error ModuleStillActive(address module);
    /// @notice `module` holds no lock on `account`'s stake.
    error NoOrphanedLock(address module, address account);
    /// @notice `module` has no unbonding bucket for `account`.
    error NoUnlockedStake(address module, address account);
    /// @notice `module`'s unbonding bucket for `account` is released at `releaseAt`; it is `now`.
    error UnlockedStakeNotReleased(address module, address account, uint64 releaseAt, uint64 now);
    /// @notice MODULE_ROLE cannot be granted directly: use `scheduleModuleGrant` then `grantModule`.
    error ModuleGrantMustBeScheduled(address module);
    /// @notice `module` already has a grant scheduled, ready at `readyAt`.
    error ModuleGrantAlreadyScheduled(address module, uint64 readyAt);
    /// @notice No grant of MODULE_ROLE to `module` is scheduled.
    error ModuleGrantNotScheduled(address module);
    /// @notice The grant to `module` is ready at `readyAt`; it is `now`.
    error ModuleGrantNotReady(address module, uint64 readyAt, uint64 now);
    /// @notice `module` already holds MODULE_ROLE.
    error ModuleAlreadyGranted(address module);

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
    /// @notice `module` unlocked `amount` of `account`'s stake into its unbonding bucket for `account`
    /// (see `unlockedBy` for the bucket's amount and release time).
    event Unlocked(address indexed module, address indexed account, uint256 amount);
    /// @notice `module`'s unbonding bucket for `account` (`amount`) was released to free stake.
    event UnlockedReleased(address indexed module, address indexed account, uint256 amount);
    /// @notice `module` slashed `account` for `offenceId`: `requested` asked, `slashed` taken
    /// (from the module's lock first, then its unbonding bucket for the account).
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
    /// @notice The module grant delay was set (only at deployment; it cannot change).
    event ModuleGrantDelaySet(uint64 delay);
    /// @notice The admin scheduled granting MODULE_ROLE to `module`; `grantModule` works from `readyAt`.
    event ModuleGrantScheduled(address indexed module, uint64 readyAt);
    /// @notice The admin cancelled the grant to `module` that was ready at `readyAt`.
    event ModuleGrantCancelled(address indexed module, uint64 readyAt);

    // ---------------------------------------------------------------- participants

    /// @notice Deposits `amount` tokens as free stake (needs an allowance). Credits what the vault
    /// actually received, so a fee-on-transfer token cannot break the balance invariant.
    /// Like every call on an account, first moves its released module unbonding buckets to free.
    function stake(uint256 amount) external;

    /// @notice Starts unbonding `amount` of free stake. The release time of all the caller's
    /// unbonding stake moves to now + unbonding delay. Unbonding stake cannot be locked or slashed.
    function unstake(uint256 amount) external;

    /// @notice Moves `amount` of unbonding stake back to free stake.
    function rebond(uint256 amount) external;

    /// @notice Withdraws all released unbonding stake.
    function withdraw() external returns (uint256 amount);

    /// @notice Moves `module`'s unbonding bucket for `account` to `account`'s free stake (anyone may
    /// call), once its release time has passed or `module` no longer holds MODULE_ROLE (a revoked
    /// module cannot slash, so holding its buckets back protects nobody).
    /// @return amount The amount moved.
    function releaseUnlocked(address module, address account) external returns (uint256 amount);

    // ---------------------------------------------------------------- modules

    /// @notice Locks `amount` of `account`'s free stake for the calling module.
    function lock(address account, uint256 amount) external;

    /// @notice Unlocks `amount` of the stake the calling module locked for `account` into the
    /// module's unbonding bucket for `account`, released at now + unbonding delay (a bucket still
    /// unbonding is merged and keeps the later release time; a released one is moved to free first).
    function unlock(address account, uint256 amount) external;

    /// @notice Slashes up to `amount` of `account`'s stake for `offenceId` (once per module and id):
    /// from what the calling module locked, then from its unbonding bucket for `account` while that
    /// is not released. Free stake, other modules' locks and buckets, and the account's own
    /// unbonding stake are out of reach.
    /// @return slashed The amount actually taken: min(amount, lock + unreleased bucket).
    function slash(address account, uint256 amount, bytes32 offenceId) external returns (uint256 slashed);

    // ---------------------------------------------------------------- admin

    /// @notice Schedules granting MODULE_ROLE to `module` (admin only). `grantModule` works from
    /// now + `moduleGrantDelay`, or at once if the vault holds no stake at all when scheduling
    /// (nobody to protect; a later staker sees the schedule and its ready time).
    function scheduleModuleGrant(address module) external;

    /// @notice Cancels the scheduled grant to `module` (admin only).
    function cancelModuleGrant(address module) external;

    /// @notice Grants MODULE_ROLE to `module` once its schedule is ready (anyone may call: it only
    /// carries out what the admin published and could cancel until now).
    function grantModule(address module) external;

    /// @notice Sends all slashed-not-swept tokens to `to` (treasurer only).
    function sweepSlashed(address to) external returns (uint256 amount);

    /// @notice Unlocks back to free stake what `module` locked for `account`, once `module` has lost
    /// MODULE_ROLE (admin only): a retired or revoked module can no longer strand anyone's stake.
    /// Its unbonding buckets need no admin: anyone can release them with `releaseUnlocked`.
    function releaseOrphanedLock(address module, address account) external returns (uint256 amount);

    /// @notice Sets the unbonding delay (admin only), at most `MAX_UNBONDING_DELAY`. Buckets and
    /// unbonding stake already waiting keep their release times.
    function setUnbondingDelay(uint64 newDelay) external;

    // ---------------------------------------------------------------- views

    /// @notice The staked token.
    function token() external view returns (address);

    /// @notice The current unbonding delay in seconds.
    function unbondingDelay() external view returns (uint64);

    /// @notice Seconds between `scheduleModuleGrant` and `grantModule` (fixed at deployment).
    function moduleGrantDelay() external view returns (uint64);

    /// @notice When the scheduled grant to `module` becomes executable (0 if none is scheduled).
    function moduleGrantReadyAt(address module) external view returns (uint64);

    /// @notice `account`'s stake (see {StakeInfo} for how released buckets are counted).
    function stakeOf(address account) external view returns (StakeInfo memory);

    /// @notice How much of `account`'s stake `module` has locked.
    function lockedBy(address module, address account) external view returns (uint256);

    /// @notice `module`'s unbonding bucket for `account`: its amount and release time (zeros if none).
    /// A bucket is released (free, unslashable) from `releaseAt` on, or as soon as `module` loses
    /// MODULE_ROLE, even before a transaction moves it.
    function unlockedBy(address module, address account) external view returns (uint256 amount, uint64 releaseAt);

    /// @notice Whether `module` already slashed for `offenceId`.
    function isOffenceSlashed(address module, bytes32 offenceId) external view returns (bool);

    /// @notice Vault-wide totals.
    function totals() external view returns (Totals memory);
}
