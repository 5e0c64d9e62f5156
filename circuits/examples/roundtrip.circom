pragma circom 2.1.9;

// RoundTrip(N, B): the smallest complete settlement circuit, used to exercise the proof
// settlement path (contracts/libraries/Groth16Settlement.sol) before any module exists.
//
// Proves: the prover knows a vector x of N B-bit signed fixed-point values whose commitment
// (VectorCommit) is `commitment` and whose sum is `sum` (field-encoded signed).
//
// Public inputs, in order:
//   context     chainId * 2^160 + settling contract address (binds the proof to one deployment)
//   round       the round id the contract assigned
//   commitment  VectorCommit(N, B)(x)
//   sum         sum_i x_i, field-encoded
// Private inputs: x[N].

include "lib/fixedpoint.circom";

template RoundTrip(N, B) {
    // Public: where and when the proof may be used.
    signal input context;
    signal input round;
    // Public: the posted results.
    signal input commitment;
    signal input sum;
    // Private: the vector.
    signal input x[N];

    // Check (1) - the commitment opens to x (and every x_i is B-bit signed).
    component commit = VectorCommit(N, B);
    commit.x <== x;
    commitment === commit.commitment;

    // Check (2) - the sum. |sum| < N * 2^(B-1) is far below p / 2, so it cannot wrap.
    var acc = 0;
    for (var i = 0; i < N; i++) {
        acc += x[i];
    }
    sum === acc;

    // Check (3) - bind context and round, which no other constraint uses, so they cannot be
    // dropped by the optimizer and a proof is tied to them.
    signal contextSquare <== context * context;
    signal roundSquare <== round * round;
}
