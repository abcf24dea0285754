// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceHub} from "./interfaces/IInferenceHub.sol";
import {IAggregatedInferenceHub} from "./interfaces/IAggregatedInference.sol";
import {IBatchInferenceVerifier} from "./interfaces/IBatchInferenceVerifier.sol";
import {IInferenceVerifier} from "./interfaces/IInferenceVerifier.sol";
import {AggregatedSignals} from "./libraries/AggregatedSignals.sol";
import {PublicSignals} from "./libraries/PublicSignals.sol";
import {ModelRegistry} from "./ModelRegistry.sol";

/**
 * @title InferenceHub
 * @notice Verifies proofs of inference for registered models and calls their consumers.
 * See {IInferenceHub}.
 *
 * @dev The hub is the registry: reading a model from its own storage saves a cold external call and
 * account access per verification. Gas matters here (the Groth16 pairing alone is ~181k), so
 * {verifyAndAct} reads exactly three model slots, each once: (verifier, status, numOutputs, version),
 * then commitment, then consumer; and it uses a transient-storage reentrancy guard.
 */
contract InferenceHub is ModelRegistry, EIP712, ReentrancyGuardTransient, IInferenceHub, IAggregatedInferenceHub {
    /// @dev The EIP-712 type a subject signs to let a relayer submit its statement; mirrored by
    /// prover/abi/submissionAuthorization.ts.
    bytes32 private constant _SUBMISSION_AUTHORIZATION_TYPEHASH = keccak256(
        "SubmissionAuthorization(uint256 modelId,address subject,uint256 nonce,address submitter,uint256 deadline)"
    );

    /// @dev The used nonces as a bitmap: bit (nonce mod 256) of the storage word at {_nonceWordSlot}
    /// (modelId, subject, nonce / 256). A subject's first proof creates its word (the 20,000-gas new
    /// slot); its later proofs, with nonces counting up, set bits in that existing word (2,900, or 100
    /// when a batch already touched it) instead of creating one slot per statement.
    /// The words live at hashed slots, not in a Solidity mapping: a mapping keyed by the hash of
    /// (modelId, subject, nonce / 256) hashed twice per statement; one keccak over the key and this
    /// namespace is ~50 gas cheaper on every verification. keccak256("zkinfer.InferenceHub.nonceWords") - 1.
    bytes32 private constant _NONCE_WORDS_NAMESPACE =
        0xb290abf70d52eac9266d5fac877bb227c0231282f7fc15eaf6fe6a88d4fc3440;

    /// @dev Transient slot holding the subject whose authorization {verifyAndActFor} checked, for the
    /// duration of its inner {verifyAndAct}: keccak256("zkinfer.InferenceHub.authorizedSubject") - 1.
    bytes32 private constant _AUTHORIZED_SUBJECT_SLOT =
        0x2c6abef824c77b6747ec54560ab4d1e55778013485f79d15f6ad23dc42e98590;

    /// @dev Bytes of one proof in a batch: abi.encode(a, b, c) of a Groth16 proof, the only system with a
    /// batch check ({IBatchInferenceVerifier}).
    uint256 private constant _BATCH_PROOF_BYTES = 256;

    /// @param updateDelay_ Seconds between announcing a model update and applying it (see {ModelRegistry}).
    constructor(uint64 updateDelay_) ModelRegistry(updateDelay_) EIP712("zkinfer InferenceHub", "1") {}

    /// @dev See {IInferenceHub-verifyAndAct}.
    function verifyAndAct(uint256 modelId, bytes calldata proof, uint256[] calldata publicSignals) public nonReentrant {
        Model storage model = _model(modelId);
        (IInferenceVerifier verifier, uint256 numOutputs, uint256 extensions) = _checkSignals(
            modelId,
            model,
            publicSignals
        );
        // Attested and public-input models only; plain models pay this one test.
        if (extensions != 0) _checkExtensions(modelId, numOutputs, extensions, publicSignals);
        // Checks the statement is new and sets its nonce bit now: a failure below reverts the bit with
        // everything else, and one SSTORE here is cheaper than carrying the word to the end.
        (address subject, uint256 nonce) = _useNonce(modelId, numOutputs, publicSignals);

        // Anyone but the subject would use up the subject's nonce with a statement the subject never
        // made; an attested proof can only state what the attester signed for the subject. A relayer
        // comes through {verifyAndActFor}, which leaves the subject it checked in transient storage.
        // The subject's own transaction pays one comparison (in assembly: ~20 gas cheaper here).
        bool unauthorized;
        assembly ("memory-safe") {
            unauthorized := and(iszero(eq(caller(), subject)), iszero(and(extensions, 0xff)))
            // Bit 160 marks a set slot: an empty slot (0) must not authorise subject address(0).
            if unauthorized {
                unauthorized := iszero(eq(tload(_AUTHORIZED_SUBJECT_SLOT), or(subject, shl(160, 1))))
            }
        }
        if (unauthorized) revert InferenceHubUnauthorizedSubmitter(modelId, subject, msg.sender);

        // A reverting verifier bubbles up; `false` reverts here. Either way nothing is recorded.
        if (!_verify(verifier, proof, publicSignals)) revert InferenceHubInvalidProof(modelId);

        emit InferenceVerified(modelId, subject, nonce);

        // Last, after every state change (checks-effects-interactions; the guard also blocks re-entry).
        // A reverting consumer reverts the whole call, so the nonce is not burned.
        IInferenceConsumer consumer = model.consumer;
        if (address(consumer) != address(0)) {
            _callConsumer(consumer, modelId, subject, nonce, publicSignals, numOutputs);
        }
    }

    /**
     * @dev See {IInferenceHub-verifyAndActFor}. Checks the authorization, then runs {verifyAndAct} (an
     * internal call, under its reentrancy guard) with the authorised subject in transient storage, and
     * clears it. One body for both paths, entered from two places: sharing the checks as internal
     * functions instead cost the direct path ~110 gas (the optimizer stops inlining them).
     */
    function verifyAndActFor(
        uint256 modelId,
        bytes calldata proof,
        uint256[] calldata publicSignals,
        uint256 deadline,
        bytes calldata signature
    ) external {
        address subject = _checkAuthorization(modelId, publicSignals, deadline, signature);
        assembly ("memory-safe") {
            tstore(_AUTHORIZED_SUBJECT_SLOT, or(subject, shl(160, 1)))
        }
        verifyAndAct(modelId, proof, publicSignals);
        assembly ("memory-safe") {
            tstore(_AUTHORIZED_SUBJECT_SLOT, 0)
        }
    }

    /// @dev See {IInferenceHub-verifyAndActBatch}.
    function verifyAndActBatch(
        uint256 modelId,
        bytes calldata proofs,
        uint256[] calldata publicSignals
    ) external nonReentrant {
        Model storage model = _model(modelId);
        uint256 size = _statementSize(model);
        uint256 n = publicSignals.length / size;
        if (n == 0 || n * size != publicSignals.length)
            revert InferenceHubInvalidBatch(modelId, size, publicSignals.length);
        // n is derived once, here; the proofs must be exactly n, so the hub's statements and the
        // verifier's proofs cannot disagree (issue 22, finding 2).
        if (proofs.length != n * _BATCH_PROOF_BYTES)
            revert InferenceHubBatchProofCountMismatch(modelId, n, _BATCH_PROOF_BYTES, proofs.length);

        // Every statement gets the single call's checks, and its nonce bit is set at once: a statement
        // repeated inside the batch (the same proof, or a re-randomised copy) finds its bit set and
        // reverts with {InferenceHubNonceUsed}.
        for (uint256 start; start < publicSignals.length; start += size) {
            _checkAndRecord(modelId, model, publicSignals[start:start + size]);
        }

        // One check for all the proofs; any invalid one reverts everything, the nonce bits included.
        if (!_verifyBatch(modelId, model.verifier, proofs, publicSignals))
            revert InferenceHubInvalidBatchProof(modelId, n);

        IInferenceConsumer consumer = model.consumer;
        uint256 numOutputs = model.numOutputs;
        for (uint256 start; start < publicSignals.length; start += size) {
            _act(modelId, consumer, numOutputs, publicSignals[start:start + size]);
        }
    }

    /**
     * @dev See {IAggregatedInferenceHub-verifyAndActAggregated}. Per active statement it costs its two
     * (or more) signals in the verifier's MSM, one nonce bit (an SLOAD and SSTORE, on an existing word for
     * a repeat subject), one comparison (self-submitted) or one signature check (relayed), and one event;
     * the pairing is paid once per batch (docs/AGGREGATION.md, Gas).
     */
    function verifyAndActAggregated(
        uint256 modelId,
        uint256 n,
        bytes calldata proof,
        uint256[] calldata signals,
        SubmissionAuthorization[] calldata authorizations
    ) external nonReentrant {
        Model storage model = _model(modelId);
        (IInferenceVerifier verifier, uint256 slotSize) = _checkAggregated(modelId, model, n, signals);
        bool relayed = authorizations.length != 0;
        if (relayed && authorizations.length != n)
            revert InferenceHubInvalidAuthorizationCount(n, authorizations.length);

        uint256 active;
        for (uint256 i; i < n; ++i) {
            uint256 start;
            // i < n <= 1024 and slotSize < 2^16: no overflow.
            unchecked {
                start = AggregatedSignals.statementIndex(i, slotSize);
            }
            uint256 statement = _signalAt(signals, start);
            if (statement == 0) {
                // An empty slot acts on nothing; its outputs must be empty too (the circuit forces both).
                for (uint256 w = 1; w < slotSize; ++w) {
                    if (_signalAt(signals, start + w) != 0) revert InferenceHubEmptySlotNotEmpty(modelId, i);
                }
                continue;
            }
            (address subject, uint256 nonce, uint256 marker) = AggregatedSignals.unpackStatement(statement);
            if (marker != 1) revert InferenceHubInvalidStatement(modelId, i, statement);
            _useNonceOf(modelId, subject, nonce);
            if (msg.sender != subject) {
                if (!relayed) revert InferenceHubUnauthorizedSubmitter(modelId, subject, msg.sender);
                _checkSlotAuthorization(modelId, subject, nonce, authorizations[i]);
            }
            emit InferenceVerified(modelId, subject, nonce);
            unchecked {
                ++active;
            }
        }
        if (active == 0) revert InferenceHubEmptyBatch(modelId);

        // One pairing check for every statement; `false` reverts all the nonce bits set above.
        if (!_verify(verifier, proof, signals)) revert InferenceHubInvalidProof(modelId);
        emit AggregatedProofVerified(modelId, n, _signalAt(signals, AggregatedSignals.inputRootIndex()), active);

        IInferenceConsumer consumer = model.consumer;
        if (address(consumer) != address(0)) _actAggregated(modelId, n, consumer, slotSize, signals);
    }

    /**
     * @dev The batch-level checks of {verifyAndActAggregated}: the model is Active, (modelId, n) has an
     * aggregated verifier, the signal count is its, every signal is a field element, the commitment is
     * the model's. Returns the verifier and the signals per slot.
     */
    function _checkAggregated(
        uint256 modelId,
        Model storage model,
        uint256 n,
        uint256[] calldata signals
    ) private view returns (IInferenceVerifier verifier, uint256 slotSize) {
        ModelStatus status = model.status;
        if (status != ModelStatus.Active) revert InferenceHubModelNotActive(modelId, status);
        AggregatedVerifier storage record = _aggregatedRecord(modelId, n);
        verifier = record.verifier;
        // A proof for one batch size is checked only against (modelId, n)'s verifier and signal count.
        if (address(verifier) == address(0)) revert InferenceHubNoAggregatedVerifier(modelId, n);
        slotSize = record.slotSize;
        uint256 expected;
        // n <= 1024 (registry) and slotSize < 2^16: no overflow.
        unchecked {
            expected = AggregatedSignals.count(n, slotSize);
        }
        if (signals.length != expected) revert InferenceHubInvalidSignalCount(modelId, expected, signals.length);
        uint256 firstBad = _firstSignalNotInField(signals);
        if (firstBad != expected) revert InferenceHubSignalNotInField(firstBad, signals[firstBad]);
        uint256 commitment = _signalAt(signals, AggregatedSignals.commitmentIndex());
        uint256 registered = model.modelCommitment;
        if (commitment != registered) revert InferenceHubCommitmentMismatch(modelId, registered, commitment);
    }

    /// @dev Reverts unless `authorization` is `subject`'s EIP-712 authorization of the caller for (modelId, subject, nonce).
    function _checkSlotAuthorization(
        uint256 modelId,
        address subject,
        uint256 nonce,
        SubmissionAuthorization calldata authorization
    ) private view {
        uint256 deadline = authorization.deadline;
        if (block.timestamp > deadline) revert InferenceHubAuthorizationExpired(deadline, block.timestamp);
        bytes32 digest = _submissionAuthorizationDigest(modelId, subject, nonce, msg.sender, deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(subject, digest, authorization.signature)) {
            revert InferenceHubInvalidAuthorization(modelId, subject, msg.sender);
        }
    }

    /// @dev The consumer's call for every active slot of a verified aggregated proof, outputs unpacked.
    function _actAggregated(
        uint256 modelId,
        uint256 n,
        IInferenceConsumer consumer,
        uint256 slotSize,
        uint256[] calldata signals
    ) private {
        uint256[] memory entries = _aggregatedLayout(modelId, n);
        uint256 k = entries.length;
        // Word and shift of each output, by the rule of AggregatedSignals.outputWords.
        uint256[] memory bits = new uint256[](k);
        int256[] memory mins = new int256[](k);
        uint256[] memory words = new uint256[](k);
        uint256[] memory shifts = new uint256[](k);
        {
            uint256 word;
            uint256 used = AggregatedSignals.OUTPUT_WORD_BITS;
            for (uint256 j; j < k; ++j) {
                (uint256 b, int256 m) = AggregatedSignals.unpackLayout(entries[j]);
                if (b == 0 || used + b > AggregatedSignals.OUTPUT_WORD_BITS) {
                    ++word;
                    used = 0;
                }
                (bits[j], mins[j], words[j], shifts[j]) = (b, m, word, used);
                used = b == 0 ? AggregatedSignals.OUTPUT_WORD_BITS : used + b;
            }
        }
        uint256[] memory outputs = new uint256[](k);
        for (uint256 i; i < n; ++i) {
            uint256 start = AggregatedSignals.statementIndex(i, slotSize);
            uint256 statement = signals[start];
            if (statement == 0) continue;
            (address subject, uint256 nonce, ) = AggregatedSignals.unpackStatement(statement);
            for (uint256 j; j < k; ++j) {
                outputs[j] = AggregatedSignals.outputAt(signals[start + words[j]], bits[j], mins[j], shifts[j]);
            }
            consumer.onInferenceVerified(modelId, subject, nonce, outputs);
        }
    }

    /// @dev Checks that (modelId, subject, nonce) was never verified and sets its bit (see {_useNonce}).
    function _useNonceOf(uint256 modelId, address subject, uint256 nonce) private {
        uint256 slot = _nonceWordSlot(modelId, subject, nonce);
        uint256 word;
        assembly ("memory-safe") {
            word := sload(slot)
        }
        uint256 bit = 1 << (nonce & 0xff);
        if (word & bit != 0) revert InferenceHubNonceUsed(modelId, subject, nonce);
        assembly ("memory-safe") {
            sstore(slot, or(word, bit))
        }
    }

    /// @dev See {IInferenceHub-isNonceUsed}.
    function isNonceUsed(uint256 modelId, address subject, uint256 nonce) external view returns (bool) {
        uint256 slot = _nonceWordSlot(modelId, subject, nonce);
        uint256 word;
        assembly ("memory-safe") {
            word := sload(slot)
        }
        return (word >> (nonce & 0xff)) & 1 != 0;
    }

    /// @dev Public signals per statement of `model` (what {_checkSignals} requires), for slicing a batch.
    function _statementSize(Model storage model) private view returns (uint256) {
        // uint16 fields: no overflow.
        unchecked {
            return
                uint256(model.numOutputs) +
                PublicSignals.BINDING_FIELDS +
                (model.attested ? PublicSignals.ATTESTATION_FIELDS : 0) +
                model.numPublicInputs;
        }
    }

    /**
     * @dev One statement of a batch: every check of {verifyAndAct} but the proof's, in its order, then
     * the statement's nonce bit set. The batch has no relayer path: on a model without attested inputs
     * every statement's subject must be the caller.
     */
    function _checkAndRecord(uint256 modelId, Model storage model, uint256[] calldata signals) private {
        (, uint256 numOutputs, uint256 extensions) = _checkSignals(modelId, model, signals);
        if (extensions != 0) _checkExtensions(modelId, numOutputs, extensions, signals);
        (address subject, ) = _useNonce(modelId, numOutputs, signals);
        if (msg.sender != subject && uint8(extensions) == 0)
            revert InferenceHubUnauthorizedSubmitter(modelId, subject, msg.sender);
    }

    /// @dev {InferenceVerified} and the consumer's call for one statement of a verified batch.
    function _act(
        uint256 modelId,
        IInferenceConsumer consumer,
        uint256 numOutputs,
        uint256[] calldata signals
    ) private {
        address subject = address(uint160(_signalAt(signals, PublicSignals.subjectIndex(numOutputs))));
        uint256 nonce = _signalAt(signals, PublicSignals.nonceIndex(numOutputs));
        emit InferenceVerified(modelId, subject, nonce);
        if (address(consumer) != address(0)) _callConsumer(consumer, modelId, subject, nonce, signals, numOutputs);
    }

    /**
     * @dev Reverts unless `signature` is the proof subject's EIP-712 authorization of the caller for this
     * (modelId, subject, nonce) until `deadline`. Reads subject and nonce straight from the signals; a
     * too-short array is left to {_checkSignals}, which names the count.
     */
    function _checkAuthorization(
        uint256 modelId,
        uint256[] calldata publicSignals,
        uint256 deadline,
        bytes calldata signature
    ) private view returns (address subject) {
        if (block.timestamp > deadline) revert InferenceHubAuthorizationExpired(deadline, block.timestamp);
        uint256 numOutputs = _model(modelId).numOutputs;
        uint256 nonceIndex = PublicSignals.nonceIndex(numOutputs);
        if (publicSignals.length <= nonceIndex) return address(0);
        // A subject >= 2^160 is refused by {_useNonce}; truncated here it matches no signer anyway.
        subject = address(uint160(publicSignals[PublicSignals.subjectIndex(numOutputs)]));
        // msg.sender is in the signed message: the same transaction sent by another account fails.
        bytes32 digest = _submissionAuthorizationDigest(
            modelId,
            subject,
            publicSignals[nonceIndex],
            msg.sender,
            deadline
        );
        if (!SignatureChecker.isValidSignatureNowCalldata(subject, digest, signature)) {
            revert InferenceHubInvalidAuthorization(modelId, subject, msg.sender);
        }
    }

    function _submissionAuthorizationDigest(
        uint256 modelId,
        address subject,
        uint256 nonce,
        address submitter,
        uint256 deadline
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(_SUBMISSION_AUTHORIZATION_TYPEHASH, modelId, subject, nonce, submitter, deadline))
            );
    }

    /**
     * @dev Checks that `modelId` is Active and that `publicSignals` has its signal count, holds only
     * field elements and carries its commitment. Returns the model's verifier, number of outputs and
     * packed extensions (for {_checkExtensions}).
     */
    function _checkSignals(
        uint256 modelId,
        Model storage model,
        uint256[] calldata publicSignals
    ) private view returns (IInferenceVerifier verifier, uint256 numOutputs, uint256 extensions) {
        // verifier, status, numOutputs, version, attested, numPublicInputs and publicInputBits share the
        // record's first slot: ONE SLOAD, decoded by hand. Solidity packs the fields from the low-order
        // bytes in declaration order (IModelRegistry.Model): verifier bits 0-159, status 160-167,
        // numOutputs 168-183, version 184-215, then the extensions attested 216-223, numPublicInputs
        // 224-239, publicInputBits 240-247. A plain model's extensions are all zero, so it pays ONE test
        // (`extensions != 0`) for both the attested and the public-input paths.
        // (The status byte is only ever written from the enum, so it needs no range check on the way back.)
        ModelStatus status;
        assembly ("memory-safe") {
            let word := sload(model.slot)
            verifier := and(word, 0xffffffffffffffffffffffffffffffffffffffff)
            status := and(shr(160, word), 0xff)
            numOutputs := and(shr(168, word), 0xffff)
            extensions := shr(216, word)
        }

        if (status != ModelStatus.Active) revert InferenceHubModelNotActive(modelId, status);
        // numOutputs and the input count are uint16s: the sums cannot overflow. A model is attested or
        // has public inputs, never both (the registry has one registration function for each).
        uint256 signalCount;
        unchecked {
            signalCount = numOutputs + PublicSignals.BINDING_FIELDS;
            if (extensions != 0) {
                if (uint8(extensions) != 0) signalCount += PublicSignals.ATTESTATION_FIELDS;
                signalCount += uint16(extensions >> 8);
            }
        }
        if (publicSignals.length != signalCount) {
            revert InferenceHubInvalidSignalCount(modelId, signalCount, publicSignals.length);
        }

        // Every signal, whatever the verifier checks: x and x + r are the same field element, so an
        // unreduced signal would let one proof pass for several statements (a fresh nonce, another
        // subject) or feed a consumer an output that decodes differently.
        uint256 firstBad = _firstSignalNotInField(publicSignals);
        if (firstBad != signalCount) revert InferenceHubSignalNotInField(firstBad, publicSignals[firstBad]);

        uint256 commitment = _signalAt(publicSignals, PublicSignals.commitmentIndex(numOutputs));
        uint256 expected = model.modelCommitment;
        if (commitment != expected) revert InferenceHubCommitmentMismatch(modelId, expected, commitment);
    }

    /**
     * @dev The checks of an attested model ({_checkAttestation}) or of a model with public inputs
     * ({_checkPublicInputs}); `extensions` is the record's packed (attested, numPublicInputs,
     * publicInputBits), see {_checkSignals}. Plain models never get here.
     */
    function _checkExtensions(
        uint256 modelId,
        uint256 numOutputs,
        uint256 extensions,
        uint256[] calldata publicSignals
    ) private view {
        if (uint8(extensions) != 0) _checkAttestation(modelId, numOutputs, publicSignals);
        uint256 numPublicInputs = uint16(extensions >> 8);
        if (numPublicInputs != 0) _checkPublicInputs(modelId, numOutputs, numPublicInputs, publicSignals);
    }

    /**
     * @dev For a model with public inputs: every one lies in its registered range [min, max] (the
     * spec's declared feature range, quantized; one storage slot per run of inputs sharing a range).
     * The circuit does not range-check its public inputs (that would cost more constraints than the
     * layers of an MNIST-sized MLP); the compiler proved that no intermediate wraps around the field for
     * any input in [-2^B, 2^B), which contains every range, so with this check the proof's outputs are
     * the model's integer outputs on exactly the inputs in the signals, and those inputs are ones the
     * spec allows: a forger gains nothing a legitimate input would not give.
     */
    function _checkPublicInputs(
        uint256 modelId,
        uint256 numOutputs,
        uint256 numPublicInputs,
        uint256[] calldata publicSignals
    ) private view {
        uint256 first = PublicSignals.publicInputsIndex(numOutputs);
        uint256 modulus = PublicSignals.FIELD_MODULUS;
        uint256 i;
        for (uint256 group; i < numPublicInputs; ++group) {
            PublicInputRange memory range = _publicInputRange(modelId, group);
            // v in [min, max] iff (v - min) mod r <= max - min, for |min|, |max| < 2^250 < r / 2:
            // one ADDMOD and one comparison per input, with `shift` = -min mod r.
            uint256 shift = range.min < 0 ? uint256(-int256(range.min)) : modulus - uint256(int256(range.min));
            uint256 width = uint256(int256(range.max) - int256(range.min));
            // The registry keeps the counts summing to numPublicInputs, so `end` never passes it.
            for (uint256 end = i + range.count; i < end; ++i) {
                uint256 x = _signalAt(publicSignals, first + i);
                if (addmod(x, shift, modulus) > width) {
                    revert InferenceHubPublicInputOutOfRange(modelId, i, x, range.min, range.max);
                }
            }
        }
    }

    /**
     * @dev For an attested model: the proof's attester is trusted (one cold slot) and its attestation
     * is valid at this block, issuedAt <= block.timestamp < expiresAt. The proof itself shows that this
     * key signed the private inputs, the subject and this window; here the hub decides whether it
     * accepts the key and the window. `publicSignals` has `numOutputs + 6` signals.
     */
    function _checkAttestation(uint256 modelId, uint256 numOutputs, uint256[] calldata publicSignals) private view {
        uint256 keyHash = _signalAt(publicSignals, PublicSignals.attesterKeyHashIndex(numOutputs));
        AttesterStatus trust = _attesterStatus(modelId, keyHash);
        if (trust != AttesterStatus.Trusted) {
            if (trust == AttesterStatus.Revoked) revert InferenceHubAttesterRevoked(modelId, keyHash);
            revert InferenceHubUntrustedAttester(modelId, keyHash);
        }
        (uint256 issuedAt, uint256 expiresAt) = PublicSignals.unpackValidity(
            _signalAt(publicSignals, PublicSignals.validityIndex(numOutputs))
        );
        if (block.timestamp < issuedAt) revert InferenceHubAttestationNotYetValid(modelId, issuedAt, block.timestamp);
        if (block.timestamp >= expiresAt) revert InferenceHubAttestationExpired(modelId, expiresAt, block.timestamp);
    }

    /**
     * @dev Decodes the statement's subject and nonce, checks that the statement was never verified and
     * sets its nonce bit (the caller reverts if anything after fails). `publicSignals` has
     * `numOutputs + 4` signals or more.
     */
    function _useNonce(
        uint256 modelId,
        uint256 numOutputs,
        uint256[] calldata publicSignals
    ) private returns (address subject, uint256 nonce) {
        uint256 subjectSignal = _signalAt(publicSignals, PublicSignals.subjectIndex(numOutputs));
        if (subjectSignal > type(uint160).max) revert InferenceHubInvalidSubject(subjectSignal);
        subject = address(uint160(subjectSignal));

        // The replay key is the statement, never the proof bytes: Groth16 proofs can be re-randomised
        // into other valid proofs of the same statement.
        nonce = _signalAt(publicSignals, PublicSignals.nonceIndex(numOutputs));
        uint256 slot = _nonceWordSlot(modelId, subject, nonce);
        uint256 word;
        assembly ("memory-safe") {
            word := sload(slot)
        }
        uint256 bit = 1 << (nonce & 0xff);
        if (word & bit != 0) revert InferenceHubNonceUsed(modelId, subject, nonce);
        assembly ("memory-safe") {
            sstore(slot, or(word, bit))
        }
    }

    /// @dev Index of the first signal >= r, or the number of signals if there is none.
    function _firstSignalNotInField(uint256[] calldata publicSignals) private pure returns (uint256 i) {
        uint256 modulus = PublicSignals.FIELD_MODULUS;
        // Assembly: a plain loop over calldata, without Solidity's per-element bounds checks.
        assembly ("memory-safe") {
            for {} lt(i, publicSignals.length) {
                i := add(i, 1)
            } {
                if iszero(lt(calldataload(add(publicSignals.offset, shl(5, i))), modulus)) {
                    break
                }
            }
        }
    }

    /// @dev `publicSignals[i]` without the bounds check. Only for an `i` the caller knows is in range.
    function _signalAt(uint256[] calldata publicSignals, uint256 i) private pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := calldataload(add(publicSignals.offset, shl(5, i)))
        }
    }

    /**
     * @dev `verifier.verify(proof, publicSignals)`, ABI-encoded by hand: the same call as the high-level
     * one without the generic encoder and return-data copy (a few hundred gas on every verification).
     * A revert bubbles up unchanged; a return value other than the word 1 counts as false.
     */
    function _verify(
        IInferenceVerifier verifier,
        bytes calldata proof,
        uint256[] calldata publicSignals
    ) private view returns (bool valid) {
        bytes4 selector = IInferenceVerifier.verify.selector;
        assembly ("memory-safe") {
            // verify(bytes,uint256[]): selector, two head offsets, then each tail as length + data.
            let ptr := mload(0x40)
            let proofSize := and(add(proof.length, 31), not(31))
            let signalsSize := shl(5, publicSignals.length)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), 0x40)
            mstore(add(ptr, 0x24), add(0x60, proofSize))
            mstore(add(ptr, add(0x44, proofSize)), 0) // zero padding of the last proof word (before the length)
            mstore(add(ptr, 0x44), proof.length)
            calldatacopy(add(ptr, 0x64), proof.offset, proof.length)
            let signalsPtr := add(add(ptr, 0x64), proofSize)
            mstore(signalsPtr, publicSignals.length)
            calldatacopy(add(signalsPtr, 0x20), publicSignals.offset, signalsSize)

            let success := staticcall(gas(), verifier, ptr, add(add(0x84, proofSize), signalsSize), 0x00, 0x20)
            if iszero(success) {
                returndatacopy(ptr, 0x00, returndatasize())
                revert(ptr, returndatasize())
            }
            valid := and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1))
        }
    }

    /**
     * @dev `verifier.verifyBatch(proofs, publicSignals)`. A verifier without it (another proof system)
     * reverts without data, reported as {InferenceHubBatchNotSupported}; any other revert bubbles up.
     */
    function _verifyBatch(
        uint256 modelId,
        IInferenceVerifier verifier,
        bytes calldata proofs,
        uint256[] calldata publicSignals
    ) private view returns (bool) {
        (bool success, bytes memory result) = address(verifier).staticcall(
            abi.encodeCall(IBatchInferenceVerifier.verifyBatch, (proofs, publicSignals))
        );
        if (!success) {
            if (result.length == 0) revert InferenceHubBatchNotSupported(modelId);
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result.length == 0x20 && abi.decode(result, (uint256)) == 1;
    }

    /**
     * @dev `consumer.onInferenceVerified(modelId, subject, nonce, outputs)` with `outputs` the first
     * `numOutputs` of `signals`, ABI-encoded by hand (a few hundred gas cheaper than the high-level
     * call). The outputs are copied from `signals` directly instead of a `signals[:numOutputs]` slice,
     * whose bounds check is redundant: both callers passed {_checkSignals}, so `signals` holds
     * numOutputs + 4 or more. A revert bubbles up unchanged. No code-size check: {setConsumer} only
     * accepts contracts, and code cannot disappear afterwards (EIP-6780).
     */
    function _callConsumer(
        IInferenceConsumer consumer,
        uint256 modelId,
        address subject,
        uint256 nonce,
        uint256[] calldata signals,
        uint256 numOutputs
    ) private {
        bytes4 selector = IInferenceConsumer.onInferenceVerified.selector;
        assembly ("memory-safe") {
            // onInferenceVerified(uint256,address,uint256,uint256[]): selector, 3 static words, the
            // offset of the array (4 head words), then its length and elements.
            let ptr := mload(0x40)
            let outputsSize := shl(5, numOutputs)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), modelId)
            mstore(add(ptr, 0x24), subject)
            mstore(add(ptr, 0x44), nonce)
            mstore(add(ptr, 0x64), 0x80)
            mstore(add(ptr, 0x84), numOutputs)
            calldatacopy(add(ptr, 0xa4), signals.offset, outputsSize)
            if iszero(call(gas(), consumer, 0, ptr, add(0xa4, outputsSize), 0x00, 0x00)) {
                returndatacopy(ptr, 0x00, returndatasize())
                revert(ptr, returndatasize())
            }
        }
    }

    /**
     * @dev The storage slot of the bitmap word of (modelId, subject, nonce / 256):
     * keccak256(abi.encode(modelId, subject, nonce >> 8, _NONCE_WORDS_NAMESPACE)), hashed in scratch
     * memory. A 128-byte preimage cannot be the preimage of a Solidity mapping or array slot (64 and 32
     * bytes), so these words never meet the registry's storage without a keccak collision.
     */
    function _nonceWordSlot(uint256 modelId, address subject, uint256 nonce) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, modelId)
            mstore(add(ptr, 0x20), subject)
            mstore(add(ptr, 0x40), shr(8, nonce))
            mstore(add(ptr, 0x60), _NONCE_WORDS_NAMESPACE)
            slot := keccak256(ptr, 0x80)
        }
    }
}
