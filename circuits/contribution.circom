pragma circom 2.1.9;

// Contribution(N, P, B): the settlement of one round of a proof-of-contribution training task
// (module 1; the rule is the protocol spec, and oracle/contribution/reference.ts is its reference
// model, value for value).
//
// Proves: starting from the task state committed in the round's accumulator, the round's
// submissions (count updates u_j of P B-bit signed fixed-point values, from distinct slots below
// maxTrainers, in submission order) were settled by the rule: submissions far from the
// coordinate-wise lower median, with too large a norm, or copying an earlier submission are
// outliers; the new global model is the old one plus the floor-average of the inliers' updates
// (clamped to B bits); each inlier is weighted 1 + its clipped squared cosine similarity to that
// average and shares the round's reward R in proportion (floor, the remainder to the first inlier,
// so the shares sum to R exactly when there is an inlier); the reward tree, the model commitment
// and the state are updated accordingly.
//
// Public inputs, in order:
//   acc            the round's on-chain accumulator: acc_0 = the state at the round's start,
//                  acc_{j+1} = Poseidon(acc_j, round * 2^16 + slot_j, VectorCommit(u_j)), acc = acc_count;
//                  it binds the task, the old model and reward tree, the round, slots, updates and order
//   newState       Poseidon(taskHeader, VectorCommit(wNew), rewardRoot(cumNew))
//   outlierBitmap  sum of 2^slot_j over the flagged submissions (< 2^N)
//
// Parameters: N trainer slots (a power of two, 2..64), P model parameters (1..1024; the
// sentinels and bit widths below assume P <= 1024), B value bits (32 in every instance and in the
// reference; the widths hold for 2..32).
//
// Private inputs: the task header (context, taskId, configPacked = budget + numRounds * 2^128 +
// maxTrainers * 2^144 + outlierFactor * 2^160, normBoundSq), the old model wOld[P] and cumulative
// rewards cumOld[N], the round, count, slot[N] and u[N][P], and the prover's sorted columns
// sorted[P][N] and sortedDist[N] (hints, checked by (8) and (9)). Positions j >= count are
// padding, ignored by the rule; like every position they must hold a slot below N and B-bit
// values (the witness builder uses slot 0 and zeros). Quotients and remainders are `<--` hints
// inside the arithmetic templates, each pinned by its constraints.
//
// Soundness rests on Poseidon's collision resistance (acc binds the submissions, the challenges
// bind the sorted columns) and, for the permutation checks, on Schwartz-Zippel: a sorted column
// that is not a permutation passes with probability at most N / p per column.
//
// Checks:
//   (1)  the task header and the split of configPacked; normBoundSq < 2^80
//   (2)  round < numRounds (both 16-bit); whether it is the last round
//   (3)  1 <= count <= N; valid_j = (j < count)
//   (4)  each slot is below N, valid slots are below maxTrainers and pairwise distinct
//   (5)  cumOld[i] < 2^128; oldState = Poseidon(taskHeader, VectorCommit(wOld), rewardRoot(cumOld))
//   (6)  the updates' commitments (which range-check u) and the accumulator acc
//   (7)  norm2_j = sum_k u_j[k]^2
//   (8)  med[k] = sorted[k][m], m = floor((count - 1) / 2), where sorted[k] is the column
//        v_j = valid_j ? u_j[k] : 2^(B-1) sorted (order, range and grand-product permutation,
//        challenge gammaU = HashPacked(acc, all sorted columns))
//   (9)  dist_j = sum_k (u_j[k] - med[k])^2 and medDist = sortedDist[m], where sortedDist is the
//        column valid_j ? dist_j : 2^(2B+12) sorted (challenge chained from gammaU)
//   (10) copy_j: an earlier position has the same commitment
//   (11) outlier_j = valid_j AND (norm2_j > normBoundSq OR dist_j * 2^16 > outlierFactor * medDist
//        OR copy_j); inlier_j; nIn; the public outlierBitmap
//   (12) g[k] = floor(sum_j inlier_j * u_j[k] / nIn), 0 when nIn = 0
//   (13) wNew[k] = clamp(wOld[k] + g[k]) to B-bit signed, and its commitment
//   (14) score_j = (inlier_j AND dot_j > 0) ? floor(2^16 * dot_j^2 / (norm2_j * gnorm2)) : 0
//   (15) R = floor(budget / numRounds), plus budget mod numRounds in the last round
//   (16) share_j = floor(R * weight_j / W), weight_j = inlier_j * (1 + score_j), the remainder
//        to the first inlier; all 0 when nIn = 0
//   (17) cumNew[i] = cumOld[i] + the share of the valid position with slot i, < 2^128; the
//        public newState

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

    // Fixed point of outlierFactor and of scores: F fractional bits.
    var F = 16;
    // Column sentinels: above every valid value (B-bit signed) and every distance (P <= 1024:
    // dist_j <= P * (2^B - 1)^2 < 2^(2B+10)).
    var SENT = 1 << (B - 1);
    var DSENT = 1 << (2 * B + 12);
    // Candidate median positions: m = floor((count - 1) / 2) <= N/2 - 1.
    var H = N \ 2;
    // Bit widths, from |u|, |g| <= 2^(B-1) and P <= 2^10:
    //   norm2_j, gnorm2, |dot_j| <= P * 2^(2B-2) <= 2^(2B+8), so |dot_j| < 2^(DOT_BITS - 1)
    var NORM_BOUND_BITS = 80;
    var DOT_BITS = 2 * B + 10;
    //   sorted distances are in [0, DSENT], steps below 2^(2B+13)
    var DIST_BITS = 2 * B + 13;
    //   dist_j * 2^F < 2^(2B+26), outlierFactor * medDist < 2^32 * 2^(2B+10)
    var OUTLIER_BITS = 2 * B + 42;
    //   norm2_j * gnorm2 <= 2^(4B+16)
    var SCORE_DEN_BITS = 4 * B + 16;
    //   R < 2^128 + 2^16, weight_j <= 2^F + 1, W <= N * (2^F + 1) <= 2^(LOG_N + F + 1)
    var SHARE_BITS = 129;
    var WEIGHT_SUM_BITS = LOG_N + F + 1;
    var CUM_BITS = 128;

    // Public inputs.
    signal input acc;
    signal input newState;
    signal input outlierBitmap;
    // Private: the task header.
    signal input context;
    signal input taskId;
    signal input configPacked;
    signal input normBoundSq;
    // Private: the state at the round's start.
    signal input wOld[P];
    signal input cumOld[N];
    // Private: the round and its submissions in submission order.
    signal input round;
    signal input count;
    signal input slot[N];
    signal input u[N][P];
    // Private hints: each column v (see (8)) and the distance column (see (9)), sorted ascending.
    signal input sorted[P][N];
    signal input sortedDist[N];

    // Check (1) - the task header. configPacked is 192 bits, so its fields are unique:
    // budget (bits 0..127), numRounds (128..143), maxTrainers (144..159), outlierFactor (160..191).
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
    // The outlier rule compares squared norms (< 2^(2B+9)) with normBoundSq as 80-bit integers.
    _ <== Num2Bits(NORM_BOUND_BITS)(normBoundSq);
    signal taskHeader <== Poseidon(4)([context, taskId, configPacked, normBoundSq]);

    // Check (2) - the round is one of the task's (a 16-bit round also keeps round * 2^16 + slot
    // in the accumulator unambiguous); isLast picks up the budget's remainder in (15).
    _ <== Num2Bits(16)(round);
    signal roundOpen <== LessThanRanged(16)([round, numRounds]);
    roundOpen === 1;
    signal isLast <== IsEqual()([round, numRounds - 1]);

    // Check (3) - count in [1, N]: countHot is its one-hot vector over 0..N and countHot[0] = 0.
    // valid_j = (j < count) = sum_{c > j} countHot[c], so valid_0 = 1.
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
    // Valid slots are distinct: submitted = sum_{valid j} 2^slot_j is a sum of count powers of
    // two; its binary form (N bits, Num2Bits) has exactly count ones iff no two are equal (a
    // repeated power carries, which lowers the number of ones, or overflows N bits).
    signal slotHot[N][N];
    signal slotBit[N];
    signal belowMax[N];
    signal submittedTerm[N];
    var lcSubmitted = 0;
    for (var j = 0; j < N; j++) {
        slotHot[j] <== OneHot(N)(slot[j]);
        var lc = 0;
        for (var i = 0; i < N; i++) {
            lc += slotHot[j][i] * (1 << i);
        }
        slotBit[j] <== lc;
        belowMax[j] <== LessThanRanged(16)([slot[j], maxTrainers]);
        valid[j] * (1 - belowMax[j]) === 0;
        submittedTerm[j] <== valid[j] * slotBit[j];
        lcSubmitted += submittedTerm[j];
    }
    signal submittedBits[N] <== Num2Bits(N)(lcSubmitted);
    var lcOnes = 0;
    for (var i = 0; i < N; i++) {
        lcOnes += submittedBits[i];
    }
    lcOnes === count;

    // Check (5) - the state at the round's start (its commitment also range-checks wOld).
    for (var i = 0; i < N; i++) {
        _ <== Num2Bits(CUM_BITS)(cumOld[i]);
    }
    signal oldRoot <== MerkleRoot(LOG_N)(cumOld);
    signal oldModelCommitment <== VectorCommit(P, B)(wOld);
    signal oldState <== Poseidon(3)([taskHeader, oldModelCommitment, oldRoot]);

    // Check (6) - the accumulator: one step per position (padding included, then ignored);
    // acc must be the chain after exactly count steps.
    signal commitment[N];
    signal chain[N + 1];
    chain[0] <== oldState;
    for (var j = 0; j < N; j++) {
        commitment[j] <== VectorCommit(P, B)(u[j]);
        chain[j + 1] <== Poseidon(3)([chain[j], round * (1 << 16) + slot[j], commitment[j]]);
    }
    component accAt = EscalarProduct(N);
    for (var j = 0; j < N; j++) {
        accAt.in1[j] <== countHot[j + 1];
        accAt.in2[j] <== chain[j + 1];
    }
    acc === accAt.out;

    // Check (7) - squared norms.
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

    // Check (8) - coordinate-wise lower median. column[k][j] = valid_j ? u_j[k] : SENT; the
    // sorted copy is checked by SortedPermutation (order, [-SENT, SENT], grand product at
    // gammaU, which hashes acc - binding every valid u - and every sorted value).
    // medHot[i] = (m == i) = countHot[2i + 1] + countHot[2i + 2].
    signal column[P][N];
    for (var k = 0; k < P; k++) {
        column[k][0] <== u[0][k];
        for (var j = 1; j < N; j++) {
            column[k][j] <== valid[j] * (u[j][k] - SENT) + SENT;
        }
    }
    signal gammaU <== SortedPermutation(P, N, -SENT, SENT, B + 1)(acc, column, sorted);
    signal medHot[H];
    for (var i = 0; i < H; i++) {
        medHot[i] <== countHot[2 * i + 1] + countHot[2 * i + 2];
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

    // Check (9) - distances to the median and their lower median, sorted the same way with a
    // challenge chained from gammaU (the distances depend on the median, fixed by then).
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
        if (j == 0) {
            distColumn[0][j] <== dist[j];
        } else {
            distColumn[0][j] <== valid[j] * (dist[j] - DSENT) + DSENT;
        }
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

    // Check (10) - copies: copy_j = 1 iff some i < j has commitment_i == commitment_j. Positions
    // before a valid j are valid, so this is the rule's "valid i < j"; (11) masks invalid j.
    signal copy[N];
    component same[N * (N - 1) \ 2];
    component anySame[N];
    copy[0] <== 0;
    var pair = 0;
    for (var j = 1; j < N; j++) {
        var lc = 0;
        for (var i = 0; i < j; i++) {
            same[pair] = IsEqual();
            same[pair].in[0] <== commitment[i];
            same[pair].in[1] <== commitment[j];
            lc += same[pair].out;
            pair++;
        }
        anySame[j] = IsZero();
        anySame[j].in <== lc;
        copy[j] <== 1 - anySame[j].out;
    }

    // Check (11) - outliers, inliers and the public bitmap. Comparator inputs are in range:
    // norm2_j < 2^80 and normBoundSq < 2^80 (1); dist_j * 2^F and outlierFactor * medDist below
    // 2^OUTLIER_BITS (medDist is a valid position's distance by (9)).
    signal factorMedDist <== outlierFactor * medDist;
    signal normOut[N];
    signal distOut[N];
    signal normOrDist[N];
    signal flagged[N];
    signal outlier[N];
    signal inlier[N];
    signal bitmapTerm[N];
    var lcBitmap = 0;
    var lcInliers = 0;
    for (var j = 0; j < N; j++) {
        normOut[j] <== GreaterThanRanged(NORM_BOUND_BITS)([norm2[j], normBoundSq]);
        distOut[j] <== GreaterThanRanged(OUTLIER_BITS)([dist[j] * (1 << F), factorMedDist]);
        normOrDist[j] <== OR()(normOut[j], distOut[j]);
        flagged[j] <== OR()(normOrDist[j], copy[j]);
        outlier[j] <== valid[j] * flagged[j];
        inlier[j] <== valid[j] - outlier[j];
        bitmapTerm[j] <== outlier[j] * slotBit[j];
        lcBitmap += bitmapTerm[j];
        lcInliers += inlier[j];
    }
    outlierBitmap === lcBitmap;
    signal nIn <== lcInliers;

    // Check (12) - the robust aggregate, floor toward -infinity. With no inlier every sum is 0
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

    // Check (13) - the new model (wOld + g is in [-2^B, 2^B), as Clamp requires) and its
    // commitment: the clamp's output is B-bit signed, so the packing needs no range check.
    signal wNew[P];
    for (var k = 0; k < P; k++) {
        wNew[k] <== Clamp(B)(wOld[k] + g[k]);
    }
    signal newModelCommitment <== VectorCommitRanged(P, B)(wNew);

    // Check (14) - scores in [0, 2^F] (Cauchy-Schwarz). When a position does not score, the
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

    // Check (15) - the round's reward. numRounds >= 1 by (2).
    component perRound = DivRem(128, 16);
    perRound.a <== budget;
    perRound.d <== numRounds;
    signal lastExtra <== isLast * perRound.r;
    signal reward <== perRound.q + lastExtra;

    // Check (16) - shares. weight_j = inlier_j + score_j (score_j = 0 unless inlier_j). W = 0 iff
    // nIn = 0, when every weight is 0 and the divisor is 1, so every share is 0.
    // noneBefore[j] = no inlier before position j; first_j = noneBefore[j] - noneBefore[j + 1].
    signal weight[N];
    var lcWeight = 0;
    for (var j = 0; j < N; j++) {
        weight[j] <== inlier[j] + score[j];
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

    // Check (17) - the new reward leaves (a valid slot is hit by exactly one position by (4);
    // padding positions have share 0), their range, the new root and the public state.
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
    signal computedState <== Poseidon(3)([taskHeader, newModelCommitment, newRoot]);
    newState === computedState;
}
