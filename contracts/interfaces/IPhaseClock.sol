// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IPhaseClock
/// @notice The timing every round-based module shares (contracts/base/PhaseClock.sol): a round
/// runs phases back to back (module 1: commit, reveal, settlement, then a challenge window after
/// each proposal; module 3: commit, reveal, settle), each window 1..MAX_WINDOW seconds; a schedule
/// opens at most MAX_START_DELAY after its creation and lasts at most the module's cap. A call made
/// outside its phase reverts with OutsidePhase naming the phase, its window and the time.
/// The errors keep the names of module 1, where they were first declared: `taskId` is the id of
/// whatever the module schedules (a task, an epoch series, a run of ranking rounds).
interface IPhaseClock {
    /// @notice startTime is in the past or later than `latest`.
    error InvalidStartTime(uint256 startTime, uint256 now, uint256 latest);
    /// @notice A phase window (named by `which`) is 0 or above `max`.
    error InvalidWindow(string which, uint256 window, uint256 max);
    /// @notice The schedule (numRounds rounds of the chosen windows) would last `duration` seconds, above `max`.
    error TaskTooLong(uint256 duration, uint256 max);
    /// @notice `round` is not the current round of `taskId`.
    error WrongRound(uint256 taskId, uint64 round, uint64 currentRound);
    /// @notice The call is only allowed in a phase of the round that is not now: `phase` is open
    /// in [opensAt, closesAt).
    error OutsidePhase(uint256 taskId, uint64 round, string phase, uint64 opensAt, uint64 closesAt, uint64 now);

    /// @notice Longest phase window, in seconds.
    function MAX_WINDOW() external view returns (uint256);

    /// @notice Latest a schedule may open after its creation, in seconds.
    function MAX_START_DELAY() external view returns (uint256);
}
