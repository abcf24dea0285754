/**
 * How large a circuit will be, before anything is compiled: a model too large for this machine is
 * refused up front from this estimate, not after minutes of importing and compiling.
 */
import { OnnxImportError } from "../errors.js";
import { FUNCTIONS } from "../graph/functions.js";
import { fn } from "../graph/families/fn.js";
import { maxmin } from "../graph/families/maxmin.js";
import { topk, topkSchedule } from "../graph/families/topk.js";
import { familyOf } from "../graph/registry.js";
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

/** Refuse above this many estimated constraints: compiling and proving would take hours here. */
export const MAX_GRAPH_CONSTRAINTS = Number(process.env.ZKINFER_MAX_CONSTRAINTS ?? 600_000);

/** Cost per input value: its range check and its share of the commitment. */
export const PER_INPUT = 80;

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

/** Rough constraints of one float node (see estimateGraphConstraints). */
export function estimateNode(node: FloatNode): number {
  if (node.op === "affine") return 0;
  if (node.op === "topk") {
    topk.check(node, Number.MAX_SAFE_INTEGER);
    // Per compare-exchange: a ~20-bit sign bit and a product (two with the indices).
    let n = 0;
    for (const g of node.groups) n += topkSchedule(g.length, node.k).length * (node.indices ? 24 : 23);
    return n;
  }
  const outs = familyOf(node.op).validate(node, Number.MAX_SAFE_INTEGER);
  let unit = PER_OUTPUT[node.op] ?? 22;
  if (node.op === "fn") {
    fn.check(node, Number.MAX_SAFE_INTEGER);
    if (FUNCTIONS[node.fn]?.kinks) unit = 30;
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
 * typical cost of its family at ~16-bit values (a piecewise-linear function: a dozen ReLU gadgets;
 * a comparison or rescale: ~20 bits), plus the inputs' range checks and commitment.
 */
export function estimateGraphConstraints(nodes: readonly FloatNode[], inputs: number): number {
  let n = inputs * PER_INPUT;
  for (const node of nodes) n += estimateNode(node);
  return Math.round(n);
}

/** The refusal for an estimate above the limit. */
export function tooLarge(source: string, estimate: number, when: string): ModelTooLargeError {
  return new ModelTooLargeError(
    `${source} is too large for this machine: about ${Math.round(estimate).toLocaleString("en-US")} constraints estimated ${when} ` +
      `(limit ${MAX_GRAPH_CONSTRAINTS.toLocaleString("en-US")}, set ZKINFER_MAX_CONSTRAINTS to change it).`,
    Math.round(estimate),
  );
}
