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

/** Arguments per output of an elementwise node, or undefined when the node does not split. */
export function argsPerOutput(node: { op: string; numerator?: unknown; norm?: unknown; private?: unknown }): number | "all" | undefined {
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
    default:
      return undefined;
  }
}

/** The arguments outputs [from, to) of `node` read. */
export function pieceArgs(node: FloatNode | GraphNode, from: number, to: number): number[] {
  const per = argsPerOutput(node as never);
  if (per === undefined || per === "all") return node.args;
  return node.args.slice(from * per, to * per);
}

/** Lowered node `node`'s outputs [from, to) as a node of their own (see the header); the node itself for the whole range. */
export function sliceNode(node: GraphNode, from: number, to: number): GraphNode {
  const n = node.outs.length;
  if (from === 0 && to === n) return node;
  if (!(0 <= from && from < to && to <= n)) throw new RangeError(`slice [${from}, ${to}) of a node with ${n} outputs`);
  const outs = node.outs.slice(from, to);
  const per = argsPerOutput(node as never);
  if (per === undefined) throw new Error(`node ${node.op} does not split into pieces`);
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
    case "affine":
      return { ...node, ...base, family: "affine", rows: node.rows.slice(from, to), bits: node.bits.slice(from, to) };
    default:
      throw new Error(`node ${node.op} (family ${node.family}) does not split into pieces`);
  }
}

/** One piece: node `node`'s outputs [from, to). */
export interface Piece {
  node: number;
  from: number;
  to: number;
}

/**
 * The pieces of nodes with `outputs[k]` outputs costing `constraints[k]`: a splittable node costing more
 * than `maxPiece` is cut into equal runs of outputs costing at most about `maxPiece` each.
 */
export function piecesOf(
  nodes: readonly { op: string; numerator?: unknown; private?: unknown }[],
  outputs: readonly number[],
  constraints: readonly number[],
  maxPiece: number,
): Piece[] {
  const pieces: Piece[] = [];
  nodes.forEach((node, k) => {
    const n = outputs[k]!;
    const c = constraints[k]!;
    if (c <= maxPiece || n <= 1 || argsPerOutput(node) === undefined) return void pieces.push({ node: k, from: 0, to: n });
    const count = Math.min(n, Math.ceil(c / maxPiece));
    for (let p = 0; p < count; p++) pieces.push({ node: k, from: Math.floor((p * n) / count), to: Math.floor(((p + 1) * n) / count) });
  });
  return pieces;
}
