/**
 * The signal model's IR additions, at the spec and interpreter level: relative_change (floored
 * relative change against a positive reference), signal_head (direction and size) and extra outputs
 * (a feature as it is, a Poseidon of features). Circuit agreement and soundness are in
 * test/circuits/signalModel.test.ts.
 */
import { expect } from "chai";
import { ModelRangeError } from "../../prover/errors.js";
import { extraOutputValues, publicOutputs } from "../../prover/model/commitment.js";
import { poseidonHash } from "../../prover/model/poseidon.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { runQuantized } from "../../prover/model/interpret.js";
import { lowerModel, publicOutputCount } from "../../prover/model/ir.js";
import { parseModelSpec } from "../../prover/model/spec.js";
import { specIssues } from "../helpers/spec.js";

const base = {
  name: "mini-signal",
  version: "1.0.0",
  fixedPoint: { inputBits: 0, weightBits: 8, activationBits: 12 },
  features: [
    { name: "p0", unit: "cents", min: 100, max: 1000 },
    { name: "p1", unit: "cents", min: 100, max: 1000 },
    { name: "epoch", unit: "epoch", min: 0, max: 65535 },
  ],
  layers: [
    { type: "relative_change", inputs: [0], reference: 1, outputBits: 12 },
    { type: "dense", weights: [[-2]], bias: [0] },
    { type: "signal_head", hold: 0.25 },
    {
      type: "output",
      outputs: [
        { name: "direction", unit: "side" },
        { name: "size", unit: "1/1024" },
      ],
    },
  ],
  extraOutputs: [
    { type: "feature", name: "epoch", unit: "epoch", feature: "epoch" },
    { type: "poseidon", name: "window_hash", unit: "hash", features: ["p0", "p1"] },
  ],
};

const issuesOf = specIssues;

describe("signal ops: relative_change, signal_head, extra outputs", () => {
  const ir = lowerModel(parseModelSpec(base));

  it("computes floor((x - ref) * 2^s / ref), rounding toward minus infinity for a fall", () => {
    // (200 - 300) / 300 = -1/3: at 2^12, floor(-4096 / 3) = -1366 (truncation would give -1365).
    expect(runQuantized(ir, [200n, 300n, 1n]).tape[3]).to.equal(-1366n);
    expect(runQuantized(ir, [400n, 300n, 1n]).tape[3]).to.equal(1365n);
    expect(runQuantized(ir, [300n, 300n, 1n]).tape[3]).to.equal(0n);
  });

  it("maps the score to a side outside the hold band and a size capped at 1024", () => {
    // score = -2 * change: a fall of a third scores +2/3 (buy), a rise of a third -2/3 (sell).
    const at = (p0: bigint, p1: bigint) => runQuantized(ir, [p0, p1, 1n]).outputs;
    // change -1366 (2^12); dense: -512 (2^8) * -1366 = 699392 (2^20) >> 8 = score 2732 (2^12, 0.667);
    // size at 2^10: 2732 >> 2 = 683.
    expect(at(200n, 300n)).to.deep.equal([1n, 683n]);
    // change +1365: score floor(-698880 / 256) = -2730 (-0.666): sell, size 682 (floor(2730 / 4)).
    expect(at(400n, 300n)).to.deep.equal([-1n, 682n]);
  });

  it("keeps the size at 1024 for scores beyond 1 and 0 on hold", () => {
    const at = (p0: bigint, p1: bigint) => runQuantized(ir, [p0, p1, 1n]).outputs;
    expect(at(100n, 1000n)).to.deep.equal([1n, 1024n]); // a 90% fall: score 1.8
    expect(at(1000n, 100n)[0]).to.equal(-1n); // a 900% rise: sell
    expect(at(1000n, 100n)[1]).to.equal(1024n);
    expect(at(310n, 300n)).to.deep.equal([0n, 0n]); // +3.3%: score -0.067, inside +-0.25
  });

  it("appends the extra outputs after the layers' outputs, and commits to them", async () => {
    expect(publicOutputCount(ir)).to.equal(4);
    expect(ir.outputs.map((o) => o.scale)).to.deep.equal([0, 10]);
    const inputs = [200n, 300n, 77n];
    expect(await extraOutputValues(ir, inputs)).to.deep.equal([77n, await poseidonHash([200n, 300n])]);
    const out = runQuantized(ir, inputs).outputs;
    expect(await publicOutputs(ir, out, 5n, inputs)).to.deep.equal([...out, 77n, await poseidonHash([200n, 300n])]);
    const without = lowerModel(parseModelSpec({ ...base, extraOutputs: [base.extraOutputs[0]] }));
    expect(await modelCommitment(without)).to.not.equal(await modelCommitment(ir));
  });

  it("refuses a reference that can be zero or negative, naming the layer", () => {
    const features = [{ ...base.features[0]! }, { ...base.features[1]!, min: 0 }, base.features[2]!];
    expect(() => lowerModel(parseModelSpec({ ...base, features }))).to.throw(ModelRangeError, /layers\[0\].*declared minimum must be positive/);
  });

  it("names the field of a bad index, a misplaced head, and an unknown extra-output feature", () => {
    const layers = structuredClone(base.layers);
    (layers[0] as { reference: number }).reference = 5;
    expect(issuesOf({ ...base, layers })).to.include("layers[0].reference: index 5 is outside the layer's input (width 3)");
    const twoScores = structuredClone(base.layers);
    (twoScores[1] as { weights: number[][]; bias: number[] }).weights = [[1], [2]];
    (twoScores[1] as { weights: number[][]; bias: number[] }).bias = [0, 0];
    expect(issuesOf({ ...base, layers: twoScores })).to.include("layers[2].type: signal_head takes one score; the previous layer produces 2");
    const extra = [{ type: "poseidon", name: "h", unit: "hash", features: ["p0", "price"] }];
    expect(issuesOf({ ...base, extraOutputs: extra })[0]).to.match(/^extraOutputs\[0\]\.features\[1\]: "price" is not a feature/);
    expect(issuesOf({ ...base, layers: [...base.layers.slice(0, 2), { type: "signal_head", hold: 0 }, base.layers[3]] })).to.include(
      "layers[2].hold: must be positive",
    );
  });

  it("accepts private weights around relative_change and signal_head", () => {
    const ir2 = lowerModel(parseModelSpec({ ...base, visibility: { weights: "private", weightSalt: "12345" } }));
    expect(ir2.visibility.weights).to.equal("private");
  });
});
