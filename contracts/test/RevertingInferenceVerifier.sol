// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";

/**
 * @title RevertingInferenceVerifier
 * @notice TEST ONLY. A verifier that always reverts, as a verifier whose precompile call fails might.
 */
contract RevertingInferenceVerifier is IInferenceVerifier {
    error RevertingInferenceVerifierFailed();

    function verify(bytes calldata, uint256[] calldata) external pure returns (bool) {
        revert RevertingInferenceVerifierFailed();
    }
}
