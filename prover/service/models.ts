/**
 * The models a service offers, loaded from their folders (`<dir>/spec.json`, built with
 * `zkinfer build`). The API validates every request against the model's feature spec before it
 * stores anything, with the same checks the prover runs (quantizeInputs), so a bad input is a 400
 * naming the feature, never a failed job or a retry.
 */
import { recordedModelCommitment } from "../artifacts/circuitRecord.js";
import { assertBuilt, resolveSpecPath } from "../artifacts/models.js";
import { verifierContractName } from "../artifacts/paths.js";
import { ZkinferError } from "../errors.js";
import { quantizeInputs } from "../model/interpret.js";
import { lowerModel, type ModelIR } from "../model/ir.js";
import { readModelSpec } from "../model/spec.js";
import { readSegmentRecord, type SegmentRecord } from "../segment/build.js";
import { readSegmentedBuild, usesSegmentedBuild, type SegmentedBuild } from "../chain/segmentedDeployment.js";

export interface ServiceModel {
  name: string;
  version: string;
  specPath: string;
  ir: ModelIR;
  commitment: bigint;
  verifierContract: string;
  /**
   * Set for a model served in segments (docs/SEGMENTS.md): built with `zkinfer segments build` and
   * not for one proof. Its jobs prove segment by segment (./segmented.ts); its on-chain verifier is the
   * SegmentedVerifier.
   */
  segments?: SegmentRecord;
  /** With `segments`: the build as deploy checked it (its verifier is compiled from it). */
  segmentedBuild?: SegmentedBuild;
}

export async function loadServiceModels(paths: readonly string[]): Promise<Map<string, ServiceModel>> {
  if (paths.length === 0) throw new ZkinferError("No model given: pass --models <dir>[,<dir>...] (e.g. --models models/credit-score).");
  const models = new Map<string, ServiceModel>();
  for (const path of paths) {
    const specPath = resolveSpecPath(path);
    const ir = lowerModel(readModelSpec(specPath));
    // Refused at start rather than failing every job later: a proof of an attested model needs the
    // attester's signed record, which the service's request schema does not carry (yet).
    if (ir.attestation) {
      throw new ZkinferError(
        `Model ${ir.name} is attested: its proofs need the attester's signed record of the features, which \`zkinfer serve\` does not accept in requests. ` +
          `Prove it with \`zkinfer prove-attested\`, or serve a model without attestation.`,
      );
    }
    if (models.has(ir.name)) throw new ZkinferError(`Model ${ir.name} is given twice (${specPath}).`);
    // A model built in segments only (too large for one proof) is served in segments.
    // (Checked as deploy checks it: plan, circuits, keys and verifier text against the spec.)
    if (usesSegmentedBuild(ir.name, false)) {
      const build = await readSegmentedBuild(specPath);
      models.set(ir.name, {
        name: ir.name,
        version: ir.version,
        specPath,
        ir,
        commitment: build.modelCommitment,
        verifierContract: build.verifierContract,
        segments: readSegmentRecord(ir.name),
        segmentedBuild: build,
      });
      continue;
    }
    assertBuilt(ir.name, specPath);
    // The build's record (checked against the spec and the artifacts, no circuit rendered): the prover
    // processes read it too; checked here first, so a stale or older build refuses to start in one
    // line, before a deployment, rather than as a prover process's crash.
    const commitment = await recordedModelCommitment(ir, specPath);
    models.set(ir.name, {
      name: ir.name,
      version: ir.version,
      specPath,
      ir,
      commitment,
      verifierContract: verifierContractName(ir.name),
    });
  }
  return models;
}

/** Throws InputValidationError (naming the feature and its range) unless `input` fits the model. */
export function validateInput(model: ServiceModel, input: unknown): void {
  quantizeInputs(model.ir, input as Record<string, number>);
}

/** The model as GET /v1/models shows it: what a client needs to build a valid request. */
export function describeServiceModel(model: ServiceModel, modelId?: bigint) {
  return {
    id: model.name,
    version: model.version,
    modelCommitment: model.commitment.toString(),
    onChainModelId: modelId?.toString() ?? null,
    features: model.ir.features.map((f) => ({ name: f.name, unit: f.unit, min: f.min, max: f.max, ...(f.description ? { description: f.description } : {}) })),
    outputs: model.ir.outputs.map((o) => ({ name: o.name, unit: o.unit, scaleBits: o.scale })),
  };
}
