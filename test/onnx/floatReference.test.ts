/**
 * zkinfer's own float reference (issue 23.3): check-onnx's interpreter of the imported graph, used
 * where onnxruntime cannot load a model, must agree with onnxruntime wherever both run. Over every
 * model of the two fixture corpora (test/fixtures/onnx, test/fixtures/onnx-wide) on its own input;
 * decision_tree (an int8 MatMul onnxruntime refuses) is checked through the interpreter alone.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { ZkinferError } from "../../prover/errors.js";
import { assembleSample, checkOnnx, interpretFloat, readInputJson, runOnnxRuntime } from "../../prover/onnx/check.js";
import { importNetwork } from "../../prover/onnx/network.js";

const corpora = ["../fixtures/onnx/", "../fixtures/onnx-wide/"].map((d) => fileURLToPath(new URL(d, import.meta.url)));
const models = corpora.flatMap((dir) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `${dir}${d.name}`),
);

describe("zkinfer's float interpreter against onnxruntime", function () {
  this.timeout(600_000);

  it("agrees with onnxruntime on every fixture model onnxruntime loads (relative 1e-4), and runs where it does not", async () => {
    let both = 0;
    const refusedByOrt: string[] = [];
    for (const m of models) {
      const net = importNetwork(readFileSync(`${m}/network.onnx`), m);
      const sample = assembleSample(net, readInputJson(`${m}/input.json`), m);
      const mine = interpretFloat(net, sample);
      let ort: number[];
      try {
        ort = await runOnnxRuntime(`${m}/network.onnx`, net, sample);
      } catch (e) {
        if (!(e instanceof ZkinferError)) throw e;
        refusedByOrt.push(m.split("/").at(-1)!);
        expect(mine.every(Number.isFinite), m).to.equal(true);
        continue;
      }
      both++;
      expect(mine, m).to.have.length(ort.length);
      mine.forEach((v, k) => expect(Math.abs(v - ort[k]!), `${m} output ${k}: ${v} vs ${ort[k]}`).to.be.at.most(1e-4 * (1 + Math.abs(ort[k]!))));
    }
    expect(both).to.be.greaterThan(25);
    expect(refusedByOrt).to.deep.equal(["decision_tree"]);
  });

  it("check-onnx names its reference: the interpreter for decision_tree, within its bound", async () => {
    const dir = corpora[0]! + "decision_tree";
    const r = await checkOnnx(`${dir}/network.onnx`, `${dir}/input.json`);
    expect(r.supported, r.reason).to.equal(true);
    expect(r.floatReference?.source).to.equal("interpreter");
    expect(r.maxAbsError!).to.be.at.most(r.errorBound!);
  });
});
