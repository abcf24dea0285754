/**
 * ONNX graph -> one tensor-graph layer (prover/graph). Every tensor is tracked per element as an
 * AFFINE expression over tape values (the graph's inputs and the outputs of non-linear nodes):
 * sum_k w_k * tape[t_k] + c. Linear operators (Gemm/MatMul/Conv/ConvTranspose with a constant
 * operand, BatchNorm, Add/Sub, Mul/Div by constants, pooling averages, ReduceSum/Mean...) compose
 * these expressions in float, so they cost nothing and fold across any number of paths (fan-out,
 * residual connections). Data movement (Reshape, Transpose, Slice, Concat, Split, Gather with
 * constant indices, Expand, Tile, Pad, Resize nearest, Trilu...) only moves expressions. Shape
 * arithmetic (Shape, ConstantOfShape, Range, Size...) folds to constants: an expression with no
 * terms is a constant, and a non-linear op on constants is evaluated at import time.
 *
 * A non-linear operator materialises its inputs (one affine node for all the expressions that are
 * not already a tape value) and appends a node of its family. Every operator the graph uses that
 * this importer does not compile is reported in ONE error, with its nodes.
 */
import { size, squeezeShape, strides, transposeOrder } from "./shapes.js";
import { OnnxImportError, UnsupportedOperatorError } from "../errors.js";
import type { FloatNode, GraphSpec } from "../graph/types.js";
import { FUNCTIONS } from "../graph/functions.js";
import { familyOf } from "../graph/registry.js";
import { topk, topkSchedule } from "../graph/families/topk.js";
import type { AffineParams } from "../graph/families/affine.js";
import { fn } from "../graph/families/fn.js";
import { maxmin } from "../graph/families/maxmin.js";
import { append } from "../graph/util.js";
import type { ImportedNetwork } from "./import.js";
import { parseOnnx, type OnnxGraph, type OnnxNode, type Tensor } from "./graph.js";

/** sum_k w[k] * tape[t[k]] + c */
interface Lin {
  t: number[];
  w: number[];
  c: number;
}

interface TV {
  shape: number[];
  el: Lin[];
  /** Every element is a proven bit (a comparison or logic output), usable by logic ops. */
  bits?: boolean;
  /** An ONNX integer tensor: Div on it truncates toward zero. */
  int?: boolean;
}

/** TensorProto integer types (uint8 int8 uint16 int16 int32 int64 uint32 uint64). */
const INT_TYPES = new Set([2, 3, 4, 5, 6, 7, 12, 13]);

const cst = (c: number): Lin => ({ t: [], w: [], c });
const isConstLin = (l: Lin) => l.t.length === 0;
const isConst = (v: TV) => v.el.every(isConstLin);
const unit = (i: number): Lin => ({ t: [i], w: [1], c: 0 });

/** sum_j coefs[j] * lins[j] + c0. */
function combine(lins: readonly Lin[], coefs: readonly number[], c0 = 0): Lin {
  if (lins.length === 1 && c0 === 0) {
    const a = lins[0]!;
    const k = coefs[0]!;
    if (k === 1) return a;
    return { t: k === 0 ? [] : a.t, w: k === 0 ? [] : a.w.map((w) => w * k), c: a.c * k };
  }
  const acc = new Map<number, number>();
  let c = c0;
  lins.forEach((l, j) => {
    const k = coefs[j]!;
    if (k === 0) return;
    c += k * l.c;
    for (let i = 0; i < l.t.length; i++) acc.set(l.t[i]!, (acc.get(l.t[i]!) ?? 0) + k * l.w[i]!);
  });
  const t: number[] = [];
  const w: number[] = [];
  for (const [ti, wi] of acc) {
    if (wi !== 0) {
      t.push(ti);
      w.push(wi);
    }
  }
  return { t, w, c };
}

/** For each flat index of `out`, the flat index in a tensor of `shape` broadcast to it (NumPy rules). */
function broadcastMap(shape: readonly number[], out: readonly number[]): number[] {
  const aligned = [...new Array(out.length - shape.length).fill(1), ...shape];
  const ts = strides(aligned);
  const os = strides(out);
  return Array.from({ length: size(out) }, (_, flat) => {
    let idx = 0;
    for (let k = 0; k < out.length; k++) if (aligned[k] !== 1) idx += (Math.floor(flat / os[k]!) % out[k]!) * ts[k]!;
    return idx;
  });
}

function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const x = a[a.length - n + k] ?? 1;
    const y = b[b.length - n + k] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(Math.max(x, y));
  }
  return out;
}

/** Element-wise ONNX functions compiled by the piecewise-linear family, with their parameters. */
const UNARY_FN: Record<string, (n: OnnxNode) => { fn: string; params?: Record<string, number> }> = {
  Sigmoid: () => ({ fn: "sigmoid" }),
  Tanh: () => ({ fn: "tanh" }),
  Exp: () => ({ fn: "exp" }),
  Log: () => ({ fn: "log" }),
  Sqrt: () => ({ fn: "sqrt" }),
  Erf: () => ({ fn: "erf" }),
  Softplus: () => ({ fn: "softplus" }),
  Softsign: () => ({ fn: "softsign" }),
  Mish: () => ({ fn: "mish" }),
  Sin: () => ({ fn: "sin" }),
  Cos: () => ({ fn: "cos" }),
  Tan: () => ({ fn: "tan" }),
  Asin: () => ({ fn: "asin" }),
  Acos: () => ({ fn: "acos" }),
  Atan: () => ({ fn: "atan" }),
  Relu: () => ({ fn: "relu" }),
  Abs: () => ({ fn: "abs" }),
  HardSwish: () => ({ fn: "hard_swish" }),
  Elu: (n) => ({ fn: "elu", params: { alpha: n.attributes.get("alpha")?.f ?? 1 } }),
  Celu: (n) => ({ fn: "celu", params: { alpha: n.attributes.get("alpha")?.f ?? 1 } }),
  Selu: (n) => ({
    fn: "selu",
    params: { alpha: n.attributes.get("alpha")?.f ?? 1.6732632423543772, gamma: n.attributes.get("gamma")?.f ?? 1.0507009873554805 },
  }),
  HardSigmoid: (n) => ({ fn: "hard_sigmoid", params: { alpha: n.attributes.get("alpha")?.f ?? 0.2, beta: n.attributes.get("beta")?.f ?? 0.5 } }),
  LeakyRelu: (n) => ({ fn: "leaky_relu", params: { alpha: n.attributes.get("alpha")?.f ?? 0.01 } }),
  Gelu: (n) => ({ fn: n.attributes.get("approximate")?.s === "tanh" ? "gelu_tanh" : "gelu" }),
};

const COMPARE: Record<string, string> = { Less: "less", LessOrEqual: "lessEq", Greater: "greater", GreaterOrEqual: "greaterEq", Equal: "equal" };
const LOGIC: Record<string, string> = { And: "and", Or: "or", Xor: "xor" };
const ROUND: Record<string, string> = { Floor: "floor", Ceil: "ceil", Round: "round" };
const REDUCE = new Set(["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"]);

/** Operators this importer compiles (for messages and the README). */
export const GRAPH_OPERATORS = [
  ...Object.keys(UNARY_FN),
  ...Object.keys(COMPARE),
  ...Object.keys(LOGIC),
  ...Object.keys(ROUND),
  ...REDUCE,
  "Constant",
  "Identity",
  "Dropout",
  "Cast",
  "Flatten",
  "Reshape",
  "Squeeze",
  "Unsqueeze",
  "Transpose",
  "Gather",
  "GatherElements",
  "GatherND",
  "ScatterElements",
  "ScatterND",
  "Slice",
  "Concat",
  "Split",
  "Expand",
  "Tile",
  "Pad",
  "Shape",
  "Size",
  "ConstantOfShape",
  "Range",
  "Trilu",
  "Resize",
  "Upsample",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Neg",
  "Pow",
  "Reciprocal",
  "Sign",
  "Not",
  "Where",
  "Max",
  "Min",
  "Sum",
  "Mean",
  "MatMul",
  "Gemm",
  "Conv",
  "ConvTranspose",
  "BatchNormalization",
  "AveragePool",
  "GlobalAveragePool",
  "MaxPool",
  "GlobalMaxPool",
  "PRelu",
  "Clip",
  "ArgMax",
  "ArgMin",
  "Softmax",
  "LogSoftmax",
  "LayerNormalization",
  "InstanceNormalization",
  "OneHot",
  "EyeLike",
  "NonZero",
  "LpNormalization",
  "LSTM",
  "GRU",
  "RNN",
  "TopK",
  "Mod",
  "BitShift",
] as const;

const HINTS: Record<string, string> = {
  Einsum: "export the contraction as MatMul/Transpose (torch.matmul instead of torch.einsum).",
  Loop: "control flow is not compiled; export with the loop unrolled (a static trip count).",
  If: "control flow is not compiled; export both branches and a Where.",
};

export function importOnnxGraph(bytes: Uint8Array, source = "model.onnx"): ImportedNetwork {
  return importGraphIR(parseOnnx(bytes, source), source);
}

export function importGraphIR(graph: OnnxGraph, source: string): ImportedNetwork {
  // Every unsupported operator, with its nodes, in one message.
  const known = new Set<string>(GRAPH_OPERATORS);
  const bad = new Map<string, string[]>();
  for (const n of graph.nodes) {
    if (!known.has(n.opType) || (n.domain && n.domain !== "ai.onnx")) bad.set(n.opType, [...(bad.get(n.opType) ?? []), n.name]);
  }
  if (bad.size) {
    const parts = [...bad].map(
      ([op, nodes]) =>
        `${op} (node${nodes.length > 1 ? "s" : ""} ${nodes
          .slice(0, 5)
          .map((x) => `"${x}"`)
          .join(", ")}${nodes.length > 5 ? `, and ${nodes.length - 5} more` : ""})${HINTS[op] ? `: ${HINTS[op]}` : ""}`,
    );
    const first = [...bad][0]!;
    throw new UnsupportedOperatorError(
      first[0],
      first[1][0]!,
      `the model uses ${bad.size} operator${bad.size > 1 ? "s" : ""} zkinfer does not compile: ${parts.join("; ")}.`,
    );
  }
  if (graph.inputs.length === 0) throw new OnnxImportError(`${source} has no input tensor: its output is a constant, there is nothing to prove.`);

  const nodes: FloatNode[] = [];
  const values = new Map<string, TV>();
  let tape = 0;
  for (const inp of graph.inputs) {
    const n = size(inp.shape);
    values.set(inp.name, { shape: inp.shape, el: Array.from({ length: n }, (_, i) => unit(tape + i)), int: INT_TYPES.has(inp.elemType ?? 1) });
    tape += n;
  }
  const inputSize = tape;
  for (const [name, t] of graph.constants) values.set(name, { shape: t.dims, el: t.data.map(cst) });
  const operators: string[] = [];
  const cache = new Map<Lin, number>();
  /** Structural cache of short expressions: a tensor tiled or broadcast into copies is computed once. */
  const byKey = new Map<string, number>();
  const linKey = (l: Lin) => `${l.t.join(",")}|${l.w.join(",")}|${l.c}`;
  let running = 0;

  /** Tape indexes of the expressions (one affine node for those not already tape values). */
  const materialize = (lins: readonly Lin[], name?: string): number[] => {
    const out = new Array<number>(lins.length);
    const pending: number[] = [];
    const fresh = new Map<string, number>(); // same expression twice in this batch: one row
    const dup: [number, number][] = [];
    lins.forEach((l, i) => {
      const hit = cache.get(l) ?? (l.t.length <= 4096 ? byKey.get(linKey(l)) : undefined);
      if (hit !== undefined) out[i] = hit;
      else if (l.t.length === 1 && l.w[0] === 1 && l.c === 0) out[i] = l.t[0]!;
      else {
        const k = l.t.length <= 4096 ? linKey(l) : undefined;
        const seen = k === undefined ? undefined : fresh.get(k);
        if (seen !== undefined) dup.push([i, seen]);
        else {
          if (k !== undefined) fresh.set(k, i);
          pending.push(i);
        }
      }
    });
    if (pending.length) {
      const args = new Map<number, number>();
      const rows = pending.map((i) => {
        const l = lins[i]!;
        const p = l.t.map((t) => {
          let k = args.get(t);
          if (k === undefined) args.set(t, (k = args.size));
          return k;
        });
        return { p, w: [...l.w], b: l.c };
      });
      // Identical expressions (fan-out of one tensor) share a row.
      const first = tape;
      const node: FloatNode<AffineParams> = { op: "affine", args: [...args.keys()], rows, ...(name ? { name } : {}) };
      nodes.push(node);
      tape += rows.length;
      pending.forEach((i, r) => {
        out[i] = first + r;
        cache.set(lins[i]!, first + r);
        if (lins[i]!.t.length <= 4096) byKey.set(linKey(lins[i]!), first + r);
      });
    }
    for (const [i, j] of dup) out[i] = out[j]!;
    return out;
  };

  /** Appends a family node (or folds it when every argument is constant); returns its outputs. */
  const apply = (op: string, argLins: readonly Lin[], params: Record<string, unknown>, name: string): Lin[] => {
    if (argLins.every(isConstLin)) {
      const node: FloatNode = { op, args: argLins.map((_, i) => i), ...params };
      return familyOf(op)
        .evalFloat(
          node,
          argLins.map((l) => l.c),
        )
        .map(cst);
    }
    const args = materialize(argLins, name);
    if (op === "fn") {
      // Element-wise: the same value twice (a tiled or expanded tensor) is computed once.
      const uniq = [...new Set(args)];
      if (uniq.length < args.length) {
        const outs = apply(op, uniq.map(unit), params, name);
        const at = new Map(uniq.map((a, k) => [a, k]));
        return args.map((a) => outs[at.get(a)!]!);
      }
    }
    const node: FloatNode = { op, args, name, ...params };
    const n = familyOf(op).validate(node, tape);
    nodes.push(node);
    // Refuse as soon as the running estimate passes the limit, not after importing everything.
    running += estimateGraphConstraints([node], 0);
    if (running + inputSize * 80 > MAX_GRAPH_CONSTRAINTS) {
      throw new ModelTooLargeError(
        `${source} is too large for this machine: more than ${(running + inputSize * 80).toLocaleString("en-US")} constraints estimated once node "${name}" is added ` +
          `(limit ${MAX_GRAPH_CONSTRAINTS.toLocaleString("en-US")}, set ZKINFER_MAX_CONSTRAINTS to change it).`,
        running + inputSize * 80,
      );
    }
    const outs = Array.from({ length: n }, (_, i) => unit(tape + i));
    tape += n;
    return outs;
  };

  for (const node of graph.nodes) {
    operators.push(node.opType);
    const unsupported = (reason: string) => new UnsupportedOperatorError(node.opType, node.name, reason);
    const has = (k: number) => !!node.inputs[k];
    const input = (k: number): TV => {
      const name = node.inputs[k];
      const v = name ? values.get(name) : undefined;
      if (!v)
        throw new OnnxImportError(
          `${source}: node "${node.name}" (${node.opType}) reads ${name ? `"${name}", which no earlier node produces` : `a missing input ${k}`}.`,
        );
      return v;
    };
    const constIn = (k: number, what: string): number[] => {
      const v = input(k);
      if (!isConst(v)) throw unsupported(`its ${what} (input ${k}) depends on the model's input; zkinfer needs it constant.`);
      return v.el.map((l) => l.c);
    };
    const attr = node.attributes;
    const attrI = (name: string, dflt: number) => attr.get(name)?.i ?? dflt;
    const attrF = (name: string, dflt: number) => attr.get(name)?.f ?? dflt;
    const attrInts = (name: string) => attr.get(name)?.ints;
    const set = (v: TV, k = 0) => values.set(node.outputs[k]!, v);
    const normAxis = (a: number, rank: number) => {
      const r = a < 0 ? a + rank : a;
      if (r < 0 || r >= rank) throw unsupported(`axis ${a} is outside rank ${rank}.`);
      return r;
    };
    /** Element-wise binary op with broadcasting: f(lin_a, lin_b) per output element. */
    const binary = (a: TV, b: TV, f: (x: Lin, y: Lin, i: number) => Lin): TV => {
      const shape = broadcastShape(a.shape, b.shape);
      if (!shape) throw unsupported(`shapes [${a.shape}] and [${b.shape}] do not broadcast.`);
      const ia = broadcastMap(a.shape, shape);
      const ib = broadcastMap(b.shape, shape);
      return { shape, el: ia.map((x, i) => f(a.el[x]!, b.el[ib[i]!]!, i)) };
    };
    /** A family op over pairs of broadcast elements. */
    const pairwise = (a: TV, b: TV, op: string, params: Record<string, unknown> = {}): TV => {
      const shape = broadcastShape(a.shape, b.shape);
      if (!shape) throw unsupported(`shapes [${a.shape}] and [${b.shape}] do not broadcast.`);
      const ia = broadcastMap(a.shape, shape);
      const ib = broadcastMap(b.shape, shape);
      const args = ia.flatMap((x, i) => [a.el[x]!, b.el[ib[i]!]!]);
      return { shape, el: apply(op, args, params, node.name) };
    };
    const unaryFn = (x: TV, fn: string, params?: Record<string, number>): TV => ({
      shape: x.shape,
      el: apply("fn", x.el, { fn, ...(params ? { params } : {}) }, node.name),
    });
    const toBits = (x: TV): TV => (x.bits ? x : { shape: x.shape, el: apply("nonzero", x.el, {}, node.name), bits: true });
    const gatherBy = (x: TV, shape: number[], src: number[]): TV => ({ shape, el: src.map((i) => x.el[i]!), bits: x.bits });
    /**
     * Data-dependent indexing by one-hot selection: [idx == j] for j in 0..n-1 (one comparison each,
     * computed once per index value), then x[idx] = sum_j [idx == j] * x_j (a product per data
     * candidate, free for a constant one). An index outside 0..n-1 selects nothing (0).
     */
    const oneHots = new Map<Lin, Lin[]>();
    const oneHot = (idx: Lin, n: number): Lin[] => {
      let hot = oneHots.get(idx);
      if (!hot || hot.length !== n) {
        hot = apply("equal", Array.from({ length: n }, (_, j) => [idx, cst(j)]).flat(), {}, node.name);
        oneHots.set(idx, hot);
      }
      return hot;
    };
    const select = (hot: readonly Lin[], candidates: readonly Lin[]): Lin => {
      const terms: Lin[] = [];
      const coefs: number[] = [];
      const data: [Lin, Lin][] = [];
      candidates.forEach((c, j) => {
        if (!isConstLin(c)) data.push([hot[j]!, c]);
        else if (c.c !== 0) {
          terms.push(hot[j]!);
          coefs.push(c.c);
        }
      });
      const products = data.length ? apply("mul", data.flat(), {}, node.name) : [];
      return combine([...terms, ...products], [...coefs, ...products.map(() => 1)]);
    };
    /** The index tensor at input k when it depends on the model's input (else the constant path applies). */
    const dataIndices = (k: number): TV | undefined => (isConst(input(k)) ? undefined : input(k));
    /** Index maps for a reduction over `axes` (all when empty); groups of source flat indexes. */
    const reduceGroups = (shape: number[], axes: number[], keep: boolean) => {
      const ax = new Set(axes.length ? axes.map((a) => normAxis(a, shape.length)) : shape.map((_, k) => k));
      const outShape = shape.map((d, k) => (ax.has(k) ? 1 : d));
      const os = strides(outShape);
      const ins = strides(shape);
      const groups: number[][] = Array.from({ length: size(outShape) }, () => []);
      for (let flat = 0; flat < size(shape); flat++) {
        let o = 0;
        for (let k = 0; k < shape.length; k++) if (!ax.has(k)) o += (Math.floor(flat / ins[k]!) % shape[k]!) * os[k]!;
        groups[o]!.push(flat);
      }
      return { groups, shape: keep ? outShape : shape.filter((_, k) => !ax.has(k)) };
    };
    const maxGroups = (x: TV, groups: number[][], op: "max" | "min"): Lin[] => {
      const used = [...new Set(groups.flat())].sort((p, q) => p - q);
      const pos = new Map(used.map((u, i) => [u, i]));
      return apply(
        op,
        used.map((u) => x.el[u]!),
        { groups: groups.map((g) => g.map((i) => pos.get(i)!)) },
        node.name,
      );
    };
    const matmul = (a: TV, b: TV): TV => {
      const A = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
      const B = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
      const [M, K] = A.slice(-2) as [number, number];
      const [K2, N] = B.slice(-2) as [number, number];
      if (K !== K2) throw unsupported(`inner dimensions differ: [${a.shape}] x [${b.shape}].`);
      const batch = broadcastShape(A.slice(0, -2), B.slice(0, -2));
      if (!batch) throw unsupported(`batch dimensions [${A.slice(0, -2)}] and [${B.slice(0, -2)}] do not broadcast.`);
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
        const prods = apply("mul", pairs, {}, node.name);
        slots.forEach(([first, count], i) => (el[i] = combine(prods.slice(first / 2, first / 2 + count), new Array(count).fill(1))));
      }
      let shape = [...batch, M, N];
      if (a.shape.length === 1) shape = shape.filter((_, k) => k !== shape.length - 2);
      if (b.shape.length === 1) shape = shape.slice(0, -1);
      return { shape, el };
    };
    /** Softmax pieces over an axis: e = exp(x - max), s = sum e; returns [e, s per group, groups]. */
    const softmaxParts = (x: TV, axis: number) => {
      const { groups } = reduceGroups(x.shape, [axis], true);
      const m = maxGroups(x, groups, "max");
      const d = new Array<Lin>(size(x.shape));
      groups.forEach((g, gi) => g.forEach((i) => (d[i] = combine([x.el[i]!, m[gi]!], [1, -1]))));
      const e = apply("fn", d, { fn: "exp" }, node.name);
      const s = groups.map((g) =>
        combine(
          g.map((i) => e[i]!),
          g.map(() => 1),
        ),
      );
      return { groups, e, s, m, d };
    };

    switch (node.opType) {
      case "Constant": {
        const t = attr.get("value")?.t;
        const f = attr.get("value_float")?.f;
        const fs = attr.get("value_floats")?.floats;
        const i = attr.get("value_int")?.i;
        const is = attr.get("value_ints")?.ints;
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
        if (!tensor) throw unsupported("this form of Constant (sparse or string) is not read.");
        set({ shape: tensor.dims, el: tensor.data.map(cst) });
        break;
      }
      case "Identity":
      case "Dropout":
        set(input(0));
        break;
      case "Cast": {
        const to = attrI("to", 1);
        const x = input(0);
        if (to === 1 || to === 10 || to === 11 || isConst(x)) {
          set(
            to === 9 && isConst(x)
              ? { shape: x.shape, el: x.el.map((l) => cst(l.c !== 0 ? 1 : 0)), bits: true }
              : isConst(x) && to !== 1 && to !== 10 && to !== 11
                ? { shape: x.shape, el: x.el.map((l) => cst(Math.trunc(l.c))) }
                : x,
          );
        } else if (to === 9) set(toBits(x));
        else if (INT_TYPES.has(to)) set(x.bits || x.int ? { ...x, int: true } : { shape: x.shape, el: apply("trunc", x.el, {}, node.name), int: true });
        else throw unsupported(`a cast to type ${to}.`);
        break;
      }
      case "Flatten": {
        const x = input(0);
        const axis = attrI("axis", 1) < 0 ? attrI("axis", 1) + x.shape.length : attrI("axis", 1);
        set({ ...x, shape: [size(x.shape.slice(0, axis)), size(x.shape.slice(axis))] });
        break;
      }
      case "Reshape": {
        const x = input(0);
        const target = constIn(1, "target shape").map((d, k) => (d === 0 && !attrI("allowzero", 0) ? x.shape[k]! : d));
        const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const shape = target.map((d) => (d === -1 ? size(x.shape) / known : d));
        if (size(shape) !== size(x.shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw unsupported(`cannot reshape [${x.shape}] to [${target}].`);
        set({ ...x, shape });
        break;
      }
      case "Squeeze":
      case "Unsqueeze": {
        const x = input(0);
        const axes = attrInts("axes") ?? (has(1) ? constIn(1, "axes") : undefined);
        const shape = squeezeShape(node.opType, x.shape, axes);
        set({ ...x, shape });
        break;
      }
      case "Transpose": {
        const x = input(0);
        const { shape, order } = transposeOrder(x.shape, attrInts("perm"));
        set(gatherBy(x, shape, order));
        break;
      }
      case "Shape": {
        const x = input(0);
        const r = x.shape.length;
        const start = attrI("start", 0);
        const end = attr.get("end")?.i ?? r;
        const s = x.shape.slice(start < 0 ? start + r : start, end < 0 ? end + r : end);
        set({ shape: [s.length], el: s.map(cst) });
        break;
      }
      case "Size":
        set({ shape: [], el: [cst(size(input(0).shape))] });
        break;
      case "ConstantOfShape": {
        const shape = constIn(0, "shape");
        const v = attr.get("value")?.t?.data[0] ?? 0;
        set({ shape, el: new Array(size(shape)).fill(0).map(() => cst(v)) });
        break;
      }
      case "EyeLike": {
        const x = input(0);
        const k = attrI("k", 0);
        const [R, C] = x.shape as [number, number];
        set({ shape: [R, C], el: Array.from({ length: R * C }, (_, f) => cst(Math.floor(f / C) + k === f % C ? 1 : 0)) });
        break;
      }
      case "Range": {
        const [s0, l0, d0] = [0, 1, 2].map((k) => constIn(k, ["start", "limit", "delta"][k]!)[0]!) as [number, number, number];
        const n = Math.max(0, Math.ceil((l0 - s0) / d0));
        set({ shape: [n], el: Array.from({ length: n }, (_, i) => cst(s0 + i * d0)) });
        break;
      }
      case "OneHot": {
        const depth = constIn(1, "depth")[0]!;
        const [off, on] = constIn(2, "values") as [number, number];
        const ix = input(0).shape;
        const axis = attrI("axis", -1) < 0 ? attrI("axis", -1) + ix.length + 1 : attrI("axis", -1);
        const shape = [...ix.slice(0, axis), depth, ...ix.slice(axis)];
        const os = strides(shape);
        const live = dataIndices(0);
        const idx = live ? undefined : constIn(0, "indices");
        set({
          shape,
          el: Array.from({ length: size(shape) }, (_, f) => {
            const coords = shape.map((d, k) => Math.floor(f / os[k]!) % d);
            const d = coords[axis]!;
            const src = [...coords.slice(0, axis), ...coords.slice(axis + 1)].reduce((acc, c, k) => acc * ix[k]! + c, 0);
            // A data index: off + (on - off) * [idx == d], from the one-hot comparisons.
            if (live) return combine([oneHot(live.el[src]!, depth)[d]!], [on - off], off);
            const want = idx![src]! < 0 ? idx![src]! + depth : idx![src]!;
            return cst(want === d ? on : off);
          }),
        });
        break;
      }
      case "NonZero": {
        const x = input(0);
        if (!isConst(x)) throw unsupported("NonZero of the model's data has a data-dependent shape; only constant inputs fold.");
        const s = strides(x.shape);
        const nz = x.el.map((l, i) => (l.c !== 0 ? i : -1)).filter((i) => i >= 0);
        set({ shape: [x.shape.length, nz.length], el: x.shape.flatMap((d, k) => nz.map((i) => cst(Math.floor(i / s[k]!) % d))) });
        break;
      }
      case "Gather": {
        const x = input(0);
        const axis = normAxis(attrI("axis", 0), x.shape.length);
        const dim = x.shape[axis]!;
        const outer = size(x.shape.slice(0, axis));
        const inner = size(x.shape.slice(axis + 1));
        const live = dataIndices(1);
        if (live) {
          const el: Lin[] = [];
          for (let o = 0; o < outer; o++) {
            for (const l of live.el) {
              const hot = oneHot(l, dim);
              for (let k = 0; k < inner; k++)
                el.push(
                  select(
                    hot,
                    Array.from({ length: dim }, (_, j) => x.el[(o * dim + j) * inner + k]!),
                  ),
                );
            }
          }
          set({ shape: [...x.shape.slice(0, axis), ...live.shape, ...x.shape.slice(axis + 1)], el });
          break;
        }
        const idx = constIn(1, "indices");
        const indices = idx.map((i) => (i < 0 ? i + dim : i));
        if (indices.some((i) => !Number.isInteger(i) || i < 0 || i >= dim)) throw unsupported(`indices [${idx}] are outside axis ${axis} of size ${dim}.`);
        const shape = [...x.shape.slice(0, axis), ...input(1).shape, ...x.shape.slice(axis + 1)];
        const order: number[] = [];
        for (let o = 0; o < outer; o++) for (const i of indices) for (let k = 0; k < inner; k++) order.push((o * dim + i) * inner + k);
        set(gatherBy(x, shape, order));
        break;
      }
      case "GatherElements": {
        const x = input(0);
        const ishape = input(1).shape;
        const axis = normAxis(attrI("axis", 0), x.shape.length);
        const is = strides(ishape);
        const xs = strides(x.shape);
        const live = dataIndices(1);
        if (live) {
          // Position f of the output takes x at f's coordinates with the axis one replaced by the index.
          const dim = x.shape[axis]!;
          const at = (f: number, j: number) => ishape.reduce((acc, d, k) => acc + (k === axis ? j : Math.floor(f / is[k]!) % d) * xs[k]!, 0);
          set({
            shape: ishape,
            el: live.el.map((l, f) =>
              select(
                oneHot(l, dim),
                Array.from({ length: dim }, (_, j) => x.el[at(f, j)]!),
              ),
            ),
          });
          break;
        }
        const idx = constIn(1, "indices");
        set(
          gatherBy(
            x,
            ishape,
            idx.map((v, f) => {
              const j = v < 0 ? v + x.shape[axis]! : v;
              if (j < 0 || j >= x.shape[axis]!) throw unsupported(`index ${v} is outside axis ${axis}.`);
              return ishape.reduce((acc, d, k) => acc + (k === axis ? j : Math.floor(f / is[k]!) % d) * xs[k]!, 0);
            }),
          ),
        );
        break;
      }
      case "GatherND": {
        const x = input(0);
        const ishape = input(1).shape;
        const b = attrI("batch_dims", 0);
        const q = ishape.at(-1)!;
        const xs = strides(x.shape);
        const outer = ishape.slice(0, -1);
        const tail = x.shape.slice(b + q);
        const inner = size(tail);
        const bsize = size(x.shape.slice(0, b));
        const per = size(outer) / Math.max(1, bsize);
        const live = dataIndices(1);
        if (live) {
          // The q index components address one cell of a block of size(x.shape[b..b+q)) cells of
          // `inner` values: their combination sum_k v_k * stride_k is one index into that block.
          const cells = size(x.shape.slice(b, b + q));
          const el: Lin[] = [];
          for (let o = 0; o < size(outer); o++) {
            const base = Math.floor(o / per) * (b ? xs[b - 1]! : 0);
            const cell = combine(
              live.el.slice(o * q, (o + 1) * q),
              Array.from({ length: q }, (_, k) => xs[b + k]! / inner),
            );
            const hot = oneHot(cell, cells);
            for (let i = 0; i < inner; i++)
              el.push(
                select(
                  hot,
                  Array.from({ length: cells }, (_, j) => x.el[base + j * inner + i]!),
                ),
              );
          }
          set({ shape: [...outer, ...tail], el });
          break;
        }
        const idx = constIn(1, "indices");
        const order: number[] = [];
        for (let o = 0; o < size(outer); o++) {
          const bi = Math.floor(o / per);
          let base = bi * (b ? xs[b - 1]! : 0);
          for (let k = 0; k < q; k++) {
            let v = idx[o * q + k]!;
            if (v < 0) v += x.shape[b + k]!;
            base += v * xs[b + k]!;
          }
          for (let i = 0; i < inner; i++) order.push(base + i);
        }
        set(gatherBy(x, [...outer, ...tail], order));
        break;
      }
      case "ScatterElements":
      case "ScatterND": {
        const x = input(0);
        const upd = input(2);
        if ((attr.get("reduction")?.s ?? "none") !== "none") throw unsupported("only reduction = none is compiled.");
        const el = [...x.el];
        const xs = strides(x.shape);
        const live = dataIndices(1);
        if (live) {
          // Data-dependent indices by one-hot selection, update by update in order (a later write
          // wins, as onnxruntime does): each candidate position p of update u becomes
          // where([idx_u == p], upd_u, current) (one product each). An index outside the axis
          // writes nothing.
          const write = (hot: readonly Lin[], targets: readonly number[], value: Lin) => {
            const args = targets.flatMap((t, j) => [hot[j]!, value, el[t]!]);
            apply("where", args, {}, node.name).forEach((l, j) => (el[targets[j]!] = l));
          };
          if (node.opType === "ScatterElements") {
            const axis = normAxis(attrI("axis", 0), x.shape.length);
            const dim = x.shape[axis]!;
            const us = strides(upd.shape);
            upd.el.forEach((l, f) => {
              const base = upd.shape.reduce((acc, d, k) => acc + (k === axis ? 0 : Math.floor(f / us[k]!) % d) * xs[k]!, 0);
              write(
                oneHot(live.el[f]!, dim),
                Array.from({ length: dim }, (_, j) => base + j * xs[axis]!),
                l,
              );
            });
          } else {
            const q = live.shape.at(-1)!;
            const cells = size(x.shape.slice(0, q));
            const inner = size(x.shape.slice(q));
            for (let o = 0; o < size(live.shape.slice(0, -1)); o++) {
              const cell = combine(
                live.el.slice(o * q, (o + 1) * q),
                Array.from({ length: q }, (_, k) => xs[k]! / inner),
              );
              const hot = oneHot(cell, cells);
              for (let i = 0; i < inner; i++)
                write(
                  hot,
                  Array.from({ length: cells }, (_, j) => j * inner + i),
                  upd.el[o * inner + i]!,
                );
            }
          }
          set({ shape: x.shape, el, bits: x.bits && upd.bits });
          break;
        }
        const idx = constIn(1, "indices");
        if (node.opType === "ScatterElements") {
          const axis = normAxis(attrI("axis", 0), x.shape.length);
          const us = strides(upd.shape);
          upd.el.forEach((l, f) => {
            let v = idx[f]!;
            if (v < 0) v += x.shape[axis]!;
            el[upd.shape.reduce((acc, d, k) => acc + (k === axis ? v : Math.floor(f / us[k]!) % d) * xs[k]!, 0)] = l;
          });
        } else {
          const ishape = input(1).shape;
          const q = ishape.at(-1)!;
          const inner = size(x.shape.slice(q));
          for (let o = 0; o < size(ishape.slice(0, -1)); o++) {
            let base = 0;
            for (let k = 0; k < q; k++) base += (idx[o * q + k]! < 0 ? idx[o * q + k]! + x.shape[k]! : idx[o * q + k]!) * xs[k]!;
            for (let i = 0; i < inner; i++) el[base + i] = upd.el[o * inner + i]!;
          }
        }
        set({ shape: x.shape, el });
        break;
      }
      case "Slice": {
        const x = input(0);
        const r = x.shape.length;
        const starts = attrInts("starts") ?? constIn(1, "starts");
        const ends = attrInts("ends") ?? constIn(2, "ends");
        const axes = attrInts("axes") ?? (has(3) ? constIn(3, "axes") : starts.map((_, k) => k));
        const steps = has(4) ? constIn(4, "steps") : starts.map(() => 1);
        const ranges = x.shape.map((d) => ({ start: 0, step: 1, n: d }));
        axes.forEach((a0, j) => {
          const a = normAxis(a0, r);
          const d = x.shape[a]!;
          const st = steps[j]!;
          const clampS = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v < 0 ? v + d : v));
          const s = st > 0 ? clampS(starts[j]!, 0, d) : clampS(starts[j]!, -1, d - 1);
          const e = st > 0 ? clampS(ends[j]! > 1e15 ? d : ends[j]!, 0, d) : clampS(ends[j]! < -1e15 ? -d - 1 : ends[j]!, -1, d - 1);
          ranges[a] = { start: s, step: st, n: Math.max(0, Math.ceil((e - s) / st)) };
        });
        const shape = ranges.map((g) => g.n);
        const os = strides(shape);
        const is = strides(x.shape);
        set(
          gatherBy(
            x,
            shape,
            Array.from({ length: size(shape) }, (_, f) =>
              ranges.reduce((acc, g, k) => acc + (g.start + (Math.floor(f / os[k]!) % shape[k]!) * g.step) * is[k]!, 0),
            ),
          ),
        );
        break;
      }
      case "Concat": {
        const parts = node.inputs
          .filter((n) => n)
          .map((_, k) => input(k))
          .filter((p) => size(p.shape) > 0 || p.shape.length > 0);
        const axis = normAxis(attrI("axis", 0), parts[0]!.shape.length);
        const outer = size(parts[0]!.shape.slice(0, axis));
        const el: Lin[] = [];
        for (let o = 0; o < outer; o++) {
          for (const p of parts) {
            const chunk = size(p.shape.slice(axis));
            append(el, p.el.slice(o * chunk, (o + 1) * chunk));
          }
        }
        const shape = [...parts[0]!.shape];
        shape[axis] = parts.reduce((a, p) => a + p.shape[axis]!, 0);
        set({ shape, el, bits: parts.every((p) => p.bits) });
        break;
      }
      case "Split": {
        const x = input(0);
        const axis = normAxis(attrI("axis", 0), x.shape.length);
        const d = x.shape[axis]!;
        const n = node.outputs.length;
        const split =
          attrInts("split") ?? (has(1) ? constIn(1, "split") : Array.from({ length: n }, (_, k) => Math.min(Math.ceil(d / n), d - k * Math.ceil(d / n))));
        const outer = size(x.shape.slice(0, axis));
        const inner = size(x.shape.slice(axis + 1));
        let at = 0;
        split.forEach((len, k) => {
          const order: number[] = [];
          for (let o = 0; o < outer; o++) for (let j = 0; j < len; j++) for (let i = 0; i < inner; i++) order.push((o * d + at + j) * inner + i);
          const shape = [...x.shape];
          shape[axis] = len;
          set(gatherBy(x, shape, order), k);
          at += len;
        });
        break;
      }
      case "Expand": {
        const x = input(0);
        const target = constIn(1, "shape");
        const shape = broadcastShape(x.shape, target);
        if (!shape) throw unsupported(`[${x.shape}] does not expand to [${target}].`);
        set(gatherBy(x, shape, broadcastMap(x.shape, shape)));
        break;
      }
      case "Tile": {
        const x = input(0);
        const reps = constIn(1, "repeats");
        const shape = x.shape.map((d, k) => d * reps[k]!);
        const os = strides(shape);
        const is = strides(x.shape);
        set(
          gatherBy(
            x,
            shape,
            Array.from({ length: size(shape) }, (_, f) => x.shape.reduce((acc, d, k) => acc + ((Math.floor(f / os[k]!) % shape[k]!) % d) * is[k]!, 0)),
          ),
        );
        break;
      }
      case "Pad": {
        const x = input(0);
        const mode = attr.get("mode")?.s ?? "constant";
        const r = x.shape.length;
        let pads = attrInts("pads") ?? constIn(1, "pads");
        if (has(3)) {
          const axes = constIn(3, "axes").map((a) => normAxis(a, r));
          const full = new Array(2 * r).fill(0);
          axes.forEach((a, j) => {
            full[a] = pads[j]!;
            full[a + r] = pads[j + axes.length]!;
          });
          pads = full;
        }
        const value = attr.get("value")?.f ?? (has(2) ? constIn(2, "pad value")[0]! : 0);
        const shape = x.shape.map((d, k) => d + pads[k]! + pads[k + r]!);
        const os = strides(shape);
        const is = strides(x.shape);
        const el = Array.from({ length: size(shape) }, (_, f) => {
          let src = 0;
          let inside = true;
          for (let k = 0; k < r; k++) {
            let c = (Math.floor(f / os[k]!) % shape[k]!) - pads[k]!;
            const d = x.shape[k]!;
            if (c < 0 || c >= d) {
              if (mode === "constant") inside = false;
              else if (mode === "edge") c = Math.max(0, Math.min(d - 1, c));
              else if (mode === "reflect") c = c < 0 ? -c : 2 * (d - 1) - c;
              else throw unsupported(`mode "${mode}".`);
            }
            src += c * is[k]!;
          }
          return inside ? x.el[src]! : cst(value);
        });
        set({ shape, el });
        break;
      }
      case "Trilu": {
        const x = input(0);
        const k = has(1) ? constIn(1, "k")[0]! : 0;
        const upper = attrI("upper", 1);
        const [R, C] = x.shape.slice(-2) as [number, number];
        set({
          shape: x.shape,
          el: x.el.map((l, f) => {
            const i = Math.floor(f / C) % R;
            const j = f % C;
            return (upper ? j - i >= k : j - i <= k) ? l : cst(0);
          }),
        });
        break;
      }
      case "Resize":
      case "Upsample": {
        const x = input(0);
        const mode = attr.get("mode")?.s ?? "nearest";
        if (mode !== "nearest") throw unsupported(`mode "${mode}" (nearest is compiled).`);
        let shape: number[];
        if (node.opType === "Upsample") shape = x.shape.map((d, k) => Math.floor(d * constIn(1, "scales")[k]!));
        else if (has(3) && size(input(3).shape) > 0) shape = constIn(3, "sizes");
        else shape = x.shape.map((d, k) => Math.floor(d * constIn(2, "scales")[k]!));
        const ctm = attr.get("coordinate_transformation_mode")?.s ?? "half_pixel";
        const nm = attr.get("nearest_mode")?.s ?? "round_prefer_floor";
        const os = strides(shape);
        const is = strides(x.shape);
        set(
          gatherBy(
            x,
            shape,
            Array.from({ length: size(shape) }, (_, f) =>
              x.shape.reduce((acc, d, k) => {
                const o = Math.floor(f / os[k]!) % shape[k]!;
                const scale = shape[k]! / d;
                const src =
                  ctm === "asymmetric"
                    ? o / scale
                    : ctm === "align_corners"
                      ? shape[k]! === 1
                        ? 0
                        : (o * (d - 1)) / (shape[k]! - 1)
                      : (o + 0.5) / scale - 0.5;
                let i =
                  node.opType === "Upsample" || nm === "floor"
                    ? Math.floor(src)
                    : nm === "ceil"
                      ? Math.ceil(src)
                      : nm === "round_prefer_ceil"
                        ? Math.round(src)
                        : src % 1 === 0.5
                          ? Math.floor(src)
                          : Math.round(src);
                i = Math.max(0, Math.min(d - 1, i));
                return acc + i * is[k]!;
              }, 0),
            ),
          ),
        );
        break;
      }
      case "Add":
      case "Sub":
        set({ ...binary(input(0), input(1), (x, y) => combine([x, y], [1, node.opType === "Add" ? 1 : -1])), int: input(0).int && input(1).int });
        break;
      case "Sum":
      case "Mean": {
        const parts = node.inputs.map((_, k) => input(k));
        let acc = parts[0]!;
        for (const p of parts.slice(1)) acc = binary(acc, p, (x, y) => combine([x, y], [1, 1]));
        set(node.opType === "Mean" ? { shape: acc.shape, el: acc.el.map((l) => combine([l], [1 / parts.length])) } : acc);
        break;
      }
      case "Neg": {
        const x = input(0);
        set({ shape: x.shape, el: x.el.map((l) => combine([l], [-1])) });
        break;
      }
      case "Mul": {
        const a = input(0);
        const b = input(1);
        if (isConst(a) || isConst(b)) set({ ...binary(a, b, (x, y) => (isConstLin(x) ? combine([y], [x.c]) : combine([x], [y.c]))), int: a.int && b.int });
        else {
          const r = pairwise(a, b, "mul");
          set({ ...r, bits: a.bits && b.bits });
        }
        break;
      }
      case "Div": {
        const a = input(0);
        const b = input(1);
        if (isConst(b)) {
          const r = binary(a, b, (x, y) => combine([x], [1 / y.c]));
          if (b.el.some((l) => l.c === 0)) throw unsupported("division by zero in the constant divisor.");
          // Integer tensors divide with truncation toward zero (ONNX Div on int types).
          set(a.int ? { shape: r.shape, el: apply("trunc", r.el, {}, node.name), int: true } : r);
        } else if (isConst(a) && new Set(a.el.map((l) => l.c)).size === 1) {
          const shape = broadcastShape(a.shape, b.shape)!;
          set({
            shape,
            el: apply(
              "div",
              broadcastMap(b.shape, shape).map((i) => b.el[i]!),
              { numerator: a.el[0]!.c },
              node.name,
            ),
          });
        } else set(pairwise(a, b, "div"));
        break;
      }
      case "Mod": {
        // a - b * q with q = floor(a / b) (fmod = 0, the sign of the divisor) or trunc(a / b)
        // (fmod = 1, C's fmod). A constant divisor: q rounds a / b (affine); a data divisor: q
        // rounds the constrained quotient floor(a 2^k / b) of the div family (the floor of a floor
        // is the floor). b * q is then affine (constant b) or one product.
        const a = input(0);
        const b = input(1);
        const round = attrI("fmod", 0) ? "trunc" : "floor";
        if (isConst(b)) {
          if (b.el.some((l) => l.c === 0)) throw unsupported("modulo by zero in the constant divisor.");
          const shape = broadcastShape(a.shape, b.shape);
          if (!shape) throw unsupported(`shapes [${a.shape}] and [${b.shape}] do not broadcast.`);
          const ia = broadcastMap(a.shape, shape);
          const ib = broadcastMap(b.shape, shape);
          // Integers: a / b lies on the grid (1/|b|) Z, so floor(a / b + 1/(2|b|)) is the same
          // integer, half a cell away from the jump the quantized 1/b could otherwise cross.
          const centre = (d: number) => (a.int && round === "floor" && Number.isInteger(d) ? 1 / (2 * Math.abs(d)) : 0);
          const q = apply(
            round,
            ia.map((x, f) => combine([a.el[x]!], [1 / b.el[ib[f]!]!.c], centre(b.el[ib[f]!]!.c))),
            {},
            node.name,
          );
          set({ shape, el: q.map((l, f) => combine([a.el[ia[f]!]!, l], [1, -b.el[ib[f]!]!.c])), int: a.int });
        } else {
          const r = pairwise(a, b, "div");
          const q = apply(round, r.el, {}, node.name);
          const ib = broadcastMap(b.shape, r.shape);
          const ia = broadcastMap(a.shape, r.shape);
          const bq = apply(
            "mul",
            q.flatMap((l, f) => [b.el[ib[f]!]!, l]),
            {},
            node.name,
          );
          set({ shape: r.shape, el: bq.map((l, f) => combine([a.el[ia[f]!]!, l], [1, -1])), int: a.int && b.int });
        }
        break;
      }
      case "BitShift": {
        // Unsigned integers by constant amounts: x << s = x 2^s (affine, exact), x >> s =
        // floor(x / 2^s) (one floor).
        const x = input(0);
        const amounts = constIn(1, "shift amounts");
        const dirn = attr.get("direction")?.s;
        if (dirn !== "LEFT" && dirn !== "RIGHT") throw unsupported(`direction ${JSON.stringify(dirn)} (LEFT or RIGHT).`);
        if (amounts.some((v) => !Number.isInteger(v) || v < 0 || v > 63)) throw unsupported(`shift amounts [${amounts}] must be integers in 0..63.`);
        const shape = broadcastShape(x.shape, input(1).shape);
        if (!shape) throw unsupported(`shapes [${x.shape}] and [${input(1).shape}] do not broadcast.`);
        const ix = broadcastMap(x.shape, shape);
        const is = broadcastMap(input(1).shape, shape);
        const moved = ix.map((i, f) => combine([x.el[i]!], [2 ** ((dirn === "LEFT" ? 1 : -1) * amounts[is[f]!]!)]));
        set({ shape, el: dirn === "LEFT" ? moved : apply("floor", moved, {}, node.name), int: true });
        break;
      }
      case "Reciprocal": {
        const x = input(0);
        set({ shape: x.shape, el: apply("div", x.el, { numerator: 1 }, node.name) });
        break;
      }
      case "Pow": {
        const a = input(0);
        const b = input(1);
        if (isConst(b)) {
          const ps = new Set(b.el.map((l) => l.c));
          if (ps.size !== 1) throw unsupported("a per-element exponent (one constant exponent is compiled).");
          const p = [...ps][0]!;
          const bshape = broadcastShape(a.shape, b.shape)!;
          const x = gatherBy(a, bshape, broadcastMap(a.shape, bshape));
          if (p === 1) set(x);
          else if (p === 0) set({ shape: x.shape, el: x.el.map(() => cst(1)) });
          else if (Number.isInteger(p) && p >= 2 && p <= 8) {
            // Square-and-multiply: one product constraint (and a rescale) per step.
            let acc: Lin[] | null = null;
            let base = x.el;
            for (let e = p; e > 0; e >>= 1) {
              if (e & 1)
                acc = acc
                  ? apply(
                      "mul",
                      acc.flatMap((l, i) => [l, base[i]!]),
                      {},
                      node.name,
                    )
                  : base;
              if (e > 1)
                base = apply(
                  "mul",
                  base.flatMap((l) => [l, l]),
                  {},
                  node.name,
                );
            }
            set({ shape: x.shape, el: acc! });
          } else if (p === 0.5) set(unaryFn(x, "sqrt"));
          else if (p === -0.5) set(unaryFn(x, "rsqrt"));
          else if (p === -1) set({ shape: x.shape, el: apply("div", x.el, { numerator: 1 }, node.name) });
          else set(unaryFn(x, "pow", { exponent: p }));
        } else if (isConst(a)) {
          const bs = new Set(a.el.map((l) => l.c));
          if (bs.size !== 1 || [...bs][0]! <= 0) throw unsupported("a constant base must be one positive number.");
          const shape = broadcastShape(a.shape, b.shape)!;
          set(unaryFn(gatherBy(b, shape, broadcastMap(b.shape, shape)), "exp_base", { base: [...bs][0]! }));
        } else throw unsupported("both base and exponent depend on the model's input.");
        break;
      }
      case "Sign":
        set({ shape: input(0).shape, el: apply("sign", input(0).el, {}, node.name) });
        break;
      case "Not":
        set({ shape: input(0).shape, el: apply("not", toBits(input(0)).el, {}, node.name), bits: true });
        break;
      case "And":
      case "Or":
      case "Xor":
        set({ ...pairwise(toBits(input(0)), toBits(input(1)), LOGIC[node.opType]!), bits: true });
        break;
      case "Less":
      case "LessOrEqual":
      case "Greater":
      case "GreaterOrEqual":
      case "Equal":
        set({ ...pairwise(input(0), input(1), COMPARE[node.opType]!), bits: true });
        break;
      case "Where": {
        const c = toBits(input(0));
        const x = input(1);
        const y = input(2);
        const s1 = broadcastShape(c.shape, x.shape);
        const shape = s1 && broadcastShape(s1, y.shape);
        if (!shape) throw unsupported("operand shapes do not broadcast.");
        const [ic, ix, iy] = [c, x, y].map((t) => broadcastMap(t.shape, shape));
        const args = ic!.flatMap((i, f) => [c.el[i]!, x.el[ix![f]!]!, y.el[iy![f]!]!]);
        set({ shape, el: apply("where", args, {}, node.name), bits: x.bits && y.bits });
        break;
      }
      case "Max":
      case "Min": {
        const parts = node.inputs.map((_, k) => input(k));
        const shape = parts.reduce<number[] | null>((s, p) => (s ? broadcastShape(s, p.shape) : null), parts[0]!.shape);
        if (!shape) throw unsupported("operand shapes do not broadcast.");
        const maps = parts.map((p) => broadcastMap(p.shape, shape));
        const els = Array.from({ length: size(shape) }, (_, f) => parts.map((p, k) => p.el[maps[k]![f]!]!));
        const args = els.flat();
        set({
          shape,
          el: apply(node.opType === "Max" ? "max" : "min", args, { groups: els.map((_, f) => parts.map((_, k) => f * parts.length + k)) }, node.name),
        });
        break;
      }
      case "Floor":
      case "Ceil":
      case "Round":
        set({ shape: input(0).shape, el: apply(ROUND[node.opType]!, input(0).el, {}, node.name) });
        break;
      case "Clip": {
        const x = input(0);
        const lo = has(1) ? constIn(1, "min")[0]! : (attr.get("min")?.f ?? -Infinity);
        const hi = has(2) ? constIn(2, "max")[0]! : (attr.get("max")?.f ?? Infinity);
        set(unaryFn(x, "clip", { min: lo, max: hi }));
        break;
      }
      case "PRelu": {
        const x = input(0);
        const slope = input(1);
        const shape = broadcastShape(x.shape, slope.shape);
        if (!shape || shape.join() !== x.shape.join()) throw unsupported(`slope [${slope.shape}] does not broadcast to [${x.shape}].`);
        const alphas = broadcastMap(slope.shape, shape).map((i) => slope.el[i]!.c);
        const el = new Array<Lin>(x.el.length);
        // One leaky_relu node per distinct slope (a channel's elements share theirs).
        for (const a of new Set(alphas)) {
          const idx = alphas.flatMap((v, i) => (v === a ? [i] : []));
          apply(
            "fn",
            idx.map((i) => x.el[i]!),
            { fn: "leaky_relu", params: { alpha: a } },
            node.name,
          ).forEach((l, j) => (el[idx[j]!] = l));
        }
        set({ shape: x.shape, el });
        break;
      }
      case "MatMul":
        set(matmul(input(0), input(1)));
        break;
      case "Gemm": {
        let a = input(0);
        let b = input(1);
        const tr = (v: TV): TV => {
          const [R, C] = v.shape as [number, number];
          return gatherBy(
            v,
            [C, R],
            Array.from({ length: R * C }, (_, f) => (f % R) * C + Math.floor(f / R)),
          );
        };
        if (attrI("transA", 0)) a = tr(a);
        if (attrI("transB", 0)) b = tr(b);
        const alpha = attrF("alpha", 1);
        const beta = attrF("beta", 1);
        let y = matmul(a, b);
        if (alpha !== 1) y = { shape: y.shape, el: y.el.map((l) => combine([l], [alpha])) };
        if (has(2)) {
          const c = input(2);
          y = binary(y, c, (p, q) => combine([p, q], [1, beta]));
        }
        set(y);
        break;
      }
      case "BatchNormalization": {
        const x = input(0);
        const [scale, shift, mean, variance] = [1, 2, 3, 4].map((k) => constIn(k, ["scale", "bias", "mean", "variance"][k - 1]!));
        const eps = attrF("epsilon", 1e-5);
        const C = x.shape[1] ?? 1;
        const inner = size(x.shape.slice(2));
        set({
          shape: x.shape,
          el: x.el.map((l, i) => {
            const c = Math.floor(i / inner) % C;
            const g = scale![c]! / Math.sqrt(variance![c]! + eps);
            return combine([l], [g], shift![c]! - mean![c]! * g);
          }),
        });
        break;
      }
      case "Conv":
      case "ConvTranspose":
      case "AveragePool":
      case "GlobalAveragePool": {
        const x = input(0);
        if (x.shape[0] !== 1 || x.shape.length < 3 || x.shape.length > 4) throw unsupported(`input shape [${x.shape}]; 1-D or 2-D (N=1) is compiled.`);
        const four = x.shape.length === 4 ? x.shape : [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!];
        const [, C, H, W] = four as [number, number, number, number];
        const isConv = node.opType === "Conv" || node.opType === "ConvTranspose";
        const weight = isConv ? { dims: input(1).shape, data: constIn(1, "kernel") } : undefined;
        const two = (v: number[] | undefined, d: number[]) => (v ? (v.length === 1 ? [1, v[0]!] : v) : d);
        const kernel = node.opType === "GlobalAveragePool" ? [H, W] : two(attrInts("kernel_shape") ?? weight?.dims.slice(2), [1, 1]);
        const [kh, kw] = kernel as [number, number];
        const [sh, sw] = two(attrInts("strides"), [1, 1]) as [number, number];
        const [dh, dw] = two(attrInts("dilations"), [1, 1]) as [number, number];
        const p = attrInts("pads");
        let [pt, pl, pb, pr] = (p ? (p.length === 2 ? [0, p[0]!, 0, p[1]!] : p) : [0, 0, 0, 0]) as [number, number, number, number];
        const autoPad = attr.get("auto_pad")?.s ?? "NOTSET";
        if (attrI("ceil_mode", 0)) throw unsupported("ceil_mode = 1.");
        const group = attrI("group", 1);
        const convBias = isConv && has(2) ? constIn(2, "bias") : undefined;
        const el: Lin[] = [];
        let outShape: number[];
        if (node.opType === "ConvTranspose") {
          const M = weight!.dims[1]! * group;
          const cPer = C / group;
          const mPer = M / group;
          const [oph, opw] = two(attrInts("output_padding"), [0, 0]) as [number, number];
          if (autoPad !== "NOTSET") throw unsupported(`auto_pad ${autoPad}.`);
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
          } else if (autoPad !== "NOTSET" && autoPad !== "VALID") throw unsupported(`auto_pad ${autoPad}.`);
          const M = isConv ? weight!.dims[0]! : C;
          if (isConv && (weight!.dims[1]! * group !== C || M % group !== 0))
            throw unsupported(`kernel [${weight!.dims}] with group ${group} does not fit ${C} input channels.`);
          const OH = Math.floor((H + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
          const OW = Math.floor((W + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
          if (OH < 1 || OW < 1) throw unsupported("the kernel is larger than the padded input.");
          const countPad = attrI("count_include_pad", 0);
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
        set({ shape: outShape, el });
        break;
      }
      case "MaxPool":
      case "GlobalMaxPool": {
        const x = input(0);
        if (node.outputs.length > 1 && node.outputs[1]) throw unsupported("the Indices output is not compiled.");
        if (x.shape[0] !== 1 || x.shape.length !== 4) throw unsupported(`input shape [${x.shape}]; 2-D (N=1, C, H, W) is compiled.`);
        const [, C, H, W] = x.shape as [number, number, number, number];
        const global = node.opType === "GlobalMaxPool";
        const [kh, kw] = (global ? [H, W] : (attrInts("kernel_shape") ?? [])) as [number, number];
        const [sh, sw] = (global ? [1, 1] : (attrInts("strides") ?? [1, 1])) as [number, number];
        const [dh, dw] = (global ? [1, 1] : (attrInts("dilations") ?? [1, 1])) as [number, number];
        const [pt, pl, pb, pr] = (global ? [0, 0, 0, 0] : (attrInts("pads") ?? [0, 0, 0, 0])) as [number, number, number, number];
        if (attrI("ceil_mode", 0)) throw unsupported("ceil_mode = 1.");
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
              if (g.length === 0) throw unsupported("a pooling window lies entirely in the padding.");
              groups.push(g);
            }
        set({ shape: [1, C, OH, OW], el: maxGroups(x, groups, "max") });
        break;
      }
      case "ReduceSum":
      case "ReduceMean":
      case "ReduceMax":
      case "ReduceMin":
      case "ReduceL1":
      case "ReduceL2":
      case "ReduceSumSquare":
      case "ReduceLogSumExp": {
        const x = input(0);
        let axes = attrInts("axes") ?? (has(1) ? constIn(1, "axes") : []);
        if (!axes.length && attrI("noop_with_empty_axes", 0)) {
          set(x);
          break;
        }
        if (!axes.length) axes = [];
        const { groups, shape } = reduceGroups(x.shape, axes, attrI("keepdims", 1) === 1);
        let el: Lin[];
        const sumOf = (vals: readonly Lin[], g: number[], k = 1) =>
          combine(
            g.map((i) => vals[i]!),
            g.map(() => k),
          );
        switch (node.opType) {
          case "ReduceSum":
            el = groups.map((g) => sumOf(x.el, g));
            break;
          case "ReduceMean":
            el = groups.map((g) => sumOf(x.el, g, 1 / g.length));
            break;
          case "ReduceMax":
            el = maxGroups(x, groups, "max");
            break;
          case "ReduceMin":
            el = maxGroups(x, groups, "min");
            break;
          case "ReduceL1": {
            const a = apply("fn", x.el, { fn: "abs" }, node.name);
            el = groups.map((g) => sumOf(a, g));
            break;
          }
          case "ReduceL2":
          case "ReduceSumSquare": {
            const sq = apply(
              "mul",
              x.el.flatMap((l) => [l, l]),
              {},
              node.name,
            );
            const s = groups.map((g) => sumOf(sq, g));
            el = node.opType === "ReduceL2" ? apply("fn", s, { fn: "sqrt" }, node.name) : s;
            break;
          }
          default: {
            const m = maxGroups(x, groups, "max");
            const d = new Array<Lin>(x.el.length);
            groups.forEach((g, gi) => g.forEach((i) => (d[i] = combine([x.el[i]!, m[gi]!], [1, -1]))));
            const e = apply("fn", d, { fn: "exp" }, node.name);
            const lse = apply(
              "fn",
              groups.map((g) => sumOf(e, g)),
              { fn: "log" },
              node.name,
            );
            el = groups.map((_, gi) => combine([lse[gi]!, m[gi]!], [1, 1]));
          }
        }
        set({ shape, el });
        break;
      }
      case "TopK": {
        // A partial sorting network of constrained compare-exchanges per slice along the axis
        // (prover/graph/families/topk.ts): k passes, n - 1 - p compare-exchanges in pass p.
        const x = input(0);
        const axis = normAxis(attrI("axis", -1), x.shape.length);
        const k = (has(1) ? constIn(1, "k") : [attrI("k", 0)])[0]!;
        const n = x.shape[axis]!;
        if (!Number.isInteger(k) || k < 1 || k > n) throw unsupported(`k = ${k} must be between 1 and the axis' size ${n}.`);
        const { groups } = reduceGroups(x.shape, [axis], true);
        const inner = size(x.shape.slice(axis + 1));
        const outs = apply("topk", x.el, { groups, k, largest: attrI("largest", 1) === 1, indices: !!node.outputs[1] }, node.name);
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
        set({ shape, el: Array.from({ length: G * k }, (_, f) => outs[at(f)]!) }, 0);
        if (node.outputs[1]) set({ shape, el: Array.from({ length: G * k }, (_, f) => outs[G * k + at(f)]!), int: true }, 1);
        break;
      }
      case "ArgMax":
      case "ArgMin": {
        const x = input(0);
        const axis = normAxis(attrI("axis", 0), x.shape.length);
        if (attrI("select_last_index", 0)) throw unsupported("select_last_index = 1 (zkinfer's tie rule is the lowest index).");
        const { groups, shape } = reduceGroups(x.shape, [axis], attrI("keepdims", 1) === 1);
        const src = node.opType === "ArgMax" ? x.el : x.el.map((l) => combine([l], [-1]));
        set({
          shape,
          el: groups.flatMap((g) =>
            apply(
              "argmax",
              g.map((i) => src[i]!),
              {},
              node.name,
            ),
          ),
        });
        break;
      }
      case "Softmax":
      case "LogSoftmax": {
        const x = input(0);
        const legacy = graph.opset > 0 && graph.opset < 13;
        let axis = normAxis(attrI("axis", legacy ? 1 : -1), x.shape.length);
        let v = x;
        if (legacy && axis !== x.shape.length - 1) {
          v = { ...x, shape: [size(x.shape.slice(0, axis)), size(x.shape.slice(axis))] };
          axis = 1;
        }
        const { groups, e, s, d } = softmaxParts(v, axis);
        const el = new Array<Lin>(x.el.length);
        if (node.opType === "Softmax") {
          const pairs: Lin[] = [];
          const at: number[] = [];
          groups.forEach((g, gi) =>
            g.forEach((i) => {
              at.push(i);
              pairs.push(e[i]!, s[gi]!);
            }),
          );
          apply("div", pairs, {}, node.name).forEach((l, j) => (el[at[j]!] = l));
        } else {
          const ls = apply("fn", s, { fn: "log" }, node.name);
          groups.forEach((g, gi) => g.forEach((i) => (el[i] = combine([d[i]!, ls[gi]!], [1, -1]))));
        }
        set({ shape: x.shape, el });
        break;
      }
      case "LayerNormalization":
      case "InstanceNormalization":
      case "LpNormalization": {
        const x = input(0);
        const eps = attrF("epsilon", 1e-5);
        let axes: number[];
        if (node.opType === "LayerNormalization") {
          const a = normAxis(attrI("axis", -1), x.shape.length);
          axes = x.shape.map((_, k) => k).filter((k) => k >= a);
        } else if (node.opType === "InstanceNormalization") axes = x.shape.map((_, k) => k).filter((k) => k >= 2);
        else axes = [normAxis(attrI("axis", -1), x.shape.length)];
        const { groups } = reduceGroups(x.shape, axes, true);
        const el = new Array<Lin>(x.el.length);
        if (node.opType === "LpNormalization") {
          if (attrI("p", 2) !== 2) throw unsupported("only p = 2 is compiled.");
          const sq = apply(
            "mul",
            x.el.flatMap((l) => [l, l]),
            {},
            node.name,
          );
          const inv = apply(
            "fn",
            groups.map((g) =>
              combine(
                g.map((i) => sq[i]!),
                g.map(() => 1),
              ),
            ),
            { fn: "rsqrt" },
            node.name,
          );
          const pairs = groups.flatMap((g, gi) => g.flatMap((i) => [x.el[i]!, inv[gi]!]));
          const prod = apply("mul", pairs, {}, node.name);
          groups.flat().forEach((i, j) => (el[i] = prod[j]!));
          set({ shape: x.shape, el });
          break;
        }
        // mean (affine) -> centred (affine) -> squares (products) -> variance + eps (affine) ->
        // 1/sqrt (piecewise linear) -> centred * that (products) -> scale and bias (affine).
        const centred = new Array<Lin>(x.el.length);
        groups.forEach((g) => {
          const mean = combine(
            g.map((i) => x.el[i]!),
            g.map(() => 1 / g.length),
          );
          g.forEach((i) => (centred[i] = combine([x.el[i]!, mean], [1, -1])));
        });
        const sq = apply(
          "mul",
          centred.flatMap((l) => [l, l]),
          {},
          node.name,
        );
        const variance = materialize(
          groups.map((g) =>
            combine(
              g.map((i) => sq[i]!),
              g.map(() => 1 / g.length),
              eps,
            ),
          ),
          node.name,
        );
        const inv = apply("fn", variance.map(unit), { fn: "rsqrt" }, node.name);
        const order = groups.flat();
        const gOf = new Array<number>(x.el.length);
        groups.forEach((g, gi) => g.forEach((i) => (gOf[i] = gi)));
        // `norm` lets the product's error rule use sum(c) = 0 (prover/graph/families/mul.ts).
        const norm = { n: groups[0]!.length, eps, variance: order.map((i) => variance[gOf[i]!]!) };
        const prod = apply(
          "mul",
          order.flatMap((i) => [centred[i]!, inv[gOf[i]!]!]),
          groups.every((g) => g.length === norm.n) ? { norm } : {},
          node.name,
        );
        const scale = constIn(1, "scale");
        const bias = has(2) ? constIn(2, "bias") : [];
        order.forEach((i, j) => {
          // LayerNorm's scale covers the normalised axes; InstanceNorm's is per channel.
          const k = node.opType === "LayerNormalization" ? i % scale.length : Math.floor(i / size(x.shape.slice(2))) % x.shape[1]!;
          el[i] = combine([prod[j]!], [scale[k]!], bias.length ? bias[k]! : 0);
        });
        set({ shape: x.shape, el });
        break;
      }
      case "LSTM": {
        // Unrolled over the static sequence length: per step the gates are affine in x_t and
        // h_{t-1} (constant weights: free), then sigmoid/tanh (piecewise linear) and products.
        const x = input(0);
        const W = constIn(1, "W");
        const R = constIn(2, "R");
        const H = attrI("hidden_size", input(2).shape.at(-1)!);
        const dir = attr.get("direction")?.s ?? "forward";
        if (dir !== "forward") throw unsupported(`direction ${dir} (forward is compiled).`);
        const acts = attr.get("activations")?.strings;
        if (acts && acts.join() !== "Sigmoid,Tanh,Tanh") throw unsupported(`activations ${acts.join(", ")} (the default Sigmoid, Tanh, Tanh is compiled).`);
        if (attr.get("clip")) throw unsupported("cell clipping.");
        if (attrI("input_forget", 0)) throw unsupported("input_forget = 1.");
        if (attrI("layout", 0)) throw unsupported("layout = 1.");
        if (has(4)) throw unsupported("sequence_lens (every sequence has the static length).");
        if (has(7)) throw unsupported("peepholes.");
        const [T, Bt, I] = x.shape as [number, number, number];
        if (Bt !== 1) throw unsupported(`batch ${Bt}; one example is compiled.`);
        const B = has(3) ? constIn(3, "B") : new Array(8 * H).fill(0);
        let h: Lin[] = has(5) ? input(5).el.slice(0, H) : new Array(H).fill(0).map(() => cst(0));
        let c: Lin[] = has(6) ? input(6).el.slice(0, H) : new Array(H).fill(0).map(() => cst(0));
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
          const sig = apply("fn", [...gi, ...go, ...gf], { fn: "sigmoid" }, node.name);
          const it = sig.slice(0, H);
          const ot = sig.slice(H, 2 * H);
          const ft = sig.slice(2 * H);
          const ct = apply("fn", gc, { fn: "tanh" }, node.name);
          const prods = apply("mul", [...ft.flatMap((f, j) => [f, c[j]!]), ...it.flatMap((i, j) => [i, ct[j]!])], {}, node.name);
          c = Array.from({ length: H }, (_, j) => combine([prods[j]!, prods[H + j]!], [1, 1]));
          const tc = apply("fn", c, { fn: "tanh" }, node.name);
          h = apply(
            "mul",
            ot.flatMap((o, j) => [o, tc[j]!]),
            {},
            node.name,
          );
          append(Y, h);
        }
        set({ shape: [T, 1, 1, H], el: Y }, 0);
        if (node.outputs[1]) set({ shape: [1, 1, H], el: h }, 1);
        if (node.outputs[2]) set({ shape: [1, 1, H], el: c }, 2);
        break;
      }
      case "GRU":
      case "RNN": {
        // Unrolled over the static sequence length, each direction on its own: per step the gates
        // are affine in x_t and h_{t-1} (constant weights: free), then the activations (piecewise
        // linear) and the products. GRU (gates z, r, h):
        //   z = f(Wz x + Rz h + bz), r = f(Wr x + Rr h + br),
        //   n = g(Wh x + Rh (r * h) + Rbh + Wbh)          (linear_before_reset = 0)
        //   n = g(Wh x + r * (Rh h + Rbh) + Wbh)          (linear_before_reset = 1, PyTorch's export)
        //   h' = (1 - z) * n + z * h = n + z * (h - n)     (one product per unit)
        // RNN: h' = f(Wi x + Ri h + Wbi + Rbi).
        const gru = node.opType === "GRU";
        const G = gru ? 3 : 1;
        const x = input(0);
        const W = constIn(1, "W");
        const R = constIn(2, "R");
        const H = attrI("hidden_size", input(2).shape.at(-1)!);
        const dir = attr.get("direction")?.s ?? "forward";
        const dirs = dir === "bidirectional" ? [false, true] : dir === "reverse" ? [true] : dir === "forward" ? [false] : null;
        if (!dirs) throw unsupported(`direction ${dir}.`);
        const ACT: Record<string, string> = { Sigmoid: "sigmoid", Tanh: "tanh", Relu: "relu" };
        const dflt = gru ? ["Sigmoid", "Tanh"] : ["Tanh"];
        const acts = attr.get("activations")?.strings ?? dirs.flatMap(() => dflt);
        if (acts.length !== dflt.length * dirs.length || acts.some((a) => !ACT[a]))
          throw unsupported(`activations ${acts.join(", ")} (Sigmoid, Tanh and Relu are compiled, ${dflt.length} per direction).`);
        if (attr.get("activation_alpha") || attr.get("activation_beta")) throw unsupported("activation_alpha / activation_beta.");
        if (attr.get("clip")) throw unsupported("cell clipping.");
        if (attrI("layout", 0)) throw unsupported("layout = 1.");
        if (has(4)) throw unsupported("sequence_lens (every sequence has the static length).");
        const lbr = attrI("linear_before_reset", 0) !== 0;
        if (x.shape.length !== 3) throw unsupported(`input shape [${x.shape}]; [seq_length, batch, input_size] is compiled.`);
        const [T, Bt, I] = x.shape as [number, number, number];
        if (Bt !== 1) throw unsupported(`batch ${Bt}; one example is compiled.`);
        const B = has(3) ? constIn(3, "B") : new Array(dirs.length * 2 * G * H).fill(0);
        const h0 = has(5) ? input(5).el : undefined;
        const Y: Lin[][] = Array.from({ length: T }, () => []);
        const last: Lin[] = [];
        /** Products of pairs; a constant factor scales the other one instead (no constraint). */
        const times = (pairs: [Lin, Lin][]): Lin[] => {
          const data = pairs.flatMap(([a, b], i) => (isConstLin(a) || isConstLin(b) ? [] : [i]));
          const prods = data.length
            ? apply(
                "mul",
                data.flatMap((i) => pairs[i]!),
                {},
                node.name,
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
              h = apply(
                "fn",
                Array.from({ length: H }, (_, j) => pre(j, h, wb(j) + rb(j))),
                { fn: f },
                node.name,
              );
            } else {
              const zr = apply(
                "fn",
                Array.from({ length: 2 * H }, (_, j) => pre(j, h, wb(j) + rb(j))),
                { fn: f },
                node.name,
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
              const n = apply("fn", nPre, { fn: g }, node.name);
              const zd = times(z.map((a, j) => [a, combine([h[j]!, n[j]!], [1, -1])]));
              h = n.map((v, j) => combine([v, zd[j]!], [1, 1]));
            }
            Y[t]!.push(...h);
          }
          append(last, h);
        });
        set({ shape: [T, dirs.length, 1, H], el: Y.flat() }, 0);
        if (node.outputs[1]) set({ shape: [dirs.length, 1, H], el: last }, 1);
        break;
      }
      default:
        if (UNARY_FN[node.opType]) {
          const { fn, params } = UNARY_FN[node.opType]!(node);
          if (!FUNCTIONS[fn]) throw unsupported(`no function ${fn}.`);
          set(unaryFn(input(0), fn, params));
          break;
        }
        throw unsupported(`zkinfer compiles ${GRAPH_OPERATORS.join(", ")}.`);
    }
  }

  const estimate = estimateGraphConstraints(nodes, inputSize);
  if (estimate > MAX_GRAPH_CONSTRAINTS) {
    throw new ModelTooLargeError(
      `${source} is too large for this machine: about ${estimate.toLocaleString("en-US")} constraints estimated before compiling ` +
        `(limit ${MAX_GRAPH_CONSTRAINTS.toLocaleString("en-US")}, set ZKINFER_MAX_CONSTRAINTS to change it).`,
      estimate,
    );
  }
  const outs = graph.outputs.map((name) => {
    const v = values.get(name);
    if (!v) throw new OnnxImportError(`${source}: the output ${name} is never computed.`);
    return { name, v };
  });
  if (outs.every((o) => isConst(o.v))) throw new OnnxImportError(`${source}: the outputs do not depend on the input.`);
  const outputs = materialize(
    outs.flatMap((o) => o.v.el),
    "outputs",
  );
  const layer: GraphSpec = { type: "graph", nodes, outputs };
  if (nodes.length === 0) {
    // The outputs are inputs as they are: an exact identity node keeps the graph non-empty.
    const identity: FloatNode<AffineParams> = {
      op: "affine",
      args: [...new Set(outputs)],
      rows: outputs.map((o) => ({ p: [[...new Set(outputs)].indexOf(o)], w: [1], b: 0 })),
    };
    layer.nodes = [identity];
    layer.outputs = outputs.map((_, i) => inputSize + i);
  }
  return {
    inputName: graph.inputs[0]!.name,
    inputShape: graph.inputs[0]!.shape,
    inputSize,
    inputs: graph.inputs.map((i) => ({ name: i.name, shape: i.shape, elemType: i.elemType ?? 1 })),
    outputName: graph.outputs[0]!,
    outputShape: outs[0]!.v.shape,
    outputs: outs.map((o) => ({ name: o.name, shape: o.v.shape })),
    layers: [layer],
    producer: graph.producer,
    operators,
  };
}

/** A model refused up front because its circuit would not fit this machine. */
export class ModelTooLargeError extends OnnxImportError {
  override name = "ModelTooLargeError";
  constructor(
    message: string,
    readonly estimatedConstraints: number,
  ) {
    super(message);
  }
}

/** Refuse above this many estimated constraints: compiling and proving would take hours here. */
export const MAX_GRAPH_CONSTRAINTS = Number(process.env.ZKINFER_MAX_CONSTRAINTS ?? 600_000);

/**
 * Rough constraint count of a float graph, before calibration: per output of a non-affine node, the
 * typical cost of its family at ~16-bit values (a piecewise-linear function: a dozen ReLU gadgets;
 * a comparison or rescale: ~20 bits), plus the inputs' range checks and commitment.
 */
export function estimateGraphConstraints(nodes: readonly FloatNode[], inputs: number): number {
  const per: Record<string, number> = {
    affine: 0,
    fn: 250,
    mul: 22,
    div: 60,
    max: 22,
    min: 22,
    argmax: 60,
    floor: 22,
    ceil: 22,
    round: 22,
    trunc: 70,
    where: 1,
    not: 0,
    and: 1,
    or: 1,
    xor: 1,
    nonzero: 2,
    sign: 44,
  };
  let n = inputs * 80;
  for (const node of nodes) {
    const outs = node.op === "affine" ? 0 : familyOf(node.op).validate(node, Number.MAX_SAFE_INTEGER);
    if (node.op === "topk") {
      topk.check(node, Number.MAX_SAFE_INTEGER);
      // Per compare-exchange: a ~20-bit sign bit and a product (two with the indices).
      for (const g of node.groups) n += topkSchedule(g.length, node.k).length * (node.indices ? 24 : 23);
      continue;
    }
    let unit = per[node.op] ?? 22;
    if (node.op === "fn") {
      fn.check(node, Number.MAX_SAFE_INTEGER);
      if (FUNCTIONS[node.fn]?.kinks) unit = 30;
    }
    let width = 1;
    if (node.op === "max" || node.op === "min") {
      maxmin.check(node, Number.MAX_SAFE_INTEGER);
      width = (node.groups ?? []).reduce((a, g) => a + g.length, 0) / Math.max(1, outs);
    }
    n += outs * unit * width;
  }
  return Math.round(n);
}
