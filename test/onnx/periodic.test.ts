/**
 * A periodic function beyond its table's branch (prover/graph/families/fn.ts `shifts`): Tan over
 * inputs in (pi/2, 3pi/2) compiles as tan(x - pi), a constant shift before the one table; the
 * interpreter is within the bound of Math.tan, the circuit computes exactly the interpreter, and a
 * changed output breaks its constraints. A range across a pole still has no bound.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { decodeOutputs, runQuantized } from "../../prover/model/interpret.js";
import { quantize } from "../../prover/model/quantize.js";
import { buildOnnx } from "../../prover/onnx/build.js";
import { calibrate } from "../../prover/onnx/calibrate.js";
import { importNetwork } from "../../prover/onnx/network.js";
import { compileSpec } from "../helpers/circuits.js";

describe("Tan beyond (-pi/2, pi/2): reduced by a multiple of pi", function () {
  this.timeout(300_000);
  const net = importNetwork(buildOnnx([{ opType: "Tan", input: ["X"], output: ["Y"] }], [["X", [1, 4]]], [["Y", 1, [1, 4]]]), "tan");
  // Inputs in (pi/2, 3pi/2), (-3pi/2, -pi/2), (5pi/2, 7pi/2) and (-pi/2, pi/2).
  const ranges = [
    { min: 2, max: 4.5 },
    { min: -4.5, max: -2 },
    { min: 8.5, max: 10.5 },
    { min: -1, max: 1 },
  ];
  const sample = [2.5, -3, 9.9, 0.5];
  const c = calibrate({ network: net, samples: [sample], name: "tan", ranges });

  it("has a finite bound and the interpreter is within it of Math.tan across each branch", () => {
    for (const b of c.errorBound) expect(b).to.be.a("number").and.to.be.below(1);
    for (let k = 0; k <= 20; k++) {
      const x = ranges.map((r) => r.min + ((r.max - r.min) * k) / 20);
      const got = decodeOutputs(
        c.ir,
        runQuantized(
          c.ir,
          x.map((v) => quantize(v, c.ir.inputScale)),
        ).outputs,
      );
      got.forEach((g, i) => expect(Math.abs(g - Math.tan(x[i]!)), `x = ${x[i]}`).to.be.at.most(c.errorBound[i]!));
    }
  });

  it("refuses a range across a pole (no finite bound)", () => {
    const across = calibrate({ network: net, samples: [sample], name: "tan", ranges: [{ min: 1, max: 2 }, ...ranges.slice(1)] });
    expect(across.errorBound[0]).to.equal(Infinity);
  });

  it("the circuit computes the interpreter's outputs, and a changed output breaks its constraints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zkinfer-tan-"));
    writeFileSync(join(dir, "spec.json"), JSON.stringify(c.spec, null, 2));
    const m = await compileSpec(join(dir, "spec.json"));
    const q = [2.2, -4.1, 10.2, -0.7].map((v) => quantize(v, c.ir.inputScale));
    const w = await m.witness(q);
    expect(m.check(w)).to.equal(-1);
    const want = runQuantized(c.ir, q).outputs;
    want.forEach((o, k) => expect(w[1 + k]).to.equal(o < 0n ? o + 21888242871839275222246405745257275088548364400416034343698204186575808495617n : o));
    const forged = [...w];
    forged[1] = forged[1]! + 1n;
    expect(m.check(forged)).to.not.equal(-1);
  });
});
