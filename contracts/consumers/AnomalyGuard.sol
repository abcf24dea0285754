// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAnomalyGuard} from "../interfaces/IAnomalyGuard.sol";
import {IGuardedPausable} from "../interfaces/IGuardedPausable.sol";
import {IPriceSource} from "../interfaces/IPriceSource.sol";
import {PublicSignals} from "../libraries/PublicSignals.sol";

/**
 * @title AnomalyGuard
 * @notice Pauses a protected contract on a verified anomaly score. See {IAnomalyGuard}.
 *
 * @dev A refused score reverts, so the whole verifyAndAct reverts and the hub burns no nonce.
 */
contract AnomalyGuard is IAnomalyGuard, Ownable {
    uint256 private constant _NUM_OUTPUTS = 3;

    address private immutable _hub;
    uint256 private immutable _modelId;
    IPriceSource private immutable _priceSource;
    IGuardedPausable private immutable _target;
    uint256 private immutable _unpauseDelay;
    int256 private _threshold;
    uint256 private _maxAge;
    uint256 private _pausedAt;
    mapping(uint64 epoch => bool) private _scored;

    /**
     * @param hub_ The hub allowed to report inferences.
     * @param modelId_ The anomaly model whose scores count.
     * @param priceSource_ Where window hashes and epoch times come from.
     * @param target_ The contract to pause; it must make this guard its pauser.
     * @param initialOwner Sets the threshold and freshness, and unpauses.
     * @param threshold_ Lowest score (inclusive) that pauses.
     * @param maxAge_ Maximum age, in seconds, of a score's price epoch.
     * @param unpauseDelay_ Seconds from a pause to the earliest unpause.
     */
    constructor(
        address hub_,
        uint256 modelId_,
        IPriceSource priceSource_,
        IGuardedPausable target_,
        address initialOwner,
        int256 threshold_,
        uint256 maxAge_,
        uint256 unpauseDelay_
    ) Ownable(initialOwner) {
        _hub = hub_;
        _modelId = modelId_;
        _priceSource = priceSource_;
        _target = target_;
        _threshold = threshold_;
        _maxAge = maxAge_;
        _unpauseDelay = unpauseDelay_;
    }

    /// @dev See {IInferenceConsumer-onInferenceVerified}.
    function onInferenceVerified(
        uint256 modelId_,
        address subject,
        uint256 nonce,
        uint256[] calldata outputs
    ) external {
        if (msg.sender != _hub) revert AnomalyGuardUnauthorizedCaller(msg.sender);
        // Anyone can register a model (with a verifier accepting anything) pointing at this guard.
        if (modelId_ != _modelId) revert AnomalyGuardUnknownModel(modelId_);
        if (outputs.length != _NUM_OUTPUTS) revert AnomalyGuardInvalidOutputCount(outputs.length);

        int256 score = PublicSignals.toInt(outputs[0]);
        // An epoch beyond uint64 cannot have a recorded window: report it as a mismatch for epoch max.
        uint64 epoch = outputs[1] > type(uint64).max ? type(uint64).max : uint64(outputs[1]);
        if (_scored[epoch]) revert AnomalyGuardAlreadyScored(epoch);
        uint256 expected = _priceSource.windowHash(epoch);
        if (outputs[2] != expected) revert AnomalyGuardWindowMismatch(epoch, expected, outputs[2]);
        uint256 age = block.timestamp - _priceSource.recordedAt(epoch);
        if (age > _maxAge) revert AnomalyGuardStaleWindow(epoch, age, _maxAge);

        _scored[epoch] = true;
        bool flagged = score >= _threshold;
        emit AnomalyScored(epoch, score, flagged, subject, nonce);
        // A flagged score while the target is paused (by this guard or otherwise) changes nothing:
        // in particular it does not restart the delay, which only the first pause starts.
        if (flagged && !_target.paused()) {
            _pausedAt = block.timestamp;
            emit GuardTripped(epoch, score, block.timestamp + _unpauseDelay);
            _target.pause();
        }
    }

    /// @dev See {IAnomalyGuard-unpause}.
    function unpause() external onlyOwner {
        uint256 pausedAt_ = _pausedAt;
        if (pausedAt_ == 0) revert AnomalyGuardNotTripped();
        uint256 readyAt = pausedAt_ + _unpauseDelay;
        if (block.timestamp < readyAt) revert AnomalyGuardUnpauseTooEarly(readyAt, block.timestamp);
        _pausedAt = 0;
        emit GuardReleased(msg.sender, pausedAt_);
        _target.unpause();
    }

    /// @dev See {IAnomalyGuard-setThreshold}.
    function setThreshold(int256 newThreshold) external onlyOwner {
        int256 old = _threshold;
        _threshold = newThreshold;
        emit ThresholdUpdated(old, newThreshold);
    }

    /// @dev See {IAnomalyGuard-setMaxAge}.
    function setMaxAge(uint256 newMaxAge) external onlyOwner {
        uint256 old = _maxAge;
        _maxAge = newMaxAge;
        emit MaxAgeUpdated(old, newMaxAge);
    }

    /// @dev See {IAnomalyGuard-hub}.
    function hub() external view returns (address) {
        return _hub;
    }

    /// @dev See {IAnomalyGuard-modelId}.
    function modelId() external view returns (uint256) {
        return _modelId;
    }

    /// @dev See {IAnomalyGuard-priceSource}.
    function priceSource() external view returns (IPriceSource) {
        return _priceSource;
    }

    /// @dev See {IAnomalyGuard-target}.
    function target() external view returns (IGuardedPausable) {
        return _target;
    }

    /// @dev See {IAnomalyGuard-threshold}.
    function threshold() external view returns (int256) {
        return _threshold;
    }

    /// @dev See {IAnomalyGuard-maxAge}.
    function maxAge() external view returns (uint256) {
        return _maxAge;
    }

    /// @dev See {IAnomalyGuard-unpauseDelay}.
    function unpauseDelay() external view returns (uint256) {
        return _unpauseDelay;
    }

    /// @dev See {IAnomalyGuard-pausedAt}.
    function pausedAt() external view returns (uint256) {
        return _pausedAt;
    }

    /// @dev See {IAnomalyGuard-scored}.
    function scored(uint64 epoch) external view returns (bool) {
        return _scored[epoch];
    }
}
