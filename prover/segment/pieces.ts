/**
 * Pieces of wide nodes (docs/SEGMENTS.md, "Wide nodes"). One node can be larger than a segment (an
 * LSTM gate's 200 sigmoids, an attention score's 32,768 products). The families below are
 * elementwise: output j reads its own arguments (a fixed number per output) and its own per-element
 * gadget data, so the node's outputs [from, to) are a node of their own: the same family, the SAME
 * lowered constants (table, scales, gadget widths) sliced, hence the same circuit per element and the
 * same values, intervals and error bounds. A piece's outputs are a contiguous run of the node's, so
 * the pieces of a graph have the graph's very tape: nothing is renumbered and nothing is re-lowered.
 * A dense (affine) node splits by rows, each piece reading all of the node's arguments.
 */
import type { GraphNode } from "../graph/registry.js";
import type { FloatNode } from "../graph/types.js";
import { maxOf } from "../graph/util.js";

/** Arguments per output of an elementwise node, or undefined when the node does not split. */
export function argsPerOutput(node: { op: string; numerator?: unknown; norm?: unknown; private?: unknown; groups?: unknown }): number | "all" | undefined {
  if ((node.op === "max" || node.op === "min") && node.groups === undefined) return undefined;
  switch (node.op) {
    case "fn":
    case "floor":
    case "ceil":
    case "round":
    case "trunc":
      return 1;
    case "mul":
      return 2;
    case "div":
      return node.numerator === undefined ? 2 : 1;
    case "affine":
      return node.private ? undefined : "all";
    case "max":
    case "min":
      return "all";
    default:
      return undefined;
  }
}

/** The arguments outputs [from, to) of `node` read: a dense node's rows only the arguments they weigh (in argument order). */
export function pieceArgs(node: FloatNode | GraphNode, from: number, to: number): number[] {
  const per = argsPerOutput(node as never);
  if (per === undefined) return node.args;
  if (per === "all") return usedPositions(positionsOf(node)!, from, to).map((p) => node.args[p]!);
  return node.args.slice(from * per, to * per);
}

/**
 * Per output, the argument positions it reads: a dense node's rows', a max/min node's groups; undefined
 * for another family. A lookup, not a list: a piece reads its own outputs' positions only (listing every
 * row per piece made cutting a 131,072-row convolution into thousands of pieces quadratic).
 */
function positionsOf(node: {
  op: string;
  rows?: readonly { p: readonly number[] }[];
  groups?: readonly (readonly number[])[];
}): ((output: number) => readonly number[]) | undefined {
  const rows = node.rows;
  const groups = node.groups;
  if (node.op === "affine" && rows) return (k) => rows[k]!.p;
  if ((node.op === "max" || node.op === "min") && groups) return (k) => groups[k]!;
  return undefined;
}

/** A stamp per argument position: distinct positions are counted without a Set per piece. */
let seenAt = new Int32Array(1024);
let stamp = 0;

/** The distinct argument positions outputs [from, to) read (positionsOf), in first-read order. */
function distinctPositions(positions: (output: number) => readonly number[], from: number, to: number): number[] {
  if (stamp === 0x7fffffff) {
    seenAt.fill(0);
    stamp = 0;
  }
  const mark = ++stamp;
  const out: number[] = [];
  for (let k = from; k < to; k++)
    for (const p of positions(k)) {
      if (p >= seenAt.length) {
        const grown = new Int32Array(Math.max(2 * seenAt.length, p + 1));
        grown.set(seenAt);
        seenAt = grown;
      }
      if (seenAt[p] !== mark) {
        seenAt[p] = mark;
        out.push(p);
      }
    }
  return out;
}

/** The argument positions outputs [from, to) read (positionsOf), ascending. */
function usedPositions(positions: (output: number) => readonly number[], from: number, to: number): number[] {
  return Array.from(Int32Array.from(distinctPositions(positions, from, to)).sort());
}

/** Lowered node `node`'s outputs [from, to) as a node of their own (see the header); the node itself for the whole range. */
export function sliceNode(node: GraphNode, from: number, to: number): GraphNode {
  const n = node.outs.length;
  if (from === 0 && to === n && argsPerOutput(node as never) !== "all") return node;
  if (!(0 <= from && from < to && to <= n)) throw new RangeError(`slice [${from}, ${to}) of a node with ${n} outputs`);
  const outs = node.outs.slice(from, to);
  const per = argsPerOutput(node as never);
  if (per === undefined) throw new Error(`node ${node.op} does not split into pieces`);
  if (node.family === "affine" || node.family === "maxmin") return sliceByPositions(node, from, to);
  const args = pieceArgs(node, from, to);
  const inScales = per === "all" ? node.inScales : node.inScales.slice(from * per, to * per);
  const base = { ...node, outs, args, inScales };
  switch (node.family) {
    case "fn":
      return {
        ...node,
        ...base,
        family: "fn",
        modes: node.modes.slice(from, to),
        ks: node.ks.slice(from, to),
        sumBits: node.sumBits.slice(from, to),
        // Per-output period shifts (a periodic function's input reduced into one branch), when present.
        shifts: node.shifts?.slice(from, to),
      };
    case "mul":
      return { ...node, ...base, family: "mul", shifts: node.shifts.slice(from, to), bits: node.bits.slice(from, to) };
    case "div":
      return { ...node, ...base, family: "div", items: node.items.slice(from, to) };
    case "round":
      return { ...node, ...base, family: "round", bits: node.bits.slice(from, to) };
    default:
      throw new Error(`node ${node.op} (family ${node.family}) does not split into pieces`);
  }
}

/**
 * Outputs [from, to) of a dense or max/min node, reading only the arguments they read: each output's
 * positions renumbered onto those arguments (the same weights, bias, scales, steps and gadget widths,
 * so the same values). The whole node when every argument is read.
 */
function sliceByPositions(node: GraphNode & { family: "affine" | "maxmin" }, from: number, to: number): GraphNode {
  const used = usedPositions(positionsOf(node as never)!, from, to);
  if (from === 0 && to === node.outs.length && used.length === node.args.length) return node;
  const at = new Map(used.map((p, k) => [p, k]));
  const base = { outs: node.outs.slice(from, to), args: used.map((p) => node.args[p]!), inScales: used.map((p) => node.inScales[p]!) };
  if (node.family === "affine")
    return { ...node, ...base, rows: node.rows.slice(from, to).map((r) => ({ ...r, p: r.p.map((p) => at.get(p)!) })), bits: node.bits.slice(from, to) };
  return {
    ...node,
    ...base,
    groups: node.groups.slice(from, to).map((g) => g.map((p) => at.get(p)!)),
    steps: node.steps.slice(from, to),
    scales: node.scales.slice(from, to),
  };
}

/** One piece: node `node`'s outputs [from, to). */
export interface Piece {
  node: number;
  from: number;
  to: number;
}

/** What opening one value read across a cut costs, about: its digit's decomposition and its share of a group hash. */
export const READ_VALUE_CONSTRAINTS = 24;
/** The fewest outputs a piece is cut to for reading less (a piece cut for its own cost may be smaller). */
export const MIN_READ_PIECE = 32;
/** Below MIN_READ_PIECE outputs, a piece is still cut while it costs more than this many pieces' limit. */
export const MAX_READ_PIECES = 2;
/** What making (hashing) one value handed on costs, about: its share of a group hash and of the list. */
export const MAKE_VALUE_CONSTRAINTS = 4;

/**
 * The pieces of nodes with `outputs[k]` outputs costing `constraints[k]`: a splittable node costing more
 * than `maxPiece` is cut into equal runs of outputs costing at most about `maxPiece` each. A dense node's
 * piece also counts the values its rows read (READ_VALUE_CONSTRAINTS each): a convolution's rows read a
 * window each, so more, smaller pieces each open less.
 */
export function piecesOf(
  nodes: readonly { op: string; numerator?: unknown; private?: unknown; rows?: readonly { p: readonly number[] }[]; groups?: readonly (readonly number[])[] }[],
  outputs: readonly number[],
  constraints: readonly number[],
  maxPiece: number,
): Piece[] {
  const pieces: Piece[] = [];
  nodes.forEach((node, k) => {
    const n = outputs[k]!;
    const c = constraints[k]!;
    const per = argsPerOutput(node);
    const cut = (count: number) =>
      Array.from({ length: count }, (_, p) => ({ node: k, from: Math.floor((p * n) / count), to: Math.floor(((p + 1) * n) / count) }));
    const positions = per === "all" ? positionsOf(node) : undefined;
    const cost = (p: Piece) =>
      ((c + n * MAKE_VALUE_CONSTRAINTS) * (p.to - p.from)) / n + (positions ? distinctPositions(positions, p.from, p.to).length * READ_VALUE_CONSTRAINTS : 0);
    const largest = (pieces: Piece[]) => maxOf(pieces.map(cost));
    if (n <= 1 || per === undefined) return void pieces.push({ node: k, from: 0, to: n });
    let count = Math.min(n, Math.max(1, Math.ceil((c + n * MAKE_VALUE_CONSTRAINTS) / maxPiece)));
    let run = cut(count);
    // Finer while a piece is over the limit and finer pieces cost less (dense rows each reading every argument: soon no gain).
    // Not below MIN_READ_PIECE outputs a piece: each piece's outputs are committed as their own groups, and
    // thousands of tiny groups would make every cut's list long; except a node of few outputs each reading
    // many values (a layer norm's 16 variances over 128 values each), cut into at most MIN_READ_PIECE
    // pieces while one costs more than MAX_READ_PIECES pieces' limit.
    const finerWanted = (worst: number) =>
      worst > maxPiece && (count * 2 <= n / MIN_READ_PIECE || (count * 2 <= Math.min(n, MIN_READ_PIECE) && worst > maxPiece * MAX_READ_PIECES));
    let runLargest = largest(run);
    while (finerWanted(runLargest)) {
      const finer = cut(count * 2);
      const finerLargest = largest(finer);
      if (finerLargest >= runLargest * 0.99) break;
      count = finer.length;
      run = finer;
      runLargest = finerLargest;
    }
    pieces.push(...run);
  });
  return pieces;
}
