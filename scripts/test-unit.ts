/**
 * `npm run test:unit`: the fast tier. Every test that runs without compiling a circuit, a Groth16
 * setup or a built model (spec, IR and interpreter, ONNX import, data, the contracts against mock
 * verifiers, the chain layer's generated ABIs), on Hardhat's in-process network. The full suite
 * (`npm test`) adds circuits, setup, proving, the CLI, the service and the end-to-end flows.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO_ROOT } from "../prover/artifacts/paths.js";

/** Folders of the unit tier, and the files in them that need a built model (they stay in the full suite). */
const UNIT_FOLDERS = ["test/model", "test/onnx", "test/data", "test/chain", "test/contracts"];
const NEEDS_BUILD = new Set([
  "test/contracts/PublicInputs.test.ts",
  // deploys the CreditScoreVerifier and reads the Groth16BatchVerifier that `npm run build:models` generates
  "test/contracts/verifiers/Groth16BatchVerifier.test.ts",
  "test/onnx/softmax.test.ts",
  "test/onnx/treeEnsemble.test.ts",
]);

function testFiles(folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(REPO_ROOT, folder), { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".test.ts"))
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)))
    .filter((f) => !NEEDS_BUILD.has(f))
    .sort();
}

const files = ["test/teardown.test.ts", ...UNIT_FOLDERS.flatMap(testFiles)];
const result = spawnSync(join(REPO_ROOT, "node_modules", ".bin", "hardhat"), ["test", "mocha", ...files], { cwd: REPO_ROOT, stdio: "inherit" });
process.exit(result.status ?? 1);
