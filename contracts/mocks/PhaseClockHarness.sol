// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PhaseClock} from "../base/PhaseClock.sol";

/// @title PhaseClockHarness
/// @notice Test harness: the smallest module on the phase clock, shaped like module 3's ranking
/// rounds. A schedule has one round of three phases back to back, commit, reveal and settle;
/// `act` succeeds only in the named phase of the current round (round 0).
contract PhaseClockHarness is PhaseClock {
    /// @dev The cap on a schedule's duration, set at deployment (the module's own rule).
    uint256 private immutable _cap;
    uint256 private _count;
    mapping(uint256 id => uint64) private _starts;
    mapping(uint256 id => uint256[]) private _windows;

    /// @notice `act` ran in phase `phase` of `round` of schedule `id`.
    event Acted(uint256 indexed id, uint64 round, uint256 phase);

    constructor(uint256 cap) {
        _cap = cap;
    }

    /// @notice Creates a schedule opening at `startTime` (0: now) with a commit, a reveal and a settle window.
    function schedule(uint256 startTime, uint256[3] calldata windows) external returns (uint256 id) {
        uint64 start = _startTime(startTime);
        _checkWindow("commit", windows[0]);
        _checkWindow("reveal", windows[1]);
        _checkWindow("settle", windows[2]);
        _checkDuration(windows[0] + windows[1] + windows[2]);
        id = ++_count;
        _starts[id] = start;
        _windows[id] = windows;
    }

    /// @notice Succeeds only in phase `phase` (0 commit, 1 reveal, 2 settle) of round `round`, which must be 0.
    function act(uint256 id, uint64 round, uint256 phase) external {
        _requireRound(id, round, 0);
        (uint64 opensAt, uint64 closesAt) = _phaseWindow(_starts[id], _windows[id], phase);
        _requirePhase(id, round, phase, opensAt, closesAt);
        emit Acted(id, round, phase);
    }

    /// @notice The phase `at` falls in (type(uint256).max before the start, 3 after the last).
    function phaseAt(uint256 id, uint256 at) external view returns (uint256) {
        return _phaseAt(_starts[id], _windows[id], at);
    }

    /// @notice The window [opensAt, closesAt) of phase `phase`.
    function phaseWindow(uint256 id, uint256 phase) external view returns (uint64 opensAt, uint64 closesAt) {
        return _phaseWindow(_starts[id], _windows[id], phase);
    }

    /// @notice The longest a schedule may last.
    function maxDuration() external view returns (uint256) {
        return _maxDuration();
    }

    function _maxDuration() internal view override returns (uint256) {
        return _cap;
    }

    function _phaseName(uint256 phase) internal pure override returns (string memory) {
        return
            phase == 0
                ? "commit"
                : phase == 1
                    ? "reveal"
                    : "settle";
    }
}
