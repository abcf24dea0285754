// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title PublicSignals
 * @notice The public-signal layout shared by every zkinfer verifier, in Solidity.
 *
 * For a model with `k` outputs the verifier takes `k + 4` field elements, in this order:
 *
 *   [0 .. k-1]  outputs           signed fixed-point values (a negative q is r - |q|)
 *   [k]         modelCommitment   must equal the commitment the registry holds for the model
 *   [k + 1]     inputCommitment   Poseidon(inputs, salt), or 0 when the inputs are public
 *   [k + 2]     subject           the beneficiary address as a field element
 *   [k + 3]     nonce             replay key, unique per (model, subject)
 *
 * An attested model (docs/ATTESTATION.md) takes `k + 6`: two more fields follow the nonce.
 *
 *   [k + 4]     attesterKeyHash   Poseidon(Ax, Ay) of the Baby Jubjub key that signed the inputs
 *   [k + 5]     validity          issuedAt * 2^64 + expiresAt (unix seconds; valid from issuedAt
 *                                 inclusive to expiresAt exclusive; the circuit keeps both < 2^64)
 *
 * This mirrors `prover/abi/publicSignals.ts`, the single definition of the layout; a test checks that
 * the two agree. Fields added later are appended after `nonce`, never inserted: deployed verifiers
 * depend on the order.
 */
library PublicSignals {
    /// @dev The BN254 scalar field r. Every public signal of a Groth16/PLONK proof over BN254 is < r.
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev (r - 1) / 2: the largest field element decoded as a non-negative integer. A literal, not
    /// `(FIELD_MODULUS - 1) / 2`: solc evaluates such an expression (checked) at every use.
    uint256 internal constant HALF_FIELD =
        10944121435919637611123202872628637544274182200208017171849102093287904247808;

    /// @dev Number of binding fields that follow the outputs (commitment, input commitment, subject, nonce).
    uint256 internal constant BINDING_FIELDS = 4;

    /// @dev Number of fields an attested model appends after the nonce (attesterKeyHash, validity).
    uint256 internal constant ATTESTATION_FIELDS = 2;

    /**
     * @dev The value is not an element of the BN254 scalar field (it is >= r), so it has no signed
     * fixed-point meaning.
     */
    error PublicSignalsValueNotInField(uint256 value);

    /// @dev Index of `modelCommitment` for a model with `numOutputs` outputs.
    function commitmentIndex(uint256 numOutputs) internal pure returns (uint256) {
        return numOutputs;
    }

    /// @dev Index of `inputCommitment` for a model with `numOutputs` outputs.
    function inputCommitmentIndex(uint256 numOutputs) internal pure returns (uint256) {
        return numOutputs + 1;
    }

    /// @dev Index of `subject` for a model with `numOutputs` outputs.
    function subjectIndex(uint256 numOutputs) internal pure returns (uint256) {
        return numOutputs + 2;
    }

    /// @dev Index of `nonce` for a model with `numOutputs` outputs.
    function nonceIndex(uint256 numOutputs) internal pure returns (uint256) {
        return numOutputs + 3;
    }

    /// @dev Number of public signals of a model with `numOutputs` outputs.
    function count(uint256 numOutputs) internal pure returns (uint256) {
        return numOutputs + BINDING_FIELDS;
    }

    /// @dev Index of `attesterKeyHash` for an attested model with `numOutputs` outputs.
    function attesterKeyHashIndex(uint256 numOutputs) internal pure returns (uint256) {
        return numOutputs + 4;
    }

    /// @dev Index of `validity` for an attested model with `numOutputs` outputs.
    function validityIndex(uint256 numOutputs) internal pure returns (uint256) {
        return numOutputs + 5;
    }

    /// @dev (issuedAt, expiresAt) of a `validity` signal: its high and low 64 bits.
    function unpackValidity(uint256 validity) internal pure returns (uint256 issuedAt, uint256 expiresAt) {
        issuedAt = validity >> 64;
        expiresAt = uint64(validity);
    }

    /// @dev Index of the first public input of a model with public inputs and `numOutputs` outputs.
    function publicInputsIndex(uint256 numOutputs) internal pure returns (uint256) {
        return numOutputs + BINDING_FIELDS;
    }

    /// @dev Number of public signals of a model with `numOutputs` outputs and `numPublicInputs` public inputs.
    function publicInputCount(uint256 numOutputs, uint256 numPublicInputs) internal pure returns (uint256) {
        return numOutputs + BINDING_FIELDS + numPublicInputs;
    }

    /**
     * @dev Whether the field element `x` (< r) encodes a signed integer in [-2^bits, 2^bits): x + 2^bits
     * taken mod r lies below 2^(bits + 1). Requires bits <= 250.
     */
    function inSignedBits(uint256 x, uint256 bits) internal pure returns (bool) {
        return addmod(x, 1 << bits, FIELD_MODULUS) < (2 << bits);
    }

    /// @dev Number of public signals of an attested model with `numOutputs` outputs.
    function attestedCount(uint256 numOutputs) internal pure returns (uint256) {
        return numOutputs + BINDING_FIELDS + ATTESTATION_FIELDS;
    }

    /**
     * @dev Decodes a field element as the signed integer it encodes: values above (r - 1) / 2 are
     * negative, `x` standing for -(r - x). The result lies in [-(r - 1) / 2, (r - 1) / 2].
     *
     * Reverts with {PublicSignalsValueNotInField} when `x >= r`: such a value is not a field element,
     * and decoding it anyway would let r + q pass for q.
     */
    function toInt(uint256 x) internal pure returns (int256) {
        if (x >= FIELD_MODULUS) revert PublicSignalsValueNotInField(x);
        // Both x <= HALF_FIELD and r - x < r < 2^254 fit in int256, so neither conversion wraps.
        return x > HALF_FIELD ? -int256(FIELD_MODULUS - x) : int256(x);
    }
}
