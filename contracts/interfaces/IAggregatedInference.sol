// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceVerifier} from "./IInferenceVerifier.sol";

/**
 * @title IAggregatedRegistry
 * @notice Aggregated verifiers: one per (model, N), each checking proofs that carry up to N statements of
 * the model (docs/AGGREGATION.md; signals as {AggregatedSignals}).
 *
 * An aggregated verifier is another way to land statements of a model, so it gets the model verifier's
 * rules: only the owner announces one, it applies after {IModelRegistry-updateDelay}, and its code hash
 * is pinned at announcement ({applyAggregatedVerifier} refuses code that changed since). Removing one
 * takes effect at once (it only closes a route). A proof carries the model's commitment, which the hub
 * compares with the registry's: after a model update to another commitment, a public-weight model's
 * aggregated proofs stop verifying, as its single proofs do.
 */
interface IAggregatedRegistry {
    /// @dev An aggregated verifier in force, as the hub reads it.
    struct AggregatedVerifier {
        IInferenceVerifier verifier;
        /// Signals per slot: 1 (the statement word) + the number of packed output words.
        uint16 slotSize;
        /// EXTCODEHASH of `verifier`, pinned when announced.
        bytes32 verifierCodeHash;
    }

    /// @dev An announced aggregated verifier, applicable from `readyAt`.
    struct PendingAggregatedVerifier {
        IInferenceVerifier verifier;
        /// 0 when nothing is pending.
        uint64 readyAt;
        bytes32 verifierCodeHash;
        /// One word per output, `bits << 248 | (min mod 2^248)`: see {announceAggregatedVerifier}.
        uint256[] outputLayout;
    }

    /// @dev `n` is not a batch size: a power of two in [2, 1024].
    error ModelRegistryInvalidAggregationSize(uint256 n);

    /**
     * @dev `modelId` is attested or has public inputs: its statements do not aggregate (an attested
     * statement needs its own attester and window; public inputs are a statement's bulk). Submit them
     * singly or in a Groth16 batch.
     */
    error ModelRegistryAggregationNotSupported(uint256 modelId);

    /// @dev `outputLayout` must have one entry per output of `modelId` (`numOutputs`), each at most 248 bits wide.
    error ModelRegistryInvalidOutputLayout(uint256 modelId, uint256 numOutputs, uint256 length);

    /// @dev No aggregated verifier for (modelId, n) was announced.
    error ModelRegistryAggregatedVerifierNotAnnounced(uint256 modelId, uint256 n);

    /// @dev The aggregated verifier for (modelId, n) applies from `readyAt`.
    error ModelRegistryAggregatedVerifierNotReady(uint256 modelId, uint256 n, uint64 readyAt);

    event AggregatedVerifierAnnounced(
        uint256 indexed modelId,
        uint256 indexed n,
        IInferenceVerifier verifier,
        uint64 readyAt
    );
    event AggregatedVerifierUpdated(uint256 indexed modelId, uint256 indexed n, IInferenceVerifier verifier);
    event AggregatedVerifierRemoved(uint256 indexed modelId, uint256 indexed n);

    /**
     * @notice Announces `verifier` as the aggregated verifier of `modelId` for batches of `n`.
     * @dev Owner only; the model must be neither attested nor with public inputs. `outputLayout` is how
     * the verifier's circuit packs the outputs (prover/abi/aggregatedSignals.ts encodeOutputLayout): one
     * word per output, `bits << 248 | (min mod 2^248)`, bits 0 for an unpacked field element. The hub
     * unpacks the outputs with it for the consumer. Replaces an announcement pending for (modelId, n).
     */
    function announceAggregatedVerifier(
        uint256 modelId,
        uint256 n,
        IInferenceVerifier verifier,
        uint256[] calldata outputLayout
    ) external returns (uint64 readyAt);

    /// @notice Puts the announced verifier for (modelId, n) in force once its delay passed and its code is unchanged.
    function applyAggregatedVerifier(uint256 modelId, uint256 n) external;

    /// @notice Removes the aggregated verifier for (modelId, n) (owner only; at once) and any pending announcement.
    function removeAggregatedVerifier(uint256 modelId, uint256 n) external;

    /// @notice The aggregated verifier in force for (modelId, n) (verifier 0 when none) and its output layout.
    function aggregatedVerifier(
        uint256 modelId,
        uint256 n
    ) external view returns (AggregatedVerifier memory record, uint256[] memory outputLayout);

    /// @notice The announcement pending for (modelId, n) (readyAt 0 when none).
    function pendingAggregatedVerifier(
        uint256 modelId,
        uint256 n
    ) external view returns (PendingAggregatedVerifier memory);
}

/**
 * @title IAggregatedInferenceHub
 * @notice Verifies one proof carrying up to N statements of a model and acts on each: the same checks and
 * effects per statement as {IInferenceHub-verifyAndAct}, one pairing check for all.
 */
interface IAggregatedInferenceHub is IAggregatedRegistry {
    /// @dev A relayer's authorization of one statement: the subject's EIP-712 `SubmissionAuthorization`.
    struct SubmissionAuthorization {
        uint256 deadline;
        bytes signature;
    }

    /// @dev No aggregated verifier is in force for (modelId, n).
    error InferenceHubNoAggregatedVerifier(uint256 modelId, uint256 n);

    /// @dev Slot `slot` is empty (statement word 0) but one of its output words is not 0.
    error InferenceHubEmptySlotNotEmpty(uint256 modelId, uint256 slot);

    /// @dev Slot `slot`'s statement word is neither 0 nor 2^224 + nonce * 2^160 + subject.
    error InferenceHubInvalidStatement(uint256 modelId, uint256 slot, uint256 statement);

    /// @dev Every slot of the batch is empty.
    error InferenceHubEmptyBatch(uint256 modelId);

    /// @dev `authorizations` must be empty (every subject submits its own) or hold one entry per slot (`n`).
    error InferenceHubInvalidAuthorizationCount(uint256 n, uint256 actual);

    /**
     * @dev Emitted once per verified aggregated proof, before the per-statement {IInferenceHub-InferenceVerified}
     * events: `inputRoot` is the root over the statements' input commitments (each user proves theirs
     * with an inclusion path), `statements` the number of active slots.
     */
    event AggregatedProofVerified(uint256 indexed modelId, uint256 n, uint256 inputRoot, uint256 statements);

    /**
     * @notice Verifies an aggregated proof for `modelId` with `n` slots and acts on every active statement.
     * @dev `signals` follow {AggregatedSignals}: modelCommitment, inputRoot, then per slot its statement word
     * and packed outputs. Checks, in order: the model is Active; an aggregated verifier is in force for
     * (modelId, n); the signal count is 2 + n * slotSize; every signal < r; the commitment is the model's;
     * then per slot: an empty slot (statement 0) has all-zero outputs and is skipped; an active one has a
     * statement word with its marker, an unused (modelId, subject, nonce) whose bit is set at once (so a
     * statement repeated inside the batch reverts {IInferenceHub-InferenceHubNonceUsed}), and a submitter
     * that is the subject or holds `authorizations[slot]`, the subject's `SubmissionAuthorization` (empty
     * signature: none); at least one slot is active; then the proof; then, per active slot,
     * {IInferenceHub-InferenceVerified} and the consumer's call with the unpacked outputs. Any failure
     * reverts everything. `authorizations` is empty or has `n` entries.
     */
    function verifyAndActAggregated(
        uint256 modelId,
        uint256 n,
        bytes calldata proof,
        uint256[] calldata signals,
        SubmissionAuthorization[] calldata authorizations
    ) external;
}
