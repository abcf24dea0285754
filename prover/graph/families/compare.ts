/**
 * Comparison and selection family: less / lessEq / greater / greaterEq / equal on pairs, sign,
 * nonzero (Cast to bool), the logic ops not / and / or / xor on bits, and where(c, x, y).
 *
 * Every comparison is ONE constrained sign bit of a bounded difference (IsNonNegative(K),
 * compare.circom: K + 1 constraints): operands are aligned to their common scale for free (a
 * multiplication by a constant power of two), and K comes from the proven interval of the
 * difference, so a comparison is exactly as sound as those bounds. Equality is two sign bits and a
 * product. Logic ops take only values the range analysis proved to be bits (interval within [0, 1]
 * at scale 0): the output of a comparison, a nonzero test or a logic op; then not = 1 - a,
 * and = a b, or = a + b - a b, xor = a + b - 2 a b (one product each). where = y + c (x - y), one
 * product. Outputs are bits at scale 0 (where: the operands' common scale).
 * Error rule: a discontinuous output is exact when its inputs are, else off by at most its jump
 * (1 for a bit; |x - y| for a where whose condition may flip).
 */
import { ModelRangeError } from "../../errors.js";
import type { Interval } from "../interval.js";
import type { Family, ValueInfo } from "../types.js";
import { bmax, bmin, jumpError, magnitude } from "../util.js";
import * as cost from "../cost.js";

const PAIR_OPS = ["less", "lessEq", "greater", "greaterEq", "equal"] as const;
const UNARY_OPS = ["sign", "nonzero", "not"] as const;
const BIT_PAIR_OPS = ["and", "or", "xor"] as const;

const isIn = (ops: readonly string[], op: string) => ops.includes(op);
const arityOf = (op: string) => (op === "where" ? 3 : isIn(PAIR_OPS, op) || isIn(BIT_PAIR_OPS, op) ? 2 : 1);

/** Integer interval of v * 2^(S - s). */
const up = (v: ValueInfo, S: number): Interval => {
  const f = 1n << BigInt(S - v.scale);
  return { lo: v.iv.lo * f, hi: v.iv.hi * f };
};
const sub = (a: Interval, b: Interval): Interval => ({ lo: a.lo - b.hi, hi: a.hi - b.lo });
const neg = (a: Interval): Interval => ({ lo: -a.hi, hi: -a.lo });
const addc = (a: Interval, c: bigint): Interval => ({ lo: a.lo + c, hi: a.hi + c });

function floatCompare(op: string, a: number, b: number): number {
  switch (op) {
    case "less":
      return a < b ? 1 : 0;
    case "lessEq":
      return a <= b ? 1 : 0;
    case "greater":
      return a > b ? 1 : 0;
    case "greaterEq":
      return a >= b ? 1 : 0;
    case "equal":
      return a === b ? 1 : 0;
    case "and":
      return a && b ? 1 : 0;
    case "or":
      return a || b ? 1 : 0;
    case "xor":
      return (a ? 1 : 0) ^ (b ? 1 : 0);
    default:
      throw new Error(`not a pair op: ${op}`);
  }
}

/** The differences whose sign bits an op needs: d >= 0 each. */
function differences(op: string, a: Interval, b: Interval): Interval[] {
  switch (op) {
    case "less":
      return [addc(sub(b, a), -1n)];
    case "lessEq":
      return [sub(b, a)];
    case "greater":
      return [addc(sub(a, b), -1n)];
    case "greaterEq":
      return [sub(a, b)];
    case "equal":
      return [sub(a, b), sub(b, a)];
    default:
      return [];
  }
}

/** The op alone says what a comparison does: no parameters. */
export type CompareParams = object;

export interface CompareQ {
  /** Per output, the widths of its sign bits (none for where and the logic ops). */
  bits: number[][];
  /** Per output, the common scale its operands are aligned to. */
  scales: number[];
}

export const compare: Family<CompareParams, CompareQ> = {
  ops: [...PAIR_OPS, ...UNARY_OPS, ...BIT_PAIR_OPS, "where"],
  includes: ["circuits/lib/compare.circom", "circomlib/circuits/comparators.circom"],
  check(node) {
    const k = arityOf(node.op);
    if (node.args.length === 0 || node.args.length % k !== 0) throw new Error(`${node.op} takes its arguments in groups of ${k}`);
  },
  outputs(node) {
    return node.args.length / arityOf(node.op);
  },
  evalFloat(node, x) {
    const k = arityOf(node.op);
    const out: number[] = [];
    for (let i = 0; i < x.length; i += k) {
      if (node.op === "where") out.push(x[i] ? x[i + 1]! : x[i + 2]!);
      else if (node.op === "sign") out.push(Math.sign(x[i]!));
      else if (node.op === "nonzero") out.push(x[i] !== 0 ? 1 : 0);
      else if (node.op === "not") out.push(x[i] ? 0 : 1);
      else out.push(floatCompare(node.op, x[i]!, x[i + 1]!));
    }
    return out;
  },
  lower(node, ctx) {
    const k = arityOf(node.op);
    const ins = node.args.map((a) => ctx.value(a));
    const bit = (v: ValueInfo, i: number) => {
      if (v.scale !== 0 || v.iv.lo < 0n || v.iv.hi > 1n) {
        throw new ModelRangeError(
          `${ctx.where}: operand ${i} of ${node.op} is not a proven bit (interval [${v.iv.lo}, ${v.iv.hi}] at 2^${v.scale}); logic ops take comparison outputs.`,
        );
      }
    };
    const bits: number[][] = [];
    const scales: number[] = [];
    const outs: ValueInfo[] = [];
    for (let i = 0; i < ins.length; i += k) {
      const g = ins.slice(i, i + k);
      const e = g.map((v) => v.err);
      if (node.op === "where") {
        bit(g[0]!, i);
        const S = Math.max(g[1]!.scale, g[2]!.scale);
        const x = up(g[1]!, S);
        const y = up(g[2]!, S);
        const iv = { lo: bmin(x.lo, y.lo), hi: bmax(x.hi, y.hi) };
        ctx.gadgetK(sub(x, y), 0, `element ${i / k}`);
        const flip = g[0]!.err === 0 ? 0 : magnitude(x, S) + magnitude(y, S);
        outs.push({ scale: S, iv, err: Math.max(g[1]!.err, g[2]!.err) + flip });
        scales.push(S);
        bits.push([]);
      } else if (node.op === "not" || isIn(BIT_PAIR_OPS, node.op)) {
        g.forEach((v, j) => bit(v, i + j));
        outs.push({ scale: 0, iv: { lo: 0n, hi: 1n }, err: jumpError(e, 1) });
        scales.push(0);
        bits.push([]);
      } else if (node.op === "nonzero") {
        outs.push({ scale: 0, iv: { lo: 0n, hi: 1n }, err: jumpError(e, 1) });
        scales.push(g[0]!.scale);
        bits.push([]);
      } else if (node.op === "sign") {
        const x = g[0]!.iv;
        bits.push([ctx.gadgetK(addc(x, -1n), 0, `element ${i}`), ctx.gadgetK(addc(neg(x), -1n), 0, `element ${i}`)]);
        outs.push({ scale: 0, iv: { lo: x.lo < 0n ? -1n : x.lo > 0n ? 1n : 0n, hi: x.hi > 0n ? 1n : x.hi < 0n ? -1n : 0n }, err: jumpError(e, 2) });
        scales.push(g[0]!.scale);
      } else {
        const S = Math.max(g[0]!.scale, g[1]!.scale);
        bits.push(differences(node.op, up(g[0]!, S), up(g[1]!, S)).map((d) => ctx.gadgetK(d, 0, `element ${i / k}`)));
        outs.push({ scale: 0, iv: { lo: 0n, hi: 1n }, err: jumpError(e, 1) });
        scales.push(S);
      }
    }
    return { op: node.op, args: node.args, name: node.name, outs, bits, scales };
  },
  interpret(node, x) {
    const k = arityOf(node.op);
    const out: bigint[] = [];
    const scales = node.scales;
    const inScales = node.inScales;
    for (let i = 0, o = 0; i < x.length; i += k, o++) {
      const S = scales[o]!;
      const al = (j: number) => x[i + j]! << BigInt(S - inScales[i + j]!);
      switch (node.op) {
        case "where":
          out.push(x[i] === 1n ? al(1) : al(2));
          break;
        case "not":
          out.push(1n - x[i]!);
          break;
        case "and":
          out.push(x[i]! * x[i + 1]!);
          break;
        case "or":
          out.push(x[i]! + x[i + 1]! - x[i]! * x[i + 1]!);
          break;
        case "xor":
          out.push(x[i]! + x[i + 1]! - 2n * x[i]! * x[i + 1]!);
          break;
        case "nonzero":
          out.push(x[i] !== 0n ? 1n : 0n);
          break;
        case "sign":
          out.push(x[i]! > 0n ? 1n : x[i]! < 0n ? -1n : 0n);
          break;
        default: {
          const a = al(0);
          const b = al(1);
          out.push(BigInt(floatCompare(node.op, Number(a > b) - Number(a < b), 0)));
        }
      }
    }
    return out;
  },
  preimage(node) {
    return [...node.scales.map(BigInt), ...node.bits.flatMap((b) => [BigInt(b.length), ...b.map(BigInt)])];
  },
  constraints(node) {
    const signs = (b: readonly number[]) => b.reduce((a, k) => a + cost.isNonNegative(k), 0);
    return node.outs.reduce((a, _, o) => {
      const b = node.bits[o] ?? [];
      if (node.op === "not") return a;
      if (node.op === "nonzero") return a + cost.isZero();
      if (node.op === "equal") return a + signs(b) + 1;
      return a + (b.length ? signs(b) : 1);
    }, 0);
  },
  emit(node, ctx) {
    const k = arityOf(node.op);
    const scales = node.scales;
    const inScales = node.inScales;
    for (let i = 0, o = 0; i < node.args.length; i += k, o++) {
      const S = scales[o]!;
      const al = (j: number) => {
        const sh = S - inScales[i + j]!;
        return sh === 0 ? ctx.ref(node.args[i + j]!) : `${1n << BigInt(sh)} * ${ctx.ref(node.args[i + j]!)}`;
      };
      const r = (j: number) => ctx.ref(node.args[i + j]!);
      const out = ctx.outs[o]!;
      const b = node.bits[o]!;
      switch (node.op) {
        case "where":
          ctx.emit(`${out} <== ${al(2)} + ${r(0)} * (${al(1)} - ${al(2)});`);
          break;
        case "not":
          ctx.emit(`${out} <== 1 - ${r(0)};`);
          break;
        case "and":
          ctx.emit(`${out} <== ${r(0)} * ${r(1)};`);
          break;
        case "or":
          ctx.emit(`${out} <== ${r(0)} + ${r(1)} - ${r(0)} * ${r(1)};`);
          break;
        case "xor":
          ctx.emit(`${out} <== ${r(0)} + ${r(1)} - 2 * ${r(0)} * ${r(1)};`);
          break;
        case "nonzero":
          ctx.emit(`signal ${ctx.prefix}_${o} <== IsZero()(${r(0)});`);
          ctx.emit(`${out} <== 1 - ${ctx.prefix}_${o};`);
          break;
        case "sign":
          ctx.emit(`signal ${ctx.prefix}_${o}p <== IsNonNegative(${b[0]})(${r(0)} - 1);`);
          ctx.emit(`signal ${ctx.prefix}_${o}n <== IsNonNegative(${b[1]})(-${r(0)} - 1);`);
          ctx.emit(`${out} <== ${ctx.prefix}_${o}p - ${ctx.prefix}_${o}n;`);
          break;
        case "less":
          ctx.emit(`${out} <== IsNonNegative(${b[0]})(${al(1)} - ${al(0)} - 1);`);
          break;
        case "lessEq":
          ctx.emit(`${out} <== IsNonNegative(${b[0]})(${al(1)} - ${al(0)});`);
          break;
        case "greater":
          ctx.emit(`${out} <== IsNonNegative(${b[0]})(${al(0)} - ${al(1)} - 1);`);
          break;
        case "greaterEq":
          ctx.emit(`${out} <== IsNonNegative(${b[0]})(${al(0)} - ${al(1)});`);
          break;
        case "equal":
          ctx.emit(`signal ${ctx.prefix}_${o}g <== IsNonNegative(${b[0]})(${al(0)} - ${al(1)});`);
          ctx.emit(`signal ${ctx.prefix}_${o}l <== IsNonNegative(${b[1]})(${al(1)} - ${al(0)});`);
          ctx.emit(`${out} <== ${ctx.prefix}_${o}g * ${ctx.prefix}_${o}l;`);
          break;
        default:
          throw new Error(`compare: no emitter for ${node.op}`);
      }
    }
  },
};
