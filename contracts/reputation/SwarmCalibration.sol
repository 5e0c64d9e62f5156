// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ISwarmCalibration} from "../interfaces/ISwarmCalibration.sol";
import {ISwarmReputation} from "../interfaces/ISwarmReputation.sol";

/// @title SwarmCalibration
/// @notice See {ISwarmCalibration}. The score is objective and computed here: the number of
/// questions whose revealed answer byte equals the key's. Copying is stopped by commit-reveal (the
/// key is revealed only after the nodes' reveals close, and a node's hash binds its id, so a copied
/// hash cannot be revealed and is refused anyway). This contract must hold the swarm's ADMITTER_ROLE.
contract SwarmCalibration is ISwarmCalibration, AccessControlDefaultAdminRules, ReentrancyGuard {
    /// @inheritdoc ISwarmCalibration
    bytes32 public constant CALIBRATOR_ROLE = keccak256("CALIBRATOR_ROLE");
    /// @notice Longest window of a set, in seconds.
    uint256 public constant MAX_WINDOW = 30 days;
    /// @notice Most questions in a set.
    uint256 public constant MAX_QUESTIONS = 64;
    /// @notice The most bytes a questions URI may have.
    uint256 public constant MAX_URI_LENGTH = 512;

    /// @dev Two-step admin transfers wait this long.
    uint48 private constant ADMIN_DELAY = 2 days;

    struct SetRecord {
        bytes32 keyCommitment; // slot 0
        uint8 questions; // slot 1
        uint8 passMark;
        bool keyed;
        bool voided;
        uint40 openedAt;
        uint40 commitEnd;
        uint40 revealEnd;
        uint40 keyEnd;
        bytes key; // slot 2
        string uri; // slot 3
    }

    struct Entry {
        bytes32 hash;
        bool revealed;
        bool claimed;
        bytes answers;
    }

    ISwarmReputation private immutable _swarm;
    uint32 private _setCount;
    mapping(uint256 setId => SetRecord) private _sets;
    mapping(uint256 setId => mapping(uint256 nodeId => Entry)) private _entries;
    /// @dev The node that committed a hash in a set: copies are refused.
    mapping(uint256 setId => mapping(bytes32 commitHash => uint32)) private _hashNode;

    /// @param swarm_ The swarm nodes are admitted into (grant this contract its ADMITTER_ROLE).
    /// @param admin The default admin (two-step transfers), who grants CALIBRATOR_ROLE.
    constructor(ISwarmReputation swarm_, address admin) AccessControlDefaultAdminRules(ADMIN_DELAY, admin) {
        if (address(swarm_).code.length == 0) revert NotAContract("swarm", address(swarm_));
        _swarm = swarm_;
    }

    /// @inheritdoc ISwarmCalibration
    function swarm() external view returns (address) {
        return address(_swarm);
    }

    /// @inheritdoc ISwarmCalibration
    function openCalibration(
        bytes32 keyCommitment,
        uint8 questions,
        uint8 passMark,
        string calldata questionsURI,
        uint64 commitWindow,
        uint64 revealWindow,
        uint64 keyWindow
    ) external onlyRole(CALIBRATOR_ROLE) returns (uint32 setId) {
        if (questions == 0 || questions > MAX_QUESTIONS || passMark == 0 || passMark > questions) {
            revert InvalidSet(questions, passMark);
        }
        _checkWindow("commit", commitWindow);
        _checkWindow("reveal", revealWindow);
        _checkWindow("key", keyWindow);
        uint256 len = bytes(questionsURI).length;
        if (len == 0 || len > MAX_URI_LENGTH) revert InvalidURILength(len, MAX_URI_LENGTH);
        if (keyCommitment == bytes32(0)) revert InvalidCommitHash();
        // Checked: reverts (panics) past 2^32 - 1 sets.
        setId = ++_setCount;
        SetRecord storage s = _sets[setId];
        s.keyCommitment = keyCommitment;
        s.questions = questions;
        s.passMark = passMark;
        s.uri = questionsURI;
        _schedule(s, commitWindow, revealWindow, keyWindow);
        emit CalibrationOpened(
            setId,
            keyCommitment,
            questions,
            passMark,
            questionsURI,
            s.commitEnd,
            s.revealEnd,
            s.keyEnd
        );
    }

    /// @inheritdoc ISwarmCalibration
    function commitCalibration(uint32 setId, bytes32 commitHash) external {
        uint32 nodeId = _callerNode();
        SetRecord storage s = _set(setId);
        _inWindow(setId, "commit", s.openedAt, s.commitEnd);
        if (commitHash == bytes32(0)) revert InvalidCommitHash();
        Entry storage e = _entries[setId][nodeId];
        if (e.hash != bytes32(0)) revert AlreadyCommitted(setId, nodeId);
        uint32 other = _hashNode[setId][commitHash];
        if (other != 0) revert CommitmentCopied(setId, nodeId, other);
        _hashNode[setId][commitHash] = nodeId;
        e.hash = commitHash;
        emit CalibrationCommitted(setId, nodeId, commitHash);
    }

    /// @inheritdoc ISwarmCalibration
    function revealCalibration(uint32 setId, bytes calldata answers, bytes32 salt) external {
        uint32 nodeId = _callerNode();
        SetRecord storage s = _set(setId);
        _inWindow(setId, "reveal", s.commitEnd, s.revealEnd);
        Entry storage e = _entries[setId][nodeId];
        bytes32 expected = e.hash;
        if (expected == bytes32(0)) revert NotCommitted(setId, nodeId);
        if (e.revealed) revert AlreadyRevealed(setId, nodeId);
        if (answers.length != s.questions) revert AnswerLengthMismatch(setId, s.questions, answers.length);
        bytes32 actual = _calibrationHash(setId, nodeId, answers, salt);
        if (actual != expected) revert RevealMismatch(setId, expected, actual);
        e.revealed = true;
        e.answers = answers;
        emit CalibrationRevealed(setId, nodeId, answers);
    }

    /// @inheritdoc ISwarmCalibration
    function revealKey(uint32 setId, bytes calldata answers, bytes32 salt) external onlyRole(CALIBRATOR_ROLE) {
        SetRecord storage s = _set(setId);
        // After the nodes' reveals close: nobody can copy the key into a reveal.
        _inWindow(setId, "key", s.revealEnd, s.keyEnd);
        if (s.keyed) revert InvalidSetStatus(setId, uint8(SetStatus.Keyed));
        if (answers.length != s.questions) revert AnswerLengthMismatch(setId, s.questions, answers.length);
        bytes32 expected = s.keyCommitment;
        bytes32 actual = _keyCommitment(setId, answers, salt);
        if (actual != expected) revert RevealMismatch(setId, expected, actual);
        s.keyed = true;
        s.key = answers;
        emit KeyRevealed(setId, answers);
    }

    /// @inheritdoc ISwarmCalibration
    function voidCalibration(uint32 setId) external {
        SetRecord storage s = _set(setId);
        SetStatus st = _statusOf(s);
        if (st != SetStatus.Void || s.voided) revert InvalidSetStatus(setId, uint8(st));
        s.voided = true;
        emit CalibrationVoided(setId);
    }

    /// @inheritdoc ISwarmCalibration
    function claimAdmission(uint32 setId) external nonReentrant returns (uint8 slot) {
        uint32 nodeId = _callerNode();
        SetRecord storage s = _set(setId);
        if (!s.keyed) revert InvalidSetStatus(setId, uint8(_statusOf(s)));
        Entry storage e = _entries[setId][nodeId];
        if (!e.revealed) revert NotRevealed(setId, nodeId);
        if (e.claimed) revert AlreadyClaimed(setId, nodeId);
        uint256 score = _score(s.key, e.answers);
        if (score < s.passMark) revert BelowPassMark(setId, nodeId, score, s.passMark);
        e.claimed = true;
        // Reverts with the swarm's error (InvalidNodeStatus, SwarmFull, RoundInProgress): the claim
        // stays open and can be retried.
        slot = _swarm.admit(nodeId);
        emit AdmissionClaimed(setId, nodeId, score, slot);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISwarmCalibration
    function setCount() external view returns (uint32) {
        return _setCount;
    }

    /// @inheritdoc ISwarmCalibration
    function calibrationSet(uint32 setId) external view returns (CalibrationSet memory info) {
        SetRecord storage s = _set(setId);
        info = CalibrationSet({
            status: _statusOf(s),
            questions: s.questions,
            passMark: s.passMark,
            keyCommitment: s.keyCommitment,
            openedAt: s.openedAt,
            commitEnd: s.commitEnd,
            revealEnd: s.revealEnd,
            keyEnd: s.keyEnd,
            key: s.key,
            questionsURI: s.uri
        });
    }

    /// @inheritdoc ISwarmCalibration
    function calibrationHashOf(
        uint32 setId,
        uint32 nodeId,
        bytes calldata answers,
        bytes32 salt
    ) external view returns (bytes32) {
        return _calibrationHash(setId, nodeId, answers, salt);
    }

    /// @inheritdoc ISwarmCalibration
    function keyCommitmentOf(uint32 setId, bytes calldata answers, bytes32 salt) external view returns (bytes32) {
        return _keyCommitment(setId, answers, salt);
    }

    /// @inheritdoc ISwarmCalibration
    function scoreOf(uint32 setId, uint32 nodeId) external view returns (uint256 score, bool revealed, bool claimed) {
        SetRecord storage s = _set(setId);
        Entry storage e = _entries[setId][nodeId];
        revealed = e.revealed;
        claimed = e.claimed;
        if (s.keyed && revealed) score = _score(s.key, e.answers);
    }

    // ---------------------------------------------------------------- internal

    function _callerNode() private view returns (uint32 nodeId) {
        nodeId = _swarm.nodeOf(msg.sender);
        if (nodeId == 0) revert NotSwarmNode(msg.sender);
    }

    function _set(uint32 setId) private view returns (SetRecord storage) {
        uint32 count = _setCount;
        if (setId == 0 || setId > count) revert UnknownSet(setId, count);
        return _sets[setId];
    }

    function _statusOf(SetRecord storage s) private view returns (SetStatus) {
        if (s.keyed) return SetStatus.Keyed;
        if (s.voided || block.timestamp >= s.keyEnd) return SetStatus.Void;
        return SetStatus.Open;
    }

    /// @dev Reverts unless now is in [opensAt, closesAt) (a deadline is the first second it is over).
    function _inWindow(uint32 setId, string memory phase, uint64 opensAt, uint64 closesAt) private view {
        if (block.timestamp < opensAt || block.timestamp >= closesAt) {
            revert OutsideSetPhase(setId, phase, opensAt, closesAt, uint64(block.timestamp));
        }
    }

    /// @dev The set's windows, back to back from now.
    function _schedule(SetRecord storage s, uint64 commitWindow, uint64 revealWindow, uint64 keyWindow) private {
        // Fits: windows are at most MAX_WINDOW each.
        uint40 commitEnd = uint40(block.timestamp + commitWindow);
        uint40 revealEnd = commitEnd + uint40(revealWindow);
        s.openedAt = uint40(block.timestamp);
        s.commitEnd = commitEnd;
        s.revealEnd = revealEnd;
        s.keyEnd = revealEnd + uint40(keyWindow);
    }

    function _checkWindow(string memory which, uint64 window) private pure {
        if (window == 0 || window > MAX_WINDOW) revert InvalidCalibrationWindow(which, window, MAX_WINDOW);
    }

    /// @dev The number of equal bytes (both have `questions` <= 64 bytes).
    function _score(bytes memory key, bytes memory answers) private pure returns (uint256 score) {
        uint256 n = key.length;
        for (uint256 i = 0; i < n; ++i) {
            if (key[i] == answers[i]) ++score;
        }
    }

    function _calibrationHash(
        uint32 setId,
        uint32 nodeId,
        bytes calldata answers,
        bytes32 salt
    ) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), setId, nodeId, answers, salt));
    }

    function _keyCommitment(uint32 setId, bytes calldata answers, bytes32 salt) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), setId, answers, salt));
    }
}
