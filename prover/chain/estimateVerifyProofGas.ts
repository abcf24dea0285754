/**
 * The gas of the bare generated verifier call (snarkjs's `verifyProof`, below the IInferenceVerifier
 * adapter), for the benches' split of a verifyAndAct into verifier, hub and consumer.
 */
import { encodeFunctionData, parseAbi, type Address, type PublicClient } from "viem";
import { decodeProofPoints } from "../prove/calldata.js";

export interface EstimateVerifyProofGasParameters {
  verifier: Address;
  proofBytes: string;
  publicSignals: readonly bigint[];
  /** The caller, for the node's estimate (its first account when omitted). */
  account?: Address;
}

/** @example `const gas = await estimateVerifyProofGas(publicClient, { verifier, ...proved })` */
export function estimateVerifyProofGas(
  publicClient: PublicClient,
  { verifier, proofBytes, publicSignals, account }: EstimateVerifyProofGasParameters,
): Promise<bigint> {
  // The signal count is part of snarkjs's signature (uint256[n]), so the ABI is the model's: built here, not generated.
  const abi = parseAbi([`function verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[${publicSignals.length}] pubSignals) view returns (bool)`]);
  const { a, b, c } = decodeProofPoints(proofBytes);
  const data = encodeFunctionData({ abi, functionName: "verifyProof", args: [a, b, c, publicSignals] });
  return publicClient.estimateGas({ to: verifier, data, account });
}
