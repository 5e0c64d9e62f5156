pragma circom 2.1.9;

// Reliability(W, Q, E, U): one epoch's batch update of the source reliability registry (module 2;
// the rule is docs/spec/reliability.md, whose step n is Check (n) here;
// oracle/reliability/reference.ts is its reference model, value for value).
//
// Proves: the epoch's reveals (count commitments from distinct evaluators, in reveal order, chained
// into the on-chain accumulator acc from a header that binds the registry, the epoch and the rule's
// parameters) were turned into the posted scores by the rule. The prover includes the reveals whose
// content it holds (one grade per query slot: graded, correct, grounded, and up to U
// (source, share) entries with shares summing to at most 100). For each query graded by at least
// minGraders included evaluators, the consensus is the lower median of the graders' shares per
// source and the strict majority of their correct and grounded bits. A source's observation is the
// median-share-weighted correctness (reliability) and the mean median share of grounded answers
// (usefulness); its scores move toward it by an EMA of rate emaRate / 2^16. A source without an
// observation keeps its scores. An evaluator that disagrees with the consensus (a verdict differs,
// or its shares are more than shareTolerance from the medians in L1) on more than disagreePct percent
// of the counted queries it graded is flagged. The proof is bound to the address that may post it.
//
// Public inputs, in order:
//   batchHash  the low 253 bits of SHA-256 over the posted data: uint32 epoch, uint32 includedMask,
//              uint32 flaggedMask, then per word (uint32 index, uint256 old word, uint256 new word),
//              big-endian; a word's lane l (bits 32l..32l+31) is reliability + 2^16 usefulness of
//              source 8 * index + l. The contract hashes the old words from its own storage.
//   acc        the epoch's accumulator: acc_0 = header, acc_{j+1} = Poseidon(acc_j, evaluator_j,
//              commitment_j), acc = acc_count
//   settler    the address allowed to post this proof (< 2^160; the contract passes msg.sender)
//
// Parameters: W score words (K = 8W source slots, 1..32), Q query slots (1..64), E evaluator
// positions (1..32), U entries per grade (1..6).
//
// Private inputs: context (chainId * 2^160 + registry), epoch, ruleParams (emaRate + minGraders *
// 2^17 + shareTolerance * 2^22 + disagreePct * 2^31), count, evaluator[E], commitment[E],
// included[E], the grades graded/correct/grounded[E][Q], source/share[E][Q][U], wordIndex[W],
// oldRel[K], oldUse[K], and the hint median[Q][K] (checked by (9)). Positions j >= count are
// padding (evaluator 0, commitment 0, zero grades); left-out positions carry zero grades too. Every
// position's grades must be well formed (5), included or not.
//
// Checks:
//   (1)  ruleParams split (38 bits): emaRate <= 2^16, minGraders >= 1, disagreePct <= 100; epoch
//        32-bit; header = Poseidon(HEADER_TAG, context, epoch, ruleParams)
//   (2)  0 <= count <= E; valid_j = (j < count)
//   (3)  valid evaluators are pairwise distinct
//   (4)  acc is the chain over exactly count reveals
//   (5)  grades are bits, shares 7-bit with sum_u share <= 100, sources 32-bit; included_j is a bit,
//        <= valid_j, and an included position's commitment is its FeedbackCommit
//   (6)  word indices 29-bit and strictly increasing; old scores 16-bit
//   (7)  g_jq = included_j * graded_jq; every graded entry of positive share names a source of the
//        batch; s_jqk = the shares g_jq gives slot k
//   (8)  n_q = sum_j g_jq; counted_q = n_q >= minGraders; i_q = floor((n_q - 1) / 2) (0 for n_q = 0)
//   (9)  median_qk is the i_q-th smallest of {s_jqk : g_jq} (0 when n_q = 0)
//   (10) correct_q, grounded_q = strictly more than half of the graders say so
//   (11) per slot: den = sum_q counted m, rel = sum counted m correct, use = sum counted m grounded,
//        appear = #counted q with m > 0; obsRel = floor(65535 rel / den), obsUse = floor(65535 use /
//        (100 appear)); observed = den > 0
//   (12) new = old + observed * floor(emaRate * (obs - old) / 2^16), for both scores
//   (13) per position: disagree_jq over counted graded queries; flagged_j = 100 D_j > disagreePct C_j
//   (14) batchHash = SHA-256 of the posted bytes, low 253 bits
//   (15) settler < 2^160

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/multiplexer.circom";
include "circomlib/circuits/poseidon.circom";
include "../lib/arith.circom";
include "../lib/fixedpoint.circom";
include "../lib/sha256.circom";

template Reliability(W, Q, E, U) {
    assert(W >= 1 && W <= 32);
    assert(Q >= 1 && Q <= 64);
    assert(E >= 1 && E <= 32);
    assert(U >= 1 && U <= 6);
    var LANES = 8;
    var K = LANES * W;
    var SCORE_MAX = 65535;
    var SHARE_MAX = 100;
    var SHARE_BITS = 7;
    var SOURCE_BITS = 32;
    var WORD_BITS = 29;
    var ENTRY_BITS = SHARE_BITS + SOURCE_BITS;
    var RATE_BITS = 17;
    var MIN_BITS = 5;
    var TOL_BITS = 9;
    var PCT_BITS = 7;
    var RULE_BITS = RATE_BITS + MIN_BITS + TOL_BITS + PCT_BITS;
    var HEADER_TAG = 0x72656c696162696c697479;
    var FEEDBACK_TAG = 0x666565646261636b * (1 << 32) + Q * (1 << 8) + U;
    //   counts of graders are at most E <= 32, so differences of counts are 6-bit signed
    var COUNT_BITS = 6;
    //   den <= 100 Q <= 6400 < 2^13; weighted numerators times 65535 are below 2^29
    var DEN_BITS = 13;
    //   L1 distances are at most 127 K < 2^15; 100 D_j and disagreePct C_j are at most 6400 < 2^14
    var L1_BITS = 16;
    var FLAG_BITS = 14;
    var NBITS = 8 * (12 + 68 * W);

    // Public inputs.
    signal input batchHash;
    signal input acc;
    signal input settler;
    // Private: the epoch header.
    signal input context;
    signal input epoch;
    signal input ruleParams;
    // Private: the reveals in reveal order, which are included, and their grades.
    signal input count;
    signal input evaluator[E];
    signal input commitment[E];
    signal input included[E];
    signal input graded[E][Q];
    signal input correct[E][Q];
    signal input grounded[E][Q];
    signal input source[E][Q][U];
    signal input share[E][Q][U];
    // Private: the batch's words and the scores on chain before the update.
    signal input wordIndex[W];
    signal input oldRel[K];
    signal input oldUse[K];
    // Private hint: the lower median of the graders' shares per (query, slot), checked by (9).
    signal input median[Q][K];

    // Check (1) - the header. The split into fixed bit fields makes each field unique and
    // range-checks it for the comparisons below.
    signal ruleBits[RULE_BITS] <== Num2Bits(RULE_BITS)(ruleParams);
    var lcRate = 0;
    var lcMin = 0;
    var lcTol = 0;
    var lcPct = 0;
    for (var i = 0; i < RATE_BITS; i++) {
        lcRate += ruleBits[i] * (1 << i);
    }
    for (var i = 0; i < MIN_BITS; i++) {
        lcMin += ruleBits[RATE_BITS + i] * (1 << i);
    }
    for (var i = 0; i < TOL_BITS; i++) {
        lcTol += ruleBits[RATE_BITS + MIN_BITS + i] * (1 << i);
    }
    for (var i = 0; i < PCT_BITS; i++) {
        lcPct += ruleBits[RATE_BITS + MIN_BITS + TOL_BITS + i] * (1 << i);
    }
    signal emaRate <== lcRate;
    signal minGraders <== lcMin;
    signal shareTolerance <== lcTol;
    signal disagreePct <== lcPct;
    signal rateOk <== LessThanRanged(RATE_BITS)([emaRate, (1 << 16) + 1]);
    rateOk === 1;
    signal noMin <== IsZero()(minGraders);
    noMin === 0;
    signal pctOk <== LessThanRanged(PCT_BITS)([disagreePct, SHARE_MAX + 1]);
    pctOk === 1;
    signal epochBits[32] <== Num2Bits(32)(epoch);
    signal header <== Poseidon(4)([HEADER_TAG, context, epoch, ruleParams]);

    // Check (2) - count in [0, E]: countHot is its one-hot vector over 0..E.
    // valid_j = (j < count) = sum_{c > j} countHot[c].
    signal countHot[E + 1] <== OneHot(E + 1)(count);
    signal valid[E];
    for (var j = 0; j < E; j++) {
        var lc = 0;
        for (var c = j + 1; c <= E; c++) {
            lc += countHot[c];
        }
        valid[j] <== lc;
    }

    // Check (3) - one reveal per evaluator: valid positions have distinct evaluators (valid_j
    // implies valid_i for i < j).
    var PAIRS = E * (E - 1) \ 2;
    signal sameEvaluator[PAIRS];
    var pair = 0;
    for (var j = 1; j < E; j++) {
        for (var i = 0; i < j; i++) {
            sameEvaluator[pair] <== IsEqual()([evaluator[i], evaluator[j]]);
            valid[j] * sameEvaluator[pair] === 0;
            pair++;
        }
    }

    // Check (4) - the accumulator: one step per position, acc is the chain after count steps.
    signal chain[E + 1];
    chain[0] <== header;
    for (var j = 0; j < E; j++) {
        chain[j + 1] <== Poseidon(3)([chain[j], evaluator[j], commitment[j]]);
    }
    component accAt = EscalarProduct(E + 1);
    for (var j = 0; j <= E; j++) {
        accAt.in1[j] <== countHot[j];
        accAt.in2[j] <== chain[j];
    }
    acc === accAt.out;

    // Check (5) - well-formed grades at every position, and the included set. A grade packs into
    // 3 + 39U <= 237 bits, so the packing is injective; FeedbackCommit = HashChain(FEEDBACK_TAG,
    // packed grades).
    signal sourceBits[E][Q][U][SOURCE_BITS];
    signal packed[E][Q];
    signal feedbackCommit[E];
    for (var j = 0; j < E; j++) {
        for (var q = 0; q < Q; q++) {
            graded[j][q] * (graded[j][q] - 1) === 0;
            correct[j][q] * (correct[j][q] - 1) === 0;
            grounded[j][q] * (grounded[j][q] - 1) === 0;
            var lcPack = graded[j][q] + 2 * correct[j][q] + 4 * grounded[j][q];
            var lcShares = 0;
            for (var u = 0; u < U; u++) {
                _ <== Num2Bits(SHARE_BITS)(share[j][q][u]);
                sourceBits[j][q][u] <== Num2Bits(SOURCE_BITS)(source[j][q][u]);
                lcShares += share[j][q][u];
                lcPack += (share[j][q][u] + source[j][q][u] * (1 << SHARE_BITS)) * (1 << (3 + ENTRY_BITS * u));
            }
            // sum_u share <= 100 (the sum is at most 127 U, so 100 - sum is 7-bit only when it is in [0, 100]).
            _ <== Num2Bits(SHARE_BITS)(SHARE_MAX - lcShares);
            packed[j][q] <== lcPack;
        }
        feedbackCommit[j] <== HashChain(Q)(FEEDBACK_TAG, packed[j]);
        included[j] * (included[j] - 1) === 0;
        included[j] * (1 - valid[j]) === 0;
        included[j] * (commitment[j] - feedbackCommit[j]) === 0;
    }

    // Check (6) - the batch's words (distinct, so a source maps to at most one slot) and the old
    // scores (their bits are the posted old words).
    signal wordBits[W][WORD_BITS];
    for (var w = 0; w < W; w++) {
        wordBits[w] <== Num2Bits(WORD_BITS)(wordIndex[w]);
        if (w > 0) {
            _ <== Num2Bits(WORD_BITS)(wordIndex[w] - wordIndex[w - 1] - 1);
        }
    }
    signal oldRelBits[K][16];
    signal oldUseBits[K][16];
    for (var k = 0; k < K; k++) {
        oldRelBits[k] <== Num2Bits(16)(oldRel[k]);
        oldUseBits[k] <== Num2Bits(16)(oldUse[k]);
    }

    // Check (7) - shares by slot. Source id = 8 * word + lane; the entry's share goes to slot
    // 8w + lane when word = wordIndex[w]. A graded entry of positive share must find its word.
    signal g[E][Q];
    signal gs[E][Q][U];
    signal wordEq[E][Q][U][W];
    signal laneLow[E][Q][U][4];
    signal laneHot[E][Q][U][LANES];
    signal atWord[E][Q][U][W];
    signal atSlot[E][Q][U][K];
    signal s[E][Q][K];
    for (var j = 0; j < E; j++) {
        for (var q = 0; q < Q; q++) {
            g[j][q] <== included[j] * graded[j][q];
            for (var u = 0; u < U; u++) {
                gs[j][q][u] <== g[j][q] * share[j][q][u];
                var lcWord = 0;
                for (var b = 3; b < SOURCE_BITS; b++) {
                    lcWord += sourceBits[j][q][u][b] * (1 << (b - 3));
                }
                var lcIn = 0;
                for (var w = 0; w < W; w++) {
                    wordEq[j][q][u][w] <== IsEqual()([lcWord, wordIndex[w]]);
                    lcIn += wordEq[j][q][u][w];
                }
                gs[j][q][u] * (1 - lcIn) === 0;
                // laneHot[l] = (lane == l) from the lane's three bits.
                var b0 = sourceBits[j][q][u][0];
                var b1 = sourceBits[j][q][u][1];
                var b2 = sourceBits[j][q][u][2];
                laneLow[j][q][u][3] <== b0 * b1;
                laneLow[j][q][u][2] <== b1 - laneLow[j][q][u][3];
                laneLow[j][q][u][1] <== b0 - laneLow[j][q][u][3];
                laneLow[j][q][u][0] <== 1 - b0 - b1 + laneLow[j][q][u][3];
                for (var l = 0; l < 4; l++) {
                    laneHot[j][q][u][l + 4] <== laneLow[j][q][u][l] * b2;
                    laneHot[j][q][u][l] <== laneLow[j][q][u][l] - laneHot[j][q][u][l + 4];
                }
                for (var w = 0; w < W; w++) {
                    atWord[j][q][u][w] <== gs[j][q][u] * wordEq[j][q][u][w];
                    for (var l = 0; l < LANES; l++) {
                        atSlot[j][q][u][LANES * w + l] <== atWord[j][q][u][w] * laneHot[j][q][u][l];
                    }
                }
            }
            for (var k = 0; k < K; k++) {
                var lc = 0;
                for (var u = 0; u < U; u++) {
                    lc += atSlot[j][q][u][k];
                }
                s[j][q][k] <== lc;
            }
        }
    }

    // Check (8) - graders per query, whether the query counts, and the lower median's index.
    signal nHot[Q][E + 1];
    signal hasGraders[Q];
    signal medianIndex[Q];
    signal fewGraders[Q];
    signal counted[Q];
    for (var q = 0; q < Q; q++) {
        var lcN = 0;
        for (var j = 0; j < E; j++) {
            lcN += g[j][q];
        }
        nHot[q] <== OneHot(E + 1)(lcN);
        hasGraders[q] <== 1 - nHot[q][0];
        var lcIdx = 0;
        for (var n = 1; n <= E; n++) {
            lcIdx += nHot[q][n] * ((n - 1) \ 2);
        }
        medianIndex[q] <== lcIdx;
        fewGraders[q] <== LessThanRanged(COUNT_BITS)([lcN, minGraders]);
        counted[q] <== 1 - fewGraders[q];
    }

    // Check (9) - the medians. For integers, m is the i-th smallest of the graders' values exactly
    // when #{x < m} <= i and #{x <= m} >= i + 1. Each s is in [0, 100] (its shares sum to at most
    // 100) and m is 7-bit, so s - m + 128 is 8-bit and its top bit is (s >= m).
    signal diffBits[E][Q][K][8];
    signal below[E][Q][K];
    signal equal[E][Q][K];
    signal gBelow[E][Q][K];
    signal gEqual[E][Q][K];
    signal absDiff[E][Q][K];
    for (var q = 0; q < Q; q++) {
        for (var k = 0; k < K; k++) {
            _ <== Num2Bits(SHARE_BITS)(median[q][k]);
            (1 - hasGraders[q]) * median[q][k] === 0;
            var lcLt = 0;
            var lcLe = 0;
            for (var j = 0; j < E; j++) {
                diffBits[j][q][k] <== Num2Bits(8)(s[j][q][k] - median[q][k] + 128);
                for (var b = 0; b < 7; b++) {
                    _ <== diffBits[j][q][k][b];
                }
                below[j][q][k] <== 1 - diffBits[j][q][k][7];
                equal[j][q][k] <== IsZero()(s[j][q][k] - median[q][k]);
                gBelow[j][q][k] <== g[j][q] * below[j][q][k];
                gEqual[j][q][k] <== g[j][q] * equal[j][q][k];
                absDiff[j][q][k] <== (1 - 2 * below[j][q][k]) * (s[j][q][k] - median[q][k]);
                lcLt += gBelow[j][q][k];
                lcLe += gBelow[j][q][k] + gEqual[j][q][k];
            }
            // #{x < m} <= i; #{x <= m} >= i + 1 when the query has graders (both sides 0 otherwise).
            _ <== Num2Bits(COUNT_BITS)(medianIndex[q] - lcLt);
            _ <== Num2Bits(COUNT_BITS)(lcLe - medianIndex[q] - hasGraders[q]);
        }
    }

    // Check (10) - the majority verdicts: 2 * ones > n_q (a tie is 0).
    signal gCorrect[E][Q];
    signal gGrounded[E][Q];
    signal verdictCorrect[Q];
    signal verdictGrounded[Q];
    for (var q = 0; q < Q; q++) {
        var lcN = 0;
        var lcC = 0;
        var lcG = 0;
        for (var j = 0; j < E; j++) {
            gCorrect[j][q] <== g[j][q] * correct[j][q];
            gGrounded[j][q] <== g[j][q] * grounded[j][q];
            lcN += g[j][q];
            lcC += gCorrect[j][q];
            lcG += gGrounded[j][q];
        }
        verdictCorrect[q] <== LessThanRanged(COUNT_BITS + 1)([lcN, 2 * lcC]);
        verdictGrounded[q] <== LessThanRanged(COUNT_BITS + 1)([lcN, 2 * lcG]);
    }

    // Check (11) - observations per slot over the counted queries.
    signal wm[Q][K];
    signal wmCorrect[Q][K];
    signal wmGrounded[Q][K];
    signal medianZero[Q][K];
    signal appearsAt[Q][K];
    signal denZero[K];
    signal observed[K];
    signal obsRel[K];
    signal obsUse[K];
    component relDiv[K];
    component useDiv[K];
    for (var k = 0; k < K; k++) {
        var lcDen = 0;
        var lcRel = 0;
        var lcUse = 0;
        var lcAppear = 0;
        for (var q = 0; q < Q; q++) {
            wm[q][k] <== counted[q] * median[q][k];
            wmCorrect[q][k] <== wm[q][k] * verdictCorrect[q];
            wmGrounded[q][k] <== wm[q][k] * verdictGrounded[q];
            medianZero[q][k] <== IsZero()(median[q][k]);
            appearsAt[q][k] <== counted[q] * (1 - medianZero[q][k]);
            lcDen += wm[q][k];
            lcRel += wmCorrect[q][k];
            lcUse += wmGrounded[q][k];
            lcAppear += appearsAt[q][k];
        }
        denZero[k] <== IsZero()(lcDen);
        observed[k] <== 1 - denZero[k];
        // Both numerators are at most their divisors (a median is at most 100), so both
        // quotients are 16-bit; without an observation the divisor is 1 and the numerator 0.
        relDiv[k] = DivRem(16, DEN_BITS);
        relDiv[k].a <== SCORE_MAX * lcRel;
        relDiv[k].d <== lcDen + denZero[k];
        obsRel[k] <== relDiv[k].q;
        _ <== relDiv[k].r;
        useDiv[k] = DivRem(16, DEN_BITS);
        useDiv[k].a <== SCORE_MAX * lcUse;
        useDiv[k].d <== SHARE_MAX * lcAppear + denZero[k];
        obsUse[k] <== useDiv[k].q;
        _ <== useDiv[k].r;
    }

    // Check (12) - the EMA. obs - old is in [-65535, 65535], so the floor is 18-bit signed; the new
    // score lies between old and obs, hence 16-bit (its bits are the posted new word).
    signal relProd[K];
    signal useProd[K];
    signal relStep[K];
    signal useStep[K];
    signal newRel[K];
    signal newUse[K];
    signal newRelBits[K][16];
    signal newUseBits[K][16];
    component relEma[K];
    component useEma[K];
    for (var k = 0; k < K; k++) {
        relProd[k] <== emaRate * (obsRel[k] - oldRel[k]);
        relEma[k] = FloorDiv(18, 16);
        relEma[k].a <== relProd[k];
        relEma[k].d <== 1 << 16;
        _ <== relEma[k].r;
        relStep[k] <== observed[k] * relEma[k].q;
        newRel[k] <== oldRel[k] + relStep[k];
        newRelBits[k] <== Num2Bits(16)(newRel[k]);
        useProd[k] <== emaRate * (obsUse[k] - oldUse[k]);
        useEma[k] = FloorDiv(18, 16);
        useEma[k].a <== useProd[k];
        useEma[k].d <== 1 << 16;
        _ <== useEma[k].r;
        useStep[k] <== observed[k] * useEma[k].q;
        newUse[k] <== oldUse[k] + useStep[k];
        newUseBits[k] <== Num2Bits(16)(newUse[k]);
    }

    // Check (13) - disagreement with the consensus, over the counted queries each position graded.
    // A position that is not included grades nothing, so it has C_j = D_j = 0 and is never flagged.
    signal active[E][Q];
    signal farShares[E][Q];
    signal sameCorrect[E][Q];
    signal sameGrounded[E][Q];
    signal agreeBoth[E][Q];
    signal agree[E][Q];
    signal disagree[E][Q];
    signal pctTimesCounted[E];
    signal flagged[E];
    for (var j = 0; j < E; j++) {
        var lcD = 0;
        var lcC = 0;
        for (var q = 0; q < Q; q++) {
            active[j][q] <== g[j][q] * counted[q];
            var lcL1 = 0;
            for (var k = 0; k < K; k++) {
                lcL1 += absDiff[j][q][k];
            }
            farShares[j][q] <== GreaterThanRanged(L1_BITS)([lcL1, shareTolerance]);
            // a == b for bits: 1 - a - b + 2ab.
            sameCorrect[j][q] <== 1 - correct[j][q] - verdictCorrect[q] + 2 * correct[j][q] * verdictCorrect[q];
            sameGrounded[j][q] <== 1 - grounded[j][q] - verdictGrounded[q] + 2 * grounded[j][q] * verdictGrounded[q];
            agreeBoth[j][q] <== sameCorrect[j][q] * sameGrounded[j][q];
            agree[j][q] <== agreeBoth[j][q] * (1 - farShares[j][q]);
            disagree[j][q] <== active[j][q] * (1 - agree[j][q]);
            lcD += disagree[j][q];
            lcC += active[j][q];
        }
        pctTimesCounted[j] <== disagreePct * lcC;
        flagged[j] <== LessThanRanged(FLAG_BITS)([pctTimesCounted[j], SHARE_MAX * lcD]);
    }

    // Check (14) - the posted data, bit by bit in transmission order (most significant bit of
    // each big-endian field first), and its SHA-256.
    signal msg[NBITS];
    for (var i = 0; i < 32; i++) {
        msg[i] <== epochBits[31 - i];
        // includedMask and flaggedMask: bit j of each is position j (0 for j >= E).
        var bit = 31 - i;
        if (bit < E) {
            msg[32 + i] <== included[bit];
            msg[64 + i] <== flagged[bit];
        } else {
            msg[32 + i] <== 0;
            msg[64 + i] <== 0;
        }
    }
    for (var w = 0; w < W; w++) {
        var base = 96 + 544 * w;
        for (var i = 0; i < 32; i++) {
            var bit = 31 - i;
            if (bit < WORD_BITS) {
                msg[base + i] <== wordBits[w][bit];
            } else {
                msg[base + i] <== 0;
            }
        }
        for (var b = 0; b < 256; b++) {
            var k = LANES * w + b \ 32;
            var r = b % 32;
            if (r < 16) {
                msg[base + 32 + 255 - b] <== oldRelBits[k][r];
                msg[base + 288 + 255 - b] <== newRelBits[k][r];
            } else {
                msg[base + 32 + 255 - b] <== oldUseBits[k][r - 16];
                msg[base + 288 + 255 - b] <== newUseBits[k][r - 16];
            }
        }
    }
    signal digest[256] <== Sha256Bits(NBITS)(msg);
    var lcHash = 0;
    for (var b = 0; b < 253; b++) {
        lcHash += digest[255 - b] * (1 << b);
    }
    for (var i = 0; i < 3; i++) {
        _ <== digest[i];
    }
    batchHash === lcHash;

    // Check (15) - the settler is an address. The range check also puts the public input into a
    // constraint, so the proof is valid for this one settler only.
    _ <== Num2Bits(160)(settler);
}
