// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "./IInferenceConsumer.sol";
import {IPriceSource} from "./IPriceSource.sol";

/**
 * @title ISignalFeed
 * @notice A consumer that publishes verified trading signals: the latest per model, the history in
 * {SignalPublished} events.
 *
 * A signal model has exactly four outputs, in this order:
 *   0. direction: -1 sell, 0 hold, 1 buy;
 *   1. size: the fraction of the position to move, fixed point at {SIZE_ONE} (0 ..= SIZE_ONE);
 *   2. epoch: the price epoch the model ran on;
 *   3. windowHash: Poseidon of the price window the model ran on.
 * The feed accepts a signal only if `windowHash` is the price source's hash for `epoch` (the model
 * ran on the recorded prices, not on prices of the prover's choosing), the epoch is newer than the
 * model's latest signal, and its price is at most {maxAge} seconds old.
 *
 * Signals are kept per model id: anyone can register a model that points at this feed, so a reader
 * trusts a signal only for the model id whose commitment it trusts.
 */
interface ISignalFeed is IInferenceConsumer {
    /// @dev A published signal. One slot.
    struct Signal {
        int8 direction;
        uint16 size;
        uint64 epoch;
        uint64 publishedAt;
    }

    /// @dev `caller` is not the hub this feed serves.
    error SignalFeedUnauthorizedCaller(address caller);

    /// @dev The model has `count` outputs; a signal model has exactly 4.
    error SignalFeedInvalidOutputCount(uint256 count);

    /// @dev The direction is not -1, 0 or 1, or the size is above SIZE_ONE.
    error SignalFeedInvalidSignal(int256 direction, int256 size);

    /// @dev The proven window hash is not the price source's hash of `epoch`'s window.
    error SignalFeedWindowMismatch(uint64 epoch, uint256 expected, uint256 proven);

    /// @dev `epoch` is not newer than the model's latest signal, of `latestEpoch`.
    error SignalFeedEpochOutOfOrder(uint256 modelId, uint64 epoch, uint64 latestEpoch);

    /// @dev The price of `epoch` is `age` seconds old, more than `maxAge`.
    error SignalFeedStaleSignal(uint64 epoch, uint256 age, uint256 maxAge);

    /// @dev `modelId` has published no signal yet.
    error SignalFeedNoSignal(uint256 modelId);

    /// @dev Emitted for every accepted signal of `modelId`; `subject` is the proof's beneficiary (the bot).
    event SignalPublished(
        uint256 indexed modelId,
        uint64 indexed epoch,
        int8 direction,
        uint16 size,
        address subject,
        uint256 nonce
    );

    /// @dev Emitted when the owner changes the freshness window.
    event MaxAgeUpdated(uint256 oldMaxAge, uint256 newMaxAge);

    /// @notice Size of a full position move (size 1.0), i.e. the size output's fixed-point scale 2^10.
    function SIZE_ONE() external view returns (uint16);

    /// @notice The hub whose calls the feed accepts.
    function hub() external view returns (address);

    /// @notice The price source whose window hashes signals must match.
    function priceSource() external view returns (IPriceSource);

    /// @notice The maximum age, in seconds, of a signal's price epoch when it is published.
    function maxAge() external view returns (uint256);

    /**
     * @notice Sets {maxAge}. Only the owner. Emits {MaxAgeUpdated}.
     */
    function setMaxAge(uint256 newMaxAge) external;

    /**
     * @notice The latest signal of `modelId`.
     * @dev Reverts with {SignalFeedNoSignal} if it has none.
     */
    function latestSignal(uint256 modelId) external view returns (Signal memory);
}
