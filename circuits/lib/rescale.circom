pragma circom 2.2.0;

// Fixed-point rescale (and fused ReLU) with a fully constrained quotient and remainder.
//
// A dense neuron's accumulator `in` has scale 2^(s_in + s_w); dividing by 2^SHIFT brings it back
// to the activation scale. The circuit must fix ONE result for each `in`: a prover who may pick
// another (quotient, remainder) pair can shift any output by one unit per neuron. A popular peer
// library checks the remainder only with `assert`, which generates no constraint; here both halves
// are bound by bits.
//
// The range analysis (prover/model/ir.ts, `lowerModel`) proves -2^K <= in < 2^K with K >= SHIFT. Then
//     v = in + 2^K   lies in [0, 2^(K+1)),
// and ONE decomposition of v into K+1 bits does all the work:
//   - bits[0 .. SHIFT-1]   = r, the remainder: 0 <= r < 2^SHIFT by construction;
//   - bits[SHIFT .. K]     = q + 2^(K-SHIFT): the floored quotient, range-checked for free;
//   - bits[K]              = 1 exactly when in >= 0: the sign, which ReLU needs.
// K + 1 < 253 (enforced by the compiler) so v cannot alias v + p: the bits are unique.
// Cost: K + 1 boolean constraints (Num2Bits), plus 1 product for ReLU: about B + SHIFT + 2 for a
// B-bit activation, against 517 for a comparator-based ReLU on a full field element.

include "circomlib/circuits/bitify.circom";

// out = floor(in / 2^SHIFT), signed. Requires -2^K <= in < 2^K and SHIFT <= K <= 251.
template Rescale(K, SHIFT) {
    signal input in;
    signal output out;

    assert(SHIFT <= K && K <= 251); // compile-time parameter check only; not a constraint

    component bits = Num2Bits(K + 1);
    bits.in <== in + (1 << K);

    // Quotient = (high bits as an unsigned number) - 2^(K - SHIFT): a linear combination, no cost.
    var q = 0;
    for (var i = SHIFT; i <= K; i++) {
        q += bits.out[i] * (1 << (i - SHIFT));
    }
    out <== q - (1 << (K - SHIFT));
}

// out = max(0, floor(in / 2^SHIFT)). Requires -2^K <= in < 2^K and SHIFT <= K <= 251.
// ReLU commutes with the floored division (floor is monotone and floor(x / 2^s) < 0 iff x < 0),
// so the sign bit of the same decomposition selects between 0 and the quotient.
template RescaleRelu(K, SHIFT) {
    signal input in;
    signal output out;

    assert(SHIFT <= K && K <= 251); // compile-time parameter check only; not a constraint

    component bits = Num2Bits(K + 1);
    bits.in <== in + (1 << K);

    // For in >= 0 the top bit is 1 and the bits below it are exactly `in`.
    var q = 0;
    for (var i = SHIFT; i < K; i++) {
        q += bits.out[i] * (1 << (i - SHIFT));
    }
    out <== bits.out[K] * q;
}
