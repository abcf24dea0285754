// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";

/**
 * @title Groth16VerifierAdapter
 * @notice Gives a snarkjs-generated Groth16 verifier the {IInferenceVerifier} interface.
 *
 * The build pipeline generates, per model, a contract that inherits both the untouched snarkjs
 * verifier and this adapter, and implements {IInferenceVerifier-verify} as a tail call:
 *
 *     contract CreditScoreVerifier is Groth16Verifier, Groth16VerifierAdapter(5) {
 *         function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
 *             (uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c) =
 *                 _groth16Proof(proof, publicSignals);
 *             uint256[5] calldata signals;
 *             assembly { signals := publicSignals.offset }
 *             return verifyProof(a, b, c, signals);
 *         }
 *     }
 *
 * @dev Why a tail call: snarkjs's `verifyProof(uint[2] _pA, uint[2][2] _pB, uint[2] _pC, uint[N]
 * _pubSignals)` reads its arguments with `calldataload` from calldata pointers and ends with
 * `return(0, 0x20)` from inside assembly. Called internally with pointers into `verify`'s own
 * calldata, it therefore reads the right words and its one-word boolean return is exactly the ABI
 * encoding of `verify`'s `bool`. This saves the self-call and the calldata re-encoding of an
 * external `this.verifyProof(...)` (about 2,000 gas per verification), which the hub's gas budget
 * needs. The `uint[N]` cast is per model, so it lives in the generated contract.
 *
 * `proof` is `abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)` (256 bytes), with `b` in the
 * order snarkjs's `exportSolidityCallData` gives. Identifiers here are `_`-prefixed so they cannot
 * collide with the generated contract's constants.
 */
abstract contract Groth16VerifierAdapter is IInferenceVerifier {
    /// @dev a (2 words) + b (4 words) + c (2 words).
    uint256 private constant _PROOF_LENGTH = 256;

    uint256 private immutable _numPublicSignals;

    /**
     * @param numPublicSignals N, the number of public signals the generated verifier takes
     * (`uint[N] _pubSignals`).
     */
    constructor(uint256 numPublicSignals) {
        _numPublicSignals = numPublicSignals;
    }

    /**
     * @dev Checks the lengths of `proof` (256 bytes) and `publicSignals` (N), and returns calldata
     * pointers to the proof's three points, ready for snarkjs's `verifyProof`.
     */
    function _groth16Proof(
        bytes calldata proof,
        uint256[] calldata publicSignals
    ) internal view returns (uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c) {
        if (proof.length != _PROOF_LENGTH) revert InferenceVerifierInvalidProofLength(_PROOF_LENGTH, proof.length);
        if (publicSignals.length != _numPublicSignals) {
            revert InferenceVerifierInvalidSignalCount(_numPublicSignals, publicSignals.length);
        }
        // Static calldata arrays are bare offsets: a at word 0, b at word 2, c at word 6 of the proof.
        assembly ("memory-safe") {
            a := proof.offset
            b := add(proof.offset, 0x40)
            c := add(proof.offset, 0xc0)
        }
    }
}
