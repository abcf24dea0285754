/**
 * Wide-corpus models through the graph importer (test/fixtures/onnx-wide, see its SOURCE.md): each
 * supported model's circuit equals the reference interpreter and is within the bound check-onnx
 * reports of onnxruntime on the model's own input. One model per graph family, so the suite stays
 * fast (refusal messages: test/onnx/graphOps.test.ts).
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { checkOnnx, type CheckOnnxReturnType } from "../../prover/onnx/check.js";

const dir = fileURLToPath(new URL("../fixtures/onnx-wide/", import.meta.url));
const models = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/** Supported, and the family each one exercises. */
const SUPPORTED: Record<string, string> = {
  "1l_erf": "fn (piecewise-linear erf)",
  "1l_slice": "data movement (Slice)",
  "1l_var": "mul (a product of two data values) and ReduceMean",
  boolean: "logic on boolean inputs (nonzero, and, xor)",
  hummingbird_decision_tree: "data-dependent indices (Gather, OneHot) by one-hot selection",
  less: "compare, two input tensors",
  max: "maxmin (ReduceMax)",
  softsign: "div by data (x / (1 + |x|))",
  layernorm: "LayerNormalization (mean, squares, rsqrt, products; the joint error rule of c * rsqrt(v))",
  scatter_nd: "ScatterND on data-dependent indices (one-hot selection, where per candidate)",
  "1l_topk": "topk (sorting network: the 4 largest plus the 4 smallest of an int64 input)",
};

describe("ONNX wide corpus: the graph importer on one model per operator family", function () {
  this.timeout(900_000);
  const results = new Map<string, CheckOnnxReturnType>();

  before(async () => {
    for (const m of models) results.set(m, await checkOnnx(`${dir}${m}/network.onnx`, `${dir}${m}/input.json`));
  });

  it("has exactly the listed fixtures", () => {
    expect(models).to.deep.equal(Object.keys(SUPPORTED).sort());
  });

  for (const [m, family] of Object.entries(SUPPORTED)) {
    it(`supports ${m} (${family}) within its bound of onnxruntime, circuit = interpreter`, () => {
      const r = results.get(m)!;
      expect(r.supported, `${m}: ${r.reason}`).to.equal(true);
      const { float, quantized, circuit } = r.outputs!;
      expect(circuit).to.deep.equal(quantized);
      expect(circuit).to.have.length(float.length);
      expect(r.errorBound, `${m} has a numeric bound`).to.be.a("number");
      expect(r.maxAbsError!).to.be.at.most(r.errorBound!);
    });
  }
});
