pragma circom 2.1.9;

// zkmerit sorted-permutation checks. Nothing is sorted in-circuit: the prover supplies the sorted
// columns and the circuit checks that each is (a) nondecreasing, (b) inside known bounds and
// (c) a permutation of the column it claims to sort, with a grand product at a Fiat-Shamir
// challenge drawn from a Poseidon hash of the sorted values themselves.

include "circomlib/circuits/bitify.circom";
include "commit.circom";

// SortedInRange(N, LO, HI, DB): LO <= x[0] <= x[1] <= ... <= x[N-1] <= HI as signed integers.
// Needs 0 <= HI - LO < 2^DB (else honest inputs fail) and N * 2^DB < p / 2 (so the steps below
// cannot wrap the field: x[i] - LO = (x[0] - LO) + steps is an integer below (i + 1) * 2^DB).
template SortedInRange(N, LO, HI, DB) {
    assert(N >= 1 && N <= 1 << 16 && DB >= 1 && DB <= 230);
    assert(HI - LO >= 0 && HI - LO < 1 << DB);
    signal input x[N];

    // Check (1) - x[0] >= LO.
    _ <== Num2Bits(DB)(x[0] - LO);
    // Check (2) - nondecreasing: every step is a DB-bit (non-negative) integer.
    for (var i = 0; i + 1 < N; i++) {
        _ <== Num2Bits(DB)(x[i + 1] - x[i]);
    }
    // Check (3) - x[N-1] <= HI.
    _ <== Num2Bits(DB)(HI - x[N - 1]);
}

// GrandProductEqual(N): prod_i (gamma - a[i]) == prod_i (gamma - b[i]).
// For gamma chosen after a and b are fixed, the two degree-N polynomials in gamma agree only if the
// multisets {a} and {b} are equal, except with probability N / p (Schwartz-Zippel).
template GrandProductEqual(N) {
    assert(N >= 1);
    signal input gamma;
    signal input a[N];
    signal input b[N];

    signal pa[N];
    signal pb[N];
    pa[0] <== gamma - a[0];
    pb[0] <== gamma - b[0];
    for (var i = 1; i < N; i++) {
        pa[i] <== pa[i - 1] * (gamma - a[i]);
        pb[i] <== pb[i - 1] * (gamma - b[i]);
    }
    pa[N - 1] === pb[N - 1];
}

// SortedPermutation(C, N, LO, HI, DB): for each of C columns, s[c] is v[c] sorted ascending, all
// values in [LO, HI]; v[c] must already be fixed by `seed` (the caller's commitment to them).
//   Check (1) - each s[c] is nondecreasing and within [LO, HI] (SortedInRange).
//   Check (2) - gamma = HashPacked(C * N, DB, -LO)(seed, s[0][0..N-1], s[1][0..N-1], ...): the
//               challenge depends on the seed and on every sorted value (injectively, by (1)).
//   Check (3) - for each column, prod_j (gamma - v[c][j]) == prod_j (gamma - s[c][j]).
// gamma is output so a later check can chain its own challenge from it.
template SortedPermutation(C, N, LO, HI, DB) {
    assert(C >= 1 && N >= 1);
    signal input seed;
    signal input v[C][N];
    signal input s[C][N];
    signal output gamma;

    // Check (1)
    component order[C];
    for (var c = 0; c < C; c++) {
        order[c] = SortedInRange(N, LO, HI, DB);
        order[c].x <== s[c];
    }
    // Check (2)
    component challenge = HashPacked(C * N, DB, -LO);
    challenge.tag <== seed;
    for (var c = 0; c < C; c++) {
        for (var j = 0; j < N; j++) {
            challenge.x[c * N + j] <== s[c][j];
        }
    }
    gamma <== challenge.out;
    // Check (3)
    component permutation[C];
    for (var c = 0; c < C; c++) {
        permutation[c] = GrandProductEqual(N);
        permutation[c].gamma <== gamma;
        permutation[c].a <== v[c];
        permutation[c].b <== s[c];
    }
}
