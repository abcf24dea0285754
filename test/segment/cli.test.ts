/**
 * `zkinfer segments build|prove|verify` and check-onnx's segmentation, as a user runs them (the CLI
 * in its own process): the tiny model in 3 segments proved by 2 worker processes and verified, a
 * tampered file refused; an ONNX model over the single-proof limit answered with its segment plan
 * and bound instead of a refusal (the limit lowered for the test), and `--no-segments` refusing it.
 * A failed segment is retried alone.
 */
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { lastJsonLine, zkinferCli } from "../helpers/cli.js";
import { buildSegments } from "../../prover/segment/build.js";
import { localSegmentProver, SegmentedProver } from "../../prover/segment/prove.js";

const spec = fileURLToPath(new URL("../fixtures/segments-tiny.json", import.meta.url));
const onnxDir = fileURLToPath(new URL("../fixtures/onnx-wide/layernorm/", import.meta.url));

describe("zkinfer segments (CLI) and check-onnx's segment plan", function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-segments-cli-"));

  before(async () => {
    await buildSegments({ specPath: spec, maxSegmentConstraints: 1000, minSegments: 3 });
  });

  it("builds, proves on 2 workers and verifies; a proof with another nonce is invalid (exit 1)", async () => {
    const built = await zkinferCli(["segments", "build", spec, "--max-segment-constraints", "1000", "--min-segments", "3", "--json"]);
    expect(built.code, built.stderr).to.equal(0);
    expect(lastJsonLine(built.stdout)).to.include({ model: "segments-tiny", k: 3, verifierContract: "SegmentsTinySegmentedVerifier" });
    const input = join(dir, "features.json");
    writeFileSync(input, JSON.stringify({ a: 1.5, b: 3, c: -0.5 }));
    const out = join(dir, "proof.json");
    const proved = await zkinferCli([
      "segments",
      "prove",
      spec,
      "--input",
      input,
      "--subject",
      "0x00000000000000000000000000000000000a11ce",
      "--nonce",
      "7",
      "--workers",
      "2",
      "--out",
      out,
      "--json",
    ]);
    expect(proved.code, proved.stderr).to.equal(0);
    expect(lastJsonLine(proved.stdout)).to.deep.include({ segments: 3, attempts: [1, 1, 1] });
    const verified = await zkinferCli(["segments", "verify", spec, out, "--json"]);
    expect(lastJsonLine(verified.stdout)).to.deep.equal({ valid: true, model: "segments-tiny", segments: 3 });
    const file = JSON.parse(readFileSync(out, "utf8")) as { publicSignals: string[] };
    file.publicSignals[file.publicSignals.length - 1] = "8";
    writeFileSync(join(dir, "tampered.json"), JSON.stringify(file));
    const tampered = await zkinferCli(["segments", "verify", spec, join(dir, "tampered.json"), "--json"]);
    expect(tampered.code).to.equal(1);
    expect(lastJsonLine(tampered.stdout)).to.include({ valid: false });
  });

  it("retries a failed segment on its own (the others are proved once)", async () => {
    const prover = await SegmentedProver.load(spec);
    const local = localSegmentProver(prover.record);
    let failed = false;
    const flaky = await SegmentedProver.load(spec, async (i, input) => {
      if (i === 1 && !failed) {
        failed = true;
        throw new Error("worker lost");
      }
      return local(i, input);
    });
    const r = await flaky.prove({ features: { a: 1, b: 2, c: 0 }, subject: 1n, nonce: 1n });
    expect(r.attempts).to.deep.equal([1, 2, 1]);
    // A segment that keeps failing fails the proof after its attempts, with its error.
    let calls = 0;
    const broken = await SegmentedProver.load(spec, async () => {
      calls++;
      throw new Error("always");
    });
    const error = await broken.prove({ features: { a: 1, b: 2, c: 0 }, subject: 1n, nonce: 1n, attempts: 3 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal("always");
    expect(calls).to.equal(3);
  });

  it("check-onnx answers a model over the single-proof limit with its segment plan, bound and the segment chain's measured error; --no-segments refuses it", async () => {
    const args = ["check-onnx", join(onnxDir, "network.onnx"), join(onnxDir, "input.json"), "--json"];
    const env = { ZKINFER_MAX_CONSTRAINTS: "100" };
    const planned = await zkinferCli([...args, "--max-segment-constraints", "10000"], env);
    expect(planned.code, planned.stderr).to.equal(0);
    type Report = {
      supported: boolean;
      segments: { k: number; maxSegmentConstraints: number; constraints: number[]; plannedFrom: string; errorMeasuredBy: string };
      errorBound: number;
      maxAbsError: number;
      outputs: { float: number[]; quantized: number[]; circuit: number[] };
    };
    const r = lastJsonLine<Report>(planned.stdout);
    expect(r.supported).to.equal(true);
    expect(r.segments.k).to.equal(r.segments.constraints.length);
    expect(r.segments.k).to.be.greaterThan(1);
    expect(r.segments).to.include({ plannedFrom: "lowered", errorMeasuredBy: "segment-interpreter" });
    for (const c of r.segments.constraints) expect(c).to.be.at.most(10000);
    // The error is measured, not assumed: max |chain - float| over the reported outputs, within the bound.
    expect(r.maxAbsError).to.equal(Math.max(...r.outputs.circuit.map((c, k) => Math.abs(c - r.outputs.float[k]!))));
    expect(r.maxAbsError).to.be.greaterThan(0);
    expect(r.maxAbsError).to.be.at.most(r.errorBound);
    // The same model checked whole (its circuit compiled, its witness computed): the same outputs, error and bound.
    const whole = await zkinferCli(args, {});
    expect(whole.code, whole.stderr).to.equal(0);
    const w = lastJsonLine<Report & { constraints: number }>(whole.stdout);
    expect(w.segments).to.equal(undefined);
    expect(r.outputs).to.deep.equal(w.outputs);
    expect(r.maxAbsError).to.equal(w.maxAbsError);
    expect(r.errorBound).to.equal(w.errorBound);
    const refused = await zkinferCli([...args, "--no-segments"], env);
    expect(refused.code).to.equal(3);
    expect(lastJsonLine(refused.stdout)).to.include({ supported: false });
  });

  it("import --max-segment-constraints imports a model over the single-proof limit, without compiling it whole, and reports its plan", async () => {
    const out = join(dir, "imported");
    const r = await zkinferCli(
      ["import", join(onnxDir, "network.onnx"), "--calibrate", join(onnxDir, "input.json"), "--out", out, "--max-segment-constraints", "10000"],
      { ZKINFER_MAX_CONSTRAINTS: "100" },
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include("no whole circuit compiled");
    const report = JSON.parse(readFileSync(join(out, "calibration.json"), "utf8")) as { segments: { k: number; constraints: number[] }; errorBound: number[] };
    expect(report.segments.k).to.be.greaterThan(1);
    for (const c of report.segments.constraints) expect(c).to.be.at.most(10000);
    expect(report.errorBound.every((b) => typeof b === "number")).to.equal(true);
    expect(r.stdout).to.include("next: zkinfer segments build");
    // Without the flag the same import is refused as before.
    const refused = await zkinferCli(["import", join(onnxDir, "network.onnx"), "--calibrate", join(onnxDir, "input.json"), "--out", join(dir, "refused")], {
      ZKINFER_MAX_CONSTRAINTS: "100",
    });
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr + refused.stdout).to.include("too large");
  });
});
