/**
 * Max / min family: "max" and "min" over groups of args (ReduceMax/Min, MaxPool, elementwise
 * Max/Min of several tensors) and "argmax" over all args (ties to the lowest index).
 *
 * A running maximum m <- m + relu(x - m) (MaxStep, activation.circom): one ReLU gadget of K + 1
 * constraints per step, K from the proven interval of x - m, so m is forced to the true maximum.
 * min(x) = -max(-x). Operands are aligned to the group's common scale for free.
 * Error rule: max and min are 1-Lipschitz in the sup norm: the group's largest input error. ArgMax
 * is discrete (its bound is its index jump: exact inputs give 0, else the group size - 1).
 */
import type { Interval } from "../interval.js";
import type { Family, FloatNode, ValueInfo } from "../types.js";
import { bmax, bmin, field, jumpError } from "../util.js";
import * as cost from "../cost.js";

export interface MaxMinParams {
  /** max/min: position lists into the args, one output each. argmax: absent (one group of all args). */
  groups?: number[][];
}

export interface MaxMinQ {
  groups: number[][];
  /** Per group, the K of each MaxStep (argmax: the one ArgMax K). */
  steps: number[][];
  /** Per group, the common scale its operands are aligned to. */
  scales: number[];
}

const groupsOf = (node: FloatNode<MaxMinParams>) => (node.op === "argmax" || node.groups === undefined ? [node.args.map((_, i) => i)] : node.groups);

/** Checks `groups`: a non-empty list of non-empty position lists into `args` args (at least `min` each). */
export function checkGroups(groups: unknown, args: number, min = 1): void {
  if (!Array.isArray(groups) || groups.length === 0) throw new Error(`"groups" must be a non-empty array of position lists`);
  groups.forEach((g: unknown, i) => {
    if (!Array.isArray(g) || g.length < min || g.some((p) => !Number.isInteger(p) || p < 0 || p >= args))
      throw new Error(
        min > 1
          ? `groups[${i}] must list at least k = ${min} positions into the node's ${args} args`
          : `groups[${i}] must list positions into the node's ${args} args`,
      );
  });
}

export const maxmin: Family<MaxMinParams, MaxMinQ> = {
  ops: ["max", "min", "argmax"],
  includes: ["circuits/lib/activation.circom", "circuits/lib/argmax.circom"],
  check(node) {
    checkGroups(node.op === "argmax" ? [node.args.map((_, i) => i)] : field(node, "groups"), node.args.length);
  },
  outputs(node) {
    return groupsOf(node).length;
  },
  evalFloat(node, x) {
    if (node.op === "argmax") {
      let best = 0;
      x.forEach((v, i) => (v > x[best]! ? (best = i) : 0));
      return [best];
    }
    const f = node.op === "max" ? Math.max : Math.min;
    return groupsOf(node).map((g) => f(...g.map((p) => x[p]!)));
  },
  lower(node, ctx) {
    const ins = node.args.map((a) => ctx.value(a));
    const sign = node.op === "min" ? -1n : 1n;
    const steps: number[][] = [];
    const scales: number[] = [];
    const outs: ValueInfo[] = groupsOf(node).map((g, gi) => {
      const S = Math.max(...g.map((p) => ins[p]!.scale));
      const iv = (p: number): Interval => {
        const f = 1n << BigInt(S - ins[p]!.scale);
        const a = { lo: ins[p]!.iv.lo * f, hi: ins[p]!.iv.hi * f };
        return sign === 1n ? a : { lo: -a.hi, hi: -a.lo };
      };
      let m = iv(g[0]!);
      const ks = g.slice(1).map((p) => {
        const x = iv(p);
        const k = ctx.gadgetK({ lo: x.lo - m.hi, hi: x.hi - m.lo }, 0, `group ${gi}`);
        m = { lo: bmax(m.lo, x.lo), hi: bmax(m.hi, x.hi) };
        return k;
      });
      scales.push(S);
      const err = Math.max(...g.map((p) => ins[p]!.err));
      if (node.op === "argmax") {
        // ArgMax's K bounds every pairwise difference.
        const lo = g.map(iv).reduce((a, b) => bmin(a, b.lo), iv(g[0]!).lo);
        const hi = g.map(iv).reduce((a, b) => bmax(a, b.hi), iv(g[0]!).hi);
        steps.push([ctx.gadgetK({ lo: lo - hi, hi: hi - lo }, 0, "argmax")]);
        return {
          scale: 0,
          iv: { lo: 0n, hi: BigInt(g.length - 1) },
          err: jumpError(
            g.map((p) => ins[p]!.err),
            g.length - 1,
          ),
        };
      }
      steps.push(ks);
      return { scale: S, iv: sign === 1n ? m : { lo: -m.hi, hi: -m.lo }, err };
    });
    return { op: node.op, args: node.args, name: node.name, outs, groups: groupsOf(node), steps, scales };
  },
  interpret(node, x) {
    const { inScales, scales } = node;
    return node.groups.map((g, gi) => {
      const al = (p: number) => x[p]! << BigInt(scales[gi]! - inScales[p]!);
      if (node.op === "argmax") {
        let best = 0;
        g.forEach((p, i) => (al(p) > al(g[best]!) ? (best = i) : 0));
        return BigInt(best);
      }
      const vals = g.map(al);
      return node.op === "max" ? vals.reduce(bmax) : vals.reduce(bmin);
    });
  },
  preimage(node) {
    const out: bigint[] = [BigInt(node.groups.length)];
    node.groups.forEach((g, gi) => out.push(BigInt(g.length), ...g.map(BigInt), BigInt(node.scales[gi]!), ...node.steps[gi]!.map(BigInt)));
    return out;
  },
  constraints(node) {
    return node.groups.reduce((a, g, gi) => {
      const ks = node.steps[gi]!;
      if (node.op !== "argmax") return a + ks.reduce((b, k) => b + cost.maxStep(k), 0);
      const k = ks[0]!;
      return a + (g.length - 1) * (cost.maxStep(k) + 1) + g.length * cost.isNonNegative(k);
    }, 0);
  },
  emit(node, ctx) {
    const { inScales, scales } = node;
    node.groups.forEach((g, gi) => {
      const S = scales[gi]!;
      const al = (p: number) => {
        const sh = S - inScales[p]!;
        const r = ctx.ref(node.args[p]!);
        const v = sh === 0 ? r : `${1n << BigInt(sh)} * ${r}`;
        return node.op === "min" ? `-(${v})` : v;
      };
      const ks = node.steps[gi]!;
      if (node.op === "argmax") {
        ctx.emit(`${ctx.outs[gi]} <== ArgMax(${g.length}, ${ks[0]})([${g.map(al).join(", ")}]);`);
        return;
      }
      let m = al(g[0]!);
      g.slice(1).forEach((p, j) => {
        const next = `${ctx.prefix}_g${gi}_${j}`;
        ctx.emit(`signal ${next} <== MaxStep(${ks[j]})(${m}, ${al(p)});`);
        m = next;
      });
      ctx.emit(`${ctx.outs[gi]} <== ${node.op === "min" ? `-(${m})` : m};`);
    });
  },
};
