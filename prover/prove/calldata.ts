/**
 * Proof encoding for the contracts, one per proof system; `proof.protocol` (set by snarkjs) says which.
 * Groth16: IInferenceVerifier takes abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), with each
 * G2 coordinate pair in the (imaginary, real) order the EVM pairing precompile expects: snarkjs's pi_b
 * rows reversed. PLONK and FFLONK: the 24 words of snarkjs's `exportSolidityCallData`, in its order
 * (contracts/verifiers/PlonkFamilyVerifierAdapter.sol; FFLONK's own verifier, prover/setup/fflonkVerifier.ts).
 */
// viem, not ethers: this file is part of the browser prover too.
import type { FflonkProof, Groth16Proof, PlonkProof } from "snarkjs";
import { concatHex, decodeAbiParameters, encodeAbiParameters, numberToHex, parseAbiParameters, type Hex } from "viem";
import { ZkinferError } from "../errors.js";
import type { ProofSystem } from "../model/specSchema.js";

export type { FflonkProof, Groth16Proof, PlonkProof };

/** A snarkjs proof of any of the three systems. */
export type SnarkProof = Groth16Proof | PlonkProof | FflonkProof;

/** The proof system a snarkjs proof object says it belongs to; throws naming the field otherwise. */
export function proofSystemOfProof(proof: unknown): ProofSystem {
  const protocol = (proof as { protocol?: unknown } | null)?.protocol;
  if (protocol === "groth16" || protocol === "plonk" || protocol === "fflonk") return protocol;
  throw new ZkinferError(`The proof's \`protocol\` is ${JSON.stringify(protocol)}: expected "groth16", "plonk" or "fflonk" (a snarkjs proof object).`);
}

/** Throws a clear error when a proof of one system is given to another system's key or verifier. */
export function assertProofSystem(proof: unknown, expected: ProofSystem, what: string): void {
  const actual = proofSystemOfProof(proof);
  if (actual !== expected) {
    throw new ZkinferError(`This is a ${actual} proof, but ${what} is ${expected}: prove with the model's own build, or check against a ${actual} build.`);
  }
}

/** The field names of the 24 PLONK-family proof words, in the verifiers' calldata order. */
const PLONK_POINTS = ["A", "B", "C", "Z", "T1", "T2", "T3", "Wxi", "Wxiw"] as const;
const PLONK_EVALS = ["eval_a", "eval_b", "eval_c", "eval_s1", "eval_s2", "eval_zw"] as const;
const FFLONK_POINTS = ["C1", "C2", "W1", "W2"] as const;
const FFLONK_EVALS = ["ql", "qr", "qm", "qo", "qc", "s1", "s2", "s3", "a", "b", "c", "z", "zw", "t1w", "t2w", "inv"] as const;

/** The proof bytes IInferenceVerifier takes for `proof` (its system from `proof.protocol`). */
export function encodeProof(proof: SnarkProof): Hex {
  switch (proofSystemOfProof(proof)) {
    case "groth16":
      return encodeGroth16Proof(proof as Groth16Proof);
    case "plonk":
    case "fflonk":
      // abi.encode(uint256[24]): the 24 words back to back.
      return concatHex(plonkFamilyWords(proof as PlonkProof | FflonkProof).map((w) => numberToHex(w, { size: 32 })));
  }
}

function plonkFamilyWords(proof: PlonkProof | FflonkProof): bigint[] {
  const at = (value: unknown, where: string): bigint => {
    if (typeof value !== "string") throw new ZkinferError(`The ${proof.protocol} proof has no ${where}: pass a snarkjs ${proof.protocol} proof.`);
    return BigInt(value);
  };
  if (proof.protocol === "plonk") {
    const p = proof as PlonkProof;
    return [...PLONK_POINTS.flatMap((k) => [at(p[k]?.[0], `${k}[0]`), at(p[k]?.[1], `${k}[1]`)]), ...PLONK_EVALS.map((k) => at(p[k], k))];
  }
  const f = proof as FflonkProof;
  return [
    ...FFLONK_POINTS.flatMap((k) => [at(f.polynomials?.[k]?.[0], `polynomials.${k}[0]`), at(f.polynomials?.[k]?.[1], `polynomials.${k}[1]`)]),
    ...FFLONK_EVALS.map((k) => at(f.evaluations?.[k], `evaluations.${k}`)),
  ];
}

const PROOF_TYPES = parseAbiParameters("uint256[2], uint256[2][2], uint256[2]");

function encodeGroth16Proof(proof: Groth16Proof): Hex {
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
 * from a verifyAndAct transaction) of a `system` proof, ready for snarkjs's `verify`. Throws when the
 * bytes have another system's length (256 for Groth16, 768 for PLONK and FFLONK).
 */
export function decodeProof(encoded: string, system: ProofSystem = "groth16"): SnarkProof {
  const bytes = (encoded.length - 2) / 2;
  const expected = system === "groth16" ? 256 : 768;
  if (bytes !== expected) throw new ZkinferError(`A ${system} proof is ${expected} bytes; these proof bytes are ${bytes} (a proof of another system?).`);
  if (system === "groth16") return decodeGroth16Proof(encoded);
  const w = Array.from({ length: 24 }, (_, i) => BigInt(`0x${encoded.slice(2 + 64 * i, 66 + 64 * i)}`).toString());
  const curve = { protocol: system, curve: "bn128" };
  if (system === "plonk") {
    const points = Object.fromEntries(PLONK_POINTS.map((k, i) => [k, [w[2 * i]!, w[2 * i + 1]!, "1"]]));
    const evals = Object.fromEntries(PLONK_EVALS.map((k, i) => [k, w[18 + i]!]));
    return { ...points, ...evals, ...curve } as unknown as PlonkProof;
  }
  return {
    polynomials: Object.fromEntries(FFLONK_POINTS.map((k, i) => [k, [w[2 * i]!, w[2 * i + 1]!, "1"]])),
    evaluations: Object.fromEntries(FFLONK_EVALS.map((k, i) => [k, w[8 + i]!])),
    ...curve,
  } as unknown as FflonkProof;
}

function decodeGroth16Proof(encoded: string): Groth16Proof {
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
