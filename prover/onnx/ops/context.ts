/**
 * The state an operator handler works on: the float graph being built (a tape of values and its
 * nodes), the tensors computed so far, and per node the typed readers of its inputs and
 * attributes. Handlers (./<group>.ts) only call these; nothing here knows any ONNX operator.
 */
import { OnnxImportError, UnsupportedOperatorError } from "../../errors.js";
import { familyOf } from "../../graph/registry.js";
import type { AffineParams } from "../../graph/families/affine.js";
import type { FloatNode } from "../../graph/types.js";
import { estimateNode, overUpfront, tooLarge } from "../estimate.js";
import type { OnnxAttribute, OnnxNode } from "../graph.js";
import { size, strides } from "../shapes.js";
import { broadcastMap, broadcastShape, combine, cst, isConst, isConstLin, unit, type Lin, type TV } from "./lin.js";

/** Expressions longer than this are not keyed structurally (the key would cost more than it saves). */
const KEY_LIMIT = 4096;

/** A hash of an expression's terms and constant (structural keys: equal expressions hash equal). */
function linHash(l: Lin): number {
  let h = Math.imul(l.t.length, 0x9e3779b1) ^ hashNumber(l.c);
  for (let i = 0; i < l.t.length; i++) {
    h = Math.imul(h ^ l.t[i]!, 0x85ebca6b);
    h = Math.imul(h ^ hashNumber(l.w[i]!), 0xc2b2ae35);
  }
  return h ^ (h >>> 16);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function hashNumber(x: number): number {
  f64[0] = x === 0 ? 0 : x; // -0 and 0 are one weight
  return Math.imul(u32[0]! ^ Math.imul(u32[1]!, 0x27d4eb2d), 0x165667b1);
}

/** Whether row r of an affine node is the expression l. */
function rowIs(node: FloatNode<AffineParams>, r: number, l: Lin): boolean {
  const row = node.rows[r]!;
  if (row.b !== l.c || row.p.length !== l.t.length) return false;
  for (let i = 0; i < l.t.length; i++) if (node.args[row.p[i]!] !== l.t[i] || row.w[i] !== l.w[i]) return false;
  return true;
}

function sameLin(a: Lin, b: Lin): boolean {
  if (a.c !== b.c || a.t.length !== b.t.length) return false;
  for (let i = 0; i < a.t.length; i++) if (a.t[i] !== b.t[i] || a.w[i] !== b.w[i]) return false;
  return true;
}

/** The float graph under construction. */
export class GraphBuilder {
  readonly nodes: FloatNode[] = [];
  readonly values = new Map<string, TV>();
  tape: number;
  /** Expressions already on the tape, by identity (weak: a tensor no longer read frees its expressions). */
  private readonly cache = new WeakMap<Lin, number>();
  /**
   * Structural cache of short expressions (a tensor tiled or broadcast into copies is computed once):
   * by hash, the affine rows that computed them (compared term by term: no expression is kept alive).
   */
  private readonly byKey = new Map<number, { node: FloatNode<AffineParams>; r: number; at: number }[]>();
  private running = 0;
  /** Wrapped data-dependent indices (NodeContext.wrapIndex), per index expression and axis size. */
  readonly wrapped = new Map<Lin, Map<string, Lin>>();

  constructor(
    readonly source: string,
    readonly opset: number,
    readonly inputSize: number,
    /** The inputs' import-time cost (estimate.ts inputsEstimate). */
    readonly inputCost: number,
  ) {
    this.tape = inputSize;
  }

  private lookup(l: Lin, h: number): number | undefined {
    for (const e of this.byKey.get(h) ?? []) if (rowIs(e.node, e.r, l)) return e.at;
    return undefined;
  }

  /** Tape indexes of the expressions (one affine node for those not already tape values). */
  materialize(lins: readonly Lin[], name?: string): number[] {
    const out = new Array<number>(lins.length);
    const pending: number[] = [];
    const hashes = new Map<number, number>();
    const fresh = new Map<number, number[]>(); // same expression twice in this batch: one row
    const dup: [number, number][] = [];
    lins.forEach((l, i) => {
      const keyed = l.t.length <= KEY_LIMIT;
      const h = keyed ? linHash(l) : 0;
      const hit = this.cache.get(l) ?? (keyed ? this.lookup(l, h) : undefined);
      if (hit !== undefined) out[i] = hit;
      else if (l.t.length === 1 && l.w[0] === 1 && l.c === 0) out[i] = l.t[0]!;
      else {
        const bucket = keyed ? fresh.get(h) : undefined;
        const seen = bucket?.find((j) => sameLin(lins[j]!, l));
        if (seen !== undefined) dup.push([i, seen]);
        else {
          if (keyed) {
            hashes.set(i, h);
            if (bucket) bucket.push(i);
            else fresh.set(h, [i]);
          }
          pending.push(i);
        }
      }
    });
    if (pending.length) {
      const args = new Map<number, number>();
      const rows = pending.map((i) => {
        const l = lins[i]!;
        const p = l.t.map((t) => {
          let k = args.get(t);
          if (k === undefined) args.set(t, (k = args.size));
          return k;
        });
        // Expressions are never mutated: the row shares the weights.
        return { p, w: l.w, b: l.c };
      });
      const first = this.tape;
      const node: FloatNode<AffineParams> = { op: "affine", args: [...args.keys()], rows, ...(name ? { name } : {}) };
      this.nodes.push(node);
      this.tape += rows.length;
      pending.forEach((i, r) => {
        out[i] = first + r;
        this.cache.set(lins[i]!, first + r);
        const h = hashes.get(i);
        if (h !== undefined) {
          const e = { node, r, at: first + r };
          const bucket = this.byKey.get(h);
          if (bucket) bucket.push(e);
          else this.byKey.set(h, [e]);
        }
      });
    }
    for (const [i, j] of dup) out[i] = out[j]!;
    return out;
  }

  /** Appends a family node (or folds it when every argument is constant); returns its outputs. */
  apply(op: string, argLins: readonly Lin[], params: Record<string, unknown>, name: string): Lin[] {
    if (argLins.every(isConstLin)) {
      const node: FloatNode = { op, args: argLins.map((_, i) => i), ...params };
      return familyOf(op)
        .evalFloat(
          node,
          argLins.map((l) => l.c),
        )
        .map(cst);
    }
    const args = this.materialize(argLins, name);
    if (op === "fn") {
      // Element-wise: the same value twice (a tiled or expanded tensor) is computed once.
      const uniq = [...new Set(args)];
      if (uniq.length < args.length) {
        const outs = this.apply(op, uniq.map(unit), params, name);
        const at = new Map(uniq.map((a, k) => [a, k]));
        return args.map((a) => outs[at.get(a)!]!);
      }
    }
    const node: FloatNode = { op, args, name, ...params };
    const n = familyOf(op).validate(node, this.tape);
    this.nodes.push(node);
    // Refuse as soon as the running estimate passes the limit, not after importing everything.
    this.running += estimateNode(node, "typical");
    this.checkSize(0, `once node "${name}" is added`);
    const outs = Array.from({ length: n }, (_, i) => unit(this.tape + i));
    this.tape += n;
    return outs;
  }

  /** Throws ModelTooLargeError when the running estimate plus `more` passes the limit. */
  checkSize(more: number, when: string): void {
    const total = this.running + more + this.inputCost;
    if (overUpfront(total)) throw tooLarge(this.source, total, when);
  }
}

/** One ONNX node being imported: typed readers of its inputs and attributes, and the builder. */
export class NodeContext {
  /** Data-dependent one-hot comparisons, computed once per index expression and length. */
  private readonly oneHots = new Map<Lin, Map<number, Lin[]>>();

  constructor(
    readonly g: GraphBuilder,
    readonly node: OnnxNode,
  ) {}

  get opType(): string {
    return this.node.opType;
  }
  get opset(): number {
    return this.g.opset;
  }
  get name(): string {
    return this.node.name;
  }

  unsupported(reason: string): UnsupportedOperatorError {
    return new UnsupportedOperatorError(this.node.opType, this.node.name, reason);
  }

  /** True when input k is given (an empty name means an omitted optional input). */
  has(k: number): boolean {
    return !!this.node.inputs[k];
  }

  input(k: number): TV {
    const name = this.node.inputs[k];
    const v = name ? this.g.values.get(name) : undefined;
    if (!v)
      throw new OnnxImportError(
        `${this.g.source}: node "${this.node.name}" (${this.node.opType}) reads ${name ? `"${name}", which no earlier node produces` : `a missing input ${k}`}.`,
      );
    return v;
  }

  /** Every given input, in order. */
  inputs(): TV[] {
    return this.node.inputs.flatMap((n, k) => (n ? [this.input(k)] : []));
  }

  /** The values of input k, which must not depend on the model's input. */
  constIn(k: number, what: string): number[] {
    const v = this.input(k);
    if (!isConst(v)) throw this.unsupported(`its ${what} (input ${k}) depends on the model's input; zkinfer needs it constant.`);
    return v.el.map((l) => l.c);
  }

  /** The index tensor at input k when it depends on the model's input (else the constant path applies). */
  dataIndices(k: number): TV | undefined {
    return isConst(this.input(k)) ? undefined : this.input(k);
  }

  attr(name: string): OnnxAttribute | undefined {
    return this.node.attributes.get(name);
  }
  attrI(name: string, dflt: number): number {
    return this.attr(name)?.i ?? dflt;
  }
  attrF(name: string, dflt: number): number {
    return this.attr(name)?.f ?? dflt;
  }
  attrS(name: string, dflt: string): string {
    return this.attr(name)?.s ?? dflt;
  }
  attrInts(name: string): number[] | undefined {
    return this.attr(name)?.ints;
  }
  /** A list that is an attribute before opset `since` and input k from then on (Squeeze's axes, Clip's min...). */
  intsAttrOrInput(name: string, k: number, what: string): number[] | undefined {
    const a = this.attrInts(name);
    if (a) return a;
    return this.has(k) ? this.constIn(k, what) : undefined;
  }

  set(v: TV, k = 0): void {
    const out = this.node.outputs[k];
    if (out) this.g.values.set(out, v);
  }

  normAxis(a: number, rank: number): number {
    const r = a < 0 ? a + rank : a;
    if (!Number.isInteger(r) || r < 0 || r >= rank) throw this.unsupported(`axis ${a} is outside rank ${rank}.`);
    return r;
  }

  apply(op: string, args: readonly Lin[], params: Record<string, unknown> = {}): Lin[] {
    return this.g.apply(op, args, params, this.node.name);
  }

  materialize(lins: readonly Lin[]): number[] {
    return this.g.materialize(lins, this.node.name);
  }

  broadcast(...shapes: (readonly number[])[]): number[] {
    let out: number[] | null = [...shapes[0]!];
    for (const s of shapes.slice(1)) out = out && broadcastShape(out, s);
    if (!out) throw this.unsupported(`shapes ${shapes.map((s) => `[${s}]`).join(" and ")} do not broadcast.`);
    return out;
  }

  /** Element-wise binary op with broadcasting: f(lin_a, lin_b) per output element. */
  binary(a: TV, b: TV, f: (x: Lin, y: Lin, i: number) => Lin): TV {
    const shape = this.broadcast(a.shape, b.shape);
    const ia = broadcastMap(a.shape, shape);
    const ib = broadcastMap(b.shape, shape);
    return { shape, el: ia.map((x, i) => f(a.el[x]!, b.el[ib[i]!]!, i)) };
  }

  /** A family op over pairs of broadcast elements. */
  pairwise(a: TV, b: TV, op: string, params: Record<string, unknown> = {}): TV {
    const shape = this.broadcast(a.shape, b.shape);
    const ia = broadcastMap(a.shape, shape);
    const ib = broadcastMap(b.shape, shape);
    const args = ia.flatMap((x, i) => [a.el[x]!, b.el[ib[i]!]!]);
    return { shape, el: this.apply(op, args, params) };
  }

  unaryFn(x: TV, fn: string, params?: Record<string, number>): TV {
    return { shape: x.shape, el: this.apply("fn", x.el, { fn, ...(params ? { params } : {}) }) };
  }

  toBits(x: TV): TV {
    return x.bits ? x : { shape: x.shape, el: this.apply("nonzero", x.el), bits: true };
  }

  /**
   * A data-dependent index on an axis of size n, as ONNX reads it: a negative index counts from the
   * end (w = idx + n when idx < 0: one comparison and one selection), and an index outside [-n, n)
   * makes the proof impossible (assertOne of 1 - [w < 0] - [w >= n]: two comparisons), never a
   * neighbouring or an empty selection. Computed once per index expression and n.
   */
  wrapIndex(idx: Lin, n: number): Lin {
    const key = `${n}`;
    let byN = this.g.wrapped.get(idx);
    if (!byN) this.g.wrapped.set(idx, (byN = new Map()));
    const hit = byN.get(key);
    if (hit) return hit;
    const [neg] = this.apply("less", [idx, cst(0)]);
    const [w] = this.apply("where", [neg!, combine([idx], [1], n), idx]);
    const [lo, hi] = this.apply("less", [w!, cst(0)]).concat(this.apply("greaterEq", [w!, cst(n)]));
    this.apply("assertOne", [combine([lo!, hi!], [-1, -1], 1)]);
    byN.set(key, w!);
    return w!;
  }

  /** [w == j] for j in 0..n-1 of an index already in range (wrapIndex): one comparison each, computed once. */
  equalsOver(w: Lin, n: number): Lin[] {
    let byN = this.oneHots.get(w);
    if (!byN) this.oneHots.set(w, (byN = new Map()));
    let hot = byN.get(n);
    if (!hot) {
      hot = this.apply("equal", Array.from({ length: n }, (_, j) => [w, cst(j)]).flat());
      byN.set(n, hot);
    }
    return hot;
  }

  /** The one-hot of a data-dependent index on an axis of size n, with ONNX's wrapping and range rule. */
  oneHot(idx: Lin, n: number): Lin[] {
    return this.equalsOver(this.wrapIndex(idx, n), n);
  }

  /**
   * OneHot's rule: idx == j or idx == j - n (a negative index counts from the end), and an index
   * outside [-n, n) gives an all-off row (not an error). 2n comparisons.
   */
  oneHotLenient(idx: Lin, n: number): Lin[] {
    const eq = this.apply("equal", Array.from({ length: 2 * n }, (_, j) => [idx, cst(j - n)]).flat());
    return Array.from({ length: n }, (_, j) => combine([eq[j]!, eq[n + j]!], [1, 1]));
  }

  /** sum_j hot_j * candidates_j (a product per data candidate, free for a constant one). */
  select(hot: readonly Lin[], candidates: readonly Lin[]): Lin {
    const terms: Lin[] = [];
    const coefs: number[] = [];
    const data: [Lin, Lin][] = [];
    candidates.forEach((c, j) => {
      if (!isConstLin(c)) data.push([hot[j]!, c]);
      else if (c.c !== 0) {
        terms.push(hot[j]!);
        coefs.push(c.c);
      }
    });
    const products = data.length ? this.apply("mul", data.flat()) : [];
    return combine([...terms, ...products], [...coefs, ...products.map(() => 1)]);
  }

  /** Index maps for a reduction over `axes` (all when empty): groups of source flat indexes. */
  reduceGroups(shape: readonly number[], axes: readonly number[], keep: boolean): { groups: number[][]; shape: number[] } {
    const ax = new Set(axes.length ? axes.map((a) => this.normAxis(a, shape.length)) : shape.map((_, k) => k));
    const outShape = shape.map((d, k) => (ax.has(k) ? 1 : d));
    const os = strides(outShape);
    const ins = strides(shape);
    const groups: number[][] = Array.from({ length: size(outShape) }, () => []);
    for (let flat = 0; flat < size(shape); flat++) {
      let o = 0;
      for (let k = 0; k < shape.length; k++) if (!ax.has(k)) o += (Math.floor(flat / ins[k]!) % shape[k]!) * os[k]!;
      groups[o]!.push(flat);
    }
    return { groups, shape: keep ? outShape : shape.filter((_, k) => !ax.has(k)) };
  }

  /** max (or min) over each group of x's elements: one node. */
  maxGroups(x: TV, groups: number[][], op: "max" | "min"): Lin[] {
    const used = [...new Set(groups.flat())].sort((p, q) => p - q);
    const pos = new Map(used.map((u, i) => [u, i]));
    return this.apply(
      op,
      used.map((u) => x.el[u]!),
      { groups: groups.map((g) => g.map((i) => pos.get(i)!)) },
    );
  }

  /** x with the element order `src` (data movement: free). */
  gatherBy(x: TV, shape: number[], src: number[]): TV {
    return { shape, el: src.map((i) => x.el[i]!), bits: x.bits, int: x.int };
  }
}
