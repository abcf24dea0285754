pragma circom 2.2.0;

// Declared input ranges, enforced inside the proof.
//
// The compiler's overflow analysis assumes every input lies in its declared [MIN, MAX]; this
// template makes that an actual constraint, so a prover cannot feed a value the analysis never saw
// (or a field element such as p - 1 posing as a small negative number).
//
// Both in - MIN and MAX - in are decomposed into N = bitlength(MAX - MIN) bits. Each being in
// [0, 2^N) with 2^N <= 2 (MAX - MIN) < p means in - MIN lies in [0, MAX - MIN] as an integer.
// When MAX - MIN + 1 is a power of two the upper check is implied and skipped.

include "circomlib/circuits/bitify.circom";

template InRange(N, MIN, MAX) {
    signal input in;

    assert(N <= 250); // compile-time parameter check only; not a constraint

    if (N == 0) {
        in === MIN;
    } else {
        component low = Num2Bits(N);
        low.in <== in - MIN;
        if (MAX - MIN + 1 != (1 << N)) {
            component high = Num2Bits(N);
            high.in <== MAX - in;
        }
    }
}
