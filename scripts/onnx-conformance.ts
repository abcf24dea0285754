/**
 * The ONNX backend node tests of the claimed operators (test/fixtures/onnx-node, see its SOURCE.md)
 * through zkinfer without proving (prover/onnx/conformance.ts): per operator, how many agree with
 * the expected outputs within zkinfer's reported bound, how many are refused (and why), and any
 * crash. Usage: npx tsx scripts/onnx-conformance.ts [--markdown] [--json out.json] [filter]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../prover/artifacts/paths.js";
import { nodeTests, runNodeTest, type NodeTestResult } from "../prover/onnx/conformance.js";

const args = process.argv.slice(2);
const markdown = args.includes("--markdown");
const jsonAt = args.indexOf("--json");
const jsonOut = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const filter = args.find((a, i) => !a.startsWith("--") && (jsonAt < 0 || i !== jsonAt + 1));

const results: NodeTestResult[] = [];
for (const folder of nodeTests(join(REPO_ROOT, "test/fixtures/onnx-node"))) {
  if (filter && !folder.includes(filter)) continue;
  const r = runNodeTest(folder);
  results.push(r);
  if (!markdown) console.log(`${r.status.padEnd(8)} ${r.test}${r.reason ? `: ${r.reason.split("\n")[0]!.slice(0, 200)}` : ""}`);
}

const byOp = new Map<string, { pass: number; fail: number; refused: number; crash: number }>();
for (const r of results) {
  const op = r.ops.join("+") || "?";
  const row = byOp.get(op) ?? { pass: 0, fail: 0, refused: 0, crash: 0 };
  row[r.status]++;
  byOp.set(op, row);
}
const count = (s: NodeTestResult["status"]) => results.filter((r) => r.status === s).length;
const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "-");
if (markdown) {
  console.log("| Operator | Tests | Agree within the bound | Refused | Fail | Crash |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const [op, r] of [...byOp].sort()) {
    const n = r.pass + r.fail + r.refused + r.crash;
    console.log(`| ${op} | ${n} | ${r.pass} (${pct(r.pass, n)}) | ${r.refused} | ${r.fail} | ${r.crash} |`);
  }
} else {
  for (const [op, r] of [...byOp].sort()) {
    const n = r.pass + r.fail + r.refused + r.crash;
    console.log(`${op.padEnd(24)} ${String(r.pass).padStart(3)}/${String(n).padEnd(3)} pass  ${r.refused} refused  ${r.fail} fail  ${r.crash} crash`);
  }
}
const n = results.length;
console.log(
  `\n${count("pass")} / ${n} agree within the bound (${pct(count("pass"), n)}); ${count("refused")} refused; ${count("fail")} fail; ${count("crash")} crash.` +
    ` Of those not refused: ${pct(count("pass"), n - count("refused"))} agree.`,
);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 1));
