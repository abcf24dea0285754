// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IModelRegistry} from "./IModelRegistry.sol";

/**
 * @title IInferenceHub
 * @notice Entry point for verified inference: checks a proof for a registered model, records it, and
 * hands the outputs to the model's consumer.
 *
 * The hub is also the {IModelRegistry}: one contract, so a verification reads the model from its own
 * storage instead of making a cold call to a separate registry.
 *
 * Public signals follow {PublicSignals}: `[outputs 0..k-1, modelCommitment, inputCommitment, subject,
 * nonce]`, and for an attested model `[..., nonce, attesterKeyHash, validity]` with validity =
 * issuedAt * 2^64 + expiresAt. Replay protection is keyed on the statement (modelId, subject, nonce), never on the proof
 * bytes: Groth16 proofs are malleable, so one statement has many valid proofs.
 *
 * Who may submit. A statement uses up its subject's nonce, so on a model whose inputs are not attested
 * only the subject may submit ({verifyAndAct} from the subject's own account), or a relayer the subject
 * authorised with an EIP-712 signature over (modelId, subject, nonce, submitter, deadline)
 * ({verifyAndActFor}): otherwise anyone could prove made-up inputs for a victim's (subject, nonce) and
 * land it first. The signature names the relayer, so a copy of the transaction sent by anyone else
 * fails. An attested model's proof carries the attester's signature over the subject and the inputs,
 * so anyone may submit it: it can only state what the attester signed for that subject.
 */
interface IInferenceHub is IModelRegistry {
    /**
     * @dev `modelId` has `status`, not Active (unknown ids have status None).
     */
    error InferenceHubModelNotActive(uint256 modelId, ModelStatus status);

    /**
     * @dev `modelId` has k outputs and so takes `expected` = k + 4 public signals, not `actual`.
     */
    error InferenceHubInvalidSignalCount(uint256 modelId, uint256 expected, uint256 actual);

    /**
     * @dev The public signal at `index` is `value` >= r, which is not a field element. Rejected
     * whatever the verifier says: some verifiers do not check it, and r + x would alias x.
     */
    error InferenceHubSignalNotInField(uint256 index, uint256 value);

    /**
     * @dev The proof's `modelCommitment` signal is `actual`, but `modelId` is registered with
     * `expected`: a proof for another model, or for an older version of this one.
     */
    error InferenceHubCommitmentMismatch(uint256 modelId, uint256 expected, uint256 actual);

    /**
     * @dev The proof's `subject` signal is not an address (it is >= 2^160).
     */
    error InferenceHubInvalidSubject(uint256 subject);

    /**
     * @dev The statement (modelId, subject, nonce) has already been verified.
     */
    error InferenceHubNonceUsed(uint256 modelId, address subject, uint256 nonce);

    /**
     * @dev The verifier of `modelId` rejected the proof.
     *
     * For an attested model this is also how an attestation for another subject fails: the subject is
     * part of the signed message, so a proof whose `subject` signal differs from the attested one
     * cannot exist, and a proof copied with another subject does not verify.
     */
    error InferenceHubInvalidProof(uint256 modelId);

    /**
     * @dev A batch for `modelId` must hold one or more statements of `perStatement` signals each;
     * `actual` signals are not that.
     */
    error InferenceHubInvalidBatch(uint256 modelId, uint256 perStatement, uint256 actual);

    /**
     * @dev A batch of `statements` statements for `modelId` must carry exactly that many proofs of
     * `perProof` bytes; `actual` bytes are not that. The hub derives the count once, from the signals,
     * and the verifier is then asked about exactly those proofs.
     */
    error InferenceHubBatchProofCountMismatch(uint256 modelId, uint256 statements, uint256 perProof, uint256 actual);

    /**
     * @dev The verifier of `modelId` rejected the batch of `count` proofs: at least one of them is
     * invalid. Nothing was recorded; submit the proofs one by one to find which.
     */
    error InferenceHubInvalidBatchProof(uint256 modelId, uint256 count);

    /**
     * @dev The verifier of `modelId` has no batch check ({IBatchInferenceVerifier}; only Groth16
     * verifiers do), or it ran out of gas. Submit the proofs one by one.
     */
    error InferenceHubBatchNotSupported(uint256 modelId);

    /**
     * @dev The proof's `attesterKeyHash` is not trusted for the attested model `modelId` (never
     * added by its owner; see {IModelRegistry-trustAttester}).
     */
    error InferenceHubUntrustedAttester(uint256 modelId, uint256 attesterKeyHash);

    /**
     * @dev The proof's `attesterKeyHash` was revoked for `modelId` (see {IModelRegistry-revokeAttester}).
     */
    error InferenceHubAttesterRevoked(uint256 modelId, uint256 attesterKeyHash);

    /**
     * @dev The attestation is valid from `issuedAt`, later than the block's `timestamp`.
     */
    error InferenceHubAttestationNotYetValid(uint256 modelId, uint256 issuedAt, uint256 timestamp);

    /**
     * @dev The attestation expired at `expiresAt`, at or before the block's `timestamp`.
     */
    error InferenceHubAttestationExpired(uint256 modelId, uint256 expiresAt, uint256 timestamp);

    /**
     * @dev Public input `index` (0-based, in feature order) of a model with public inputs is `value`,
     * outside its registered range [min, max] (a field element x counts as x - r when x > (r - 1) / 2).
     */
    error InferenceHubPublicInputOutOfRange(uint256 modelId, uint256 index, uint256 value, int256 min, int256 max);

    /**
     * @dev `submitter` is not the proof's `subject`, and `modelId`'s inputs are not attested: only the
     * subject, or a relayer it authorised ({verifyAndActFor}), may use up the subject's nonce.
     */
    error InferenceHubUnauthorizedSubmitter(uint256 modelId, address subject, address submitter);

    /**
     * @dev The subject's authorization of the submitter expired at `deadline`, before the block's `timestamp`.
     */
    error InferenceHubAuthorizationExpired(uint256 deadline, uint256 timestamp);

    /**
     * @dev The signature is not `subject`'s authorization of `submitter` for (modelId, subject, nonce,
     * deadline): signed by someone else, for another statement or relayer, or malformed.
     */
    error InferenceHubInvalidAuthorization(uint256 modelId, address subject, address submitter);

    /**
     * @dev Emitted when a proof for `modelId` is verified and its statement recorded, just before the
     * consumer (if any) is called.
     *
     * The outputs are deliberately not in the event: they would add ~900 gas to every verification
     * (the budget is tight), they are in the transaction's calldata, and consumers emit what they
     * decided from them (e.g. {ICreditGate-CreditLineOpened} carries the score).
     */
    event InferenceVerified(uint256 indexed modelId, address indexed subject, uint256 nonce);

    /**
     * @notice Verifies a proof for `modelId`, records its statement and calls the model's consumer.
     * @dev Checks, in order: the model is Active; there are k + 4 signals (k + 6 when attested); every
     * signal is < r; the `modelCommitment` signal equals the registered commitment; for an attested
     * model, `attesterKeyHash` is trusted and not revoked, and issuedAt <= block.timestamp < expiresAt;
     * for a model with public inputs, each lies in its registered range; `subject` < 2^160; the statement
     * (modelId, subject, nonce) is unused; the caller is the subject (unless the model is attested, or a
     * relayer comes through {verifyAndActFor}); the verifier accepts the
     * proof (which, for an attested model, shows the trusted key signed the private inputs for this
     * subject and window). Then records the statement,
     * emits {InferenceVerified} and calls {IInferenceConsumer-onInferenceVerified} with the outputs,
     * if a consumer is set.
     *
     * The caller must be `subject`, unless the model is attested (then anyone may submit: the attester
     * signed the subject and the inputs); a relayer uses {verifyAndActFor}. The consumer acts for
     * `subject`, whatever the caller. A reverting verifier or consumer reverts the whole call and
     * leaves the nonce unused. Not reentrant.
     *
     * @param modelId The registered model the proof is for.
     * @param proof The proof, encoded as the model's verifier expects.
     * @param publicSignals The public signals, in the order of {PublicSignals}.
     */
    function verifyAndAct(uint256 modelId, bytes calldata proof, uint256[] calldata publicSignals) external;

    /**
     * @notice As {verifyAndAct}, sent by a relayer that `subject` authorised.
     * @dev `signature` is the subject's EIP-712 signature (this contract's domain, {eip712Domain}) of
     * `SubmissionAuthorization(uint256 modelId,address subject,uint256 nonce,address submitter,uint256 deadline)`
     * with `submitter` = the caller: an ECDSA signature for an account without code, ERC-1271 for a
     * contract wallet. Checked, with block.timestamp <= `deadline`, after the statement checks and
     * before the proof. It is used once: the nonce is.
     */
    function verifyAndActFor(
        uint256 modelId,
        bytes calldata proof,
        uint256[] calldata publicSignals,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /**
     * @notice Verifies n proofs for `modelId` with one batch check, records their statements and calls
     * the model's consumer once for each, in order.
     * @dev Every statement gets every check of {verifyAndAct} (the proof's aside), in batch order, and
     * the statement's nonce is marked as it passes: a statement repeated inside the batch (the same
     * proof, or a re-randomised copy of it) reverts with {InferenceHubNonceUsed}. Then the model's
     * verifier checks all proofs at once ({IBatchInferenceVerifier-verifyBatch}); if any is invalid the
     * call reverts with {InferenceHubInvalidBatchProof} and records nothing. Then, for each statement,
     * {InferenceVerified} and the consumer. One reverting consumer reverts the whole batch.
     *
     * There is no relayer path: on a model without attested inputs every statement's subject must be the
     * caller ({InferenceHubUnauthorizedSubmitter}), so a batch there is one subject's proofs; an attested
     * model's batch may mix subjects and come from anyone.
     *
     * @param modelId The registered model every proof is for.
     * @param proofs The n proofs concatenated, each encoded as for {verifyAndAct} (256 bytes: batches are
     * Groth16's); any other length reverts with {InferenceHubBatchProofCountMismatch} before any check.
     * @param publicSignals The n statements' public signals concatenated (statement i at
     * `[i * m, (i + 1) * m)` for the model's m signals).
     */
    function verifyAndActBatch(uint256 modelId, bytes calldata proofs, uint256[] calldata publicSignals) external;

    /**
     * @notice Returns whether the statement (modelId, subject, nonce) has already been verified.
     */
    function isNonceUsed(uint256 modelId, address subject, uint256 nonce) external view returns (bool);
}
