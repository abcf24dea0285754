/**
 * Proof encoding for the contracts. IInferenceVerifier takes the Groth16 proof as
 * abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), with each G2 coordinate pair in the
 * (imaginary, real) order the EVM pairing precompile expects: snarkjs's pi_b rows reversed.
 */
// viem, not ethers: this file is part of the browser prover too.
import type { Groth16Proof } from "snarkjs";
import { decodeAbiParameters, encodeAbiParameters, parseAbiParameters, type Hex } from "viem";
import { ZkinferError } from "../errors.js";

export type { Groth16Proof };

const PROOF_TYPES = parseAbiParameters("uint256[2], uint256[2][2], uint256[2]");

export function encodeProof(proof: Groth16Proof): Hex {
  const at = (value: string | undefined, where: string): bigint => {
    if (value === undefined) throw new ZkinferError(`The Groth16 proof has no ${where}: pass a snarkjs groth16 proof.`);
    return BigInt(value);
  };
  const [b0, b1] = [proof.pi_b[0], proof.pi_b[1]];
  return encodeAbiParameters(PROOF_TYPES, [
    [at(proof.pi_a[0], "pi_a[0]"), at(proof.pi_a[1], "pi_a[1]")],
    [
      [at(b0?.[1], "pi_b[0][1]"), at(b0?.[0], "pi_b[0][0]")],
      [at(b1?.[1], "pi_b[1][1]"), at(b1?.[0], "pi_b[1][0]")],
    ],
    [at(proof.pi_c[0], "pi_c[0]"), at(proof.pi_c[1], "pi_c[1]")],
  ]);
}

/** The eight proof words, for tests that tamper with one of them. */
export function decodeProofWords(encoded: string): bigint[] {
  const { a, b, c } = decodeProofPoints(encoded);
  return [...a, ...b[0], ...b[1], ...c];
}

/** The proof's points, typed as snarkjs's Solidity verifyProof takes them (b in the precompile's order). */
export function decodeProofPoints(encoded: string) {
  const [a, b, c] = decodeAbiParameters(PROOF_TYPES, encoded as Hex);
  return { a, b, c };
}

export function encodeProofWords(words: readonly bigint[]): Hex {
  const [a0, a1, b00, b01, b10, b11, c0, c1, ...extra] = words;
  if (c1 === undefined || extra.length > 0) throw new ZkinferError(`A Groth16 proof has 8 words, got ${words.length}.`);
  return encodeAbiParameters(PROOF_TYPES, [
    [a0!, a1!],
    [
      [b00!, b01!],
      [b10!, b11!],
    ],
    [c0!, c1],
  ]);
}

/**
 * The inverse of {@link encodeProof}: the snarkjs proof object of encoded proof bytes (as read back
 * from a verifyAndAct transaction), ready for `snarkjs.groth16.verify`.
 */
export function decodeProof(encoded: string): Groth16Proof {
  const [a0, a1, b00, b01, b10, b11, c0, c1] = decodeProofWords(encoded).map(String) as [string, string, string, string, string, string, string, string];
  return {
    pi_a: [a0, a1, "1"],
    pi_b: [
      [b01, b00],
      [b11, b10],
      ["1", "0"],
    ],
    pi_c: [c0, c1, "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

export interface EncodedBatch {
  /** The proofs' bytes concatenated (IBatchInferenceVerifier-verifyBatch, InferenceHub-verifyAndActBatch). */
  proofs: Hex;
  /** Every statement's public signals, concatenated in the same order. */
  publicSignals: bigint[];
}

/**
 * The batch encoding: proof i's bytes at [i * size, (i + 1) * size) and its signals at
 * [i * l, (i + 1) * l). Flat arrays, so the calldata carries no per-proof offsets.
 */
export function encodeBatch(items: readonly { proofBytes: string; publicSignals: readonly bigint[] }[]): EncodedBatch {
  if (items.length === 0) throw new RangeError("a batch needs at least one proof");
  const size = items[0]!.proofBytes.length;
  const count = items[0]!.publicSignals.length;
  items.forEach((p, i) => {
    if (p.proofBytes.length !== size || p.publicSignals.length !== count) {
      throw new RangeError(`batch item ${i} has another proof size or signal count than item 0 (one model per batch)`);
    }
  });
  return {
    proofs: `0x${items.map((p) => p.proofBytes.slice(2)).join("")}`,
    publicSignals: items.flatMap((p) => [...p.publicSignals]),
  };
}
