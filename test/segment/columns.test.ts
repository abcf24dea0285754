/**
 * Column pieces (prover/segment/columns.ts, docs/SEGMENTS.md "Column pieces"): a tiny model whose
 * dense node's rows read 32 and 48 values, more than a segment of 1,200 constraints should open, is
 * cut by columns into partial sums (exact, their interval the dot product's bounds over their
 * products' intervals) and a combine (the node's bias, rescale and ReLU), in 4 segments whose last
 * opens partial sums made before it. The chained witnesses equal the reference interpreter; every
 * constraint holds; a partial sum changed at the boundary (in range, or outside it) or any signal of
 * a segment changed is rejected (docs/SECURITY.md 99-100).
 */
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { changeViolates, firstViolatedConstraint } from "../../prover/circuit/r1cs.js";
import { FIELD_MODULUS, fromField, toField } from "../../prover/field.js";
import { dotBounds } from "../../prover/graph/interval.js";
import { runGraphTape } from "../../prover/graph/lower.js";
import type { GraphNodeOf } from "../../prover/graph/registry.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { specGraph } from "../../prover/model/specGraph.js";
import { renderSegments } from "../../prover/segment/circuit.js";
import { columnBlocks, columnGraph } from "../../prover/segment/columns.js";
import {
  boundaryRanges,
  estimatedSegmentable,
  planGraph,
  planModelSegments,
  planTape,
  tapeIntervals,
  type SegmentPlan,
} from "../../prover/segment/segments.js";
import { runSegmentChain, segmentWitnesses, type SegmentWitnesses } from "../../prover/segment/witness.js";
import { compileSegmentSources, rng, randomBetween, type CompiledSegment } from "../helpers/circuits.js";

const specPath = fileURLToPath(new URL("../fixtures/segments-columns.json", import.meta.url));
const MAX = 1200;

describe("segment column pieces: a dense node whose rows read more than a segment opens (segments-columns, 4 segments of 1,200)", function () {
  this.timeout(300_000);
  let ir: ModelIR;
  let plan: SegmentPlan;
  let partials: Set<number>;
  const segs: CompiledSegment[] = [];
  let honest: SegmentWitnesses;
  let witnesses: bigint[][];
  let modelCommitment: bigint;
  const inputs = [20n, -9n, 33n, -40n];
  const statement = { inputs, salt: 7n, subject: 0xbeefn, nonce: 3n, boundarySalts: [11n, 12n, 13n] };

  before(async () => {
    const spec = readModelSpec(specPath);
    ir = lowerModel(spec);
    plan = planModelSegments(ir, specGraph(spec), MAX);
    // The plan's tape values that are partial sums (no value of the whole graph).
    const { columns } = columnGraph(ir.graph, plan.columns ?? []);
    partials = new Set();
    let at = ir.graph.in.length;
    columns.nodes.forEach((n, k) => {
      if (columns.original[k] === undefined) for (let r = 0; r < n.outs.length; r++) partials.add(at + r);
      at += n.outs.length;
    });
    const rendered = await renderSegments(ir, plan);
    modelCommitment = rendered.modelCommitment;
    segs.push(...(await compileSegmentSources(rendered.sources, "col")));
    honest = await segmentWitnesses(ir, plan, rendered.modelCommitment, statement);
    witnesses = await Promise.all(segs.map((s, i) => s.wc.calculateWitness(honest.circuitInputs[i]!, true)));
  });

  /** The last segment's boundary positions holding partial sums. */
  const partialInputs = () => plan.segments.at(-1)!.inputs.flatMap((v, j) => (partials.has(v) ? [j] : []));

  it("cuts the wide node (and only it) by columns: exact partial sums whose intervals are the dot products' bounds, then a combine with the node's own bias, rescale and ReLU", () => {
    expect(plan.columns).to.deep.equal([{ node: 1, maxColumns: 16 }]);
    expect(plan.segments).to.have.length(4);
    const wide = ir.graph.nodes[1] as GraphNodeOf<"affine">;
    // One block (the four rows share their reads), three chunks of 16 of the 48 columns.
    expect(columnBlocks(wide.rows, 16).map((b) => [b.from, b.to, b.chunks.map((c) => c.length)])).to.deep.equal([[0, 4, [16, 16, 16]]]);
    const g = planGraph(ir.graph, plan);
    const ivs = tapeIntervals(g);
    const [p0, p1, p2, combine] = g.nodes.slice(1, 5) as GraphNodeOf<"affine">[];
    for (const p of [p0!, p1!, p2!]) {
      expect(p.shift).to.equal(0);
      expect(p.relu).to.equal(false);
      expect(p.bits.every((k) => k === null)).to.equal(true);
      p.rows.forEach((r, j) => {
        expect(r.b).to.equal(0n);
        expect(p.outs[j]!.iv, "interval from the products' intervals").to.deep.equal(
          dotBounds(
            r.w,
            r.p.map((q) => ivs[p.args[q]!]!),
            0n,
          ),
        );
      });
    }
    // Row 2 reads columns 0..31 only: no partial sum over the third chunk.
    expect([p0!.rows.length, p1!.rows.length, p2!.rows.length]).to.deep.equal([4, 4, 3]);
    expect(combine!.outs).to.deep.equal(wide.outs);
    expect(combine!.bits).to.deep.equal(wide.bits);
    expect([combine!.shift, combine!.relu, combine!.rows.map((r) => r.b)]).to.deep.equal([wide.shift, wide.relu, wide.rows.map((r) => r.b)]);
    expect(combine!.rows.map((r) => r.w.every((w) => w === 1n))).to.deep.equal([true, true, true, true]);
    // The last segment opens partial sums made before it: they cross a cut as committed values.
    expect(partialInputs().length).to.be.greaterThan(0);
    // check-onnx's estimate plan cuts it too (from the float graph, before lowering).
    const spec = readModelSpec(specPath);
    const est = estimatedSegmentable(specGraph(spec), ir.features.length, MAX);
    expect(est.graph.nodes.length).to.be.greaterThan(ir.graph.nodes.length);
  });

  it("pins each segment's constraint count, and the estimate bounds it", () => {
    expect(segs.map((s) => s.info.nonLinearConstraints + s.info.linearConstraints)).to.deep.equal([1039, 1085, 1104, 1096]);
    segs.forEach((s, i) => expect(s.info.nonLinearConstraints + s.info.linearConstraints, `segment ${i}`).to.be.at.most(plan.segments[i]!.constraints));
  });

  it("computes, segment by segment, exactly what the reference interpreter computes (the combine bit-identical to the unsplit node)", () => {
    const next = rng(5);
    for (let t = 0; t < 30; t++) {
      const x = ir.features.map((f) => randomBetween(next, f.qmin, f.qmax));
      const whole = runQuantized(ir, x);
      expect(runSegmentChain(ir, plan, x)).to.deep.equal(whole.outputs);
      const tape = planTape(ir.graph, plan, whole.tape);
      // The plan's graph run on its own equals the interpreter's values plus the partial sums.
      expect(runGraphTape(planGraph(ir.graph, plan), x)).to.deep.equal(tape);
      const { columns } = columnGraph(ir.graph, plan.columns!);
      whole.tape.forEach((v, k) => expect(tape[columns.valueOf[k]!]).to.equal(v));
    }
  });

  it("refuses, in the segment chain (check-onnx's measured error), a partial sum outside the interval its opening relies on", () => {
    const last = plan.segments.length - 1;
    const j = partialInputs()[0]!;
    const v = plan.segments[last]!.inputs[j]!;
    const honestTape = planTape(ir.graph, plan, runQuantized(ir, inputs).tape);
    // The same model with that partial sum's claimed interval narrowed to exclude its honest value.
    const narrowed: ModelIR = structuredClone(ir);
    const g = planGraph(narrowed.graph, plan);
    let at = g.in.length;
    for (const node of g.nodes) for (const o of node.outs) if (at++ === v) o.iv = { lo: honestTape[v]! + 1n, hi: honestTape[v]! + 1n };
    expect(() => runSegmentChain(narrowed, plan, inputs)).to.throw(new RegExp(`segment ${last} of 4: tape value ${v} = .* is outside`));
  });

  it("satisfies every constraint with the public signals of one interpreter run; the boundary commitments chain", async () => {
    const next = rng(9);
    for (let t = 0; t < 8; t++) {
      const x = ir.features.map((f) => randomBetween(next, f.qmin, f.qmax));
      const w = await segmentWitnesses(ir, plan, modelCommitment, { ...statement, inputs: x });
      for (const [i, s] of segs.entries()) {
        const witness = await s.wc.calculateWitness(w.circuitInputs[i]!, true);
        expect(firstViolatedConstraint(s.r1cs, witness), `segment ${i}`).to.equal(-1);
        expect(witness.slice(1, 1 + w.segmentSignals[i]!.length), `segment ${i}'s public signals`).to.deep.equal(w.segmentSignals[i]!.map(toField));
      }
      for (let i = 0; i + 1 < segs.length; i++) expect(w.segmentSignals[i]![0]).to.equal(w.segmentSignals[i + 1]!.at(-3));
      expect(w.outputs).to.deep.equal(runQuantized(ir, x).outputs);
    }
  });

  it("rejects a change to any single signal of any segment's witness, the column pieces' included", () => {
    segs.forEach((s, i) => {
      const w = witnesses[i]!;
      const free: string[] = [];
      for (let j = 1; j < w.length; j++) if (!changeViolates(s.r1cs, w, j, (w[j]! + 1n) % FIELD_MODULUS)) free.push(String(j));
      const names = [...s.symbols].filter(([, k]) => free.includes(String(k))).map(([n]) => n);
      expect(names, `segment ${i}: signals that can change without violating a constraint`).to.deep.equal([]);
    });
    // Inside the column pieces: the combine's RescaleRelu gadgets (the last segment sums the partials it
    // opened and those it computed: circom substitutes the partial sums themselves, linear, into them).
    const last = segs.length - 1;
    const gadget = [...segs[last]!.symbols].filter(([n, k]) => /^main\.RescaleRelu_/.test(n) && k >= 0);
    expect(gadget.length).to.be.greaterThan(4);
    for (const [name, k] of gadget) expect(changeViolates(segs[last]!.r1cs, witnesses[last]!, k, witnesses[last]![k]! + 1n), name).to.equal(true);
  });

  it("rejects a partial sum at the boundary changed within its range (the commitment opens to one vector) or outside it", async () => {
    const last = segs.length - 1;
    const seg = plan.segments[last]!;
    const ranges = boundaryRanges(planGraph(ir.graph, plan), seg.inputs);
    const given = honest.circuitInputs[last]!.boundaryIn as bigint[];
    for (const j of partialInputs()) {
      const v = fromField(toField(given[j]!));
      const r = ranges[j]!;
      expect(v >= r.qmin && v <= r.qmax).to.equal(true);
      for (const bad of [v === r.qmin ? v + 1n : v - 1n, r.qmax + 1n, r.qmin - 1n]) {
        const input = { ...honest.circuitInputs[last]!, boundaryIn: given.map((x, k) => (k === j ? toField(bad) : x)) };
        let refused = false;
        await segs[last]!.wc.calculateWitness(input, true).catch(() => (refused = true));
        expect(refused, `partial sum boundaryIn[${j}] = ${bad}`).to.equal(true);
        const at = segs[last]!.symbols.get(`main.boundaryIn[${j}]`);
        if (at !== undefined && at >= 0)
          expect(changeViolates(segs[last]!.r1cs, witnesses[last]!, at, toField(bad)), `boundaryIn[${j}] = ${bad}`).to.equal(true);
      }
    }
  });
});
