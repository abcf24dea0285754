// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IInferenceVerifier
 * @notice A proof-system-agnostic verifier for one model's circuit.
 *
 * Each model's circuit gets its own verifier, generated from the circuit's final proving key (the
 * spec's `proofSystem`): snarkjs's templates for Groth16 and PLONK, behind adapters
 * ({Groth16VerifierAdapter}, {PlonkFamilyVerifierAdapter}), and zkinfer's own generator for FFLONK
 * (prover/setup/fflonkVerifier.ts), which implements this interface directly. The hub never depends
 * on a proof system's calling convention.
 *
 * A verifier answers one question: is `proof` valid for `publicSignals`? It does not check that the
 * signals make sense (the right model commitment, a fresh nonce); the hub does that, and it also
 * rejects any signal >= r whatever the verifier says.
 */
interface IInferenceVerifier {
    /**
     * @dev The proof is not `expected` bytes long, the fixed size of a proof of this system
     * (256 for Groth16: 8 field words; 768 for PLONK and FFLONK: 24 words).
     */
    error InferenceVerifierInvalidProofLength(uint256 expected, uint256 actual);

    /**
     * @dev The number of public signals is not the `expected` count the circuit was compiled with.
     */
    error InferenceVerifierInvalidSignalCount(uint256 expected, uint256 actual);

    /**
     * @notice Checks a proof against its public signals.
     * @dev Reverts with {InferenceVerifierInvalidProofLength} or {InferenceVerifierInvalidSignalCount}
     * when the input cannot be a proof for this circuit at all; returns false when it is well formed
     * but does not verify (including points off the curve and a failing precompile).
     * @param proof The encoded proof; the layout is defined by the proof system's adapter.
     * @param publicSignals The public signals, in the order of {PublicSignals}.
     * @return True if and only if the proof is valid for these public signals.
     */
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool);
}
