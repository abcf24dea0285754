import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";

export const command: Command = {
  usage: "<network.onnx> <input.json> [--json] [--argmax-output] [--max-segment-constraints N | --no-segments]",
  summary:
    "Imports an ONNX model (a final Softmax stays probabilities; with --argmax-output it is compiled as the class index), calibrates it on the input, compiles the circuit and runs onnxruntime (float), the " +
    "reference interpreter (quantized) and the circuit's witness on the same input. With --json, prints one JSON object " +
    '{"supported", "reason"?, "constraints"?, "outputs"?: {"float", "quantized", "circuit"}, "maxAbsError"?, "errorBound"?}. ' +
    "Exit codes: 0 supported; 3 refused (the reason names every unsupported operator with its nodes, or the range/size " +
    "limit hit); 4 an internal error (a compiler bug: still one JSON line, supported false, the reason quoting the error); " +
    "A model over the single-proof limit is segmented instead (docs/SEGMENTS.md): the report's \"segments\" gives K and each segment's " +
    "estimated constraints (at most --max-segment-constraints, default what the largest cached ptau holds), from the estimate alone, and " +
    '"errorBound" the calibration\'s bound; --no-segments refuses it. ' +
    "2 bad usage; 1 an input file that cannot be read. With --json the one JSON line {supported, ...} is printed in every case " +
    'but those two, which print {"ok": false, "error", "exitCode"}.',
  async run(argv) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        "argmax-output": { type: "boolean" },
        "max-segment-constraints": { type: "string" },
        "no-segments": { type: "boolean" },
      },
    });
    if (positionals.length !== 2) throw new UsageError("expected two arguments: the ONNX file and the input JSON");
    // A missing file is the user's mistake, not a refusal of the model nor a compiler bug.
    const { existsSync, statSync } = await import("node:fs");
    const { ZkinferError } = await import("../../errors.js");
    for (const [file, what] of [
      [positionals[0]!, "ONNX model"],
      [positionals[1]!, "input JSON"],
    ] as const) {
      if (!existsSync(file) || !statSync(file).isFile()) throw new ZkinferError(`the ${what} ${file} does not exist or is not a file`);
    }
    const { checkOnnx } = await import("../../onnx/check.js");
    const { defaultMaxSegmentConstraints, parseMaxSegmentConstraints } = await import("../../segment/build.js");
    const { segmentedCheck } = await import("../../segment/onnxPlan.js");
    const maxSegments = values["no-segments"] ? 0 : (parseMaxSegmentConstraints(values["max-segment-constraints"]) ?? defaultMaxSegmentConstraints());
    const options = { argmaxOutput: values["argmax-output"] === true };
    // Over the single-proof limit: the segment plan instead of a refusal (docs/SEGMENTS.md).
    const overLimit =
      maxSegments > 0 ? (e: Parameters<typeof segmentedCheck>[4]) => segmentedCheck(positionals[0]!, positionals[1]!, options, maxSegments, e) : undefined;
    const log = values.json ? () => {} : (line: string) => console.error(line);
    let result: Awaited<ReturnType<typeof checkOnnx>>;
    let internal = false;
    try {
      result = await checkOnnx(positionals[0]!, positionals[1]!, log, options, overLimit);
    } catch (e) {
      // Never a raw stack trace: every failure is one JSON line. A ZkinferError is a refusal with a
      // reason (bad input file, range analysis); anything else is a compiler bug, said as such.
      internal = !(e instanceof ZkinferError);
      const message = e instanceof Error ? e.message : String(e);
      result = { supported: false, reason: internal ? `internal error (a zkinfer bug, please report it): ${message}` : message };
    }
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(result.supported ? "supported" : `not supported: ${result.reason}`);
      if (result.segments) {
        const s = result.segments;
        console.log(`  segments      ${s.k} of at most ${s.maxSegmentConstraints} constraints (estimated: ${s.constraints.join(", ")})`);
        console.log(`  boundary      ${s.boundaryValues} values committed between segments`);
        console.log(`  error bound   ${result.errorBound ?? "n/a"}`);
      }
      if (result.outputs) {
        console.log(`  constraints   ${result.constraints}`);
        console.log(`  float         [${result.outputs.float.map((x) => x.toFixed(6)).join(", ")}]`);
        console.log(`  quantized     [${result.outputs.quantized.map((x) => x.toFixed(6)).join(", ")}]`);
        console.log(`  circuit       [${result.outputs.circuit.map((x) => x.toFixed(6)).join(", ")}]`);
        console.log(`  max |error|   ${result.maxAbsError} (bound ${result.errorBound ?? "n/a: discrete output"})`);
      }
    }
    return result.supported ? 0 : internal ? 4 : 3;
  },
};
