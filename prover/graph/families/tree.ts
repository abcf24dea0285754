/**
 * Tree-ensemble family: decision trees summed (scikit-learn TreeEnsemble semantics). A split goes
 * LEFT when x[feature] <= threshold; outputs[k] = base[k] + sum over trees of the reached leaf's
 * value[k]. `feature` is a position into the node's args.
 *
 * Lowering: x <= t (real) at the argument's scale s is q <= floor(t * 2^s) on integers, so a split
 * compares q - T - 1 >= 0 (go right) with T = floor(t * 2^s): one sign bit of K + 1 constraints (K
 * from the proven interval of q - T - 1) and one product for the children's path indicators
 * (TreeSplit, circuits/lib/tree.circom). Leaf values are constants at fp.activationBits in a linear
 * combination of the indicators: free. Range rule: base plus, per tree, the hull of its leaves.
 * Error rule: leaf quantization (half a step per tree and the base) when the inputs are exact;
 * otherwise a split may flip, and the bound is the jump: per tree, its leaves' spread.
 */
import { quantize, dequantize } from "../../model/quantize.js";
import type { Family } from "../types.js";
import { balanced, bmax, bmin, field, jumpError } from "../util.js";
import * as cost from "../cost.js";

export type TreeNodeSpec = { feature: number; threshold: number; left: number; right: number } | { leaf: number[] };

export interface TreeParams {
  base: number[];
  trees: { nodes: TreeNodeSpec[] }[];
}

/** A lowered tree node: a split (feature, integer threshold, children, comparison K) or a leaf. */
export type TreeNodeQ = { feature: number; threshold: bigint; left: number; right: number; compareBits: number } | { leaf: bigint[] };

export interface TreeQ {
  outScale: number;
  base: bigint[];
  trees: TreeNodeQ[][];
}

type TreeSplitSpec = Exclude<TreeNodeSpec, { leaf: number[] }>;
const splitOf = (n: TreeNodeSpec): TreeSplitSpec | null => ("leaf" in n ? null : n);

/** Checks one tree: children after their parent (no cycles), each node but the root reached once. */
function checkTree(nodes: unknown, t: number, args: number, k: number): void {
  if (!Array.isArray(nodes) || nodes.length === 0) throw new Error(`trees[${t}].nodes must be a non-empty array`);
  const parents = new Array<number>(nodes.length).fill(0);
  nodes.forEach((n: unknown, i) => {
    const at = `trees[${t}].nodes[${i}]`;
    if (n === null || typeof n !== "object") throw new Error(`${at} must be a split or a leaf`);
    const leaf = field(n, "leaf");
    if (leaf !== undefined) {
      if (!Array.isArray(leaf) || leaf.length !== k || !leaf.every((v) => typeof v === "number" && Number.isFinite(v)))
        throw new Error(`${at}.leaf must hold ${k} finite numbers (the ensemble's outputs)`);
      return;
    }
    const feature = field(n, "feature");
    if (!Number.isInteger(feature) || (feature as number) < 0 || (feature as number) >= args)
      throw new Error(`${at}.feature must index the node's ${args} args`);
    const threshold = field(n, "threshold");
    if (typeof threshold !== "number" || !Number.isFinite(threshold)) throw new Error(`${at}.threshold must be a finite number`);
    for (const side of ["left", "right"]) {
      const c = field(n, side);
      if (!Number.isInteger(c) || (c as number) <= i || (c as number) >= nodes.length)
        throw new Error(`${at}.${side}: child must come after its parent and exist (${nodes.length} nodes)`);
      parents[c as number]!++;
    }
  });
  parents.forEach((p, i) => {
    if (i > 0 && p !== 1) throw new Error(`trees[${t}].nodes[${i}] is reached ${p} times; every node but the root needs exactly one parent`);
  });
}

/** floor(x * 2^s) exactly for a double x (thresholds must round one defined way: down). */
function floorReal(x: number, s: number): bigint {
  const q = quantize(x, s);
  // quantize rounds half away from zero; step back when that rounded up.
  return Number(q) > x * 2 ** s ? q - 1n : q;
}

export const tree: Family<TreeParams, TreeQ> = {
  ops: ["tree_ensemble"],
  includes: ["circuits/lib/tree.circom"],
  check(node) {
    const base = field(node, "base");
    if (!Array.isArray(base) || base.length === 0 || !base.every((v) => typeof v === "number" && Number.isFinite(v)))
      throw new Error(`"base" must be a non-empty array of finite numbers`);
    const trees = field(node, "trees");
    if (!Array.isArray(trees) || trees.length === 0) throw new Error(`"trees" must be a non-empty array`);
    trees.forEach((t: unknown, i) => checkTree(t !== null && typeof t === "object" ? field(t, "nodes") : undefined, i, node.args.length, base.length));
  },
  outputs(node) {
    return node.base.length;
  },
  evalFloat(node, x) {
    return node.base.map((b, k) => {
      let acc = b;
      for (const t of node.trees) {
        let n = t.nodes[0]!;
        for (let split = splitOf(n); split; split = splitOf(n)) n = t.nodes[x[split.feature]! > split.threshold ? split.right : split.left]!;
        if ("leaf" in n) acc += n.leaf[k]!;
      }
      return acc;
    });
  },
  lower(node, ctx) {
    const ins = node.args.map((a) => ctx.value(a));
    const outScale = ctx.fp.activationBits;
    const base = node.base.map((b) => quantize(b, outScale));
    const trees = node.trees.map((t, ti) =>
      t.nodes.map((n, ni): TreeNodeQ => {
        if ("leaf" in n) return { leaf: n.leaf.map((v) => quantize(v, outScale)) };
        const x = ins[n.feature]!;
        const threshold = floorReal(n.threshold, x.scale);
        const compareBits = ctx.gadgetK({ lo: x.iv.lo - threshold - 1n, hi: x.iv.hi - threshold - 1n }, 0, `tree ${ti} node ${ni}`);
        return { feature: n.feature, threshold, left: n.left, right: n.right, compareBits };
      }),
    );
    const leavesOf = (t: TreeNodeQ[], k: number) => t.flatMap((n) => ("leaf" in n ? [n.leaf[k]!] : []));
    const outs = base.map((b, k) => {
      let lo = b;
      let hi = b;
      let jump = 0;
      let quant = Math.abs(node.base[k]! - dequantize(b, outScale));
      for (const [ti, t] of trees.entries()) {
        const vals = leavesOf(t, k);
        lo += vals.reduce(bmin);
        hi += vals.reduce(bmax);
        jump += dequantize(vals.reduce(bmax) - vals.reduce(bmin), outScale);
        const real = node.trees[ti]!.nodes.flatMap((n) => ("leaf" in n ? [n.leaf[k]!] : []));
        quant += Math.max(...real.map((v, j) => Math.abs(v - dequantize(vals[j]!, outScale))));
      }
      const err = jumpError(
        ins.map((v) => v.err),
        jump,
      );
      return { scale: outScale, iv: { lo, hi }, err: err + quant };
    });
    return { op: node.op, args: node.args, name: node.name, outs, outScale, base, trees };
  },
  interpret(node, x) {
    return node.base.map((b, k) => {
      let acc = b;
      for (const t of node.trees) {
        let n = t[0]!;
        while (!("leaf" in n)) n = t[x[n.feature]! > n.threshold ? n.right : n.left]!;
        acc += n.leaf[k]!;
      }
      return acc;
    });
  },
  preimage(node) {
    const out: bigint[] = [BigInt(node.outScale), BigInt(node.base.length), ...node.base, BigInt(node.trees.length)];
    for (const t of node.trees) {
      out.push(BigInt(t.length));
      for (const n of t) {
        if ("leaf" in n) out.push(0n, ...n.leaf);
        else out.push(1n, BigInt(n.feature), n.threshold, BigInt(n.left), BigInt(n.right), BigInt(n.compareBits));
      }
    }
    return out;
  },
  constraints(node) {
    let n = 0;
    for (const t of node.trees) for (const s of t) if (!("leaf" in s)) n += cost.isNonNegative(s.compareBits) + 1;
    return n;
  },
  emit(node, ctx) {
    const refs = node.args.map((a) => ctx.ref(a));
    const terms: string[][] = node.base.map((b) => (b === 0n ? [] : [String(b)]));
    node.trees.forEach((t, ti) => {
      // reach[n] is 1 when node n is on the input's path: a linear expression over split outputs.
      const reach: string[] = new Array<string>(t.length);
      reach[0] = "1";
      t.forEach((n, ni) => {
        if ("leaf" in n) {
          n.leaf.forEach((v, k) => {
            if (v !== 0n) terms[k]!.push(reach[ni] === "1" ? String(v) : `${v}*(${reach[ni]})`);
          });
          return;
        }
        const right = `${ctx.prefix}_t${ti}_r${ni}`;
        ctx.emit(`signal ${right} <== TreeSplit(${n.compareBits}, ${n.threshold})(${refs[n.feature]}, ${reach[ni]});`);
        reach[n.right] = right;
        reach[n.left] = reach[ni] === "1" ? `1 - ${right}` : `${reach[ni]} - ${right}`;
      });
    });
    terms.forEach((ts, k) => ctx.emit(`${ctx.outs[k]} <== ${ts.length ? balanced(ts) : "0"};`));
  },
};
