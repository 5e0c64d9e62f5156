pragma circom 2.1.9;

// zkmerit binary Poseidon Merkle tree over 2^L leaves.
//
// Leaf i sits at position i (bit t of i chooses the right child at level t, level 0 = leaves);
// an internal node is Poseidon(left, right). The TypeScript twin is rewardRoot / rewardPath in
// oracle/contribution/reference.ts.

include "circomlib/circuits/poseidon.circom";

// MerkleRoot(L): the root of the tree whose leaves are `leaves` (2^L - 1 Poseidon(2) calls).
template MerkleRoot(L) {
    assert(L >= 0 && L <= 32);
    var n = 1 << L;
    signal input leaves[n];
    signal output root;

    // node[0 .. n-1] are the leaves, then each level follows the one below it; node[2n - 2] is the root.
    signal node[2 * n - 1];
    for (var i = 0; i < n; i++) {
        node[i] <== leaves[i];
    }
    var below = 0;
    var next = n;
    for (var t = 0; t < L; t++) {
        var width = n >> (t + 1);
        for (var i = 0; i < width; i++) {
            node[next + i] <== Poseidon(2)([node[below + 2 * i], node[below + 2 * i + 1]]);
        }
        below = next;
        next += width;
    }
    root <== node[2 * n - 2];
}
