/**
 * Requirement family: assertOne(x) constrains x = 1 and outputs it. The ONNX importer uses it where
 * ONNX makes an input invalid rather than giving a value: a data-dependent index outside its axis
 * (ONNX Gather/Scatter with an index outside [-n, n) is an error in onnxruntime). The importer passes
 * 1 - [w < 0] - [w >= n] for the wrapped index w: any out-of-range index makes the witness
 * unsatisfiable, so no proof exists; it never selects a neighbouring cell or nothing.
 * One linear constraint per argument (x === 2^scale), no gadget. The float and integer
 * interpreters refuse the input with the same reason, so the prover stops before proving.
 */
import { ModelRangeError } from "../../errors.js";
import type { Family } from "../types.js";

/** assertOne has no parameters. */
export type RequireParams = object;
/** Nor does its lowered form: the output scales (in the commitment) fix every constant. */
export type RequireQ = object;

const refuse = (name: unknown, k: number) =>
  new ModelRangeError(
    `${name ? `node "${String(name)}": ` : ""}a data-dependent index (check ${k}) is outside its axis; ONNX refuses such an input, and no proof exists for it.`,
  );

export const requirement: Family<RequireParams, RequireQ> = {
  ops: ["assertOne"],
  includes: [],
  check(node) {
    if (node.op !== "assertOne") throw new Error(`not a requirement op: ${node.op}`);
    if (node.args.length === 0) throw new Error("assertOne takes at least one argument");
  },
  outputs(node) {
    return node.args.length;
  },
  evalFloat(node, x) {
    x.forEach((v, k) => {
      if (v !== 1) throw refuse(node.name, k);
    });
    return [...x];
  },
  lower(node, ctx) {
    const outs = node.args.map((a) => {
      const v = ctx.value(a);
      const one = 1n << BigInt(v.scale);
      if (v.iv.lo > one || v.iv.hi < one)
        throw new ModelRangeError(`${ctx.where}: its argument can never be 1 (interval [${v.iv.lo}, ${v.iv.hi}] at 2^${v.scale}).`);
      return { scale: v.scale, iv: { lo: one, hi: one }, err: 0 };
    });
    return { op: node.op, args: node.args, name: node.name, outs };
  },
  interpret(node, x) {
    x.forEach((v, k) => {
      if (v !== 1n << BigInt(node.outs[k]!.scale)) throw refuse(node.name, k);
    });
    return [...x];
  },
  preimage() {
    // The output scales (in the registry's part of the preimage) fix every constant here.
    return [];
  },
  constraints(node) {
    return node.args.length;
  },
  emit(node, ctx) {
    node.args.forEach((a, k) => {
      ctx.emit(`${ctx.ref(a)} === ${1n << BigInt(node.outs[k]!.scale)};`);
      ctx.emit(`${ctx.outs[k]} <== ${ctx.ref(a)};`);
    });
  },
};
