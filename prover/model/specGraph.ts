/**
 * A spec's layers as ONE float graph over the features (prover/graph/types.ts): each layer kind
 * becomes nodes of an operator family, so the spec format stays the user's while the compiler has
 * one path (spec or ONNX -> graph -> families -> circom).
 *
 *   dense (+ the relu after it) -> affine with the layer's scales and a fused ReLU (RescaleRelu)
 *   relu, leaky_relu, clip, sigmoid, tanh -> fn        max, argmax -> maxmin
 *   tree_ensemble, relative_change, signal_head -> their own families
 *   graph -> its nodes, spliced in (its inputs are the previous layer's values)
 *
 * A node's `name` is its layer (`layers[2]`), so range errors name the layer.
 */
import { SpecValidationError } from "../errors.js";
import { familyOf } from "../graph/registry.js";
import type { FloatNode, GraphSpec } from "../graph/types.js";
import type { ModelSpec } from "./specSchema.js";

type Layer = ModelSpec["layers"][number];

/** The spec's layers as one graph whose inputs are the features. */
export function specGraph(spec: ModelSpec): GraphSpec {
  const nodes: FloatNode[] = [];
  let tape = spec.features.length;
  let values = Array.from({ length: tape }, (_, i) => i);
  const add = (node: FloatNode, where: string): number[] => {
    let n: number;
    try {
      n = familyOf(node.op).validate(node, tape);
    } catch (e) {
      throw new SpecValidationError([{ path: where, message: e instanceof Error ? e.message : String(e) }]);
    }
    nodes.push(node);
    const outs = Array.from({ length: n }, (_, j) => tape + j);
    tape += n;
    return outs;
  };
  spec.layers.forEach((layer, li) => {
    const where = `layers[${li}]`;
    if (layer.type === "graph") {
      // Its values 0..n-1 are `values`; its own values n.. follow on the model's tape from `base`.
      const base = tape;
      const at = (a: number) => (a < values.length ? values[a]! : base + a - values.length);
      layer.nodes.forEach((node, k) => add({ ...node, args: node.args.map(at) }, `${where}.nodes[${k}]`));
      values = layer.outputs.map(at);
      return;
    }
    const made = layerNodes(layer, li, spec, values);
    if (made === null) return;
    let outs: number[] = [];
    for (const node of made) outs = [...outs, ...add({ ...node, name: where }, where)];
    values = outs;
  });
  return { type: "graph", nodes, outputs: values };
}

/** The nodes of one (non-graph) layer over `values`, in order; their outputs, concatenated, are the layer's. null: no node (output, fused ReLU). */
function layerNodes(layer: Exclude<Layer, { type: "graph" }>, li: number, spec: ModelSpec, values: number[]): FloatNode<Record<string, unknown>>[] | null {
  const fp = spec.fixedPoint;
  const fn = (f: string, params?: Record<string, number>): FloatNode<Record<string, unknown>>[] => [
    { op: "fn", args: values, fn: f, ...(params ? { params } : {}) },
  ];
  switch (layer.type) {
    case "dense":
      return [
        {
          op: "affine",
          args: values,
          rows: layer.weights.map((row, o) => ({ p: row.map((_, i) => i), w: row, b: layer.bias[o]! })),
          weightBits: layer.weightBits ?? fp.weightBits,
          outputBits: layer.outputBits ?? fp.activationBits,
          relu: spec.layers[li + 1]?.type === "relu",
          private: spec.visibility?.weights === "private",
        },
      ];
    case "relu":
      return spec.layers[li - 1]?.type === "dense" ? null : fn("relu");
    case "leaky_relu":
      // One alpha: one node; a per-value alpha (PRelu): one node per value.
      if (layer.alpha.length === 1) return fn("leaky_relu", { alpha: layer.alpha[0]! });
      return values.map((v, i) => ({ op: "fn", args: [v], fn: "leaky_relu", params: { alpha: layer.alpha[i]! } }));
    case "clip":
      return fn("clip", { ...(layer.min === undefined ? {} : { min: layer.min }), ...(layer.max === undefined ? {} : { max: layer.max }) });
    case "sigmoid":
    case "tanh":
      return fn(layer.type);
    case "max":
      return [{ op: "max", args: values, groups: layer.groups }];
    case "argmax":
      return [{ op: "argmax", args: values }];
    case "tree_ensemble":
      return [{ op: "tree_ensemble", args: values, base: layer.base, trees: layer.trees }];
    case "relative_change":
      return [{ op: "relative_change", args: values, inputs: layer.inputs, reference: layer.reference, outputBits: layer.outputBits }];
    case "signal_head":
      return [{ op: "signal_head", args: values, hold: layer.hold }];
    case "output":
      return null;
    default:
      return layer satisfies never;
  }
}
