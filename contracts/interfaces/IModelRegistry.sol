// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "./IInferenceConsumer.sol";
import {IInferenceVerifier} from "./IInferenceVerifier.sol";

/**
 * @title IModelRegistry
 * @notice The registry of models whose inferences the hub verifies.
 *
 * A model is registered once and identified by a sequential `modelId` starting at 1. Its owner (the
 * account that registered it) points it at a verifier and a model commitment, chooses a consumer, and
 * moves it through its lifecycle:
 *
 *   Active <-> Paused, and Active or Paused -> Retired (terminal).
 *
 * Only Active models have proofs accepted. Every change is recorded by an event.
 *
 * Consumers and traders rely on a model not changing under them without notice, so a new verifier
 * or commitment goes through a timelock: the owner announces it, everyone can see it for at least
 * {updateDelay}, then the owner applies it (or cancels it). Each applied update is a new version whose
 * verifier and commitment stay readable ({getModelVersion}): version n + 1 links to version n.
 * The same delay covers the other inputs a consumer relies on: a new consumer ({announceConsumer}, then
 * {setConsumer}) and a newly trusted attester ({announceAttester}, then {trustAttester}). An attested
 * model's first attesters are part of its registration ({registerAttestedModel}); every attester
 * trusted after it is announced, since a consumer may already act on the model's statements. Only the
 * first consumer of a model applies at once, and once: until then the hub calls nobody for the model,
 * and a consumer is built for one model id, so connecting it adds nothing its owner could not review
 * (docs/SECURITY.md, Contracts C20). Revoking a key is immediate: a leaked key must stop counting at once. Each version also pins its verifier's code hash
 * (EXTCODEHASH), checked when an update is applied.
 * Ownership moves in two steps (transfer, then accept by the new owner), so it cannot be lost to a
 * mistyped address.
 *
 * An attested model ({registerAttestedModel}) takes private inputs signed by an attester (e.g. a
 * credit bureau; docs/ATTESTATION.md). Its proofs carry two more public signals (attesterKeyHash and
 * validity, the packed issuedAt and expiresAt), and its owner keeps the set of attesters it trusts, keyed by the Poseidon
 * hash of the attester's Baby Jubjub public key: {trustAttester}, {revokeAttester}.
 */
interface IModelRegistry {
    /**
     * @dev Lifecycle of a model. `None` is the status of an id that was never registered.
     */
    enum ModelStatus {
        None,
        Active,
        Paused,
        Retired
    }

    /**
     * @dev Trust of an attester key for one model. `Revoked` is terminal: a revoked key (lost or
     * compromised) cannot be trusted again for that model; the attester makes a new key.
     */
    enum AttesterStatus {
        None,
        Trusted,
        Revoked
    }

    /**
     * @dev A registered model.
     *
     * The fields are ordered for storage packing: the hub reads `verifier`, `status`, `numOutputs`,
     * `version`, `attested`, `numPublicInputs` and `publicInputBits` (one slot, 31 bytes), `consumer` (one slot) and `modelCommitment` (one slot) on
     * every verification, and never `owner` or `metadataURI`. Keep it that way when adding fields.
     */
    struct Model {
        /// Verifier of the model's circuit.
        IInferenceVerifier verifier;
        /// Lifecycle status; only Active models have proofs accepted.
        ModelStatus status;
        /// Number of outputs k; proofs carry k + 4 public signals.
        uint16 numOutputs;
        /// Starts at 1, incremented by every applied update ({applyModelUpdate}).
        uint32 version;
        /// Proofs verify an attester's signature over the private inputs and carry k + 6 public
        /// signals (attesterKeyHash, validity appended). Fixed at registration.
        bool attested;
        /// Number of public inputs n appended after the nonce (0: private inputs); proofs then carry
        /// k + 4 + n public signals. Fixed at registration ({registerPublicInputModel}).
        uint16 numPublicInputs;
        /// With public inputs: B, such that every registered input range lies inside the signed
        /// interval [-2^B, 2^B) (the interval the model's overflow analysis covers). Fixed at registration.
        uint8 publicInputBits;
        /// Called after each verified inference; address(0) means none (the inference is recorded only).
        IInferenceConsumer consumer;
        /// Poseidon commitment to architecture, quantized weights and scales; the proof's
        /// `modelCommitment` signal must equal it. Always < r.
        uint256 modelCommitment;
        /// The account allowed to change the model.
        address owner;
        /// Off-chain description of the model (e.g. an ipfs:// URI of its spec and setup transcript).
        string metadataURI;
        /// EXTCODEHASH of `verifier` when it became current (registration or {applyModelUpdate}). Never
        /// read by the hub: since EIP-6780 (which the hub's transient storage already requires) deployed
        /// code cannot change, so pinning it at registration and at each update is enough.
        bytes32 verifierCodeHash;
    }

    /**
     * @dev The declared range of `count` consecutive public inputs, as quantized signed integers
     * [min, max]: the hub refuses a proof whose public input lies outside its range.
     */
    struct PublicInputRange {
        uint16 count;
        int120 min;
        int120 max;
    }

    /**
     * @dev A version of a model: what its proofs were checked against while it was current.
     */
    struct ModelVersion {
        IInferenceVerifier verifier;
        /// When this version became current (registration or {applyModelUpdate}).
        uint64 activatedAt;
        uint256 modelCommitment;
        /// EXTCODEHASH of `verifier` when this version became current.
        bytes32 verifierCodeHash;
    }

    /**
     * @dev An announced change of verifier and commitment, applicable from `readyAt`.
     */
    struct PendingUpdate {
        IInferenceVerifier verifier;
        /// Timestamp from which {applyModelUpdate} succeeds; 0 when nothing is pending.
        uint64 readyAt;
        uint256 modelCommitment;
        /// EXTCODEHASH of `verifier` when announced; {applyModelUpdate} refuses a verifier whose code differs.
        bytes32 verifierCodeHash;
    }

    /**
     * @dev An announced consumer, which {setConsumer} can make current from `readyAt`.
     */
    struct PendingConsumer {
        IInferenceConsumer consumer;
        /// 0 when nothing is pending.
        uint64 readyAt;
    }

    /**
     * @dev `modelId` was never registered.
     */
    error ModelRegistryUnknownModel(uint256 modelId);

    /**
     * @dev `account` is not the owner of `modelId`.
     */
    error ModelRegistryUnauthorizedAccount(uint256 modelId, address account);

    /**
     * @dev The operation is not allowed while `modelId` has `status` (e.g. pausing a paused model, or
     * changing a retired one).
     */
    error ModelRegistryUnexpectedStatus(uint256 modelId, ModelStatus status);

    /**
     * @dev The verifier is the zero address or an account without code.
     */
    error ModelRegistryInvalidVerifier(address verifier);

    /**
     * @dev The announced verifier of `modelId` no longer has the code it had when announced.
     */
    error ModelRegistryVerifierCodeChanged(uint256 modelId, address verifier, bytes32 announced, bytes32 actual);

    /**
     * @dev `modelId` already has a consumer: a new one must be announced ({announceConsumer}) and
     * applied after the delay; `consumer` is not the announced one.
     */
    error ModelRegistryConsumerNotAnnounced(uint256 modelId, address consumer);

    /**
     * @dev The consumer announced for `modelId` cannot be set before `readyAt`.
     */
    error ModelRegistryConsumerNotReady(uint256 modelId, address consumer, uint64 readyAt);

    /**
     * @dev `modelId` already trusted an attester: `attesterKeyHash` must be announced
     * ({announceAttester}) and trusted after the delay.
     */
    error ModelRegistryAttesterNotAnnounced(uint256 modelId, uint256 attesterKeyHash);

    /**
     * @dev `attesterKeyHash` was announced for `modelId` but cannot be trusted before `readyAt`.
     */
    error ModelRegistryAttesterNotReady(uint256 modelId, uint256 attesterKeyHash, uint64 readyAt);

    /**
     * @dev The model commitment is not an element of the BN254 scalar field (it is >= r), so no proof
     * could ever match it.
     */
    error ModelRegistryInvalidCommitment(uint256 modelCommitment);

    /**
     * @dev The consumer is neither the zero address nor a contract: a call to it could not act.
     */
    error ModelRegistryInvalidConsumer(address consumer);

    /**
     * @dev A model must have at least one output.
     */
    error ModelRegistryInvalidNumOutputs(uint256 numOutputs);

    /**
     * @dev `modelId` has no announced update to apply or cancel.
     */
    error ModelRegistryNoPendingUpdate(uint256 modelId);

    /**
     * @dev `modelId` already has an announced update, applicable from `readyAt`: cancel it first.
     */
    error ModelRegistryUpdatePending(uint256 modelId, uint64 readyAt);

    /**
     * @dev The announced update of `modelId` cannot be applied before `readyAt`.
     */
    error ModelRegistryUpdateNotReady(uint256 modelId, uint64 readyAt);

    /**
     * @dev `modelId` never had version `version`.
     */
    error ModelRegistryUnknownVersion(uint256 modelId, uint32 version);

    /**
     * @dev The new owner is the zero address (use {retireModel} to give a model up).
     */
    error ModelRegistryInvalidOwner(address owner);

    /**
     * @dev `modelId` is not an attested model: it has no attesters to trust or revoke.
     */
    error ModelRegistryNotAttested(uint256 modelId);

    /**
     * @dev The attester key hash is not an element of the BN254 scalar field (it is >= r), so no
     * proof could ever carry it.
     */
    error ModelRegistryInvalidAttesterKeyHash(uint256 attesterKeyHash);

    /**
     * @dev `attesterKeyHash` is already trusted for `modelId`.
     */
    error ModelRegistryAttesterAlreadyTrusted(uint256 modelId, uint256 attesterKeyHash);

    /**
     * @dev `attesterKeyHash` is not trusted for `modelId` (never added, or already revoked), so it
     * cannot be revoked.
     */
    error ModelRegistryAttesterNotTrusted(uint256 modelId, uint256 attesterKeyHash);

    /**
     * @dev `attesterKeyHash` was revoked for `modelId`; revocation is final for a key.
     */
    error ModelRegistryAttesterRevoked(uint256 modelId, uint256 attesterKeyHash);

    /**
     * @dev A model with public inputs needs at least one and at most 65,535 (`numPublicInputs`, the sum
     * of the ranges' counts) and a bound B with 1 <= B <= 250 (`publicInputBits`).
     */
    error ModelRegistryInvalidPublicInputs(uint256 numPublicInputs, uint256 publicInputBits);

    /**
     * @dev Public-input range `index` is empty (count 0), has min > max, or leaves [-2^B, 2^B).
     */
    error ModelRegistryInvalidPublicInputRange(uint256 index, uint256 count, int256 min, int256 max);

    /**
     * @dev Emitted when `owner` registers `modelId`. Its status is Active and its version 1.
     */
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint16 numOutputs,
        string metadataURI
    );

    /**
     * @dev Emitted when the owner of `modelId` announces a new verifier and commitment, which
     * {applyModelUpdate} can make current from `readyAt`.
     */
    event ModelUpdateAnnounced(
        uint256 indexed modelId,
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint64 readyAt
    );

    /**
     * @dev Emitted when the owner of `modelId` cancels its announced update.
     */
    event ModelUpdateCancelled(uint256 indexed modelId, IInferenceVerifier verifier, uint256 modelCommitment);

    /**
     * @dev Emitted right after {ModelRegistered} when `modelId` is registered as an attested model:
     * its proofs must carry a trusted attester's signature.
     */
    event ModelAttestationRequired(uint256 indexed modelId);

    /**
     * @dev Emitted after {ModelRegistered} when the model takes `numPublicInputs` public inputs, each
     * bounded to [-2^publicInputBits, 2^publicInputBits).
     */
    event ModelPublicInputsDeclared(uint256 indexed modelId, uint16 numPublicInputs, uint8 publicInputBits);

    /**
     * @dev Emitted when the owner of `modelId` announces `consumer`, which {setConsumer} can make current
     * from `readyAt`.
     */
    event ConsumerUpdateAnnounced(uint256 indexed modelId, IInferenceConsumer consumer, uint64 readyAt);

    /**
     * @dev Emitted when the owner of `modelId` announces that it will trust `attesterKeyHash` from `readyAt`.
     */
    event AttesterTrustAnnounced(uint256 indexed modelId, uint256 indexed attesterKeyHash, uint64 readyAt);

    /**
     * @dev Emitted when the owner of `modelId` trusts the attester whose public key hashes to
     * `attesterKeyHash`: proofs over data it signed are accepted from now on.
     */
    event AttesterTrusted(uint256 indexed modelId, uint256 indexed attesterKeyHash);

    /**
     * @dev Emitted when the owner of `modelId` revokes `attesterKeyHash`: proofs over data it signed,
     * whenever signed, are rejected from now on, and the key cannot be trusted again.
     */
    event AttesterRevoked(uint256 indexed modelId, uint256 indexed attesterKeyHash);

    /**
     * @dev Emitted when an announced update of `modelId` is applied: `version` is current, and proofs
     * against the previous commitment are rejected from now on.
     */
    event ModelUpdated(uint256 indexed modelId, uint32 version, IInferenceVerifier verifier, uint256 modelCommitment);

    /**
     * @dev Emitted when the consumer of `modelId` is set; address(0) removes it.
     */
    event ModelConsumerUpdated(uint256 indexed modelId, IInferenceConsumer consumer);

    /**
     * @dev Emitted when `modelId` is paused: its proofs are rejected until it is unpaused.
     */
    event ModelPaused(uint256 indexed modelId);

    /**
     * @dev Emitted when `modelId` is unpaused: its proofs are accepted again.
     */
    event ModelUnpaused(uint256 indexed modelId);

    /**
     * @dev Emitted when `modelId` is retired: its proofs are rejected and it can no longer be changed.
     */
    event ModelRetired(uint256 indexed modelId);

    /**
     * @dev Emitted when the owner of `modelId` starts handing it to `newOwner`, who must accept.
     */
    event ModelOwnershipTransferStarted(
        uint256 indexed modelId,
        address indexed previousOwner,
        address indexed newOwner
    );

    /**
     * @dev Emitted when `newOwner` accepts `modelId` and becomes its owner.
     */
    event ModelOwnershipTransferred(uint256 indexed modelId, address indexed previousOwner, address indexed newOwner);

    /**
     * @notice Registers a model; the caller becomes its owner.
     * @dev The model starts Active at version 1 with no consumer: its verified inferences are recorded
     * and emitted but trigger nothing until {setConsumer}. Emits {ModelRegistered}.
     *
     * Requirements:
     * - `verifier` has code (its EXTCODEHASH is pinned in the record).
     * - `modelCommitment` < r.
     * - `numOutputs` > 0.
     *
     * @param verifier Verifier of the model's circuit.
     * @param modelCommitment Commitment the proofs' `modelCommitment` signal must equal.
     * @param numOutputs Number of outputs k of the circuit (it has k + 4 public signals).
     * @param metadataURI Off-chain description of the model.
     * @return modelId The new model's id (sequential, starting at 1).
     */
    function registerModel(
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint16 numOutputs,
        string calldata metadataURI
    ) external returns (uint256 modelId);

    /**
     * @notice Registers an attested model; the caller becomes its owner.
     * @dev As {registerModel}, for a circuit that verifies an attester's signature over its private
     * inputs (docs/ATTESTATION.md). Its proofs carry k + 6 public signals: attesterKeyHash and validity
     * (issuedAt * 2^64 + expiresAt) follow the nonce. It trusts `attesterKeyHashes` from registration on
     * (nobody can have relied on the model before it exists); any other attester only through
     * {announceAttester} and {trustAttester}, after {updateDelay}. With none it accepts no proof until
     * then. Emits {ModelRegistered}, {ModelAttestationRequired}, then {AttesterTrusted} for each key.
     *
     * Requirements: as {registerModel}; each key hash < r, none twice.
     */
    function registerAttestedModel(
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint16 numOutputs,
        uint256[] calldata attesterKeyHashes,
        string calldata metadataURI
    ) external returns (uint256 modelId);

    /**
     * @notice Registers a model whose inputs are public; the caller becomes its owner.
     * @dev As {registerModel}, for a circuit whose n quantized inputs are public signals appended after
     * the nonce (k + 4 + n signals; its `inputCommitment` is 0), n being the sum of the ranges' counts.
     * The circuit does not range-check them: the hub refuses a proof with a public input outside its
     * declared range (`ranges`, in input order; a field element x counts as x - r when x > (r - 1) / 2).
     * Every range must lie inside [-2^publicInputBits, 2^publicInputBits), the interval over which the
     * model's compiler proved that nothing wraps around the field.
     * Emits {ModelRegistered}, then {ModelPublicInputsDeclared}.
     *
     * Requirements: as {registerModel}, and 1 <= n <= 65,535, 1 <= `publicInputBits` <= 250, each range
     * non-empty with -2^B <= min <= max < 2^B.
     */
    function registerPublicInputModel(
        IInferenceVerifier verifier,
        uint256 modelCommitment,
        uint16 numOutputs,
        uint8 publicInputBits,
        PublicInputRange[] calldata ranges,
        string calldata metadataURI
    ) external returns (uint256 modelId);

    /**
     * @notice The declared public-input ranges of `modelId`, in input order (empty for other models).
     */
    function publicInputRanges(uint256 modelId) external view returns (PublicInputRange[] memory);

    /**
     * @notice Announces that `modelId` will trust `attesterKeyHash` after {updateDelay}.
     * @dev Announcing it again restarts the delay. Emits {AttesterTrustAnnounced}.
     *
     * Requirements: as {trustAttester}, except the announcement.
     */
    function announceAttester(uint256 modelId, uint256 attesterKeyHash) external returns (uint64 readyAt);

    /**
     * @notice Trusts the attester whose Baby Jubjub public key (Ax, Ay) has Poseidon(Ax, Ay) =
     * `attesterKeyHash`, for `modelId`.
     * @dev Only once announced ({announceAttester}) at least {updateDelay} ago, the first one after
     * registration included: a consumer may already act on the model (its first consumer applies at
     * once), so an owner cannot swap the source of the inputs under it between two blocks. Attesters
     * trusted at once are those named at registration ({registerAttestedModel}). Emits {AttesterTrusted}.
     *
     * Requirements: the caller owns `modelId`, which exists, is not Retired and is attested;
     * `attesterKeyHash` < r, neither trusted nor revoked for `modelId`, announced and ready.
     */
    function trustAttester(uint256 modelId, uint256 attesterKeyHash) external;

    /**
     * @notice When the announced trust of `attesterKeyHash` for `modelId` may be applied (0: none).
     */
    function pendingAttester(uint256 modelId, uint256 attesterKeyHash) external view returns (uint64 readyAt);

    /**
     * @notice Stops trusting `attesterKeyHash` for `modelId`, for good: proofs over data it signed
     * are rejected from now on, whatever their issue date.
     * @dev Emits {AttesterRevoked}.
     *
     * Requirements: the caller owns `modelId`, which exists and is not Retired; `attesterKeyHash`
     * is trusted for `modelId`.
     */
    function revokeAttester(uint256 modelId, uint256 attesterKeyHash) external;

    /**
     * @notice Returns whether `attesterKeyHash` is unknown, trusted or revoked for `modelId`.
     */
    function attesterStatus(uint256 modelId, uint256 attesterKeyHash) external view returns (AttesterStatus);

    /**
     * @notice Announces `consumer` as the next consumer of `modelId`, settable after {updateDelay}.
     * @dev Replaces any pending announcement (and restarts the delay). Emits {ConsumerUpdateAnnounced}.
     *
     * Requirements: as {setConsumer}, except the announcement.
     */
    function announceConsumer(uint256 modelId, IInferenceConsumer consumer) external returns (uint64 readyAt);

    /**
     * @notice Sets the contract called after each verified inference of `modelId`.
     * @dev address(0) removes the consumer. The model's first (non-zero) consumer is set at once (nothing
     * was called before it); every later change only once announced ({announceConsumer}) at least
     * {updateDelay} ago. Emits {ModelConsumerUpdated}.
     *
     * Requirements: the caller owns `modelId`, which exists and is not Retired; `consumer` is
     * address(0) or has code; unless it is the first, `consumer` is the announced one and ready.
     */
    function setConsumer(uint256 modelId, IInferenceConsumer consumer) external;

    /**
     * @notice The consumer announced for `modelId` and when it may be set (`readyAt` 0: none).
     */
    function pendingConsumer(uint256 modelId) external view returns (PendingConsumer memory);

    /**
     * @notice Announces a new verifier and commitment for `modelId`, applicable after {updateDelay}.
     * @dev Nothing changes until {applyModelUpdate}: proofs for the current version are still accepted.
     * The number of outputs and whether the model is attested cannot change: register a new model for
     * that. Emits {ModelUpdateAnnounced}.
     *
     * Requirements: the caller owns `modelId`, which exists and is not Retired; no update is pending;
     * `verifier` has code; `modelCommitment` < r.
     */
    function announceModelUpdate(
        uint256 modelId,
        IInferenceVerifier verifier,
        uint256 modelCommitment
    ) external returns (uint64 readyAt);

    /**
     * @notice Makes the announced update of `modelId` current, as a new version.
     * @dev Proofs for the previous commitment no longer match and are rejected by the hub. Emits
     * {ModelUpdated}.
     *
     * Requirements: the caller owns `modelId`, which is not Retired; an update is pending and its
     * `readyAt` has passed; the announced verifier still has the code it had when announced.
     */
    function applyModelUpdate(uint256 modelId) external returns (uint32 version);

    /**
     * @notice Withdraws the announced update of `modelId`.
     * @dev Emits {ModelUpdateCancelled}.
     *
     * Requirements: the caller owns `modelId`, which is not Retired; an update is pending.
     */
    function cancelModelUpdate(uint256 modelId) external;

    /**
     * @notice Starts handing `modelId` to `newOwner`; the transfer completes when `newOwner` calls
     * {acceptModelOwnership}. A later call replaces the pending owner.
     * @dev Emits {ModelOwnershipTransferStarted}.
     *
     * Requirements: the caller owns `modelId`, which is not Retired; `newOwner` is not the zero address.
     */
    function transferModelOwnership(uint256 modelId, address newOwner) external;

    /**
     * @notice Accepts ownership of `modelId`, offered by {transferModelOwnership}.
     * @dev Emits {ModelOwnershipTransferred}.
     *
     * Requirements: the caller is the pending owner of `modelId`, which is not Retired.
     */
    function acceptModelOwnership(uint256 modelId) external;

    /**
     * @notice Stops accepting proofs for `modelId` until {unpauseModel}.
     * @dev Emits {ModelPaused}.
     *
     * Requirements: the caller owns `modelId`, which is Active.
     */
    function pauseModel(uint256 modelId) external;

    /**
     * @notice Accepts proofs for `modelId` again.
     * @dev Emits {ModelUnpaused}.
     *
     * Requirements: the caller owns `modelId`, which is Paused.
     */
    function unpauseModel(uint256 modelId) external;

    /**
     * @notice Retires `modelId` for good: its proofs are rejected and it can no longer be changed.
     * @dev Emits {ModelRetired}.
     *
     * Requirements: the caller owns `modelId`, which is Active or Paused.
     */
    function retireModel(uint256 modelId) external;

    /**
     * @notice Returns the model registered under `modelId`.
     * @dev Reverts with {ModelRegistryUnknownModel} if it was never registered.
     */
    function getModel(uint256 modelId) external view returns (Model memory);

    /**
     * @notice Returns the number of models registered so far, which is also the latest `modelId`.
     */
    function modelCount() external view returns (uint256);

    /**
     * @notice Returns version `version` (1 = as registered) of `modelId`.
     */
    function getModelVersion(uint256 modelId, uint32 version) external view returns (ModelVersion memory);

    /**
     * @notice Returns the announced update of `modelId`; `readyAt` is 0 when none is pending.
     */
    function pendingModelUpdate(uint256 modelId) external view returns (PendingUpdate memory);

    /**
     * @notice Returns the account that may accept ownership of `modelId`, or address(0).
     */
    function pendingModelOwner(uint256 modelId) external view returns (address);

    /**
     * @notice The minimum time between announcing an update and applying it, in seconds, fixed at
     * deployment.
     */
    function updateDelay() external view returns (uint64);
}
