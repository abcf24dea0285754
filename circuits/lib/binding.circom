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
