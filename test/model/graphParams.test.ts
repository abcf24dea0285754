/**
 * Typed family parameters (prover/graph/types.ts, Family<Params, QParams>): a spec's graph node whose
 * parameter is missing or of the wrong type is refused by its family's check, naming the node and the
 * parameter; a well-formed graph lowers to nodes that carry their family's name.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { lowerModel } from "../../prover/model/ir.js";
import { parseModelSpec } from "../../prover/model/spec.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/graph-ops.json", import.meta.url));

/** The graph-ops fixture with its graph's node list replaced by `nodes` and the outputs by value 3. */
function specWith(nodes: unknown[]): unknown {
  const spec = JSON.parse(readFileSync(FIXTURE, "utf8"));
  const graph = spec.layers.find((l: { type: string }) => l.type === "graph");
  graph.nodes = nodes;
  graph.outputs = [3];
  const out = spec.layers.find((l: { type: string }) => l.type === "output");
  out.outputs = out.outputs.slice(0, 1);
  return spec;
}

function refusal(nodes: unknown[]): string {
  try {
    parseModelSpec(specWith(nodes), "graph.json");
  } catch (e) {
    return (e as Error).message;
  }
  return expect.fail("expected the spec to be refused");
}

describe("graph families: typed parameters", () => {
  it("refuses a parameter of the wrong type, naming the node and the parameter", () => {
    expect(refusal([{ op: "affine", args: [0], rows: [{ p: [0], w: ["2"], b: 0 }] }])).to.match(
      /nodes\[0\].*rows\[0\]: weights and bias must be finite numbers/,
    );
    expect(refusal([{ op: "affine", args: [0], rows: "x" }])).to.match(/nodes\[0\].*"rows" must be a non-empty array/);
    expect(refusal([{ op: "fn", args: [0], fn: 3 }])).to.match(/nodes\[0\].*"fn" must be one of/);
    expect(refusal([{ op: "fn", args: [0], fn: "exp", activationBits: 2.5 }])).to.match(/nodes\[0\]\.activationBits: must be an integer in 0\.\.64/);
    expect(refusal([{ op: "fn", args: [0], fn: "elu", params: { alpha: "1" } }])).to.match(/nodes\[0\].*"params" must map parameter names to numbers/);
    expect(refusal([{ op: "max", args: [0, 1], groups: [[0, 2]] }])).to.match(/nodes\[0\].*groups\[0\] must list positions into the node's 2 args/);
    expect(refusal([{ op: "topk", args: [0, 1], groups: [[0, 1]], k: 1, largest: "yes" }])).to.match(/nodes\[0\].*"largest" must be true or false/);
    expect(refusal([{ op: "topk", args: [0, 1], groups: [[0, 1]], k: 1.5, largest: true }])).to.match(/nodes\[0\].*"k" must be a positive integer/);
    expect(refusal([{ op: "div", args: [2], numerator: "1" }])).to.match(/nodes\[0\].*"numerator" must be a finite number/);
    expect(refusal([{ op: "mul", args: [0, 1], norm: { n: 2, eps: -1, variance: [0] } }])).to.match(/nodes\[0\].*"norm" must be/);
  });

  it("lowers a node at its own activationBits (the calibration's per-node scale), others at the spec's", () => {
    const ir = (bits?: number) =>
      lowerModel(parseModelSpec(specWith([{ op: "fn", args: [0], fn: "sigmoid", ...(bits === undefined ? {} : { activationBits: bits }) }]), "graph.json"))
        .graph;
    expect(ir().nodes[0]!.outs[0]!.scale).to.equal(6); // fixedPoint.activationBits
    expect(ir(12).nodes[0]!.outs[0]!.scale).to.equal(12);
    expect(ir(12).outErr[0]!).to.be.below(ir().outErr[0]!);
  });

  it("lowers every node of the graph-ops fixture to a node that names its family", () => {
    const ir = lowerModel(parseModelSpec(JSON.parse(readFileSync(FIXTURE, "utf8")), FIXTURE));
    const graph = ir.graph;
    const families = new Set(graph.nodes.map((n) => n.family));
    expect([...families].sort()).to.include.members(["affine", "compare", "div", "fn", "maxmin", "mul", "round"]);
    for (const n of graph.nodes) expect(n.inScales).to.have.length(n.args.length);
  });
});
