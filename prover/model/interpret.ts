/**
 * The reference interpreter: the IR's exact integer semantics in BigInt. The circuit is the other
 * back end of the same IR; tests demand that both agree bit for bit on every input.
 */
import { InputValidationError } from "../errors.js";
import { dequantize, quantize } from "./quantize.js";
import { runGraph } from "../graph/lower.js";
import { floorDiv } from "../graph/interval.js";
import { SIGNAL_SIZE_BITS, type ModelIR, type Op } from "./ir.js";

export type FeatureValues = Record<string, number>;

export interface ReferenceResult {
  /** Quantized inputs, in feature order: what the circuit receives. */
  inputs: bigint[];
  /** The values after each op, in op order. */
  activations: bigint[][];
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
  let x = [...inputs];
  const activations: bigint[][] = [];
  for (const op of ir.ops) {
    x = applyOp(op, x);
    activations.push(x);
  }
  return { inputs: [...inputs], activations, outputs: x };
}

const relu = (v: bigint) => (v < 0n ? 0n : v);

/** One op's exact integer semantics (BigInt >> is an arithmetic shift: floor division by 2^s). */
export function applyOp(op: Op, x: readonly bigint[]): bigint[] {
  switch (op.kind) {
    case "dense": {
      const shift = BigInt(op.shift);
      return op.weights.map((row, o) => {
        let acc = op.bias[o]!;
        row.forEach((w, i) => (acc += w * x[i]!));
        const q = acc >> shift;
        return op.relu ? relu(q) : q;
      });
    }
    case "relu":
      return x.map(relu);
    case "leakyRelu": {
      const one = 1n << BigInt(op.alphaBits);
      return x.map((v, i) => ((one - op.alpha[i]!) * relu(v) + op.alpha[i]! * v) >> BigInt(op.alphaBits));
    }
    case "clip":
      return x.map((v) => {
        const y = op.lo === null ? v : op.lo + relu(v - op.lo);
        return op.hi === null ? y : op.hi - relu(op.hi - y);
      });
    case "piecewise":
      return x.map((v) => {
        let acc = op.y0;
        op.breakpoints.forEach((b, j) => (acc += op.deltas[j]! * relu(v - b)));
        return acc >> BigInt(op.slopeBits);
      });
    case "max":
      return op.groups.map((g) => g.slice(1).reduce((m, idx) => m + relu(x[idx]! - m), x[g[0]!]!));
    case "argmax": {
      let best = 0;
      x.forEach((v, i) => {
        if (v > x[best]!) best = i; // strictly greater: ties keep the lowest index
      });
      return [BigInt(best)];
    }
    case "treeEnsemble":
      return op.base.map((b, k) => {
        let acc = b;
        for (const tree of op.trees) {
          let n = tree[0]!;
          while (!n.leaf) n = tree[x[n.feature!]! > n.threshold! ? n.right! : n.left!]!;
          acc += n.leaf[k]!;
        }
        return acc;
      });
    case "relativeChange": {
      const den = x[op.reference]!;
      const one = 1n << BigInt(op.outScale);
      return op.inputs.map((i) => floorDiv((x[i]! - den) * one, den));
    }
    case "signalHead": {
      const s = x[0]!;
      const direction = s >= op.hold ? 1n : s <= -op.hold ? -1n : 0n;
      const sizeOne = 1n << BigInt(SIGNAL_SIZE_BITS);
      const scaled = (s * direction) >> BigInt(op.shift);
      return [direction, scaled < sizeOne ? scaled : sizeOne];
    }
    case "graph":
      return runGraph(op, x);
    default:
      return op satisfies never;
  }
}

/** Validates, quantizes and runs. */
export function runReference(ir: ModelIR, values: FeatureValues): ReferenceResult {
  return runQuantized(ir, quantizeInputs(ir, values));
}

/** Real-valued outputs, for reports and display. */
export function decodeOutputs(ir: ModelIR, outputs: readonly bigint[]): number[] {
  return outputs.map((q, i) => dequantize(q, ir.outputs[i]!.scale));
}
