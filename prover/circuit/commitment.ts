/**
 * The model commitment of the circuit zkinfer generates from an IR: the commitment layout
 * (../model/commitment.ts) closed by the digest of the rendered circuit (./codegen.ts circuitDigest).
 * Rendering a circuit is the build's job: it records the commitment and the digest
 * (prover/artifacts/circuitRecord.ts), and later steps read that record instead of calling this.
 */
import { commitmentLayout, modelCommitmentForCircuit } from "../model/commitment.js";
import type { ModelIR } from "../model/ir.js";
import { circuitDigest, generateCircuit } from "./codegen.js";

/**
 * The field elements a model commitment hashes: the architecture (shapes, op kinds, ReLU flags),
 * every scale, the declared input bounds, every quantized weight and bias, and the digest of the
 * generated circuit's code. Names, units and descriptions are presentation and do not enter (the
 * circuit carries them only in comments, which its digest leaves out).
 */
export function modelCommitmentPreimage(ir: ModelIR): bigint[] {
  return commitmentLayout(ir, circuitDigest(ir)).map((e) => e.value);
}

/** The model commitment: Poseidon over modelCommitmentPreimage, for the circuit zkinfer generates from `ir`. */
export async function modelCommitment(ir: ModelIR): Promise<bigint> {
  return modelCommitmentForCircuit(ir, circuitDigest(ir));
}

/** What the build writes and records: the circuit's text, its digest and the model commitment. */
export interface RenderedModel {
  source: string;
  circuitDigest: bigint;
  modelCommitment: bigint;
}

/**
 * Renders `ir`'s circuit and commits to it: the digest (the text with its two self-referential
 * constants at 0), the commitment over the layout closed by that digest, then the text with both.
 * The build calls it once and records the digest and the commitment (prover/artifacts/circuitRecord.ts).
 */
export async function renderModel(ir: ModelIR): Promise<RenderedModel> {
  const digest = circuitDigest(ir);
  const commitment = await modelCommitmentForCircuit(ir, digest);
  return { source: generateCircuit({ ir, modelCommitment: commitment, circuitDigest: digest }), circuitDigest: digest, modelCommitment: commitment };
}
