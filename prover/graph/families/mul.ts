/**
 * Product family: out = floor(a * b / 2^shift) for pairs of data values (Mul and MatMul of two
 * data tensors, squares, gates). One constraint per product; the result keeps scale s_a + s_b when
 * that is at most activationBits (exact), else one Rescale(K, shift) (K + 1 constraints) brings it
 * to activationBits.
 * Range rule: the corners of the product box (a square is non-negative). Error rule: first order
 * |a| e_b + |b| e_a + e_a e_b, plus 2^-out for the floor.
 */
import { floorShift } from "../../model/ir.js";
import type { Interval } from "../../model/ir.js";
import type { Family, ValueInfo } from "../types.js";
import { bmax, magnitude, mulInterval } from "../util.js";

export const mul: Family = {
  ops: ["mul"],
  includes: ["circuits/lib/rescale.circom"],
  validate(node) {
    if (node.args.length === 0 || node.args.length % 2) throw new Error("mul takes pairs of args");
    return node.args.length / 2;
  },
  evalFloat(_node, x) {
    const out: number[] = [];
    for (let i = 0; i < x.length; i += 2) out.push(x[i]! * x[i + 1]!);
    return out;
  },
  lower(node, ctx) {
    const ins = node.args.map((a) => ctx.value(a));
    const shifts: number[] = [];
    const bits: (number | null)[] = [];
    const outs: ValueInfo[] = [];
    for (let i = 0; i < ins.length; i += 2) {
      const a = ins[i]!;
      const b = ins[i + 1]!;
      let p: Interval = mulInterval(a.iv, b.iv);
      if (node.args[i] === node.args[i + 1]) {
        const lo = a.iv.lo < 0n && a.iv.hi > 0n ? 0n : a.iv.lo * a.iv.lo < a.iv.hi * a.iv.hi ? a.iv.lo * a.iv.lo : a.iv.hi * a.iv.hi;
        p = { lo, hi: bmax(a.iv.lo * a.iv.lo, a.iv.hi * a.iv.hi) };
      }
      const s = a.scale + b.scale;
      const out = Math.min(s, Math.max(ctx.fp.activationBits, a.scale, b.scale));
      const shift = s - out;
      shifts.push(shift);
      bits.push(shift === 0 ? null : ctx.gadgetK(p, shift, `product ${i / 2}`));
      if (shift === 0) ctx.gadgetK(p, 0, `product ${i / 2}`);
      const ma = magnitude(a.iv, a.scale);
      const mb = magnitude(b.iv, b.scale);
      const err = ma * b.err + mb * a.err + a.err * b.err + (shift ? 2 ** -out : 0);
      outs.push({ scale: out, iv: { lo: floorShift(p.lo, shift), hi: floorShift(p.hi, shift) }, err });
    }
    return { op: node.op, args: node.args, name: node.name, outs, shifts, bits };
  },
  interpret(node, x) {
    const out: bigint[] = [];
    const shifts = node.shifts as number[];
    for (let i = 0; i < x.length; i += 2) out.push((x[i]! * x[i + 1]!) >> BigInt(shifts[i / 2]!));
    return out;
  },
  preimage(node) {
    return (node.shifts as number[]).map(BigInt);
  },
  emit(node, ctx) {
    const shifts = node.shifts as number[];
    const bits = node.bits as (number | null)[];
    for (let i = 0; i < node.args.length; i += 2) {
      const o = i / 2;
      const prod = `${ctx.ref(node.args[i]!)} * ${ctx.ref(node.args[i + 1]!)}`;
      if (bits[o] === null) ctx.emit(`${ctx.outs[o]} <== ${prod};`);
      else {
        ctx.emit(`signal ${ctx.prefix}_p${o} <== ${prod};`);
        ctx.emit(`${ctx.outs[o]} <== Rescale(${bits[o]}, ${shifts[o]})(${ctx.prefix}_p${o});`);
      }
    }
  },
};
