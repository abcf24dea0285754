/**
 * ONNX graph -> the spec's layer list (floats; ./calibrate.ts then picks the scales and ranges).
 *
 * The importer tracks every tensor as an AFFINE function of the last non-linear op's output (the
 * "stage"): rows[i] . stage + bias[i]. Every linear operator (Gemm, MatMul, Add/Sub/Mul/Div by a
 * constant, BatchNormalization, Conv, AveragePool, Pad, Flatten, Reshape, Transpose, Gather with
 * constant indices, Identity, Cast to float) composes into that map in float, so a chain such as
 * Conv -> BatchNormalization -> AveragePool -> Gemm becomes ONE dense layer: batch norm is folded
 * for free, and the circuit pays nothing for any of them (public weights are constants). A
 * non-linear operator materialises the map as a dense layer (unless it is the identity) and
 * starts a new stage.
 *
 * Anything else is refused with UnsupportedOperatorError naming the operator and the node.
 */
import { size, squeezeShape, strides, transposeOrder } from "./shapes.js";
import { OnnxImportError, UnsupportedOperatorError } from "../errors.js";
import type { LayerSpec } from "../model/spec.js";
import { parseOnnx, type OnnxGraph, type OnnxNode, type Tensor } from "./graph.js";

/** The operators this importer compiles (for messages and the README). */
export const SUPPORTED_OPERATORS = [
  "Gemm",
  "MatMul",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Relu",
  "LeakyRelu",
  "PRelu",
  "Clip",
  "Sigmoid",
  "Tanh",
  "Flatten",
  "Reshape",
  "Identity",
  "Dropout",
  "Cast",
  "Constant",
  "BatchNormalization",
  "Conv",
  "MaxPool",
  "AveragePool",
  "Pad",
  "Transpose",
  "Gather",
  "Squeeze",
  "Unsqueeze",
  "ArgMax",
  "Softmax",
  "TreeEnsembleRegressor",
  "TreeEnsembleClassifier",
] as const;

/** Operators of the ai.onnx.ml domain (scikit-learn's exported trees). */
const ML_OPERATORS = new Set(["TreeEnsembleRegressor", "TreeEnsembleClassifier"]);

/** A layer before quantization: the spec's layer without the output layer. */
export type FloatLayer = Exclude<LayerSpec, { type: "output" }>;

export interface ImportedNetwork {
  inputName: string;
  inputShape: number[];
  /** Number of input values (the flattened input tensor, NCHW order). */
  inputSize: number;
  outputName: string;
  outputShape: number[];
  /** Graph imports: every input tensor (their values are concatenated, in order, into the features) and its ONNX element type. */
  inputs?: { name: string; shape: number[]; elemType: number }[];
  /** Graph imports: every output tensor (flattened and concatenated, in order, into the outputs). */
  outputs?: { name: string; shape: number[] }[];
  layers: FloatLayer[];
  producer: string;
  /** The ONNX operators seen, in order, for reports. */
  operators: string[];
  /**
   * Set when the model ends in Softmax, compiled as an ArgMax over its input logits (softmax is
   * strictly monotone, so the most probable class is the largest logit's): the circuit outputs the
   * class index, and a float comparison must take the argmax of the model's probabilities (ties to
   * the lowest index, the circuit's rule).
   */
  finalSoftmax?: { node: string };
}

interface Affine {
  kind: "affine";
  shape: number[];
  stage: number;
  rows: number[][];
  bias: number[];
}
interface Const {
  kind: "const";
  tensor: Tensor;
}
type Value = Affine | Const;

/** NumPy-style broadcast of a constant to `shape`; null when it does not broadcast. */
function broadcast(t: Tensor, shape: readonly number[]): number[] | null {
  const dims = t.dims;
  if (dims.length > shape.length) {
    if (size(dims) !== size(shape)) return null;
  }
  const aligned = [...new Array(Math.max(0, shape.length - dims.length)).fill(1), ...dims.slice(Math.max(0, dims.length - shape.length))];
  if (aligned.some((d, k) => d !== 1 && d !== shape[k])) return null;
  const ts = strides(aligned);
  const os = strides(shape);
  return Array.from({ length: size(shape) }, (_, flat) => {
    let idx = 0;
    shape.forEach((_, k) => {
      const c = Math.floor(flat / os[k]!) % shape[k]!;
      if (aligned[k] !== 1) idx += c * ts[k]!;
    });
    return t.data[idx]!;
  });
}

/** Imports an ONNX file's bytes; see the module comment. */
export function importOnnx(bytes: Uint8Array, source = "model.onnx"): ImportedNetwork {
  return importGraph(parseOnnx(bytes, source), source);
}

export function importGraph(graphIn: OnnxGraph, source: string): ImportedNetwork {
  let graph = graphIn;
  // An unsupported operator is the most useful thing to report, so look for one first.
  const supported = new Set<string>(SUPPORTED_OPERATORS);
  const bad = graph.nodes.find(
    (n) => !supported.has(n.opType) || (n.domain && n.domain !== "ai.onnx" && !(n.domain === "ai.onnx.ml" && ML_OPERATORS.has(n.opType))),
  );
  if (bad) {
    throw new UnsupportedOperatorError(bad.opType, bad.name, `zkinfer compiles ${SUPPORTED_OPERATORS.join(", ")} (default ONNX domain).`);
  }
  if (graph.inputs.length !== 1) {
    throw new OnnxImportError(
      `${source} has ${graph.inputs.length} input tensors (${graph.inputs.map((i) => i.name).join(", ")}); zkinfer compiles models with exactly one input tensor.`,
    );
  }
  const graphInput = graph.inputs[0]!;
  const values = new Map<string, Value>();
  for (const [name, tensor] of graph.constants) values.set(name, { kind: "const", tensor });
  const n0 = size(graphInput.shape);
  values.set(graphInput.name, identity(graphInput.shape, 0));

  const layers: FloatLayer[] = [];
  let stage = 0;
  let stageSize = n0;
  let finished: string | undefined; // set after ArgMax: nothing may follow it
  let finalSoftmax: { node: string } | undefined;
  const operators: string[] = [];

  /** Materialises an affine value as a dense layer (unless identity) so a non-linear op can follow. */
  const materialize = (v: Affine, node: OnnxNode): void => {
    if (v.stage !== stage) {
      throw new UnsupportedOperatorError(
        node.opType,
        node.name,
        "its input mixes values from before and after a non-linear operator (a skip connection), which zkinfer does not compile.",
      );
    }
    const isIdentity = v.rows.length === stageSize && v.bias.every((b) => b === 0) && v.rows.every((r, i) => r.every((w, j) => w === (i === j ? 1 : 0)));
    if (!isIdentity) {
      layers.push({ type: "dense", weights: v.rows.map((r) => [...r]), bias: [...v.bias] });
    }
  };
  const nextStage = (shape: number[]): Affine => {
    stage++;
    stageSize = size(shape);
    return identity(shape, stage);
  };

  for (const node of graph.nodes) {
    operators.push(node.opType);
    const unsupported = (reason: string) => new UnsupportedOperatorError(node.opType, node.name, reason);
    if (finished) throw unsupported(`it follows ${finished}, which must be the model's last operator.`);
    if (node.domain && node.domain !== "ai.onnx" && !(node.domain === "ai.onnx.ml" && ML_OPERATORS.has(node.opType))) {
      throw unsupported(`operators of domain ${node.domain} are not compiled (zkinfer compiles the default ONNX domain: ${SUPPORTED_OPERATORS.join(", ")}).`);
    }
    const input = (k: number): Value => {
      const name = node.inputs[k];
      const v = name ? values.get(name) : undefined;
      if (!v)
        throw new OnnxImportError(
          `${source}: node "${node.name}" (${node.opType}) reads ${name ? `"${name}", which no earlier node produces` : `a missing input ${k}`}.`,
        );
      return v;
    };
    const affineIn = (k: number): Affine => {
      const v = input(k);
      if (v.kind !== "affine") throw unsupported(`input ${k} is a constant; zkinfer compiles ${node.opType} on the model's data only.`);
      return v;
    };
    const constIn = (k: number, what: string): Tensor => {
      const v = input(k);
      if (v.kind !== "const") throw unsupported(`its ${what} (input ${k}) depends on the model's input; zkinfer needs it constant.`);
      return v.tensor;
    };
    const attrI = (name: string, dflt: number) => node.attributes.get(name)?.i ?? dflt;
    const attrF = (name: string, dflt: number) => node.attributes.get(name)?.f ?? dflt;
    const attrInts = (name: string) => node.attributes.get(name)?.ints;
    const set = (v: Value) => values.set(node.outputs[0]!, v);

    switch (node.opType) {
      case "Constant": {
        const t = node.attributes.get("value")?.t;
        if (!t) throw unsupported("only the `value` tensor form of Constant is read.");
        set({ kind: "const", tensor: t });
        break;
      }
      case "Identity":
      case "Dropout":
        set(input(0));
        break;
      case "Cast": {
        // Casting data to float is the identity here (values are reals until quantization); a cast
        // to an integer type would truncate, and one to float16 round, which the affine map cannot
        // express (the graph importer bounds that rounding).
        const to = attrI("to", 1);
        const v = input(0);
        if (v.kind === "affine" && to !== 1 && to !== 11) throw unsupported(`a cast of the model's data to type ${to} (only float types are compiled).`);
        set(v);
        break;
      }
      case "Flatten": {
        const v = affineIn(0);
        let axis = attrI("axis", 1);
        if (axis < 0) axis += v.shape.length;
        set({ ...v, shape: [size(v.shape.slice(0, axis)), size(v.shape.slice(axis))] });
        break;
      }
      case "Reshape": {
        const v = affineIn(0);
        const target = constIn(1, "target shape").data.map((d, k) => (d === 0 ? v.shape[k]! : d));
        const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const shape = target.map((d) => (d === -1 ? size(v.shape) / known : d));
        if (size(shape) !== size(v.shape) || shape.some((d) => !Number.isInteger(d) || d < 1)) throw unsupported(`cannot reshape [${v.shape}] to [${target}].`);
        set({ ...v, shape });
        break;
      }
      case "Squeeze":
      case "Unsqueeze": {
        const v = affineIn(0);
        const axes = attrInts("axes") ?? (node.inputs[1] ? constIn(1, "axes").data : undefined);
        const shape = squeezeShape(node.opType, v.shape, axes);
        set({ ...v, shape });
        break;
      }
      case "Transpose": {
        const v = affineIn(0);
        const { shape, order } = transposeOrder(v.shape, attrInts("perm"));
        set({ ...v, shape, rows: order.map((i) => v.rows[i]!), bias: order.map((i) => v.bias[i]!) });
        break;
      }
      case "Gather": {
        const v = affineIn(0);
        const idx = constIn(1, "indices");
        let axis = attrI("axis", 0);
        if (axis < 0) axis += v.shape.length;
        const dim = v.shape[axis]!;
        const indices = idx.data.map((i) => (i < 0 ? i + dim : i));
        if (indices.some((i) => !Number.isInteger(i) || i < 0 || i >= dim)) throw unsupported(`indices [${idx.data}] are outside axis ${axis} of size ${dim}.`);
        const shape = [...v.shape.slice(0, axis), ...idx.dims, ...v.shape.slice(axis + 1)];
        const outer = size(v.shape.slice(0, axis));
        const inner = size(v.shape.slice(axis + 1));
        const order: number[] = [];
        for (let o = 0; o < outer; o++) for (const i of indices) for (let k = 0; k < inner; k++) order.push((o * dim + i) * inner + k);
        set({ ...v, shape, rows: order.map((i) => v.rows[i]!), bias: order.map((i) => v.bias[i]!) });
        break;
      }
      case "Pad": {
        const v = affineIn(0);
        const mode = node.attributes.get("mode")?.s ?? "constant";
        if (mode !== "constant") throw unsupported(`mode "${mode}" (only constant padding is compiled).`);
        const pads = attrInts("pads") ?? constIn(1, "pads").data;
        const value = node.attributes.get("value")?.f ?? (node.inputs[2] ? constIn(2, "pad value").data[0]! : 0);
        const r = v.shape.length;
        if (pads.some((p) => p < 0)) throw unsupported("negative pads (cropping).");
        const shape = v.shape.map((d, k) => d + pads[k]! + pads[k + r]!);
        const os = strides(shape);
        const rows: number[][] = [];
        const bias: number[] = [];
        for (let flat = 0; flat < size(shape); flat++) {
          let src = 0;
          let inside = true;
          const is = strides(v.shape);
          shape.forEach((_, k) => {
            const c = (Math.floor(flat / os[k]!) % shape[k]!) - pads[k]!;
            if (c < 0 || c >= v.shape[k]!) inside = false;
            src += c * is[k]!;
          });
          rows.push(inside ? v.rows[src]! : new Array(stageSize).fill(0));
          bias.push(inside ? v.bias[src]! : value);
        }
        set({ ...v, shape, rows, bias });
        break;
      }
      case "Add":
      case "Sub":
      case "Mul":
      case "Div": {
        const a = input(0);
        const b = input(1);
        if (a.kind === "const" && b.kind === "const") throw unsupported("both operands are constants (constant folding is not implemented).");
        if (a.kind === "affine" && b.kind === "affine") {
          if (node.opType === "Mul" || node.opType === "Div")
            throw unsupported(`both operands depend on the model's input: a product of two signals is not a linear layer.`);
          if (a.stage !== b.stage)
            throw unsupported("its operands come from before and after a non-linear operator (a skip connection), which zkinfer does not compile.");
          if (a.shape.join() !== b.shape.join()) throw unsupported(`operand shapes [${a.shape}] and [${b.shape}] differ.`);
          const s = node.opType === "Add" ? 1 : -1;
          set({ ...a, rows: a.rows.map((r, i) => r.map((w, j) => w + s * b.rows[i]![j]!)), bias: a.bias.map((x, i) => x + s * b.bias[i]!) });
          break;
        }
        const v = (a.kind === "affine" ? a : b) as Affine;
        const c = (a.kind === "const" ? a : b) as Const;
        if (node.opType === "Div" && a.kind === "const") throw unsupported("division BY the model's data (only division by a constant is compiled).");
        const k = broadcast(c.tensor, v.shape);
        if (!k) throw unsupported(`constant of shape [${c.tensor.dims}] does not broadcast to the data's shape [${v.shape}] without growing it.`);
        if (node.opType === "Add") set({ ...v, bias: v.bias.map((x, i) => x + k[i]!) });
        else if (node.opType === "Sub") {
          const sign = a.kind === "affine" ? 1 : -1; // x - c, or c - x
          set({ ...v, rows: v.rows.map((r) => r.map((w) => sign * w)), bias: v.bias.map((x, i) => sign * x - sign * k[i]!) });
        } else {
          const m = node.opType === "Mul" ? k : k.map((x) => 1 / x);
          if (m.some((x) => !Number.isFinite(x))) throw unsupported("division by zero in the constant divisor.");
          set({ ...v, rows: v.rows.map((r, i) => r.map((w) => w * m[i]!)), bias: v.bias.map((x, i) => x * m[i]!) });
        }
        break;
      }
      case "Gemm":
      case "MatMul": {
        const a = affineIn(0);
        const bT = constIn(1, "weight matrix");
        const transA = node.opType === "Gemm" ? attrI("transA", 0) : 0;
        const transB = node.opType === "Gemm" ? attrI("transB", 0) : 0;
        const alpha = node.opType === "Gemm" ? attrF("alpha", 1) : 1;
        const beta = node.opType === "Gemm" ? attrF("beta", 1) : 1;
        if (transA) throw unsupported("transA = 1 (a transposed data operand).");
        if (bT.dims.length !== 2) throw unsupported(`the weight has rank ${bT.dims.length}; only 2-D weights are compiled.`);
        const [r0, c0] = bT.dims as [number, number];
        const [K, N] = transB ? [c0, r0] : [r0, c0];
        const w = (kk: number, n: number) => (transB ? bT.data[n * c0 + kk]! : bT.data[kk * c0 + n]!);
        const lead = a.shape.slice(0, -1);
        if (a.shape.at(-1) !== K || size(lead) !== 1)
          throw unsupported(`data shape [${a.shape}] does not match weight [${bT.dims}]${transB ? " (transposed)" : ""} for one example.`);
        const cBias = node.inputs[2] ? broadcast(constIn(2, "bias"), [N]) : new Array(N).fill(0);
        if (!cBias) throw unsupported(`bias does not broadcast to [${N}].`);
        const rows = Array.from({ length: N }, (_, n) => {
          const row = new Array<number>(stageSize).fill(0);
          for (let kk = 0; kk < K; kk++) {
            const wk = alpha * w(kk, n);
            if (wk !== 0) a.rows[kk]!.forEach((x, j) => (row[j]! += wk * x));
          }
          return row;
        });
        const bias = Array.from({ length: N }, (_, n) => {
          let s = beta * cBias[n]!;
          for (let kk = 0; kk < K; kk++) s += alpha * w(kk, n) * a.bias[kk]!;
          return s;
        });
        set({ ...a, shape: [...lead, N], rows, bias });
        break;
      }
      case "BatchNormalization": {
        const v = affineIn(0);
        const [scale, shift, mean, variance] = [1, 2, 3, 4].map((k) => constIn(k, ["scale", "bias", "mean", "variance"][k - 1]!).data);
        const eps = attrF("epsilon", 1e-5);
        const channels = v.shape[1] ?? 1;
        const inner = size(v.shape.slice(2));
        const gain = (c: number) => scale![c]! / Math.sqrt(variance![c]! + eps);
        set({
          ...v,
          rows: v.rows.map((r, i) => r.map((w) => w * gain(Math.floor(i / inner) % channels))),
          bias: v.bias.map((x, i) => {
            const c = Math.floor(i / inner) % channels;
            return (x - mean![c]!) * gain(c) + shift![c]!;
          }),
        });
        break;
      }
      case "Conv":
      case "AveragePool": {
        const v = affineIn(0);
        if (v.shape.length !== 4 || v.shape[0] !== 1) throw unsupported(`input shape [${v.shape}]; only 2-D (N=1, C, H, W) is compiled.`);
        const [, C, H, W] = v.shape as [number, number, number, number];
        const isConv = node.opType === "Conv";
        const weight = isConv ? constIn(1, "kernel") : undefined;
        const kernel = attrInts("kernel_shape") ?? (weight ? weight.dims.slice(2) : undefined);
        if (!kernel || kernel.length !== 2) throw unsupported("only 2-D kernels are compiled.");
        const [kh, kw] = kernel as [number, number];
        const [sh, sw] = (attrInts("strides") ?? [1, 1]) as [number, number];
        const [dh, dw] = (attrInts("dilations") ?? [1, 1]) as [number, number];
        const autoPad = node.attributes.get("auto_pad")?.s ?? "NOTSET";
        if (autoPad !== "NOTSET" && autoPad !== "VALID") throw unsupported(`auto_pad ${autoPad} (give explicit pads).`);
        const [pt, pl, pb, pr] = (attrInts("pads") ?? [0, 0, 0, 0]) as [number, number, number, number];
        if (attrI("ceil_mode", 0)) throw unsupported("ceil_mode = 1.");
        const group = attrI("group", 1);
        const M = isConv ? weight!.dims[0]! : C;
        if (isConv && (weight!.dims[1]! * group !== C || M % group !== 0))
          throw unsupported(`kernel [${weight!.dims}] with group ${group} does not fit ${C} input channels.`);
        const OH = Math.floor((H + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
        const OW = Math.floor((W + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
        if (OH < 1 || OW < 1) throw unsupported("the kernel is larger than the padded input.");
        const convBias = isConv && node.inputs[2] ? constIn(2, "bias").data : undefined;
        const countPad = attrI("count_include_pad", 0);
        const rows: number[][] = [];
        const bias: number[] = [];
        for (let m = 0; m < M; m++) {
          for (let oy = 0; oy < OH; oy++) {
            for (let ox = 0; ox < OW; ox++) {
              const row = new Array<number>(stageSize).fill(0);
              let b = isConv ? (convBias?.[m] ?? 0) : 0;
              const taps: [number, number][] = []; // [input flat index, weight]
              let inside = 0;
              const cPer = isConv ? C / group : 1;
              const c0 = isConv ? Math.floor(m / (M / group)) * cPer : m;
              for (let ci = 0; ci < cPer; ci++) {
                for (let ky = 0; ky < kh; ky++) {
                  for (let kx = 0; kx < kw; kx++) {
                    const iy = oy * sh - pt + ky * dh;
                    const ix = ox * sw - pl + kx * dw;
                    if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue; // zero padding
                    inside++;
                    const wgt = isConv ? weight!.data[((m * cPer + ci) * kh + ky) * kw + kx]! : 1;
                    taps.push([((c0 + ci) * H + iy) * W + ix, wgt]);
                  }
                }
              }
              const norm = isConv ? 1 : 1 / (countPad ? kh * kw : inside);
              for (const [idx, wgt] of taps) {
                const f = wgt * norm;
                if (f === 0) continue;
                v.rows[idx]!.forEach((x, j) => (row[j]! += f * x));
                b += f * v.bias[idx]!;
              }
              rows.push(row);
              bias.push(b);
            }
          }
        }
        set({ ...v, shape: [1, M, OH, OW], rows, bias });
        break;
      }
      case "Relu":
      case "Sigmoid":
      case "Tanh":
      case "LeakyRelu":
      case "PRelu":
      case "Clip": {
        const v = affineIn(0);
        let layer: FloatLayer;
        if (node.opType === "Relu") layer = { type: "relu" };
        else if (node.opType === "Sigmoid") layer = { type: "sigmoid" };
        else if (node.opType === "Tanh") layer = { type: "tanh" };
        else if (node.opType === "LeakyRelu") layer = { type: "leaky_relu", alpha: [attrF("alpha", 0.01)] };
        else if (node.opType === "PRelu") {
          const slope = broadcast(constIn(1, "slope"), v.shape);
          if (!slope) throw unsupported(`slope does not broadcast to [${v.shape}].`);
          layer = { type: "leaky_relu", alpha: slope };
        } else {
          const lo = node.inputs[1] ? constIn(1, "min").data[0] : node.attributes.get("min")?.f;
          const hi = node.inputs[2] ? constIn(2, "max").data[0] : node.attributes.get("max")?.f;
          layer = { type: "clip", ...(lo !== undefined ? { min: lo } : {}), ...(hi !== undefined ? { max: hi } : {}) };
        }
        materialize(v, node);
        layers.push(layer);
        set(nextStage(v.shape));
        break;
      }
      case "MaxPool": {
        const v = affineIn(0);
        if (v.shape.length !== 4 || v.shape[0] !== 1) throw unsupported(`input shape [${v.shape}]; only 2-D (N=1, C, H, W) is compiled.`);
        if (node.outputs.length > 1 && node.outputs[1]) throw unsupported("the Indices output is not compiled.");
        const [, C, H, W] = v.shape as [number, number, number, number];
        const [kh, kw] = (attrInts("kernel_shape") ?? []) as [number, number];
        const [sh, sw] = (attrInts("strides") ?? [1, 1]) as [number, number];
        const [dh, dw] = (attrInts("dilations") ?? [1, 1]) as [number, number];
        const [pt, pl, pb, pr] = (attrInts("pads") ?? [0, 0, 0, 0]) as [number, number, number, number];
        if (attrI("ceil_mode", 0)) throw unsupported("ceil_mode = 1.");
        const OH = Math.floor((H + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
        const OW = Math.floor((W + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
        const groups: number[][] = [];
        for (let c = 0; c < C; c++) {
          for (let oy = 0; oy < OH; oy++) {
            for (let ox = 0; ox < OW; ox++) {
              const g: number[] = [];
              for (let ky = 0; ky < kh; ky++) {
                for (let kx = 0; kx < kw; kx++) {
                  const iy = oy * sh - pt + ky * dh;
                  const ix = ox * sw - pl + kx * dw;
                  // Padding is -infinity for MaxPool: a padded tap never wins, so it is left out.
                  if (iy >= 0 && iy < H && ix >= 0 && ix < W) g.push((c * H + iy) * W + ix);
                }
              }
              if (g.length === 0) throw unsupported("a pooling window lies entirely in the padding.");
              groups.push(g);
            }
          }
        }
        materialize(v, node);
        layers.push({ type: "max", groups });
        set(nextStage([1, C, OH, OW]));
        break;
      }
      case "ArgMax": {
        const v = affineIn(0);
        let axis = attrI("axis", 0);
        if (axis < 0) axis += v.shape.length;
        if (attrI("select_last_index", 0)) throw unsupported("select_last_index = 1 (zkinfer's tie rule is the lowest index).");
        if (v.shape.some((d, k) => k !== axis && d !== 1))
          throw unsupported(`ArgMax over axis ${axis} of shape [${v.shape}]: only a single vector is compiled.`);
        materialize(v, node);
        layers.push({ type: "argmax" });
        finished = `ArgMax (node "${node.name}")`;
        set(nextStage([1]));
        break;
      }
      case "Softmax": {
        // Compiled only as the model's last operator, as ArgMax over its input: exp and the division
        // by a data-dependent sum have no exact fixed-point circuit, but the class (the largest
        // probability) is the largest logit's, because softmax is strictly monotone in each logit
        // against the others. Anywhere else its probabilities would feed later layers: refused.
        const consumers = graph.nodes.filter((n) => n !== node && n.inputs.includes(node.outputs[0]!));
        if (!graph.outputs.includes(node.outputs[0]!) || consumers.length > 0) {
          throw unsupported(
            `Softmax is compiled only as the model's final operator (as an ArgMax over its logits, giving the class); ` +
              `here its output feeds ${consumers.length ? `node "${consumers[0]!.name}" (${consumers[0]!.opType})` : "no graph output"}.`,
          );
        }
        const v = affineIn(0);
        // opset < 13: softmax over the dims from `axis` on (default 1); opset >= 13: over `axis` (default -1).
        const legacy = graph.opset > 0 && graph.opset < 13;
        let axis = attrI("axis", legacy ? 1 : -1);
        if (axis < 0) axis += v.shape.length;
        const single = legacy ? size(v.shape.slice(0, axis)) === 1 : v.shape.every((d, k) => k === axis || d === 1);
        if (!single) throw unsupported(`Softmax over axis ${axis} of shape [${v.shape}]: only a single vector of logits is compiled.`);
        materialize(v, node);
        layers.push({ type: "argmax" });
        finished = `Softmax (node "${node.name}")`;
        finalSoftmax = { node: node.name };
        set(nextStage([1]));
        break;
      }
      case "TreeEnsembleRegressor":
      case "TreeEnsembleClassifier": {
        const v = affineIn(0);
        const n = size(v.shape);
        if (v.shape.length > 2 || (v.shape.length === 2 && v.shape[0] !== 1))
          throw unsupported(`input shape [${v.shape}]; one example [1, features] is compiled.`);
        const layer = treeEnsembleLayer(node, unsupported, n);
        materialize(v, node);
        layers.push(layer);
        if (node.opType === "TreeEnsembleClassifier") {
          layers.push({ type: "argmax" });
          finished = `TreeEnsembleClassifier (node "${node.name}")`;
          set(nextStage([1]));
        } else {
          set(nextStage([1, layer.base.length]));
        }
        break;
      }
      default:
        throw unsupported(`zkinfer compiles ${SUPPORTED_OPERATORS.join(", ")}.`);
    }
  }

  // A TreeEnsembleClassifier has two outputs (label, scores); zkinfer compiles the label.
  const classifier = graph.nodes.find((n) => n.opType === "TreeEnsembleClassifier");
  if (classifier && graph.outputs.length === 2 && classifier.outputs.join() === graph.outputs.join()) graph = { ...graph, outputs: [graph.outputs[0]!] };
  if (graph.outputs.length !== 1) {
    throw new OnnxImportError(
      `${source} has ${graph.outputs.length} outputs (${graph.outputs.join(", ")}); zkinfer compiles models with exactly one output tensor.`,
    );
  }
  const out = values.get(graph.outputs[0]!);
  if (!out || out.kind !== "affine") throw new OnnxImportError(`${source}: the output ${graph.outputs[0]} does not depend on the input.`);
  if (!finished) {
    if (out.stage !== stage)
      throw new OnnxImportError(
        `${source}: the output ${graph.outputs[0]} skips the last non-linear operator (a skip connection), which zkinfer does not compile.`,
      );
    const isIdentity = out.rows.length === stageSize && out.bias.every((b) => b === 0) && out.rows.every((r, i) => r.every((w, j) => w === (i === j ? 1 : 0)));
    if (!isIdentity) layers.push({ type: "dense", weights: out.rows.map((r) => [...r]), bias: [...out.bias] });
  }
  if (layers.length === 0) layers.push({ type: "dense", weights: out.rows.map((r) => [...r]), bias: [...out.bias] });
  return {
    inputName: graphInput.name,
    inputShape: graphInput.shape,
    inputSize: n0,
    outputName: graph.outputs[0]!,
    outputShape: out.shape,
    layers,
    producer: graph.producer,
    operators,
    ...(finalSoftmax ? { finalSoftmax } : {}),
  };
}

/**
 * ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier (the form scikit-learn's exporters
 * write) -> the spec's tree_ensemble layer. Nodes are renumbered depth-first so children follow
 * their parent. BRANCH_LEQ (x <= v goes to the true child) is the spec's rule; BRANCH_GT swaps the
 * children. Other modes, post transforms and aggregates are refused, naming them.
 */
function treeEnsembleLayer(node: OnnxNode, unsupported: (reason: string) => Error, inputs: number): Extract<FloatLayer, { type: "tree_ensemble" }> {
  const ints = (name: string) => node.attributes.get(name)?.ints ?? [];
  const floats = (name: string) => node.attributes.get(name)?.floats ?? node.attributes.get(`${name}_as_tensor`)?.t?.data ?? [];
  const strings = (name: string) => node.attributes.get(name)?.strings ?? [];
  const isClassifier = node.opType === "TreeEnsembleClassifier";
  const post = node.attributes.get("post_transform")?.s ?? "NONE";
  if (post !== "NONE") throw unsupported(`post_transform ${post} (only NONE is compiled: export raw scores).`);
  const aggregate = node.attributes.get("aggregate_function")?.s ?? "SUM";
  if (aggregate !== "SUM") throw unsupported(`aggregate_function ${aggregate} (only SUM is compiled).`);
  const treeIds = ints("nodes_treeids");
  const nodeIds = ints("nodes_nodeids");
  const features = ints("nodes_featureids");
  const values = floats("nodes_values");
  const modes = strings("nodes_modes");
  const trueIds = ints("nodes_truenodeids");
  const falseIds = ints("nodes_falsenodeids");
  const prefix = isClassifier ? "class" : "target";
  const tTree = ints(`${prefix}_treeids`);
  const tNode = ints(`${prefix}_nodeids`);
  const tId = ints(`${prefix}_ids`);
  const tWeight = floats(`${prefix}_weights`);
  if (isClassifier) {
    const labels = ints("classlabels_int64s");
    if (!labels.length || labels.some((l, k) => l !== k)) throw unsupported("class labels must be the integers 0..n-1 (the circuit outputs the class index).");
  }
  const outputs = isClassifier ? Math.max(0, ...ints("classlabels_int64s").map((_, k) => k)) + 1 : (node.attributes.get("n_targets")?.i ?? 1);
  const base = floats("base_values");
  const key = (t: number, n: number) => `${t}/${n}`;
  const at = new Map<string, number>();
  treeIds.forEach((t, k) => at.set(key(t, nodeIds[k]!), k));
  const leafValues = new Map<string, number[]>();
  tTree.forEach((t, k) => {
    const id = key(t, tNode[k]!);
    const vals = leafValues.get(id) ?? new Array(outputs).fill(0);
    vals[tId[k]!] += tWeight[k]!;
    leafValues.set(id, vals);
  });
  const trees = [...new Set(treeIds)].map((t) => {
    type N = { feature: number; threshold: number; left: number; right: number } | { leaf: number[] };
    const nodes: N[] = [];
    const visit = (nid: number): number => {
      const k = at.get(key(t, nid));
      if (k === undefined) throw unsupported(`tree ${t} refers to a missing node ${nid}.`);
      const here = nodes.length;
      const mode = modes[k] ?? "LEAF";
      if (mode === "LEAF") {
        nodes.push({ leaf: leafValues.get(key(t, nid)) ?? new Array(outputs).fill(0) });
        return here;
      }
      if (mode !== "BRANCH_LEQ" && mode !== "BRANCH_GT") throw unsupported(`node mode ${mode} (BRANCH_LEQ and BRANCH_GT are compiled).`);
      if (features[k]! >= inputs) throw unsupported(`feature ${features[k]} is outside the input (${inputs} values).`);
      nodes.push({ leaf: [] }); // placeholder, filled once the children have indexes
      const [leqChild, gtChild] = mode === "BRANCH_LEQ" ? [trueIds[k]!, falseIds[k]!] : [falseIds[k]!, trueIds[k]!];
      const left = visit(leqChild);
      const right = visit(gtChild);
      nodes[here] = { feature: features[k]!, threshold: values[k]!, left, right };
      return here;
    };
    const root = Math.min(...treeIds.flatMap((tt, k) => (tt === t ? [nodeIds[k]!] : [])));
    visit(root);
    return { nodes };
  });
  return { type: "tree_ensemble", base: base.length ? base : new Array(outputs).fill(0), trees };
}

function identity(shape: number[], stage: number): Affine {
  const n = size(shape);
  return {
    kind: "affine",
    shape,
    stage,
    rows: Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))),
    bias: new Array(n).fill(0),
  };
}
