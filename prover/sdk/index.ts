/**
 * The package's `zkinfer/sdk` entry: what a dApp's own code needs beside the contracts. Re-verifying a
 * verifyAndAct transaction off-chain, reading a SignalFeed, signing a relayed submission's
 * authorization (the `authorization` a relayer such as `zkinfer serve` submits with), and the errors
 * zkinfer raises. The chain layer (`zkinfer/chain`), the typed ABIs (`zkinfer/abi`) and the provers
 * (`zkinfer/prover`, `zkinfer/browser`) are entries of their own.
 */
export {
  verifyInferenceTransaction,
  type VerifyInferenceTransactionParameters,
  type VerifyInferenceTransactionReturnType,
} from "./verifyInferenceTransaction.js";
export {
  statementOfJob,
  verifyAggregatedTransaction,
  type VerifyAggregatedTransactionParameters,
  type VerifyAggregatedTransactionReturnType,
} from "./verifyAggregatedTransaction.js";
export {
  decodeAggregatedSignals,
  inclusionPaths,
  verifyInclusion,
  type AggregatedSignals,
  type AggregatedStatement,
  type InclusionPath,
} from "../abi/aggregatedSignals.js";
export { getSignalHistory, watchSignals, type GetSignalHistoryParameters, type PublishedSignal, type WatchSignalsParameters } from "./signals.js";
export {
  HUB_EIP712_NAME,
  HUB_EIP712_VERSION,
  SUBMISSION_AUTHORIZATION_TYPES,
  signSubmissionAuthorization,
  submissionAuthorizationDigest,
  submissionAuthorizationTypedData,
  type SubmissionAuthorization,
  type SubmissionAuthorizationParameters,
} from "../abi/submissionAuthorization.js";
export { addressToSubject, decodePublicSignals, encodePublicSignals, publicSignalCount, type PublicSignals } from "../abi/publicSignals.js";
export * from "../errors.js";
