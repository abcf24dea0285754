pragma circom 2.2.0;

include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/poseidon.circom";

// AttestationCheck: `message` (the Poseidon hash of the private features, the subject and the
// validity window; see docs/ATTESTATION.md) carries an EdDSA-Poseidon signature (R8, S) by the
// Baby Jubjub key (Ax, Ay), and keyHash = Poseidon(Ax, Ay). keyHash is a public signal that the hub
// looks up in the model's trusted attesters, so the key itself stays private and only a trusted
// attester's signature can satisfy the circuit.
//
// Soundness notes, each a constraint (not an assert):
// - S < l (the subgroup order): circomlib's verifier decomposes S into 253 bits and compares it with
//   l - 1 (CompConstant). Without it, S + l would verify too (a malleated signature).
// - The hash h = Poseidon(R8, A, message) is decomposed with Num2Bits_strict (no aliasing mod p),
//   and A is multiplied by 8 (cofactor clearing) and checked non-zero, all inside circomlib.
// - R8 on the curve: circomlib does not check it; circomlibjs's verifyPoseidon (what the prover runs
//   before proving) does. The circuit must not accept more than that verifier, so it checks too.
// - keyHash binds the key: Poseidon is collision resistant, so no other key hashes to a trusted one.
template AttestationCheck() {
    signal input message;
    signal input Ax;
    signal input Ay;
    signal input R8x;
    signal input R8y;
    signal input S;
    signal input keyHash;

    component r8OnCurve = BabyCheck();
    r8OnCurve.x <== R8x;
    r8OnCurve.y <== R8y;

    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== 1;
    signature.Ax <== Ax;
    signature.Ay <== Ay;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== message;

    signal computedKeyHash <== Poseidon(2)([Ax, Ay]);
    keyHash === computedKeyHash;
}

// PackValidity: the attestation's window as one public signal, out = issuedAt * 2^BITS + expiresAt.
// One public signal instead of two saves an ecMul and an ecAdd in the Groth16 verifier (~7k gas).
// Both timestamps are decomposed into BITS bits (constraints, not asserts), so the packing is
// injective: the hub's unpacking (high and low BITS bits) yields exactly the signed values, and no
// other (issuedAt, expiresAt) pair packs to the same signal.
template PackValidity(BITS) {
    signal input issuedAt;
    signal input expiresAt;
    signal output out;

    component issuedBits = Num2Bits(BITS);
    issuedBits.in <== issuedAt;
    component expiresBits = Num2Bits(BITS);
    expiresBits.in <== expiresAt;

    out <== issuedAt * (1 << BITS) + expiresAt;
}
