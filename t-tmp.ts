import { readFileSync, readdirSync } from "node:fs";
import { importOnnx } from "./prover/onnx/import.ts";
for (const m of readdirSync("test/fixtures/onnx")) {
  try { const net = importOnnx(readFileSync(`test/fixtures/onnx/${m}/network.onnx`), m); console.log(m, "OK", net.inputShape, "->", net.outputShape, net.layers.map(l => l.type + (l.type==="dense" ? `${l.weights[0].length}x${l.weights.length}`:"")).join(" ")); }
  catch (e) { console.log(m, "REFUSED", (e as Error).message.slice(0, 200)); }
}
