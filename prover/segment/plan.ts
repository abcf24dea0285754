/**
 * The segmentation plan (issue 25, docs/SEGMENTS.md): cut a graph, in tape order, into K contiguous
 * runs of units whose circuits each stay under S constraints, choosing the cuts that minimise K and
 * then the number of values committed at the cuts.
 *
 * The graph IR is a tape (prover/graph/types.ts): values 0..n-1 are the inputs, each node appends its
 * outputs and reads earlier values by index. Values are committed in GROUPS (docs/SEGMENTS.md,
 * "Boundaries"): runs of up to GROUP_WORDS packed words of one unit's outputs (or of the inputs), each
 * group hashed once by the segment that makes it (a one-word group is not hashed: its word is its element). The boundary at a cut is the list of groups made
 * before it and read at or after it; its commitment hashes that list (one element per group) with a
 * salt. A segment OPENS only the groups its units read (their values, one decomposition each, and their
 * hash); a group it does not read passes through as one list element.
 *
 * The units are, in order: one CHECK per input group (the inputs' two-sided range checks, which any
 * segment may carry: a run of them before the first node is an input segment), then the nodes (the
 * model's pieces, ./pieces.ts).
 *
 * The plan works on a neutral view of the graph (SegmentableGraph) so that the same code plans from
 * the float graph's estimate (`check-onnx` answers in seconds, before lowering) and from the lowered
 * graph (the build, with each value's proven width).
 */
import { ZkinferError } from "../errors.js";

/** What the planner needs of a graph: its nodes' arguments, output counts and costs, and each value's width. */
export interface SegmentableGraph {
  /** Tape values 0..inputs-1 are the graph's inputs. */
  inputs: number;
  nodes: readonly { args: readonly number[]; outputs: number; constraints: number }[];
  /** Tape indexes of the graph's outputs. */
  outputs: readonly number[];
  /** The digit width of tape value v: the bit length of its interval's hi - lo. */
  bits(value: number): number;
}

/** A run of tape values [first, end) committed as one hash of its packed words. */
export interface Group {
  first: number;
  end: number;
  /** Packed words (248 bits at most each, inputPackingLayout's rule). */
  words: number;
  /** The unit that makes it (-1: the graph's inputs). */
  unit: number;
}

/** One segment of a plan: units [first, end) (checks, then the model's pieces). */
export interface Segment {
  first: number;
  end: number;
  /** Groups in the commitment it opens (made before `first`, read at or after it), by group index. */
  groupsIn: number[];
  /** Groups in the commitment it hands on (made before `end`, read at or after it); [] for the last. */
  groupsOut: number[];
  /** Groups of `groupsIn` whose values it reads (checked or read by its nodes). */
  opened: number[];
  /** Input groups it range-checks (two-sided). */
  checked: number[];
  /** Tape values of the opened groups, in group order: its sub-graph's inputs. */
  inputs: number[];
  /** The last segment: the graph's outputs; another: the values of the groups it makes and hands on, in group order. */
  outputs: number[];
  /** Estimated constraints: its nodes, checks, openings, hashes and a fixed part (the bindings). */
  constraints: number;
}

export interface CutPlan {
  maxSegmentConstraints: number;
  /** Units 0..checks-1 are the input groups' checks (check j: group j). */
  checks: number;
  groups: Group[];
  segments: Segment[];
  /** Sum over the cuts of the values in the groups committed there. */
  boundaryValues: number;
}

/** What every segment costs besides its units, openings and hashes: the bindings. */
export const SEGMENT_FIXED_CONSTRAINTS = 100;
/** Packed words per group: one Poseidon(16). */
export const GROUP_WORDS = 16;
const WORD_BITS = 248;

/** circomlib Poseidon(n)'s constraints, about (measured: 213 for n = 1, 240 for 2, 609 for 16). */
export function poseidonConstraints(n: number): number {
  return Math.round(210 + 26.6 * (n - 1));
}

/** A chained Poseidon over n elements (16, then 15 and the previous hash, ...). */
export function chainConstraints(n: number): number {
  let cost = poseidonConstraints(Math.min(n, 16));
  for (let left = n - 16; left > 0; left -= 15) cost += poseidonConstraints(Math.min(left, 15) + 1);
  return cost;
}

/** The groups of a run of values [from, to) made by `unit`: greedy words of at most 248 bits, GROUP_WORDS words a group. */
function groupRun(from: number, to: number, unit: number, bits: (v: number) => number, out: Group[]): void {
  let first = from;
  let words = 0;
  let used = WORD_BITS + 1;
  for (let v = from; v < to; v++) {
    const b = bits(v);
    if (b > WORD_BITS) throw new ZkinferError(`segment plan: value ${v} is ${b} bits wide, over a packed word's ${WORD_BITS}`);
    if (used + b > WORD_BITS) {
      if (words === GROUP_WORDS) {
        out.push({ first, end: v, words, unit });
        first = v;
        words = 0;
      }
      words++;
      used = 0;
    }
    used += b;
  }
  if (to > from) out.push({ first, end: to, words, unit });
}

interface Layout {
  checks: number;
  units: number;
  groups: Group[];
  /** Per tape value, its group. */
  groupOf: Int32Array;
  /** Per unit, the groups it reads (distinct), and the groups it makes. */
  reads: Int32Array[];
  makes: number[][];
  /** Per group, the last unit reading it (units: a graph output). */
  lastUse: Int32Array;
  /** Per unit, its own constraints (a check: the upper decompositions). */
  own: Float64Array;
  /** Per group, the cost of opening it (a decomposition per value, its hash) and of making it (its hash). */
  openCost: Float64Array;
  makeCost: Float64Array;
}

function layout(g: SegmentableGraph): Layout {
  const groups: Group[] = [];
  groupRun(0, g.inputs, -1, (v) => g.bits(v), groups);
  const checks = groups.length;
  const units = checks + g.nodes.length;
  let at = g.inputs;
  g.nodes.forEach((n, k) => {
    groupRun(at, at + n.outputs, checks + k, (v) => g.bits(v), groups);
    at += n.outputs;
  });
  const groupOf = new Int32Array(at);
  groups.forEach((gr, i) => groupOf.fill(i, gr.first, gr.end));
  const lastUse = new Int32Array(groups.length).fill(-1);
  const reads: Int32Array[] = [];
  const makes: number[][] = Array.from({ length: units }, () => []);
  const own = new Float64Array(units);
  for (let j = 0; j < checks; j++) {
    reads.push(Int32Array.of(j));
    lastUse[j] = j;
    for (let v = groups[j]!.first; v < groups[j]!.end; v++) own[j] = own[j]! + g.bits(v) + 1;
  }
  const seen = new Int32Array(groups.length).fill(-1);
  let start = g.inputs;
  g.nodes.forEach((n, k) => {
    const u = checks + k;
    own[u] = n.constraints;
    const r: number[] = [];
    for (const a of n.args) {
      if (!Number.isInteger(a) || a < 0 || a >= start) throw new ZkinferError(`segment plan: node ${k} reads value ${a}, which is not computed before it`);
      const gi = groupOf[a]!;
      if (seen[gi] !== u) {
        seen[gi] = u;
        r.push(gi);
        lastUse[gi] = u;
      }
    }
    reads.push(Int32Array.from(r));
    start += n.outputs;
  });
  groups.forEach((gr, i) => {
    if (gr.unit >= 0) makes[gr.unit]!.push(i);
  });
  // A graph output made before the last unit is opened by the last segment (it hands it on as an output).
  const lastReads = new Set(reads[units - 1]!);
  for (const o of g.outputs) {
    const gi = groupOf[o]!;
    lastUse[gi] = units;
    if (groups[gi]!.unit < units - 1) lastReads.add(gi);
  }
  reads[units - 1] = Int32Array.from(lastReads);
  const openCost = new Float64Array(groups.length);
  const makeCost = new Float64Array(groups.length);
  groups.forEach((gr, i) => {
    let b = 0;
    for (let v = gr.first; v < gr.end; v++) b += Math.max(1, g.bits(v));
    makeCost[i] = gr.words > 1 ? poseidonConstraints(gr.words) : 0; // a one-word group is its own list element
    openCost[i] = b + makeCost[i]!;
  });
  return { checks, units, groups, groupOf, reads, makes, lastUse, own, openCost, makeCost };
}

/** The groups alive at cut c (made before unit c, read at or after it), in group order. */
function aliveAt(l: Layout, c: number): number[] {
  const out: number[] = [];
  l.groups.forEach((gr, i) => {
    if (gr.unit < c && l.lastUse[i]! >= c) out.push(i);
  });
  return out;
}

/** The boundary at cut c (0 < c < units): the tape values of the groups committed there. */
export function boundaryAt(g: SegmentableGraph, c: number): number[] {
  const l = layout(g);
  return aliveAt(l, c).flatMap((i) => range(l.groups[i]!.first, l.groups[i]!.end));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

/**
 * Plans the segments of `g` with at most `maxSegmentConstraints` each (estimated). Minimises the number
 * of segments (at least `minSegments`: more segments, more workers), then the values committed at the cuts. Throws, naming the unit, when one unit alone
 * (with its openings and boundaries) is over the limit.
 */
export function planSegments(g: SegmentableGraph, maxSegmentConstraints: number, minSegments = 1, forcedCuts?: readonly number[]): CutPlan {
  if (g.nodes.length === 0) throw new ZkinferError("segment plan: the graph has no nodes");
  const l = layout(g);
  const n = l.units;
  if (forcedCuts) return cutPlan(l, g, checkedCuts(forcedCuts, n), maxSegmentConstraints, cutSizes(l));
  // The list commitment's cost and the values committed at every cut, by a difference array over each group's lifetime.
  const countDiff = new Int32Array(n + 2);
  const sizeDiff = new Float64Array(n + 2);
  l.groups.forEach((gr, i) => {
    const from = gr.unit + 1;
    const to = Math.min(l.lastUse[i]!, n);
    if (to < from) return; // never read after it is made
    countDiff[from] = countDiff[from]! + 1;
    countDiff[to + 1] = countDiff[to + 1]! - 1;
    sizeDiff[from] = sizeDiff[from]! + gr.end - gr.first;
    sizeDiff[to + 1] = sizeDiff[to + 1]! - (gr.end - gr.first);
  });
  const listCost = new Float64Array(n + 1);
  const cutSize = new Float64Array(n + 1);
  for (let c = 0, count = 0, size = 0; c <= n; c++) {
    count += countDiff[c]!;
    size += sizeDiff[c]!;
    listCost[c] = c === n ? 0 : chainConstraints(count + 1);
    cutSize[c] = size;
  }
  const prefix = new Float64Array(n + 1);
  for (let u = 0; u < n; u++) prefix[u + 1] = prefix[u]! + l.own[u]!;

  // dp[b]: fewest segments covering units [0, b), then the fewest committed values; from[b] its last cut.
  const segs = new Int32Array(n + 1).fill(-1);
  const committed = new Float64Array(n + 1).fill(Infinity);
  const from = new Int32Array(n + 1).fill(-1);
  segs[0] = 0;
  committed[0] = 0;
  const counted = new Int32Array(l.groups.length).fill(-1);
  const aloneCost = new Float64Array(n);
  /** With minSegments: every fitting segment [a, b), by b. */
  const feasible: number[][] = Array.from({ length: n + 1 }, () => []);
  /** Candidate starts per end: bounded so that a huge graph of free units plans in seconds (the plan is then good, not optimal). */
  const WINDOW = 4096;
  for (let b = 1; b <= n; b++) {
    // Walking a down from b - 1: the openings (groups made before a, read in [a, b)) and the groups made in [a, b) handed on.
    let open = 0;
    let make = 0;
    let alone = 0;
    for (let a = b - 1, tried = 0; a >= 0 && tried < WINDOW; a--, tried++) {
      if (prefix[b]! - prefix[a]! > maxSegmentConstraints) break;
      for (const gi of l.makes[a]!) {
        if (counted[gi] === b) {
          counted[gi] = -1;
          open -= l.openCost[gi]!;
        }
        if (b < n && l.lastUse[gi]! >= b) make += l.makeCost[gi]!;
      }
      for (const gi of l.reads[a]!) {
        if (counted[gi] !== b) {
          counted[gi] = b;
          open += l.openCost[gi]!;
        }
      }
      const cost = prefix[b]! - prefix[a]! + open + make + listCost[a]! + listCost[b]! + SEGMENT_FIXED_CONSTRAINTS;
      if (a === b - 1) alone = cost;
      if (cost > maxSegmentConstraints) continue;
      if (minSegments > 1) feasible[b]!.push(a);
      if (segs[a]! < 0) continue;
      const k = segs[a]! + 1;
      const c = committed[a]! + (b < n ? cutSize[b]! : 0);
      if (segs[b]! < 0 || k < segs[b]! || (k === segs[b]! && c < committed[b]!)) {
        segs[b] = k;
        committed[b] = c;
        from[b] = a;
      }
    }
    for (let gi = 0; gi < counted.length; gi++) if (counted[gi] === b) counted[gi] = -1;
    aloneCost[b - 1] = alone;
  }
  // No cut sequence reaches the end: name the unit after the last cut any segment reaches (a cut may be
  // unreachable only because the boundary there is expensive, so the search goes on past it).
  if (segs[n]! < 0) {
    let reached = n - 1;
    while (segs[reached]! < 0) reached--;
    const what = reached < l.checks ? `the check of input group ${reached}` : `node ${reached - l.checks}`;
    throw new ZkinferError(
      `segment plan: ${what} cannot fit in a segment of at most ${maxSegmentConstraints.toLocaleString("en-US")} constraints ` +
        `(about ${Math.round(aloneCost[reached]!).toLocaleString("en-US")} with its openings and boundaries alone); raise --max-segment-constraints (with a larger ptau).`,
    );
  }
  let cuts: number[] = [];
  for (let b = n; b > 0; b = from[b]!) cuts.unshift(from[b]!);
  cuts.push(n);
  if (cuts.length - 1 < minSegments) cuts = exactCuts(feasible, n, minSegments, cutSize);
  return cutPlan(l, g, cuts, maxSegmentConstraints, cutSize);
}

/** The plan of the cuts [0, c_1, ..., n]. */
function cutPlan(l: Layout, g: SegmentableGraph, cuts: readonly number[], maxSegmentConstraints: number, cutSize: Float64Array): CutPlan {
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) segments.push(describe(l, g, cuts[i]!, cuts[i + 1]!, maxSegmentConstraints));
  return {
    maxSegmentConstraints,
    checks: l.checks,
    groups: l.groups,
    segments,
    boundaryValues: cuts.slice(1, -1).reduce((s, c) => s + cutSize[c]!, 0),
  };
}

/** The values committed at every cut position (each group counted from the unit after it is made to its last use). */
function cutSizes(l: Layout): Float64Array {
  const n = l.units;
  const size = new Float64Array(n + 1);
  l.groups.forEach((gr, i) => {
    for (let c = gr.unit + 1; c <= Math.min(l.lastUse[i]!, n); c++) size[c] = size[c]! + gr.end - gr.first;
  });
  return size;
}

/**
 * Cuts given by the caller (a test forcing a plan, e.g. one whose repeated blocks are segments of their
 * own): unit positions 0 = c_0 < c_1 < ... < c_K = n. The segments are not checked against S.
 */
function checkedCuts(cuts: readonly number[], n: number): number[] {
  const ok = cuts.length >= 2 && cuts[0] === 0 && cuts.at(-1) === n && cuts.every((c, i) => Number.isInteger(c) && (i === 0 || c > cuts[i - 1]!));
  if (!ok) throw new ZkinferError(`segment plan: cuts must rise from 0 to the ${n} units, got [${cuts.join(", ")}]`);
  return [...cuts];
}

/** Cuts into exactly k fitting segments (feasible[b]: the starts a of fitting segments [a, b)) with the fewest committed values. */
function exactCuts(feasible: number[][], n: number, k: number, cutSize: Float64Array): number[] {
  // best[j][b]: fewest committed values covering [0, b) with exactly j segments.
  const best = Array.from({ length: k + 1 }, () => new Float64Array(n + 1).fill(Infinity));
  const from = Array.from({ length: k + 1 }, () => new Int32Array(n + 1).fill(-1));
  best[0]![0] = 0;
  for (let j = 1; j <= k; j++)
    for (let b = 1; b <= n; b++)
      for (const a of feasible[b]!) {
        const c = best[j - 1]![a]! + (b < n ? cutSize[b]! : 0);
        if (c < best[j]![b]!) {
          best[j]![b] = c;
          from[j]![b] = a;
        }
      }
  if (!Number.isFinite(best[k]![n]!)) throw new ZkinferError(`segment plan: the graph cannot be cut into ${k} segments that each fit`);
  const cuts = [n];
  for (let j = k, b = n; j > 0; j--) cuts.unshift((b = from[j]![b]!));
  return cuts;
}

/** Segment [a, b) of the layout: its lists, openings, checks, values and cost. */
function describe(l: Layout, g: SegmentableGraph, a: number, b: number, max: number): Segment {
  const last = b === l.units;
  const groupsIn = aliveAt(l, a);
  const groupsOut = last ? [] : aliveAt(l, b);
  const openSet = new Set<number>();
  for (let u = a; u < b; u++) for (const gi of l.reads[u]!) if (l.groups[gi]!.unit < a) openSet.add(gi);
  const opened = [...openSet].sort((x, y) => x - y);
  const checked: number[] = [];
  for (let u = a; u < Math.min(b, l.checks); u++) checked.push(u);
  const made = groupsOut.filter((gi) => l.groups[gi]!.unit >= a);
  let cost = SEGMENT_FIXED_CONSTRAINTS + chainConstraints(groupsIn.length + 1) + (last ? 0 : chainConstraints(groupsOut.length + 1));
  for (let u = a; u < b; u++) cost += l.own[u]!;
  for (const gi of opened) cost += l.openCost[gi]!;
  for (const gi of made) cost += l.makeCost[gi]!;
  void max;
  return {
    first: a,
    end: b,
    groupsIn,
    groupsOut,
    opened,
    checked,
    inputs: opened.flatMap((gi) => range(l.groups[gi]!.first, l.groups[gi]!.end)),
    outputs: last ? [...g.outputs] : made.flatMap((gi) => range(l.groups[gi]!.first, l.groups[gi]!.end)),
    constraints: Math.round(cost),
  };
}
