pragma circom 2.2.0;

// Trading-signal head (prover/model/ir.ts, SignalHeadOp): from one score s,
//   direction = 1 if s >= HOLD, -1 if s <= -HOLD, else 0;
//   size      = min(floor(|s| / 2^SHIFT), ONE) when direction != 0, else 0.
// HOLD > 0, so the two sign bits are never both 1 and direction is in {-1, 0, 1}. s * direction is
// |s| when a side is taken and 0 on hold: one product gives the size's magnitude without a third
// comparison. KB, KS bound s - HOLD and -s - HOLD; KA bounds |s| (KA >= SHIFT); KC bounds ONE - size.

include "circuits/lib/compare.circom";
include "circuits/lib/rescale.circom";
include "circuits/lib/activation.circom";

template SignalHead(KB, KS, HOLD, KA, SHIFT, KC, ONE) {
    signal input in;
    signal output direction;
    signal output size;

    assert(HOLD > 0); // compile-time parameter check only; not a constraint

    signal buy <== IsNonNegative(KB)(in - HOLD);
    signal sell <== IsNonNegative(KS)(-in - HOLD);
    direction <== buy - sell;

    signal magnitude <== in * direction;
    signal scaled;
    if (SHIFT == 0) {
        scaled <== magnitude;
    } else {
        scaled <== Rescale(KA, SHIFT)(magnitude);
    }
    size <== ClipHigh(KC, ONE)(scaled);
}
