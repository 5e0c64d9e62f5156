// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Groth16Settlement} from "../base/Groth16Settlement.sol";
import {PhaseClock} from "../base/PhaseClock.sol";
import {PoseidonHashers} from "../base/PoseidonHashers.sol";
import {VaultModule} from "../base/VaultModule.sol";
import {SnarkField} from "../libraries/SnarkField.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4} from "../interfaces/IPoseidon.sol";
import {ISwarmReputation} from "../interfaces/ISwarmReputation.sol";

/// @title SwarmReputation
/// @notice See {ISwarmReputation}. Circuit: `Reputation(N)`, public inputs [outHash, acc, settler]
/// (docs/spec/reputation.md). The proof context (chain id and this address), the round and the
/// rule's parameters are bound through the round header that seeds acc (rule 1), the posted winner,
/// masks and words plus the stored answered mask and old words through outHash (rule 14), the
/// caller through `settler` (rule 15). Built on the shared spine: {Groth16Settlement} verifies,
/// {PhaseClock} times the rounds, {VaultModule} locks, unlocks and slashes stake,
/// {PoseidonHashers} hashes. The only role is ADMITTER_ROLE (the calibration contract); the
/// parameters are fixed at deployment.
contract SwarmReputation is
    ISwarmReputation,
    Groth16Settlement,
    PhaseClock,
    VaultModule,
    PoseidonHashers,
    AccessControl,
    ReentrancyGuard
{
    using SafeERC20 for IERC20;

    /// @inheritdoc ISwarmReputation
    bytes32 public constant ADMITTER_ROLE = keccak256("ADMITTER_ROLE");
    /// @inheritdoc ISwarmReputation
    uint256 public constant MAX_ROUND_DURATION = 365 days;
    /// @inheritdoc ISwarmReputation
    uint256 public constant MAX_URI_LENGTH = 512;

    uint256 private constant NUM_PUBLIC_INPUTS = 3;
    uint256 private constant MIN_SLOTS = 4;
    uint256 private constant MAX_SLOTS = 64;
    uint256 private constant MAX_WORDS = MAX_SLOTS / 16;
    /// @dev "reputation" in ASCII, times 256: the round header's tag is this plus N (rule 1).
    uint256 private constant HEADER_TAG_BASE = 0x72657075746174696f6e << 8;
    /// @dev outHash keeps the digest's low 253 bits, so it is a field element (rule 14).
    uint256 private constant OUT_HASH_MASK = (1 << 253) - 1;
    /// @dev outBytes: uint32 round, uint8 winner, four uint64 masks, then the words.
    uint256 private constant OUT_HEAD = 37;
    uint256 private constant REP_MAX = type(uint16).max;
    uint256 private constant RATE_ONE = 1 << 16;
    uint256 private constant MAX_PRIOR = 255;
    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_STRIKE_WINDOW = 64;
    /// @dev Commit kinds (the `kind` of commitHashOf).
    uint8 private constant KIND_ANSWER = 0;
    uint8 private constant KIND_JUDGMENT = 1;
    /// @dev The phases of a round, back to back from its opening.
    uint256 private constant PHASE_ANSWER_COMMIT = 0;
    uint256 private constant PHASE_ANSWER_REVEAL = 1;
    uint256 private constant PHASE_JUDGMENT_COMMIT = 2;
    uint256 private constant PHASE_JUDGMENT_REVEAL = 3;
    uint256 private constant PHASE_SETTLEMENT = 4;
    /// @dev One swarm per deployment: the id the shared phase errors report.
    uint256 private constant SCHEDULE_ID = 0;
    /// @dev Offence scopes: strikes, an answer no-show, a judgment no-show (each once per node and round).
    uint256 private constant SCOPE_STRIKES = 1;
    uint256 private constant SCOPE_NO_SHOW_ANSWER = 2;
    uint256 private constant SCOPE_NO_SHOW_JUDGMENT = 3;

    /// @dev What nearly every call reads first, one slot (224 bits).
    struct Core {
        uint32 round; // the latest round (0: none yet)
        uint32 nodeCount;
        uint64 admitted; // bit i: slot i is held by an admitted node
        uint64 leaving; // bit i: slot i's node left during the unresolved round; freed when it resolves
        uint32 finalRounds; // final rounds so far: the strike window's clock
    }

    struct RoundRecord {
        // slot 0
        address opener;
        uint40 opensAt;
        RoundStatus status;
        uint8 winner; // set when final
        // slot 1
        uint128 reward;
        uint64 answered; // bit i: slot i revealed an answer
        uint64 judged; // bit i: slot i revealed a judgment
        // slot 2
        uint64 answerCommits;
        uint64 judgmentCommits;
        uint64 answerNoShowsTaken;
        uint64 judgmentNoShowsTaken;
        // slot 3
        bytes32 questionHash;
        // slot 4: the header before any judgment reveal (rule 1), then the chain (rule 4)
        uint256 acc;
        // slots 5..7: the final proposal (copied from the pending one when it becomes final)
        address settler;
        uint40 finalAt;
        uint64 includedMask;
        uint64 agreeMask;
        uint64 flaggedMask;
        bytes32 outDigest;
    }

    /// @dev The pending proposal of the latest round (meaningful while its status is Proposed).
    /// Kept apart from the round record and never cleared, so a settlement rewrites three warm,
    /// nonzero slots instead of creating three (about 50k gas less per settlement).
    struct Pending {
        address settler;
        uint40 proposedAt;
        uint8 winner;
    }

    struct PendingMasks {
        uint32 round; // the round proposed (keeps the slot nonzero)
        uint64 includedMask;
        uint64 agreeMask;
        uint64 flaggedMask;
    }

    struct NodeRecord {
        address account; // slot 0
        uint96 stake; // held for the node: locked, or unbonding after it left
        uint64 unbondingEnds; // slot 1; 0 while not left
        bool admitted;
        bool left;
        uint8 slot;
        // Bit i: flagged in the (flagsAt - i)-th final round (strikes, k of the last w).
        uint64 flags;
        uint32 flagsAt;
        string uri; // slot 2
    }

    /// @dev A slot's commits in a round. The node that made them is kept with the hash in
    /// `_hashSlot` (the slot may change hands after the round resolves; rewards, strikes and no-show
    /// penalties follow the committer), which saves a storage slot per committing node and round.
    struct SlotCommit {
        bytes32 answer;
        bytes32 judgment;
    }

    IERC20 private immutable _token;
    IStakeVault private immutable _stakeVault;
    uint256 private immutable _slots;
    uint256 private immutable _numWords;
    uint256 private immutable _ruleParams;
    // Ends of the phases, in seconds after a round opens.
    uint256 private immutable _answerCommitEnd;
    uint256 private immutable _answerRevealEnd;
    uint256 private immutable _judgeCommitEnd;
    uint256 private immutable _judgeRevealEnd;
    uint256 private immutable _settlementEnd;
    uint256 private immutable _challengeWindow;
    uint256 private immutable _nodeStake;
    uint256 private immutable _initialReputation;
    uint256 private immutable _strikeLimit;
    uint256 private immutable _strikeWindow;
    uint256 private immutable _strikeSlashAmount;
    uint256 private immutable _noShowPenalty;
    uint256 private immutable _winnerShareBps;

    Core private _core;
    Pending private _pending;
    PendingMasks private _pendingMasks;
    /// @dev sha256(outBytes) of the pending proposal: a replacing proposal posts those bytes back
    /// (from the event) to restore the old words, so no copy of them is stored.
    bytes32 private _pendingDigest;
    /// @dev The packed reputations: lane l of word m (bits 16l..16l+15) is slot 16m + l.
    uint256[MAX_WORDS] private _words;
    mapping(uint256 slot => uint32) private _slotNode;
    mapping(uint256 nodeId => NodeRecord) private _nodes;
    mapping(address account => uint32) private _nodeOf;
    mapping(uint256 round => RoundRecord) private _rounds;
    mapping(uint256 round => mapping(uint256 slot => SlotCommit)) private _commits;
    /// @dev Who committed a hash in a round: nodeId * 256 + slot + 1 (0: nobody). Copies are refused.
    mapping(uint256 round => mapping(bytes32 commitHash => uint256)) private _hashSlot;
    mapping(address account => uint256) private _rewards;

    /// @param verifier_ The Groth16 verifier of `Reputation(N)` with N = `p.slots`.
    /// @param vault The stake vault; this contract needs its MODULE_ROLE before anyone can register.
    /// @param poseidon2 The Poseidon hasher with 2 inputs, a deployed PoseidonT3 (`poseidon3`, `poseidon4`: PoseidonT4, T5).
    /// @param admin The default admin (two-step transfers), who grants ADMITTER_ROLE to the calibration.
    /// @param p Everything else, fixed for good (see {SwarmParams}).
    constructor(
        address verifier_,
        IStakeVault vault,
        IPoseidon2 poseidon2,
        IPoseidon3 poseidon3,
        IPoseidon4 poseidon4,
        address admin,
        SwarmParams memory p
    )
        Groth16Settlement(verifier_, NUM_PUBLIC_INPUTS)
        VaultModule(vault)
        PoseidonHashers(poseidon2, poseidon3, poseidon4)
    {
        if (admin == address(0)) revert ZeroAddress("admin");
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _stakeVault = vault;
        _token = IERC20(vault.token());
        _ruleParams = _checkParams(p);
        _slots = p.slots;
        _numWords = (p.slots + 15) >> 4;
        _checkWindows(p);
        // Cannot overflow: every window is at most MAX_WINDOW.
        uint256 ac = p.answerCommitWindow;
        uint256 ar = ac + p.answerRevealWindow;
        uint256 jc = ar + p.judgeCommitWindow;
        uint256 jr = jc + p.judgeRevealWindow;
        uint256 sd = jr + p.settlementWindow;
        // A round lasts at most this long: each replacing proposal includes strictly more of at
        // most N judgment reveals, so a round sees at most N proposals.
        _checkDuration(sd + p.slots * p.challengeWindow);
        _answerCommitEnd = ac;
        _answerRevealEnd = ar;
        _judgeCommitEnd = jc;
        _judgeRevealEnd = jr;
        _settlementEnd = sd;
        _challengeWindow = p.challengeWindow;
        _nodeStake = p.nodeStake;
        _initialReputation = p.initialReputation;
        _strikeLimit = p.strikeLimit;
        _strikeWindow = p.strikeWindow;
        _strikeSlashAmount = p.strikeSlashAmount;
        _noShowPenalty = p.noShowPenalty;
        _winnerShareBps = p.winnerShareBps;
        // The pending proposal's slots start nonzero (the values mean nothing while no round is
        // Proposed), so even the first settlement rewrites them (5k gas each) instead of creating
        // them (22k each).
        _pending.proposedAt = 1;
        _pendingMasks.round = type(uint32).max;
        _pendingDigest = bytes32(uint256(1));
        emit SwarmConfigured(p, _ruleParams);
    }

    // ---------------------------------------------------------------- nodes

    /// @inheritdoc ISwarmReputation
    function registerNode(string calldata metadataURI) external nonReentrant returns (uint32 nodeId) {
        uint32 existing = _nodeOf[msg.sender];
        if (existing != 0) revert AlreadyRegistered(msg.sender, existing);
        _checkURI(metadataURI);
        // Checked: reverts (panics) past 2^32 - 1 nodes.
        nodeId = ++_core.nodeCount;
        _nodeOf[msg.sender] = nodeId;
        uint256 stake_ = _nodeStake;
        NodeRecord storage n = _nodes[nodeId];
        n.account = msg.sender;
        // Fits: checked < 2^96 at deployment.
        n.stake = uint96(stake_);
        n.uri = metadataURI;
        emit NodeRegistered(nodeId, msg.sender, stake_, metadataURI);
        // Reverts with the vault's InsufficientFreeStake when the caller has too little free stake.
        _lockStake(msg.sender, stake_);
    }

    /// @inheritdoc ISwarmReputation
    function admit(uint32 nodeId) external nonReentrant onlyRole(ADMITTER_ROLE) returns (uint8 slot) {
        _sync();
        Core memory c = _core;
        // The circuit reads the words (and the roster) from storage: a lane written while a round
        // is unresolved would make every proof of it stale.
        if (c.round != 0) {
            RoundStatus st = _rounds[c.round].status;
            if (st == RoundStatus.Open || st == RoundStatus.Proposed) revert RoundInProgress(c.round, uint8(st));
        }
        NodeRecord storage n = _nodeRecord(nodeId);
        if (n.admitted || n.left) revert InvalidNodeStatus(nodeId, uint8(_status(n)));
        uint256 free = ~uint256(c.admitted) & ((uint256(1) << _slots) - 1);
        if (free == 0) revert SwarmFull(_slots);
        // Bounded: at most N <= 64 steps.
        uint256 s = 0;
        while ((free >> s) & 1 == 0) ++s;
        // Fits: s < N <= 64.
        slot = uint8(s);
        n.admitted = true;
        n.slot = slot;
        _core.admitted = c.admitted | uint64(1 << s);
        _slotNode[s] = nodeId;
        uint256 m = s >> 4;
        uint256 shift = (s & 15) << 4;
        uint256 word = (_words[m] & ~(REP_MAX << shift)) | (_initialReputation << shift);
        _words[m] = word;
        emit NodeAdmitted(nodeId, slot, _initialReputation, m, word);
    }

    /// @inheritdoc ISwarmReputation
    function leaveNode(uint32 nodeId) external nonReentrant {
        _sync();
        NodeRecord storage n = _nodeRecord(nodeId);
        address account = n.account;
        if (msg.sender != account) revert NotNodeAccount(nodeId, msg.sender, account);
        if (n.left) revert InvalidNodeStatus(nodeId, uint8(_status(n)));
        Core memory c = _core;
        bool admitted = n.admitted;
        uint8 slot = n.slot;
        bool deferred;
        if (admitted) {
            uint64 bit = uint64(1) << slot;
            if (c.round != 0) {
                RoundRecord storage r = _rounds[c.round];
                RoundStatus st = r.status;
                if (st == RoundStatus.Open || st == RoundStatus.Proposed) {
                    // A committer could otherwise dodge its no-show penalty or its strike, and a
                    // winner or agreeing judge must still be there to be paid.
                    if ((r.answerCommits | r.judgmentCommits) & bit != 0) revert NodeCommitted(nodeId, c.round);
                    deferred = true;
                }
            }
            _core.admitted = c.admitted & ~bit;
            n.admitted = false;
            // The lane is part of the unresolved round's old words: it is zeroed when that round
            // resolves (a settlement is proven on the words as they are).
            if (deferred) _core.leaving = c.leaving | bit;
            else _freeSlots(bit);
        }
        // The vault keeps the unlocked stake slashable by this contract for its unbonding delay.
        uint64 ends = uint64(block.timestamp) + _stakeVault.unbondingDelay();
        n.left = true;
        n.unbondingEnds = ends;
        uint256 held = n.stake;
        emit NodeLeft(nodeId, account, admitted, slot, deferred, held, ends);
        _unlockStake(account, _unlockable(account, held));
    }

    // ---------------------------------------------------------------- rounds

    /// @inheritdoc ISwarmReputation
    function openRound(
        bytes32 questionHash,
        string calldata questionURI,
        uint256 reward
    ) external nonReentrant returns (uint32 round) {
        _sync();
        uint32 last = _core.round;
        if (last != 0) {
            RoundStatus st = _rounds[last].status;
            if (st == RoundStatus.Open || st == RoundStatus.Proposed) revert RoundInProgress(last, uint8(st));
        }
        _checkURI(questionURI);
        if (last == type(uint32).max) revert RoundsExhausted();
        round = last + 1;
        // What arrives is escrowed (a fee-on-transfer token delivers less than `reward`).
        uint256 received;
        if (reward != 0) {
            uint256 before = _token.balanceOf(address(this));
            _token.safeTransferFrom(msg.sender, address(this), reward);
            received = _token.balanceOf(address(this)) - before;
        }
        if (received > type(uint128).max) revert InvalidReward(received);
        uint256 header = _header(round);
        RoundRecord storage r = _rounds[round];
        r.opener = msg.sender;
        r.opensAt = uint40(block.timestamp);
        r.status = RoundStatus.Open;
        // Fits: checked above.
        r.reward = uint128(received);
        r.questionHash = questionHash;
        r.acc = header;
        _core.round = round;
        emit RoundOpened(round, msg.sender, questionHash, questionURI, received, header, uint64(block.timestamp));
    }

    /// @inheritdoc ISwarmReputation
    function commitAnswer(uint32 round, bytes32 commitHash) external nonReentrant {
        _commit(round, commitHash, KIND_ANSWER);
    }

    /// @inheritdoc ISwarmReputation
    function commitJudgment(uint32 round, bytes32 commitHash) external nonReentrant {
        _commit(round, commitHash, KIND_JUDGMENT);
    }

    /// @inheritdoc ISwarmReputation
    function revealAnswer(uint32 round, bytes32 answerDigest, bytes32 salt, string calldata uri) external nonReentrant {
        (uint32 id, uint8 slot, RoundRecord storage r) = _checkReveal(round, KIND_ANSWER, answerDigest, salt);
        _checkURI(uri);
        r.answered |= uint64(1) << slot;
        emit AnswerRevealed(round, id, slot, answerDigest, uri);
    }

    /// @inheritdoc ISwarmReputation
    function revealJudgment(uint32 round, uint256 commitment, bytes32 salt, string calldata uri) external nonReentrant {
        // The hasher reduces inputs mod r, so c and c + r would chain alike; the circuit takes c < r.
        if (commitment >= SnarkField.MODULUS) revert InvalidCommitment(commitment);
        (uint32 id, uint8 slot, RoundRecord storage r) = _checkReveal(round, KIND_JUDGMENT, bytes32(commitment), salt);
        _checkURI(uri);
        uint64 judged = r.judged;
        uint256 position = _popCount(judged);
        // Rule 4: one step per reveal, in reveal order, over the revealing slot and its commitment.
        uint256 acc = _hash3(r.acc, slot, commitment);
        r.acc = acc;
        r.judged = judged | (uint64(1) << slot);
        emit JudgmentRevealed(round, id, slot, position, commitment, uri, acc);
    }

    /// @inheritdoc ISwarmReputation
    function settleRanking(RankingResult calldata res, Groth16Proof calldata proof) external nonReentrant {
        _sync();
        uint32 round = _core.round;
        _requireRound(SCHEDULE_ID, res.round, round);
        RoundRecord storage r = _rounds[round];
        RoundStatus st = r.status;
        if (st == RoundStatus.Proposed) {
            revert RoundAlreadyProposed(round, _pending.settler, _pendingMasks.includedMask);
        }
        if (st != RoundStatus.Open) revert RoundNotOpen(round, uint8(st));
        _inPhase(round, PHASE_SETTLEMENT, r.opensAt);
        _propose(r, res, proof, false);
    }

    /// @inheritdoc ISwarmReputation
    function challengeRanking(
        RankingResult calldata res,
        bytes calldata replaced,
        Groth16Proof calldata proof
    ) external nonReentrant {
        // sync made a proposal final once its window closed.
        _sync();
        uint32 round = _core.round;
        _requireRound(SCHEDULE_ID, res.round, round);
        RoundRecord storage r = _rounds[round];
        if (r.status != RoundStatus.Proposed) revert NoPendingProposal(round);
        // Strictly more included reveals: whoever holds an honest judge's content can prove it in,
        // so nobody censors a judge by proposing first; and the count only grows, so a round sees
        // at most N proposals.
        uint256 n = _popCount(res.includedMask);
        uint256 pendingN = _popCount(_pendingMasks.includedMask);
        if (n <= pendingN) revert ChallengeNotStronger(round, n, pendingN);
        bytes32 expected = _pendingDigest;
        bytes32 actual = sha256(replaced);
        if (actual != expected) revert ReplacedOutputMismatch(round, expected, actual);
        // Exact: nothing else writes a word while a proposal is pending (admissions wait, leaves defer).
        // In bounds: the digest matched outBytes of 37 + 64M bytes.
        uint256 m = _numWords;
        for (uint256 k = 0; k < m; ++k) {
            uint256 old;
            assembly ("memory-safe") {
                old := calldataload(add(replaced.offset, add(OUT_HEAD, shl(5, k))))
            }
            _words[k] = old;
        }
        _propose(r, res, proof, true);
    }

    /// @inheritdoc ISwarmReputation
    function finalizeRound(uint32 round) external nonReentrant {
        _resolveExplicitly(round, RoundStatus.Final);
    }

    /// @inheritdoc ISwarmReputation
    function releaseRound(uint32 round) external nonReentrant {
        _resolveExplicitly(round, RoundStatus.Expired);
    }

    /// @inheritdoc ISwarmReputation
    function penalizeNoShow(uint32 round, uint8 slot) external nonReentrant returns (uint256 amount) {
        _sync();
        uint32 last = _core.round;
        if (round == 0 || round > last) revert UnknownRound(round, last);
        RoundRecord storage r = _rounds[round];
        uint256 opensAt = r.opensAt;
        uint64 bit = slot < _slots ? uint64(1) << slot : 0;
        bool answer =
            block.timestamp >= opensAt + _answerRevealEnd &&
                (r.answerCommits & ~r.answered & ~r.answerNoShowsTaken & bit) != 0;
        bool judgment =
            block.timestamp >= opensAt + _judgeRevealEnd &&
                (r.judgmentCommits & ~r.judged & ~r.judgmentNoShowsTaken & bit) != 0;
        if (!answer && !judgment) revert NoShowNotFound(round, slot);
        if (answer) r.answerNoShowsTaken |= bit;
        if (judgment) r.judgmentNoShowsTaken |= bit;
        uint32 id = _committer(round, slot);
        NodeRecord storage n = _nodes[id];
        if (answer) amount += _slashNoShow(id, n, round, Offence.NoShowAnswer, SCOPE_NO_SHOW_ANSWER);
        if (judgment) amount += _slashNoShow(id, n, round, Offence.NoShowJudgment, SCOPE_NO_SHOW_JUDGMENT);
    }

    /// @inheritdoc ISwarmReputation
    function claimRewards() external nonReentrant returns (uint256 amount) {
        // A proposal whose window closed pays out first, so a claim includes it.
        _sync();
        amount = _rewards[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        _rewards[msg.sender] = 0;
        emit RewardsClaimed(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISwarmReputation
    function params() external view returns (SwarmParams memory p) {
        uint256 rp = _ruleParams;
        p.slots = _slots;
        p.emaRate = rp & ((1 << 17) - 1);
        p.minAgreement = (rp >> 17) & REP_MAX;
        p.prior = rp >> 33;
        p.answerCommitWindow = _answerCommitEnd;
        p.answerRevealWindow = _answerRevealEnd - _answerCommitEnd;
        p.judgeCommitWindow = _judgeCommitEnd - _answerRevealEnd;
        p.judgeRevealWindow = _judgeRevealEnd - _judgeCommitEnd;
        p.settlementWindow = _settlementEnd - _judgeRevealEnd;
        p.challengeWindow = _challengeWindow;
        p.nodeStake = _nodeStake;
        p.initialReputation = _initialReputation;
        p.strikeLimit = _strikeLimit;
        p.strikeWindow = _strikeWindow;
        p.strikeSlashAmount = _strikeSlashAmount;
        p.noShowPenalty = _noShowPenalty;
        p.winnerShareBps = _winnerShareBps;
    }

    /// @inheritdoc ISwarmReputation
    function ruleParams() external view returns (uint256) {
        return _ruleParams;
    }

    /// @inheritdoc ISwarmReputation
    function nodeCount() external view returns (uint256) {
        return _core.nodeCount;
    }

    /// @inheritdoc ISwarmReputation
    function node(uint32 nodeId) external view returns (NodeInfo memory info) {
        NodeRecord storage n = _nodeRecord(nodeId);
        info = NodeInfo({
            account: n.account,
            status: _status(n),
            slot: n.slot,
            stake: n.stake,
            unbondingEnds: n.unbondingEnds,
            strikes: _popCount(_shiftFlags(n.flags, n.flagsAt, _finalRoundsNow()) & _windowMask()),
            metadataURI: n.uri
        });
    }

    /// @inheritdoc ISwarmReputation
    function nodeOf(address account) external view returns (uint32) {
        return _nodeOf[account];
    }

    /// @inheritdoc ISwarmReputation
    function nodeAtSlot(uint8 slot) external view returns (uint32) {
        return _slotNode[slot];
    }

    /// @inheritdoc ISwarmReputation
    function admittedMask() external view returns (uint64) {
        return _core.admitted;
    }

    /// @inheritdoc ISwarmReputation
    function reputationOf(uint8 slot) external view returns (uint16) {
        if (slot >= _slots) return 0;
        return uint16(_words[slot >> 4] >> ((slot & 15) << 4));
    }

    /// @inheritdoc ISwarmReputation
    function reputationWords() external view returns (uint256[] memory words) {
        words = _oldWords();
    }

    /// @inheritdoc ISwarmReputation
    function currentRound() external view returns (uint32) {
        return _core.round;
    }

    /// @inheritdoc ISwarmReputation
    function roundInfo(uint32 round) external view returns (RoundInfo memory info) {
        info.round = round;
        if (round == 0 || round > _core.round) return info;
        RoundRecord storage r = _rounds[round];
        uint256 o = r.opensAt;
        info.opener = r.opener;
        info.reward = r.reward;
        info.questionHash = r.questionHash;
        info.opensAt = uint64(o);
        info.answerCommitEnd = uint64(o + _answerCommitEnd);
        info.answerRevealEnd = uint64(o + _answerRevealEnd);
        info.judgeCommitEnd = uint64(o + _judgeCommitEnd);
        info.judgeRevealEnd = uint64(o + _judgeRevealEnd);
        info.settlementDeadline = uint64(o + _settlementEnd);
        info.answeredMask = r.answered;
        info.judgedMask = r.judged;
        info.header = _header(round);
        info.acc = r.acc;
        RoundStatus st = r.status;
        if (st == RoundStatus.Proposed) {
            Pending memory p = _pending;
            PendingMasks memory pm = _pendingMasks;
            info.finalAt = uint64(p.proposedAt + _challengeWindow);
            info.winner = p.winner;
            info.settler = p.settler;
            info.includedMask = pm.includedMask;
            info.agreeMask = pm.agreeMask;
            info.flaggedMask = pm.flaggedMask;
            info.outDigest = _pendingDigest;
            if (block.timestamp >= info.finalAt) st = RoundStatus.Final;
        } else if (st == RoundStatus.Final) {
            info.finalAt = r.finalAt;
            info.winner = r.winner;
            info.settler = r.settler;
            info.includedMask = r.includedMask;
            info.agreeMask = r.agreeMask;
            info.flaggedMask = r.flaggedMask;
            info.outDigest = r.outDigest;
        } else if (st == RoundStatus.Open && block.timestamp >= _expiresAt(r)) {
            st = RoundStatus.Expired;
        }
        info.status = st;
    }

    /// @inheritdoc ISwarmReputation
    function roundHeader(uint32 round) external view returns (uint256) {
        return _header(round);
    }

    /// @inheritdoc ISwarmReputation
    function commitHashOf(
        uint8 kind,
        uint32 round,
        uint8 slot,
        bytes32 value,
        bytes32 salt
    ) external view returns (bytes32) {
        return _commitHash(kind, round, slot, value, salt);
    }

    /// @inheritdoc ISwarmReputation
    function outBytes(RankingResult calldata res) external view returns (bytes memory) {
        return _outBytes(res, _rounds[res.round].answered);
    }

    /// @inheritdoc ISwarmReputation
    function publicInputs(RankingResult calldata res, address settler) external view returns (uint256[] memory) {
        RoundRecord storage r = _rounds[res.round];
        return _inputs(sha256(_outBytes(res, r.answered)), r.acc, settler);
    }

    /// @inheritdoc ISwarmReputation
    function pendingRewards(address account) external view returns (uint256) {
        return _rewards[account];
    }

    // ---------------------------------------------------------------- internal: commit and reveal

    /// @dev Records the caller's commit of `kind` in `round`, in that kind's commit phase.
    function _commit(uint32 round, bytes32 commitHash, uint8 kind) private {
        (uint32 id, uint8 slot) = _callerSlot();
        RoundRecord storage r = _openRound(round);
        _inPhase(round, kind == KIND_ANSWER ? PHASE_ANSWER_COMMIT : PHASE_JUDGMENT_COMMIT, r.opensAt);
        if (commitHash == bytes32(0)) revert InvalidCommitHash();
        uint64 bit = uint64(1) << slot;
        uint64 commits = kind == KIND_ANSWER ? r.answerCommits : r.judgmentCommits;
        if (commits & bit != 0) revert AlreadyCommitted(round, slot, kind);
        // A copied hash could never be revealed by the copier (the hash binds the slot); refusing
        // it keeps the copier from posing as a participant it is not.
        uint256 owner = _hashSlot[round][commitHash];
        if (owner != 0) revert CommitmentCopied(round, slot, uint8((owner & 0xff) - 1));
        _hashSlot[round][commitHash] = (uint256(id) << 8) | (uint256(slot) + 1);
        SlotCommit storage sc = _commits[round][slot];
        if (kind == KIND_ANSWER) {
            sc.answer = commitHash;
            r.answerCommits = commits | bit;
        } else {
            sc.judgment = commitHash;
            r.judgmentCommits = commits | bit;
        }
        emit Committed(round, id, slot, kind, commitHash);
    }

    /// @dev Checks the caller's reveal of `kind` in `round` in its phase; returns its node, slot and the round.
    function _checkReveal(
        uint32 round,
        uint8 kind,
        bytes32 value,
        bytes32 salt
    ) private view returns (uint32 id, uint8 slot, RoundRecord storage r) {
        (id, slot) = _callerSlot();
        r = _openRound(round);
        _inPhase(round, kind == KIND_ANSWER ? PHASE_ANSWER_REVEAL : PHASE_JUDGMENT_REVEAL, r.opensAt);
        SlotCommit storage sc = _commits[round][slot];
        bytes32 expected = kind == KIND_ANSWER ? sc.answer : sc.judgment;
        if (expected == bytes32(0)) revert NotCommitted(round, slot, kind);
        uint64 revealed = kind == KIND_ANSWER ? r.answered : r.judged;
        if ((revealed >> slot) & 1 != 0) revert AlreadyRevealed(round, slot, kind);
        bytes32 actual = _commitHash(kind, round, slot, value, salt);
        if (actual != expected) revert RevealMismatch(round, slot, kind, expected, actual);
    }

    /// @dev Reverts with OutsidePhase unless now is in phase `phase` of a round opened at
    /// `opensAt` (the one call site of the clock's check, which keeps the code small).
    function _inPhase(uint32 round, uint256 phase, uint256 opensAt) private view {
        _requirePhase(
            SCHEDULE_ID,
            round,
            phase,
            uint64(opensAt + (phase == 0 ? 0 : _phaseEnd(phase - 1))),
            uint64(opensAt + _phaseEnd(phase))
        );
    }

    /// @dev When phase `phase` ends, in seconds after the round opens.
    function _phaseEnd(uint256 phase) private view returns (uint256) {
        if (phase == PHASE_ANSWER_COMMIT) return _answerCommitEnd;
        if (phase == PHASE_ANSWER_REVEAL) return _answerRevealEnd;
        if (phase == PHASE_JUDGMENT_COMMIT) return _judgeCommitEnd;
        if (phase == PHASE_JUDGMENT_REVEAL) return _judgeRevealEnd;
        return _settlementEnd;
    }

    /// @dev The caller's node and slot, or NotRegistered / NodeNotAdmitted.
    function _callerSlot() private view returns (uint32 id, uint8 slot) {
        id = _nodeOf[msg.sender];
        if (id == 0) revert NotRegistered(msg.sender);
        NodeRecord storage n = _nodes[id];
        if (!n.admitted) revert NodeNotAdmitted(id);
        slot = n.slot;
    }

    /// @dev The latest round, which must be `round` and Open.
    function _openRound(uint32 round) private view returns (RoundRecord storage r) {
        uint32 last = _core.round;
        _requireRound(SCHEDULE_ID, round, last);
        r = _rounds[round];
        RoundStatus st = r.status;
        if (st != RoundStatus.Open) revert RoundNotOpen(round, uint8(st));
    }

    /// @dev keccak256(abi.encode(chainId, this, kind, round, slot, value, salt)).
    function _commitHash(
        uint8 kind,
        uint32 round,
        uint8 slot,
        bytes32 value,
        bytes32 salt
    ) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), kind, round, slot, value, salt));
    }

    /// @dev The round header Poseidon(tag + N, context, round, ruleParams) (rule 1).
    function _header(uint32 round) private view returns (uint256) {
        return _hash4(HEADER_TAG_BASE + _slots, proofContext(), round, _ruleParams);
    }

    // ---------------------------------------------------------------- internal: settlement

    /// @dev Checks the result against the round, verifies the proof, applies the new words and
    /// records the proposal.
    function _propose(
        RoundRecord storage r,
        RankingResult calldata res,
        Groth16Proof calldata proof,
        bool replacing
    ) private {
        uint32 round = res.round;
        uint64 answered = r.answered;
        {
            uint64 judged = r.judged;
            uint64 inc = res.includedMask;
            uint64 agr = res.agreeMask;
            uint64 flg = res.flaggedMask;
            // Only revealed judges are included (so nobody else is ever flagged or paid), at least one.
            if (inc == 0 || inc & ~judged != 0 || (agr | flg) & ~inc != 0 || agr & flg != 0) {
                revert InvalidMasks(round, inc, agr, flg, judged);
            }
            uint256 w = res.winner;
            // Rule 10: a slot that answered, or N exactly when nobody did.
            if (w > _slots || (w == _slots) != (answered == 0) || (w < _slots && (answered >> w) & 1 == 0)) {
                revert InvalidWinner(round, res.winner, answered);
            }
        }
        if (res.newWords.length != _numWords) revert WordCountMismatch(_numWords, res.newWords.length);
        bytes memory out = _outBytes(res, answered);
        bytes32 digest = sha256(out);
        // Replay protection is the round: a proposal exists now (a second one must be stronger),
        // and a final one closes the round. Never the proof bytes (Groth16 proofs are malleable).
        _verifyOrRevert(round, proof, _inputs(digest, r.acc, msg.sender));
        uint256 m = _numWords;
        for (uint256 k = 0; k < m; ++k) _words[k] = res.newWords[k];
        if (!replacing) r.status = RoundStatus.Proposed;
        _pending = Pending({settler: msg.sender, proposedAt: uint40(block.timestamp), winner: res.winner});
        _pendingMasks = PendingMasks({
            round: round,
            includedMask: res.includedMask,
            agreeMask: res.agreeMask,
            flaggedMask: res.flaggedMask
        });
        _pendingDigest = digest;
        _emitProposed(res, digest, replacing, out, proof);
    }

    /// @dev Emits RankingProposed (its own frame: the event has more fields than _propose's stack holds).
    function _emitProposed(
        RankingResult calldata res,
        bytes32 digest,
        bool replacing,
        bytes memory out,
        Groth16Proof calldata proof
    ) private {
        emit RankingProposed(
            res.round,
            msg.sender,
            res.winner,
            res.includedMask,
            res.agreeMask,
            res.flaggedMask,
            digest,
            uint64(block.timestamp + _challengeWindow),
            replacing,
            out,
            proof
        );
    }

    /// @dev outBytes of rule 14: uint32 round ‖ uint8 winner ‖ uint64 answeredMask ‖ uint64
    /// includedMask ‖ uint64 agreeMask ‖ uint64 flaggedMask ‖ old words ‖ new words, big-endian.
    /// encodePacked writes the scalars at their widths and each uint256 array element as its 32
    /// bytes, without a length: exactly that layout. Old words come from storage.
    function _outBytes(RankingResult calldata res, uint64 answered) private view returns (bytes memory) {
        return
            abi.encodePacked(
                res.round,
                res.winner,
                answered,
                res.includedMask,
                res.agreeMask,
                res.flaggedMask,
                _oldWords(),
                res.newWords
            );
    }

    /// @dev The M stored words.
    function _oldWords() private view returns (uint256[] memory words) {
        uint256 m = _numWords;
        words = new uint256[](m);
        for (uint256 k = 0; k < m; ++k) words[k] = _words[k];
    }

    /// @dev The public inputs [outHash, acc, settler], in circuit order.
    function _inputs(bytes32 digest, uint256 acc, address settler) private pure returns (uint256[] memory inputs) {
        inputs = new uint256[](NUM_PUBLIC_INPUTS);
        inputs[0] = uint256(digest) & OUT_HASH_MASK;
        inputs[1] = acc;
        inputs[2] = uint160(settler);
    }

    // ---------------------------------------------------------------- internal: resolution

    /// @dev Resolves the latest round if its time is over: a proposal is final at proposedAt +
    /// challengeWindow; without one the round expires at its settlement deadline (at its judgment
    /// reveal deadline when nobody revealed a judgment: nothing could be proven). Writes only when
    /// something changed; bounded (one round, loops over at most N slots).
    function _sync() private {
        uint32 round = _core.round;
        if (round == 0) return;
        RoundRecord storage r = _rounds[round];
        RoundStatus st = r.status;
        if (st == RoundStatus.Open) {
            if (block.timestamp >= _expiresAt(r)) _expire(round, r);
        } else if (st == RoundStatus.Proposed) {
            if (block.timestamp >= uint256(_pending.proposedAt) + _challengeWindow) _finalize(round, r);
        }
    }

    /// @dev finalizeRound / releaseRound: resolves the latest round through sync; succeeds when
    /// `round` is (now, or already) in status `want`, else says why not and when it can be.
    function _resolveExplicitly(uint32 round, RoundStatus want) private {
        _sync();
        uint32 last = _core.round;
        if (round == 0 || round > last) revert UnknownRound(round, last);
        RoundRecord storage r = _rounds[round];
        RoundStatus st = r.status;
        if (st == want) return;
        uint256 at;
        if (want == RoundStatus.Final && st == RoundStatus.Proposed) at = _pending.proposedAt + _challengeWindow;
        else if (want == RoundStatus.Expired && st == RoundStatus.Open) at = _expiresAt(r);
        revert RoundNotResolvable(round, uint8(st), uint64(at), uint64(block.timestamp));
    }

    function _expiresAt(RoundRecord storage r) private view returns (uint256) {
        return uint256(r.opensAt) + (r.judged == 0 ? _judgeRevealEnd : _settlementEnd);
    }

    /// @dev The round ended without a proposal: the opener gets the reward back.
    function _expire(uint32 round, RoundRecord storage r) private {
        r.status = RoundStatus.Expired;
        uint256 refund = r.reward;
        address opener = r.opener;
        emit RoundExpired(round, opener, refund);
        _credit(opener, round, refund);
        _freeLeaving();
    }

    /// @dev The pending proposal became final: records it, pays, strikes.
    function _finalize(uint32 round, RoundRecord storage r) private {
        Pending memory p = _pending;
        PendingMasks memory pm = _pendingMasks;
        bytes32 digest = _pendingDigest;
        r.status = RoundStatus.Final;
        r.winner = p.winner;
        r.settler = p.settler;
        // Fits: proposedAt and the window are far below 2^40.
        r.finalAt = uint40(p.proposedAt + _challengeWindow);
        r.includedMask = pm.includedMask;
        r.agreeMask = pm.agreeMask;
        r.flaggedMask = pm.flaggedMask;
        r.outDigest = digest;
        // Cannot overflow: at most one final round per round, and rounds are < 2^32.
        uint32 ordinal;
        unchecked {
            ordinal = ++_core.finalRounds;
        }
        (uint256 winnerReward, uint256 judgeReward, uint256 refund) = _payout(round, r, p.winner, pm.agreeMask);
        emit RoundFinalized(round, p.settler, p.winner, digest, winnerReward, judgeReward, refund, ordinal);
        _strike(round, pm.flaggedMask, ordinal);
        _freeLeaving();
    }

    /// @dev Credits the reward: winnerShareBps to the winner, the rest in equal parts to the
    /// agreeing judges, the dust (and everything, without agreeing judges) to the winner; the
    /// opener gets it back when nobody answered.
    function _payout(
        uint32 round,
        RoundRecord storage r,
        uint8 winner,
        uint64 agree
    ) private returns (uint256 winnerReward, uint256 judgeReward, uint256 refund) {
        uint256 reward = r.reward;
        if (winner == _slots) {
            refund = reward;
            _credit(r.opener, round, reward);
            return (0, 0, refund);
        }
        uint256 judges = _popCount(agree);
        if (judges != 0) judgeReward = (reward - (reward * _winnerShareBps) / BPS) / judges;
        // Cannot underflow: judgeReward * judges <= reward.
        winnerReward = reward - judgeReward * judges;
        _credit(_nodes[_committer(round, winner)].account, round, winnerReward);
        // Bounded: at most N <= 64 agreeing slots.
        for (uint256 k = 0; agree != 0; ++k) {
            if (agree & 1 != 0) _credit(_nodes[_committer(round, k)].account, round, judgeReward);
            agree >>= 1;
        }
    }

    function _credit(address account, uint32 round, uint256 amount) private {
        if (amount == 0) return;
        _rewards[account] += amount;
        emit RewardCredited(account, round, amount);
    }

    /// @dev Frees the slots of nodes that left during the round that just resolved.
    function _freeLeaving() private {
        uint64 leaving = _core.leaving;
        if (leaving == 0) return;
        _core.leaving = 0;
        _freeSlots(leaving);
    }

    /// @dev Zeroes the lanes of the slots in `mask` and clears their nodes (at most N slots).
    function _freeSlots(uint64 mask) private {
        for (uint256 i = 0; (mask >> i) != 0; ++i) {
            if ((mask >> i) & 1 != 0) {
                _words[i >> 4] &= ~(REP_MAX << ((i & 15) << 4));
                _slotNode[i] = 0;
            }
        }
        emit SlotsFreed(mask);
    }

    // ---------------------------------------------------------------- internal: penalties

    /// @dev Gives each node flagged in final `round` (the `ordinal`-th final one) a strike and
    /// slashes one with strikeLimit strikes within the last strikeWindow final rounds, once: its
    /// strikes are cleared by the slash, and the offence id is (strikes, round, node).
    function _strike(uint32 round, uint64 flagged, uint32 ordinal) private {
        uint64 window = _windowMask();
        // Bounded: at most N <= 64 flagged slots.
        for (uint256 k = 0; flagged != 0; ++k) {
            if (flagged & 1 != 0) {
                uint32 id = _committer(round, k);
                NodeRecord storage n = _nodes[id];
                uint64 flags = _shiftFlags(n.flags, n.flagsAt, ordinal) | 1;
                uint256 strikes = _popCount(flags & window);
                emit NodeFlagged(id, round, strikes);
                bool offence = strikes >= _strikeLimit;
                n.flags = offence ? 0 : flags;
                n.flagsAt = ordinal;
                if (offence) _slashStrikes(id, n, round);
            }
            flagged >>= 1;
        }
    }

    /// @dev Takes strikeSlashAmount (capped at what is held); a refusal is reported, never blocks.
    function _slashStrikes(uint32 id, NodeRecord storage n, uint32 round) private {
        uint256 held = n.stake;
        uint256 take = _slashable(_strikeSlashAmount, held);
        if (take == 0) return;
        bytes32 offenceId = _offenceId(SCOPE_STRIKES, round, id);
        address account = n.account;
        if (_trySlash(account, take, offenceId)) {
            // Cannot underflow: take <= held.
            unchecked {
                n.stake = uint96(held - take);
            }
            emit NodeSlashed(id, round, account, Offence.Strikes, offenceId, take);
        } else {
            emit SlashFailed(id, round, offenceId);
        }
    }

    /// @dev Takes noShowPenalty (capped at what is held) under (scope, round, node); a refusal
    /// reverts (SlashRefused), so the penalty can be taken later.
    function _slashNoShow(
        uint32 id,
        NodeRecord storage n,
        uint32 round,
        Offence offence,
        uint256 scope
    ) private returns (uint256 take) {
        uint256 held = n.stake;
        take = _slashable(_noShowPenalty, held);
        if (take == 0) return 0;
        bytes32 offenceId = _offenceId(scope, round, id);
        address account = n.account;
        // Cannot underflow: take <= held.
        unchecked {
            n.stake = uint96(held - take);
        }
        emit NodeSlashed(id, round, account, offence, offenceId, take);
        if (!_trySlash(account, take, offenceId)) revert SlashRefused(id, offenceId);
    }

    /// @dev Flags as of final round `ordinal`: bit i for the (ordinal - i)-th.
    function _shiftFlags(uint64 flags, uint32 at, uint256 ordinal) private pure returns (uint64) {
        uint256 shift = ordinal - at;
        return shift >= 64 ? 0 : uint64(uint256(flags) << shift);
    }

    function _windowMask() private view returns (uint64) {
        // strikeWindow <= 64.
        return uint64((uint256(1) << _strikeWindow) - 1);
    }

    /// @dev Final rounds as of now (a proposal past its window counts before it is recorded).
    function _finalRoundsNow() private view returns (uint256 n) {
        n = _core.finalRounds;
        uint32 round = _core.round;
        if (
            round != 0 &&
            _rounds[round].status == RoundStatus.Proposed &&
            block.timestamp >= uint256(_pending.proposedAt) + _challengeWindow
        ) ++n;
    }

    // ---------------------------------------------------------------- internal: helpers

    /// @dev The node that committed in `slot` of `round` (0 if the slot committed nothing).
    function _committer(uint32 round, uint256 slot) private view returns (uint32) {
        SlotCommit storage sc = _commits[round][slot];
        bytes32 h = sc.answer != bytes32(0) ? sc.answer : sc.judgment;
        return uint32(_hashSlot[round][h] >> 8);
    }

    /// @dev The node with id `nodeId`, or an UnknownNode revert.
    function _nodeRecord(uint32 nodeId) private view returns (NodeRecord storage) {
        uint256 count = _core.nodeCount;
        if (nodeId == 0 || nodeId > count) revert UnknownNode(nodeId, count);
        return _nodes[nodeId];
    }

    function _status(NodeRecord storage n) private view returns (NodeStatus) {
        if (n.left) return block.timestamp < n.unbondingEnds ? NodeStatus.Unbonding : NodeStatus.Left;
        return n.admitted ? NodeStatus.Admitted : NodeStatus.Registered;
    }

    /// @dev What can be unlocked of `held` for `account`: a slash may have taken from the lock.
    function _unlockable(address account, uint256 held) private view returns (uint256) {
        uint256 locked = _stakeVault.lockedBy(address(this), account);
        return held < locked ? held : locked;
    }

    /// @dev Reverts unless `uri` has 1..MAX_URI_LENGTH bytes.
    function _checkURI(string calldata uri) private pure {
        uint256 len = bytes(uri).length;
        if (len == 0 || len > MAX_URI_LENGTH) revert InvalidURILength(len, MAX_URI_LENGTH);
    }

    /// @dev Checks every parameter but the windows; returns ruleParams (rule 1): emaRate bits
    /// 0..16, minAgreement 17..32, prior 33..40.
    function _checkParams(SwarmParams memory p) private pure returns (uint256) {
        uint256 n = p.slots;
        if (n < MIN_SLOTS || n > MAX_SLOTS || n & 1 != 0) revert InvalidParam("slots", n, MIN_SLOTS, MAX_SLOTS);
        if (p.emaRate > RATE_ONE) revert InvalidParam("emaRate", p.emaRate, 0, RATE_ONE);
        if (p.minAgreement > REP_MAX) revert InvalidParam("minAgreement", p.minAgreement, 0, REP_MAX);
        // 8 * prior >= N keeps the strengths' spread bounded (rule 8).
        uint256 minPrior = (n + 7) >> 3;
        if (p.prior < minPrior || p.prior > MAX_PRIOR) revert InvalidParam("prior", p.prior, minPrior, MAX_PRIOR);
        uint256 maxStake = type(uint96).max;
        if (p.nodeStake == 0 || p.nodeStake > maxStake) revert InvalidParam("nodeStake", p.nodeStake, 1, maxStake);
        if (p.initialReputation > REP_MAX) {
            revert InvalidParam("initialReputation", p.initialReputation, 0, REP_MAX);
        }
        if (p.strikeWindow == 0 || p.strikeWindow > MAX_STRIKE_WINDOW) {
            revert InvalidParam("strikeWindow", p.strikeWindow, 1, MAX_STRIKE_WINDOW);
        }
        if (p.strikeLimit == 0 || p.strikeLimit > p.strikeWindow) {
            revert InvalidParam("strikeLimit", p.strikeLimit, 1, p.strikeWindow);
        }
        // A slash can take no more than the stake anyway; a larger amount is a configuration mistake.
        if (p.strikeSlashAmount > p.nodeStake) {
            revert InvalidParam("strikeSlashAmount", p.strikeSlashAmount, 0, p.nodeStake);
        }
        if (p.noShowPenalty > p.nodeStake) revert InvalidParam("noShowPenalty", p.noShowPenalty, 0, p.nodeStake);
        if (p.winnerShareBps > BPS) revert InvalidParam("winnerShareBps", p.winnerShareBps, 0, BPS);
        return p.emaRate | (p.minAgreement << 17) | (p.prior << 33);
    }

    /// @dev Reverts unless every window is 1..MAX_WINDOW seconds (InvalidWindow names it).
    function _checkWindows(SwarmParams memory p) private pure {
        _checkWindow("answerCommit", p.answerCommitWindow);
        _checkWindow("answerReveal", p.answerRevealWindow);
        _checkWindow("judgeCommit", p.judgeCommitWindow);
        _checkWindow("judgeReveal", p.judgeRevealWindow);
        _checkWindow("settlement", p.settlementWindow);
        _checkWindow("challenge", p.challengeWindow);
    }

    /// @dev The names OutsidePhase gives the phases of a round.
    function _phaseName(uint256 phase) internal pure override returns (string memory) {
        if (phase == PHASE_ANSWER_COMMIT) return "answer commit";
        if (phase == PHASE_ANSWER_REVEAL) return "answer reveal";
        if (phase == PHASE_JUDGMENT_COMMIT) return "judgment commit";
        if (phase == PHASE_JUDGMENT_REVEAL) return "judgment reveal";
        return "settlement";
    }

    /// @dev The phase clock's cap on one round (see MAX_ROUND_DURATION).
    function _maxDuration() internal pure override returns (uint256) {
        return MAX_ROUND_DURATION;
    }

    /// @dev The number of set bits of a mask.
    function _popCount(uint256 x) private pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
