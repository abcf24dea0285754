/**
 * `zkinfer check-onnx`: can this ONNX model be compiled, and how close is the circuit to the float
 * model? Imports and calibrates on the given input, runs onnxruntime (float), the reference
 * interpreter (quantized) and the compiled circuit's witness on the same input, and reports one
 * JSON object. Needs only compile + witness: no setup, no proof.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import type * as Ort from "onnxruntime-node";
import { circuitBaseName } from "../artifacts/paths.js";
import { generateCircuit } from "../circuit/codegen.js";
import { compileCircuit } from "../circuit/compile.js";
import { ToolchainError, ZkinferError } from "../errors.js";
import { fromField, toField } from "../field.js";
import { modelCommitment } from "../circuit/commitment.js";
import { decodeOutputs, runQuantized } from "../model/interpret.js";
import { quantize } from "../model/quantize.js";
import { calibrate, evalFloatLayers, validateSamples } from "./calibrate.js";
import type { ImportedNetwork } from "./importedNetwork.js";
import { checkCircuitSize, circuitConstraints, ModelTooLargeError } from "./estimate.js";
import { importNetwork, type ImportOptions } from "./network.js";
import { evalFloatGraph } from "../graph/lower.js";
import type { GraphSpec } from "../graph/types.js";
import { maxOf } from "../graph/util.js";
import type { ModelIR } from "../model/ir.js";

export interface CheckOnnxReturnType {
  supported: boolean;
  reason?: string;
  constraints?: number;
  outputs?: { float: number[]; quantized: number[]; circuit: number[] };
  maxAbsError?: number;
  /**
   * The calibration's worst-case bound on |circuit - float| (null for discrete outputs). For a final
   * Softmax (compiled as ArgMax) the outputs are class indexes and the bound is 0 when the float
   * logits' margin (top two, from onnxruntime's probabilities) exceeds twice the logits' worst-case
   * quantization error, i.e. when the circuit's class is certain to be onnxruntime's; null otherwise.
   */
  errorBound?: number | null;
  /** Set when the model is refused as too large: the estimated constraint count. */
  estimatedConstraints?: number;
  /**
   * What the circuit was compared with: onnxruntime, or zkinfer's float interpreter of the imported
   * graph when onnxruntime cannot load the model (`why` says what onnxruntime answered).
   */
  floatReference?: { source: "onnxruntime" } | { source: "interpreter"; why: string };
  /**
   * A model over the single-proof limit, segmented instead of refused (docs/SEGMENTS.md): K, each
   * segment's estimated constraints over the lowered graph (no circuit is compiled; `errorBound` is the
   * calibration's, which holds end to end since boundaries are exact integers; `maxAbsError` is
   * measured on the segment chain, `errorMeasuredBy`, prover/segment/onnxPlan.ts).
   */
  segments?: {
    k: number;
    maxSegmentConstraints: number;
    constraints: number[];
    boundaryValues: number;
    estimatedConstraints: number;
    plannedFrom: "lowered" | "estimate";
    errorMeasuredBy?: "segment-interpreter";
  };
  /** Final Softmax only: what was compared (the class) and why its bound holds. */
  softmax?: { node: string; probabilities: number[]; logitMargin: number; logitErrorBound: number };
}

/** Index of the largest value, ties to the lowest index (the circuit's ArgMax rule). */
export function argmaxLowest(xs: readonly number[]): number {
  let best = 0;
  xs.forEach((x, i) => {
    if (x > xs[best]!) best = i;
  });
  return best;
}

/** Reads `{"input_data": [[...]]}` (the peer corpus's format) or a bare array of numbers. */
export function readInputJson(path: string): number[][] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ZkinferError(`${path} is not valid JSON: ${(cause as Error).message}`);
  }
  const data = Array.isArray(json) ? json : (json as { input_data?: unknown })?.input_data;
  if (!Array.isArray(data) || data.length === 0) {
    throw new ZkinferError(`${path}: expected {"input_data": [[numbers...]]} or an array of numbers.`);
  }
  return (typeof data[0] === "number" ? [data] : data) as number[][];
}

/**
 * The model's flattened input vector from the rows of an input file: one row for a one-input
 * model; for several input tensors, one row per tensor (matched by position, or by the digits that
 * end the tensors' names when the file has more rows than the graph has inputs, as when an exporter
 * dropped unused inputs: input2, input3 -> rows 2, 3), concatenated in the graph's input order.
 */
export function assembleSample(net: ImportedNetwork, rowsIn: number[][], source: string): number[] {
  // Boolean tensors are written as true/false: 1 and 0.
  const rows = rowsIn.map((r) => (Array.isArray(r) ? (r.flat(Infinity) as unknown[]).map((v) => (typeof v === "boolean" ? Number(v) : v)) : r)) as number[][];
  const inputs = net.inputs;
  if (!inputs || inputs.length <= 1) return validateSamples(rows, net.inputSize, source)[0]!;
  const sizes = inputs.map((i) => i.shape.reduce((a, b) => a * b, 1));
  let pick = inputs.map((_, k) => k);
  if (rows.length !== inputs.length) {
    pick = inputs.map((i) => {
      const m = /(\d+)$/.exec(i.name);
      return m ? Number(m[1]) : 0;
    });
  }
  return inputs.flatMap((inp, k) => {
    const row = rows[pick[k]!];
    if (!row || row.flat(Infinity).length !== sizes[k]) {
      throw new ZkinferError(
        `${source}: no row of ${sizes[k]} values for input ${inp.name} (the file has ${rows.length} rows; one per input tensor, in order).`,
      );
    }
    return validateSamples([row], sizes[k]!, source)[0]!;
  });
}

/** float32 onnxruntime output for one input (the float reference): every output, flattened, in order. */
export async function runOnnxRuntime(onnxPath: string, net: ImportedNetwork, input: number[]): Promise<number[]> {
  // An optional peer of the package (about 300 MB of native runtimes): only this float reference needs it.
  let ort: typeof Ort;
  try {
    ort = await import("onnxruntime-node");
  } catch (cause) {
    throw new ZkinferError("check-onnx compares with onnxruntime: install it beside zkinfer (`npm install onnxruntime-node@1.30.0`).", { cause });
  }
  let session;
  try {
    session = await ort.InferenceSession.create(onnxPath);
  } catch (cause) {
    throw new ZkinferError(`onnxruntime cannot load ${onnxPath}: ${(cause as Error).message}`);
  }
  try {
    // Its Node binding aborts the whole process (out of memory) returning a packed 4-bit tensor.
    const packed = session.outputMetadata.find((m) => m.isTensor && (m.type === "int4" || m.type === "uint4"));
    if (packed) throw new ZkinferError(`onnxruntime's Node binding cannot return the ${packed.isTensor ? packed.type : ""} output ${packed.name}`);
    const inputs = net.inputs ?? [{ name: net.inputName, shape: net.inputShape, elemType: 1 }];
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    let at = 0;
    for (const inp of inputs) {
      const n = inp.shape.reduce((a, b) => a * b, 1);
      const vals = input.slice(at, at + n);
      at += n;
      // TensorProto types: 7 int64, 6 int32, 9 bool, 11 double; anything else is fed as float32.
      feeds[inp.name] =
        inp.elemType === 7
          ? new ort.Tensor("int64", BigInt64Array.from(vals.map((v) => BigInt(Math.round(v)))), inp.shape)
          : inp.elemType === 6
            ? new ort.Tensor("int32", Int32Array.from(vals.map(Math.round)), inp.shape)
            : inp.elemType === 9
              ? new ort.Tensor("bool", Uint8Array.from(vals.map((v) => (v ? 1 : 0))), inp.shape)
              : inp.elemType === 11
                ? new ort.Tensor("float64", Float64Array.from(vals), inp.shape)
                : new ort.Tensor("float32", Float32Array.from(vals), inp.shape);
    }
    const result = await session.run(feeds);
    const names = net.outputs?.map((o) => o.name) ?? [net.outputName];
    return names.flatMap((name) => {
      const out = result[name] ?? (names.length === 1 ? Object.values(result)[0] : undefined);
      if (!out) throw new ZkinferError(`onnxruntime gave no output ${name}.`);
      return Array.from(out.data as ArrayLike<number | bigint | boolean>, Number);
    });
  } finally {
    await session.release();
  }
}

/**
 * The float model's outputs from zkinfer's own interpreter of the imported network (exact float
 * semantics of every node, prover/graph's evalFloat rules), in onnxruntime's form: for a final
 * Softmax compiled as ArgMax (--argmax-output) the probabilities, from the logits the graph's final
 * argmax node reads.
 */
export function interpretFloat(net: ImportedNetwork, sample: readonly number[]): number[] {
  if (!net.finalSoftmax) return evalFloatLayers(net.layers, sample).at(-1)!;
  const graph = net.layers[0] as GraphSpec;
  const tape = evalFloatGraph(graph, sample);
  const logits = graph.nodes.at(-1)!.args.map((a) => tape[a]!);
  const m = Math.max(...logits);
  const e = logits.map((z) => Math.exp(z - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** The largest error bound of the values the model's final argmax node reads (the logits). */
function argmaxInputBound(ir: ModelIR): number {
  const tapeErr = [...ir.graph.in.map(() => 2 ** -(ir.inputScale + 1)), ...ir.graph.nodes.flatMap((n) => n.outs.map((v) => v.err))];
  const last = ir.graph.nodes.at(-1)!;
  return maxOf(last.args.map((a) => tapeErr[a]!));
}

/** What check-onnx does with a model over the single-proof limit instead of refusing it (the CLI passes prover/segment/onnxPlan.ts's). */
export type OverLimit = (tooLarge: ModelTooLargeError) => Promise<CheckOnnxReturnType>;

export async function checkOnnx(
  onnxPath: string,
  inputPath: string,
  log: (line: string) => void = () => {},
  options: ImportOptions = {},
  /** A model over the single-proof limit: segmented by this (docs/SEGMENTS.md), or refused when absent. */
  overLimit?: OverLimit,
): Promise<CheckOnnxReturnType> {
  let net: ImportedNetwork;
  try {
    net = importNetwork(readFileSync(onnxPath), onnxPath, log, options);
  } catch (e) {
    if (e instanceof ModelTooLargeError && overLimit) return overLimit(e);
    if (e instanceof ModelTooLargeError) return { supported: false, reason: e.message, estimatedConstraints: e.estimatedConstraints };
    if (e instanceof ZkinferError) return { supported: false, reason: e.message };
    throw e;
  }
  const sample = assembleSample(net, readInputJson(inputPath), inputPath);
  log(`imported ${net.operators.join(" -> ")}: ${net.layers.map((l) => l.type).join(", ")}`);
  let calibrated: ReturnType<typeof calibrate>;
  try {
    calibrated = calibrate({ network: net, samples: [sample], name: "check-onnx" });
  } catch (e) {
    if (e instanceof ZkinferError) return { supported: false, reason: e.message };
    throw e;
  }
  const { ir, errorBound } = calibrated;
  // The circuit counted from its calibrated widths (circuitConstraints): above the limit, refused
  // (or segmented) before circom runs.
  const estimate = circuitConstraints(ir);
  try {
    checkCircuitSize(ir, onnxPath);
  } catch (e) {
    if (!(e instanceof ModelTooLargeError)) throw e;
    if (overLimit) return overLimit(e);
    return { supported: false, reason: e.message, estimatedConstraints: estimate };
  }
  log(`calibrated: inputs 2^${ir.inputScale}, outputs 2^${ir.outputs[0]!.scale}`);

  const { ortOut, float, floatReference } = await floatReferenceOf(onnxPath, net, sample, log);
  const qin = sample.map((x) => quantize(x, ir.inputScale));
  const reference = runQuantized(ir, qin);
  const quantized = decodeOutputs(ir, reference.outputs);

  const dir = mkdtempSync(join(tmpdir(), "zkinfer-check-"));
  try {
    const base = circuitBaseName(ir.name);
    const source = join(dir, `${base}.circom`);
    writeFileSync(source, generateCircuit({ ir, modelCommitment: await modelCommitment(ir) }));
    log("compiling the circuit (circom2)...");
    let info;
    try {
      info = await compileCircuit({ source, outDir: dir });
    } catch (e) {
      // circom2 (WASM, at most 4 GB) can exhaust its memory on a model the estimate let through the
      // single-proof gate: such a model is over the single-proof limit in fact, so it is segmented.
      if (overLimit && e instanceof ToolchainError && /memory allocation|out of memory/i.test(e.message))
        return overLimit(
          new ModelTooLargeError(
            `about ${estimate.toLocaleString("en-US")} constraints estimated, and circom ran out of memory compiling the whole circuit.`,
            estimate,
          ),
        );
      throw e;
    }
    const wc = await WitnessCalculatorBuilder(readFileSync(join(dir, `${base}_js`, `${base}.wasm`)));
    const w: bigint[] = await wc.calculateWitness({ features: qin.map(toField), salt: 1n, subject: 0n, nonce: 0n }, true);
    const circuitQ = ir.outputs.map((_, k) => fromField(w[1 + k]!));
    if (circuitQ.some((q, k) => q !== reference.outputs[k])) {
      throw new ZkinferError(`circuit and reference interpreter disagree ([${circuitQ}] vs [${reference.outputs}]): a compiler bug.`);
    }
    return {
      supported: true,
      constraints: info.nonLinearConstraints + info.linearConstraints,
      estimatedConstraints: estimate,
      ...compareWithFloat(net, ir, errorBound, ortOut, float, quantized, circuitQ),
      floatReference,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The float reference for `sample`: onnxruntime, or where it cannot load the model (an old opset, an
 * IR version it does not read, an operator it lacks) zkinfer's own float interpreter of the imported
 * graph, which the report names. `float` is what the circuit's outputs are compared with: for a final
 * Softmax compiled as ArgMax, onnxruntime's class (the argmax of its probabilities with the circuit's
 * tie rule, lowest index).
 */
export async function floatReferenceOf(
  onnxPath: string,
  net: ImportedNetwork,
  sample: number[],
  log: (line: string) => void = () => {},
): Promise<{ ortOut: number[]; float: number[]; floatReference: NonNullable<CheckOnnxReturnType["floatReference"]> }> {
  let ortOut: number[];
  let floatReference: NonNullable<CheckOnnxReturnType["floatReference"]>;
  try {
    ortOut = await runOnnxRuntime(onnxPath, net, sample);
    floatReference = { source: "onnxruntime" };
  } catch (e) {
    if (!(e instanceof ZkinferError)) throw e;
    ortOut = interpretFloat(net, sample);
    floatReference = { source: "interpreter", why: e.message };
    log(`${e.message}: checking against zkinfer's float interpreter of the imported graph instead`);
  }
  return { ortOut, float: net.finalSoftmax ? [argmaxLowest(ortOut)] : ortOut, floatReference };
}

/**
 * The report's comparison of the circuit's outputs `circuitQ` (quantized) with the float reference:
 * the decoded outputs, max |circuit - float| and the bound it must stay within (the calibration's
 * `errorBound` plus float32's own rounding; for a final Softmax, 0 when the class is certain, see
 * CheckOnnxReturnType.errorBound). The single circuit's witness and the segment chain
 * (prover/segment/onnxPlan.ts) are both reported by it.
 */
export function compareWithFloat(
  net: ImportedNetwork,
  ir: ModelIR,
  errorBound: readonly number[],
  ortOut: readonly number[],
  float: readonly number[],
  quantized: number[],
  circuitQ: readonly bigint[],
): Pick<CheckOnnxReturnType, "outputs" | "maxAbsError" | "errorBound" | "softmax"> {
  const circuit = decodeOutputs(ir, circuitQ);
  if (float.length !== circuit.length) {
    throw new ZkinferError(`onnxruntime gives ${float.length} outputs, the compiled model ${circuit.length}.`);
  }
  const maxAbsError = Math.max(...circuit.map((c, k) => Math.abs(c - float[k]!)));
  const outputs = { float: [...float], quantized, circuit };
  if (net.finalSoftmax) {
    // Logit margin from the probabilities: z_i - z_j = ln p_i - ln p_j. The class is certain when
    // the top logit leads the runner-up by more than twice the logits' worst-case error.
    const logitBound = argmaxInputBound(ir);
    const sorted = [...ortOut].sort((a, b) => b - a);
    const margin = sorted.length > 1 ? Math.log(sorted[0]!) - Math.log(sorted[1]!) : Infinity;
    const certain = margin > 2 * logitBound + 2 ** -20;
    return {
      outputs,
      maxAbsError,
      errorBound: certain ? 0 : null,
      softmax: { node: net.finalSoftmax.node, probabilities: [...ortOut], logitMargin: margin, logitErrorBound: logitBound },
    };
  }
  // onnxruntime computes in float32; the bound is against exact arithmetic, so allow float32's
  // own rounding on top (relative 2^-20 of the magnitude, far above float32's 2^-24 per step).
  const bound = Math.max(...errorBound.map((b, k) => b + 2 ** -20 * (1 + Math.abs(float[k]!))));
  return { outputs, maxAbsError, errorBound: Number.isFinite(bound) ? bound : null };
}
