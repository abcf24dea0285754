/**
 * Product family: out = floor(a * b / 2^shift) for pairs of data values (Mul and MatMul of two
 * data tensors, squares, gates). One constraint per product; the result keeps scale s_a + s_b when
 * that is at most activationBits (exact), else one Rescale(K, shift) (K + 1 constraints) brings it
 * to activationBits.
 * Range rule: the corners of the product box (a square is non-negative). Error rule: first order
 * |a| e_b + |b| e_a + e_a e_b, plus 2^-out for the floor.
 *
 * Normalisation (`norm`, set by the importer for LayerNorm/InstanceNorm's c_i * rsqrt(v)): pair i
 * is a centred value c and r = rsqrt(v) of its group's variance v (tape index norm.variance[i], a
 * group of norm.n values, v = mean(c^2) + norm.eps). The box rule pairs the largest |c| with the
 * slope of rsqrt at the smallest v, which never happen together: in the float model sum c = 0, so
 * c_i^2 <= (n - 1)(v - eps). With the quantized v_q in [v_lo, v_hi], |v_q - v| <= e_v, v >= eps,
 * |c_q r_q - c r| <= |c_q| |r_q - r| + |r| |c_q - c| is at most P(v_q) Q(v_q) + R(v_q) with P = sqrt((n-1) max(0, v_q + e_v - eps)) + e_c (rising),
 * Q = A + e_v / (2 m^1.5) and R = e_c / sqrt(m) (falling), m = min(v_q, max(eps, v_q - e_v)), A the rsqrt
 * table's own error. On each cell [v_k, v_k+1] of a geometric grid of [v_lo, v_hi] the bound is
 * P(v_k+1) Q(v_k) + R(v_k); the rule takes the smaller of that maximum and the box rule (both hold).
 */
import { floorShift } from "../interval.js";
import type { Interval } from "../interval.js";
import type { Family, ValueInfo } from "../types.js";
import { dequantize } from "../../model/quantize.js";
import { bmax, field, magnitude, mulInterval } from "../util.js";
import { combineForms, l1 } from "../errform.js";
import * as cost from "../cost.js";

export interface Norm {
  n: number;
  eps: number;
  /** Per pair: the tape index of its group's variance (the rsqrt's argument). */
  variance: number[];
}

/**
 * The joint LayerNorm error bound of c * rsqrt(v) (see the header), over v_q in [vlo, vhi]. `vfloor`
 * (> 0 or 0): the rsqrt table reads max(v_q, vfloor) (its domain starts one step above 0), so its
 * argument is never below vfloor, and differs from the float v by at most max(e_v, vfloor).
 */
export function normProductError(n: number, eps: number, vlo: number, vhi: number, ev0: number, ec: number, approx: number, vfloor = 0): number {
  const ev = Math.max(ev0, vfloor);
  const P = (v: number) => Math.sqrt((n - 1) * Math.max(0, v + ev - eps)) * (1 + 1e-9) + ec;
  // min(v_q, v) >= m: v >= max(eps, v_q - e_v), and the table's argument max(v_q, vfloor).
  const m = (v: number) => Math.min(Math.max(v, vfloor), Math.max(eps, v - ev));
  const Q = (v: number) => approx + ev / (2 * m(v) ** 1.5);
  const R = (v: number) => ec / Math.sqrt(m(v));
  // Below vfloor every v_q reads the same table entry and P only falls: the cells start there.
  const vl = Math.max(vlo, vfloor);
  if (!(m(vl) > 0) || !Number.isFinite(vhi)) return Infinity;
  // On a cell [a, b] of v_q: the first-order rule, or (near eps, where rsqrt is steep) the two
  // products' sizes: |c_q r_q| <= P(b) (rsqrt(max(a, vfloor)) + A) and |c r| <= sqrt(n - 1) in float
  // (c^2 <= (n - 1)(v - eps) <= (n - 1) v).
  const cell = (a: number, b: number) =>
    Math.min(P(b) * Q(a) + R(a), P(b) * (1 / Math.sqrt(Math.max(a, vfloor, 1e-300)) + approx) + Math.sqrt(n - 1) * (1 + 1e-9));
  const cells = 256;
  const lo = Math.max(vl, 1e-300);
  const ratio = vhi > lo ? (vhi / lo) ** (1 / cells) : 1;
  let worst = 0;
  for (let k = 0, a = lo; k < cells && a < vhi * (1 + 1e-12); k++) {
    const b = k === cells - 1 ? vhi : Math.min(vhi, a * ratio);
    worst = Math.max(worst, cell(a, b));
    a = b;
  }
  return Math.max(worst, cell(vhi, vhi));
}

export interface MulParams {
  /** LayerNorm's joint error rule (see the header); absent for a plain product. */
  norm?: Norm;
}

export interface MulQ {
  /** Per product, the rescale's shift, and its K (null when exact). */
  shifts: number[];
  bits: (number | null)[];
}

/** An interval's midpoint and half-width in real units. */
function midHalf(iv: Interval, scale: number): [number, number] {
  const lo = dequantize(iv.lo, scale);
  const hi = dequantize(iv.hi, scale);
  return [(lo + hi) / 2, (hi - lo) / 2];
}

export const mul: Family<MulParams, MulQ> = {
  ops: ["mul"],
  includes: ["circuits/lib/rescale.circom"],
  check(node) {
    if (node.args.length === 0 || node.args.length % 2) throw new Error("mul takes pairs of args");
    const norm = field(node, "norm");
    if (norm !== undefined) {
      const n = norm !== null && typeof norm === "object" ? field(norm, "n") : undefined;
      const eps = norm !== null && typeof norm === "object" ? field(norm, "eps") : undefined;
      const variance = norm !== null && typeof norm === "object" ? field(norm, "variance") : undefined;
      const ok =
        typeof n === "number" &&
        Number.isInteger(n) &&
        n >= 1 &&
        typeof eps === "number" &&
        eps >= 0 &&
        Array.isArray(variance) &&
        variance.length === node.args.length / 2 &&
        variance.every((v) => Number.isInteger(v) && v >= 0);
      if (!ok) throw new Error(`"norm" must be { n, eps, variance: one tape index per pair }`);
    }
  },
  outputs(node) {
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
      let err = ma * b.err + mb * a.err + a.err * b.err;
      const norm = node.norm;
      if (norm && b.approxErr !== undefined) {
        const v = ctx.value(norm.variance[i / 2]!);
        // rsqrt's domain is [0, inf): its table reads max(v_q, one step of v's scale).
        const vfloor = 2 ** -v.scale;
        err = Math.min(err, normProductError(norm.n, norm.eps, dequantize(v.iv.lo, v.scale), dequantize(v.iv.hi, v.scale), v.err, a.err, b.approxErr, vfloor));
      }
      err += shift ? 2 ** -out : 0;
      const iv = { lo: floorShift(p.lo, shift), hi: floorShift(p.hi, shift) };
      // Error forms (../errform.ts): a_f b_f - a_q b_q = a_q e_b + b_q e_a + e_a e_b with a_q = am + ah t
      // (|t| <= 1): am form_b + bm form_a, plus a fresh symbol of ah |e_b| + bh |e_a| + |e_a| |e_b| and
      // the floor. Its l1 is at most the scalar rule's; the joint LayerNorm rule may be tighter.
      if (a.form && b.form) {
        const [am, ah] = midHalf(a.iv, a.scale);
        const [bm, bh] = midHalf(b.iv, b.scale);
        const ea = l1(a.form);
        const eb = l1(b.form);
        const form = combineForms([b.form, a.form], [am, bm], ah * eb + bh * ea + ea * eb + (shift ? 2 ** -out : 0));
        if (l1(form) <= err) {
          outs.push({ scale: out, iv, err: l1(form), form });
          continue;
        }
      }
      outs.push({ scale: out, iv, err });
    }
    return { op: node.op, args: node.args, name: node.name, outs, shifts, bits };
  },
  interpret(node, x) {
    const out: bigint[] = [];
    const shifts = node.shifts;
    for (let i = 0; i < x.length; i += 2) out.push((x[i]! * x[i + 1]!) >> BigInt(shifts[i / 2]!));
    return out;
  },
  preimage(node) {
    return node.shifts.map(BigInt);
  },
  constraints(node) {
    return node.bits.reduce<number>((a, k) => a + 1 + (k === null ? 0 : cost.rescale(k)), 0);
  },
  emit(node, ctx) {
    const { shifts, bits } = node;
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
