/**
 * Comparisons, logic and selection: proven bits.
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { broadcastMap, broadcastShape } from "./lin.js";

const COMPARE: Record<string, string> = { Less: "less", LessOrEqual: "lessEq", Greater: "greater", GreaterOrEqual: "greaterEq", Equal: "equal" };
const LOGIC: Record<string, string> = { And: "and", Or: "or", Xor: "xor" };

function importNot(ctx: NodeContext): void {
  ctx.set({ shape: ctx.input(0).shape, el: ctx.apply("not", ctx.toBits(ctx.input(0)).el, {}), bits: true });
}

function importAnd(ctx: NodeContext): void {
  ctx.set({ ...ctx.pairwise(ctx.toBits(ctx.input(0)), ctx.toBits(ctx.input(1)), LOGIC[ctx.opType]!), bits: true });
}

function importLess(ctx: NodeContext): void {
  ctx.set({ ...ctx.pairwise(ctx.input(0), ctx.input(1), COMPARE[ctx.opType]!), bits: true });
}

function importWhere(ctx: NodeContext): void {
  const c = ctx.toBits(ctx.input(0));
  const x = ctx.input(1);
  const y = ctx.input(2);
  const s1 = broadcastShape(c.shape, x.shape);
  const shape = s1 && broadcastShape(s1, y.shape);
  if (!shape) throw ctx.unsupported("operand shapes do not broadcast.");
  const [ic, ix, iy] = [c, x, y].map((t) => broadcastMap(t.shape, shape));
  const args = ic!.flatMap((i, f) => [c.el[i]!, x.el[ix![f]!]!, y.el[iy![f]!]!]);
  ctx.set({ shape, el: ctx.apply("where", args, {}), bits: x.bits && y.bits });
}

export const HANDLERS: OpHandler[] = [
  { types: ["Not"], since: 6, import: importNot },
  { types: ["And", "Or", "Xor"], since: 6, import: importAnd },
  { types: ["Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal"], since: 6, import: importLess },
  { types: ["Where"], since: 9, import: importWhere },
];
