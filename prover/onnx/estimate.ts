/**
 * How large a circuit will be, before anything is compiled: a model too large for this machine is
 * refused up front from this estimate, not after minutes of importing and compiling.
 */
import { TIMESTAMP_BITS } from "../abi/publicSignals.js";
import { OnnxImportError } from "../errors.js";
import { bitLength } from "../field.js";
import * as cost from "../graph/cost.js";
import { familyOf, nodeConstraints } from "../graph/registry.js";
import { commitmentLayout, inputPackingLayout, weightSegments } from "../model/commitment.js";
import type { ModelIR } from "../model/ir.js";
import { poseidonChunks } from "../model/poseidon.js";
import { FUNCTIONS } from "../graph/functions.js";
import { fn } from "../graph/families/fn.js";
import { maxmin } from "../graph/families/maxmin.js";
import { topk, topkSchedule } from "../graph/families/topk.js";
import type { FloatNode } from "../graph/types.js";

/** A model refused up front because its circuit would not fit this machine. */
export class ModelTooLargeError extends OnnxImportError {
  override name = "ModelTooLargeError";
  constructor(
    message: string,
    readonly estimatedConstraints: number,
  ) {
    super(message);
  }
}

/** Refuse above this many constraints: compiling and proving would take hours here. */
export const MAX_GRAPH_CONSTRAINTS = Number(process.env.ZKINFER_MAX_CONSTRAINTS ?? 600_000);

/**
 * Two gates. Before calibration the widths are unknown, so the import-time estimate (estimateNode,
 * estimateGraphConstraints: typical widths) refuses a model only when it passes the limit by this
 * factor, the estimate's largest overshoot of the real count measured over the ONNX backend node
 * tests (docs/ONNX.md, "Constraint estimates": 3.17): what it refuses up front does not fit. After
 * calibration, circuitConstraints counts the circuit from its lowered widths (within a few percent of
 * circom's count, never below it on the measured models) and checkCircuitSize refuses above the limit
 * itself, before anything is compiled.
 */
export const UPFRONT_SLACK = 3.5;

/**
 * Cost per input value, pessimistic (its range check and its share of the commitment at ~30-bit
 * spans): segment planning (prover/segment) packs segments by it.
 */
export const PER_INPUT = 80;

/** Cost per float input value at typical widths (two ~15-bit range decompositions and its commitment share): the import-time gate. */
const TYPICAL_PER_INPUT = 30;

/** Range-check bits of an input element by ONNX type at typical widths: narrow integers and bool cost their width. */
const INPUT_BY_TYPE: Record<number, number> = { 9: 1, 2: 8, 3: 8, 4: 16, 5: 16, 21: 4, 22: 4, 23: 4, 25: 2, 26: 2, 17: 8, 18: 8, 19: 8, 20: 8, 24: 8 };

/** The import-time estimate of the inputs' range checks and commitment at typical widths (ONNX element types: graph.ts). */
export function inputsEstimate(inputs: readonly { shape: readonly number[]; elemType?: number }[]): number {
  return inputs.reduce((a, i) => a + i.shape.reduce((p, d) => p * d, 1) * (INPUT_BY_TYPE[i.elemType ?? 1] ?? TYPICAL_PER_INPUT), 0);
}

/**
 * Per output of a float node before calibration, two calibrations of the same rule: "pessimistic"
 * (about the most a family takes at ~16-bit widths: segment planning must not overfill a segment) and
 * "typical" (about the median measured over the ONNX backend node tests, docs/ONNX.md "Constraint
 * estimates": the import-time gate, which refuses only far above the limit). Only these differ.
 */
const PER_OUTPUT: Record<string, number> = {
  affine: 0,
  fn: 250,
  mul: 22,
  div: 60,
  max: 22,
  min: 22,
  argmax: 60,
  floor: 22,
  ceil: 22,
  round: 22,
  trunc: 70,
  where: 1,
  not: 0,
  and: 1,
  or: 1,
  xor: 1,
  nonzero: 2,
  sign: 44,
  assertOne: 0,
};
const TYPICAL_PER_OUTPUT: Record<string, number> = { ...PER_OUTPUT, fn: 100, div: 50, trunc: 50 };
/** A piecewise-linear function with kinks (relu, clip, abs...): a few ReLU gadgets. */
const KINKS = { pessimistic: 30, typical: 20 };

export type EstimateWidths = "pessimistic" | "typical";

/** Rough constraints of one float node (see estimateGraphConstraints). */
export function estimateNode(node: FloatNode, widths: EstimateWidths = "pessimistic"): number {
  if (node.op === "affine") return 0;
  if (node.op === "topk") {
    topk.check(node, Number.MAX_SAFE_INTEGER);
    // Per compare-exchange: a ~20-bit sign bit and a product (two with the indices).
    let n = 0;
    for (const g of node.groups) n += topkSchedule(g.length, node.k).length * (node.indices ? 24 : 23);
    return n;
  }
  const outs = familyOf(node.op).validate(node, Number.MAX_SAFE_INTEGER);
  let unit = (widths === "typical" ? TYPICAL_PER_OUTPUT : PER_OUTPUT)[node.op] ?? 22;
  if (node.op === "fn") {
    fn.check(node, Number.MAX_SAFE_INTEGER);
    if (FUNCTIONS[node.fn]?.kinks) unit = KINKS[widths];
  }
  let fanIn = 1;
  if (node.op === "max" || node.op === "min") {
    maxmin.check(node, Number.MAX_SAFE_INTEGER);
    fanIn = (node.groups ?? []).reduce((a, g) => a + g.length, 0) / Math.max(1, outs);
  }
  return outs * unit * fanIn;
}

/**
 * Rough constraint count of a float graph, before calibration: per output of a non-affine node, the
 * typical cost of its family at ~15-bit values (a smooth function: about 100; a comparison or
 * rescale: ~20 bits), plus the inputs' cost (inputsEstimate).
 */
export function estimateGraphConstraints(nodes: readonly FloatNode[], inputCost: number): number {
  let n = inputCost;
  for (const node of nodes) n += estimateNode(node, "typical");
  return Math.round(n);
}

/** Whether an import-time estimate refuses the model up front (see UPFRONT_SLACK). */
export const overUpfront = (estimate: number): boolean => estimate > UPFRONT_SLACK * MAX_GRAPH_CONSTRAINTS;

/** The refusal for an import-time estimate over UPFRONT_SLACK times the limit. */
export function tooLarge(source: string, estimate: number, when: string): ModelTooLargeError {
  return new ModelTooLargeError(
    `${source} is too large for this machine: about ${Math.round(estimate).toLocaleString("en-US")} constraints estimated ${when}, ` +
      `over ${UPFRONT_SLACK} times the limit of ${MAX_GRAPH_CONSTRAINTS.toLocaleString("en-US")} (set ZKINFER_MAX_CONSTRAINTS to change it).`,
    Math.round(estimate),
  );
}

/** Refuses a calibrated model whose circuit (circuitConstraints) passes the limit: before compiling, not after. */
export function checkCircuitSize(ir: ModelIR, source: string): void {
  const n = circuitConstraints(ir);
  if (n > MAX_GRAPH_CONSTRAINTS)
    throw new ModelTooLargeError(
      `${source} is too large for this machine: its circuit counts ${n.toLocaleString("en-US")} constraints at its calibrated widths ` +
        `(limit ${MAX_GRAPH_CONSTRAINTS.toLocaleString("en-US")}, set ZKINFER_MAX_CONSTRAINTS to change it).`,
      n,
    );
}

/**
 * circomlib's EdDSAPoseidonVerifier, BabyCheck and the key hash's Poseidon(2) (circuits/lib/attestation.circom
 * AttestationCheck), as circom -O2 counts them: measured once on credit-score-attested against credit-score.
 */
const ATTESTATION_CHECK = 4_436;

/** The chained Poseidon over n values (prover/model/poseidon.ts poseidonChunks: 16, then the running hash + 15). */
function poseidonChain(n: number): number {
  return poseidonChunks(n).reduce((a, size, i) => a + cost.poseidon(i === 0 ? size : size + 1), 0);
}

/**
 * The constraints of the circuit prover/circuit/codegen.ts generates for `ir`, as circom -O2 counts
 * them, from the lowered widths: each graph node's family's own count (prover/graph/cost.ts), the
 * inputs' range checks and commitment, the outputs slot, the public-input bindings. It is the gate
 * after calibration (check-onnx, the conformance runner); test/onnx/estimate.test.ts holds it
 * against circom's count.
 */
export function circuitConstraints(ir: ModelIR): number {
  let n = 0;
  for (const node of ir.graph.nodes) n += nodeConstraints(node);
  const publicInputs = ir.visibility.inputs === "public";
  if (publicInputs)
    n += 1; // BindPublicAll
  else {
    for (const f of ir.features) n += cost.inRange(f.qmax - f.qmin);
    n += poseidonChain(inputPackingLayout(ir.features).length + 1);
  }
  // A public output whose value is a constant keeps its assignment as a linear constraint.
  if (ir.visibility.outputs === "public") n += ir.outputs.length;
  else if (ir.visibility.outputs === "threshold") {
    const b = ir.outputs[0]!.bounds;
    n += cost.isNonNegative(bitLength(b.hi - b.lo) + 1);
  } else n += poseidonChain(ir.outputs.length + 1);
  for (const e of ir.extraOutputs ?? []) if (e.kind === "poseidon") n += cost.poseidon(e.features.length);
  if (ir.visibility.weights === "private") {
    for (const seg of weightSegments(ir)) n += seg.count * cost.num2Bits(seg.bits);
    n += poseidonChain(commitmentLayout(ir, 0n).length);
  }
  // BindPublic: a square per public input (subject, nonce; with an attestation, the key hash and window).
  n += ir.attestation ? 4 : 2;
  if (ir.attestation) n += poseidonChain(ir.features.length + 5) + ATTESTATION_CHECK + 2 * cost.num2Bits(TIMESTAMP_BITS);
  return n;
}
