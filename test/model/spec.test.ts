import { expect } from "chai";
import { ModelRangeError, InputValidationError } from "../../prover/errors.js";
import { parseModelSpec, type ModelSpec } from "../../prover/model/spec.js";
import { lowerModel } from "../../prover/model/ir.js";
import { quantizeInputs, runQuantized, runReference } from "../../prover/model/interpret.js";
import { quantize } from "../../prover/model/quantize.js";
import { poseidonChunks } from "../../prover/model/poseidon.js";
import { modelCommitment } from "../../prover/circuit/commitment.js";
import { specIssues } from "../helpers/spec.js";
import { readFileSync } from "node:fs";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { generateCircuit } from "../../prover/circuit/codegen.js";

function spec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    name: "tiny",
    version: "1.0.0",
    fixedPoint: { inputBits: 2, weightBits: 4, activationBits: 3 },
    features: [
      { name: "x", unit: "u", min: -4, max: 4 },
      { name: "y", unit: "u", min: 0, max: 10 },
    ],
    layers: [
      {
        type: "dense",
        weights: [
          [0.5, -0.25],
          [-1, 0.125],
        ],
        bias: [0.3, -0.1],
      },
      { type: "relu" },
      { type: "dense", weights: [[1, -1]], bias: [0] },
      { type: "output", outputs: [{ name: "s", unit: "u" }] },
    ],
    ...overrides,
  };
}

const issuesOf = specIssues;

describe("model spec", () => {
  it("accepts a valid spec", () => {
    expect(parseModelSpec(spec()).name).to.equal("tiny");
  });

  it("fixed private-weight widths (visibility.weightWidths): only with private weights; they set the packing widths, and a weight outside one is refused, naming its segment", async () => {
    expect(issuesOf(spec({ visibility: { weights: "public", inputs: "private", outputs: "public", weightWidths: [8, 8, 8, 8] } }))).to.include.members([
      'visibility.weightWidths: weightWidths fix the packing of PRIVATE weights; set weights "private" or drop them',
    ]);
    const fixed = lowerModel(
      parseModelSpec(spec({ visibility: { weights: "private", weightSalt: "5", inputs: "private", outputs: "public", weightWidths: [8, 12, 8, 12] } })),
    );
    const free = lowerModel(parseModelSpec(spec({ visibility: { weights: "private", weightSalt: "5", inputs: "private", outputs: "public" } })));
    expect(fixed.visibility.weightWidths).to.deep.equal([8, 12, 8, 12]);
    // Other widths, another commitment (the widths are in its preimage); the free model keeps its own.
    expect(await modelCommitment(fixed)).to.not.equal(await modelCommitment(free));
    const narrow = lowerModel(
      parseModelSpec(spec({ visibility: { weights: "private", weightSalt: "5", inputs: "private", outputs: "public", weightWidths: [4, 12, 8, 12] } })),
    );
    // weights at 2^4: 0.5 is 8, the first outside [-8, 8).
    await modelCommitment(narrow).then(
      () => expect.fail("a weight outside its fixed width was committed"),
      (e: Error) => expect(e.message).to.match(/weight segment 0 \(weights of a dense layer\) holds 8, outside the 4 signed bits the circuit fixes/),
    );
  });

  it("names the field of each error: types, shapes, ranges, names", () => {
    const bad = spec();
    (bad.layers[0] as { bias: unknown[] }).bias = [0.3, "x"];
    expect(issuesOf(bad).join("\n")).to.match(/^layers\[0\]\.bias\[1\]: /m);
    expect(issuesOf(spec({ features: [{ name: "x", unit: "u", min: 5, max: 1 }] })).join("\n")).to.contain("features[0].max: min must not exceed max");
    const wide = spec();
    (wide.layers[2] as { weights: number[][] }).weights = [[1, -1, 3]];
    expect(issuesOf(wide).join("\n")).to.contain("layers[2].weights[0]: has 3 weights but the layer's input has 2 values");
    expect(issuesOf({ ...spec(), name: "Bad Name" }).join("\n")).to.contain("name: must be kebab-case");
    expect(issuesOf({ ...spec(), fixedPoint: { inputBits: 0, weightBits: -1, activationBits: 0 } }).join("\n")).to.match(/^fixedPoint\.weightBits: /m);
    expect(issuesOf({ ...spec(), extra: 1 }).join("\n")).to.contain("extra");
    expect(issuesOf({ ...spec(), layers: [spec().layers[0], spec().layers[3], spec().layers[1]] }).join("\n")).to.contain(
      "layers[1].type: the output layer must come last",
    );
  });

  describe("code injection through free text (docs/SECURITY.md, Compiler)", () => {
    // The attack: a unit that closes the generated comment and adds circom code. It once gave a spec
    // with credit-score's commitment whose circuit let the prover choose any score.
    const credit = () => JSON.parse(readFileSync(bundledSpecPath("credit-score"), "utf8"));
    const injected = "DM\n    score <-- 1000; // any score";

    it("refuses a unit with a newline and circom code, naming the field", () => {
      const bad = credit();
      bad.features[1].unit = injected;
      expect(issuesOf(bad).join("\n")).to.match(/^features\[1\]\.unit: must be 1 to 64 characters from A-Z a-z 0-9/m);
      const out = credit();
      out.layers.at(-1).outputs[0].unit = "logit\r}";
      expect(issuesOf(out).join("\n")).to.match(/^layers\[\d+\]\.outputs\[0\]\.unit: must be 1 to 64 characters/m);
      const described = credit();
      described.features[0].description = 'fine\ninclude "evil.circom";';
      expect(issuesOf(described).join("\n")).to.match(/^features\[0\]\.description: must be one line without control characters/m);
    });

    it("accepts every bundled model's units", () => {
      for (const name of ["credit-score", "credit-logistic", "credit-score-attested", "credit-trees", "momentum-signal"]) {
        expect(() => parseModelSpec(JSON.parse(readFileSync(bundledSpecPath(name), "utf8")))).to.not.throw();
      }
    });

    it("the codegen escapes a unit that bypassed the spec (an IR built by hand), and refuses a name that is not an identifier", async () => {
      const ir = lowerModel(parseModelSpec(credit()));
      (ir.features[1] as { unit: string }).unit = injected;
      const source = generateCircuit({ ir, modelCommitment: await modelCommitment(ir) });
      expect(source).to.not.match(/^\s*score <--/m);
      expect(source).to.include("DM?    score <-- 1000; // any score");
      (ir as { name: string }).name = "x() {}\ntemplate y";
      expect(() => generateCircuit({ ir, modelCommitment: 1n })).to.throw(/not kebab-case; refusing to generate a circuit/);
    });
  });

  it("quantizes with half away from zero", () => {
    expect([quantize(0.5, 0), quantize(-0.5, 0), quantize(1.25, 1), quantize(-1.25, 1)]).to.deep.equal([1n, -1n, 3n, -3n]);
  });
});

describe("model IR and range analysis", () => {
  it("fuses ReLU into the dense layer and proves accumulator bounds", () => {
    const ir = lowerModel(parseModelSpec(spec()));
    expect(ir.graph.nodes.map((n) => n.family)).to.deep.equal(["affine", "affine"]);
    const first = ir.graph.nodes[0]!;
    if (first.family !== "affine") return expect.fail("a dense layer lowers to an affine node");
    expect(first.relu).to.equal(true);
    // x in [-16, 16] (scale 2^2), y in [0, 40]; w = [8, -4], b = round(0.3 * 2^6) = 19: the accumulator
    // lies in [-269, 147], so K = 9 (-2^9 <= acc < 2^9); the output is relu(floor(acc / 2^3)) in [0, 18].
    expect(first.rows[0]).to.deep.equal({ p: [0, 1], w: [8n, -4n], b: 19n });
    expect(first.bits[0]).to.equal(9);
    expect(first.outs[0]!.iv).to.deep.equal({ lo: 0n, hi: 18n });
  });

  it("refuses a model whose intermediates could wrap around the field, naming the layer", () => {
    const huge = spec({ fixedPoint: { inputBits: 60, weightBits: 60, activationBits: 0 } });
    huge.features = [
      { name: "x", unit: "u", min: -1e45, max: 1e45 },
      { name: "y", unit: "u", min: 0, max: 1e45 },
    ];
    expect(() => lowerModel(parseModelSpec(huge))).to.throw(ModelRangeError, /layers\[0\]"\) row 0: .* needs \d+ bits/);
  });

  it("refuses an output scale finer than the accumulator's", () => {
    expect(() => lowerModel(parseModelSpec(spec({ fixedPoint: { inputBits: 0, weightBits: 1, activationBits: 8 } })))).to.throw(
      ModelRangeError,
      /layers\[0\]"\): output scale/,
    );
  });
});

describe("reference interpreter", () => {
  const ir = lowerModel(parseModelSpec(spec()));

  it("floors negative accumulators (not truncation toward zero) and clamps with ReLU", () => {
    // acc0 = 8*x - 4*y + 19 at 2^6, shifted by 3: x = -1 (q -4), y = 0 -> acc0 = -13 -> floor(-13/8) = -2 -> ReLU 0.
    // acc1 = -16*x + 2*y - 6 -> 58 -> floor(58/8) = 7.
    const r = runQuantized(ir, [-4n, 0n]);
    expect(r.tape.slice(2, 4)).to.deep.equal([0n, 7n]);
    // Output: (16*0 - 16*7 + 0) at 2^7, shift 4 -> floor(-112 / 16) = -7.
    expect(r.outputs).to.deep.equal([-7n]);
  });

  it("rejects a feature outside its declared range, naming the feature and the range", () => {
    expect(() => runReference(ir, { x: 5, y: 1 })).to.throw(InputValidationError, "Feature `x` = 5 is outside the declared range [-4, 4] (u)");
  });

  it("rejects missing, unknown, NaN and non-numeric features, naming them", () => {
    expect(() => quantizeInputs(ir, { x: 1 })).to.throw(InputValidationError, "Feature `y` (u) is missing");
    expect(() => quantizeInputs(ir, { x: 1, y: 2, z: 3 })).to.throw(InputValidationError, "Unknown feature `z`");
    expect(() => quantizeInputs(ir, { x: NaN, y: 2 })).to.throw(InputValidationError, "Feature `x` must be a finite number");
    expect(() => quantizeInputs(ir, { x: "1" as unknown as number, y: 2 })).to.throw(InputValidationError, 'got "1"');
  });
});

describe("model commitment", () => {
  it("changes with any weight, scale or bound, and not with names", async () => {
    const base = await modelCommitment(lowerModel(parseModelSpec(spec())));
    const renamed = spec({ description: "other" });
    renamed.features = renamed.features.map((f) => ({ ...f, unit: "other" }));
    expect(await modelCommitment(lowerModel(parseModelSpec(renamed)))).to.equal(base);
    const reweighted = spec();
    (reweighted.layers[2] as { weights: number[][] }).weights = [[1, -0.9375]];
    expect(await modelCommitment(lowerModel(parseModelSpec(reweighted)))).to.not.equal(base);
    expect(await modelCommitment(lowerModel(parseModelSpec(spec({ fixedPoint: { inputBits: 2, weightBits: 5, activationBits: 3 } }))))).to.not.equal(base);
  });

  it("absorbs long vectors in chunks of 16, then 15", () => {
    expect(poseidonChunks(16)).to.deep.equal([16]);
    expect(poseidonChunks(20)).to.deep.equal([16, 4]);
    expect(poseidonChunks(46)).to.deep.equal([16, 15, 15]);
  });
});
