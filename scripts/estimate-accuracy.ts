/**
 * How close the constraint estimates are to the compiled circuit: for each ONNX backend node test
 * named (test/fixtures/onnx-node/<test>), the import-time estimate at typical widths
 * (prover/onnx/estimate.ts estimateGraphConstraints, the gate before calibration), the circuit counted
 * at its calibrated widths (circuitConstraints, the gate after it) and the count circom reports for
 * the circuit zkinfer compiles, with both ratios to it. Usage:
 *   npx tsx scripts/estimate-accuracy.ts [--no-compile] test_relu test_erf ...
 * --no-compile: the estimates only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, circuitBaseName } from "../prover/artifacts/paths.js";
import { generateCircuit } from "../prover/circuit/codegen.js";
import { modelCommitment } from "../prover/circuit/commitment.js";
import { compileCircuit } from "../prover/circuit/compile.js";
import type { GraphSpec } from "../prover/graph/types.js";
import { calibrate } from "../prover/onnx/calibrate.js";
import { loadNodeTest } from "../prover/onnx/conformance.js";
import { circuitConstraints, estimateGraphConstraints, inputsEstimate } from "../prover/onnx/estimate.js";
import { parseOnnx } from "../prover/onnx/graph.js";

const rows: string[] = [];
const noCompile = process.argv.includes("--no-compile");
for (const name of process.argv.slice(2).filter((a) => !a.startsWith("--"))) {
  const t0 = Date.now();
  const loaded = loadNodeTest(join(REPO_ROOT, "test/fixtures/onnx-node", name));

  if ("status" in loaded) {
    console.log(`${name}: ${loaded.status} ${loaded.reason}`);
    continue;
  }
  const graph = loaded.net.layers[0] as GraphSpec;
  const folder = join(REPO_ROOT, "test/fixtures/onnx-node", name);
  const imported = estimateGraphConstraints(graph.nodes, inputsEstimate(parseOnnx(readFileSync(join(folder, "model.onnx")), name).inputs));
  const { ir } = calibrate({ network: loaded.net, samples: [loaded.sample], name: "estimate" });
  const calibrated = circuitConstraints(ir);
  if (noCompile) {
    console.log(
      `${name}\t${loaded.net.inputSize}\t${imported}\t${calibrated}\t\t${(imported / calibrated).toFixed(2)}\t\t${((Date.now() - t0) / 1000).toFixed(1)}s`,
    );
    continue;
  }
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-estimate-"));
  try {
    const base = circuitBaseName(ir.name);
    const source = join(dir, `${base}.circom`);
    writeFileSync(source, generateCircuit({ ir, modelCommitment: await modelCommitment(ir) }));
    const info = await compileCircuit({ source, outDir: dir });
    const real = info.nonLinearConstraints + info.linearConstraints;
    const row = `${name}\t${loaded.net.inputSize}\t${imported}\t${calibrated}\t${real}\t${(imported / real).toFixed(2)}\t${(calibrated / real).toFixed(2)}\t${((Date.now() - t0) / 1000).toFixed(1)}s`;
    rows.push(row);
    console.log(row);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`\ntest\tinputs\timport-time estimate\tcounted\tcircom\timport/circom (--no-compile: /counted)\tcounted/circom\ttime\n${rows.join("\n")}`);
