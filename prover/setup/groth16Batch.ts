/**
 * The Groth16 batch verifier: Solidity generated from a verification key that checks n proofs of the
 * circuit with ONE pairing-product equation (n + 3 pairings instead of 4n).
 *
 * Each proof i (A_i, B_i, C_i) with public signals s_i1..s_il is valid when
 *     e(A_i, B_i) = e(alpha, beta) * e(vk_x(s_i), gamma) * e(C_i, delta),  vk_x(s) = IC_0 + sum_j s_j IC_j.
 * The batch check raises proof i's equation to a coefficient r_i and multiplies them:
 *     prod_i e(r_i A_i, B_i) * e(-R alpha, beta) * e(-sum_j c_j IC_j, gamma) * e(-sum_i r_i C_i, delta) = 1
 * with R = sum_i r_i and c_j = sum_i r_i s_ij (c_0 = R): the public-input multi-scalar multiplication is
 * folded across the batch, l + 1 scalar multiplications per batch instead of per proof. r_0 = 1 and
 * r_i (i >= 1) = keccak256(seed, i) mod r, where seed = keccak256(vkHash, every proof, every signal):
 * the coefficients exist only once the whole batch is fixed, so a submitter cannot pick proofs whose
 * errors cancel (docs/ARCHITECTURE.md#batch-verification has the argument).
 *
 * Written by zkinfer (not a snarkjs template); the constants come from the snarkjs verification key.
 */
import { encodeAbiParameters, keccak256, parseAbiParameters } from "viem";
import { FIELD_MODULUS } from "../field.js";

/** The BN254 base field, in which curve coordinates live. */
export const BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** What the generator reads of a snarkjs Groth16 verification key (verification_key.json). */
export interface Groth16VerificationKey {
  protocol: string;
  curve: string;
  nPublic: number;
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  IC: string[][];
}

export interface Groth16BatchVerifierSourceParameters {
  vkey: Groth16VerificationKey;
  /** Where the interface lives, relative to the generated file (an import path). */
  interfaceImport: string;
  /** Named in the header: which model and zkey the key comes from. */
  provenance: string;
}

export type G1 = [bigint, bigint];
/** A G2 point in the EVM pairing precompile's order: x imaginary, x real, y imaginary, y real (EIP-197). */
export type G2 = [bigint, bigint, bigint, bigint];

/** A verification key's G1 point (snarkjs's projective strings, z = 1) as affine coordinates. */
export function g1(p: string[]): G1 {
  if (p[2] !== "1") throw new RangeError(`verification key G1 point ${JSON.stringify(p)} is not affine (z must be 1)`);
  return [BigInt(p[0]!), BigInt(p[1]!)];
}

export function negate([x, y]: G1): G1 {
  return [x, y === 0n ? 0n : BASE_FIELD_MODULUS - y];
}

/** A verification key's G2 point in EIP-197 order. */
export function g2(p: string[][]): G2 {
  if (p[2]?.[0] !== "1" || p[2]?.[1] !== "0") throw new RangeError("verification key G2 point is not affine (z must be 1)");
  return [BigInt(p[0]![1]!), BigInt(p[0]![0]!), BigInt(p[1]![1]!), BigInt(p[1]![0]!)];
}

/**
 * keccak256 of every constant of the key, abi-encoded as uint256 words (alpha, beta, gamma, delta in
 * precompile order, then IC_0..IC_l): the first input of the batch seed, so coefficients drawn for one
 * key mean nothing for another.
 */
export function verificationKeyHash(vkey: Groth16VerificationKey): string {
  const words = [...g1(vkey.vk_alpha_1), ...g2(vkey.vk_beta_2), ...g2(vkey.vk_gamma_2), ...g2(vkey.vk_delta_2), ...vkey.IC.flatMap((p) => g1(p))];
  return keccak256(encodeAbiParameters(parseAbiParameters("uint256[]"), [words]));
}

/**
 * The `Groth16BatchVerifier` abstract contract for `vkey`: implements
 * {IBatchInferenceVerifier-verifyBatch}. Deterministic: the same key gives the same text.
 *
 * @example
 * writeFileSync(out, groth16BatchVerifierSource({ vkey, interfaceImport: "../IBatch.sol", provenance: "credit-score" }));
 */
export function groth16BatchVerifierSource({ vkey, interfaceImport, provenance }: Groth16BatchVerifierSourceParameters): string {
  if (vkey.protocol !== "groth16" || vkey.curve !== "bn128") {
    throw new RangeError(`a Groth16 batch verifier needs a groth16 bn128 key, got ${vkey.protocol} ${vkey.curve}`);
  }
  const l = vkey.nPublic;
  if (vkey.IC.length !== l + 1) throw new RangeError(`verification key has ${vkey.IC.length} IC points for ${l} public signals (expected ${l + 1})`);
  const hex = (x: bigint) => x.toString();
  const [nax, nay] = negate(g1(vkey.vk_alpha_1));
  const g2Const = (name: string, p: G2) =>
    p.map((w, k) => `    uint256 private constant _${name}_${["X_IM", "X_RE", "Y_IM", "Y_RE"][k]} = ${hex(w)};`).join("\n");
  const ic = vkey.IC.map((p) => negate(g1(p)));
  const icConsts = ic
    .map(([x, y], j) => `    uint256 private constant _NEG_IC${j}_X = ${hex(x)};\n    uint256 private constant _NEG_IC${j}_Y = ${hex(y)};`)
    .join("\n");
  // sum_{j>=1} c_j * (-IC_j) added to the accumulator at `s` (which starts as R * (-IC_0)); c_j is at cs + 32 (j - 1).
  const icTerms = ic
    .slice(1)
    .map(
      (_p, k) => `            mstore(add(s, 0x40), _NEG_IC${k + 1}_X)
            mstore(add(s, 0x60), _NEG_IC${k + 1}_Y)
            mstore(add(s, 0x80), mload(add(cs, ${hex(BigInt(32 * k))})))
            ok := and(ok, staticcall(gas(), 0x07, add(s, 0x40), 0x60, add(s, 0x40), 0x40))
            ok := and(ok, staticcall(gas(), 0x06, s, 0x80, s, 0x40))`,
    )
    .join("\n");

  return `// SPDX-License-Identifier: MIT
// AUTO-GENERATED by zkinfer (prover/setup/groth16Batch.ts) from the Groth16 verification key of ${provenance}.
// Never edit: regenerate with \`npm run build:models\`.
pragma solidity ^0.8.28;

import {IBatchInferenceVerifier} from "${interfaceImport}";

/**
 * @notice Checks n Groth16 proofs of one circuit (${l} public signals each) with one pairing-product
 * equation: n + 3 pairings, 2 (n - 1) + ${l + 2} scalar multiplications. See prover/setup/groth16Batch.ts
 * for the equation and docs/ARCHITECTURE.md#batch-verification for why it is sound.
 * @dev Identifiers are \`_\`-prefixed: the per-model contract also inherits snarkjs's single verifier.
 */
abstract contract Groth16BatchVerifier is IBatchInferenceVerifier {
    /// @dev The BN254 scalar field r (public signals, coefficients) and base field q (coordinates).
    uint256 private constant _R = ${hex(FIELD_MODULUS)};
    uint256 private constant _Q = ${hex(BASE_FIELD_MODULUS)};
    uint256 private constant _SIGNALS = ${l};
    uint256 private constant _PROOF_BYTES = 256;
    /// @dev keccak256 of the key's constants (prover/setup/groth16Batch.ts verificationKeyHash): seeds the coefficients.
    bytes32 private constant _VK_HASH = ${verificationKeyHash(vkey)};

    /// @dev -alpha (G1), and beta, gamma, delta (G2) in the pairing precompile's order.
    uint256 private constant _NEG_ALPHA_X = ${hex(nax)};
    uint256 private constant _NEG_ALPHA_Y = ${hex(nay)};
${g2Const("BETA", g2(vkey.vk_beta_2))}
${g2Const("GAMMA", g2(vkey.vk_gamma_2))}
${g2Const("DELTA", g2(vkey.vk_delta_2))}

    /// @dev -IC_j (G1): the public-input term is computed negated, so no negation is needed at run time.
${icConsts}

${verifyBatchFunction(icTerms)}`;
}

/**
 * The contract's verifyBatch: the folded pairing-product check in assembly; `icTerms` adds
 * sum_j c_j * (-IC_j) to the accumulator.
 */
function verifyBatchFunction(icTerms: string): string {
  return `    /// @dev See {IBatchInferenceVerifier-verifyBatch}.
    function verifyBatch(bytes calldata proofs, uint256[] calldata publicSignals) external view returns (bool valid) {
        uint256 total = publicSignals.length;
        uint256 n = total / _SIGNALS;
        if (n == 0 || n * _SIGNALS != total) revert InferenceVerifierInvalidBatch(_SIGNALS, total);
        if (proofs.length != n * _PROOF_BYTES) revert InferenceVerifierInvalidProofLength(n * _PROOF_BYTES, proofs.length);

        assembly ("memory-safe") {
            // Fiat-Shamir seed over the key, every proof and every signal, hashed from a copy at the free pointer.
            let f := mload(0x40)
            mstore(f, _VK_HASH)
            calldatacopy(add(f, 0x20), proofs.offset, proofs.length)
            calldatacopy(add(add(f, 0x20), proofs.length), publicSignals.offset, shl(5, total))
            let seed := keccak256(f, add(add(0x20, proofs.length), shl(5, total)))

            // The hashed copy is no longer needed: f becomes the pairing input, n + 3 pairs of 192 bytes
            // (G1 point, G2 point). s: scratch for the precompiles, [acc (64) | point (64) | scalar (32)].
            // cs: the folded public-input scalars c_1..c_l.
            let s := add(f, mul(add(n, 3), 0xc0))
            let cs := add(s, 0xa0)
            for { let j := 0 } lt(j, _SIGNALS) { j := add(j, 1) } { mstore(add(cs, shl(5, j)), 0) }

            let ok := 1
            let rSum := 0
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let pp := add(proofs.offset, shl(8, i))
                // Canonical coordinates (< q), so each proof has one encoding; the precompiles then check
                // that A and C are on the curve and that B is in the G2 subgroup.
                for { let k := 0 } lt(k, _PROOF_BYTES) { k := add(k, 0x20) } {
                    ok := and(ok, lt(calldataload(add(pp, k)), _Q))
                }
                // r_0 = 1: one proof's equation needs no randomising (a failing one alone cannot be cancelled),
                // which saves two scalar multiplications per batch.
                let ri := 1
                if i {
                    mstore(0x00, seed)
                    mstore(0x20, i)
                    ri := mod(keccak256(0x00, 0x40), _R)
                }
                rSum := addmod(rSum, ri, _R)

                let pair := add(f, mul(i, 0xc0))
                switch i
                case 0 {
                    calldatacopy(pair, pp, 0x40) // A_0
                    calldatacopy(s, add(pp, 0xc0), 0x40) // acc = C_0
                }
                default {
                    // r_i A_i, straight into the pair
                    calldatacopy(add(s, 0x40), pp, 0x40)
                    mstore(add(s, 0x80), ri)
                    ok := and(ok, staticcall(gas(), 0x07, add(s, 0x40), 0x60, pair, 0x40))
                    // acc += r_i C_i
                    calldatacopy(add(s, 0x40), add(pp, 0xc0), 0x40)
                    ok := and(ok, staticcall(gas(), 0x07, add(s, 0x40), 0x60, add(s, 0x40), 0x40))
                    ok := and(ok, staticcall(gas(), 0x06, s, 0x80, s, 0x40))
                }
                calldatacopy(add(pair, 0x40), add(pp, 0x40), 0x80) // B_i, already in precompile order

                // c_j += r_i s_ij; a signal >= r would alias another statement, so it fails the batch.
                let sp := add(publicSignals.offset, mul(i, shl(5, _SIGNALS)))
                for { let j := 0 } lt(j, _SIGNALS) { j := add(j, 1) } {
                    let v := calldataload(add(sp, shl(5, j)))
                    ok := and(ok, lt(v, _R))
                    let cj := add(cs, shl(5, j))
                    mstore(cj, addmod(mload(cj), mulmod(ri, v, _R), _R))
                }
            }

            // Pair n + 2: (-sum r_i C_i, delta). Negation is (x, q - y), and the identity (0, 0) stays itself.
            let pd := add(f, mul(add(n, 2), 0xc0))
            mstore(pd, mload(s))
            mstore(add(pd, 0x20), mod(sub(_Q, mload(add(s, 0x20))), _Q))
            mstore(add(pd, 0x40), _DELTA_X_IM)
            mstore(add(pd, 0x60), _DELTA_X_RE)
            mstore(add(pd, 0x80), _DELTA_Y_IM)
            mstore(add(pd, 0xa0), _DELTA_Y_RE)

            // Pair n: (R * -alpha, beta).
            let pa := add(f, mul(n, 0xc0))
            mstore(add(s, 0x40), _NEG_ALPHA_X)
            mstore(add(s, 0x60), _NEG_ALPHA_Y)
            mstore(add(s, 0x80), rSum)
            ok := and(ok, staticcall(gas(), 0x07, add(s, 0x40), 0x60, pa, 0x40))
            mstore(add(pa, 0x40), _BETA_X_IM)
            mstore(add(pa, 0x60), _BETA_X_RE)
            mstore(add(pa, 0x80), _BETA_Y_IM)
            mstore(add(pa, 0xa0), _BETA_Y_RE)

            // Pair n + 1: (R * -IC_0 + sum_j c_j * -IC_j, gamma), the folded public-input term.
            mstore(add(s, 0x40), _NEG_IC0_X)
            mstore(add(s, 0x60), _NEG_IC0_Y)
            mstore(add(s, 0x80), rSum)
            ok := and(ok, staticcall(gas(), 0x07, add(s, 0x40), 0x60, s, 0x40))
${icTerms}
            let pg := add(pa, 0xc0)
            mstore(pg, mload(s))
            mstore(add(pg, 0x20), mload(add(s, 0x20)))
            mstore(add(pg, 0x40), _GAMMA_X_IM)
            mstore(add(pg, 0x60), _GAMMA_X_RE)
            mstore(add(pg, 0x80), _GAMMA_Y_IM)
            mstore(add(pg, 0xa0), _GAMMA_Y_RE)

            ok := and(ok, staticcall(gas(), 0x08, f, mul(add(n, 3), 0xc0), 0x00, 0x20))
            valid := and(ok, eq(mload(0x00), 1))
        }
    }
}
`;
}
