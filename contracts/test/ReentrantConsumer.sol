// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";

/**
 * @title ReentrantConsumer
 * @notice TEST ONLY. A consumer that tries to re-enter {IInferenceHub-verifyAndAct} with a second,
 * prepared statement, and lets the hub's answer bubble up.
 */
contract ReentrantConsumer is IInferenceConsumer {
    IInferenceHub private immutable _hub;
    uint256 private _modelId;
    bytes private _proof;
    uint256[] private _publicSignals;

    constructor(IInferenceHub hub) {
        _hub = hub;
    }

    /// @notice TEST ONLY: the call made on re-entry.
    function prepare(uint256 modelId, bytes calldata proof, uint256[] calldata publicSignals) external {
        _modelId = modelId;
        _proof = proof;
        _publicSignals = publicSignals;
    }

    function onInferenceVerified(uint256, address, uint256, uint256[] calldata) external {
        _hub.verifyAndAct(_modelId, _proof, _publicSignals);
    }
}
