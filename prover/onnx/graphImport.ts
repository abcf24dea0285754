/**
 * ONNX graph -> one tensor-graph layer (prover/graph). The driver: it checks every operator against
 * the handler registry (./ops/registry.ts) up front, then imports the nodes in order, each through
 * its handler. Every tensor is tracked per element as an affine expression over tape values
 * (./ops/lin.ts): linear operators compose these expressions in float, so they cost nothing and fold
 * across any number of paths (fan-out, residual connections); data movement only moves
 * expressions; shape arithmetic folds to constants. A non-linear operator materialises its inputs
 * (one affine node for all the expressions that are not already tape values) and appends a node of
 * its family. Every operator the graph uses that this importer does not compile is reported in ONE
 * error, with its nodes.
 */
import { OnnxImportError, UnsupportedOperatorError } from "../errors.js";
import type { AffineParams } from "../graph/families/affine.js";
import type { FloatNode, GraphSpec } from "../graph/types.js";
import { estimateGraphConstraints, inputsEstimate, overUpfront, tooLarge } from "./estimate.js";
import type { ImportedNetwork } from "./importedNetwork.js";
import { parseOnnx, type OnnxGraph } from "./graph.js";
import { GraphBuilder, NodeContext } from "./ops/context.js";
import { cst, INT_TYPES, unit } from "./ops/lin.js";
import { CURRENT_OPSET, handlerOf, OLDEST_OPSET, readOpset, supportedOperators } from "./ops/registry.js";
import { size } from "./shapes.js";

export { estimateGraphConstraints, MAX_GRAPH_CONSTRAINTS, ModelTooLargeError } from "./estimate.js";

/** Operators this importer compiles (for messages, check-onnx's refusals and docs/ONNX.md). */
export const GRAPH_OPERATORS: readonly string[] = supportedOperators().map((o) => o.op);

const HINTS: Record<string, string> = {
  Einsum: "export the contraction as MatMul/Transpose (torch.matmul instead of torch.einsum).",
  Loop: "control flow is not compiled; export with the loop unrolled (a static trip count).",
  If: "control flow is not compiled; export both branches and a Where.",
};

export function importOnnxGraph(bytes: Uint8Array, source = "model.onnx"): ImportedNetwork {
  return importGraphIR(parseOnnx(bytes, source), source);
}

/** Every unsupported operator, with its nodes, in one error; returns the opset the model is read at. */
function checkOperators(graph: OnnxGraph, source: string): number {
  const opset = readOpset(graph.opset, graph.nodes);
  if (opset === undefined) {
    const changed = [...new Set(graph.nodes.filter((n) => readOpset(graph.opset, [n]) === undefined).map((n) => n.opType))];
    throw new OnnxImportError(
      `${source} uses opset ${graph.opset}, and ${changed.join(", ")} changed between it and opset ${OLDEST_OPSET}; zkinfer reads opsets ${OLDEST_OPSET} to ${CURRENT_OPSET} (older ones only when no operator of the model changed since). Re-export it with a newer opset.`,
    );
  }
  const bad = new Map<string, string[]>();
  for (const n of graph.nodes) {
    const h = handlerOf(n.opType, n.domain);
    if (!h || (opset > 0 && opset < h.since)) bad.set(n.opType, [...(bad.get(n.opType) ?? []), n.name]);
  }
  if (!bad.size) return opset;
  const parts = [...bad].map(
    ([op, nodes]) =>
      `${op} (node${nodes.length > 1 ? "s" : ""} ${nodes
        .slice(0, 5)
        .map((x) => `"${x}"`)
        .join(", ")}${nodes.length > 5 ? `, and ${nodes.length - 5} more` : ""})${HINTS[op] ? `: ${HINTS[op]}` : ""}`,
  );
  const first = [...bad][0]!;
  throw new UnsupportedOperatorError(
    first[0],
    first[1][0]!,
    `the model uses ${bad.size} operator${bad.size > 1 ? "s" : ""} zkinfer does not compile: ${parts.join("; ")}. ` +
      `Supported (default domain, opsets ${OLDEST_OPSET}-${CURRENT_OPSET}): ${GRAPH_OPERATORS.join(", ")}.`,
  );
}

/** Refuses an input that is not a numeric or bool tensor (a sequence, map, optional or string), naming it. */
export function checkInputTypes(graph: OnnxGraph, source: string): void {
  for (const i of graph.inputs) {
    if (i.nonTensor)
      throw new OnnxImportError(`${source}: input ${i.name} is not a tensor (a sequence, map or optional value); zkinfer compiles tensor inputs only.`);
    if (i.elemType === 8)
      throw new OnnxImportError(`${source}: input ${i.name} is a string tensor, which has no fixed-point value; zkinfer compiles numeric and bool tensors.`);
  }
}

/**
 * Longest expression a tensor carries on: composing linear operators is free in constraints, but an
 * expression that keeps growing (a transformer's residual stream: x + the projection of 64 sums of
 * products, block after block) costs memory and time with every operator that reads it. A longer one
 * is materialized (one affine node row: the value is computed once, then read as one tape value).
 */
export const MAX_EXPRESSION_TERMS = 4096;

/** Materializes the elements of tensor `name` longer than MAX_EXPRESSION_TERMS. */
function boundExpressions(g: GraphBuilder, name: string, node: string): void {
  const v = g.values.get(name);
  if (!v) return;
  const long: number[] = [];
  v.el.forEach((l, i) => l.t.length > MAX_EXPRESSION_TERMS && long.push(i));
  if (!long.length) return;
  const at = g.materialize(
    long.map((i) => v.el[i]!),
    node,
  );
  const el = [...v.el];
  long.forEach((i, j) => (el[i] = unit(at[j]!)));
  g.values.set(name, { ...v, el });
}

export function importGraphIR(graph: OnnxGraph, source: string): ImportedNetwork {
  const opset = checkOperators(graph, source);
  checkInputTypes(graph, source);
  if (graph.inputs.length === 0) throw new OnnxImportError(`${source} has no input tensor: its output is a constant, there is nothing to prove.`);
  const inputSize = graph.inputs.reduce((a, i) => a + size(i.shape), 0);
  const inputCost = inputsEstimate(graph.inputs);
  const g = new GraphBuilder(source, opset || CURRENT_OPSET, inputSize, inputCost);
  g.checkSize(0, "from its inputs alone");
  let at = 0;
  for (const inp of graph.inputs) {
    const n = size(inp.shape);
    g.values.set(inp.name, { shape: inp.shape, el: Array.from({ length: n }, (_, i) => unit(at + i)), int: INT_TYPES.has(inp.elemType ?? 1) });
    at += n;
  }
  for (const [name, t] of graph.constants) g.values.set(name, { shape: t.dims, el: t.data.map(cst) });
  const operators: string[] = [];
  // A tensor is dropped after its last reader (its expressions are then garbage): the tensors of a
  // convolutional model's whole forward pass need not be alive at once.
  const lastReader = new Map<string, number>();
  graph.nodes.forEach((node, k) => node.inputs.forEach((name) => lastReader.set(name, k)));
  for (const name of graph.outputs) lastReader.set(name, Infinity);
  const dropAfter: string[][] = graph.nodes.map(() => []);
  for (const [name, k] of lastReader) if (Number.isFinite(k)) dropAfter[k]!.push(name);
  graph.nodes.forEach((node, k) => node.outputs.forEach((name) => lastReader.has(name) || dropAfter[k]!.push(name)));
  graph.nodes.forEach((node, k) => {
    operators.push(node.opType);
    handlerOf(node.opType, node.domain)!.import(new NodeContext(g, node));
    for (const name of node.outputs) boundExpressions(g, name, node.name);
    for (const name of dropAfter[k]!) g.values.delete(name);
  });

  const estimate = estimateGraphConstraints(g.nodes, inputCost);
  if (overUpfront(estimate)) throw tooLarge(source, estimate, "before compiling");
  const outs = graph.outputs.map((name) => {
    const v = g.values.get(name);
    if (!v) throw new OnnxImportError(`${source}: the output ${name} is never computed.`);
    return { name, v };
  });
  // Outputs that do not depend on the input (Shape, Size, EyeLike...) compile to constant rows:
  // the circuit proves them as constants. Only an output with no value at all is refused.
  if (outs.every((o) => o.v.el.length === 0)) throw new OnnxImportError(`${source}: every output is empty (a dimension is 0); there is nothing to prove.`);
  const outputs = g.materialize(
    outs.flatMap((o) => o.v.el),
    "outputs",
  );
  const integerInputs: number[] = [];
  let first = 0;
  for (const inp of graph.inputs) {
    const n = size(inp.shape);
    // Integer and bool (9) tensors hold integers.
    if (INT_TYPES.has(inp.elemType ?? 1) || inp.elemType === 9) for (let i = 0; i < n; i++) integerInputs.push(first + i);
    first += n;
  }
  const layer: GraphSpec = { type: "graph", nodes: g.nodes, outputs, ...(integerInputs.length ? { integerInputs } : {}) };
  if (g.nodes.length === 0) {
    // The outputs are inputs as they are: an exact identity node keeps the graph non-empty.
    const uniq = [...new Set(outputs)];
    const identity: FloatNode<AffineParams> = { op: "affine", args: uniq, rows: outputs.map((o) => ({ p: [uniq.indexOf(o)], w: [1], b: 0 })) };
    layer.nodes = [identity];
    layer.outputs = outputs.map((_, i) => inputSize + i);
  }
  return {
    inputName: graph.inputs[0]!.name,
    inputShape: graph.inputs[0]!.shape,
    inputSize,
    inputs: graph.inputs.map((i) => ({ name: i.name, shape: i.shape, elemType: i.elemType ?? 1 })),
    outputName: graph.outputs[0]!,
    outputShape: outs[0]!.v.shape,
    outputs: outs.map((o) => ({ name: o.name, shape: o.v.shape })),
    layers: [layer],
    producer: graph.producer,
    operators,
  };
}
