pragma circom 2.1.9;

// zkmerit hashing of values whose range is already constrained.
//
// VectorCommit (fixedpoint.circom) range-checks every value it packs, B constraints each. When the
// caller has already proven the range (a clamp's output, a sorted column checked for order and
// bounds), the packing is a linear combination and only the Poseidon calls cost constraints.

include "fixedpoint.circom";

// HashPacked(M, W, OFFSET): HashChain(tag, packed), where packed holds the M limbs x[i] + OFFSET,
// K = floor(253 / W) limbs per field element, limb i of an element at bit offset W * i, the last
// element padded with zero limbs.
// The CALLER guarantees every x[i] + OFFSET is in [0, 2^W); then the packing is injective
// (K * W <= 253 < log2(p)) and needs no constraint of its own.
template HashPacked(M, W, OFFSET) {
    assert(M >= 1 && W >= 1 && W <= 252);
    var K = packCount(W);
    var E = (M + K - 1) \ K;
    signal input tag;
    signal input x[M];
    signal output out;

    signal packed[E];
    for (var e = 0; e < E; e++) {
        var lc = 0;
        for (var t = 0; t < K; t++) {
            if (e * K + t < M) {
                lc += (x[e * K + t] + OFFSET) * (1 << (W * t));
            }
        }
        packed[e] <== lc;
    }
    out <== HashChain(E)(tag, packed);
}

// VectorCommitRanged(N, B): VectorCommit(N, B)(x) for values the CALLER has already constrained
// to be B-bit signed; same packing, same tag, same commitment, without the range checks.
template VectorCommitRanged(N, B) {
    signal input x[N];
    signal output commitment;

    commitment <== HashPacked(N, B, 1 << (B - 1))(B * (1 << 32) + N, x);
}
