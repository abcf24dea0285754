/**
 * The segmentation plan (issue 25, docs/SEGMENTS.md): cut a graph, in tape order, into K contiguous
 * runs of nodes whose circuits each stay under S constraints, choosing the cuts that minimise K and
 * then the number of values committed at the cuts.
 *
 * The graph IR is a tape (prover/graph/types.ts): values 0..n-1 are the inputs, each node appends its
 * outputs and reads earlier values by index. Cutting before node c splits it into what is computed
 * before and after; the BOUNDARY at c is every value computed before c that a node at or after c reads
 * (or that is a graph output). A segment [a, b) reads the boundary at a and hands on the boundary at b:
 * a value it does not compute but that a later segment needs passes through it (a skip connection
 * costs a range check in every segment it crosses, so the plan avoids cutting across long ones).
 *
 * The plan works on a neutral view of the graph (SegmentableGraph) so that the same code plans from
 * the float graph's estimate (`check-onnx` answers in seconds, before lowering) and from the lowered
 * graph (the build, with each boundary value's proven width).
 */
import { ZkinferError } from "../errors.js";

/** What the planner needs of a graph: its nodes' arguments, output counts and costs. */
export interface SegmentableGraph {
  /** Tape values 0..inputs-1 are the graph's inputs. */
  inputs: number;
  nodes: readonly { args: readonly number[]; outputs: number; constraints: number }[];
  /** Tape indexes of the graph's outputs. */
  outputs: readonly number[];
  /** Constraints a value costs the segment that reads it across a cut (its range check, its share of the commitment). */
  readCost(value: number): number;
  /** Constraints a value costs the segment that hands it on (its share of the commitment; no range check). */
  handCost(value: number): number;
}

/** One segment of a plan: nodes (of the planner's graph: the model's pieces, ./pieces.ts) [first, end), reading `inputs` and handing on `outputs` (tape indexes). */
export interface Segment {
  first: number;
  end: number;
  /** Tape indexes read from before `first` (segment 0: every graph input). */
  inputs: number[];
  /** Tape indexes handed to the next segment (the last segment: the graph's outputs). */
  outputs: number[];
  /** Estimated constraints: its nodes, its boundaries and a fixed part (hashes, bindings). */
  constraints: number;
}

export interface CutPlan {
  maxSegmentConstraints: number;
  segments: Segment[];
  /** Sum over the cuts of the boundary's size (values committed between segments). */
  boundaryValues: number;
}

/** What every segment costs besides its nodes and boundary values: the two commitments' last hashes, the bindings. */
export const SEGMENT_FIXED_CONSTRAINTS = 480;

/** Tape start of each node, and the first tape index after the graph. */
function tapeStarts(g: SegmentableGraph): number[] {
  const starts: number[] = [];
  let at = g.inputs;
  for (const n of g.nodes) {
    starts.push(at);
    at += n.outputs;
  }
  starts.push(at);
  return starts;
}

/**
 * Per value: the index of the node that produces it (-1: an input) and of the last node that reads it
 * (nodes.length: a graph output). The value is in the boundary at c exactly when producer < c <= lastUse.
 */
function lifetimes(g: SegmentableGraph, starts: number[]): { producer: Int32Array; lastUse: Int32Array } {
  const total = starts[starts.length - 1]!;
  const producer = new Int32Array(total).fill(-1);
  const lastUse = new Int32Array(total).fill(-1);
  g.nodes.forEach((n, k) => {
    for (let v = starts[k]!; v < starts[k + 1]!; v++) producer[v] = k;
    for (const a of n.args) {
      if (!Number.isInteger(a) || a < 0 || a >= starts[k]!) throw new ZkinferError(`segment plan: node ${k} reads value ${a}, which is not computed before it`);
      lastUse[a] = k;
    }
  });
  for (const o of g.outputs) lastUse[o] = g.nodes.length;
  return { producer, lastUse };
}

/** The boundary at cut c (0 < c < nodes.length): the values computed before node c and read at or after it, in tape order. */
export function boundaryAt(g: SegmentableGraph, c: number): number[] {
  const starts = tapeStarts(g);
  const { producer, lastUse } = lifetimes(g, starts);
  const out: number[] = [];
  for (let v = 0; v < starts[c]!; v++) if (producer[v]! < c && lastUse[v]! >= c) out.push(v);
  return out;
}

/**
 * Plans the segments of `g` with at most `maxSegmentConstraints` each (estimated). Minimises the number
 * of segments, then the values committed at the cuts. Throws, naming the node, when one node alone
 * (with its boundaries) is over the limit.
 */
export function planSegments(g: SegmentableGraph, maxSegmentConstraints: number): CutPlan {
  const n = g.nodes.length;
  if (n === 0) throw new ZkinferError("segment plan: the graph has no nodes");
  const starts = tapeStarts(g);
  const { producer, lastUse } = lifetimes(g, starts);
  // The boundary's cost and size at every cut, by a difference array over each value's lifetime.
  const readDiff = new Float64Array(n + 2);
  const handDiff = new Float64Array(n + 2);
  const sizeDiff = new Int32Array(n + 2);
  for (let v = 0; v < lastUse.length; v++) {
    const from = producer[v]! + 1;
    const to = lastUse[v]!;
    if (to < from) continue; // never read after it is made (a dead value)
    const r = g.readCost(v);
    const h = g.handCost(v);
    readDiff[from] = readDiff[from]! + r;
    readDiff[to + 1] = readDiff[to + 1]! - r;
    handDiff[from] = handDiff[from]! + h;
    handDiff[to + 1] = handDiff[to + 1]! - h;
    sizeDiff[from] = sizeDiff[from]! + 1;
    sizeDiff[to + 1] = sizeDiff[to + 1]! - 1;
  }
  const readCost = new Float64Array(n + 1);
  const handCost = new Float64Array(n + 1);
  const cutSize = new Int32Array(n + 1);
  for (let c = 0, r = 0, h = 0, size = 0; c <= n; c++) {
    r += readDiff[c]!;
    h += handDiff[c]!;
    size += sizeDiff[c]!;
    readCost[c] = r;
    handCost[c] = h;
    cutSize[c] = size;
  }
  // Segment 0 reads (and commits) every input; the last hands on the outputs.
  let inputsCost = 0;
  for (let v = 0; v < g.inputs; v++) inputsCost += g.readCost(v);
  let outputsCost = 0;
  for (const o of g.outputs) outputsCost += g.handCost(o);
  const inCost = (a: number) => (a === 0 ? inputsCost : readCost[a]!);
  const outCost = (b: number) => (b === n ? outputsCost : handCost[b]!);
  const prefix = new Float64Array(n + 1);
  g.nodes.forEach((node, k) => (prefix[k + 1] = prefix[k]! + node.constraints));
  const segmentCost = (a: number, b: number) => prefix[b]! - prefix[a]! + inCost(a) + outCost(b) + SEGMENT_FIXED_CONSTRAINTS;

  // dp[b]: fewest segments covering nodes [0, b), then the fewest committed values; from[b] its last cut.
  const segs = new Int32Array(n + 1).fill(-1);
  const committed = new Float64Array(n + 1).fill(Infinity);
  const from = new Int32Array(n + 1).fill(-1);
  segs[0] = 0;
  committed[0] = 0;
  /** Candidate starts per end: bounded so that a huge graph of free nodes plans in seconds (the plan is then good, not optimal). */
  const WINDOW = 4096;
  for (let b = 1; b <= n; b++) {
    for (let a = b - 1, tried = 0; a >= 0 && tried < WINDOW; a--, tried++) {
      if (prefix[b]! - prefix[a]! > maxSegmentConstraints) break;
      if (segs[a]! < 0 || segmentCost(a, b) > maxSegmentConstraints) continue;
      const k = segs[a]! + 1;
      const c = committed[a]! + (b < n ? cutSize[b]! : 0);
      if (segs[b]! < 0 || k < segs[b]! || (k === segs[b]! && c < committed[b]!)) {
        segs[b] = k;
        committed[b] = c;
        from[b] = a;
      }
    }
    if (segs[b]! < 0) {
      const alone = segmentCost(b - 1, b);
      throw new ZkinferError(
        `segment plan: node ${b - 1} cannot fit in a segment of at most ${maxSegmentConstraints.toLocaleString("en-US")} constraints ` +
          `(about ${Math.round(alone).toLocaleString("en-US")} with its boundaries alone); raise --max-segment-constraints (with a larger ptau).`,
      );
    }
  }
  const cuts: number[] = [];
  for (let b = n; b > 0; b = from[b]!) cuts.unshift(from[b]!);
  cuts.push(n);
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    const inputs = a === 0 ? Array.from({ length: g.inputs }, (_, v) => v) : valuesAlive(producer, lastUse, starts[a]!, a);
    const outputs = b === n ? [...g.outputs] : valuesAlive(producer, lastUse, starts[b]!, b);
    segments.push({ first: a, end: b, inputs, outputs, constraints: Math.round(segmentCost(a, b)) });
  }
  return { maxSegmentConstraints, segments, boundaryValues: cuts.slice(1, -1).reduce((s, c) => s + cutSize[c]!, 0) };
}

function valuesAlive(producer: Int32Array, lastUse: Int32Array, before: number, c: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < before; v++) if (producer[v]! < c && lastUse[v]! >= c) out.push(v);
  return out;
}
