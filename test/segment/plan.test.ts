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
import { boundaryAt, planSegments, type SegmentableGraph } from "../../prover/segment/plan.js";
import { pieceArgs, piecesOf, READ_VALUE_CONSTRAINTS } from "../../prover/segment/pieces.js";
import { planModelSegments } from "../../prover/segment/segments.js";

const range = (n: number) => Array.from({ length: n }, (_, k) => k);

/** A chain of n one-output nodes (each reading the previous value) costing `cost` each; input 0 also read by the last node. */
function chain(n: number, cost: number, skip: boolean): SegmentableGraph {
  return {
    inputs: 1,
    nodes: Array.from({ length: n }, (_, k) => ({ args: k === n - 1 && skip ? [k, 0] : [k], outputs: 1, constraints: cost })),
    outputs: [n],
    bits: () => 10,
  };
}

describe("segment plan", () => {
  it("uses the fewest segments that fit, each within the limit, and covers every unit once in order", () => {
    const g = chain(10, 1000, false);
    const max = 3900;
    const plan = planSegments(g, max);
    expect(plan.checks).to.equal(1);
    // Unit 0 checks the input; nodes k are units k + 1. Three nodes a segment (3,000, the openings, lists and bindings); four pass the limit.
    expect(plan.segments.map((s) => [s.first, s.end])).to.deep.equal([
      [0, 4],
      [4, 7],
      [7, 10],
      [10, 11],
    ]);
    for (const s of plan.segments) expect(s.constraints).to.be.at.most(max);
    expect(plan.boundaryValues).to.equal(3);
    // At least 6 (more workers): as many, each still within the limit.
    const six = planSegments(g, max, 6);
    expect(six.segments).to.have.length(6);
    for (const s of six.segments) expect(s.constraints).to.be.at.most(max);
  });

  it("passes a skip connection through every segment it crosses as one list element, opened only where it is read", () => {
    const g = chain(6, 1000, true);
    expect(boundaryAt(g, 4)).to.deep.equal([0, 3]); // before node 3 (unit 4): the input and node 2's value
    const plan = planSegments(g, 3000);
    expect(plan.segments.length).to.be.greaterThan(2);
    for (const s of plan.segments.slice(1)) expect(s.groupsIn).to.include(0);
    for (const s of plan.segments.slice(1, -1)) expect(s.opened).to.not.include(0);
    expect(plan.segments.at(-1)!.opened).to.include(0);
    plan.segments.slice(0, -1).forEach((s, i) => expect(plan.segments[i + 1]!.groupsIn).to.deep.equal(s.groupsOut));
  });

  it("puts the checks of more inputs than a segment can hold into input segments before the first node", () => {
    // 4,000 16-bit inputs (about 37 constraints each to check and open), one node reading 20 of them.
    const g: SegmentableGraph = { inputs: 4000, nodes: [{ args: range(20), outputs: 1, constraints: 500 }], outputs: [4000], bits: () => 16 };
    const plan = planSegments(g, 30_000);
    const inputSegments = plan.segments.filter((s) => s.end <= plan.checks);
    expect(inputSegments.length).to.be.greaterThan(1);
    for (const s of plan.segments) expect(s.constraints).to.be.at.most(30_000);
    // Every input group is checked exactly once, by the segment holding its check unit.
    expect(plan.segments.flatMap((s) => s.checked)).to.deep.equal(range(plan.checks));
    // The first segment opens (and so commits to) every input group: the user's input commitment.
    expect(plan.segments[0]!.groupsIn).to.deep.equal(range(plan.checks));
    // The compute segment opens, besides the groups it checks, only the group its node reads.
    const last = plan.segments.at(-1)!;
    expect(last.opened.filter((gi) => !last.checked.includes(gi))).to.deep.equal([0]);
  });

  it("names a node too large for any segment, and cuts an elementwise one into pieces instead; a dense piece reads only its rows' arguments", () => {
    const g: SegmentableGraph = { inputs: 1, nodes: [{ args: [0], outputs: 1, constraints: 5000 }], outputs: [1], bits: () => 1 };
    expect(() => planSegments(g, 2000)).to.throw(/node 0 cannot fit in a segment of at most 2,000 constraints.*--max-segment-constraints/);
    const pieces = piecesOf([{ op: "fn" }, { op: "argmax" }], [10, 1], [4960, 5000], 1000);
    // 4,960 and the hashes of handing on 10 values (4 each): 5 pieces of 2 outputs, about 1,000 each.
    expect(pieces.filter((p) => p.node === 0).map((p) => [p.from, p.to])).to.deep.equal([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 8],
      [8, 10],
    ]);
    expect(pieces.filter((p) => p.node === 1)).to.deep.equal([{ node: 1, from: 0, to: 1 }]);
    // A convolution-like dense node: row r weighs arguments r and r + 1 only.
    const conv = { op: "affine", args: range(101).map((a) => a + 7), rows: range(100).map((r) => ({ p: [r, r + 1], w: [1, 1], b: 0 })) };
    expect(pieceArgs(conv as never, 10, 20)).to.deep.equal(range(11).map((a) => a + 17));
    // A node of few outputs each reading many values (a layer norm's 16 variances over 128 values each):
    // cut below MIN_READ_PIECE outputs while a piece costs more than MAX_READ_PIECES pieces' limit.
    const norm = { op: "affine", args: range(2048), rows: range(16).map((r) => ({ p: range(128).map((k) => r * 128 + k), w: [], b: 0 })) };
    const normPieces = piecesOf([norm], [16], [800], 7000);
    expect(normPieces.length).to.be.greaterThan(1);
    for (const p of normPieces) expect(pieceArgs(norm as never, p.from, p.to).length * READ_VALUE_CONSTRAINTS).to.be.at.most(2 * 7000);
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
    // segments-wide with one output a piece: 2 segments of at most 1,600 (the tiny model now fits in one).
    const spec = readModelSpec(fileURLToPath(new URL("../fixtures/segments-wide.json", import.meta.url)));
    const ir = lowerModel(spec);
    const max = 1600;
    const plan = planModelSegments(ir, specGraph(spec), max, 1);
    expect(plan.segments).to.have.length(2);
    const nodes = ir.graph.nodes.length;
    const half = calibratedNodeScale(
      plan,
      plan.segments.map((s) => s.constraints / 2),
      nodes,
    );
    // Every node sits in some segment: each scale is the half of its segment's ratio.
    expect(half).to.deep.equal(new Array(nodes).fill(0.5));
    const fewer = planModelSegments(ir, specGraph(spec), max, 1, half);
    expect(fewer.segments.length).to.be.below(2);
    const twice = calibratedNodeScale(
      plan,
      plan.segments.map((s) => s.constraints * 2),
      nodes,
    );
    const more = planModelSegments(ir, specGraph(spec), max, 1, twice);
    expect(more.segments.length).to.be.above(2);
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
