/**
 * The one table of operator families. To add a family: write ./families/<family>.ts implementing
 * Family<Params, QParams> (./types.ts), and its gadget in circuits/lib/<family>.circom, then add it
 * to FamilyTypes and FAMILIES here. Nothing else in the core changes: lowering, the interpreter,
 * the commitment and codegen dispatch through this table.
 *
 * Typing: a lowered node carries its family's name, and the table is a mapped type over
 * FamilyTypes, so `FAMILIES[node.family]` is the family of exactly that node's parameter types
 * (TypeScript's correlated-union pattern): no parameter is read untyped and nothing is cast.
 */
import type { Interval } from "./interval.js";
import type { EmitContext, Family, FloatNode, LowerContext, QNode } from "./types.js";
import { affine, type AffineParams, type AffineQ } from "./families/affine.js";
import { compare, type CompareParams, type CompareQ } from "./families/compare.js";
import { div, type DivParams, type DivQ } from "./families/div.js";
import { fn, type FnParams, type FnQ } from "./families/fn.js";
import { maxmin, type MaxMinParams, type MaxMinQ } from "./families/maxmin.js";
import { mul, type MulParams, type MulQ } from "./families/mul.js";
import { round, type RoundParams, type RoundQ } from "./families/round.js";
import { requirement, type RequireParams, type RequireQ } from "./families/require.js";
import { topk, type TopKParams, type TopKQ } from "./families/topk.js";
import { tree, type TreeParams, type TreeQ } from "./families/tree.js";
import { relativeChange, type RelativeChangeParams, type RelativeChangeQ } from "./families/relativeChange.js";
import { signalHead, type SignalHeadParams, type SignalHeadQ } from "./families/signalHead.js";

/** Each family's float-node parameters P and lowered-node parameters Q. */
interface FamilyTypes {
  affine: { p: AffineParams; q: AffineQ };
  fn: { p: FnParams; q: FnQ };
  compare: { p: CompareParams; q: CompareQ };
  maxmin: { p: MaxMinParams; q: MaxMinQ };
  mul: { p: MulParams; q: MulQ };
  div: { p: DivParams; q: DivQ };
  round: { p: RoundParams; q: RoundQ };
  topk: { p: TopKParams; q: TopKQ };
  requirement: { p: RequireParams; q: RequireQ };
  tree: { p: TreeParams; q: TreeQ };
  relativeChange: { p: RelativeChangeParams; q: RelativeChangeQ };
  signalHead: { p: SignalHeadParams; q: SignalHeadQ };
}

export type FamilyName = keyof FamilyTypes;

type FamilyTable = { [F in FamilyName]: Family<FamilyTypes[F]["p"], FamilyTypes[F]["q"]> };

const TABLE: FamilyTable = { affine, fn, compare, maxmin, mul, div, round, topk, requirement, tree, relativeChange, signalHead };

/** Every family, in registration order (for reports and the circuit library's include check). */
export const FAMILIES: readonly { ops: readonly string[]; includes: readonly string[] }[] = Object.values(TABLE);

/** A lowered node of family F, as the IR stores it. */
export type GraphNodeOf<F extends FamilyName> = QNode<FamilyTypes[F]["q"]> & { family: F };

/** A lowered node of any family (a union discriminated by `family`). */
export type GraphNode = { [F in FamilyName]: GraphNodeOf<F> }[FamilyName];

/** The graph layer in the model IR. */
export interface GraphOp {
  kind: "graph";
  /** Scale and intervals of the inputs (the previous layer's values). */
  inScale: number;
  in: Interval[];
  nodes: GraphNode[];
  outputs: number[];
  /** Per output: scale, interval, error (the tape entries of `outputs`). */
  outScales: number[];
  out: Interval[];
  outErr: number[];
  /** Every gadget width, for reports (max bits). */
  gadgetBits: number[];
}

/** The families' names, in registration order. */
const NAMES: readonly FamilyName[] = [
  "affine",
  "fn",
  "compare",
  "maxmin",
  "mul",
  "div",
  "round",
  "topk",
  "requirement",
  "tree",
  "relativeChange",
  "signalHead",
];
if (NAMES.length !== Object.keys(TABLE).length) throw new Error("graph/registry.ts: NAMES must list every family of TABLE");

const byOp = new Map<string, FamilyName>();
for (const family of NAMES) {
  for (const op of TABLE[family].ops) {
    if (byOp.has(op)) throw new Error(`graph op "${op}" is registered twice`);
    byOp.set(op, family);
  }
}

/** The family name of a node op; throws naming the op and the known ones. */
export function familyNameOf(op: string): FamilyName {
  const f = byOp.get(op);
  if (f === undefined) throw new Error(`unknown graph op "${op}" (known: ${[...byOp.keys()].join(", ")})`);
  return f;
}

/** The float-side rules of a node's family, over nodes whose parameters are not yet checked. */
export interface FloatRules {
  includes: readonly string[];
  /** Checks the node's parameters (throws naming the parameter) and returns its number of outputs. */
  validate(node: FloatNode, tapeLength: number): number;
  /** The float semantics of a node (its parameters are checked first). */
  evalFloat(node: FloatNode, x: readonly number[]): number[];
}

function floatRules<F extends FamilyName>(name: F): FloatRules {
  const family: FamilyTable[F] = TABLE[name];
  return {
    includes: family.includes,
    validate(node, tapeLength) {
      family.check(node, tapeLength);
      return family.outputs(node);
    },
    evalFloat(node, x) {
      family.check(node, Number.MAX_SAFE_INTEGER);
      return family.evalFloat(node, x);
    },
  };
}

/** The float-side rules of the family of `op`; throws naming the op and the known ones. */
export function familyOf(op: string): FloatRules {
  return floatRules(familyNameOf(op));
}

/** Lowers one float node (its parameters checked first) by its family; `inScales` are its arguments' scales. */
export function lowerNode(node: FloatNode, ctx: LowerContext, inScales: number[]): GraphNode {
  // One case per family: each narrows the name, so each result is that family's member of GraphNode.
  const name = familyNameOf(node.op);
  switch (name) {
    case "affine":
      return lowerAs(name, node, ctx, inScales);
    case "fn":
      return lowerAs(name, node, ctx, inScales);
    case "compare":
      return lowerAs(name, node, ctx, inScales);
    case "maxmin":
      return lowerAs(name, node, ctx, inScales);
    case "mul":
      return lowerAs(name, node, ctx, inScales);
    case "div":
      return lowerAs(name, node, ctx, inScales);
    case "round":
      return lowerAs(name, node, ctx, inScales);
    case "topk":
      return lowerAs(name, node, ctx, inScales);
    case "requirement":
      return lowerAs(name, node, ctx, inScales);
    case "tree":
      return lowerAs(name, node, ctx, inScales);
    case "relativeChange":
      return lowerAs(name, node, ctx, inScales);
    case "signalHead":
      return lowerAs(name, node, ctx, inScales);
    default:
      return name satisfies never;
  }
}

function lowerAs<F extends FamilyName>(name: F, node: FloatNode, ctx: LowerContext, inScales: number[]): GraphNodeOf<F> {
  const family: FamilyTable[F] = TABLE[name];
  family.check(node, Number.MAX_SAFE_INTEGER);
  return Object.assign(family.lower(node, ctx), { inScales, family: name });
}

/** A float node checked once, for repeated evaluation (calibration evaluates a graph per sample). */
export interface CheckedFloatNode {
  args: number[];
  evalFloat(x: readonly number[]): number[];
}

/** Checks a float node once and binds its family's float semantics to it. */
export function checkedFloatNode(node: FloatNode): CheckedFloatNode {
  return bindFloat(familyNameOf(node.op), node);
}

function bindFloat<F extends FamilyName>(name: F, node: FloatNode): CheckedFloatNode {
  const family: FamilyTable[F] = TABLE[name];
  family.check(node, Number.MAX_SAFE_INTEGER);
  return { args: node.args, evalFloat: (x) => family.evalFloat(node, x) };
}

/** Exact integer semantics of a lowered node. */
export function interpretNode<F extends FamilyName>(node: GraphNodeOf<F>, x: readonly bigint[]): bigint[] {
  const family: FamilyTable[F] = TABLE[node.family];
  return family.interpret(node, x);
}

/** Commitment preimage of a lowered node's parameters. */
export function nodePreimage<F extends FamilyName>(node: GraphNodeOf<F>): bigint[] {
  const family: FamilyTable[F] = TABLE[node.family];
  return family.preimage(node);
}

/** The circuit of a lowered node. */
export function emitNode<F extends FamilyName>(node: GraphNodeOf<F>, ctx: EmitContext): void {
  const family: FamilyTable[F] = TABLE[node.family];
  family.emit(node, ctx);
}

/** Constraints of a lowered node's circuit (circom -O2). */
export function nodeConstraints<F extends FamilyName>(node: GraphNodeOf<F>): number {
  const family: FamilyTable[F] = TABLE[node.family];
  return family.constraints(node);
}

/** circuits/lib files a lowered node's circuit uses. */
export function nodeIncludes(node: GraphNode): readonly string[] {
  return TABLE[node.family].includes;
}

/** The op's name as one field element (ASCII, at most 31 bytes), for the commitment. */
export function opCode(op: string): bigint {
  if (op.length > 31) throw new Error(`graph op name "${op}" is longer than 31 bytes`);
  return BigInt("0x" + Buffer.from(op).toString("hex"));
}
