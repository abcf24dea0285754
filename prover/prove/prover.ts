/**
 * The prover in Node: ./core.ts with its artifacts read from the build directory. Everything else
 * (validation, reference interpreter, witness, Groth16, calldata) is the core, shared with the
 * browser loader (./browser.ts).
 */
import { staleBuildError } from "../artifacts/models.js";
import { readFileSync } from "node:fs";
import { readCircuitRecord } from "../artifacts/circuitRecord.js";
import { artifactPath } from "../artifacts/paths.js";
import { circuitDigest } from "../circuit/codegen.js";
import { ZkinferError } from "../errors.js";
import { modelCommitmentForCircuit } from "../model/commitment.js";
import { lowerModel } from "../model/ir.js";
import { readModelSpec, type ModelSpec } from "../model/spec.js";
import { ModelProver as CoreModelProver } from "./core.js";

export { randomSalt, type ModelArtifacts, type ProveParameters, type ProveReturnType, type ProveStage } from "./core.js";

export class ModelProver extends CoreModelProver {
  /**
   * Loads a built model (see buildModel); throws when its artifacts are stale. The build's record
   * (circuit.json) must match the spec and the circuit files, and its commitment the spec's IR under
   * the recorded circuit digest: no circuit is rendered here.
   */
  static async load(specPath: string): Promise<ModelProver> {
    const spec = readModelSpec(specPath);
    const record = readCircuitRecord(spec.name, specPath);
    return (await ModelProver.fromArtifacts({
      spec,
      source: specPath,
      staleError: () => staleBuildError(spec.name, specPath),
      wasm: readFileSync(artifactPath(spec.name, "wasm")),
      zkey: readFileSync(artifactPath(spec.name, "zkey")),
      verificationKey: JSON.parse(readFileSync(artifactPath(spec.name, "vkey"), "utf8")),
      circuitInfo: record,
    })) as ModelProver;
  }

  /**
   * Loads the circuit built for `builtSpecPath` with the private weights (and salt) of `spec`: a new
   * version of a private-weight model that compiles to the SAME circuit (same architecture and
   * widths) needs no new build, only a new registered commitment. Throws when the circuits differ.
   */
  static async loadWithWeights(builtSpecPath: string, spec: ModelSpec): Promise<ModelProver> {
    const built = await ModelProver.load(builtSpecPath);
    const ir = lowerModel(spec);
    if (ir.visibility.weights !== "private" || ir.name !== built.ir.name) {
      throw new ZkinferError(`loadWithWeights needs a private-weight version of ${built.ir.name}, got ${ir.name} with ${ir.visibility.weights} weights`);
    }
    // The digest covers the circuit's code, not its comments (the version is in the header): the same
    // digest is the same circuit. The new weights are rendered once, to compare.
    const digest = circuitDigest(ir);
    if (digest !== BigInt(readCircuitRecord(built.ir.name, builtSpecPath).circuitDigest)) {
      throw new ZkinferError(
        `${ir.name}@${ir.version} does not compile to the circuit built for ${built.ir.version} (architecture or weight widths differ): build it as its own model.`,
      );
    }
    return built.withModel(ir, await modelCommitmentForCircuit(ir, digest));
  }
}
