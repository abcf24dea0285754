/**
 * The package's `zkinfer/prover` entry: the Node prover (artifacts read from the build directory) and
 * what goes with it: building a model from its spec, the reference interpreter, proof encoding and
 * off-chain verification. The browser prover is `zkinfer/browser`.
 *
 * @example
 * ```ts
 * import { buildModel, ModelProver } from "zkinfer/prover";
 * await buildModel({ specPath: "models/triage/spec.json" });
 * const prover = await ModelProver.load("models/triage/spec.json");
 * const { proofBytes, publicSignals } = await prover.prove({ features, subject, nonce: 1n });
 * ```
 */
export { ModelProver, randomSalt, type ModelArtifacts, type ProveParameters, type ProveReturnType, type ProveStage } from "./prover.js";
export { verifySnarkProof } from "./core.js";
export { decodeProof, encodeProof, proofSystemOfProof, type FflonkProof, type Groth16Proof, type PlonkProof, type SnarkProof } from "./calldata.js";
export { buildModel, type BuildModelParameters, type BuiltModel } from "../build/buildModel.js";
export {
  AggregatedProver,
  loadAggregatedProver,
  type AggregatedArtifacts,
  type AggregatedStatementParameters,
  type ProveAggregatedReturnType,
  type ProvedStatement,
} from "./aggregateNode.js";
export { buildAggregated, type BuildAggregatedParameters, type BuiltAggregated } from "../build/buildAggregated.js";
export * as aggregatedSignals from "../abi/aggregatedSignals.js";
export { readModelSpec, type ModelSpec } from "../model/spec.js";
export { describeModel, lowerModel, type ModelIR } from "../model/ir.js";
export { decodeOutputs, runReference, type FeatureValues, type ReferenceResult } from "../model/interpret.js";
export { modelCommitment } from "../circuit/commitment.js";
export { artifactPath, buildRoot, type ArtifactKind } from "../artifacts/paths.js";
