// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceVerifier} from "../interfaces/IInferenceVerifier.sol";

/**
 * @title MockInferenceVerifier
 * @notice TEST ONLY. A verifier whose answer is set by hand, ignoring the proof. Accepts everything
 * until told otherwise. Never register it for a real model.
 */
contract MockInferenceVerifier is IInferenceVerifier {
    bool private _rejects;

    /// @notice TEST ONLY: makes {verify} return `result`.
    function setResult(bool result) external {
        _rejects = !result;
    }

    /// @dev Returns the configured result for any input.
    function verify(bytes calldata, uint256[] calldata) external view returns (bool) {
        return !_rejects;
    }
}
