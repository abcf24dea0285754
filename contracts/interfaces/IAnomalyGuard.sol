// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "./IInferenceConsumer.sol";
import {IGuardedPausable} from "./IGuardedPausable.sol";
import {IPriceSource} from "./IPriceSource.sol";

/**
 * @title IAnomalyGuard
 * @notice A consumer that pauses a protected contract as soon as a verified anomaly score of its
 * model reaches the owner's threshold, and lets only its owner unpause, after a fixed delay.
 *
 * An anomaly model has exactly three outputs, in this order:
 *   0. score: signed fixed point (the log-odds of a sell-off for the bundled anomaly-guard model);
 *   1. epoch: the price epoch the model ran on;
 *   2. windowHash: Poseidon of the price window the model ran on.
 * The guard accepts a score only if `windowHash` is the price source's hash for `epoch` (the model ran
 * on the recorded prices, not on prices of the prover's choosing), the epoch was not scored before,
 * and its price is at most {maxAge} seconds old. A score >= {threshold} pauses the target at once
 * (if it is not paused already); a lower score changes nothing but the record.
 *
 * Who can do what: anyone may submit a proof (the model's weights and the prices are public, so the
 * score of an epoch is a fact anyone can prove); only the hub calls this contract; only the owner
 * sets the threshold and the freshness window, and unpauses, no earlier than {unpauseDelay} seconds
 * after the pause. The delay is immutable: an owner cannot shorten it to undo a pause at once.
 */
interface IAnomalyGuard is IInferenceConsumer {
    /// @dev `caller` is not the hub this guard serves.
    error AnomalyGuardUnauthorizedCaller(address caller);

    /// @dev `modelId` is not the guard's model.
    error AnomalyGuardUnknownModel(uint256 modelId);

    /// @dev The model has `count` outputs; an anomaly model has exactly 3.
    error AnomalyGuardInvalidOutputCount(uint256 count);

    /// @dev The proven window hash is not the price source's hash of `epoch`'s window.
    error AnomalyGuardWindowMismatch(uint64 epoch, uint256 expected, uint256 proven);

    /// @dev `epoch` was scored already (its score cannot change; a second submission would only re-pause).
    error AnomalyGuardAlreadyScored(uint64 epoch);

    /// @dev The price of `epoch` is `age` seconds old, more than `maxAge`.
    error AnomalyGuardStaleWindow(uint64 epoch, uint256 age, uint256 maxAge);

    /// @dev {unpause} while the guard has not paused the target.
    error AnomalyGuardNotTripped();

    /// @dev {unpause} before `readyAt` (the pause time plus {unpauseDelay}); it is `timestamp`.
    error AnomalyGuardUnpauseTooEarly(uint256 readyAt, uint256 timestamp);

    /// @dev Emitted for every accepted score; `flagged` when it reached the threshold.
    event AnomalyScored(uint64 indexed epoch, int256 score, bool flagged, address subject, uint256 nonce);

    /// @dev Emitted when a flagged score pauses the target; unpausing is possible from `unpauseAt`.
    event GuardTripped(uint64 indexed epoch, int256 score, uint256 unpauseAt);

    /// @dev Emitted when the owner unpauses the target.
    event GuardReleased(address indexed by, uint256 pausedAt);

    /// @dev Emitted when the owner changes the threshold.
    event ThresholdUpdated(int256 oldThreshold, int256 newThreshold);

    /// @dev Emitted when the owner changes the freshness window.
    event MaxAgeUpdated(uint256 oldMaxAge, uint256 newMaxAge);

    /// @notice The hub whose calls the guard accepts.
    function hub() external view returns (address);

    /// @notice The model whose scores the guard acts on.
    function modelId() external view returns (uint256);

    /// @notice The price source whose window hashes scores must match.
    function priceSource() external view returns (IPriceSource);

    /// @notice The contract the guard pauses.
    function target() external view returns (IGuardedPausable);

    /// @notice The lowest score (inclusive, at the model's output scale) that pauses the target.
    function threshold() external view returns (int256);

    /// @notice The maximum age, in seconds, of a score's price epoch when it is submitted.
    function maxAge() external view returns (uint256);

    /// @notice Seconds between a pause and the earliest {unpause}.
    function unpauseDelay() external view returns (uint256);

    /// @notice When the guard last paused the target (0 when it has not, or was released since).
    function pausedAt() external view returns (uint256);

    /// @notice Whether `epoch` has been scored.
    function scored(uint64 epoch) external view returns (bool);

    /// @notice Sets {threshold}. Only the owner. Emits {ThresholdUpdated}.
    function setThreshold(int256 newThreshold) external;

    /// @notice Sets {maxAge}. Only the owner. Emits {MaxAgeUpdated}.
    function setMaxAge(uint256 newMaxAge) external;

    /**
     * @notice Unpauses the target. Only the owner, no earlier than {pausedAt} + {unpauseDelay}.
     * @dev Reverts with {AnomalyGuardNotTripped} when the guard has not paused it and with
     * {AnomalyGuardUnpauseTooEarly} before the delay. Emits {GuardReleased}.
     */
    function unpause() external;
}
