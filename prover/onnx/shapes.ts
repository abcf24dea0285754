/**
 * Static shape arithmetic shared by the two ONNX importers (the layer importer, ./import.ts, and the
 * graph importer, ./graphImport.ts): element counts, row-major strides, Squeeze/Unsqueeze shapes and
 * the element order of a Transpose. Pure functions of shapes and attributes; no tensor data.
 */

/** Number of elements of a tensor of `shape`. */
export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Row-major strides of `shape` (the last axis has stride 1). */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1]! * shape[k + 1]!;
  return s;
}

/**
 * The output shape of ONNX Squeeze (`op` "Squeeze": drops the given axes, or every axis of size 1
 * when none are given) or Unsqueeze (inserts size-1 axes at the given positions of the output).
 * Negative axes count from the end, as ONNX specifies.
 */
export function squeezeShape(op: "Squeeze" | "Unsqueeze", shape: readonly number[], axes: readonly number[] | undefined): number[] {
  if (op === "Squeeze") {
    const drop = new Set((axes ?? shape.map((d, k) => (d === 1 ? k : -1)).filter((k) => k >= 0)).map((a) => (a < 0 ? a + shape.length : a)));
    return shape.filter((_, k) => !drop.has(k));
  }
  const out = [...shape];
  const rank = shape.length + (axes?.length ?? 0);
  for (const a of [...(axes ?? [])].map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q)) out.splice(a, 0, 1);
  return out;
}

/**
 * ONNX Transpose of a tensor of `shape` by `perm` (default: reverse the axes): the output shape and,
 * per output element (row-major), the index of the input element it takes.
 */
export function transposeOrder(shape: readonly number[], perm: readonly number[] | undefined): { shape: number[]; order: number[] } {
  const p = perm ?? shape.map((_, k) => shape.length - 1 - k);
  const out = p.map((axis) => shape[axis]!);
  const inS = strides(shape);
  const outS = strides(out);
  const order = Array.from({ length: size(out) }, (_, flat) => p.reduce((idx, axis, k) => idx + (Math.floor(flat / outS[k]!) % out[k]!) * inS[axis]!, 0));
  return { shape: out, order };
}
