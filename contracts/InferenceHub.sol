// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceHub} from "./interfaces/IInferenceHub.sol";
import {IInferenceVerifier} from "./interfaces/IInferenceVerifier.sol";
import {PublicSignals} from "./libraries/PublicSignals.sol";
import {ModelRegistry} from "./ModelRegistry.sol";

/**
 * @title InferenceHub
 * @notice Verifies proofs of inference for registered models and calls their consumers.
 * See {IInferenceHub}.
 *
 * @dev The hub is the registry: reading a model from its own storage saves a cold external call and
 * account access per verification. Gas matters here (the Groth16 pairing alone is ~181k), so
 * {verifyAndAct} reads exactly three model slots, each once: (verifier, status, numOutputs, version),
 * then commitment, then consumer; and it uses a transient-storage reentrancy guard.
 */
contract InferenceHub is ModelRegistry, ReentrancyGuardTransient, IInferenceHub {
    /// @dev Verified statements, keyed by {_statementKey}.
    mapping(bytes32 statementKey => bool) private _usedNonces;

    /// @dev See {IInferenceHub-verifyAndAct}.
    function verifyAndAct(uint256 modelId, bytes calldata proof, uint256[] calldata publicSignals)
        external
        nonReentrant
    {
        Model storage model = _model(modelId);
        (IInferenceVerifier verifier, uint256 numOutputs) = _checkSignals(modelId, model, publicSignals);
        (address subject, uint256 nonce, bytes32 key) = _checkStatement(modelId, numOutputs, publicSignals);

        // A reverting verifier bubbles up; `false` reverts here. Either way nothing is recorded.
        if (!verifier.verify(proof, publicSignals)) revert InferenceHubInvalidProof(modelId);

        _usedNonces[key] = true;
        uint256[] calldata outputs = publicSignals[:numOutputs];
        emit InferenceVerified(modelId, subject, nonce, outputs);

        // Last, after every state change (checks-effects-interactions; the guard also blocks re-entry).
        // A reverting consumer reverts the whole call, so the nonce is not burned.
        IInferenceConsumer consumer = model.consumer;
        if (address(consumer) != address(0)) consumer.onInferenceVerified(modelId, subject, nonce, outputs);
    }

    /// @dev See {IInferenceHub-isNonceUsed}.
    function isNonceUsed(uint256 modelId, address subject, uint256 nonce) external view returns (bool) {
        return _usedNonces[_statementKey(modelId, subject, nonce)];
    }

    /**
     * @dev Checks that `modelId` is Active and that `publicSignals` has its signal count, holds only
     * field elements and carries its commitment. Returns the model's verifier and number of outputs.
     */
    function _checkSignals(uint256 modelId, Model storage model, uint256[] calldata publicSignals)
        private
        view
        returns (IInferenceVerifier verifier, uint256 numOutputs)
    {
        // verifier, status and numOutputs share one slot: a single SLOAD.
        verifier = model.verifier;
        ModelStatus status = model.status;
        numOutputs = model.numOutputs;

        if (status != ModelStatus.Active) revert InferenceHubModelNotActive(modelId, status);
        uint256 signalCount = PublicSignals.count(numOutputs);
        if (publicSignals.length != signalCount) {
            revert InferenceHubInvalidSignalCount(modelId, signalCount, publicSignals.length);
        }

        // Every signal, whatever the verifier checks: x and x + r are the same field element, so an
        // unreduced signal would let one proof pass for several statements (a fresh nonce, another
        // subject) or feed a consumer an output that decodes differently.
        for (uint256 i; i < signalCount; ++i) {
            uint256 signal = publicSignals[i];
            if (signal >= PublicSignals.FIELD_MODULUS) revert InferenceHubSignalNotInField(i, signal);
        }

        uint256 commitment = publicSignals[PublicSignals.commitmentIndex(numOutputs)];
        uint256 expected = model.modelCommitment;
        if (commitment != expected) revert InferenceHubCommitmentMismatch(modelId, expected, commitment);
    }

    /**
     * @dev Decodes the statement's subject and nonce, and checks that the statement was never verified.
     * Returns them with the statement's replay key.
     */
    function _checkStatement(uint256 modelId, uint256 numOutputs, uint256[] calldata publicSignals)
        private
        view
        returns (address subject, uint256 nonce, bytes32 key)
    {
        uint256 subjectSignal = publicSignals[PublicSignals.subjectIndex(numOutputs)];
        if (subjectSignal > type(uint160).max) revert InferenceHubInvalidSubject(subjectSignal);
        subject = address(uint160(subjectSignal));

        // The replay key is the statement, never the proof bytes: Groth16 proofs can be re-randomised
        // into other valid proofs of the same statement.
        nonce = publicSignals[PublicSignals.nonceIndex(numOutputs)];
        key = _statementKey(modelId, subject, nonce);
        if (_usedNonces[key]) revert InferenceHubNonceUsed(modelId, subject, nonce);
    }

    /// @dev One mapping slot per statement (modelId, subject, nonce).
    function _statementKey(uint256 modelId, address subject, uint256 nonce) private pure returns (bytes32) {
        return keccak256(abi.encode(modelId, subject, nonce));
    }
}
