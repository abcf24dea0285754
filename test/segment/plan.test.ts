/**
 * The segment planner (prover/segment/plan.ts) on graphs built by hand, and the refusals of the
 * segmented build: cuts keep K minimal and then the committed boundary small, a skip connection passes
 * through the segments it crosses, a node too large for any segment is named, and a model the segment
 * circuits do not carry (private weights) or a bad flag is refused with what is allowed.
 */
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { lowerModel } from "../../prover/model/ir.js";
import { readModelSpec } from "../../prover/model/spec.js";
import { specGraph } from "../../prover/model/specGraph.js";
import { calibratedNodeScale, parseMaxSegmentConstraints } from "../../prover/segment/build.js";
import { boundaryAt, planSegments, SEGMENT_FIXED_CONSTRAINTS, type SegmentableGraph } from "../../prover/segment/plan.js";
import { piecesOf } from "../../prover/segment/pieces.js";
import { planModelSegments } from "../../prover/segment/segments.js";

/** A chain of n one-output nodes (each reading the previous value) costing `cost` each; input 0 also read by the last node. */
function chain(n: number, cost: number, skip: boolean): SegmentableGraph {
  return {
    inputs: 1,
    nodes: Array.from({ length: n }, (_, k) => ({ args: k === n - 1 && skip ? [k, 0] : [k], outputs: 1, constraints: cost })),
    outputs: [n],
    readCost: () => 10,
    handCost: () => 1,
  };
}

describe("segment plan", () => {
  it("uses the fewest segments that fit, each within the limit, and covers every node once in order", () => {
    const g = chain(10, 100, false);
    const max = SEGMENT_FIXED_CONSTRAINTS + 350;
    const plan = planSegments(g, max);
    // At most 3 nodes a segment (300 + a boundary in and out + fixed; 4 nodes pass the limit): 4 segments.
    expect(plan.segments.map((s) => [s.first, s.end])).to.deep.equal([
      [0, 3],
      [3, 6],
      [6, 9],
      [9, 10],
    ]);
    for (const s of plan.segments) expect(s.constraints).to.be.at.most(max);
    expect(plan.boundaryValues).to.equal(3);
  });

  it("passes a skip connection through every segment it crosses, each segment reading what the previous one hands on", () => {
    const g = chain(6, 100, true);
    expect(boundaryAt(g, 3)).to.deep.equal([0, 3]);
    const plan = planSegments(g, SEGMENT_FIXED_CONSTRAINTS + 400);
    for (const s of plan.segments.slice(1)) expect(s.inputs).to.include(0);
    plan.segments.slice(0, -1).forEach((s, i) => expect(plan.segments[i + 1]!.inputs).to.deep.equal(s.outputs));
  });

  it("names a node too large for any segment, and cuts an elementwise one into pieces instead", () => {
    const g: SegmentableGraph = { inputs: 1, nodes: [{ args: [0], outputs: 1, constraints: 5000 }], outputs: [1], readCost: () => 1, handCost: () => 1 };
    expect(() => planSegments(g, 2000)).to.throw(/node 0 cannot fit in a segment of at most 2,000 constraints.*--max-segment-constraints/);
    const pieces = piecesOf([{ op: "fn" }, { op: "argmax" }], [10, 1], [5000, 5000], 1000);
    expect(pieces.filter((p) => p.node === 0).map((p) => [p.from, p.to])).to.deep.equal([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 8],
      [8, 10],
    ]);
    expect(pieces.filter((p) => p.node === 1)).to.deep.equal([{ node: 1, from: 0, to: 1 }]);
  });

  it("refuses a private-weight model and a bad --max-segment-constraints, naming what is allowed", () => {
    const spec = readModelSpec(fileURLToPath(new URL("../fixtures/private-small.json", import.meta.url)));
    expect(() => planModelSegments(lowerModel(spec), specGraph(spec), 100_000)).to.throw(/private weights: segmented circuits take public-weight models/);
    for (const bad of ["abc", "10", "1.5", "-3"])
      expect(() => parseMaxSegmentConstraints(bad)).to.throw(/--max-segment-constraints: expected an integer of at least 500/);
    expect(parseMaxSegmentConstraints("58982")).to.equal(58982);
    expect(parseMaxSegmentConstraints(undefined)).to.equal(undefined);
  });

  it("re-plans from compiled counts: nodes of a segment compiled at half its estimate pack into fewer segments, at twice into more, each within the limit", () => {
    const spec = readModelSpec(fileURLToPath(new URL("../fixtures/segments-tiny.json", import.meta.url)));
    const ir = lowerModel(spec);
    const max = 680;
    const plan = planModelSegments(ir, specGraph(spec), max);
    expect(plan.segments).to.have.length(3);
    const nodes = ir.graph.nodes.length;
    const half = calibratedNodeScale(
      plan,
      plan.segments.map((s) => s.constraints / 2),
      nodes,
    );
    // Every node sits in some segment: each scale is the half of its segment's ratio.
    expect(half).to.deep.equal(new Array(nodes).fill(0.5));
    const fewer = planModelSegments(ir, specGraph(spec), max, undefined, half);
    expect(fewer.segments.length).to.be.below(3);
    const twice = calibratedNodeScale(
      plan,
      plan.segments.map((s) => s.constraints * 2),
      nodes,
    );
    const more = planModelSegments(ir, specGraph(spec), max, undefined, twice);
    expect(more.segments.length).to.be.above(3);
    for (const seg of more.segments) expect(seg.constraints).to.be.at.most(max);
    // Scales compose with the previous round's.
    expect(
      calibratedNodeScale(
        plan,
        plan.segments.map((s) => s.constraints * 2),
        nodes,
        half,
      ),
    ).to.deep.equal(new Array(nodes).fill(1));
  });
});
