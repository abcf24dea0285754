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
import { estimateNode } from "../onnx/estimate.js";
import { bitLength } from "../field.js";
import type { ModelIR } from "../model/ir.js";
import type { InputRange } from "../model/commitment.js";
import { interpretNode } from "../graph/registry.js";
import { columnGraph, columnSplits, floatColumnGraph, type ColumnSplit } from "./columns.js";
import { planSegments, type CutPlan, type Segment, type SegmentableGraph } from "./plan.js";
import { pieceArgs, piecesOf, sliceNode, type Piece } from "./pieces.js";

/**
 * A model's plan: cuts over its pieces (./pieces.ts), which it lists. With `columns`, the pieces are
 * those of the graph with these dense nodes cut by columns (./columns.ts, `planGraph`): the plan's
 * tape is that graph's (the original values, and the partial sums beside them).
 */
export interface SegmentPlan extends CutPlan {
  pieces: Piece[];
  /** The dense nodes cut by columns (absent: none). */
  columns?: ColumnSplit[];
}

const columnGraphs = new WeakMap<GraphOp, Map<string, ReturnType<typeof columnGraph>>>();

/** `graph` with `columns` cut (./columns.ts columnGraph), once per graph and columns. */
function columnsOf(graph: GraphOp, columns: readonly ColumnSplit[]): ReturnType<typeof columnGraph> {
  let byKey = columnGraphs.get(graph);
  if (!byKey) columnGraphs.set(graph, (byKey = new Map()));
  const key = JSON.stringify(columns);
  let split = byKey.get(key);
  if (!split) byKey.set(key, (split = columnGraph(graph, columns)));
  return split;
}

/** The graph a plan cuts: the model's lowered graph with the plan's dense nodes cut by columns (the graph itself without). */
export function planGraph(graph: GraphOp, plan: { columns?: readonly ColumnSplit[] }): GraphOp {
  return plan.columns?.length ? columnsOf(graph, plan.columns).graph : graph;
}

/**
 * The plan's tape (planGraph's values) from the reference interpreter's tape of the whole graph: its
 * values where the plan's graph computes them (bit-identical: ./columns.ts), and the partial sums
 * computed from them by their nodes' own rule.
 */
export function planTape(graph: GraphOp, plan: { columns?: readonly ColumnSplit[] }, tape: readonly bigint[]): bigint[] {
  if (!plan.columns?.length) return [...tape];
  const { graph: g, columns } = columnsOf(graph, plan.columns);
  const out = tape.slice(0, g.in.length);
  g.nodes.forEach((n, k) => {
    const o = columns.original[k];
    const values =
      o !== undefined
        ? tape.slice(o, o + n.outs.length)
        : interpretNode(
            n,
            n.args.map((a) => out[a]!),
          );
    for (const v of values) out.push(v);
  });
  return out;
}

/** A piece is at most this fraction of a segment (so the planner can fill segments). */
const PIECES_PER_SEGMENT = 8;

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

/** The estimate's width of a value, before lowering (a 20-bit range). */
const ESTIMATED_BITS = 20;

/** The proven interval of every tape value of the lowered graph: the inputs', then each node's outputs'. */
export function tapeIntervals(graph: GraphOp): Interval[] {
  const out: Interval[] = [...graph.in];
  for (const node of graph.nodes) for (const o of node.outs) out.push(o.iv);
  return out;
}

/** The lowered graph's pieces as the planner sees them; `float` is the spec's float graph it was lowered from (same nodes, same order). */
export function loweredSegmentable(
  ir: ModelIR,
  float: GraphSpec,
  maxSegmentConstraints: number,
  maxPiece = maxSegmentConstraints / PIECES_PER_SEGMENT,
  nodeScale?: readonly number[],
): { graph: SegmentableGraph; pieces: Piece[]; columns: ColumnSplit[] } {
  if (float.nodes.length !== ir.graph.nodes.length)
    throw new Error(`segments: the float graph has ${float.nodes.length} nodes, the lowered one ${ir.graph.nodes.length}`);
  const whole = tapeIntervals(ir.graph);
  // A value read across a cut costs its digits' decomposition (and its share of a hash).
  const columns = columnSplits(ir.graph.nodes, maxSegmentConstraints, (v) => bitLength(whole[v]!.hi - whole[v]!.lo) + 2);
  const { graph: g, columns: split } = columnsOf(ir.graph, columns);
  const ivs = tapeIntervals(g);
  // nodeScale: the build's correction of each node's estimate from compiled counts (./build.ts calibratedSegments),
  // per node of the plan's graph (a dense node's cost is its own gadgets', so a split node's parts need no float node).
  const costs = g.nodes.map((n, k) => loweredNodeConstraints(n, float.nodes[split.origin[k]!]!) * (nodeScale?.[k] ?? 1));
  const pieces = piecesOf(
    g.nodes,
    g.nodes.map((n) => n.outs.length),
    costs,
    maxPiece,
  );
  return {
    graph: {
      inputs: g.in.length,
      nodes: pieces.map((p) => {
        const n = g.nodes[p.node]!;
        return { args: pieceArgs(n, p.from, p.to), outputs: p.to - p.from, constraints: (costs[p.node]! * (p.to - p.from)) / n.outs.length };
      }),
      outputs: g.outputs,
      bits: (v) => bitLength(ivs[v]!.hi - ivs[v]!.lo),
    },
    pieces,
    columns,
  };
}

/**
 * The float graph as the planner sees it, from the estimate alone (estimate.ts): what `check-onnx` and
 * `import` answer from before lowering, so a model over the single-proof limit gets its plan (or its
 * refusal) in seconds.
 */
export function estimatedSegmentable(float: GraphSpec, inputs: number, maxSegmentConstraints: number): { graph: SegmentableGraph; pieces: Piece[] } {
  let tape = inputs;
  const outputs = float.nodes.map((n) => {
    const o = familyOf(n.op).validate(n, tape);
    tape += o;
    return o;
  });
  const split = floatColumnGraph(float, inputs, outputs, columnSplits(float.nodes, maxSegmentConstraints));
  const own = float.nodes.map((n) => estimateNode(n));
  // A split node's parts: its rows' share of its estimate (the partial sums cost nothing: exact, no gadget).
  const costs = split.nodes.map((_, k) => (split.original[k] === undefined ? 0 : (own[split.origin[k]!]! * split.outs[k]!) / outputs[split.origin[k]!]!));
  const pieces = piecesOf(split.nodes, split.outs, costs, maxSegmentConstraints / PIECES_PER_SEGMENT);
  return {
    graph: {
      inputs,
      nodes: pieces.map((p) => ({
        args: pieceArgs(split.nodes[p.node]!, p.from, p.to),
        outputs: p.to - p.from,
        constraints: (costs[p.node]! * (p.to - p.from)) / split.outs[p.node]!,
      })),
      outputs: split.outputs,
      bits: () => ESTIMATED_BITS,
    },
    pieces,
  };
}

/**
 * Plans `ir`'s segments of at most `maxSegmentConstraints` (estimated) each, at least `minSegments` of them; a splittable node costing
 * more than `maxPiece` (default an eighth of a segment) is cut into pieces of about that cost.
 */
export function planModelSegments(
  ir: ModelIR,
  float: GraphSpec,
  maxSegmentConstraints: number,
  maxPiece?: number,
  nodeScale?: readonly number[],
  minSegments = 1,
  cuts?: readonly number[],
): SegmentPlan {
  const refusal = segmentationRefusal(ir);
  if (refusal) throw new ZkinferError(refusal);
  const { graph, pieces, columns } = loweredSegmentable(ir, float, maxSegmentConstraints, maxPiece, nodeScale);
  return { ...planSegments(graph, maxSegmentConstraints, minSegments, cuts), pieces, ...(columns.length ? { columns } : {}) };
}

/** The ranges of tape values `values`, as the input packing reads them (a boundary's commitment layout). */
export function boundaryRanges(graph: GraphOp, values: readonly number[]): InputRange[] {
  const ivs = tapeIntervals(graph);
  return values.map((v) => ({ qmin: ivs[v]!.lo, qmax: ivs[v]!.hi }));
}

/**
 * Segment `seg` of `model` (cut by `plan`, over planGraph) as a graph of its own: its inputs are the values of the groups
 * it opens (seg.inputs), its pieces' nodes (consecutive pieces of one node merged into one slice) with
 * their arguments renumbered onto its tape, its outputs the values it hands on (seg.outputs). An input
 * segment (checks only) has no nodes.
 */
export function segmentGraph(model: GraphOp, plan: SegmentPlan, seg: Segment): GraphOp {
  const graph = planGraph(model, plan);
  const ivs = tapeIntervals(graph);
  const nodeStart: number[] = [];
  let at0 = graph.in.length;
  for (const n of graph.nodes) {
    nodeStart.push(at0);
    at0 += n.outs.length;
  }
  const runs: Piece[] = [];
  for (const p of plan.pieces.slice(Math.max(0, seg.first - plan.checks), Math.max(0, seg.end - plan.checks))) {
    const last = runs.at(-1);
    if (last && last.node === p.node && last.to === p.from) last.to = p.to;
    else runs.push({ ...p });
  }
  const first = runs[0];
  const start = first ? nodeStart[first.node]! + first.from : at0;
  const local = new Map<number, number>();
  seg.inputs.forEach((v, i) => local.set(v, i));
  const at = (v: number, k: number) => {
    const own = v >= start ? seg.inputs.length + (v - start) : undefined;
    const i = local.get(v) ?? own;
    if (i === undefined)
      throw new Error(`segment [${seg.first}, ${seg.end}): node ${k} reads value ${v}, which is neither computed in it nor in a group it opens`);
    return i;
  };
  const nodes = runs.map((r) => {
    const n = sliceNode(graph.nodes[r.node]!, r.from, r.to);
    return { ...n, args: n.args.map((a) => at(a, r.node)) } as GraphNode;
  });
  return {
    kind: "graph",
    inScale: graph.inScale,
    in: seg.inputs.map((v) => ivs[v]!),
    nodes,
    outputs: seg.outputs.map((v) => at(v, -1)),
    outScales: [],
    out: seg.outputs.map((v) => ivs[v]!),
    outErr: [],
    gadgetBits: [],
  };
}
