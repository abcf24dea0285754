// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IGuardedPausable
 * @notice A contract (e.g. SignalVault, an OpenZeppelin {Pausable}) that lets one guard account pause
 * and unpause it. See {IAnomalyGuard}.
 */
interface IGuardedPausable {
    /// @notice Pauses the contract. Only its guard.
    function pause() external;

    /// @notice Unpauses the contract. Only its guard.
    function unpause() external;

    /// @notice Whether the contract is paused.
    function paused() external view returns (bool);
}
