/**
 * The two size gates (prover/onnx/estimate.ts): the circuit counted from its calibrated widths
 * (circuitConstraints) against circom's own count of the bundled models, and the import-time
 * estimate refusing a model whose inputs alone do not fit before anything is imported. The ONNX
 * backend node tests compiled in test/onnx/conformance.test.ts hold both against circom too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { artifactPath, REPO_ROOT } from "../../prover/artifacts/paths.js";
import { lowerModel } from "../../prover/model/ir.js";
import { parseModelSpec } from "../../prover/model/spec.js";
import { buildOnnx, intsAttr } from "../../prover/onnx/build.js";
import { circuitConstraints, MAX_GRAPH_CONSTRAINTS, ModelTooLargeError, UPFRONT_SLACK } from "../../prover/onnx/estimate.js";
import { importNetwork } from "../../prover/onnx/network.js";

describe("constraint estimates", function () {
  this.timeout(60_000);

  it("counts each bundled model's circuit from its lowered widths: never below circom's count, at most 20% above", () => {
    const models = readdirSync(join(REPO_ROOT, "models"));
    expect(models.length).to.be.at.least(5);
    for (const name of models) {
      const ir = lowerModel(parseModelSpec(JSON.parse(readFileSync(join(REPO_ROOT, "models", name, "spec.json"), "utf8"))));
      const info = JSON.parse(readFileSync(artifactPath(name, "circuitInfo"), "utf8")) as { nonLinearConstraints: number; linearConstraints: number };
      const real = info.nonLinearConstraints + info.linearConstraints;
      const counted = circuitConstraints(ir);
      expect(counted, `${name}: counted ${counted}, circom ${real}`)
        .to.be.at.least(real)
        .and.at.most(1.2 * real);
    }
  });

  it("refuses a MaxPool1d over 1.2M values up front from its inputs, in about a second, naming the estimate and the limit", () => {
    const n = 1_200_000;
    const bytes = buildOnnx(
      [{ opType: "MaxPool", input: ["x"], output: ["y"], attribute: [intsAttr("kernel_shape", [2]), intsAttr("strides", [2])] }],
      [["x", [1, 1, n]]],
      [["y", 1, [1, 1, n / 2]]],
    );
    const t0 = Date.now();
    let error: unknown;
    try {
      importNetwork(bytes, "maxpool1d.onnx");
    } catch (e) {
      error = e;
    }
    expect(Date.now() - t0).to.be.below(5_000);
    expect(error).to.be.instanceOf(ModelTooLargeError);
    const e = error as ModelTooLargeError;
    expect(e.estimatedConstraints).to.be.above(UPFRONT_SLACK * MAX_GRAPH_CONSTRAINTS);
    expect(e.message).to.match(/maxpool1d\.onnx is too large for this machine: about [\d,]+ constraints estimated from its 1,200,000 input values alone/);
    expect(e.message).to.include(`limit of ${MAX_GRAPH_CONSTRAINTS.toLocaleString("en-US")}`);
  });
});
