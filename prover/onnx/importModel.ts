/**
 * The import pipeline behind `zkinfer import`: ONNX (or a JSON spec) + sample inputs -> a
 * calibrated, range-checked spec and a calibration report comparing the float network, the
 * quantized reference interpreter and the compiled circuit's witness.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { circuitBaseName } from "../artifacts/paths.js";
import { compileCircuit } from "../circuit/compile.js";
import { ZkinferError } from "../errors.js";
import { fromField, toField } from "../field.js";
import { renderModel } from "../circuit/commitment.js";
import { decodeOutputs, runQuantized } from "../model/interpret.js";
import { lowerModel, type ModelIR } from "../model/ir.js";
import { quantize } from "../model/quantize.js";
import { readModelSpec, type ModelSpec } from "../model/spec.js";
import { calibrate, errorBound, evalFloatLayers, validateSamples } from "./calibrate.js";
import type { FloatLayer } from "./importedNetwork.js";
import { checkCircuitSize } from "./estimate.js";
import { importNetwork } from "./network.js";
import { readSamples } from "./samples.js";

/** How many samples the report also runs through the compiled circuit (witness only). */
const CIRCUIT_SAMPLES = 5;

export interface ImportModelParameters {
  modelPath: string;
  samplesPath: string;
  name: string;
  /** Decision threshold of a single-output model for the accuracy report. */
  threshold?: number;
  /** ONNX only: compile a final Softmax as the class index (ImportOptions.argmaxOutput). */
  argmaxOutput?: boolean;
  log?: (line: string) => void;
  /**
   * Default true: compile the whole circuit and compare its outputs on the samples. False for a model
   * imported for segmented proving (docs/SEGMENTS.md): no whole circuit is compiled, the report's
   * `circuit` outputs are empty and `constraints` is 0 (each segment's circuit is checked by its build).
   */
  compile?: boolean;
}

export interface CalibrationReport {
  model: string;
  source: string;
  samples: number;
  fixedPoint: ModelSpec["fixedPoint"];
  constraints: number;
  /** Worst-case |quantized - float| per output from the calibration (null: discrete output). */
  errorBound: (number | null)[];
  /** Largest |quantized - float| seen on the samples. */
  maxAbsError: number;
  /** The first samples through all three back ends (circuit = quantized is checked). */
  examples: { float: number[]; quantized: number[]; circuit: number[] }[];
  accuracy?: { labelled: number; float: number; quantized: number; changePoints: number };
}

export async function importModel(p: ImportModelParameters): Promise<{ spec: ModelSpec; ir: ModelIR; report: CalibrationReport }> {
  const log = p.log ?? (() => {});
  const samples = readSamples(p.samplesPath);
  let spec: ModelSpec;
  let ir: ModelIR;
  let rows: number[][];
  if (p.modelPath.toLowerCase().endsWith(".onnx")) {
    const net = importNetwork(readFileSync(p.modelPath), p.modelPath, log, { argmaxOutput: p.argmaxOutput === true });
    log(`imported ${p.modelPath}: ${net.operators.length} ONNX nodes -> ${net.layers.map((l) => l.type).join(", ")}`);
    rows = validateSamples(samples.rows, net.inputSize, p.samplesPath);
    const names = samples.names?.length === net.inputSize && samples.names.every((n) => /^[a-z][a-z0-9_]*$/.test(n)) ? samples.names : undefined;
    ({ spec, ir } = calibrate({ network: net, samples: rows, name: p.name, featureNames: names }));
    // A circuit that would not fit is refused here, from its calibrated widths, not after compiling.
    if (p.compile !== false) checkCircuitSize(ir, p.modelPath);
  } else {
    spec = readModelSpec(p.modelPath);
    ir = lowerModel(spec);
    const names = spec.features.map((f) => f.name);
    // Samples with named columns are matched by name; bare vectors are taken in feature order.
    rows = samples.names
      ? samples.rows.map((r) =>
          names.map((n) => {
            const k = samples.names!.indexOf(n);
            if (k < 0) throw new ZkinferError(`${p.samplesPath} has no column for feature \`${n}\` of ${spec.name}.`);
            return r[k]!;
          }),
        )
      : validateSamples(samples.rows, names.length, p.samplesPath);
    log(`read spec ${spec.name}@${spec.version}: ${spec.layers.length - 1} layers`);
  }
  log(
    `calibrated on ${rows.length} samples: inputs 2^${spec.fixedPoint.inputBits}, weights 2^${spec.fixedPoint.weightBits}, activations 2^${spec.fixedPoint.activationBits}`,
  );

  const layers = spec.layers.filter((l): l is FloatLayer => l.type !== "output");
  const quantizedIn = rows.map((r, k) =>
    r.map((x, i) => {
      const f = ir.features[i]!;
      if (x < f.min || x > f.max)
        throw new ZkinferError(`${p.samplesPath}: sample ${k} feature \`${f.name}\` = ${x} is outside the declared range [${f.min}, ${f.max}].`);
      return quantize(x, ir.inputScale);
    }),
  );
  const float = rows.map((r) => evalFloatLayers(layers, r).at(-1)!);
  const quantizedQ = quantizedIn.map((q) => runQuantized(ir, q).outputs);
  const quantized = quantizedQ.map((q) => decodeOutputs(ir, q));
  const maxAbsError = Math.max(...quantized.flatMap((q, k) => q.map((v, o) => Math.abs(v - float[k]![o]!))));

  const dir = mkdtempSync(join(tmpdir(), "zkinfer-import-"));
  let constraints = 0;
  const examples: CalibrationReport["examples"] = [];
  if (p.compile === false) {
    log("no whole circuit compiled (imported for segmented proving: `zkinfer segments build`)");
    for (let k = 0; k < Math.min(CIRCUIT_SAMPLES, rows.length); k++) examples.push({ float: float[k]!, quantized: quantized[k]!, circuit: [] });
  } else
    try {
      log("compiling the circuit for the report (circom2, witness only)...");
      const base = circuitBaseName(ir.name);
      const source = join(dir, `${base}.circom`);
      writeFileSync(source, (await renderModel(ir)).source);
      const info = await compileCircuit({ source, outDir: dir });
      constraints = info.nonLinearConstraints + info.linearConstraints;
      const wc = await WitnessCalculatorBuilder(readFileSync(join(dir, `${base}_js`, `${base}.wasm`)));
      for (let k = 0; k < Math.min(CIRCUIT_SAMPLES, rows.length); k++) {
        const w: bigint[] = await wc.calculateWitness({ features: quantizedIn[k]!.map(toField), salt: 1n, subject: 0n, nonce: 0n }, true);
        const circuitQ = ir.outputs.map((_, o) => fromField(w[1 + o]!));
        if (circuitQ.some((q, o) => q !== quantizedQ[k]![o]))
          throw new ZkinferError(`circuit and reference interpreter disagree on sample ${k}: a compiler bug.`);
        examples.push({ float: float[k]!, quantized: quantized[k]!, circuit: decodeOutputs(ir, circuitQ) });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  rmSync(dir, { recursive: true, force: true });

  const bound = errorBound(spec, ir).map((b) => (Number.isFinite(b) ? b : null));
  const report: CalibrationReport = {
    model: spec.name,
    source: p.modelPath,
    samples: rows.length,
    fixedPoint: spec.fixedPoint,
    constraints,
    errorBound: bound,
    maxAbsError,
    examples,
  };
  if (samples.labels) {
    const predict = (out: number[]) => (out.length === 1 ? (out[0]! >= (p.threshold ?? 0) ? 1 : 0) : out.indexOf(Math.max(...out)));
    const acc = (outs: number[][]) => outs.filter((o, k) => predict(o) === samples.labels![k]).length / outs.length;
    const f = acc(float);
    const q = acc(quantized);
    report.accuracy = { labelled: rows.length, float: f, quantized: q, changePoints: 100 * (q - f) };
  }

  log(`  constraints      ${constraints}`);
  for (const [k, e] of examples.entries()) {
    log(
      `  sample ${k}: float [${e.float.map((x) => x.toFixed(5))}]  quantized [${e.quantized.map((x) => x.toFixed(5))}]  circuit [${e.circuit.map((x) => x.toFixed(5))}]`,
    );
  }
  log(
    `  max |quantized - float| on ${rows.length} samples: ${maxAbsError.toExponential(3)} (worst-case bound ${bound.map((b) => (b === null ? "n/a" : b.toExponential(3))).join(", ")})`,
  );
  if (report.accuracy) {
    const a = report.accuracy;
    log(
      `  accuracy on ${a.labelled} labelled samples: float ${(100 * a.float).toFixed(1)}%, quantized ${(100 * a.quantized).toFixed(1)}% (${a.changePoints >= 0 ? "+" : ""}${a.changePoints.toFixed(1)} points)`,
    );
  }
  return { spec, ir, report };
}
