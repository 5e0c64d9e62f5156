// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPhaseClock} from "../interfaces/IPhaseClock.sol";

/// @title PhaseClock
/// @notice Base for round-based modules: a round opens at a start time and runs its phases back to
/// back (module 1: commit, reveal, settlement; module 3: commit, reveal, settle), each lasting a
/// window of 1..MAX_WINDOW seconds. It validates a schedule when it is created (each window, the
/// start time, the total duration against the module's cap, `_maxDuration`), says which phase a
/// timestamp is in, and checks deadlines with the shared errors of {IPhaseClock}, which carry the
/// offending values. What moves a round on (a proposal, a challenge, an expiry) is the module's.
abstract contract PhaseClock is IPhaseClock {
    /// @inheritdoc IPhaseClock
    uint256 public constant MAX_WINDOW = 30 days;
    /// @inheritdoc IPhaseClock
    uint256 public constant MAX_START_DELAY = 365 days;

    /// @dev `_phaseAt` before the first phase opens.
    uint256 internal constant PHASE_NOT_OPEN = type(uint256).max;

    /// @dev The longest a schedule of this module may last in total, in seconds (what `TaskTooLong`
    /// reports as `max`). Bounding it bounds how long escrow and stake stay committed to a schedule.
    function _maxDuration() internal view virtual returns (uint256);

    /// @dev Reverts unless a phase window (named `which` in the error) is 1..MAX_WINDOW seconds.
    /// A zero window would make a phase that nobody can act in; an unbounded one, a round that
    /// holds stake for ever (and timestamps that overflow the module's packed fields).
    function _checkWindow(string memory which, uint256 window) internal pure {
        if (window == 0 || window > MAX_WINDOW) revert InvalidWindow(which, window, MAX_WINDOW);
    }

    /// @dev Validates the requested start of a schedule (0: now) and returns it: never in the past
    /// (it would shorten the first round's windows below what participants signed up for), at most
    /// MAX_START_DELAY ahead.
    function _startTime(uint256 requested) internal view returns (uint64 start) {
        uint256 latest = block.timestamp + MAX_START_DELAY;
        if (requested != 0 && (requested < block.timestamp || requested > latest)) {
            revert InvalidStartTime(requested, block.timestamp, latest);
        }
        // Fits: block.timestamp and the bounded start are far below 2^64.
        start = uint64(requested == 0 ? block.timestamp : requested);
    }

    /// @dev Reverts unless a schedule lasting `duration` seconds fits the module's cap.
    function _checkDuration(uint256 duration) internal view {
        uint256 max = _maxDuration();
        if (duration > max) revert TaskTooLong(duration, max);
    }

    /// @dev Reverts unless `round` is the current round `current` of `id`. Naming the round stops a
    /// late transaction from landing in the next round (e.g. with work done for the previous one).
    function _requireRound(uint256 id, uint64 round, uint64 current) internal pure {
        if (round != current) revert WrongRound(id, round, current);
    }

    /// @dev Reverts with OutsidePhase unless now is in [opensAt, closesAt): a deadline is the
    /// first second at which the phase is over. The phase is passed by index and named (through
    /// `_phaseName`) only when reverting, so a call inside its phase builds no string.
    function _requirePhase(uint256 id, uint64 round, uint256 phase, uint64 opensAt, uint64 closesAt) internal view {
        if (block.timestamp < opensAt || block.timestamp >= closesAt) {
            revert OutsidePhase(id, round, _phaseName(phase), opensAt, closesAt, uint64(block.timestamp));
        }
    }

    /// @dev The name OutsidePhase gives phase `phase` of this module's rounds (module 1: "commit",
    /// "reveal", "settlement").
    function _phaseName(uint256 phase) internal pure virtual returns (string memory);

    /// @dev The window [opensAt, closesAt) of phase `phase` of a round that opens at `start` and
    /// runs its phases back to back, phase k lasting `windows[k]` seconds.
    function _phaseWindow(
        uint256 start,
        uint256[] memory windows,
        uint256 phase
    ) internal pure returns (uint64 opensAt, uint64 closesAt) {
        uint256 t = start;
        for (uint256 k = 0; k < phase; ++k) t += windows[k];
        // Fits: windows are validated to at most MAX_WINDOW each, so t stays far below 2^64.
        opensAt = uint64(t);
        closesAt = uint64(t + windows[phase]);
    }

    /// @dev The phase of such a round that `at` falls in: PHASE_NOT_OPEN before `start`, k while
    /// phase k is open, windows.length once the last phase closed.
    function _phaseAt(uint256 start, uint256[] memory windows, uint256 at) internal pure returns (uint256 phase) {
        if (at < start) return PHASE_NOT_OPEN;
        uint256 closesAt = start;
        for (phase = 0; phase < windows.length; ++phase) {
            closesAt += windows[phase];
            if (at < closesAt) return phase;
        }
    }
}
