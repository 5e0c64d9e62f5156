// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Groth16Settlement} from "../base/Groth16Settlement.sol";
import {PhaseClock} from "../base/PhaseClock.sol";
import {PoseidonHashers} from "../base/PoseidonHashers.sol";
import {VaultModule} from "../base/VaultModule.sol";
import {SnarkField} from "../libraries/SnarkField.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4} from "../interfaces/IPoseidon.sol";
import {IReliabilityRegistry} from "../interfaces/IReliabilityRegistry.sol";

/// @title ReliabilityRegistry
/// @notice See {IReliabilityRegistry}. Circuit: `Reliability(W, Q, E, U)`, public inputs
/// [batchHash, acc, settler] (docs/spec/reliability.md). The proof context (chain id and this
/// address), the epoch and the rule's parameters are bound through the epoch header that seeds
/// acc (rule 1), the posted words and masks through batchHash (rule 14), the caller through
/// `settler` (rule 15). Nothing is configurable after deployment: there is no admin.
/// Built on the shared spine: {Groth16Settlement} verifies, {PhaseClock} times the epochs,
/// {VaultModule} locks, unlocks and slashes stake, {PoseidonHashers} hashes.
contract ReliabilityRegistry is
    IReliabilityRegistry,
    Groth16Settlement,
    PhaseClock,
    VaultModule,
    PoseidonHashers,
    EIP712,
    Nonces,
    ReentrancyGuard
{
    /// @inheritdoc IReliabilityRegistry
    /// @dev 512 words: `topSources` and `scores` walk at most 512 storage words.
    uint256 public constant MAX_SOURCES = 8 << 9;
    /// @inheritdoc IReliabilityRegistry
    uint256 public constant MAX_EPOCH_DURATION = 365 days;
    /// @inheritdoc IReliabilityRegistry
    uint256 public constant MAX_URI_LENGTH = 512;
    /// @inheritdoc IReliabilityRegistry
    uint256 public constant MAX_TOP_K = 64;
    /// @inheritdoc IReliabilityRegistry
    bytes32 public constant COMMIT_TYPEHASH = keccak256(
        "CommitFeedback(uint32 evaluatorId,uint32 epoch,bytes32 commitHash,uint256 nonce,uint256 deadline)"
    );
    /// @inheritdoc IReliabilityRegistry
    bytes32 public constant REVEAL_TYPEHASH = keccak256(
        "RevealFeedback(uint32 evaluatorId,uint32 epoch,uint256 commitment,bytes32 salt,string uri,uint256 nonce,uint256 deadline)"
    );

    uint256 private constant MAX_WORDS = MAX_SOURCES / 8;
    uint256 private constant NUM_PUBLIC_INPUTS = 3;
    /// @dev "reliability" in ASCII: the epoch header's domain tag (rule 1).
    uint256 private constant HEADER_TAG = 0x72656c696162696c697479;
    /// @dev batchHash keeps the digest's low 253 bits, so it is a field element (rule 14).
    uint256 private constant BATCH_HASH_MASK = (1 << 253) - 1;
    uint256 private constant SCORE_MAX = type(uint16).max;
    /// @dev Shape limits of the circuit (spec, "Parameters").
    uint256 private constant MAX_BATCH_WORDS = 32;
    uint256 private constant MAX_QUERIES = 64;
    uint256 private constant MAX_REVEALS = 32;
    uint256 private constant MAX_ENTRIES = 6;
    uint256 private constant MAX_STRIKE_WINDOW = 64;
    /// @dev The phases of an epoch, back to back from its start (a challenge window follows each proposal).
    uint256 private constant PHASE_COMMIT = 0;
    uint256 private constant PHASE_REVEAL = 1;
    uint256 private constant PHASE_SETTLEMENT = 2;
    /// @dev The registry runs one series of epochs: the id the shared phase errors report.
    uint256 private constant SCHEDULE_ID = 0;
    /// @dev Offence scopes: a source below the floor (once per source), an evaluator's strikes
    /// (once per evaluator and epoch), a no-show (once per evaluator and epoch).
    uint256 private constant SCOPE_SOURCE = 1;
    uint256 private constant SCOPE_STRIKES = 2;
    uint256 private constant SCOPE_NO_SHOW = 3;

    /// @dev What nearly every call reads and writes first, one slot (224 bits).
    struct Core {
        uint32 epoch;
        uint40 start; // unix seconds
        uint8 commits; // commit slots taken this epoch (<= E)
        uint8 reveals; // reveal positions taken this epoch (<= commits)
        uint32 revealedSlots; // bit s: commit slot s revealed
        uint40 proposedAt; // 0: no pending proposal
        uint32 finalEpochs; // final epochs so far: the strike window's clock
        uint32 sourceCount;
    }

    /// @dev The pending proposal of the current epoch (meaningful while core.proposedAt != 0).
    struct Pending {
        address settler;
        uint32 includedMask;
        uint32 flaggedMask;
    }

    struct SourceRecord {
        address operator; // slot 0
        uint96 stake; // held for the source: locked, or unbonding after it left
        uint64 unbondingEnds; // slot 1; 0 while active
        uint32 registeredEpoch;
        bool exited;
        bool slashed;
        string uri; // slot 2
    }

    struct EvaluatorRecord {
        address account; // slot 0
        uint96 stake;
        uint64 unbondingEnds; // slot 1; 0 while active
        bool left;
        // Bit i: flagged in the (flagsAt - i)-th final epoch (strikes, k of the last w).
        uint64 flags;
        uint32 flagsAt;
    }

    struct Commit {
        bytes32 hash;
        uint8 slot;
    }

    /// @dev What bringing the clock up to date did.
    struct Catchup {
        bool finalized; // the pending proposal became final
        bool expired; // the epoch ended without a proposal
        uint32 epoch; // the resolved epoch
        uint8 commits;
        uint8 reveals;
        uint32 revealedSlots;
        uint32 skippedFrom;
        uint256 skipped; // empty epochs skipped
    }

    IStakeVault private immutable _stakeVault;
    uint256 private immutable _numWords; // W
    uint256 private immutable _numQueries; // Q
    uint256 private immutable _maxReveals; // E
    uint256 private immutable _numEntries; // U
    uint256 private immutable _ruleParams;
    uint256 private immutable _genesis;
    uint256 private immutable _commitWindow;
    uint256 private immutable _revealWindow;
    uint256 private immutable _settlementWindow;
    uint256 private immutable _challengeWindow;
    uint256 private immutable _sourceStake;
    uint256 private immutable _evaluatorStake;
    uint256 private immutable _sourceSlashAmount;
    uint256 private immutable _reliabilityFloor;
    uint256 private immutable _strikeSlashAmount;
    uint256 private immutable _noShowPenalty;
    uint256 private immutable _strikeLimit;
    uint256 private immutable _strikeWindow;
    /// @dev The prior scores of a new source as a lane: priorReliability + 2^16 * priorUsefulness.
    uint256 private immutable _priorLane;

    Core private _core;
    Pending private _pending;
    /// @dev sha256(batchBytes) of the pending proposal: a replacing proposal posts those bytes
    /// back (from the event) to restore the old words, so no copy of them is stored.
    bytes32 private _pendingDigest;
    /// @dev The current epoch's accumulator (meaningful while core.reveals != 0).
    uint256 private _acc;
    /// @dev The packed scores: word i holds sources 8i..8i+7, lane l = bits 32l..32l+31 =
    /// reliability + 2^16 * usefulness (spec, "Score word"). A fixed array: slot = base + i.
    uint256[MAX_WORDS] private _scores;
    /// @dev Bit i of word i / 256: source i left (skipped by `topSources` without reading its record).
    uint256[MAX_SOURCES / 256] private _exitedBits;
    mapping(uint256 sourceId => SourceRecord) private _sources;
    uint32 private _evaluatorCount;
    mapping(uint256 evaluatorId => EvaluatorRecord) private _evaluators;
    mapping(address account => uint32) private _evaluatorOf;
    mapping(uint256 epoch => mapping(uint256 evaluatorId => Commit)) private _commits;
    mapping(uint256 epoch => mapping(uint256 slot => uint32)) private _committerAt;
    mapping(uint256 epoch => mapping(uint256 position => uint32)) private _revealerAt;

    /// @param verifier_ The Groth16 verifier of `Reliability(W, Q, E, U)` with the shape `p.shape`.
    /// @param vault The stake vault; this contract needs its MODULE_ROLE before anyone can register.
    /// @param poseidon2 The Poseidon hasher with 2 inputs, a deployed PoseidonT3 (`poseidon3`, `poseidon4`: PoseidonT4, T5).
    /// @param p Everything else, fixed for good (see {RegistryParams}).
    constructor(
        address verifier_,
        IStakeVault vault,
        IPoseidon2 poseidon2,
        IPoseidon3 poseidon3,
        IPoseidon4 poseidon4,
        RegistryParams memory p
    )
        Groth16Settlement(verifier_, NUM_PUBLIC_INPUTS)
        VaultModule(vault)
        PoseidonHashers(poseidon2, poseidon3, poseidon4)
        EIP712("zkmerit ReliabilityRegistry", "1")
    {
        _checkShape(p.shape);
        _stakeVault = vault;
        _numWords = p.shape.words;
        _numQueries = p.shape.queries;
        _maxReveals = p.shape.evaluators;
        _numEntries = p.shape.entries;
        _ruleParams = _packRule(p.rule, p.shape.evaluators);
        uint64 start = _startTime(p.startTime);
        _genesis = start;
        _checkWindow("commit", p.commitWindow);
        _checkWindow("reveal", p.revealWindow);
        _checkWindow("settlement", p.settlementWindow);
        _checkWindow("challenge", p.challengeWindow);
        // Cannot overflow: every window is at most MAX_WINDOW and E at most 32. An epoch lasts at
        // most this long, since each replacing proposal includes strictly more of at most E reveals.
        _checkDuration(p.commitWindow + p.revealWindow + p.settlementWindow + p.shape.evaluators * p.challengeWindow);
        _commitWindow = p.commitWindow;
        _revealWindow = p.revealWindow;
        _settlementWindow = p.settlementWindow;
        _challengeWindow = p.challengeWindow;
        _checkStakes(p);
        _sourceStake = p.sourceStake;
        _evaluatorStake = p.evaluatorStake;
        _sourceSlashAmount = p.sourceSlashAmount;
        _reliabilityFloor = p.reliabilityFloor;
        _strikeSlashAmount = p.strikeSlashAmount;
        _noShowPenalty = p.noShowPenalty;
        _strikeLimit = p.strikeLimit;
        _strikeWindow = p.strikeWindow;
        _priorLane = p.priorReliability | (p.priorUsefulness << 16);
        _core.start = uint40(start);
        p.startTime = start;
        emit RegistryConfigured(p, _ruleParams, start);
    }

    // ---------------------------------------------------------------- sources

    /// @inheritdoc IReliabilityRegistry
    function registerSource(string calldata metadataURI) external nonReentrant returns (uint32 sourceId) {
        Core memory c = _sync();
        // A replacing proposal restores the pending one's old words exactly; a lane written in
        // between would be lost, so registrations wait for the challenge window to end.
        if (c.proposedAt != 0) revert ScoresPending(c.epoch, uint64(c.proposedAt + _challengeWindow));
        _checkURI(metadataURI);
        uint256 count = c.sourceCount;
        if (count >= MAX_SOURCES) revert RegistryFull(MAX_SOURCES);
        // Fits: count < MAX_SOURCES.
        sourceId = uint32(count);
        _core.sourceCount = uint32(count + 1);
        uint256 stake_ = _sourceStake;
        SourceRecord storage s = _sources[count];
        s.operator = msg.sender;
        // Fits: checked < 2^96 at deployment.
        s.stake = uint96(stake_);
        s.registeredEpoch = c.epoch;
        s.uri = metadataURI;
        // The circuit reads old words from storage: the lane starts at the prior, whatever
        // feedback that named this id before it existed did to it.
        uint256 index = count >> 3;
        uint256 shift = (count & 7) << 5;
        uint256 word = (_scores[index] & ~(uint256(type(uint32).max) << shift)) | (_priorLane << shift);
        _scores[index] = word;
        emit SourceRegistered(sourceId, msg.sender, stake_, index, word, metadataURI);
        // Reverts with the vault's InsufficientFreeStake when the caller has too little free stake.
        _lockStake(msg.sender, stake_);
    }

    /// @inheritdoc IReliabilityRegistry
    function setSourceURI(uint32 sourceId, string calldata metadataURI) external {
        SourceRecord storage s = _sourceOf(sourceId);
        if (msg.sender != s.operator) revert NotSourceOperator(sourceId, msg.sender, s.operator);
        _checkURI(metadataURI);
        string memory old = s.uri;
        s.uri = metadataURI;
        emit SourceURIChanged(sourceId, old, metadataURI);
    }

    /// @inheritdoc IReliabilityRegistry
    function leaveSource(uint32 sourceId) external nonReentrant {
        _sync();
        SourceRecord storage s = _sourceOf(sourceId);
        address operator = s.operator;
        if (msg.sender != operator) revert NotSourceOperator(sourceId, msg.sender, operator);
        if (s.exited) revert SourceNotActive(sourceId, uint8(_status(s)));
        // The vault keeps the unlocked stake slashable by this registry for its unbonding delay.
        uint64 ends = uint64(block.timestamp) + _stakeVault.unbondingDelay();
        s.exited = true;
        s.unbondingEnds = ends;
        _exitedBits[sourceId >> 8] |= uint256(1) << (sourceId & 255);
        uint256 held = s.stake;
        emit SourceLeft(sourceId, operator, held, ends);
        _unlockStake(operator, _unlockable(operator, held));
    }

    /// @inheritdoc IReliabilityRegistry
    function slashSource(uint32 sourceId) external nonReentrant returns (uint256 amount) {
        Core memory c = _sync();
        // A pending score may still be replaced: only a final one is evidence.
        if (c.proposedAt != 0) revert ScoresPending(c.epoch, uint64(c.proposedAt + _challengeWindow));
        SourceRecord storage s = _sourceOf(sourceId);
        if (s.slashed) revert SourceAlreadySlashed(sourceId);
        if (s.exited && block.timestamp >= s.unbondingEnds) {
            revert SourceNotSlashable(sourceId, s.unbondingEnds, uint64(block.timestamp));
        }
        uint256 reliability = (_scores[sourceId >> 3] >> ((sourceId & 7) << 5)) & SCORE_MAX;
        uint256 floor = _reliabilityFloor;
        if (reliability >= floor) revert ReliabilityNotBelowFloor(sourceId, reliability, floor);
        uint256 held = s.stake;
        amount = _slashable(_sourceSlashAmount, held);
        bytes32 offenceId = _offenceId(SCOPE_SOURCE, 0, sourceId);
        s.slashed = true;
        // Cannot underflow: amount <= held.
        unchecked {
            s.stake = uint96(held - amount);
        }
        address operator = s.operator;
        emit SourceSlashed(sourceId, operator, reliability, offenceId, amount);
        // Reverting restores the flag and the stake, so a refused slash can be retried.
        if (amount != 0 && !_trySlash(operator, amount, offenceId)) revert SlashRefused(sourceId, offenceId);
    }

    // ---------------------------------------------------------------- evaluators

    /// @inheritdoc IReliabilityRegistry
    function registerEvaluator() external nonReentrant returns (uint32 evaluatorId) {
        _sync();
        uint32 existing = _evaluatorOf[msg.sender];
        if (existing != 0) revert AlreadyEvaluator(msg.sender, existing);
        // Checked: reverts (panics) past 2^32 - 1 evaluators, the circuit's id width.
        evaluatorId = ++_evaluatorCount;
        _evaluatorOf[msg.sender] = evaluatorId;
        uint256 stake_ = _evaluatorStake;
        EvaluatorRecord storage e = _evaluators[evaluatorId];
        e.account = msg.sender;
        // Fits: checked < 2^96 at deployment.
        e.stake = uint96(stake_);
        emit EvaluatorRegistered(evaluatorId, msg.sender, stake_);
        _lockStake(msg.sender, stake_);
    }

    /// @inheritdoc IReliabilityRegistry
    function leaveEvaluator() external nonReentrant {
        Core memory c = _sync();
        uint32 id = _evaluatorOf[msg.sender];
        if (id == 0) revert NotEvaluator(msg.sender);
        EvaluatorRecord storage e = _evaluators[id];
        if (e.left) revert EvaluatorNotActive(id);
        // A committer could otherwise dodge its no-show penalty or its strike; every earlier
        // epoch is resolved already (sync ran).
        if (_commits[c.epoch][id].hash != 0) revert CommittedThisEpoch(id, c.epoch);
        uint64 ends = uint64(block.timestamp) + _stakeVault.unbondingDelay();
        e.left = true;
        e.unbondingEnds = ends;
        uint256 held = e.stake;
        emit EvaluatorLeft(id, msg.sender, held, ends);
        _unlockStake(msg.sender, _unlockable(msg.sender, held));
    }

    /// @inheritdoc IReliabilityRegistry
    function commitFeedback(uint32 epoch, bytes32 commitHash) external nonReentrant {
        _commit(_callerEvaluator(), epoch, commitHash, false);
    }

    /// @inheritdoc IReliabilityRegistry
    function revealFeedback(uint32 epoch, uint256 commitment, bytes32 salt, string calldata uri) external nonReentrant {
        _reveal(_callerEvaluator(), epoch, commitment, salt, uri, false);
    }

    /// @inheritdoc IReliabilityRegistry
    function commitFeedbackBySig(
        uint32 evaluatorId,
        uint32 epoch,
        bytes32 commitHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant {
        bytes32 structHash = keccak256(abi.encode(COMMIT_TYPEHASH, evaluatorId, epoch, commitHash, nonce, deadline));
        _useSignature(evaluatorId, structHash, nonce, deadline, signature);
        _commit(evaluatorId, epoch, commitHash, true);
    }

    /// @inheritdoc IReliabilityRegistry
    function revealFeedbackBySig(
        uint32 evaluatorId,
        uint32 epoch,
        uint256 commitment,
        bytes32 salt,
        string calldata uri,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant {
        bytes32 structHash = keccak256(
            abi.encode(REVEAL_TYPEHASH, evaluatorId, epoch, commitment, salt, keccak256(bytes(uri)), nonce, deadline)
        );
        _useSignature(evaluatorId, structHash, nonce, deadline, signature);
        _reveal(evaluatorId, epoch, commitment, salt, uri, true);
    }

    // ---------------------------------------------------------------- anyone

    /// @inheritdoc IReliabilityRegistry
    function updateScores(ScoreBatch calldata batch, Groth16Proof calldata proof) external nonReentrant {
        Core memory c = _sync();
        _requireRound(SCHEDULE_ID, batch.epoch, c.epoch);
        if (c.proposedAt != 0) {
            Pending memory p = _pending;
            revert EpochAlreadyProposed(c.epoch, p.settler, p.includedMask);
        }
        // sync skipped the epoch if nobody committed and expired it if nobody revealed, so inside
        // the settlement window there is at least one reveal; only "too early" or "too late" can fail.
        uint64 opensAt = uint64(c.start + _commitWindow + _revealWindow);
        _requirePhase(SCHEDULE_ID, c.epoch, PHASE_SETTLEMENT, opensAt, uint64(opensAt + _settlementWindow));
        _propose(c, batch, proof, false);
    }

    /// @inheritdoc IReliabilityRegistry
    function challengeScores(
        ScoreBatch calldata batch,
        bytes calldata replaced,
        Groth16Proof calldata proof
    ) external nonReentrant {
        // sync made a proposal final once its window closed, and moved the epoch on.
        Core memory c = _sync();
        _requireRound(SCHEDULE_ID, batch.epoch, c.epoch);
        if (c.proposedAt == 0) revert NoPendingProposal(c.epoch);
        // Strictly more included reveals: whoever holds an honest evaluator's content can prove it
        // in, so nobody (the oracle included) censors an evaluator by proposing first; and the
        // count only grows, so an epoch sees at most E proposals.
        uint256 n = _popCount(batch.includedMask);
        uint256 pendingN = _popCount(_pending.includedMask);
        if (n <= pendingN) revert ChallengeNotStronger(c.epoch, n, pendingN);
        bytes32 expected = _pendingDigest;
        bytes32 actual = sha256(replaced);
        if (actual != expected) revert ReplacedBatchMismatch(c.epoch, expected, actual);
        _restore(replaced);
        _propose(c, batch, proof, true);
    }

    /// @inheritdoc IReliabilityRegistry
    function sync() external nonReentrant {
        _sync();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IReliabilityRegistry
    function params() external view returns (RegistryParams memory p) {
        uint256 r = _ruleParams;
        p.shape = CircuitShape({words: _numWords, queries: _numQueries, evaluators: _maxReveals, entries: _numEntries});
        p.rule = RuleParams({
            emaRate: r & ((1 << 17) - 1),
            minGraders: (r >> 17) & 31,
            shareTolerance: (r >> 22) & 511,
            disagreePct: r >> 31
        });
        p.startTime = _genesis;
        p.commitWindow = _commitWindow;
        p.revealWindow = _revealWindow;
        p.settlementWindow = _settlementWindow;
        p.challengeWindow = _challengeWindow;
        p.sourceStake = _sourceStake;
        p.evaluatorStake = _evaluatorStake;
        p.sourceSlashAmount = _sourceSlashAmount;
        p.reliabilityFloor = _reliabilityFloor;
        p.strikeSlashAmount = _strikeSlashAmount;
        p.noShowPenalty = _noShowPenalty;
        p.strikeLimit = _strikeLimit;
        p.strikeWindow = _strikeWindow;
        p.priorReliability = _priorLane & SCORE_MAX;
        p.priorUsefulness = _priorLane >> 16;
    }

    /// @inheritdoc IReliabilityRegistry
    function ruleParams() external view returns (uint256) {
        return _ruleParams;
    }

    /// @inheritdoc IReliabilityRegistry
    function sourceCount() external view returns (uint256) {
        return _core.sourceCount;
    }

    /// @inheritdoc IReliabilityRegistry
    function evaluatorCount() external view returns (uint256) {
        return _evaluatorCount;
    }

    /// @inheritdoc IReliabilityRegistry
    function source(uint32 sourceId) external view returns (SourceInfo memory info) {
        SourceRecord storage s = _sourceOf(sourceId);
        (uint16 reliability, uint16 usefulness) = _scoreOf(sourceId);
        info = SourceInfo({
            operator: s.operator,
            status: _status(s),
            stake: s.stake,
            unbondingEnds: s.unbondingEnds,
            registeredEpoch: s.registeredEpoch,
            slashed: s.slashed,
            reliability: reliability,
            usefulness: usefulness,
            metadataURI: s.uri
        });
    }

    /// @inheritdoc IReliabilityRegistry
    function scoreOf(uint32 sourceId) external view returns (uint16 reliability, uint16 usefulness) {
        _sourceOf(sourceId);
        return _scoreOf(sourceId);
    }

    /// @inheritdoc IReliabilityRegistry
    function scores(
        uint32 from,
        uint32 count
    ) external view returns (uint16[] memory reliability, uint16[] memory usefulness) {
        uint256 total = _core.sourceCount;
        uint256 end = uint256(from) + count;
        if (end > total) end = total;
        uint256 n = end > from ? end - from : 0;
        reliability = new uint16[](n);
        usefulness = new uint16[](n);
        for (uint256 i = 0; i < n; ++i) {
            (reliability[i], usefulness[i]) = _scoreOf(from + i);
        }
    }

    /// @inheritdoc IReliabilityRegistry
    function topSources(uint256 k) external view returns (uint32[] memory ids, uint16[] memory reliability) {
        if (k > MAX_TOP_K) k = MAX_TOP_K;
        ids = new uint32[](k);
        reliability = new uint16[](k);
        uint256 len;
        uint256 total = _core.sourceCount;
        uint256 word;
        // Bounded: total <= MAX_SOURCES, and each insertion moves at most MAX_TOP_K entries.
        for (uint256 i = 0; i < total && k != 0; ++i) {
            if (i & 7 == 0) word = _scores[i >> 3];
            if ((_exitedBits[i >> 8] >> (i & 255)) & 1 != 0) continue;
            uint16 r = uint16(word >> ((i & 7) << 5));
            // Ties keep the lower id first: a later source must be strictly better to enter or pass.
            if (len == k && r <= reliability[k - 1]) continue;
            uint256 j = len < k ? len++ : k - 1;
            for (; j != 0 && reliability[j - 1] < r; --j) {
                reliability[j] = reliability[j - 1];
                ids[j] = ids[j - 1];
            }
            reliability[j] = r;
            // Fits: i < MAX_SOURCES.
            ids[j] = uint32(i);
        }
        // Shrink both arrays to the sources found (fewer than k active ones).
        assembly ("memory-safe") {
            mstore(ids, len)
            mstore(reliability, len)
        }
    }

    /// @inheritdoc IReliabilityRegistry
    function scoreWord(uint256 index) external view returns (uint256) {
        if (index >= MAX_WORDS) revert UnknownWord(index, (uint256(_core.sourceCount) + 7) >> 3);
        return _scores[index];
    }

    /// @inheritdoc IReliabilityRegistry
    function evaluator(uint32 evaluatorId) external view returns (EvaluatorInfo memory info) {
        if (evaluatorId == 0 || evaluatorId > _evaluatorCount) revert UnknownEvaluator(evaluatorId);
        EvaluatorRecord storage e = _evaluators[evaluatorId];
        (Core memory c, ) = _now();
        info = EvaluatorInfo({
            account: e.account,
            active: !e.left,
            stake: e.stake,
            unbondingEnds: e.unbondingEnds,
            strikes: _popCount(_shiftFlags(e.flags, e.flagsAt, c.finalEpochs) & _windowMask())
        });
    }

    /// @inheritdoc IReliabilityRegistry
    function evaluatorOf(address account) external view returns (uint32) {
        return _evaluatorOf[account];
    }

    /// @inheritdoc IReliabilityRegistry
    function epochInfo() external view returns (EpochInfo memory info) {
        (Core memory c, uint256 acc) = _now();
        uint64 commitEnd = uint64(c.start + _commitWindow);
        uint64 revealEnd = uint64(commitEnd + _revealWindow);
        info.epoch = c.epoch;
        info.startedAt = c.start;
        info.commitEnd = commitEnd;
        info.revealEnd = revealEnd;
        info.settlementDeadline = uint64(revealEnd + _settlementWindow);
        info.commits = c.commits;
        info.reveals = c.reveals;
        info.header = _header(c.epoch);
        info.acc = c.reveals == 0 ? info.header : acc;
        info.finalEpochs = c.finalEpochs;
        if (c.proposedAt != 0) {
            Pending memory p = _pending;
            info.settler = p.settler;
            info.proposedAt = c.proposedAt;
            info.finalAt = uint64(c.proposedAt + _challengeWindow);
            info.includedMask = p.includedMask;
            info.flaggedMask = p.flaggedMask;
            info.batchDigest = _pendingDigest;
        }
    }

    /// @inheritdoc IReliabilityRegistry
    function epochHeader(uint32 epoch) external view returns (uint256) {
        return _header(epoch);
    }

    /// @inheritdoc IReliabilityRegistry
    function commitHashOf(
        uint32 epoch,
        uint32 evaluatorId,
        uint256 commitment,
        bytes32 salt
    ) external view returns (bytes32) {
        return _commitHash(epoch, evaluatorId, commitment, salt);
    }

    /// @inheritdoc IReliabilityRegistry
    function batchBytes(ScoreBatch calldata batch) external view returns (bytes memory) {
        return _batchBytes(batch, _core.sourceCount);
    }

    /// @inheritdoc IReliabilityRegistry
    function publicInputs(ScoreBatch calldata batch, address settler) external view returns (uint256[] memory) {
        (Core memory c, uint256 acc) = _now();
        uint256 accNow = c.reveals == 0 ? _header(c.epoch) : acc;
        return _inputs(sha256(_batchBytes(batch, c.sourceCount)), accNow, settler);
    }

    // ---------------------------------------------------------------- internal: feedback

    /// @dev The caller's evaluator id, or a NotEvaluator revert.
    function _callerEvaluator() private view returns (uint32 id) {
        id = _evaluatorOf[msg.sender];
        if (id == 0) revert NotEvaluator(msg.sender);
    }

    /// @dev Checks an EIP-712 request of evaluator `id`'s account (ECDSA, or ERC-1271 for a
    /// contract wallet) and uses its nonce: a replayed request fails on the nonce, one signed for
    /// another chain or registry on the domain separator, an old one on its deadline.
    function _useSignature(
        uint32 id,
        bytes32 structHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private {
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        if (id == 0 || id > _evaluatorCount) revert UnknownEvaluator(id);
        address account = _evaluators[id].account;
        if (!SignatureChecker.isValidSignatureNow(account, _hashTypedDataV4(structHash), signature)) {
            revert InvalidSignature(id, account);
        }
        _useCheckedNonce(account, nonce);
    }

    /// @dev Records evaluator `id`'s commit for the current epoch `epoch`.
    function _commit(uint32 id, uint32 epoch, bytes32 commitHash, bool relayed) private {
        Core memory c = _sync();
        if (_evaluators[id].left) revert EvaluatorNotActive(id);
        // Naming the epoch stops a late transaction from landing in the next epoch.
        _requireRound(SCHEDULE_ID, epoch, c.epoch);
        _requirePhase(SCHEDULE_ID, epoch, PHASE_COMMIT, c.start, uint64(c.start + _commitWindow));
        if (commitHash == bytes32(0)) revert InvalidCommitHash();
        Commit storage cm = _commits[epoch][id];
        if (cm.hash != bytes32(0)) revert AlreadyCommitted(epoch, id);
        uint8 slot = c.commits;
        // At most E commits, so the reveals fit the circuit's E positions and the no-show walk is bounded.
        if (slot >= _maxReveals) revert EpochFull(epoch, _maxReveals);
        cm.hash = commitHash;
        cm.slot = slot;
        _committerAt[epoch][slot] = id;
        _core.commits = slot + 1;
        emit FeedbackCommitted(epoch, id, slot, commitHash, relayed);
    }

    /// @dev Records evaluator `id`'s reveal for `epoch` and chains it into acc (rule 4).
    function _reveal(
        uint32 id,
        uint32 epoch,
        uint256 commitment,
        bytes32 salt,
        string calldata uri,
        bool relayed
    ) private {
        Core memory c = _sync();
        uint8 slot = _checkReveal(c, id, epoch, commitment, salt);
        _checkURI(uri);
        uint256 position = c.reveals;
        // The header is computed once per epoch, at its first reveal (rule 1 seeds acc).
        uint256 acc = _hash3(position == 0 ? _header(epoch) : _acc, id, commitment);
        _acc = acc;
        _revealerAt[epoch][position] = id;
        Core storage cs = _core;
        // Fits: reveals <= commits <= E <= 32.
        cs.reveals = uint8(position + 1);
        cs.revealedSlots = c.revealedSlots | (uint32(1) << slot);
        emit FeedbackRevealed(epoch, id, position, commitment, uri, acc, relayed);
    }

    /// @dev Checks a reveal of evaluator `id` for `epoch` now; returns its commit slot.
    function _checkReveal(
        Core memory c,
        uint32 id,
        uint32 epoch,
        uint256 commitment,
        bytes32 salt
    ) private view returns (uint8 slot) {
        _requireRound(SCHEDULE_ID, epoch, c.epoch);
        uint64 opensAt = uint64(c.start + _commitWindow);
        _requirePhase(SCHEDULE_ID, epoch, PHASE_REVEAL, opensAt, uint64(opensAt + _revealWindow));
        Commit storage cm = _commits[epoch][id];
        bytes32 expected = cm.hash;
        if (expected == bytes32(0)) revert NotCommitted(epoch, id);
        slot = cm.slot;
        if ((c.revealedSlots >> slot) & 1 != 0) revert AlreadyRevealed(epoch, id);
        bytes32 actual = _commitHash(epoch, id, commitment, salt);
        if (actual != expected) revert RevealMismatch(epoch, id, expected, actual);
        // The hasher reduces inputs mod r, so c and c + r would hash alike; the circuit takes c < r.
        if (commitment >= SnarkField.MODULUS) revert InvalidCommitment(commitment);
    }

    /// @dev keccak256(abi.encode(chainId, this, epoch, evaluatorId, commitment, salt)).
    function _commitHash(uint32 epoch, uint32 id, uint256 commitment, bytes32 salt) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), epoch, id, commitment, salt));
    }

    /// @dev The epoch header Poseidon(HEADER_TAG, context, epoch, ruleParams) (rule 1).
    function _header(uint32 epoch) private view returns (uint256) {
        return _hash4(HEADER_TAG, proofContext(), epoch, _ruleParams);
    }

    // ---------------------------------------------------------------- internal: batches

    /// @dev Checks the masks, writes the new words (the slots are warm: batchBytes just read them),
    /// verifies the proof and records the proposal.
    function _propose(Core memory c, ScoreBatch calldata b, Groth16Proof calldata proof, bool replacing) private {
        uint32 inc = b.includedMask;
        uint32 flg = b.flaggedMask;
        // A batch names only revealed positions (so nobody else is ever flagged), at least one.
        if (inc == 0 || inc >> c.reveals != 0 || flg & ~inc != 0) revert InvalidMasks(c.epoch, inc, flg, c.reveals);
        bytes memory bytes_ = _batchBytes(b, c.sourceCount);
        // The new words, from the bytes just built (word k's index at 12 + 68k, its new word at
        // 48 + 68k): each slot was read above, so each store is warm.
        uint256 n = _numWords;
        for (uint256 k = 0; k < n;) {
            uint256 index;
            uint256 fresh;
            assembly ("memory-safe") {
                let p := add(add(bytes_, 44), mul(k, 68))
                index := shr(224, mload(p))
                fresh := mload(add(p, 36))
            }
            // In bounds: _batchBytes checked index < wordCount <= MAX_WORDS.
            _scores[index] = fresh;
            // Cannot overflow: k < n <= 32.
            unchecked {
                ++k;
            }
        }
        bytes32 digest = sha256(bytes_);
        // Replay protection is the epoch: a proposal exists now (a second one must be stronger),
        // and a final one moved the epoch on. Never the proof bytes (Groth16 proofs are malleable).
        _verifyOrRevert(c.epoch, proof, _inputs(digest, _acc, msg.sender));
        _pending = Pending({settler: msg.sender, includedMask: inc, flaggedMask: flg});
        _pendingDigest = digest;
        _core.proposedAt = uint40(block.timestamp);
        _emitProposed(c.epoch, b, digest, replacing, bytes_, proof);
    }

    /// @dev Emits ScoresProposed (its own frame: the event has more fields than _propose's stack holds).
    function _emitProposed(
        uint32 epoch,
        ScoreBatch calldata b,
        bytes32 digest,
        bool replacing,
        bytes memory bytes_,
        Groth16Proof calldata proof
    ) private {
        emit ScoresProposed(
            epoch,
            msg.sender,
            b.includedMask,
            b.flaggedMask,
            digest,
            uint64(block.timestamp + _challengeWindow),
            replacing,
            bytes_,
            proof
        );
    }

    /// @dev Writes back the old words of a replaced proposal, from its batchBytes (checked
    /// against its digest by the caller): per word, a uint32 index at 12 + 68k, the old word after it.
    /// Exact, because nothing else writes a word while a proposal is pending (registrations wait).
    function _restore(bytes calldata replaced) private {
        uint256 n = _numWords;
        for (uint256 k = 0; k < n; ++k) {
            uint256 index;
            uint256 old;
            // In bounds: the digest matched a batch of 12 + 68W bytes.
            assembly ("memory-safe") {
                let p := add(replaced.offset, add(12, mul(k, 68)))
                index := shr(224, calldataload(p))
                old := calldataload(add(p, 4))
            }
            _scores[index] = old;
        }
    }

    /// @dev batchBytes of rule 14: uint32 epoch ‖ uint32 includedMask ‖ uint32 flaggedMask, then per
    /// word uint32 wordIndex ‖ uint256 oldWord ‖ uint256 newWord, big-endian, 12 + 68W bytes. The
    /// old words come from storage (abi.encodePacked would pad array elements, so this packs by hand).
    function _batchBytes(ScoreBatch calldata b, uint256 sourceCount_) private view returns (bytes memory out) {
        uint256 n = _numWords;
        uint256 idxAt;
        uint256 oldAt;
        uint256 newAt;
        {
            uint32[] calldata idx = b.wordIndices;
            uint256[] calldata oldWords = b.oldWords;
            uint256[] calldata newWords = b.newWords;
            if (idx.length != n || oldWords.length != n || newWords.length != n) {
                revert BatchSizeMismatch(n, idx.length, oldWords.length, newWords.length);
            }
            assembly ("memory-safe") {
                idxAt := idx.offset
                oldAt := oldWords.offset
                newAt := newWords.offset
            }
        }
        uint256 wordCount = (sourceCount_ + 7) >> 3;
        // Cannot overflow: n <= 32.
        out = new bytes(12 + 68 * n);
        {
            uint256 head =
                (uint256(b.epoch) << 224) | (uint256(b.includedMask) << 192) | (uint256(b.flaggedMask) << 160);
            assembly ("memory-safe") {
                mstore(add(out, 32), head)
            }
        }
        uint256 next; // the least index the next word may have
        for (uint256 i = 0; i < n;) {
            uint256 w;
            uint256 posted;
            uint256 fresh;
            // In bounds: the three arrays hold n elements (checked above). An index that is not a
            // uint32 fails the wordCount check below.
            assembly ("memory-safe") {
                let o := shl(5, i)
                w := calldataload(add(idxAt, o))
                posted := calldataload(add(oldAt, o))
                fresh := calldataload(add(newAt, o))
            }
            if (w < next) revert WordIndicesNotIncreasing(i, w, next - 1);
            // Only words holding a registered source: nobody else's storage is written.
            if (w >= wordCount) revert UnknownWord(w, wordCount);
            uint256 stored = _scores[w];
            if (stored != posted) revert StaleScoreWord(b.epoch, w, stored, posted);
            // Each store writes 32 bytes; the later ones overwrite the zeros the earlier left,
            // and the last one ends exactly at the end of `out`.
            assembly ("memory-safe") {
                let p := add(add(out, 44), mul(i, 68))
                mstore(p, shl(224, w))
                mstore(add(p, 4), stored)
                mstore(add(p, 36), fresh)
            }
            // Cannot overflow: w < wordCount <= 512, i < n.
            unchecked {
                next = w + 1;
                ++i;
            }
        }
    }

    /// @dev The public inputs [batchHash, acc, settler], in circuit order.
    function _inputs(bytes32 digest, uint256 acc, address settler) private pure returns (uint256[] memory inputs) {
        inputs = new uint256[](NUM_PUBLIC_INPUTS);
        inputs[0] = uint256(digest) & BATCH_HASH_MASK;
        inputs[1] = acc;
        inputs[2] = uint160(settler);
    }

    // ---------------------------------------------------------------- internal: the clock

    /// @dev Brings the clock up to date (see {sync}) and returns the core as now. Writes storage
    /// only when something changed; applies at most one resolved epoch's effects (strikes and
    /// no-show penalties, each bounded by E).
    function _sync() private returns (Core memory c) {
        c = _core;
        Catchup memory u = _catchUp(c, block.timestamp);
        if (!u.finalized && !u.expired && u.skipped == 0) return c;
        _core = c;
        if (u.finalized) {
            Pending memory p = _pending;
            emit EpochFinalized(u.epoch, p.settler, p.includedMask, p.flaggedMask, _pendingDigest, c.finalEpochs);
            _strike(u.epoch, p.flaggedMask, c.finalEpochs);
        } else if (u.expired) {
            emit EpochExpired(u.epoch, u.commits, u.reveals);
        }
        if (u.finalized || u.expired) _penalizeNoShows(u);
        if (u.skipped != 0) emit EpochsSkipped(u.skippedFrom, u.skipped);
    }

    /// @dev The core and the current accumulator as now, without writing.
    function _now() private view returns (Core memory c, uint256 acc) {
        c = _core;
        _catchUp(c, block.timestamp);
        acc = _acc;
    }

    /// @dev Moves the clock forward to `now_`, in memory: resolves the stored epoch if its time is
    /// over (a pending proposal is final at proposedAt + challengeWindow; without one, an epoch
    /// with commits ends at the reveal deadline if nobody revealed, else at the settlement
    /// deadline), then skips every epoch since that had no commit (each ends at its commit deadline).
    function _catchUp(Core memory c, uint256 now_) private view returns (Catchup memory u) {
        uint256 start = c.start;
        if (c.commits != 0) {
            uint256 revealEnd = start + _commitWindow + _revealWindow;
            uint256 endsAt;
            if (c.proposedAt != 0) endsAt = uint256(c.proposedAt) + _challengeWindow;
            else if (c.reveals == 0) endsAt = revealEnd;
            else endsAt = revealEnd + _settlementWindow;
            if (now_ < endsAt) return u;
            u.epoch = c.epoch;
            u.commits = c.commits;
            u.reveals = c.reveals;
            u.revealedSlots = c.revealedSlots;
            u.finalized = c.proposedAt != 0;
            u.expired = !u.finalized;
            // Cannot overflow: at most one final epoch per epoch, and epochs are < 2^32.
            if (u.finalized) {
                unchecked {
                    ++c.finalEpochs;
                }
            }
            c.epoch = _advance(c.epoch, 1);
            // Fits: endsAt is a bounded sum of timestamps and windows, far below 2^40.
            c.start = uint40(endsAt);
            c.commits = 0;
            c.reveals = 0;
            c.revealedSlots = 0;
            c.proposedAt = 0;
            start = endsAt;
        }
        uint256 commitWindow = _commitWindow;
        if (now_ >= start + commitWindow) {
            uint256 k = (now_ - start) / commitWindow;
            u.skippedFrom = c.epoch;
            u.skipped = k;
            c.epoch = _advance(c.epoch, k);
            // Fits: the new start is at most now.
            c.start = uint40(start + k * commitWindow);
        }
    }

    /// @dev epoch + k as a 32-bit epoch (the circuit's width).
    function _advance(uint32 epoch, uint256 k) private pure returns (uint32) {
        uint256 e = uint256(epoch) + k;
        if (e > type(uint32).max) revert EpochsExhausted();
        return uint32(e);
    }

    // ---------------------------------------------------------------- internal: penalties

    /// @dev Gives each evaluator flagged in final `epoch` (the `ordinal`-th final one) a strike and
    /// slashes one with strikeLimit strikes within the last strikeWindow final epochs, once: its
    /// strikes are cleared by the slash, and the offence id is (evaluator, epoch).
    function _strike(uint32 epoch, uint32 flagged, uint32 ordinal) private {
        uint64 window = _windowMask();
        for (uint256 j = 0; flagged != 0; ++j) {
            if (flagged & 1 != 0) {
                uint32 id = _revealerAt[epoch][j];
                EvaluatorRecord storage e = _evaluators[id];
                uint64 flags = _shiftFlags(e.flags, e.flagsAt, ordinal) | 1;
                uint256 strikes = _popCount(flags & window);
                emit EvaluatorFlagged(id, epoch, strikes);
                bool offence = strikes >= _strikeLimit;
                e.flags = offence ? 0 : flags;
                e.flagsAt = ordinal;
                if (offence) _slashEvaluator(id, e, epoch, _strikeSlashAmount, Offence.Strikes, SCOPE_STRIKES);
            }
            flagged >>= 1;
        }
    }

    /// @dev Takes the no-show penalty from each evaluator that committed and did not reveal in the
    /// resolved epoch, once (offence id: evaluator and epoch).
    function _penalizeNoShows(Catchup memory u) private {
        // Fits: commits <= 32.
        uint256 noShows = ((uint256(1) << u.commits) - 1) & ~uint256(u.revealedSlots);
        for (uint256 slot = 0; noShows != 0; ++slot) {
            if (noShows & 1 != 0) {
                uint32 id = _committerAt[u.epoch][slot];
                _slashEvaluator(id, _evaluators[id], u.epoch, _noShowPenalty, Offence.NoShow, SCOPE_NO_SHOW);
            }
            noShows >>= 1;
        }
    }

    /// @dev Takes `amount` (capped at what the registry holds for the evaluator) under offence id
    /// (scope, epoch, evaluator). A slash the vault refuses is reported and skipped, so an epoch
    /// always resolves.
    function _slashEvaluator(
        uint32 id,
        EvaluatorRecord storage e,
        uint32 epoch,
        uint256 amount,
        Offence offence,
        uint256 scope
    ) private {
        uint256 held = e.stake;
        uint256 take = _slashable(amount, held);
        if (take == 0) return;
        bytes32 offenceId = _offenceId(scope, epoch, id);
        address account = e.account;
        if (_trySlash(account, take, offenceId)) {
            // Cannot underflow: take <= held.
            unchecked {
                e.stake = uint96(held - take);
            }
            emit EvaluatorSlashed(id, epoch, account, offence, offenceId, take);
        } else {
            emit SlashFailed(id, epoch, offenceId);
        }
    }

    /// @dev Flags as of final epoch `ordinal`: bit i for the (ordinal - i)-th.
    function _shiftFlags(uint64 flags, uint32 at, uint32 ordinal) private pure returns (uint64) {
        uint256 shift = ordinal - at;
        return shift >= 64 ? 0 : uint64(uint256(flags) << shift);
    }

    function _windowMask() private view returns (uint64) {
        // strikeWindow <= 64.
        return uint64((uint256(1) << _strikeWindow) - 1);
    }

    // ---------------------------------------------------------------- internal: helpers

    /// @dev The source with id `sourceId`, or an UnknownSource revert.
    function _sourceOf(uint256 sourceId) private view returns (SourceRecord storage) {
        uint256 count = _core.sourceCount;
        if (sourceId >= count) revert UnknownSource(sourceId, count);
        return _sources[sourceId];
    }

    function _status(SourceRecord storage s) private view returns (SourceStatus) {
        if (!s.exited) return SourceStatus.Active;
        return block.timestamp < s.unbondingEnds ? SourceStatus.Unbonding : SourceStatus.Left;
    }

    function _scoreOf(uint256 sourceId) private view returns (uint16 reliability, uint16 usefulness) {
        uint256 lane = _scores[sourceId >> 3] >> ((sourceId & 7) << 5);
        return (uint16(lane), uint16(lane >> 16));
    }

    /// @dev What can be unlocked of `held` for `account`: the vault pools this registry's locks per
    /// account and takes a slash from the lock first, so a slash of one of the account's
    /// registrations while it unbonds may have taken from another's lock.
    function _unlockable(address account, uint256 held) private view returns (uint256) {
        uint256 locked = _stakeVault.lockedBy(address(this), account);
        return held < locked ? held : locked;
    }

    /// @dev Reverts unless `uri` has 1..MAX_URI_LENGTH bytes.
    function _checkURI(string calldata uri) private pure {
        uint256 len = bytes(uri).length;
        if (len == 0 || len > MAX_URI_LENGTH) revert InvalidURILength(len, MAX_URI_LENGTH);
    }

    function _checkShape(CircuitShape memory s) private pure {
        if (s.words == 0 || s.words > MAX_BATCH_WORDS) revert InvalidShape("words", s.words, MAX_BATCH_WORDS);
        if (s.queries == 0 || s.queries > MAX_QUERIES) revert InvalidShape("queries", s.queries, MAX_QUERIES);
        if (s.evaluators == 0 || s.evaluators > MAX_REVEALS)
            revert InvalidShape("evaluators", s.evaluators, MAX_REVEALS);
        if (s.entries == 0 || s.entries > MAX_ENTRIES) revert InvalidShape("entries", s.entries, MAX_ENTRIES);
    }

    /// @dev ruleParams (rule 1): emaRate bits 0..16, minGraders 17..21, shareTolerance 22..30,
    /// disagreePct 31..37, each checked to the range the circuit accepts (minGraders at most E, or
    /// no query could ever count).
    function _packRule(RuleParams memory r, uint256 e) private pure returns (uint256) {
        if (r.emaRate > 1 << 16) revert InvalidRuleParam("emaRate", r.emaRate, 0, 1 << 16);
        uint256 maxGraders = e < 31 ? e : 31;
        if (r.minGraders == 0 || r.minGraders > maxGraders)
            revert InvalidRuleParam("minGraders", r.minGraders, 1, maxGraders);
        if (r.shareTolerance > 511) revert InvalidRuleParam("shareTolerance", r.shareTolerance, 0, 511);
        if (r.disagreePct > 100) revert InvalidRuleParam("disagreePct", r.disagreePct, 0, 100);
        return r.emaRate | (r.minGraders << 17) | (r.shareTolerance << 22) | (r.disagreePct << 31);
    }

    function _checkStakes(RegistryParams memory p) private pure {
        if (p.sourceStake == 0 || p.sourceStake >> 96 != 0) revert InvalidStake("sourceStake", p.sourceStake);
        if (p.evaluatorStake == 0 || p.evaluatorStake >> 96 != 0)
            revert InvalidStake("evaluatorStake", p.evaluatorStake);
        // A slash can take no more than the stake anyway; a larger amount is a configuration mistake.
        if (p.sourceSlashAmount > p.sourceStake)
            revert InvalidPenalty("sourceSlashAmount", p.sourceSlashAmount, p.sourceStake);
        if (p.strikeSlashAmount > p.evaluatorStake) {
            revert InvalidPenalty("strikeSlashAmount", p.strikeSlashAmount, p.evaluatorStake);
        }
        if (p.noShowPenalty > p.evaluatorStake)
            revert InvalidPenalty("noShowPenalty", p.noShowPenalty, p.evaluatorStake);
        if (p.strikeLimit == 0 || p.strikeLimit > p.strikeWindow || p.strikeWindow > MAX_STRIKE_WINDOW) {
            revert InvalidStrikeRule(p.strikeLimit, p.strikeWindow);
        }
        if (p.priorReliability > SCORE_MAX) revert InvalidScore("priorReliability", p.priorReliability, SCORE_MAX);
        if (p.priorUsefulness > SCORE_MAX) revert InvalidScore("priorUsefulness", p.priorUsefulness, SCORE_MAX);
        // A new source must not be slashable on its first day.
        if (p.reliabilityFloor > p.priorReliability) {
            revert InvalidScore("reliabilityFloor", p.reliabilityFloor, p.priorReliability);
        }
    }

    /// @dev The names OutsidePhase gives the phases of an epoch.
    function _phaseName(uint256 phase) internal pure override returns (string memory) {
        return
            phase == PHASE_COMMIT
                ? "commit"
                : phase == PHASE_REVEAL
                    ? "reveal"
                    : "settlement";
    }

    /// @dev The phase clock's cap on one epoch (see MAX_EPOCH_DURATION).
    function _maxDuration() internal pure override returns (uint256) {
        return MAX_EPOCH_DURATION;
    }

    /// @dev The number of set bits of a 32- or 64-bit mask.
    function _popCount(uint256 x) private pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
