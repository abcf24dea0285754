/**
 * The contracts' ABIs, typed: generated from the compiled artifacts into ./abi.generated.ts (the
 * Solidity sources stay their one definition), so viem checks every function name, argument and
 * result at compile time.
 */
import {
  accuracyBountyAbi,
  anomalyGuardAbi,
  batchInferenceVerifierAbi,
  creditGateAbi,
  demoTokenAbi,
  inferenceConsumerAbi,
  inferenceHubAbi,
  inferenceVerifierAbi,
  priceSourceAbi,
  signalFeedAbi,
  signalVaultAbi,
  simpleAmmAbi,
} from "./abi.generated.js";

export {
  accuracyBountyAbi,
  anomalyGuardAbi,
  batchInferenceVerifierAbi,
  creditGateAbi,
  demoTokenAbi,
  inferenceConsumerAbi,
  inferenceHubAbi,
  inferenceVerifierAbi,
  priceSourceAbi,
  signalFeedAbi,
  signalVaultAbi,
  simpleAmmAbi,
};

/** Every custom error a protocol contract can revert with, for decoding a revert whichever contract raised it. */
export const protocolErrorsAbi = [
  ...inferenceHubAbi,
  ...inferenceVerifierAbi,
  ...creditGateAbi,
  ...signalFeedAbi,
  ...anomalyGuardAbi,
  ...priceSourceAbi,
  ...signalVaultAbi,
  ...simpleAmmAbi,
  ...demoTokenAbi,
  ...accuracyBountyAbi,
].filter((item): item is Extract<typeof item, { type: "error" }> => item.type === "error");
