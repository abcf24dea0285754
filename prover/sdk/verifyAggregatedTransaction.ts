/**
 * Re-verifies, off-chain, a verifyAndActAggregated transaction, and optionally one user's own
 * statement in it (docs/AGGREGATION.md): the aggregated proof is decoded from the calldata and checked
 * with snarkjs against a verification key the reader trusts (the one published for (model, N)), its
 * commitment compared with the registry's at that block, the receipt must be a success carrying the
 * hub's AggregatedProofVerified event for this root; for the user's statement, the hub's
 * InferenceVerified event for its (model, subject, nonce), and its input commitment in the proof's
 * inputRoot at its slot (the inclusion path the prover returned).
 */
import type { Address, Hash, PublicClient } from "viem";
import { decodeFunctionData, parseEventLogs } from "viem";
import {
  decodeAggregatedSignals,
  decodeOutputLayout,
  verifyInclusion,
  type AggregatedOutputLayout,
  type AggregatedStatement,
  type InclusionPath,
} from "../abi/aggregatedSignals.js";
import { decodeProof } from "../prove/calldata.js";
import { verifySnarkProof } from "../prove/core.js";
import { ZkinferError } from "../errors.js";
import { inferenceHubAbi } from "../chain/abi.js";

export interface VerifyAggregatedTransactionParameters {
  client: PublicClient;
  hub: Address;
  txHash: Hash;
  /** The snarkjs verification key of the model's aggregated circuit of this N (build/models/<model>-aggregated-<N>/verification_key.json). */
  verificationKey: object;
  /** The outputs' packing; read from the registry at the transaction's block when omitted. */
  outputLayout?: AggregatedOutputLayout;
  /** The user's own statement: its slot, its input commitment and the inclusion path the prover returned. */
  statement?: { slot: number; inputCommitment: bigint; inclusionPath: InclusionPath };
}

export interface VerifyAggregatedTransactionReturnType {
  /** Every check below passed (and, with `statement`, the user's ones too). */
  valid: boolean;
  succeeded: boolean;
  proofValid: boolean;
  commitmentMatches: boolean;
  /** The hub emitted AggregatedProofVerified(modelId, n, inputRoot, statements) for this proof. */
  batchEventEmitted: boolean;
  modelId: bigint;
  n: number;
  inputRoot: bigint;
  /** The batch's statements by slot (undefined: an empty slot). */
  slots: (AggregatedStatement | undefined)[];
  /** With `statement`: the user's statement as the proof carries it. */
  statement?: AggregatedStatement;
  /** With `statement`: the hub emitted InferenceVerified for it. */
  statementEventEmitted?: boolean;
  /** With `statement`: its input commitment is the leaf at its slot under inputRoot. */
  included?: boolean;
  blockNumber: bigint;
}

/**
 * The `statement` parameter from a prover-service job's `aggregation` record (GET /v1/jobs/{id}, whose
 * field elements are decimal strings).
 *
 * @example
 * ```ts
 * const job = await (await fetch(`${service}/v1/jobs/${jobId}`, { headers })).json();
 * const r = await verifyAggregatedTransaction({ client, hub, txHash: job.txHash, verificationKey, statement: statementOfJob(job.aggregation) });
 * ```
 */
export function statementOfJob(aggregation: {
  slot: number;
  inputCommitment: string;
  inclusionPath: { slot: number; siblings: readonly string[] };
}): NonNullable<VerifyAggregatedTransactionParameters["statement"]> {
  if (!aggregation || typeof aggregation.slot !== "number" || !aggregation.inclusionPath)
    throw new ZkinferError("statementOfJob takes a job's `aggregation` record (null for a job proved on its own: use verifyInferenceTransaction).");
  return {
    slot: aggregation.slot,
    inputCommitment: BigInt(aggregation.inputCommitment),
    inclusionPath: { slot: aggregation.inclusionPath.slot, siblings: aggregation.inclusionPath.siblings.map((x) => BigInt(x)) },
  };
}

/**
 * @example
 * ```ts
 * const mine = batch.statements[3];
 * const r = await verifyAggregatedTransaction({ client, hub, txHash, verificationKey,
 *   statement: { slot: mine.slot, inputCommitment: mine.inputCommitment, inclusionPath: mine.inclusionPath } });
 * if (!r.valid) throw new Error("not my verified inference");
 * ```
 */
export async function verifyAggregatedTransaction({
  client,
  hub,
  txHash,
  verificationKey,
  outputLayout,
  statement,
}: VerifyAggregatedTransactionParameters): Promise<VerifyAggregatedTransactionReturnType> {
  const tx = await client.getTransaction({ hash: txHash });
  if (tx.to?.toLowerCase() !== hub.toLowerCase()) {
    throw new ZkinferError(`Transaction ${txHash} was not sent to the hub ${hub} (it went to ${tx.to ?? "a contract creation"}).`);
  }
  if (tx.blockNumber === null) throw new ZkinferError(`Transaction ${txHash} is still pending: verify it once it is mined.`);
  const abi = inferenceHubAbi;
  const call = decodeFunctionData({ abi, data: tx.input });
  if (call.functionName !== "verifyAndActAggregated") throw new ZkinferError(`Transaction ${txHash} calls ${call.functionName}, not verifyAndActAggregated.`);
  const [modelId, nBig, proofBytes, signals] = call.args;
  const n = Number(nBig);
  const publicSignals = [...signals];
  const receipt = await client.getTransactionReceipt({ hash: txHash });
  const succeeded = receipt.status === "success";

  const proofValid = await verifySnarkProof(verificationKey, publicSignals, decodeProof(proofBytes, "groth16"));
  const at = { blockNumber: tx.blockNumber };
  const model = await client.readContract({ address: hub, abi, functionName: "getModel", args: [modelId], ...at });
  const layout =
    outputLayout ?? decodeOutputLayout((await client.readContract({ address: hub, abi, functionName: "aggregatedVerifier", args: [modelId, nBig], ...at }))[1]);
  const decoded = decodeAggregatedSignals(publicSignals, n, layout);
  const commitmentMatches = decoded.modelCommitment === model.modelCommitment;

  const hubLogs = receipt.logs.filter((l) => l.address.toLowerCase() === hub.toLowerCase());
  const active = decoded.slots.filter((s) => s !== undefined).length;
  const batchEventEmitted = parseEventLogs({ abi, logs: hubLogs, eventName: "AggregatedProofVerified" }).some(
    (e) => e.args.modelId === modelId && e.args.n === nBig && e.args.inputRoot === decoded.inputRoot && e.args.statements === BigInt(active),
  );
  const result: VerifyAggregatedTransactionReturnType = {
    valid: succeeded && proofValid && commitmentMatches && batchEventEmitted,
    succeeded,
    proofValid,
    commitmentMatches,
    batchEventEmitted,
    modelId,
    n,
    inputRoot: decoded.inputRoot,
    slots: decoded.slots,
    blockNumber: tx.blockNumber,
  };
  if (statement) {
    const mine = decoded.slots[statement.slot];
    const events = parseEventLogs({ abi, logs: hubLogs, eventName: "InferenceVerified" });
    result.statement = mine;
    result.statementEventEmitted =
      mine !== undefined && events.some((e) => e.args.modelId === modelId && BigInt(e.args.subject) === mine.subject && e.args.nonce === mine.nonce);
    result.included =
      statement.inclusionPath.slot === statement.slot && (await verifyInclusion(decoded.inputRoot, statement.inputCommitment, statement.inclusionPath));
    result.valid = result.valid && result.statementEventEmitted && result.included;
  }
  return result;
}
