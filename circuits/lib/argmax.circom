pragma circom 2.2.0;

// ArgMax with a defined tie rule: the LOWEST index among the maxima (SECURITY.md 7: exactly one
// valid output per input).
//
// m is the running maximum (MaxStep: a ReLU gadget per step, so m is forced to the true max).
// eq[i] = [in[i] - m >= 0] is a constrained sign bit (in[i] <= m always, so it means in[i] == m);
// first[i] = eq[i] * (1 - seen[i-1]) marks only the first maximum, seen[i] counts them so far.
// Every signal is determined by the inputs: no free choice for the prover. K bounds every
// difference in[i] - in[j].

include "activation.circom";
include "compare.circom";

template ArgMax(N, K) {
    signal input in[N];
    signal output out;

    signal m[N];
    m[0] <== in[0];
    for (var i = 1; i < N; i++) {
        m[i] <== MaxStep(K)(m[i - 1], in[i]);
    }

    signal eq[N];
    signal first[N];
    signal seen[N];
    var index = 0;
    for (var i = 0; i < N; i++) {
        eq[i] <== IsNonNegative(K)(in[i] - m[N - 1]);
        if (i == 0) {
            first[i] <== eq[i];
            seen[i] <== eq[i];
        } else {
            first[i] <== eq[i] * (1 - seen[i - 1]);
            seen[i] <== seen[i - 1] + first[i];
        }
        index += i * first[i];
    }
    out <== index;
}
