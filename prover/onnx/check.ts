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
import { circuitBaseName } from "../artifacts/paths.js";
import { generateCircuit } from "../circuit/codegen.js";
import { compileCircuit } from "../circuit/compile.js";
import { ZkinferError } from "../errors.js";
import { fromField, toField } from "../field.js";
import { modelCommitment } from "../model/commitment.js";
import { decodeOutputs, runQuantized } from "../model/interpret.js";
import { quantize } from "../model/quantize.js";
import { calibrate, errorBound as errorBoundOf, validateSamples } from "./calibrate.js";
import { importOnnx, type ImportedNetwork } from "./import.js";

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

/** float32 onnxruntime output for one input (the float reference). */
export async function runOnnxRuntime(onnxPath: string, net: ImportedNetwork, input: number[]): Promise<number[]> {
  const ort = await import("onnxruntime-node");
  let session;
  try {
    session = await ort.InferenceSession.create(onnxPath);
  } catch (cause) {
    throw new ZkinferError(`onnxruntime cannot load ${onnxPath}: ${(cause as Error).message}`);
  }
  try {
    const feeds = { [net.inputName]: new ort.Tensor("float32", Float32Array.from(input), net.inputShape) };
    const result = await session.run(feeds);
    const out = result[net.outputName] ?? Object.values(result)[0]!;
    return Array.from(out.data as ArrayLike<number | bigint>, Number);
  } finally {
    await session.release();
  }
}

export async function checkOnnx(onnxPath: string, inputPath: string, log: (line: string) => void = () => {}): Promise<CheckOnnxReturnType> {
  let net: ImportedNetwork;
  try {
    net = importOnnx(readFileSync(onnxPath), onnxPath);
  } catch (e) {
    if (e instanceof ZkinferError) return { supported: false, reason: e.message };
    throw e;
  }
  const [sample] = validateSamples(readInputJson(inputPath), net.inputSize, inputPath);
  log(`imported ${net.operators.join(" -> ")}: ${net.layers.map((l) => l.type).join(", ")}`);
  const { spec, ir, errorBound } = calibrate({ network: net, samples: [sample!], name: "check-onnx" });
  log(`calibrated: inputs 2^${ir.inputScale}, outputs 2^${ir.outputs[0]!.scale}`);

  const ortOut = await runOnnxRuntime(onnxPath, net, sample!);
  // A final Softmax is compiled as ArgMax: compare classes, onnxruntime's being the argmax of its
  // probabilities with the circuit's tie rule (lowest index).
  const float = net.finalSoftmax ? [argmaxLowest(ortOut)] : ortOut;
  const qin = sample!.map((x) => quantize(x, ir.inputScale));
  const reference = runQuantized(ir, qin);
  const quantized = decodeOutputs(ir, reference.outputs);

  const dir = mkdtempSync(join(tmpdir(), "zkinfer-check-"));
  try {
    const base = circuitBaseName(ir.name);
    const source = join(dir, `${base}.circom`);
    writeFileSync(source, generateCircuit({ ir, modelCommitment: await modelCommitment(ir) }));
    log("compiling the circuit (circom2)...");
    const info = await compileCircuit({ source, outDir: dir });
    const wc = await WitnessCalculatorBuilder(readFileSync(join(dir, `${base}_js`, `${base}.wasm`)));
    const w: bigint[] = await wc.calculateWitness({ features: qin.map(toField), salt: 1n, subject: 0n, nonce: 0n }, true);
    const circuitQ = ir.outputs.map((_, k) => fromField(w[1 + k]!));
    if (circuitQ.some((q, k) => q !== reference.outputs[k])) {
      throw new ZkinferError(`circuit and reference interpreter disagree ([${circuitQ}] vs [${reference.outputs}]): a compiler bug.`);
    }
    const circuit = decodeOutputs(ir, circuitQ);
    if (float.length !== circuit.length) {
      throw new ZkinferError(`onnxruntime gives ${float.length} outputs, the compiled model ${circuit.length}.`);
    }
    const maxAbsError = Math.max(...circuit.map((c, k) => Math.abs(c - float[k]!)));
    if (net.finalSoftmax) {
      // Logit margin from the probabilities: z_i - z_j = ln p_i - ln p_j. The class is certain when
      // the top logit leads the runner-up by more than twice the logits' worst-case error.
      const logitBound = Math.max(...errorBoundOf({ ...spec, layers: spec.layers.filter((l) => l.type !== "argmax") }, { ...ir, ops: ir.ops.slice(0, -1) }));
      const sorted = [...ortOut].sort((a, b) => b - a);
      const margin = sorted.length > 1 ? Math.log(sorted[0]!) - Math.log(sorted[1]!) : Infinity;
      const certain = margin > 2 * logitBound + 2 ** -20;
      return {
        supported: true,
        constraints: info.nonLinearConstraints + info.linearConstraints,
        outputs: { float, quantized, circuit },
        maxAbsError,
        errorBound: certain ? 0 : null,
        softmax: { node: net.finalSoftmax.node, probabilities: ortOut, logitMargin: margin, logitErrorBound: logitBound },
      };
    }
    // onnxruntime computes in float32; the bound is against exact arithmetic, so allow float32's
    // own rounding on top (relative 2^-20 of the magnitude, far above float32's 2^-24 per step).
    const bound = Math.max(...errorBound.map((b, k) => b + 2 ** -20 * (1 + Math.abs(float[k]!))));
    return {
      supported: true,
      constraints: info.nonLinearConstraints + info.linearConstraints,
      outputs: { float, quantized, circuit },
      maxAbsError,
      errorBound: Number.isFinite(bound) ? bound : null,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
