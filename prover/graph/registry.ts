/**
 * The one table of operator families. To add a family: write ./families/<family>.ts implementing
 * Family (./types.ts), and its gadget in circuits/lib/<family>.circom, then add it here. Nothing
 * else in the core changes: lowering, the interpreter, the commitment and codegen dispatch on
 * `node.op` through this table.
 */
import type { Family } from "./types.js";
import { affine } from "./families/affine.js";
import { compare } from "./families/compare.js";
import { div } from "./families/div.js";
import { fn } from "./families/fn.js";
import { maxmin } from "./families/maxmin.js";
import { mul } from "./families/mul.js";
import { requirement } from "./families/require.js";
import { round } from "./families/round.js";
import { topk } from "./families/topk.js";

export const FAMILIES: readonly Family[] = [affine, fn, compare, maxmin, mul, div, round, topk, requirement];

const byOp = new Map<string, { family: Family; code: number }>();
FAMILIES.forEach((family) =>
  family.ops.forEach((op) => {
    if (byOp.has(op)) throw new Error(`graph op "${op}" is registered twice`);
    byOp.set(op, { family, code: 0 });
  }),
);

/** The family of a node op; throws naming the op and the known ones. */
export function familyOf(op: string): Family {
  const f = byOp.get(op);
  if (!f) throw new Error(`unknown graph op "${op}" (known: ${[...byOp.keys()].join(", ")})`);
  return f.family;
}

/** The op's name as one field element (ASCII, at most 31 bytes), for the commitment. */
export function opCode(op: string): bigint {
  if (op.length > 31) throw new Error(`graph op name "${op}" is longer than 31 bytes`);
  return BigInt("0x" + Buffer.from(op).toString("hex"));
}
