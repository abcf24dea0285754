/**
 * Attestations, format v1 (docs/ATTESTATION.md): an attester (a credit bureau) signs an applicant's
 * features for one subject and a validity window with EdDSA-Poseidon on Baby Jubjub. The attested
 * circuit verifies the same signature over the same message (prover/circuit/codegen.ts emits it
 * from `attestationMessagePreimage`'s layout), so the features stay private yet provably signed.
 *
 *   message = PoseidonChain(DOMAIN, schemaId, q[0], ..., q[n-1], subject, issuedAt, expiresAt)
 *
 * PoseidonChain is the project's chained Poseidon (prover/model/commitment.ts: 16 elements, then
 * the running hash and 15 more per step), because circomlib's Poseidon takes at most 16 inputs.
 * q[i] are the quantized features as field elements (negative q as r - |q|), in the model's order.
 */
import { sha256, stringToHex } from "viem";
import { buildEddsa } from "circomlibjs";
import { z } from "zod";
import { addressToSubject, packValidity } from "../abi/publicSignals.js";
import { FIELD_MODULUS, toField } from "../field.js";
import { poseidonHash } from "../model/poseidon.js";
import type { ModelIR } from "../model/ir.js";
import { quantizeInputs, type FeatureValues } from "../model/interpret.js";
import { AttestationExpiredError, AttestationFormatError, AttestationNotYetValidError, AttestationSignatureError } from "./errors.js";

/** The `format` field of an attestation file. A new format gets a new string, never a reuse. */
export const ATTESTATION_FORMAT = "zkinfer-attestation/v1";

/** Domain tag, first element of every v1 message: the ASCII bytes of "zkinfer/attest/v1". */
export const ATTESTATION_DOMAIN = BigInt(stringToHex("zkinfer/attest/v1"));

/**
 * Order l of Baby Jubjub's prime subgroup. A signature's S must be < l: S and S + l give the same
 * point S * B8, so accepting both would make signatures malleable.
 */
export const SUBGROUP_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;

/** Largest timestamp accepted: JSON numbers are exact up to 2^53. */
const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

export interface AttesterPublicKey {
  x: bigint;
  y: bigint;
}

export interface AttesterKey {
  /** 32 random bytes; circomlibjs derives the signing scalar from them (blake512, pruned). */
  privateKey: Buffer;
  publicKey: AttesterPublicKey;
  /** Poseidon(x, y): what the registry trusts and the proof's attesterKeyHash signal carries. */
  keyHash: bigint;
}

/** What the attester signs for. */
export interface AttestationRecord {
  /** Beneficiary address (0x...): the subject of the proofs made from this attestation. */
  subject: string;
  /** Real feature values by name, as the model spec declares them. */
  features: FeatureValues;
  /** Unix seconds; valid from issuedAt (inclusive) to expiresAt (exclusive). */
  issuedAt: number;
  expiresAt: number;
}

export interface Attestation extends AttestationRecord {
  format: typeof ATTESTATION_FORMAT;
  /** Model whose feature schema was signed, and that schema's id (see attestationSchemaId). */
  model: string;
  schemaId: bigint;
  attester: { publicKey: AttesterPublicKey; keyHash: bigint };
  signature: { R8: { x: bigint; y: bigint }; S: bigint };
}

// circomlibjs has no types; only what is used here.
interface Eddsa {
  F: { e(x: bigint): unknown; toObject(x: unknown): bigint };
  prv2pub(prv: Buffer): [unknown, unknown];
  signPoseidon(prv: Buffer, msg: unknown): { R8: [unknown, unknown]; S: bigint };
  verifyPoseidon(msg: unknown, sig: { R8: [unknown, unknown]; S: bigint }, A: [unknown, unknown]): boolean;
}
let eddsaPromise: Promise<Eddsa> | undefined;
function eddsa(): Promise<Eddsa> {
  eddsaPromise ??= buildEddsa() as Promise<Eddsa>;
  return eddsaPromise;
}

/**
 * Identifies what the signed numbers mean: the feature names and units, in order, and the input
 * scale. Without it, a signature over model A's features could be replayed into a model B whose
 * features have the same count but other meanings. sha256 truncated to 248 bits, so it is a field
 * element; a constant of the circuit.
 */
export function attestationSchemaId(ir: Pick<ModelIR, "inputScale" | "features">): bigint {
  const schema = JSON.stringify({ v: 1, inputBits: ir.inputScale, features: ir.features.map((f) => [f.name, f.unit]) });
  return BigInt("0x" + sha256(stringToHex(schema)).slice(2, 64));
}

/** The field elements the message hashes, in order (the circuit absorbs exactly these). */
export function attestationMessagePreimage(
  ir: Pick<ModelIR, "inputScale" | "features">,
  quantized: readonly bigint[],
  subject: bigint,
  issuedAt: bigint,
  expiresAt: bigint,
): bigint[] {
  return [ATTESTATION_DOMAIN, attestationSchemaId(ir), ...quantized.map(toField), subject, issuedAt, expiresAt];
}

/** The message an attester signs for `record`; validates every field first. */
export async function attestationMessage(ir: ModelIR, record: AttestationRecord): Promise<bigint> {
  const { quantized, subject } = checkRecord(ir, record);
  return poseidonHash(attestationMessagePreimage(ir, quantized, subject, BigInt(record.issuedAt), BigInt(record.expiresAt)));
}

/** Poseidon(x, y) of an attester's public key. */
export async function attesterKeyHash(publicKey: AttesterPublicKey): Promise<bigint> {
  return poseidonHash([publicKey.x, publicKey.y]);
}

/** The key for 32 private-key bytes. */
export async function attesterKeyFromPrivate(privateKey: Buffer): Promise<AttesterKey> {
  if (privateKey.length !== 32) throw new AttestationFormatError(`an attester private key is 32 bytes, got ${privateKey.length}`, "privateKey");
  const e = await eddsa();
  const [x, y] = e.prv2pub(privateKey).map((c) => e.F.toObject(c)) as [bigint, bigint];
  const publicKey = { x, y };
  return { privateKey, publicKey, keyHash: await attesterKeyHash(publicKey) };
}

/**
 * A fresh attester key from the OS's CSPRNG.
 *
 * @example
 * const bureau = await generateAttesterKey();
 * await hub.trustAttester(modelId, bureau.keyHash);
 */
export async function generateAttesterKey(): Promise<AttesterKey> {
  // Web Crypto (global in Node and browsers); circomlibjs wants a Buffer for the key (Node, or a polyfill).
  return attesterKeyFromPrivate(Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))));
}

/**
 * Signs `record` for model `ir`: validates it (feature names and declared ranges, subject, window),
 * then signs the v1 message.
 *
 * @example
 * const attestation = await signAttestation({ ir, key: bureau, record: { subject, features, issuedAt, expiresAt } });
 */
export async function signAttestation({ ir, key, record }: { ir: ModelIR; key: AttesterKey; record: AttestationRecord }): Promise<Attestation> {
  const signature = await signAttestationMessage(key, await attestationMessage(ir, record));
  return {
    format: ATTESTATION_FORMAT,
    model: ir.name,
    schemaId: attestationSchemaId(ir),
    subject: record.subject,
    features: { ...record.features },
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    attester: { publicKey: key.publicKey, keyHash: key.keyHash },
    signature,
  };
}

/**
 * Signs an already-computed message (a field element). For tests and tools that build messages
 * themselves; a bureau uses signAttestation, which validates the record first.
 */
export async function signAttestationMessage(key: AttesterKey, message: bigint): Promise<{ R8: { x: bigint; y: bigint }; S: bigint }> {
  const e = await eddsa();
  const sig = e.signPoseidon(key.privateKey, e.F.e(toField(message)));
  return { R8: { x: e.F.toObject(sig.R8[0]), y: e.F.toObject(sig.R8[1]) }, S: sig.S };
}

export interface VerifiedAttestation {
  /** The quantized features, in model order: the circuit's private input. */
  quantized: bigint[];
  subject: bigint;
  message: bigint;
}

/**
 * Checks an attestation against model `ir` exactly as the circuit will: schema, features (names,
 * declared ranges), subject, key hash, S < l, the signature; and, when `now` is given (unix
 * seconds), the validity window as the hub will check it against the block's timestamp.
 * Throws a typed error (./errors.ts) saying what is wrong.
 */
export async function verifyAttestation(ir: ModelIR, att: Attestation, { now }: { now?: number } = {}): Promise<VerifiedAttestation> {
  if (!ir.attestation) {
    throw new AttestationFormatError(`model ${ir.name} does not take attested inputs; prove without an attestation`, "model");
  }
  const schemaId = attestationSchemaId(ir);
  if (att.schemaId !== schemaId) {
    throw new AttestationFormatError(
      `the attestation was signed for the feature schema of model "${att.model}" (${att.schemaId}), not ${ir.name}'s (${schemaId}). ` +
        `Ask the attester to sign for ${ir.name}.`,
      "schemaId",
    );
  }
  const { quantized, subject } = checkRecord(ir, att);
  if ((await attesterKeyHash(att.attester.publicKey)) !== att.attester.keyHash) {
    throw new AttestationFormatError("attester.keyHash is not Poseidon(attester.publicKey.x, .y)", "attester.keyHash");
  }
  if (att.signature.S >= SUBGROUP_ORDER) {
    throw new AttestationSignatureError(
      `signature.S = ${att.signature.S} is not below the Baby Jubjub subgroup order ${SUBGROUP_ORDER}: a malleated signature. ` +
        `The circuit refuses it; use the attester's original signature.`,
    );
  }
  const message = await poseidonHash(attestationMessagePreimage(ir, quantized, subject, BigInt(att.issuedAt), BigInt(att.expiresAt)));
  const e = await eddsa();
  const ok = e.verifyPoseidon(e.F.e(message), { R8: [e.F.e(att.signature.R8.x), e.F.e(att.signature.R8.y)], S: att.signature.S }, [
    e.F.e(att.attester.publicKey.x),
    e.F.e(att.attester.publicKey.y),
  ]);
  if (!ok) {
    throw new AttestationSignatureError(
      `the attestation's signature does not verify for key ${att.attester.keyHash}: its features, subject or validity window ` +
        `were changed after signing, or another key signed it. Use the attestation exactly as the attester issued it.`,
    );
  }
  if (now !== undefined) {
    if (now < att.issuedAt) {
      throw new AttestationNotYetValidError(
        `the attestation is valid from ${isoTime(att.issuedAt)} (issuedAt ${att.issuedAt}), later than now (${isoTime(now)}). Wait, or ask for one valid now.`,
      );
    }
    if (now >= att.expiresAt) {
      throw new AttestationExpiredError(
        `the attestation expired at ${isoTime(att.expiresAt)} (expiresAt ${att.expiresAt}); now is ${isoTime(now)}. Ask the attester for a new one.`,
      );
    }
  }
  return { quantized, subject, message };
}

/** The attested circuit's extra private and public inputs (names as the codegen declares them). */
export function attestationCircuitInput(att: Attestation): Record<string, bigint> {
  return {
    attesterAx: att.attester.publicKey.x,
    attesterAy: att.attester.publicKey.y,
    signatureR8x: att.signature.R8.x,
    signatureR8y: att.signature.R8.y,
    signatureS: att.signature.S,
    attesterKeyHash: att.attester.keyHash,
    validity: packValidity(BigInt(att.issuedAt), BigInt(att.expiresAt)),
    issuedAt: BigInt(att.issuedAt),
    expiresAt: BigInt(att.expiresAt),
  };
}

/** Validates a record's fields; returns the quantized features and the subject as a field element. */
function checkRecord(ir: ModelIR, record: AttestationRecord): { quantized: bigint[]; subject: bigint } {
  let subject: bigint;
  try {
    subject = addressToSubject(record.subject);
  } catch {
    throw new AttestationFormatError(`subject must be a 0x-prefixed 20-byte address, got ${JSON.stringify(record.subject)}`, "subject");
  }
  for (const field of ["issuedAt", "expiresAt"] as const) {
    const t = record[field];
    if (!Number.isSafeInteger(t) || t < 0 || t > MAX_TIMESTAMP) {
      throw new AttestationFormatError(`${field} must be an integer number of unix seconds in [0, 2^53), got ${JSON.stringify(t)}`, field);
    }
  }
  if (record.expiresAt <= record.issuedAt) {
    throw new AttestationFormatError(`expiresAt (${record.expiresAt}) must be later than issuedAt (${record.issuedAt})`, "expiresAt");
  }
  return { quantized: quantizeInputs(ir, record.features), subject };
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

// ---------------------------------------------------------------------------------------------
// JSON files. Field elements are decimal strings (JSON numbers lose precision above 2^53).

const fieldElement = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/, "must be a decimal integer string")
  .transform((s) => BigInt(s))
  .refine((x) => x < FIELD_MODULUS, "must be below the BN254 scalar field modulus r");
const timestamp = z.number().int().nonnegative().max(MAX_TIMESTAMP);

const attestationSchema = z
  .object({
    format: z.literal(ATTESTATION_FORMAT),
    model: z.string().min(1),
    schemaId: fieldElement,
    subject: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address"),
    issuedAt: timestamp,
    expiresAt: timestamp,
    features: z.record(z.string(), z.number()),
    attester: z.object({ publicKey: z.object({ x: fieldElement, y: fieldElement }).strict(), keyHash: fieldElement }).strict(),
    signature: z.object({ R8: z.object({ x: fieldElement, y: fieldElement }).strict(), S: fieldElement }).strict(),
  })
  .strict();

/** Reads an attestation from parsed JSON; errors name the field. */
export function parseAttestation(value: unknown, source = "attestation"): Attestation {
  const result = attestationSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(root)";
    throw new AttestationFormatError(`invalid ${source}: ${field}: ${issue.message}`, field);
  }
  return result.data;
}

/** The JSON form of an attestation (bigints as decimal strings). */
export function attestationToJson(att: Attestation): unknown {
  return JSON.parse(JSON.stringify(att, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

const recordSchema = z
  .object({
    subject: z.string(),
    features: z.record(z.string(), z.number()),
    issuedAt: timestamp.optional(),
    expiresAt: timestamp.optional(),
  })
  .strict();

/** A record to sign, as `zkinfer attest` reads it; issuedAt/expiresAt may be left to the command. */
export function parseRecord(value: unknown, source = "record"): Omit<AttestationRecord, "issuedAt" | "expiresAt"> & Partial<AttestationRecord> {
  const result = recordSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(root)";
    throw new AttestationFormatError(`invalid ${source}: ${field}: ${issue.message}`, field);
  }
  return result.data;
}
