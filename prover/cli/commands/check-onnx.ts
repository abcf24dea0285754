import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";

export const command: Command = {
  usage: "<network.onnx> <input.json> [--json]",
  summary:
    "Imports an ONNX model, calibrates it on the input, compiles the circuit and runs onnxruntime (float), the " +
    "reference interpreter (quantized) and the circuit's witness on the same input. With --json, prints one JSON object " +
    '{"supported", "reason"?, "constraints"?, "outputs"?: {"float", "quantized", "circuit"}, "maxAbsError"?, "errorBound"?}. ' +
    "Exit codes: 0 supported; 3 refused (the reason names every unsupported operator with its nodes, or the range/size " +
    "limit hit); 4 an internal error (a compiler bug: still one JSON line, supported false, the reason quoting the error); " +
    "1 bad usage. With --json the one JSON line is printed in every case but bad usage.",
  async run(argv) {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" } } });
    if (positionals.length !== 2) throw new UsageError("expected two arguments: the ONNX file and the input JSON");
    const { checkOnnx } = await import("../../onnx/check.js");
    const log = values.json ? () => {} : (line: string) => console.error(line);
    let result: Awaited<ReturnType<typeof checkOnnx>>;
    let internal = false;
    try {
      result = await checkOnnx(positionals[0]!, positionals[1]!, log);
    } catch (e) {
      // Never a raw stack trace: every failure is one JSON line. A ZkinferError is a refusal with a
      // reason (bad input file, range analysis); anything else is a compiler bug, said as such.
      const { ZkinferError } = await import("../../errors.js");
      internal = !(e instanceof ZkinferError);
      const message = e instanceof Error ? e.message : String(e);
      result = { supported: false, reason: internal ? `internal error (a zkinfer bug, please report it): ${message}` : message };
    }
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(result.supported ? "supported" : `not supported: ${result.reason}`);
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
