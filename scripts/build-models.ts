/**
 * Builds every bundled model (models/<name>/spec.json): circuit, setup and Solidity verifier,
 * skipping each step whose inputs are unchanged. `npm test` and the demo run this first.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, bundledSpecPath } from "../prover/artifacts/paths.js";
import { buildModel } from "../prover/build/buildModel.js";
import { releaseCurves } from "../prover/setup/curve.js";

const models = readdirSync(join(REPO_ROOT, "models")).filter((m) => existsSync(bundledSpecPath(m)));
// Test fixtures whose generated Solidity verifier a contract test deploys: Hardhat compiles the
// verifiers before the tests run, so they are built here with the bundled models.
const fixtures = ["public-inputs"].map((f) => join(REPO_ROOT, "test", "fixtures", `${f}.json`));
try {
  for (const m of models) {
    console.log(`Building model ${m}`);
    await buildModel({ specPath: bundledSpecPath(m), log: console.log });
  }
  for (const specPath of fixtures) {
    console.log(`Building test fixture ${specPath}`);
    await buildModel({ specPath, log: console.log });
  }
} finally {
  await releaseCurves();
}
