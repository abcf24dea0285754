/**
 * The segment circuits (prover/segment/circuit.ts) of a tiny model cut into three segments, without
 * keys: every honest witness satisfies its constraints with the public signals the TypeScript side
 * computes from ONE run of the reference interpreter, the boundary commitments chain, and the
 * witness-tamper cases of docs/SECURITY.md (C63-C66): any single signal changed, a boundary value
 * outside its proven range, a boundary value changed under the same commitment, a forged boundary
 * commitment.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { compileCircuit, type CircuitInfo } from "../../prover/circuit/compile.js";
import { changeViolates, firstViolatedConstraint, loadR1cs, loadSymbols, type R1cs } from "../../prover/circuit/r1cs.js";
import { FIELD_MODULUS, toField } from "../../prover/field.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { lowerModel, type ModelIR } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { specGraph } from "../../prover/model/specGraph.js";
import { renderSegments, type RenderedSegments } from "../../prover/segment/circuit.js";
import { boundaryRanges, planModelSegments, type SegmentPlan } from "../../prover/segment/segments.js";
import { runSegmentChain, segmentWitnesses, type SegmentWitnesses } from "../../prover/segment/witness.js";
import { ZkinferError } from "../../prover/errors.js";
import { rng, randomBetween } from "../helpers/circuits.js";

const specPath = fileURLToPath(new URL("../fixtures/segments-tiny.json", import.meta.url));
/** Three segments of at most 680 estimated constraints (each under 2^10). */
export const TINY_MAX_SEGMENT_CONSTRAINTS = 680;

interface CompiledSegment {
  info: CircuitInfo;
  r1cs: R1cs;
  symbols: Map<string, number>;
  wc: { calculateWitness(input: Record<string, unknown>, sanity: boolean): Promise<bigint[]> };
}

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
    plan = planModelSegments(ir, specGraph(spec), TINY_MAX_SEGMENT_CONSTRAINTS);
    rendered = await renderSegments(ir, plan);
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-segments-"));
    for (const [i, source] of rendered.sources.entries()) {
      const file = join(dir, `seg${i}.circom`);
      writeFileSync(file, source);
      const info = await compileCircuit({ source: file, outDir: dir });
      segs.push({
        info,
        r1cs: await loadR1cs(join(dir, `seg${i}.r1cs`)),
        symbols: loadSymbols(join(dir, `seg${i}.sym`)),
        wc: await WitnessCalculatorBuilder(readFileSync(join(dir, `seg${i}_js`, `seg${i}.wasm`))),
      });
    }
    honest = await segmentWitnesses(ir, plan, rendered.modelCommitment, { inputs: [16n, 100n, -8n], ...statement });
    witnesses = await Promise.all(segs.map((s, i) => s.wc.calculateWitness(honest.circuitInputs[i]!, true)));
  });

  const wire = (i: number, name: string) => {
    const w = segs[i]!.symbols.get(`main.${name}`);
    if (w === undefined) throw new Error(`segment ${i}: no wire main.${name}`);
    return w;
  };

  it("plans 3 segments, each with its boundaries, the first reading every feature and the last handing on the outputs", () => {
    expect(plan.segments.map((s) => [s.first, s.end])).to.deep.equal([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    expect(plan.segments[0]!.inputs).to.deep.equal([0, 1, 2]);
    expect(plan.segments[2]!.outputs).to.deep.equal(ir.graph.outputs);
    plan.segments.slice(1).forEach((s, i) => expect(s.inputs, `segment ${i + 1} reads what segment ${i} hands on`).to.deep.equal(plan.segments[i]!.outputs));
  });

  it("pins each segment's constraint count (under 2^10 each), and the estimate bounds it", () => {
    expect(segs.map((s) => s.info.nonLinearConstraints)).to.deep.equal([635, 635, 316]);
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

  it("runs the segment chain (check-onnx's measured error) to the interpreter's outputs; it refuses what a circuit refuses, and a boundary read in another order changes the answer", () => {
    const next = rng(11);
    for (let t = 0; t < 20; t++) {
      const inputs = ir.features.map((f) => randomBetween(next, f.qmin, f.qmax));
      expect(runSegmentChain(ir, plan, inputs)).to.deep.equal(runQuantized(ir, inputs).outputs);
    }
    const f0 = ir.features[0]!;
    expect(() => runSegmentChain(ir, plan, [f0.qmax + 1n, 100n, -8n])).to.throw(ZkinferError, /segment 0 of 3: its input 0 .* outside \[/);
    // Segment 1 reading its boundary reversed: each segment really computes from what the previous handed on.
    const swapped: SegmentPlan = { ...plan, segments: plan.segments.map((s, i) => (i === 1 ? { ...s, inputs: [...s.inputs].reverse() } : s)) };
    let changed: unknown;
    try {
      changed = runSegmentChain(ir, swapped, [16n, 100n, -8n]);
    } catch (e) {
      changed = e; // a reversed value outside the interval the next segment range-checks
    }
    expect(changed).to.not.deep.equal(runQuantized(ir, [16n, 100n, -8n]).outputs);
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
          expect(changeViolates(segs[i]!.r1cs, witnesses[i]!, wire(i, `boundaryIn[${j}]`), toField(bad))).to.equal(true);
        }
      }
    }
  });

  it("rejects another boundary value, or another boundary commitment, under the predecessor's commitment", () => {
    for (const i of [1, 2]) {
      const w = witnesses[i]!;
      const inputs = plan.segments[i]!.inputs.length;
      for (let j = 0; j < inputs; j++) {
        const at = wire(i, `boundaryIn[${j}]`);
        // In range (the honest value minus one, or plus one at its minimum): the commitment opens to one vector only.
        const ranges = boundaryRanges(ir.graph, plan.segments[i]!.inputs);
        const v = w[at]!;
        const other = toField(v === toField(ranges[j]!.qmin) ? ranges[j]!.qmin + 1n : (v - 1n + FIELD_MODULUS) % FIELD_MODULUS);
        expect(changeViolates(segs[i]!.r1cs, w, at, other), `segment ${i} boundaryIn[${j}]`).to.equal(true);
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
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-segments-ops-"));
    const compiled: { r1cs: R1cs; wc: CompiledSegment["wc"] }[] = [];
    for (const [i, source] of rendered.sources.entries()) {
      const file = join(dir, `ops${i}.circom`);
      writeFileSync(file, source);
      await compileCircuit({ source: file, outDir: dir });
      compiled.push({
        r1cs: await loadR1cs(join(dir, `ops${i}.r1cs`)),
        wc: await WitnessCalculatorBuilder(readFileSync(join(dir, `ops${i}_js`, `ops${i}.wasm`))),
      });
    }
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
