/**
 * Constants and shape arithmetic: folded at import time (no constraint).
 */
import type { Tensor } from "../graph.js";
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { combine, cst, INT_TYPES, isConst, type TV } from "./lin.js";
import { size, strides } from "../shapes.js";

function importConstant(ctx: NodeContext): void {
  const t = ctx.attr("value")?.t;
  const f = ctx.attr("value_float")?.f;
  const fs = ctx.attr("value_floats")?.floats;
  const i = ctx.attr("value_int")?.i;
  const is = ctx.attr("value_ints")?.ints;
  const tensor: Tensor | undefined =
    t ??
    (f !== undefined
      ? { dims: [], data: [f] }
      : fs
        ? { dims: [fs.length], data: fs }
        : i !== undefined
          ? { dims: [], data: [i] }
          : is
            ? { dims: [is.length], data: is }
            : undefined);
  if (!tensor) throw ctx.unsupported("this form of Constant (sparse or string) is not read.");
  ctx.set({ shape: tensor.dims, el: tensor.data.map(cst) });
}

function importIdentity(ctx: NodeContext): void {
  // Dropout in training mode (opset 12+: input 2 true, with a ratio above 0) drops at random.
  if (ctx.opType === "Dropout" && ctx.has(2) && ctx.constIn(2, "training_mode")[0] && (ctx.has(1) ? ctx.constIn(1, "ratio")[0]! : 0.5) > 0)
    throw ctx.unsupported("training_mode = true drops values at random; export the model in eval mode.");
  ctx.set(ctx.input(0));
  if (ctx.node.outputs[1]) ctx.set({ shape: ctx.input(0).shape, el: ctx.input(0).el.map(() => cst(1)), bits: true }, 1);
}

/** The 4- and 2-bit integer types (UINT4, INT4, UINT2, INT2): their width and signedness. */
const NARROW_INTS: Record<number, { bits: number; signed: boolean }> = {
  21: { bits: 4, signed: false },
  22: { bits: 4, signed: true },
  25: { bits: 2, signed: false },
  26: { bits: 2, signed: true },
};

/**
 * A cast to a b-bit integer as ONNX computes it (onnx/reference Cast: the value truncated toward
 * zero, then wrapped modulo 2^b into [0, 2^b) or [-2^(b-1), 2^(b-1))): t = trunc(x), then
 * t - 2^b floor((t + o) / 2^b) with o = 2^(b-1) when signed, else 0. t is an integer, so the
 * affine argument floor((t + o) / 2^b + 2^-(b+1)) sits half a cell from the floor's jumps.
 */
function castNarrowInt(ctx: NodeContext, x: TV, type: { bits: number; signed: boolean }): TV {
  const m = 2 ** type.bits;
  const o = type.signed ? m / 2 : 0;
  const t = x.int || x.bits ? x.el : ctx.apply("trunc", x.el, {});
  const q = ctx.apply(
    "floor",
    t.map((l) => combine([l], [1 / m], o / m + 1 / (2 * m))),
    {},
  );
  return { shape: x.shape, el: t.map((l, i) => combine([l, q[i]!], [1, -m])), int: true };
}

function importCast(ctx: NodeContext): void {
  const to = ctx.attrI("to", 1);
  const x = ctx.input(0);
  // Narrower float formats (ONNX Cast): float16, bfloat16, float8 E4M3FN / E4M3FNUZ / E5M2 /
  // E5M2FNUZ (saturating by default): the identity (clipped when saturating) with the format's
  // rounding in the error bound; the float rule rounds exactly (constants fold rounded).
  const FORMATS: Record<number, { m: number; bias: number; max: number; f8?: boolean }> = {
    10: { m: 10, bias: 15, max: 65504 },
    16: { m: 7, bias: 127, max: 3.3895313892515355e38 },
    17: { m: 3, bias: 7, max: 448, f8: true },
    18: { m: 3, bias: 8, max: 240, f8: true },
    19: { m: 2, bias: 15, max: 57344, f8: true },
    20: { m: 2, bias: 16, max: 57344, f8: true },
  };
  const fmt = FORMATS[to];
  if (fmt && !x.bits) {
    const saturate = fmt.f8 ? ctx.attrI("saturate", 1) : 0;
    ctx.set({ shape: x.shape, el: ctx.apply("fn", x.el, { fn: "round_float", params: { m: fmt.m, bias: fmt.bias, max: fmt.max, saturate } }) });
    return;
  }
  if ([23, 24].includes(to) && !isConst(x))
    throw ctx.unsupported(
      to === 23
        ? "a cast of data to float4 E2M1 (type 23): its rounding to one mantissa bit (up to a quarter of the value) is not compiled; only constants fold."
        : "a cast of data to float8 E8M0 (type 24): its rounding to a power of two (up to the whole value) is not compiled; only constants fold.",
    );
  if (NARROW_INTS[to]) {
    ctx.set(castNarrowInt(ctx, x, NARROW_INTS[to]));
    return;
  }
  if (to === 1 || to === 10 || to === 11 || isConst(x)) {
    ctx.set(
      to === 9 && isConst(x)
        ? { shape: x.shape, el: x.el.map((l) => cst(l.c !== 0 ? 1 : 0)), bits: true }
        : isConst(x) && to !== 1 && to !== 10 && to !== 11
          ? { shape: x.shape, el: x.el.map((l) => cst(Math.trunc(l.c))) }
          : x,
    );
  } else if (to === 9) ctx.set(ctx.toBits(x));
  else if (INT_TYPES.has(to)) ctx.set(x.bits || x.int ? { ...x, int: true } : { shape: x.shape, el: ctx.apply("trunc", x.el, {}), int: true });
  else throw ctx.unsupported(`a cast to type ${to}.`);
}

function importShape(ctx: NodeContext): void {
  const x = ctx.input(0);
  const r = x.shape.length;
  const start = ctx.attrI("start", 0);
  const end = ctx.attr("end")?.i ?? r;
  const s = x.shape.slice(start < 0 ? start + r : start, end < 0 ? end + r : end);
  ctx.set({ shape: [s.length], el: s.map(cst) });
}

function importSize(ctx: NodeContext): void {
  ctx.set({ shape: [], el: [cst(size(ctx.input(0).shape))] });
}

function importConstantOfShape(ctx: NodeContext): void {
  const shape = ctx.constIn(0, "shape");
  const v = ctx.attr("value")?.t?.data[0] ?? 0;
  ctx.set({ shape, el: new Array(size(shape)).fill(0).map(() => cst(v)) });
}

function importEyeLike(ctx: NodeContext): void {
  const x = ctx.input(0);
  const k = ctx.attrI("k", 0);
  const [R, C] = x.shape as [number, number];
  ctx.set({ shape: [R, C], el: Array.from({ length: R * C }, (_, f) => cst(Math.floor(f / C) + k === f % C ? 1 : 0)) });
}

function importRange(ctx: NodeContext): void {
  const [s0, l0, d0] = [0, 1, 2].map((k) => ctx.constIn(k, ["start", "limit", "delta"][k]!)[0]!) as [number, number, number];
  const n = Math.max(0, Math.ceil((l0 - s0) / d0));
  ctx.set({ shape: [n], el: Array.from({ length: n }, (_, i) => cst(s0 + i * d0)) });
}

function importNonZero(ctx: NodeContext): void {
  const x = ctx.input(0);
  if (!isConst(x)) throw ctx.unsupported("NonZero of the model's data has a data-dependent shape; only constant inputs fold.");
  const s = strides(x.shape);
  const nz = x.el.map((l, i) => (l.c !== 0 ? i : -1)).filter((i) => i >= 0);
  ctx.set({ shape: [x.shape.length, nz.length], el: x.shape.flatMap((d, k) => nz.map((i) => cst(Math.floor(i / s[k]!) % d))) });
}

export const HANDLERS: OpHandler[] = [
  { types: ["Constant"], since: 6, import: importConstant },
  { types: ["Identity", "Dropout"], since: 6, import: importIdentity },
  { types: ["Cast"], since: 6, import: importCast },
  { types: ["Shape"], since: 6, import: importShape },
  { types: ["Size"], since: 6, import: importSize },
  { types: ["ConstantOfShape"], since: 9, import: importConstantOfShape },
  { types: ["EyeLike"], since: 9, import: importEyeLike },
  { types: ["Range"], since: 11, import: importRange },
  { types: ["NonZero"], since: 9, import: importNonZero },
];
