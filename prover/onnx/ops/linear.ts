/**
 * Matrix products and BatchNormalization (affine with constant weights).
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { importLayerNormalization } from "./normalization.js";
import { broadcastMap, combine, cst, isConst, type Lin, type TV } from "./lin.js";
import { size } from "../shapes.js";

/** ONNX MatMul (NumPy matmul): batch dimensions broadcast; a 1-D operand gains and loses an axis. */
export function matmul(ctx: NodeContext, a: TV, b: TV): TV {
  const A = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const B = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const [M, K] = A.slice(-2) as [number, number];
  const [K2, N] = B.slice(-2) as [number, number];
  if (K !== K2) throw ctx.unsupported(`inner dimensions differ: [${a.shape}] x [${b.shape}].`);
  const batch = ctx.broadcast(A.slice(0, -2), B.slice(0, -2));
  const ba = broadcastMap(A.slice(0, -2), batch);
  const bb = broadcastMap(B.slice(0, -2), batch);
  const aConst = isConst(a);
  const bConst = isConst(b);
  const el: Lin[] = [];
  const pairs: Lin[] = [];
  const slots: [number, number][] = []; // output element -> [first pair, count]
  for (let bi = 0; bi < size(batch); bi++) {
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        const as = Array.from({ length: K }, (_, k) => a.el[ba[bi]! * M * K + m * K + k]!);
        const bs = Array.from({ length: K }, (_, k) => b.el[bb[bi]! * K * N + k * N + n]!);
        if (bConst)
          el.push(
            combine(
              as,
              bs.map((l) => l.c),
            ),
          );
        else if (aConst)
          el.push(
            combine(
              bs,
              as.map((l) => l.c),
            ),
          );
        else {
          slots.push([pairs.length, K]);
          for (let k = 0; k < K; k++) pairs.push(as[k]!, bs[k]!);
          el.push(cst(0));
        }
      }
    }
  }
  if (!aConst && !bConst) {
    const prods = ctx.apply("mul", pairs);
    slots.forEach(([first, count], i) => (el[i] = combine(prods.slice(first / 2, first / 2 + count), new Array(count).fill(1))));
  }
  let shape = [...batch, M, N];
  if (a.shape.length === 1) shape = shape.filter((_, k) => k !== shape.length - 2);
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, el };
}

function importMatMul(ctx: NodeContext): void {
  ctx.set(matmul(ctx, ctx.input(0), ctx.input(1)));
}

function importGemm(ctx: NodeContext): void {
  let a = ctx.input(0);
  let b = ctx.input(1);
  const tr = (v: TV): TV => {
    const [R, C] = v.shape as [number, number];
    return ctx.gatherBy(
      v,
      [C, R],
      Array.from({ length: R * C }, (_, f) => (f % R) * C + Math.floor(f / R)),
    );
  };
  if (ctx.attrI("transA", 0)) a = tr(a);
  if (ctx.attrI("transB", 0)) b = tr(b);
  const alpha = ctx.attrF("alpha", 1);
  const beta = ctx.attrF("beta", 1);
  let y = matmul(ctx, a, b);
  if (alpha !== 1) y = { shape: y.shape, el: y.el.map((l) => combine([l], [alpha])) };
  if (ctx.has(2)) {
    const c = ctx.input(2);
    y = ctx.binary(y, c, (p, q) => combine([p, q], [1, beta]));
  }
  ctx.set(y);
}

function importBatchNormalization(ctx: NodeContext): void {
  // Training mode (opset 14+): normalised by the batch's own statistics (./normalization.ts).
  if (ctx.opset >= 14 && ctx.attrI("training_mode", 0)) return importLayerNormalization(ctx);
  const x = ctx.input(0);
  const [scale, shift, mean, variance] = [1, 2, 3, 4].map((k) => ctx.constIn(k, ["scale", "bias", "mean", "variance"][k - 1]!));
  const eps = ctx.attrF("epsilon", 1e-5);
  const C = x.shape[1] ?? 1;
  const inner = size(x.shape.slice(2));
  ctx.set({
    shape: x.shape,
    el: x.el.map((l, i) => {
      const c = Math.floor(i / inner) % C;
      const g = scale![c]! / Math.sqrt(variance![c]! + eps);
      return combine([l], [g], shift![c]! - mean![c]! * g);
    }),
  });
}

export const HANDLERS: OpHandler[] = [
  { types: ["MatMul"], since: 6, import: importMatMul },
  { types: ["Gemm"], since: 6, import: importGemm },
  { types: ["BatchNormalization"], since: 6, import: importBatchNormalization },
];
