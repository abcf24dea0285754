// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/**
 * @title SimpleAMM
 * @notice A constant-product pool (x * y = k, 0.3% fee) of two ERC20s, the venue of the signals
 * demo's vault. Deliberately minimal: liquidity is added once and never withdrawn (no LP shares).
 */
contract SimpleAMM {
    using SafeERC20 for IERC20;

    uint256 private constant _FEE_NUMERATOR = 997;
    uint256 private constant _FEE_DENOMINATOR = 1000;

    IERC20 public immutable token0;
    IERC20 public immutable token1;
    uint256 public reserve0;
    uint256 public reserve1;

    /// @dev `token` is neither of the pool's tokens.
    error SimpleAMMInvalidToken(address token);
    /// @dev A swap or deposit of zero.
    error SimpleAMMZeroAmount();
    /// @dev The swap would pay `amountOut`, less than the caller's `minAmountOut`.
    error SimpleAMMInsufficientOutput(uint256 amountOut, uint256 minAmountOut);

    event LiquidityAdded(address indexed provider, uint256 amount0, uint256 amount1);
    event Swapped(address indexed sender, IERC20 indexed tokenIn, uint256 amountIn, uint256 amountOut, address to);

    constructor(IERC20 token0_, IERC20 token1_) {
        token0 = token0_;
        token1 = token1_;
    }

    /// @notice Deposits both tokens (pulled with transferFrom) into the reserves.
    function addLiquidity(uint256 amount0, uint256 amount1) external {
        if (amount0 == 0 || amount1 == 0) revert SimpleAMMZeroAmount();
        token0.safeTransferFrom(msg.sender, address(this), amount0);
        token1.safeTransferFrom(msg.sender, address(this), amount1);
        reserve0 += amount0;
        reserve1 += amount1;
        emit LiquidityAdded(msg.sender, amount0, amount1);
    }

    /// @notice What a swap of `amountIn` of `tokenIn` would pay now.
    function getAmountOut(IERC20 tokenIn, uint256 amountIn) public view returns (uint256) {
        (uint256 reserveIn, uint256 reserveOut) = _reserves(tokenIn);
        uint256 inWithFee = amountIn * _FEE_NUMERATOR;
        return (inWithFee * reserveOut) / (reserveIn * _FEE_DENOMINATOR + inWithFee);
    }

    /**
     * @notice Swaps `amountIn` of `tokenIn` (pulled with transferFrom) for the other token, paid to `to`.
     * Reverts with {SimpleAMMInsufficientOutput} below `minAmountOut`.
     */
    function swap(
        IERC20 tokenIn,
        uint256 amountIn,
        uint256 minAmountOut,
        address to
    ) external returns (uint256 amountOut) {
        if (amountIn == 0) revert SimpleAMMZeroAmount();
        amountOut = getAmountOut(tokenIn, amountIn);
        if (amountOut < minAmountOut || amountOut == 0) revert SimpleAMMInsufficientOutput(amountOut, minAmountOut);

        tokenIn.safeTransferFrom(msg.sender, address(this), amountIn);
        if (address(tokenIn) == address(token0)) {
            reserve0 += amountIn;
            reserve1 -= amountOut;
            token1.safeTransfer(to, amountOut);
        } else {
            reserve1 += amountIn;
            reserve0 -= amountOut;
            token0.safeTransfer(to, amountOut);
        }
        emit Swapped(msg.sender, tokenIn, amountIn, amountOut, to);
    }

    function _reserves(IERC20 tokenIn) private view returns (uint256 reserveIn, uint256 reserveOut) {
        if (address(tokenIn) == address(token0)) return (reserve0, reserve1);
        if (address(tokenIn) == address(token1)) return (reserve1, reserve0);
        revert SimpleAMMInvalidToken(address(tokenIn));
    }
}
