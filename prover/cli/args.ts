/**
 * Parsers of the CLI's common arguments: one definition each, so `prove` and `prove-attested` accept
 * the same nonce, and every malformed value is a one-line usage error naming the flag and what is allowed.
 */
import { FIELD_MODULUS } from "../field.js";
import type { ModelIR } from "../model/ir.js";
import { UsageError } from "./usage.js";

/**
 * The options of the commands that sign for a hub (deploy, registry, submit): the chain, the hub, the
 * signer's keystore (else $ZKINFER_PRIVATE_KEY) and JSON output. Spread into a command's parseArgs options.
 */
export const SIGNING_CHAIN_OPTIONS = {
  rpc: { type: "string" },
  hub: { type: "string" },
  keystore: { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/** A field element given in decimal or 0x-hex (a nonce, a salt): a non-negative integer below r. */
export function parseFieldElement(text: string, flag: string): bigint {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) throw new UsageError(`${flag} must be a non-negative integer (decimal or 0x-hex), got "${text}".`);
  const value = BigInt(text);
  if (value >= FIELD_MODULUS) throw new UsageError(`${flag} must be below the BN254 field modulus r (about 2^253.6), got ${text}.`);
  return value;
}

/** The replay key bound into a proof (see IInferenceHub): decimal or 0x-hex, below r. */
export function parseNonce(text: string | undefined, flag = "--nonce"): bigint {
  if (text === undefined) throw new UsageError(`${flag} <n> is required: the proof's replay key (decimal or 0x-hex; one proof per subject and nonce).`);
  return parseFieldElement(text, flag);
}

/** The proof's beneficiary: a 0x-prefixed 20-byte address. */
export function parseSubject(text: string, flag = "--subject"): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) throw new UsageError(`${flag} must be a 0x-prefixed 20-byte address (40 hex digits), got "${text}".`);
  return text as `0x${string}`;
}

/** "name = value, ..." of a model's outputs, decoded into the model's units (as `prove` and `prove-attested` print them). */
export function formatOutputs(ir: Pick<ModelIR, "outputs">, decoded: readonly (number | bigint | string)[]): string {
  return ir.outputs.map((o, k) => `${o.name} = ${decoded[k]}`).join(", ");
}
