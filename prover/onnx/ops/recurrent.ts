/**
 * Recurrent layers unrolled over the static sequence length.
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { combine, cst, isConstLin, type Lin } from "./lin.js";
import { append } from "../../graph/util.js";

function importLSTM(ctx: NodeContext): void {
  // Unrolled over the static sequence length: per step the gates are affine in x_t and
  // h_{t-1} (constant weights: free), then sigmoid/tanh (piecewise linear) and products.
  const x = ctx.input(0);
  const W = ctx.constIn(1, "W");
  const R = ctx.constIn(2, "R");
  const H = ctx.attrI("hidden_size", ctx.input(2).shape.at(-1)!);
  const dir = ctx.attr("direction")?.s ?? "forward";
  if (dir !== "forward") throw ctx.unsupported(`direction ${dir} (forward is compiled).`);
  const acts = ctx.attr("activations")?.strings;
  if (acts && acts.join() !== "Sigmoid,Tanh,Tanh") throw ctx.unsupported(`activations ${acts.join(", ")} (the default Sigmoid, Tanh, Tanh is compiled).`);
  if (ctx.attr("clip")) throw ctx.unsupported("cell clipping.");
  if (ctx.attrI("input_forget", 0)) throw ctx.unsupported("input_forget = 1.");
  if (ctx.attrI("layout", 0)) throw ctx.unsupported("layout = 1.");
  if (ctx.has(4)) throw ctx.unsupported("sequence_lens (every sequence has the static length).");
  if (ctx.has(7)) throw ctx.unsupported("peepholes.");
  const [T, Bt, I] = x.shape as [number, number, number];
  if (Bt !== 1) throw ctx.unsupported(`batch ${Bt}; one example is compiled.`);
  const B = ctx.has(3) ? ctx.constIn(3, "B") : new Array(8 * H).fill(0);
  let h: Lin[] = ctx.has(5) ? ctx.input(5).el.slice(0, H) : new Array(H).fill(0).map(() => cst(0));
  let c: Lin[] = ctx.has(6) ? ctx.input(6).el.slice(0, H) : new Array(H).fill(0).map(() => cst(0));
  const Y: Lin[] = [];
  for (let t = 0; t < T; t++) {
    const xt = x.el.slice(t * I, (t + 1) * I);
    // Gate g (0 i, 1 o, 2 f, 3 c), unit j: W[g*H + j] . x_t + R[g*H + j] . h + Wb + Rb.
    const gate = (g: number) =>
      Array.from({ length: H }, (_, j) => {
        const row = g * H + j;
        return combine(
          [...xt, ...h],
          [...Array.from({ length: I }, (_, k) => W[row * I + k]!), ...Array.from({ length: H }, (_, k) => R[row * H + k]!)],
          B[row]! + B[4 * H + row]!,
        );
      });
    const [gi, go, gf, gc] = [0, 1, 2, 3].map(gate) as [Lin[], Lin[], Lin[], Lin[]];
    const sig = ctx.apply("fn", [...gi, ...go, ...gf], { fn: "sigmoid" });
    const it = sig.slice(0, H);
    const ot = sig.slice(H, 2 * H);
    const ft = sig.slice(2 * H);
    const ct = ctx.apply("fn", gc, { fn: "tanh" });
    const prods = ctx.apply("mul", [...ft.flatMap((f, j) => [f, c[j]!]), ...it.flatMap((i, j) => [i, ct[j]!])], {});
    c = Array.from({ length: H }, (_, j) => combine([prods[j]!, prods[H + j]!], [1, 1]));
    const tc = ctx.apply("fn", c, { fn: "tanh" });
    h = ctx.apply(
      "mul",
      ot.flatMap((o, j) => [o, tc[j]!]),
      {},
    );
    append(Y, h);
  }
  ctx.set({ shape: [T, 1, 1, H], el: Y }, 0);
  if (ctx.node.outputs[1]) ctx.set({ shape: [1, 1, H], el: h }, 1);
  if (ctx.node.outputs[2]) ctx.set({ shape: [1, 1, H], el: c }, 2);
}

function importGRU(ctx: NodeContext): void {
  // Unrolled over the static sequence length, each direction on its own: per step the gates
  // are affine in x_t and h_{t-1} (constant weights: free), then the activations (piecewise
  // linear) and the products. GRU (gates z, r, h):
  //   z = f(Wz x + Rz h + bz), r = f(Wr x + Rr h + br),
  //   n = g(Wh x + Rh (r * h) + Rbh + Wbh)          (linear_before_reset = 0)
  //   n = g(Wh x + r * (Rh h + Rbh) + Wbh)          (linear_before_reset = 1, PyTorch's export)
  //   h' = (1 - z) * n + z * h = n + z * (h - n)     (one product per unit)
  // RNN: h' = f(Wi x + Ri h + Wbi + Rbi).
  const gru = ctx.opType === "GRU";
  const G = gru ? 3 : 1;
  const x = ctx.input(0);
  const W = ctx.constIn(1, "W");
  const R = ctx.constIn(2, "R");
  const H = ctx.attrI("hidden_size", ctx.input(2).shape.at(-1)!);
  const dir = ctx.attr("direction")?.s ?? "forward";
  const dirs = dir === "bidirectional" ? [false, true] : dir === "reverse" ? [true] : dir === "forward" ? [false] : null;
  if (!dirs) throw ctx.unsupported(`direction ${dir}.`);
  const ACT: Record<string, string> = { Sigmoid: "sigmoid", Tanh: "tanh", Relu: "relu" };
  const dflt = gru ? ["Sigmoid", "Tanh"] : ["Tanh"];
  const acts = ctx.attr("activations")?.strings ?? dirs.flatMap(() => dflt);
  if (acts.length !== dflt.length * dirs.length || acts.some((a) => !ACT[a]))
    throw ctx.unsupported(`activations ${acts.join(", ")} (Sigmoid, Tanh and Relu are compiled, ${dflt.length} per direction).`);
  if (ctx.attr("activation_alpha") || ctx.attr("activation_beta")) throw ctx.unsupported("activation_alpha / activation_beta.");
  if (ctx.attr("clip")) throw ctx.unsupported("cell clipping.");
  if (ctx.attrI("layout", 0)) throw ctx.unsupported("layout = 1.");
  if (ctx.has(4)) throw ctx.unsupported("sequence_lens (every sequence has the static length).");
  const lbr = ctx.attrI("linear_before_reset", 0) !== 0;
  if (x.shape.length !== 3) throw ctx.unsupported(`input shape [${x.shape}]; [seq_length, batch, input_size] is compiled.`);
  const [T, Bt, I] = x.shape as [number, number, number];
  if (Bt !== 1) throw ctx.unsupported(`batch ${Bt}; one example is compiled.`);
  const B = ctx.has(3) ? ctx.constIn(3, "B") : new Array(dirs.length * 2 * G * H).fill(0);
  const h0 = ctx.has(5) ? ctx.input(5).el : undefined;
  const Y: Lin[][] = Array.from({ length: T }, () => []);
  const last: Lin[] = [];
  /** Products of pairs; a constant factor scales the other one instead (no constraint). */
  const times = (pairs: [Lin, Lin][]): Lin[] => {
    const data = pairs.flatMap(([a, b], i) => (isConstLin(a) || isConstLin(b) ? [] : [i]));
    const prods = data.length
      ? ctx.apply(
          "mul",
          data.flatMap((i) => pairs[i]!),
          {},
        )
      : [];
    const out = pairs.map(([a, b]) => (isConstLin(a) ? combine([b], [a.c]) : isConstLin(b) ? combine([a], [b.c]) : cst(0)));
    data.forEach((i, j) => (out[i] = prods[j]!));
    return out;
  };
  dirs.forEach((reverse, d) => {
    const w = (row: number, k: number) => W[(d * G * H + row) * I + k]!;
    const r = (row: number, k: number) => R[(d * G * H + row) * H + k]!;
    const wb = (row: number) => B[d * 2 * G * H + row]!;
    const rb = (row: number) => B[d * 2 * G * H + G * H + row]!;
    const [f, g] = [ACT[acts[d * dflt.length]!]!, ACT[acts[d * dflt.length + dflt.length - 1]!]!];
    let h: Lin[] = h0 ? h0.slice(d * H, (d + 1) * H) : Array.from({ length: H }, () => cst(0));
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const xt = x.el.slice(t * I, (t + 1) * I);
      // W_row . x_t (+ R_row . hv when hv is given) + bias.
      const pre = (row: number, hv: Lin[] | null, bias: number) =>
        combine(
          [...xt, ...(hv ?? [])],
          [...Array.from({ length: I }, (_, k) => w(row, k)), ...(hv ? Array.from({ length: H }, (_, k) => r(row, k)) : [])],
          bias,
        );
      if (!gru) {
        h = ctx.apply(
          "fn",
          Array.from({ length: H }, (_, j) => pre(j, h, wb(j) + rb(j))),
          { fn: f },
        );
      } else {
        const zr = ctx.apply(
          "fn",
          Array.from({ length: 2 * H }, (_, j) => pre(j, h, wb(j) + rb(j))),
          { fn: f },
        );
        const z = zr.slice(0, H);
        const rg = zr.slice(H);
        let nPre: Lin[];
        if (lbr) {
          const rh = Array.from({ length: H }, (_, j) =>
            combine(
              h,
              Array.from({ length: H }, (_, k) => r(2 * H + j, k)),
              rb(2 * H + j),
            ),
          );
          const gated = times(rg.map((a, j) => [a, rh[j]!]));
          nPre = Array.from({ length: H }, (_, j) => combine([pre(2 * H + j, null, wb(2 * H + j)), gated[j]!], [1, 1]));
        } else {
          const rhv = times(rg.map((a, j) => [a, h[j]!]));
          nPre = Array.from({ length: H }, (_, j) => pre(2 * H + j, rhv, wb(2 * H + j) + rb(2 * H + j)));
        }
        const n = ctx.apply("fn", nPre, { fn: g });
        const zd = times(z.map((a, j) => [a, combine([h[j]!, n[j]!], [1, -1])]));
        h = n.map((v, j) => combine([v, zd[j]!], [1, 1]));
      }
      Y[t]!.push(...h);
    }
    append(last, h);
  });
  ctx.set({ shape: [T, dirs.length, 1, H], el: Y.flat() }, 0);
  if (ctx.node.outputs[1]) ctx.set({ shape: [dirs.length, 1, H], el: last }, 1);
}

export const HANDLERS: OpHandler[] = [
  { types: ["LSTM"], since: 6, import: importLSTM },
  { types: ["GRU", "RNN"], since: 6, import: importGRU },
];
