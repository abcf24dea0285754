/**
 * The model commitment of the circuit zkinfer generates from an IR: the commitment layout
 * (../model/commitment.ts) closed by the digest of the rendered circuit (./codegen.ts circuitDigest).
 * Rendering a circuit is the build's job: it records the commitment and the digest
 * (prover/build/commitmentRecord.ts), and later steps read that record instead of calling this.
 */
import { commitmentLayout, modelCommitmentForCircuit } from "../model/commitment.js";
import type { ModelIR } from "../model/ir.js";
import { circuitDigest } from "./codegen.js";

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
