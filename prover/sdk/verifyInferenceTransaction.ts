/**
 * Re-verifies, off-chain and without trusting the chain's verifier contract, the proof a
 * verifyAndAct transaction carried: the proof is decoded from the transaction's calldata and checked
 * with snarkjs against a verification key the reader trusts (the one published for the registered
 * model), and its model commitment is compared with the one the registry held at that block.
 *
 * A valid proof in a transaction is not yet a verified inference: the transaction may have reverted
 * (a replayed nonce, a paused model, a consumer that refused), and then the hub recorded nothing. So
 * the receipt must say success AND carry the hub's InferenceVerified event for this statement's
 * (model, subject, nonce) (docs/SECURITY.md, "SDK").
 */
import type { Address, Hash, PublicClient } from "viem";
import { decodeFunctionData, parseEventLogs } from "viem";
import { decodeProof, proofSystemOfProof } from "../prove/calldata.js";
import { verifySnarkProof } from "../prove/core.js";
import { signalIndex } from "../abi/publicSignals.js";
import { ZkinferError } from "../errors.js";
import { inferenceHubAbi } from "../chain/abi.js";
import { isSegmentedKey, verifySegmentedProof } from "../segment/verify.js";

export interface VerifyInferenceTransactionParameters {
  client: PublicClient;
  /** The InferenceHub the transaction called. */
  hub: Address;
  txHash: Hash;
  /**
   * snarkjs verification key JSON of the model's circuit (e.g. build/models/<name>/verification_key.json);
   * its `protocol` (groth16, plonk or fflonk) decides how the proof bytes are decoded and checked. A
   * segmented model's is `{ protocol: "groth16-segmented", segments: [its segments' keys, in order] }`
   * (prover/segment/verify.ts).
   */
  verificationKey: object;
}

export interface VerifyInferenceTransactionReturnType {
  /**
   * The transaction succeeded and the hub emitted InferenceVerified for this statement, the proof
   * checks out against the key, and its commitment is the one registered at that block.
   */
  valid: boolean;
  /** The receipt's status is success (a reverted transaction changed nothing on-chain). */
  succeeded: boolean;
  /** The hub emitted InferenceVerified(modelId, subject, nonce) for the statement the calldata carries. */
  eventEmitted: boolean;
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
  const call = decodeFunctionData({ abi, data: tx.input });
  // verifyAndActFor (a relayer with the subject's authorization) carries the same first three arguments.
  if (call.functionName !== "verifyAndAct" && call.functionName !== "verifyAndActFor") {
    throw new ZkinferError(`Transaction ${txHash} calls ${call.functionName}, not verifyAndAct or verifyAndActFor.`);
  }
  const [modelId, proofBytes, signals] = call.args;
  const publicSignals = [...signals];

  const receipt = await client.getTransactionReceipt({ hash: txHash });
  const succeeded = receipt.status === "success";

  // The key says which system the model uses (snarkjs's `protocol`); the bytes are decoded as that
  // system's proof, and bytes of another system's length throw naming both.
  const proofValid: boolean = isSegmentedKey(verificationKey)
    ? await verifySegmentedProof(verificationKey, proofBytes, publicSignals)
    : await verifySnarkProof(verificationKey, publicSignals, decodeProof(proofBytes, proofSystemOfProof(verificationKey)));

  // The registry as it was when the transaction ran: a later upgrade must not change the answer.
  if (tx.blockNumber === null) throw new ZkinferError(`Transaction ${txHash} is still pending: verify it once it is mined.`);
  const model = await client.readContract({ address: hub, abi, functionName: "getModel", args: [modelId], blockNumber: tx.blockNumber });
  const k = Number(model.numOutputs);
  const commitmentMatches = publicSignals[signalIndex("modelCommitment", k)] === model.modelCommitment;

  // The event of this very statement, emitted by the hub itself (another contract's log of the same
  // shape in the same transaction proves nothing).
  const subject = publicSignals[signalIndex("subject", k)];
  const nonce = publicSignals[signalIndex("nonce", k)];
  const events = parseEventLogs({ abi, logs: receipt.logs.filter((l) => l.address.toLowerCase() === hub.toLowerCase()), eventName: "InferenceVerified" });
  const eventEmitted = events.some((e) => e.args.modelId === modelId && BigInt(e.args.subject) === subject && e.args.nonce === nonce);

  return {
    valid: succeeded && eventEmitted && proofValid && commitmentMatches,
    succeeded,
    eventEmitted,
    proofValid,
    commitmentMatches,
    modelId,
    publicSignals,
    blockNumber: tx.blockNumber,
  };
}
