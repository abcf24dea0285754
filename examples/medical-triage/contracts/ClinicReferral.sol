// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TriageRecord} from "./TriageRecord.sol";

/// @notice Poseidon over 2 field elements, deployed from the bytecode circomlibjs generates
/// (`poseidonContract.createCode(2)`), which agrees with circomlib's `Poseidon(2)` and the circuit.
interface IPoseidon2 {
    function poseidon(uint256[2] memory inputs) external pure returns (uint256);
}

/**
 * @title ClinicReferral
 * @notice A clinic that fast-tracks a biopsy appointment for a patient whose proven triage says
 * "refer". It learns the result only when the patient reveals it: the patient sends the malignancy
 * logit and the output salt, the contract recomputes Poseidon(malignancy, outputSalt) and compares it
 * with the hash the verified proof recorded in {TriageRecord}. The proof binds that hash to the
 * committed model run on the patient's committed inputs, so a revealed value is the model's output.
 * Only the patient may reveal their own record, each record once.
 */
contract ClinicReferral {
    /// @notice No triage is recorded for (patient, nonce).
    error ClinicReferralNoRecord(address patient, uint256 nonce);
    /// @notice Poseidon(malignancy, outputSalt) is not the recorded hash.
    error ClinicReferralWrongOpening(address patient, uint256 nonce);
    /// @notice The record was revealed already.
    error ClinicReferralAlreadyRevealed(address patient, uint256 nonce);
    /// @notice A revealed value must be a field element.
    error ClinicReferralNotAFieldElement(uint256 value);

    /// @notice The patient revealed a result at or above the threshold: an appointment is reserved.
    event Referred(address indexed patient, uint256 indexed nonce, int256 malignancy);
    /// @notice The patient revealed a result below the threshold: no referral.
    event NotReferred(address indexed patient, uint256 indexed nonce, int256 malignancy);

    /// @dev BN254's scalar field: signals are elements of it, a negative q is encoded as r - |q|.
    uint256 private constant _R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    TriageRecord public immutable record;
    IPoseidon2 public immutable poseidon;
    /// @notice Referral threshold on the malignancy logit, at the output's fixed-point scale (2^10).
    int256 public immutable threshold;
    mapping(address patient => mapping(uint256 nonce => bool)) public revealed;
    mapping(address patient => bool) public referred;

    constructor(TriageRecord record_, IPoseidon2 poseidon_, int256 threshold_) {
        record = record_;
        poseidon = poseidon_;
        threshold = threshold_;
    }

    /**
     * @notice Opens the caller's recorded triage `nonce` and acts on it.
     * @param malignancy The model's output as its public signal would be (a negative q as r - |q|).
     * @param outputSalt The salt the proof hashed the output with (the prover returned it to the patient).
     */
    function reveal(uint256 nonce, uint256 malignancy, uint256 outputSalt) external {
        uint256 recorded = record.outputHashOf(msg.sender, nonce);
        if (recorded == 0) revert ClinicReferralNoRecord(msg.sender, nonce);
        if (revealed[msg.sender][nonce]) revert ClinicReferralAlreadyRevealed(msg.sender, nonce);
        // Poseidon reduces its inputs mod r: without these checks malignancy + r would open the same hash.
        if (malignancy >= _R) revert ClinicReferralNotAFieldElement(malignancy);
        if (outputSalt >= _R) revert ClinicReferralNotAFieldElement(outputSalt);
        if (poseidon.poseidon([malignancy, outputSalt]) != recorded)
            revert ClinicReferralWrongOpening(msg.sender, nonce);
        revealed[msg.sender][nonce] = true;
        // The model's output bounds are far below 2^254, so the upper half of the field is the negatives.
        int256 value = malignancy > _R / 2 ? -int256(_R - malignancy) : int256(malignancy);
        if (value >= threshold) {
            referred[msg.sender] = true;
            emit Referred(msg.sender, nonce, value);
        } else {
            emit NotReferred(msg.sender, nonce, value);
        }
    }
}
