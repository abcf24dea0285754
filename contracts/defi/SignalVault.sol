// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPriceSource} from "../interfaces/IPriceSource.sol";
import {ISignalFeed} from "../interfaces/ISignalFeed.sol";
import {SimpleAMM} from "./SimpleAMM.sol";

/**
 * @title SignalVault
 * @notice Holds a position in two tokens and rebalances it on a {SimpleAMM}, only on verified signals
 * of one model from a {SignalFeed}: a buy moves `size` of the quote balance into the base token, a sell
 * `size` of the base balance into the quote token, a hold does nothing. Each signal is acted on once.
 *
 * @dev Only the {keeper} may call {rebalance}, with its own minimum output (quoted from the pool
 * just before sending) and a deadline. When anyone could call it, an attacker pushed the pool, called
 * rebalance and unwound, taking most of the slippage allowance on every signal (measured in
 * test/contracts/defi/SignalVault.test.ts: 371 dUSD profit, 523 dUSD lost by the vault on a 31,050
 * dUSD trade). Now a sandwich of the keeper's transaction can take at most the keeper's own
 * tolerance, as it could from the keeper trading for itself, and a transaction left in the mempool
 * expires. The minimum derived from the price source's price for the signal's epoch and
 * {maxSlippageBps} stays as a floor, so a careless keeper cannot trade far from the recorded price.
 *
 * The vault is {Pausable} by its {guard} (an AnomalyGuard, set by the owner): while paused, {rebalance}
 * reverts with {Pausable-EnforcedPause}. Only the guard pauses and unpauses, so the guard's rules
 * (pause on a verified anomaly, unpause by its owner after a delay) are the vault's; the owner's
 * {withdraw} stays open while paused, so a pause never locks funds in.
 */
contract SignalVault is Ownable, Pausable {
    using SafeERC20 for IERC20;

    /// @dev Prices are quote units per base unit with 2 decimals.
    uint256 private constant _PRICE_SCALE = 100;
    uint256 private constant _BPS = 10_000;

    ISignalFeed public immutable feed;
    uint256 public immutable modelId;
    SimpleAMM public immutable amm;
    IERC20 public immutable base;
    IERC20 public immutable quote;
    IPriceSource public immutable priceSource;
    uint256 public immutable maxSlippageBps;
    /// @notice The epoch of the last signal acted on (0 before the first).
    uint64 public lastEpoch;
    /// @notice The only account allowed to call {rebalance}; set by the owner.
    address public keeper;
    /// @notice The only account allowed to {pause} and {unpause}; set by the owner (0: none).
    address public guard;

    /// @dev `caller` is not the {keeper}.
    error SignalVaultUnauthorizedKeeper(address caller);
    /// @dev The keeper's transaction expired at `deadline`, before the block's `timestamp`.
    error SignalVaultExpired(uint256 deadline, uint256 timestamp);
    /// @dev Emitted when the owner sets the keeper.
    event KeeperUpdated(address indexed previousKeeper, address indexed newKeeper);
    /// @dev `caller` is not the {guard}.
    error SignalVaultUnauthorizedGuard(address caller);
    /// @dev Emitted when the owner sets the guard.
    event GuardUpdated(address indexed previousGuard, address indexed newGuard);

    /// @dev The feed's latest signal, of `epoch`, was already acted on (last: `lastEpoch`).
    error SignalVaultNoNewSignal(uint64 epoch, uint64 lastEpoch);
    /// @dev The slippage bound must be below 100%.
    error SignalVaultInvalidSlippage(uint256 maxSlippageBps);

    /// @dev Emitted once per signal acted on; `amountIn`/`amountOut` are 0 for a hold.
    event Rebalanced(uint64 indexed epoch, int8 direction, uint16 size, uint256 amountIn, uint256 amountOut);

    constructor(
        address initialOwner,
        ISignalFeed feed_,
        uint256 modelId_,
        SimpleAMM amm_,
        IPriceSource priceSource_,
        uint256 maxSlippageBps_,
        address keeper_
    ) Ownable(initialOwner) {
        if (maxSlippageBps_ >= _BPS) revert SignalVaultInvalidSlippage(maxSlippageBps_);
        feed = feed_;
        modelId = modelId_;
        amm = amm_;
        base = amm_.token0();
        quote = amm_.token1();
        priceSource = priceSource_;
        maxSlippageBps = maxSlippageBps_;
        keeper = keeper_;
        emit KeeperUpdated(address(0), keeper_);
    }

    /**
     * @notice Acts on the feed's latest signal for the vault's model, once. Only the {keeper}.
     * @param minAmountOut The keeper's minimum output, quoted from the pool just before sending (less a
     * small tolerance); the larger of it and the recorded-price floor applies.
     * @param deadline Unix seconds after which the transaction reverts with {SignalVaultExpired}.
     * @dev Reverts with {SignalVaultUnauthorizedKeeper} for any other caller, with
     * {ISignalFeed-SignalFeedNoSignal} before the first signal, and with {SignalVaultNoNewSignal} when the
     * latest was already acted on, with {Pausable-EnforcedPause} while paused. Emits {Rebalanced}.
     */
    function rebalance(
        uint256 minAmountOut,
        uint256 deadline
    ) external whenNotPaused returns (uint256 amountIn, uint256 amountOut) {
        if (msg.sender != keeper) revert SignalVaultUnauthorizedKeeper(msg.sender);
        if (block.timestamp > deadline) revert SignalVaultExpired(deadline, block.timestamp);
        ISignalFeed.Signal memory signal = feed.latestSignal(modelId);
        if (signal.epoch <= lastEpoch) revert SignalVaultNoNewSignal(signal.epoch, lastEpoch);
        lastEpoch = signal.epoch;

        if (signal.direction != 0 && signal.size != 0) {
            uint256 price = priceSource.priceAt(signal.epoch);
            uint256 sizeOne = feed.SIZE_ONE();
            IERC20 tokenIn = signal.direction > 0 ? quote : base;
            amountIn = (tokenIn.balanceOf(address(this)) * signal.size) / sizeOne;
            if (amountIn != 0) {
                // What the recorded price says the trade is worth, less the allowed slippage.
                uint256 fair =
                    signal.direction > 0 ? (amountIn * _PRICE_SCALE) / price : (amountIn * price) / _PRICE_SCALE;
                uint256 minOut = (fair * (_BPS - maxSlippageBps)) / _BPS;
                if (minAmountOut > minOut) minOut = minAmountOut;
                tokenIn.forceApprove(address(amm), amountIn);
                amountOut = amm.swap(tokenIn, amountIn, minOut, address(this));
            }
        }
        emit Rebalanced(signal.epoch, signal.direction, signal.size, amountIn, amountOut);
    }

    /// @notice Sets the account allowed to call {rebalance}. Only the owner.
    function setKeeper(address newKeeper) external onlyOwner {
        address previous = keeper;
        keeper = newKeeper;
        emit KeeperUpdated(previous, newKeeper);
    }

    /// @notice Sets the account allowed to pause and unpause the vault. Only the owner.
    function setGuard(address newGuard) external onlyOwner {
        address previous = guard;
        guard = newGuard;
        emit GuardUpdated(previous, newGuard);
    }

    /// @notice Stops {rebalance}. Only the {guard}. Emits {Pausable-Paused}.
    function pause() external {
        if (msg.sender != guard) revert SignalVaultUnauthorizedGuard(msg.sender);
        _pause();
    }

    /// @notice Lets {rebalance} run again. Only the {guard} (whose owner waits out its delay). Emits {Pausable-Unpaused}.
    function unpause() external {
        if (msg.sender != guard) revert SignalVaultUnauthorizedGuard(msg.sender);
        _unpause();
    }

    /// @notice Sends `amount` of `token` to `to`. Only the owner.
    function withdraw(IERC20 token, address to, uint256 amount) external onlyOwner {
        token.safeTransfer(to, amount);
    }
}
