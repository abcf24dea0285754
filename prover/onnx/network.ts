/**
 * Reading an ONNX file into an ImportedNetwork, the one entry point `check-onnx` and `import` share.
 * There is one importer: the graph importer (./graphImport.ts, a registry of operator handlers).
 */
import { OnnxImportError } from "../errors.js";
import { familyOf } from "../graph/registry.js";
import type { GraphSpec } from "../graph/types.js";
import { inputsEstimate, overUpfront, tooLarge } from "./estimate.js";
import { parseOnnx, type OnnxGraph } from "./graph.js";
import { size } from "./shapes.js";
import { importGraphIR } from "./graphImport.js";
import type { ImportedNetwork, ImportOptions } from "./importedNetwork.js";

export type { ImportedNetwork, ImportOptions } from "./importedNetwork.js";

export function importNetwork(bytes: Uint8Array, source: string, log: (line: string) => void = () => {}, options: ImportOptions = {}): ImportedNetwork {
  return importParsedNetwork(parseOnnx(bytes, source), source, log, options);
}

/** importNetwork of a parsed graph. */
export function importParsedNetwork(graph: OnnxGraph, source: string, log: (line: string) => void = () => {}, options: ImportOptions = {}): ImportedNetwork {
  // A model whose inputs alone pass the limit is refused at once, before the importer runs
  // (a MaxPool1d over 1.2M values must not run for minutes first).
  const inputs = graph.inputs.reduce((a, i) => a + size(i.shape), 0);
  const inputCost = inputsEstimate(graph.inputs);
  if (overUpfront(inputCost)) throw tooLarge(source, inputCost, `from its ${inputs.toLocaleString("en-US")} input values alone`);
  if (!options.argmaxOutput) return importGraphIR(graph, source);
  const { logits, softmax, axis } = withoutFinalSoftmax(graph, source);
  log(`--argmax-output: the final Softmax "${softmax}" is compiled as the ArgMax of its logits`);
  const net = importGraphIR(logits, source);
  checkOneVector(net.outputShape, axis, graph.opset, source, softmax);
  return {
    ...net,
    layers: [appendArgmax(net.layers[0] as GraphSpec, net.inputSize)],
    outputShape: [1],
    outputs: [{ name: graph.outputs[0]!, shape: [1] }],
    finalSoftmax: { node: softmax },
  };
}

/**
 * The graph without its final Softmax, whose input becomes the output: refused, naming what differs,
 * unless the model has one output, computed by a Softmax over one vector and read by nothing else.
 */
function withoutFinalSoftmax(graph: OnnxGraph, source: string): { logits: OnnxGraph; softmax: string; axis: number | undefined } {
  const refuse = (why: string) => new OnnxImportError(`${source}: --argmax-output needs a model whose one output is a final Softmax over one vector; ${why}.`);
  if (graph.outputs.length !== 1) throw refuse(`it has ${graph.outputs.length} outputs`);
  const out = graph.outputs[0]!;
  const node = graph.nodes.find((n) => n.outputs.includes(out));
  if (node?.opType !== "Softmax") throw refuse(`its output is computed by ${node ? `${node.opType} (node "${node.name}")` : "no node"}`);
  const readers = graph.nodes.filter((n) => n.inputs.includes(out));
  if (readers.length) throw refuse(`the probabilities also feed node "${readers[0]!.name}" (${readers[0]!.opType})`);
  const axis = node.attributes.get("axis")?.i;
  return {
    logits: { ...graph, nodes: graph.nodes.filter((n) => n !== node), outputs: [node.inputs[0]!] },
    softmax: node.name,
    axis: axis === undefined ? undefined : Number(axis),
  };
}

/**
 * The Softmax normalises ONE vector: opset >= 13 over `axis` (default -1), every other dimension 1;
 * before 13 over the dimensions from `axis` on (default 1), flattened, those before it all 1. Else the
 * probabilities are several distributions and one ArgMax is not their class.
 */
function checkOneVector(shape: number[], axis: number | undefined, opset: number, source: string, softmax: string): void {
  const legacy = opset > 0 && opset < 13;
  const a = axis ?? (legacy ? 1 : -1);
  const at = a < 0 ? a + shape.length : a;
  const one = legacy ? shape.slice(0, at).every((d) => d === 1) : shape.every((d, k) => k === at || d === 1);
  if (!one)
    throw new OnnxImportError(
      `${source}: --argmax-output needs a final Softmax over one vector; Softmax "${softmax}" normalises logits of shape [${shape}] over axis ${a}.`,
    );
}

/** The graph layer with one ArgMax node over its outputs (ties to the lowest index) as its one output. */
function appendArgmax(layer: GraphSpec, inputs: number): GraphSpec {
  let tape = inputs;
  for (const node of layer.nodes) tape += familyOf(node.op).validate(node, tape);
  const argmax = { op: "argmax", args: layer.outputs, name: "argmax-output" };
  familyOf(argmax.op).validate(argmax, tape);
  return { ...layer, nodes: [...layer.nodes, argmax], outputs: [tape] };
}
