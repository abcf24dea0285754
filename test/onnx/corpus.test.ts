/**
 * The peer ONNX corpus (test/fixtures/onnx, see its SOURCE.md): every model is either supported,
 * with the circuit's output within the calibration's error bound of onnxruntime's and equal to the
 * reference interpreter's, or refused with an error naming the operator and the node.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { checkOnnx, type CheckOnnxReturnType } from "../../prover/onnx/check.js";

const dir = fileURLToPath(new URL("../fixtures/onnx/", import.meta.url));
const models = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/**
 * The models whose file onnxruntime cannot load, and what it says: check-onnx checks them against
 * zkinfer's own float interpreter of the imported graph instead, and names that reference.
 * decision_tree (hummingbird's GEMM form: its Gather on data-dependent indices by one-hot selection)
 * is invalid ONNX to onnxruntime (an int8 MatMul).
 */
const INTERPRETER: Record<string, string[]> = {
  decision_tree: ["onnxruntime cannot load", "invalid model", "tensor(int8)"],
};

describe("ONNX corpus: check-onnx on the 20 peer models", function () {
  this.timeout(600_000);
  const results = new Map<string, CheckOnnxReturnType>();

  before(async () => {
    for (const m of models) results.set(m, await checkOnnx(`${dir}${m}/network.onnx`, `${dir}${m}/input.json`));
  });

  it("has the 20 corpus models", () => {
    expect(models).to.have.length(20);
  });

  for (const [m, says] of Object.entries(INTERPRETER)) {
    it(`checks ${m} against zkinfer's float interpreter, saying why (${says.join("; ")})`, () => {
      const r = results.get(m)!;
      expect(r.supported, r.reason).to.equal(true);
      expect(r.floatReference?.source).to.equal("interpreter");
      for (const s of says) expect(r.floatReference && "why" in r.floatReference ? r.floatReference.why : "").to.contain(s);
    });
  }

  it("supports every model with the circuit within the error bound of its float reference", () => {
    for (const m of models) {
      expect(results.get(m)!.floatReference?.source, m).to.equal(m in INTERPRETER ? "interpreter" : "onnxruntime");
      const r = results.get(m)!;
      expect(r.supported, `${m}: ${r.reason}`).to.equal(true);
      const { float, quantized, circuit } = r.outputs!;
      expect(circuit, `${m}: circuit = reference interpreter`).to.deep.equal(quantized);
      expect(circuit).to.have.length(float.length);
      expect(r.errorBound, `${m} has a numeric bound`).to.be.a("number");
      expect(r.maxAbsError!, `${m}: max |circuit - onnxruntime|`).to.be.at.most(r.errorBound!);
      expect(r.constraints).to.be.greaterThan(0);
    }
  });

  it("keeps 1l_softmax's final Softmax as probabilities (the class only with --argmax-output: test/onnx/softmax.test.ts)", () => {
    const r = results.get("1l_softmax")!;
    expect(r.softmax).to.equal(undefined);
    expect(r.outputs!.float).to.have.length(3);
    // (an absolute difference, not chai's closeTo: Hardhat's bigint matchers take it over and want integers)
    expect(Math.abs(r.outputs!.circuit.reduce((a, b) => a + b, 0) - 1)).to.be.at.most(3 * (r.errorBound as number) + 1e-3);
    expect(r.maxAbsError!).to.be.at.most(r.errorBound as number);
  });
});
