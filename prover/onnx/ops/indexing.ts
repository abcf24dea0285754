/**
 * Indexing by constant or data-dependent indices (Gather*, Scatter*, OneHot).
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { combine, cst, isConstLin, type Lin } from "./lin.js";
import { size, strides } from "../shapes.js";

function importOneHot(ctx: NodeContext): void {
  const depth = ctx.constIn(1, "depth")[0]!;
  const [off, on] = ctx.constIn(2, "values") as [number, number];
  const ix = ctx.input(0).shape;
  const axis = ctx.attrI("axis", -1) < 0 ? ctx.attrI("axis", -1) + ix.length + 1 : ctx.attrI("axis", -1);
  const shape = [...ix.slice(0, axis), depth, ...ix.slice(axis)];
  const os = strides(shape);
  const live = ctx.dataIndices(0);
  const idx = live ? undefined : ctx.constIn(0, "indices");
  ctx.set({
    shape,
    el: Array.from({ length: size(shape) }, (_, f) => {
      const coords = shape.map((d, k) => Math.floor(f / os[k]!) % d);
      const d = coords[axis]!;
      const src = [...coords.slice(0, axis), ...coords.slice(axis + 1)].reduce((acc, c, k) => acc * ix[k]! + c, 0);
      // A data index: off + (on - off) * [idx == d], from the one-hot comparisons.
      if (live) return combine([ctx.oneHotLenient(live.el[src]!, depth)[d]!], [on - off], off);
      const want = idx![src]! < 0 ? idx![src]! + depth : idx![src]!;
      return cst(want === d ? on : off);
    }),
  });
}

function importGather(ctx: NodeContext): void {
  const x = ctx.input(0);
  const axis = ctx.normAxis(ctx.attrI("axis", 0), x.shape.length);
  const dim = x.shape[axis]!;
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  const live = ctx.dataIndices(1);
  if (live) {
    const el: Lin[] = [];
    for (let o = 0; o < outer; o++) {
      for (const l of live.el) {
        const hot = ctx.oneHot(l, dim);
        for (let k = 0; k < inner; k++)
          el.push(
            ctx.select(
              hot,
              Array.from({ length: dim }, (_, j) => x.el[(o * dim + j) * inner + k]!),
            ),
          );
      }
    }
    ctx.set({ shape: [...x.shape.slice(0, axis), ...live.shape, ...x.shape.slice(axis + 1)], el });
    return;
  }
  const idx = ctx.constIn(1, "indices");
  const indices = idx.map((i) => (i < 0 ? i + dim : i));
  if (indices.some((i) => !Number.isInteger(i) || i < 0 || i >= dim)) throw ctx.unsupported(`indices [${idx}] are outside axis ${axis} of size ${dim}.`);
  const shape = [...x.shape.slice(0, axis), ...ctx.input(1).shape, ...x.shape.slice(axis + 1)];
  const order: number[] = [];
  for (let o = 0; o < outer; o++) for (const i of indices) for (let k = 0; k < inner; k++) order.push((o * dim + i) * inner + k);
  ctx.set(ctx.gatherBy(x, shape, order));
}

function importGatherElements(ctx: NodeContext): void {
  const x = ctx.input(0);
  const ishape = ctx.input(1).shape;
  const axis = ctx.normAxis(ctx.attrI("axis", 0), x.shape.length);
  const is = strides(ishape);
  const xs = strides(x.shape);
  const live = ctx.dataIndices(1);
  if (live) {
    // Position f of the output takes x at f's coordinates with the axis one replaced by the index.
    const dim = x.shape[axis]!;
    const at = (f: number, j: number) => ishape.reduce((acc, d, k) => acc + (k === axis ? j : Math.floor(f / is[k]!) % d) * xs[k]!, 0);
    ctx.set({
      shape: ishape,
      el: live.el.map((l, f) =>
        ctx.select(
          ctx.oneHot(l, dim),
          Array.from({ length: dim }, (_, j) => x.el[at(f, j)]!),
        ),
      ),
    });
    return;
  }
  const idx = ctx.constIn(1, "indices");
  ctx.set(
    ctx.gatherBy(
      x,
      ishape,
      idx.map((v, f) => {
        const j = v < 0 ? v + x.shape[axis]! : v;
        if (j < 0 || j >= x.shape[axis]!) throw ctx.unsupported(`index ${v} is outside axis ${axis}.`);
        return ishape.reduce((acc, d, k) => acc + (k === axis ? j : Math.floor(f / is[k]!) % d) * xs[k]!, 0);
      }),
    ),
  );
}

/** A constant index on an axis of size n, wrapped as ONNX does; outside [-n, n) the model is refused. */
function constIndex(ctx: NodeContext, v: number, n: number): number {
  const w = v < 0 ? v + n : v;
  if (!Number.isInteger(w) || w < 0 || w >= n) throw ctx.unsupported(`index ${v} is outside an axis of size ${n} (ONNX allows ${-n} to ${n - 1}).`);
  return w;
}

function importGatherND(ctx: NodeContext): void {
  const x = ctx.input(0);
  const ishape = ctx.input(1).shape;
  const b = ctx.attrI("batch_dims", 0);
  const q = ishape.at(-1)!;
  const xs = strides(x.shape);
  const outer = ishape.slice(0, -1);
  const tail = x.shape.slice(b + q);
  const inner = size(tail);
  const bsize = size(x.shape.slice(0, b));
  const per = size(outer) / Math.max(1, bsize);
  const live = ctx.dataIndices(1);
  if (live) {
    // The q index components address one cell of a block of size(x.shape[b..b+q)) cells of
    // `inner` values. Each component is wrapped and range-checked on its own axis first
    // (wrapIndex), so their combination sum_k w_k * stride_k is the one cell ONNX reads.
    const cells = size(x.shape.slice(b, b + q));
    const el: Lin[] = [];
    for (let o = 0; o < size(outer); o++) {
      const base = Math.floor(o / per) * (b ? xs[b - 1]! : 0);
      const cell = combine(
        live.el.slice(o * q, (o + 1) * q).map((l, k) => ctx.wrapIndex(l, x.shape[b + k]!)),
        Array.from({ length: q }, (_, k) => xs[b + k]! / inner),
      );
      const hot = ctx.equalsOver(cell, cells);
      for (let i = 0; i < inner; i++)
        el.push(
          ctx.select(
            hot,
            Array.from({ length: cells }, (_, j) => x.el[base + j * inner + i]!),
          ),
        );
    }
    ctx.set({ shape: [...outer, ...tail], el });
    return;
  }
  const idx = ctx.constIn(1, "indices");
  const order: number[] = [];
  for (let o = 0; o < size(outer); o++) {
    const bi = Math.floor(o / per);
    let base = bi * (b ? xs[b - 1]! : 0);
    for (let k = 0; k < q; k++) base += constIndex(ctx, idx[o * q + k]!, x.shape[b + k]!) * xs[b + k]!;
    for (let i = 0; i < inner; i++) order.push(base + i);
  }
  ctx.set(ctx.gatherBy(x, [...outer, ...tail], order));
}

function importScatterElements(ctx: NodeContext): void {
  const x = ctx.input(0);
  const upd = ctx.input(2);
  const reduction = ctx.attrS("reduction", "none");
  if (!["none", "add", "mul", "max", "min"].includes(reduction)) throw ctx.unsupported(`reduction "${reduction}".`);
  // An update combined with the value already there: replaced (none), added (affine), multiplied
  // (one product unless a factor is constant), or the max/min (one comparison).
  const reduce = (cur: Lin, u: Lin): Lin => {
    if (reduction === "none") return u;
    if (reduction === "add") return combine([cur, u], [1, 1]);
    if (reduction === "mul") {
      if (isConstLin(cur)) return combine([u], [cur.c]);
      if (isConstLin(u)) return combine([cur], [u.c]);
      return ctx.apply("mul", [cur, u], {})[0]!;
    }
    if (isConstLin(cur) && isConstLin(u)) return cst(reduction === "max" ? Math.max(cur.c, u.c) : Math.min(cur.c, u.c));
    return ctx.apply(reduction, [cur, u], { groups: [[0, 1]] })[0]!;
  };
  const el = [...x.el];
  const xs = strides(x.shape);
  const live = ctx.dataIndices(1);
  if (live) {
    // Data-dependent indices by one-hot selection, update by update in order (a later write
    // wins, as onnxruntime does): each candidate position p of update u becomes
    // where([idx_u == p], upd_u, current) (one product each). A negative index counts from the
    // end; one outside the axis makes the proof impossible (NodeContext.wrapIndex).
    const write = (hot: readonly Lin[], targets: readonly number[], value: Lin) => {
      const args = targets.flatMap((t, j) => [hot[j]!, reduce(el[t]!, value), el[t]!]);
      ctx.apply("where", args, {}).forEach((l, j) => (el[targets[j]!] = l));
    };
    if (ctx.opType === "ScatterElements") {
      const axis = ctx.normAxis(ctx.attrI("axis", 0), x.shape.length);
      const dim = x.shape[axis]!;
      const us = strides(upd.shape);
      upd.el.forEach((l, f) => {
        const base = upd.shape.reduce((acc, d, k) => acc + (k === axis ? 0 : Math.floor(f / us[k]!) % d) * xs[k]!, 0);
        write(
          ctx.oneHot(live.el[f]!, dim),
          Array.from({ length: dim }, (_, j) => base + j * xs[axis]!),
          l,
        );
      });
    } else {
      const q = live.shape.at(-1)!;
      const cells = size(x.shape.slice(0, q));
      const inner = size(x.shape.slice(q));
      for (let o = 0; o < size(live.shape.slice(0, -1)); o++) {
        const cell = combine(
          live.el.slice(o * q, (o + 1) * q).map((l, k) => ctx.wrapIndex(l, x.shape[k]!)),
          Array.from({ length: q }, (_, k) => xs[k]! / inner),
        );
        const hot = ctx.equalsOver(cell, cells);
        for (let i = 0; i < inner; i++)
          write(
            hot,
            Array.from({ length: cells }, (_, j) => j * inner + i),
            upd.el[o * inner + i]!,
          );
      }
    }
    ctx.set({ shape: x.shape, el, bits: x.bits && upd.bits });
    return;
  }
  const idx = ctx.constIn(1, "indices");
  if (ctx.opType === "ScatterElements") {
    const axis = ctx.normAxis(ctx.attrI("axis", 0), x.shape.length);
    const us = strides(upd.shape);
    upd.el.forEach((l, f) => {
      const v = constIndex(ctx, idx[f]!, x.shape[axis]!);
      const at = upd.shape.reduce((acc, d, k) => acc + (k === axis ? v : Math.floor(f / us[k]!) % d) * xs[k]!, 0);
      el[at] = reduce(el[at]!, l);
    });
  } else {
    const ishape = ctx.input(1).shape;
    const q = ishape.at(-1)!;
    const inner = size(x.shape.slice(q));
    for (let o = 0; o < size(ishape.slice(0, -1)); o++) {
      let base = 0;
      for (let k = 0; k < q; k++) base += constIndex(ctx, idx[o * q + k]!, x.shape[k]!) * xs[k]!;
      for (let i = 0; i < inner; i++) el[base + i] = reduce(el[base + i]!, upd.el[o * inner + i]!);
    }
  }
  ctx.set({ shape: x.shape, el });
}

export const HANDLERS: OpHandler[] = [
  { types: ["OneHot"], since: 9, import: importOneHot },
  { types: ["Gather"], since: 6, import: importGather },
  { types: ["GatherElements"], since: 11, import: importGatherElements },
  { types: ["GatherND"], since: 11, import: importGatherND },
  { types: ["ScatterElements", "ScatterND"], since: 11, import: importScatterElements },
];
