/**
 * The package's `zkinfer/chain` entry: connecting to a chain, deploying a built model, submitting
 * proofs, reading the registry and the deployment manifests, with viem. (The typed ABIs are
 * `zkinfer/abi`.)
 */
export { assertContract, connectChain, connectProvider, connectRead, type ChainClients, type ProviderClients, type ReadClient } from "./connect.js";
export {
  deployModel,
  modelDeploymentSpec,
  readSetupRecord,
  setupVerdict,
  LOCAL_CHAIN_IDS,
  type DeployModelParameters,
  type DeployModelReturnType,
  type DryRunReturnType,
  type ModelDeploymentSpec,
  type SetupRecord,
  type SetupVerdict,
} from "./deployModel.js";
export { segmentedVerifierStagingAbi, stageSegments, stagedInferenceKey, type StageSegmentsParameters, type StageSegmentsReturnType } from "./stageSegments.js";
export { submitInference, type SubmitInferenceParameters, type SubmitInferenceReturnType } from "./submitInference.js";
export { aggregatedCallArgs, submitAggregated, type SubmitAggregatedParameters, type SubmitAggregatedReturnType } from "./submitAggregated.js";
export { deployAndWait, writeAndWait, type DeployAndWaitParameters, type WriteAndWaitParameters, type WriteAndWaitReturnType } from "./write.js";
export { ModelStatus, modelStatusName, readModel, readModelCount, type Model, type PendingModelUpdate } from "./model.js";
export { getManifestContract, readManifest, writeManifest, ManifestError, type DeploymentManifest, type ManifestContract } from "./manifest.js";
export { decryptKeystore, loadPrivateKey, type LoadPrivateKeyParameters } from "./keystore.js";
export { decodeRevert, formatRevert, revertName, type DecodedRevert } from "./revert.js";
export { findContract, findContractSource, type FindContractParameters } from "./contracts.js";
export { compileContract, compileModelVerifier, type CompileContractOptions, type CompiledContract } from "./compileVerifier.js";
export { verifyDeployment, type DeploymentCheck, type VerifyDeploymentParameters } from "./verifyDeployment.js";
export { estimateVerifyProofGas, type EstimateVerifyProofGasParameters } from "./estimateVerifyProofGas.js";
export { ChainConnectionError, ContractRevertError, NotAContractError, UnknownModelError } from "./errors.js";
