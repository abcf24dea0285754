// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceVerifier} from "./IInferenceVerifier.sol";

/**
 * @title IBatchInferenceVerifier
 * @notice An {IInferenceVerifier} that also checks many proofs of its circuit in one call, for less
 * than the sum of the single checks.
 *
 * For Groth16 the build generates the batch check from the verification key (see
 * prover/setup/groth16Batch.ts and docs/ARCHITECTURE.md#batch-verification): one pairing-product
 * equation for the whole batch, a random linear combination of the proofs' equations whose
 * coefficients are a hash of every proof and every public signal in the batch, so no submitter can
 * choose them. It accepts exactly when every proof would pass {IInferenceVerifier-verify}, except with
 * probability about 2^-250 per attempt.
 *
 * Like `verify`, it answers only whether the proofs are valid; the hub checks what the statements
 * mean (commitment, nonces, duplicates inside the batch).
 */
interface IBatchInferenceVerifier is IInferenceVerifier {
    /**
     * @dev The batch is empty, or its signal count is not a multiple of the circuit's `perProof`.
     */
    error InferenceVerifierInvalidBatch(uint256 perProof, uint256 actualSignals);

    /**
     * @notice Checks n proofs of this circuit at once.
     * @dev Reverts with {InferenceVerifierInvalidBatch} or {InferenceVerifierInvalidProofLength} when the
     * input cannot be a batch for this circuit (no proof; signals not a multiple of N; proof bytes not n
     * proofs long); returns false when it is well formed but some proof does not verify (including
     * points off the curve or coordinates outside the field, and a signal >= r).
     * @param proofs The n proofs concatenated, each encoded as for {IInferenceVerifier-verify}.
     * @param publicSignals The n statements' public signals concatenated: proof i's N signals are
     * `publicSignals[i * N : (i + 1) * N]`, in the order of {PublicSignals}.
     * @return True if and only if every proof is valid for its signals.
     */
    function verifyBatch(bytes calldata proofs, uint256[] calldata publicSignals) external view returns (bool);
}
