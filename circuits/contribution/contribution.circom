pragma circom 2.1.9;

// Contribution(N, P, B): the settlement of one round of a proof-of-contribution training task
// (module 1; the rule is docs/spec/contribution.md, whose step n is Check (n) here, with the
// root-trust steps Tn of docs/spec/root-trust.md in lib/trust.circom;
// oracle/contribution/reference.ts is its reference model, value for value).
//
// Proves: starting from the task state committed in the round's accumulator, the round's reveals
// (count commitments from distinct slots below maxTrainers, in reveal order) were settled by the
// rule. The prover includes the reveals whose content (an update u_j of P B-bit signed fixed-point
// values) it holds and that match their commitment; the others are left out (unavailable). In a
// task with root updates, the included reveal of slot 0 (the task owner's) is the round's root
// update g0: never a member, never slashed, never paid. Of the other included ones, an update whose
// squared norm exceeds normBoundSq, or that equals another such update, is slashed (objective
// offences); the rest are the members. The root-trust rule (lib/trust.circom) clips the members to
// their lower median norm, trusts each by clamp(cos(u_j, g0) + trustMargin, 0, 1) (trust 0 is
// excluded, never slashed), steps by the trust-weighted mean of the clipped updates and shares the
// round's reward R by how much each update turns the step toward g0. The new global model is the
// old one plus the step (clamped to B bits); the reward tree, the model commitment and the state
// are updated accordingly. The proof is bound to the address that may post it.
//
// Public inputs, in order:
//   acc              the round's on-chain accumulator: acc_0 = the state at the round's start,
//                    acc_{j+1} = Poseidon(acc_j, round * 2^16 + slot_j, commitment_j), acc = acc_count;
//                    it binds the task, the old models and reward tree, the round, slots,
//                    commitments and order
//   newState         Poseidon(taskHeader, Poseidon(modelCommitment, VectorCommit(wOld)), rewardRoot)
//   modelCommitment  VectorCommit(wNew), the new global model
//   rewardRoot       rewardRoot(cumNew), the Merkle root of the new cumulative rewards
//   masks            includedMask + excludedMask * 2^64 + slashedMask * 2^128, each the sum of
//                    2^slot_j over its positions (< 2^N)
//   settler          the address allowed to post this proof (< 2^160; the contract passes
//                    msg.sender, so a copied pending proof is useless to anyone else)
//
// Parameters: N trainer slots (a power of two, 2..64), P model parameters (1..1024; the
// sentinels and bit widths below assume P <= 1024), B value bits (32 in every instance and in the
// reference; the widths hold for 2..32).
//
// Private inputs: the task header (context, taskId, configPacked = budget + numRounds * 2^128 +
// maxTrainers * 2^144, ruleParams = normBoundSq + trustMargin * 2^80 + rootUpdates * 2^97), the
// old model wOld[P], the model before it wPrev[P] (wOld - wPrev is the previous round's public
// step; wPrev = wOld before the first settlement) and cumulative rewards cumOld[N], the round,
// count, slot[N], the revealed commitment[N], included[N] and u[N][P], and the prover's sorted
// norms sortedNorm2[N] (a hint, checked by (T1)). Positions j >= count are padding, ignored by the
// rule; like every position they must hold a slot below N and B-bit values (the witness builder
// uses slot 0, commitment 0 and zeros; left-out positions carry zeros too). Quotients, remainders
// and square roots are `<--` hints inside the arithmetic templates, each pinned by its constraints.
//
// Soundness rests on Poseidon's collision resistance (acc binds the commitments, a commitment binds
// an included update, masks bind the included set, the challenge binds the sorted norms) and, for
// the permutation check, on Schwartz-Zippel: a sorted column that is not a permutation passes with
// probability at most N / p.
//
// Checks:
//   (1)  the task header; the split of configPacked (160 bits) and of ruleParams (98 bits)
//   (2)  round < numRounds (both 16-bit); whether it is the last round
//   (3)  1 <= count <= N; valid_j = (j < count)
//   (4)  each slot is below N, valid slots are below maxTrainers and pairwise distinct
//   (5)  cumOld[i] < 2^128; oldState = Poseidon(taskHeader, Poseidon(VectorCommit(wOld),
//        VectorCommit(wPrev)), rewardRoot(cumOld))
//   (6)  the accumulator acc over the revealed commitments
//   (7)  included_j is a bit, included_j <= valid_j, nIncl = sum included_j >= 1; an included
//        position's commitment is VectorCommit(u_j) (which range-checks every u_j)
//   (8)  norm2_j = sum_k u_j[k]^2
//   (9)  the root: isRoot_j = rootUpdates AND included_j AND slot_j = 0, hasRoot = sum_j isRoot_j,
//        g0[k] = sum_j isRoot_j * u_j[k]; candidate_j = included_j - isRoot_j; the previous step
//        prev[k] = clamp(wOld[k] - wPrev[k]) to B-bit signed
//   (10) dup_j = candidate_j AND another candidate has the same commitment
//   (11) slashed_j = candidate_j AND (norm2_j > normBoundSq OR dup_j); member_j = candidate_j - slashed_j
//   (12) R = floor(budget / numRounds), plus budget mod numRounds in the last round
//   (13) the root-trust rule (T1)-(T8) over the members, with g0, prev, trustMargin and R, seeded
//        by Poseidon(acc, masks): the step, excluded_j, inlier_j and share_j
//   (14) the public masks
//   (15) wNew[k] = clamp(wOld[k] + step[k]) to B-bit signed; VectorCommit(wNew) = modelCommitment
//   (16) cumNew[i] = cumOld[i] + the share of the valid position with slot i, < 2^128;
//        rewardRoot(cumNew) = rewardRoot; newState as above
//   (17) settler < 2^160

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/gates.circom";
include "circomlib/circuits/multiplexer.circom";
include "circomlib/circuits/poseidon.circom";
include "lib/fixedpoint.circom";
include "lib/commit.circom";
include "lib/arith.circom";
include "lib/merkle.circom";
include "lib/trust.circom";

// log2 of a power of two n (the smallest l with 2^l >= n).
function ceilLog2(n) {
    var l = 0;
    while ((1 << l) < n) {
        l++;
    }
    return l;
}

template Contribution(N, P, B) {
    var LOG_N = ceilLog2(N);
    assert(N >= 2 && N <= 64 && (1 << LOG_N) == N);
    assert(P >= 1 && P <= 1024);
    assert(B >= 2 && B <= 32);

    // Field widths of ruleParams: normBoundSq is 80-bit, trustMargin 17-bit (at most 2^16, checked
    // by RootTrust), rootUpdates a bit.
    var NORM_BOUND_BITS = 80;
    var MARGIN_BITS = 17;
    var RULE_BITS = NORM_BOUND_BITS + MARGIN_BITS + 1;
    var CONFIG_BITS = 160;
    var CUM_BITS = 128;
    //   each mask is a sum of distinct powers 2^slot, slot < N <= 64
    var MASK_SHIFT = 64;
    var ADDRESS_BITS = 160;

    // Public inputs.
    signal input acc;
    signal input newState;
    signal input modelCommitment;
    signal input rewardRoot;
    signal input masks;
    signal input settler;
    // Private: the task header.
    signal input context;
    signal input taskId;
    signal input configPacked;
    signal input ruleParams;
    // Private: the state at the round's start.
    signal input wOld[P];
    signal input wPrev[P];
    signal input cumOld[N];
    // Private: the round and its reveals in reveal order; which of them are included, and the
    // included updates (zeros elsewhere).
    signal input round;
    signal input count;
    signal input slot[N];
    signal input commitment[N];
    signal input included[N];
    signal input u[N][P];
    // Private hint: the members' squared norms sorted ascending (see (T1)).
    signal input sortedNorm2[N];

    // Check (1) - the task header. configPacked is 160 bits, so its fields are unique:
    // budget (bits 0..127), numRounds (128..143), maxTrainers (144..159). ruleParams is 98 bits:
    // normBoundSq (0..79), trustMargin (80..96), rootUpdates (97); the split also range-checks
    // each field for the comparisons below.
    signal configBits[CONFIG_BITS] <== Num2Bits(CONFIG_BITS)(configPacked);
    var lcBudget = 0;
    var lcRounds = 0;
    var lcMaxTrainers = 0;
    for (var i = 0; i < 128; i++) {
        lcBudget += configBits[i] * (1 << i);
    }
    for (var i = 0; i < 16; i++) {
        lcRounds += configBits[128 + i] * (1 << i);
        lcMaxTrainers += configBits[144 + i] * (1 << i);
    }
    signal budget <== lcBudget;
    signal numRounds <== lcRounds;
    signal maxTrainers <== lcMaxTrainers;
    signal ruleBits[RULE_BITS] <== Num2Bits(RULE_BITS)(ruleParams);
    var lcNormBound = 0;
    var lcMargin = 0;
    for (var i = 0; i < NORM_BOUND_BITS; i++) {
        lcNormBound += ruleBits[i] * (1 << i);
    }
    for (var i = 0; i < MARGIN_BITS; i++) {
        lcMargin += ruleBits[NORM_BOUND_BITS + i] * (1 << i);
    }
    signal normBoundSq <== lcNormBound;
    signal trustMargin <== lcMargin;
    signal rootUpdates <== ruleBits[NORM_BOUND_BITS + MARGIN_BITS];
    signal taskHeader <== Poseidon(4)([context, taskId, configPacked, ruleParams]);

    // Check (2) - the round is one of the task's (a 16-bit round also keeps round * 2^16 + slot
    // in the accumulator unambiguous); isLast picks up the budget's remainder in (12).
    _ <== Num2Bits(16)(round);
    signal roundOpen <== LessThanRanged(16)([round, numRounds]);
    roundOpen === 1;
    signal isLast <== IsEqual()([round, numRounds - 1]);

    // Check (3) - count in [1, N]: countHot is its one-hot vector over 0..N and countHot[0] = 0.
    // valid_j = (j < count) = sum_{c > j} countHot[c].
    signal countHot[N + 1] <== OneHot(N + 1)(count);
    countHot[0] === 0;
    signal valid[N];
    for (var j = 0; j < N; j++) {
        var lc = 0;
        for (var c = j + 1; c <= N; c++) {
            lc += countHot[c];
        }
        valid[j] <== lc;
    }

    // Check (4) - slots. slotHot[j] is the one-hot vector of slot_j (so slot_j < N, padding
    // included) and slotBit[j] = 2^slot_j. A valid slot is below maxTrainers (both are 16-bit).
    // Valid slots are distinct: revealed = sum_{valid j} 2^slot_j is a sum of count powers of
    // two; its binary form (N bits, Num2Bits) has exactly count ones iff no two are equal (a
    // repeated power carries, which lowers the number of ones, or overflows N bits).
    signal slotHot[N][N];
    signal slotBit[N];
    signal belowMax[N];
    signal revealedTerm[N];
    var lcRevealed = 0;
    for (var j = 0; j < N; j++) {
        slotHot[j] <== OneHot(N)(slot[j]);
        var lc = 0;
        for (var i = 0; i < N; i++) {
            lc += slotHot[j][i] * (1 << i);
        }
        slotBit[j] <== lc;
        belowMax[j] <== LessThanRanged(16)([slot[j], maxTrainers]);
        valid[j] * (1 - belowMax[j]) === 0;
        revealedTerm[j] <== valid[j] * slotBit[j];
        lcRevealed += revealedTerm[j];
    }
    signal revealedBits[N] <== Num2Bits(N)(lcRevealed);
    var lcOnes = 0;
    for (var i = 0; i < N; i++) {
        lcOnes += revealedBits[i];
    }
    lcOnes === count;

    // Check (5) - the state at the round's start (the commitments also range-check wOld and wPrev).
    for (var i = 0; i < N; i++) {
        _ <== Num2Bits(CUM_BITS)(cumOld[i]);
    }
    signal oldRoot <== MerkleRoot(LOG_N)(cumOld);
    signal oldModelCommitment <== VectorCommit(P, B)(wOld);
    signal prevModelCommitment <== VectorCommit(P, B)(wPrev);
    signal oldModels <== Poseidon(2)([oldModelCommitment, prevModelCommitment]);
    signal oldState <== Poseidon(3)([taskHeader, oldModels, oldRoot]);

    // Check (6) - the accumulator over the revealed commitments: one step per position (padding
    // included, then ignored); acc must be the chain after exactly count steps.
    signal chain[N + 1];
    chain[0] <== oldState;
    for (var j = 0; j < N; j++) {
        chain[j + 1] <== Poseidon(3)([chain[j], round * (1 << 16) + slot[j], commitment[j]]);
    }
    component accAt = EscalarProduct(N);
    for (var j = 0; j < N; j++) {
        accAt.in1[j] <== countHot[j + 1];
        accAt.in2[j] <== chain[j + 1];
    }
    acc === accAt.out;

    // Check (7) - the included set. A bit, only on a revealed position; an included position's
    // update is the revealed content (VectorCommit range-checks every update, included or not,
    // which bounds the squares and products below). nIncl in [1, N]: inclHot is its one-hot
    // vector over 0..N and inclHot[0] = 0 (a settlement must include someone).
    signal updateCommitment[N];
    var lcIncl = 0;
    for (var j = 0; j < N; j++) {
        included[j] * (included[j] - 1) === 0;
        included[j] * (1 - valid[j]) === 0;
        updateCommitment[j] <== VectorCommit(P, B)(u[j]);
        included[j] * (commitment[j] - updateCommitment[j]) === 0;
        lcIncl += included[j];
    }
    signal nIncl <== lcIncl;
    signal inclHot[N + 1] <== OneHot(N + 1)(nIncl);
    inclHot[0] === 0;

    // Check (8) - squared norms.
    signal uSq[N][P];
    signal norm2[N];
    for (var j = 0; j < N; j++) {
        var lc = 0;
        for (var k = 0; k < P; k++) {
            uSq[j][k] <== u[j][k] * u[j][k];
            lc += uSq[j][k];
        }
        norm2[j] <== lc;
    }

    // Check (9) - the root update: the included position of slot 0 when the task has root
    // updates (at most one position, as valid slots are distinct). Without it g0 = 0. The previous
    // step: wOld and wPrev are B-bit, so their difference is in [-2^B, 2^B) as Clamp requires.
    signal slotZeroIncluded[N];
    signal isRoot[N];
    signal candidate[N];
    var lcHasRoot = 0;
    for (var j = 0; j < N; j++) {
        slotZeroIncluded[j] <== included[j] * slotHot[j][0];
        isRoot[j] <== rootUpdates * slotZeroIncluded[j];
        candidate[j] <== included[j] - isRoot[j];
        lcHasRoot += isRoot[j];
    }
    signal hasRoot <== lcHasRoot;
    signal rootTerm[N][P];
    signal root[P];
    for (var k = 0; k < P; k++) {
        var lc = 0;
        for (var j = 0; j < N; j++) {
            rootTerm[j][k] <== isRoot[j] * u[j][k];
            lc += rootTerm[j][k];
        }
        root[k] <== lc;
    }
    signal previous[P];
    for (var k = 0; k < P; k++) {
        previous[k] <== Clamp(B)(wOld[k] - wPrev[k]);
    }

    // Check (10) - duplicates among the candidates: dup_j = 1 iff j and some other candidate i
    // (before or after) have the same commitment. Both copies are flagged: the rule cannot tell
    // who copied whom, and an equal pair is evidence of collusion (a commitment binds its
    // revealer's salt on chain, so nobody can reveal a copy of another's commitment unseen). The
    // root is left out: the owner cannot frame a trainer by copying its update.
    var PAIRS = N * (N - 1) \ 2;
    component same[PAIRS];
    signal bothCandidates[PAIRS];
    signal pairDup[PAIRS];
    var lcDup[N];
    for (var j = 0; j < N; j++) {
        lcDup[j] = 0;
    }
    var pair = 0;
    for (var j = 1; j < N; j++) {
        for (var i = 0; i < j; i++) {
            same[pair] = IsEqual();
            same[pair].in[0] <== commitment[i];
            same[pair].in[1] <== commitment[j];
            bothCandidates[pair] <== candidate[i] * candidate[j];
            pairDup[pair] <== bothCandidates[pair] * same[pair].out;
            lcDup[i] += pairDup[pair];
            lcDup[j] += pairDup[pair];
            pair++;
        }
    }
    signal dup[N];
    component noDup[N];
    for (var j = 0; j < N; j++) {
        noDup[j] = IsZero();
        noDup[j].in <== lcDup[j];
        dup[j] <== 1 - noDup[j].out;
    }

    // Check (11) - objective offences and the members. norm2_j < 2^(2B+10) <= 2^80 and
    // normBoundSq < 2^80 (1), as the comparator needs.
    signal normOut[N];
    signal offence[N];
    signal slashed[N];
    signal member[N];
    for (var j = 0; j < N; j++) {
        normOut[j] <== GreaterThanRanged(NORM_BOUND_BITS)([norm2[j], normBoundSq]);
        offence[j] <== OR()(normOut[j], dup[j]);
        slashed[j] <== candidate[j] * offence[j];
        member[j] <== candidate[j] - slashed[j];
    }

    // Check (12) - the round's reward. numRounds >= 1 by (2).
    component perRound = DivRem(128, 16);
    perRound.a <== budget;
    perRound.d <== numRounds;
    signal lastExtra <== isLast * perRound.r;
    signal reward <== perRound.q + lastExtra;

    // Check (13) - the root-trust rule. Its seed hashes acc - binding every commitment, hence
    // every included u - and masks - binding the included and slashed sets, hence the members.
    // Its input ranges hold: u, g0 and prev are B-bit, norm2 is the exact squared norm, member is a
    // bit (0 on padding), hasRoot a bit with g0 = 0 without a root, reward < 2^129.
    signal seed <== Poseidon(2)([acc, masks]);
    component rule = RootTrust(N, P, B);
    rule.u <== u;
    rule.norm2 <== norm2;
    rule.member <== member;
    rule.hasRoot <== hasRoot;
    rule.root <== root;
    rule.previous <== previous;
    rule.margin <== trustMargin;
    rule.reward <== reward;
    rule.seed <== seed;
    rule.sortedNorm2 <== sortedNorm2;
    for (var j = 0; j < N; j++) {
        _ <== rule.trust[j];
        _ <== rule.inlier[j];
        _ <== rule.value[j];
        _ <== rule.weight[j];
    }

    // Check (14) - the public masks. Each is below 2^N <= 2^64 (distinct valid slots, (4)), so
    // the three do not overlap.
    signal includedTerm[N];
    signal excludedTerm[N];
    signal slashedTerm[N];
    var lcIncludedMask = 0;
    var lcExcludedMask = 0;
    var lcSlashedMask = 0;
    for (var j = 0; j < N; j++) {
        includedTerm[j] <== included[j] * slotBit[j];
        excludedTerm[j] <== rule.excluded[j] * slotBit[j];
        slashedTerm[j] <== slashed[j] * slotBit[j];
        lcIncludedMask += includedTerm[j];
        lcExcludedMask += excludedTerm[j];
        lcSlashedMask += slashedTerm[j];
    }
    masks === lcIncludedMask + lcExcludedMask * (1 << MASK_SHIFT) + lcSlashedMask * (1 << (2 * MASK_SHIFT));

    // Check (15) - the new model (wOld + step is in [-2^B, 2^B), as Clamp requires: the step is a
    // B-bit convex combination) and its commitment, the public modelCommitment: the clamp's output
    // is B-bit signed, so the packing needs no range check.
    signal wNew[P];
    for (var k = 0; k < P; k++) {
        wNew[k] <== Clamp(B)(wOld[k] + rule.step[k]);
    }
    signal newModelCommitment <== VectorCommitRanged(P, B)(wNew);
    modelCommitment === newModelCommitment;

    // Check (16) - the new reward leaves (a valid slot is hit by exactly one position by (4);
    // padding and non-inlier positions have share 0), their range, the public rewardRoot and the
    // public newState, whose previous model is wOld.
    signal cumTerm[N][N];
    signal cumNew[N];
    for (var i = 0; i < N; i++) {
        var lc = 0;
        for (var j = 0; j < N; j++) {
            cumTerm[i][j] <== rule.share[j] * slotHot[j][i];
            lc += cumTerm[i][j];
        }
        cumNew[i] <== cumOld[i] + lc;
        _ <== Num2Bits(CUM_BITS)(cumNew[i]);
    }
    signal newRoot <== MerkleRoot(LOG_N)(cumNew);
    rewardRoot === newRoot;
    signal newModels <== Poseidon(2)([modelCommitment, oldModelCommitment]);
    signal computedState <== Poseidon(3)([taskHeader, newModels, rewardRoot]);
    newState === computedState;

    // Check (17) - the settler is an address. The range check is also what binds this public
    // input into the proof: a proof is valid for one settler only, so a front-runner who copies a
    // pending proof cannot post it as its own.
    _ <== Num2Bits(ADDRESS_BITS)(settler);
}
