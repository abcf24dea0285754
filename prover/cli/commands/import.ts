/**
 * `zkinfer import <model.onnx|spec.json> --calibrate <input.json|data.csv> --out <dir>`: imports a
 * model, calibrates scales and input ranges on the samples, and writes <dir>/spec.json (what
 * `zkinfer build <dir>` compiles) and <dir>/calibration.json (the report it prints).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";

export const command: Command = {
  usage:
    "<model.onnx|spec.json> --calibrate <input.json|data.csv> --out <dir> [--name <model-name>] [--threshold <t>] [--argmax-output] [--max-segment-constraints N]",
  summary:
    "Imports an ONNX model (or a JSON model spec), chooses fixed-point scales and declared input ranges from the sample " +
    "inputs so that the range analysis proves no overflow, and writes <dir>/spec.json plus a calibration report: float vs " +
    "quantized vs circuit outputs, maximum absolute error, and (with a `label` column) the accuracy change. A single-output " +
    "model predicts class 1 when output >= --threshold (default 0); a multi-output one predicts its argmax. The model is " +
    "named after the --out folder unless --name is given. A final Softmax stays probabilities; --argmax-output compiles " +
    "it as the index of the most probable class instead (docs/ONNX.md). With --max-segment-constraints N the model is imported " +
    "for segmented proving (docs/SEGMENTS.md): a model over the single-proof limit is imported instead of refused, no whole " +
    "circuit is compiled, and the report gives the segment plan (K, each segment's constraints) and the bound; then " +
    "`zkinfer segments build <dir>/spec.json --max-segment-constraints N`.",
  async run(argv) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        calibrate: { type: "string" },
        out: { type: "string" },
        name: { type: "string" },
        threshold: { type: "string" },
        "argmax-output": { type: "boolean" },
        "max-segment-constraints": { type: "string" },
      },
    });
    if (positionals.length !== 1 || !values.calibrate || !values.out) {
      throw new UsageError("expected a model file, --calibrate <samples> and --out <dir>");
    }
    const threshold = values.threshold === undefined ? 0 : Number(values.threshold);
    if (!Number.isFinite(threshold)) throw new UsageError(`--threshold must be a number, got ${values.threshold}`);
    const { existsSync, statSync } = await import("node:fs");
    const { ZkinferError } = await import("../../errors.js");
    for (const [file, what] of [
      [positionals[0]!, "model"],
      [values.calibrate, "--calibrate samples"],
    ] as const) {
      if (!existsSync(file) || !statSync(file).isFile()) throw new ZkinferError(`the ${what} file ${file} does not exist or is not a file`);
    }
    // Imported for segments: the single-proof limit gives way to the segmented one. Set before any module
    // that reads it (prover/onnx/estimate.ts) is loaded.
    if (values["max-segment-constraints"] !== undefined) process.env.ZKINFER_MAX_CONSTRAINTS = process.env.ZKINFER_MAX_SEGMENTED_CONSTRAINTS ?? "20000000";
    const { parseMaxSegmentConstraints } = await import("../../segment/build.js");
    const maxSegments = parseMaxSegmentConstraints(values["max-segment-constraints"]);
    const { importModel } = await import("../../onnx/importModel.js");
    // The model is named after its folder by default (two imports into two folders are two models:
    // naming them after the ONNX file, often `network.onnx`, made the second overwrite the first's build).
    const name = values.name ?? modelNameOf(basename(resolve(values.out)));
    const argmaxOutput = values["argmax-output"] === true;
    const result = await importModel({
      modelPath: positionals[0]!,
      samplesPath: values.calibrate,
      name,
      threshold,
      argmaxOutput,
      log: console.log,
      compile: !maxSegments,
    });
    if (maxSegments) {
      const { planModelSegments } = await import("../../segment/segments.js");
      const { specGraph } = await import("../../model/specGraph.js");
      const plan = planModelSegments(result.ir, specGraph(result.spec), maxSegments);
      const segments = {
        k: plan.segments.length,
        maxSegmentConstraints: maxSegments,
        constraints: plan.segments.map((s) => s.constraints),
        boundaryValues: plan.boundaryValues,
      };
      Object.assign(result.report, { segments });
      console.log(
        `segments: ${segments.k} of at most ${maxSegments} constraints (estimated: ${segments.constraints.join(", ")}); error bound ${result.report.errorBound.join(", ")}`,
      );
    }
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, "spec.json"), JSON.stringify(result.spec, null, 2) + "\n");
    writeFileSync(join(values.out, "calibration.json"), JSON.stringify(result.report, null, 2) + "\n");
    const next = maxSegments
      ? `zkinfer segments build ${join(values.out, "spec.json")} --max-segment-constraints ${maxSegments}`
      : `zkinfer build ${values.out}`;
    console.log(`wrote ${join(values.out, "spec.json")} and calibration.json; next: ${next}`);
  },
};

/** A folder name as a model name: lowercase kebab-case starting with a letter (as the spec schema requires). */
function modelNameOf(folder: string): string {
  return folder
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/^(?![a-z])/, "m-");
}
