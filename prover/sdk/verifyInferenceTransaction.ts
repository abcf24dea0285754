/**
 * Re-verifies, off-chain and without trusting the chain's verifier contract, the proof a
 * verifyAndAct transaction carried: the proof is decoded from the transaction's calldata and checked
 * with snarkjs against a verification key the reader trusts (the one published for the registered
 * model), and its model commitment is compared with the one the registry held at that block.
 */
import type { Address, Hash, PublicClient } from "viem";
import { decodeFunctionData } from "viem";
import * as snarkjs from "snarkjs";
import { decodeProof } from "../prove/calldata.js";
import { signalIndex } from "../abi/publicSignals.js";
import { ZkinferError } from "../errors.js";
import { inferenceHubAbi } from "../chain/abi.js";

export interface VerifyInferenceTransactionParameters {
  client: PublicClient;
  /** The InferenceHub the transaction called. */
  hub: Address;
  txHash: Hash;
  /** snarkjs verification key JSON of the model's circuit (e.g. build/models/<name>/verification_key.json). */
  verificationKey: object;
}

export interface VerifyInferenceTransactionReturnType {
  /** The proof checks out against the key AND its commitment is the one registered at that block. */
  valid: boolean;
  proofValid: boolean;
  commitmentMatches: boolean;
  modelId: bigint;
  publicSignals: bigint[];
  blockNumber: bigint;
}

export async function verifyInferenceTransaction({
  client,
  hub,
  txHash,
  verificationKey,
}: VerifyInferenceTransactionParameters): Promise<VerifyInferenceTransactionReturnType> {
  const tx = await client.getTransaction({ hash: txHash });
  if (tx.to?.toLowerCase() !== hub.toLowerCase()) {
    throw new ZkinferError(`Transaction ${txHash} was not sent to the hub ${hub} (it went to ${tx.to ?? "a contract creation"}).`);
  }
  const abi = inferenceHubAbi;
  const { functionName, args } = decodeFunctionData({ abi, data: tx.input });
  if (functionName !== "verifyAndAct") {
    throw new ZkinferError(`Transaction ${txHash} calls ${functionName}, not verifyAndAct.`);
  }
  const [modelId, proofBytes, signals] = args as unknown as [bigint, Hash, readonly bigint[]];
  const publicSignals = [...signals];

  const proofValid: boolean = await snarkjs.groth16.verify(verificationKey, publicSignals.map(String), decodeProof(proofBytes));

  // The registry as it was when the transaction ran: a later upgrade must not change the answer.
  const model = (await client.readContract({ address: hub, abi, functionName: "getModel", args: [modelId], blockNumber: tx.blockNumber! })) as {
    numOutputs: number;
    modelCommitment: bigint;
  };
  const commitmentMatches = publicSignals[signalIndex("modelCommitment", Number(model.numOutputs))] === model.modelCommitment;

  return { valid: proofValid && commitmentMatches, proofValid, commitmentMatches, modelId, publicSignals, blockNumber: tx.blockNumber! };
}
