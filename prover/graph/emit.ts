/**
 * Circuit emission and commitment preimage of a lowered graph (the parts of codegen and
 * commitment that know about graphs; each node is delegated to its family).
 */
import { emitNode, nodeIncludes, nodePreimage, opCode, type GraphOp } from "./registry.js";
import { append } from "./util.js";

/** circuits/lib files the graph's families use. */
export function graphIncludes(op: GraphOp): string[] {
  return [...new Set(op.nodes.flatMap((n) => nodeIncludes(n)))];
}

/**
 * Emits the graph into the main template: `prev` is the input signal array, `name` the output
 * signal array (declared by the caller with op.outputs.length entries). `privateWeight` gives the
 * next private-weight signal, for a circuit whose weights are inputs (see EmitContext).
 */
export function emitGraph(op: GraphOp, name: string, prev: string, emit: (line: string) => void, privateWeight?: () => string): void {
  const refs: string[] = op.in.map((_, i) => `${prev}[${i}]`);
  op.nodes.forEach((node, k) => {
    const arr = `${name}_n${k}`;
    emit(`    // node ${k}: ${node.op}${node.name ? ` (${node.name})` : ""}, ${node.outs.length} output(s) at 2^${node.outs[0]?.scale}`);
    emit(`    signal ${arr}[${node.outs.length}];`);
    const outs = node.outs.map((_, j) => `${arr}[${j}]`);
    emitNode(node, {
      ref: (i) => {
        const r = refs[i];
        if (r === undefined) throw new Error(`graph node ${k} reads value ${i} before it exists`);
        return r;
      },
      prefix: `${arr}x`,
      emit: (line) => emit(`    ${line}`),
      outs,
      ...(privateWeight ? { privateWeight } : {}),
    });
    append(refs, outs);
  });
  op.outputs.forEach((o, i) => emit(`    ${name}[${i}] <== ${refs[o]};`));
}

/**
 * Commitment preimage of a graph: tag, input count and scale, then per node its op, args, argument
 * and output scales, and the family's parameters; then the outputs. Everything that determines the
 * circuit: the op and its arguments fix which gadget reads what, the scales and the family's
 * constants (weights, breakpoints, gadget widths) fix its constraints.
 */
export function graphPreimage(op: GraphOp): bigint[] {
  const out: bigint[] = [11n, BigInt(op.in.length), BigInt(op.inScale), BigInt(op.nodes.length)];
  // Loops, not spreads: a large graph's arrays exceed the call stack's argument limit.
  const add = (xs: readonly (bigint | number)[]) => {
    for (const x of xs) out.push(BigInt(x));
  };
  for (const node of op.nodes) {
    const params = nodePreimage(node);
    add([opCode(node.op), node.args.length]);
    add(node.args);
    add([node.outs.length]);
    add(node.outs.map((v) => v.scale));
    add([params.length]);
    add(params);
  }
  add([op.outputs.length]);
  add(op.outputs);
  return out;
}
