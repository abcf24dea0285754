/**
 * The zkinfer CLI end to end, in process: the three bundled German Credit models build, prove and
 * verify through it; a tampered or foreign proof is refused; ONNX import writes a calibrated spec;
 * bad input gets an error naming what is wrong and what is allowed.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { bundledSpecPath } from "../../prover/artifacts/paths.js";
import { main } from "../../prover/cli/main.js";
import { FEATURE_NAMES, applicantFeatures, applicantLabel, germanCreditSplit } from "../../prover/data/germanCredit.js";
import { releaseCurves } from "../../prover/setup/curve.js";

const MODELS = ["credit-score", "credit-logistic", "credit-trees"];
const SUBJECT = "0x00000000000000000000000000000000000000a1";
/** A bundled model's version, as its spec says (it moves when the model's commitment does). */
const specVersion = (model: string): string => JSON.parse(readFileSync(bundledSpecPath(model), "utf8")).version;
const onnxDir = fileURLToPath(new URL("../fixtures/onnx/", import.meta.url));

/** Runs the CLI, capturing what it prints. */
async function zkinfer(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    const code = await main(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("zkinfer CLI", function () {
  this.timeout(600_000);
  after(releaseCurves); // the verify command's snarkjs curve workers; idempotent with the root hook
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-cli-"));
  const applicant = germanCreditSplit().test[0]!;
  const featuresFile = join(dir, "features.json");
  writeFileSync(featuresFile, JSON.stringify(applicantFeatures(applicant)));

  for (const model of MODELS) {
    it(`builds, proves and verifies ${model}, and refuses the proof with one public signal changed`, async () => {
      expect((await zkinfer("build", `models/${model}`)).code).to.equal(0);
      const proofFile = join(dir, `${model}.proof.json`);
      const proved = await zkinfer(
        "prove",
        `models/${model}`,
        "--input",
        featuresFile,
        "--subject",
        "0x00000000000000000000000000000000000000a1",
        "--nonce",
        "9",
        "--out",
        proofFile,
      );
      expect(proved.code, proved.err).to.equal(0);
      expect(proved.out).to.match(/score = -?\d/);
      const verified = await zkinfer("verify", `models/${model}`, proofFile);
      expect(verified.code, verified.out + verified.err).to.equal(0);
      expect(verified.out).to.contain(`valid proof of ${model}@${specVersion(model)}`);

      const proof = JSON.parse(readFileSync(proofFile, "utf8"));
      proof.publicSignals[0] = String(BigInt(proof.publicSignals[0]) + 1n); // another score
      writeFileSync(proofFile, JSON.stringify(proof));
      const tampered = await zkinfer("verify", `models/${model}`, proofFile);
      expect(tampered.code).to.equal(1);
      expect(tampered.out).to.contain("invalid proof");
    });
  }

  it("refuses a proof of one model presented as another (model commitment)", async () => {
    const proofFile = join(dir, "logistic-as-trees.json");
    expect((await zkinfer("prove", "models/credit-logistic", "--input", featuresFile, "--subject", SUBJECT, "--out", proofFile)).code).to.equal(0);
    const r = await zkinfer("verify", "models/credit-trees", proofFile);
    expect(r.code).to.equal(1);
    expect(r.out).to.contain(`model commitment is not credit-trees@${specVersion("credit-trees")}'s`);
  });

  it("refuses a feature outside its declared range, or NaN, naming the feature and the range", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...applicantFeatures(applicant), duration_months: 500 }));
    const r = await zkinfer("prove", "models/credit-trees", "--input", bad, "--subject", SUBJECT, "--out", join(dir, "x.json"));
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/`duration_months` = 500 is outside the declared range \[\d+, \d+\]/);
    writeFileSync(bad, JSON.stringify({ ...applicantFeatures(applicant), duration_months: "NaN" }));
    const n = await zkinfer("prove", "models/credit-trees", "--input", bad, "--subject", SUBJECT, "--out", join(dir, "x.json"));
    expect(n.code).to.equal(1);
    expect(n.err).to.contain("`duration_months` must be a finite number");
  });

  it("imports an ONNX model with calibration, writing a spec and a report within its error bound", async () => {
    const out = join(dir, "mlp");
    const r = await zkinfer(
      "import",
      join(onnxDir, "1l_mlp/network.onnx"),
      "--calibrate",
      join(onnxDir, "1l_mlp/input.json"),
      "--out",
      out,
      "--name",
      "cli-mlp",
    );
    expect(r.code, r.err).to.equal(0);
    expect(existsSync(join(out, "spec.json"))).to.equal(true);
    const report = JSON.parse(readFileSync(join(out, "calibration.json"), "utf8"));
    expect(report.model).to.equal("cli-mlp");
    expect(report.examples[0].circuit).to.deep.equal(report.examples[0].quantized);
    expect(report.maxAbsError).to.be.at.most(Math.max(...report.errorBound));
  });

  it("calibrates a spec on a labelled CSV and reports float vs quantized accuracy (the trainer's figures)", async () => {
    const csv = join(dir, "test-split.csv");
    const { test } = germanCreditSplit();
    const rows = test.map((i) => [...FEATURE_NAMES.map((n) => applicantFeatures(i)[n]), applicantLabel(i)].join(","));
    writeFileSync(csv, [[...FEATURE_NAMES, "label"].join(","), ...rows].join("\n"));
    const out = join(dir, "logistic");
    const r = await zkinfer("import", "models/credit-logistic/spec.json", "--calibrate", csv, "--out", out);
    expect(r.code, r.err).to.equal(0);
    const report = JSON.parse(readFileSync(join(out, "calibration.json"), "utf8"));
    const spec = JSON.parse(readFileSync("models/credit-logistic/spec.json", "utf8"));
    expect(report.samples).to.equal(test.length);
    expect(report.accuracy.labelled).to.equal(test.length);
    // Plain comparisons: hardhat's chai matchers take over closeTo for integers only.
    expect(Math.abs(report.accuracy.float - spec.metadata.floatAccuracy)).to.be.below(1e-12);
    expect(Math.abs(report.accuracy.quantized - spec.metadata.quantizedAccuracy)).to.be.below(1e-12);
    expect(Math.abs(report.accuracy.changePoints)).to.be.at.most(0.5);
    expect(r.out).to.match(/accuracy on 300 labelled samples: float \d+\.\d%, quantized \d+\.\d%/);
  });

  it("refuses a file that is not ONNX, and a sample of the wrong shape, saying what is allowed", async () => {
    const junk = join(dir, "junk.onnx");
    writeFileSync(junk, "this is not a protobuf \u0000\u00ff\u00ff\u00ff");
    const r = await zkinfer("import", junk, "--calibrate", join(onnxDir, "1l_mlp/input.json"), "--out", join(dir, "junk"));
    expect(r.code).to.equal(1);
    expect(r.err).to.contain("does not parse as an ONNX model");
    expect(existsSync(join(dir, "junk", "spec.json")), "nothing half-built").to.equal(false);

    const wrong = join(dir, "wrong.json");
    writeFileSync(wrong, JSON.stringify({ input_data: [[1, 2]] }));
    const s = await zkinfer("import", join(onnxDir, "1l_mlp/network.onnx"), "--calibrate", wrong, "--out", join(dir, "wrong"));
    expect(s.code).to.equal(1);
    expect(s.err).to.contain("sample 0 has 2 values; the model's input has 3");
    writeFileSync(wrong, JSON.stringify({ input_data: [[1, null, 3]] }));
    const nan = await zkinfer("import", join(onnxDir, "1l_mlp/network.onnx"), "--calibrate", wrong, "--out", join(dir, "wrong"));
    expect(nan.code).to.equal(1);
    expect(nan.err).to.contain("inputs must be finite numbers");
  });
});
