// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceHub} from "./interfaces/IInferenceHub.sol";
import {IBatchInferenceVerifier} from "./interfaces/IBatchInferenceVerifier.sol";
import {IInferenceVerifier} from "./interfaces/IInferenceVerifier.sol";
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
contract InferenceHub is ModelRegistry, ReentrancyGuardTransient, IInferenceHub {
    /// @dev The used nonces as a bitmap: bit (nonce mod 256) of the word keyed by {_nonceWordKey}
    /// (modelId, subject, nonce / 256). A subject's first proof creates its word (the 20,000-gas new
    /// slot); its later proofs, with nonces counting up, set bits in that existing word (2,900, or 100
    /// when a batch already touched it) instead of creating one slot per statement.
    mapping(bytes32 wordKey => uint256) private _nonceWords;

    /// @param updateDelay_ Seconds between announcing a model update and applying it (see {ModelRegistry}).
    constructor(uint64 updateDelay_) ModelRegistry(updateDelay_) {}

    /// @dev See {IInferenceHub-verifyAndAct}.
    function verifyAndAct(uint256 modelId, bytes calldata proof, uint256[] calldata publicSignals)
        external
        nonReentrant
    {
        Model storage model = _model(modelId);
        // Scoped blocks keep the stack shallow enough for the legacy code generator (viaIR is off).
        IInferenceVerifier verifier;
        uint256 numOutputs;
        uint256 extensions;
        {
            uint256 signalCount;
            (verifier, numOutputs, extensions, signalCount) = _readModel(modelId, model);
            if (publicSignals.length != signalCount) {
                revert InferenceHubInvalidSignalCount(modelId, signalCount, publicSignals.length);
            }
        }
        _checkFieldAndCommitment(modelId, numOutputs, model.modelCommitment, publicSignals);
        // Attested and public-input models only; plain models pay this one test.
        if (extensions != 0) _checkExtensions(modelId, numOutputs, extensions, publicSignals);
        address subject;
        uint256 nonce;
        {
            bytes32 key;
            uint256 word;
            (subject, nonce, key, word) = _checkStatement(modelId, numOutputs, publicSignals);
            // A reverting verifier bubbles up; `false` reverts here. Either way nothing is recorded.
            if (!_verify(verifier, proof, publicSignals)) revert InferenceHubInvalidProof(modelId);
            _nonceWords[key] = word;
        }

        emit InferenceVerified(modelId, subject, nonce);

        // Last, after every state change (checks-effects-interactions; the guard also blocks re-entry).
        // A reverting consumer reverts the whole call, so the nonce is not burned.
        IInferenceConsumer consumer = model.consumer;
        if (address(consumer) != address(0)) {
            _callConsumer(consumer, modelId, subject, nonce, publicSignals[:numOutputs]);
        }
    }

    /// @dev See {IInferenceHub-verifyAndActBatch}.
    function verifyAndActBatch(uint256 modelId, bytes calldata proofs, uint256[] calldata publicSignals)
        external
        nonReentrant
    {
        Model storage model = _model(modelId);
        (IInferenceVerifier verifier, uint256 numOutputs, uint256 extensions, uint256 signalCount) = _readModel(modelId, model);
        uint256 n = publicSignals.length / signalCount;
        if (n == 0 || n * signalCount != publicSignals.length) {
            revert InferenceHubInvalidBatch(modelId, signalCount, publicSignals.length);
        }

        // Every statement gets the single call's checks, and its nonce bit is set at once: a statement
        // repeated inside the batch (the same proof, or a re-randomised copy) finds its bit set and
        // reverts with {InferenceHubNonceUsed}.
        uint256 commitment = model.modelCommitment;
        for (uint256 i; i < n; ++i) {
            _checkAndRecord(modelId, numOutputs, extensions, commitment, publicSignals[i * signalCount:(i + 1) * signalCount]);
        }

        // One check for all the proofs; any invalid one reverts everything, the nonce bits included.
        if (!_verifyBatch(modelId, verifier, proofs, publicSignals)) revert InferenceHubInvalidBatchProof(modelId, n);

        _actBatch(modelId, model.consumer, numOutputs, signalCount, publicSignals);
    }

    /// @dev See {IInferenceHub-isNonceUsed}.
    function isNonceUsed(uint256 modelId, address subject, uint256 nonce) external view returns (bool) {
        return (_nonceWords[_nonceWordKey(modelId, subject, nonce)] >> (nonce & 0xff)) & 1 != 0;
    }

    /**
     * @dev One statement's checks, in the order of {IInferenceHub-verifyAndAct} (the proof aside), then its
     * nonce bit set. `publicSignals` has the model's signal count (the caller checked).
     */
    function _checkAndRecord(
        uint256 modelId,
        uint256 numOutputs,
        uint256 extensions,
        uint256 commitment,
        uint256[] calldata publicSignals
    ) private returns (address subject, uint256 nonce) {
        _checkFieldAndCommitment(modelId, numOutputs, commitment, publicSignals);
        // Attested and public-input models only; plain models pay this one test.
        if (extensions != 0) _checkExtensions(modelId, numOutputs, extensions, publicSignals);
        bytes32 key;
        uint256 word;
        (subject, nonce, key, word) = _checkStatement(modelId, numOutputs, publicSignals);
        _nonceWords[key] = word;
    }

    /**
     * @dev Checks that `modelId` is Active. Returns its verifier, number of outputs, packed extensions
     * (for {_checkExtensions}) and the number of public signals one statement has.
     */
    function _readModel(uint256 modelId, Model storage model)
        private
        view
        returns (IInferenceVerifier verifier, uint256 numOutputs, uint256 extensions, uint256 signalCount)
    {
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
        unchecked {
            signalCount = numOutputs + PublicSignals.BINDING_FIELDS;
            if (extensions != 0) {
                if (uint8(extensions) != 0) signalCount += PublicSignals.ATTESTATION_FIELDS;
                signalCount += uint16(extensions >> 8);
            }
        }
    }

    /**
     * @dev Checks that `publicSignals` (one statement) holds only field elements and carries the model's
     * `commitment`.
     */
    function _checkFieldAndCommitment(
        uint256 modelId,
        uint256 numOutputs,
        uint256 commitment,
        uint256[] calldata publicSignals
    ) private pure {
        // Every signal, whatever the verifier checks: x and x + r are the same field element, so an
        // unreduced signal would let one proof pass for several statements (a fresh nonce, another
        // subject) or feed a consumer an output that decodes differently.
        uint256 firstBad = _firstSignalNotInField(publicSignals);
        if (firstBad != publicSignals.length) revert InferenceHubSignalNotInField(firstBad, publicSignals[firstBad]);

        uint256 actual = _signalAt(publicSignals, PublicSignals.commitmentIndex(numOutputs));
        if (actual != commitment) revert InferenceHubCommitmentMismatch(modelId, commitment, actual);
    }

    /**
     * @dev The checks of an attested model ({_checkAttestation}) or of a model with public inputs
     * ({_checkPublicInputs}); `extensions` is the record's packed (attested, numPublicInputs,
     * publicInputBits), see {_readModel}. Plain models never get here.
     */
    function _checkExtensions(uint256 modelId, uint256 numOutputs, uint256 extensions, uint256[] calldata publicSignals)
        private
        view
    {
        if (uint8(extensions) != 0) _checkAttestation(modelId, numOutputs, publicSignals);
        uint256 numPublicInputs = uint16(extensions >> 8);
        if (numPublicInputs != 0) {
            _checkPublicInputs(modelId, numOutputs, numPublicInputs, uint8(extensions >> 24), publicSignals);
        }
    }

    /**
     * @dev For a model with public inputs: every one lies in the signed interval [-2^B, 2^B) it was
     * registered with. The circuit does not range-check its public inputs (that would cost more
     * constraints than the layers of an MNIST-sized MLP); the compiler proved that no intermediate wraps
     * around the field for any input in that interval, so with this check the proof's outputs are the
     * model's integer outputs on exactly the inputs in the signals.
     */
    function _checkPublicInputs(
        uint256 modelId,
        uint256 numOutputs,
        uint256 numPublicInputs,
        uint256 bits,
        uint256[] calldata publicSignals
    ) private pure {
        uint256 first = PublicSignals.publicInputsIndex(numOutputs);
        for (uint256 i; i < numPublicInputs; ++i) {
            uint256 x = _signalAt(publicSignals, first + i);
            if (!PublicSignals.inSignedBits(x, bits)) revert InferenceHubPublicInputOutOfRange(modelId, i, x);
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
        (uint256 issuedAt, uint256 expiresAt) =
            PublicSignals.unpackValidity(_signalAt(publicSignals, PublicSignals.validityIndex(numOutputs)));
        if (block.timestamp < issuedAt) revert InferenceHubAttestationNotYetValid(modelId, issuedAt, block.timestamp);
        if (block.timestamp >= expiresAt) revert InferenceHubAttestationExpired(modelId, expiresAt, block.timestamp);
    }

    /**
     * @dev Decodes the statement's subject and nonce, and checks that the statement was never verified.
     * Returns them with the key of the statement's nonce word and that word with the nonce's bit set.
     * `publicSignals` has `numOutputs + 4` signals or more.
     */
    function _checkStatement(uint256 modelId, uint256 numOutputs, uint256[] calldata publicSignals)
        private
        view
        returns (address subject, uint256 nonce, bytes32 key, uint256 word)
    {
        uint256 subjectSignal = _signalAt(publicSignals, PublicSignals.subjectIndex(numOutputs));
        if (subjectSignal > type(uint160).max) revert InferenceHubInvalidSubject(subjectSignal);
        subject = address(uint160(subjectSignal));

        // The replay key is the statement, never the proof bytes: Groth16 proofs can be re-randomised
        // into other valid proofs of the same statement.
        nonce = _signalAt(publicSignals, PublicSignals.nonceIndex(numOutputs));
        key = _nonceWordKey(modelId, subject, nonce);
        word = _nonceWords[key];
        uint256 bit = 1 << (nonce & 0xff);
        if (word & bit != 0) revert InferenceHubNonceUsed(modelId, subject, nonce);
        word |= bit;
    }

    /// @dev Index of the first signal >= r, or the number of signals if there is none.
    function _firstSignalNotInField(uint256[] calldata publicSignals) private pure returns (uint256 i) {
        uint256 modulus = PublicSignals.FIELD_MODULUS;
        // Assembly: a plain loop over calldata, without Solidity's per-element bounds checks.
        assembly ("memory-safe") {
            for {} lt(i, publicSignals.length) { i := add(i, 1) } {
                if iszero(lt(calldataload(add(publicSignals.offset, shl(5, i))), modulus)) { break }
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
    function _verify(IInferenceVerifier verifier, bytes calldata proof, uint256[] calldata publicSignals)
        private
        view
        returns (bool valid)
    {
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
     * @dev After a verified batch: {InferenceVerified} and the consumer's call for each statement, in
     * batch order (statements of `signalCount` signals, checked by {verifyAndActBatch}).
     */
    function _actBatch(
        uint256 modelId,
        IInferenceConsumer consumer,
        uint256 numOutputs,
        uint256 signalCount,
        uint256[] calldata publicSignals
    ) private {
        for (uint256 start; start < publicSignals.length; start += signalCount) {
            _act(modelId, consumer, numOutputs, publicSignals[start:start + signalCount]);
        }
    }

    /// @dev {InferenceVerified} and the consumer's call for one verified statement.
    function _act(uint256 modelId, IInferenceConsumer consumer, uint256 numOutputs, uint256[] calldata signals) private {
        address subject = address(uint160(_signalAt(signals, PublicSignals.subjectIndex(numOutputs))));
        uint256 nonce = _signalAt(signals, PublicSignals.nonceIndex(numOutputs));
        emit InferenceVerified(modelId, subject, nonce);
        if (address(consumer) != address(0)) _callConsumer(consumer, modelId, subject, nonce, signals[:numOutputs]);
    }

    /**
     * @dev `verifier.verifyBatch(proofs, publicSignals)`. A verifier without it (another proof system)
     * reverts without data, reported as {InferenceHubBatchNotSupported}; any other revert bubbles up.
     */
    function _verifyBatch(uint256 modelId, IInferenceVerifier verifier, bytes calldata proofs, uint256[] calldata publicSignals)
        private
        view
        returns (bool)
    {
        (bool success, bytes memory result) =
            address(verifier).staticcall(abi.encodeCall(IBatchInferenceVerifier.verifyBatch, (proofs, publicSignals)));
        if (!success) {
            if (result.length == 0) revert InferenceHubBatchNotSupported(modelId);
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result.length == 0x20 && abi.decode(result, (uint256)) == 1;
    }

    /**
     * @dev `consumer.onInferenceVerified(modelId, subject, nonce, outputs)`, ABI-encoded by hand (a few
     * hundred gas cheaper than the high-level call). A revert bubbles up unchanged. No code-size check:
     * {setConsumer} only accepts contracts, and code cannot disappear afterwards (EIP-6780).
     */
    function _callConsumer(
        IInferenceConsumer consumer,
        uint256 modelId,
        address subject,
        uint256 nonce,
        uint256[] calldata outputs
    ) private {
        bytes4 selector = IInferenceConsumer.onInferenceVerified.selector;
        assembly ("memory-safe") {
            // onInferenceVerified(uint256,address,uint256,uint256[]): selector, 3 static words, the
            // offset of the array (4 head words), then its length and elements.
            let ptr := mload(0x40)
            let outputsSize := shl(5, outputs.length)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), modelId)
            mstore(add(ptr, 0x24), subject)
            mstore(add(ptr, 0x44), nonce)
            mstore(add(ptr, 0x64), 0x80)
            mstore(add(ptr, 0x84), outputs.length)
            calldatacopy(add(ptr, 0xa4), outputs.offset, outputsSize)
            if iszero(call(gas(), consumer, 0, ptr, add(0xa4, outputsSize), 0x00, 0x00)) {
                returndatacopy(ptr, 0x00, returndatasize())
                revert(ptr, returndatasize())
            }
        }
    }

    /// @dev The bitmap word of (modelId, subject, nonce / 256): keccak256(abi.encode(modelId, subject,
    /// nonce >> 8)), hashed in scratch memory instead of an allocated buffer.
    function _nonceWordKey(uint256 modelId, address subject, uint256 nonce) private pure returns (bytes32 key) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, modelId)
            mstore(add(ptr, 0x20), subject)
            mstore(add(ptr, 0x40), shr(8, nonce))
            key := keccak256(ptr, 0x60)
        }
    }
}
