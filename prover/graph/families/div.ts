/**
 * Division family: q = floor(a / b) at scale `out` for a data divisor b (Div by data, Reciprocal
 * and softmax's normalisation when the importer composes them). With a at s_a and b at s_b,
 *   q = floor(a * 2^(s_b - s_a + out) / b)
 * is constrained by DivFloor (divide.circom): num = q * den + r, 0 <= r < den, q range-checked, so
 * exactly one q satisfies it. The divisor's proven interval must exclude 0 (refused, naming the
 * node, otherwise); a negative divisor is negated together with the numerator (same quotient).
 * An optional constant numerator (`numerator`, real) replaces a.
 * Error rule: (e_a |b| + |a| e_b) / (|b|min (|b|min - e_b)) + 2^-out, infinite when e_b >= |b|min.
 */
import { ModelRangeError } from "../../errors.js";
import { bitLength } from "../../field.js";
import { floorDiv, MAX_GADGET_BITS } from "../interval.js";
import { dequantize, quantize } from "../../model/quantize.js";
import type { Family, FloatNode, ValueInfo } from "../types.js";
import { bmax, bmin, field, magnitude } from "../util.js";
import * as cost from "../cost.js";

export interface DivParams {
  /** A constant numerator (real): the args are then the divisors alone. */
  numerator?: number;
  /**
   * A positive lower bound on the FLOAT divisor known from its construction (Softmax's sum of
   * exp(x - max) is at least 1): the error rule divides by it where the quantized divisor's
   * interval, less its error, says less. Used only for a positive divisor.
   */
  floatAtLeast?: number;
}

const constNum = (node: DivParams) => node.numerator ?? null;
const arity = (node: DivParams) => (constNum(node) === null ? 2 : 1);

interface Item {
  /** Multiplier of the numerator: 2^k. */
  k: number;
  /** -1 when the divisor is negated. */
  sign: number;
  /** Constant numerator (integer at the numerator scale) or null. */
  c: bigint | null;
  Q: number;
  D: number;
}

export interface DivQ {
  items: Item[];
  numerator?: number;
}

export const div: Family<DivParams, DivQ> = {
  ops: ["div"],
  includes: ["circuits/lib/divide.circom"],
  check(node): asserts node is FloatNode<DivParams> {
    const numerator = field(node, "numerator");
    if (numerator !== undefined && (typeof numerator !== "number" || !Number.isFinite(numerator))) throw new Error(`"numerator" must be a finite number`);
    const atLeast = field(node, "floatAtLeast");
    if (atLeast !== undefined && (typeof atLeast !== "number" || !(atLeast > 0) || !Number.isFinite(atLeast)))
      throw new Error(`"floatAtLeast" must be a positive number`);
    const k = numerator === undefined ? 2 : 1;
    if (node.args.length === 0 || node.args.length % k) throw new Error(`div takes ${k === 2 ? "pairs (numerator, divisor)" : "divisors"}`);
  },
  outputs(node) {
    return node.args.length / arity(node);
  },
  evalFloat(node, x) {
    const k = arity(node);
    const c = constNum(node);
    const out: number[] = [];
    for (let i = 0; i < x.length; i += k) out.push((c ?? x[i]!) / x[i + k - 1]!);
    return out;
  },
  lower(node, ctx) {
    const k = arity(node);
    const c = constNum(node);
    const ins = node.args.map((a) => ctx.value(a));
    const items: Item[] = [];
    const outs: ValueInfo[] = [];
    const out = ctx.fp.activationBits;
    for (let i = 0; i < ins.length; i += k) {
      const b = ins[i + k - 1]!;
      const a: ValueInfo =
        c === null
          ? ins[i]!
          : {
              scale: ctx.fp.weightBits,
              iv: { lo: quantize(c, ctx.fp.weightBits), hi: quantize(c, ctx.fp.weightBits) },
              err: Math.abs(c - dequantize(quantize(c, ctx.fp.weightBits), ctx.fp.weightBits)),
            };
      if (b.iv.lo <= 0n && b.iv.hi >= 0n) {
        throw new ModelRangeError(
          `${ctx.where}: the divisor (element ${i / k}) can be 0: its proven interval is [${dequantize(b.iv.lo, b.scale)}, ${dequantize(b.iv.hi, b.scale)}]. Narrow the input ranges so that it keeps one sign.`,
        );
      }
      const sign = b.iv.lo > 0n ? 1 : -1;
      const den = sign === 1 ? b.iv : { lo: -b.iv.hi, hi: -b.iv.lo };
      const shift = b.scale - a.scale + out;
      if (shift < 0)
        throw new ModelRangeError(`${ctx.where}: the numerator's scale 2^${a.scale} is finer than the divisor's plus the output's; raise activationBits.`);
      const f = BigInt(sign) << BigInt(shift);
      const num = f > 0n ? { lo: a.iv.lo * f, hi: a.iv.hi * f } : { lo: a.iv.hi * f, hi: a.iv.lo * f };
      const corners = [num.lo, num.hi].flatMap((n) => [floorDiv(n, den.lo), floorDiv(n, den.hi)]);
      const q = { lo: corners.reduce(bmin), hi: corners.reduce(bmax) };
      const Q = ctx.gadgetK(q, 0, `quotient ${i / k}`);
      const D = bitLength(den.hi);
      if (Q + D + 2 > MAX_GADGET_BITS) throw new ModelRangeError(`${ctx.where}: quotient times divisor needs ${Q + D + 2} bits; narrow the ranges.`);
      const bmin_ = dequantize(den.lo, b.scale);
      const ma = magnitude(a.iv, a.scale);
      // |b_f| >= |b_q|min - e_b, and >= floatAtLeast for a positive divisor.
      const fmin = Math.max(bmin_ - b.err, sign === 1 ? (node.floatAtLeast ?? 0) : 0);
      const err = fmin <= 0 ? Infinity : (a.err * magnitude(b.iv, b.scale) + ma * b.err) / (bmin_ * fmin) + 2 ** -out;
      items.push({ k: shift, sign, c: c === null ? null : a.iv.lo, Q, D });
      outs.push({ scale: out, iv: q, err });
    }
    return { op: node.op, args: node.args, name: node.name, outs, items, ...(c === null ? {} : { numerator: c }) };
  },
  interpret(node, x) {
    const k = arity(node);
    return node.items.map((it, o) => {
      const a = it.c ?? x[o * k]!;
      const b = x[o * k + k - 1]!;
      return floorDiv(a * (BigInt(it.sign) << BigInt(it.k)), b * BigInt(it.sign));
    });
  },
  preimage(node) {
    return node.items.flatMap((it) => [BigInt(it.k), BigInt(it.sign + 1), it.c === null ? 0n : 1n, it.c ?? 0n, BigInt(it.Q), BigInt(it.D)]);
  },
  constraints(node) {
    return node.items.reduce((a, it) => a + cost.divFloor(it.Q, it.D), 0);
  },
  emit(node, ctx) {
    const k = arity(node);
    node.items.forEach((it, o) => {
      const a = it.c === null ? ctx.ref(node.args[o * k]!) : String(it.c);
      const b = ctx.ref(node.args[o * k + k - 1]!);
      const f = BigInt(it.sign) << BigInt(it.k);
      ctx.emit(`${ctx.outs[o]} <== DivFloor(${it.Q}, ${it.D})(${f} * ${a}, ${it.sign === 1 ? b : `-${b}`});`);
    });
  },
};
