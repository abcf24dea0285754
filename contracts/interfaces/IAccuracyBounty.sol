// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IInferenceConsumer} from "./IInferenceConsumer.sol";
import {IInferenceVerifier} from "./IInferenceVerifier.sol";

/**
 * @title IAccuracyBounty
 * @notice A reward escrowed by a sponsor for the first model that labels at least `minCorrect` of
 * the `testSamples` samples of a public test set correctly, proved without revealing the weights.
 *
 * The sponsor builds the bounty circuit (the test set's quantized samples are its constants, the
 * weights its private inputs) and deploys its verifier; the bounty pins that verifier and the test
 * set's hash at creation. A modeller registers their own model on the hub (their weight commitment,
 * the bounty's verifier, this bounty as consumer) and submits a proof whose public signals are
 * [correct, testSetHash, modelCommitment, 0, subject, nonce]. The reward goes to `subject`, which
 * the proof binds: a copied proof pays the same account, and the hub accepts it only from the
 * subject (or a relayer the subject authorised).
 *
 * Why the verifier is pinned: anyone can register a model with any verifier (one that accepts
 * anything, or another circuit) pointing at any consumer. The bounty accepts an inference only when
 * the model's registered verifier is the sponsor's.
 */
interface IAccuracyBounty is IInferenceConsumer {
    /// @dev Unfunded -> Open (fund) -> Claimed (first valid claim) or Refunded (after the deadline).
    enum Status {
        Unfunded,
        Open,
        Claimed,
        Refunded
    }

    /// @dev The terms, fixed at creation.
    struct Terms {
        /// The sponsor's bounty-circuit verifier; claims must come from models registered with it.
        IInferenceVerifier verifier;
        /// keccak256 of the quantized test set >> 3 (prover/model/testSet.ts); the proof's outputs[1].
        uint256 testSetHash;
        /// N, the number of test samples.
        uint32 testSamples;
        /// k: a claim needs correct >= k.
        uint32 minCorrect;
        /// Claims are accepted while block.timestamp <= deadline; the refund after it.
        uint64 deadline;
        IERC20 token;
        uint256 reward;
        /// Funds the bounty and receives the refund.
        address sponsor;
    }

    /// @dev The winning claim (all zero while unclaimed).
    struct Claim {
        address winner;
        uint32 correct;
        uint64 claimedAt;
        uint256 modelId;
        /// The winning model's weight commitment, as the hub checked it against the proof.
        uint256 modelCommitment;
    }

    /// @dev `caller` is not the hub this bounty trusts.
    error AccuracyBountyUnauthorizedCaller(address caller);

    /// @dev A creation parameter is invalid; `field` names it.
    error AccuracyBountyInvalidTerms(string field);

    /// @dev Only the sponsor funds the bounty.
    error AccuracyBountyUnauthorizedSponsor(address account);

    /// @dev The bounty is not open for this: it is in `status`.
    error AccuracyBountyNotOpen(Status status);

    /// @dev The model `modelId` is registered with `actual`, not the bounty's verifier `expected`.
    error AccuracyBountyWrongVerifier(uint256 modelId, address expected, address actual);

    /// @dev The proof is about the test set `actual`, not the bounty's `expected`.
    error AccuracyBountyWrongTestSet(uint256 expected, uint256 actual);

    /// @dev The model labels `correct` samples correctly; the bounty needs `minCorrect`.
    error AccuracyBountyBelowTarget(uint256 correct, uint256 minCorrect);

    /// @dev The reward was already paid to `winner`.
    error AccuracyBountyAlreadyClaimed(address winner);

    /// @dev Claims closed at `deadline`; it is `timestamp`.
    error AccuracyBountyAfterDeadline(uint256 deadline, uint256 timestamp);

    /// @dev The refund opens after `deadline`; it is `timestamp`.
    error AccuracyBountyBeforeDeadline(uint256 deadline, uint256 timestamp);

    /// @dev Emitted when the sponsor escrows the reward.
    event BountyFunded(address indexed sponsor, address token, uint256 reward);

    /// @dev Emitted when `winner` is paid for the model `modelId` with commitment `modelCommitment`.
    event BountyClaimed(
        address indexed winner,
        uint256 indexed modelId,
        uint256 modelCommitment,
        uint256 correct,
        uint256 reward
    );

    /// @dev Emitted when the unclaimed reward goes back to the sponsor after the deadline.
    event BountyRefunded(address indexed sponsor, uint256 reward);

    /**
     * @notice Escrows the reward: transfers `terms().reward` of `terms().token` from the sponsor.
     * @dev Only the sponsor, once, before the deadline (approve the bounty first). Emits {BountyFunded}.
     */
    function fund() external;

    /**
     * @notice Returns the unclaimed reward to the sponsor. Anyone may call it; it pays the sponsor only.
     * @dev Only after the deadline, only once, only if funded and unclaimed. Emits {BountyRefunded}.
     */
    function refund() external;

    /// @notice The hub whose verified inferences this bounty accepts.
    function hub() external view returns (address);

    function terms() external view returns (Terms memory);

    function status() external view returns (Status);

    function claim() external view returns (Claim memory);
}
