pragma circom 2.1.9;

// Reputation(N): one ranking round of a swarm of N node slots (module 3; the rule is
// docs/spec/reputation.md, whose step n is Check (n) here; oracle/reputation/reference.ts is its
// reference model, value for value).
//
// Proves: the round's judgment reveals (count commitments from distinct judge slots, in reveal order,
// chained into the on-chain accumulator acc from a header that binds the chain, the contract, the
// round and the rule's parameters) were turned into the posted winner, masks and reputations by the
// rule. The round's pair schedule is fixed by N: ring pairs e = (e, e + 1 mod N) for e < N and cross
// pairs e = (e - N, e - N + N/2) for N <= e < 3N/2, each shown in both orders (comparison 2e shows the
// pair's first node first, 2e + 1 its second). A judge never judges a pair containing its own slot.
// Each included judge's preferences count with its reputation as weight, and every scheduled pair
// carries a virtual tie of weight prior; pairs with a node that gave no answer carry the tie only.
// The prover supplies Bradley-Terry strengths p; the circuit checks the MM fixed point
// W_i = sum_j n_ij p_i / (p_i + p_j) within tol_i = 3 + floor(2 W_i / p_i) in exact integer
// arithmetic (never iterating), and sum p = N 2^64 within rounding. The winner is the answered node of
// largest strength, the lowest slot on a tie. Each judge's agreement is the share of its judged
// comparisons that agree with the strength order; it is flagged below minAgreement, and its
// reputation moves toward its agreement by an EMA of rate emaRate / 2^16. The proof is bound to the
// address that may post it.
//
// Public inputs, in order:
//   outHash  the low 253 bits of SHA-256 over the posted data: uint32 round, uint8 winner, uint64
//            answeredMask, uint64 includedMask, uint64 agreeMask, uint64 flaggedMask, the M =
//            ceil(N / 16) old reputation words, then the M new ones (uint256 each), big-endian; lane l
//            (bits 16l..16l+15) of word m is the reputation of slot 16m + l. The contract hashes the
//            answered mask and the old words from its own storage.
//   acc      the round's accumulator: acc_0 = header, acc_{j+1} = Poseidon(acc_j, judge_j,
//            commitment_j), acc = acc_count
//   settler  the address allowed to post this proof (< 2^160; the contract passes msg.sender)
//
// Parameter: N node slots, even, 4..64.
//
// Private inputs: context (chainId * 2^160 + contract), round, ruleParams (emaRate + minAgreement *
// 2^17 + prior * 2^33), count, judge[N] and commitment[N] (the reveals in reveal order; positions
// j >= count are padding, 0 and 0), included[N] (by slot), pref[N][3N] (by slot: 0 none, 1 the
// first shown is better, 2 a tie, 3 the second shown is better), answered[N], oldRep[N], and the
// hints strength[N] (checked by (8), (9)) and winner (checked by (10)).
//
// Checks:
//   (1)  ruleParams split (41 bits): emaRate <= 2^16, prior >= 1 and 8 prior >= N; round 32-bit;
//        header = Poseidon(HEADER_TAG, context, round, ruleParams)
//   (2)  0 <= count <= N; valid_j = (j < count)
//   (3)  valid judges are slots < N, pairwise distinct
//   (4)  acc is the chain over exactly count reveals
//   (5)  prefs are 2-bit, 0 on the judge's own pairs; included_k is a bit, at most whether slot k
//        revealed, and an included slot's revealed commitment is its JudgmentCommit
//   (6)  answered bits; old reputations 16-bit
//   (7)  the weighted win matrix: w_e,a / w_e,b = prior + live_e sum_k included_k oldRep_k (half-wins)
//   (8)  1 <= p_i <= 2^70; N 2^64 - N < sum p <= N 2^64
//   (9)  per pair e = (a, b): q_e = floor(n_e p_a / (p_a + p_b)), and n_e - q_e - [remainder > 0] for b;
//        E_i the sum over i's three pairs; tol_i = 3 + floor(2 W_i / p_i); |W_i - E_i| <= tol_i
//   (10) winner: the answered slot of largest p, lowest on a tie; N when no slot answered
//   (11) per judge: score (per comparison 2 when the vote matches the strength order, a tie vote
//        included, 0 when it is the opposite, 1 otherwise) and judged comparisons over live pairs;
//        observed = included and judged > 0; agreement = floor(65535 score / (2 judged))
//   (12) flagged = observed and agreement < minAgreement; agree = observed and not flagged
//   (13) newRep = oldRep + observed * floor(emaRate * (agreement - oldRep) / 2^16)
//   (14) outHash = SHA-256 of the posted bytes, low 253 bits
//   (15) settler < 2^160

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/multiplexer.circom";
include "circomlib/circuits/poseidon.circom";
include "../lib/arith.circom";
include "../lib/fixedpoint.circom";
include "../lib/sha256.circom";

// The first node of scheduled pair e: ring pairs e < N, then cross pairs.
function pairFirst(N, e) {
    return e < N ? e : e - N;
}

// The second node of scheduled pair e.
function pairSecond(N, e) {
    return e < N ? (e + 1) % N : e - N + N \ 2;
}

template Reputation(N) {
    assert(N >= 4 && N <= 64 && N % 2 == 0);
    var P = 3 * N \ 2;
    var C = 2 * P;
    var LANES = 16;
    var M = (N + LANES - 1) \ LANES;
    var REP_MAX = 65535;
    var S_BITS = 64;
    //   every strength is at most sum p <= N 2^64 <= 2^70
    var P_BITS = 70;
    var RATE_BITS = 17;
    var AGREE_BITS = 16;
    var PRIOR_BITS = 8;
    var RULE_BITS = RATE_BITS + AGREE_BITS + PRIOR_BITS;
    var HEADER_TAG = 0x72657075746174696f6e * (1 << 8) + N;
    var JUDGMENT_TAG = 0x6a756467656d656e74 * (1 << 8) + N;
    var PER_ELEMENT = 126;
    var JE = (C + PER_ELEMENT - 1) \ PER_ELEMENT;
    //   one side of a pair: prior (<= 255 * 2 * 65535) plus 4 half-wins per other judge (<= 62 * 4 * 65535):
    //   below 2^26, so n_e < 2^27 and W_i < 2^28
    var N_BITS = 27;
    var W2_BITS = 29;
    var RES_BITS = 31;
    //   a judge judges at most 2 (P - 3) < 192 comparisons, so 2 judged < 2^9
    var JUDGED_BITS = 9;
    var NBITS = 8 * (37 + 64 * M);

    // Public inputs.
    signal input outHash;
    signal input acc;
    signal input settler;
    // Private: the round header.
    signal input context;
    signal input round;
    signal input ruleParams;
    // Private: the judgment reveals in reveal order.
    signal input count;
    signal input judge[N];
    signal input commitment[N];
    // Private: by slot, whether its judgment is included, its preferences, whether it answered, and
    // its reputation before the round.
    signal input included[N];
    signal input pref[N][C];
    signal input answered[N];
    signal input oldRep[N];
    // Private hints: the strengths, checked by (8) and (9), and the winner, checked by (10).
    signal input strength[N];
    signal input winner;

    // Check (1) - the header. Fixed bit fields make each parameter unique and range-check it.
    signal ruleBits[RULE_BITS] <== Num2Bits(RULE_BITS)(ruleParams);
    var lcRate = 0;
    var lcAgree = 0;
    var lcPrior = 0;
    for (var i = 0; i < RATE_BITS; i++) {
        lcRate += ruleBits[i] * (1 << i);
    }
    for (var i = 0; i < AGREE_BITS; i++) {
        lcAgree += ruleBits[RATE_BITS + i] * (1 << i);
    }
    for (var i = 0; i < PRIOR_BITS; i++) {
        lcPrior += ruleBits[RATE_BITS + AGREE_BITS + i] * (1 << i);
    }
    signal emaRate <== lcRate;
    signal minAgreement <== lcAgree;
    signal prior <== lcPrior;
    signal rateOk <== LessThanRanged(RATE_BITS)([emaRate, (1 << 16) + 1]);
    rateOk === 1;
    // 8 prior >= N bounds the strengths' spread (docs/spec/reputation.md, step 8); it implies prior >= 1.
    signal priorLow <== LessThanRanged(PRIOR_BITS + 4)([8 * prior, N]);
    priorLow === 0;
    signal roundBits[32] <== Num2Bits(32)(round);
    signal header <== Poseidon(4)([HEADER_TAG, context, round, ruleParams]);

    // Check (2) - count in [0, N]; valid_j = (j < count).
    signal countHot[N + 1] <== OneHot(N + 1)(count);
    signal valid[N];
    for (var j = 0; j < N; j++) {
        var lc = 0;
        for (var c = j + 1; c <= N; c++) {
            lc += countHot[c];
        }
        valid[j] <== lc;
    }

    // Check (3) - each valid reveal names a slot; revealed_k = #valid reveals by slot k is a bit.
    signal judgeHot[N][N];
    signal atSlot[N][N];
    signal revealed[N];
    for (var j = 0; j < N; j++) {
        judgeHot[j] <== OneHot(N)(judge[j]);
        for (var k = 0; k < N; k++) {
            atSlot[j][k] <== valid[j] * judgeHot[j][k];
        }
    }
    for (var k = 0; k < N; k++) {
        var lc = 0;
        for (var j = 0; j < N; j++) {
            lc += atSlot[j][k];
        }
        revealed[k] <== lc;
        revealed[k] * (revealed[k] - 1) === 0;
    }

    // Check (4) - the accumulator: one step per position, acc is the chain after count steps.
    signal chain[N + 1];
    chain[0] <== header;
    for (var j = 0; j < N; j++) {
        chain[j + 1] <== Poseidon(3)([chain[j], judge[j], commitment[j]]);
    }
    component accAt = EscalarProduct(N + 1);
    for (var j = 0; j <= N; j++) {
        accAt.in1[j] <== countHot[j];
        accAt.in2[j] <== chain[j];
    }
    acc === accAt.out;

    // Check (5) - the judgments, by slot. Comparison c packs into bits 2c mod 252 of element c \ 126,
    // so the packing is injective; JudgmentCommit = HashChain(JUDGMENT_TAG, packed).
    signal prefBits[N][C][2];
    signal both[N][C];
    signal packed[N][JE];
    signal judgmentCommit[N];
    signal routed[N][N];
    for (var k = 0; k < N; k++) {
        var lcPack[JE];
        for (var t = 0; t < JE; t++) {
            lcPack[t] = 0;
        }
        for (var e = 0; e < P; e++) {
            var own = pairFirst(N, e) == k || pairSecond(N, e) == k;
            for (var o = 0; o < 2; o++) {
                var c = 2 * e + o;
                if (own) {
                    pref[k][c] === 0;
                    prefBits[k][c][0] <== 0;
                    prefBits[k][c][1] <== 0;
                    both[k][c] <== 0;
                } else {
                    prefBits[k][c] <== Num2Bits(2)(pref[k][c]);
                    both[k][c] <== prefBits[k][c][0] * prefBits[k][c][1];
                    lcPack[c \ PER_ELEMENT] += pref[k][c] * (1 << (2 * (c % PER_ELEMENT)));
                }
            }
        }
        for (var t = 0; t < JE; t++) {
            packed[k][t] <== lcPack[t];
        }
        judgmentCommit[k] <== HashChain(JE)(JUDGMENT_TAG, packed[k]);
        var lcRouted = 0;
        for (var j = 0; j < N; j++) {
            routed[j][k] <== atSlot[j][k] * commitment[j];
            lcRouted += routed[j][k];
        }
        included[k] * (included[k] - 1) === 0;
        included[k] * (1 - revealed[k]) === 0;
        included[k] * (lcRouted - judgmentCommit[k]) === 0;
    }

    // Check (6) - who answered (the contract's mask) and the old reputations (their bits are the
    // posted old words).
    signal oldRepBits[N][16];
    for (var i = 0; i < N; i++) {
        answered[i] * (answered[i] - 1) === 0;
        oldRepBits[i] <== Num2Bits(16)(oldRep[i]);
    }

    // Check (7) - the reputation-weighted win matrix, in half-wins times reputation. Shown first with
    // preference v (bits b0, b1): the first shown gets 2b0 + b1 - 3 b0 b1 half-wins, the second
    // b1 + b0 b1, and the comparison was judged when b0 + b1 - b0 b1 = 1.
    signal weight[N];
    signal live[P];
    signal wFirst[N][P];
    signal wJudged[N][P];
    signal liveFirst[P];
    signal liveTotal[P];
    signal winsFirst[P];
    signal winsSecond[P];
    signal total[P];
    for (var k = 0; k < N; k++) {
        weight[k] <== included[k] * oldRep[k];
    }
    for (var e = 0; e < P; e++) {
        live[e] <== answered[pairFirst(N, e)] * answered[pairSecond(N, e)];
        var lcFirst = 0;
        var lcTotal = 0;
        for (var k = 0; k < N; k++) {
            // Half-wins of the pair's first node over both orders, and judged comparisons.
            var b0 = prefBits[k][2 * e][0];
            var b1 = prefBits[k][2 * e][1];
            var bb = both[k][2 * e];
            var c0 = prefBits[k][2 * e + 1][0];
            var c1 = prefBits[k][2 * e + 1][1];
            var cc = both[k][2 * e + 1];
            wFirst[k][e] <== weight[k] * (2 * b0 + b1 - 3 * bb + c1 + cc);
            wJudged[k][e] <== weight[k] * (b0 + b1 - bb + c0 + c1 - cc);
            lcFirst += wFirst[k][e];
            lcTotal += wJudged[k][e];
        }
        liveFirst[e] <== live[e] * lcFirst;
        liveTotal[e] <== live[e] * lcTotal;
        // Both sides' half-wins sum to twice the judged weight.
        winsFirst[e] <== 2 * REP_MAX * prior + liveFirst[e];
        winsSecond[e] <== 2 * REP_MAX * prior + 2 * liveTotal[e] - liveFirst[e];
        total[e] <== winsFirst[e] + winsSecond[e];
    }

    // Check (8) - the strengths: positive, at most 2^70, summing to N 2^64 within rounding (the
    // reference renormalizes with a floor per slot, so the sum falls short by less than N).
    var lcSum = 0;
    for (var i = 0; i < N; i++) {
        _ <== Num2Bits(P_BITS)(strength[i] - 1);
        lcSum += strength[i];
    }
    signal shortfall <== N * (1 << S_BITS) - lcSum;
    _ <== Num2Bits(7)(shortfall);
    _ <== Num2Bits(7)(N - 1 - shortfall);

    // Check (9) - the MM fixed point. Per pair, the expected half-wins of its first node,
    // floor(n p_a / (p_a + p_b)), and of its second, n - q - [r > 0] = floor(n p_b / (p_a + p_b)).
    component expected[P];
    signal exactDiv[P];
    signal expectedSecond[P];
    for (var e = 0; e < P; e++) {
        expected[e] = DivRem(N_BITS, P_BITS + 1);
        expected[e].a <== total[e] * strength[pairFirst(N, e)];
        expected[e].d <== strength[pairFirst(N, e)] + strength[pairSecond(N, e)];
        exactDiv[e] <== IsZero()(expected[e].r);
        expectedSecond[e] <== total[e] - expected[e].q - 1 + exactDiv[e];
    }
    signal wins[N];
    signal expectedWins[N];
    component slack[N];
    signal tolerance[N];
    for (var i = 0; i < N; i++) {
        var lcW = 0;
        var lcE = 0;
        for (var e = 0; e < P; e++) {
            if (pairFirst(N, e) == i) {
                lcW += winsFirst[e];
                lcE += expected[e].q;
            }
            if (pairSecond(N, e) == i) {
                lcW += winsSecond[e];
                lcE += expectedSecond[e];
            }
        }
        wins[i] <== lcW;
        expectedWins[i] <== lcE;
        // tol_i = 3 (the three floors) + floor(2 W_i / p_i) (two units of strength at slot i's sensitivity).
        slack[i] = DivRem(W2_BITS, P_BITS);
        slack[i].a <== 2 * wins[i];
        slack[i].d <== strength[i];
        _ <== slack[i].r;
        tolerance[i] <== 3 + slack[i].q;
        _ <== Num2Bits(RES_BITS)(tolerance[i] - wins[i] + expectedWins[i]);
        _ <== Num2Bits(RES_BITS)(tolerance[i] + wins[i] - expectedWins[i]);
    }

    // Check (10) - the winner: answered, no answered slot stronger, every answered slot before it
    // weaker. winnerHot[N] means nobody answered.
    signal winnerHot[N + 1] <== OneHot(N + 1)(winner);
    signal winnerBits[8] <== Num2Bits(8)(winner);
    component best = EscalarProduct(N);
    for (var i = 0; i < N; i++) {
        best.in1[i] <== winnerHot[i];
        best.in2[i] <== strength[i];
    }
    signal winnerAnswered[N];
    signal belowBest[N];
    signal equalBest[N];
    signal beforeWinner[N];
    signal answeredBefore[N];
    var lcUnanswered = 0;
    for (var i = 0; i < N; i++) {
        winnerAnswered[i] <== winnerHot[i] * (1 - answered[i]);
        lcUnanswered += winnerAnswered[i];
        answered[i] * winnerHot[N] === 0;
        belowBest[i] <== LessThanRanged(P_BITS)([strength[i], best.out]);
        equalBest[i] <== IsEqual()([strength[i], best.out]);
        answered[i] * (1 - belowBest[i] - equalBest[i]) === 0;
        var lcBefore = 0;
        for (var c = i + 1; c < N; c++) {
            lcBefore += winnerHot[c];
        }
        beforeWinner[i] <== lcBefore;
        answeredBefore[i] <== answered[i] * beforeWinner[i];
        answeredBefore[i] * (1 - belowBest[i]) === 0;
    }
    lcUnanswered === 0;

    // Check (11) - agreement with the strength order. Per pair, x_e = 2 [p_a > p_b] + [p_a = p_b] is
    // what a vote for the first node scores; a vote for the second scores 2 - x_e, a tie vote 1, or 2
    // when the strengths are equal. With bits (b0, b1) a comparison scores
    // b1 + b0 b1 + x (b0 - 2 b0 b1) + [p_a = p_b] (b1 - b0 b1), with x the score of a vote for the
    // node shown first.
    signal firstBelow[P];
    signal sameStrength[P];
    signal order[P];
    for (var e = 0; e < P; e++) {
        firstBelow[e] <== LessThanRanged(P_BITS)([strength[pairFirst(N, e)], strength[pairSecond(N, e)]]);
        sameStrength[e] <== IsEqual()([strength[pairFirst(N, e)], strength[pairSecond(N, e)]]);
        order[e] <== 2 - 2 * firstBelow[e] - sameStrength[e];
    }
    signal orderScore[N][P];
    signal tieScore[N][P];
    signal liveScore[N][P];
    signal liveJudged[N][P];
    signal judgedZero[N];
    signal observed[N];
    component agreement[N];
    for (var k = 0; k < N; k++) {
        var lcScore = 0;
        var lcJudged = 0;
        for (var e = 0; e < P; e++) {
            var b0 = prefBits[k][2 * e][0];
            var b1 = prefBits[k][2 * e][1];
            var bb = both[k][2 * e];
            var c0 = prefBits[k][2 * e + 1][0];
            var c1 = prefBits[k][2 * e + 1][1];
            var cc = both[k][2 * e + 1];
            // Order 0 shows the first node first (x = order); order 1 the second (x = 2 - order).
            orderScore[k][e] <== order[e] * (b0 - 2 * bb - c0 + 2 * cc);
            tieScore[k][e] <== sameStrength[e] * (b1 - bb + c1 - cc);
            liveScore[k][e] <== live[e] * (b1 + bb + c1 + cc + 2 * (c0 - 2 * cc) + orderScore[k][e] + tieScore[k][e]);
            liveJudged[k][e] <== live[e] * (b0 + b1 - bb + c0 + c1 - cc);
            lcScore += liveScore[k][e];
            lcJudged += liveJudged[k][e];
        }
        judgedZero[k] <== IsZero()(lcJudged);
        observed[k] <== included[k] * (1 - judgedZero[k]);
        // score <= 2 judged, so the quotient is at most 65535; without comparisons the divisor is 1.
        agreement[k] = DivRem(16, JUDGED_BITS);
        agreement[k].a <== REP_MAX * lcScore;
        agreement[k].d <== 2 * lcJudged + judgedZero[k];
        _ <== agreement[k].r;
    }

    // Check (12) - flags: an observed judge below the threshold is flagged, otherwise it agrees.
    signal belowThreshold[N];
    signal flagged[N];
    signal agrees[N];
    for (var k = 0; k < N; k++) {
        belowThreshold[k] <== LessThanRanged(AGREE_BITS)([agreement[k].q, minAgreement]);
        flagged[k] <== observed[k] * belowThreshold[k];
        agrees[k] <== observed[k] - flagged[k];
    }

    // Check (13) - the EMA. agreement - oldRep is in [-65535, 65535], so the floor is 18-bit signed; the
    // new reputation lies between the old one and the agreement, hence 16-bit (its bits are the posted
    // new word).
    signal repProd[N];
    signal repStep[N];
    signal newRep[N];
    signal newRepBits[N][16];
    component ema[N];
    for (var k = 0; k < N; k++) {
        repProd[k] <== emaRate * (agreement[k].q - oldRep[k]);
        ema[k] = FloorDiv(18, 16);
        ema[k].a <== repProd[k];
        ema[k].d <== 1 << 16;
        _ <== ema[k].r;
        repStep[k] <== observed[k] * ema[k].q;
        newRep[k] <== oldRep[k] + repStep[k];
        newRepBits[k] <== Num2Bits(16)(newRep[k]);
    }

    // Check (14) - the posted data, bit by bit in transmission order (most significant bit of each
    // big-endian field first), and its SHA-256.
    signal msg[NBITS];
    for (var i = 0; i < 32; i++) {
        msg[i] <== roundBits[31 - i];
    }
    for (var i = 0; i < 8; i++) {
        msg[32 + i] <== winnerBits[7 - i];
    }
    for (var i = 0; i < 64; i++) {
        // Bit j of each mask is slot j (0 for j >= N).
        var bit = 63 - i;
        if (bit < N) {
            msg[40 + i] <== answered[bit];
            msg[104 + i] <== included[bit];
            msg[168 + i] <== agrees[bit];
            msg[232 + i] <== flagged[bit];
        } else {
            msg[40 + i] <== 0;
            msg[104 + i] <== 0;
            msg[168 + i] <== 0;
            msg[232 + i] <== 0;
        }
    }
    for (var m = 0; m < M; m++) {
        var oldBase = 296 + 256 * m;
        var newBase = 296 + 256 * M + 256 * m;
        for (var b = 0; b < 256; b++) {
            var slot = LANES * m + b \ 16;
            if (slot < N) {
                msg[oldBase + 255 - b] <== oldRepBits[slot][b % 16];
                msg[newBase + 255 - b] <== newRepBits[slot][b % 16];
            } else {
                msg[oldBase + 255 - b] <== 0;
                msg[newBase + 255 - b] <== 0;
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
    outHash === lcHash;

    // Check (15) - the settler is an address. The range check also puts the public input into a
    // constraint, so the proof is valid for this one settler only.
    _ <== Num2Bits(160)(settler);
}
