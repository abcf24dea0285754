pragma circom 2.2.0;

// Floored division of a bounded signed numerator by a positive signal: q = floor(num / den).
//
// The prover supplies q and r (computed with <--, which constrains nothing); what makes them THE
// quotient and remainder is the constraint set below:
//   num === q * den + r,   0 <= r <= den - 1,   -2^Q <= q < 2^Q.
// The caller guarantees 1 <= den < 2^D (den is a range-checked input) and that the integer
// |num| < 2^(Q + D) (prover/model/ir.ts proves both and keeps Q + D + 2 below the field's bits).
// Then |q * den + r| < 2^(Q + D + 1) < p / 2, so the field equation holds over the integers, and an
// integer num has exactly one (q, r) with 0 <= r < den: Euclidean division. A remainder check done
// with `assert` (or none) would let the prover shift q by one at will.
// The gap check also rules out a zero divisor on its own (SECURITY.md 5): den = 1 + r + gap with r,
// gap >= 0, so den >= 1 whatever the caller's range checks.
// Cost: 1 product + D + D + (Q + 1) boolean constraints.

include "circomlib/circuits/bitify.circom";

template DivFloor(Q, D) {
    signal input num;
    signal input den;
    signal output q;

    assert(Q >= 1 && D >= 1 && Q + D + 2 <= 251); // compile-time parameter check only; not a constraint

    // Witness only: circom's `\` works on field representatives, so a negative numerator (p - |num|)
    // is divided as |num| and negated, rounding toward minus infinity.
    var n = num;
    var quotient;
    if (n < 0) {
        var a = -n;
        quotient = -((a + den - 1) \ den);
    } else {
        quotient = n \ den;
    }
    signal r;
    q <-- quotient;
    r <-- num - quotient * den;

    signal product <== q * den;
    num === product + r;

    // 0 <= r < 2^D and den - 1 - r >= 0 (also < 2^D as den < 2^D): 0 <= r <= den - 1.
    component remainder = Num2Bits(D);
    remainder.in <== r;
    component gap = Num2Bits(D);
    gap.in <== den - 1 - r;

    // -2^Q <= q < 2^Q, so q * den cannot wrap around the field.
    component quotientBits = Num2Bits(Q + 1);
    quotientBits.in <== q + (1 << Q);
}
