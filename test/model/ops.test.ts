/**
 * The IR's non-dense ops in the reference interpreter and the spec validation around them; the
 * circuits are tested against the interpreter in test/circuits/ops.test.ts.
 */
import { expect } from "chai";
import { ModelRangeError } from "../../prover/errors.js";
import { APPROX_FUNCTIONS } from "../../prover/model/approx.js";
import { dequantize } from "../../prover/model/quantize.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { lowerModel } from "../../prover/model/ir.js";
import { parseModelSpec } from "../../prover/model/spec.js";
import { specIssues } from "../helpers/spec.js";

const base = {
  name: "t",
  version: "1.0.0",
  fixedPoint: { inputBits: 4, weightBits: 8, activationBits: 4 },
  features: [
    { name: "a", unit: "1", min: -2, max: 2 },
    { name: "b", unit: "1", min: -2, max: 2 },
  ],
};
const outputs = (n: number) => ({ type: "output", outputs: Array.from({ length: n }, (_, k) => ({ name: `y_${k}`, unit: "1" })) });

const issues = specIssues;

describe("IR ops: approximations, interpreter semantics, validation", () => {
  for (const fn of ["sigmoid", "tanh"] as const) {
    it(`${fn}: a ${fn} layer lowers to the fn family and stays within the error bound it reports, on every input`, () => {
      const ir = lowerModel(parseModelSpec({ ...base, layers: [{ type: fn }, outputs(2)] }));
      expect(ir.graph.nodes.map((n) => n.family)).to.deep.equal(["fn"]);
      const bound = ir.graph.outErr[0]!;
      expect(bound).to.be.within(1e-6, 1); // at activationBits 4, with the inputs' half-step rounding
      let worst = 0;
      // Every quantized input of feature a (scale 2^4 on [-2, 2]): the inputs are exact here.
      for (let q = -32n; q <= 32n; q++) {
        const out = runQuantized(ir, [q, 0n]).outputs[0]!;
        worst = Math.max(worst, Math.abs(dequantize(out, ir.outputs[0]!.scale) - APPROX_FUNCTIONS[fn](Number(q) / 16)));
      }
      expect(worst).to.be.at.most(bound);
    });
  }

  it("ArgMax picks the lowest index among equal maxima", () => {
    const ir = lowerModel(parseModelSpec({ ...base, layers: [{ type: "argmax" }, outputs(1)] }));
    expect(runQuantized(ir, [5n, 5n]).outputs).to.deep.equal([0n]);
    expect(runQuantized(ir, [4n, 5n]).outputs).to.deep.equal([1n]);
    expect(runQuantized(ir, [-3n, -3n]).outputs).to.deep.equal([0n]);
  });

  it("a tree goes left exactly when x <= threshold, on the quantized grid", () => {
    // threshold 0.5 at 2^4 is 8: q = 8 (x = 0.5) goes left, q = 9 goes right.
    const tree = { nodes: [{ feature: 0, threshold: 0.5, left: 1, right: 2 }, { leaf: [-1] }, { leaf: [1] }] };
    const ir = lowerModel(parseModelSpec({ ...base, layers: [{ type: "tree_ensemble", base: [0], trees: [tree] }, outputs(1)] }));
    expect(runQuantized(ir, [8n, 0n]).outputs).to.deep.equal([-16n]);
    expect(runQuantized(ir, [9n, 0n]).outputs).to.deep.equal([16n]);
    // A threshold between grid points (0.53 -> floor(8.48) = 8) keeps the same rule.
    const between = { nodes: [{ feature: 0, threshold: 0.53, left: 1, right: 2 }, { leaf: [-1] }, { leaf: [1] }] };
    const ir2 = lowerModel(parseModelSpec({ ...base, layers: [{ type: "tree_ensemble", base: [0], trees: [between] }, outputs(1)] }));
    expect(runQuantized(ir2, [8n, 0n]).outputs).to.deep.equal([-16n]);
    expect(runQuantized(ir2, [9n, 0n]).outputs).to.deep.equal([16n]);
  });

  it("LeakyRelu floors alpha * x for negatives and passes positives", () => {
    const ir = lowerModel(parseModelSpec({ ...base, layers: [{ type: "leaky_relu", alpha: [0.25] }, outputs(2)] }));
    expect(runQuantized(ir, [-7n, 7n]).outputs).to.deep.equal([-2n, 7n]); // floor(-1.75) = -2
  });

  it("Clip saturates at both bounds", () => {
    const ir = lowerModel(parseModelSpec({ ...base, layers: [{ type: "clip", min: -0.5, max: 1 }, outputs(2)] }));
    expect(runQuantized(ir, [-32n, 32n]).outputs).to.deep.equal([-8n, 16n]);
    expect(runQuantized(ir, [3n, -3n]).outputs).to.deep.equal([3n, -3n]);
  });

  it("refuses malformed trees, naming the node", () => {
    const bad = { nodes: [{ feature: 0, threshold: 0, left: 1, right: 1 }, { leaf: [1] }] };
    expect(issues({ ...base, layers: [{ type: "tree_ensemble", base: [0], trees: [bad] }, outputs(1)] })).to.include.members([
      "layers[0].trees[0].nodes[1]: node is reached 2 times; every node but the root needs exactly one parent",
    ]);
    const wide = { nodes: [{ feature: 5, threshold: 0, left: 1, right: 2 }, { leaf: [1] }, { leaf: [1, 2] }] };
    const found = issues({ ...base, layers: [{ type: "tree_ensemble", base: [0], trees: [wide] }, outputs(1)] });
    expect(found).to.include("layers[0].trees[0].nodes[0].feature: feature 5 is outside the input (width 2)");
    expect(found).to.include("layers[0].trees[0].nodes[2].leaf: has 2 values; the ensemble has 1 outputs (base)");
  });

  it("refuses ArgMax before the last layer, and a max group index outside the input", () => {
    expect(issues({ ...base, layers: [{ type: "argmax" }, { type: "relu" }, outputs(1)] })).to.include(
      "layers[0].type: argmax must be the last layer before the output",
    );
    expect(issues({ ...base, layers: [{ type: "max", groups: [[0, 2]] }, outputs(1)] })).to.include(
      "layers[0].groups[0][1]: index 2 is outside the layer's input (width 2)",
    );
  });

  it("refuses private weights without a salt, or on layers whose parameters would stay public", () => {
    const layers = [{ type: "dense", weights: [[1, 1]], bias: [0] }, outputs(1)];
    expect(issues({ ...base, layers, visibility: { weights: "private" } })[0]).to.match(/^visibility\.weightSalt: private weights need a secret weightSalt/);
    expect(issues({ ...base, layers: [{ type: "sigmoid" }, outputs(2)], visibility: { weights: "private", weightSalt: "5" } })[0]).to.match(
      /^visibility\.weights: private weights are compiled for dense\/ReLU models \(with relative_change and signal_head\) only/,
    );
  });

  it("refuses a threshold output on a multi-output model", () => {
    expect(() => lowerModel(parseModelSpec({ ...base, layers: [{ type: "relu" }, outputs(2)], visibility: { outputs: "threshold", threshold: 0 } }))).to.throw(
      ModelRangeError,
      /single-output/,
    );
  });
});
