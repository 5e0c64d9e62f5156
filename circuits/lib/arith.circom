pragma circom 2.1.9;

// zkmerit integer arithmetic on bounded field elements: floor division with remainder,
// comparisons and a sign test, clamping and one-hot indices.
//
// Every template here states the range its inputs must already have (enforced by the caller, or
// implied by how the caller built them) and proves its outputs are the unique integers the rule
// defines. Signed integers are field-encoded as in fixedpoint.circom (x < 0 is p - |x|). The
// TypeScript reference (oracle/contribution/reference.ts) computes the same integers.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/multiplexer.circom";

// DivRem(QB, DB): q = floor(a / d) and r = a mod d for an integer a >= 0 and a divisor d >= 1.
// q and r are hints; the constraints pin them:
//   Check (1) - a == q * d + r.
//   Check (2) - r and d - 1 - r are DB-bit, so 0 <= r < d and d in [1, 2^(DB+1)).
//   Check (3) - q is QB-bit.
// Then q * d + r < 2^(QB + DB + 2) <= p, so (1) holds over the integers and (q, r) is the floor division.
// A witness exists whenever d <= 2^DB and a < 2^QB * d (the caller sizes QB and DB for its values);
// for d above 2^DB it may not.
template DivRem(QB, DB) {
    assert(QB >= 1 && DB >= 1 && QB + DB <= 250);
    signal input a;
    signal input d;
    signal output q;
    signal output r;

    q <-- a \ d;
    // Check (1)
    r <== a - q * d;
    // Check (2)
    _ <== Num2Bits(DB)(r);
    _ <== Num2Bits(DB)(d - 1 - r);
    // Check (3)
    _ <== Num2Bits(QB)(q);
}

// FloorDiv(QB, DB): floor division toward -infinity of a signed integer a by d >= 1:
// a = q * d + r with 0 <= r < d, q a QB-bit signed integer (in [-2^(QB-1), 2^(QB-1))).
//   Check (1) - a == q * d + r.
//   Check (2) - r and d - 1 - r are DB-bit: 0 <= r < d.
//   Check (3) - q + 2^(QB-1) is QB-bit.
// |q * d + r| < 2^(QB + DB) < p / 2, so (1) holds over the signed integers: q is the floor.
template FloorDiv(QB, DB) {
    assert(QB >= 2 && DB >= 1 && QB + DB <= 250);
    signal input a;
    signal input d;
    signal output q;
    signal output r;

    // circom compares field elements as signed (values above p/2 are negative); `\` divides the
    // non-negative representatives, so a negative a is divided as -ceil(|a| / d).
    q <-- a < 0 ? -((-a + d - 1) \ d) : a \ d;
    // Check (1)
    r <== a - q * d;
    // Check (2)
    _ <== Num2Bits(DB)(r);
    _ <== Num2Bits(DB)(d - 1 - r);
    // Check (3)
    _ <== Num2Bits(QB)(q + (1 << (QB - 1)));
}

// LessThanRanged(n): out = (in[0] < in[1]) for in[0], in[1] in [0, 2^n), which the CALLER
// guarantees (outside that range the answer is meaningless). The same constraints as circomlib's
// LessThan(n) - the top bit of the (n+1)-bit in[0] + 2^n - in[1] - but the low bits are marked as
// intentionally unused: circomlib's version leaves them dangling, which `circom --inspect`
// reports, and our pipeline treats every inspect warning as fatal.
template LessThanRanged(n) {
    assert(n >= 1 && n <= 252);
    signal input in[2];
    signal output out;

    signal bits[n + 1] <== Num2Bits(n + 1)(in[0] + (1 << n) - in[1]);
    for (var i = 0; i < n; i++) {
        _ <== bits[i];
    }
    out <== 1 - bits[n];
}

// GreaterThanRanged(n): out = (in[0] > in[1]) for in[0], in[1] in [0, 2^n).
template GreaterThanRanged(n) {
    signal input in[2];
    signal output out;

    out <== LessThanRanged(n)([in[1], in[0]]);
}

// IsPositive(n): out = (x > 0) for a signed integer x in [-2^(n-1), 2^(n-1)), which the CALLER
// guarantees; x + 2^(n-1) and 2^(n-1) are then both n-bit, as the comparison requires.
template IsPositive(n) {
    assert(n >= 2 && n <= 252);
    signal input x;
    signal output out;

    out <== GreaterThanRanged(n)([x + (1 << (n - 1)), 1 << (n - 1)]);
}

// Clamp(B): clamps x, an integer in [-2^B, 2^B), to the B-bit signed range [-2^(B-1), 2^(B-1) - 1].
// Check (1) - y = x + 2^B is (B+1)-bit, i.e. x is in [-2^B, 2^B). Its two top bits place x:
//   00 exactly when y < 2^(B-1), i.e. x < -2^(B-1) (clamp up);
//   11 exactly when y >= 3 * 2^(B-1), i.e. x >= 2^(B-1) (clamp down); anything else is in range.
template Clamp(B) {
    assert(B >= 2 && B <= 250);
    signal input x;
    signal output out;

    // Check (1)
    signal bits[B + 1] <== Num2Bits(B + 1)(x + (1 << B));
    signal below <== (1 - bits[B]) * (1 - bits[B - 1]);
    signal above <== bits[B] * bits[B - 1];
    signal raise <== below * (-(1 << (B - 1)) - x);
    signal lower <== above * ((1 << (B - 1)) - 1 - x);
    out <== x + raise + lower;
}

// OneHot(W): out[i] = (index == i) for an index in [0, W).
// Check (1) - index < W: the decoder's success bit is 1 only when some out[i] is 1, and each
// out[i] can be nonzero only at i == index.
template OneHot(W) {
    assert(W >= 1);
    signal input index;
    signal output out[W];

    component dec = Decoder(W);
    dec.inp <== index;
    // Check (1)
    dec.success === 1;
    out <== dec.out;
}
