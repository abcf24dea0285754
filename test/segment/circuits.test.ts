/**
 * The segment circuits (prover/segment/circuit.ts) of a tiny model cut into three segments, without
 * keys: every honest witness satisfies its constraints with the public signals the TypeScript side
 * computes from ONE run of the reference interpreter, the boundary commitments chain, and the
 * witness-tamper cases of docs/SECURITY.md (C63-C66): any single signal changed, a boundary value
 * outside its proven range, a boundary value changed under the same commitment, a forged boundary
 * commitment.
 */
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { changeViolates, firstViolatedConstraint } from "../../prover/circuit/r1cs.js";
import { FIELD_MODULUS, fromField, toField } from "../../prover/field.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { specGraph } from "../../prover/model/specGraph.js";
import { groupRanges, renderSegments, type RenderedSegments } from "../../prover/segment/circuit.js";
import { inputPackingLayout } from "../../prover/model/commitment.js";
import { boundaryRanges, planModelSegments, type SegmentPlan } from "../../prover/segment/segments.js";
import { runSegmentChain, segmentWitnesses, type SegmentWitnesses } from "../../prover/segment/witness.js";
import { ZkinferError } from "../../prover/errors.js";
import { compileSegmentSources, rng, randomBetween, type CompiledSegment } from "../helpers/circuits.js";

const specPath = fileURLToPath(new URL("../fixtures/segments-tiny.json", import.meta.url));
/** Three segments (at least: the whole model fits in one) of at most 1,000 estimated constraints (each under 2^10). */
export const TINY_MAX_SEGMENT_CONSTRAINTS = 1000;
export const TINY_MIN_SEGMENTS = 3;

describe("segment circuits: a tiny model cut into 3 segments (witnesses, no keys)", function () {
  this.timeout(300_000);
  let ir: ModelIR;
  let plan: SegmentPlan;
  let rendered: RenderedSegments;
  const segs: CompiledSegment[] = [];
  let honest: SegmentWitnesses;
  let witnesses: bigint[][];
  const statement = { salt: 77n, subject: 0xa11cen, nonce: 5n, boundarySalts: [1001n, 1002n] };

  before(async () => {
    const spec = readModelSpec(specPath);
    ir = lowerModel(spec);
    plan = planModelSegments(ir, specGraph(spec), TINY_MAX_SEGMENT_CONSTRAINTS, undefined, undefined, TINY_MIN_SEGMENTS);
    rendered = await renderSegments(ir, plan);
    segs.push(...(await compileSegmentSources(rendered.sources, "seg")));
    honest = await segmentWitnesses(ir, plan, rendered.modelCommitment, { inputs: [16n, 100n, -8n], ...statement });
    witnesses = await Promise.all(segs.map((s, i) => s.wc.calculateWitness(honest.circuitInputs[i]!, true)));
  });

  const wire = (i: number, name: string) => {
    const w = segs[i]!.symbols.get(`main.${name}`);
    if (w === undefined) throw new Error(`segment ${i}: no wire main.${name}`);
    return w;
  };
  /** A boundary value's wire, or undefined where circom substituted it (a one-value group: the value is its groupsIn element's wire). */
  const valueWire = (i: number, j: number) => {
    const w = segs[i]!.symbols.get(`main.boundaryIn[${j}]`);
    return w !== undefined && w >= 0 ? w : undefined;
  };

  it("plans 3 segments: the first checks the input group and computes, each opens the groups the previous one hands on, the last hands on the outputs", () => {
    expect(plan.checks).to.equal(1);
    expect(plan.segments.map((s) => [s.first, s.end])).to.deep.equal([
      [0, 4],
      [4, 5],
      [5, 6],
    ]);
    expect(plan.segments[0]!).to.deep.include({ groupsIn: [0], checked: [0], opened: [0], inputs: [0, 1, 2] });
    expect(plan.segments[2]!.outputs).to.deep.equal(ir.graph.outputs);
    plan.segments
      .slice(1)
      .forEach((s, i) => expect(s.groupsIn, `segment ${i + 1} opens what segment ${i} hands on`).to.deep.equal(plan.segments[i]!.groupsOut));
  });

  it("pins each segment's constraint count (under 2^10 each), and the estimate bounds it", () => {
    expect(segs.map((s) => s.info.nonLinearConstraints)).to.deep.equal([693, 549, 297]);
    segs.forEach((s, i) => expect(s.info.nonLinearConstraints + s.info.linearConstraints, `segment ${i}`).to.be.at.most(plan.segments[i]!.constraints));
  });

  it("satisfies every constraint with the public signals of one interpreter run; the boundary commitments chain", async () => {
    const next = rng(7);
    for (let t = 0; t < 20; t++) {
      const inputs = ir.features.map((f) => randomBetween(next, f.qmin, f.qmax));
      const w = await segmentWitnesses(ir, plan, rendered.modelCommitment, { inputs, ...statement, salt: BigInt(t) });
      expect(w.outputs).to.deep.equal(runQuantized(ir, inputs).outputs);
      for (const [i, s] of segs.entries()) {
        const witness = await s.wc.calculateWitness(w.circuitInputs[i]!, true);
        expect(firstViolatedConstraint(s.r1cs, witness), `segment ${i}`).to.equal(-1);
        const signals = w.segmentSignals[i]!;
        expect(witness.slice(1, 1 + signals.length), `segment ${i}'s public signals`).to.deep.equal(signals.map(toField));
        expect(s.info.publicOutputs + s.info.publicInputs).to.equal(signals.length);
      }
      // Segment i's one output is segment i + 1's input commitment; the last one's outputs are the model's.
      for (let i = 0; i + 1 < segs.length; i++) expect(w.segmentSignals[i]![0]).to.equal(w.segmentSignals[i + 1]!.at(-3));
      expect(w.publicSignals.slice(0, 2)).to.deep.equal(w.outputs.map(toField));
      expect(w.segmentSignals.every((sig) => sig[sig.length - 4] === rendered.modelCommitment)).to.equal(true);
    }
  });

  it("runs the segment chain (check-onnx's measured error) to the interpreter's outputs; it refuses what a circuit refuses: an input outside its range, a value outside its claimed interval", () => {
    const next = rng(11);
    for (let t = 0; t < 20; t++) {
      const inputs = ir.features.map((f) => randomBetween(next, f.qmin, f.qmax));
      expect(runSegmentChain(ir, plan, inputs)).to.deep.equal(runQuantized(ir, inputs).outputs);
    }
    const f0 = ir.features[0]!;
    expect(() => runSegmentChain(ir, plan, [f0.qmax + 1n, 100n, -8n])).to.throw(ZkinferError, /segment 0 of 3: tape value 0 = .* is outside \[/);
    // A value segment 1 opens outside the interval its maker's analysis claims (the IR's claim narrowed here):
    // the chain refuses it where the whole interpreter, which checks no interval, does not.
    const honestTape = runQuantized(ir, [16n, 100n, -8n]).tape;
    const narrowed: ModelIR = structuredClone(ir);
    const v = plan.segments[1]!.inputs[0]!;
    let at = narrowed.graph.in.length;
    for (const node of narrowed.graph.nodes) for (const o of node.outs) if (at++ === v) o.iv = { lo: honestTape[v]! + 1n, hi: honestTape[v]! + 1n };
    expect(runQuantized(narrowed, [16n, 100n, -8n]).outputs).to.deep.equal(honest.outputs);
    expect(() => runSegmentChain(narrowed, plan, [16n, 100n, -8n])).to.throw(ZkinferError, new RegExp(`segment 1 of 3: tape value ${v} = .* is outside`));
  });

  it("rejects a change to any single signal of any segment's witness (no signal is left unconstrained)", () => {
    segs.forEach((s, i) => {
      const w = witnesses[i]!;
      const free: string[] = [];
      for (let j = 1; j < w.length; j++) if (!changeViolates(s.r1cs, w, j, (w[j]! + 1n) % FIELD_MODULUS)) free.push(String(j));
      const names = [...s.symbols].filter(([, k]) => free.includes(String(k))).map(([n]) => n);
      expect(names, `segment ${i}: signals that can change without violating a constraint`).to.deep.equal([]);
    });
  });

  it("rejects a boundary value outside its proven range (the witness generator and the constraints), including p - 1 posing as -1", async () => {
    for (const i of [1, 2]) {
      const ranges = boundaryRanges(ir.graph, plan.segments[i]!.inputs);
      for (const [j, r] of ranges.entries()) {
        for (const bad of [r.qmax + 1n, r.qmin - 1n, ...(r.qmin >= 0n ? [FIELD_MODULUS - 1n] : [])]) {
          const input = {
            ...honest.circuitInputs[i]!,
            boundaryIn: (honest.circuitInputs[i]!.boundaryIn as bigint[]).map((v, k) => (k === j ? toField(bad) : v)),
          };
          let refused = false;
          await segs[i]!.wc.calculateWitness(input, true).catch(() => (refused = true));
          expect(refused, `segment ${i} boundaryIn[${j}] = ${bad}`).to.equal(true);
          const at = valueWire(i, j);
          if (at !== undefined) expect(changeViolates(segs[i]!.r1cs, witnesses[i]!, at, toField(bad))).to.equal(true);
        }
      }
    }
  });

  it("rejects another boundary value, or another boundary commitment, under the predecessor's commitment", async () => {
    for (const i of [1, 2]) {
      const w = witnesses[i]!;
      const inputs = plan.segments[i]!.inputs.length;
      const ranges = boundaryRanges(ir.graph, plan.segments[i]!.inputs);
      for (let j = 0; j < inputs; j++) {
        // In range (the honest value minus one, or plus one at its minimum): the commitment opens to one vector only.
        const v = fromField(toField((honest.circuitInputs[i]!.boundaryIn as bigint[])[j]!));
        const other = v === ranges[j]!.qmin ? v + 1n : v - 1n;
        const input = {
          ...honest.circuitInputs[i]!,
          boundaryIn: (honest.circuitInputs[i]!.boundaryIn as bigint[]).map((x, k) => (k === j ? toField(other) : x)),
        };
        let refused = false;
        await segs[i]!.wc.calculateWitness(input, true).catch(() => (refused = true));
        expect(refused, `segment ${i} boundaryIn[${j}] = ${other}`).to.equal(true);
        const at = valueWire(i, j);
        if (at !== undefined) expect(changeViolates(segs[i]!.r1cs, w, at, toField(other)), `segment ${i} boundaryIn[${j}]`).to.equal(true);
      }
      expect(changeViolates(segs[i]!.r1cs, w, wire(i, "inputCommitment"), w[wire(i, "inputCommitment")]! + 1n)).to.equal(true);
    }
    for (const i of [0, 1]) {
      expect(changeViolates(segs[i]!.r1cs, witnesses[i]!, wire(i, "outputs[0]"), witnesses[i]![wire(i, "outputs[0]")]! + 1n)).to.equal(true);
    }
  });
});

describe("segment circuits: every splittable family's wide node cut into pieces (segments-wide, one output per piece)", function () {
  this.timeout(300_000);
  const opsSpec = fileURLToPath(new URL("../fixtures/segments-wide.json", import.meta.url));

  it("computes, segment by segment, exactly what the reference interpreter computes, with each boundary committed and opened", async () => {
    const spec = readModelSpec(opsSpec);
    const ir = lowerModel(spec);
    // Pieces of at most one output's cost: every splittable node (affine rows, fn, mul, div, rounding) is sliced.
    const plan = planModelSegments(ir, specGraph(spec), 1200, 1);
    const sliced = new Set(plan.pieces.filter((p) => p.to - p.from < ir.graph.nodes[p.node]!.outs.length).map((p) => ir.graph.nodes[p.node]!.family));
    expect([...sliced].sort()).to.deep.equal(["affine", "div", "fn", "mul", "round"]);
    expect(plan.segments.length).to.be.greaterThan(1);
    const rendered = await renderSegments(ir, plan);
    const compiled = await compileSegmentSources(rendered.sources, "ops");
    const next = rng(3);
    const k = plan.segments.length;
    for (let t = 0; t < 10; t++) {
      const inputs = ir.features.map((f) => randomBetween(next, f.qmin, f.qmax));
      const w = await segmentWitnesses(ir, plan, rendered.modelCommitment, {
        inputs,
        salt: 5n,
        subject: 1n,
        nonce: 2n,
        boundarySalts: Array.from({ length: k - 1 }, (_, i) => 100n + BigInt(i)),
      });
      for (const [i, c] of compiled.entries()) {
        const witness = await c.wc.calculateWitness(w.circuitInputs[i]!, true);
        expect(firstViolatedConstraint(c.r1cs, witness), `segment ${i}`).to.equal(-1);
        expect(witness.slice(1, 1 + w.segmentSignals[i]!.length), `segment ${i}'s public signals`).to.deep.equal(w.segmentSignals[i]!.map(toField));
      }
      expect(w.publicSignals.slice(0, ir.outputs.length)).to.deep.equal(runQuantized(ir, inputs).outputs.map(toField));
    }
  });
});

describe("segment circuits: an input segment, then segments opening its commitment (segments-wide, at least 3 segments of 1,500)", function () {
  this.timeout(300_000);
  const wideSpec = fileURLToPath(new URL("../fixtures/segments-wide.json", import.meta.url));
  let ir: ModelIR;
  let plan: SegmentPlan;
  const segs: CompiledSegment[] = [];
  let honest: SegmentWitnesses;
  const inputs = [16n, -20n, 40n];
  const statement = { inputs, salt: 9n, subject: 3n, nonce: 4n, boundarySalts: [501n, 502n] };

  before(async () => {
    const spec = readModelSpec(wideSpec);
    ir = lowerModel(spec);
    plan = planModelSegments(ir, specGraph(spec), 1500, undefined, undefined, 3);
    const rendered = await renderSegments(ir, plan);
    segs.push(...(await compileSegmentSources(rendered.sources, "in")));
    honest = await segmentWitnesses(ir, plan, rendered.modelCommitment, statement);
  });

  it("segment 0 only range-checks the inputs and commits them; segment 1 opens that commitment; every constraint holds, the chain holds", async () => {
    expect(plan.segments).to.have.length(3);
    expect(plan.segments[0]!).to.deep.include({ first: 0, end: plan.checks, checked: [0], outputs: [] });
    expect(plan.segments[1]!.opened).to.include(0);
    expect(plan.segments[1]!.checked).to.deep.equal([]);
    for (const [i, s] of segs.entries()) {
      const w = await s.wc.calculateWitness(honest.circuitInputs[i]!, true);
      expect(firstViolatedConstraint(s.r1cs, w), `segment ${i}`).to.equal(-1);
      expect(w.slice(1, 1 + honest.segmentSignals[i]!.length)).to.deep.equal(honest.segmentSignals[i]!.map(toField));
      expect(s.info.nonLinearConstraints + s.info.linearConstraints, `segment ${i} within its estimate`).to.be.at.most(plan.segments[i]!.constraints);
    }
    expect(honest.segmentSignals[0]![0]).to.equal(honest.segmentSignals[1]!.at(-3));
    expect(honest.publicSignals.slice(0, ir.outputs.length)).to.deep.equal(runQuantized(ir, inputs).outputs.map(toField));
  });

  it("refuses, in the input segment, an input past its declared range though within its digit width (the second decomposition)", async () => {
    const f = ir.features[0]!;
    const bad = f.qmax + 1n;
    expect(bad - f.qmin).to.be.below(1n << BigInt((f.qmax - f.qmin).toString(2).length)); // one decomposition alone would take it
    const input = { ...honest.circuitInputs[0]!, boundaryIn: (honest.circuitInputs[0]!.boundaryIn as bigint[]).map((v, k) => (k === 0 ? toField(bad) : v)) };
    let refused = false;
    await segs[0]!.wc.calculateWitness(input, true).catch(() => (refused = true));
    expect(refused).to.equal(true);
    const w = await segs[0]!.wc.calculateWitness(honest.circuitInputs[0]!, true);
    const at = segs[0]!.symbols.get("main.boundaryIn[0]")!;
    expect(changeViolates(segs[0]!.r1cs, w, at, toField(bad))).to.equal(true);
  });

  it("lets segment 1 open that input (one decomposition) only under another commitment than the input segment's: the chain rejects it", async () => {
    const f = ir.features[0]!;
    const bad = f.qmax + 1n;
    const gr = plan.groups[0]!;
    const ranges = groupRanges(ir, plan, gr.first, gr.end);
    // The forged group element: the packed word of the inputs with input 0 = max + 1 (PackDigits accepts its digit).
    const values = inputs.map((v, k) => (k === 0 ? bad : v));
    const [word] = inputPackingLayout(ranges).map(({ first, bits }) => {
      let acc = 0n;
      let shift = 0n;
      bits.forEach((b, j) => {
        acc += (values[first + j]! - ranges[first + j]!.qmin) << shift;
        shift += BigInt(b);
      });
      return acc;
    });
    const q = plan.segments[1]!.groupsIn.indexOf(0);
    const at = plan.segments[1]!.inputs.indexOf(0);
    const input = {
      ...honest.circuitInputs[1]!,
      groupsIn: (honest.circuitInputs[1]!.groupsIn as bigint[]).map((g, k) => (k === q ? word! : g)),
      boundaryIn: (honest.circuitInputs[1]!.boundaryIn as bigint[]).map((v, k) => (k === at ? toField(bad) : v)),
    };
    const w = await segs[1]!.wc.calculateWitness(input, true);
    expect(firstViolatedConstraint(segs[1]!.r1cs, w)).to.equal(-1);
    const inputCommitment = w[segs[1]!.symbols.get("main.inputCommitment")!]!;
    expect(inputCommitment).to.not.equal(honest.segmentSignals[0]![0]);
    // And under the input segment's commitment (the honest list), the forged value is refused.
    let refused = false;
    await segs[1]!.wc.calculateWitness({ ...input, groupsIn: honest.circuitInputs[1]!.groupsIn }, true).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });
});
