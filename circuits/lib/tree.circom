pragma circom 2.2.0;

// One split of a decision tree, in path-indicator form.
//
// `reach` is 1 when the node lies on the path the input takes, else 0 (the root's reach is the
// constant 1). The node sends the input right when x > THRESHOLD, i.e. x - THRESHOLD - 1 >= 0 on
// integers (a constrained sign bit; K bounds that difference). right = reach * goRight is the right
// child's reach; the left child's is reach - right, a free linear term. A leaf's value then enters
// the output as reach_leaf * value: constants times indicators, a linear combination, so a tree
// costs K + 2 constraints per internal node and nothing per leaf.

include "compare.circom";

template TreeSplit(K, THRESHOLD) {
    signal input x;
    signal input reach;
    signal output right;

    signal goRight <== IsNonNegative(K)(x - THRESHOLD - 1);
    right <== reach * goRight;
}
