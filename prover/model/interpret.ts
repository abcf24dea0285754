/**
 * The reference interpreter: the IR's exact integer semantics in BigInt (each graph node by its
 * family's interpret rule, prover/graph/lower.ts runGraphTape). The circuit is the other back end of the
 * same IR; tests demand that both agree bit for bit on every input.
 */
import { InputValidationError } from "../errors.js";
import { dequantize, quantize } from "./quantize.js";
import { runGraphTape } from "../graph/lower.js";
import type { ModelIR } from "./ir.js";

export type FeatureValues = Record<string, number>;

export interface ReferenceResult {
  /** Quantized inputs, in feature order: what the circuit receives. */
  inputs: bigint[];
  /** Every value of the model's graph in tape order: the inputs, then each node's outputs (prover/graph/lower.ts runGraphTape). */
  tape: bigint[];
  /** Signed outputs at each output's scale. */
  outputs: bigint[];
}

/**
 * Checks that `values` has every feature, nothing else, and each within its declared range;
 * returns the quantized inputs. Errors name the feature and what is allowed.
 */
export function quantizeInputs(ir: ModelIR, values: FeatureValues): bigint[] {
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new InputValidationError(`Inputs must be an object mapping feature names to numbers (${ir.features.map((f) => f.name).join(", ")}).`, "(root)");
  }
  const known = new Set(ir.features.map((f) => f.name));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) {
      throw new InputValidationError(`Unknown feature \`${key}\`: model ${ir.name} takes ${[...known].join(", ")}.`, key);
    }
  }
  return ir.features.map((f) => {
    const x = values[f.name];
    if (x === undefined) {
      throw new InputValidationError(`Feature \`${f.name}\` (${f.unit}) is missing.`, f.name);
    }
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new InputValidationError(`Feature \`${f.name}\` must be a finite number (${f.unit}), got ${JSON.stringify(x)}.`, f.name);
    }
    if (x < f.min || x > f.max) {
      throw new InputValidationError(
        `Feature \`${f.name}\` = ${x} is outside the declared range [${f.min}, ${f.max}] (${f.unit}). ` + `Clip it or widen the model's input range.`,
        f.name,
      );
    }
    // At an input scale of 2^0 every feature is an integer: rounding 900.5 to 901 would prove a
    // statement about an input nobody sent.
    if (ir.inputScale === 0 && !Number.isInteger(x)) {
      throw new InputValidationError(`Feature \`${f.name}\` = ${x} must be an integer (${f.unit}): model ${ir.name} takes whole numbers only.`, f.name);
    }
    return quantize(x, ir.inputScale);
  });
}

/** Runs the model on already-quantized inputs (no validation beyond the length). */
export function runQuantized(ir: ModelIR, inputs: readonly bigint[]): ReferenceResult {
  if (inputs.length !== ir.features.length) {
    throw new RangeError(`expected ${ir.features.length} inputs, got ${inputs.length}`);
  }
  const tape = runGraphTape(ir.graph, inputs);
  return { inputs: [...inputs], tape, outputs: ir.graph.outputs.map((o) => tape[o]!) };
}

/** Validates, quantizes and runs. */
export function runReference(ir: ModelIR, values: FeatureValues): ReferenceResult {
  return runQuantized(ir, quantizeInputs(ir, values));
}

/** Real-valued outputs, for reports and display. */
export function decodeOutputs(ir: ModelIR, outputs: readonly bigint[]): number[] {
  return outputs.map((q, i) => dequantize(q, ir.outputs[i]!.scale));
}
