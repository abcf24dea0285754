// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPoseidon6} from "../interfaces/IPoseidon6.sol";
import {IPriceSource} from "../interfaces/IPriceSource.sol";

/**
 * @title PriceSource
 * @notice The owner (a price reporter) records one price per epoch; each epoch with a full window
 * also records the Poseidon hash of its window. See {IPriceSource}.
 *
 * @dev The hash is computed once, when the price is recorded, so a consumer checking a signal pays one
 * SLOAD instead of a Poseidon call. A reporter is trusted for the prices themselves; what the proof
 * adds is that the model ran on exactly these prices.
 */
contract PriceSource is IPriceSource, Ownable {
    uint256 public constant WINDOW = 6;

    struct Record {
        uint64 price;
        uint64 recordedAt;
        uint256 windowHash;
    }

    IPoseidon6 private immutable _poseidon;
    uint64 private _firstEpoch;
    uint64 private _nextEpoch;
    mapping(uint64 epoch => Record) private _records;

    /**
     * @param initialOwner The price reporter.
     * @param poseidon A Poseidon(6) contract (circomlibjs bytecode).
     * @param firstEpoch The epoch of the first price.
     */
    constructor(address initialOwner, IPoseidon6 poseidon, uint64 firstEpoch) Ownable(initialOwner) {
        _poseidon = poseidon;
        _firstEpoch = firstEpoch;
        _nextEpoch = firstEpoch;
    }

    /**
     * @notice Records `price` for `epoch`, which must follow the last recorded epoch.
     * @dev Emits {PriceRecorded}.
     */
    function recordPrice(uint64 epoch, uint256 price) external onlyOwner {
        if (epoch != _nextEpoch) revert PriceSourceUnexpectedEpoch(epoch, _nextEpoch);
        if (price == 0 || price > type(uint64).max) revert PriceSourceInvalidPrice(price);
        _nextEpoch = epoch + 1;

        uint256 hash;
        if (epoch - _firstEpoch + 1 >= WINDOW) {
            uint256[6] memory window;
            for (uint256 i; i < WINDOW - 1; ++i) {
                window[i] = _records[uint64(epoch - (WINDOW - 1) + i)].price;
            }
            window[WINDOW - 1] = price;
            hash = _poseidon.poseidon(window);
        }
        _records[epoch] = Record(uint64(price), uint64(block.timestamp), hash);
        emit PriceRecorded(epoch, price, hash);
    }

    /// @dev See {IPriceSource-latestEpoch}.
    function latestEpoch() external view returns (uint64) {
        if (_nextEpoch == _firstEpoch) revert PriceSourceUnknownEpoch(0);
        return _nextEpoch - 1;
    }

    /// @dev See {IPriceSource-priceAt}.
    function priceAt(uint64 epoch) external view returns (uint256) {
        return _record(epoch).price;
    }

    /// @dev See {IPriceSource-recordedAt}.
    function recordedAt(uint64 epoch) external view returns (uint64) {
        return _record(epoch).recordedAt;
    }

    /// @dev See {IPriceSource-windowOf}.
    function windowOf(uint64 epoch) external view returns (uint256[] memory window) {
        _windowRecord(epoch);
        window = new uint256[](WINDOW);
        for (uint256 i; i < WINDOW; ++i) {
            window[i] = _records[uint64(epoch - (WINDOW - 1) + i)].price;
        }
    }

    /// @dev See {IPriceSource-windowHash}.
    function windowHash(uint64 epoch) external view returns (uint256) {
        return _windowRecord(epoch).windowHash;
    }

    function _record(uint64 epoch) private view returns (Record storage record) {
        record = _records[epoch];
        if (record.recordedAt == 0) revert PriceSourceUnknownEpoch(epoch);
    }

    function _windowRecord(uint64 epoch) private view returns (Record storage record) {
        record = _record(epoch);
        // A Poseidon hash is 0 with negligible probability, so 0 means "no full window yet".
        if (record.windowHash == 0) revert PriceSourceUnknownEpoch(epoch);
    }
}
