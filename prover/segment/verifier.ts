/**
 * The `<Model>SegmentedVerifier` contract (docs/SEGMENTS.md, "On chain"): one {IInferenceVerifier} for
 * a model proved in K segments, so the hub and the registry are unchanged (the registry registers it as
 * the model's verifier; `verifyAndAct` calls it once).
 *
 * `proof` is the K segment proofs (256 bytes each, prover/prove/calldata.ts encodeProof), then the K - 1
 * boundary commitments (32 bytes each). `publicSignals` is the single circuit's ABI: the outputs slot,
 * modelCommitment, inputCommitment (segment 0's: the user's), subject, nonce. The verifier rebuilds each
 * segment's public signals from them:
 *     segment i < K - 1: [boundary_i, modelCommitment, i = 0 ? inputCommitment : boundary_{i-1}, subject, nonce]
 *     segment K - 1:     [outputs..., modelCommitment, boundary_{K-2}, subject, nonce]
 * so segment i's output commitment IS segment i + 1's input commitment (one word, read twice), every
 * segment is checked against the key of its own place (`_KEY_OF`: segments of one circuit share one key,
 * their places told apart by the boundary commitments; reordered or foreign segments fail), and all
 * carry the same model commitment, subject and nonce. The keys are constants of the code, or each the
 * code of a data contract (`keyStorage`, KeyStorage below).
 *
 * The K Groth16 equations e(A_i, B_i) = e(alpha, beta) e(vk_x_i, gamma) e(C_i, delta_i) are checked
 * as one random linear combination (as prover/setup/groth16Batch.ts does for one key): keys made from
 * one ptau share alpha, beta and gamma (snarkjs takes alpha and beta from the ptau and gamma is the
 * generator), so
 *     prod_i e(r_i A_i, B_i) * e(-R alpha, beta) * e(-sum_i r_i vk_x_i, gamma) * prod_i e(-r_i C_i, delta_i) = 1
 * with R = sum r_i: 2K + 2 pairings instead of 4K. r_0 = 1 and r_i = keccak256(seed, i) mod r with
 * seed = keccak256(keysHash, keccak256(abi.encode(proof, publicSignals))): fixed only once every proof and
 * signal is.
 *
 * An inference whose K checks do not fit one transaction is verified over several: `stage(proof,
 * publicSignals, from, to)` checks segments [from, to) (the same folded check over that range, r_from = 1)
 * and records, per keccak256(proof, publicSignals), that the first `to` segments verify; `verify` then
 * checks only the segments not yet staged, so the hub's `verifyAndAct` (unchanged) acts once, in the
 * last transaction. Ranges must come in order from 0, so a record always means "segments [0, n) verify".
 */
import { encodeAbiParameters, keccak256, parseAbiParameters, type Hex } from "viem";
import { FIELD_MODULUS } from "../field.js";
import { BASE_FIELD_MODULUS, g1, g2, negate, type G2, type Groth16VerificationKey } from "../setup/groth16Batch.js";
import { ZkinferError } from "../errors.js";

/** The contract's private helpers over the precompiles (the same for every model). */
const PRECOMPILE_HELPERS = `    function _point(bytes memory table, uint256 j) private pure returns (uint256[2] memory pt) {
        assembly ("memory-safe") {
            let at := add(add(table, 0x20), shl(6, j))
            mstore(pt, mload(at))
            mstore(add(pt, 0x20), mload(add(at, 0x20)))
        }
    }

    function _setPair(uint256[] memory pairs, uint256 index, uint256[2] memory g1, uint256[4] memory g2) private pure {
        uint256 base = 6 * index;
        pairs[base] = g1[0];
        pairs[base + 1] = g1[1];
        pairs[base + 2] = g2[0];
        pairs[base + 3] = g2[1];
        pairs[base + 4] = g2[2];
        pairs[base + 5] = g2[3];
    }

    /// @dev s * pt with the ecMul precompile; ok stays false once false (a point off the curve fails the call).
    function _mul(uint256[2] memory pt, uint256 s, bool ok) private view returns (uint256[2] memory r, bool) {
        uint256[3] memory input = [pt[0], pt[1], s];
        bool success;
        assembly ("memory-safe") {
            success := staticcall(gas(), 0x07, input, 0x60, r, 0x40)
        }
        return (r, ok && success);
    }

    /// @dev p1 + p2 with the ecAdd precompile.
    function _add(uint256[2] memory p1, uint256[2] memory p2, bool ok) private view returns (uint256[2] memory r, bool) {
        uint256[4] memory input = [p1[0], p1[1], p2[0], p2[1]];
        bool success;
        assembly ("memory-safe") {
            success := staticcall(gas(), 0x06, input, 0x80, r, 0x40)
        }
        return (r, ok && success);
    }
`;

/** Bytes of one segment proof in `proof`. */
export const SEGMENT_PROOF_BYTES = 256;

/**
 * The verifier's entry points and checks (the same for every model: the keys come from the per-model
 * _keyOf/_key/_segmentSignals functions): verify, stage, and the folded check of
 * a range of segments.
 */
const VERIFY_FUNCTIONS = `    /// @dev Per inference (keccak256 of its proof bytes and public signals): the segments [0, n) already
    /// verified by {stage}, so an inference whose K checks do not fit one transaction is verified over several.
    mapping(bytes32 inference => uint256 verifiedSegments) public staged;

    /// @dev {stage} was given segments [from, to) of an inference whose first verified segments are verified: from must be verified, to in (from, K].
    error SegmentedVerifierRangeInvalid(uint256 verified, uint256 from, uint256 to);
    /// @dev Segments [from, to) of the inference do not verify.
    error SegmentedVerifierSegmentsInvalid(uint256 from, uint256 to);
    /// @notice Segments [from, to) of inference verified; the first to of its segments are now.
    event SegmentsStaged(bytes32 indexed inference, uint256 from, uint256 to);

    /// @dev See {IInferenceVerifier-verify}. False for a word out of its field, a point off the curve or a failed check.
    /// Checks the segments {stage} has not verified yet (all of them, unless some were staged).
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
        _checkShape(proof, publicSignals);
        bytes32 inference = keccak256(abi.encode(proof, publicSignals));
        uint256 from = staged[inference];
        return from == _K || _check(proof, publicSignals, inference, from, _K);
    }

    /**
     * @notice Verifies segments [from, to) of an inference and records it, for an inference too large to
     * verify in one transaction: stage its segments in order over several transactions, then submit it
     * to the hub, whose call to {verify} then checks only what is left. Anyone may stage: a staged
     * range is only the fact that these proof bytes verify for these signals.
     */
    function stage(bytes calldata proof, uint256[] calldata publicSignals, uint256 from, uint256 to) external {
        _checkShape(proof, publicSignals);
        bytes32 inference = keccak256(abi.encode(proof, publicSignals));
        uint256 verified = staged[inference];
        if (from != verified || to <= from || to > _K) revert SegmentedVerifierRangeInvalid(verified, from, to);
        if (!_check(proof, publicSignals, inference, from, to)) revert SegmentedVerifierSegmentsInvalid(from, to);
        staged[inference] = to;
        emit SegmentsStaged(inference, from, to);
    }

    function _checkShape(bytes calldata proof, uint256[] calldata publicSignals) private pure {
        if (proof.length != _PROOF_LENGTH) revert InferenceVerifierInvalidProofLength(_PROOF_LENGTH, proof.length);
        if (publicSignals.length != _NUM_SIGNALS) revert InferenceVerifierInvalidSignalCount(_NUM_SIGNALS, publicSignals.length);
    }

    /// @dev Segments [from, to) in one pairing-product check (2 (to - from) + 2 pairings).
    function _check(bytes calldata proof, uint256[] calldata publicSignals, bytes32 inference, uint256 from, uint256 to) private view returns (bool) {
        uint256 seed = uint256(keccak256(abi.encode(_KEYS_HASH, inference)));
        uint256 n = to - from;
        // The pairing input: 2n + 2 pairs of (G1, G2), 6 words each.
        uint256[] memory pairs = new uint256[](6 * (2 * n + 2));
        uint256[2] memory vk; // -sum_i r_i vk_x_i, the accumulator (starts at the identity)
        uint256 rSum = 0;
        bool ok = true;
        for (uint256 i = from; i < to; i++) {
            uint256 ri = i == from ? 1 : uint256(keccak256(abi.encode(seed, i))) % _R;
            rSum = addmod(rSum, ri, _R);
            bytes memory key = _key(_keyOf(i));
            ok = _proofPairs(pairs, proof, i, i - from, n, ri, key, ok);
            (vk, ok) = _accumulate(vk, ri, _segmentSignals(i, proof, publicSignals), key, ok);
        }
        uint256[2] memory ra;
        (ra, ok) = _mul([_NEG_ALPHA_X, _NEG_ALPHA_Y], rSum, ok);
        _setPair(pairs, 2 * n, ra, [_BETA_X_IM, _BETA_X_RE, _BETA_Y_IM, _BETA_Y_RE]);
        _setPair(pairs, 2 * n + 1, vk, [_GAMMA_X_IM, _GAMMA_X_RE, _GAMMA_Y_IM, _GAMMA_Y_RE]);
        if (!ok) return false;
        uint256[1] memory out;
        bool success;
        assembly ("memory-safe") {
            success := staticcall(gas(), 0x08, add(pairs, 0x20), mul(mload(pairs), 0x20), out, 0x20)
        }
        return success && out[0] == 1;
    }

    /// @dev Segment i's pairs (r_i A_i, B_i) at slot and (-r_i C_i, delta_i) at n + slot (delta: the key's first 4 words); ok false for a coordinate >= q (one encoding per proof) or a point off the curve.
    function _proofPairs(
        uint256[] memory pairs,
        bytes calldata proof,
        uint256 i,
        uint256 slot,
        uint256 n,
        uint256 ri,
        bytes memory key,
        bool ok
    ) private view returns (bool) {
        uint256 p = i * ${SEGMENT_PROOF_BYTES};
        uint256[8] memory w;
        for (uint256 j = 0; j < 8; j++) {
            w[j] = uint256(bytes32(proof[p + 32 * j:p + 32 * j + 32]));
            ok = ok && w[j] < _Q;
        }
        uint256[2] memory a;
        (a, ok) = _mul([w[0], w[1]], ri, ok);
        _setPair(pairs, slot, a, [w[2], w[3], w[4], w[5]]);
        uint256[2] memory c;
        (c, ok) = _mul([w[6], w[7]], ri, ok);
        uint256[2] memory d0 = _point(key, 0);
        uint256[2] memory d1 = _point(key, 1);
        _setPair(pairs, n + slot, [c[0], c[1] == 0 ? 0 : _Q - c[1]], [d0[0], d0[1], d1[0], d1[1]]);
        return ok;
    }

    /// @dev vk + r_i * (-IC_0) + sum_j (r_i s_ij) * (-IC_j) (the key's points after delta); ok false for a signal >= r (it would alias another statement) or a wrong key size.
    function _accumulate(uint256[2] memory vk, uint256 ri, uint256[] memory s, bytes memory key, bool ok) private view returns (uint256[2] memory, bool) {
        if (key.length != 64 * (s.length + 3)) return (vk, false);
        uint256[2] memory term;
        (term, ok) = _mul(_point(key, 2), ri, ok);
        (vk, ok) = _add(vk, term, ok);
        for (uint256 j = 0; j < s.length; j++) {
            ok = ok && s[j] < _R;
            (term, ok) = _mul(_point(key, j + 3), mulmod(ri, s[j], _R), ok);
            (vk, ok) = _add(vk, term, ok);
        }
        return (vk, ok);
    }`;

/**
 * Refuses keys that cannot be folded: not Groth16 on bn128, or not sharing alpha, beta and gamma (keys
 * made from different ptau files).
 */
export function checkFoldable(vkeys: readonly Groth16VerificationKey[]): void {
  if (vkeys.length === 0) throw new RangeError("no verification keys");
  const shared = (k: Groth16VerificationKey) => JSON.stringify([g1(k.vk_alpha_1), g2(k.vk_beta_2), g2(k.vk_gamma_2)].map((p) => p.map(String)));
  vkeys.forEach((k, i) => {
    if (k.protocol !== "groth16" || k.curve !== "bn128")
      throw new ZkinferError(`segment ${i}'s key is ${k.protocol} on ${k.curve}: segmented verifiers take Groth16 bn128 keys`);
    if (k.IC.length !== k.nPublic + 1) throw new ZkinferError(`segment ${i}'s key has ${k.IC.length} IC points for ${k.nPublic} public signals`);
    if (shared(k) !== shared(vkeys[0]!))
      throw new ZkinferError(`segment ${i}'s key does not share alpha, beta and gamma with segment 0's: make every segment's key from ONE ptau file`);
  });
}

/** keccak256 of every key's constants in order: seeds the coefficients, so they are drawn for this model's keys only. */
export function segmentKeysHash(vkeys: readonly Groth16VerificationKey[]): string {
  const words = vkeys.flatMap((k) => [...g1(k.vk_alpha_1), ...g2(k.vk_beta_2), ...g2(k.vk_gamma_2), ...g2(k.vk_delta_2), ...k.IC.flatMap((p) => g1(p))]);
  return keccak256(encodeAbiParameters(parseAbiParameters("uint256[]"), [words]));
}

/**
 * The distinct keys of `vkeys` in order of first use (by their constants: segmentKeysHash of each), and
 * each segment's index into them. Segments of one circuit have one key (./build.ts): the verifier holds
 * it once.
 */
export function distinctKeys(vkeys: readonly Groth16VerificationKey[]): { keys: Groth16VerificationKey[]; keyOf: number[] } {
  if (vkeys.length > 0xffff) throw new ZkinferError(`${vkeys.length} segments: a segmented verifier takes at most 65,535`);
  const index = new Map<string, number>();
  const keys: Groth16VerificationKey[] = [];
  const keyOf = vkeys.map((key) => {
    const digest = segmentKeysHash([key]);
    if (!index.has(digest)) {
      index.set(digest, keys.length);
      keys.push(key);
    }
    return index.get(digest)!;
  });
  return { keys, keyOf };
}

/**
 * Where the verifier holds the segments' keys: `inline`, as constants of its code (about 667 bytes per
 * distinct key of 5 signals), or `contracts`, each distinct key in a data contract of its own (code-as-data,
 * read with EXTCODECOPY; their addresses immutables of the verifier, given to its constructor, which
 * checks each one's code hash), so its code no longer grows with the keys' size (./build.ts chooses).
 */
export type KeyStorage = "inline" | "contracts";

/**
 * A key as the verifier reads it: delta (G2, the precompile's word order), then -IC_0 .. -IC_n (G1,
 * (x, y) each), 32-byte words: 64 (n + 3) bytes.
 */
export function segmentKeyBytes(key: Groth16VerificationKey): Hex {
  const words = [...g2(key.vk_delta_2), ...key.IC.flatMap((p) => negate(g1(p)))];
  return `0x${words.map((w) => w.toString(16).padStart(64, "0")).join("")}`;
}

/** A key data contract's runtime code: a STOP (0x00, so a call to it does nothing), then the key's bytes. */
export function keyContractCode(key: Groth16VerificationKey): Hex {
  return `0x00${segmentKeyBytes(key).slice(2)}`;
}

/** The largest runtime code a contract may have (EIP-170). */
export const MAX_CODE_BYTES = 24_576;

/**
 * A key data contract's creation code: PUSH2 len, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY,
 * RETURNDATASIZE, RETURN (the 10-byte prefix returns what follows it as the runtime code), then the code.
 */
export function keyContractInitcode(key: Groth16VerificationKey): Hex {
  const code = keyContractCode(key).slice(2);
  const length = code.length / 2;
  if (length > MAX_CODE_BYTES) {
    // 1 byte of STOP, 128 of delta, 64 per IC point (one more than the public signals).
    const most = Math.floor((MAX_CODE_BYTES - 1 - 128) / 64) - 1;
    throw new ZkinferError(
      `a key of ${key.nPublic} public signals is ${length} bytes: over the ${MAX_CODE_BYTES}-byte code limit, so no contract can hold it ` +
        `(at most ${most} public signals). The last segment publishes the model's outputs: make them one signal with the spec's ` +
        `visibility.outputs "hashed" (or "threshold")`,
    );
  }
  return `0x61${length.toString(16).padStart(4, "0")}80600a3d393df3${code}`;
}

export interface SegmentedVerifierSourceParameters {
  /** The segments' keys, in order. */
  vkeys: readonly Groth16VerificationKey[];
  contractName: string;
  /** Import path of contracts/interfaces/IInferenceVerifier.sol from the generated file. */
  interfaceImport: string;
  /** Named in the header: which model and commitment the keys are of. */
  provenance: string;
  /** Default inline. */
  keyStorage?: KeyStorage;
}

/**
 * The verifier's Solidity source. Deterministic: the same keys give the same text.
 *
 * @example
 * writeFileSync(out, segmentedVerifierSource({ vkeys, contractName: "TinySegmentedVerifier", interfaceImport, provenance: "tiny@1.0.0" }));
 */
export function segmentedVerifierSource({
  vkeys,
  contractName,
  interfaceImport,
  provenance,
  keyStorage = "inline",
}: SegmentedVerifierSourceParameters): string {
  checkFoldable(vkeys);
  const k = vkeys.length;
  const last = vkeys[k - 1]!;
  vkeys.slice(0, -1).forEach((key, i) => {
    if (key.nPublic !== 5) throw new ZkinferError(`segment ${i}'s key has ${key.nPublic} public signals; a segment before the last has 5`);
  });
  const { keys, keyOf } = distinctKeys(vkeys);
  const [nax, nay] = negate(g1(vkeys[0]!.vk_alpha_1));
  const g2Const = (name: string, p: G2) => p.map((w, j) => `    uint256 private constant _${name}_${["X_IM", "X_RE", "Y_IM", "Y_RE"][j]} = ${w};`).join("\n");
  const held = keyStorage === "inline" ? inlineKeys(keys, keyOf) : keyContracts(keys, keyOf);
  return `// SPDX-License-Identifier: MIT
// AUTO-GENERATED by zkinfer (prover/segment/verifier.ts) from the ${k} segment keys of ${provenance}.
// Never edit: regenerate with \`zkinfer segments build\`.
pragma solidity ^0.8.28;

import {IInferenceVerifier} from "${interfaceImport}";

/**
 * @notice Verifies one inference of a model proved in ${k} segments: ${k} Groth16 proofs and the ${k - 1} boundary
 * commitments that chain them, with one pairing-product check (${2 * k + 2} pairings). ${keys.length} distinct key${keys.length === 1 ? "" : "s"}, ${keyStorage === "inline" ? "in its code" : "each in a data contract"}. See prover/segment/verifier.ts.
 */
contract ${contractName} is IInferenceVerifier {
    uint256 private constant _R = ${FIELD_MODULUS};
    uint256 private constant _Q = ${BASE_FIELD_MODULUS};
    uint256 private constant _K = ${k};
    uint256 private constant _NUM_SIGNALS = ${last.nPublic};
    uint256 private constant _PROOF_LENGTH = ${k * SEGMENT_PROOF_BYTES + (k - 1) * 32};
    /// @dev keccak256 of every segment key's constants (prover/segment/verifier.ts segmentKeysHash).
    bytes32 private constant _KEYS_HASH = ${segmentKeysHash(vkeys)};
    /// @dev -alpha (G1), beta and gamma (G2, precompile order): shared by every segment's key (one ptau).
    uint256 private constant _NEG_ALPHA_X = ${nax};
    uint256 private constant _NEG_ALPHA_Y = ${nay};
${g2Const("BETA", g2(vkeys[0]!.vk_beta_2))}
${g2Const("GAMMA", g2(vkeys[0]!.vk_gamma_2))}
    /// @dev Segment i's key: the 2-byte big-endian word at 2i (segments of one circuit share one key).
    bytes private constant _KEY_OF = hex"${keyOf.map((j) => j.toString(16).padStart(4, "0")).join("")}";
${held.declarations}

${VERIFY_FUNCTIONS}
    /// @dev Segment i's public signals, rebuilt from the inference's signals and the boundary commitments.
    function _segmentSignals(uint256 i, bytes calldata proof, uint256[] calldata publicSignals) private pure returns (uint256[] memory s) {
        uint256 n = publicSignals.length;
        uint256 boundaries = _K * ${SEGMENT_PROOF_BYTES};
        if (i == _K - 1) {
            s = new uint256[](n);
            for (uint256 j = 0; j < n; j++) s[j] = publicSignals[j];
        } else {
            s = new uint256[](5);
            s[0] = uint256(bytes32(proof[boundaries + 32 * i:boundaries + 32 * i + 32]));
            s[1] = publicSignals[n - 4];
            s[3] = publicSignals[n - 2];
            s[4] = publicSignals[n - 1];
        }
        // The input commitment: the user's for segment 0, the previous segment's boundary commitment after it.
        s[s.length - 3] = i == 0 ? publicSignals[n - 3] : uint256(bytes32(proof[boundaries + 32 * (i - 1):boundaries + 32 * i]));
    }

    function _keyOf(uint256 i) private pure returns (uint256) {
        bytes memory table = _KEY_OF;
        return (uint256(uint8(table[2 * i])) << 8) | uint8(table[2 * i + 1]);
    }

${held.functions}

${PRECOMPILE_HELPERS}}
`;
}

/** The keys as constants of the code: `_KEY<j>`, returned by `_key(j)`. */
function inlineKeys(keys: readonly Groth16VerificationKey[], keyOf: readonly number[]): { declarations: string; functions: string } {
  const segmentsOf = (j: number) => keyOf.flatMap((x, i) => (x === j ? [i] : []));
  const declarations = keys
    .map((key, j) => {
      const at = segmentsOf(j);
      return [
        `    /// @dev Key ${j} (segment${at.length > 1 ? "s" : ""} ${at.join(", ")}): delta, then -IC_0 .. -IC_${key.nPublic}, (x, y) each.`,
        `    bytes private constant _KEY${j} = hex"${segmentKeyBytes(key).slice(2)}";`,
      ].join("\n");
    })
    .join("\n");
  const functions = `    function _key(uint256 j) private pure returns (bytes memory) {
${keys.map((_, j) => `        if (j == ${j}) return _KEY${j};`).join("\n")}
        return "";
    }`;
  return { declarations, functions };
}

/**
 * The keys in data contracts: `_KEY_CONTRACT<j>` immutables, set by the constructor from its argument
 * after checking each one's code hash (0x00, then the key's bytes: keyContractCode), read by `_key(j)`
 * with EXTCODECOPY.
 */
function keyContracts(keys: readonly Groth16VerificationKey[], keyOf: readonly number[]): { declarations: string; functions: string } {
  const segmentsOf = (j: number) => keyOf.flatMap((x, i) => (x === j ? [i] : []));
  const declarations = [
    "    /// @dev The constructor's key contract j does not hold key j (its code hash is not key j's), or it was given another number of them.",
    "    error SegmentedVerifierKeyContractInvalid(uint256 key, address keyContract);",
    ...keys.map((_, j) => {
      const at = segmentsOf(j);
      return `    /// @dev Key ${j}'s data contract (segment${at.length > 1 ? "s" : ""} ${at.join(", ")}).\n    address private immutable _KEY_CONTRACT${j};`;
    }),
    "",
    "    /// @param keyContracts The data contract of each distinct key, in order (`zkinfer deploy` deploys them): its code is 0x00, then",
    "    /// the key's delta and -IC points (prover/segment/verifier.ts keyContractCode). A contract with other code is refused.",
    "    constructor(address[] memory keyContracts) {",
    `        if (keyContracts.length != ${keys.length}) revert SegmentedVerifierKeyContractInvalid(keyContracts.length, address(0));`,
    ...keys.map((key, j) => `        _KEY_CONTRACT${j} = _checkedKeyContract(keyContracts, ${j}, ${keccak256(keyContractCode(key))});`),
    "    }",
  ].join("\n");
  const functions = `    function _checkedKeyContract(address[] memory keyContracts, uint256 j, bytes32 codeHash) private view returns (address c) {
        c = keyContracts[j];
        if (c.codehash != codeHash) revert SegmentedVerifierKeyContractInvalid(j, c);
    }

    /// @dev Key j's data contract.
    function _keyContract(uint256 j) private view returns (address) {
${keys.map((_, j) => `        if (j == ${j}) return _KEY_CONTRACT${j};`).join("\n")}
        return address(0);
    }

    /// @dev Key j's bytes: its data contract's code after the leading STOP.
    function _key(uint256 j) private view returns (bytes memory key) {
        address c = _keyContract(j);
        uint256 size = c.code.length;
        if (size == 0) return key;
        key = new bytes(size - 1);
        assembly ("memory-safe") {
            extcodecopy(c, add(key, 0x20), 1, sub(size, 1))
        }
    }`;
  return { declarations, functions };
}
