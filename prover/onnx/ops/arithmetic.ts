/**
 * Element-wise arithmetic with NumPy broadcasting.
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { broadcastMap, broadcastShape, combine, cst, isConst, isConstLin, type Lin, type TV } from "./lin.js";
import { size } from "../shapes.js";

const ROUND: Record<string, string> = { Floor: "floor", Ceil: "ceil", Round: "round" };

function importAdd(ctx: NodeContext): void {
  ctx.set({
    ...ctx.binary(ctx.input(0), ctx.input(1), (x, y) => combine([x, y], [1, ctx.opType === "Add" ? 1 : -1])),
    int: ctx.input(0).int && ctx.input(1).int,
  });
}

function importSum(ctx: NodeContext): void {
  const parts = ctx.node.inputs.map((_, k) => ctx.input(k));
  let acc = parts[0]!;
  for (const p of parts.slice(1)) acc = ctx.binary(acc, p, (x, y) => combine([x, y], [1, 1]));
  ctx.set(ctx.opType === "Mean" ? { shape: acc.shape, el: acc.el.map((l) => combine([l], [1 / parts.length])) } : acc);
}

function importNeg(ctx: NodeContext): void {
  const x = ctx.input(0);
  ctx.set({ shape: x.shape, el: x.el.map((l) => combine([l], [-1])) });
}

function importMul(ctx: NodeContext): void {
  const a = ctx.input(0);
  const b = ctx.input(1);
  if (isConst(a) || isConst(b)) ctx.set({ ...ctx.binary(a, b, (x, y) => (isConstLin(x) ? combine([y], [x.c]) : combine([x], [y.c]))), int: a.int && b.int });
  else {
    const r = ctx.pairwise(a, b, "mul");
    ctx.set({ ...r, bits: a.bits && b.bits });
  }
}

function importDiv(ctx: NodeContext): void {
  const a = ctx.input(0);
  const b = ctx.input(1);
  if (isConst(b)) {
    const r = ctx.binary(a, b, (x, y) => combine([x], [1 / y.c]));
    if (b.el.some((l) => l.c === 0)) throw ctx.unsupported("division by zero in the constant divisor.");
    // Integer tensors divide with truncation toward zero (ONNX Div on int types).
    ctx.set(a.int ? { shape: r.shape, el: ctx.apply("trunc", r.el, {}), int: true } : r);
  } else if (isConst(a) && new Set(a.el.map((l) => l.c)).size === 1) {
    const shape = broadcastShape(a.shape, b.shape)!;
    ctx.set({
      shape,
      el: ctx.apply(
        "div",
        broadcastMap(b.shape, shape).map((i) => b.el[i]!),
        { numerator: a.el[0]!.c },
      ),
    });
  } else {
    const r = ctx.pairwise(a, b, "div");
    // Integer tensors divide with truncation toward zero.
    ctx.set(a.int && b.int ? { shape: r.shape, el: ctx.apply("trunc", r.el), int: true } : r);
  }
}

function importMod(ctx: NodeContext): void {
  // a - b * q with q = floor(a / b) (fmod = 0, the sign of the divisor) or trunc(a / b)
  // (fmod = 1, C's fmod). A constant divisor: q rounds a / b (affine); a data divisor: q
  // rounds the constrained quotient floor(a 2^k / b) of the div family (the floor of a floor
  // is the floor). b * q is then affine (constant b) or one product.
  const a = ctx.input(0);
  const b = ctx.input(1);
  const round = ctx.attrI("fmod", 0) ? "trunc" : "floor";
  if (isConst(b)) {
    if (b.el.some((l) => l.c === 0)) throw ctx.unsupported("modulo by zero in the constant divisor.");
    const shape = broadcastShape(a.shape, b.shape);
    if (!shape) throw ctx.unsupported(`shapes [${a.shape}] and [${b.shape}] do not broadcast.`);
    const ia = broadcastMap(a.shape, shape);
    const ib = broadcastMap(b.shape, shape);
    // Integers: a / b lies on the grid (1/|b|) Z, so floor(a / b + 1/(2|b|)) is the same
    // integer, half a cell away from the jump the quantized 1/b could otherwise cross.
    const centre = (d: number) => (a.int && round === "floor" && Number.isInteger(d) ? 1 / (2 * Math.abs(d)) : 0);
    const q = ctx.apply(
      round,
      ia.map((x, f) => combine([a.el[x]!], [1 / b.el[ib[f]!]!.c], centre(b.el[ib[f]!]!.c))),
      {},
    );
    ctx.set({ shape, el: q.map((l, f) => combine([a.el[ia[f]!]!, l], [1, -b.el[ib[f]!]!.c])), int: a.int });
  } else {
    const r = ctx.pairwise(a, b, "div");
    const q = ctx.apply(round, r.el, {});
    const ib = broadcastMap(b.shape, r.shape);
    const ia = broadcastMap(a.shape, r.shape);
    const bq = ctx.apply(
      "mul",
      q.flatMap((l, f) => [b.el[ib[f]!]!, l]),
      {},
    );
    ctx.set({ shape: r.shape, el: bq.map((l, f) => combine([a.el[ia[f]!]!, l], [1, -1])), int: a.int && b.int });
  }
}

function importBitShift(ctx: NodeContext): void {
  // Unsigned integers by constant amounts: x << s = x 2^s (affine, exact), x >> s =
  // floor(x / 2^s) (one floor).
  const x = ctx.input(0);
  const amounts = ctx.constIn(1, "shift amounts");
  const dirn = ctx.attr("direction")?.s;
  if (dirn !== "LEFT" && dirn !== "RIGHT") throw ctx.unsupported(`direction ${JSON.stringify(dirn)} (LEFT or RIGHT).`);
  if (amounts.some((v) => !Number.isInteger(v) || v < 0 || v > 63)) throw ctx.unsupported(`shift amounts [${amounts}] must be integers in 0..63.`);
  const shape = broadcastShape(x.shape, ctx.input(1).shape);
  if (!shape) throw ctx.unsupported(`shapes [${x.shape}] and [${ctx.input(1).shape}] do not broadcast.`);
  const ix = broadcastMap(x.shape, shape);
  const is = broadcastMap(ctx.input(1).shape, shape);
  const moved = ix.map((i, f) => combine([x.el[i]!], [2 ** ((dirn === "LEFT" ? 1 : -1) * amounts[is[f]!]!)]));
  ctx.set({ shape, el: dirn === "LEFT" ? moved : ctx.apply("floor", moved, {}), int: true });
}

function importReciprocal(ctx: NodeContext): void {
  const x = ctx.input(0);
  ctx.set({ shape: x.shape, el: ctx.apply("div", x.el, { numerator: 1 }) });
}

/** x^p element-wise for one constant exponent p (the cheapest exact or approximated form). */
function powConst(ctx: NodeContext, x: TV, p: number): Lin[] {
  if (p === 1) return x.el;
  if (p === 0) return x.el.map(() => cst(1));
  if (Number.isInteger(p) && p >= 2 && p <= 8) {
    // Square-and-multiply: one product constraint (and a rescale) per step.
    let acc: Lin[] | null = null;
    let base = x.el;
    for (let e = p; e > 0; e >>= 1) {
      if (e & 1)
        acc = acc
          ? ctx.apply(
              "mul",
              acc.flatMap((l, i) => [l, base[i]!]),
              {},
            )
          : base;
      if (e > 1)
        base = ctx.apply(
          "mul",
          base.flatMap((l) => [l, l]),
          {},
        );
    }
    return acc!;
  }
  if (p === 0.5) return ctx.unaryFn(x, "sqrt").el;
  if (p === -0.5) return ctx.unaryFn(x, "rsqrt").el;
  if (p === -1) return ctx.apply("div", x.el, { numerator: 1 });
  return ctx.unaryFn(x, "pow", { exponent: p }).el;
}

function importPow(ctx: NodeContext): void {
  const a = ctx.input(0);
  const b = ctx.input(1);
  if (isConst(b)) {
    // A constant exponent, one per element after broadcasting: the elements sharing an exponent
    // are computed together.
    const shape = ctx.broadcast(a.shape, b.shape);
    const x = ctx.gatherBy(a, shape, broadcastMap(a.shape, shape));
    const ps = broadcastMap(b.shape, shape).map((k) => b.el[k]!.c);
    const out: Lin[] = new Array<Lin>(x.el.length);
    for (const p of new Set(ps)) {
      const at = ps.flatMap((q, i) => (q === p ? [i] : []));
      const got = powConst(ctx, { shape: [at.length], el: at.map((i) => x.el[i]!) }, p);
      at.forEach((i, k) => (out[i] = got[k]!));
    }
    ctx.set({ shape, el: out });
  } else if (isConst(a)) {
    const bs = new Set(a.el.map((l) => l.c));
    if (bs.size !== 1 || [...bs][0]! <= 0) throw ctx.unsupported("a constant base must be one positive number.");
    const shape = broadcastShape(a.shape, b.shape)!;
    ctx.set(ctx.unaryFn(ctx.gatherBy(b, shape, broadcastMap(b.shape, shape)), "exp_base", { base: [...bs][0]! }));
  } else throw ctx.unsupported("its exponent (input 1) depends on the model's input, as does its base; zkinfer needs one of them constant.");
}

function importSign(ctx: NodeContext): void {
  ctx.set({ shape: ctx.input(0).shape, el: ctx.apply("sign", ctx.input(0).el, {}) });
}

function importMax(ctx: NodeContext): void {
  const parts = ctx.node.inputs.map((_, k) => ctx.input(k));
  const shape = parts.reduce<number[] | null>((s, p) => (s ? broadcastShape(s, p.shape) : null), parts[0]!.shape);
  if (!shape) throw ctx.unsupported("operand shapes do not broadcast.");
  const maps = parts.map((p) => broadcastMap(p.shape, shape));
  const els = Array.from({ length: size(shape) }, (_, f) => parts.map((p, k) => p.el[maps[k]![f]!]!));
  const args = els.flat();
  ctx.set({
    shape,
    el: ctx.apply(ctx.opType === "Max" ? "max" : "min", args, { groups: els.map((_, f) => parts.map((_, k) => f * parts.length + k)) }),
  });
}

function importFloor(ctx: NodeContext): void {
  ctx.set({ shape: ctx.input(0).shape, el: ctx.apply(ROUND[ctx.opType]!, ctx.input(0).el, {}) });
}

function importClip(ctx: NodeContext): void {
  const x = ctx.input(0);
  const lo = ctx.has(1) ? ctx.constIn(1, "min")[0]! : (ctx.attr("min")?.f ?? -Infinity);
  const hi = ctx.has(2) ? ctx.constIn(2, "max")[0]! : (ctx.attr("max")?.f ?? Infinity);
  ctx.set(ctx.unaryFn(x, "clip", { min: lo, max: hi }));
}

export const HANDLERS: OpHandler[] = [
  { types: ["Add", "Sub"], since: 6, import: importAdd },
  { types: ["Sum", "Mean"], since: 6, import: importSum },
  { types: ["Neg"], since: 6, import: importNeg },
  { types: ["Mul"], since: 6, import: importMul },
  { types: ["Div"], since: 6, import: importDiv },
  { types: ["Mod"], since: 10, import: importMod },
  { types: ["BitShift"], since: 11, import: importBitShift },
  { types: ["Reciprocal"], since: 6, import: importReciprocal },
  { types: ["Pow"], since: 6, import: importPow },
  { types: ["Sign"], since: 9, import: importSign },
  { types: ["Max", "Min"], since: 6, import: importMax },
  { types: ["Floor", "Ceil"], since: 6, import: importFloor },
  { types: ["Round"], since: 11, import: importFloor },
  { types: ["Clip"], since: 6, import: importClip },
];
