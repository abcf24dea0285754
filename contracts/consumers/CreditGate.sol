// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICreditGate} from "../interfaces/ICreditGate.sol";
import {PublicSignals} from "../libraries/PublicSignals.sol";

/**
 * @title CreditGate
 * @notice Opens a credit line for `subject` when its proven credit score reaches the owner's threshold.
 * See {ICreditGate}.
 *
 * @dev Gas: the hub and model id are immutables, the owner's settings share one slot read once, and
 * a credit line is one slot written once.
 */
contract CreditGate is ICreditGate, Ownable {
    /// @dev Owner settings, packed into one slot.
    struct Config {
        int128 threshold;
        uint128 creditLimit;
    }

    address private immutable _hub;
    uint256 private immutable _modelId;
    Config private _config;
    mapping(address subject => CreditLine) private _creditLines;

    /**
     * @param hub_ The hub allowed to report inferences.
     * @param modelId_ The credit model whose inferences this gate acts on.
     * @param initialOwner The account that sets the threshold and limit.
     * @param threshold_ Minimum score (inclusive) that opens a credit line; fits in int128.
     * @param creditLimit_ Limit granted to new credit lines; fits in uint128.
     */
    constructor(
        address hub_,
        uint256 modelId_,
        address initialOwner,
        int256 threshold_,
        uint256 creditLimit_
    ) Ownable(initialOwner) {
        _hub = hub_;
        _modelId = modelId_;
        _config = Config(SafeCast.toInt128(threshold_), SafeCast.toUint128(creditLimit_));
    }

    /// @dev See {IInferenceConsumer-onInferenceVerified}.
    function onInferenceVerified(uint256 modelId_, address subject, uint256, uint256[] calldata outputs) external {
        if (msg.sender != _hub) revert CreditGateUnauthorizedCaller(msg.sender);
        if (modelId_ != _modelId) revert CreditGateUnexpectedModel(modelId_);

        // The hub has checked outputs[0] < r; toInt decodes r - |q| as -|q|.
        int256 score = PublicSignals.toInt(outputs[0]);
        // One SLOAD for both settings.
        Config memory config = _config;
        if (score < config.threshold) {
            emit CreditRefused(subject, score, config.threshold);
            return;
        }

        // For `subject`, never msg.sender or tx.origin: whoever submits the proof, the subject benefits.
        _creditLines[subject] = CreditLine(config.creditLimit, SafeCast.toInt64(score), uint64(block.timestamp));
        emit CreditLineOpened(subject, config.creditLimit, score);
    }

    /// @dev See {ICreditGate-setThreshold}.
    function setThreshold(int256 newThreshold) external onlyOwner {
        int256 oldThreshold = _config.threshold;
        _config.threshold = SafeCast.toInt128(newThreshold);
        emit ThresholdUpdated(oldThreshold, newThreshold);
    }

    /// @dev See {ICreditGate-setCreditLimit}.
    function setCreditLimit(uint256 newCreditLimit) external onlyOwner {
        uint256 oldCreditLimit = _config.creditLimit;
        _config.creditLimit = SafeCast.toUint128(newCreditLimit);
        emit CreditLimitUpdated(oldCreditLimit, newCreditLimit);
    }

    /// @dev See {ICreditGate-hub}.
    function hub() external view returns (address) {
        return _hub;
    }

    /// @dev See {ICreditGate-modelId}.
    function modelId() external view returns (uint256) {
        return _modelId;
    }

    /// @dev See {ICreditGate-threshold}.
    function threshold() external view returns (int256) {
        return _config.threshold;
    }

    /// @dev See {ICreditGate-creditLimit}.
    function creditLimit() external view returns (uint256) {
        return _config.creditLimit;
    }

    /// @dev See {ICreditGate-creditLineOf}.
    function creditLineOf(address subject) external view returns (CreditLine memory) {
        return _creditLines[subject];
    }
}
