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
import { packInputs, publicOutputs } from "../model/commitment.js";
import { poseidonHash } from "../model/poseidon.js";
import { groupRanges } from "./circuit.js";
import { runQuantized } from "../model/interpret.js";
import type { ModelIR } from "../model/ir.js";
import { planTape, segmentGraph, type SegmentPlan } from "./segments.js";

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
  // The plan's tape: the interpreter's values, and the partial sums of dense nodes cut by columns.
  const tape = planTape(ir.graph, plan, run.tape);
  const hashes = await groupHashes(ir, plan, tape);
  const salts = [st.salt, ...st.boundarySalts];
  // Cut i's commitment: the list segment i opens (segment i - 1 hands it on), with salt i.
  const cuts: bigint[] = [];
  for (const [i, seg] of plan.segments.entries()) cuts.push(await poseidonHash([...seg.groupsIn.map((gi) => hashes.get(gi)!), salts[i]!]));
  const inCommitment = cuts[0]!;
  const boundaryCommitments = cuts.slice(1);
  const finalOutputs = await publicOutputs(ir, run.outputs, st.outputSalt ?? 0n, st.inputs);
  const circuitInputs: Record<string, bigint | bigint[]>[] = [];
  const segmentSignals: bigint[][] = [];
  plan.segments.forEach((seg, i) => {
    const last = i === k - 1;
    const input: Record<string, bigint | bigint[]> = { groupsIn: seg.groupsIn.map((gi) => hashes.get(gi)!) };
    if (seg.inputs.length) input.boundaryIn = seg.inputs.map((v) => toField(tape[v]!));
    input.salt = salts[i]!;
    if (!last) input.outSalt = salts[i + 1]!;
    if (last && ir.visibility.outputs === "hashed") input.outputSalt = st.outputSalt ?? 0n;
    input.subject = st.subject;
    input.nonce = st.nonce;
    circuitInputs.push(input);
    const outs = last ? finalOutputs.map(toField) : [boundaryCommitments[i]!];
    segmentSignals.push([...outs, modelCommitment, cuts[i]!, st.subject, st.nonce]);
  });
  return {
    circuitInputs,
    boundaryCommitments,
    segmentSignals,
    publicSignals: [...finalOutputs.map(toField), modelCommitment, inCommitment, st.subject, st.nonce],
    outputs: run.outputs,
  };
}

/** The element of every group committed at some cut: Poseidon over its packed words (groupRanges' layout; one word: the word), from the interpreter's tape. */
async function groupHashes(ir: ModelIR, plan: SegmentPlan, tape: readonly bigint[]): Promise<Map<number, bigint>> {
  const out = new Map<number, bigint>();
  for (const seg of plan.segments)
    for (const gi of seg.groupsIn)
      if (!out.has(gi)) {
        const gr = plan.groups[gi]!;
        const words = packInputs(groupRanges(ir, plan, gr.first, gr.end), tape.slice(gr.first, gr.end));
        out.set(gi, words.length === 1 ? words[0]! : await poseidonHash(words));
      }
  return out;
}

/**
 * The model's outputs as the K segment circuits compute them, segment by segment: each segment's own
 * sub-graph (segmentGraph: its pieces, sliced and renumbered as its circuit is emitted) run by the
 * reference interpreter's family rules on the values of the groups it opens, as earlier segments made
 * them, each value it reads first checked against what its circuit enforces (an input's declared
 * range; another value's proven interval, which its maker's range analysis guarantees and its opening's
 * decomposition relies on). test/segment/circuits.test.ts shows, on tiny models whose every splittable
 * family is cut into pieces, that each segment circuit's witness computes exactly these values. Throws,
 * naming the segment and the value, where a circuit would refuse its input.
 */
export function runSegmentChain(ir: ModelIR, plan: SegmentPlan, inputs: readonly bigint[]): bigint[] {
  if (inputs.length !== ir.features.length) throw new RangeError(`expected ${ir.features.length} inputs, got ${inputs.length}`);
  const known: (bigint | undefined)[] = [...inputs];
  let outputs: bigint[] = [];
  plan.segments.forEach((seg, i) => {
    const sub = segmentGraph(ir.graph, plan, seg);
    const values = seg.inputs.map((v, j) => {
      const x = known[v];
      const iv = sub.in[j]!;
      const lo = v < ir.features.length ? ir.features[v]!.qmin : iv.lo;
      const hi = v < ir.features.length ? ir.features[v]!.qmax : iv.hi;
      if (x === undefined) throw new Error(`segment ${i}: tape value ${v} is read before a segment makes it`);
      if (x < lo || x > hi)
        throw new ZkinferError(`segment ${i} of ${plan.segments.length}: tape value ${v} = ${x} is outside [${lo}, ${hi}], which its circuit range-checks`);
      return x;
    });
    outputs = runGraph(sub, values);
    seg.outputs.forEach((v, j) => (known[v] = outputs[j]!));
  });
  return outputs;
}
