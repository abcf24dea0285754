/**
 * The model IR: the one representation every back end reads (reference interpreter, circuit
 * codegen, commitment, setup). It is produced from a validated spec by `lowerModel`, which
 * quantizes, fuses ReLU into the preceding dense layer, and runs the static range analysis
 * (./range.ts) so that every IR value carries proven integer bounds.
 */
import { ModelRangeError } from "../errors.js";
import { bitLength } from "../field.js";
import { quantize } from "./quantize.js";
import type { ModelSpec } from "./spec.js";

/** A closed integer interval [lo, hi]. */
export interface Interval {
  lo: bigint;
  hi: bigint;
}

export interface FeatureIR {
  name: string;
  unit: string;
  description?: string;
  /** Declared real bounds. */
  min: number;
  max: number;
  /** The same bounds quantized at the input scale; the circuit enforces qmin <= q <= qmax. */
  qmin: bigint;
  qmax: bigint;
}

/**
 * out[o] = floor((sum_i weights[o][i] * in[i] + bias[o]) / 2^shift), then max(0, .) when `relu`.
 * The accumulator has scale inScale + weightScale; shift = inScale + weightScale - outScale.
 */
export interface DenseOp {
  kind: "dense";
  inScale: number;
  weightScale: number;
  outScale: number;
  shift: number;
  weights: bigint[][];
  bias: bigint[];
  relu: boolean;
  /** Proven accumulator bounds per neuron. */
  acc: Interval[];
  /** Proven output bounds per neuron. */
  out: Interval[];
  /**
   * Per neuron, the K of the rescale gadget: -2^K <= acc < 2^K and K >= shift, so the gadget
   * decomposes acc + 2^K into K + 1 bits. null when no gadget is needed (shift 0, no ReLU).
   */
  gadgetBits: (number | null)[];
}

/** A ReLU not preceded by a dense layer (rare: the lowering fuses the usual case). */
export interface ReluOp {
  kind: "relu";
  scale: number;
  in: Interval[];
  out: Interval[];
  gadgetBits: number[];
}

export type Op = DenseOp | ReluOp;

export interface OutputIR {
  name: string;
  unit: string;
  description?: string;
  /** Fixed-point scale (bits) of this output. */
  scale: number;
  bounds: Interval;
}

export interface ModelIR {
  name: string;
  version: string;
  description?: string;
  inputScale: number;
  features: FeatureIR[];
  ops: Op[];
  outputs: OutputIR[];
  /** Set when the inputs must carry an attester's signature (see prover/attest/attestation.ts). */
  attestation?: { scheme: "eddsa-poseidon-v1" };
}

/** Largest K for which K + 1 bits stay well below the 254-bit field (no aliasing, no wrap). */
export const MAX_GADGET_BITS = 251;

/** Lowers a validated spec to the IR, proving the absence of overflow; throws ModelRangeError. */
export function lowerModel(spec: ModelSpec): ModelIR {
  const fp = spec.fixedPoint;
  const features: FeatureIR[] = spec.features.map((f) => ({
    name: f.name,
    unit: f.unit,
    description: f.description,
    min: f.min,
    max: f.max,
    qmin: quantize(f.min, fp.inputBits),
    qmax: quantize(f.max, fp.inputBits),
  }));

  let scale = fp.inputBits;
  let bounds: Interval[] = features.map((f) => ({ lo: f.qmin, hi: f.qmax }));
  const ops: Op[] = [];

  spec.layers.forEach((layer, li) => {
    const where = `layers[${li}]`;
    if (layer.type === "dense") {
      const weightScale = layer.weightBits ?? fp.weightBits;
      const outScale = layer.outputBits ?? fp.activationBits;
      const shift = scale + weightScale - outScale;
      if (shift < 0) {
        throw new ModelRangeError(
          `${where}: output scale 2^${outScale} is finer than the accumulator's 2^${scale + weightScale}. ` +
            `Raise weightBits or lower outputBits/activationBits.`,
        );
      }
      const weights = layer.weights.map((row) => row.map((w) => quantize(w, weightScale)));
      const bias = layer.bias.map((b) => quantize(b, scale + weightScale));
      const relu = spec.layers[li + 1]?.type === "relu";
      const acc = weights.map((row, o) => dotBounds(row, bounds, bias[o]!));
      const out = acc.map((a) => {
        const q = { lo: floorShift(a.lo, shift), hi: floorShift(a.hi, shift) };
        return relu ? { lo: max(q.lo, 0n), hi: max(q.hi, 0n) } : q;
      });
      const gadgetBits = acc.map((a, o) =>
        shift === 0 && !relu ? null : gadgetK(a, shift, `${where} neuron ${o}`),
      );
      ops.push({ kind: "dense", inScale: scale, weightScale, outScale, shift, weights, bias, relu, acc, out, gadgetBits });
      scale = outScale;
      bounds = out;
    } else if (layer.type === "relu") {
      if (spec.layers[li - 1]?.type === "dense") return; // fused into the dense op above
      const gadgetBits = bounds.map((b, i) => gadgetK(b, 0, `${where} value ${i}`));
      const out = bounds.map((b) => ({ lo: max(b.lo, 0n), hi: max(b.hi, 0n) }));
      ops.push({ kind: "relu", scale, in: bounds, out, gadgetBits });
      bounds = out;
    }
  });

  const outputLayer = spec.layers[spec.layers.length - 1]!;
  if (outputLayer.type !== "output") throw new ModelRangeError("the last layer must be an output layer");
  const outputs: OutputIR[] = outputLayer.outputs.map((o, i) => ({
    name: o.name,
    unit: o.unit,
    description: o.description,
    scale,
    bounds: bounds[i]!,
  }));
  // Outputs are public signals decoded as signed: they must stay below (p - 1) / 2 in magnitude.
  outputs.forEach((o) => checkBits(o.bounds, `output "${o.name}"`));

  const ir: ModelIR = { name: spec.name, version: spec.version, description: spec.description, inputScale: fp.inputBits, features, ops, outputs };
  // Only attested models carry the key, so a plain model's IR (and its commitment) is unchanged.
  if (spec.attestation) ir.attestation = { scheme: spec.attestation.scheme };
  return ir;
}

/** Interval of sum_i w_i * x_i + b over the box of input intervals. */
function dotBounds(weights: bigint[], inputs: Interval[], bias: bigint): Interval {
  let lo = bias;
  let hi = bias;
  weights.forEach((w, i) => {
    const x = inputs[i]!;
    const a = w * x.lo;
    const b = w * x.hi;
    lo += a < b ? a : b;
    hi += a < b ? b : a;
  });
  return { lo, hi };
}

/** The smallest K >= shift with -2^K <= lo and hi < 2^K. */
function gadgetK(iv: Interval, shift: number, where: string): number {
  const k = Math.max(shift, 1, bitLength(iv.lo < 0n ? -iv.lo - 1n : 0n), bitLength(iv.hi > 0n ? iv.hi : 0n));
  if (k > MAX_GADGET_BITS) {
    throw new ModelRangeError(
      `${where}: the accumulator can reach [${iv.lo}, ${iv.hi}], which needs ${k + 1} bits; ` +
        `at most ${MAX_GADGET_BITS + 1} fit in the BN254 field without wrapping. ` +
        `Lower weightBits/inputBits or narrow the declared feature ranges.`,
    );
  }
  return k;
}

function checkBits(iv: Interval, where: string): void {
  gadgetK(iv, 0, where);
}

function floorShift(x: bigint, shift: number): bigint {
  return x >> BigInt(shift); // BigInt >> is an arithmetic shift: floor division by 2^shift
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Total multiply-accumulate terms and rescale gadgets, for reports. */
export function describeModel(ir: ModelIR): string {
  const widths = [ir.features.length, ...ir.ops.filter((o): o is DenseOp => o.kind === "dense").map((o) => o.weights.length)];
  return `${ir.name}@${ir.version}: ${widths.join(" -> ")}`;
}

/** Bits of the widest accumulator, for reports. */
export function maxGadgetBits(ir: ModelIR): number {
  return Math.max(0, ...ir.ops.flatMap((o) => o.gadgetBits.filter((k): k is number => k !== null)));
}

