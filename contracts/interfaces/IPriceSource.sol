// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IPriceSource
 * @notice An on-chain record of one asset's price per epoch, with the Poseidon hash of each epoch's
 * trailing window of prices.
 *
 * A signal model proves a statement about a window of prices without putting the window on-chain:
 * its circuit hashes the window it ran on with Poseidon and exposes the hash, and a consumer compares
 * that hash with {windowHash} for the epoch the proof claims. Poseidon, not keccak, because it costs a
 * few hundred constraints in the circuit instead of ~150,000.
 */
interface IPriceSource {
    /**
     * @dev Prices must be recorded for consecutive epochs: `epoch` is not `expected`.
     */
    error PriceSourceUnexpectedEpoch(uint64 epoch, uint64 expected);

    /**
     * @dev A price must be positive and below 2^64.
     */
    error PriceSourceInvalidPrice(uint256 price);

    /**
     * @dev No price was recorded for `epoch`, or it has fewer than WINDOW prices up to it.
     */
    error PriceSourceUnknownEpoch(uint64 epoch);

    /**
     * @dev Emitted when `price` is recorded for `epoch`; `windowHash` is 0 until WINDOW prices exist.
     */
    event PriceRecorded(uint64 indexed epoch, uint256 price, uint256 windowHash);

    /// @notice Number of prices in a window (the epoch's own price and the WINDOW - 1 before it).
    function WINDOW() external view returns (uint256);

    /// @notice The last epoch with a price; reverts with {PriceSourceUnknownEpoch}(0) before the first.
    function latestEpoch() external view returns (uint64);

    /// @notice The price recorded for `epoch` (quote units per base unit, 2 decimals).
    function priceAt(uint64 epoch) external view returns (uint256);

    /// @notice When the price of `epoch` was recorded (block timestamp).
    function recordedAt(uint64 epoch) external view returns (uint64);

    /// @notice The WINDOW prices ending at `epoch`, oldest first.
    function windowOf(uint64 epoch) external view returns (uint256[] memory);

    /**
     * @notice Poseidon(windowOf(epoch)), as circomlib's Poseidon computes it.
     * @dev Reverts with {PriceSourceUnknownEpoch} when `epoch` has no full window.
     */
    function windowHash(uint64 epoch) external view returns (uint256);
}
