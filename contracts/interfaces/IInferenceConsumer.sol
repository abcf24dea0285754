// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IInferenceConsumer
 * @notice Downstream logic that acts on a verified inference.
 *
 * A model's owner sets one consumer per model in the registry. After the hub has verified a proof
 * and recorded its nonce, it calls the consumer with the model's outputs. If the consumer reverts,
 * the whole verification reverts with it and the nonce stays unused, so the proof can be submitted
 * again.
 *
 * Consumers must check that `msg.sender` is the hub they trust AND that `modelId` is the model they
 * serve: anyone can register a model that points at any consumer, with a verifier that accepts
 * anything. They must act for `subject`, never for `msg.sender` or `tx.origin`: proofs are public
 * once submitted, and binding the effect to `subject` means a front-runner who copies a proof only
 * ever benefits the subject.
 */
interface IInferenceConsumer {
    /**
     * @notice Called by the hub once a proof for `modelId` has been verified.
     * @param modelId The registry's id of the model whose proof was verified.
     * @param subject The beneficiary bound into the proof.
     * @param nonce The replay key bound into the proof; the hub never passes the same
     * (modelId, subject, nonce) twice.
     * @param outputs The model's outputs: signed fixed-point field elements (a negative q is r - |q|),
     * every one < r; decode them with {PublicSignals-toInt}.
     */
    function onInferenceVerified(uint256 modelId, address subject, uint256 nonce, uint256[] calldata outputs) external;
}
