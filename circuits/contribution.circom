pragma circom 2.1.9;

// Contribution(N, P, B): the settlement of one round of a proof-of-contribution training task
// (module 1; the rule is docs/spec/contribution.md, whose step n is Check (n) here, and
// oracle/contribution/reference.ts is its reference model, value for value).
//
// Proves: starting from the task state committed in the round's accumulator, the round's reveals
// (count commitments from distinct slots below maxTrainers, in reveal order) were settled by the
// rule. The prover includes the reveals whose content (an update u_j of P B-bit signed fixed-point
// values) it holds and that match their commitment; the others are left out (unavailable). Of the
// included ones, an update whose squared norm exceeds normBoundSq, or that equals another included
// update, is slashed (objective offences); when at least minSubmissions are included, an update
// whose distance to the coordinate-wise lower median exceeds both distFloor and outlierFactor times
// the median distance is excluded (statistical, never slashed); the rest are inliers. The new
// global model is the old one plus the floor-average of the inliers' updates (clamped to B bits);
// each inlier weighs 1 + its clipped squared cosine similarity to that average (16-bit fixed
// point) and shares the round's reward R in proportion (floor, the remainder to the first inlier,
// so the shares sum to R exactly when there is an inlier); the reward tree, the model commitment
// and the state are updated accordingly. The proof is bound to the address that may post it.
//
// Public inputs, in order:
//   acc              the round's on-chain accumulator: acc_0 = the state at the round's start,
//                    acc_{j+1} = Poseidon(acc_j, round * 2^16 + slot_j, commitment_j), acc = acc_count;
//                    it binds the task, the old model and reward tree, the round, slots, commitments
//                    and order
//   newState         Poseidon(taskHeader, modelCommitment, rewardRoot)
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
// maxTrainers * 2^144 + outlierFactor * 2^160, ruleParams = normBoundSq + distFloor * 2^80 +
// minSubmissions * 2^160), the old model wOld[P] and cumulative rewards cumOld[N], the round,
// count, slot[N], the revealed commitment[N], included[N] and u[N][P], and the prover's sorted
// columns sorted[P][N] and sortedDist[N] (hints, checked by (9) and (10)). Positions j >= count
// are padding, ignored by the rule; like every position they must hold a slot below N and B-bit
// values (the witness builder uses slot 0, commitment 0 and zeros; left-out positions carry zeros
// too). Quotients and remainders are `<--` hints inside the arithmetic templates, each pinned by
// its constraints.
//
// Soundness rests on Poseidon's collision resistance (acc binds the commitments, a commitment binds
// an included update, masks bind the included set, the challenges bind the sorted columns) and,
// for the permutation checks, on Schwartz-Zippel: a sorted column that is not a permutation passes
// with probability at most N / p per column.
//
// Checks:
//   (1)  the task header; the split of configPacked (192 bits) and of ruleParams (168 bits)
//   (2)  round < numRounds (both 16-bit); whether it is the last round
//   (3)  1 <= count <= N; valid_j = (j < count)
//   (4)  each slot is below N, valid slots are below maxTrainers and pairwise distinct
//   (5)  cumOld[i] < 2^128; oldState = Poseidon(taskHeader, VectorCommit(wOld), rewardRoot(cumOld))
//   (6)  the accumulator acc over the revealed commitments
//   (7)  included_j is a bit, included_j <= valid_j, nIncl = sum included_j >= 1; an included
//        position's commitment is VectorCommit(u_j) (which range-checks every u_j)
//   (8)  norm2_j = sum_k u_j[k]^2
//   (9)  med[k] = sorted[k][m], m = floor((nIncl - 1) / 2), where sorted[k] is the column
//        v_j = included_j ? u_j[k] : 2^(B-1) sorted (order, range and grand-product permutation,
//        challenge gammaU = HashPacked(Poseidon(acc, masks), all sorted columns))
//   (10) dist_j = sum_k (u_j[k] - med[k])^2 and medDist = sortedDist[m], where sortedDist is the
//        column included_j ? dist_j : 2^(2B+12) sorted (challenge chained from gammaU)
//   (11) dup_j = included_j AND another included position has the same commitment
//   (12) slashed_j = included_j AND (norm2_j > normBoundSq OR dup_j);
//        excluded_j = included_j AND NOT slashed_j AND nIncl >= minSubmissions AND
//        dist_j > distFloor AND dist_j * 2^16 > outlierFactor * medDist;
//        inlier_j = included_j - slashed_j - excluded_j; nIn; the public masks
//   (13) g[k] = floor(sum_j inlier_j * u_j[k] / nIn), 0 when nIn = 0
//   (14) wNew[k] = clamp(wOld[k] + g[k]) to B-bit signed; VectorCommit(wNew) = modelCommitment
//   (15) score_j = (inlier_j AND dot_j > 0) ? floor(2^16 * dot_j^2 / (norm2_j * gnorm2)) : 0
//   (16) R = floor(budget / numRounds), plus budget mod numRounds in the last round
//   (17) share_j = floor(R * weight_j / W), weight_j = inlier_j * 2^16 + score_j, the remainder
//        to the first inlier; all 0 when nIn = 0
//   (18) cumNew[i] = cumOld[i] + the share of the valid position with slot i, < 2^128;
//        rewardRoot(cumNew) = rewardRoot; newState = Poseidon(taskHeader, modelCommitment, rewardRoot)
//   (19) settler < 2^160

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/gates.circom";
include "circomlib/circuits/multiplexer.circom";
include "circomlib/circuits/poseidon.circom";
include "lib/fixedpoint.circom";
include "lib/commit.circom";
include "lib/arith.circom";
include "lib/merkle.circom";
include "lib/sorting.circom";

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

    // Fixed point of outlierFactor, scores and weights: F fractional bits.
    var F = 16;
    // Column sentinels: above every included value (B-bit signed) and every distance (P <= 1024:
    // dist_j <= P * (2^B - 1)^2 < 2^(2B+10)).
    var SENT = 1 << (B - 1);
    var DSENT = 1 << (2 * B + 12);
    // Candidate median positions: m = floor((nIncl - 1) / 2) <= N/2 - 1.
    var H = N \ 2;
    // Field widths of ruleParams: normBoundSq and distFloor are 80-bit, minSubmissions 8-bit.
    var NORM_BOUND_BITS = 80;
    var DIST_FLOOR_BITS = 80;
    var MIN_SUBMISSIONS_BITS = 8;
    var RULE_BITS = NORM_BOUND_BITS + DIST_FLOOR_BITS + MIN_SUBMISSIONS_BITS;
    // Bit widths, from |u|, |g| <= 2^(B-1) and P <= 2^10:
    //   norm2_j, gnorm2, |dot_j| <= P * 2^(2B-2) <= 2^(2B+8), so |dot_j| < 2^(DOT_BITS - 1)
    var DOT_BITS = 2 * B + 10;
    //   sorted distances are in [0, DSENT], steps below 2^(2B+13)
    var DIST_BITS = 2 * B + 13;
    //   dist_j * 2^F < 2^(2B+26), outlierFactor * medDist < 2^32 * 2^(2B+10)
    var OUTLIER_BITS = 2 * B + 42;
    //   norm2_j * gnorm2 <= 2^(4B+16)
    var SCORE_DEN_BITS = 4 * B + 16;
    //   R < 2^128 + 2^16; weight_j <= 2^F + 2^F, W <= N * 2^(F+1) = 2^(LOG_N + F + 1), which
    //   DivRem(., LOG_N + F + 1) admits as a divisor (d <= 2^DB)
    var SHARE_BITS = 129;
    var WEIGHT_SUM_BITS = LOG_N + F + 1;
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
    signal input cumOld[N];
    // Private: the round and its reveals in reveal order; which of them are included, and the
    // included updates (zeros elsewhere).
    signal input round;
    signal input count;
    signal input slot[N];
    signal input commitment[N];
    signal input included[N];
    signal input u[N][P];
    // Private hints: each column v (see (9)) and the distance column (see (10)), sorted ascending.
    signal input sorted[P][N];
    signal input sortedDist[N];

    // Check (1) - the task header. configPacked is 192 bits, so its fields are unique:
    // budget (bits 0..127), numRounds (128..143), maxTrainers (144..159), outlierFactor (160..191).
    // ruleParams is 168 bits: normBoundSq (0..79), distFloor (80..159), minSubmissions (160..167);
    // the split also range-checks each field for the comparisons in (12).
    signal configBits[192] <== Num2Bits(192)(configPacked);
    var lcBudget = 0;
    var lcRounds = 0;
    var lcMaxTrainers = 0;
    var lcFactor = 0;
    for (var i = 0; i < 128; i++) {
        lcBudget += configBits[i] * (1 << i);
    }
    for (var i = 0; i < 16; i++) {
        lcRounds += configBits[128 + i] * (1 << i);
        lcMaxTrainers += configBits[144 + i] * (1 << i);
    }
    for (var i = 0; i < 32; i++) {
        lcFactor += configBits[160 + i] * (1 << i);
    }
    signal budget <== lcBudget;
    signal numRounds <== lcRounds;
    signal maxTrainers <== lcMaxTrainers;
    signal outlierFactor <== lcFactor;
    signal ruleBits[RULE_BITS] <== Num2Bits(RULE_BITS)(ruleParams);
    var lcNormBound = 0;
    var lcDistFloor = 0;
    var lcMinSubmissions = 0;
    for (var i = 0; i < NORM_BOUND_BITS; i++) {
        lcNormBound += ruleBits[i] * (1 << i);
    }
    for (var i = 0; i < DIST_FLOOR_BITS; i++) {
        lcDistFloor += ruleBits[NORM_BOUND_BITS + i] * (1 << i);
    }
    for (var i = 0; i < MIN_SUBMISSIONS_BITS; i++) {
        lcMinSubmissions += ruleBits[NORM_BOUND_BITS + DIST_FLOOR_BITS + i] * (1 << i);
    }
    signal normBoundSq <== lcNormBound;
    signal distFloor <== lcDistFloor;
    signal minSubmissions <== lcMinSubmissions;
    signal taskHeader <== Poseidon(4)([context, taskId, configPacked, ruleParams]);

    // Check (2) - the round is one of the task's (a 16-bit round also keeps round * 2^16 + slot
    // in the accumulator unambiguous); isLast picks up the budget's remainder in (16).
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

    // Check (5) - the state at the round's start (its commitment also range-checks wOld).
    for (var i = 0; i < N; i++) {
        _ <== Num2Bits(CUM_BITS)(cumOld[i]);
    }
    signal oldRoot <== MerkleRoot(LOG_N)(cumOld);
    signal oldModelCommitment <== VectorCommit(P, B)(wOld);
    signal oldState <== Poseidon(3)([taskHeader, oldModelCommitment, oldRoot]);

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

    // Check (9) - coordinate-wise lower median of the included updates. column[k][j] =
    // included_j ? u_j[k] : SENT; the sorted copy is checked by SortedPermutation (order,
    // [-SENT, SENT], grand product at gammaU). Its seed hashes acc - binding every commitment,
    // hence every included u - and masks - binding the included set, hence the column - and
    // gammaU hashes every sorted value. medHot[i] = (m == i) = inclHot[2i + 1] + inclHot[2i + 2].
    signal column[P][N];
    for (var k = 0; k < P; k++) {
        for (var j = 0; j < N; j++) {
            column[k][j] <== included[j] * (u[j][k] - SENT) + SENT;
        }
    }
    signal sortSeed <== Poseidon(2)([acc, masks]);
    signal gammaU <== SortedPermutation(P, N, -SENT, SENT, B + 1)(sortSeed, column, sorted);
    signal medHot[H];
    for (var i = 0; i < H; i++) {
        medHot[i] <== inclHot[2 * i + 1] + inclHot[2 * i + 2];
    }
    signal med[P];
    component medAt[P];
    for (var k = 0; k < P; k++) {
        medAt[k] = EscalarProduct(H);
        for (var i = 0; i < H; i++) {
            medAt[k].in1[i] <== medHot[i];
            medAt[k].in2[i] <== sorted[k][i];
        }
        med[k] <== medAt[k].out;
    }

    // Check (10) - distances to the median and their lower median over the included positions,
    // sorted the same way with a challenge chained from gammaU (the distances depend on the
    // median, fixed by then).
    signal diffSq[N][P];
    signal dist[N];
    signal distColumn[1][N];
    for (var j = 0; j < N; j++) {
        var lc = 0;
        for (var k = 0; k < P; k++) {
            diffSq[j][k] <== (u[j][k] - med[k]) * (u[j][k] - med[k]);
            lc += diffSq[j][k];
        }
        dist[j] <== lc;
        distColumn[0][j] <== included[j] * (dist[j] - DSENT) + DSENT;
    }
    signal distSorted[1][N];
    distSorted[0] <== sortedDist;
    _ <== SortedPermutation(1, N, 0, DSENT, DIST_BITS)(gammaU, distColumn, distSorted);
    component medDistAt = EscalarProduct(H);
    for (var i = 0; i < H; i++) {
        medDistAt.in1[i] <== medHot[i];
        medDistAt.in2[i] <== sortedDist[i];
    }
    signal medDist <== medDistAt.out;

    // Check (11) - duplicates: dup_j = 1 iff j and some other i (before or after) are both
    // included with the same commitment. Both copies are flagged: the rule cannot tell who
    // copied whom, and an equal pair is evidence of collusion.
    var PAIRS = N * (N - 1) \ 2;
    component same[PAIRS];
    signal bothIncluded[PAIRS];
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
            bothIncluded[pair] <== included[i] * included[j];
            pairDup[pair] <== bothIncluded[pair] * same[pair].out;
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

    // Check (12) - slashed, excluded, inliers and the public masks. Comparator inputs are in
    // range: norm2_j, dist_j < 2^(2B+10) <= 2^80 (every u is B-bit by (7)) and normBoundSq,
    // distFloor < 2^80 (1); nIncl <= 64 and minSubmissions < 2^8; dist_j * 2^F and
    // outlierFactor * medDist below 2^OUTLIER_BITS (medDist is an included position's distance
    // by (10)). The distance rule
    // only excludes: the median moves with the other submissions, so it is no evidence of an
    // offence; below minSubmissions inclusions it is not applied at all, and a distance at or
    // below distFloor is never too far.
    signal factorMedDist <== outlierFactor * medDist;
    signal tooFew <== LessThanRanged(MIN_SUBMISSIONS_BITS)([nIncl, minSubmissions]);
    signal distApplies <== 1 - tooFew;
    signal normOut[N];
    signal offence[N];
    signal slashed[N];
    signal aboveFloor[N];
    signal farFromMedian[N];
    signal distOut[N];
    signal distExcludes[N];
    signal excluded[N];
    signal inlier[N];
    signal includedTerm[N];
    signal excludedTerm[N];
    signal slashedTerm[N];
    var lcIncludedMask = 0;
    var lcExcludedMask = 0;
    var lcSlashedMask = 0;
    var lcInliers = 0;
    for (var j = 0; j < N; j++) {
        normOut[j] <== GreaterThanRanged(NORM_BOUND_BITS)([norm2[j], normBoundSq]);
        offence[j] <== OR()(normOut[j], dup[j]);
        slashed[j] <== included[j] * offence[j];
        aboveFloor[j] <== GreaterThanRanged(DIST_FLOOR_BITS)([dist[j], distFloor]);
        farFromMedian[j] <== GreaterThanRanged(OUTLIER_BITS)([dist[j] * (1 << F), factorMedDist]);
        distOut[j] <== aboveFloor[j] * farFromMedian[j];
        distExcludes[j] <== distApplies * distOut[j];
        excluded[j] <== (included[j] - slashed[j]) * distExcludes[j];
        inlier[j] <== included[j] - slashed[j] - excluded[j];
        includedTerm[j] <== included[j] * slotBit[j];
        excludedTerm[j] <== excluded[j] * slotBit[j];
        slashedTerm[j] <== slashed[j] * slotBit[j];
        lcIncludedMask += includedTerm[j];
        lcExcludedMask += excludedTerm[j];
        lcSlashedMask += slashedTerm[j];
        lcInliers += inlier[j];
    }
    // Each mask is below 2^N <= 2^64 (distinct valid slots, (4)), so the three do not overlap.
    masks === lcIncludedMask + lcExcludedMask * (1 << MASK_SHIFT) + lcSlashedMask * (1 << (2 * MASK_SHIFT));
    signal nIn <== lcInliers;

    // Check (13) - the robust aggregate, floor toward -infinity. With no inlier every sum is 0
    // and the divisor is 1, so g = 0. The divisor is in [1, N].
    signal noInlier <== IsZero()(nIn);
    signal divisor <== nIn + noInlier;
    signal picked[N][P];
    signal g[P];
    component average[P];
    for (var k = 0; k < P; k++) {
        var lc = 0;
        for (var j = 0; j < N; j++) {
            picked[j][k] <== inlier[j] * u[j][k];
            lc += picked[j][k];
        }
        average[k] = FloorDiv(B, LOG_N);
        average[k].a <== lc;
        average[k].d <== divisor;
        g[k] <== average[k].q;
        _ <== average[k].r;
    }

    // Check (14) - the new model (wOld + g is in [-2^B, 2^B), as Clamp requires) and its
    // commitment, the public modelCommitment: the clamp's output is B-bit signed, so the packing
    // needs no range check.
    signal wNew[P];
    for (var k = 0; k < P; k++) {
        wNew[k] <== Clamp(B)(wOld[k] + g[k]);
    }
    signal newModelCommitment <== VectorCommitRanged(P, B)(wNew);
    modelCommitment === newModelCommitment;

    // Check (15) - scores in [0, 2^F] (Cauchy-Schwarz). When a position does not score, the
    // division is 0 / 1, which forces score_j = 0; otherwise dot_j > 0 makes the divisor >= 1.
    signal gSq[P];
    var lcGnorm = 0;
    for (var k = 0; k < P; k++) {
        gSq[k] <== g[k] * g[k];
        lcGnorm += gSq[k];
    }
    signal gnorm2 <== lcGnorm;
    signal dotTerm[N][P];
    signal dot[N];
    signal positive[N];
    signal scoring[N];
    signal dotSq[N];
    signal scoreNum[N];
    signal normProd[N];
    signal scoreDen[N];
    signal score[N];
    component scoreDiv[N];
    for (var j = 0; j < N; j++) {
        var lc = 0;
        for (var k = 0; k < P; k++) {
            dotTerm[j][k] <== u[j][k] * g[k];
            lc += dotTerm[j][k];
        }
        dot[j] <== lc;
        positive[j] <== IsPositive(DOT_BITS)(dot[j]);
        scoring[j] <== inlier[j] * positive[j];
        dotSq[j] <== dot[j] * dot[j];
        scoreNum[j] <== scoring[j] * (dotSq[j] * (1 << F));
        normProd[j] <== norm2[j] * gnorm2;
        scoreDen[j] <== scoring[j] * (normProd[j] - 1) + 1;
        scoreDiv[j] = DivRem(F + 1, SCORE_DEN_BITS);
        scoreDiv[j].a <== scoreNum[j];
        scoreDiv[j].d <== scoreDen[j];
        score[j] <== scoreDiv[j].q;
        _ <== scoreDiv[j].r;
    }

    // Check (16) - the round's reward. numRounds >= 1 by (2).
    component perRound = DivRem(128, 16);
    perRound.a <== budget;
    perRound.d <== numRounds;
    signal lastExtra <== isLast * perRound.r;
    signal reward <== perRound.q + lastExtra;

    // Check (17) - shares. weight_j = inlier_j * 2^F + score_j: 1 + score in F-bit fixed point
    // (score_j = 0 unless inlier_j). W = 0 iff nIn = 0, when every weight is 0 and the divisor is
    // 1, so every share is 0. noneBefore[j] = no inlier before position j; first_j = noneBefore[j]
    // - noneBefore[j + 1].
    signal weight[N];
    var lcWeight = 0;
    for (var j = 0; j < N; j++) {
        weight[j] <== inlier[j] * (1 << F) + score[j];
        lcWeight += weight[j];
    }
    signal weightSum <== lcWeight + noInlier;
    signal shareNum[N];
    signal baseShare[N];
    component shareDiv[N];
    var lcShares = 0;
    for (var j = 0; j < N; j++) {
        shareNum[j] <== reward * weight[j];
        shareDiv[j] = DivRem(SHARE_BITS, WEIGHT_SUM_BITS);
        shareDiv[j].a <== shareNum[j];
        shareDiv[j].d <== weightSum;
        baseShare[j] <== shareDiv[j].q;
        _ <== shareDiv[j].r;
        lcShares += baseShare[j];
    }
    signal leftover <== reward - lcShares;
    signal noneBefore[N + 1];
    signal bonus[N];
    signal share[N];
    noneBefore[0] <== 1;
    for (var j = 0; j < N; j++) {
        noneBefore[j + 1] <== noneBefore[j] * (1 - inlier[j]);
        bonus[j] <== (noneBefore[j] - noneBefore[j + 1]) * leftover;
        share[j] <== baseShare[j] + bonus[j];
    }

    // Check (18) - the new reward leaves (a valid slot is hit by exactly one position by (4);
    // padding and non-inlier positions have share 0), their range, the public rewardRoot and the
    // public newState.
    signal cumTerm[N][N];
    signal cumNew[N];
    for (var i = 0; i < N; i++) {
        var lc = 0;
        for (var j = 0; j < N; j++) {
            cumTerm[i][j] <== share[j] * slotHot[j][i];
            lc += cumTerm[i][j];
        }
        cumNew[i] <== cumOld[i] + lc;
        _ <== Num2Bits(CUM_BITS)(cumNew[i]);
    }
    signal newRoot <== MerkleRoot(LOG_N)(cumNew);
    rewardRoot === newRoot;
    signal computedState <== Poseidon(3)([taskHeader, modelCommitment, rewardRoot]);
    newState === computedState;

    // Check (19) - the settler is an address. The range check is also what binds this public
    // input into the proof: a proof is valid for one settler only, so a front-runner who copies a
    // pending proof cannot post it as its own.
    _ <== Num2Bits(ADDRESS_BITS)(settler);
}
