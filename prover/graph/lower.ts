/**
 * Graph lowering: float graph (spec) -> quantized graph (IR), node by node in tape order. Each
 * family quantizes its node, applies its range rule (every interval proven; anything that could
 * wrap the field is refused naming the node) and its error rule. The registry then records each
 * argument's scale on the node (families read it in interpret/emit).
 */
import { ModelRangeError } from "../errors.js";
import { gadgetK, type Interval } from "./interval.js";
import { checkedFloatNode, type CheckedFloatNode, familyOf, interpretNode, lowerNode, type GraphNode, type GraphOp } from "./registry.js";
import { append } from "./util.js";
import { FRESH, l1, single, type ErrForm } from "./errform.js";
import type { FixedPointDefaults, FloatNode, GraphSpec, ValueInfo } from "./types.js";

/** A readable name of node k for messages. */
export function nodeLabel(node: FloatNode, k: number): string {
  return `graph node ${k} (${node.op}${node.name ? ` from "${node.name}"` : ""})`;
}

/** Validates the graph's structure: args refer to earlier values, params per family. Returns messages. */
export function validateGraph(g: GraphSpec, inputs: number): string[] {
  const issues: string[] = [];
  let tape = inputs;
  g.nodes.forEach((node, k) => {
    const where = `nodes[${k}]`;
    if (!Array.isArray(node.args) || node.args.some((a) => !Number.isInteger(a) || a < 0 || a >= tape)) {
      issues.push(`${where}.args: each must index an earlier value (0..${tape - 1})`);
      return;
    }
    const bits = node.activationBits;
    if (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= 64)) issues.push(`${where}.activationBits: must be an integer in 0..64`);
    try {
      tape += familyOf(node.op).validate(node, tape);
    } catch (e) {
      issues.push(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  g.outputs.forEach((o, i) => {
    if (!Number.isInteger(o) || o < 0 || o >= tape) issues.push(`outputs[${i}]: must index a value (0..${tape - 1})`);
  });
  return issues;
}

export function lowerGraph(g: GraphSpec, inScale: number, inBounds: Interval[], inErr: number[], fp: FixedPointDefaults): GraphOp {
  // An integer input at a scale >= 0 is quantized exactly (GraphSpec.integerInputs).
  const exact = new Set(inScale >= 0 ? (g.integerInputs ?? []) : []);
  const errs = inErr.map((e, i) => (exact.has(i) ? 0 : e));
  const tape: ValueInfo[] = inBounds.map((iv, i) => ({ scale: inScale, iv, err: errs[i]! }));
  // Error forms (./errform.ts), beside the tape: symbol i is input i's rounding, then one symbol
  // per node output that adds error of its own.
  const forms: (ErrForm | undefined)[] = errs.map((e, i) => (Number.isFinite(e) ? single(i, e) : undefined));
  let symbols = errs.length;
  const nodes: GraphNode[] = [];
  const gadgetBits: number[] = [];
  g.nodes.forEach((node, k) => {
    const where = nodeLabel(node, k);
    const q = lowerNode(
      node,
      {
        value: (i) => {
          const v = tape[i];
          if (!v) throw new ModelRangeError(`${where}: reads value ${i}, which is not computed yet`);
          const form = forms[i];
          return form ? { ...v, form } : v;
        },
        fp: node.activationBits === undefined ? fp : { ...fp, activationBits: node.activationBits },
        where,
        gadgetK: (iv, shift, what) => {
          const k2 = gadgetK(iv, shift, what ? `${where} ${what}` : where);
          gadgetBits.push(k2);
          return k2;
        },
      },
      node.args.map((a) => tape[a]!.scale),
    );
    for (const o of q.outs) {
      // A family without an error form gives its output a fresh symbol of its scalar bound.
      let form = o.form ?? (Number.isFinite(o.err) ? { sym: [FRESH], c: [o.err] } : undefined);
      delete o.form;
      if (form && form.sym[0] === FRESH) {
        const id = symbols++;
        form = { sym: [...form.sym.slice(1), id], c: [...form.c.slice(1), form.c[0]!] };
      }
      // The form proves at most err (both are sound; keep the tighter).
      if (form) o.err = Math.min(o.err, l1(form));
      forms.push(form);
    }
    nodes.push(q);
    append(tape, q.outs);
  });
  const outs = g.outputs.map((o) => tape[o]!);
  return {
    kind: "graph",
    inScale,
    in: inBounds,
    nodes,
    outputs: g.outputs,
    outScales: outs.map((v) => v.scale),
    out: outs.map((v) => v.iv),
    outErr: outs.map((v) => v.err),
    gadgetBits,
  };
}

/** Exact integer semantics of the whole graph: the outputs. */
export function runGraph(op: GraphOp, inputs: readonly bigint[]): bigint[] {
  const tape = runGraphTape(op, inputs);
  return op.outputs.map((o) => tape[o]!);
}

/** Every value of the graph in tape order: the inputs, then each node's outputs. */
export function runGraphTape(op: GraphOp, inputs: readonly bigint[]): bigint[] {
  const tape = [...inputs];
  for (const node of op.nodes) {
    const out = interpretNode(
      node,
      node.args.map((a) => tape[a]!),
    );
    if (out.length !== node.outs.length) throw new Error(`${node.op}: interpreter gave ${out.length} values for ${node.outs.length} outputs`);
    append(tape, out);
  }
  return tape;
}

/** The float graph's values: the tape (inputs and every node's outputs). */
export function evalFloatGraph(g: GraphSpec, inputs: readonly number[]): number[] {
  const tape = [...inputs];
  for (const node of checkedNodes(g)) append(tape, node.evalFloat(node.args.map((a) => tape[a]!)));
  return tape;
}

/** The graph's nodes with their parameters checked, once per graph (calibration evaluates it per sample). */
const checked = new WeakMap<GraphSpec, CheckedFloatNode[]>();
function checkedNodes(g: GraphSpec): CheckedFloatNode[] {
  let nodes = checked.get(g);
  if (!nodes) checked.set(g, (nodes = g.nodes.map(checkedFloatNode)));
  return nodes;
}
