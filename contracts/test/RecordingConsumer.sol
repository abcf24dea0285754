// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";

/**
 * @title RecordingConsumer
 * @notice TEST ONLY. A consumer that emits exactly what the hub passed it.
 */
contract RecordingConsumer is IInferenceConsumer {
    event InferenceReceived(address caller, uint256 modelId, address subject, uint256 nonce, uint256[] outputs);

    function onInferenceVerified(uint256 modelId, address subject, uint256 nonce, uint256[] calldata outputs) external {
        emit InferenceReceived(msg.sender, modelId, subject, nonce, outputs);
    }
}
