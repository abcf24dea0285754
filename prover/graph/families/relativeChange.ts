/**
 * Relative-change family: out[i] = floor((x[inputs[i]] - x[reference]) * 2^outputBits / x[reference]),
 * the relative change of each selected value against a reference the range analysis proved
 * positive (a window of prices against the latest one: returns). `inputs` and `reference` are
 * positions into the node's args, all at one scale, which the ratio cancels.
 *
 * Circuit: DivFloor (circuits/lib/divide.circom), a constrained quotient and remainder per output.
 * Range rule: n / d is monotone in n and in d on the box (d > 0), so the corners bound the floored
 * quotient; q * den + r must not wrap the field (Q + D + 2 bits). Error rule: with input errors
 * e_x, e_r and the reference at least r_min > e_r, |x'/r' - x/r| <= (e_x + |x| e_r / r_min) /
 * (r_min - e_r), plus the floor's step 2^-outputBits.
 */
import { ModelRangeError } from "../../errors.js";
import { bitLength } from "../../field.js";
import { floorDiv, MAX_GADGET_BITS } from "../interval.js";
import type { Family } from "../types.js";
import { bmax, bmin, field, magnitude } from "../util.js";
import * as cost from "../cost.js";

export interface RelativeChangeParams {
  inputs: number[];
  reference: number;
  outputBits: number;
}

export interface RelativeChangeQ {
  inputs: number[];
  reference: number;
  outScale: number;
  /** The reference lies in [1, 2^denBits). */
  denBits: number;
  /** Per output, K with -2^K <= quotient < 2^K. */
  quotBits: number[];
}

const position = (v: unknown, args: number) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < args;

export const relativeChange: Family<RelativeChangeParams, RelativeChangeQ> = {
  ops: ["relative_change"],
  includes: ["circuits/lib/divide.circom"],
  check(node) {
    const inputs = field(node, "inputs");
    if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((p) => position(p, node.args.length)))
      throw new Error(`"inputs" must be a non-empty list of positions into the node's ${node.args.length} args`);
    if (!position(field(node, "reference"), node.args.length)) throw new Error(`"reference" must be a position into the node's ${node.args.length} args`);
    const bits = field(node, "outputBits");
    if (!Number.isInteger(bits) || (bits as number) < 0 || (bits as number) > 64) throw new Error(`"outputBits" must be an integer in [0, 64]`);
  },
  outputs(node) {
    return node.inputs.length;
  },
  evalFloat(node, x) {
    const r = x[node.reference]!;
    return node.inputs.map((i) => (x[i]! - r) / r);
  },
  lower(node, ctx) {
    const ins = node.args.map((a) => ctx.value(a));
    const ref = ins[node.reference]!;
    const scale = ref.scale;
    if (node.inputs.some((i) => ins[i]!.scale !== scale))
      throw new ModelRangeError(`${ctx.where}: relative_change needs its values at one scale (the reference's 2^${scale})`);
    const den = ref.iv;
    if (den.lo < 1n)
      throw new ModelRangeError(
        `${ctx.where}: the reference value (input ${node.reference}) can reach ${den.lo}; relative_change divides by it, so its declared minimum must be positive.`,
      );
    const one = 1n << BigInt(node.outputBits);
    const denBits = bitLength(den.hi);
    const rMin = Number(den.lo) / 2 ** scale;
    const quotBits: number[] = [];
    const outs = node.inputs.map((i, o) => {
      const x = ins[i]!;
      const n = { lo: (x.iv.lo - den.hi) * one, hi: (x.iv.hi - den.lo) * one };
      const corners = [n.lo, n.hi].flatMap((v) => [floorDiv(v, den.lo), floorDiv(v, den.hi)]);
      const iv = { lo: corners.reduce(bmin), hi: corners.reduce(bmax) };
      const k = ctx.gadgetK(iv, 0, `output ${o}`);
      // q * den + r must not wrap the field: |q| < 2^K, den < 2^denBits.
      if (k + denBits + 2 > MAX_GADGET_BITS)
        throw new ModelRangeError(
          `${ctx.where} output ${o}: quotient times reference needs ${k + denBits + 2} bits; narrow the inputs' ranges or lower outputBits.`,
        );
      quotBits.push(k);
      const err = rMin > ref.err ? (x.err + (magnitude(x.iv, scale) * ref.err) / rMin) / (rMin - ref.err) + 2 ** -node.outputBits : Infinity;
      return { scale: node.outputBits, iv, err };
    });
    return {
      op: node.op,
      args: node.args,
      name: node.name,
      outs,
      inputs: node.inputs,
      reference: node.reference,
      outScale: node.outputBits,
      denBits,
      quotBits,
    };
  },
  interpret(node, x) {
    const den = x[node.reference]!;
    const one = 1n << BigInt(node.outScale);
    return node.inputs.map((i) => floorDiv((x[i]! - den) * one, den));
  },
  preimage(node) {
    return [
      BigInt(node.inputs.length),
      ...node.inputs.map(BigInt),
      BigInt(node.reference),
      BigInt(node.outScale),
      BigInt(node.denBits),
      ...node.quotBits.map(BigInt),
    ];
  },
  constraints(node) {
    return node.quotBits.reduce((a, q) => a + cost.divFloor(q, node.denBits), 0);
  },
  emit(node, ctx) {
    const one = 1n << BigInt(node.outScale);
    const den = ctx.ref(node.args[node.reference]!);
    node.inputs.forEach((i, o) =>
      ctx.emit(`${ctx.outs[o]} <== DivFloor(${node.quotBits[o]}, ${node.denBits})((${ctx.ref(node.args[i]!)} - ${den}) * ${one}, ${den});`),
    );
  },
};
