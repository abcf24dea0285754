// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "zkinfer/contracts/interfaces/IInferenceConsumer.sol";

/**
 * @title TriageRecord
 * @notice Records each verified triage of the medical-triage model: only Poseidon(malignancy, outputSalt),
 * the hashed output the proof publishes, per patient and nonce. The chain never sees the result;
 * the patient, who alone holds outputSalt, can open it later to whom they choose ({ClinicReferral}).
 */
contract TriageRecord is IInferenceConsumer {
    /// @notice The caller is not the hub this record trusts.
    error TriageRecordUnauthorizedCaller(address caller);
    /// @notice The hub reported an inference of another model.
    error TriageRecordUnexpectedModel(uint256 modelId);

    /// @notice A proof of a triage for `patient` was verified; `outputHash` hides its result.
    event TriageRecorded(address indexed patient, uint256 indexed nonce, uint256 outputHash);

    address public immutable hub;
    uint256 public immutable modelId;
    mapping(address patient => mapping(uint256 nonce => uint256 outputHash)) private _outputHashes;

    constructor(address hub_, uint256 modelId_) {
        hub = hub_;
        modelId = modelId_;
    }

    /// @dev See {IInferenceConsumer-onInferenceVerified}. outputs[0] is the output hash (the spec's
    /// visibility.outputs = "hashed"); the hub never passes one (subject, nonce) twice.
    function onInferenceVerified(
        uint256 modelId_,
        address subject,
        uint256 nonce,
        uint256[] calldata outputs
    ) external {
        if (msg.sender != hub) revert TriageRecordUnauthorizedCaller(msg.sender);
        if (modelId_ != modelId) revert TriageRecordUnexpectedModel(modelId_);
        _outputHashes[subject][nonce] = outputs[0];
        emit TriageRecorded(subject, nonce, outputs[0]);
    }

    /// @notice The recorded output hash of `patient`'s triage `nonce` (0: none recorded).
    function outputHashOf(address patient, uint256 nonce) external view returns (uint256) {
        return _outputHashes[patient][nonce];
    }
}
