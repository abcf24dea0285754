/**
 * Verifying a segmented inference over several transactions (docs/SEGMENTS.md, "More segments than one
 * transaction holds"): the generated SegmentedVerifier's `stage(proof, publicSignals, from, to)` checks
 * segments [from, to) and records that the first `to` verify; the hub's unchanged `verifyAndAct` then
 * has its verifier check only what is left, and acts once. Resumable: staging starts where the
 * verifier's record stands (a range staged by anyone counts).
 */
import { keccak256, encodeAbiParameters, parseAbi, parseAbiParameters, type Address, type Hex } from "viem";
import type { ChainClients } from "./connect.js";
import { writeAndWait } from "./write.js";

/** What every generated SegmentedVerifier has for staging (prover/segment/verifier.ts). */
export const segmentedVerifierStagingAbi = parseAbi([
  "function stage(bytes proof, uint256[] publicSignals, uint256 from, uint256 to)",
  "function staged(bytes32 inference) view returns (uint256)",
  "event SegmentsStaged(bytes32 indexed inference, uint256 from, uint256 to)",
  "error SegmentedVerifierRangeInvalid(uint256 verified, uint256 from, uint256 to)",
  "error SegmentedVerifierSegmentsInvalid(uint256 from, uint256 to)",
  "error InferenceVerifierInvalidProofLength(uint256 expected, uint256 actual)",
  "error InferenceVerifierInvalidSignalCount(uint256 expected, uint256 actual)",
]);

export interface StageSegmentsParameters {
  clients: ChainClients;
  /** The model's SegmentedVerifier (the hub's model record names it). */
  verifier: Address;
  /** The inference's proof bytes and public signals, exactly as they will be submitted. */
  proof: Hex;
  publicSignals: readonly bigint[];
  /** The model's number of segments. */
  k: number;
  /** Segments per staging transaction. */
  perTransaction: number;
  /** Stage segments up to this one (default k: the hub's call then verifies nothing more; less leaves the rest to it). */
  upTo?: number;
}

export interface StageSegmentsReturnType {
  /** The verifier's key of the inference. */
  inference: Hex;
  transactions: { from: number; to: number; hash: Hex; gasUsed: bigint }[];
}

/** The verifier's key of an inference: keccak256(abi.encode(proof, publicSignals)). */
export function stagedInferenceKey(proof: Hex, publicSignals: readonly bigint[]): Hex {
  return keccak256(encodeAbiParameters(parseAbiParameters("bytes, uint256[]"), [proof, [...publicSignals]]));
}

/**
 * Stages an inference's segments in transactions of `perTransaction` segments, from where the
 * verifier's record stands up to `upTo`.
 *
 * @example
 * await stageSegments({ clients, verifier, proof, publicSignals, k: 40, perTransaction: 10 });
 * await submitInference(...); // the hub's verify now checks nothing more
 */
export async function stageSegments(p: StageSegmentsParameters): Promise<StageSegmentsReturnType> {
  const upTo = p.upTo ?? p.k;
  if (!Number.isInteger(p.perTransaction) || p.perTransaction < 1) throw new RangeError(`perTransaction must be a positive integer, got ${p.perTransaction}`);
  if (!Number.isInteger(upTo) || upTo < 1 || upTo > p.k) throw new RangeError(`upTo must be an integer in [1, ${p.k}], got ${upTo}`);
  const inference = stagedInferenceKey(p.proof, p.publicSignals);
  const read = () => p.clients.publicClient.readContract({ address: p.verifier, abi: segmentedVerifierStagingAbi, functionName: "staged", args: [inference] });
  const transactions: StageSegmentsReturnType["transactions"] = [];
  for (let from = Number(await read()); from < upTo; from = Number(await read())) {
    const to = Math.min(upTo, from + p.perTransaction);
    const { hash, receipt } = await writeAndWait({
      ...p.clients,
      address: p.verifier,
      abi: segmentedVerifierStagingAbi,
      functionName: "stage",
      args: [p.proof, [...p.publicSignals], BigInt(from), BigInt(to)],
    });
    transactions.push({ from, to, hash, gasUsed: receipt.gasUsed });
  }
  return { inference, transactions };
}
