/**
 * Proof encoding for the contracts. IInferenceVerifier takes the Groth16 proof as
 * abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), with each G2 coordinate pair in the
 * (imaginary, real) order the EVM pairing precompile expects: snarkjs's pi_b rows reversed.
 */
import { decodeAbiParameters, encodeAbiParameters, parseAbiParameters, type Hex } from "viem";

export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol?: string;
  curve?: string;
}

// viem, not ethers: this file is part of the browser prover too.
const PROOF_TYPES = parseAbiParameters("uint256[2], uint256[2][2], uint256[2]");
type Pair = readonly [bigint, bigint];

export function encodeProof(proof: Groth16Proof): string {
  const n = (x: string | undefined): bigint => BigInt(x!);
  const a: Pair = [n(proof.pi_a[0]), n(proof.pi_a[1])];
  const b: readonly [Pair, Pair] = [
    [n(proof.pi_b[0]![1]), n(proof.pi_b[0]![0])],
    [n(proof.pi_b[1]![1]), n(proof.pi_b[1]![0])],
  ];
  const c: Pair = [n(proof.pi_c[0]), n(proof.pi_c[1])];
  return encodeAbiParameters(PROOF_TYPES, [a, b, c]);
}

/** The eight proof words, for tests that tamper with one of them. */
export function decodeProofWords(encoded: string): bigint[] {
  const [a, b, c] = decodeAbiParameters(PROOF_TYPES, encoded as Hex);
  return [...a, ...b[0], ...b[1], ...c];
}

export function encodeProofWords(words: readonly bigint[]): string {
  if (words.length !== 8) throw new RangeError(`a Groth16 proof has 8 words, got ${words.length}`);
  const w = [...words];
  const pair = (i: number): Pair => [w[i]!, w[i + 1]!];
  return encodeAbiParameters(PROOF_TYPES, [pair(0), [pair(2), pair(4)], pair(6)]);
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
