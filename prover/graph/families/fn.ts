/**
 * Piecewise-linear family: y = f(x) elementwise for a real function of ./functions.ts (exp, log,
 * sqrt, erf, tanh, sigmoid, gelu, softplus, elu, relu, abs, clip, sin...).
 *
 * Lowering builds, for the node's proven input interval, breakpoints B_0 < ... < B_m on the input's
 * integer grid (greedy: each chord within a tolerance of f; at the kinks for functions that are
 * piecewise linear already, which are then exact), and quantizes
 *   out = floor((Y0 + sum_j D_j relu(x - B_j)) / 2^A)
 * with the first ramp starting at B_0 = the interval's (or domain's) low end and a last one
 * cancelling the slope at B_m, so outside [B_0, B_m] the function is constant: f(clamp(x)).
 * Range rule: the PWL's extremes are at the breakpoints and ends, evaluated exactly.
 * Error rule: max |out(q) / 2^s_out - f(q / 2^s_in)| over EVERY integer q of the interval (measured
 * exactly with the quantized coefficients and the floor; sampled with a Lipschitz margin above
 * 2^20 points), plus L * e_in with L the largest |f'| seen on the interval.
 */
import { ModelRangeError } from "../../errors.js";
import type { Interval } from "../interval.js";
import { dequantize, quantize } from "../../model/quantize.js";
import { combineForms, l1, type ErrForm } from "../errform.js";
import { FUNCTIONS } from "../functions.js";
import type { Family, FloatNode, ValueInfo } from "../types.js";
import { bmax, bmin, field, magnitude, maxOf } from "../util.js";
import * as cost from "../cost.js";

interface Table {
  inScale: number;
  outScale: number;
  A: number;
  y0: bigint;
  B: bigint[];
  D: bigint[];
  /** Worst-case |out - f| over the table's interval (real units), and f's Lipschitz bound. */
  approxErr: number;
  lipschitz: number;
}

export interface FnParams {
  /** A function of ../functions.ts. */
  fn: string;
  /** Its parameters (alpha, lo, hi...), over its defaults. */
  params?: Record<string, number>;
  /**
   * A lower bound on the FLOAT input known from its construction (a variance plus epsilon is at
   * least epsilon): the error rule widens the quantized interval by the input's error no lower.
   */
  floatAtLeast?: number;
  /**
   * An upper bound on the input in the float graph AND in every witness, known from its
   * construction: x - max(x) over a group is <= 0 (the max family constrains m >= each x, and a
   * floor of a value <= 0 stays <= 0). The table, the gadgets' modes and the error rule then use
   * no input above it, so exp(x - max) stays finite however wide x's range (Softmax of large inputs).
   */
  atMost?: number;
}

export interface FnQ {
  fn: string;
  table: Table;
  /** Per element and breakpoint: 0 below, 1 above, 2 straddling (a ReLU gadget of width ks). */
  modes: number[][];
  ks: number[][];
  /** Per element, the final rescale's K (0 when A = 0). */
  sumBits: number[];
  /**
   * A periodic f (tan): per element, the multiple of the period (at the input's scale) subtracted
   * before the table, so that each element's interval lies in the table's one branch. Absent: none.
   */
  shifts?: bigint[];
}

function fnOf(node: FnParams) {
  const def = FUNCTIONS[node.fn];
  if (!def) throw new Error(`"fn" must be one of ${Object.keys(FUNCTIONS).join(", ")}, got ${JSON.stringify(node.fn)}`);
  const params: Record<string, number> = { ...(def.params ?? {}), ...(node.params ?? {}) };
  const c = def.compiled;
  // f: the float rule; ft and kinks: what the circuit's table follows (f itself unless `compiled`).
  return {
    def,
    params,
    f: (x: number) => def.f(x, params),
    ft: c ? (x: number) => c.f(x, params) : (x: number) => def.f(x, params),
    kinks: c ? c.kinks?.(params) : def.kinks?.(params),
    gap: (mag: number) => (c ? c.gap(mag, params) : 0),
  };
}

/**
 * f' at x (a one-sided difference that stays inside [lo, hi]). Chords between grid points alone
 * miss the steepest slopes where f' blows up at an end of the grid's first cell (rsqrt just above
 * epsilon, sqrt at 0): f' at every grid point, with the chords, bounds every slope of a cell on
 * which f' is monotone, which holds for every function of ../functions.ts except in the cells
 * around an inflection point, where the 5% margin covers the difference on a fine grid.
 */
function derivAt(f: (x: number) => number, x: number, lo: number, hi: number): number {
  const h = Math.max(1e-12, 1e-7 * Math.abs(x));
  return x + h <= hi ? (f(x + h) - f(x)) / h : (f(x) - f(x - h)) / h;
}

/**
 * A Lipschitz bound of f over the inputs' interval WIDENED by their error: the float input may lie
 * up to `err` outside the quantized interval, where f can be much steeper (log near 0, exp far
 * right). Chord slopes and f' (derivAt) on a fine grid of the widened interval (within the
 * domain), with a margin; Infinity where f is not finite there. Without error the table's own
 * bound applies.
 */
function widenedLipschitz(node: FnParams, iv: Interval, scale: number, err: number, tableL: number): number {
  if (!(err > 0)) return tableL;
  if (!Number.isFinite(err)) return Infinity;
  const { def, ft: f } = fnOf(node);
  const u = 2 ** scale;
  let lo = Math.max(Number(iv.lo) / u - err, node.floatAtLeast ?? -Infinity);
  let hi = Math.min(Number(iv.hi) / u + err, node.atMost ?? Infinity);
  if (def.domain) {
    lo = Math.max(lo, def.domain[0]);
    hi = Math.min(hi, def.domain[1]);
  }
  if (!(hi > lo)) return tableL;
  const n = 512;
  const step = (hi - lo) / n;
  let L = tableL;
  let prev = f(lo);
  for (let k = 0; k <= n; k++) {
    const x = k === n ? hi : lo + step * k;
    const d = Math.abs(derivAt(f, x, lo, hi));
    if (!Number.isFinite(d)) return Infinity;
    L = Math.max(L, d * 1.05);
    if (k === 0) continue;
    const y = f(x);
    const slope = Math.abs(y - prev) / step;
    if (!Number.isFinite(slope)) return Infinity;
    L = Math.max(L, slope * 1.05);
    prev = y;
  }
  return L;
}

/**
 * For a monotone f: the most f changes between two inputs at most `w` apart in the interval
 * widened by w (within the domain, above floatAtLeast, below atMost): on a grid of step h, any such
 * window [x, x + w] lies in [g, g + h + w] for the grid point g below x, and f is monotone.
 */
function windowVariation(node: FnParams, iv: Interval, scale: number, w: number): number {
  const { def, ft: f } = fnOf(node);
  const u = 2 ** scale;
  let lo = Math.max(Number(iv.lo) / u - w, node.floatAtLeast ?? -Infinity);
  let hi = Math.min(Number(iv.hi) / u + w, node.atMost ?? Infinity);
  if (def.domain) {
    lo = Math.max(lo, def.domain[0]);
    hi = Math.min(hi, def.domain[1]);
  }
  if (!(hi > lo)) return 0;
  const n = 2048;
  const h = (hi - lo) / n;
  let worst = 0;
  for (let k = 0; k < n; k++) {
    const g = lo + h * k;
    const d = Math.abs(f(Math.min(hi, g + h + w)) - f(g));
    if (!Number.isFinite(d)) return Infinity;
    worst = Math.max(worst, d);
  }
  return worst;
}

/**
 * The range [smin, smax] of f's chord slopes over one element's interval widened by its error
 * (within the domain and above floatAtLeast): f(x_f) - f(x_q) = lambda (x_f - x_q) with lambda in
 * it. For a function linear between its kinks the chords between consecutive kinks and grid points
 * are its exact slopes; otherwise chords on a fine grid with a 5% margin of the largest (the same
 * rule as widenedLipschitz). null where f is not finite there or the input may leave a domain
 * beyond which ONNX's f is not the clamp.
 */
function slopeRange(node: FnParams, iv: Interval, scale: number, err: number): { smin: number; smax: number } | null {
  const { def, ft: f, kinks } = fnOf(node);
  const u = 2 ** scale;
  // Every x_q of the interval and every x_f within err of it (the float one no lower than
  // floatAtLeast; x_q itself may be).
  const qlo = Number(iv.lo) / u;
  let lo = Math.min(qlo, Math.max(qlo - err, node.floatAtLeast ?? -Infinity));
  let hi = Math.max(Number(iv.hi) / u, Math.min(Number(iv.hi) / u + err, node.atMost ?? Infinity));
  // Outside its domain the compiled function is constant (f of the clamped input): slope 0 there,
  // and a chord from outside to inside lies between 0 and the inside chords.
  let outside = false;
  if (def.domain) {
    if (def.finiteBeyond && (lo < def.domain[0] || hi > def.domain[1])) return null;
    outside = lo < def.domain[0] || hi > def.domain[1];
    lo = Math.max(lo, def.domain[0]);
    hi = Math.min(hi, def.domain[1]);
  }
  if (!(hi > lo)) return { smin: 0, smax: 0 };
  const n = 512;
  const xs = Array.from({ length: n + 1 }, (_, k) => lo + ((hi - lo) * k) / n);
  if (kinks) {
    xs.push(...kinks.filter((k) => k > lo && k < hi));
    xs.sort((a, b) => a - b);
  }
  let smin = Infinity;
  let smax = -Infinity;
  if (!kinks)
    for (const x of xs) {
      const d = derivAt(f, x, lo, hi);
      if (!Number.isFinite(d)) return null;
      smin = Math.min(smin, d);
      smax = Math.max(smax, d);
    }
  let prev = f(xs[0]!);
  for (let k = 1; k < xs.length; k++) {
    if (!(xs[k]! > xs[k - 1]!)) continue;
    const y = f(xs[k]!);
    const slope = (y - prev) / (xs[k]! - xs[k - 1]!);
    if (!Number.isFinite(slope)) return null;
    smin = Math.min(smin, slope);
    smax = Math.max(smax, slope);
    prev = y;
  }
  if (!kinks) {
    const margin = 0.05 * Math.max(Math.abs(smin), Math.abs(smax));
    smin -= margin;
    smax += margin;
  }
  if (outside) {
    smin = Math.min(smin, 0);
    smax = Math.max(smax, 0);
  }
  return { smin, smax };
}

/** Per element: the error form of f's output (see slopeRange), memoised by interval and error. */
function outForm(node: FnParams, v: ValueInfo, approxErr: number, memo: Map<string, { smin: number; smax: number } | null>): ErrForm | undefined {
  if (!v.form || !Number.isFinite(approxErr)) return undefined;
  const key = `${v.iv.lo},${v.iv.hi},${v.scale},${v.err}`;
  let r = memo.get(key);
  if (r === undefined) memo.set(key, (r = slopeRange(node, v.iv, v.scale, v.err)));
  if (!r) return undefined;
  // lambda = m + h theta, |theta| <= 1: m form_in, plus h |form_in| and the approximation error
  // on the element's own symbol.
  const m = (r.smin + r.smax) / 2;
  const h = (r.smax - r.smin) / 2;
  return combineForms([v.form], [m], h * l1(v.form) + approxErr);
}

const MAX_SEGMENTS = 48;
const ENUMERATE = 1 << 17;

const tables = new Map<string, Table>();

/** buildTable, memoised: an unrolled recurrent net asks for the same table at every step. */
function tableFor(node: FnParams, lo: bigint, hi: bigint, inScale: number, activationBits: number, where: string): Table {
  const key = JSON.stringify([node.fn, node.params ?? null, String(lo), String(hi), inScale, activationBits]);
  let t = tables.get(key);
  if (!t) {
    t = buildTable(node, lo, hi, inScale, activationBits, where);
    if (tables.size > 10_000) tables.clear();
    tables.set(key, t);
  }
  return t;
}

/** Builds the quantized table for integer inputs in [lo, hi] at inScale. */
function buildTable(node: FnParams, lo: bigint, hi: bigint, inScale: number, activationBits: number, where: string): Table {
  const { def, ft: f, kinks } = fnOf(node);
  const u = 2 ** inScale;
  const real = (q: bigint | number) => Number(q) / u;
  // Domain in integers: an end where f is not finite moves in by one step.
  let dlo = def.domain ? BigInt(Math.ceil(Math.max(def.domain[0], -1e15) * u)) : lo;
  let dhi = def.domain ? BigInt(Math.floor(Math.min(def.domain[1], 1e15) * u)) : hi;
  if (!Number.isFinite(f(real(dlo)))) dlo += 1n;
  if (!Number.isFinite(f(real(dhi)))) dhi -= 1n;
  let a = bmax(lo, dlo);
  let b = bmin(hi, dhi);
  if (a > b) {
    // The whole interval lies outside the domain: clamp to the nearest domain end.
    a = b = lo > dhi ? dhi : dlo;
  }
  const fa = f(real(a));
  if (!Number.isFinite(fa)) throw new ModelRangeError(`${where}: ${node.fn} is not finite at ${real(a)}.`);
  // Output magnitude over the interval (sampled) picks the output scale.
  let mag = 0;
  const n = Number(b - a);
  for (let k = 0; k <= 256; k++) mag = Math.max(mag, Math.abs(f(real(a + BigInt(Math.round((n * k) / 256))))));
  const outScale = kinks ? inScale : Math.max(0, Math.min(activationBits, 46 - Math.ceil(Math.log2(Math.max(mag, 1)))));

  // Breakpoints.
  let bps: bigint[];
  if (kinks) {
    const inner = kinks.map((k) => BigInt(Math.round(k * u))).filter((k) => k > a && k < b);
    bps = [a, ...[...new Set(inner)].sort((x, y) => (x < y ? -1 : 1)), b];
  } else {
    // Each segment costs a ReLU gadget per element: a tolerance of 2^-9 of the output's magnitude
    // keeps sigmoid/tanh to about a dozen segments; the measured error is what the bound reports.
    let tol = Math.max(2 ** -(outScale - 2), 2 ** -9 * Math.max(1, mag));
    for (;;) {
      bps = greedy(f, a, b, real, tol);
      if (bps.length - 1 <= MAX_SEGMENTS) break;
      tol *= 2;
    }
  }
  if (bps.length === 1) bps.push(bps[0]!); // a single point: one (empty) segment
  const slopes = bps.slice(1).map((x1, j) => (x1 === bps[j]! ? 0 : (f(real(x1)) - f(real(bps[j]!))) / real(x1 - bps[j]!)));
  // Exact when every coefficient is an integer at A = 0; otherwise A adds precision to the slopes.
  const exactAt = (A: number) => {
    const y0 = fa * 2 ** (outScale + A);
    const ds = slopes.map((s, j) => (s - (slopes[j - 1] ?? 0)) * 2 ** (outScale + A - inScale));
    return [y0, ...ds].every((v) => Number.isInteger(v));
  };
  const A = exactAt(0) ? 0 : Math.max(0, inScale - outScale) + 16;
  const y0 = quantize(fa, outScale + A);
  const dScale = outScale + A - inScale;
  const D: bigint[] = [];
  const B: bigint[] = [];
  if (![fa, ...slopes].every(Number.isFinite))
    throw new ModelRangeError(`${where}: ${String(node.fn)} overflows a float on its input interval [${real(lo)}, ${real(hi)}]; narrow the input range.`);
  slopes.forEach((s, j) => {
    B.push(bps[j]!);
    D.push(quantize(s - (slopes[j - 1] ?? 0), dScale));
  });
  B.push(bps.at(-1)!);
  D.push(-D.reduce((x, y) => x + y, 0n)); // flat above the last breakpoint
  const t: Table = { inScale, outScale, A, y0, B, D, approxErr: 0, lipschitz: 0 };

  // Lipschitz bound of f on [a, b]: chord slopes and numerical derivatives at the breakpoints.
  const h = Math.max(1e-6, 1 / u);
  let L = Math.max(0, ...slopes.map(Math.abs));
  for (const x of bps) {
    const xr = real(x);
    const lo2 = Math.max(real(a), xr - h);
    const hi2 = Math.min(real(b), xr + h);
    if (hi2 > lo2) L = Math.max(L, Math.abs((f(hi2) - f(lo2)) / (hi2 - lo2)));
  }
  t.lipschitz = L * 1.05;

  // Approximation error, exact over every integer when there are few enough. The PWL is walked
  // segment by segment (acc moves by the running slope per step), in doubles when they are exact.
  const count = Number(hi - lo) + 1;
  const stride = count <= ENUMERATE ? 1 : Math.ceil(count / ENUMERATE);
  let worst = 0;
  const clampQ = (q: bigint) => (q < a ? a : q > b ? b : q);
  const accAbs = [t.y0, ...t.D].reduce((m, v) => m + (v < 0n ? -v : v), 0n) * (hi - lo + 1n + (lo < 0n ? -lo : lo) + (hi < 0n ? -hi : hi));
  const div = 2 ** t.A;
  const outUnit = 2 ** -outScale;
  const Bn = t.B.map(Number);
  const Dn = t.D.map(Number);
  const y0n = Number(t.y0);
  // The table's output at integer q (real units): in doubles when they are exact.
  const pwlAt = (q: bigint): number => {
    if (accAbs >= 2n ** 52n) return Number(evalTable(t, q)) * outUnit;
    const qn = Number(q);
    let acc = y0n;
    for (let j = 0; j < Bn.length && Bn[j]! < qn; j++) acc += Dn[j]! * (qn - Bn[j]!);
    return Math.floor(acc / div) * outUnit;
  };
  for (let q = lo; q <= hi; q += BigInt(stride)) {
    const d = Math.abs(pwlAt(q) - f(real(clampQ(q))));
    if (d > worst) worst = d;
  }
  // A function linear between its kinks, with every kink on the input grid and exact coefficients,
  // IS its table at every integer: nothing between the samples to allow for.
  const exactPwl = !!kinks && A === 0 && kinks.every((k) => Number.isInteger(k * u) || k * u <= Number(a) || k * u >= Number(b));
  if (stride > 1 && !exactPwl && def.monotone && !def.compiled) {
    // f monotone, and the table linear (then floored: monotone) between consecutive points of the
    // samples and its breakpoints: at every integer x between two such points p0 < p1, f(x) lies
    // between f(p0) and f(p1) and the table between its values there, so the error is at most the
    // larger gap between those two ranges.
    const pts = new Set<bigint>([hi, ...t.B.filter((x) => x > lo && x < hi)]);
    for (let q = lo; q <= hi; q += BigInt(stride)) pts.add(q);
    const xs = [...pts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    let prev = { p: pwlAt(xs[0]!), f: f(real(clampQ(xs[0]!))) };
    for (const x of xs.slice(1)) {
      const cur = { p: pwlAt(x), f: f(real(clampQ(x))) };
      const d = Math.max(Math.max(prev.p, cur.p) - Math.min(prev.f, cur.f), Math.max(prev.f, cur.f) - Math.min(prev.p, cur.p));
      if (d > worst) worst = d;
      prev = cur;
    }
  } else if (stride > 1 && !exactPwl) {
    // Between samples both f and the PWL move by at most their Lipschitz bounds.
    const pwlL = Math.max(0, ...slopes.map(Math.abs));
    worst += (t.lipschitz + pwlL) * (stride / u) + 2 ** -outScale;
  }
  t.approxErr = worst;
  return t;
}

/** Farthest-reaching chords within `tol` of f (checked on 24 interior points each). */
function greedy(f: (x: number) => number, a: bigint, b: bigint, real: (q: bigint) => number, tol: number): bigint[] {
  const ok = (x0: bigint, x1: bigint) => {
    const f0 = f(real(x0));
    const f1 = f(real(x1));
    for (let k = 1; k < 24; k++) {
      const x = x0 + ((x1 - x0) * BigInt(k)) / 24n;
      const chord = f0 + ((f1 - f0) * Number(x - x0)) / Number(x1 - x0 || 1n);
      if (Math.abs(chord - f(real(x))) > tol) return false;
    }
    return true;
  };
  const out = [a];
  let x0 = a;
  while (x0 < b) {
    let step = 1n;
    while (x0 + step < b && ok(x0, x0 + step * 2n)) step *= 2n;
    let lo = x0 + step;
    let hi = x0 + step * 2n > b ? b : x0 + step * 2n;
    if (ok(x0, hi)) lo = hi;
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (ok(x0, mid)) lo = mid;
      else hi = mid;
    }
    x0 = lo > b ? b : lo;
    out.push(x0);
  }
  return out;
}

const relu = (v: bigint) => (v < 0n ? 0n : v);

function accOf(t: Pick<Table, "y0" | "B" | "D">, x: bigint): bigint {
  let acc = t.y0;
  t.B.forEach((bj, j) => (acc += t.D[j]! * relu(x - bj)));
  return acc;
}

function evalTable(t: Table, x: bigint): bigint {
  return accOf(t, x) >> BigInt(t.A);
}

export const fn: Family<FnParams, FnQ> = {
  ops: ["fn"],
  includes: ["circuits/lib/pwl.circom"],
  check(node): asserts node is FloatNode<FnParams> {
    const name = field(node, "fn");
    if (typeof name !== "string" || !FUNCTIONS[name]) throw new Error(`"fn" must be one of ${Object.keys(FUNCTIONS).join(", ")}, got ${JSON.stringify(name)}`);
    const params = field(node, "params");
    if (params !== undefined && (params === null || typeof params !== "object" || Object.values(params).some((v) => typeof v !== "number")))
      throw new Error(`"params" must map parameter names to numbers`);
    const atLeast = field(node, "floatAtLeast");
    if (atLeast !== undefined && (typeof atLeast !== "number" || Number.isNaN(atLeast))) throw new Error(`"floatAtLeast" must be a number`);
    const atMost = field(node, "atMost");
    if (atMost !== undefined && (typeof atMost !== "number" || !Number.isFinite(atMost))) throw new Error(`"atMost" must be a finite number`);
  },
  outputs(node) {
    return node.args.length;
  },
  evalFloat(node, x) {
    const { f, def } = fnOf(node);
    // ONNX's f where it is finite beyond the compiled domain (tan); else f of the clamped input.
    const d = def.finiteBeyond ? undefined : def.domain;
    return x.map((v) => f(d ? Math.min(d[1], Math.max(d[0], v)) : v));
  },
  lower(node, ctx) {
    const s = ctx.value(node.args[0]!).scale;
    const cap = node.atMost === undefined ? undefined : BigInt(Math.floor(node.atMost * 2 ** s));
    const period = FUNCTIONS[node.fn]?.period;
    const shifts: bigint[] = [];
    // atMost: no witness input lies above it (see FnParams), so the proven interval stops there.
    // A periodic f: the input less the multiple of the period nearest its interval's middle, a
    // constant (free), whose rounding adds to the input's error.
    const ins = node.args.map((a) => {
      let v = ctx.value(a);
      if (period) {
        const k = Math.round((dequantize(v.iv.lo, s) + dequantize(v.iv.hi, s)) / 2 / period);
        const K = quantize(k * period, s);
        shifts.push(K);
        const d = Math.abs(k * period - dequantize(K, s));
        v = { ...v, iv: { lo: v.iv.lo - K, hi: v.iv.hi - K }, err: v.err + d, ...(v.form ? { form: combineForms([v.form], [1], d) } : {}) };
      }
      if (cap === undefined || v.iv.hi <= cap) return v;
      return { ...v, iv: { lo: bmin(v.iv.lo, cap), hi: cap } };
    });
    if (ins.some((v) => v.scale !== s)) throw new ModelRangeError(`${ctx.where}: inputs at different scales (the importer aligns them).`);
    const all = ins.reduce((h, v) => ({ lo: bmin(h.lo, v.iv.lo), hi: bmax(h.hi, v.iv.hi) }), ins[0]!.iv);
    const t = tableFor(node, all.lo, all.hi, s, ctx.fp.activationBits, ctx.where);
    const L = widenedLipschitz(node, all, s, maxOf(ins.map((v) => v.err)), t.lipschitz);
    const modes: number[][] = [];
    const ks: number[][] = [];
    const sumBits: number[] = [];
    const { def, params, gap } = fnOf(node);
    const alpha = def.holder?.(params);
    const memo = new Map<string, { smin: number; smax: number } | null>();
    const outs: ValueInfo[] = ins.map((v, i) => {
      modes.push(t.B.map((b) => (v.iv.hi <= b ? 0 : v.iv.lo >= b ? 1 : 2)));
      ks.push(t.B.map((b, j) => (modes[i]![j] === 2 ? ctx.gadgetK({ lo: v.iv.lo - b, hi: v.iv.hi - b }, 0, `element ${i}`) : 0)));
      // Extremes of the PWL over [lo, hi]: at the ends and the breakpoints inside.
      const pts = [v.iv.lo, v.iv.hi, ...t.B.filter((b) => b > v.iv.lo && b < v.iv.hi)];
      const accs = pts.map((q) => accOf(t, q));
      const acc: Interval = { lo: accs.reduce(bmin), hi: accs.reduce(bmax) };
      sumBits.push(t.A === 0 ? 0 : ctx.gadgetK(acc, t.A, `element ${i}`));
      if (t.A === 0) ctx.gadgetK(acc, 0, `element ${i}`);
      let err = v.err === 0 ? t.approxErr : t.approxErr + L * v.err;
      // Hoelder: |f(a) - f(b)| <= |a - b|^alpha, finite where the slope is not (sqrt near 0); the
      // domain's clamp is 1-Lipschitz, so it holds for the clamped float input too.
      if (alpha !== undefined && v.err > 0) err = Math.min(err, t.approxErr + v.err ** alpha);
      // A monotone f moves by at most its largest variation over a window of the input's error
      // (plus one step: the table clamps to its domain, a step inside an open end).
      if (def.monotone && !def.compiled && v.err > 0) err = Math.min(err, t.approxErr + windowVariation(node, v.iv, s, v.err + 2 ** -s));
      if (def.finiteBeyond && def.domain && !(dequantize(v.iv.lo, s) - v.err >= def.domain[0] && dequantize(v.iv.hi, s) + v.err <= def.domain[1]))
        err = Infinity;
      // A float rule the table does not follow (a cast's rounding): its gap at the float input.
      const g = gap(magnitude(v.iv, s) + v.err);
      err += g;
      let form = Number.isFinite(err) ? outForm(node, v, t.approxErr + g, memo) : undefined;
      if (form && l1(form) > err) form = undefined; // the scalar rule is tighter: a fresh symbol of it
      return {
        scale: t.outScale,
        iv: { lo: acc.lo >> BigInt(t.A), hi: acc.hi >> BigInt(t.A) },
        err: Number.isNaN(err) ? Infinity : form ? l1(form) : err,
        approxErr: t.approxErr,
        ...(form ? { form } : {}),
      };
    });
    const shifted = shifts.some((k) => k !== 0n) ? { shifts } : {};
    return { op: node.op, args: node.args, name: node.name, outs, fn: node.fn, table: t, modes, ks, sumBits, ...shifted };
  },
  interpret(node, x) {
    const t = node.table;
    return x.map((v, i) => evalTable(t, v - (node.shifts?.[i] ?? 0n)));
  },
  preimage(node) {
    const t = node.table;
    const table = [BigInt(t.inScale), BigInt(t.outScale), BigInt(t.A), t.y0, BigInt(t.B.length), ...t.B, ...t.D];
    return node.shifts ? [...table, BigInt(node.shifts.length), ...node.shifts] : table;
  },
  constraints(node) {
    let n = 0;
    node.modes.forEach((modes, i) => {
      modes.forEach((m, j) => {
        if (m === 2) n += cost.rescaleRelu(node.ks[i]![j]!);
      });
      if (node.table.A !== 0) n += cost.rescale(node.sumBits[i]!);
    });
    return n;
  },
  emit(node, ctx) {
    const t = node.table;
    const list = (xs: readonly (bigint | number)[]) => `[${xs.join(", ")}]`;
    node.args.forEach((a, i) => {
      const modes = node.modes[i]!;
      const ks = node.ks[i]!;
      ctx.emit(
        `${ctx.outs[i]} <== PiecewiseLinear(${t.B.length}, ${node.sumBits[i]}, ${t.A}, ${t.y0}, ${list(t.B)}, ${list(t.D)}, ${list(modes)}, ${list(ks)})(${ctx.ref(a)}${node.shifts?.[i] ? ` - ${node.shifts[i]}` : ""});`,
      );
    });
  },
};
