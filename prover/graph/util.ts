/** Small shared helpers of the graph families: intervals, magnitudes, circom expressions. */
import type { Interval } from "./interval.js";
import { dequantize } from "../model/quantize.js";

export const bmax = (a: bigint, b: bigint) => (a > b ? a : b);
export const bmin = (a: bigint, b: bigint) => (a < b ? a : b);
export const babs = (a: bigint) => (a < 0n ? -a : a);

/**
 * The largest of xs and `floor` (a loop: Math.max(...xs) spreads xs onto the call stack, which a node of
 * a hundred thousand outputs overflows).
 */
export function maxOf(xs: Iterable<number>, floor = -Infinity): number {
  let m = floor;
  for (const x of xs) if (x > m || Number.isNaN(x)) m = x;
  return m;
}

/** Largest |real value| of an interval at a scale. */
export function magnitude(iv: Interval, scale: number): number {
  return Math.max(Math.abs(dequantize(iv.lo, scale)), Math.abs(dequantize(iv.hi, scale)));
}

/** The interval of a * b over the box of a and b. */
export function mulInterval(a: Interval, b: Interval): Interval {
  const c = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  return { lo: c.reduce(bmin), hi: c.reduce(bmax) };
}

export function shiftInterval(a: Interval, bits: number): Interval {
  const f = 1n << BigInt(bits);
  return { lo: a.lo * f, hi: a.hi * f };
}

export function hull(ivs: readonly Interval[]): Interval {
  return ivs.reduce((a, b) => ({ lo: bmin(a.lo, b.lo), hi: bmax(a.hi, b.hi) }));
}

/** "c0*s0 + c1*s1 + ... + b" as a balanced circom expression, skipping zero coefficients. */
export function linear(coefs: readonly bigint[], refs: readonly string[], bias: bigint): string {
  const terms = coefs.flatMap((w, i) => (w === 0n ? [] : [w === 1n ? refs[i]! : `${w}*${refs[i]}`]));
  if (bias !== 0n || terms.length === 0) terms.push(String(bias));
  return balanced(terms).replace(/\+ -/g, "- ");
}

/** t0 + t1 + ... as a balanced tree (circom overflows its parser stack on long flat sums). */
export function balanced(terms: readonly string[]): string {
  if (terms.length <= 32) return terms.join(" + ");
  const mid = terms.length >> 1;
  return `(${balanced(terms.slice(0, mid))}) + (${balanced(terms.slice(mid))})`;
}

/** A parameter of a node whose parameters are not checked yet (undefined when absent). */
export function field(node: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(node, key)?.value;
}

/** A number parameter of a float node, validated. */
export function num(node: object, key: string, dflt?: number): number {
  const v = field(node, key) ?? dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`parameter "${key}" must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** 2^-s. */
export const ulp = (s: number) => 2 ** -s;

/** Output error of a discontinuous op (a comparison, a floor): 0 when exact inputs, else its jump. */
export function jumpError(inputErrs: readonly number[], jump: number): number {
  return inputErrs.every((e) => e === 0) ? 0 : jump;
}

/** dst.push(...src) without the spread (a spread of a large array overflows the call stack). */
export function append<T>(dst: T[], src: readonly T[]): void {
  for (const x of src) dst.push(x);
}
