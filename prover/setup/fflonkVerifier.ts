/**
 * zkinfer's own FFLONK verifier: Solidity generated from a snarkjs FFLONK verification key, making the
 * checks of snarkjs 0.7.6's verifier (src/fflonk_verify.js, templates/verifier_fflonk.sol.ejs; the two
 * deliberate differences are at the end of this comment) for a fraction of the arithmetic. It replaces
 * snarkjs's template + PlonkFamilyVerifierAdapter for `"proofSystem": "fflonk"` models (issue 15);
 * PLONK keeps the template.
 *
 * The proof is the 24 words of snarkjs's exportSolidityCallData (prover/prove/calldata.ts):
 * C1, C2, W1, W2 (G1 points), then the evaluations ql qr qm qo qc s1 s2 s3 a b c z zw t1w t2w and the
 * prover's batch inverse `inv`. The contract reads them from `verify`'s own calldata (no self-call).
 *
 * Why it is cheaper than the template and still the same check. The template interpolates three
 * polynomials r0, r1, r2 through 8, 4 and 6 points with Lagrange bases, which needs 18 per-point
 * denominators in the batch inversion, plus the 8 + 4 + 6 roots themselves. But each r_i has degree
 * below its point count and the values interpolated come from known low-degree polynomials:
 *   - r0 interpolates C0(x) = ql + qr x + qo x^2 + qm x^3 + qc x^4 + s1 x^5 + s2 x^6 + s3 x^7 on the 8
 *     roots of X^8 = xi, so r0(y) = C0(y): a Horner evaluation, no roots, no inverses;
 *   - r1 interpolates a + b x + c x^2 + T0 x^3 on the 4 roots of X^4 = xi, so r1(y) is that cubic at y;
 *   - r2 interpolates p1(x) = z + T1 x + T2 x^2 on the roots of X^3 = xi and p2(x) = zw + t1w x +
 *     t2w x^2 on those of X^3 = xi w; by the Chinese remainder theorem
 *     r2(y) = [p1(y) (y^3 - xi w) - p2(y) (y^3 - xi)] / (xi (1 - w)).
 * These are polynomial identities (they hold for every proof, not just honest ones) whenever the points
 * are distinct, which the inverse check below guarantees. The vanishing products the template builds
 * root by root are y^8 - xi, y^4 - xi and (y^3 - xi)(y^3 - xi w).
 *
 * The batch inverse. snarkjs's prover sends inv = 1 / (the product of the template's 21 + nPublic
 * denominators), and the contracts must check that very product (a proof carries no other inverse).
 * Multiplied out, with h0^8 = h1^4 = h2^3 = xi, h3^3 = xi w, w8^4 = w4^2 = -1 and w3 a primitive cube root:
 *   product = K * Z_H(xi) * xi^20 * (y^4 - xi)^2 * (y^3 - xi)^2 (y^3 - xi w)^2 * (y^8 - xi) * prod_j (xi - w^j)
 * with the key constant K = -(8^8 * 4^4 * 3^6 * w^2 (1 - w)^6 * n^nPublic). The generator checks the
 * key's roots of unity satisfy those relations, so the contract's product equals the template's for
 * every input, and `acc * inv == 1` accepts and rejects exactly the same proofs. The inverses the
 * verifier needs (1/Z_H, 1/xi, 1/(y^4 - xi), 1/((y^3 - xi)(y^3 - xi w)), 1/(xi - w^j)) come out of it by
 * Montgomery's trick, 4 + nPublic elements instead of 21 + nPublic.
 *
 * The rest is snarkjs's: the Keccak transcript (beta, gamma, xi seed, alpha, y), T0, T1 (= (z - 1) L1 /
 * Z_H, where Z_H cancels), T2, the quotients alpha (y^8 - xi) / (y^4 - xi) and alpha^2 (y^8 - xi) / Z_S2(y),
 * and the pairing e(F - E - J + y W2, [1]_2) = e(W2, [x]_2), here with E and J's scalars negated so
 * that F - E - J + y W2 is five scalar multiplications and five additions (the template uses seven
 * additions).
 *
 * Public signals >= r: snarkjs's JS verifier rejects them (publicInputsAreValid); its Solidity template
 * does not check them (InferenceHub._checkSignals does). This contract returns false for them, like
 * the JS verifier, for about 15 gas each, so no caller of the verifier alone can rely on a reduced
 * signal. Proof words: coordinates must be < p (the base field) and each point on the curve, which
 * also rejects (0, 0), the precompiles' point at infinity; evaluations, inv included, must be < r. The
 * template compares coordinates with r instead of p, so it also rejects a valid point with a coordinate
 * in [r, p), which an honest proof has with probability about 2^-127; this contract accepts it.
 *
 * Size: the per-signal code is unrolled (about 240 bytes of runtime per public signal with the
 * project's legacy-pipeline settings, 6.5 kB at 5; about 1 kB per signal under viaIR, whose stack
 * spills grow with it), so a key with more than about 70 public signals (about 20 under viaIR) would
 * exceed the 24,576-byte contract limit; snarkjs's template unrolls them too.
 */
import { FIELD_MODULUS as R } from "../field.js";
import { BASE_FIELD_MODULUS as P } from "./groth16Batch.js";

/** What the generator reads of a snarkjs FFLONK verification key (zKey.exportVerificationKey). */
export interface FflonkVerificationKey {
  protocol: string;
  curve: string;
  nPublic: number;
  power: number;
  k1: string;
  k2: string;
  w: string;
  w3: string;
  w4: string;
  w8: string;
  wr: string;
  X_2: string[][];
  C0: string[];
}

export interface FflonkVerifierSourceParameters {
  vkey: FflonkVerificationKey;
  /** The contract's name, e.g. CreditScoreFflonkVerifier. */
  contractName: string;
  /** Where IInferenceVerifier lives, relative to the generated file (an import path). */
  interfaceImport: string;
  /** Named in the header: which model and zkey the key comes from, e.g. "model x, zkey sha256 ...". */
  provenance: string;
}

/** The BN254 G2 generator in the pairing precompile's order (x imaginary, x real, y imaginary, y real). */
const G2_ONE = [
  11559732032986387107991004021392285783925812861821192530917403151452391805634n,
  10857046999023057135944570762232829481370756359578518086990519993285655852781n,
  4082367875863433681332203403145435568316851327593401208105741076214120093531n,
  8495653923123431417604973247489272438418190587263600148770280649306958101930n,
] as const;

/** The proof's word indices (calldata.ts order). */
const EVALS = ["ql", "qr", "qm", "qo", "qc", "s1", "s2", "s3", "a", "b", "c", "z", "zw", "t1w", "t2w", "inv"] as const;
type Eval = (typeof EVALS)[number];

const mod = (a: bigint): bigint => ((a % R) + R) % R;
function pow(base: bigint, e: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % R;
    b = (b * b) % R;
  }
  return result;
}
const inverse = (a: bigint): bigint => pow(a, R - 2n);
const hex = (x: bigint): string => `0x${x.toString(16)}`;

function element(value: string, what: string): bigint {
  const x = BigInt(value);
  if (x < 0n || x >= R) throw new RangeError(`FFLONK verification key: ${what} = ${value} is not a field element`);
  return x;
}

/**
 * The most public signals a generated FFLONK verifier takes: its per-signal code is unrolled, and under
 * the project's viaIR settings a verifier of 21 signals is 23,819 bytes of runtime and one of 22 is
 * 25,297, past EIP-170's 24,576 (measured by generating and compiling verifiers for 5 to 30 signals).
 * 20 leaves a margin for other keys' constants.
 */
export const FFLONK_MAX_PUBLIC_SIGNALS = 20;

/** Why a model cannot use FFLONK, or undefined: too many public signals for a deployable verifier. */
export function fflonkSignalLimitError(model: string, numPublicSignals: number): string | undefined {
  if (numPublicSignals <= FFLONK_MAX_PUBLIC_SIGNALS) return undefined;
  return (
    `${model} has ${numPublicSignals} public signals; an FFLONK verifier takes at most ${FFLONK_MAX_PUBLIC_SIGNALS} ` +
    `(its code grows by about 1 kB per signal and would pass the 24,576-byte contract size limit). ` +
    `Use "proofSystem": "groth16" or "plonk", or make inputs private.`
  );
}

/** The key's constants, checked against the relations the verifier's closed forms rely on. */
export function fflonkVerifierConstants(vkey: FflonkVerificationKey) {
  if (vkey.protocol !== "fflonk" || vkey.curve !== "bn128")
    throw new RangeError(`not a bn128 FFLONK verification key (protocol ${vkey.protocol}, curve ${vkey.curve})`);
  const m = vkey.nPublic;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`FFLONK verification key: nPublic ${m}; the verifier needs at least one public signal`);
  const tooMany = fflonkSignalLimitError("this key", m);
  if (tooMany) throw new RangeError(`FFLONK verification key: ${tooMany}`);
  if (!Number.isInteger(vkey.power) || vkey.power < 1 || vkey.power > 28) throw new RangeError(`FFLONK verification key: power ${vkey.power} out of range`);
  const n = 1n << BigInt(vkey.power);
  const w = element(vkey.w, "w");
  const w3 = element(vkey.w3, "w3");
  const w4 = element(vkey.w4, "w4");
  const w8 = element(vkey.w8, "w8");
  const wr = element(vkey.wr, "wr");
  const k1 = element(vkey.k1, "k1");
  const k2 = element(vkey.k2, "k2");
  const minusOne = R - 1n;
  // The template's roots are h0 w8^i, h1 w4^i, h2 w3^i, h3 w3^i with h3 = h2 wr; its products of
  // (y - root) are the vanishing polynomials used here only if these hold.
  const relations: [string, boolean][] = [
    ["w is a primitive 2^power-th root of unity", pow(w, n) === 1n && pow(w, n / 2n) === minusOne],
    ["w8^4 = -1 (a primitive 8th root)", pow(w8, 4n) === minusOne],
    ["w4^2 = -1 (a primitive 4th root)", pow(w4, 2n) === minusOne],
    ["w3 is a primitive cube root", pow(w3, 3n) === 1n && w3 !== 1n],
    ["wr^3 = w", pow(wr, 3n) === w],
  ];
  for (const [what, holds] of relations) if (!holds) throw new RangeError(`FFLONK verification key: expected ${what}`);
  if (vkey.C0[2] !== "1") throw new RangeError("FFLONK verification key: C0 is not affine (z must be 1)");
  if (vkey.X_2[2]?.[0] !== "1" || vkey.X_2[2]?.[1] !== "0") throw new RangeError("FFLONK verification key: X_2 is not affine (z must be 1)");
  const C0 = [BigInt(vkey.C0[0]!), BigInt(vkey.C0[1]!)] as const;
  const X2 = [BigInt(vkey.X_2[0]![1]!), BigInt(vkey.X_2[0]![0]!), BigInt(vkey.X_2[1]![1]!), BigInt(vkey.X_2[1]![0]!)] as const;
  for (const c of [...C0, ...X2]) if (c >= P) throw new RangeError("FFLONK verification key: a coordinate is not below the base field modulus");
  const nInv = inverse(n);
  const wPowers = Array.from({ length: m }, (_, j) => pow(w, BigInt(j)));
  return {
    m,
    power: vkey.power,
    w,
    k1,
    k2,
    C0,
    X2,
    /** 1/n, which T1's L1(xi) / Z_H(xi) = 1 / (n (xi - 1)) leaves. */
    nInv,
    /** r - w^j: xi - w^j is addmod(xi, this). */
    negWPowers: wPowers.map((x) => mod(-x)),
    /** w^j / n: L_{j+1}(xi) / Z_H(xi) = (w^j / n) / (xi - w^j). */
    lagrangeFactors: wPowers.map((x) => (x * nInv) % R),
    /** 1 / (1 - w): r2's denominator is xi (1 - w). */
    oneMinusWInv: inverse(mod(1n - w)),
    /** The constant of the template's denominator product (see the file comment). */
    K: mod(-(pow(8n, 8n) * 256n * 729n * pow(w, 2n) * pow(mod(1n - w), 6n) * pow(n, BigInt(m)))),
  };
}

/** The Solidity source of `contract <contractName> is IInferenceVerifier` for this key. */
export function fflonkVerifierSource({ vkey, contractName, interfaceImport, provenance }: FflonkVerifierSourceParameters): string {
  const k = fflonkVerifierConstants(vkey);
  const m = k.m;
  // Named in the contract (solc inlines constants referenced from assembly).
  const Rh = "R_MOD";
  const Ph = "P_MOD";
  const lines: string[] = [];
  const emit = (s: string) => lines.push(s);
  const x = (offset: number) => (offset === 0 ? "m" : `add(m, ${hex(BigInt(offset))})`);

  const a: FflonkAssembly = { emit, x, k, m, L: fflonkLayout(m), Rh, Ph };
  emitWellFormedness(a);
  emitChallenges(a);
  emitInverses(a);
  emitR0R1(a);
  emitR2(a);
  emitPairing(a);

  const body = lines.map((l) => (l === "" ? "" : `            ${l}`)).join("\n");
  return `// SPDX-License-Identifier: MIT
// AUTO-GENERATED by zkinfer (prover/setup/fflonkVerifier.ts) from ${provenance}.
// Never edit: regenerate with \`npm run build:models\`.
pragma solidity ^0.8.28;

import {IInferenceVerifier} from "${interfaceImport}";

/**
 * @notice FFLONK verifier (${m} public signals, domain 2^${k.power}) behind IInferenceVerifier: the
 * checks of snarkjs's FFLONK verifier, with every key constant inlined and r0, r1, r2 evaluated in
 * closed form instead of by Lagrange interpolation (prover/setup/fflonkVerifier.ts says why that is
 * the same check).
 * @dev \`proof\` is the 24 words of snarkjs's exportSolidityCallData, read where \`verify\` received them.
 * A public signal >= r returns false (as snarkjs's JS verifier), besides the hub refusing it first.
 */
contract ${contractName} is IInferenceVerifier {
    /// @dev The BN254 scalar field (evaluations, challenges, signals) and base field (coordinates).
    uint256 private constant R_MOD = ${R};
    uint256 private constant P_MOD = ${P};
    uint256 private constant _PROOF_LENGTH = 768;
    uint256 private constant _NUM_PUBLIC_SIGNALS = ${m};

    /// @inheritdoc IInferenceVerifier
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
        if (proof.length != _PROOF_LENGTH) revert InferenceVerifierInvalidProofLength(_PROOF_LENGTH, proof.length);
        if (publicSignals.length != _NUM_PUBLIC_SIGNALS) revert InferenceVerifierInvalidSignalCount(_NUM_PUBLIC_SIGNALS, publicSignals.length);
        // Memory-safe: scratch space and memory past the free-memory pointer, which it does not move
        // (it returns from within, so no Solidity code runs after it).
        assembly ("memory-safe") {
${body}
        }
    }
}
`;
}

/**
 * Memory map: offsets from the free-memory pointer `m`, read once and never moved (the block ends the
 * call with `return`). See fflonkVerifierSource.
 */
function fflonkLayout(m: number) {
  // Memory map: offsets from the free-memory pointer `m`, read once and never moved (the block ends the
  // call with `return`). A runtime base rather than absolute addresses: with constant addresses solc's
  // IR optimizer resolves every reload to the value stored and keeps them all on the stack, which then
  // runs out (stack too deep under viaIR); the base costs ~6 gas per access in the legacy pipeline.
  // The transcript of beta is C0, the signals and C1, so C0 and the signals are laid out just before
  // the proof and hashed in place.
  const C0_AT = 0;
  const PUB = 64;
  const PROOF = PUB + 32 * m;
  const word = (i: number) => PROOF + 32 * i;
  const C1 = word(0);
  const C2 = word(2);
  const W1 = word(4);
  const W2 = word(6);
  const ev = (name: Eval) => word(8 + EVALS.indexOf(name));
  let next = PROOF + 768;
  const slot = () => {
    const at = next;
    next += 32;
    return at;
  };
  const BETA = slot();
  const GAMMA = slot();
  const ALPHA = slot();
  const A3 = slot(); // y^3 - xi
  const B3 = slot(); // y^3 - xi w
  const H0 = slot(); // y^8 - xi
  const R0 = slot();
  const R1 = slot();
  const R2 = slot();
  // Batch inversion: the elements, their prefix products, their inverses.
  const ZH = slot();
  const D1 = slot(); // y^4 - xi
  const D2 = slot(); // (y^3 - xi)(y^3 - xi w)
  const DJ = Array.from({ length: m }, slot); // xi - w^j
  const PREFIX = Array.from({ length: 4 + m }, slot);
  const INV_ZH = slot();
  const INV_XI = slot();
  const INV_D1 = slot();
  const INV_D2 = slot();
  const INV_DJ = Array.from({ length: m }, slot);
  // Points: the accumulator, then the scalar multiplication's input/output right after it, so one
  // ecAdd reads both; the pairing's 12 words start at the accumulator.
  const ACC = slot();
  next += 32 * 11;

  return {
    C0_AT,
    PUB,
    PROOF,
    C1,
    C2,
    W1,
    W2,
    ev,
    BETA,
    GAMMA,
    ALPHA,
    A3,
    B3,
    H0,
    R0,
    R1,
    R2,
    ZH,
    D1,
    D2,
    DJ,
    PREFIX,
    INV_ZH,
    INV_XI,
    INV_D1,
    INV_D2,
    INV_DJ,
    ACC,
  };
}

type FflonkLayout = ReturnType<typeof fflonkLayout>;

/** What the assembly sections share: the line sink, the memory map and the key's constants. */
interface FflonkAssembly {
  emit: (s: string) => void;
  /** The memory expression of an offset from `m`. */
  x: (offset: number) => string;
  k: ReturnType<typeof fflonkVerifierConstants>;
  m: number;
  L: FflonkLayout;
  /** The names of the scalar and base field moduli in the contract. */
  Rh: string;
  Ph: string;
}

/** Copies the signals and the proof into memory and returns false unless every word is below its field and every point on the curve. */
function emitWellFormedness(a: FflonkAssembly): void {
  const { emit, x, k, m, Rh, Ph } = a;
  const { C0_AT, PUB, PROOF, C1, C2, W1, W2, ev } = a.L;
  emit(`// Copy the signals and the proof next to C0: the layout of beta's transcript.`);
  emit(`let m := mload(0x40)`);
  emit(`mstore(${x(C0_AT)}, ${hex(k.C0[0])})`);
  emit(`mstore(${x(C0_AT + 32)}, ${hex(k.C0[1])})`);
  emit(`calldatacopy(${x(PUB)}, publicSignals.offset, ${hex(BigInt(32 * m))})`);
  emit(`calldatacopy(${x(PROOF)}, proof.offset, 0x300)`);
  emit(``);
  emit(`// Well-formedness, as snarkjs's verifier: every word below its field, every point on the curve.`);
  emit(`// Checked before any precompile runs: a failing precompile call would burn the gas it was given.`);
  emit(`{`);
  emit(`    let ok := lt(mload(${x(PUB)}), ${Rh})`);
  for (let j = 1; j < m; j++) emit(`    ok := and(ok, lt(mload(${x(PUB + 32 * j)}), ${Rh}))`);
  for (const [name, at] of [
    ["C1", C1],
    ["C2", C2],
    ["W1", W1],
    ["W2", W2],
  ] as const) {
    emit(`    {`);
    emit(`        // ${name}: y^2 = x^3 + 3 also rejects (0, 0), which the precompiles would take as infinity.`);
    emit(`        let px := mload(${x(at)})`);
    emit(`        let py := mload(${x(at + 32)})`);
    emit(
      `        ok := and(ok, and(and(lt(px, ${Ph}), lt(py, ${Ph})), eq(mulmod(py, py, ${Ph}), addmod(mulmod(mulmod(px, px, ${Ph}), px, ${Ph}), 3, ${Ph}))))`,
    );
    emit(`    }`);
  }
  for (const name of EVALS) emit(`    ok := and(ok, lt(mload(${x(ev(name))}), ${Rh})) // ${name}`);
  emit(`    if iszero(ok) {`);
  emit(`        mstore(0x00, 0)`);
  emit(`        return(0x00, 0x20)`);
  emit(`    }`);
  emit(`}`);
  emit(``);
}

/** The Fiat-Shamir challenges beta, gamma, alpha, y and xi. */
function emitChallenges(a: FflonkAssembly): void {
  const { emit, x, m, Rh } = a;
  const { C0_AT, C2, W1, ev, BETA, GAMMA, ALPHA } = a.L;
  emit(`// Fiat-Shamir, byte for byte snarkjs's Keccak256Transcript. The word before C2, ql and W1 (C1's y,`);
  emit(`// W2's y, C2's y) is lent to the next transcript, so it is hashed in place, then put back.`);
  emit(`let y`);
  emit(`let xi`);
  emit(`{`);
  emit(`    let beta := mod(keccak256(${x(C0_AT)}, ${hex(BigInt(32 * (4 + m)))}), ${Rh})`);
  emit(`    mstore(${x(BETA)}, beta)`);
  emit(`    mstore(0x00, beta)`);
  emit(`    let challenge := mod(keccak256(0x00, 0x20), ${Rh})`);
  emit(`    mstore(${x(GAMMA)}, challenge)`);
  emit(`    let saved := mload(${x(C2 - 32)})`);
  emit(`    mstore(${x(C2 - 32)}, challenge)`);
  emit(`    let xiSeed := mod(keccak256(${x(C2 - 32)}, 0x60), ${Rh})`);
  emit(`    mstore(${x(C2 - 32)}, saved)`);
  emit(`    saved := mload(${x(ev("ql") - 32)})`);
  emit(`    mstore(${x(ev("ql") - 32)}, xiSeed)`);
  emit(`    challenge := mod(keccak256(${x(ev("ql") - 32)}, 0x200), ${Rh})`);
  emit(`    mstore(${x(ev("ql") - 32)}, saved)`);
  emit(`    mstore(${x(ALPHA)}, challenge)`);
  emit(`    saved := mload(${x(W1 - 32)})`);
  emit(`    mstore(${x(W1 - 32)}, challenge)`);
  emit(`    y := mod(keccak256(${x(W1 - 32)}, 0x60), ${Rh})`);
  emit(`    mstore(${x(W1 - 32)}, saved)`);
  emit(`    // xi = xiSeed^24 (h0 = xiSeed^3, h1 = xiSeed^6, h2 = xiSeed^8 are its 8th, 4th and 3rd roots).`);
  emit(`    xi := mulmod(mulmod(xiSeed, xiSeed, ${Rh}), xiSeed, ${Rh})`);
  emit(`    xi := mulmod(xi, xi, ${Rh})`);
  emit(`    xi := mulmod(xi, xi, ${Rh})`);
  emit(`    xi := mulmod(xi, xi, ${Rh})`);
  emit(`}`);
  emit(``);
}

/** The vanishing values and one batch inversion of every denominator; false unless the prover's inverse inverts their product. */
function emitInverses(a: FflonkAssembly): void {
  const { emit, x, k, m, Rh } = a;
  const { ev, A3, B3, H0, ZH, D1, D2, DJ, PREFIX, INV_ZH, INV_XI, INV_D1, INV_D2, INV_DJ } = a.L;
  emit(`// The vanishing values and the batch inversion (see prover/setup/fflonkVerifier.ts for the product).`);
  emit(`{`);
  emit(`    let zh := xi`);
  for (let i = 0; i < k.power; i++) emit(`    zh := mulmod(zh, zh, ${Rh})`);
  emit(`    mstore(${x(ZH)}, addmod(zh, ${hex(R - 1n)}, ${Rh}))`);
  emit(`}`);
  emit(`{`);
  emit(`    let minusXi := sub(${Rh}, xi)`);
  emit(`    let y3 := mulmod(mulmod(y, y, ${Rh}), y, ${Rh})`);
  emit(`    let y4 := mulmod(y3, y, ${Rh})`);
  emit(`    mstore(${x(D1)}, addmod(y4, minusXi, ${Rh}))`);
  emit(`    mstore(${x(H0)}, addmod(mulmod(y4, y4, ${Rh}), minusXi, ${Rh}))`);
  emit(`    let a3 := addmod(y3, minusXi, ${Rh})`);
  emit(`    mstore(${x(A3)}, a3)`);
  emit(`    let b3 := addmod(y3, sub(${Rh}, mulmod(xi, ${hex(k.w)}, ${Rh})), ${Rh})`);
  emit(`    mstore(${x(B3)}, b3)`);
  emit(`    mstore(${x(D2)}, mulmod(a3, b3, ${Rh}))`);
  for (let j = 0; j < m; j++) emit(`    mstore(${x(DJ[j]!)}, addmod(xi, ${hex(k.negWPowers[j]!)}, ${Rh})) // xi - w^${j}`);
  emit(`}`);
  emit(`{`);
  emit(`    // The factors whose inverses are not needed: K xi^19 (y^4 - xi)(y^3 - xi)(y^3 - xi w)(y^8 - xi).`);
  emit(`    let acc := mulmod(xi, xi, ${Rh})`);
  emit(`    let xi16 := mulmod(acc, acc, ${Rh})`);
  emit(`    xi16 := mulmod(xi16, xi16, ${Rh})`);
  emit(`    xi16 := mulmod(xi16, xi16, ${Rh})`);
  emit(`    acc := mulmod(mulmod(xi16, acc, ${Rh}), mulmod(xi, ${hex(k.K)}, ${Rh}), ${Rh})`);
  emit(`    acc := mulmod(acc, mulmod(mulmod(mload(${x(D1)}), mload(${x(D2)}), ${Rh}), mload(${x(H0)}), ${Rh}), ${Rh})`);
  const elements: [string, number, number][] = [
    [`mload(${x(ZH)})`, PREFIX[0]!, INV_ZH],
    ["xi", PREFIX[1]!, INV_XI],
    [`mload(${x(D1)})`, PREFIX[2]!, INV_D1],
    [`mload(${x(D2)})`, PREFIX[3]!, INV_D2],
  ];
  for (let j = 0; j < m; j++) elements.push([`mload(${x(DJ[j]!)})`, PREFIX[4 + j]!, INV_DJ[j]!]);
  for (const [value, prefix] of elements) {
    emit(`    mstore(${x(prefix)}, acc)`);
    emit(`    acc := mulmod(acc, ${value}, ${Rh})`);
  }
  emit(`    // acc is now the template's product of denominators; the prover's inverse must invert it.`);
  emit(`    let inv := mload(${x(ev("inv"))})`);
  emit(`    if iszero(eq(mulmod(acc, inv, ${Rh}), 1)) {`);
  emit(`        mstore(0x00, 0)`);
  emit(`        return(0x00, 0x20)`);
  emit(`    }`);
  for (let i = elements.length - 1; i >= 0; i--) {
    const [value, prefix, out] = elements[i]!;
    emit(`    mstore(${x(out)}, mulmod(inv, mload(${x(prefix)}), ${Rh}))`);
    if (i > 0) emit(`    inv := mulmod(inv, ${value}, ${Rh})`);
  }
  emit(`}`);
  emit(``);
}

/** r1(y) and r0(y). */
function emitR0R1(a: FflonkAssembly): void {
  const { emit, x, k, m, Rh } = a;
  const { PUB, ev, R0, R1, INV_ZH, INV_DJ } = a.L;
  emit(`// r1(y) = a + b y + c y^2 + T0 y^3, T0 = (ql a + qr b + qm a b + qo c + qc + PI(xi)) / Z_H(xi),`);
  emit(`// where PI(xi) / Z_H(xi) = -sum_j signal_j (w^j / n) / (xi - w^j).`);
  emit(`{`);
  emit(`    let a := mload(${x(ev("a"))})`);
  emit(`    let b := mload(${x(ev("b"))})`);
  emit(`    let c := mload(${x(ev("c"))})`);
  emit(`    let pi := mulmod(mload(${x(PUB)}), mulmod(mload(${x(INV_DJ[0]!)}), ${hex(k.lagrangeFactors[0]!)}, ${Rh}), ${Rh})`);
  for (let j = 1; j < m; j++)
    emit(`    pi := addmod(pi, mulmod(mload(${x(PUB + 32 * j)}), mulmod(mload(${x(INV_DJ[j]!)}), ${hex(k.lagrangeFactors[j]!)}, ${Rh}), ${Rh}), ${Rh})`);
  emit(
    `    let t0 := addmod(mulmod(addmod(mload(${x(ev("ql"))}), mulmod(mload(${x(ev("qm"))}), b, ${Rh}), ${Rh}), a, ${Rh}), mulmod(mload(${x(ev("qr"))}), b, ${Rh}), ${Rh})`,
  );
  emit(`    t0 := addmod(t0, addmod(mulmod(mload(${x(ev("qo"))}), c, ${Rh}), mload(${x(ev("qc"))}), ${Rh}), ${Rh})`);
  emit(`    t0 := addmod(mulmod(t0, mload(${x(INV_ZH)}), ${Rh}), sub(${Rh}, pi), ${Rh})`);
  emit(`    let r := addmod(c, mulmod(y, t0, ${Rh}), ${Rh})`);
  emit(`    r := addmod(b, mulmod(y, r, ${Rh}), ${Rh})`);
  emit(`    mstore(${x(R1)}, addmod(a, mulmod(y, r, ${Rh}), ${Rh}))`);
  emit(`    // r0(y) = C0(y) = ql + qr y + qo y^2 + qm y^3 + qc y^4 + s1 y^5 + s2 y^6 + s3 y^7 (Horner).`);
  emit(`    r := mload(${x(ev("s3"))})`);
  for (const name of ["s2", "s1", "qc", "qm", "qo", "qr", "ql"] as const) emit(`    r := addmod(mload(${x(ev(name))}), mulmod(y, r, ${Rh}), ${Rh})`);
  emit(`    mstore(${x(R0)}, r)`);
  emit(`}`);
  emit(``);
}

/** r2(y). */
function emitR2(a: FflonkAssembly): void {
  const { emit, x, k, Rh } = a;
  const { ev, BETA, GAMMA, A3, B3, R2, INV_ZH, INV_XI, INV_DJ } = a.L;
  emit(`// r2(y) = [p1(y)(y^3 - xi w) - p2(y)(y^3 - xi)] / (xi (1 - w)), p1 = z + T1 X + T2 X^2, p2 = zw + t1w X + t2w X^2.`);
  emit(`{`);
  emit(`    let beta := mload(${x(BETA)})`);
  emit(`    let gamma := mload(${x(GAMMA)})`);
  emit(`    let z := mload(${x(ev("z"))})`);
  emit(`    let betaXi := mulmod(beta, xi, ${Rh})`);
  emit(`    let t2 := addmod(mload(${x(ev("a"))}), addmod(betaXi, gamma, ${Rh}), ${Rh})`);
  emit(`    t2 := mulmod(t2, addmod(mload(${x(ev("b"))}), addmod(mulmod(betaXi, ${hex(k.k1)}, ${Rh}), gamma, ${Rh}), ${Rh}), ${Rh})`);
  emit(`    t2 := mulmod(t2, addmod(mload(${x(ev("c"))}), addmod(mulmod(betaXi, ${hex(k.k2)}, ${Rh}), gamma, ${Rh}), ${Rh}), ${Rh})`);
  emit(`    t2 := mulmod(t2, z, ${Rh})`);
  emit(`    let s := addmod(mload(${x(ev("a"))}), addmod(mulmod(beta, mload(${x(ev("s1"))}), ${Rh}), gamma, ${Rh}), ${Rh})`);
  emit(`    s := mulmod(s, addmod(mload(${x(ev("b"))}), addmod(mulmod(beta, mload(${x(ev("s2"))}), ${Rh}), gamma, ${Rh}), ${Rh}), ${Rh})`);
  emit(`    s := mulmod(s, addmod(mload(${x(ev("c"))}), addmod(mulmod(beta, mload(${x(ev("s3"))}), ${Rh}), gamma, ${Rh}), ${Rh}), ${Rh})`);
  emit(`    s := mulmod(s, mload(${x(ev("zw"))}), ${Rh})`);
  emit(`    t2 := mulmod(addmod(t2, sub(${Rh}, s), ${Rh}), mload(${x(INV_ZH)}), ${Rh})`);
  emit(`    // T1 = (z - 1) L1(xi) / Z_H(xi) = (z - 1) / (n (xi - 1)).`);
  emit(`    let t1 := mulmod(mulmod(addmod(z, ${hex(R - 1n)}, ${Rh}), mload(${x(INV_DJ[0]!)}), ${Rh}), ${hex(k.nInv)}, ${Rh})`);
  emit(`    let p1 := addmod(z, mulmod(y, addmod(t1, mulmod(y, t2, ${Rh}), ${Rh}), ${Rh}), ${Rh})`);
  emit(`    let p2 := addmod(mload(${x(ev("zw"))}), mulmod(y, addmod(mload(${x(ev("t1w"))}), mulmod(y, mload(${x(ev("t2w"))}), ${Rh}), ${Rh}), ${Rh}), ${Rh})`);
  emit(`    s := addmod(mulmod(p1, mload(${x(B3)}), ${Rh}), sub(${Rh}, mulmod(p2, mload(${x(A3)}), ${Rh})), ${Rh})`);
  emit(`    mstore(${x(R2)}, mulmod(s, mulmod(mload(${x(INV_XI)}), ${hex(k.oneMinusWInv)}, ${Rh}), ${Rh}))`);
  emit(`}`);
  emit(``);
}

/** The final multi-scalar multiplication and pairing; returns its result. */
function emitPairing(a: FflonkAssembly): void {
  const { emit, x, k, Rh, Ph } = a;
  const { C1, C2, W1, W2, ALPHA, H0, R0, R1, R2, INV_D1, INV_D2, ACC } = a.L;
  emit(`// A = C0 + q1 C1 + q2 C2 - e [1]_1 - (y^8 - xi) W1 + y W2, with q1 = alpha (y^8 - xi) / (y^4 - xi),`);
  emit(`// q2 = alpha^2 (y^8 - xi) / Z_S2(y), e = r0 + q1 r1 + q2 r2 (snarkjs's F - E - J + y W2); then`);
  emit(`// e(A, [1]_2) e(-W2, [x]_2) = 1. Negating E's and J's scalars instead of the points saves two additions.`);
  emit(`{`);
  emit(`    let alpha := mload(${x(ALPHA)})`);
  emit(`    let h0 := mload(${x(H0)})`);
  emit(`    let q1 := mulmod(mulmod(alpha, h0, ${Rh}), mload(${x(INV_D1)}), ${Rh})`);
  emit(`    let q2 := mulmod(mulmod(mulmod(alpha, alpha, ${Rh}), h0, ${Rh}), mload(${x(INV_D2)}), ${Rh})`);
  emit(`    let e := addmod(mload(${x(R0)}), addmod(mulmod(q1, mload(${x(R1)}), ${Rh}), mulmod(q2, mload(${x(R2)}), ${Rh}), ${Rh}), ${Rh})`);
  const T = ACC + 64;
  emit(`    mstore(${x(ACC)}, ${hex(k.C0[0])})`);
  emit(`    mstore(${x(ACC + 32)}, ${hex(k.C0[1])})`);
  const terms: [string, string, string, string][] = [
    ["C1", `mload(${x(C1)})`, `mload(${x(C1 + 32)})`, "q1"],
    ["C2", `mload(${x(C2)})`, `mload(${x(C2 + 32)})`, "q2"],
    ["[1]_1", "1", "2", `sub(${Rh}, e)`],
    ["W1", `mload(${x(W1)})`, `mload(${x(W1 + 32)})`, `sub(${Rh}, h0)`],
    ["W2", `mload(${x(W2)})`, `mload(${x(W2 + 32)})`, "y"],
  ];
  emit(`    let ok := 1`);
  for (const [name, px, py, scalar] of terms) {
    emit(`    // + ${scalar} ${name}`);
    emit(`    mstore(${x(T)}, ${px})`);
    emit(`    mstore(${x(T + 32)}, ${py})`);
    emit(`    mstore(${x(T + 64)}, ${scalar})`);
    emit(`    ok := and(ok, staticcall(gas(), 0x07, ${x(T)}, 0x60, ${x(T)}, 0x40))`);
    emit(`    ok := and(ok, staticcall(gas(), 0x06, ${x(ACC)}, 0x80, ${x(ACC)}, 0x40))`);
  }
  const pairing: string[] = [
    ...G2_ONE.map(hex),
    `mload(${x(W2)})`,
    `sub(${Ph}, mload(${x(W2 + 32)}))`, // W2 is on the curve, so its y is not 0
    ...k.X2.map(hex),
  ];
  pairing.forEach((v, i) => emit(`    mstore(${x(ACC + 64 + 32 * i)}, ${v})`));
  emit(`    ok := and(ok, staticcall(gas(), 0x08, ${x(ACC)}, 0x180, 0x00, 0x20))`);
  emit(`    mstore(0x00, and(ok, mload(0x00)))`);
  emit(`    return(0x00, 0x20)`);
  emit(`}`);
}
