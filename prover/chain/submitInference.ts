/**
 * Submitting a proof: `InferenceHub.verifyAndAct` from the subject's (or a relayer's) account,
 * simulated first so a refusal names its custom error before anything is sent.
 */
import { isHex, type Address, type Hex } from "viem";
import { ZkinferError } from "../errors.js";
import { inferenceHubAbi } from "./abi.js";
import type { ChainClients } from "./connect.js";
import { writeAndWait, type WriteAndWaitReturnType } from "./write.js";

export interface SubmitInferenceParameters {
  hub: Address;
  modelId: bigint;
  /** The abi-encoded proof (`ProveReturnType.proofBytes`). */
  proofBytes: string;
  publicSignals: readonly bigint[];
}

export type SubmitInferenceReturnType = WriteAndWaitReturnType<typeof inferenceHubAbi>;

/**
 * Sends verifyAndAct and waits for its receipt; a revert is a ContractRevertError naming the error.
 *
 * @example
 * ```ts
 * const { receipt, events } = await submitInference(clients, { hub, modelId, proofBytes, publicSignals });
 * ```
 */
export function submitInference(
  clients: ChainClients,
  { hub, modelId, proofBytes, publicSignals }: SubmitInferenceParameters,
): Promise<SubmitInferenceReturnType> {
  if (!isHex(proofBytes)) throw new ZkinferError(`proofBytes is not 0x-prefixed hex: make the proof with \`zkinfer prove\`.`);
  const proof: Hex = proofBytes;
  return writeAndWait({ ...clients, address: hub, abi: inferenceHubAbi, functionName: "verifyAndAct", args: [modelId, proof, publicSignals] });
}
