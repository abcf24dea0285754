pragma circom 2.2.0;

// Sign bit of a bounded signed value: the one comparison primitive of the non-linear ops.
//
// The range analysis (prover/model/ir.ts) proves -2^K <= in < 2^K. Then in + 2^K lies in
// [0, 2^(K+1)) and its K+1-bit decomposition is unique (K + 1 < 253, so no aliasing with in + p);
// the top bit is 1 exactly when in >= 0. Comparing a against b is IsNonNegative(a - b) with K
// covering the difference, which is why callers range-check before comparing (SECURITY.md 2).
// Cost: K + 1 constraints.

include "circomlib/circuits/bitify.circom";

template IsNonNegative(K) {
    signal input in;
    signal output out;

    assert(K >= 1 && K <= 251); // compile-time parameter check only; not a constraint

    component bits = Num2Bits(K + 1);
    bits.in <== in + (1 << K);
    out <== bits.out[K];
}

// A signed value known to lie in [-2^(B-1), 2^(B-1)): its B-bit decomposition after the offset.
// Used on private weights so that packing several into one field element for the model commitment
// is injective (each digit < 2^B). Cost: B constraints.
template SignedBits(B) {
    signal input in;

    assert(B >= 1 && B <= 250); // compile-time parameter check only; not a constraint

    component bits = Num2Bits(B);
    bits.in <== in + (1 << (B - 1));
}
