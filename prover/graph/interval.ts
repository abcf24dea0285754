/**
 * Integer intervals and the fixed-point arithmetic every lowering shares: the range rule's gadget
 * width (gadgetK) and floored division. The graph IR is the bottom of the compiler, so these live
 * here and the model IR (../model/ir.ts) imports them, never the other way round.
 */
import { ModelRangeError } from "../errors.js";
import { bitLength } from "../field.js";

/** A closed integer interval [lo, hi]. */
export interface Interval {
  lo: bigint;
  hi: bigint;
}

/** Largest K for which K + 1 bits stay well below the 254-bit field (no aliasing, no wrap). */
export const MAX_GADGET_BITS = 251;

/** Interval of sum_i w_i * x_i + b over the box of input intervals. */
export function dotBounds(weights: bigint[], inputs: Interval[], bias: bigint): Interval {
  let lo = bias;
  let hi = bias;
  weights.forEach((w, i) => {
    const x = inputs[i]!;
    const a = w * x.lo;
    const b = w * x.hi;
    lo += a < b ? a : b;
    hi += a < b ? b : a;
  });
  return { lo, hi };
}

/** The smallest K >= shift with -2^K <= lo and hi < 2^K. */
export function gadgetK(iv: Interval, shift: number, where: string): number {
  const k = Math.max(shift, 1, bitLength(iv.lo < 0n ? -iv.lo - 1n : 0n), bitLength(iv.hi > 0n ? iv.hi : 0n));
  if (k > MAX_GADGET_BITS) {
    throw new ModelRangeError(
      `${where}: the accumulator can reach [${iv.lo}, ${iv.hi}], which needs ${k + 1} bits; ` +
        `at most ${MAX_GADGET_BITS + 1} fit in the BN254 field without wrapping. ` +
        `Lower weightBits/inputBits or narrow the declared feature ranges.`,
    );
  }
  return k;
}

/** floor(a / b) for b > 0 (BigInt division truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

export function floorShift(x: bigint, shift: number): bigint {
  return x >> BigInt(shift); // BigInt >> is an arithmetic shift: floor division by 2^shift
}
