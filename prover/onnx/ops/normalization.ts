/**
 * Softmax, LogSoftmax and the normalizations.
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { combine, unit, type Lin, type TV } from "./lin.js";
import { size } from "../shapes.js";

/** Softmax pieces over groups: e = exp(x - max), s = sum e per group. */
export function softmaxParts(ctx: NodeContext, x: TV, axis: number) {
  const { groups } = ctx.reduceGroups(x.shape, [axis], true);
  const m = ctx.maxGroups(x, groups, "max");
  const d = new Array<Lin>(size(x.shape));
  groups.forEach((g, gi) => g.forEach((i) => (d[i] = combine([x.el[i]!, m[gi]!], [1, -1]))));
  // x - max(x) <= 0 (in float and in every witness): exp's table stops at 0.
  const e = ctx.apply("fn", d, { fn: "exp", atMost: 0 });
  const s = groups.map((g) =>
    combine(
      g.map((i) => e[i]!),
      g.map(() => 1),
    ),
  );
  return { groups, e, s, m, d };
}

function importSoftmax(ctx: NodeContext): void {
  const x = ctx.input(0);
  const legacy = ctx.opset > 0 && ctx.opset < 13;
  let axis = ctx.normAxis(ctx.attrI("axis", legacy ? 1 : -1), x.shape.length);
  let v = x;
  if (legacy && axis !== x.shape.length - 1) {
    v = { ...x, shape: [size(x.shape.slice(0, axis)), size(x.shape.slice(axis))] };
    axis = 1;
  }
  const { groups, e, s, d } = softmaxParts(ctx, v, axis);
  const el = new Array<Lin>(x.el.length);
  if (ctx.opType === "Softmax") {
    // The float sum is >= exp(0) = 1 and the witness's >= the table's exp(0) (the max's own term,
    // x - max = 0 exactly), but interval arithmetic sees only sum(e) >= 0 once e's input reaches far
    // below 0: clip(sum, 0.5) is the same value for every witness and proves the divisor >= 0.5.
    // Free where the sum's interval already stays above 0.5 (the clip's kink is then linear).
    const sc = ctx.apply("fn", s, { fn: "clip", params: { min: 0.5 } });
    const pairs: Lin[] = [];
    const at: number[] = [];
    groups.forEach((g, gi) =>
      g.forEach((i) => {
        at.push(i);
        pairs.push(e[i]!, sc[gi]!);
      }),
    );
    ctx.apply("div", pairs, { floatAtLeast: 1 }).forEach((l, j) => (el[at[j]!] = l));
  } else {
    // The float sum of exp(x - max) is at least exp(0) = 1 (the max's own term): the log's error
    // rule needs no input below it, however wide the sum's error.
    const ls = ctx.apply("fn", s, { fn: "log", floatAtLeast: 1 });
    groups.forEach((g, gi) => g.forEach((i) => (el[i] = combine([d[i]!, ls[gi]!], [1, -1]))));
  }
  ctx.set({ shape: x.shape, el });
}

/** x / ||x||_p over one axis (p = 1 or 2). */
function importLpNormalization(ctx: NodeContext): void {
  const x = ctx.input(0);
  const { groups } = ctx.reduceGroups(x.shape, [ctx.normAxis(ctx.attrI("axis", -1), x.shape.length)], true);
  const el = new Array<Lin>(x.el.length);
  const p = ctx.attrI("p", 2);
  if (p !== 1 && p !== 2) throw ctx.unsupported(`p = ${p}: ONNX defines LpNormalization for p = 1 and p = 2 only.`);
  if (p === 1) {
    // x / sum |x| per group: |x| exact (a kink at 0), the sum affine, one constrained floor
    // division per element (prover/graph/families/div.ts: refused where a sum can be 0).
    const a = ctx.apply("fn", x.el, { fn: "abs" });
    const sums = groups.map((g) =>
      combine(
        g.map((i) => a[i]!),
        g.map(() => 1),
      ),
    );
    const q = ctx.apply(
      "div",
      groups.flatMap((g, gi) => g.flatMap((i) => [x.el[i]!, sums[gi]!])),
      {},
    );
    groups.flat().forEach((i, j) => (el[i] = q[j]!));
    ctx.set({ shape: x.shape, el });
    return;
  }
  const sq = ctx.apply(
    "mul",
    x.el.flatMap((l) => [l, l]),
    {},
  );
  const inv = ctx.apply(
    "fn",
    groups.map((g) =>
      combine(
        g.map((i) => sq[i]!),
        g.map(() => 1),
      ),
    ),
    { fn: "rsqrt" },
  );
  const pairs = groups.flatMap((g, gi) => g.flatMap((i) => [x.el[i]!, inv[gi]!]));
  const prod = ctx.apply("mul", pairs, {});
  groups.flat().forEach((i, j) => (el[i] = prod[j]!));
  ctx.set({ shape: x.shape, el });
  return;
}

/**
 * LayerNormalization, InstanceNormalization and BatchNormalization in training mode (opset 14+,
 * training_mode = 1: the batch's own mean and biased variance per channel, over every axis but 1,
 * and the running statistics mean * momentum + batch * (1 - momentum) as outputs 1 and 2).
 */
export function importLayerNormalization(ctx: NodeContext): void {
  const x = ctx.input(0);
  const eps = ctx.attrF("epsilon", 1e-5);
  let axes: number[];
  if (ctx.opType === "LayerNormalization") {
    const a = ctx.normAxis(ctx.attrI("axis", -1), x.shape.length);
    axes = x.shape.map((_, k) => k).filter((k) => k >= a);
  } else if (ctx.opType === "BatchNormalization") axes = x.shape.map((_, k) => k).filter((k) => k !== 1);
  else axes = x.shape.map((_, k) => k).filter((k) => k >= 2); // InstanceNormalization
  const { groups } = ctx.reduceGroups(x.shape, axes, true);
  const el = new Array<Lin>(x.el.length);
  // mean (affine) -> centred (affine) -> squares (products) -> variance + eps (affine) ->
  // 1/sqrt (piecewise linear) -> centred * that (products) -> scale and bias (affine).
  const centred = new Array<Lin>(x.el.length);
  const means = groups.map((g) => {
    const mean = combine(
      g.map((i) => x.el[i]!),
      g.map(() => 1 / g.length),
    );
    g.forEach((i) => (centred[i] = combine([x.el[i]!, mean], [1, -1])));
    return mean;
  });
  const sq = ctx.apply(
    "mul",
    centred.flatMap((l) => [l, l]),
    {},
  );
  const variance = ctx.materialize(
    groups.map((g) =>
      combine(
        g.map((i) => sq[i]!),
        g.map(() => 1 / g.length),
        eps,
      ),
    ),
  );
  // The float variance + epsilon is never below epsilon, whatever the quantized one's error.
  const inv = ctx.apply("fn", variance.map(unit), { fn: "rsqrt", floatAtLeast: eps });
  const order = groups.flat();
  const gOf = new Array<number>(x.el.length);
  groups.forEach((g, gi) => g.forEach((i) => (gOf[i] = gi)));
  // `norm` lets the product's error rule use sum(c) = 0 (prover/graph/families/mul.ts).
  const norm = { n: groups[0]!.length, eps, variance: order.map((i) => variance[gOf[i]!]!) };
  const prod = ctx.apply(
    "mul",
    order.flatMap((i) => [centred[i]!, inv[gOf[i]!]!]),
    groups.every((g) => g.length === norm.n) ? { norm } : {},
  );
  const scale = ctx.constIn(1, "scale");
  const bias = ctx.has(2) ? ctx.constIn(2, "bias") : [];
  order.forEach((i, j) => {
    // LayerNorm's scale covers the normalised axes; InstanceNorm's and BatchNorm's are per channel.
    const k = ctx.opType === "LayerNormalization" ? i % scale.length : Math.floor(i / size(x.shape.slice(2))) % x.shape[1]!;
    el[i] = combine([prod[j]!], [scale[k]!], bias.length ? bias[k]! : 0);
  });
  ctx.set({ shape: x.shape, el });
  // LayerNormalization's optional outputs: the mean and 1 / sqrt(variance + epsilon) per group.
  const reduced = x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
  if (ctx.opType === "LayerNormalization") {
    ctx.set({ shape: reduced, el: means }, 1);
    ctx.set({ shape: reduced, el: inv }, 2);
  } else if (ctx.opType === "BatchNormalization") {
    // Running statistics (per channel: the groups are the channels, in order).
    const m = ctx.attrF("momentum", 0.9);
    const [mean0, var0] = [3, 4].map((k) => ctx.constIn(k, k === 3 ? "input_mean" : "input_var")) as [number[], number[]];
    ctx.set({ shape: [x.shape[1]!], el: means.map((l, c) => combine([l], [1 - m], mean0[c]! * m)) }, 1);
    ctx.set({ shape: [x.shape[1]!], el: variance.map((v, c) => combine([unit(v)], [1 - m], var0[c]! * m - eps * (1 - m))) }, 2);
  }
}

export const HANDLERS: OpHandler[] = [
  { types: ["Softmax", "LogSoftmax"], since: 6, import: importSoftmax },
  { types: ["InstanceNormalization"], since: 6, import: importLayerNormalization },
  { types: ["LpNormalization"], since: 6, import: importLpNormalization },
  { types: ["LayerNormalization"], since: 17, import: importLayerNormalization },
];
