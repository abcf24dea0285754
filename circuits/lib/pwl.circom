pragma circom 2.2.0;

// Piecewise-linear function of one bounded signed value (prover/graph/families/fn.ts):
//   out = floor((Y0 + sum_j D[j] * relu(in - B[j])) / 2^A)        (no division when A == 0)
// MODE[j] is what the range analysis proved about in - B[j]: 0 = never positive (the term is 0,
// no cost), 1 = never negative (relu is the identity: a free linear term), 2 = either (one ReLU
// gadget of KS[j] + 1 constraints, a constrained sign bit: rescale.circom). K_SUM bounds the
// numerator: the final rescale costs K_SUM + 1. Every ramp is determined by `in`, the floor by
// the bit decomposition: no free witness.

include "rescale.circom";

template PiecewiseLinear(N, K_SUM, A, Y0, B, D, MODE, KS) {
    signal input in;
    signal output out;

    signal ramps[N];
    var acc = Y0;
    for (var j = 0; j < N; j++) {
        if (MODE[j] == 0) {
            ramps[j] <== 0;
        } else if (MODE[j] == 1) {
            ramps[j] <== in - B[j];
        } else {
            ramps[j] <== RescaleRelu(KS[j], 0)(in - B[j]);
        }
        acc += D[j] * ramps[j];
    }
    if (A == 0) {
        out <== acc;
    } else {
        out <== Rescale(K_SUM, A)(acc);
    }
}
