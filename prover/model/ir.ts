/**
 * The model IR: the one representation every back end reads (reference interpreter, circuit
 * codegen, commitment, setup). It is produced from a validated spec by `lowerModel`, which
 * quantizes, fuses ReLU into the preceding dense layer, and runs the static range analysis
 * (./range.ts) so that every IR value carries proven integer bounds.
 */
import { ModelRangeError } from "../errors.js";
import { bitLength } from "../field.js";
import { PIECEWISE, type ApproxFunction } from "./approx.js";
import { quantize } from "./quantize.js";
import type { ModelSpec } from "./specSchema.js";
import { lowerGraph } from "../graph/lower.js";
import type { GraphOp } from "../graph/registry.js";
import { dotBounds, floorDiv, floorShift, gadgetK, MAX_GADGET_BITS, type Interval } from "../graph/interval.js";

export type { GraphOp };

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

/**
 * out = x for x >= 0, else floor(alpha * x), with alpha quantized at alphaBits (a = alpha * 2^A):
 * out = floor(((2^A - a) * relu(x) + a * x) / 2^A), which is linear in relu(x) and x, so one ReLU
 * gadget (reluBits) and one rescale (mixBits) do it exactly. LeakyRelu and PRelu both lower here.
 */
export interface LeakyReluOp {
  kind: "leakyRelu";
  scale: number;
  alphaBits: number;
  /** Quantized alpha per value. */
  alpha: bigint[];
  in: Interval[];
  out: Interval[];
  reluBits: number[];
  mixBits: number[];
  gadgetBits: number[];
}

/**
 * out = hi - relu(hi - (lo + relu(x - lo))): two ReLU gadgets, no comparator. A missing bound
 * (null) skips its gadget.
 */
export interface ClipOp {
  kind: "clip";
  scale: number;
  lo: bigint | null;
  hi: bigint | null;
  in: Interval[];
  out: Interval[];
  lowBits: (number | null)[];
  highBits: (number | null)[];
  gadgetBits: number[];
}

/**
 * Piecewise-linear sigmoid / tanh (./approx.ts): out = floor((y0 + sum_j d_j * relu(x - b_j)) / 2^A)
 * where b_j and the output are at `scale`, d_j at A = slopeBits and y0 at scale + A.
 */
export interface PiecewiseOp {
  kind: "piecewise";
  fn: ApproxFunction;
  scale: number;
  slopeBits: number;
  y0: bigint;
  breakpoints: bigint[];
  deltas: bigint[];
  in: Interval[];
  out: Interval[];
  /**
   * Per value, per breakpoint, what the range analysis proved about x - b_j: 0 never positive (the
   * term vanishes), 1 never negative (relu is the identity), 2 either (a ReLU gadget of reluBits).
   */
  modes: (0 | 1 | 2)[][];
  /** Per value, per breakpoint, K of relu(x - b_j) (0 unless the mode is 2). */
  reluBits: number[][];
  /** Per value, K of the final rescale. */
  sumBits: number[];
  gadgetBits: number[];
}

/** out[o] = max of in[groups[o]]: m <- m + relu(x - m) along the group. */
export interface MaxOp {
  kind: "max";
  scale: number;
  groups: number[][];
  in: Interval[];
  out: Interval[];
  /** Per group, K of each step's relu (group length - 1 steps). */
  stepBits: number[][];
  gadgetBits: number[];
}

/**
 * The index of the largest input, ties to the lowest index. Circuit: m = max (ReLU chain), then
 * eq_i = [x_i - m >= 0] from a sign bit, first_i = eq_i * (1 - seen_{i-1}); out = sum i * first_i.
 */
export interface ArgMaxOp {
  kind: "argmax";
  scale: number;
  in: Interval[];
  out: Interval[];
  /** K with |x_i - x_j| < 2^K for all pairs. */
  diffBits: number;
  gadgetBits: number[];
}

export interface TreeNodeIR {
  /** Internal: go right when in[feature] > threshold (integers at the input scale). */
  feature?: number;
  threshold?: bigint;
  left?: number;
  right?: number;
  /** Per internal node, K of the comparison in[feature] - threshold - 1 >= 0. */
  compareBits?: number;
  /** Leaf: quantized values at outScale. */
  leaf?: bigint[];
}

/**
 * A sum of decision trees. Each internal node costs one sign-bit comparison (compareBits + 1
 * constraints) and one product for its children's path indicators; leaf values are constants in a
 * linear combination (free).
 */
export interface TreeEnsembleOp {
  kind: "treeEnsemble";
  inScale: number;
  outScale: number;
  base: bigint[];
  trees: TreeNodeIR[][];
  in: Interval[];
  out: Interval[];
  gadgetBits: number[];
}

/**
 * out[i] = floor((in[inputs[i]] - in[reference]) * 2^outScale / in[reference]): relative change
 * against a reference value the range analysis proved positive. The ratio has no scale of its own,
 * so the input scale cancels. Circuit: DivFloor (circuits/lib/divide.circom), a constrained
 * quotient and remainder per output.
 */
export interface RelativeChangeOp {
  kind: "relativeChange";
  inScale: number;
  outScale: number;
  inputs: number[];
  reference: number;
  in: Interval[];
  out: Interval[];
  /** The reference lies in [1, 2^denBits). */
  denBits: number;
  /** Per output, K with -2^K <= quotient < 2^K. */
  quotBits: number[];
  gadgetBits: number[];
}

/** Scale of a signal's size: SIZE_ONE = 2^10 = 1024 is a full position (contracts/consumers/SignalFeed.sol). */
export const SIGNAL_SIZE_BITS = 10;

/**
 * Trading-signal head on one score s at `scale`: direction = 1 if s >= hold, -1 if s <= -hold,
 * else 0; size = min(floor(|s| / 2^(scale - 10)), 2^10) when the direction is not 0, else 0.
 * Circuit: SignalHead (circuits/lib/signal.circom): two sign bits, one product, a rescale and a clip.
 */
export interface SignalHeadOp {
  kind: "signalHead";
  scale: number;
  /** The hold band's edge at `scale` (positive). */
  hold: bigint;
  in: Interval[];
  out: Interval[];
  /** K of s - hold >= 0 and of -s - hold >= 0. */
  buyBits: number;
  sellBits: number;
  /** K of the rescale of s * direction by `shift` = scale - 10. */
  absBits: number;
  shift: number;
  /** K of the clip to 2^10. */
  clipBits: number;
  gadgetBits: number[];
}

export type Op = DenseOp | ReluOp | LeakyReluOp | ClipOp | PiecewiseOp | MaxOp | ArgMaxOp | TreeEnsembleOp | RelativeChangeOp | SignalHeadOp | GraphOp;

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
  ops: Op[];
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

  let bounds: Interval[] = features.map((f) => ({ lo: f.qmin, hi: f.qmax }));
  // Public inputs are bounded by the hub, not in the circuit: to [-2^B, 2^B) with the smallest B
  // covering every declared range. The overflow analysis must then hold over that whole interval.
  const publicInputBits =
    spec.visibility?.inputs === "public"
      ? gadgetK(
          bounds.reduce((a, b) => ({ lo: min(a.lo, b.lo), hi: max(a.hi, b.hi) })),
          0,
          "the public inputs",
        )
      : null;
  if (publicInputBits !== null) {
    if (publicInputBits > MAX_PUBLIC_INPUT_BITS) {
      throw new ModelRangeError(
        `public inputs need ${publicInputBits + 1} signed bits at 2^${fp.inputBits}; at most ${MAX_PUBLIC_INPUT_BITS + 1} are supported (the registry stores B in a uint8). Lower inputBits or narrow the ranges.`,
      );
    }
    bounds = features.map(() => ({ lo: -(1n << BigInt(publicInputBits)), hi: (1n << BigInt(publicInputBits)) - 1n }));
  }

  const st: LayerState = { scale: fp.inputBits, bounds, outScales: null };
  const ops: Op[] = [];
  spec.layers.forEach((layer, li) => lowerLayer(layer, st, { spec, li, where: `layers[${li}]`, fp, ops }));
  const { scale } = st;
  bounds = st.bounds;
  const outScales = st.outScales;

  const outputLayer = spec.layers[spec.layers.length - 1]!;
  if (outputLayer.type !== "output") throw new ModelRangeError("the last layer must be an output layer");
  const outputs: OutputIR[] = outputLayer.outputs.map((o, i) => ({
    name: o.name,
    unit: o.unit,
    description: o.description,
    scale: outScales?.[i] ?? scale,
    bounds: bounds[i]!,
  }));
  // Outputs are public signals decoded as signed: they must stay below (p - 1) / 2 in magnitude.
  outputs.forEach((o) => checkBits(o.bounds, `output "${o.name}"`));

  const v = spec.visibility;
  if (v?.weights === "private") {
    // The circuit's structure is public: per-neuron gadget widths would hint at each neuron's
    // weight magnitudes, so a private-weight layer uses its widest gadget for every neuron.
    for (const op of ops) {
      if (op.kind !== "dense") continue;
      const widest = Math.max(0, ...op.gadgetBits.filter((k): k is number => k !== null));
      op.gadgetBits = op.gadgetBits.map((k) => (k === null ? null : widest));
    }
  }
  if (v?.outputs === "threshold" && outputs.length !== 1) {
    throw new ModelRangeError(`outputs "threshold" needs a single-output model; ${spec.name} has ${outputs.length} outputs.`);
  }
  const threshold = v?.outputs === "threshold" ? quantize(v.threshold!, scale) : null;
  if (threshold !== null) gadgetK({ lo: outputs[0]!.bounds.lo - threshold, hi: outputs[0]!.bounds.hi - threshold }, 0, "the output threshold");
  const visibility: VisibilityIR = {
    inputs: v?.inputs ?? "private",
    publicInputBits,
    weights: v?.weights ?? "public",
    weightSalt: v?.weightSalt === undefined ? null : BigInt(v.weightSalt),
    ...(v?.weightWidths ? { weightWidths: [...v.weightWidths] } : {}),
    outputs: v?.outputs ?? "public",
    threshold,
  };
  const ir: ModelIR = { name: spec.name, version: spec.version, description: spec.description, inputScale: fp.inputBits, features, ops, outputs, visibility };
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

type Layer = ModelSpec["layers"][number];
type LayerOf<T extends Layer["type"]> = Extract<Layer, { type: T }>;

/** What the lowering knows between layers: the values' scale and proven bounds; per-output scales when they differ (signal_head, graph). */
interface LayerState {
  scale: number;
  bounds: Interval[];
  outScales: number[] | null;
}

/** Where a layer sits (messages, its neighbours) and where its op goes. */
interface LayerContext {
  spec: ModelSpec;
  li: number;
  where: string;
  fp: ModelSpec["fixedPoint"];
  ops: Op[];
}

/** Lowers one layer: appends its op to c.ops (none for a ReLU fused into its dense layer, or the output layer) and moves `st` past it. */
function lowerLayer(layer: Layer, st: LayerState, c: LayerContext): void {
  switch (layer.type) {
    case "dense":
      return lowerDense(layer, st, c);
    case "relu":
      return lowerRelu(layer, st, c);
    case "leaky_relu":
      return lowerLeakyRelu(layer, st, c);
    case "clip":
      return lowerClip(layer, st, c);
    case "sigmoid":
      return lowerPiecewise(layer, st, c);
    case "tanh":
      return lowerPiecewise(layer, st, c);
    case "max":
      return lowerMax(layer, st, c);
    case "argmax":
      return lowerArgmax(layer, st, c);
    case "relative_change":
      return lowerRelativeChange(layer, st, c);
    case "signal_head":
      return lowerSignalHead(layer, st, c);
    case "graph":
      return lowerGraphLayer(layer, st, c);
    case "tree_ensemble":
      return lowerTreeEnsemble(layer, st, c);
    case "output":
      return;
    default:
      return layer satisfies never;
  }
}

function lowerDense(layer: LayerOf<"dense">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { spec, li, where, fp, ops } = c;
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
  const gadgetBits = acc.map((a, o) => (shift === 0 && !relu ? null : gadgetK(a, shift, `${where} neuron ${o}`)));
  ops.push({ kind: "dense", inScale: scale, weightScale, outScale, shift, weights, bias, relu, acc, out, gadgetBits });
  st.scale = outScale;
  st.bounds = out;
}

function lowerRelu(_layer: LayerOf<"relu">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { spec, li, where, ops } = c;
  if (spec.layers[li - 1]?.type === "dense") return; // fused into the dense op above
  const gadgetBits = bounds.map((b, i) => gadgetK(b, 0, `${where} value ${i}`));
  const out = bounds.map((b) => ({ lo: max(b.lo, 0n), hi: max(b.hi, 0n) }));
  ops.push({ kind: "relu", scale, in: bounds, out, gadgetBits });
  st.bounds = out;
}

function lowerLeakyRelu(layer: LayerOf<"leaky_relu">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { where, fp, ops } = c;
  const alphaBits = layer.alphaBits ?? fp.weightBits;
  const one = 1n << BigInt(alphaBits);
  const alpha = bounds.map((_, i) => quantize(layer.alpha.length === 1 ? layer.alpha[0]! : layer.alpha[i]!, alphaBits));
  const reluBits = bounds.map((b, i) => gadgetK(b, 0, `${where} value ${i}`));
  const mix = bounds.map((b, i) => {
    const r = { lo: max(b.lo, 0n), hi: max(b.hi, 0n) };
    return dotBounds([one - alpha[i]!, alpha[i]!], [r, b], 0n);
  });
  const mixBits = mix.map((m, i) => gadgetK(m, alphaBits, `${where} value ${i}`));
  const out = mix.map((m) => ({ lo: floorShift(m.lo, alphaBits), hi: floorShift(m.hi, alphaBits) }));
  ops.push({ kind: "leakyRelu", scale, alphaBits, alpha, in: bounds, out, reluBits, mixBits, gadgetBits: [...reluBits, ...mixBits] });
  st.bounds = out;
}

function lowerClip(layer: LayerOf<"clip">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { where, ops } = c;
  const lo = layer.min === undefined ? null : quantize(layer.min, scale);
  const hi = layer.max === undefined ? null : quantize(layer.max, scale);
  const lowBits = bounds.map((b, i) => (lo === null ? null : gadgetK({ lo: b.lo - lo, hi: b.hi - lo }, 0, `${where} value ${i}`)));
  const mid = bounds.map((b) => (lo === null ? b : { lo: max(b.lo, lo), hi: max(b.hi, lo) }));
  const highBits = mid.map((b, i) => (hi === null ? null : gadgetK({ lo: hi - b.hi, hi: hi - b.lo }, 0, `${where} value ${i}`)));
  const out = mid.map((b) => (hi === null ? b : { lo: min(b.lo, hi), hi: min(b.hi, hi) }));
  const gadgetBits = [...lowBits, ...highBits].filter((k): k is number => k !== null);
  ops.push({ kind: "clip", scale, lo, hi, in: bounds, out, lowBits, highBits, gadgetBits });
  st.bounds = out;
}

function lowerPiecewise(layer: LayerOf<"sigmoid" | "tanh">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { where, fp, ops } = c;
  const pwl = PIECEWISE[layer.type];
  const slopeBits = fp.weightBits;
  const breakpoints = pwl.breakpoints.map((b) => quantize(b, scale));
  const deltas = pwl.deltas.map((d) => quantize(d, slopeBits));
  const y0 = quantize(pwl.y0, scale + slopeBits);
  const modes = bounds.map((b) => breakpoints.map((bp): 0 | 1 | 2 => (b.hi <= bp ? 0 : b.lo >= bp ? 1 : 2)));
  const reluBits = bounds.map((b, i) =>
    breakpoints.map((bp, j) => (modes[i]![j] === 2 ? gadgetK({ lo: b.lo - bp, hi: b.hi - bp }, 0, `${where} value ${i}`) : 0)),
  );
  const sums = bounds.map((b) =>
    dotBounds(
      deltas,
      breakpoints.map((bp) => ({ lo: max(b.lo - bp, 0n), hi: max(b.hi - bp, 0n) })),
      y0,
    ),
  );
  const sumBits = sums.map((a, i) => gadgetK(a, slopeBits, `${where} value ${i}`));
  const out = sums.map((a) => ({ lo: floorShift(a.lo, slopeBits), hi: floorShift(a.hi, slopeBits) }));
  ops.push({
    kind: "piecewise",
    fn: layer.type,
    scale,
    slopeBits,
    y0,
    breakpoints,
    deltas,
    in: bounds,
    out,
    modes,
    reluBits,
    sumBits,
    gadgetBits: [...reluBits.flat().filter((k) => k > 0), ...sumBits],
  });
  st.bounds = out;
}

function lowerMax(layer: LayerOf<"max">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { where, ops } = c;
  const stepBits = layer.groups.map((g, o) => {
    let m = bounds[g[0]!]!;
    return g.slice(1).map((idx) => {
      const x = bounds[idx]!;
      const k = gadgetK({ lo: x.lo - m.hi, hi: x.hi - m.lo }, 0, `${where} group ${o}`);
      m = { lo: max(m.lo, x.lo), hi: max(m.hi, x.hi) };
      return k;
    });
  });
  const out = layer.groups.map((g) => g.reduce((m, idx) => ({ lo: max(m.lo, bounds[idx]!.lo), hi: max(m.hi, bounds[idx]!.hi) }), bounds[g[0]!]!));
  ops.push({ kind: "max", scale, groups: layer.groups, in: bounds, out, stepBits, gadgetBits: stepBits.flat() });
  st.bounds = out;
}

function lowerArgmax(_layer: LayerOf<"argmax">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { where, ops } = c;
  const lo = bounds.reduce((a, b) => min(a, b.lo), bounds[0]!.lo);
  const hi = bounds.reduce((a, b) => max(a, b.hi), bounds[0]!.hi);
  const diffBits = gadgetK({ lo: lo - hi, hi: hi - lo }, 0, `${where}`);
  const out = [{ lo: 0n, hi: BigInt(bounds.length - 1) }];
  ops.push({ kind: "argmax", scale, in: bounds, out, diffBits, gadgetBits: [diffBits] });
  st.scale = 0;
  st.bounds = out;
}

function lowerRelativeChange(layer: LayerOf<"relative_change">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { where, ops } = c;
  const den = bounds[layer.reference]!;
  if (den.lo < 1n) {
    throw new ModelRangeError(
      `${where}: the reference value (input ${layer.reference}) can reach ${den.lo}; relative_change divides by it, ` +
        `so its declared minimum must be positive.`,
    );
  }
  const one = 1n << BigInt(layer.outputBits);
  const nums = layer.inputs.map((i) => ({ lo: (bounds[i]!.lo - den.hi) * one, hi: (bounds[i]!.hi - den.lo) * one }));
  // n / d is monotone in n and in d on the box (d > 0), so the corners bound the floored quotient.
  const out = nums.map((n) => {
    const corners = [n.lo, n.hi].flatMap((x) => [floorDiv(x, den.lo), floorDiv(x, den.hi)]);
    return { lo: corners.reduce(min), hi: corners.reduce(max) };
  });
  const denBits = bitLength(den.hi);
  const quotBits = out.map((q, i) => gadgetK(q, 0, `${where} output ${i}`));
  // q * den + r must not wrap the field: |q| < 2^K, den < 2^denBits.
  quotBits.forEach((k, i) => {
    if (k + denBits + 2 > MAX_GADGET_BITS)
      throw new ModelRangeError(`${where} output ${i}: quotient times reference needs ${k + denBits + 2} bits; narrow the inputs' ranges or lower outputBits.`);
  });
  ops.push({
    kind: "relativeChange",
    inScale: scale,
    outScale: layer.outputBits,
    inputs: layer.inputs,
    reference: layer.reference,
    in: bounds,
    out,
    denBits,
    quotBits,
    gadgetBits: [...quotBits, denBits],
  });
  st.scale = layer.outputBits;
  st.bounds = out;
}

function lowerSignalHead(layer: LayerOf<"signal_head">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { where, ops } = c;
  const s = bounds[0]!;
  const hold = quantize(layer.hold, scale);
  if (hold < 1n) throw new ModelRangeError(`${where}: hold ${layer.hold} rounds to 0 at the score's scale 2^${scale}; raise it or the scale.`);
  const shift = scale - SIGNAL_SIZE_BITS;
  if (shift < 0)
    throw new ModelRangeError(
      `${where}: the score's scale 2^${scale} is coarser than the size's 2^${SIGNAL_SIZE_BITS}; raise activationBits to at least ${SIGNAL_SIZE_BITS}.`,
    );
  const buyBits = gadgetK({ lo: s.lo - hold, hi: s.hi - hold }, 0, `${where} buy comparison`);
  const sellBits = gadgetK({ lo: -s.hi - hold, hi: -s.lo - hold }, 0, `${where} sell comparison`);
  const absHi = max(-s.lo, s.hi) < 0n ? 0n : max(-s.lo, s.hi);
  const absBits = gadgetK({ lo: 0n, hi: absHi }, shift, `${where} size`);
  const sizeOne = 1n << BigInt(SIGNAL_SIZE_BITS);
  const scaledHi = floorShift(absHi, shift);
  const clipBits = gadgetK({ lo: sizeOne - scaledHi, hi: sizeOne }, 0, `${where} size clip`);
  const out = [
    { lo: -1n, hi: 1n },
    { lo: 0n, hi: min(scaledHi, sizeOne) },
  ];
  ops.push({
    kind: "signalHead",
    scale,
    hold,
    in: bounds,
    out,
    buyBits,
    sellBits,
    absBits,
    shift,
    clipBits,
    gadgetBits: [buyBits, sellBits, absBits, clipBits],
  });
  st.outScales = [0, SIGNAL_SIZE_BITS];
  st.bounds = out;
}

function lowerGraphLayer(layer: LayerOf<"graph">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { fp, ops } = c;
  // Inputs carry their rounding error (half a step); the graph's error analysis propagates it.
  const op = lowerGraph(
    layer,
    scale,
    bounds,
    bounds.map(() => 2 ** -(scale + 1)),
    fp,
  );
  ops.push(op);
  st.outScales = op.outScales;
  st.bounds = op.out;
}

function lowerTreeEnsemble(layer: LayerOf<"tree_ensemble">, st: LayerState, c: LayerContext): void {
  const { scale, bounds } = st;
  const { where, fp, ops } = c;
  const outScale = fp.activationBits;
  const base = layer.base.map((b) => quantize(b, outScale));
  const gadgetBits: number[] = [];
  const trees = layer.trees.map((tree, t) =>
    tree.nodes.map((n, ni): TreeNodeIR => {
      if ("leaf" in n) return { leaf: n.leaf.map((v) => quantize(v, outScale)) };
      // x <= t (real) goes left. On integers at the input scale that is q <= floor(t * 2^s),
      // so the node compares q - T - 1 >= 0 (go right).
      const threshold = floorReal(n.threshold, scale);
      const x = bounds[n.feature]!;
      const compareBits = gadgetK({ lo: x.lo - threshold - 1n, hi: x.hi - threshold - 1n }, 0, `${where} tree ${t} node ${ni}`);
      gadgetBits.push(compareBits);
      return { feature: n.feature, threshold, left: n.left, right: n.right, compareBits };
    }),
  );
  const out = base.map((b, k) => {
    let lo = b;
    let hi = b;
    for (const tree of trees) {
      const vals = tree.filter((n) => n.leaf).map((n) => n.leaf![k]!);
      lo += vals.reduce((a, v) => min(a, v), vals[0]!);
      hi += vals.reduce((a, v) => max(a, v), vals[0]!);
    }
    return { lo, hi };
  });
  ops.push({ kind: "treeEnsemble", inScale: scale, outScale, base, trees, in: bounds, out, gadgetBits });
  st.scale = outScale;
  st.bounds = out;
}

function checkBits(iv: Interval, where: string): void {
  gadgetK(iv, 0, where);
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** floor(x * 2^s) exactly for a double x (thresholds must round one defined way: down). */
function floorReal(x: number, s: number): bigint {
  const q = quantize(x, s);
  // quantize rounds half away from zero; step back when that rounded up.
  return Number(q) > x * 2 ** s ? q - 1n : q;
}

/** Total multiply-accumulate terms and rescale gadgets, for reports. */
export function describeModel(ir: ModelIR): string {
  const parts = [String(ir.features.length), ...ir.ops.map((o) => `${o.kind}(${opWidth(o)})`)];
  return `${ir.name}@${ir.version}: ${parts.join(" -> ")}`;
}

/** Number of values an op produces. */
export function opWidth(op: Op): number {
  return op.kind === "dense" ? op.weights.length : op.out.length;
}

/** Bits of the widest accumulator, for reports. */
export function maxGadgetBits(ir: ModelIR): number {
  return Math.max(0, ...ir.ops.flatMap((o) => (o.gadgetBits as (number | null)[]).filter((k): k is number => k !== null)));
}
