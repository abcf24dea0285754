/**
 * The BN254 scalar field, in which every circuit signal lives. A signed integer q is represented as
 * q mod r, so a negative q is the field element r - |q|.
 */
import { ZkinferError } from "./errors.js";

export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Largest magnitude treated as non-negative when decoding: (r - 1) / 2. */
const HALF = (FIELD_MODULUS - 1n) / 2n;

export function toField(q: bigint): bigint {
  const m = q % FIELD_MODULUS;
  return m < 0n ? m + FIELD_MODULUS : m;
}

/** Decodes a field element as a signed integer in (-(r-1)/2, (r-1)/2]. */
export function fromField(x: bigint): bigint {
  if (x < 0n || x >= FIELD_MODULUS) throw new ZkinferError(`${x} is not a field element`);
  return x > HALF ? x - FIELD_MODULUS : x;
}

/** Floor division for BigInt (BigInt `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Number of bits needed to write the non-negative integer n (0 needs 0 bits). */
export function bitLength(n: bigint): number {
  if (n < 0n) throw new ZkinferError("bitLength of a negative number");
  return n === 0n ? 0 : n.toString(2).length;
}
