// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IPoseidon6
 * @notice Poseidon over 6 field elements, as deployed from the bytecode circomlibjs generates
 * (`poseidonContract.createCode(6)`), which agrees with circomlib's `Poseidon(6)` template.
 */
interface IPoseidon6 {
    function poseidon(uint256[6] memory inputs) external pure returns (uint256);
}
