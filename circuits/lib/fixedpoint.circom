pragma circom 2.1.9;

// zkmerit fixed-point and field core.
//
// Signed integers live in the field as x (x >= 0) or p - |x| (x < 0). A "B-bit signed" value is
// an integer in [-2^(B-1), 2^(B-1)); its offset form u = x + 2^(B-1) is in [0, 2^B).
// Real numbers are quantized off-circuit (oracle/core/field/fixedpoint.ts) to round(v * 2^F); the
// circuits only ever see the integers. The TypeScript reference in oracle/core/field/ implements every
// template here bit for bit (test/circuits/fixedpoint.test.ts pins them together).

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

// How many B-bit values fit one field element: K * B <= 253 < log2(p), so a packed element never
// wraps the field and its decomposition is unique.
function packCount(B) {
    return 253 \ B;
}

// SignedRange(B): constrains x to be B-bit signed and outputs its offset form u = x + 2^(B-1).
template SignedRange(B) {
    assert(B >= 1 && B <= 252);
    signal input x;
    signal output u;

    u <== x + (1 << (B - 1));
    // Check (1) - u in [0, 2^B): Num2Bits(B) with B <= 252 admits exactly those field elements.
    // The bits themselves are not needed, only that they exist.
    _ <== Num2Bits(B)(u);
}

// Pack(K, B): packs K B-bit signed values into one field element
//   packed = sum_i (x_i + 2^(B-1)) * 2^(B*i)
// after range-checking each of them.
template Pack(K, B) {
    assert(K >= 1 && K * B <= 253);
    signal input x[K];
    signal output packed;

    component range[K];
    var acc = 0;
    for (var i = 0; i < K; i++) {
        range[i] = SignedRange(B);
        range[i].x <== x[i];
        acc += range[i].u * (1 << (B * i));
    }
    packed <== acc;
}

// Unpack(K, B): the inverse of Pack. The limbs are a prover hint; the constraints pin them:
// each limb is B bits (Check 1) and the limbs recompose to `packed` (Check 2). As K * B <= 253,
// the recomposition is below p, so only one set of limbs satisfies both.
template Unpack(K, B) {
    assert(K >= 1 && K * B <= 253);
    signal input packed;
    signal output x[K];

    signal u[K];
    var acc = 0;
    for (var i = 0; i < K; i++) {
        u[i] <-- (packed >> (B * i)) & ((1 << B) - 1);
        // Check (1) - each limb is B bits.
        _ <== Num2Bits(B)(u[i]);
        acc += u[i] * (1 << (B * i));
        x[i] <== u[i] - (1 << (B - 1));
    }
    // Check (2) - the limbs recompose to the packed element.
    packed === acc;
}

// PackVector(N, B): packs N B-bit signed values into ceil(N / K) field elements, K = packCount(B);
// the last element is padded with zero limbs (u = 0).
template PackVector(N, B) {
    var K = packCount(B);
    var M = (N + K - 1) \ K;
    signal input x[N];
    signal output packed[M];

    component pack[M];
    for (var j = 0; j < M; j++) {
        pack[j] = Pack(K, B);
        for (var t = 0; t < K; t++) {
            if (j * K + t < N) {
                pack[j].x[t] <== x[j * K + t];
            } else {
                // Padding limb u = 0, i.e. x = -2^(B-1).
                pack[j].x[t] <== -(1 << (B - 1));
            }
        }
        packed[j] <== pack[j].packed;
    }
}

// HashChain(M): Poseidon sponge-like chain over M field elements, seeded with `tag`:
//   state = tag; for each chunk c of up to 15 elements: state = Poseidon([state, c...]).
// The arity of each call (and the tag) fixes the length, so no padding ambiguity arises.
template HashChain(M) {
    assert(M >= 1);
    signal input tag;
    signal input in[M];
    signal output out;

    var C = (M + 14) \ 15;
    component h[C];
    for (var c = 0; c < C; c++) {
        var len = M - c * 15 < 15 ? M - c * 15 : 15;
        h[c] = Poseidon(len + 1);
        if (c == 0) {
            h[c].inputs[0] <== tag;
        } else {
            h[c].inputs[0] <== h[c - 1].out;
        }
        for (var t = 0; t < len; t++) {
            h[c].inputs[t + 1] <== in[c * 15 + t];
        }
    }
    out <== h[C - 1].out;
}

// VectorCommit(N, B): the commitment to a vector of N B-bit signed values:
//   HashChain(tag = B * 2^32 + N, PackVector(x)).
// Every value is range-checked by the packing.
template VectorCommit(N, B) {
    var K = packCount(B);
    var M = (N + K - 1) \ K;
    signal input x[N];
    signal output commitment;

    component pack = PackVector(N, B);
    pack.x <== x;
    component chain = HashChain(M);
    chain.tag <== B * (1 << 32) + N;
    chain.in <== pack.packed;
    commitment <== chain.out;
}
