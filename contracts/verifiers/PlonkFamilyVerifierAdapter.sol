// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";

/**
 * @title PlonkFamilyVerifierAdapter
 * @notice Gives a snarkjs-generated PLONK or FFLONK verifier the {IInferenceVerifier} interface.
 *
 * The build uses it for PLONK models. FFLONK models get zkinfer's own verifier instead
 * (prover/setup/fflonkVerifier.ts: no template, no self-call, about 29k gas less per proof); the
 * differential test still runs snarkjs's FFLONK template behind this adapter as a reference.
 *
 * The build pipeline generates, per model, a contract that inherits the untouched snarkjs verifier
 * and this adapter:
 *
 *     contract TinyVerifier is PlonkVerifier, PlonkFamilyVerifierAdapter(5) {
 *         function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
 *             return _verifyBySelfCall(PlonkVerifier.verifyProof.selector, proof, publicSignals);
 *         }
 *     }
 *
 * @dev Why a self-call, when {Groth16VerifierAdapter} tail-calls internally: snarkjs's PLONK and
 * FFLONK templates read the proof at FIXED calldata offsets (`pA = 4 + 0`, `pEval_inv = 4 + 32*23`),
 * i.e. they assume the calldata is exactly `verifyProof(uint256[24], uint256[N])`. Inside `verify`
 * the proof sits behind the dynamic-array heads, so an internal call would read the wrong words. The
 * adapter therefore re-encodes the call in that layout (selector, 24 proof words, N signals: two
 * calldatacopy) and static-calls its own address, about 2,000 gas that the PLONK family's cheaper
 * per-signal cost pays for.
 *
 * The templates check that each proof element is below the field modulus, but NOT the public signals:
 * a signal x >= r is reduced inside their arithmetic and verifies as x - r. The hub refuses any signal
 * >= r before it calls a verifier (InferenceHub-_checkSignals), whatever the proof system.
 *
 * `proof` is the 24 words snarkjs's `exportSolidityCallData` gives, in that order (768 bytes).
 */
abstract contract PlonkFamilyVerifierAdapter is IInferenceVerifier {
    /// @dev 24 words: PLONK's 9 G1 points and 6 evaluations, FFLONK's 4 G1 points and 16 evaluations.
    uint256 private constant _PROOF_LENGTH = 768;

    uint256 private immutable _numPublicSignals;

    /// @param numPublicSignals N, the number of public signals the generated verifier takes.
    constructor(uint256 numPublicSignals) {
        _numPublicSignals = numPublicSignals;
    }

    /**
     * @dev Checks the lengths of `proof` (768 bytes) and `publicSignals` (N), then calls
     * `selector(uint256[24], uint256[N])` on this contract with them. A reverting or short answer
     * counts as false.
     */
    function _verifyBySelfCall(
        bytes4 selector,
        bytes calldata proof,
        uint256[] calldata publicSignals
    ) internal view returns (bool valid) {
        if (proof.length != _PROOF_LENGTH) revert InferenceVerifierInvalidProofLength(_PROOF_LENGTH, proof.length);
        uint256 n = publicSignals.length;
        if (n != _numPublicSignals) revert InferenceVerifierInvalidSignalCount(_numPublicSignals, n);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            calldatacopy(add(ptr, 0x04), proof.offset, _PROOF_LENGTH)
            let signalsSize := shl(5, n)
            calldatacopy(add(ptr, 0x304), publicSignals.offset, signalsSize)
            let success := staticcall(gas(), address(), ptr, add(0x304, signalsSize), 0x00, 0x20)
            valid := and(success, and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1)))
        }
    }
}
