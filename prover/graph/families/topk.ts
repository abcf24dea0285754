/**
 * TopK family: the k largest (or smallest) values of each group of args, in order, and optionally
 * their positions in the group (ONNX TopK's Values and Indices; ties keep the lower index first).
 *
 * A partial bubble sort: pass p = 0..k-1 walks j = n-1 down to p+1 and compare-exchanges the
 * neighbours (j-1, j), which bubbles the largest of positions p..n-1 to position p. Each
 * compare-exchange (circuits/lib/sort.circom, CompareExchange) is one constrained sign bit
 * s = [v_j > v_{j-1}] (IsNonNegative(K) of v_j - v_{j-1} - 1: K + 1 constraints) and one product
 * t = s (v_j - v_{j-1}); the pair becomes (v_{j-1} + t, v_j - t), so exactly the sorted pair
 * satisfies the constraints. Swapping only on a strict > keeps equal values in index order (the
 * sort is stable), which is ONNX's tie rule. The indices ride along: one more product per
 * compare-exchange, u = s (i_j - i_{j-1}). Cost: sum_{p<k} (n-1-p) compare-exchanges per group.
 * The smallest are the largest of -x. Operands are aligned to the group's common scale for free.
 *
 * Range rule: a compare-exchange of [a.lo, a.hi] and [b.lo, b.hi] gives max in
 * [max(a.lo, b.lo), max(a.hi, b.hi)] and min in [min(a.lo, b.lo), min(a.hi, b.hi)] (no widening);
 * K bounds v_j - v_{j-1} - 1. Error rule: the j-th order statistic is 1-Lipschitz in the sup norm:
 * each value's error is the group's largest input error. Indices are discrete: exact inputs give
 * exact indices, else the bound is the index jump n - 1.
 */
import type { Interval } from "../interval.js";
import type { Family, ValueInfo } from "../types.js";
import { bmax, bmin, field, jumpError } from "../util.js";
import { checkGroups } from "./maxmin.js";
import * as cost from "../cost.js";

export interface TopKParams {
  /** Position lists into the args: the k extremes of each. */
  groups: number[][];
  k: number;
  /** The largest (else the smallest). */
  largest: boolean;
  /** Also output each value's position in its group. */
  indices?: boolean;
}

export interface TopKQ {
  groups: number[][];
  k: number;
  largest: boolean;
  indices: boolean;
  /** Per group, the K of each compare-exchange, in schedule order. */
  steps: number[][];
  /** Per group, the common scale its operands are aligned to. */
  scales: number[];
}

const withIndices = (node: TopKParams) => node.indices === true;

/** The compare-exchange schedule of a group of n: pairs (j-1, j) in order. */
export function topkSchedule(n: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < k; p++) for (let j = n - 1; j > p; j--) out.push([j - 1, j]);
  return out;
}

/** Runs the network on values (any ordered type): returns [values, positions] of the first k slots. */
function network<T>(v: T[], k: number, greater: (a: T, b: T) => boolean): [T[], number[]] {
  const vals = [...v];
  const idx = v.map((_, i) => i);
  for (const [a, b] of topkSchedule(v.length, k)) {
    if (greater(vals[b]!, vals[a]!)) {
      [vals[a], vals[b]] = [vals[b]!, vals[a]!];
      [idx[a], idx[b]] = [idx[b]!, idx[a]!];
    }
  }
  return [vals.slice(0, k), idx.slice(0, k)];
}

export const topk: Family<TopKParams, TopKQ> = {
  ops: ["topk"],
  includes: ["circuits/lib/sort.circom"],
  check(node) {
    const k = field(node, "k");
    if (typeof k !== "number" || !Number.isInteger(k) || k < 1) throw new Error(`"k" must be a positive integer, got ${JSON.stringify(k)}`);
    if (typeof field(node, "largest") !== "boolean") throw new Error(`"largest" must be true or false`);
    const indices = field(node, "indices");
    if (indices !== undefined && typeof indices !== "boolean") throw new Error(`"indices" must be true or false`);
    checkGroups(field(node, "groups"), node.args.length, k);
  },
  outputs(node) {
    return node.groups.length * node.k * (withIndices(node) ? 2 : 1);
  },
  evalFloat(node, x) {
    const k = node.k;
    const sign = node.largest ? 1 : -1;
    const res = node.groups.map((g) =>
      network(
        g.map((p) => sign * x[p]!),
        k,
        (a, b) => a > b,
      ),
    );
    const vals = res.flatMap(([v]) => v.map((y) => sign * y));
    return withIndices(node) ? [...vals, ...res.flatMap(([, i]) => i)] : vals;
  },
  lower(node, ctx) {
    const ins = node.args.map((a) => ctx.value(a));
    const k = node.k;
    const sign = node.largest ? 1n : -1n;
    const steps: number[][] = [];
    const scales: number[] = [];
    const vals: ValueInfo[] = [];
    const idxs: ValueInfo[] = [];
    node.groups.forEach((g, gi) => {
      const S = Math.max(...g.map((p) => ins[p]!.scale));
      const iv = g.map((p): Interval => {
        const f = 1n << BigInt(S - ins[p]!.scale);
        const a = { lo: ins[p]!.iv.lo * f, hi: ins[p]!.iv.hi * f };
        return sign === 1n ? a : { lo: -a.hi, hi: -a.lo };
      });
      const ks = topkSchedule(g.length, k).map(([a, b], c) => {
        const A = iv[a]!;
        const B = iv[b]!;
        const K = ctx.gadgetK({ lo: B.lo - A.hi - 1n, hi: B.hi - A.lo - 1n }, 0, `group ${gi} compare-exchange ${c}`);
        iv[a] = { lo: bmax(A.lo, B.lo), hi: bmax(A.hi, B.hi) };
        iv[b] = { lo: bmin(A.lo, B.lo), hi: bmin(A.hi, B.hi) };
        return K;
      });
      steps.push(ks);
      scales.push(S);
      const err = Math.max(...g.map((p) => ins[p]!.err));
      for (let j = 0; j < k; j++) {
        const v = iv[j]!;
        vals.push({ scale: S, iv: sign === 1n ? v : { lo: -v.hi, hi: -v.lo }, err });
        idxs.push({
          scale: 0,
          iv: { lo: 0n, hi: BigInt(g.length - 1) },
          err: jumpError(
            g.map((p) => ins[p]!.err),
            g.length - 1,
          ),
        });
      }
    });
    const outs = withIndices(node) ? [...vals, ...idxs] : vals;
    return { op: node.op, args: node.args, name: node.name, outs, groups: node.groups, k, largest: node.largest, indices: withIndices(node), steps, scales };
  },
  interpret(node, x) {
    const { inScales, scales, k } = node;
    const sign = node.largest ? 1n : -1n;
    const res = node.groups.map((g, gi) =>
      network(
        g.map((p) => sign * (x[p]! << BigInt(scales[gi]! - inScales[p]!))),
        k,
        (a, b) => a > b,
      ),
    );
    const vals = res.flatMap(([v]) => v.map((y) => sign * y));
    return node.indices ? [...vals, ...res.flatMap(([, i]) => i.map(BigInt))] : vals;
  },
  preimage(node) {
    const groups = node.groups;
    const out: bigint[] = [BigInt(node.k), node.largest ? 1n : 0n, node.indices ? 1n : 0n, BigInt(groups.length)];
    groups.forEach((g, gi) => {
      out.push(BigInt(g.length));
      for (const p of g) out.push(BigInt(p));
      out.push(BigInt(node.scales[gi]!));
      for (const K of node.steps[gi]!) out.push(BigInt(K));
    });
    return out;
  },
  constraints(node) {
    const each = (k: number) => cost.isNonNegative(k) + 1 + (node.indices ? 1 : 0);
    return node.steps.reduce((a, ks) => a + ks.reduce((b, k) => b + each(k), 0), 0);
  },
  emit(node, ctx) {
    const { inScales, scales, k, groups } = node;
    const G = groups.length;
    groups.forEach((g, gi) => {
      const S = scales[gi]!;
      const ks = node.steps[gi]!;
      // The working values v (= x, or -x for the smallest) and positions, as circom expressions.
      const v = g.map((p) => {
        const sh = S - inScales[p]!;
        const r = ctx.ref(node.args[p]!);
        const a = sh === 0 ? r : `${1n << BigInt(sh)} * ${r}`;
        return node.largest ? a : `-(${a})`;
      });
      const idx = g.map((_, i) => String(i));
      topkSchedule(g.length, k).forEach(([a, b], c) => {
        const p = `${ctx.prefix}_g${gi}_${c}`;
        ctx.emit(`component ${p} = CompareExchange(${ks[c]});`);
        ctx.emit(`${p}.a <== ${v[a]};`);
        ctx.emit(`${p}.b <== ${v[b]};`);
        if (node.indices) {
          // The same swap bit moves the positions: one product (linear while both are constants).
          ctx.emit(`signal ${p}u <== ${p}.s * (${idx[b]} - ${idx[a]});`);
          ctx.emit(`signal ${p}i0 <== ${idx[a]} + ${p}u;`);
          ctx.emit(`signal ${p}i1 <== ${idx[b]} - ${p}u;`);
          idx[a] = `${p}i0`;
          idx[b] = `${p}i1`;
        }
        v[a] = `${p}.hi`;
        v[b] = `${p}.lo`;
      });
      for (let j = 0; j < k; j++) {
        ctx.emit(`${ctx.outs[gi * k + j]} <== ${node.largest ? v[j] : `-(${v[j]})`};`);
        if (node.indices) ctx.emit(`${ctx.outs[G * k + gi * k + j]} <== ${idx[j]};`);
      }
    });
  },
};
