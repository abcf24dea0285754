/**
 * The public-signal ABI shared by every zkinfer circuit, the prover and the contracts' tests.
 * This is the single definition: the circuit codegen declares the main component's public outputs in
 * this order, the prover decodes proofs with it, and contracts/libraries/PublicSignals.sol mirrors
 * the offsets (a test checks the two agree).
 *
 *   [0 .. k-1]  outputs           signed fixed-point field elements (p - |q| when negative)
 *   [k]         modelCommitment   Poseidon commitment to architecture + quantized weights + scales
 *   [k + 1]     inputCommitment   Poseidon(packed inputs..., salt) (inputPackingLayout), or 0 when inputs are public
 *   [k + 2]     subject           beneficiary address as a field element
 *   [k + 3]     nonce             replay key, unique per (model, subject)
 *
 * Attested models (docs/ATTESTATION.md) append two more, and only they carry them:
 *
 *   [k + 4]     attesterKeyHash   Poseidon(Ax, Ay) of the key that signed the private features
 *   [k + 5]     validity          issuedAt * 2^64 + expiresAt: the attestation's validity window in
 *                                 unix seconds, from issuedAt (inclusive) to expiresAt (exclusive),
 *                                 each < 2^64 (the circuit range-checks them)
 *
 * Models with public inputs (`visibility.inputs: "public"`) append them instead, and only they carry them:
 *
 *   [k + 4 .. k + 3 + n]  inputs     the n quantized inputs, signed (p - |q| when negative), in feature
 *                                    order; inputCommitment is 0. The hub refuses any outside the signed
 *                                    interval [-2^B, 2^B) registered with the model (publicInputBits).
 *
 * A model is attested or has public inputs, never both (an attestation is about private inputs).
 *
 * The window is one packed signal, not two: each public signal costs ~7,000 gas in the Groth16
 * verifier (an ecMul, an ecAdd, calldata), and a third signal put the attested credit model's
 * verifyAndAct at 333,800 gas, over its 330,000 budget (docs/ATTESTATION.md).
 *
 * Later fields are appended, never inserted: deployed verifiers depend on the order.
 */
import { FIELD_MODULUS, fromField, toField } from "../field.js";
import { ZkinferError } from "../errors.js";

/** Names of the fixed fields that follow the k outputs, in ABI order. */
export const BINDING_FIELDS = ["modelCommitment", "inputCommitment", "subject", "nonce"] as const;
export type BindingField = (typeof BINDING_FIELDS)[number];

/** Names of the fields an attested model appends after `nonce`, in ABI order. */
export const ATTESTATION_FIELDS = ["attesterKeyHash", "validity"] as const;
export type AttestationField = (typeof ATTESTATION_FIELDS)[number];

/** issuedAt and expiresAt are each below 2^64 and share the `validity` signal. */
export const TIMESTAMP_BITS = 64;
const TIMESTAMP_LIMIT = 1n << BigInt(TIMESTAMP_BITS);

/** The `validity` signal of a window: issuedAt * 2^64 + expiresAt. */
export function packValidity(issuedAt: bigint, expiresAt: bigint): bigint {
  for (const [name, t] of [
    ["issuedAt", issuedAt],
    ["expiresAt", expiresAt],
  ] as const) {
    if (t < 0n || t >= TIMESTAMP_LIMIT) throw new ZkinferError(`${name} must be in [0, 2^64), got ${t}`);
  }
  return issuedAt * TIMESTAMP_LIMIT + expiresAt;
}

/** The window a `validity` signal carries (the hub decodes it the same way). */
export function unpackValidity(validity: bigint): { issuedAt: bigint; expiresAt: bigint } {
  return { issuedAt: validity >> BigInt(TIMESTAMP_BITS), expiresAt: validity & (TIMESTAMP_LIMIT - 1n) };
}

/** The attestation fields of an attested model's statement. */
export interface AttestationSignals {
  attesterKeyHash: bigint;
  /** Unix seconds; the hub requires issuedAt <= block.timestamp. */
  issuedAt: bigint;
  /** Unix seconds; the hub requires block.timestamp < expiresAt. */
  expiresAt: bigint;
}

/** Which optional field groups a model's signals carry. */
export interface SignalLayout {
  /** The model verifies an attestation (it has the ATTESTATION_FIELDS). */
  attested?: boolean;
  /** Number of public inputs appended after the fixed fields (0: private inputs). */
  publicInputs?: number;
}

/** Offset of the first public input in the flat signal array. */
export function publicInputsIndex(numOutputs: number): number {
  return numOutputs + BINDING_FIELDS.length;
}

/**
 * Whether a signed input q lies in the interval the hub enforces for public inputs, [-2^B, 2^B)
 * (InferenceHub: addmod(x, 2^B, r) < 2^(B + 1)).
 */
export function publicInputInBounds(q: bigint, bits: number): boolean {
  return q >= -(1n << BigInt(bits)) && q < 1n << BigInt(bits);
}

export interface PublicSignals {
  /** Signed integers at the model's output scale. */
  outputs: bigint[];
  modelCommitment: bigint;
  inputCommitment: bigint;
  /** Beneficiary address as an integer (< 2^160). */
  subject: bigint;
  nonce: bigint;
  /** Present exactly when the model is attested. */
  attestation?: AttestationSignals;
  /** Present exactly when the model's inputs are public: the quantized inputs, signed. */
  inputs?: bigint[];
}

/** Number of public signals of a model with `numOutputs` outputs. */
export function publicSignalCount(numOutputs: number, { attested = false, publicInputs = 0 }: SignalLayout = {}): number {
  if (attested && publicInputs > 0) throw new ZkinferError("a model is attested or has public inputs, not both");
  return numOutputs + BINDING_FIELDS.length + (attested ? ATTESTATION_FIELDS.length : 0) + publicInputs;
}

/** Index of a binding or attestation field in the flat signal array. */
export function signalIndex(field: BindingField | AttestationField, numOutputs: number): number {
  const binding = BINDING_FIELDS.indexOf(field as BindingField);
  if (binding >= 0) return numOutputs + binding;
  return numOutputs + BINDING_FIELDS.length + ATTESTATION_FIELDS.indexOf(field as AttestationField);
}

/** Flattens to the field elements a verifier takes, in ABI order. */
export function encodePublicSignals(s: PublicSignals): bigint[] {
  return [
    ...s.outputs.map(toField),
    s.modelCommitment,
    s.inputCommitment,
    s.subject,
    s.nonce,
    ...(s.attestation ? [s.attestation.attesterKeyHash, packValidity(s.attestation.issuedAt, s.attestation.expiresAt)] : []),
    ...(s.inputs ?? []).map(toField),
  ].map((x) => {
    if (x < 0n || x >= FIELD_MODULUS) throw new ZkinferError(`public signal ${x} is not a field element`);
    return x;
  });
}

/** Reads a flat signal array (as snarkjs returns it: decimal strings, or bigints). */
export function decodePublicSignals(signals: readonly (string | bigint)[], numOutputs: number, layout: SignalLayout = {}): PublicSignals {
  const expected = publicSignalCount(numOutputs, layout);
  if (signals.length !== expected) {
    const fields = [
      ...BINDING_FIELDS,
      ...(layout.attested ? ATTESTATION_FIELDS : []),
      ...(layout.publicInputs ? [`${layout.publicInputs} public inputs`] : []),
    ];
    throw new ZkinferError(`expected ${expected} public signals (${numOutputs} outputs + ${fields.join(", ")}), got ${signals.length}`);
  }
  const v = signals.map((x) => BigInt(x));
  const at = (f: BindingField | AttestationField) => v[signalIndex(f, numOutputs)]!;
  const decoded: PublicSignals = {
    outputs: v.slice(0, numOutputs).map(fromField),
    modelCommitment: at("modelCommitment"),
    inputCommitment: at("inputCommitment"),
    subject: at("subject"),
    nonce: at("nonce"),
  };
  if (layout.attested) {
    decoded.attestation = { attesterKeyHash: at("attesterKeyHash"), ...unpackValidity(at("validity")) };
  }
  if (layout.publicInputs) {
    const first = publicInputsIndex(numOutputs);
    decoded.inputs = v.slice(first, first + layout.publicInputs).map(fromField);
  }
  return decoded;
}

/** An EVM address as the `subject` field element. */
export function addressToSubject(address: string): bigint {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new ZkinferError(`subject must be a 0x-prefixed 20-byte address, got "${address}"`);
  }
  return BigInt(address);
}
