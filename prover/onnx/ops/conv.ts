/**
 * Convolutions and pools.
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { combine, type Lin } from "./lin.js";

function importConv(ctx: NodeContext): void {
  const x = ctx.input(0);
  if (x.shape[0] !== 1 || x.shape.length < 3 || x.shape.length > 4) throw ctx.unsupported(`input shape [${x.shape}]; 1-D or 2-D (N=1) is compiled.`);
  const four = x.shape.length === 4 ? x.shape : [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!];
  const [, C, H, W] = four as [number, number, number, number];
  const isConv = ctx.opType === "Conv" || ctx.opType === "ConvTranspose";
  const weight = isConv ? { dims: ctx.input(1).shape, data: ctx.constIn(1, "kernel") } : undefined;
  const two = (v: number[] | undefined, d: number[]) => (v ? (v.length === 1 ? [1, v[0]!] : v) : d);
  const kernel = ctx.opType === "GlobalAveragePool" ? [H, W] : two(ctx.attrInts("kernel_shape") ?? weight?.dims.slice(2), [1, 1]);
  const [kh, kw] = kernel as [number, number];
  const [sh, sw] = two(ctx.attrInts("strides"), [1, 1]) as [number, number];
  const [dh, dw] = two(ctx.attrInts("dilations"), [1, 1]) as [number, number];
  const p = ctx.attrInts("pads");
  let [pt, pl, pb, pr] = (p ? (p.length === 2 ? [0, p[0]!, 0, p[1]!] : p) : [0, 0, 0, 0]) as [number, number, number, number];
  const autoPad = ctx.attr("auto_pad")?.s ?? "NOTSET";
  if (ctx.attrI("ceil_mode", 0)) throw ctx.unsupported("ceil_mode = 1.");
  const group = ctx.attrI("group", 1);
  const convBias = isConv && ctx.has(2) ? ctx.constIn(2, "bias") : undefined;
  const el: Lin[] = [];
  let outShape: number[];
  if (ctx.opType === "ConvTranspose") {
    const M = weight!.dims[1]! * group;
    const cPer = C / group;
    const mPer = M / group;
    const [oph, opw] = two(ctx.attrInts("output_padding"), [0, 0]) as [number, number];
    if (autoPad !== "NOTSET") throw ctx.unsupported(`auto_pad ${autoPad}.`);
    const OH = (H - 1) * sh - pt - pb + dh * (kh - 1) + 1 + oph;
    const OW = (W - 1) * sw - pl - pr + dw * (kw - 1) + 1 + opw;
    const acc: { lins: Lin[]; coefs: number[] }[] = Array.from({ length: M * OH * OW }, () => ({ lins: [], coefs: [] }));
    for (let c = 0; c < C; c++) {
      const g = Math.floor(c / cPer);
      for (let iy = 0; iy < H; iy++)
        for (let ix = 0; ix < W; ix++) {
          const src = x.el[(c * H + iy) * W + ix]!;
          for (let mm = 0; mm < mPer; mm++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const oy = iy * sh - pt + ky * dh;
                const ox = ix * sw - pl + kx * dw;
                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                const wv = weight!.data[((c * mPer + mm) * kh + ky) * kw + kx]!;
                if (wv === 0) continue;
                const slot = acc[((g * mPer + mm) * OH + oy) * OW + ox]!;
                slot.lins.push(src);
                slot.coefs.push(wv);
              }
        }
    }
    acc.forEach((s, f) => el.push(combine(s.lins, s.coefs, convBias?.[Math.floor(f / (OH * OW))] ?? 0)));
    outShape = [1, M, OH, OW];
  } else {
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      const padFor = (d: number, k: number, s: number, dl: number) => Math.max(0, (Math.ceil(d / s) - 1) * s + (k - 1) * dl + 1 - d);
      const ph = padFor(H, kh, sh, dh);
      const pw = padFor(W, kw, sw, dw);
      const lo = (t: number) => (autoPad === "SAME_UPPER" ? Math.floor(t / 2) : Math.ceil(t / 2));
      [pt, pl, pb, pr] = [lo(ph), lo(pw), ph - lo(ph), pw - lo(pw)];
    } else if (autoPad !== "NOTSET" && autoPad !== "VALID") throw ctx.unsupported(`auto_pad ${autoPad}.`);
    const M = isConv ? weight!.dims[0]! : C;
    if (isConv && (weight!.dims[1]! * group !== C || M % group !== 0))
      throw ctx.unsupported(`kernel [${weight!.dims}] with group ${group} does not fit ${C} input channels.`);
    const OH = Math.floor((H + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
    const OW = Math.floor((W + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
    if (OH < 1 || OW < 1) throw ctx.unsupported("the kernel is larger than the padded input.");
    const countPad = ctx.attrI("count_include_pad", 0);
    const cPer = isConv ? C / group : 1;
    for (let m = 0; m < M; m++) {
      const c0 = isConv ? Math.floor(m / (M / group)) * cPer : m;
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          const lins: Lin[] = [];
          const coefs: number[] = [];
          for (let ci = 0; ci < cPer; ci++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * sh - pt + ky * dh;
                const ix = ox * sw - pl + kx * dw;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                const wv = isConv ? weight!.data[((m * cPer + ci) * kh + ky) * kw + kx]! : 1;
                lins.push(x.el[((c0 + ci) * H + iy) * W + ix]!);
                coefs.push(wv);
              }
          const norm = isConv ? 1 : 1 / (countPad ? kh * kw : lins.length);
          el.push(
            combine(
              lins,
              coefs.map((c) => c * norm),
              isConv ? (convBias?.[m] ?? 0) : 0,
            ),
          );
        }
    }
    outShape = [1, M, OH, OW];
  }
  if (x.shape.length === 3) outShape = [1, outShape[1]!, outShape[3]!];
  ctx.set({ shape: outShape, el });
}

function importMaxPool(ctx: NodeContext): void {
  const x = ctx.input(0);
  if (ctx.node.outputs.length > 1 && ctx.node.outputs[1]) throw ctx.unsupported("the Indices output is not compiled.");
  if (x.shape[0] !== 1 || x.shape.length !== 4) throw ctx.unsupported(`input shape [${x.shape}]; 2-D (N=1, C, H, W) is compiled.`);
  const [, C, H, W] = x.shape as [number, number, number, number];
  const global = ctx.opType === "GlobalMaxPool";
  const [kh, kw] = (global ? [H, W] : (ctx.attrInts("kernel_shape") ?? [])) as [number, number];
  const [sh, sw] = (global ? [1, 1] : (ctx.attrInts("strides") ?? [1, 1])) as [number, number];
  const [dh, dw] = (global ? [1, 1] : (ctx.attrInts("dilations") ?? [1, 1])) as [number, number];
  const [pt, pl, pb, pr] = (global ? [0, 0, 0, 0] : (ctx.attrInts("pads") ?? [0, 0, 0, 0])) as [number, number, number, number];
  if (ctx.attrI("ceil_mode", 0)) throw ctx.unsupported("ceil_mode = 1.");
  const OH = Math.floor((H + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const groups: number[][] = [];
  for (let c = 0; c < C; c++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        const g: number[] = [];
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * sh - pt + ky * dh;
            const ix = ox * sw - pl + kx * dw;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) g.push((c * H + iy) * W + ix); // padding is -inf: never wins
          }
        if (g.length === 0) throw ctx.unsupported("a pooling window lies entirely in the padding.");
        groups.push(g);
      }
  ctx.set({ shape: [1, C, OH, OW], el: ctx.maxGroups(x, groups, "max") });
}

export const HANDLERS: OpHandler[] = [
  { types: ["Conv", "ConvTranspose", "AveragePool", "GlobalAveragePool"], since: 6, import: importConv },
  { types: ["MaxPool", "GlobalMaxPool"], since: 6, import: importMaxPool },
];
