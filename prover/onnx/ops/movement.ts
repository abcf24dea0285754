/**
 * Data movement: a reordering of element expressions (no constraint).
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { broadcastMap, broadcastShape, combine, cst, type Lin } from "./lin.js";
import { size, squeezeShape, strides, transposeOrder } from "../shapes.js";
import { append } from "../../graph/util.js";

function importFlatten(ctx: NodeContext): void {
  const x = ctx.input(0);
  const axis = ctx.attrI("axis", 1) < 0 ? ctx.attrI("axis", 1) + x.shape.length : ctx.attrI("axis", 1);
  ctx.set({ ...x, shape: [size(x.shape.slice(0, axis)), size(x.shape.slice(axis))] });
}

function importReshape(ctx: NodeContext): void {
  const x = ctx.input(0);
  const target = ctx.constIn(1, "target shape").map((d, k) => (d === 0 && !ctx.attrI("allowzero", 0) ? x.shape[k]! : d));
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const shape = target.map((d) => (d === -1 ? size(x.shape) / known : d));
  if (size(shape) !== size(x.shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw ctx.unsupported(`cannot reshape [${x.shape}] to [${target}].`);
  ctx.set({ ...x, shape });
}

function importSqueeze(ctx: NodeContext): void {
  const x = ctx.input(0);
  const axes = ctx.attrInts("axes") ?? (ctx.has(1) ? ctx.constIn(1, "axes") : undefined);
  const shape = squeezeShape(ctx.opType as "Squeeze" | "Unsqueeze", x.shape, axes);
  ctx.set({ ...x, shape });
}

function importTranspose(ctx: NodeContext): void {
  const x = ctx.input(0);
  const { shape, order } = transposeOrder(x.shape, ctx.attrInts("perm"));
  ctx.set(ctx.gatherBy(x, shape, order));
}

function importSlice(ctx: NodeContext): void {
  const x = ctx.input(0);
  const r = x.shape.length;
  const starts = ctx.attrInts("starts") ?? ctx.constIn(1, "starts");
  const ends = ctx.attrInts("ends") ?? ctx.constIn(2, "ends");
  const axes = ctx.attrInts("axes") ?? (ctx.has(3) ? ctx.constIn(3, "axes") : starts.map((_, k) => k));
  const steps = ctx.has(4) ? ctx.constIn(4, "steps") : starts.map(() => 1);
  const ranges = x.shape.map((d) => ({ start: 0, step: 1, n: d }));
  axes.forEach((a0, j) => {
    const a = ctx.normAxis(a0, r);
    const d = x.shape[a]!;
    const st = steps[j]!;
    const clampS = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v < 0 ? v + d : v));
    const s = st > 0 ? clampS(starts[j]!, 0, d) : clampS(starts[j]!, -1, d - 1);
    const e = st > 0 ? clampS(ends[j]! > 1e15 ? d : ends[j]!, 0, d) : clampS(ends[j]! < -1e15 ? -d - 1 : ends[j]!, -1, d - 1);
    ranges[a] = { start: s, step: st, n: Math.max(0, Math.ceil((e - s) / st)) };
  });
  const shape = ranges.map((g) => g.n);
  const os = strides(shape);
  const is = strides(x.shape);
  ctx.set(
    ctx.gatherBy(
      x,
      shape,
      Array.from({ length: size(shape) }, (_, f) => ranges.reduce((acc, g, k) => acc + (g.start + (Math.floor(f / os[k]!) % shape[k]!) * g.step) * is[k]!, 0)),
    ),
  );
}

function importConcat(ctx: NodeContext): void {
  const parts = ctx.node.inputs
    .filter((n) => n)
    .map((_, k) => ctx.input(k))
    .filter((p) => size(p.shape) > 0 || p.shape.length > 0);
  const axis = ctx.normAxis(ctx.attrI("axis", 0), parts[0]!.shape.length);
  const outer = size(parts[0]!.shape.slice(0, axis));
  const el: Lin[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = size(p.shape.slice(axis));
      append(el, p.el.slice(o * chunk, (o + 1) * chunk));
    }
  }
  const shape = [...parts[0]!.shape];
  shape[axis] = parts.reduce((a, p) => a + p.shape[axis]!, 0);
  ctx.set({ shape, el, bits: parts.every((p) => p.bits) });
}

function importSplit(ctx: NodeContext): void {
  const x = ctx.input(0);
  const axis = ctx.normAxis(ctx.attrI("axis", 0), x.shape.length);
  const d = x.shape[axis]!;
  const n = ctx.node.outputs.length;
  const split =
    ctx.attrInts("split") ?? (ctx.has(1) ? ctx.constIn(1, "split") : Array.from({ length: n }, (_, k) => Math.min(Math.ceil(d / n), d - k * Math.ceil(d / n))));
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  let at = 0;
  split.forEach((len, k) => {
    const order: number[] = [];
    for (let o = 0; o < outer; o++) for (let j = 0; j < len; j++) for (let i = 0; i < inner; i++) order.push((o * d + at + j) * inner + i);
    const shape = [...x.shape];
    shape[axis] = len;
    ctx.set(ctx.gatherBy(x, shape, order), k);
    at += len;
  });
}

function importExpand(ctx: NodeContext): void {
  const x = ctx.input(0);
  const target = ctx.constIn(1, "shape");
  const shape = broadcastShape(x.shape, target);
  if (!shape) throw ctx.unsupported(`[${x.shape}] does not expand to [${target}].`);
  ctx.set(ctx.gatherBy(x, shape, broadcastMap(x.shape, shape)));
}

function importTile(ctx: NodeContext): void {
  const x = ctx.input(0);
  const reps = ctx.constIn(1, "repeats");
  const shape = x.shape.map((d, k) => d * reps[k]!);
  const os = strides(shape);
  const is = strides(x.shape);
  ctx.set(
    ctx.gatherBy(
      x,
      shape,
      Array.from({ length: size(shape) }, (_, f) => x.shape.reduce((acc, d, k) => acc + ((Math.floor(f / os[k]!) % shape[k]!) % d) * is[k]!, 0)),
    ),
  );
}

function importPad(ctx: NodeContext): void {
  const x = ctx.input(0);
  const mode = ctx.attr("mode")?.s ?? "constant";
  const r = x.shape.length;
  let pads = ctx.attrInts("pads") ?? ctx.constIn(1, "pads");
  if (ctx.has(3)) {
    const axes = ctx.constIn(3, "axes").map((a) => ctx.normAxis(a, r));
    const full = new Array(2 * r).fill(0);
    axes.forEach((a, j) => {
      full[a] = pads[j]!;
      full[a + r] = pads[j + axes.length]!;
    });
    pads = full;
  }
  const value = ctx.attr("value")?.f ?? (ctx.has(2) ? ctx.constIn(2, "pad value")[0]! : 0);
  const shape = x.shape.map((d, k) => d + pads[k]! + pads[k + r]!);
  const os = strides(shape);
  const is = strides(x.shape);
  const el = Array.from({ length: size(shape) }, (_, f) => {
    let src = 0;
    let inside = true;
    for (let k = 0; k < r; k++) {
      let c = (Math.floor(f / os[k]!) % shape[k]!) - pads[k]!;
      const d = x.shape[k]!;
      if (c < 0 || c >= d) {
        if (mode === "constant") inside = false;
        else if (mode === "edge") c = Math.max(0, Math.min(d - 1, c));
        else if (mode === "reflect") c = c < 0 ? -c : 2 * (d - 1) - c;
        else if (mode === "wrap") c = ((c % d) + d) % d;
        else throw ctx.unsupported(`mode "${mode}".`);
      }
      src += c * is[k]!;
    }
    return inside ? x.el[src]! : cst(value);
  });
  ctx.set({ shape, el });
}

function importTrilu(ctx: NodeContext): void {
  const x = ctx.input(0);
  const k = ctx.has(1) ? ctx.constIn(1, "k")[0]! : 0;
  const upper = ctx.attrI("upper", 1);
  const [R, C] = x.shape.slice(-2) as [number, number];
  ctx.set({
    shape: x.shape,
    el: x.el.map((l, f) => {
      const i = Math.floor(f / C) % R;
      const j = f % C;
      return (upper ? j - i >= k : j - i <= k) ? l : cst(0);
    }),
  });
}

/** Interpolation weights for one output position, from its fractional source offset (ONNX's reference). */
type Coeffs = (ratio: number, scale: number) => number[];

function nearestCoeffs(mode: string): Coeffs {
  return (ratio) => {
    if (Number.isInteger(ratio)) return [0, 1];
    if (mode === "round_prefer_ceil") return [ratio < 0.5 ? 1 : 0, ratio >= 0.5 ? 1 : 0];
    if (mode === "floor") return [1, 0];
    if (mode === "ceil") return [0, 1];
    return [ratio <= 0.5 ? 1 : 0, ratio > 0.5 ? 1 : 0]; // round_prefer_floor
  };
}

function linearCoeffs(antialias: boolean): Coeffs {
  if (!antialias) return (r) => [1 - r, r];
  return (r, scale0) => {
    const scale = Math.min(scale0, 1);
    const start = Math.floor(-1 / scale) + 1;
    const cs = Array.from({ length: 2 - 2 * start }, (_, k) => Math.min(1, Math.max(0, 1 - Math.abs((start + k - r) * scale))));
    const sum = cs.reduce((a, b) => a + b, 0);
    return cs.map((c) => c / sum);
  };
}

function cubicCoeffs(A: number, antialias: boolean): Coeffs {
  const k = (x0: number) => {
    const x = Math.abs(x0);
    if (x <= 1) return (A + 2) * x ** 3 - (A + 3) * x * x + 1;
    if (x < 2) return A * x ** 3 - 5 * A * x * x + 8 * A * x - 4 * A;
    return 0;
  };
  if (!antialias) return (r) => [k(r + 1), k(r), k(1 - r), k(2 - r)];
  return (r, scale0) => {
    const scale = Math.min(scale0, 1);
    const start = Math.floor(-2 / scale) + 1;
    const cs = Array.from({ length: 2 - 2 * start }, (_, i) => k(scale * (start + i - r)));
    const sum = cs.reduce((a, b) => a + b, 0);
    return cs.map((c) => c / sum);
  };
}

interface AxisResize {
  ctm: string;
  coeffs: Coeffs;
  scale: number;
  roi?: [number, number];
  extrapolation: number;
  excludeOutside: boolean;
}

/** The source coordinate of output position y on one axis (ONNX's coordinate_transformation_mode). */
function sourceCoord(o: AxisResize, y: number, inW: number, outInt: number): { x: number; extrapolated: boolean } {
  const outW = o.scale * inW;
  switch (o.ctm) {
    case "align_corners":
      return { x: outW === 1 ? 0 : (y * (inW - 1)) / (outW - 1), extrapolated: false };
    case "asymmetric":
      return { x: y / o.scale, extrapolated: false };
    case "tf_crop_and_resize": {
      const [r0, r1] = o.roi ?? [0, 1];
      const x = (outW === 1 ? ((r1 - r0) * (inW - 1)) / 2 : (y * (r1 - r0) * (inW - 1)) / (outW - 1)) + r0 * (inW - 1);
      return { x, extrapolated: x < 0 || x > inW - 1 };
    }
    case "pytorch_half_pixel":
      return { x: outW === 1 ? -0.5 : (y + 0.5) / o.scale - 0.5, extrapolated: false };
    case "half_pixel_symmetric": {
      const offset = (inW / 2) * (1 - outInt / outW);
      return { x: offset + (y + 0.5) / o.scale - 0.5, extrapolated: false };
    }
    default:
      return { x: (y + 0.5) / o.scale - 0.5, extrapolated: false }; // half_pixel
  }
}

/**
 * Resizes one axis: every output position is a constant-weight combination of its n neighbours
 * (edge-clamped), or the extrapolation value: affine, no constraint. Axes are resized one after
 * the other, as ONNX's reference does (interpolation is separable).
 */
function resizeAxis(el: readonly Lin[], shape: readonly number[], axis: number, outInt: number, o: AxisResize): Lin[] {
  const inW = shape[axis]!;
  const inner = size(shape.slice(axis + 1));
  const outer = size(shape.slice(0, axis));
  const taps = Array.from({ length: outInt }, (_, y) => {
    const { x, extrapolated } = sourceCoord(o, y, inW, outInt);
    if (extrapolated) return null;
    const xi = Math.floor(x);
    const ratio = x === xi ? 1 : x - xi;
    let cs = o.coeffs(ratio, o.scale);
    const n = cs.length;
    const pad = Math.ceil(n / 2);
    const xp = x + pad;
    const p = Math.floor(xp);
    const frac = xp - p;
    const offset = n % 2 === 0 ? (frac === 0 ? -(n / 2) : -(n / 2) + 1) : frac <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1;
    const idx = Array.from({ length: n }, (_, j) => p + offset + j - pad);
    if (o.excludeOutside) {
      cs = cs.map((c, j) => (idx[j]! < 0 || idx[j]! >= inW ? 0 : c));
      const sum = cs.reduce((a, b) => a + b, 0) || 1;
      cs = cs.map((c) => c / sum);
    }
    return { idx: idx.map((i) => Math.min(inW - 1, Math.max(0, i))), cs };
  });
  const out: Lin[] = [];
  for (let a = 0; a < outer; a++)
    for (let y = 0; y < outInt; y++)
      for (let b = 0; b < inner; b++) {
        const t = taps[y];
        if (!t) {
          out.push(cst(o.extrapolation));
          continue;
        }
        const keep = t.cs.flatMap((c, j) => (c === 0 ? [] : [j]));
        out.push(
          combine(
            keep.map((j) => el[(a * inW + t.idx[j]!) * inner + b]!),
            keep.map((j) => t.cs[j]!),
          ),
        );
      }
  return out;
}

function importResize(ctx: NodeContext): void {
  const x = ctx.input(0);
  const r = x.shape.length;
  const mode = ctx.attrS("mode", "nearest");
  const antialias = ctx.attrI("antialias", 0) === 1;
  const coeffs =
    mode === "nearest"
      ? nearestCoeffs(ctx.opType === "Upsample" ? "floor" : ctx.attrS("nearest_mode", "round_prefer_floor"))
      : mode === "linear" || mode === "bilinear"
        ? linearCoeffs(antialias)
        : mode === "cubic" || mode === "bicubic"
          ? cubicCoeffs(ctx.attrF("cubic_coeff_a", -0.75), antialias)
          : null;
  if (!coeffs) throw ctx.unsupported(`mode "${mode}".`);
  // Inputs by opset: Upsample (X, scales) or scales as an attribute; Resize 10 (X, scales); from 11
  // (X, roi, scales, sizes), and from 18 `axes` and `keep_aspect_ratio_policy`.
  const axes = (ctx.attrInts("axes") ?? x.shape.map((_, k) => k)).map((a) => ctx.normAxis(a, r));
  let scales: number[];
  let sizes: number[] | undefined;
  if (ctx.opType === "Upsample" || ctx.opset < 11) scales = ctx.attr("scales")?.floats ?? ctx.constIn(1, "scales");
  else {
    const useSizes = ctx.has(3) && size(ctx.input(3).shape) > 0;
    const given = useSizes ? ctx.constIn(3, "sizes") : ctx.constIn(2, "scales");
    if (given.length !== axes.length) throw ctx.unsupported(`${useSizes ? "sizes" : "scales"} has ${given.length} entries for ${axes.length} axes.`);
    const full = x.shape.map((d, k) => (axes.includes(k) ? given[axes.indexOf(k)]! : useSizes ? d : 1));
    if (useSizes) sizes = full;
    else scales = full;
  }
  if (scales! && scales.length !== r) throw ctx.unsupported(`scales has ${scales.length} entries for rank ${r}.`);
  let outShape: number[];
  if (sizes) {
    scales = sizes.map((s, k) => s / x.shape[k]!);
    const policy = ctx.attrS("keep_aspect_ratio_policy", "stretch");
    if (policy === "not_larger" || policy === "not_smaller") {
      const on = axes.map((a) => scales[a]!);
      const sc = policy === "not_larger" ? Math.min(...on) : Math.max(...on);
      scales = x.shape.map((_, k) => (axes.includes(k) ? sc : 1));
      outShape = x.shape.map((d, k) => (axes.includes(k) ? Math.floor(sc * d + 0.5) : d));
    } else if (policy === "stretch") outShape = sizes;
    else throw ctx.unsupported(`keep_aspect_ratio_policy "${policy}".`);
  } else outShape = x.shape.map((d, k) => Math.floor(d * scales![k]!));
  const ctm = ctx.opType === "Upsample" ? "asymmetric" : ctx.attrS("coordinate_transformation_mode", "half_pixel");
  let roi: number[] | undefined;
  if (ctm === "tf_crop_and_resize") {
    const given = ctx.constIn(1, "roi");
    roi = [...x.shape.map(() => 0), ...x.shape.map(() => 1)];
    if (given.length === 2 * r) roi = given;
    else if (given.length === 2 * axes.length) axes.forEach((a, i) => ((roi![a] = given[i]!), (roi![r + a] = given[axes.length + i]!)));
    else throw ctx.unsupported(`roi has ${given.length} entries for rank ${r}.`);
  }
  let el: Lin[] = x.el;
  const shape = [...x.shape];
  for (const k of axes) {
    const o: AxisResize = {
      ctm,
      coeffs,
      scale: scales![k]!,
      ...(roi ? { roi: [roi[k]!, roi[r + k]!] as [number, number] } : {}),
      extrapolation: ctx.attrF("extrapolation_value", 0),
      excludeOutside: ctx.attrI("exclude_outside", 0) === 1,
    };
    const identity = Math.abs(o.scale - 1) < 1e-12 && outShape[k] === shape[k] && (!roi || (roi[k] === 0 && roi[r + k] === 1));
    if (identity) continue;
    el = resizeAxis(el, shape, k, outShape[k]!, o);
    shape[k] = outShape[k]!;
  }
  ctx.set({ shape, el });
}

export const HANDLERS: OpHandler[] = [
  { types: ["Flatten"], since: 6, import: importFlatten },
  { types: ["Reshape"], since: 6, import: importReshape },
  { types: ["Squeeze", "Unsqueeze"], since: 6, import: importSqueeze },
  { types: ["Transpose"], since: 6, import: importTranspose },
  { types: ["Slice"], since: 6, import: importSlice },
  { types: ["Concat"], since: 6, import: importConcat },
  { types: ["Split"], since: 6, import: importSplit },
  { types: ["Expand"], since: 8, import: importExpand },
  { types: ["Tile"], since: 6, import: importTile },
  { types: ["Pad"], since: 6, import: importPad },
  { types: ["Trilu"], since: 14, import: importTrilu },
  { types: ["Resize", "Upsample"], since: 6, import: importResize },
];
