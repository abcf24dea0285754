pragma circom 2.2.0;

// Compare-exchange, the step of TopK's sorting network (prover/graph/families/topk.ts):
//   s = [b > a] (b - a - 1 >= 0, one bounded sign bit), t = s * (b - a),
//   hi = a + t = max(a, b), lo = b - t = min(a, b).
// The range analysis proves -2^K <= b - a - 1 < 2^K, so s is the true comparison (compare.circom)
// and t, hi and lo follow by equality constraints: no other witness satisfies them. Equal values
// do not swap (s = 0), which keeps the sort stable. s is an output so that the caller can move
// indices with the same swap. Cost: K + 2 constraints.

include "compare.circom";

template CompareExchange(K) {
    signal input a;
    signal input b;
    signal output s;
    signal output hi;
    signal output lo;

    s <== IsNonNegative(K)(b - a - 1);
    signal t <== s * (b - a);
    hi <== a + t;
    lo <== b - t;
}
