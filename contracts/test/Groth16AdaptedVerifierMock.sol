// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Groth16VerifierAdapter} from "../verifiers/Groth16VerifierAdapter.sol";
import {Groth16VerifierMock} from "./Groth16VerifierMock.sol";

/**
 * @title Groth16AdaptedVerifierMock
 * @notice TEST ONLY. Composed exactly as the build pipeline composes a generated verifier
 * (`contract CreditScoreVerifier is Groth16Verifier, Groth16VerifierAdapter(5) {}`), with the
 * cryptography-free {Groth16VerifierMock} in place of snarkjs's verifier.
 */
contract Groth16AdaptedVerifierMock is Groth16VerifierMock, Groth16VerifierAdapter(5) {}
