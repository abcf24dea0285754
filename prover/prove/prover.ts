/**
 * The prover in Node: ./core.ts with its artifacts read from the build directory. Everything else
 * (validation, reference interpreter, witness, Groth16, calldata) is the core, shared with the
 * browser loader (./browser.ts).
 */
import { staleBuildError } from "../artifacts/models.js";
import { readFileSync } from "node:fs";
import { artifactPath } from "../artifacts/paths.js";
import { generateCircuit } from "../circuit/codegen.js";
import { ZkinferError } from "../errors.js";
import { modelCommitment } from "../circuit/commitment.js";
import { lowerModel, type ModelIR } from "../model/ir.js";
import { readModelSpec, type ModelSpec } from "../model/spec.js";
import { ModelProver as CoreModelProver } from "./core.js";

export { randomSalt, type ModelArtifacts, type ProveParameters, type ProveReturnType, type ProveStage } from "./core.js";

export class ModelProver extends CoreModelProver {
  /** Loads a built model (see buildModel); throws when its artifacts are stale. */
  static async load(specPath: string): Promise<ModelProver> {
    const spec = readModelSpec(specPath);
    const json = (kind: "circuitInfo" | "vkey") => JSON.parse(readFileSync(artifactPath(spec.name, kind), "utf8"));
    return (await ModelProver.fromArtifacts({
      spec,
      source: specPath,
      staleError: () => staleBuildError(spec.name, specPath),
      wasm: readFileSync(artifactPath(spec.name, "wasm")),
      zkey: readFileSync(artifactPath(spec.name, "zkey")),
      verificationKey: json("vkey"),
      circuitInfo: json("circuitInfo"),
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
    const commitment = await modelCommitment(ir);
    // The header names the version; everything below it is the circuit.
    const body = (x: ModelIR, c: bigint) =>
      generateCircuit({ ir: x, modelCommitment: c })
        .split("\n")
        .filter((l) => !l.startsWith("// AUTO-GENERATED"))
        .join("\n");
    if (body(ir, commitment) !== body(built.ir, built.modelCommitment)) {
      throw new ZkinferError(
        `${ir.name}@${ir.version} does not compile to the circuit built for ${built.ir.version} (architecture or weight widths differ): build it as its own model.`,
      );
    }
    return built.withModel(ir, commitment);
  }
}
