import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { UsageError } from "../usage.js";

export const command: Command = {
  usage: "<network.onnx> <input.json> [--json]",
  summary:
    "Imports an ONNX model, calibrates it on the input, compiles the circuit and runs onnxruntime (float), the " +
    "reference interpreter (quantized) and the circuit's witness on the same input. With --json, prints one JSON object " +
    '{"supported", "reason"?, "constraints"?, "outputs"?: {"float", "quantized", "circuit"}, "maxAbsError"?, "errorBound"?}. ' +
    "Exit 0 when supported, 3 when the model is refused (the reason names the operator), 1 on bad input.",
  async run(argv) {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" } } });
    if (positionals.length !== 2) throw new UsageError("expected two arguments: the ONNX file and the input JSON");
    const { checkOnnx } = await import("../../onnx/check.js");
    const log = values.json ? () => {} : (line: string) => console.error(line);
    const result = await checkOnnx(positionals[0]!, positionals[1]!, log);
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
    return result.supported ? 0 : 3;
  },
};
