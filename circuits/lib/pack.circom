pragma circom 2.2.0;

// Private inputs: range-checked and packed into one field element for the input commitment.
//
// Hashing costs about 40 constraints per Poseidon element; the range check already decomposes
// in - MIN into BITS bits, and writing those digits side by side is a linear combination, which costs
// nothing. So the commitment hashes one element per ~248 bits of inputs instead of one per input
// (MLP 784-56-10: 26 elements instead of 785).
//
// out = sum_i (in[i] - MINS[i]) * 2^(BITS[0] + ... + BITS[i-1]).
// Injective: InRange(BITS[i], ...) decomposes in[i] - MINS[i] into exactly BITS[i] bits, so each digit
// lies in [0, 2^BITS[i]) and no digit spills into its neighbour's bits (without that check
// (d0 + 2^BITS[0], d1 - 1) would pack like (d0, d1)); and the whole sum stays below 2^248 < p, so
// it never wraps. The layout (which inputs share a word, the widths) is chosen by
// prover/model/commitment.ts (inputPackingLayout), which also computes the same value off-circuit.

include "circuits/lib/range.circom";

template PackRanged(K, BITS, MINS, MAXS) {
    signal input in[K];
    signal output out;

    var packed = 0;
    var shift = 0;
    for (var i = 0; i < K; i++) {
        // Compile-time parameter checks only (not constraints): the width is the range's bit length.
        assert(MAXS[i] >= MINS[i]);
        assert(MAXS[i] - MINS[i] < (1 << BITS[i]));
        InRange(BITS[i], MINS[i], MAXS[i])(in[i]);
        packed += (in[i] - MINS[i]) * (1 << shift);
        shift += BITS[i];
    }
    assert(shift <= 248);
    out <== packed;
}
