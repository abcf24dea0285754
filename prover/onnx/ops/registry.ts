/**
 * The ONNX operators zkinfer compiles: one table of handlers, each giving its operator types, the
 * opsets it covers (from `since`, the operator's first version in the default domain or 6, the
 * oldest opset zkinfer reads, to CURRENT_OPSET) and its import function. A handler reads the
 * model's opset (NodeContext.opset) where the operator's semantics changed between versions
 * (attributes that became inputs, Softmax's axis before 13...), so every version is normalised to
 * one form on import. Nothing else knows the list of supported operators: it is this table's keys.
 */
import type { NodeContext } from "./context.js";
import { HANDLERS as activations } from "./activations.js";
import { HANDLERS as arithmetic } from "./arithmetic.js";
import { HANDLERS as constants } from "./constants.js";
import { HANDLERS as conv } from "./conv.js";
import { HANDLERS as indexing } from "./indexing.js";
import { HANDLERS as linear } from "./linear.js";
import { HANDLERS as logic } from "./logic.js";
import { HANDLERS as movement } from "./movement.js";
import { HANDLERS as normalization } from "./normalization.js";
import { HANDLERS as recurrent } from "./recurrent.js";
import { HANDLERS as reduce } from "./reduce.js";
import { HANDLERS as trees } from "./trees.js";

/** The oldest opset zkinfer reads: older models are refused (re-export them). */
export const OLDEST_OPSET = 6;
/**
 * The operators of the default domain that got a new version at opsets 2 to 6 (onnx docs/Changelog.md,
 * "Version 2" to "Version 6"). A model at an opset k below 6 whose operators have none of their
 * versions in (k, 6] uses the very definitions opset 6 uses (Not-1, Transpose-1, Softmax-1...): it is
 * read as opset 6 (readOpset). Any other model older than 6 is refused: re-export it.
 */
const VERSIONS_2_TO_6: Record<string, number[]> = {
  GlobalLpPool: [2],
  LpPool: [2],
  Pad: [2],
  Split: [2],
  GRU: [3],
  Concat: [4],
  Reshape: [5],
  ...Object.fromEntries(
    [
      "Abs",
      "Add",
      "BatchNormalization",
      "Cast",
      "Ceil",
      "Clip",
      "Div",
      "Dropout",
      "Elu",
      "Exp",
      "Floor",
      "Gemm",
      "HardSigmoid",
      "InstanceNormalization",
      "LeakyRelu",
      "Log",
      "Max",
      "Mean",
      "Min",
      "Mul",
      "Neg",
      "PRelu",
      "Reciprocal",
      "Relu",
      "Selu",
      "Sigmoid",
      "Sqrt",
      "Sub",
      "Sum",
      "Tanh",
      "Tile",
    ].map((op) => [op, [6]]),
  ),
};

/**
 * The opset the importer reads a model at: its own from OLDEST_OPSET on; an older one as
 * OLDEST_OPSET when no operator it uses changed in between (VERSIONS_2_TO_6), else undefined
 * (refused). Operators of other domains are not concerned.
 */
export function readOpset(opset: number, ops: readonly { opType: string; domain: string }[]): number | undefined {
  if (opset <= 0 || opset >= OLDEST_OPSET) return opset;
  const changed = ops.some((n) => (!n.domain || n.domain === "ai.onnx") && (VERSIONS_2_TO_6[n.opType] ?? []).some((v) => v > opset));
  return changed ? undefined : OLDEST_OPSET;
}

/** The newest opset of the default domain this importer was checked against (ONNX 1.23). */
export const CURRENT_OPSET = 28;

export interface OpHandler {
  /** ONNX operator types of the default domain ("" / "ai.onnx"). */
  types: readonly string[];
  /** The first opset the handler covers (it covers every opset from there to CURRENT_OPSET). */
  since: number;
  /** Adds the node's outputs to the context (or throws UnsupportedOperatorError with the reason). */
  import(c: NodeContext): void;
}

const GROUPS: readonly (readonly OpHandler[])[] = [
  constants,
  movement,
  indexing,
  arithmetic,
  logic,
  activations,
  linear,
  conv,
  reduce,
  normalization,
  recurrent,
];

const byType = new Map<string, OpHandler>();
for (const h of GROUPS.flat())
  for (const t of h.types) {
    if (byType.has(t)) throw new Error(`ONNX operator ${t} has two handlers`);
    byType.set(t, h);
  }

/** Handlers of the ai.onnx.ml domain (scikit-learn's exported trees); `since` is that domain's version. */
const mlByType = new Map<string, OpHandler>(trees.flatMap((h) => h.types.map((t) => [t, h] as const)));

/** The handler of an operator at the model's opset, or undefined when zkinfer does not compile it. */
export function handlerOf(opType: string, domain: string): OpHandler | undefined {
  if (domain === "ai.onnx.ml") return mlByType.get(opType);
  if (domain && domain !== "ai.onnx") return undefined;
  return byType.get(opType);
}

/** The ai.onnx.ml operators zkinfer compiles (docs/ONNX.md). */
export function supportedMlOperators(): string[] {
  return [...mlByType.keys()].sort();
}

/** Every supported operator with the opsets it covers, sorted by name (docs/ONNX.md, messages). */
export function supportedOperators(): { op: string; since: number; until: number }[] {
  return [...byType].map(([op, h]) => ({ op, since: Math.max(OLDEST_OPSET, h.since), until: CURRENT_OPSET })).sort((a, b) => a.op.localeCompare(b.op));
}
