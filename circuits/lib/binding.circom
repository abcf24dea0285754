pragma circom 2.2.0;

// Public inputs that no other constraint uses (subject, nonce) would be dropped by the optimizer,
// and a Groth16 proof would then verify for ANY value of them: a front-runner could swap the
// subject. Squaring each one puts it in a non-linear constraint that the optimizer must keep,
// so the verification key commits to it (the same trick as Semaphore's dummy square).

template BindPublic(N) {
    signal input in[N];
    signal squares[N];
    for (var i = 0; i < N; i++) {
        squares[i] <== in[i] * in[i];
    }
}

// Many public inputs bound by ONE constraint: (sum_i (i + 1) * in[i])^2. Every input appears in
// that non-linear constraint, so none can be optimised away and the verification key commits to
// each (snarkjs's setup also gives every public input its own input constraint). N squares would
// cost N constraints: 784 for an MNIST-sized input, a third of a whole MLP's layers.
template BindPublicAll(N) {
    signal input in[N];
    var sum = 0;
    for (var i = 0; i < N; i++) {
        sum += (i + 1) * in[i];
    }
    signal square <== sum * sum;
}
