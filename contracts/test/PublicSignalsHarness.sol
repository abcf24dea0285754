// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PublicSignals} from "../libraries/PublicSignals.sol";

/**
 * @title PublicSignalsHarness
 * @notice TEST ONLY. Exposes the {PublicSignals} library to tests.
 */
contract PublicSignalsHarness {
    function fieldModulus() external pure returns (uint256) {
        return PublicSignals.FIELD_MODULUS;
    }

    function commitmentIndex(uint256 numOutputs) external pure returns (uint256) {
        return PublicSignals.commitmentIndex(numOutputs);
    }

    function inputCommitmentIndex(uint256 numOutputs) external pure returns (uint256) {
        return PublicSignals.inputCommitmentIndex(numOutputs);
    }

    function subjectIndex(uint256 numOutputs) external pure returns (uint256) {
        return PublicSignals.subjectIndex(numOutputs);
    }

    function nonceIndex(uint256 numOutputs) external pure returns (uint256) {
        return PublicSignals.nonceIndex(numOutputs);
    }

    function count(uint256 numOutputs) external pure returns (uint256) {
        return PublicSignals.count(numOutputs);
    }

    function attesterKeyHashIndex(uint256 numOutputs) external pure returns (uint256) {
        return PublicSignals.attesterKeyHashIndex(numOutputs);
    }

    function validityIndex(uint256 numOutputs) external pure returns (uint256) {
        return PublicSignals.validityIndex(numOutputs);
    }

    function unpackValidity(uint256 validity) external pure returns (uint256 issuedAt, uint256 expiresAt) {
        return PublicSignals.unpackValidity(validity);
    }

    function attestedCount(uint256 numOutputs) external pure returns (uint256) {
        return PublicSignals.attestedCount(numOutputs);
    }

    function publicInputsIndex(uint256 numOutputs) external pure returns (uint256) {
        return PublicSignals.publicInputsIndex(numOutputs);
    }

    function publicInputCount(uint256 numOutputs, uint256 numPublicInputs) external pure returns (uint256) {
        return PublicSignals.publicInputCount(numOutputs, numPublicInputs);
    }

    function inSignedBits(uint256 x, uint256 bits) external pure returns (bool) {
        return PublicSignals.inSignedBits(x, bits);
    }

    function toInt(uint256 x) external pure returns (int256) {
        return PublicSignals.toInt(x);
    }
}
