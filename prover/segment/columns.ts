/**
 * Column pieces (docs/SEGMENTS.md, "Column pieces"). A dense row reading more values than one
 * segment can open (multihead_attention's attention-times-V rows each sum 2,048 products) cannot be
 * cut by rows: any segment computing it would open all its reads. Such a node is cut by COLUMNS:
 *
 * - its rows are taken in BLOCKS (consecutive rows whose reads together are no more than its widest
 *   row's, so rows sharing their reads stay together, and no more partial sums than a chunk's reads);
 * - a block's reads are cut into CHUNKS of at most `maxColumns` argument positions, and for each
 *   chunk a PARTIAL node (an exact affine node: no bias, no rescale, no gadget) sums each row's
 *   products over that chunk, with the node's own quantized weights: an exact integer, whose proven
 *   interval is the dot product's bounds over its products' intervals (dotBounds), never an
 *   observed value;
 * - a COMBINE node then sums each row's partials (weight 1), adds the node's bias and applies the
 *   node's own rescale and fused ReLU (the same shift and gadget width): floor((sum of partials + b) /
 *   2^shift) is floor((sum w x + b) / 2^shift), so its outputs are bit-identical to the node's, and
 *   their intervals and error bounds are the node's own (nothing is re-lowered).
 *
 * The partial sums are values of the graph like any other: a partial made in one segment and read in
 * a later one is committed in a group at the cut and opened there with one decomposition of its
 * proven width (docs/SECURITY.md 85, 99). The rewritten graph (`columnGraph`) has the nodes in the
 * order: per block, its partial nodes then its combine, so a block's partials are consumed at once.
 * It is a function of the graph and the plan's `columns` alone, so a recorded plan rebuilds it.
 */
import { dotBounds, type Interval } from "../graph/interval.js";
import type { GraphNode, GraphNodeOf, GraphOp } from "../graph/registry.js";
import type { FloatNode, GraphSpec } from "../graph/types.js";
import { READ_VALUE_CONSTRAINTS, sliceNode } from "./pieces.js";

/** A dense node cut by columns: original node `node`, its rows' reads summed in chunks of at most `maxColumns`. */
export interface ColumnSplit {
  node: number;
  maxColumns: number;
}

type Rows = readonly { p: readonly number[] }[];

/**
 * The dense nodes of `nodes` to cut by columns at segments of `maxSegmentConstraints`: those with a
 * row whose reads cost more than half a segment to open (`readCost` per tape value: its digit width on
 * the lowered graph, READ_VALUE_CONSTRAINTS by default), cut into equal chunks costing at most about
 * a quarter of a segment each.
 */
export function columnSplits(
  nodes: readonly { op: string; args: readonly number[]; rows?: Rows; private?: unknown }[],
  maxSegmentConstraints: number,
  readCost: (value: number) => number = () => READ_VALUE_CONSTRAINTS,
): ColumnSplit[] {
  const out: ColumnSplit[] = [];
  nodes.forEach((n, k) => {
    if (n.op !== "affine" || n.private === true || !n.rows) return;
    let widest = 0;
    let cost = 0;
    for (const r of n.rows) {
      let c = 0;
      for (const p of r.p) c += readCost(n.args[p]!);
      cost = Math.max(cost, c);
      widest = Math.max(widest, r.p.length);
    }
    if (cost <= maxSegmentConstraints / 2) return;
    const chunks = Math.ceil(cost / (maxSegmentConstraints / 4));
    out.push({ node: k, maxColumns: Math.ceil(widest / chunks) });
  });
  return out;
}

function widestRow(rows: Rows): number {
  let w = 0;
  for (const r of rows) w = Math.max(w, r.p.length);
  return w;
}

/** Rows [from, to) of a split node and the chunks their reads are cut into (argument positions, ascending). */
export interface ColumnBlock {
  from: number;
  to: number;
  chunks: number[][];
}

/**
 * The blocks of a node's rows (see the header): greedy runs of rows whose reads together stay within
 * the widest row's count, and whose partial sums (rows times chunks) within `maxColumns`.
 */
export function columnBlocks(rows: Rows, maxColumns: number): ColumnBlock[] {
  const widest = widestRow(rows);
  const blocks: ColumnBlock[] = [];
  for (let from = 0; from < rows.length;) {
    const union = new Set(rows[from]!.p);
    let to = from + 1;
    for (; to < rows.length; to++) {
      let grown = union.size;
      for (const p of rows[to]!.p) if (!union.has(p)) grown++;
      const chunks = Math.ceil(grown / maxColumns);
      if (grown > widest || (to + 1 - from) * chunks > Math.max(maxColumns, chunks)) break;
      for (const p of rows[to]!.p) union.add(p);
    }
    const sorted = [...union].sort((a, b) => a - b);
    const count = Math.max(1, Math.ceil(sorted.length / maxColumns));
    const chunks = Array.from({ length: count }, (_, c) =>
      sorted.slice(Math.floor((c * sorted.length) / count), Math.floor(((c + 1) * sorted.length) / count)),
    );
    blocks.push({ from, to, chunks });
    from = to;
  }
  return blocks;
}

/** What a split node becomes, independent of the node's form (float or lowered). */
type Step =
  /** Rows [from, to) as they are (a block within one chunk). */
  | { kind: "slice"; from: number; to: number }
  /** The chunk's partial sums: per row (that reads the chunk) its term indexes k (into row.p / row.w). */
  | { kind: "partial"; chunk: number[]; rows: { row: number; terms: number[] }[] }
  /** Rows [from, to) from the block's partials: `args` of them, made just before; per row, its partials (indexes into them). */
  | { kind: "combine"; from: number; to: number; args: number; parts: number[][] };

function steps(rows: Rows, blocks: readonly ColumnBlock[]): Step[] {
  const out: Step[] = [];
  for (const b of blocks) {
    if (b.chunks.length === 1) {
      out.push({ kind: "slice", from: b.from, to: b.to });
      continue;
    }
    const parts: number[][] = Array.from({ length: b.to - b.from }, () => []);
    let made = 0;
    for (const chunk of b.chunks) {
      const inChunk = new Set(chunk);
      const partialRows: { row: number; terms: number[] }[] = [];
      for (let r = b.from; r < b.to; r++) {
        const terms: number[] = [];
        rows[r]!.p.forEach((p, k) => inChunk.has(p) && terms.push(k));
        if (terms.length === 0) continue;
        parts[r - b.from]!.push(made++);
        partialRows.push({ row: r, terms });
      }
      if (partialRows.length) out.push({ kind: "partial", chunk, rows: partialRows });
    }
    out.push({ kind: "combine", from: b.from, to: b.to, args: made, parts });
  }
  return out;
}

/** A node of the rewritten graph: `args` are original tape values (>= 0) or -(j + 1), the j-th value the node's expansion made before. */
interface Made<N> {
  node: N;
  outs: number;
  /** The original node's first output it computes (a slice or a combine); undefined for partial sums. */
  from?: number;
}

/** A graph with its split nodes rewritten (see the header). */
export interface ColumnGraph<N> {
  nodes: N[];
  /** Per node, the original node it comes from. */
  origin: number[];
  /** Per node, the original tape value of its first output (it computes original values), or undefined (partial sums). */
  original: (number | undefined)[];
  /** Per original tape value, its index on the rewritten tape. */
  valueOf: Int32Array;
  /** Per node, its number of outputs. */
  outs: number[];
  outputs: number[];
}

function rewrite<N extends { args: readonly number[] }>(
  inputs: number,
  nodes: readonly N[],
  outsOf: (k: number) => number,
  outputs: readonly number[],
  splits: readonly ColumnSplit[],
  expand: (node: N, origin: number, maxColumns: number) => Made<N>[],
  withArgs: (node: N, args: number[]) => N,
): ColumnGraph<N> {
  const by = new Map(splits.map((s) => [s.node, s.maxColumns]));
  const valueOf = new Int32Array(inputs + nodes.reduce((s, _n, k) => s + outsOf(k), 0));
  for (let v = 0; v < inputs; v++) valueOf[v] = v;
  const out: ColumnGraph<N> = { nodes: [], origin: [], original: [], valueOf, outs: [], outputs: [] };
  let at = inputs;
  let orig = inputs;
  nodes.forEach((n, k) => {
    const max = by.get(k);
    const made: Made<N>[] = max === undefined ? [{ node: n, outs: outsOf(k), from: 0 }] : expand(n, k, max);
    const start = at;
    for (const m of made) {
      out.nodes.push(
        withArgs(
          m.node,
          m.node.args.map((a) => (a >= 0 ? valueOf[a]! : start - a - 1)),
        ),
      );
      out.origin.push(k);
      out.outs.push(m.outs);
      out.original.push(m.from === undefined ? undefined : orig + m.from);
      if (m.from !== undefined) for (let r = 0; r < m.outs; r++) valueOf[orig + m.from + r] = at + r;
      at += m.outs;
    }
    orig += outsOf(k);
  });
  out.outputs = outputs.map((o) => valueOf[o]!);
  return out;
}

const localRefs = (from: number, count: number) => Array.from({ length: count }, (_, j) => -(from + j + 1));

/** A lowered dense node's expansion (see the header); `ivs`: the original tape's intervals. */
function expandLowered(node: GraphNodeOf<"affine">, blocks: readonly ColumnBlock[], ivs: readonly Interval[]): Made<GraphNode>[] {
  const out: Made<GraphNode>[] = [];
  let made = 0;
  for (const s of steps(node.rows, blocks)) {
    if (s.kind === "slice") {
      out.push({ node: sliceNode(node, s.from, s.to), outs: s.to - s.from, from: s.from });
    } else if (s.kind === "partial") {
      const at = new Map(s.chunk.map((p, k) => [p, k]));
      const args = s.chunk.map((p) => node.args[p]!);
      const rows = s.rows.map(({ row, terms }) => ({ p: terms.map((k) => at.get(node.rows[row]!.p[k]!)!), w: terms.map((k) => node.rows[row]!.w[k]!), b: 0n }));
      const outs = rows.map((r) => ({
        scale: node.accScale,
        iv: dotBounds(
          r.w,
          r.p.map((q) => ivs[args[q]!]!),
          0n,
        ),
        err: 0,
      }));
      const name = `${node.name ?? "affine"} (partial sums over ${s.chunk.length} columns)`;
      const partial = { ...node, name, args, inScales: s.chunk.map((p) => node.inScales[p]!), rows, outs, shift: 0, bits: rows.map(() => null), relu: false };
      out.push({ node: partial, outs: rows.length });
    } else {
      const first = made - s.args;
      const rows = s.parts.map((ps, r) => ({ p: ps, w: ps.map(() => 1n), b: node.rows[s.from + r]!.b }));
      const combine = {
        ...node,
        args: localRefs(first, s.args),
        inScales: localRefs(first, s.args).map(() => node.accScale),
        rows,
        outs: node.outs.slice(s.from, s.to),
        bits: node.bits.slice(s.from, s.to),
      };
      out.push({ node: combine, outs: s.to - s.from, from: s.from });
    }
    made += out.at(-1)!.outs;
  }
  return out;
}

/** The lowered graph with the dense nodes of `splits` cut by columns (see the header). */
export function columnGraph(g: GraphOp, splits: readonly ColumnSplit[]): { graph: GraphOp; columns: ColumnGraph<GraphNode> } {
  const ivs: Interval[] = [...g.in];
  for (const n of g.nodes) for (const o of n.outs) ivs.push(o.iv);
  const columns = rewrite<GraphNode>(
    g.in.length,
    g.nodes,
    (k) => g.nodes[k]!.outs.length,
    g.outputs,
    splits,
    (n, k, max) => {
      if (n.family !== "affine" || n.private) throw new Error(`columns: node ${k} (${n.op}) is not a public dense node`);
      return expandLowered(n, columnBlocks(n.rows, max), ivs);
    },
    (n, args) => ({ ...n, args }) as GraphNode,
  );
  return { graph: { ...g, nodes: columns.nodes, outputs: columns.outputs }, columns };
}

/** The float graph with the dense nodes of `splits` cut by columns, for the estimate's plan (shapes only: partial sums at weight 1, no bias). */
export function floatColumnGraph(g: GraphSpec, inputs: number, outputsOf: readonly number[], splits: readonly ColumnSplit[]): ColumnGraph<FloatNode> {
  return rewrite<FloatNode>(
    inputs,
    g.nodes,
    (k) => outputsOf[k]!,
    g.outputs,
    splits,
    (n, _k, max) => {
      const node = n as FloatNode & { rows: { p: number[]; w: number[]; b: number }[] };
      let made = 0;
      return steps(node.rows, columnBlocks(node.rows, max)).map((s): Made<FloatNode> => {
        let m: Made<FloatNode>;
        if (s.kind === "slice") m = { node: { ...node, rows: node.rows.slice(s.from, s.to) } as FloatNode, outs: s.to - s.from, from: s.from };
        else if (s.kind === "partial") {
          const at = new Map(s.chunk.map((p, k) => [p, k]));
          const rows = s.rows.map(({ row, terms }) => ({ p: terms.map((k) => at.get(node.rows[row]!.p[k]!)!), w: terms.map(() => 1), b: 0 }));
          m = { node: { ...node, args: s.chunk.map((p) => node.args[p]!), rows } as FloatNode, outs: rows.length };
        } else {
          const rows = s.parts.map((ps, r) => ({ p: ps, w: ps.map(() => 1), b: node.rows[s.from + r]!.b }));
          m = { node: { ...node, args: localRefs(made - s.args, s.args), rows } as FloatNode, outs: s.to - s.from, from: s.from };
        }
        made += m.outs;
        return m;
      });
    },
    (n, args) => ({ ...n, args }),
  );
}
