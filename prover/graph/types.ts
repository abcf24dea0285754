/**
 * The tensor-graph IR (docs/ARCHITECTURE.md, "Graph IR"). A graph layer is a DAG over a TAPE of
 * scalar values: values 0..n-1 are the layer's inputs, and each node appends its outputs, reading
 * any earlier values by index (fan-out, residual connections and several inputs/outputs are just
 * indexes). Shapes are static and resolved when the graph is built, so data movement (Slice,
 * Concat, Transpose, Gather with constant indices...) is a reordering of indexes and costs nothing;
 * affine maps are sparse rows over tape values.
 *
 * Two forms of the same graph:
 * - FloatNode (in the spec): real-valued parameters, what an importer writes.
 * - QNode (in the IR): after lowering (./lower.ts): quantized constants, every output's fixed-point
 *   scale, its proven integer interval (the range analysis) and its worst-case error against the
 *   float graph (the error analysis), plus the gadget widths the circuit needs.
 *
 * Each operator family (./families/*.ts) implements the Family interface below and is registered
 * in ./registry.ts: the float rule, the lowering (quantization + range rule + error rule), the
 * exact integer interpreter rule, the commitment preimage and the circuit emitter.
 */
import type { ErrForm } from "./errform.js";
import type { Interval } from "./interval.js";

/** What every node has: its op, the tape values it reads, and where it came from. */
export interface NodeHead {
  op: string;
  /** Tape indexes read, in the op's argument order. */
  args: number[];
  /** Optional provenance for messages (the ONNX node). */
  name?: string;
  /**
   * This node's own activation scale (the fixedPoint.activationBits its family reads), where the
   * calibration chose one per node from the magnitudes of its outputs (prover/onnx/calibrate.ts);
   * absent: the spec's fixedPoint.activationBits.
   */
  activationBits?: number;
}

/**
 * A node of the float graph (spec form) whose family's parameters are P. As read from a spec or
 * written by an importer it is a `FloatNode` (P unknown); its family's `check` proves P.
 */
export type FloatNode<P extends object = object> = NodeHead & P;

/** A graph layer of the spec: inputs are the previous layer's values (the features). */
export interface GraphSpec {
  type: "graph";
  nodes: FloatNode[];
  /** Tape indexes of the layer's outputs, in order. */
  outputs: number[];
  /**
   * Inputs that are integers (ONNX integer or bool input tensors: indices, counts, flags). At a
   * scale >= 0 their quantization is exact, so they carry no rounding error into the analysis.
   */
  integerInputs?: number[];
}

/** What the lowering knows about one tape value. */
export interface ValueInfo {
  /** Fixed-point scale: the integer q stands for q / 2^scale. */
  scale: number;
  /** Proven integer interval. */
  iv: Interval;
  /** Worst-case |q / 2^scale - float value| (Infinity when no bound is claimed). */
  err: number;
  /**
   * The part of `err` a function adds by itself (its approximation error, at exact inputs), for an
   * error rule that propagates the input errors jointly (mul's `norm`). Absent: not known.
   */
  approxErr?: number;
  /**
   * The error as a linear form over shared noise symbols (./errform.ts), when known; its l1 norm is
   * at most `err`. Only during lowering: the IR keeps `err` alone.
   */
  form?: ErrForm;
}

/** A node as its family lowers it: quantized parameters Q, and what it knows of each output. */
export type LoweredNode<Q extends object = object> = NodeHead & { outs: ValueInfo[] } & Q;

/** A lowered node in the IR: the family's quantized parameters Q, and each argument's scale. */
export type QNode<Q extends object = object> = LoweredNode<Q> & { inScales: number[] };

/** Fixed-point defaults the lowering uses (the spec's fixedPoint). */
export interface FixedPointDefaults {
  inputBits: number;
  weightBits: number;
  activationBits: number;
}

export interface LowerContext {
  /** The tape so far: info of every value an argument may refer to. */
  value(i: number): ValueInfo;
  fp: FixedPointDefaults;
  /** "node 12 (Mul "/mlp/Mul")", for messages. */
  where: string;
  /** The smallest K >= shift with -2^K <= lo, hi < 2^K; throws ModelRangeError naming `where`. */
  gadgetK(iv: Interval, shift: number, what?: string): number;
}

export interface EmitContext {
  /** The circom expression of a tape value (a signal name). */
  ref(i: number): string;
  /** A fresh signal-name prefix for this node's intermediates (unique in the circuit). */
  prefix: string;
  /** Appends a line of circom inside the main template. */
  emit(line: string): void;
  /** The output signal names this node must assign (declared by the caller). */
  outs: string[];
  /**
   * Private-weight circuits only: the next of the main template's `weights[]` input signals (a node
   * with private parameters reads them in the order of prover/model/commitment.ts privateWeights).
   */
  privateWeight?: () => string;
}

/**
 * One operator family: P the parameters of its float nodes (the spec), Q those of its lowered nodes
 * (the IR). `ops` are the node ops it handles. Every method is pure.
 * Soundness contract: emit() constrains EXACTLY what interpret() computes, for every input in the
 * proven intervals; lower() refuses (ModelRangeError naming ctx.where) whatever could wrap the field.
 */
export interface Family<P extends object, Q extends object> {
  ops: readonly string[];
  /** circuits/lib files emit() uses (paths relative to the repo). */
  includes: readonly string[];
  /** Checks a node's parameters (from a spec or an importer); throws Error with a message naming the parameter. */
  check(node: FloatNode, tapeLength: number): asserts node is FloatNode<P>;
  /** The number of outputs of a checked node. */
  outputs(node: FloatNode<P>): number;
  /** The float semantics (the reference for the error analysis and calibration). */
  evalFloat(node: FloatNode<P>, x: readonly number[]): number[];
  /** Quantization + range rule + error rule. */
  lower(node: FloatNode<P>, ctx: LowerContext): LoweredNode<Q>;
  /** Exact integer semantics (BigInt). */
  interpret(node: QNode<Q>, x: readonly bigint[]): bigint[];
  /** Commitment preimage of the node's parameters (the registry adds op, args, output scales). */
  preimage(node: QNode<Q>): bigint[];
  /** The circuit. */
  emit(node: QNode<Q>, ctx: EmitContext): void;
  /** Constraints of emit()'s circuit as circom -O2 counts them (../cost.ts): the size gate sums them (prover/onnx/estimate.ts). */
  constraints(node: QNode<Q>): number;
}
