/**
 * Constraint counts of the bundled models (compile only, no setup): what a compiler change costs.
 * `npx tsx scripts/bundled-constraints.ts [model...]`
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundledSpecPath, circuitBaseName } from "../prover/artifacts/paths.js";
import { generateCircuit } from "../prover/circuit/codegen.js";
import { compileCircuit } from "../prover/circuit/compile.js";
import { modelCommitment } from "../prover/circuit/commitment.js";
import { lowerModel } from "../prover/model/ir.js";
import { readModelSpec } from "../prover/model/spec.js";

const names = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync("models");
for (const name of names) {
  const ir = lowerModel(readModelSpec(bundledSpecPath(name)));
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-count-"));
  try {
    const source = join(dir, `${circuitBaseName(ir.name)}.circom`);
    const commitment = await modelCommitment(ir);
    writeFileSync(source, generateCircuit({ ir, modelCommitment: commitment }));
    const info = await compileCircuit({ source, outDir: dir });
    console.log(
      `${name}@${ir.version}: ${info.nonLinearConstraints} non-linear + ${info.linearConstraints} linear = ${info.nonLinearConstraints + info.linearConstraints}; commitment ${commitment}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
