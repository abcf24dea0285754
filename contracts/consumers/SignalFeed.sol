// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPriceSource} from "../interfaces/IPriceSource.sol";
import {ISignalFeed} from "../interfaces/ISignalFeed.sol";
import {PublicSignals} from "../libraries/PublicSignals.sol";

/**
 * @title SignalFeed
 * @notice Publishes verified trading signals. See {ISignalFeed}.
 *
 * @dev A rejected signal reverts, so the whole verifyAndAct reverts and the hub burns no nonce.
 */
contract SignalFeed is ISignalFeed, Ownable {
    uint16 public constant SIZE_ONE = 1024;
    uint256 private constant _NUM_OUTPUTS = 4;

    address private immutable _hub;
    IPriceSource private immutable _priceSource;
    uint256 private _maxAge;
    mapping(uint256 modelId => Signal) private _latest;

    /**
     * @param hub_ The hub allowed to report inferences.
     * @param priceSource_ Where window hashes and epoch times come from.
     * @param initialOwner Sets the freshness window.
     * @param maxAge_ Maximum age, in seconds, of a signal's price epoch.
     */
    constructor(address hub_, IPriceSource priceSource_, address initialOwner, uint256 maxAge_) Ownable(initialOwner) {
        _hub = hub_;
        _priceSource = priceSource_;
        _maxAge = maxAge_;
    }

    /// @dev See {IInferenceConsumer-onInferenceVerified}.
    function onInferenceVerified(uint256 modelId, address subject, uint256 nonce, uint256[] calldata outputs) external {
        if (msg.sender != _hub) revert SignalFeedUnauthorizedCaller(msg.sender);
        if (outputs.length != _NUM_OUTPUTS) revert SignalFeedInvalidOutputCount(outputs.length);

        int256 direction = PublicSignals.toInt(outputs[0]);
        int256 size = PublicSignals.toInt(outputs[1]);
        if (direction < -1 || direction > 1 || size < 0 || size > int256(uint256(SIZE_ONE))) {
            revert SignalFeedInvalidSignal(direction, size);
        }
        // An epoch beyond uint64 cannot have a recorded window: report it as a mismatch for epoch max.
        uint64 epoch = outputs[2] > type(uint64).max ? type(uint64).max : uint64(outputs[2]);

        Signal memory latest = _latest[modelId];
        if (latest.publishedAt != 0 && epoch <= latest.epoch) {
            revert SignalFeedEpochOutOfOrder(modelId, epoch, latest.epoch);
        }
        uint256 expected = _priceSource.windowHash(epoch);
        if (outputs[3] != expected) revert SignalFeedWindowMismatch(epoch, expected, outputs[3]);
        uint256 age = block.timestamp - _priceSource.recordedAt(epoch);
        if (age > _maxAge) revert SignalFeedStaleSignal(epoch, age, _maxAge);

        // Both casts are in range: checked above.
        _latest[modelId] = Signal(int8(direction), uint16(uint256(size)), epoch, uint64(block.timestamp));
        emit SignalPublished(modelId, epoch, int8(direction), uint16(uint256(size)), subject, nonce);
    }

    /// @dev See {ISignalFeed-setMaxAge}.
    function setMaxAge(uint256 newMaxAge) external onlyOwner {
        uint256 old = _maxAge;
        _maxAge = newMaxAge;
        emit MaxAgeUpdated(old, newMaxAge);
    }

    /// @dev See {ISignalFeed-latestSignal}.
    function latestSignal(uint256 modelId) external view returns (Signal memory signal) {
        signal = _latest[modelId];
        if (signal.publishedAt == 0) revert SignalFeedNoSignal(modelId);
    }

    /// @dev See {ISignalFeed-hub}.
    function hub() external view returns (address) {
        return _hub;
    }

    /// @dev See {ISignalFeed-priceSource}.
    function priceSource() external view returns (IPriceSource) {
        return _priceSource;
    }

    /// @dev See {ISignalFeed-maxAge}.
    function maxAge() external view returns (uint256) {
        return _maxAge;
    }
}
