/**
 * The graph compiler's part of `npm run bench` (constraint counts only: compile, no setup).
 *
 * - Per operator kind: a small ONNX model written here (prover/onnx/build.ts) with one operator
 *   over a few elements, imported and calibrated like any user model on a seeded input in
 *   [-2, 2] (divisors in [0.5, 2]), then the layers' constraints alone (input range checks and the
 *   input commitment left out) divided by the operator's units: an element, a compare-exchange, a
 *   hidden unit of one recurrent step.
 * - Per corpus model: every fixture of test/fixtures/onnx and test/fixtures/onnx-wide (the tested
 *   subsets of the two corpora), its whole circuit, as check-onnx compiles it (without running
 *   onnxruntime: a model onnxruntime cannot load, such as decision_tree, still gets a count).
 *
 * Alone: `npx tsx scripts/bench-graph.ts [--ops] [--models] [--json]` (both parts without a flag).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCircuit } from "../prover/circuit/codegen.js";
import { compileCircuit } from "../prover/circuit/compile.js";
import { modelCommitment } from "../prover/circuit/commitment.js";
import type { ModelIR } from "../prover/model/ir.js";
import { buildOnnx, intAttr, seededWeights, type OnnxBuildNode, type OnnxInit } from "../prover/onnx/build.js";
import { calibrate } from "../prover/onnx/calibrate.js";
import { importNetwork } from "../prover/onnx/network.js";

async function constraintsOf(ir: ModelIR, omitInputHandling: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-bench-graph-"));
  try {
    const source = join(dir, "bench_graph.circom");
    writeFileSync(source, generateCircuit({ ir, modelCommitment: await modelCommitment(ir), omitInputHandling }));
    const info = await compileCircuit({ source, outDir: dir });
    return info.nonLinearConstraints + info.linearConstraints;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface OpCase {
  kind: string;
  /** How many units the model has (elements, compare-exchanges, hidden units). */
  units: number;
  unit: string;
  nodes: OnnxBuildNode[];
  inputs: [string, number[]][];
  outputs: [string, number, number[]][];
  inits?: OnnxInit[];
  /** Inputs named here are positive (divisors): [0.5, 2]. */
  positive?: string[];
}

const N = 8;
const H = 4;
const el = (kind: string, opType: string, two = false, positive?: string[]): OpCase => ({
  kind,
  units: N,
  unit: "element",
  nodes: [{ opType, input: two ? ["X", "Y"] : ["X"], output: ["Z"] }],
  inputs: two
    ? [
        ["X", [1, N]],
        ["Y", [1, N]],
      ]
    : [["X", [1, N]]],
  outputs: [["Z", opType === "Less" ? 9 : 1, [1, N]]],
  ...(positive ? { positive } : {}),
});
const recurrent = (op: "LSTM" | "GRU", gates: number): OpCase => ({
  kind: `${op} step`,
  units: H,
  unit: "hidden unit (one time step)",
  nodes: [{ opType: op, input: ["X", "W", "R", "B"], output: ["Y"], attribute: [intAttr("hidden_size", H)] }],
  inputs: [["X", [1, 1, H]]],
  outputs: [["Y", 1, [1, 1, 1, H]]],
  inits: [
    { name: "W", dims: [1, gates * H, H], data: seededWeights(gates * H * H, 1) },
    { name: "R", dims: [1, gates * H, H], data: seededWeights(gates * H * H, 2) },
    { name: "B", dims: [1, 2 * gates * H], data: seededWeights(2 * gates * H, 3) },
  ],
});

export const OP_CASES: OpCase[] = [
  el("relu", "Relu"),
  {
    kind: "argmax over 8 (per element)",
    units: N,
    unit: "element",
    // Not the last op (a final ArgMax is fine too, but this keeps it a plain graph node).
    nodes: [
      { opType: "ArgMax", input: ["X"], output: ["I"], attribute: [intAttr("axis", -1)] },
      { opType: "Cast", input: ["I"], output: ["Z"], attribute: [intAttr("to", 1)] },
    ],
    inputs: [["X", [1, N]]],
    outputs: [["Z", 1, [1, 1]]],
  },
  el("data x data product (Mul)", "Mul", true),
  el("comparison (Less)", "Less", true),
  el("elementwise max of two (Max: one comparison step)", "Max", true),
  el("division by data (Div)", "Div", true, ["Y"]),
  el("exp", "Exp"),
  el("sigmoid", "Sigmoid"),
  el("tanh", "Tanh"),
  el("erf", "Erf"),
  {
    // Not the model's last op (a final Softmax compiles as its ArgMax): scaled by a constant after.
    kind: "softmax element (over 8)",
    units: N,
    unit: "element",
    nodes: [
      { opType: "Softmax", input: ["X"], output: ["S"] },
      { opType: "Mul", input: ["S", "C"], output: ["Z"] },
    ],
    inputs: [["X", [1, N]]],
    outputs: [["Z", 1, [1, N]]],
    inits: [{ name: "C", dims: [1], data: [2] }],
  },
  {
    kind: "LayerNorm element (over 8)",
    units: N,
    unit: "element",
    nodes: [{ opType: "LayerNormalization", input: ["X", "S", "Bi"], output: ["Z"] }],
    inputs: [["X", [1, N]]],
    outputs: [["Z", 1, [1, N]]],
    inits: [
      { name: "S", dims: [N], data: seededWeights(N, 4) },
      { name: "Bi", dims: [N], data: seededWeights(N, 5) },
    ],
  },
  {
    kind: "TopK compare-exchange (k = 2 of 8: 13)",
    units: 13,
    unit: "compare-exchange",
    nodes: [{ opType: "TopK", input: ["X", "K"], output: ["Z"], attribute: [intAttr("axis", -1)] }],
    inputs: [["X", [1, N]]],
    outputs: [["Z", 1, [1, 2]]],
    inits: [{ name: "K", dims: [1], data: [2], int64: true }],
  },
  recurrent("LSTM", 4),
  recurrent("GRU", 3),
];

export interface OpCost {
  kind: string;
  unit: string;
  constraints: number;
  perUnit: number;
}

export async function graphOpCosts(log: (line: string) => void): Promise<OpCost[]> {
  const dir = mkdtempSync(join(tmpdir(), "zkinfer-bench-ops-"));
  const out: OpCost[] = [];
  try {
    for (const c of OP_CASES) {
      const bytes = buildOnnx(c.nodes, c.inputs, c.outputs, c.inits ?? []);
      const path = join(dir, "op.onnx");
      writeFileSync(path, bytes);
      const net = importNetwork(bytes, path);
      let k = 0;
      const sample = c.inputs.flatMap(([name, shape]) => {
        const n = shape.reduce((a, b) => a * b, 1);
        return seededWeights(n, 11 + k++).map((w) => (c.positive?.includes(name) ? 1.25 + 0.75 * w : 2 * w));
      });
      const { ir } = calibrate({ network: net, samples: [sample], name: "bench-op" });
      const constraints = await constraintsOf(ir, true);
      const perUnit = Math.round((constraints / c.units) * 10) / 10;
      out.push({ kind: c.kind, unit: c.unit, constraints, perUnit });
      log(`${c.kind}: ${perUnit} constraints per ${c.unit} (${constraints} for ${c.units})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export interface ModelCost {
  corpus: string;
  model: string;
  constraints: number | null;
  refused?: string;
}

/** Every fixture model of both corpora: its whole circuit's constraints, or why it is refused. */
export async function corpusModelCosts(log: (line: string) => void): Promise<ModelCost[]> {
  const out: ModelCost[] = [];
  for (const corpus of ["onnx", "onnx-wide"]) {
    const root = fileURLToPath(new URL(`../test/fixtures/${corpus}/`, import.meta.url));
    for (const model of readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()) {
      try {
        const bytes = readFileSync(join(root, model, "network.onnx"));
        const net = importNetwork(bytes, model);
        // Boolean inputs (ezkl's boolean models) are 0 / 1, as check-onnx feeds them.
        const input = (JSON.parse(readFileSync(join(root, model, "input.json"), "utf8")) as { input_data: (number | boolean)[][] }).input_data
          .flat()
          .map(Number);
        const { ir } = calibrate({ network: net, samples: [input], name: "bench-model" });
        const constraints = await constraintsOf(ir, false);
        out.push({ corpus, model, constraints });
        log(`${corpus}/${model}: ${constraints} constraints`);
      } catch (e) {
        const refused = (e as Error).message.slice(0, 160);
        out.push({ corpus, model, constraints: null, refused });
        log(`${corpus}/${model}: refused (${refused})`);
      }
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const json = process.argv.includes("--json");
  const ops = process.argv.includes("--ops") || !process.argv.includes("--models");
  const models = process.argv.includes("--models") || !process.argv.includes("--ops");
  const log = (line: string) => (json ? undefined : console.log(line));
  const result = { perOperator: ops ? await graphOpCosts(log) : undefined, perModel: models ? await corpusModelCosts(log) : undefined };
  if (json) console.log(JSON.stringify(result));
}
