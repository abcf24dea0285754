/**
 * Element-wise activations (the piecewise-linear family) and PRelu.
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { broadcastMap, broadcastShape, type Lin } from "./lin.js";

function importPRelu(ctx: NodeContext): void {
  const x = ctx.input(0);
  let slope = ctx.input(1);
  // Opset 6 applies a slope of shape [C] per channel (axis 1); from 7 on it broadcasts
  // unidirectionally (NumPy rules, to the input's shape).
  if (ctx.opset < 7 && slope.shape.length === 1 && x.shape.length > 2 && slope.shape[0] === x.shape[1] && slope.shape[0] !== 1)
    slope = { ...slope, shape: [slope.shape[0]!, ...x.shape.slice(2).map(() => 1)] };
  const shape = broadcastShape(x.shape, slope.shape);
  if (!shape || shape.join() !== x.shape.join()) throw ctx.unsupported(`slope [${slope.shape}] does not broadcast to [${x.shape}].`);
  const values = ctx.constIn(1, "slope");
  const alphas = broadcastMap(slope.shape, shape).map((i) => values[i]!);
  const el = new Array<Lin>(x.el.length);
  // One leaky_relu node per distinct slope (a channel's elements share theirs).
  for (const a of new Set(alphas)) {
    const idx = alphas.flatMap((v, i) => (v === a ? [i] : []));
    ctx
      .apply(
        "fn",
        idx.map((i) => x.el[i]!),
        { fn: "leaky_relu", params: { alpha: a } },
      )
      .forEach((l, j) => (el[idx[j]!] = l));
  }
  ctx.set({ shape: x.shape, el });
}

/** Element-wise ONNX functions compiled by the piecewise-linear family, with their parameters. */
const UNARY_FN: Record<string, [since: number, (ctx: NodeContext) => { fn: string; params?: Record<string, number> }]> = {
  Sigmoid: [6, () => ({ fn: "sigmoid" })],
  Tanh: [6, () => ({ fn: "tanh" })],
  Exp: [6, () => ({ fn: "exp" })],
  Log: [6, () => ({ fn: "log" })],
  Sqrt: [6, () => ({ fn: "sqrt" })],
  Erf: [9, () => ({ fn: "erf" })],
  Softplus: [1, () => ({ fn: "softplus" })],
  Softsign: [1, () => ({ fn: "softsign" })],
  Mish: [18, () => ({ fn: "mish" })],
  Sin: [7, () => ({ fn: "sin" })],
  Cos: [7, () => ({ fn: "cos" })],
  Tan: [7, () => ({ fn: "tan" })],
  Asin: [7, () => ({ fn: "asin" })],
  Acos: [7, () => ({ fn: "acos" })],
  Atan: [7, () => ({ fn: "atan" })],
  Relu: [6, () => ({ fn: "relu" })],
  Abs: [6, () => ({ fn: "abs" })],
  HardSwish: [14, () => ({ fn: "hard_swish" })],
  Elu: [6, (ctx) => ({ fn: "elu", params: { alpha: ctx.attrF("alpha", 1) } })],
  Celu: [12, (ctx) => ({ fn: "celu", params: { alpha: ctx.attrF("alpha", 1) } })],
  Selu: [6, (ctx) => ({ fn: "selu", params: { alpha: ctx.attrF("alpha", 1.6732632423543772), gamma: ctx.attrF("gamma", 1.0507009873554805) } })],
  HardSigmoid: [6, (ctx) => ({ fn: "hard_sigmoid", params: { alpha: ctx.attrF("alpha", 0.2), beta: ctx.attrF("beta", 0.5) } })],
  LeakyRelu: [6, (ctx) => ({ fn: "leaky_relu", params: { alpha: ctx.attrF("alpha", 0.01) } })],
  Gelu: [20, (ctx) => ({ fn: ctx.attrS("approximate", "none") === "tanh" ? "gelu_tanh" : "gelu" })],
};

function importUnary(ctx: NodeContext): void {
  const { fn, params } = UNARY_FN[ctx.opType]![1](ctx);
  ctx.set(ctx.unaryFn(ctx.input(0), fn, params));
}

export const HANDLERS: OpHandler[] = [
  { types: ["PRelu"], since: 6, import: importPRelu },
  ...Object.entries(UNARY_FN).map(([op, [since]]) => ({ types: [op], since, import: importUnary })),
];
