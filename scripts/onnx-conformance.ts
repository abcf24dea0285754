/**
 * The ONNX backend node tests of the claimed operators (test/fixtures/onnx-node, see its SOURCE.md)
 * through zkinfer without proving (prover/onnx/conformance.ts): per operator, how many agree with
 * the expected outputs within zkinfer's reported bound, how many are refused (and why), and any
 * crash, then per operator group (prover/onnx/ops/<group>.ts: a test counts in the group of its
 * graph's first operator). Usage:
 *   npx tsx scripts/onnx-conformance.ts [--markdown] [--json out.json] [--from results.json] [filter]
 * --from re-tabulates a saved --json run instead of running the tests.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../prover/artifacts/paths.js";
import { limitOf, nodeTests, runNodeTest, type NodeTestResult } from "../prover/onnx/conformance.js";
import type { OpHandler } from "../prover/onnx/ops/registry.js";
import { HANDLERS as activations } from "../prover/onnx/ops/activations.js";
import { HANDLERS as arithmetic } from "../prover/onnx/ops/arithmetic.js";
import { HANDLERS as constants } from "../prover/onnx/ops/constants.js";
import { HANDLERS as conv } from "../prover/onnx/ops/conv.js";
import { HANDLERS as indexing } from "../prover/onnx/ops/indexing.js";
import { HANDLERS as linear } from "../prover/onnx/ops/linear.js";
import { HANDLERS as logic } from "../prover/onnx/ops/logic.js";
import { HANDLERS as movement } from "../prover/onnx/ops/movement.js";
import { HANDLERS as normalization } from "../prover/onnx/ops/normalization.js";
import { HANDLERS as recurrent } from "../prover/onnx/ops/recurrent.js";
import { HANDLERS as reduce } from "../prover/onnx/ops/reduce.js";

const GROUPS: Record<string, OpHandler[]> = { activations, arithmetic, constants, conv, indexing, linear, logic, movement, normalization, recurrent, reduce };
const groupOf = new Map<string, string>();
for (const [g, hs] of Object.entries(GROUPS)) for (const h of hs) for (const t of h.types) groupOf.set(t, g);

const args = process.argv.slice(2);
const markdown = args.includes("--markdown");
const jsonAt = args.indexOf("--json");
const jsonOut = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const fromAt = args.indexOf("--from");
const filter = args.find((a, i) => !a.startsWith("--") && (jsonAt < 0 || i !== jsonAt + 1) && (fromAt < 0 || i !== fromAt + 1));

const results: NodeTestResult[] = fromAt >= 0 ? (JSON.parse(readFileSync(args[fromAt + 1]!, "utf8")) as NodeTestResult[]) : [];
for (const folder of fromAt >= 0 ? [] : nodeTests(join(REPO_ROOT, "test/fixtures/onnx-node"))) {
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
const byGroup = new Map<string, { pass: number; fail: number; refused: number; crash: number }>();
for (const r of results) {
  const g = groupOf.get(r.ops[0] ?? "") ?? "?";
  const row = byGroup.get(g) ?? { pass: 0, fail: 0, refused: 0, crash: 0 };
  row[r.status]++;
  byGroup.set(g, row);
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
console.log("");
if (markdown) {
  console.log("| Operator group | Tests | Agree within the bound | Refused | Fail | Crash |");
  console.log("|---|---:|---:|---:|---:|---:|");
}
for (const [g, r] of [...byGroup].sort()) {
  const n = r.pass + r.fail + r.refused + r.crash;
  console.log(
    markdown
      ? `| ${g} | ${n} | ${r.pass} (${pct(r.pass, n)}) | ${r.refused} | ${r.fail} | ${r.crash} |`
      : `group ${g.padEnd(18)} ${String(r.pass).padStart(3)}/${String(n).padEnd(3)} pass (${pct(r.pass, n)})  ${r.refused} refused  ${r.fail} fail  ${r.crash} crash`,
  );
}
const n = results.length;
console.log(
  `\n${count("pass")} / ${n} agree within the bound (${pct(count("pass"), n)}); ${count("refused")} refused; ${count("fail")} fail; ${count("crash")} crash.` +
    ` Of those not refused: ${pct(count("pass"), n - count("refused"))} agree.`,
);
// The same tests within the documented limits: a refusal for one of LIMITS leaves the count (and
// is listed per limit); every other refusal stays in it as a miss.
const outside = new Map<string, number>();
for (const r of results) {
  const l = limitOf(r);
  if (l) outside.set(l, (outside.get(l) ?? 0) + 1);
}
const out = [...outside.values()].reduce((a, b) => a + b, 0);
console.log(
  `Within the documented limits: ${count("pass")} / ${n - out} agree (${pct(count("pass"), n - out)}); ${out} refused for a documented limit:` +
    [...outside].map(([l, k]) => `\n  ${String(k).padStart(3)}  ${l}`).join(""),
);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 1));
