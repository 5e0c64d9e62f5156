pragma circom 2.1.9;

// RootTrust(N, P, B): the root-trust rule of one round (docs/spec/root-trust.md, whose step Tn is
// Check (Tn) here; oracle/contribution/trust.ts is its reference, value for value).
//
// The owner's root update g0 of the round is the trusted direction (FLTrust, Cao et al. 2021).
// Every update is clipped to the lower median norm of the members (included, not slashed); its
// trust is clamp(cos(u_j, g0) + margin, 0, 1)^2 in 16-bit fixed point (1 for every member when
// there is no root update, 0 for a zero update); a member of trust 0 is excluded. The step is the
// trust-weighted mean of the clipped updates (floor). Each inlier's value is how much it turns the
// step toward g0 (cos * |cos|), against the better of two baselines: the update left out, and the
// previous round's public step (clipped, at its trust) in its place; and the round's reward is shared in
// proportion to the positive values (to the trust when nobody has one, or without a root update),
// the remainder to the first inlier.
//
// Inputs the caller has already constrained: u[j][k] and root[k] are B-bit signed (their
// commitments range-check them), norm2[j] = sum_k u[j][k]^2, member[j] is a bit (and 0 on padding),
// hasRoot is a bit and root is all zeros without it, previous[k] (the previous round's public
// step) is B-bit signed, reward < 2^129, and seed binds u and member
// (it seeds the challenge of the sorted norms). margin is range-checked here.
//
// Checks:
//   (T1) n0 = |g0|^2 and useRoot = hasRoot AND n0 > 0; the members' squared norms sorted
//        (order, range and grand-product permutation at a challenge from seed), and their lower
//        median clipNorm2 (0 without members)
//   (T2) clip_j = 2^16 when norm2_j <= clipNorm2, else the 16-bit a_j with
//        a_j^2 * norm2_j <= 2^32 * clipNorm2 < (a_j + 1)^2 * norm2_j
//   (T3) cos_j = sign(dot_j) * c_j, dot_j = <u_j, g0>, with c_j = 0 unless useRoot and norm2_j > 0,
//        else c_j^2 * norm2_j * n0 <= 2^32 * dot_j^2 < (c_j + 1)^2 * norm2_j * n0
//   (T4) t_j = clamp(cos_j + margin, 0, 2^16) and
//        trust_j = member_j * (useRoot ? (norm2_j > 0) * floor(t_j^2 / 2^16) : 2^16);
//        excluded_j = member_j AND trust_j = 0; inlier_j = member_j - excluded_j
//   (T5) alpha_j = trust_j * clip_j, S[k] = sum_j alpha_j * u_j[k], D = 2^16 * sum_j trust_j,
//        step[k] = floor(S[k] / D), 0 when D = 0
//   (T6) score(X) = sign(<X, g0>) * floor(2^24 <X, g0>^2 / (|X|^2 |g0|^2)), 0 when X = 0;
//        with clipP the previous step's clip factor (as in (T2)) and D_j = D - 2^16 trust_j,
//        left_j = score(S - alpha_j u_j), replaced_j = score(S - alpha_j u_j + trust_j clipP prev),
//        best_j = max(left_j, replaced_j) when the previous step is nonzero, else left_j, and
//        value_j = useRoot * (D_j > 0) * (score(S) - best_j)
//   (T7) weight_j = max(value_j, 0) when some value is positive, else trust_j
//   (T8) share_j = floor(reward * weight_j / W), W = sum_j weight_j, the remainder to the first
//        inlier; all 0 when there is no inlier

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "arith.circom";
include "sorting.circom";

// floor(sqrt(x)) for 0 <= x < 2^36 (the hints below are below 2^17).
function trustIsqrt(x) {
    var r = 0;
    for (var b = 17; b >= 0; b--) {
        var c = r + (1 << b);
        if (c * c <= x) {
            r = c;
        }
    }
    return r;
}

function trustLog2(n) {
    var l = 0;
    while ((1 << l) < n) {
        l++;
    }
    return l;
}

// DirectionScore(K, DOTB, DENB): score = sign(d) * floor(2^K * d^2 / (nn * n0)), the direction
// score cos * |cos| of a vector X with d = <X, g0>, nn = |X|^2 and n0 = |g0|^2 (0 when nn * n0 = 0,
// when d = 0 too). The caller guarantees |d| < 2^(DOTB-1), nn * n0 < 2^DENB and d^2 <= nn * n0
// (Cauchy-Schwarz, as nn and n0 are the exact squared norms), so the quotient is in [0, 2^K].
template DirectionScore(K, DOTB, DENB) {
    assert(K + 1 + DENB <= 250);
    signal input d;
    signal input nn;
    signal input n0;
    signal output score;

    signal negative <== IsPositive(DOTB)(-d);
    signal dSq <== d * d;
    signal den <== nn * n0;
    signal denZero <== IsZero()(den);
    component q = DivRem(K + 1, DENB);
    q.a <== dSq * (1 << K);
    q.d <== den + denZero;
    _ <== q.r;
    score <== q.q * (1 - 2 * negative);
}

template RootTrust(N, P, B) {
    var LOG_N = trustLog2(N);
    assert(N >= 2 && N <= 64 && (1 << LOG_N) == N);
    assert(P >= 1 && P <= 1024);
    assert(B >= 2 && B <= 32);
    var F = 16;
    var ONE = 1 << F;
    // Bit widths, from |u|, |g0| <= 2^(B-1) and P <= 2^10:
    //   norm2_j, n0, |dot_j| <= 2^(2B+8); the sentinel 2^(2B+9) is above every norm
    var NORM_SENT = 1 << (2 * B + 9);
    var NORM_BITS = 2 * B + 10;
    //   (T2): 2^32 * clipNorm2 and (a + 1)^2 * norm2_j (a < 2^16) are below 2^(2B+41)
    var CLIP_BITS = 2 * B + 42;
    //   (T3): c < 2^17, so c^2 * norm2 * n0 and the bound are at most 2^(4B+50), 2^32 * dot^2 <= 2^(4B+48)
    var COS_BITS = 4 * B + 51;
    var DOT_BITS = 2 * B + 10;
    //   (T5): D <= N * 2^32, step is B-bit signed (a convex combination of clipped values)
    var STEP_DIV_BITS = 33 + LOG_N;
    //   (T6): K fractional bits of the direction scores; |X[k]| <= D * 2^(B-1) <= 2^(B+31+LOG_N),
    //   so |<X, g0>| <= 2^(2B+40+LOG_N) and |X|^2 * n0 <= 2^(4B+80+2 LOG_N)
    var K = 24;
    var SCORE_DOT_BITS = 2 * B + 42 + LOG_N;
    var SCORE_DEN_BITS = 4 * B + 81 + 2 * LOG_N;
    //   (T7), (T8): |value| <= 2^(K+1), weights <= 2^(K+1) (>= 2^16), W <= 2^(K+1+LOG_N),
    //   reward < 2^129
    var SIGN_BITS = K + 3;
    var WEIGHT_SUM_BITS = K + 2 + LOG_N;
    var SHARE_BITS = 129;
    var H = N \ 2;

    signal input u[N][P];
    signal input norm2[N];
    signal input member[N];
    signal input hasRoot;
    signal input root[P];
    signal input previous[P];
    signal input margin;
    signal input reward;
    signal input seed;
    // Hint: the column member_j ? norm2_j : 2^(2B+9), sorted ascending (checked by (T1)).
    signal input sortedNorm2[N];

    signal output step[P];
    signal output trust[N];
    signal output excluded[N];
    signal output inlier[N];
    signal output value[N];
    signal output weight[N];
    signal output share[N];

    // The margin is in [0, 2^16].
    _ <== Num2Bits(F + 1)(margin);
    signal marginOk <== LessThanRanged(F + 1)([margin, ONE + 1]);
    marginOk === 1;

    // Check (T1) - the root's norm, and the clip norm: the lower median of the members' norms.
    signal rootSq[P];
    var lcRoot = 0;
    for (var k = 0; k < P; k++) {
        rootSq[k] <== root[k] * root[k];
        lcRoot += rootSq[k];
    }
    signal n0 <== lcRoot;
    signal rootZero <== IsZero()(n0);
    signal useRoot <== hasRoot * (1 - rootZero);
    signal normColumn[1][N];
    var lcMembers = 0;
    for (var j = 0; j < N; j++) {
        normColumn[0][j] <== member[j] * (norm2[j] - NORM_SENT) + NORM_SENT;
        lcMembers += member[j];
    }
    signal normSorted[1][N];
    normSorted[0] <== sortedNorm2;
    _ <== SortedPermutation(1, N, 0, NORM_SENT, NORM_BITS)(seed, normColumn, normSorted);
    signal memberHot[N + 1] <== OneHot(N + 1)(lcMembers);
    signal medHot[H];
    for (var i = 0; i < H; i++) {
        medHot[i] <== memberHot[2 * i + 1] + memberHot[2 * i + 2];
    }
    component clipAt = EscalarProduct(H);
    for (var i = 0; i < H; i++) {
        clipAt.in1[i] <== medHot[i];
        clipAt.in2[i] <== sortedNorm2[i];
    }
    signal clipNorm2 <== clipAt.out;

    // Check (T2) - clip factors. Both norms are below 2^(2B+9), as the comparison needs.
    signal above[N];
    signal clipHint[N];
    signal clipSq[N];
    signal clipLow[N];
    signal clipHigh[N];
    signal clipLowOk[N];
    signal clipHighOk[N];
    signal clip[N];
    for (var j = 0; j < N; j++) {
        above[j] <== LessThanRanged(NORM_BITS)([clipNorm2, norm2[j]]);
        var den = norm2[j] + 1 - above[j];
        clipHint[j] <-- above[j] == 1 ? trustIsqrt((clipNorm2 * (1 << (2 * F))) \ den) : 0;
        _ <== Num2Bits(F)(clipHint[j]);
        (1 - above[j]) * clipHint[j] === 0;
        clipSq[j] <== clipHint[j] * clipHint[j];
        clipLow[j] <== clipSq[j] * norm2[j];
        clipHigh[j] <== clipLow[j] + (2 * clipHint[j] + 1) * norm2[j];
        clipLowOk[j] <== LessThanRanged(CLIP_BITS)([clipLow[j], clipNorm2 * (1 << (2 * F)) + 1]);
        clipHighOk[j] <== LessThanRanged(CLIP_BITS)([clipNorm2 * (1 << (2 * F)), clipHigh[j]]);
        above[j] * (1 - clipLowOk[j]) === 0;
        above[j] * (1 - clipHighOk[j]) === 0;
        clip[j] <== ONE + above[j] * (clipHint[j] - ONE);
    }

    // The previous step's clip factor, as in (T2).
    signal prevSq[P];
    var lcPrev = 0;
    for (var k = 0; k < P; k++) {
        prevSq[k] <== previous[k] * previous[k];
        lcPrev += prevSq[k];
    }
    signal prevNorm2 <== lcPrev;
    signal prevAbove <== LessThanRanged(NORM_BITS)([clipNorm2, prevNorm2]);
    signal prevHint;
    // The witness generator evaluates both branches: divide by at least 1 (a zero previous step is
    // never above the clip norm).
    var prevDen = prevNorm2 + 1 - prevAbove;
    prevHint <-- prevAbove == 1 ? trustIsqrt((clipNorm2 * (1 << (2 * F))) \ prevDen) : 0;
    _ <== Num2Bits(F)(prevHint);
    (1 - prevAbove) * prevHint === 0;
    signal prevHintSq <== prevHint * prevHint;
    signal prevLow <== prevHintSq * prevNorm2;
    signal prevHigh <== prevLow + (2 * prevHint + 1) * prevNorm2;
    signal prevLowOk <== LessThanRanged(CLIP_BITS)([prevLow, clipNorm2 * (1 << (2 * F)) + 1]);
    signal prevHighOk <== LessThanRanged(CLIP_BITS)([clipNorm2 * (1 << (2 * F)), prevHigh]);
    prevAbove * (1 - prevLowOk) === 0;
    prevAbove * (1 - prevHighOk) === 0;
    signal prevClip <== ONE + prevAbove * (prevHint - ONE);
    signal prevZero <== IsZero()(prevNorm2);

    // Check (T3) - cosines to the root, truncated toward 0.
    signal dotTerm[N][P];
    signal dot[N];
    signal normZero[N];
    signal nonzero[N];
    signal active[N];
    signal negative[N];
    signal absDot[N];
    signal dotSq[N];
    signal normProd[N];
    signal cosHint[N];
    signal cosSq[N];
    signal cosLow[N];
    signal cosHigh[N];
    signal cosLowOk[N];
    signal cosHighOk[N];
    signal cosine[N];
    for (var j = 0; j < N; j++) {
        var lc = 0;
        for (var k = 0; k < P; k++) {
            dotTerm[j][k] <== u[j][k] * root[k];
            lc += dotTerm[j][k];
        }
        dot[j] <== lc;
        normZero[j] <== IsZero()(norm2[j]);
        nonzero[j] <== 1 - normZero[j];
        active[j] <== useRoot * nonzero[j];
        negative[j] <== IsPositive(DOT_BITS)(-dot[j]);
        absDot[j] <== dot[j] * (1 - 2 * negative[j]);
        dotSq[j] <== absDot[j] * absDot[j];
        normProd[j] <== norm2[j] * n0;
        var den = normProd[j] + 1 - active[j];
        cosHint[j] <-- active[j] == 1 ? trustIsqrt((dotSq[j] * (1 << (2 * F))) \ den) : 0;
        _ <== Num2Bits(F + 1)(cosHint[j]);
        (1 - active[j]) * cosHint[j] === 0;
        cosSq[j] <== cosHint[j] * cosHint[j];
        cosLow[j] <== cosSq[j] * normProd[j];
        cosHigh[j] <== cosLow[j] + (2 * cosHint[j] + 1) * normProd[j];
        cosLowOk[j] <== LessThanRanged(COS_BITS)([cosLow[j], dotSq[j] * (1 << (2 * F)) + 1]);
        cosHighOk[j] <== LessThanRanged(COS_BITS)([dotSq[j] * (1 << (2 * F)), cosHigh[j]]);
        active[j] * (1 - cosLowOk[j]) === 0;
        active[j] * (1 - cosHighOk[j]) === 0;
        cosine[j] <== cosHint[j] * (1 - 2 * negative[j]);
    }

    // Check (T4) - trust, the square of the clamped cos_j + margin. cos_j + margin is in
    // [-2^16, 2^17], so its offset y is 18-bit.
    signal shifted[N];
    signal belowZero[N];
    signal aboveOne[N];
    signal inside[N];
    signal clamped[N];
    signal clampedSq[N];
    signal squared[N];
    signal squaredRest[N];
    signal rootTrust[N];
    signal trustRoot[N];
    signal trustZero[N];
    for (var j = 0; j < N; j++) {
        shifted[j] <== cosine[j] + margin + ONE;
        _ <== Num2Bits(F + 2)(shifted[j]);
        belowZero[j] <== LessThanRanged(F + 2)([shifted[j], ONE]);
        aboveOne[j] <== LessThanRanged(F + 2)([2 * ONE, shifted[j]]);
        inside[j] <== (1 - belowZero[j] - aboveOne[j]) * (cosine[j] + margin);
        clamped[j] <== inside[j] + aboveOne[j] * ONE;
        // squared[j] = floor(clamped^2 / 2^16): rest = clamped^2 - squared * 2^16 is 16-bit and the
        // quotient 17-bit, and clamped^2 <= 2^32 < p, so that is the floor over the integers.
        clampedSq[j] <== clamped[j] * clamped[j];
        squared[j] <-- clampedSq[j] >> F;
        squaredRest[j] <== clampedSq[j] - squared[j] * ONE;
        _ <== Num2Bits(F + 1)(squared[j]);
        _ <== Num2Bits(F)(squaredRest[j]);
        rootTrust[j] <== nonzero[j] * squared[j];
        trustRoot[j] <== useRoot * (rootTrust[j] - ONE);
        trust[j] <== member[j] * (ONE + trustRoot[j]);
        trustZero[j] <== IsZero()(trust[j]);
        excluded[j] <== member[j] * trustZero[j];
        inlier[j] <== member[j] - excluded[j];
    }

    // Check (T5) - the step.
    signal alpha[N];
    var lcTrust = 0;
    for (var j = 0; j < N; j++) {
        alpha[j] <== trust[j] * clip[j];
        lcTrust += trust[j];
    }
    signal D <== lcTrust * ONE;
    signal noTrust <== IsZero()(D);
    signal term[N][P];
    signal S[P];
    component average[P];
    for (var k = 0; k < P; k++) {
        var lc = 0;
        for (var j = 0; j < N; j++) {
            term[j][k] <== alpha[j] * u[j][k];
            lc += term[j][k];
        }
        S[k] <== lc;
        average[k] = FloorDiv(B, STEP_DIV_BITS);
        average[k].a <== S[k];
        average[k].d <== D + noTrust;
        step[k] <== average[k].q;
        _ <== average[k].r;
    }

    // Check (T6) - values: how much j turns the step toward g0, against the better of two
    // baselines. Every X below (S, S without j, S with the previous step for j) is a combination of
    // B-bit vectors with weights summing to at most D, so the widths of DirectionScore hold.
    signal sSq[P];
    signal prevRoot[P];
    signal prevS[P];
    var lcNormS = 0;
    var lcPrevRoot = 0;
    var lcPrevS = 0;
    for (var k = 0; k < P; k++) {
        sSq[k] <== S[k] * S[k];
        prevRoot[k] <== previous[k] * root[k];
        prevS[k] <== previous[k] * S[k];
        lcNormS += sSq[k];
        lcPrevRoot += prevRoot[k];
        lcPrevS += prevS[k];
    }
    signal normS <== lcNormS;
    signal alphaDot[N];
    var lcDotS = 0;
    for (var j = 0; j < N; j++) {
        alphaDot[j] <== alpha[j] * dot[j];
        lcDotS += alphaDot[j];
    }
    signal dotS <== lcDotS;
    signal full <== DirectionScore(K, SCORE_DOT_BITS, SCORE_DEN_BITS)(dotS, normS, n0);
    signal uS[N][P];
    signal uPrev[N][P];
    signal Dj[N];
    signal noDj[N];
    signal alphaUS[N];
    signal alphaSq[N];
    signal alphaSqNorm[N];
    signal leftScore[N];
    signal beta[N];
    signal betaRoot[N];
    signal alphaUPrev[N];
    signal cross[N];
    signal betaSq[N];
    signal betaSqNorm[N];
    signal replacedScore[N];
    signal leftLower[N];
    signal takeReplaced[N];
    signal best[N];
    signal counts[N];
    for (var j = 0; j < N; j++) {
        var lcUS = 0;
        var lcUPrev = 0;
        for (var k = 0; k < P; k++) {
            uS[j][k] <== u[j][k] * S[k];
            uPrev[j][k] <== u[j][k] * previous[k];
            lcUS += uS[j][k];
            lcUPrev += uPrev[j][k];
        }
        Dj[j] <== D - ONE * trust[j];
        noDj[j] <== IsZero()(Dj[j]);
        // Without j: S - alpha_j u_j.
        alphaUS[j] <== alpha[j] * lcUS;
        alphaSq[j] <== alpha[j] * alpha[j];
        alphaSqNorm[j] <== alphaSq[j] * norm2[j];
        leftScore[j] <== DirectionScore(K, SCORE_DOT_BITS, SCORE_DEN_BITS)(
            dotS - alphaDot[j], normS - 2 * alphaUS[j] + alphaSqNorm[j], n0);
        // With the previous step in j's place: S - alpha_j u_j + beta_j prev.
        beta[j] <== trust[j] * prevClip;
        betaRoot[j] <== beta[j] * lcPrevRoot;
        alphaUPrev[j] <== alpha[j] * lcUPrev;
        cross[j] <== beta[j] * (lcPrevS - alphaUPrev[j]);
        betaSq[j] <== beta[j] * beta[j];
        betaSqNorm[j] <== betaSq[j] * prevNorm2;
        replacedScore[j] <== DirectionScore(K, SCORE_DOT_BITS, SCORE_DEN_BITS)(
            dotS - alphaDot[j] + betaRoot[j],
            normS - 2 * alphaUS[j] + alphaSqNorm[j] + 2 * cross[j] + betaSqNorm[j], n0);
        // The better baseline (the previous step only when it is nonzero); scores are in [-2^K, 2^K].
        leftLower[j] <== LessThanRanged(K + 2)([leftScore[j] + (1 << K), replacedScore[j] + (1 << K)]);
        takeReplaced[j] <== leftLower[j] * (1 - prevZero);
        best[j] <== leftScore[j] + takeReplaced[j] * (replacedScore[j] - leftScore[j]);
        counts[j] <== useRoot * (1 - noDj[j]);
        value[j] <== counts[j] * (full - best[j]);
    }

    // Check (T7) - weights.
    signal positive[N];
    signal gain[N];
    var lcGain = 0;
    for (var j = 0; j < N; j++) {
        positive[j] <== IsPositive(SIGN_BITS)(value[j]);
        gain[j] <== positive[j] * value[j];
        lcGain += gain[j];
    }
    signal noGain <== IsZero()(lcGain);
    signal anyGain <== 1 - noGain;
    signal weightDelta[N];
    var lcWeight = 0;
    for (var j = 0; j < N; j++) {
        weightDelta[j] <== anyGain * (gain[j] - trust[j]);
        weight[j] <== trust[j] + weightDelta[j];
        lcWeight += weight[j];
    }

    // Check (T8) - shares. W = 0 iff there is no inlier (every weight is then 0, the divisor is 1
    // and every share is 0). noneBefore[j] = no inlier before position j.
    signal W <== lcWeight;
    signal noWeight <== IsZero()(W);
    signal shareNum[N];
    signal baseShare[N];
    component shareDiv[N];
    var lcShares = 0;
    for (var j = 0; j < N; j++) {
        shareNum[j] <== reward * weight[j];
        shareDiv[j] = DivRem(SHARE_BITS, WEIGHT_SUM_BITS);
        shareDiv[j].a <== shareNum[j];
        shareDiv[j].d <== W + noWeight;
        baseShare[j] <== shareDiv[j].q;
        _ <== shareDiv[j].r;
        lcShares += baseShare[j];
    }
    signal leftover <== reward - lcShares;
    signal noneBefore[N + 1];
    signal bonus[N];
    noneBefore[0] <== 1;
    for (var j = 0; j < N; j++) {
        noneBefore[j + 1] <== noneBefore[j] * (1 - inlier[j]);
        bonus[j] <== (noneBefore[j] - noneBefore[j + 1]) * leftover;
        share[j] <== baseShare[j] + bonus[j];
    }
}
