/**
 * The model IR: the one representation every back end reads (reference interpreter, circuit
 * codegen, commitment, setup). `lowerModel` turns a validated spec into ONE graph of operator
 * families (./specGraph.ts: each layer kind becomes family nodes, a dense layer's ReLU fused into its
 * affine node) and lowers it through the families (prover/graph/lower.ts): quantization, the range
 * analysis (every value carries proven integer bounds) and the error analysis. There is no other
 * compiler path: the interpreter, the circuit and the commitment read the graph.
 */
import { ModelRangeError } from "../errors.js";
import { quantize } from "./quantize.js";
import type { ModelSpec } from "./specSchema.js";
import { specGraph } from "./specGraph.js";
import { lowerGraph } from "../graph/lower.js";
import type { GraphOp } from "../graph/registry.js";
import { gadgetK, type Interval } from "../graph/interval.js";
import { maxOf } from "../graph/util.js";

export { SIGNAL_SIZE_BITS } from "../graph/families/signalHead.js";

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

/** The model's computation: one graph over the features (prover/graph/registry.ts, GraphOp). */
export type { GraphOp };

/**
 * An output computed from the inputs, appended after the layers' outputs in the public signals: a
 * feature's quantized value, or the Poseidon hash of some features (one circomlib Poseidon).
 */
export type ExtraOutputIR = { name: string; unit: string; description?: string } & (
  { kind: "feature"; feature: number } | { kind: "poseidon"; features: number[] }
);

export interface OutputIR {
  name: string;
  unit: string;
  description?: string;
  /** Fixed-point scale (bits) of this output. */
  scale: number;
  bounds: Interval;
}

/** What the proof reveals; see the spec's `visibility` and docs/ARCHITECTURE.md. */
export interface VisibilityIR {
  /**
   * "public": the quantized inputs are public signals after the ABI's fixed fields and
   * inputCommitment = 0. The circuit does not range-check them (784 range checks would cost more
   * than a whole MLP's layers); the hub refuses a proof whose public input lies outside the signed
   * interval [-2^publicInputBits, 2^publicInputBits), and the range analysis proves the absence of
   * wrap-around over that whole interval, not just the declared ranges.
   */
  inputs: "public" | "private";
  /** With public inputs: B such that every declared range fits in [-2^B, 2^B) (null otherwise). */
  publicInputBits: number | null;
  weights: "public" | "private";
  /** Salt of the private-weight commitment (null for public weights). */
  weightSalt: bigint | null;
  /**
   * Fixed packing widths of the private-weight segments (see weightSegments), set by a circuit whose
   * structure must not depend on one prover's weights (an accuracy bounty's circuit is fixed by its
   * sponsor before any modeller has weights). Absent: each segment's width follows its widest value.
   */
  weightWidths?: number[];
  outputs: "public" | "hashed" | "threshold";
  /** The threshold at the output's scale (null unless outputs = "threshold"). */
  threshold: bigint | null;
}

export interface ModelIR {
  name: string;
  version: string;
  description?: string;
  inputScale: number;
  features: FeatureIR[];
  /** The computation from the features (tape values 0..n-1) to the outputs (graph.outputs, in order). */
  graph: GraphOp;
  outputs: OutputIR[];
  /** Set when the inputs must carry an attester's signature (see prover/attest/attestation.ts). */
  attestation?: { scheme: "eddsa-poseidon-v1" };
  visibility: VisibilityIR;
  /** Present (non-empty) only when the spec declares extraOutputs, so other models' IR is unchanged. */
  extraOutputs?: ExtraOutputIR[];
}

/**
 * Number of output slots in the public signals: the outputs, or one hash / decision bit, then the
 * extra outputs.
 */
export function publicOutputCount(ir: ModelIR): number {
  return (ir.visibility.outputs === "public" ? ir.outputs.length : 1) + (ir.extraOutputs?.length ?? 0);
}

/** Largest B of public inputs bounded to [-2^B, 2^B): the hub computes 2^(B + 1) in a word. */
export const MAX_PUBLIC_INPUT_BITS = 250;

/** Number of public-input signals a model appends after the ABI's fixed fields (0 for private inputs). */
export function publicInputCount(ir: ModelIR): number {
  return ir.visibility.inputs === "public" ? ir.features.length : 0;
}

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
  const { bounds, publicInputBits } = inputBounds(spec, features);
  // Inputs carry their rounding error (half a step); the graph's error analysis propagates it.
  const graph = lowerGraph(
    specGraph(spec),
    fp.inputBits,
    bounds,
    bounds.map(() => 2 ** -(fp.inputBits + 1)),
    fp,
  );

  const outputLayer = spec.layers[spec.layers.length - 1]!;
  if (outputLayer.type !== "output") throw new ModelRangeError("the last layer must be an output layer");
  const outputs: OutputIR[] = outputLayer.outputs.map((o, i) => ({
    name: o.name,
    unit: o.unit,
    description: o.description,
    scale: graph.outScales[i]!,
    bounds: graph.out[i]!,
  }));
  // Outputs are public signals decoded as signed: they must stay below (p - 1) / 2 in magnitude.
  outputs.forEach((o) => gadgetK(o.bounds, 0, `output "${o.name}"`));

  const ir: ModelIR = {
    name: spec.name,
    version: spec.version,
    description: spec.description,
    inputScale: fp.inputBits,
    features,
    graph,
    outputs,
    visibility: visibilityOf(spec, outputs, publicInputBits),
  };
  // Only attested models carry the key, so a plain model's IR (and its commitment) is unchanged.
  if (spec.attestation) ir.attestation = { scheme: spec.attestation.scheme };
  if (spec.extraOutputs) {
    const index = (name: string) => features.findIndex((f) => f.name === name);
    ir.extraOutputs = spec.extraOutputs.map((e) => {
      const common = { name: e.name, unit: e.unit, ...(e.description === undefined ? {} : { description: e.description }) };
      return e.type === "feature"
        ? { ...common, kind: "feature" as const, feature: index(e.feature) }
        : { ...common, kind: "poseidon" as const, features: e.features.map(index) };
    });
  }
  return ir;
}

/**
 * The intervals the range analysis starts from: the declared ranges, or with public inputs (bounded
 * by the hub, not the circuit) [-2^B, 2^B) with the smallest B covering every declared range, so
 * the overflow analysis holds over that whole interval.
 */
function inputBounds(spec: ModelSpec, features: FeatureIR[]): { bounds: Interval[]; publicInputBits: number | null } {
  const bounds: Interval[] = features.map((f) => ({ lo: f.qmin, hi: f.qmax }));
  if (spec.visibility?.inputs !== "public") return { bounds, publicInputBits: null };
  const publicInputBits = gadgetK(
    bounds.reduce((a, b) => ({ lo: a.lo < b.lo ? a.lo : b.lo, hi: a.hi > b.hi ? a.hi : b.hi })),
    0,
    "the public inputs",
  );
  if (publicInputBits > MAX_PUBLIC_INPUT_BITS) {
    throw new ModelRangeError(
      `public inputs need ${publicInputBits + 1} signed bits at 2^${spec.fixedPoint.inputBits}; at most ${MAX_PUBLIC_INPUT_BITS + 1} are supported (the registry stores B in a uint8). Lower inputBits or narrow the ranges.`,
    );
  }
  const b = 1n << BigInt(publicInputBits);
  return { bounds: features.map(() => ({ lo: -b, hi: b - 1n })), publicInputBits };
}

function visibilityOf(spec: ModelSpec, outputs: OutputIR[], publicInputBits: number | null): VisibilityIR {
  const v = spec.visibility;
  if (v?.outputs === "threshold" && outputs.length !== 1) {
    throw new ModelRangeError(`outputs "threshold" needs a single-output model; ${spec.name} has ${outputs.length} outputs.`);
  }
  const threshold = v?.outputs === "threshold" ? quantize(v.threshold!, outputs[0]!.scale) : null;
  if (threshold !== null) gadgetK({ lo: outputs[0]!.bounds.lo - threshold, hi: outputs[0]!.bounds.hi - threshold }, 0, "the output threshold");
  return {
    inputs: v?.inputs ?? "private",
    publicInputBits,
    weights: v?.weights ?? "public",
    weightSalt: v?.weightSalt === undefined ? null : BigInt(v.weightSalt),
    ...(v?.weightWidths ? { weightWidths: [...v.weightWidths] } : {}),
    outputs: v?.outputs ?? "public",
    threshold,
  };
}

/** The model's shape, for reports: features, then each graph node's op and width. */
export function describeModel(ir: ModelIR): string {
  const parts = [String(ir.features.length), ...ir.graph.nodes.map((n) => `${n.op}(${n.outs.length})`)];
  return `${ir.name}@${ir.version}: ${parts.join(" -> ")}`;
}

/** Bits of the widest gadget, for reports. */
export function maxGadgetBits(ir: ModelIR): number {
  return maxOf(ir.graph.gadgetBits, 0);
}
