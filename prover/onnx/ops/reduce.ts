/**
 * Reductions, TopK, ArgMax/ArgMin.
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { combine, type Lin } from "./lin.js";
import { size } from "../shapes.js";

function importReduceSum(ctx: NodeContext): void {
  const x = ctx.input(0);
  let axes = ctx.attrInts("axes") ?? (ctx.has(1) ? ctx.constIn(1, "axes") : []);
  if (!axes.length && ctx.attrI("noop_with_empty_axes", 0)) {
    ctx.set(x);
    return;
  }
  if (!axes.length) axes = [];
  const { groups, shape } = ctx.reduceGroups(x.shape, axes, ctx.attrI("keepdims", 1) === 1);
  let el: Lin[];
  const sumOf = (vals: readonly Lin[], g: number[], k = 1) =>
    combine(
      g.map((i) => vals[i]!),
      g.map(() => k),
    );
  switch (ctx.opType) {
    case "ReduceSum":
      el = groups.map((g) => sumOf(x.el, g));
      break;
    case "ReduceMean":
      el = groups.map((g) => sumOf(x.el, g, 1 / g.length));
      break;
    case "ReduceMax":
      el = ctx.maxGroups(x, groups, "max");
      break;
    case "ReduceMin":
      el = ctx.maxGroups(x, groups, "min");
      break;
    case "ReduceL1": {
      const a = ctx.apply("fn", x.el, { fn: "abs" });
      el = groups.map((g) => sumOf(a, g));
      break;
    }
    case "ReduceL2":
    case "ReduceSumSquare": {
      const sq = ctx.apply(
        "mul",
        x.el.flatMap((l) => [l, l]),
        {},
      );
      const s = groups.map((g) => sumOf(sq, g));
      el = ctx.opType === "ReduceL2" ? ctx.apply("fn", s, { fn: "sqrt" }) : s;
      break;
    }
    default: {
      const m = ctx.maxGroups(x, groups, "max");
      const d = new Array<Lin>(x.el.length);
      groups.forEach((g, gi) => g.forEach((i) => (d[i] = combine([x.el[i]!, m[gi]!], [1, -1]))));
      const e = ctx.apply("fn", d, { fn: "exp", atMost: 0 }); // x - max(x) <= 0
      const lse = ctx.apply(
        "fn",
        groups.map((g) => sumOf(e, g)),
        { fn: "log", floatAtLeast: 1 }, // sum of exp(x - max) >= exp(0) = 1 in float
      );
      el = groups.map((_, gi) => combine([lse[gi]!, m[gi]!], [1, 1]));
    }
  }
  ctx.set({ shape, el });
}

function importTopK(ctx: NodeContext): void {
  // A partial sorting network of constrained compare-exchanges per slice along the axis
  // (prover/graph/families/topk.ts): k passes, n - 1 - p compare-exchanges in pass p.
  const x = ctx.input(0);
  const axis = ctx.normAxis(ctx.attrI("axis", -1), x.shape.length);
  const k = (ctx.has(1) ? ctx.constIn(1, "k") : [ctx.attrI("k", 0)])[0]!;
  const n = x.shape[axis]!;
  if (!Number.isInteger(k) || k < 1 || k > n) throw ctx.unsupported(`k = ${k} must be between 1 and the axis' size ${n}.`);
  const { groups } = ctx.reduceGroups(x.shape, [axis], true);
  const inner = size(x.shape.slice(axis + 1));
  const outs = ctx.apply("topk", x.el, { groups, k, largest: ctx.attrI("largest", 1) === 1, indices: !!ctx.node.outputs[1] });
  const shape = [...x.shape];
  shape[axis] = k;
  // Output element (outer o, rank j, inner i) is slot j of group o * inner + i.
  const at = (f: number) => {
    const i = f % inner;
    const j = Math.floor(f / inner) % k;
    const o = Math.floor(f / (inner * k));
    return (o * inner + i) * k + j;
  };
  const G = groups.length;
  ctx.set({ shape, el: Array.from({ length: G * k }, (_, f) => outs[at(f)]!) }, 0);
  if (ctx.node.outputs[1]) ctx.set({ shape, el: Array.from({ length: G * k }, (_, f) => outs[G * k + at(f)]!), int: true }, 1);
}

function importArgMax(ctx: NodeContext): void {
  const x = ctx.input(0);
  const axis = ctx.normAxis(ctx.attrI("axis", 0), x.shape.length);
  // The argmax family breaks ties to the lowest index; select_last_index = 1 runs it on the
  // reversed slice and maps the position back (n - 1 - r, affine).
  const last = ctx.attrI("select_last_index", 0) === 1;
  const { groups, shape } = ctx.reduceGroups(x.shape, [axis], ctx.attrI("keepdims", 1) === 1);
  const src = ctx.opType === "ArgMax" ? x.el : x.el.map((l) => combine([l], [-1]));
  ctx.set({
    shape,
    el: groups.flatMap((g) => {
      const order = last ? [...g].reverse() : g;
      const [r] = ctx.apply(
        "argmax",
        order.map((i) => src[i]!),
      );
      return last ? [combine([r!], [-1], g.length - 1)] : [r!];
    }),
    int: true,
  });
}

export const HANDLERS: OpHandler[] = [
  {
    types: ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"],
    since: 6,
    import: importReduceSum,
  },
  { types: ["TopK"], since: 6, import: importTopK },
  { types: ["ArgMax", "ArgMin"], since: 6, import: importArgMax },
];
