pragma circom 2.1.9;

// zkmerit SHA-256 (FIPS 180-4) over a message of a fixed number of bits, written for this repo so
// that `circom --inspect` reports nothing: circomlib's sha256 leaves the carry bits of its adders
// and the shifted-out bits of its shifts dangling, and our pipeline treats every inspect warning
// as fatal. The EVM's SHA-256 precompile costs 60 + 12 gas per 32-byte word, so a contract can
// bind a whole batch of posted data to one public input with it (see docs/spec/reliability.md).
//
// Words are arrays of 32 bits, least significant first (w[k] has weight 2^k); rotations and shifts
// are rewirings and cost nothing. Per bit: Xor3 2 constraints, Ch 1, Maj 2; a sum of words mod 2^32
// is one Num2Bits of the sum (its carry bits are dropped). The round's new a and e are each computed
// from one sum (T1 and T2 are never decomposed), about 26,900 constraints per 512-bit block.

include "circomlib/circuits/bitify.circom";

function sha256K(i) {
    var k[64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
    ];
    return k[i];
}

function sha256H0(i) {
    var h[8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    return h[i];
}

// Bit i of rotr(x, r): x[(i + r) mod 32]. Bit i of shr(x, r): x[i + r], or 0 past the top.

// Sha256Xor3(): out = a XOR b XOR c for bits a, b, c (2 constraints).
template Sha256Xor3() {
    signal input a;
    signal input b;
    signal input c;
    signal output out;

    signal mid <== b * c;
    out <== a * (1 - 2 * b - 2 * c + 4 * mid) + b + c - 2 * mid;
}

// Sha256Sigma(R0, R1, R2, SHIFT): rotr(x, R0) XOR rotr(x, R1) XOR (SHIFT ? shr(x, R2) : rotr(x, R2)).
// A shifted-out bit is 0, so that bit is a two-input XOR (1 constraint).
template Sha256Sigma(R0, R1, R2, SHIFT) {
    signal input in[32];
    signal output out[32];

    component x3[32];
    for (var i = 0; i < 32; i++) {
        var a = in[(i + R0) % 32];
        var b = in[(i + R1) % 32];
        if (SHIFT == 1 && i + R2 >= 32) {
            out[i] <== a + b - 2 * a * b;
        } else {
            x3[i] = Sha256Xor3();
            x3[i].a <== in[(i + R0) % 32];
            x3[i].b <== in[(i + R1) % 32];
            x3[i].c <== in[SHIFT == 1 ? i + R2 : (i + R2) % 32];
            out[i] <== x3[i].out;
        }
    }
}

// Sha256AddMod(M, CARRY): out = (sum of the M given linear combinations) mod 2^32, each term a word
// below 2^32 (so the sum is below 2^(32 + CARRY) with 2^CARRY >= M); the carry bits are dropped.
template Sha256AddMod(M, CARRY) {
    signal input in[M];
    signal output out[32];

    var lc = 0;
    for (var t = 0; t < M; t++) {
        lc += in[t];
    }
    signal bits[32 + CARRY] <== Num2Bits(32 + CARRY)(lc);
    for (var i = 0; i < 32; i++) {
        out[i] <== bits[i];
    }
    for (var i = 32; i < 32 + CARRY; i++) {
        _ <== bits[i];
    }
}

// Sha256Block(): one compression: hout = hin + compress(hin, block), words as bits (LSB first);
// block[t][k] is bit k of message word t (t = 0..15, big-endian words of the block).
template Sha256Block() {
    signal input hin[8][32];
    signal input block[16][32];
    signal output hout[8][32];

    // The message schedule.
    signal w[64][32];
    component s0[48];
    component s1[48];
    component wsum[48];
    for (var t = 0; t < 16; t++) {
        w[t] <== block[t];
    }
    for (var t = 16; t < 64; t++) {
        s0[t - 16] = Sha256Sigma(7, 18, 3, 1);
        s0[t - 16].in <== w[t - 15];
        s1[t - 16] = Sha256Sigma(17, 19, 10, 1);
        s1[t - 16].in <== w[t - 2];
        wsum[t - 16] = Sha256AddMod(4, 2);
        var x1 = 0;
        var x2 = 0;
        var x3 = 0;
        var x4 = 0;
        for (var k = 0; k < 32; k++) {
            x1 += s1[t - 16].out[k] * (1 << k);
            x2 += w[t - 7][k] * (1 << k);
            x3 += s0[t - 16].out[k] * (1 << k);
            x4 += w[t - 16][k] * (1 << k);
        }
        wsum[t - 16].in <== [x1, x2, x3, x4];
        w[t] <== wsum[t - 16].out;
    }

    // The 64 rounds. v[t] holds a..h before round t.
    signal v[65][8][32];
    v[0] <== hin;
    component bs0[64];
    component bs1[64];
    signal ch[64][32];
    signal majMid[64][32];
    signal maj[64][32];
    component newA[64];
    component newE[64];
    for (var t = 0; t < 64; t++) {
        bs0[t] = Sha256Sigma(2, 13, 22, 0);
        bs0[t].in <== v[t][0];
        bs1[t] = Sha256Sigma(6, 11, 25, 0);
        bs1[t].in <== v[t][4];
        var lcS0 = 0;
        var lcS1 = 0;
        var lcCh = 0;
        var lcMaj = 0;
        var lcD = 0;
        var lcH = 0;
        var lcW = 0;
        for (var k = 0; k < 32; k++) {
            // Ch(e, f, g) = e * (f - g) + g; Maj(a, b, c) = a * (b + c - 2bc) + bc.
            ch[t][k] <== v[t][4][k] * (v[t][5][k] - v[t][6][k]) + v[t][6][k];
            majMid[t][k] <== v[t][1][k] * v[t][2][k];
            maj[t][k] <== v[t][0][k] * (v[t][1][k] + v[t][2][k] - 2 * majMid[t][k]) + majMid[t][k];
            lcS0 += bs0[t].out[k] * (1 << k);
            lcS1 += bs1[t].out[k] * (1 << k);
            lcCh += ch[t][k] * (1 << k);
            lcMaj += maj[t][k] * (1 << k);
            lcD += v[t][3][k] * (1 << k);
            lcH += v[t][7][k] * (1 << k);
            lcW += w[t][k] * (1 << k);
        }
        // T1 = h + S1(e) + Ch + K_t + w_t; T2 = S0(a) + Maj; e' = d + T1; a' = T1 + T2.
        newE[t] = Sha256AddMod(6, 3);
        newE[t].in <== [lcD, lcH, lcS1, lcCh, sha256K(t), lcW];
        newA[t] = Sha256AddMod(7, 3);
        newA[t].in <== [lcH, lcS1, lcCh, sha256K(t), lcW, lcS0, lcMaj];
        v[t + 1][0] <== newA[t].out;
        v[t + 1][1] <== v[t][0];
        v[t + 1][2] <== v[t][1];
        v[t + 1][3] <== v[t][2];
        v[t + 1][4] <== newE[t].out;
        v[t + 1][5] <== v[t][4];
        v[t + 1][6] <== v[t][5];
        v[t + 1][7] <== v[t][6];
    }

    component fin[8];
    for (var i = 0; i < 8; i++) {
        fin[i] = Sha256AddMod(2, 1);
        var lcIn = 0;
        var lcV = 0;
        for (var k = 0; k < 32; k++) {
            lcIn += hin[i][k] * (1 << k);
            lcV += v[64][i][k] * (1 << k);
        }
        fin[i].in <== [lcIn, lcV];
        hout[i] <== fin[i].out;
    }
}

// Sha256Bits(NBITS): the SHA-256 digest of an NBITS-bit message. in[i] is bit i of the message in
// transmission order (in[0] is the most significant bit of byte 0); out[i] likewise of the 32-byte
// digest. The caller constrains every in[i] to be a bit. Padding (a 1 bit, zeros, the 64-bit
// big-endian length) is constant.
template Sha256Bits(NBITS) {
    assert(NBITS >= 0 && NBITS < 1 << 32);
    var NBLOCKS = (NBITS + 64) \ 512 + 1;
    signal input in[NBITS];
    signal output out[256];

    var padded[NBLOCKS * 512];
    for (var i = 0; i < NBLOCKS * 512; i++) {
        padded[i] = 0;
    }
    padded[NBITS] = 1;
    for (var i = 0; i < 64; i++) {
        padded[NBLOCKS * 512 - 1 - i] = (NBITS >> i) & 1;
    }

    component blocks[NBLOCKS];
    for (var b = 0; b < NBLOCKS; b++) {
        blocks[b] = Sha256Block();
        for (var i = 0; i < 8; i++) {
            for (var k = 0; k < 32; k++) {
                if (b == 0) {
                    blocks[b].hin[i][k] <== (sha256H0(i) >> k) & 1;
                } else {
                    blocks[b].hin[i][k] <== blocks[b - 1].hout[i][k];
                }
            }
        }
        for (var t = 0; t < 16; t++) {
            for (var k = 0; k < 32; k++) {
                // Bit k (LSB first) of big-endian word t is message bit 32t + 31 - k of the block.
                var pos = b * 512 + 32 * t + 31 - k;
                if (pos < NBITS) {
                    blocks[b].block[t][k] <== in[pos];
                } else {
                    blocks[b].block[t][k] <== padded[pos];
                }
            }
        }
    }
    for (var i = 0; i < 8; i++) {
        for (var k = 0; k < 32; k++) {
            out[32 * i + 31 - k] <== blocks[NBLOCKS - 1].hout[i][k];
        }
    }
}
