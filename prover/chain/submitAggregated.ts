/**
 * Submitting an aggregated proof: `InferenceHub.verifyAndActAggregated`, simulated first so a refusal
 * names its custom error before anything is sent (docs/AGGREGATION.md).
 */
import { isHex, type Address, type Hex } from "viem";
import { ZkinferError } from "../errors.js";
import type { SubmissionAuthorization } from "../abi/submissionAuthorization.js";
import { inferenceHubAbi } from "./abi.js";
import type { ChainClients } from "./connect.js";
import { writeAndWait, type WriteAndWaitReturnType } from "./write.js";

export interface SubmitAggregatedParameters {
  hub: Address;
  modelId: bigint;
  /** The batch size of the keys (`ProveAggregatedReturnType.n`). */
  n: number;
  /** `ProveAggregatedReturnType.proofBytes`. */
  proofBytes: string;
  /** `ProveAggregatedReturnType.publicSignals` (packed). */
  publicSignals: readonly bigint[];
  /**
   * Relayed statements: one entry per SLOT (n), the subject's SubmissionAuthorization of the sender
   * (signSubmissionAuthorization), or undefined for a slot whose subject is the sender or that is
   * empty. Omit when the sender is the subject of every statement.
   */
  authorizations?: readonly (SubmissionAuthorization | undefined)[];
}

export type SubmitAggregatedReturnType = WriteAndWaitReturnType<typeof inferenceHubAbi>;

/**
 * Sends verifyAndActAggregated and waits for its receipt; a revert is a ContractRevertError naming the error.
 *
 * @example
 * ```ts
 * const batch = await prover.prove(statements);
 * const { receipt } = await submitAggregated(clients, { hub, modelId, n: batch.n, proofBytes: batch.proofBytes, publicSignals: batch.publicSignals });
 * ```
 */
export function submitAggregated(
  clients: ChainClients,
  { hub, modelId, n, proofBytes, publicSignals, authorizations }: SubmitAggregatedParameters,
): Promise<SubmitAggregatedReturnType> {
  return writeAndWait({
    ...clients,
    address: hub,
    abi: inferenceHubAbi,
    functionName: "verifyAndActAggregated",
    args: aggregatedCallArgs({ modelId, n, proofBytes, publicSignals, authorizations }),
  });
}

/** The arguments of verifyAndActAggregated (for callers that send it themselves, e.g. with ethers). */
export function aggregatedCallArgs({ modelId, n, proofBytes, publicSignals, authorizations }: Omit<SubmitAggregatedParameters, "hub">) {
  if (!isHex(proofBytes)) throw new ZkinferError(`proofBytes is not 0x-prefixed hex: make the proof with AggregatedProver.prove.`);
  if (authorizations !== undefined && authorizations.length !== 0 && authorizations.length !== n) {
    throw new ZkinferError(`authorizations must have one entry per slot (${n}), got ${authorizations.length}`);
  }
  const auths = (authorizations ?? []).map((a) => ({ deadline: a?.deadline ?? 0n, signature: (a?.signature ?? "0x") as Hex }));
  return [modelId, BigInt(n), proofBytes as Hex, [...publicSignals], auths] as const;
}
