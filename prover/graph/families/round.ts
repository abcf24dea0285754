/**
 * Rounding family: floor, ceil, round (half up) and trunc (toward zero, Cast to an integer type) of
 * a fixed-point value, giving an integer at scale 0. floor is one Rescale(K, s) (K + 1 constraints:
 * quotient and remainder both bound by bits); ceil(x) = -floor(-x); round(x) = floor(x + 1/2);
 * trunc = the sign bit selects between floor and ceil (two rescales, one product).
 * ONNX Round breaks ties to even; a tie needs an input exactly at k + 1/2, and the error rule
 * already allows a jump of 1 whenever the input carries any error.
 * Error rule: exact inputs give exact outputs, else at most 1 + e_in (the jump plus the slope).
 */
import { floorShift } from "../interval.js";
import type { Interval } from "../interval.js";
import type { Family, ValueInfo } from "../types.js";
import * as cost from "../cost.js";

const OPS = ["floor", "ceil", "round", "trunc"] as const;

function apply(op: string, x: bigint, s: number): bigint {
  const S = BigInt(s);
  const fl = (v: bigint) => v >> S;
  switch (op) {
    case "floor":
      return fl(x);
    case "ceil":
      return -fl(-x);
    case "round":
      return s === 0 ? x : fl(x + (1n << (S - 1n)));
    case "trunc":
      return x >= 0n ? fl(x) : -fl(-x);
    default:
      throw new Error(op);
  }
}

/** The op alone says how to round: no parameters. */
export type RoundParams = object;

export interface RoundQ {
  /** Per element, the widths of its rescales (trunc: two rescales and a sign bit). */
  bits: number[][];
}

const FLOAT: Record<string, (v: number) => number> = { floor: Math.floor, ceil: Math.ceil, round: (v: number) => Math.floor(v + 0.5), trunc: Math.trunc };

export const round: Family<RoundParams, RoundQ> = {
  ops: OPS,
  includes: ["circuits/lib/rescale.circom", "circuits/lib/compare.circom"],
  check(node) {
    if (!FLOAT[node.op]) throw new Error(`not a rounding op: ${node.op}`);
  },
  outputs(node) {
    return node.args.length;
  },
  evalFloat(node, x) {
    const f = FLOAT[node.op]!;
    return x.map(f);
  },
  lower(node, ctx) {
    const ins = node.args.map((a) => ctx.value(a));
    const bits: number[][] = [];
    const outs: ValueInfo[] = ins.map((v, i) => {
      const s = v.scale;
      const half = s === 0 ? 0n : 1n << BigInt(s - 1);
      const neg: Interval = { lo: -v.iv.hi, hi: -v.iv.lo };
      const w = `element ${i}`;
      const k = (iv: Interval) => ctx.gadgetK(iv, s, w);
      const b =
        node.op === "floor"
          ? [k(v.iv)]
          : node.op === "ceil"
            ? [k(neg)]
            : node.op === "round"
              ? [k({ lo: v.iv.lo + half, hi: v.iv.hi + half })]
              : [k(v.iv), k(neg), ctx.gadgetK(v.iv, 0, w)];
      bits.push(b);
      const iv = { lo: apply(node.op, v.iv.lo, s), hi: apply(node.op, v.iv.hi, s) };
      return { scale: 0, iv, err: v.err === 0 && node.op !== "round" ? 0 : 1 + v.err };
    });
    void floorShift;
    return { op: node.op, args: node.args, name: node.name, outs, bits };
  },
  interpret(node, x) {
    const inScales = node.inScales;
    return x.map((v, i) => apply(node.op, v, inScales[i]!));
  },
  preimage(node) {
    return node.bits.flatMap((b) => [BigInt(b.length), ...b.map(BigInt)]);
  },
  constraints(node) {
    return node.args.reduce((a, _, i) => {
      const b = node.bits[i]!;
      if (node.inScales[i] === 0) return a;
      if (node.op === "trunc") return a + cost.rescale(b[0]!) + cost.rescale(b[1]!) + cost.isNonNegative(b[2]!) + 1;
      return a + cost.rescale(b[0]!);
    }, 0);
  },
  emit(node, ctx) {
    const inScales = node.inScales;
    node.args.forEach((a, i) => {
      const s = inScales[i]!;
      const x = ctx.ref(a);
      const b = node.bits[i]!;
      const o = ctx.outs[i]!;
      if (s === 0) {
        ctx.emit(`${o} <== ${x};`);
        return;
      }
      switch (node.op) {
        case "floor":
          ctx.emit(`${o} <== Rescale(${b[0]}, ${s})(${x});`);
          break;
        case "ceil":
          ctx.emit(`signal ${ctx.prefix}_${i} <== Rescale(${b[0]}, ${s})(-${x});`);
          ctx.emit(`${o} <== -${ctx.prefix}_${i};`);
          break;
        case "round":
          ctx.emit(`${o} <== Rescale(${b[0]}, ${s})(${x} + ${1n << BigInt(s - 1)});`);
          break;
        case "trunc": {
          const p = `${ctx.prefix}_${i}`;
          ctx.emit(`signal ${p}_f <== Rescale(${b[0]}, ${s})(${x});`);
          ctx.emit(`signal ${p}_n <== Rescale(${b[1]}, ${s})(-${x});`);
          ctx.emit(`signal ${p}_c <== -${p}_n;`);
          ctx.emit(`signal ${p}_s <== IsNonNegative(${b[2]})(${x});`);
          ctx.emit(`${o} <== ${p}_c + ${p}_s * (${p}_f - ${p}_c);`);
          break;
        }
      }
    });
  },
};
