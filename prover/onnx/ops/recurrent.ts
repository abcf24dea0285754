/**
 * Recurrent layers unrolled over the static sequence length.
 */
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";
import { combine, cst, isConstLin, type Lin } from "./lin.js";

/**
 * Where each (time, batch, direction) slice lives: layout 0 is X [T, B, I], Y [T, D, B, H],
 * Y_h/Y_c and the initial states [D, B, H]; layout 1 is X [B, T, I], Y [B, T, D, H], states
 * [B, D, H]. A batch above 1 is just another dimension: each example runs its own recurrence.
 */
function recurrentLayout(ctx: NodeContext, D: number, H: number) {
  const x = ctx.input(0);
  const layout = ctx.attrI("layout", 0);
  if (layout !== 0 && layout !== 1) throw ctx.unsupported(`layout = ${layout}.`);
  if (x.shape.length !== 3) throw ctx.unsupported(`input shape [${x.shape}]; a rank-3 input is compiled.`);
  const [T, Bt, I] = (layout === 0 ? x.shape : [x.shape[1], x.shape[0], x.shape[2]]) as [number, number, number];
  if (ctx.has(4)) {
    // sequence_lens: compiled when every sequence has the static length (no padding to mask).
    const lens = ctx.constIn(4, "sequence_lens");
    if (lens.some((l) => l !== T)) throw ctx.unsupported(`sequence_lens [${lens}] other than the static length ${T} (padded sequences are not compiled).`);
  }
  const xAt = (t: number, b: number): Lin[] => {
    const at = layout === 0 ? t * Bt + b : b * T + t;
    return x.el.slice(at * I, (at + 1) * I);
  };
  const state = (k: number, d: number, b: number): Lin[] | undefined => {
    if (!ctx.has(k)) return undefined;
    const at = layout === 0 ? d * Bt + b : b * D + d;
    return ctx.input(k).el.slice(at * H, (at + 1) * H);
  };
  const Y: Lin[] = new Array<Lin>(T * D * Bt * H);
  const putY = (t: number, d: number, b: number, h: readonly Lin[]) => {
    const at = layout === 0 ? (t * D + d) * Bt + b : (b * T + t) * D + d;
    h.forEach((v, j) => (Y[at * H + j] = v));
  };
  const last: Lin[][] = [];
  const putLast = (k: number, d: number, b: number, h: readonly Lin[]) => {
    const arr = (last[k] ??= new Array<Lin>(D * Bt * H));
    const at = layout === 0 ? d * Bt + b : b * D + d;
    h.forEach((v, j) => (arr[at * H + j] = v));
  };
  const finish = () => {
    ctx.set({ shape: layout === 0 ? [T, D, Bt, H] : [Bt, T, D, H], el: Y }, 0);
    for (let k = 1; k < ctx.node.outputs.length; k++) if (last[k]) ctx.set({ shape: layout === 0 ? [D, Bt, H] : [Bt, D, H], el: last[k]! }, k);
  };
  return { T, Bt, I, xAt, state, putY, putLast, finish };
}

function importLSTM(ctx: NodeContext): void {
  // Unrolled over the static sequence length: per step the gates are affine in x_t and
  // h_{t-1} (constant weights: free), then sigmoid/tanh (piecewise linear) and products.
  // Peepholes P (constant) multiply the cell state: P (.) c is affine, free.
  const W = ctx.constIn(1, "W");
  const R = ctx.constIn(2, "R");
  const H = ctx.attrI("hidden_size", ctx.input(2).shape.at(-1)!);
  const dir = ctx.attr("direction")?.s ?? "forward";
  if (dir !== "forward") throw ctx.unsupported(`direction ${dir} (forward is compiled).`);
  const acts = ctx.attr("activations")?.strings;
  if (acts && acts.join() !== "Sigmoid,Tanh,Tanh") throw ctx.unsupported(`activations ${acts.join(", ")} (the default Sigmoid, Tanh, Tanh is compiled).`);
  if (ctx.attr("clip")) throw ctx.unsupported("cell clipping.");
  if (ctx.attrI("input_forget", 0)) throw ctx.unsupported("input_forget = 1.");
  const L = recurrentLayout(ctx, 1, H);
  const { T, Bt, I } = L;
  const B = ctx.has(3) ? ctx.constIn(3, "B") : new Array(8 * H).fill(0);
  const P = ctx.has(7) ? ctx.constIn(7, "P") : new Array(3 * H).fill(0);
  const zeros = () => Array.from({ length: H }, () => cst(0));
  for (let b = 0; b < Bt; b++) {
    let h: Lin[] = L.state(5, 0, b) ?? zeros();
    let c: Lin[] = L.state(6, 0, b) ?? zeros();
    for (let t = 0; t < T; t++) {
      const xt = L.xAt(t, b);
      // Gate g (0 i, 1 o, 2 f, 3 c), unit j: W[g*H + j] . x_t + R[g*H + j] . h + Wb + Rb
      // (+ P[j] c_{t-1}[j] for i, P[2H + j] c_{t-1}[j] for f).
      const gate = (g: number, peep?: number) =>
        Array.from({ length: H }, (_, j) => {
          const row = g * H + j;
          const cj = peep === undefined ? [] : [c[j]!];
          return combine(
            [...xt, ...h, ...cj],
            [
              ...Array.from({ length: I }, (_, k) => W[row * I + k]!),
              ...Array.from({ length: H }, (_, k) => R[row * H + k]!),
              ...(peep === undefined ? [] : [P[peep * H + j]!]),
            ],
            B[row]! + B[4 * H + row]!,
          );
        });
      const gi = gate(0, 0);
      const gf = gate(2, 2);
      const gc = gate(3);
      const sig = ctx.apply("fn", [...gi, ...gf], { fn: "sigmoid" });
      const it = sig.slice(0, H);
      const ft = sig.slice(H);
      const ct = ctx.apply("fn", gc, { fn: "tanh" });
      const prods = ctx.apply("mul", [...ft.flatMap((f, j) => [f, c[j]!]), ...it.flatMap((i, j) => [i, ct[j]!])], {});
      c = Array.from({ length: H }, (_, j) => combine([prods[j]!, prods[H + j]!], [1, 1]));
      // The output gate's peephole reads the new cell state.
      const goPre = gate(1).map((l, j) => (P[H + j] ? combine([l, c[j]!], [1, P[H + j]!]) : l));
      const ot = ctx.apply("fn", goPre, { fn: "sigmoid" });
      const tc = ctx.apply("fn", c, { fn: "tanh" });
      h = ctx.apply(
        "mul",
        ot.flatMap((o, j) => [o, tc[j]!]),
        {},
      );
      L.putY(t, 0, b, h);
    }
    L.putLast(1, 0, b, h);
    L.putLast(2, 0, b, c);
  }
  L.finish();
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
  const lbr = ctx.attrI("linear_before_reset", 0) !== 0;
  const L = recurrentLayout(ctx, dirs.length, H);
  const { T, Bt, I } = L;
  const B = ctx.has(3) ? ctx.constIn(3, "B") : new Array(dirs.length * 2 * G * H).fill(0);
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
  for (let b = 0; b < Bt; b++)
    dirs.forEach((reverse, d) => {
      const w = (row: number, k: number) => W[(d * G * H + row) * I + k]!;
      const r = (row: number, k: number) => R[(d * G * H + row) * H + k]!;
      const wb = (row: number) => B[d * 2 * G * H + row]!;
      const rb = (row: number) => B[d * 2 * G * H + G * H + row]!;
      const [f, g] = [ACT[acts[d * dflt.length]!]!, ACT[acts[d * dflt.length + dflt.length - 1]!]!];
      let h: Lin[] = L.state(5, d, b) ?? Array.from({ length: H }, () => cst(0));
      for (let s = 0; s < T; s++) {
        const t = reverse ? T - 1 - s : s;
        const xt = L.xAt(t, b);
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
        L.putY(t, d, b, h);
      }
      L.putLast(1, d, b, h);
    });
  L.finish();
}

export const HANDLERS: OpHandler[] = [
  { types: ["LSTM"], since: 6, import: importLSTM },
  { types: ["GRU", "RNN"], since: 6, import: importGRU },
];
