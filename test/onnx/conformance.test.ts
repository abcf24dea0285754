/**
 * The ONNX project's backend node tests (test/fixtures/onnx-node, see its SOURCE.md) for the
 * claimed operators, the small ones: no crash, every test either agrees with the expected outputs
 * within the bound zkinfer reports (exact quantized interpreter = the circuit) or is refused with a
 * reason, apart from the known failures listed here. A few also compile to a circuit whose
 * witness equals the interpreter. The whole set, with the per-operator pass rate:
 * `npx tsx scripts/onnx-conformance.ts`.
 */
import { readFileSync, statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { checkOnnx } from "../../prover/onnx/check.js";
import { limitOf, loadNodeTest, nodeTests, runNodeTest, type NodeTestResult } from "../../prover/onnx/conformance.js";
import { estimateGraphConstraints, inputsEstimate, UPFRONT_SLACK } from "../../prover/onnx/estimate.js";
import { parseOnnx } from "../../prover/onnx/graph.js";
import type { GraphSpec } from "../../prover/graph/types.js";

const root = fileURLToPath(new URL("../fixtures/onnx-node/", import.meta.url));
/** Bytes of a test's model and data: "small" is below this. */
const SMALL = 1200;
const bytes = (dir: string): number =>
  statSync(join(dir, "model.onnx")).size + readdirSync(join(dir, "test_data_set_0")).reduce((a, f) => a + statSync(join(dir, "test_data_set_0", f)).size, 0);

/** Known disagreements (docs/ONNX.md says why); a test that starts passing must leave this list. */
const KNOWN_FAIL = new Set<string>([]);

describe("ONNX backend node tests (the small ones), without proving", function () {
  this.timeout(600_000);
  const tests = nodeTests(root).filter((d) => bytes(d) < SMALL);
  const results: NodeTestResult[] = [];

  before(() => {
    for (const t of tests) results.push(runNodeTest(t));
    const pass = results.filter((r) => r.status === "pass").length;
    console.log(`      small tests: ${pass} / ${results.length} agree within the bound`);
  });

  it("runs a few hundred of them", () => {
    expect(tests.length).to.be.greaterThan(200);
  });

  it("never crashes: each test agrees, is refused with a reason, or is a known failure", () => {
    const crashes = results.filter((r) => r.status === "crash").map((r) => `${r.test}: ${r.reason}`);
    expect(crashes).to.deep.equal([]);
    const fails = results.filter((r) => r.status === "fail").map((r) => r.test);
    expect(fails.filter((t) => !KNOWN_FAIL.has(t))).to.deep.equal([]);
    for (const r of results.filter((x) => x.status === "refused")) expect(r.reason, r.test).to.be.a("string").and.not.equal("");
  });

  it("agrees within the reported bound on at least 95% of the tests it does not refuse", () => {
    const run = results.filter((r) => r.status !== "refused");
    const pass = run.filter((r) => r.status === "pass").length;
    expect(pass / run.length).to.be.at.least(0.95);
    for (const r of run.filter((x) => x.status === "pass")) expect(r.maxAbsError!, r.test).to.be.at.most(r.errorBound!);
  });

  it("refuses only for a documented limit (docs/ONNX.md): every other refusal would count against the rate within them", () => {
    const undocumented = results.filter((r) => r.status === "refused" && !limitOf(r)).map((r) => `${r.test}: ${r.reason}`);
    expect(undocumented).to.deep.equal([]);
  });

  it("agrees within the reported bound on at least 90% of all of them (refusals included)", () => {
    const pass = results.filter((r) => r.status === "pass").length;
    expect(pass / results.length).to.be.at.least(0.9);
  });

  // Circuits too: an activation, a pool, outputs that do not depend on the input (constant rows),
  // MaxPool's Indices (argmax + one-hot selection), a cast to a 4-bit integer (truncation and
  // wrap-around: two floors), L1 normalization (abs, constrained division) and an opset-1 model.
  for (const t of [
    "test_relu",
    "test_sigmoid",
    "test_maxpool_1d_default",
    "test_shape",
    "test_maxpool_with_argmax_2d_precomputed_pads",
    "test_cast_FLOAT_to_INT4",
    "test_l1normalization_axis_1",
    "test_not_2d",
  ]) {
    it(`${t}: the compiled circuit's witness equals the interpreter, within the bound of onnxruntime`, async () => {
      const dir = join(root, t);
      const inputs = readdirSync(join(dir, "test_data_set_0")).filter((f) => f.startsWith("input_"));
      expect(inputs).to.have.length(1);
      const r = runNodeTest(dir);
      expect(r.status, r.reason).to.equal("pass");
      // check-onnx compiles the circuit and compares its witness with the interpreter; it reads
      // a JSON input, written from the test's own input tensor.
      const { parseTensor } = await import("../../prover/onnx/graph.js");
      const { writeFileSync, mkdtempSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const tmp = mkdtempSync(join(tmpdir(), "zkinfer-node-"));
      const x = parseTensor(readFileSync(join(dir, "test_data_set_0", "input_0.pb"))).data;
      writeFileSync(join(tmp, "input.json"), JSON.stringify({ input_data: [x] }));
      const c = await checkOnnx(join(dir, "model.onnx"), join(tmp, "input.json"));
      expect(c.supported, c.reason).to.equal(true);
      expect(c.outputs!.circuit).to.deep.equal(c.outputs!.quantized);
      expect(c.maxAbsError!).to.be.at.most(c.errorBound!);
      // The size gates against circom's count (prover/onnx/estimate.ts): the circuit counted from its
      // calibrated widths never below it and at most 5% above; the import-time estimate at most
      // UPFRONT_SLACK times it (so what it refuses up front does not fit).
      expect(c.estimatedConstraints!, "counted")
        .to.be.at.least(c.constraints!)
        .and.at.most(1.05 * c.constraints!);
      const loaded = loadNodeTest(dir);
      if ("status" in loaded) throw new Error(loaded.reason);
      const graph = parseOnnx(readFileSync(join(dir, "model.onnx")), t);
      const early = estimateGraphConstraints((loaded.net.layers[0] as GraphSpec).nodes, inputsEstimate(graph.inputs));
      expect(early, "import-time estimate").to.be.at.most(UPFRONT_SLACK * c.constraints!);
    });
  }
});
