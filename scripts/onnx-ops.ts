import { readFileSync, readdirSync } from "node:fs";
/**
 * Lists the ONNX operators each model of a corpus folder uses (<dir>/<model>/network.onnx), then
 * how many models use each operator: which operator families unlock the most models.
 * Usage: npx tsx scripts/onnx-ops.ts <corpus dir>
 */
import { parseOnnx } from "../prover/onnx/graph.js";
const dir = process.argv[2]!;
const all = new Map<string, number>();
for (const n of readdirSync(dir).sort()) {
  try {
    const g = parseOnnx(readFileSync(`${dir}/${n}/network.onnx`), n);
    const ops = [...new Set(g.nodes.map((x) => x.opType))];
    ops.forEach((o) => all.set(o, (all.get(o) ?? 0) + 1));
    const inp = JSON.parse(readFileSync(`${dir}/${n}/input.json`, "utf8")).input_data;
    console.log(
      n.padEnd(26),
      `nodes=${g.nodes.length} in=${g.inputs.map((i) => i.name + "[" + i.shape + "]").join(",")} out=${g.outputs.length} inputs=${inp.length}x${inp[0]?.length}`,
      ops.join(" "),
    );
  } catch (e) {
    console.log(n, "ERR", (e as Error).message.slice(0, 200));
  }
}
console.log(
  [...all]
    .sort((a, b) => b[1] - a[1])
    .map(([o, c]) => `${o}:${c}`)
    .join(" "),
);
