// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceVerifier} from "./interfaces/IInferenceVerifier.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {PublicSignals} from "./libraries/PublicSignals.sol";

/**
 * @title ModelRegistry
 * @notice Registered models, their owners and their lifecycle. See {IModelRegistry}.
 * @dev Abstract: it is deployed as part of {InferenceHub}, which reads the models from its own storage.
 *
 * Ownership is per model, set at registration and moved in two steps. A change of verifier or
 * commitment is timelocked by {updateDelay}, fixed at deployment so that no owner can shorten it.
 * {_requireMutableModel} is the single gate every owner's change passes.
 *
 * Everything added for the lifecycle lives in its own mappings, never in {Model}: the hub reads three
 * slots of {Model} on every verification and none of these.
 */
abstract contract ModelRegistry is IModelRegistry {
    uint64 private immutable _updateDelay;
    uint256 private _modelCount;
    mapping(uint256 modelId => Model) private _models;
    mapping(uint256 modelId => mapping(uint32 version => ModelVersion)) private _versions;
    mapping(uint256 modelId => PendingUpdate) private _pendingUpdates;
    mapping(uint256 modelId => address) private _pendingOwners;
    mapping(uint256 modelId => mapping(uint256 attesterKeyHash => AttesterStatus)) private _attesters;

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
        string calldata metadataURI
    ) external virtual returns (uint256 modelId) {
        modelId = _register(verifier, modelCommitment, numOutputs, metadataURI, true);
        emit ModelAttestationRequired(modelId);
    }

    /// @dev See {IModelRegistry-registerPublicInputModel}.
    function registerPublicInputModel(
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint16 numOutputs,
        uint16 numPublicInputs,
        uint8 publicInputBits,
        string calldata metadataURI
    ) external virtual returns (uint256 modelId) {
        // B <= 250 keeps 2^(B + 1) and x + 2^B far from overflowing the hub's word arithmetic.
        if (numPublicInputs == 0 || publicInputBits == 0 || publicInputBits > 250) {
            revert ModelRegistryInvalidPublicInputs(numPublicInputs, publicInputBits);
        }
        modelId = _register(verifier, modelCommitment, numOutputs, metadataURI, false);
        Model storage model = _models[modelId];
        model.numPublicInputs = numPublicInputs;
        model.publicInputBits = publicInputBits;
        emit ModelPublicInputsDeclared(modelId, numPublicInputs, publicInputBits);
    }

    /// @dev See {IModelRegistry-trustAttester}.
    function trustAttester(uint256 modelId, uint256 attesterKeyHash) external virtual {
        Model storage model = _requireMutableModel(modelId);
        if (!model.attested) revert ModelRegistryNotAttested(modelId);
        if (attesterKeyHash >= PublicSignals.FIELD_MODULUS) revert ModelRegistryInvalidAttesterKeyHash(attesterKeyHash);
        AttesterStatus status = _attesters[modelId][attesterKeyHash];
        if (status == AttesterStatus.Trusted) revert ModelRegistryAttesterAlreadyTrusted(modelId, attesterKeyHash);
        // A revoked key may have leaked: trusting it again would revive every signature it ever made.
        if (status == AttesterStatus.Revoked) revert ModelRegistryAttesterRevoked(modelId, attesterKeyHash);
        _attesters[modelId][attesterKeyHash] = AttesterStatus.Trusted;
        emit AttesterTrusted(modelId, attesterKeyHash);
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

    /// @dev See {IModelRegistry-setConsumer}.
    function setConsumer(uint256 modelId, IInferenceConsumer consumer) external virtual {
        Model storage model = _requireMutableModel(modelId);
        // The hub calls the consumer without a code-size check (it would cost a cold EXTCODESIZE on
        // every verification), so an account without code is refused here, once.
        if (address(consumer) != address(0) && address(consumer).code.length == 0) {
            revert ModelRegistryInvalidConsumer(address(consumer));
        }
        model.consumer = consumer;
        emit ModelConsumerUpdated(modelId, consumer);
    }

    /// @dev See {IModelRegistry-announceModelUpdate}.
    function announceModelUpdate(uint256 modelId, IInferenceVerifier verifier, uint256 modelCommitment)
        external
        virtual
        returns (uint64 readyAt)
    {
        _requireMutableModel(modelId);
        _validateVerification(verifier, modelCommitment);
        PendingUpdate storage pending = _pendingUpdates[modelId];
        if (pending.readyAt != 0) revert ModelRegistryUpdatePending(modelId, pending.readyAt);

        readyAt = uint64(block.timestamp) + _updateDelay;
        _pendingUpdates[modelId] = PendingUpdate(verifier, readyAt, modelCommitment);
        emit ModelUpdateAnnounced(modelId, verifier, modelCommitment, readyAt);
    }

    /// @dev See {IModelRegistry-applyModelUpdate}.
    function applyModelUpdate(uint256 modelId) external virtual returns (uint32 version) {
        Model storage model = _requireMutableModel(modelId);
        PendingUpdate memory pending = _pendingUpdates[modelId];
        if (pending.readyAt == 0) revert ModelRegistryNoPendingUpdate(modelId);
        if (block.timestamp < pending.readyAt) revert ModelRegistryUpdateNotReady(modelId, pending.readyAt);

        delete _pendingUpdates[modelId];
        version = model.version + 1;
        model.verifier = pending.verifier;
        model.version = version;
        model.modelCommitment = pending.modelCommitment;
        _versions[modelId][version] = ModelVersion(pending.verifier, uint64(block.timestamp), pending.modelCommitment);
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

    /**
     * @dev Storage pointer to `modelId`, without any check (an unknown id has status None). For the hub,
     * which reads only the fields it needs, each slot once.
     */
    function _model(uint256 modelId) internal view returns (Model storage) {
        return _models[modelId];
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
        _validateVerification(verifier, modelCommitment);
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
        _versions[modelId][1] = ModelVersion(verifier, uint64(block.timestamp), modelCommitment);
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

    /// @dev A verifier must exist and a commitment must be a field element for any proof to match.
    function _validateVerification(IInferenceVerifier verifier, uint256 modelCommitment) private pure {
        if (address(verifier) == address(0)) revert ModelRegistryInvalidVerifier(address(verifier));
        if (modelCommitment >= PublicSignals.FIELD_MODULUS) revert ModelRegistryInvalidCommitment(modelCommitment);
    }
}
