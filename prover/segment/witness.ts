/**
 * The inputs of every segment circuit of one inference, from ONE run of the reference interpreter
 * (docs/SEGMENTS.md, "Proving"): the whole tape is computed once, each segment's circuit input is the
 * slice of it at its boundary, and each boundary's commitment is the input commitment of the values
 * it carries (the same packing and hash, prover/model/commitment.ts), so the segments can then be
 * proved independently and in any order.
 */
import { ZkinferError } from "../errors.js";
import { toField } from "../field.js";
import { runGraph } from "../graph/lower.js";
import { inputCommitment, publicOutputs } from "../model/commitment.js";
import { runQuantized } from "../model/interpret.js";
import type { ModelIR } from "../model/ir.js";
import { boundaryRanges, segmentGraph, type SegmentPlan } from "./segments.js";

export interface SegmentStatement {
  /** The quantized features. */
  inputs: readonly bigint[];
  /** The input commitment's salt (the user's, as a single proof's). */
  salt: bigint;
  subject: bigint;
  nonce: bigint;
  /** Hashed-output models: the output hash's salt. */
  outputSalt?: bigint;
  /** The K - 1 boundary commitments' salts: private, fresh per inference. */
  boundarySalts: readonly bigint[];
}

export interface SegmentWitnesses {
  /** Per segment, the circuit's input (signal name -> value). */
  circuitInputs: Record<string, bigint | bigint[]>[];
  /** The K - 1 boundary commitments: segment i's outputs[0], segment i + 1's inputCommitment. */
  boundaryCommitments: bigint[];
  /** Per segment, its public signals (outputs, modelCommitment, inputCommitment, subject, nonce). */
  segmentSignals: bigint[][];
  /** The inference's public signals as the hub reads them: the last segment's outputs, the model and input commitments, subject, nonce. */
  publicSignals: bigint[];
  /** The model's outputs (quantized), from the reference interpreter. */
  outputs: bigint[];
}

/**
 * Every segment's circuit input and public signals for one inference of `ir` split by `plan`, whose
 * commitment is `modelCommitment`.
 */
export async function segmentWitnesses(ir: ModelIR, plan: SegmentPlan, modelCommitment: bigint, st: SegmentStatement): Promise<SegmentWitnesses> {
  const k = plan.segments.length;
  if (st.boundarySalts.length !== k - 1) throw new RangeError(`boundarySalts: ${k - 1} salts needed (one per cut), got ${st.boundarySalts.length}`);
  const run = runQuantized(ir, st.inputs);
  const inCommitment = await inputCommitment(ir.features, st.inputs, st.salt);
  const boundaryCommitments: bigint[] = [];
  for (let i = 0; i + 1 < k; i++) {
    const values = plan.segments[i]!.outputs;
    boundaryCommitments.push(
      await inputCommitment(
        boundaryRanges(ir.graph, values),
        values.map((v) => run.tape[v]!),
        st.boundarySalts[i]!,
      ),
    );
  }
  const finalOutputs = await publicOutputs(ir, run.outputs, st.outputSalt ?? 0n, st.inputs);
  const circuitInputs: Record<string, bigint | bigint[]>[] = [];
  const segmentSignals: bigint[][] = [];
  plan.segments.forEach((seg, i) => {
    const last = i === k - 1;
    const input: Record<string, bigint | bigint[]> =
      i === 0 ? { features: st.inputs.map(toField) } : { boundaryIn: seg.inputs.map((v) => toField(run.tape[v]!)) };
    input.salt = i === 0 ? st.salt : st.boundarySalts[i - 1]!;
    if (!last) input.outSalt = st.boundarySalts[i]!;
    if (last && ir.visibility.outputs === "hashed") input.outputSalt = st.outputSalt ?? 0n;
    input.subject = st.subject;
    input.nonce = st.nonce;
    circuitInputs.push(input);
    const outs = last ? finalOutputs.map(toField) : [boundaryCommitments[i]!];
    segmentSignals.push([...outs, modelCommitment, i === 0 ? inCommitment : boundaryCommitments[i - 1]!, st.subject, st.nonce]);
  });
  return {
    circuitInputs,
    boundaryCommitments,
    segmentSignals,
    publicSignals: [...finalOutputs.map(toField), modelCommitment, inCommitment, st.subject, st.nonce],
    outputs: run.outputs,
  };
}

/**
 * The model's outputs as the K segment circuits compute them, segment by segment: each segment's own
 * sub-graph (segmentGraph: its pieces, sliced and renumbered as its circuit is emitted) run by the
 * reference interpreter's family rules on the values the previous segment handed on, each value it
 * reads first checked against what its circuit range-checks (the features' declared ranges for
 * segment 0, each boundary value's proven interval after). test/segment/circuits.test.ts shows, on
 * tiny models whose every splittable family is cut into pieces, that each segment circuit's witness
 * computes exactly these values. Throws, naming the segment and the value, where a circuit would
 * refuse its input.
 */
export function runSegmentChain(ir: ModelIR, plan: SegmentPlan, inputs: readonly bigint[]): bigint[] {
  if (inputs.length !== ir.features.length) throw new RangeError(`expected ${ir.features.length} inputs, got ${inputs.length}`);
  let values: bigint[] = [...inputs];
  plan.segments.forEach((seg, i) => {
    const sub = segmentGraph(ir.graph, plan, seg);
    sub.in.forEach((iv, j) => {
      const lo = i === 0 ? ir.features[j]!.qmin : iv.lo;
      const hi = i === 0 ? ir.features[j]!.qmax : iv.hi;
      if (values[j]! < lo || values[j]! > hi)
        throw new ZkinferError(
          `segment ${i} of ${plan.segments.length}: its input ${j} (tape value ${seg.inputs[j]}) = ${values[j]} is outside [${lo}, ${hi}], which its circuit range-checks`,
        );
    });
    values = runGraph(sub, values);
  });
  return values;
}
