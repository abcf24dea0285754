/**
 * Wide-corpus models through the graph importer (test/fixtures/onnx-wide, see its SOURCE.md): each
 * supported model's circuit equals the reference interpreter and is within the bound check-onnx
 * reports of onnxruntime on the model's own input; the refused one names every unsupported operator
 * with its nodes. One model per graph family, so the suite stays fast.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { checkOnnx, type CheckOnnxReturnType } from "../../prover/onnx/check.js";

const dir = fileURLToPath(new URL("../fixtures/onnx-wide/", import.meta.url));
const models = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

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
};
const REFUSED: Record<string, { op: string; nodes: string[] }> = {
  "1l_topk": { op: "TopK", nodes: ["/TopK", "/TopK_1"] },
};

describe("ONNX wide corpus: the graph importer on one model per operator family", function () {
  this.timeout(900_000);
  const results = new Map<string, CheckOnnxReturnType>();

  before(async () => {
    for (const m of models) results.set(m, await checkOnnx(`${dir}${m}/network.onnx`, `${dir}${m}/input.json`));
  });

  it("has exactly the listed fixtures", () => {
    expect(models).to.deep.equal([...Object.keys(SUPPORTED), ...Object.keys(REFUSED)].sort());
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

  for (const [m, { op, nodes }] of Object.entries(REFUSED)) {
    it(`refuses ${m}, naming ${op} and every node that uses it`, () => {
      const r = results.get(m)!;
      expect(r.supported).to.equal(false);
      expect(r.reason).to.contain(`Unsupported operator ${op}`);
      for (const n of nodes) expect(r.reason).to.contain(`"${n}"`);
    });
  }
});
