// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Groth16VerifierAdapter} from "../verifiers/Groth16VerifierAdapter.sol";
import {Groth16VerifierMock} from "./Groth16VerifierMock.sol";

/**
 * @title Groth16AdaptedVerifierMock
 * @notice TEST ONLY. Composed exactly as the build pipeline composes a generated verifier (`adapterSource` in
 * prover/build/buildModel.ts), with the cryptography-free {Groth16VerifierMock} in place of
 * snarkjs's verifier.
 */
contract Groth16AdaptedVerifierMock is Groth16VerifierMock, Groth16VerifierAdapter(5) {
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
        (uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c) = _groth16Proof(proof, publicSignals);
        uint256[5] calldata signals;
        assembly ("memory-safe") {
            signals := publicSignals.offset
        }
        return verifyProof(a, b, c, signals);
    }
}
