/**
 * Reading an ONNX file into an ImportedNetwork, the one entry point `check-onnx` and `import` share.
 */
import { OnnxImportError } from "../errors.js";
import { MAX_GRAPH_CONSTRAINTS, PER_INPUT, tooLarge } from "./estimate.js";
import { parseOnnx } from "./graph.js";
import { size } from "./shapes.js";
import { importOnnxGraph } from "./graphImport.js";
import { importOnnx, type ImportedNetwork } from "./import.js";

/**
 * The layer importer first (it compiles the chains it knows with today's layers, whose bundled
 * commitments must not move); a model it refuses goes through the graph importer, whose refusal
 * (naming every unsupported operator) is the one reported.
 */
export function importNetwork(bytes: Uint8Array, source: string, log: (line: string) => void = () => {}): ImportedNetwork {
  // A model whose inputs alone pass the limit is refused at once, before any importer runs
  // (a MaxPool1d over 1.2M values must not run for minutes first).
  const inputs = parseOnnx(bytes, source).inputs.reduce((a, i) => a + size(i.shape), 0);
  if (inputs * PER_INPUT > MAX_GRAPH_CONSTRAINTS) throw tooLarge(source, inputs * PER_INPUT, `from its ${inputs.toLocaleString("en-US")} input values alone`);
  // The layer importer reads a pool's padding only from `pads`: auto_pad SAME_* goes to the graph importer.
  const graph = parseOnnx(bytes, source);
  const samePad = graph.nodes.some((n) => /^SAME_/.test(n.attributes.get("auto_pad")?.s ?? ""));
  if (samePad) return importOnnxGraph(bytes, source);
  try {
    const net = importOnnx(bytes, source);
    // onnxruntime needs the input's element type (a bool input fed as float is refused).
    const [only] = parseOnnx(bytes, source).inputs;
    return { ...net, inputs: [{ name: net.inputName, shape: net.inputShape, elemType: only?.elemType ?? 1 }] };
  } catch (e) {
    if (!(e instanceof OnnxImportError)) throw e;
    log(`layer importer: ${e.message}; trying the graph importer`);
    return importOnnxGraph(bytes, source);
  }
}
