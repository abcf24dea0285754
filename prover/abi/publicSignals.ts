/**
 * The public-signal ABI shared by every zkinfer circuit, the prover and the contracts' tests.
 * This is the single definition: the circuit codegen declares the main component's public outputs in
 * this order, the prover decodes proofs with it, and contracts/libraries/PublicSignals.sol mirrors
 * the offsets (a test checks the two agree).
 *
 *   [0 .. k-1]  outputs           signed fixed-point field elements (p - |q| when negative)
 *   [k]         modelCommitment   Poseidon commitment to architecture + quantized weights + scales
 *   [k + 1]     inputCommitment   Poseidon(inputs..., salt), or 0 when inputs are public
 *   [k + 2]     subject           beneficiary address as a field element
 *   [k + 3]     nonce             replay key, unique per (model, subject)
 *
 * Later fields are appended after `nonce`, never inserted: deployed verifiers depend on the order.
 */
import { FIELD_MODULUS, fromField, toField } from "../field.js";

/** Names of the fixed fields that follow the k outputs, in ABI order. */
export const BINDING_FIELDS = ["modelCommitment", "inputCommitment", "subject", "nonce"] as const;
export type BindingField = (typeof BINDING_FIELDS)[number];

export interface PublicSignals {
  /** Signed integers at the model's output scale. */
  outputs: bigint[];
  modelCommitment: bigint;
  inputCommitment: bigint;
  /** Beneficiary address as an integer (< 2^160). */
  subject: bigint;
  nonce: bigint;
}

/** Number of public signals of a model with `numOutputs` outputs. */
export function publicSignalCount(numOutputs: number): number {
  return numOutputs + BINDING_FIELDS.length;
}

/** Index of a binding field in the flat signal array. */
export function signalIndex(field: BindingField, numOutputs: number): number {
  return numOutputs + BINDING_FIELDS.indexOf(field);
}

/** Flattens to the field elements a verifier takes, in ABI order. */
export function encodePublicSignals(s: PublicSignals): bigint[] {
  return [
    ...s.outputs.map(toField),
    s.modelCommitment,
    s.inputCommitment,
    s.subject,
    s.nonce,
  ].map((x) => {
    if (x < 0n || x >= FIELD_MODULUS) throw new RangeError(`public signal ${x} is not a field element`);
    return x;
  });
}

/** Reads a flat signal array (as snarkjs returns it: decimal strings, or bigints). */
export function decodePublicSignals(
  signals: readonly (string | bigint)[],
  numOutputs: number,
): PublicSignals {
  const expected = publicSignalCount(numOutputs);
  if (signals.length !== expected) {
    throw new RangeError(
      `expected ${expected} public signals (${numOutputs} outputs + ${BINDING_FIELDS.join(", ")}), got ${signals.length}`,
    );
  }
  const v = signals.map((x) => BigInt(x));
  const at = (f: BindingField) => v[signalIndex(f, numOutputs)]!;
  return {
    outputs: v.slice(0, numOutputs).map(fromField),
    modelCommitment: at("modelCommitment"),
    inputCommitment: at("inputCommitment"),
    subject: at("subject"),
    nonce: at("nonce"),
  };
}

/** An EVM address as the `subject` field element. */
export function addressToSubject(address: string): bigint {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new RangeError(`subject must be a 0x-prefixed 20-byte address, got "${address}"`);
  }
  return BigInt(address);
}
