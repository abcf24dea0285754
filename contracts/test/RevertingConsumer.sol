// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";

/**
 * @title RevertingConsumer
 * @notice TEST ONLY. A consumer that always reverts.
 */
contract RevertingConsumer is IInferenceConsumer {
    error RevertingConsumerFailed(uint256 modelId, address subject, uint256 nonce);

    function onInferenceVerified(uint256 modelId, address subject, uint256 nonce, uint256[] calldata) external pure {
        revert RevertingConsumerFailed(modelId, subject, nonce);
    }
}
