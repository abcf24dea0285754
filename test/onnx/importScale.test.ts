/**
 * The importer and the error analysis on large models (docs/SEGMENTS.md, "Large imports"): the dense
 * accumulators of combine() and combineForms() give exactly what the Map per call they replace gave
 * (same terms, same order, same sums: a model's graph and bounds are unchanged), and an expression
 * longer than MAX_EXPRESSION_TERMS is materialized once, where it is made, computing the same values.
 */
import { expect } from "chai";
import { combineForms, FRESH, MAX_TERMS, type ErrForm } from "../../prover/graph/errform.js";
import { evalFloatGraph } from "../../prover/graph/lower.js";
import type { GraphSpec } from "../../prover/graph/types.js";
import { buildOnnx, intAttr } from "../../prover/onnx/build.js";
import { importGraphIR, MAX_EXPRESSION_TERMS } from "../../prover/onnx/graphImport.js";
import { parseOnnx } from "../../prover/onnx/graph.js";
import { combine, type Lin } from "../../prover/onnx/ops/lin.js";

/** A seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** combine() as it was: a Map per call. */
function combineByMap(lins: readonly Lin[], coefs: readonly number[], c0 = 0): Lin {
  if (lins.length === 1 && c0 === 0) return combine(lins, coefs, c0);
  const acc = new Map<number, number>();
  let c = c0;
  lins.forEach((l, j) => {
    const k = coefs[j]!;
    if (k === 0) return;
    c += k * l.c;
    for (let i = 0; i < l.t.length; i++) acc.set(l.t[i]!, (acc.get(l.t[i]!) ?? 0) + k * l.w[i]!);
  });
  const t: number[] = [];
  const w: number[] = [];
  for (const [ti, wi] of acc)
    if (wi !== 0) {
      t.push(ti);
      w.push(wi);
    }
  return { t, w, c };
}

/** combineForms() as it was: a Map per call and a stable sort of [symbol, coefficient] pairs. */
function combineFormsByMap(forms: readonly ErrForm[], w: readonly number[], own: number): ErrForm {
  const acc = new Map<number, number>();
  forms.forEach((f, k) => {
    if (w[k] === 0) return;
    for (let j = 0; j < f.sym.length; j++) acc.set(f.sym[j]!, (acc.get(f.sym[j]!) ?? 0) + w[k]! * f.c[j]!);
  });
  let fresh = Math.abs(own) + Math.abs(acc.get(FRESH) ?? 0);
  acc.delete(FRESH);
  let terms = [...acc].filter(([, c]) => c !== 0);
  if (terms.length > MAX_TERMS) {
    terms.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
    for (const [, c] of terms.slice(MAX_TERMS)) fresh += Math.abs(c);
    terms = terms.slice(0, MAX_TERMS);
  }
  terms.sort((a, b) => a[0] - b[0]);
  const out: ErrForm = { sym: fresh > 0 ? [FRESH] : [], c: fresh > 0 ? [fresh] : [] };
  for (const [s, c] of terms) {
    out.sym.push(s);
    out.c.push(c);
  }
  return out;
}

describe("importing large models: same graphs and bounds, bounded expressions", function () {
  this.timeout(120_000);

  it("combine() gives the terms, order and sums a Map per call gave, cancellations and tape values past its first buffer included", () => {
    const r = rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const lins: Lin[] = Array.from({ length: 1 + Math.floor(r() * 6) }, () => {
        const n = Math.floor(r() * 40);
        const t = Array.from({ length: n }, () => Math.floor(r() * (trial % 3 === 0 ? 50 : 200_000)));
        // Small integer weights make exact cancellations (a term summing to 0 is dropped).
        return { t, w: t.map(() => (trial % 2 ? Math.floor(r() * 5) - 2 : r() - 0.5)), c: r() };
      });
      const coefs = lins.map(() => (r() < 0.15 ? 0 : Math.floor(r() * 5) - 2 || 1));
      expect(combine(lins, coefs, 0.25), `trial ${trial}`).to.deep.equal(combineByMap(lins, coefs, 0.25));
    }
  });

  it("combineForms() gives the form a Map per call gave, over MAX_TERMS (ties in magnitude kept first seen first) and under", () => {
    const r = rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const forms: ErrForm[] = Array.from({ length: 1 + Math.floor(r() * 8) }, () => {
        const n = Math.floor(r() * 120);
        const sym = [...new Set(Array.from({ length: n }, () => Math.floor(r() * (trial % 2 ? 400 : 5000))))].sort((a, b) => a - b);
        if (r() < 0.5) sym.unshift(FRESH);
        // Coefficients of few distinct magnitudes: many ties when the form is cut to MAX_TERMS.
        return { sym, c: sym.map(() => (trial % 3 === 0 ? 0.5 * (1 + Math.floor(r() * 3)) : r())) };
      });
      const w = forms.map(() => (r() < 0.1 ? 0 : r() * 2 - 1));
      const own = r() < 0.3 ? 0 : r();
      expect(combineForms(forms, w, own), `trial ${trial}`).to.deep.equal(combineFormsByMap(forms, w, own));
    }
    const wide = Array.from({ length: 4 }, (_, k) => ({ sym: Array.from({ length: 200 }, (_, j) => j + 100 * k), c: Array.from({ length: 200 }, () => 1) }));
    const cut = combineForms(wide, [1, 1, 1, 1], 0);
    expect(cut.sym.length, "kept: the fresh symbol and MAX_TERMS terms").to.equal(MAX_TERMS + 1);
    expect(cut).to.deep.equal(combineFormsByMap(wide, [1, 1, 1, 1], 0));
  });

  it("materializes a sum over more than MAX_EXPRESSION_TERMS inputs where it is made, and the graph computes the same", () => {
    const n = MAX_EXPRESSION_TERMS + 904;
    const bytes = buildOnnx(
      [
        { opType: "ReduceSum", input: ["X"], output: ["S"], attribute: [intAttr("keepdims", 1)] },
        { opType: "Add", input: ["S", "one"], output: ["T"] },
        { opType: "Relu", input: ["T"], output: ["Y"] },
      ],
      [["X", [1, n]]],
      [["Y", 1, [1, 1]]],
      [{ name: "one", dims: [1], data: [1] }],
    );
    const net = importGraphIR(parseOnnx(bytes, "sum.onnx"), "sum.onnx");
    const g = net.layers[0] as GraphSpec;
    const affine = g.nodes.filter((node) => node.op === "affine") as unknown as { name: string; rows: { p: number[] }[] }[];
    // One row of n terms, made by the ReduceSum; the Add + Relu read it as ONE tape value.
    expect(affine.map((a) => a.rows.map((row) => row.p.length))).to.deep.equal([[n], [1]]);
    expect(affine[0]!.name).to.equal("ReduceSum_0");
    const x = Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 8);
    const want = Math.max(0, x.reduce((a, b) => a + b, 0) + 1);
    expect(want, "the sum is negative and the Relu passes sum + 1").to.be.greaterThan(0);
    const tape = evalFloatGraph(g, x);
    expect(Math.abs(tape[g.outputs[0]!]! - want)).to.be.at.most(1e-9);
  });
});
