// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZkMeritErrors} from "./IZkMeritErrors.sol";

/// @title ISwarmCalibration
/// @notice Module 3's proof of capability: a calibrator (CALIBRATOR_ROLE) opens a set of questions
/// with a committed answer key, keyCommitment = keccak256(abi.encode(chainId, this, setId, bytes
/// answers, salt)), one byte per question. Nodes registered in the swarm ({ISwarmReputation})
/// commit keccak256(abi.encode(chainId, this, setId, nodeId, bytes answers, salt))
/// (`calibrationHashOf`, bound to the node; a hash another node committed is refused) in the
/// commit window, reveal in the reveal window, the calibrator reveals the key in the key window,
/// and a node whose score (matching bytes, computed here) is at least the pass mark claims
/// admission: this contract holds the swarm's ADMITTER_ROLE. A key not revealed by its deadline
/// voids the set (its nodes may try another). Each identity must stake and pass: a Sybil pays per node.
interface ISwarmCalibration is IZkMeritErrors {
    /// @notice A set's state: None, Open (commits and reveals), Keyed (key revealed, admissions
    /// claimable), Void (key never revealed by its deadline).
    enum SetStatus {
        None,
        Open,
        Keyed,
        Void
    }

    struct CalibrationSet {
        SetStatus status;
        uint8 questions;
        uint8 passMark;
        bytes32 keyCommitment;
        // Commits in [openedAt, commitEnd), reveals until revealEnd, the key until keyEnd.
        uint64 openedAt;
        uint64 commitEnd;
        uint64 revealEnd;
        uint64 keyEnd;
        // The answer key once revealed.
        bytes key;
        string questionsURI;
    }

    /// @notice questions is 0 or above 64, or passMark is 0 or above questions.
    error InvalidSet(uint8 questions, uint8 passMark);
    /// @notice A window (named by `which`) is 0 or above MAX_WINDOW.
    error InvalidCalibrationWindow(string which, uint64 window, uint256 max);
    /// @notice No set has id `setId` (ids are 1..setCount).
    error UnknownSet(uint32 setId, uint32 setCount);
    /// @notice The call needs another phase of the set: `phase` is open in [opensAt, closesAt).
    error OutsideSetPhase(uint32 setId, string phase, uint64 opensAt, uint64 closesAt, uint64 now);
    /// @notice The set is in status `status` (see SetStatus), not the one this needs.
    error InvalidSetStatus(uint32 setId, uint8 status);
    /// @notice `account` has no node in the swarm.
    error NotSwarmNode(address account);
    /// @notice The commit hash is zero.
    error InvalidCommitHash();
    /// @notice The node committed in this set already.
    error AlreadyCommitted(uint32 setId, uint32 nodeId);
    /// @notice Node `otherNodeId` committed the same hash in this set already: a copy is refused.
    error CommitmentCopied(uint32 setId, uint32 nodeId, uint32 otherNodeId);
    /// @notice The node did not commit in this set.
    error NotCommitted(uint32 setId, uint32 nodeId);
    /// @notice The node revealed in this set already.
    error AlreadyRevealed(uint32 setId, uint32 nodeId);
    /// @notice The revealed answers do not have one byte per question.
    error AnswerLengthMismatch(uint32 setId, uint256 expected, uint256 actual);
    /// @notice The revealed answers (or key) and salt do not hash to the commit.
    error RevealMismatch(uint32 setId, bytes32 expected, bytes32 actual);
    /// @notice The node did not reveal in this set (it has no score).
    error NotRevealed(uint32 setId, uint32 nodeId);
    /// @notice The node's score is below the pass mark.
    error BelowPassMark(uint32 setId, uint32 nodeId, uint256 score, uint256 passMark);
    /// @notice The node claimed admission from this set already.
    error AlreadyClaimed(uint32 setId, uint32 nodeId);

    /// @notice The calibrator opened `setId`.
    event CalibrationOpened(
        uint32 indexed setId,
        bytes32 keyCommitment,
        uint8 questions,
        uint8 passMark,
        string questionsURI,
        uint64 commitEnd,
        uint64 revealEnd,
        uint64 keyEnd
    );
    /// @notice Node `nodeId` committed `commitHash` in `setId`.
    event CalibrationCommitted(uint32 indexed setId, uint32 indexed nodeId, bytes32 commitHash);
    /// @notice Node `nodeId` revealed `answers` in `setId`.
    event CalibrationRevealed(uint32 indexed setId, uint32 indexed nodeId, bytes answers);
    /// @notice The calibrator revealed the answer key of `setId`.
    event KeyRevealed(uint32 indexed setId, bytes answers);
    /// @notice `setId` was voided: its key was not revealed by its deadline.
    event CalibrationVoided(uint32 indexed setId);
    /// @notice Node `nodeId` scored `score` of `questions` in `setId` and was admitted into `slot`.
    event AdmissionClaimed(uint32 indexed setId, uint32 indexed nodeId, uint256 score, uint8 slot);

    /// @notice The role that may open sets and reveal their keys.
    function CALIBRATOR_ROLE() external view returns (bytes32);

    /// @notice The swarm nodes are admitted into.
    function swarm() external view returns (address);

    /// @notice Opens a set of `questions` (1..64) questions with pass mark `passMark`
    /// (1..questions); the windows follow each other from now (CALIBRATOR_ROLE).
    function openCalibration(
        bytes32 keyCommitment,
        uint8 questions,
        uint8 passMark,
        string calldata questionsURI,
        uint64 commitWindow,
        uint64 revealWindow,
        uint64 keyWindow
    ) external returns (uint32 setId);

    /// @notice Commits the caller's node's answers in the commit window.
    function commitCalibration(uint32 setId, bytes32 commitHash) external;

    /// @notice Reveals the caller's node's answers (one byte per question) in the reveal window.
    function revealCalibration(uint32 setId, bytes calldata answers, bytes32 salt) external;

    /// @notice Reveals the answer key in the key window (CALIBRATOR_ROLE).
    function revealKey(uint32 setId, bytes calldata answers, bytes32 salt) external;

    /// @notice Voids a set whose key was not revealed by its deadline (anyone).
    function voidCalibration(uint32 setId) external;

    /// @notice Admits the caller's node into the swarm if it scored at least the pass mark.
    function claimAdmission(uint32 setId) external returns (uint8 slot);

    /// @notice How many sets were opened (ids 1..setCount).
    function setCount() external view returns (uint32);

    /// @notice Set `setId`, as of now (a set past its key deadline without a key reads Void).
    function calibrationSet(uint32 setId) external view returns (CalibrationSet memory);

    /// @notice keccak256(abi.encode(chainId, this, setId, nodeId, answers, salt)): a node's commit.
    function calibrationHashOf(
        uint32 setId,
        uint32 nodeId,
        bytes calldata answers,
        bytes32 salt
    ) external view returns (bytes32);

    /// @notice keccak256(abi.encode(chainId, this, setId, answers, salt)): the key commitment.
    function keyCommitmentOf(uint32 setId, bytes calldata answers, bytes32 salt) external view returns (bytes32);

    /// @notice The node's score in the set (matching bytes; 0 before the key), whether it revealed,
    /// and whether it claimed admission.
    function scoreOf(uint32 setId, uint32 nodeId) external view returns (uint256 score, bool revealed, bool claimed);
}
