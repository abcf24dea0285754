// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceVerifier} from "./interfaces/IInferenceVerifier.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IAggregatedRegistry} from "./interfaces/IAggregatedInference.sol";
import {AggregatedSignals} from "./libraries/AggregatedSignals.sol";
import {PublicSignals} from "./libraries/PublicSignals.sol";

/**
 * @title ModelRegistry
 * @notice Registered models, their owners and their lifecycle. See {IModelRegistry}.
 * @dev Abstract: it is deployed as part of {InferenceHub}, which reads the models from its own storage.
 *
 * Ownership is per model, set at registration and moved in two steps. A change of verifier or
 * commitment, of consumer, or a newly trusted attester is timelocked by {updateDelay}, fixed at
 * deployment so that no owner can shorten it (only a model's first consumer applies at once; an attested
 * model's first attesters are named at registration). {_requireMutableModel} is the single gate every owner's change passes.
 *
 * Everything added for the lifecycle lives in its own mappings, never in {Model}: the hub reads three
 * slots of {Model} on every verification and none of these.
 */
abstract contract ModelRegistry is IModelRegistry, IAggregatedRegistry {
    uint64 private immutable _updateDelay;
    uint256 private _modelCount;
    mapping(uint256 modelId => Model) private _models;
    mapping(uint256 modelId => mapping(uint32 version => ModelVersion)) private _versions;
    mapping(uint256 modelId => PendingUpdate) private _pendingUpdates;
    mapping(uint256 modelId => address) private _pendingOwners;
    mapping(uint256 modelId => mapping(uint256 attesterKeyHash => AttesterStatus)) private _attesters;
    mapping(uint256 modelId => PendingConsumer) private _pendingConsumers;
    mapping(uint256 modelId => mapping(uint256 attesterKeyHash => uint64 readyAt)) private _pendingAttesters;
    /// @dev Bit {_CONSUMER_SET}: whether a model has had a consumer once, so that only its first
    /// consumer skips the timelock.
    mapping(uint256 modelId => uint256) private _configured;
    /// @dev Range `group` of a model's public inputs ({PublicInputRange}), one slot each. A mapping
    /// rather than an array: the hub knows the input count, so it never reads a length slot.
    mapping(uint256 modelId => mapping(uint256 group => PublicInputRange)) private _inputRanges;

    /// @dev The aggregated verifier in force per (model, batch size), and its output layout (docs/AGGREGATION.md).
    mapping(uint256 modelId => mapping(uint256 n => AggregatedVerifier)) private _aggregated;
    mapping(uint256 modelId => mapping(uint256 n => uint256[])) private _aggregatedLayouts;
    mapping(uint256 modelId => mapping(uint256 n => PendingAggregatedVerifier)) private _pendingAggregated;

    uint256 private constant _CONSUMER_SET = 1;

    /// @param updateDelay_ Seconds between announcing an update and applying it.
    constructor(uint64 updateDelay_) {
        _updateDelay = updateDelay_;
    }

    /// @dev See {IModelRegistry-registerModel}.
    function registerModel(
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint16 numOutputs,
        string calldata metadataURI
    ) external virtual returns (uint256 modelId) {
        return _register(verifier, modelCommitment, numOutputs, metadataURI, false);
    }

    /// @dev See {IModelRegistry-registerAttestedModel}.
    function registerAttestedModel(
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint16 numOutputs,
        uint256[] calldata attesterKeyHashes,
        string calldata metadataURI
    ) external virtual returns (uint256 modelId) {
        modelId = _register(verifier, modelCommitment, numOutputs, metadataURI, true);
        emit ModelAttestationRequired(modelId);
        // Trusted at once: the model did not exist a moment ago, so no consumer or user can have relied
        // on its attester set. Every later attester goes through the timelock ({trustAttester}).
        for (uint256 i; i < attesterKeyHashes.length; ++i) {
            uint256 keyHash = attesterKeyHashes[i];
            _requireTrustable(modelId, keyHash);
            _attesters[modelId][keyHash] = AttesterStatus.Trusted;
            emit AttesterTrusted(modelId, keyHash);
        }
    }

    /// @dev See {IModelRegistry-registerPublicInputModel}.
    function registerPublicInputModel(
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint16 numOutputs,
        uint8 publicInputBits,
        PublicInputRange[] calldata ranges,
        string calldata metadataURI
    ) external virtual returns (uint256 modelId) {
        uint256 numPublicInputs;
        for (uint256 g; g < ranges.length; ++g) numPublicInputs += ranges[g].count;
        // B <= 250 keeps 2^B and the ranges' widths far from overflowing the hub's word arithmetic.
        if (
            numPublicInputs == 0 || numPublicInputs > type(uint16).max || publicInputBits == 0 || publicInputBits > 250
        ) {
            revert ModelRegistryInvalidPublicInputs(numPublicInputs, publicInputBits);
        }
        modelId = _register(verifier, modelCommitment, numOutputs, metadataURI, false);
        Model storage model = _models[modelId];
        model.numPublicInputs = uint16(numPublicInputs);
        model.publicInputBits = publicInputBits;
        // Each range inside [-2^B, 2^B): the overflow analysis covers nothing wider.
        int256 bound = int256(1 << publicInputBits);
        for (uint256 g; g < ranges.length; ++g) {
            PublicInputRange calldata range = ranges[g];
            if (range.count == 0 || range.min > range.max || range.min < -bound || range.max >= bound) {
                revert ModelRegistryInvalidPublicInputRange(g, range.count, range.min, range.max);
            }
            _inputRanges[modelId][g] = range;
        }
        emit ModelPublicInputsDeclared(modelId, uint16(numPublicInputs), publicInputBits);
    }

    /// @dev See {IModelRegistry-publicInputRanges}.
    function publicInputRanges(uint256 modelId) external view virtual returns (PublicInputRange[] memory ranges) {
        uint256 n = _models[modelId].numPublicInputs;
        uint256 groups;
        for (uint256 seen; seen < n; ++groups) seen += _inputRanges[modelId][groups].count;
        ranges = new PublicInputRange[](groups);
        for (uint256 g; g < groups; ++g) ranges[g] = _inputRanges[modelId][g];
    }

    /// @dev See {IModelRegistry-announceAttester}.
    function announceAttester(uint256 modelId, uint256 attesterKeyHash) external virtual returns (uint64 readyAt) {
        _requireTrustable(modelId, attesterKeyHash);
        readyAt = uint64(block.timestamp) + _updateDelay;
        _pendingAttesters[modelId][attesterKeyHash] = readyAt;
        emit AttesterTrustAnnounced(modelId, attesterKeyHash, readyAt);
    }

    /// @dev See {IModelRegistry-trustAttester}.
    function trustAttester(uint256 modelId, uint256 attesterKeyHash) external virtual {
        _requireTrustable(modelId, attesterKeyHash);
        // The first one after registration too: the model's consumer may already be acting on its
        // statements, and "no attester" -> "this attester" changes what it acts on (docs/SECURITY.md C20).
        uint64 readyAt = _pendingAttesters[modelId][attesterKeyHash];
        if (readyAt == 0) revert ModelRegistryAttesterNotAnnounced(modelId, attesterKeyHash);
        if (block.timestamp < readyAt) revert ModelRegistryAttesterNotReady(modelId, attesterKeyHash, readyAt);
        delete _pendingAttesters[modelId][attesterKeyHash];
        _attesters[modelId][attesterKeyHash] = AttesterStatus.Trusted;
        emit AttesterTrusted(modelId, attesterKeyHash);
    }

    /// @dev See {IModelRegistry-pendingAttester}.
    function pendingAttester(uint256 modelId, uint256 attesterKeyHash) external view virtual returns (uint64) {
        return _pendingAttesters[modelId][attesterKeyHash];
    }

    /// @dev See {IModelRegistry-revokeAttester}.
    function revokeAttester(uint256 modelId, uint256 attesterKeyHash) external virtual {
        _requireMutableModel(modelId);
        if (_attesters[modelId][attesterKeyHash] != AttesterStatus.Trusted) {
            revert ModelRegistryAttesterNotTrusted(modelId, attesterKeyHash);
        }
        _attesters[modelId][attesterKeyHash] = AttesterStatus.Revoked;
        emit AttesterRevoked(modelId, attesterKeyHash);
    }

    /// @dev See {IModelRegistry-attesterStatus}.
    function attesterStatus(uint256 modelId, uint256 attesterKeyHash) external view virtual returns (AttesterStatus) {
        return _attesters[modelId][attesterKeyHash];
    }

    /// @dev See {IModelRegistry-announceConsumer}.
    function announceConsumer(uint256 modelId, IInferenceConsumer consumer) external virtual returns (uint64 readyAt) {
        _requireMutableModel(modelId);
        _validateConsumer(consumer);
        readyAt = uint64(block.timestamp) + _updateDelay;
        _pendingConsumers[modelId] = PendingConsumer(consumer, readyAt);
        emit ConsumerUpdateAnnounced(modelId, consumer, readyAt);
    }

    /// @dev See {IModelRegistry-setConsumer}.
    function setConsumer(uint256 modelId, IInferenceConsumer consumer) external virtual {
        Model storage model = _requireMutableModel(modelId);
        _validateConsumer(consumer);
        uint256 configured = _configured[modelId];
        if (configured & _CONSUMER_SET != 0) {
            PendingConsumer memory pending = _pendingConsumers[modelId];
            if (pending.readyAt == 0 || address(pending.consumer) != address(consumer)) {
                revert ModelRegistryConsumerNotAnnounced(modelId, address(consumer));
            }
            if (block.timestamp < pending.readyAt) {
                revert ModelRegistryConsumerNotReady(modelId, address(consumer), pending.readyAt);
            }
            delete _pendingConsumers[modelId];
        } else if (address(consumer) != address(0)) {
            _configured[modelId] = configured | _CONSUMER_SET;
        }
        model.consumer = consumer;
        emit ModelConsumerUpdated(modelId, consumer);
    }

    /// @dev See {IModelRegistry-pendingConsumer}.
    function pendingConsumer(uint256 modelId) external view virtual returns (PendingConsumer memory) {
        return _pendingConsumers[modelId];
    }

    /// @dev See {IModelRegistry-announceModelUpdate}.
    function announceModelUpdate(
        uint256 modelId,
        IInferenceVerifier verifier,
        uint256 modelCommitment
    ) external virtual returns (uint64 readyAt) {
        _requireMutableModel(modelId);
        bytes32 codeHash = _validateVerification(verifier, modelCommitment);
        PendingUpdate storage pending = _pendingUpdates[modelId];
        if (pending.readyAt != 0) revert ModelRegistryUpdatePending(modelId, pending.readyAt);

        readyAt = uint64(block.timestamp) + _updateDelay;
        _pendingUpdates[modelId] = PendingUpdate(verifier, readyAt, modelCommitment, codeHash);
        emit ModelUpdateAnnounced(modelId, verifier, modelCommitment, readyAt);
    }

    /// @dev See {IModelRegistry-applyModelUpdate}.
    function applyModelUpdate(uint256 modelId) external virtual returns (uint32 version) {
        Model storage model = _requireMutableModel(modelId);
        PendingUpdate memory pending = _pendingUpdates[modelId];
        if (pending.readyAt == 0) revert ModelRegistryNoPendingUpdate(modelId);
        if (block.timestamp < pending.readyAt) revert ModelRegistryUpdateNotReady(modelId, pending.readyAt);
        // The timelock showed everyone this code: a verifier whose code differs now (deployed at an
        // address that was announced early, or a pre-EIP-6780 metamorphic contract) is refused.
        bytes32 codeHash = address(pending.verifier).codehash;
        if (codeHash != pending.verifierCodeHash) {
            revert ModelRegistryVerifierCodeChanged(
                modelId,
                address(pending.verifier),
                pending.verifierCodeHash,
                codeHash
            );
        }

        delete _pendingUpdates[modelId];
        version = model.version + 1;
        model.verifier = pending.verifier;
        model.version = version;
        model.modelCommitment = pending.modelCommitment;
        model.verifierCodeHash = codeHash;
        _versions[modelId][version] = ModelVersion(
            pending.verifier,
            uint64(block.timestamp),
            pending.modelCommitment,
            codeHash
        );
        emit ModelUpdated(modelId, version, pending.verifier, pending.modelCommitment);
    }

    /// @dev See {IModelRegistry-cancelModelUpdate}.
    function cancelModelUpdate(uint256 modelId) external virtual {
        _requireMutableModel(modelId);
        PendingUpdate memory pending = _pendingUpdates[modelId];
        if (pending.readyAt == 0) revert ModelRegistryNoPendingUpdate(modelId);
        delete _pendingUpdates[modelId];
        emit ModelUpdateCancelled(modelId, pending.verifier, pending.modelCommitment);
    }

    /// @dev See {IModelRegistry-transferModelOwnership}.
    function transferModelOwnership(uint256 modelId, address newOwner) external virtual {
        Model storage model = _requireMutableModel(modelId);
        if (newOwner == address(0)) revert ModelRegistryInvalidOwner(newOwner);
        _pendingOwners[modelId] = newOwner;
        emit ModelOwnershipTransferStarted(modelId, model.owner, newOwner);
    }

    /// @dev See {IModelRegistry-acceptModelOwnership}.
    function acceptModelOwnership(uint256 modelId) external virtual {
        Model storage model = _models[modelId];
        ModelStatus status = model.status;
        if (status == ModelStatus.None) revert ModelRegistryUnknownModel(modelId);
        if (_pendingOwners[modelId] != msg.sender) revert ModelRegistryUnauthorizedAccount(modelId, msg.sender);
        if (status == ModelStatus.Retired) revert ModelRegistryUnexpectedStatus(modelId, status);

        address previousOwner = model.owner;
        delete _pendingOwners[modelId];
        model.owner = msg.sender;
        emit ModelOwnershipTransferred(modelId, previousOwner, msg.sender);
    }

    /// @dev See {IModelRegistry-pauseModel}.
    function pauseModel(uint256 modelId) external virtual {
        Model storage model = _requireMutableModel(modelId);
        if (model.status != ModelStatus.Active) revert ModelRegistryUnexpectedStatus(modelId, model.status);
        model.status = ModelStatus.Paused;
        emit ModelPaused(modelId);
    }

    /// @dev See {IModelRegistry-unpauseModel}.
    function unpauseModel(uint256 modelId) external virtual {
        Model storage model = _requireMutableModel(modelId);
        if (model.status != ModelStatus.Paused) revert ModelRegistryUnexpectedStatus(modelId, model.status);
        model.status = ModelStatus.Active;
        emit ModelUnpaused(modelId);
    }

    /// @dev See {IModelRegistry-retireModel}.
    function retireModel(uint256 modelId) external virtual {
        Model storage model = _requireMutableModel(modelId);
        model.status = ModelStatus.Retired;
        emit ModelRetired(modelId);
    }

    /// @dev See {IModelRegistry-getModel}.
    function getModel(uint256 modelId) external view virtual returns (Model memory) {
        Model storage model = _models[modelId];
        if (model.status == ModelStatus.None) revert ModelRegistryUnknownModel(modelId);
        return model;
    }

    /// @dev See {IModelRegistry-modelCount}.
    function modelCount() external view virtual returns (uint256) {
        return _modelCount;
    }

    /// @dev See {IModelRegistry-getModelVersion}.
    function getModelVersion(uint256 modelId, uint32 version) external view virtual returns (ModelVersion memory v) {
        v = _versions[modelId][version];
        if (address(v.verifier) == address(0)) revert ModelRegistryUnknownVersion(modelId, version);
    }

    /// @dev See {IModelRegistry-pendingModelUpdate}.
    function pendingModelUpdate(uint256 modelId) external view virtual returns (PendingUpdate memory) {
        return _pendingUpdates[modelId];
    }

    /// @dev See {IModelRegistry-pendingModelOwner}.
    function pendingModelOwner(uint256 modelId) external view virtual returns (address) {
        return _pendingOwners[modelId];
    }

    /// @dev See {IModelRegistry-updateDelay}.
    function updateDelay() external view virtual returns (uint64) {
        return _updateDelay;
    }

    /// @dev See {IAggregatedRegistry-announceAggregatedVerifier}.
    function announceAggregatedVerifier(
        uint256 modelId,
        uint256 n,
        IInferenceVerifier verifier,
        uint256[] calldata outputLayout
    ) external virtual returns (uint64 readyAt) {
        Model storage model = _requireMutableModel(modelId);
        if (!AggregatedSignals.isSize(n)) revert ModelRegistryInvalidAggregationSize(n);
        if (model.attested || model.numPublicInputs != 0) revert ModelRegistryAggregationNotSupported(modelId);
        if (outputLayout.length != model.numOutputs) {
            revert ModelRegistryInvalidOutputLayout(modelId, model.numOutputs, outputLayout.length);
        }
        for (uint256 j; j < outputLayout.length; ++j) {
            (uint256 bits, ) = AggregatedSignals.unpackLayout(outputLayout[j]);
            if (bits > AggregatedSignals.OUTPUT_WORD_BITS) {
                revert ModelRegistryInvalidOutputLayout(modelId, model.numOutputs, outputLayout.length);
            }
        }
        bytes32 codeHash = _validateVerification(verifier, model.modelCommitment);
        readyAt = uint64(block.timestamp) + _updateDelay;
        _pendingAggregated[modelId][n] = PendingAggregatedVerifier(verifier, readyAt, codeHash, outputLayout);
        emit AggregatedVerifierAnnounced(modelId, n, verifier, readyAt);
    }

    /// @dev See {IAggregatedRegistry-applyAggregatedVerifier}.
    function applyAggregatedVerifier(uint256 modelId, uint256 n) external virtual {
        _requireMutableModel(modelId);
        PendingAggregatedVerifier storage pending = _pendingAggregated[modelId][n];
        uint64 readyAt = pending.readyAt;
        if (readyAt == 0) revert ModelRegistryAggregatedVerifierNotAnnounced(modelId, n);
        if (block.timestamp < readyAt) revert ModelRegistryAggregatedVerifierNotReady(modelId, n, readyAt);
        IInferenceVerifier verifier = pending.verifier;
        // As for the model's own verifier: the code everyone saw during the timelock, or nothing.
        bytes32 codeHash = address(verifier).codehash;
        if (codeHash != pending.verifierCodeHash) {
            revert ModelRegistryVerifierCodeChanged(modelId, address(verifier), pending.verifierCodeHash, codeHash);
        }
        uint256[] memory entries = pending.outputLayout;
        delete _pendingAggregated[modelId][n];
        // Output words per slot: a uint16 (at most one per output, and numOutputs is a uint16).
        _aggregated[modelId][n] = AggregatedVerifier(
            verifier,
            uint16(1 + AggregatedSignals.outputWords(entries)),
            codeHash
        );
        _aggregatedLayouts[modelId][n] = entries;
        emit AggregatedVerifierUpdated(modelId, n, verifier);
    }

    /// @dev See {IAggregatedRegistry-removeAggregatedVerifier}.
    function removeAggregatedVerifier(uint256 modelId, uint256 n) external virtual {
        _requireMutableModel(modelId);
        delete _aggregated[modelId][n];
        delete _aggregatedLayouts[modelId][n];
        delete _pendingAggregated[modelId][n];
        emit AggregatedVerifierRemoved(modelId, n);
    }

    /// @dev See {IAggregatedRegistry-aggregatedVerifier}.
    function aggregatedVerifier(
        uint256 modelId,
        uint256 n
    ) external view virtual returns (AggregatedVerifier memory record, uint256[] memory outputLayout) {
        return (_aggregated[modelId][n], _aggregatedLayouts[modelId][n]);
    }

    /// @dev See {IAggregatedRegistry-pendingAggregatedVerifier}.
    function pendingAggregatedVerifier(
        uint256 modelId,
        uint256 n
    ) external view virtual returns (PendingAggregatedVerifier memory) {
        return _pendingAggregated[modelId][n];
    }

    /// @dev The aggregated verifier record of (modelId, n), for the hub.
    function _aggregatedRecord(uint256 modelId, uint256 n) internal view returns (AggregatedVerifier storage) {
        return _aggregated[modelId][n];
    }

    /// @dev The output layout of (modelId, n), for the hub (read only when a consumer is called).
    function _aggregatedLayout(uint256 modelId, uint256 n) internal view returns (uint256[] storage) {
        return _aggregatedLayouts[modelId][n];
    }

    /**
     * @dev Storage pointer to `modelId`, without any check (an unknown id has status None). For the hub,
     * which reads only the fields it needs, each slot once.
     */
    function _model(uint256 modelId) internal view returns (Model storage) {
        return _models[modelId];
    }

    /// @dev Range `group` of the public inputs of `modelId`, for the hub (one cold slot).
    function _publicInputRange(uint256 modelId, uint256 group) internal view returns (PublicInputRange storage) {
        return _inputRanges[modelId][group];
    }

    /// @dev Trust of `attesterKeyHash` for `modelId`, for the hub (one cold slot).
    function _attesterStatus(uint256 modelId, uint256 attesterKeyHash) internal view returns (AttesterStatus) {
        return _attesters[modelId][attesterKeyHash];
    }

    /// @dev Shared by {registerModel} and {registerAttestedModel}.
    function _register(
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint16 numOutputs,
        string calldata metadataURI,
        bool attested
    ) private returns (uint256 modelId) {
        bytes32 codeHash = _validateVerification(verifier, modelCommitment);
        if (numOutputs == 0) revert ModelRegistryInvalidNumOutputs(numOutputs);

        modelId = ++_modelCount;
        Model storage model = _models[modelId];
        model.verifier = verifier;
        model.status = ModelStatus.Active;
        model.numOutputs = numOutputs;
        model.version = 1;
        model.attested = attested;
        model.modelCommitment = modelCommitment;
        model.owner = msg.sender;
        model.metadataURI = metadataURI;
        model.verifierCodeHash = codeHash;
        _versions[modelId][1] = ModelVersion(verifier, uint64(block.timestamp), modelCommitment, codeHash);
        emit ModelRegistered(modelId, msg.sender, verifier, modelCommitment, numOutputs, metadataURI);
    }

    /**
     * @dev Returns `modelId` for a change by the caller: reverts unless it exists, the caller owns it,
     * and it is not Retired (retirement is terminal).
     */
    function _requireMutableModel(uint256 modelId) private view returns (Model storage model) {
        model = _models[modelId];
        ModelStatus status = model.status;
        if (status == ModelStatus.None) revert ModelRegistryUnknownModel(modelId);
        if (model.owner != msg.sender) revert ModelRegistryUnauthorizedAccount(modelId, msg.sender);
        if (status == ModelStatus.Retired) revert ModelRegistryUnexpectedStatus(modelId, status);
    }

    /**
     * @dev A verifier must have code and a commitment must be a field element for any proof to match.
     * Returns the verifier's code hash, pinned in the record.
     */
    function _validateVerification(
        IInferenceVerifier verifier,
        uint256 modelCommitment
    ) private view returns (bytes32 codeHash) {
        // An account without code has EXTCODEHASH 0 (never used) or keccak256("") (used, e.g. an EOA):
        // code deployed there later would not be the code anyone reviewed during the timelock.
        if (address(verifier).code.length == 0) revert ModelRegistryInvalidVerifier(address(verifier));
        if (modelCommitment >= PublicSignals.FIELD_MODULUS) revert ModelRegistryInvalidCommitment(modelCommitment);
        codeHash = address(verifier).codehash;
    }

    /// @dev The hub calls the consumer without a code-size check (a cold EXTCODESIZE on every
    /// verification), so an account without code is refused here, once.
    function _validateConsumer(IInferenceConsumer consumer) private view {
        if (address(consumer) != address(0) && address(consumer).code.length == 0) {
            revert ModelRegistryInvalidConsumer(address(consumer));
        }
    }

    /// @dev The checks shared by {announceAttester} and {trustAttester}.
    function _requireTrustable(uint256 modelId, uint256 attesterKeyHash) private view {
        Model storage model = _requireMutableModel(modelId);
        if (!model.attested) revert ModelRegistryNotAttested(modelId);
        if (attesterKeyHash >= PublicSignals.FIELD_MODULUS) revert ModelRegistryInvalidAttesterKeyHash(attesterKeyHash);
        AttesterStatus status = _attesters[modelId][attesterKeyHash];
        if (status == AttesterStatus.Trusted) revert ModelRegistryAttesterAlreadyTrusted(modelId, attesterKeyHash);
        // A revoked key may have leaked: trusting it again would revive every signature it ever made.
        if (status == AttesterStatus.Revoked) revert ModelRegistryAttesterRevoked(modelId, attesterKeyHash);
    }
}
