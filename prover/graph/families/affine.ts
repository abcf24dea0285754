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
 * symbol of sum |w - w_q| |x_q| + |b - b_q| + (rescaled ? 2^-out : 0); a fused ReLU then scales the
 * form by its slope (1 or 0 where the pre-activation's sign is certain, 1/2 plus a fresh 1/2 |form|
 * otherwise).
 *
 * A spec's dense layer is an affine node with fixed scales (`weightBits`, `outputBits`: the
 * accumulator at input scale + weightBits, rescaled to outputBits, never the exact path) and may
 * fuse the ReLU that follows it (`relu`): RescaleRelu's top bit is the accumulator's sign, so the
 * ReLU costs one constraint on top of the rescale (K + 2 per neuron), exact because ReLU commutes
 * with floored division. `private` weights are circuit inputs (the model's `weights[]` signals,
 * bound by the private-weight commitment, prover/model/commitment.ts): each multiply is one
 * constraint, every row gets the node's widest gadget (the circuit's shape must not reveal a row's
 * weight magnitudes), and the preimage holds the node's shape only (the weights are committed
 * packed, after the visibility suffix).
 */
import { ModelRangeError } from "../../errors.js";
import { dotBounds, floorShift } from "../interval.js";
import { quantize, dequantize } from "../../model/quantize.js";
import type { EmitContext, Family, QNode, ValueInfo } from "../types.js";
import { balanced, bmax, field, linear, magnitude, maxOf } from "../util.js";
import { combineForms, l1, type ErrForm } from "../errform.js";
import * as cost from "../cost.js";

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
  /** A dense layer's fixed weight scale (else fp.weightBits, or the exact path). */
  weightBits?: number;
  /** A dense layer's fixed output scale (else fp.activationBits). */
  outputBits?: number;
  /** max(0, .) fused into the rescale (RescaleRelu). */
  relu?: boolean;
  /** The weights and biases are private circuit inputs (a private-weight model's dense layer). */
  private?: boolean;
}

export interface AffineQ {
  rows: QRow[];
  /** The accumulator's scale, and the rescale's shift to the output scale (0: exact, no gadget). */
  accScale: number;
  shift: number;
  /** Per row, the rescale gadget's K (null when exact). */
  bits: (number | null)[];
  relu: boolean;
  private: boolean;
}

const SCALE_BITS = 64;

/**
 * relu(x_f) - relu(x_q) = lambda (x_f - x_q), lambda in [0, 1]: 1 when both are >= 0 (the
 * pre-activation's interval [lo, hi] widened by the form's bound), 0 when both are <= 0, otherwise
 * 1/2 plus a fresh symbol of 1/2 |form|.
 */
function reluForm(form: ErrForm, lo: number, hi: number): ErrForm {
  const e = l1(form);
  if (lo - e >= 0) return form;
  if (hi + e <= 0) return { sym: [], c: [] };
  return combineForms([form], [0.5], 0.5 * e);
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
    for (const key of ["weightBits", "outputBits"]) {
      const v = field(node, key);
      if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0 || (v as number) > SCALE_BITS))
        throw new Error(`"${key}" must be an integer in [0, ${SCALE_BITS}]`);
    }
    for (const key of ["relu", "private"]) {
      const v = field(node, key);
      if (v !== undefined && typeof v !== "boolean") throw new Error(`"${key}" must be a boolean`);
    }
  },
  outputs(node) {
    return node.rows.length;
  },
  evalFloat(node, x) {
    return node.rows.map((r) => {
      const y = r.p.reduce((acc, p, k) => acc + r.w[k]! * x[p]!, r.b);
      return node.relu === true ? Math.max(0, y) : y;
    });
  },
  lower(node, ctx) {
    const ins = node.args.map((a) => ctx.value(a));
    const rows = node.rows;
    const relu = node.relu === true;
    const scales = ins.map((v) => v.scale);
    const s0 = scales[0] ?? 0;
    const fixed = node.weightBits !== undefined || node.outputBits !== undefined || relu || node.private === true;
    const exact = !fixed && scales.every((s) => s === s0) && rows.every((r) => r.w.every((w) => Number.isInteger(w)) && Number.isInteger(r.b * 2 ** s0));
    const maxScale = scales.reduce((m, s) => Math.max(m, s), 0);
    const accScale = exact ? s0 : fixed ? maxScale + (node.weightBits ?? ctx.fp.weightBits) : Math.max(maxScale + ctx.fp.weightBits, ctx.fp.activationBits);
    const outScale = exact ? s0 : (node.outputBits ?? ctx.fp.activationBits);
    const shift = accScale - outScale;
    if (shift < 0)
      throw new ModelRangeError(
        `${ctx.where}: output scale 2^${outScale} is finer than the accumulator's 2^${accScale}. Raise weightBits or lower outputBits/activationBits.`,
      );
    const qrows: QRow[] = rows.map((r) => ({ p: r.p, w: r.p.map((p, k) => quantize(r.w[k]!, accScale - scales[p]!)), b: quantize(r.b, accScale) }));
    const bits: (number | null)[] = [];
    const outs: ValueInfo[] = qrows.map((q, ri) => {
      const acc = dotBounds(
        q.w,
        q.p.map((p) => ins[p]!.iv),
        q.b,
      );
      const gadget = shift > 0 || relu;
      bits.push(gadget ? ctx.gadgetK(acc, shift, `row ${ri}`) : null);
      if (!gadget) ctx.gadgetK(acc, 0, `row ${ri}`); // the value itself must not wrap
      const r = rows[ri]!;
      const iv = { lo: floorShift(acc.lo, shift), hi: floorShift(acc.hi, shift) };
      const outIv = relu ? { lo: bmax(iv.lo, 0n), hi: bmax(iv.hi, 0n) } : iv;
      // float - quantized = sum w (x_f - x_q) + sum (w - w_q) x_q + (b - b_q) + the floor: the first
      // sum composes the inputs' error forms exactly; the rest is this row's own error.
      const own0 = Math.abs(r.b - dequantize(q.b, accScale)) + (shift > 0 ? 2 ** -outScale : 0);
      if (r.p.every((p) => ins[p]!.form)) {
        let own = own0;
        r.p.forEach((p, k) => (own += Math.abs(r.w[k]! - dequantize(q.w[k]!, accScale - scales[p]!)) * magnitude(ins[p]!.iv, scales[p]!)));
        let form = combineForms(
          r.p.map((p) => ins[p]!.form!),
          r.w,
          own,
        );
        if (relu) form = reluForm(form, dequantize(iv.lo, outScale), dequantize(iv.hi, outScale));
        return { scale: outScale, iv: outIv, err: l1(form), form };
      }
      let err = own0;
      r.p.forEach((p, k) => {
        const wq = dequantize(q.w[k]!, accScale - scales[p]!);
        err += Math.abs(r.w[k]!) * ins[p]!.err + Math.abs(r.w[k]! - wq) * (magnitude(ins[p]!.iv, scales[p]!) + ins[p]!.err);
      });
      // ReLU is 1-Lipschitz: the error does not grow.
      return { scale: outScale, iv: outIv, err };
    });
    const isPrivate = node.private === true;
    // A private-weight circuit's shape is public: the widest gadget for every row.
    const widest = maxOf(
      bits.filter((k): k is number => k !== null),
      0,
    );
    const qbits = isPrivate ? bits.map((k) => (k === null ? null : widest)) : bits;
    return { op: node.op, args: node.args, name: node.name, outs, rows: qrows, accScale, shift, bits: qbits, relu, private: isPrivate };
  },
  interpret(node, x) {
    const shift = BigInt(node.shift);
    return node.rows.map((r) => {
      const y = r.p.reduce((acc, p, k) => acc + r.w[k]! * x[p]!, r.b) >> shift;
      return node.relu && y < 0n ? 0n : y;
    });
  },
  preimage(node) {
    const out: bigint[] = [BigInt(node.accScale), BigInt(node.shift), BigInt(node.rows.length)];
    // Per row: its length, then 1 for a dense row (p = 0, 1, ..., its positions implied: a private-weight
    // circuit hashes this preimage, at ~40 constraints per element) or 0 and the positions. Private
    // weights are committed packed, after the visibility suffix: the shape only here.
    for (const r of node.rows) {
      const dense = r.p.every((p, k) => p === k);
      out.push(BigInt(r.p.length), dense ? 1n : 0n, ...(dense ? [] : r.p.map(BigInt)), ...(node.private ? [] : [...r.w, r.b]));
    }
    // Appended only when set, so a plain affine node's preimage (and an imported graph's commitment) is unchanged.
    if (node.relu || node.private) out.push(AFFINE_FLAGS, node.relu ? 1n : 0n, node.private ? 1n : 0n);
    return out;
  },
  constraints(node) {
    const gadget = node.relu ? cost.rescaleRelu : cost.rescale;
    let n = node.bits.reduce<number>((a, k) => a + (k === null || k === undefined ? 0 : gadget(k)), 0);
    if (node.private) n += node.rows.reduce((a, r) => a + r.p.length, 0);
    return n;
  },
  emit(node, ctx) {
    const refs = node.args.map((a) => ctx.ref(a));
    const gadget = node.relu ? "RescaleRelu" : "Rescale";
    if (node.private) return emitPrivate(node, refs, gadget, ctx);
    node.rows.forEach((r, ri) => {
      const expr = linear(
        r.w,
        r.p.map((p) => refs[p]!),
        r.b,
      );
      const k = node.bits[ri];
      ctx.emit(k === null || k === undefined ? `${ctx.outs[ri]} <== ${expr};` : `${ctx.outs[ri]} <== ${gadget}(${k}, ${node.shift})(${expr});`);
    });
  },
};

/** Tag of the flags suffix of a dense-layer affine node's preimage. */
const AFFINE_FLAGS = 0x616666696e65n; // "affine"

/**
 * Private weights: each weight is the next `weights[]` signal (row-major, then the biases: the order
 * of prover/model/commitment.ts privateWeights), so every multiply is one constraint; the sums are
 * linear and the rescale is as with public weights.
 */
function emitPrivate(node: QNode<AffineQ>, refs: string[], gadget: string, ctx: EmitContext): void {
  const weight = ctx.privateWeight;
  if (!weight) throw new Error(`${node.op} node with private weights emitted without the circuit's weights[] input`);
  const terms = node.rows.map((r, ri) =>
    r.p.map((p, k) => {
      const prod = `${ctx.prefix}_p${ri}_${k}`;
      ctx.emit(`signal ${prod} <== ${weight()} * ${refs[p]!};`);
      return prod;
    }),
  );
  node.rows.forEach((_, ri) => {
    const expr = balanced([...terms[ri]!, weight()]);
    const k = node.bits[ri];
    ctx.emit(k === null || k === undefined ? `${ctx.outs[ri]} <== ${expr};` : `${ctx.outs[ri]} <== ${gadget}(${k}, ${node.shift})(${expr});`);
  });
}
