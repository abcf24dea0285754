/**
 * A final Softmax is compiled as what it is, probabilities (issue 23, point 4: no output is compiled
 * as another function). Only the user's --argmax-output (ImportOptions.argmaxOutput) compiles it as
 * the ArgMax of its input logits (softmax is strictly monotone, so the most probable class is the
 * largest logit's); check-onnx then compares that class with the argmax of onnxruntime's
 * probabilities, ties to the lowest index on both sides. The option is refused, naming what differs,
 * on a model that does not end in one Softmax over one vector.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { changeViolates } from "../../prover/circuit/r1cs.js";
import { toField } from "../../prover/field.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { calibrate } from "../../prover/onnx/calibrate.js";
import { argmaxLowest, checkOnnx } from "../../prover/onnx/check.js";
import type { OnnxGraph, OnnxNode } from "../../prover/onnx/graph.js";
import { importParsedNetwork } from "../../prover/onnx/network.js";
import { compileSpec, type CompiledModel } from "../helpers/circuits.js";

const corpus = fileURLToPath(new URL("../fixtures/onnx/", import.meta.url));

function node(opType: string, name: string, inputs: string[], outputs: string[], attributes: Record<string, number> = {}): OnnxNode {
  return { opType, name, domain: "", inputs, outputs, attributes: new Map(Object.entries(attributes).map(([k, i]) => [k, { name: k, i }])) };
}

function graph(nodes: OnnxNode[], shape: number[], opset = 13, constants: [string, { dims: number[]; data: number[] }][] = []): OnnxGraph {
  return { producer: "zkinfer-test", opset, inputs: [{ name: "x", shape }], outputs: [nodes.at(-1)!.outputs[0]!], constants: new Map(constants), nodes };
}

describe("ONNX Softmax as the final op", function () {
  this.timeout(300_000);
  const argmax = { argmaxOutput: true };

  it("keeps a final Softmax as probabilities by default: the corpus's 1l_softmax agrees with onnxruntime's probabilities within its bound", async () => {
    const r = await checkOnnx(`${corpus}1l_softmax/network.onnx`, `${corpus}1l_softmax/input.json`);
    expect(r.supported, r.reason).to.equal(true);
    expect(r.softmax).to.equal(undefined);
    expect(r.outputs!.circuit).to.have.length(3);
    expect(Math.abs(r.outputs!.float.reduce((a, b) => a + b, 0) - 1)).to.be.at.most(1e-6);
    expect(r.errorBound).to.be.a("number");
    expect(r.maxAbsError).to.be.at.most(r.errorBound as number);
  });

  it("with --argmax-output compiles 1l_softmax to the class and matches onnxruntime's most probable class", async () => {
    const r = await checkOnnx(`${corpus}1l_softmax/network.onnx`, `${corpus}1l_softmax/input.json`, () => {}, argmax);
    expect(r.supported, r.reason).to.equal(true);
    expect(r.softmax!.node).to.equal("/layer/Softmax");
    expect(r.softmax!.probabilities).to.have.length(3);
    expect(r.outputs!.float).to.deep.equal([argmaxLowest(r.softmax!.probabilities)]);
    expect(r.outputs!.circuit).to.deep.equal(r.outputs!.float);
    expect(r.outputs!.circuit).to.deep.equal([2]); // probabilities 0.338, 0.322, 0.340
    expect(r.errorBound).to.equal(0); // the logit margin certifies the class
    expect(r.softmax!.logitMargin).to.be.greaterThan(2 * r.softmax!.logitErrorBound);
  });

  it("refuses --argmax-output when the probabilities feed another node, naming it", () => {
    const g = graph([node("Softmax", "probs", ["x"], ["p"], { axis: -1 }), node("Mul", "scale", ["p", "two"], ["y"])], [1, 3], 13, [
      ["two", { dims: [], data: [2] }],
    ]);
    expect(() => importParsedNetwork(g, "t.onnx", () => {}, argmax)).to.throw(/--argmax-output .*computed by Mul \(node "scale"\)/);
    // Without the option the same model compiles: the probabilities, doubled.
    expect(importParsedNetwork(g, "t.onnx").finalSoftmax).to.equal(undefined);
  });

  it("refuses --argmax-output on a Softmax over a batch of vectors", () => {
    const g = graph([node("Softmax", "sm", ["x"], ["y"], { axis: -1 })], [2, 3]);
    expect(() => importParsedNetwork(g, "t.onnx", () => {}, argmax)).to.throw(/one vector; Softmax "sm" normalises logits of shape \[2,3\]/);
  });

  it("reads the opset < 13 axis rule (softmax over the flattened dims from axis on)", () => {
    const net = importParsedNetwork(graph([node("Softmax", "sm", ["x"], ["y"], { axis: 1 })], [1, 2, 2], 11), "t.onnx", () => {}, argmax);
    expect(net.finalSoftmax).to.deep.equal({ node: "sm" });
    const layer = net.layers.at(-1)!;
    expect(layer.type === "graph" && layer.nodes.at(-1)!.op).to.equal("argmax");
    expect(() => importParsedNetwork(graph([node("Softmax", "sm", ["x"], ["y"], { axis: 2 })], [1, 2, 2], 11), "t.onnx", () => {}, argmax)).to.throw(
      /one vector/,
    );
  });

  describe("the compiled circuit (Gemm -> Softmax, --argmax-output)", () => {
    let m: CompiledModel;
    before(async () => {
      const w = { dims: [2, 3], data: [1, 0.5, -1, -1, 0.5, 1] }; // z = (x0 - x1, (x0 + x1) / 2, x1 - x0)
      const net = importParsedNetwork(
        graph([node("MatMul", "mm", ["x", "w"], ["z"]), node("Softmax", "sm", ["z"], ["y"], { axis: -1 })], [1, 2], 13, [["w", w]]),
        "t.onnx",
        () => {},
        argmax,
      );
      expect(net.finalSoftmax).to.deep.equal({ node: "sm" });
      const { spec } = calibrate({
        network: net,
        samples: [
          [1, 1],
          [-1, -1],
          [1, -1],
          [-1, 1],
        ],
        name: "softmax-test",
      });
      const path = join(mkdtempSync(join(tmpdir(), "zkinfer-softmax-")), "spec.json");
      writeFileSync(path, JSON.stringify(spec));
      m = await compileSpec(path);
    });

    it("gives the interpreter's class, ties to the lowest index (x = (1, 1): logits 0, 1, 0 -> 1; x = (1, -1): 2, 0, -2 -> 0)", async () => {
      for (const [x, cls] of [
        [[1, 1], 1],
        [[1, -1], 0],
        [[0, 0], 0],
        [[-1, 1], 2],
      ] as const) {
        const q = x.map((v) => BigInt(v) << BigInt(m.ir.inputScale));
        const w = await m.witness(q);
        expect(runQuantized(m.ir, q).outputs).to.deep.equal([BigInt(cls)]);
        expect(w[1], `class for x = (${x})`).to.equal(BigInt(cls));
      }
    });

    it("rejects any other class for the same input (the output wire changed breaks the constraints)", async () => {
      const q = [0n, 0n]; // all logits tie at 0: the lowest index, 0, is the only valid class
      const w = await m.witness(q);
      expect(m.check(w)).to.equal(-1);
      for (const other of [1n, 2n, toField(-1n)]) expect(changeViolates(m.r1cs, w, 1, other), `class ${other}`).to.equal(true);
      const argmaxNode = m.ir.graph.nodes.length - 1;
      for (const wire of m.wires(new RegExp(`^main\\.model_n${argmaxNode}\\[`))) {
        expect(changeViolates(m.r1cs, w, wire, w[wire]! + 1n), `wire ${wire}`).to.equal(true);
      }
    });
  });
});
