/**
 * Convolutions and pools over any number of spatial dimensions (1-D, 2-D, 3-D...), any batch size,
 * with groups, strides, dilations, pads, auto_pad, ceil_mode and count_include_pad as the ONNX
 * operator spec defines them. Conv, ConvTranspose and the averaging pools are affine in the input
 * (constant weights): free. MaxPool is one max node over its windows; LpPool is |x|^p (products or
 * a function), a sum and a root.
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { combine, cst, type Lin, type TV } from "./lin.js";
import { size, strides } from "../shapes.js";

/** The geometry of a sliding window over the spatial dimensions of an [N, C, ...] tensor. */
interface Window {
  /** Spatial input dims, kernel, strides, dilations, pads at the start and the end. */
  dims: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  begin: number[];
  end: number[];
  /** Spatial output dims. */
  out: number[];
}

/**
 * Reads kernel_shape (or `kernel`), strides, dilations, pads, auto_pad and ceil_mode, and computes
 * the output size per spatial dimension as the ONNX spec does (ceil_mode: the last window must start
 * inside the input or its start padding).
 */
function windowOf(ctx: NodeContext, x: TV, kernel: number[] | undefined, global = false): Window {
  if (x.shape.length < 3) throw ctx.unsupported(`input shape [${x.shape}]; [N, C, D1, ...] with at least one spatial dimension is compiled.`);
  const dims = x.shape.slice(2);
  const R = dims.length;
  const list = (name: string, dflt: number) => {
    const v = global ? undefined : ctx.attrInts(name);
    if (v && v.length !== R) throw ctx.unsupported(`${name} [${v}] has ${v.length} entries for ${R} spatial dimensions.`);
    return v ?? new Array<number>(R).fill(dflt);
  };
  const k = global ? dims : (ctx.attrInts("kernel_shape") ?? kernel);
  if (!k || k.length !== R) throw ctx.unsupported(`kernel_shape ${k ? `[${k}]` : "missing"} for ${R} spatial dimensions.`);
  const st = list("strides", 1);
  const dl = list("dilations", 1);
  const pads = global ? undefined : ctx.attrInts("pads");
  if (pads && pads.length !== 2 * R) throw ctx.unsupported(`pads [${pads}] has ${pads.length} entries for ${R} spatial dimensions.`);
  let begin = pads ? pads.slice(0, R) : new Array<number>(R).fill(0);
  let end = pads ? pads.slice(R) : new Array<number>(R).fill(0);
  const autoPad = global ? "NOTSET" : ctx.attrS("auto_pad", "NOTSET");
  const ceil = !global && ctx.attrI("ceil_mode", 0) === 1;
  const span = (i: number) => (k[i]! - 1) * dl[i]! + 1;
  let out: number[];
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    out = dims.map((d, i) => Math.ceil(d / st[i]!));
    const total = dims.map((d, i) => Math.max(0, (out[i]! - 1) * st[i]! + span(i) - d));
    begin = total.map((t) => (autoPad === "SAME_UPPER" ? Math.floor(t / 2) : Math.ceil(t / 2)));
    end = total.map((t, i) => t - begin[i]!);
  } else if (autoPad === "VALID") {
    begin = new Array<number>(R).fill(0);
    end = new Array<number>(R).fill(0);
    out = dims.map((d, i) => Math.floor((d - span(i)) / st[i]!) + 1);
  } else if (autoPad === "NOTSET") {
    out = dims.map((d, i) => {
      const room = d + begin[i]! + end[i]! - span(i);
      let o = (ceil ? Math.ceil(room / st[i]!) : Math.floor(room / st[i]!)) + 1;
      if (ceil && (o - 1) * st[i]! >= d + begin[i]!) o--;
      return o;
    });
  } else throw ctx.unsupported(`auto_pad ${autoPad} (NOTSET, VALID, SAME_UPPER or SAME_LOWER).`);
  if (out.some((o) => o < 1)) throw ctx.unsupported(`the kernel [${k}] is larger than the padded input [${dims}].`);
  return { dims, kernel: k, strides: st, dilations: dl, begin, end, out };
}

/**
 * For each output position (row-major over the spatial output), the window's taps: per kernel
 * position (row-major), the spatial input index it reads, -1 in the padding, -2 beyond the padding
 * (a ceil_mode window that runs off the padded input).
 */
function taps(w: Window): number[][] {
  const ks = size(w.kernel);
  const is = strides(w.dims);
  const outCoords = strides(w.out);
  const kCoords = strides(w.kernel);
  return Array.from({ length: size(w.out) }, (_, o) =>
    Array.from({ length: ks }, (_, kk) => {
      let at = 0;
      let where = 0; // 0 inside, -1 padding, -2 beyond
      for (let i = 0; i < w.dims.length; i++) {
        const oc = Math.floor(o / outCoords[i]!) % w.out[i]!;
        const kc = Math.floor(kk / kCoords[i]!) % w.kernel[i]!;
        const p = oc * w.strides[i]! - w.begin[i]! + kc * w.dilations[i]!;
        if (p < -w.begin[i]! || p >= w.dims[i]! + w.end[i]!) where = -2;
        else if ((p < 0 || p >= w.dims[i]!) && where === 0) where = -1;
        at += p * is[i]!;
      }
      return where < 0 ? where : at;
    }),
  );
}

function importConv(ctx: NodeContext): void {
  const x = ctx.input(0);
  const wShape = ctx.input(1).shape;
  const weight = ctx.constIn(1, "kernel");
  const w = windowOf(ctx, x, wShape.slice(2));
  const [N, C] = x.shape as [number, number];
  const group = ctx.attrI("group", 1);
  const M = wShape[0]!;
  const cPer = wShape[1]!;
  if (cPer * group !== C || M % group !== 0) throw ctx.unsupported(`kernel [${wShape}] with group ${group} does not fit ${C} input channels.`);
  const bias = ctx.has(2) ? ctx.constIn(2, "bias") : undefined;
  const S = size(w.dims);
  const ks = size(w.kernel);
  const tp = taps(w);
  const el: Lin[] = [];
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++) {
      const c0 = Math.floor(m / (M / group)) * cPer;
      for (const window of tp) {
        const lins: Lin[] = [];
        const coefs: number[] = [];
        for (let ci = 0; ci < cPer; ci++)
          window.forEach((at, kk) => {
            const wv = weight[(m * cPer + ci) * ks + kk]!;
            if (at < 0 || wv === 0) return;
            lins.push(x.el[(n * C + c0 + ci) * S + at]!);
            coefs.push(wv);
          });
        el.push(combine(lins, coefs, bias?.[m] ?? 0));
      }
    }
  ctx.set({ shape: [N, M, ...w.out], el });
}

/** ConvTranspose's output size and pads: from output_shape when given, else from the pads (or auto_pad). */
function transposeGeometry(ctx: NodeContext, dims: number[], kernel: number[]) {
  const R = dims.length;
  const list = (name: string, dflt: number) => ctx.attrInts(name) ?? new Array<number>(R).fill(dflt);
  const st = list("strides", 1);
  const dl = list("dilations", 1);
  const op = list("output_padding", 0);
  const full = dims.map((d, i) => st[i]! * (d - 1) + op[i]! + (kernel[i]! - 1) * dl[i]! + 1);
  const autoPad = ctx.attrS("auto_pad", "NOTSET");
  const given = ctx.attrInts("output_shape");
  let begin: number[];
  let out: number[];
  if (given || autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    out = given ? given.slice(-R) : dims.map((d, i) => d * st[i]!);
    const total = full.map((f, i) => Math.max(0, f - out[i]!));
    // ONNX: SAME_UPPER puts the extra padding at the end (the start gets the smaller half).
    begin = total.map((t) => (autoPad === "SAME_LOWER" ? Math.ceil(t / 2) : Math.floor(t / 2)));
  } else if (autoPad === "NOTSET" || autoPad === "VALID") {
    const pads = autoPad === "VALID" ? undefined : ctx.attrInts("pads");
    begin = pads ? pads.slice(0, R) : new Array<number>(R).fill(0);
    const end = pads ? pads.slice(R) : new Array<number>(R).fill(0);
    out = full.map((f, i) => f - begin[i]! - end[i]!);
  } else throw ctx.unsupported(`auto_pad ${autoPad}.`);
  return { st, dl, begin, out };
}

function importConvTranspose(ctx: NodeContext): void {
  const x = ctx.input(0);
  if (x.shape.length < 3) throw ctx.unsupported(`input shape [${x.shape}]; [N, C, D1, ...] is compiled.`);
  const wShape = ctx.input(1).shape;
  const weight = ctx.constIn(1, "kernel");
  const [N, C] = x.shape as [number, number];
  const dims = x.shape.slice(2);
  const kernel = ctx.attrInts("kernel_shape") ?? wShape.slice(2);
  const group = ctx.attrI("group", 1);
  if (wShape[0] !== C || C % group !== 0) throw ctx.unsupported(`kernel [${wShape}] with group ${group} does not fit ${C} input channels.`);
  const mPer = wShape[1]!;
  const M = mPer * group;
  const cPer = C / group;
  const { st, dl, begin, out } = transposeGeometry(ctx, dims, kernel);
  const bias = ctx.has(2) ? ctx.constIn(2, "bias") : undefined;
  const S = size(dims);
  const O = size(out);
  const ks = size(kernel);
  const is = strides(dims);
  const os = strides(out);
  const kst = strides(kernel);
  const acc = Array.from({ length: N * M * O }, () => ({ lins: [] as Lin[], coefs: [] as number[] }));
  for (let s = 0; s < S; s++)
    for (let kk = 0; kk < ks; kk++) {
      // Output position of input position s through kernel tap kk, or -1 outside the output.
      let o = 0;
      for (let i = 0; i < dims.length && o >= 0; i++) {
        const p = (Math.floor(s / is[i]!) % dims[i]!) * st[i]! + (Math.floor(kk / kst[i]!) % kernel[i]!) * dl[i]! - begin[i]!;
        o = p < 0 || p >= out[i]! ? -1 : o + p * os[i]!;
      }
      if (o < 0) continue;
      for (let n = 0; n < N; n++)
        for (let c = 0; c < C; c++) {
          const g = Math.floor(c / cPer);
          for (let mm = 0; mm < mPer; mm++) {
            const wv = weight[(c * mPer + mm) * ks + kk]!;
            if (wv === 0) continue;
            const slot = acc[(n * M + g * mPer + mm) * O + o]!;
            slot.lins.push(x.el[(n * C + c) * S + s]!);
            slot.coefs.push(wv);
          }
        }
    }
  const el = acc.map((a, f) => combine(a.lins, a.coefs, bias?.[Math.floor(f / O) % M] ?? 0));
  ctx.set({ shape: [N, M, ...out], el });
}

/** Per (n, c) and output position, the input flat indexes of its window (padding left out) and its tap count. */
function poolWindows(ctx: NodeContext, x: TV, w: Window, includePad: boolean): { groups: number[][]; counts: number[] } {
  const [N, C] = x.shape as [number, number];
  const S = size(w.dims);
  const tp = taps(w);
  const groups: number[][] = [];
  const counts: number[] = [];
  for (let nc = 0; nc < N * C; nc++)
    for (const window of tp) {
      groups.push(window.filter((at) => at >= 0).map((at) => nc * S + at));
      counts.push(includePad ? window.filter((at) => at !== -2).length : window.filter((at) => at >= 0).length);
    }
  const estimate = groups.reduce((a, g) => a + g.length, 0);
  ctx.g.checkSize(
    ctx.opType.includes("Max") ? estimate * 22 : 0,
    `for node "${ctx.name}" (${ctx.opType} over ${estimate.toLocaleString("en-US")} window taps)`,
  );
  return { groups, counts };
}

function importPool(ctx: NodeContext): void {
  const x = ctx.input(0);
  const global = ctx.opType.startsWith("Global");
  const w = windowOf(ctx, x, undefined, global);
  const shape = [x.shape[0]!, x.shape[1]!, ...w.out];
  const kind = ctx.opType.replace("Global", "");
  if (kind === "MaxPool") {
    const { groups } = poolWindows(ctx, x, w, false);
    if (groups.some((g) => g.length === 0)) throw ctx.unsupported("a pooling window lies entirely in the padding.");
    ctx.set({ shape, el: ctx.maxGroups(x, groups, "max") });
    if (ctx.node.outputs[1]) {
      // Indices: the flat (row-major) input index of each window's maximum, the first one on a
      // tie: the window's argmax position (constrained), then its index by one-hot selection
      // among the window's constant indexes.
      // storage_order 1: the spatial coordinates column-major (the first one varying fastest).
      const colMajor = ctx.attrI("storage_order", 0) === 1;
      const dims = x.shape.slice(2);
      const S = size(dims);
      const rs = strides(dims);
      const indexOf = (at: number) => {
        if (!colMajor) return at;
        const sp = at % S;
        let idx = at - sp;
        let mult = 1;
        dims.forEach((d, i) => {
          idx += (Math.floor(sp / rs[i]!) % d) * mult;
          mult *= d;
        });
        return idx;
      };
      const el = groups.map((g) => {
        if (g.length === 1) return cst(indexOf(g[0]!));
        const [r] = ctx.apply(
          "argmax",
          g.map((at) => x.el[at]!),
        );
        return ctx.select(
          ctx.equalsOver(r!, g.length),
          g.map((at) => cst(indexOf(at))),
        );
      });
      ctx.set({ shape, el, int: true }, 1);
    }
    return;
  }
  if (kind === "AveragePool") {
    const { groups, counts } = poolWindows(ctx, x, w, ctx.attrI("count_include_pad", 0) === 1);
    const el = groups.map((g, i) =>
      combine(
        g.map((at) => x.el[at]!),
        g.map(() => 1 / counts[i]!),
      ),
    );
    ctx.set({ shape, el });
    return;
  }
  // LpPool: (sum over the window of |x|^p)^(1/p); padding contributes 0.
  const p = ctx.attrI("p", 2);
  if (!Number.isInteger(p) || p < 1) throw ctx.unsupported(`p = ${p} (a positive integer is compiled).`);
  const { groups } = poolWindows(ctx, x, w, false);
  const abs = p === 2 ? x : ctx.unaryFn(x, "abs");
  const powered =
    p === 2
      ? ctx.apply(
          "mul",
          x.el.flatMap((l) => [l, l]),
        )
      : p === 1
        ? abs.el
        : ctx.unaryFn(abs, "pow", { exponent: p }).el;
  const sums = groups.map((g) =>
    combine(
      g.map((at) => powered[at]!),
      g.map(() => 1),
    ),
  );
  const el = p === 1 ? sums : p === 2 ? ctx.apply("fn", sums, { fn: "sqrt" }) : ctx.apply("fn", sums, { fn: "pow", params: { exponent: 1 / p } });
  ctx.set({ shape, el });
}

export const HANDLERS: OpHandler[] = [
  { types: ["Conv"], since: 6, import: importConv },
  { types: ["ConvTranspose"], since: 6, import: importConvTranspose },
  { types: ["AveragePool", "MaxPool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"], since: 6, import: importPool },
];
