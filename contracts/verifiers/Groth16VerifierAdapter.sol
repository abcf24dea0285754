// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";

/**
 * @title Groth16VerifierAdapter
 * @notice Gives a snarkjs-generated Groth16 verifier the {IInferenceVerifier} interface.
 *
 * The build pipeline generates, per model, a contract that inherits both the untouched snarkjs
 * verifier and this adapter:
 *
 *     contract CreditScoreVerifier is Groth16Verifier, Groth16VerifierAdapter(5) {}
 *
 * @dev snarkjs's `verifyProof(uint[2] _pA, uint[2][2] _pB, uint[2] _pC, uint[N] _pubSignals)` takes
 * calldata arrays and returns from inside assembly, so it cannot be called internally. The adapter
 * calls it on `address(this)` instead (a warm account: 100 gas, far cheaper than a separate adapter
 * contract). Every argument is static, so its ABI encoding is simply
 * `selector ‖ 8 proof words ‖ N signal words`, and that is exactly `selector ‖ proof ‖ signals` when
 * `proof = abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)` (256 bytes), with `b` in the order
 * snarkjs's `exportSolidityCallData` gives.
 *
 * Identifiers here are `_`-prefixed so they cannot collide with the generated contract's constants.
 */
abstract contract Groth16VerifierAdapter is IInferenceVerifier {
    /// @dev a (2 words) + b (4 words) + c (2 words).
    uint256 private constant _PROOF_LENGTH = 256;

    uint256 private immutable _numPublicSignals;
    bytes4 private immutable _verifyProofSelector;

    /**
     * @param numPublicSignals N, the number of public signals the generated verifier takes
     * (`uint[N] _pubSignals`).
     */
    constructor(uint256 numPublicSignals) {
        _numPublicSignals = numPublicSignals;
        // The selector depends on N, so it is computed once here instead of hard-coded per model.
        _verifyProofSelector = bytes4(
            keccak256(
                abi.encodePacked(
                    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[",
                    Strings.toString(numPublicSignals),
                    "])"
                )
            )
        );
    }

    /**
     * @dev See {IInferenceVerifier-verify}. `proof` is `abi.encode(a, b, c)`, 256 bytes. Returns false
     * when `verifyProof` returns false, reverts, or returns anything but a single `true` word.
     */
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool valid) {
        if (proof.length != _PROOF_LENGTH) revert InferenceVerifierInvalidProofLength(_PROOF_LENGTH, proof.length);
        if (publicSignals.length != _numPublicSignals) {
            revert InferenceVerifierInvalidSignalCount(_numPublicSignals, publicSignals.length);
        }

        bytes memory callData = abi.encodePacked(_verifyProofSelector, proof, publicSignals);
        // Raw staticcall: the result is read from scratch space without copying the return data, and
        // only an exact 32-byte `true` counts (a failing precompile inside makes snarkjs return false).
        assembly ("memory-safe") {
            let success := staticcall(gas(), address(), add(callData, 0x20), mload(callData), 0x00, 0x20)
            valid := and(success, and(eq(returndatasize(), 0x20), eq(mload(0x00), 1)))
        }
    }
}
