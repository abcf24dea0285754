/**
 * scikit-learn's exported tree form (ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier):
 * an ONNX file written here with the same attributes skl2onnx writes, checked against onnxruntime
 * through the check-onnx path (import, calibrate, interpreter, circuit witness).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ModelProto } from "../../prover/onnx/proto.js";
import { checkOnnx } from "../../prover/onnx/check.js";

const FLOATS = 6;
const INTS = 7;
const STRINGS = 8;
const STRING = 3;
const INT = 2;

function attr(name: string, value: number[] | string[] | string | number, kind: number) {
  if (kind === STRINGS) return { name, type: kind, strings: (value as string[]).map((x) => Buffer.from(x)) };
  if (kind === STRING) return { name, type: kind, s: Buffer.from(value as string) };
  if (kind === INT) return { name, type: kind, i: value };
  return { name, type: kind, [kind === FLOATS ? "floats" : "ints"]: value };
}

/**
 * Two trees over 3 features. Tree 0: x1 <= 0.25 ? (x0 <= -0.5 ? 1.5 : -0.75) : 2.0.
 * Tree 1: x2 > 0.1 (BRANCH_GT) ? -1.25 : 0.5.
 */
function treeModel(classifier: boolean): Uint8Array {
  const prefix = classifier ? "class" : "target";
  const leafTargets = classifier
    ? {
        treeids: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
        nodeids: [3, 3, 4, 4, 2, 2, 1, 1, 2, 2],
        ids: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
        weights: [1.5, -1.5, -0.75, 0.75, 2.0, -2.0, -1.25, 1.25, 0.5, -0.5],
      }
    : { treeids: [0, 0, 0, 1, 1], nodeids: [3, 4, 2, 1, 2], ids: [0, 0, 0, 0, 0], weights: [1.5, -0.75, 2.0, -1.25, 0.5] };
  const node = {
    opType: classifier ? "TreeEnsembleClassifier" : "TreeEnsembleRegressor",
    domain: "ai.onnx.ml",
    name: classifier ? "TreeEnsembleClassifier" : "TreeEnsembleRegressor",
    input: ["X"],
    output: classifier ? ["label", "probabilities"] : ["variable"],
    attribute: [
      attr("nodes_treeids", [0, 0, 0, 0, 0, 1, 1, 1], INTS),
      attr("nodes_nodeids", [0, 1, 2, 3, 4, 0, 1, 2], INTS),
      attr("nodes_featureids", [1, 0, 0, 0, 0, 2, 0, 0], INTS),
      attr("nodes_values", [0.25, -0.5, 0, 0, 0, 0.1, 0, 0], FLOATS),
      attr("nodes_modes", ["BRANCH_LEQ", "BRANCH_LEQ", "LEAF", "LEAF", "LEAF", "BRANCH_GT", "LEAF", "LEAF"], STRINGS),
      attr("nodes_truenodeids", [1, 3, 0, 0, 0, 1, 0, 0], INTS),
      attr("nodes_falsenodeids", [2, 4, 0, 0, 0, 2, 0, 0], INTS),
      attr(`${prefix}_treeids`, leafTargets.treeids, INTS),
      attr(`${prefix}_nodeids`, leafTargets.nodeids, INTS),
      attr(`${prefix}_ids`, leafTargets.ids, INTS),
      attr(`${prefix}_weights`, leafTargets.weights, FLOATS),
      attr("post_transform", "NONE", STRING),
      ...(classifier ? [attr("classlabels_int64s", [0, 1], INTS)] : [attr("n_targets", 1, INT), attr("base_values", [0.125], FLOATS)]),
    ],
  };
  const tensor = (name: string, elemType: number, dims: number[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const model = {
    irVersion: 8,
    producerName: "zkinfer-test",
    opsetImport: [
      { domain: "", version: 17 },
      { domain: "ai.onnx.ml", version: 3 },
    ],
    graph: {
      name: "trees",
      node: [node],
      input: [tensor("X", 1, [1, 3])],
      output: classifier ? [tensor("label", 7, [1]), tensor("probabilities", 1, [1, 2])] : [tensor("variable", 1, [1, 1])],
    },
  };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

describe("ONNX import: scikit-learn tree ensembles (ai.onnx.ml)", function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-trees-"));

  const cases: [string, number[]][] = [
    ["left-left", [-1, 0, 0]],
    ["left-right", [0.5, -2, 0.5]],
    ["right", [0.3, 1, -1]],
  ];

  for (const [label, x] of cases) {
    it(`TreeEnsembleRegressor matches onnxruntime exactly on the ${label} path`, async () => {
      const model = join(dir, "regressor.onnx");
      writeFileSync(model, treeModel(false));
      const input = join(dir, `${label}.json`);
      writeFileSync(input, JSON.stringify({ input_data: [x] }));
      const r = await checkOnnx(model, input);
      expect(r.supported, r.reason).to.equal(true);
      expect(r.outputs!.circuit).to.deep.equal(r.outputs!.quantized);
      // A plain comparison: hardhat's chai matchers take over closeTo for integers only.
      expect(Math.abs(r.outputs!.circuit[0]! - r.outputs!.float[0]!)).to.be.below(1e-6);
    });
  }

  it("TreeEnsembleClassifier compiles to the label (trees + ArgMax) and matches onnxruntime's label", async () => {
    const model = join(dir, "classifier.onnx");
    writeFileSync(model, treeModel(true));
    for (const [label, x] of cases) {
      const input = join(dir, `c-${label}.json`);
      writeFileSync(input, JSON.stringify({ input_data: [x] }));
      const r = await checkOnnx(model, input);
      expect(r.supported, r.reason).to.equal(true);
      expect(r.outputs!.circuit, label).to.deep.equal(r.outputs!.float);
    }
  });
});
