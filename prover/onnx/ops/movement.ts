/**
 * Data movement: a reordering of element expressions (no constraint).
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { broadcastMap, broadcastShape, cst, type Lin } from "./lin.js";
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

function importResize(ctx: NodeContext): void {
  const x = ctx.input(0);
  const mode = ctx.attr("mode")?.s ?? "nearest";
  if (mode !== "nearest") throw ctx.unsupported(`mode "${mode}" (nearest is compiled).`);
  let shape: number[];
  if (ctx.opType === "Upsample") shape = x.shape.map((d, k) => Math.floor(d * ctx.constIn(1, "scales")[k]!));
  else {
    // Opset 18: sizes / scales may cover only `axes`; keep_aspect_ratio_policy is not compiled.
    const axes = (ctx.attrInts("axes") ?? x.shape.map((_, k) => k)).map((a) => ctx.normAxis(a, x.shape.length));
    if (ctx.attrS("keep_aspect_ratio_policy", "stretch") !== "stretch") throw ctx.unsupported("keep_aspect_ratio_policy other than stretch.");
    const useSizes = ctx.has(3) && size(ctx.input(3).shape) > 0;
    const given = useSizes ? ctx.constIn(3, "sizes") : ctx.constIn(2, "scales");
    if (given.length !== axes.length) throw ctx.unsupported(`${useSizes ? "sizes" : "scales"} has ${given.length} entries for ${axes.length} axes.`);
    shape = x.shape.map((d, k) => {
      const j = axes.indexOf(k);
      return j < 0 ? d : useSizes ? given[j]! : Math.floor(d * given[j]!);
    });
  }
  // Upsample (opset 7-9) maps output o to input floor(o / scale): the asymmetric transform.
  const ctm = ctx.opType === "Upsample" ? "asymmetric" : ctx.attrS("coordinate_transformation_mode", "half_pixel");
  const nm = ctx.attr("nearest_mode")?.s ?? "round_prefer_floor";
  const os = strides(shape);
  const is = strides(x.shape);
  ctx.set(
    ctx.gatherBy(
      x,
      shape,
      Array.from({ length: size(shape) }, (_, f) =>
        x.shape.reduce((acc, d, k) => {
          const o = Math.floor(f / os[k]!) % shape[k]!;
          const scale = shape[k]! / d;
          const src =
            ctm === "asymmetric" ? o / scale : ctm === "align_corners" ? (shape[k]! === 1 ? 0 : (o * (d - 1)) / (shape[k]! - 1)) : (o + 0.5) / scale - 0.5;
          let i =
            ctx.opType === "Upsample" || nm === "floor"
              ? Math.floor(src)
              : nm === "ceil"
                ? Math.ceil(src)
                : nm === "round_prefer_ceil"
                  ? Math.round(src)
                  : src % 1 === 0.5
                    ? Math.floor(src)
                    : Math.round(src);
          i = Math.max(0, Math.min(d - 1, i));
          return acc + i * is[k]!;
        }, 0),
      ),
    ),
  );
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
