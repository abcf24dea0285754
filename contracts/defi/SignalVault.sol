// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
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
 * @dev Anyone may call {rebalance}: the vault decides nothing itself, it follows the feed. The price a
 * caller could push the pool to before calling is bounded by a minimum output derived from the
 * price source's price for the signal's epoch and {maxSlippageBps}.
 */
contract SignalVault is Ownable {
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
        uint256 maxSlippageBps_
    ) Ownable(initialOwner) {
        if (maxSlippageBps_ >= _BPS) revert SignalVaultInvalidSlippage(maxSlippageBps_);
        feed = feed_;
        modelId = modelId_;
        amm = amm_;
        base = amm_.token0();
        quote = amm_.token1();
        priceSource = priceSource_;
        maxSlippageBps = maxSlippageBps_;
    }

    /**
     * @notice Acts on the feed's latest signal for the vault's model, once.
     * @dev Reverts with {ISignalFeed-SignalFeedNoSignal} before the first signal, and with
     * {SignalVaultNoNewSignal} when the latest was already acted on. Emits {Rebalanced}.
     */
    function rebalance() external returns (uint256 amountIn, uint256 amountOut) {
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
                uint256 fair = signal.direction > 0 ? (amountIn * _PRICE_SCALE) / price : (amountIn * price) / _PRICE_SCALE;
                uint256 minOut = (fair * (_BPS - maxSlippageBps)) / _BPS;
                tokenIn.forceApprove(address(amm), amountIn);
                amountOut = amm.swap(tokenIn, amountIn, minOut, address(this));
            }
        }
        emit Rebalanced(signal.epoch, signal.direction, signal.size, amountIn, amountOut);
    }

    /// @notice Sends `amount` of `token` to `to`. Only the owner.
    function withdraw(IERC20 token, address to, uint256 amount) external onlyOwner {
        token.safeTransfer(to, amount);
    }
}
