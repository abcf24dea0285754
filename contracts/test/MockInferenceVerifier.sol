// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBatchInferenceVerifier} from "../interfaces/IBatchInferenceVerifier.sol";

/**
 * @title MockInferenceVerifier
 * @notice TEST ONLY. A (batch) verifier whose answer is set by hand, ignoring the proof. Accepts everything
 * until told otherwise. Never register it for a real model.
 */
contract MockInferenceVerifier is IBatchInferenceVerifier {
    bool private _rejects;

    /// @notice TEST ONLY: makes {verify} return `result`.
    function setResult(bool result) external {
        _rejects = !result;
    }

    /// @dev Returns the configured result for any input.
    function verify(bytes calldata, uint256[] calldata) external view returns (bool) {
        return !_rejects;
    }

    /// @dev Returns the configured result for any input (the hub's per-statement checks are what its tests test).
    function verifyBatch(bytes calldata, uint256[] calldata) external view returns (bool) {
        return !_rejects;
    }
}
