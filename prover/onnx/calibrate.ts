/**
 * Calibration: from an imported float network and sample inputs, choose the declared input ranges
 * and the fixed-point scales, so that the range analysis (lowerModel) proves that no intermediate
 * wraps around the field, then bound the error the quantization can introduce.
 *
 * - Input ranges: per input value, the samples' [min, max] widened by half the larger of its span
 *   and its magnitude (at least 0.5 on each side), so a fresh input near the samples is accepted;
 *   the circuit enforces the declared range and the prover refuses anything outside it.
 * - Scales: ~16 significant bits for inputs, weights and activations (2^(16 - ceil(log2 max|v|)),
 *   clamped to [0, 24]); when the range analysis refuses the result every scale drops by 2 bits,
 *   at most four times, and the last refusal is reported.
 * - Error bound: a worst-case bound on |quantized - float| per output, propagated layer by layer
 *   from the rounding of the inputs, the weights' quantization errors (times the proven bound on
 *   the values they multiply), each rescale's floor, the Lipschitz constant of each activation and
 *   the documented error of the piecewise-linear sigmoid/tanh (./../model/approx.ts).
 */
import { ModelRangeError, ZkinferError } from "../errors.js";
import { APPROX_FUNCTIONS } from "../model/approx.js";
import { lowerModel, type ModelIR } from "../model/ir.js";
import { parseModelSpec, type ModelSpec } from "../model/spec.js";
import type { FloatLayer, ImportedNetwork } from "./importedNetwork.js";
import { affine } from "../graph/families/affine.js";
import { evalFloatGraph } from "../graph/lower.js";
import { familyOf } from "../graph/registry.js";
import type { GraphSpec } from "../graph/types.js";

export class CalibrationError extends ZkinferError {
  override name = "CalibrationError";
}

export interface CalibrateParameters {
  network: ImportedNetwork;
  /** Sample inputs, each the flattened input tensor. */
  samples: number[][];
  name: string;
  version?: string;
  description?: string;
  /** Names of the input values (default x_0, x_1, ...). */
  featureNames?: string[];
  /** Explicit scales (skip the search). */
  fixedPoint?: ModelSpec["fixedPoint"];
  /** Explicit input ranges (skip the widening), e.g. a data set's documented bounds. */
  ranges?: { min: number; max: number }[];
  /**
   * Keep each input's sign when widening: an input whose samples are all >= 0 (> 0) gets a range
   * that stays >= 0 (> 0), so functions defined on a half-line (log, sqrt, a divisor) keep a
   * proven domain. Default: on for a graph-imported network (its functions need it), off otherwise.
   */
  keepSign?: boolean;
}

export interface Calibrated {
  spec: ModelSpec;
  ir: ModelIR;
  /** Worst-case |quantized - float| per output (Infinity for a discrete output: ArgMax, trees). */
  errorBound: number[];
}

/** Checks that every sample is a finite vector of the network's input size; errors say which. */
export function validateSamples(samples: unknown, inputSize: number, source = "samples"): number[][] {
  if (!Array.isArray(samples) || samples.length === 0)
    throw new CalibrationError(`${source}: expected at least one sample input (an array of ${inputSize} numbers).`);
  return samples.map((s, k) => {
    const flat = Array.isArray(s) ? (s.flat(Infinity) as unknown[]) : [s];
    if (flat.length !== inputSize) {
      throw new CalibrationError(`${source}: sample ${k} has ${flat.length} values; the model's input has ${inputSize} (its shape flattened).`);
    }
    flat.forEach((x, i) => {
      if (typeof x !== "number" || !Number.isFinite(x)) {
        throw new CalibrationError(`${source}: sample ${k} value ${i} is ${JSON.stringify(x)}; inputs must be finite numbers (no NaN or Infinity).`);
      }
    });
    return flat as number[];
  });
}

const bitsFor = (magnitude: number, target: number) => Math.min(24, Math.max(0, target - Math.ceil(Math.log2(Math.max(magnitude, 2 ** -8)))));
const roundOut = (x: number, down: boolean) => (down ? Math.floor(x * 16) : Math.ceil(x * 16)) / 16;

export function calibrate(p: CalibrateParameters): Calibrated {
  const n = p.network.inputSize;
  const samples = validateSamples(p.samples, n);
  const keepSign = p.keepSign ?? p.network.layers.some((l) => l.type === "graph");
  const ranges =
    p.ranges ??
    Array.from({ length: n }, (_, i) => {
      // A loop, not Math.min(...xs): a data set's rows may be more than the call stack takes.
      let lo = Infinity;
      let hi = -Infinity;
      for (const s of samples) {
        lo = Math.min(lo, s[i]!);
        hi = Math.max(hi, s[i]!);
      }
      const m = Math.max(0.5, (hi - lo) / 2, Math.max(Math.abs(lo), Math.abs(hi)) / 2);
      let min = roundOut(lo - m, true);
      let max = roundOut(hi + m, false);
      if (keepSign) {
        if (lo > 0) min = Math.max(min, lo / 2);
        else if (lo === 0) min = 0;
        if (hi < 0) max = Math.min(max, hi / 2);
        else if (hi === 0) max = 0;
      }
      return { min, max };
    });
  const names = p.featureNames ?? Array.from({ length: n }, (_, i) => `x_${i}`);

  // Loops, not Math.max(...xs): a convolution expanded to a dense layer has millions of weights,
  // more arguments than the call stack holds.
  let maxIn = 0;
  for (const r of ranges) maxIn = Math.max(maxIn, Math.abs(r.min), Math.abs(r.max));
  let maxW = 1;
  for (const l of p.network.layers) {
    if (l.type === "dense") for (const row of l.weights) for (const w of row) maxW = Math.max(maxW, Math.abs(w));
    else if (l.type === "leaky_relu") for (const a of l.alpha) maxW = Math.max(maxW, Math.abs(a));
    else if (l.type === "graph")
      for (const n of l.nodes) {
        if (n.op !== "affine") continue;
        affine.check(n, Number.MAX_SAFE_INTEGER);
        for (const r of n.rows) for (const w of r.w) maxW = Math.max(maxW, Math.abs(w));
      }
  }
  // Activation magnitudes seen on the samples (plus the input range's corners as a crude guard);
  // for a graph, every value of its tape.
  let maxAct = 1;
  const graphs = p.network.layers.filter((l): l is GraphSpec & FloatLayer => l.type === "graph");
  const nodeMags = graphs.map((g) => g.nodes.map(() => 0));
  for (const s of samples) {
    for (const layer of evalFloatLayers(p.network.layers, s)) for (const v of layer) if (Number.isFinite(v)) maxAct = Math.max(maxAct, Math.abs(v));
    graphs.forEach((g, gi) => {
      const tape = evalFloatGraph(g, s);
      for (const v of tape) if (Number.isFinite(v)) maxAct = Math.max(maxAct, Math.abs(v));
      nodeMagnitudes(g, tape, s.length, nodeMags[gi]!);
    });
  }

  let fp = p.fixedPoint ?? { inputBits: bitsFor(maxIn, 16), weightBits: bitsFor(maxW, 16), activationBits: bitsFor(maxAct * 4, 16) };
  // Per graph node, the bits its own magnitude allows beyond the global activation scale (set
  // by the largest activation anywhere): a variance of 1e-3 beside a 1/sqrt of 300 keeps its
  // own ~16 significant bits. Not with explicit scales.
  const extra = nodeMags.map((mags) => mags.map((m) => (p.fixedPoint ? 0 : Math.max(0, bitsFor(m * 4, 16) - fp.activationBits))));
  const outputs = outputWidth(p.network.layers, n);
  let lastError: unknown;
  const specFor = (fp: ModelSpec["fixedPoint"]) =>
    parseModelSpec({
      name: p.name,
      version: p.version ?? "1.0.0",
      ...(p.description ? { description: p.description } : {}),
      fixedPoint: fp,
      features: ranges.map((r, i) => ({ name: names[i]!, unit: "1", min: r.min, max: r.max })),
      layers: [
        ...p.network.layers.map((l) => withNodeBits(l, graphs, extra, fp.activationBits)),
        { type: "output", outputs: Array.from({ length: outputs }, (_, k) => ({ name: `y_${k}`, unit: "1" })) },
      ],
      metadata: { importedFrom: p.network.producer || "onnx", onnxOperators: [...new Set(p.network.operators)] },
    });
  for (let attempt = 0; attempt < 5; attempt++) {
    const spec = specFor(fp);
    try {
      const ir = lowerModel(spec);
      const found = { spec, ir, errorBound: errorBound(spec, ir) };
      return p.fixedPoint ? found : finerWeights(found, specFor);
    } catch (e) {
      if (!(e instanceof ModelRangeError) || p.fixedPoint) throw e;
      lastError = e;
      fp = { inputBits: Math.max(0, fp.inputBits - 2), weightBits: Math.max(0, fp.weightBits - 2), activationBits: Math.max(0, fp.activationBits - 2) };
    }
  }
  throw new CalibrationError(`no fixed-point scales keep every intermediate inside the field: ${(lastError as Error).message}`);
}

/** The sum of the finite bounds (a discrete output's infinite bound is the same at any scale). */
const finiteSum = (b: number[]) => b.filter(Number.isFinite).reduce((a, x) => a + x, 0);

/**
 * Weights 4 bits finer when that at least halves the bound: a weight's rounding times the proven
 * range of the value it multiplies dominates deep stacks (large_mlp: 33 -> 3), at a cost of 4
 * constraints per rescaled value. Otherwise (or when the finer scales do not fit) the first choice.
 */
function finerWeights(first: Calibrated, specFor: (fp: ModelSpec["fixedPoint"]) => ModelSpec): Calibrated {
  const fp = first.spec.fixedPoint;
  if (fp.weightBits + 4 > 24 || !(finiteSum(first.errorBound) > 0)) return first;
  try {
    const spec = specFor({ ...fp, weightBits: fp.weightBits + 4 });
    const ir = lowerModel(spec);
    const errorBoundFiner = errorBound(spec, ir);
    return finiteSum(errorBoundFiner) <= finiteSum(first.errorBound) / 2 ? { spec, ir, errorBound: errorBoundFiner } : first;
  } catch (e) {
    if (e instanceof ModelRangeError) return first;
    throw e;
  }
}

/** Each graph node's largest |output| on one sample's tape (the inputs first), into `mags`. */
function nodeMagnitudes(g: GraphSpec, tape: readonly number[], inputs: number, mags: number[]): void {
  let at = inputs;
  g.nodes.forEach((n, k) => {
    const count = familyOf(n.op).validate(n, at);
    for (let i = at; i < at + count; i++) if (Number.isFinite(tape[i]!)) mags[k] = Math.max(mags[k]!, Math.abs(tape[i]!));
    at += count;
  });
}

/** A graph layer with each node's activation scale (the global one plus its extra bits); others as they are. */
function withNodeBits(l: FloatLayer, graphs: readonly FloatLayer[], extra: number[][], activationBits: number): FloatLayer {
  const gi = graphs.indexOf(l);
  if (gi < 0) return l;
  const g = l as GraphSpec & FloatLayer;
  return { ...g, nodes: g.nodes.map((n, k) => (extra[gi]![k] ? { ...n, activationBits: activationBits + extra[gi]![k]! } : n)) } as FloatLayer;
}

function outputWidth(layers: FloatLayer[], n: number): number {
  let w = n;
  for (const l of layers) {
    if (l.type === "dense") w = l.weights.length;
    else if (l.type === "max") w = l.groups.length;
    else if (l.type === "argmax") w = 1;
    else if (l.type === "tree_ensemble") w = l.base.length;
    else if (l.type === "graph") w = l.outputs.length;
  }
  return w;
}

/** The float network's value after each layer (true sigmoid/tanh: the reference for errors). */
export function evalFloatLayers(layers: readonly FloatLayer[], input: readonly number[]): number[][] {
  let x = [...input];
  const out: number[][] = [];
  for (const l of layers) {
    switch (l.type) {
      case "dense":
        x = l.weights.map((row, o) => row.reduce((acc, w, i) => acc + w * x[i]!, l.bias[o]!));
        break;
      case "relu":
        x = x.map((v) => Math.max(0, v));
        break;
      case "leaky_relu":
        x = x.map((v, i) => (v >= 0 ? v : (l.alpha.length === 1 ? l.alpha[0]! : l.alpha[i]!) * v));
        break;
      case "clip":
        x = x.map((v) => Math.min(l.max ?? Infinity, Math.max(l.min ?? -Infinity, v)));
        break;
      case "sigmoid":
      case "tanh":
        x = x.map(APPROX_FUNCTIONS[l.type]);
        break;
      case "max":
        x = l.groups.map((g) => Math.max(...g.map((i) => x[i]!)));
        break;
      case "argmax": {
        let best = 0;
        x.forEach((v, i) => (v > x[best]! ? (best = i) : 0));
        x = [best];
        break;
      }
      case "graph": {
        const tape = evalFloatGraph(l as GraphSpec, x);
        x = l.outputs.map((o) => tape[o]!);
        break;
      }
      case "tree_ensemble":
        x = l.base.map((b, k) =>
          l.trees.reduce((acc, t) => {
            let node = t.nodes[0]!;
            while (!("leaf" in node)) node = t.nodes[x[node.feature]! <= node.threshold ? node.left : node.right]!;
            return acc + node.leaf[k]!;
          }, b),
        );
        break;
    }
    out.push(x);
  }
  return out;
}

/**
 * Worst-case |quantized - float| per output: the graph's error analysis (each family's error rule,
 * prover/graph/types.ts ValueInfo.err), which covers every layer kind since the spec lowers to one
 * graph (prover/model/specGraph.ts).
 */
export function errorBound(_spec: ModelSpec, ir: ModelIR): number[] {
  return ir.graph.outErr;
}
