/**
 * ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier (the form scikit-learn's exporters
 * write) -> one `tree_ensemble` node (prover/graph/families/tree.ts). Nodes are renumbered
 * depth-first so children follow their parent. BRANCH_LEQ (x <= v goes to the true child) is the
 * family's rule; BRANCH_GT swaps the children. Other modes, post transforms and aggregates are
 * refused, naming them. A classifier's outputs are the label (an ArgMax over the class scores, ties
 * to the lowest index; the labels must be 0..n-1) and the scores.
 */
import type { TreeNodeSpec, TreeParams } from "../../graph/families/tree.js";
import { size } from "../shapes.js";
import type { NodeContext } from "./context.js";
import type { OpHandler } from "./registry.js";

function treeParams(c: NodeContext, inputs: number): TreeParams {
  const ints = (name: string) => c.attr(name)?.ints ?? [];
  const floats = (name: string) => c.attr(name)?.floats ?? c.attr(`${name}_as_tensor`)?.t?.data ?? [];
  const strings = (name: string) => c.attr(name)?.strings ?? [];
  const isClassifier = c.opType === "TreeEnsembleClassifier";
  const post = c.attrS("post_transform", "NONE");
  if (post !== "NONE") throw c.unsupported(`post_transform ${post} (only NONE is compiled: export raw scores).`);
  const aggregate = c.attrS("aggregate_function", "SUM");
  if (aggregate !== "SUM") throw c.unsupported(`aggregate_function ${aggregate} (only SUM is compiled).`);
  const [treeIds, nodeIds, features, trueIds, falseIds] = ["nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_truenodeids", "nodes_falsenodeids"].map(
    ints,
  );
  const values = floats("nodes_values");
  const modes = strings("nodes_modes");
  const prefix = isClassifier ? "class" : "target";
  const [tTree, tNode, tId] = [`${prefix}_treeids`, `${prefix}_nodeids`, `${prefix}_ids`].map(ints);
  const tWeight = floats(`${prefix}_weights`);
  if (isClassifier) {
    const labels = ints("classlabels_int64s");
    if (!labels.length || labels.some((l, k) => l !== k))
      throw c.unsupported("class labels must be the integers 0..n-1 (the circuit outputs the class index).");
  }
  const outputs = isClassifier ? ints("classlabels_int64s").length : c.attrI("n_targets", 1);
  const base = floats("base_values");
  const key = (t: number, n: number) => `${t}/${n}`;
  const at = new Map<string, number>();
  treeIds!.forEach((t, k) => at.set(key(t, nodeIds![k]!), k));
  const leafValues = new Map<string, number[]>();
  tTree!.forEach((t, k) => {
    const id = key(t, tNode![k]!);
    const vals = leafValues.get(id) ?? new Array<number>(outputs).fill(0);
    vals[tId![k]!]! += tWeight[k]!;
    leafValues.set(id, vals);
  });
  const trees = [...new Set(treeIds)].map((t) => {
    const nodes: TreeNodeSpec[] = [];
    const visit = (nid: number): number => {
      const k = at.get(key(t, nid));
      if (k === undefined) throw c.unsupported(`tree ${t} refers to a missing node ${nid}.`);
      const here = nodes.length;
      const mode = modes[k] ?? "LEAF";
      if (mode === "LEAF") {
        nodes.push({ leaf: leafValues.get(key(t, nid)) ?? new Array<number>(outputs).fill(0) });
        return here;
      }
      if (mode !== "BRANCH_LEQ" && mode !== "BRANCH_GT") throw c.unsupported(`node mode ${mode} (BRANCH_LEQ and BRANCH_GT are compiled).`);
      if (features![k]! >= inputs) throw c.unsupported(`feature ${features![k]} is outside the input (${inputs} values).`);
      nodes.push({ leaf: [] }); // placeholder, filled once the children have indexes
      const [leqChild, gtChild] = mode === "BRANCH_LEQ" ? [trueIds![k]!, falseIds![k]!] : [falseIds![k]!, trueIds![k]!];
      const left = visit(leqChild);
      const right = visit(gtChild);
      nodes[here] = { feature: features![k]!, threshold: values[k]!, left, right };
      return here;
    };
    visit(Math.min(...treeIds!.flatMap((tt, k) => (tt === t ? [nodeIds![k]!] : []))));
    return { nodes };
  });
  return { base: base.length ? base : new Array<number>(outputs).fill(0), trees };
}

function importTreeEnsemble(c: NodeContext): void {
  const x = c.input(0);
  if (x.shape.length > 2 || (x.shape.length === 2 && x.shape[0] !== 1)) throw c.unsupported(`input shape [${x.shape}]; one example [1, features] is compiled.`);
  const params = treeParams(c, size(x.shape));
  const scores = c.apply("tree_ensemble", x.el, { ...params });
  if (c.opType === "TreeEnsembleRegressor") return c.set({ shape: [1, scores.length], el: scores });
  c.set({ shape: [1], el: c.apply("argmax", scores) }, 0);
  c.set({ shape: [1, scores.length], el: scores }, 1);
}

/** Handlers of the ai.onnx.ml domain (./registry.ts ML_HANDLERS). */
export const HANDLERS: readonly OpHandler[] = [{ types: ["TreeEnsembleRegressor", "TreeEnsembleClassifier"], since: 1, import: importTreeEnsemble }];
