pragma circom 2.2.0;

// Element-wise non-linear activations, each built from the rescale/ReLU gadget so that every
// comparison is a constrained bit decomposition (see rescale.circom for why that is sound).

include "rescale.circom";

// LeakyRelu / PRelu: out = x for x >= 0, else floor(ALPHA * x / 2^A).
// Written as floor(((2^A - ALPHA) * relu(x) + ALPHA * x) / 2^A): for x >= 0 the numerator is
// 2^A * x, for x < 0 it is ALPHA * x, and it is LINEAR in relu(x) and x, so one ReLU gadget and
// one rescale do it with no selector product. K_RELU bounds x, K_MIX the numerator.
template LeakyRelu(K_RELU, K_MIX, A, ALPHA) {
    signal input in;
    signal output out;

    signal positive <== RescaleRelu(K_RELU, 0)(in);
    out <== Rescale(K_MIX, A)(((1 << A) - ALPHA) * positive + ALPHA * in);
}

// max(in, LO) = LO + relu(in - LO). K bounds in - LO.
template ClipLow(K, LO) {
    signal input in;
    signal output out;
    signal above <== RescaleRelu(K, 0)(in - LO);
    out <== LO + above;
}

// min(in, HI) = HI - relu(HI - in). K bounds HI - in.
template ClipHigh(K, HI) {
    signal input in;
    signal output out;
    signal below <== RescaleRelu(K, 0)(HI - in);
    out <== HI - below;
}

// Piecewise-linear function (sigmoid, tanh: prover/model/approx.ts):
//   out = floor((Y0 + sum_j D[j] * relu(in - B[j])) / 2^A).
// MODE[j] says what the range analysis proved about in - B[j]: 0 = never positive (the term is 0
// and costs nothing), 1 = never negative (relu is the identity: a free linear term), 2 = either
// (one ReLU gadget of KS[j] bits). K_SUM bounds the numerator.
template Piecewise(N, K_SUM, A, Y0, B, D, MODE, KS) {
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
    out <== Rescale(K_SUM, A)(acc);
}

// One step of a running maximum: max(m, x) = m + relu(x - m). K bounds x - m.
template MaxStep(K) {
    signal input m;
    signal input x;
    signal output out;
    signal rise <== RescaleRelu(K, 0)(x - m);
    out <== m + rise;
}
