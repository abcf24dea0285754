/**
 * Off-chain verification of a segmented inference (`zkinfer segments verify`, the SDK's
 * verifyInferenceTransaction): the same statement the SegmentedVerifier contract checks (./verifier.ts),
 * each segment proof against its own key with the public signals rebuilt from the inference's and the
 * boundary commitments, proof by proof (snarkjs) instead of folded.
 */
import { FIELD_MODULUS } from "../field.js";
import { decodeProof } from "../prove/calldata.js";
import { verifySnarkProof } from "../prove/core.js";
import { ZkinferError } from "../errors.js";
import { SEGMENT_PROOF_BYTES } from "./verifier.js";

/** A segmented model's verification key: its segments' snarkjs keys, in order (what the SDK takes as `verificationKey`). */
export interface SegmentedVerificationKey {
  protocol: "groth16-segmented";
  segments: object[];
}

/** The verifier's `proof` bytes split: the K segment proofs (hex) and the K - 1 boundary commitments. */
export function decodeSegmentedProof(proof: string, k: number): { proofs: string[]; boundaries: bigint[] } {
  const hex = proof.startsWith("0x") ? proof.slice(2) : proof;
  const expected = k * SEGMENT_PROOF_BYTES + (k - 1) * 32;
  if (hex.length !== 2 * expected) throw new ZkinferError(`a proof of ${k} segments is ${expected} bytes; these proof bytes are ${hex.length / 2}`);
  const proofs = Array.from({ length: k }, (_, i) => `0x${hex.slice(2 * SEGMENT_PROOF_BYTES * i, 2 * SEGMENT_PROOF_BYTES * (i + 1))}`);
  const at = 2 * SEGMENT_PROOF_BYTES * k;
  const boundaries = Array.from({ length: k - 1 }, (_, i) => BigInt(`0x${hex.slice(at + 64 * i, at + 64 * (i + 1))}`));
  return { proofs, boundaries };
}

/** Segment i's public signals from the inference's and the boundary commitments (the contract's _segmentSignals). */
export function segmentSignals(i: number, k: number, publicSignals: readonly bigint[], boundaries: readonly bigint[]): bigint[] {
  const n = publicSignals.length;
  const s = i === k - 1 ? [...publicSignals] : [boundaries[i]!, publicSignals[n - 4]!, 0n, publicSignals[n - 2]!, publicSignals[n - 1]!];
  s[s.length - 3] = i === 0 ? publicSignals[n - 3]! : boundaries[i - 1]!;
  return s;
}

/** True when every segment proof verifies under its key with its rebuilt signals (every word in its field). */
export async function verifySegmentedProof(key: SegmentedVerificationKey, proof: string, publicSignals: readonly bigint[]): Promise<boolean> {
  const k = key.segments.length;
  const { proofs, boundaries } = decodeSegmentedProof(proof, k);
  if ([...publicSignals, ...boundaries].some((s) => s < 0n || s >= FIELD_MODULUS)) return false;
  for (let i = 0; i < k; i++) {
    if (!(await verifySnarkProof(key.segments[i], segmentSignals(i, k, publicSignals, boundaries), decodeProof(proofs[i]!, "groth16")))) return false;
  }
  return true;
}

/** Whether a verification key (as the SDK takes it) is a segmented model's. */
export function isSegmentedKey(key: unknown): key is SegmentedVerificationKey {
  return (key as { protocol?: unknown } | null)?.protocol === "groth16-segmented" && Array.isArray((key as { segments?: unknown }).segments);
}
