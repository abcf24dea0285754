/**
 * Operators no corpus fixture covers, on small ONNX files written here (prover/onnx/build.ts) and
 * checked against onnxruntime: TopK with its indices along inner and outer axes, GRU (both reset
 * forms, forward and reverse) and RNN (bidirectional) unrolled over the sequence, Mod and BitShift,
 * and the refusal of operators it does not compile. Each model's
 * circuit equals the reference interpreter and is within the bound check-onnx reports.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { buildOnnx as model, intAttr as int, seededWeights as weights, stringAttr as str, stringsAttr as strs } from "../../prover/onnx/build.js";
import { checkOnnx } from "../../prover/onnx/check.js";

describe("ONNX graph operators on models written here, against onnxruntime", function () {
  this.timeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-graph-ops-"));

  /** input: the one input tensor's values, or one row per input tensor. */
  async function check(name: string, bytes: Uint8Array, input: number[] | number[][]) {
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, bytes);
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ input_data: Array.isArray(input[0]) ? input : [input] }));
    const r = await checkOnnx(path, join(dir, `${name}.json`));
    expect(r.supported, `${name}: ${r.reason}`).to.equal(true);
    expect(r.outputs!.circuit).to.deep.equal(r.outputs!.quantized);
    expect(r.outputs!.circuit).to.have.length(r.outputs!.float.length);
    expect(r.errorBound, `${name} has a numeric bound`).to.be.a("number");
    expect(r.maxAbsError!).to.be.at.most(r.errorBound!);
    return r;
  }

  it("TopK: the 3 largest along the last axis and the 2 smallest along axis 1, values and indices, ties to the lower index", async () => {
    const bytes = model(
      [
        { opType: "TopK", input: ["X", "k3"], output: ["V", "I"], attribute: [int("axis", -1), int("largest", 1)] },
        { opType: "TopK", input: ["X", "k2"], output: ["V2", "I2"], attribute: [int("axis", 1), int("largest", 0)] },
      ],
      [["X", [1, 3, 4]]],
      [
        ["V", 1, [1, 3, 3]],
        ["I", 7, [1, 3, 3]],
        ["V2", 1, [1, 2, 4]],
        ["I2", 7, [1, 2, 4]],
      ],
      [
        { name: "k3", dims: [1], data: [3], int64: true },
        { name: "k2", dims: [1], data: [2], int64: true },
      ],
    );
    // Row 0 has a tie (0.5 twice) among its largest, column 1 a tie (-1 twice) among its smallest.
    const r = await check("topk", bytes, [0.5, -1, 2.25, 0.5, 1.5, -1, 0.75, -2, 0.25, 3, -1, 1]);
    // The indices are exact (the inputs are representable): onnxruntime's, tie rule included.
    expect(r.outputs!.circuit.slice(9, 18)).to.deep.equal(r.outputs!.float.slice(9, 18));
    expect(r.outputs!.circuit.slice(9, 18)).to.deep.equal([2, 0, 3, 0, 2, 1, 1, 3, 0]);
    expect(r.outputs!.circuit.slice(26)).to.deep.equal(r.outputs!.float.slice(26));
    expect(r.outputs!.circuit.slice(26)).to.deep.equal([2, 0, 2, 1, 0, 1, 1, 0]);
  });

  it("GRU: forward with linear_before_reset = 1 (PyTorch's export) and reverse with 0, initial state given", async () => {
    const [T, I, H] = [3, 2, 2];
    const bytes = model(
      [
        { opType: "GRU", input: ["X", "W", "R", "B", "", "H0"], output: ["Y", "Yh"], attribute: [int("hidden_size", H), int("linear_before_reset", 1)] },
        { opType: "GRU", input: ["X", "W2", "R2", "B2"], output: ["Y2"], attribute: [int("hidden_size", H), str("direction", "reverse")] },
      ],
      [["X", [T, 1, I]]],
      [
        ["Y", 1, [T, 1, 1, H]],
        ["Yh", 1, [1, 1, H]],
        ["Y2", 1, [T, 1, 1, H]],
      ],
      [
        { name: "W", dims: [1, 3 * H, I], data: weights(3 * H * I, 1) },
        { name: "R", dims: [1, 3 * H, H], data: weights(3 * H * H, 2) },
        { name: "B", dims: [1, 6 * H], data: weights(6 * H, 3) },
        { name: "H0", dims: [1, 1, H], data: [0.25, -0.5] },
        { name: "W2", dims: [1, 3 * H, I], data: weights(3 * H * I, 4) },
        { name: "R2", dims: [1, 3 * H, H], data: weights(3 * H * H, 5) },
        { name: "B2", dims: [1, 6 * H], data: weights(6 * H, 6) },
      ],
    );
    await check("gru", bytes, [0.5, -1, 1.25, 0.75, -0.5, 0.25]);
  });

  it("RNN: bidirectional, Tanh forward and Relu backward", async () => {
    const [T, I, H] = [3, 2, 2];
    const bytes = model(
      [
        {
          opType: "RNN",
          input: ["X", "W", "R", "B"],
          output: ["Y", "Yh"],
          attribute: [int("hidden_size", H), str("direction", "bidirectional"), strs("activations", ["Tanh", "Relu"])],
        },
      ],
      [["X", [T, 1, I]]],
      [
        ["Y", 1, [T, 2, 1, H]],
        ["Yh", 1, [2, 1, H]],
      ],
      [
        { name: "W", dims: [2, H, I], data: weights(2 * H * I, 7) },
        { name: "R", dims: [2, H, H], data: weights(2 * H * H, 8) },
        { name: "B", dims: [2, 2 * H], data: weights(4 * H, 9) },
      ],
    );
    await check("rnn", bytes, [0.5, -1, 1.25, 0.75, -0.5, 0.25]);
  });

  it("Mod (fmod = 1 by a constant and by data; fmod = 0 on int64) and BitShift on uint8", async () => {
    const bytes = model(
      [
        { opType: "Mod", input: ["X", "C"], output: ["M1"], attribute: [int("fmod", 1)] },
        { opType: "Mod", input: ["X", "Y"], output: ["M2"], attribute: [int("fmod", 1)] },
        { opType: "Cast", input: ["X"], output: ["Xi"], attribute: [int("to", 7)] },
        { opType: "Mod", input: ["Xi", "D"], output: ["M3i"] },
        { opType: "Cast", input: ["M3i"], output: ["M3"], attribute: [int("to", 1)] },
        { opType: "Abs", input: ["X"], output: ["A"] },
        { opType: "Cast", input: ["A"], output: ["Au"], attribute: [int("to", 2)] },
        { opType: "BitShift", input: ["Au", "S1"], output: ["Ru"], attribute: [str("direction", "RIGHT")] },
        { opType: "BitShift", input: ["Au", "S2"], output: ["Lu"], attribute: [str("direction", "LEFT")] },
        { opType: "Cast", input: ["Ru"], output: ["R"], attribute: [int("to", 1)] },
        { opType: "Cast", input: ["Lu"], output: ["L"], attribute: [int("to", 1)] },
      ],
      [
        ["X", [1, 6]],
        ["Y", [1, 6]],
      ],
      [
        ["M1", 1, [1, 6]],
        ["M2", 1, [1, 6]],
        ["M3", 1, [1, 6]],
        ["R", 1, [1, 6]],
        ["L", 1, [1, 6]],
      ],
      [
        { name: "C", dims: [1], data: [1.5] },
        { name: "D", dims: [1], data: [3], int64: true },
        { name: "S1", dims: [1], data: [1], dataType: 2 },
        { name: "S2", dims: [1], data: [2], dataType: 2 },
      ],
    );
    const r = await check("mod", bytes, [
      [6.5, -3.25, 7, 0.75, -6.5, 3],
      [1.5, 2, 2.5, 0.75, 3, 1.25],
    ]);
    // The integer results are exact, multiples of the divisor included: Python's 6 % 3 = 0,
    // -3 % 3 = 0, 7 % 3 = 1, 3 % 3 = 0; 7 >> 1 = 3, 6 << 2 = 24.
    expect(r.outputs!.circuit.slice(12)).to.deep.equal(r.outputs!.float.slice(12));
  });

  it("refuses a model naming every operator it does not compile, with all their nodes, in one message", async () => {
    const bytes = model(
      [
        { opType: "Einsum", input: ["X", "X"], output: ["A"], attribute: [str("equation", "ij,ij->ij")] },
        { opType: "Det", input: ["A"], output: ["D"] },
        { opType: "Einsum", input: ["A", "X"], output: ["Y"], attribute: [str("equation", "ij,ij->ij")] },
      ],
      [["X", [2, 2]]],
      [
        ["Y", 1, [2, 2]],
        ["D", 1, []],
      ],
      [],
    );
    const path = join(dir, "refused.onnx");
    writeFileSync(path, bytes);
    writeFileSync(join(dir, "refused.json"), JSON.stringify({ input_data: [[1, 2, 3, 4]] }));
    const r = await checkOnnx(path, join(dir, "refused.json"));
    expect(r.supported).to.equal(false);
    expect(r.reason).to.contain("2 operators zkinfer does not compile");
    for (const n of ['Einsum (nodes "Einsum_0", "Einsum_2"): export the contraction as MatMul', 'Det (node "Det_1")']) expect(r.reason).to.contain(n);
  });
});
