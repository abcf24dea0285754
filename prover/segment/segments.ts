/**
 * A model's graph as segments (docs/SEGMENTS.md): the plan over the lowered graph (./plan.ts), each
 * segment's own sub-graph (its nodes, their arguments renumbered onto the segment's tape) and the
 * proven ranges of the values that cross each cut.
 *
 * A segment's tape is its boundary inputs (in the order of Segment.inputs), then its nodes' outputs,
 * which are the whole graph's tape values [start(first), start(end)) in order: the families emit and
 * interpret a node from its arguments alone, so the sub-graph computes exactly what the nodes computed
 * in the whole graph. Nothing is re-lowered: scales, intervals and error bounds are the whole graph's,
 * and every boundary value is an exact integer of the reference interpreter, so the model's error
 * bound holds end to end unchanged.
 */
import { ZkinferError } from "../errors.js";
import type { Interval } from "../graph/interval.js";
import { familyOf, type GraphNode, type GraphOp } from "../graph/registry.js";
import type { FloatNode, GraphSpec } from "../graph/types.js";
import { estimateNode, PER_INPUT } from "../onnx/estimate.js";
import { bitLength } from "../field.js";
import type { ModelIR } from "../model/ir.js";
import type { InputRange } from "../model/commitment.js";
import { planSegments, type Segment, type SegmentableGraph, type SegmentPlan } from "./plan.js";

/** Why a model cannot be segmented (the features a segmented circuit does not carry), or undefined. */
export function segmentationRefusal(ir: ModelIR): string | undefined {
  if (ir.visibility.weights === "private") return `model ${ir.name} has private weights: segmented circuits take public-weight models`;
  if (ir.attestation !== undefined) return `model ${ir.name} is attested: segmented circuits take unattested models`;
  if (ir.visibility.inputs === "public") return `model ${ir.name} has public inputs: segmented circuits take private-input models`;
  if (ir.extraOutputs?.length) return `model ${ir.name} has extra outputs (computed from the inputs): segmented circuits do not carry them`;
  return undefined;
}

/** The constraints a lowered node costs: a dense node's rescale gadgets exactly (K + 2 each), another family by the estimate of its float node. */
export function loweredNodeConstraints(node: GraphNode, float: FloatNode): number {
  if (node.family === "affine") return node.bits.reduce<number>((s, k) => s + (k === null ? 0 : k + 2), 0);
  return estimateNode(float);
}

/**
 * Constraints of one value crossing a cut with the proven range `iv`: the reading segment's range check
 * (InRange: two decompositions of its width, one when the range is a power of two) and its share of the
 * two Poseidon commitments (about 25 constraints per 248-bit word, on each side).
 */
export function boundaryValueConstraints(iv: Interval): number {
  const bits = bitLength(iv.hi - iv.lo);
  return 2 * bits + 1 + Math.ceil((bits * 50) / 248);
}

/** The proven interval of every tape value of the lowered graph: the inputs', then each node's outputs'. */
export function tapeIntervals(graph: GraphOp): Interval[] {
  const out: Interval[] = [...graph.in];
  for (const node of graph.nodes) for (const o of node.outs) out.push(o.iv);
  return out;
}

/** The lowered graph as the planner sees it; `float` is the spec's float graph it was lowered from (same nodes, same order). */
export function loweredSegmentable(ir: ModelIR, float: GraphSpec): SegmentableGraph {
  const g = ir.graph;
  if (float.nodes.length !== g.nodes.length) throw new Error(`segments: the float graph has ${float.nodes.length} nodes, the lowered one ${g.nodes.length}`);
  const ivs = tapeIntervals(g);
  return {
    inputs: g.in.length,
    nodes: g.nodes.map((n, k) => ({ args: n.args, outputs: n.outs.length, constraints: loweredNodeConstraints(n, float.nodes[k]!) })),
    outputs: g.outputs,
    boundaryCost: (v) => boundaryValueConstraints(ivs[v]!),
  };
}

/**
 * The float graph as the planner sees it, from the estimate alone (estimate.ts): what `check-onnx` and
 * `import` answer from before lowering, so a model far over the single-proof limit gets its plan (or its
 * refusal) in seconds. A value crossing a cut costs PER_INPUT, the estimate's cost of an input.
 */
export function estimatedSegmentable(float: GraphSpec, inputs: number): SegmentableGraph {
  let tape = inputs;
  const nodes = float.nodes.map((n) => {
    const constraints = estimateNode(n);
    const outputs = outputsOf(n, tape);
    tape += outputs;
    return { args: n.args, outputs, constraints };
  });
  return { inputs, nodes, outputs: float.outputs, boundaryCost: () => PER_INPUT };
}

/** A float node's output count (its family's validate returns it, prover/graph/registry.ts). */
function outputsOf(node: FloatNode, tape: number): number {
  return familyOf(node.op).validate(node, tape);
}

/** Plans `ir`'s segments of at most `maxSegmentConstraints` (estimated) each. */
export function planModelSegments(ir: ModelIR, float: GraphSpec, maxSegmentConstraints: number): SegmentPlan {
  const refusal = segmentationRefusal(ir);
  if (refusal) throw new ZkinferError(refusal);
  return planSegments(loweredSegmentable(ir, float), maxSegmentConstraints);
}

/** The ranges of tape values `values`, as the input packing reads them (a boundary's commitment layout). */
export function boundaryRanges(graph: GraphOp, values: readonly number[]): InputRange[] {
  const ivs = tapeIntervals(graph);
  return values.map((v) => ({ qmin: ivs[v]!.lo, qmax: ivs[v]!.hi }));
}

/**
 * Segment `seg` of `graph` as a graph of its own: its inputs are the boundary values it reads, its
 * nodes' arguments renumbered onto its tape, its outputs the values it hands on.
 */
export function segmentGraph(graph: GraphOp, seg: Segment): GraphOp {
  const ivs = tapeIntervals(graph);
  let start = graph.in.length;
  for (let k = 0; k < seg.first; k++) start += graph.nodes[k]!.outs.length;
  const local = new Map<number, number>();
  seg.inputs.forEach((v, i) => local.set(v, i));
  const at = (v: number, k: number) => {
    const own = v >= start ? seg.inputs.length + (v - start) : undefined;
    const i = local.get(v) ?? own;
    if (i === undefined)
      throw new Error(`segment of nodes [${seg.first}, ${seg.end}): node ${k} reads value ${v}, which is neither computed in it nor in its boundary`);
    return i;
  };
  const nodes = graph.nodes.slice(seg.first, seg.end).map((n, j) => ({ ...n, args: n.args.map((a) => at(a, seg.first + j)) })) as GraphNode[];
  const outputs = seg.outputs.map((v) => at(v, seg.end));
  return {
    kind: "graph",
    inScale: graph.inScale,
    in: seg.inputs.map((v) => ivs[v]!),
    nodes,
    outputs,
    outScales: [],
    out: seg.outputs.map((v) => ivs[v]!),
    outErr: [],
    gadgetBits: [],
  };
}
