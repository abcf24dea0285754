// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "./IInferenceConsumer.sol";

/**
 * @title ICreditGate
 * @notice A consumer that opens a credit line for an applicant whose proven credit score reaches the
 * owner's threshold.
 *
 * The applicant proves, with private features, that the registered credit model gives them a score
 * (the model's first output, signed fixed point). The gate acts for the proof's `subject`, whoever
 * submits it.
 */
interface ICreditGate is IInferenceConsumer {
    /**
     * @dev A credit line: the limit granted, the score that granted it, and when (block timestamp).
     * One storage slot. A subject without a line has all fields zero.
     */
    struct CreditLine {
        uint128 limit;
        int64 score;
        uint64 openedAt;
    }

    /**
     * @dev `caller` is not the hub this gate serves.
     */
    error CreditGateUnauthorizedCaller(address caller);

    /**
     * @dev The hub reported an inference of `modelId`, not of the model this gate serves. Anyone can
     * point a model at this gate, with a verifier that accepts anything.
     */
    error CreditGateUnexpectedModel(uint256 modelId);

    /**
     * @dev Emitted when `subject` proves `score` >= threshold and gets (or refreshes) a credit line of
     * `limit`.
     */
    event CreditLineOpened(address indexed subject, uint256 limit, int256 score);

    /**
     * @dev Emitted when `subject` proves `score` < `threshold`; no credit line changes.
     */
    event CreditRefused(address indexed subject, int256 score, int256 threshold);

    /**
     * @dev Emitted when the owner changes the score threshold.
     */
    event ThresholdUpdated(int256 oldThreshold, int256 newThreshold);

    /**
     * @dev Emitted when the owner changes the limit granted to new credit lines.
     */
    event CreditLimitUpdated(uint256 oldCreditLimit, uint256 newCreditLimit);

    /**
     * @notice Sets the minimum score (inclusive) that opens a credit line, at the model's output scale.
     * @dev Only the owner. Fits in int128. Emits {ThresholdUpdated}. Existing lines are kept.
     */
    function setThreshold(int256 newThreshold) external;

    /**
     * @notice Sets the limit granted to credit lines opened from now on.
     * @dev Only the owner. Fits in uint128. Emits {CreditLimitUpdated}. Existing lines are kept.
     */
    function setCreditLimit(uint256 newCreditLimit) external;

    /// @notice The hub allowed to report inferences.
    function hub() external view returns (address);

    /// @notice The model whose inferences this gate acts on.
    function modelId() external view returns (uint256);

    /// @notice The minimum score (inclusive) that opens a credit line.
    function threshold() external view returns (int256);

    /// @notice The limit granted to new credit lines.
    function creditLimit() external view returns (uint256);

    /// @notice The credit line of `subject`; all zero if none was ever opened.
    function creditLineOf(address subject) external view returns (CreditLine memory);
}
