/**
 * Affine family: out[r] = sum_k w[r][k] * x[p[r][k]] + b[r], sparse rows over the node's args.
 * Every linear ONNX operator (Gemm/MatMul/Conv with constant weights, BatchNorm, Add/Sub/Mul/Div by
 * constants, pooling averages, ReduceSum/Mean, ConvTranspose...) is composed into ONE such node by
 * the importer before the next non-linear node, whatever path the data took.
 *
 * Lowering: when every weight is an integer, every input has the same scale and the bias is exact
 * at it (a residual Add, a Sub of two inputs, a sum), the node is EXACT: out keeps that scale, no
 * gadget, no error. Otherwise the accumulator sits at A = max input scale + weightBits, each weight
 * quantized at A - s(input), and one Rescale(K, A - activationBits) per row gives a floored output
 * (K + 1 constraints). Weights are constants: 0 constraints per multiply.
 * Error rule: sum |w| e_in + |w - w_q| (|x| + e_in) + |b - b_q| + (rescaled ? 2^-out : 0); when every
 * input carries an error form (../errform.ts), the forms compose exactly: sum w form_in, plus a fresh
 * symbol of sum |w - w_q| |x_q| + |b - b_q| + (rescaled ? 2^-out : 0).
 */
import { dotBounds, floorShift } from "../interval.js";
import { quantize, dequantize } from "../../model/quantize.js";
import type { Family, ValueInfo } from "../types.js";
import { field, linear, magnitude } from "../util.js";
import { combineForms, l1 } from "../errform.js";

export interface AffineRow {
  /** Positions into the node's args. */
  p: number[];
  w: number[];
  b: number;
}

interface QRow {
  p: number[];
  w: bigint[];
  b: bigint;
}

export interface AffineParams {
  rows: AffineRow[];
}

export interface AffineQ {
  rows: QRow[];
  /** The accumulator's scale, and the rescale's shift to the output scale (0: exact, no gadget). */
  accScale: number;
  shift: number;
  /** Per row, the rescale gadget's K (null when exact). */
  bits: (number | null)[];
}

export const affine: Family<AffineParams, AffineQ> = {
  ops: ["affine"],
  includes: ["circuits/lib/rescale.circom"],
  check(node) {
    const rows = field(node, "rows");
    if (!Array.isArray(rows) || rows.length === 0) throw new Error(`"rows" must be a non-empty array`);
    rows.forEach((r: unknown, i) => {
      const p = r !== null && typeof r === "object" ? field(r, "p") : undefined;
      const w = r !== null && typeof r === "object" ? field(r, "w") : undefined;
      const b = r !== null && typeof r === "object" ? field(r, "b") : undefined;
      if (!Array.isArray(p) || !Array.isArray(w) || p.length !== w.length) throw new Error(`rows[${i}]: "p" and "w" must be arrays of equal length`);
      if (p.some((x) => !Number.isInteger(x) || x < 0 || x >= node.args.length))
        throw new Error(`rows[${i}].p: positions must index the node's ${node.args.length} args`);
      if (![...w, b].every((x) => typeof x === "number" && Number.isFinite(x))) throw new Error(`rows[${i}]: weights and bias must be finite numbers`);
    });
  },
  outputs(node) {
    return node.rows.length;
  },
  evalFloat(node, x) {
    return node.rows.map((r) => r.p.reduce((acc, p, k) => acc + r.w[k]! * x[p]!, r.b));
  },
  lower(node, ctx) {
    const ins = node.args.map((a) => ctx.value(a));
    const rows = node.rows;
    const scales = ins.map((v) => v.scale);
    const s0 = scales[0] ?? 0;
    const exact = scales.every((s) => s === s0) && rows.every((r) => r.w.every((w) => Number.isInteger(w)) && Number.isInteger(r.b * 2 ** s0));
    const maxScale = scales.reduce((m, s) => Math.max(m, s), 0);
    const accScale = exact ? s0 : Math.max(maxScale + ctx.fp.weightBits, ctx.fp.activationBits);
    const outScale = exact ? s0 : ctx.fp.activationBits;
    const shift = accScale - outScale;
    const qrows: QRow[] = rows.map((r) => ({ p: r.p, w: r.p.map((p, k) => quantize(r.w[k]!, accScale - scales[p]!)), b: quantize(r.b, accScale) }));
    const bits: (number | null)[] = [];
    const outs: ValueInfo[] = qrows.map((q, ri) => {
      const acc = dotBounds(
        q.w,
        q.p.map((p) => ins[p]!.iv),
        q.b,
      );
      bits.push(shift === 0 ? null : ctx.gadgetK(acc, shift, `row ${ri}`));
      if (shift === 0) ctx.gadgetK(acc, 0, `row ${ri}`); // the value itself must not wrap
      const r = rows[ri]!;
      const iv = { lo: floorShift(acc.lo, shift), hi: floorShift(acc.hi, shift) };
      // float - quantized = sum w (x_f - x_q) + sum (w - w_q) x_q + (b - b_q) + the floor: the first
      // sum composes the inputs' error forms exactly; the rest is this row's own error.
      const own0 = Math.abs(r.b - dequantize(q.b, accScale)) + (shift > 0 ? 2 ** -outScale : 0);
      if (r.p.every((p) => ins[p]!.form)) {
        let own = own0;
        r.p.forEach((p, k) => (own += Math.abs(r.w[k]! - dequantize(q.w[k]!, accScale - scales[p]!)) * magnitude(ins[p]!.iv, scales[p]!)));
        const form = combineForms(
          r.p.map((p) => ins[p]!.form!),
          r.w,
          own,
        );
        return { scale: outScale, iv, err: l1(form), form };
      }
      let err = own0;
      r.p.forEach((p, k) => {
        const wq = dequantize(q.w[k]!, accScale - scales[p]!);
        err += Math.abs(r.w[k]!) * ins[p]!.err + Math.abs(r.w[k]! - wq) * (magnitude(ins[p]!.iv, scales[p]!) + ins[p]!.err);
      });
      return { scale: outScale, iv, err };
    });
    return { op: node.op, args: node.args, name: node.name, outs, rows: qrows, accScale, shift, bits };
  },
  interpret(node, x) {
    const shift = BigInt(node.shift);
    return node.rows.map((r) => r.p.reduce((acc, p, k) => acc + r.w[k]! * x[p]!, r.b) >> shift);
  },
  preimage(node) {
    const out: bigint[] = [BigInt(node.accScale), BigInt(node.shift), BigInt(node.rows.length)];
    for (const r of node.rows) out.push(BigInt(r.p.length), ...r.p.map(BigInt), ...r.w, r.b);
    return out;
  },
  emit(node, ctx) {
    const refs = node.args.map((a) => ctx.ref(a));
    node.rows.forEach((r, ri) => {
      const expr = linear(
        r.w,
        r.p.map((p) => refs[p]!),
        r.b,
      );
      const k = node.bits[ri];
      ctx.emit(k === null || k === undefined ? `${ctx.outs[ri]} <== ${expr};` : `${ctx.outs[ri]} <== Rescale(${k}, ${node.shift})(${expr});`);
    });
  },
};
