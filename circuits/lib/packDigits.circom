pragma circom 2.2.0;

// Segment boundaries (docs/SEGMENTS.md, "Boundaries"): a group's values opened by a segment that did
// not make them. Kept apart from pack.circom so that single-proof circuits, which include pack.circom
// and not this file, keep their circuit-library digest (and so their model commitments).

include "circomlib/circuits/bitify.circom";
// A committed group's values opened by a segment that did not make them (docs/SEGMENTS.md, "Boundaries"):
// out = sum_i (in[i] - MINS[i]) * 2^(BITS[0] + ... + BITS[i-1]), each digit in[i] - MINS[i] decomposed
// into BITS[i] bits (ONE decomposition: no upper check). Injective for the same reason as PackRanged:
// each digit lies in [0, 2^BITS[i]), so a word has one such decomposition. The segment that made the
// group packed values its range analysis proves within [MINS[i], MAXS[i]] (so their digits lie in
// [0, 2^BITS[i])) into the same word under a hash this segment checks: the values opened here are those
// values, and so within their intervals, without the second decomposition. Inputs are not opened this
// way before a segment has range-checked them two-sided (PackRanged) under the same group hash.
template PackDigits(K, BITS, MINS) {
    signal input in[K];
    signal output out;

    component digit[K];
    var packed = 0;
    var shift = 0;
    for (var i = 0; i < K; i++) {
        if (BITS[i] == 0) {
            in[i] === MINS[i];
        } else {
            digit[i] = Num2Bits(BITS[i]);
            digit[i].in <== in[i] - MINS[i];
        }
        packed += (in[i] - MINS[i]) * (1 << shift);
        shift += BITS[i];
    }
    assert(shift <= 248);
    out <== packed;
}
