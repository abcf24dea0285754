/**
 * The importer's value model. Every tensor is tracked per element as an AFFINE expression over tape
 * values (the graph's inputs and the outputs of non-linear nodes): sum_k w_k * tape[t_k] + c. An
 * expression with no terms is a constant. Linear operators compose these expressions in float, so
 * they cost nothing; data movement only moves them.
 */
import { SparseAccumulator } from "../../graph/accumulator.js";
import { size, strides } from "../shapes.js";

/** sum_k w[k] * tape[t[k]] + c */
export interface Lin {
  t: number[];
  w: number[];
  c: number;
}

/** A tensor: its static shape and one expression per element (row-major). */
export interface TV {
  shape: number[];
  el: Lin[];
  /** Every element is a proven bit (a comparison or logic output), usable by logic ops. */
  bits?: boolean;
  /** An ONNX integer tensor: Div on it truncates toward zero. */
  int?: boolean;
}

/** TensorProto integer types (uint8 int8 uint16 int16 int32 int64 uint32 uint64). */
export const INT_TYPES = new Set([2, 3, 4, 5, 6, 7, 12, 13, 21, 22, 25, 26]);

export const cst = (c: number): Lin => ({ t: [], w: [], c });
export const isConstLin = (l: Lin): boolean => l.t.length === 0;
export const isConst = (v: TV): boolean => v.el.every(isConstLin);
export const unit = (i: number): Lin => ({ t: [i], w: [1], c: 0 });

/** combine() sums into it, by tape value (expressions of thousands of terms). */
const acc = new SparseAccumulator();

/** sum_j coefs[j] * lins[j] + c0. */
export function combine(lins: readonly Lin[], coefs: readonly number[], c0 = 0): Lin {
  if (lins.length === 1 && c0 === 0) {
    const a = lins[0]!;
    const k = coefs[0]!;
    if (k === 1) return a;
    return { t: k === 0 ? [] : a.t, w: k === 0 ? [] : a.w.map((w) => w * k), c: a.c * k };
  }
  const order = acc.begin();
  let c = c0;
  lins.forEach((l, j) => {
    const k = coefs[j]!;
    if (k === 0) return;
    c += k * l.c;
    for (let i = 0; i < l.t.length; i++) {
      const t = l.t[i]!;
      acc.add(t, k * l.w[i]!);
    }
  });
  const accW = acc.values;
  const t: number[] = [];
  const w: number[] = [];
  for (const ti of order) {
    const wi = accW[ti]!;
    if (wi !== 0) {
      t.push(ti);
      w.push(wi);
    }
  }
  return { t, w, c };
}

/** For each flat index of `out`, the flat index in a tensor of `shape` broadcast to it (NumPy rules). */
export function broadcastMap(shape: readonly number[], out: readonly number[]): number[] {
  const aligned = [...new Array(out.length - shape.length).fill(1), ...shape];
  const ts = strides(aligned);
  const os = strides(out);
  return Array.from({ length: size(out) }, (_, flat) => {
    let idx = 0;
    for (let k = 0; k < out.length; k++) if (aligned[k] !== 1) idx += (Math.floor(flat / os[k]!) % out[k]!) * ts[k]!;
    return idx;
  });
}

/** The NumPy broadcast of two shapes, or null when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const x = a[a.length - n + k] ?? 1;
    const y = b[b.length - n + k] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 0 || y === 0 ? 0 : Math.max(x, y));
  }
  return out;
}

/** Coordinates of flat index `f` in a tensor of `shape` (row-major). */
export function coordsOf(f: number, shape: readonly number[]): number[] {
  const s = strides(shape);
  return shape.map((d, k) => Math.floor(f / s[k]!) % d);
}
