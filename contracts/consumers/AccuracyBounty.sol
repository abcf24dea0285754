// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IAccuracyBounty} from "../interfaces/IAccuracyBounty.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/**
 * @title AccuracyBounty
 * @notice Pays an escrowed ERC-20 reward to the first proven model that labels at least k of the N
 * samples of a fixed public test set correctly. See {IAccuracyBounty}.
 */
contract AccuracyBounty is IAccuracyBounty, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    address private immutable _hub;
    Terms private _terms;
    Status private _status;
    Claim private _claim;

    /**
     * @param hub_ The hub allowed to report inferences (and whose registry names each model's verifier).
     * @param terms_ The bounty's terms; `sponsor` funds it with {fund}.
     */
    constructor(address hub_, Terms memory terms_) {
        if (hub_ == address(0)) revert AccuracyBountyInvalidTerms("hub");
        if (address(terms_.verifier) == address(0)) revert AccuracyBountyInvalidTerms("verifier");
        if (terms_.testSamples == 0) revert AccuracyBountyInvalidTerms("testSamples");
        if (terms_.minCorrect == 0 || terms_.minCorrect > terms_.testSamples)
            revert AccuracyBountyInvalidTerms("minCorrect");
        if (terms_.deadline <= block.timestamp) revert AccuracyBountyInvalidTerms("deadline");
        if (address(terms_.token) == address(0)) revert AccuracyBountyInvalidTerms("token");
        if (terms_.reward == 0) revert AccuracyBountyInvalidTerms("reward");
        if (terms_.sponsor == address(0)) revert AccuracyBountyInvalidTerms("sponsor");
        _hub = hub_;
        _terms = terms_;
    }

    /// @dev See {IAccuracyBounty-fund}.
    function fund() external nonReentrant {
        Terms memory t = _terms;
        if (msg.sender != t.sponsor) revert AccuracyBountyUnauthorizedSponsor(msg.sender);
        if (_status != Status.Unfunded) revert AccuracyBountyNotOpen(_status);
        if (block.timestamp > t.deadline) revert AccuracyBountyAfterDeadline(t.deadline, block.timestamp);
        _status = Status.Open;
        t.token.safeTransferFrom(t.sponsor, address(this), t.reward);
        emit BountyFunded(t.sponsor, address(t.token), t.reward);
    }

    /**
     * @dev See {IInferenceConsumer-onInferenceVerified}. outputs = [correct, testSetHash]. Every refusal
     * reverts, so the hub's whole verification reverts with it: no state changes and the nonce stays
     * unused.
     */
    function onInferenceVerified(
        uint256 modelId,
        address subject,
        uint256,
        uint256[] calldata outputs
    ) external nonReentrant {
        if (msg.sender != _hub) revert AccuracyBountyUnauthorizedCaller(msg.sender);
        Terms memory t = _terms;
        // The hub checked the signal count against the model's numOutputs; a model registered with the
        // bounty's verifier but another numOutputs fails in the verifier, whose key fixes 6 signals.
        // The test set first: a proof of another bounty's circuit names the test set it is about.
        if (outputs.length != 2) revert AccuracyBountyWrongTestSet(t.testSetHash, 0);
        if (outputs[1] != t.testSetHash) revert AccuracyBountyWrongTestSet(t.testSetHash, outputs[1]);
        // Anyone can register a model whose verifier accepts anything (or checks another circuit that
        // outputs this hash) with this bounty as its consumer: only the sponsor's verifier proves the
        // statement the bounty pays for.
        IModelRegistry.Model memory model = IModelRegistry(_hub).getModel(modelId);
        if (address(model.verifier) != address(t.verifier))
            revert AccuracyBountyWrongVerifier(modelId, address(t.verifier), address(model.verifier));
        if (_status == Status.Claimed) revert AccuracyBountyAlreadyClaimed(_claim.winner);
        if (block.timestamp > t.deadline) revert AccuracyBountyAfterDeadline(t.deadline, block.timestamp);
        if (_status != Status.Open) revert AccuracyBountyNotOpen(_status);
        uint256 correct = outputs[0];
        if (correct < t.minCorrect) revert AccuracyBountyBelowTarget(correct, t.minCorrect);

        _status = Status.Claimed;
        // correct <= testSamples < 2^32: the circuit's count of N sign bits.
        _claim = Claim(subject, uint32(correct), uint64(block.timestamp), modelId, model.modelCommitment);
        // To `subject`, the payee the proof binds, never msg.sender or tx.origin.
        t.token.safeTransfer(subject, t.reward);
        emit BountyClaimed(subject, modelId, model.modelCommitment, correct, t.reward);
    }

    /// @dev See {IAccuracyBounty-refund}.
    function refund() external nonReentrant {
        Terms memory t = _terms;
        if (block.timestamp <= t.deadline) revert AccuracyBountyBeforeDeadline(t.deadline, block.timestamp);
        if (_status == Status.Claimed) revert AccuracyBountyAlreadyClaimed(_claim.winner);
        if (_status != Status.Open) revert AccuracyBountyNotOpen(_status);
        _status = Status.Refunded;
        t.token.safeTransfer(t.sponsor, t.reward);
        emit BountyRefunded(t.sponsor, t.reward);
    }

    /// @dev See {IAccuracyBounty-hub}.
    function hub() external view returns (address) {
        return _hub;
    }

    /// @dev See {IAccuracyBounty-terms}.
    function terms() external view returns (Terms memory) {
        return _terms;
    }

    /// @dev See {IAccuracyBounty-status}.
    function status() external view returns (Status) {
        return _status;
    }

    /// @dev See {IAccuracyBounty-claim}.
    function claim() external view returns (Claim memory) {
        return _claim;
    }
}
