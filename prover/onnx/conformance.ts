/**
 * The ONNX project's backend node tests (onnx/backend/test/data/node/<test>: model.onnx and
 * test_data_set_0/{input,output}_k.pb) run through zkinfer without proving: import, calibrate on
 * the test's own input, run the exact quantized interpreter (what the circuit computes, bit for
 * bit: check-onnx and test/onnx check circuit = interpreter) and compare with the expected outputs
 * within the error bound zkinfer reports. A model zkinfer cannot compile is "refused" with the
 * reason; a thrown non-zkinfer error is a "crash" (a bug).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UnsupportedOperatorError, ZkinferError } from "../errors.js";
import { decodeOutputs, runQuantized } from "../model/interpret.js";
import { quantize } from "../model/quantize.js";
import { calibrate } from "./calibrate.js";
import { argmaxLowest } from "./check.js";
import { parseOnnx, parseTensor, type OnnxGraph } from "./graph.js";
import { checkCircuitSize } from "./estimate.js";
import { checkInputTypes, importGraphIR } from "./graphImport.js";
import type { ImportedNetwork } from "./importedNetwork.js";
import { importNetwork } from "./network.js";

export interface NodeTestResult {
  test: string;
  /** The operator types of the test's graph. */
  ops: string[];
  status: "pass" | "fail" | "refused" | "crash";
  reason?: string;
  maxAbsError?: number;
  errorBound?: number;
  /** Inputs bound to the test's values as constants (operator parameters fed as graph inputs). */
  bound?: string[];
}

/**
 * On top of zkinfer's bound (against exact arithmetic): the ONNX backend runner's own tolerance for
 * the expected outputs (onnx/backend/test/runner: rtol 1e-3, atol 1e-7), which are float32 and, in
 * a few hand-written tests, rounded to four decimals.
 */
const slack = (v: number) => 1e-7 + 1e-3 * Math.abs(v);

function tensors(dir: string, kind: "input" | "output"): number[][] {
  const out: number[][] = [];
  for (let k = 0; existsSync(join(dir, `${kind}_${k}.pb`)); k++) out.push(parseTensor(readFileSync(join(dir, `${kind}_${k}.pb`)), `${kind}_${k}.pb`).data);
  return out;
}

/**
 * The backend tests feed an operator's parameters (axes, shapes, kernels, scales...) as graph inputs
 * where an exporter writes initializers; zkinfer compiles a parameter only as a constant. So an
 * input a node needs constant (UnsupportedOperatorError "... (input k) depends on the model's
 * input") is bound to the test's value, as an initializer, and the import retried. Every other
 * input stays a model input. Returns the network, its sample and the bound inputs' names.
 */
function importBinding(bytes: Uint8Array, graph: OnnxGraph, inputs: number[][], test: string): { net: ImportedNetwork; sample: number[]; bound: string[] } {
  const bound: string[] = [];
  for (;;) {
    try {
      const net = bound.length ? importGraphIR(graph, test) : importNetwork(bytes, test);
      const sample = graph.inputs.flatMap((inp) => inputs[originalIndex.get(graph)!.indexOf(inp.name)]!);
      return { net, sample, bound };
    } catch (e) {
      const m = e instanceof UnsupportedOperatorError ? /\(input (\d+)\) depends on the model's input/.exec(e.message) : null;
      const node = m ? graph.nodes.find((n) => e instanceof UnsupportedOperatorError && n.name === e.node) : undefined;
      const name = node?.inputs[Number(m?.[1])];
      const at = graph.inputs.findIndex((i) => i.name === name);
      if (!name || at < 0) throw e;
      const shape = graph.inputs[at]!.shape;
      graph.constants.set(name, { dims: shape, data: inputs[originalIndex.get(graph)!.indexOf(name)]! });
      graph.inputs.splice(at, 1);
      bound.push(name);
    }
  }
}

/** Each parsed graph's input names before any binding (the order of input_k.pb). */
const originalIndex = new WeakMap<OnnxGraph, string[]>();

/** A backend node test read and imported: what runNodeTest checks, and what a circuit is compiled from. */
export interface LoadedNodeTest {
  test: string;
  ops: string[];
  net: ImportedNetwork;
  /** The model's input values, in the imported network's order. */
  sample: number[];
  expected: number[];
  /** Inputs bound to the test's values as constants. */
  bound: string[];
}

/**
 * Reads and imports one test folder: the loaded test, or a refusal (a NodeTestResult) when the test
 * cannot be imported for a reason known before import. Throws what the importer throws.
 */
export function loadNodeTest(folder: string, ops: string[] = []): LoadedNodeTest | NodeTestResult {
  const test = folder.split("/").filter(Boolean).at(-1)!;
  const bytes = readFileSync(join(folder, "model.onnx"));
  const graph = parseOnnx(bytes, test);
  originalIndex.set(
    graph,
    graph.inputs.map((i) => i.name),
  );
  ops.push(...new Set(graph.nodes.map((n) => n.opType)));
  checkInputTypes(graph, test);
  const data = join(folder, "test_data_set_0");
  const inputs = tensors(data, "input");
  const expected = tensors(data, "output").flat();
  // The first input of an ONNX operator is its data; later ones may be empty on purpose (no axes).
  if (inputs[0]?.length === 0) return { test, ops, status: "refused", reason: "input_0.pb (the data) is empty (a dimension is 0): there is nothing to prove." };
  // A NaN or infinity has no fixed-point value: name the input that holds one (the usual case: the
  // Cast tests feed them on purpose), else the expected output.
  const inputAt = inputs.findIndex((t) => t.some((v) => !Number.isFinite(v)));
  if (inputAt >= 0) {
    const bad = inputs[inputAt]!.filter((v) => !Number.isFinite(v)).length;
    return {
      test,
      ops,
      status: "refused",
      reason: `input_${inputAt}.pb holds ${bad} of ${inputs[inputAt]!.length} values that are not finite (NaN or infinity has no fixed-point value)`,
    };
  }
  if (expected.some((v) => !Number.isFinite(v)))
    return { test, ops, status: "refused", reason: "an expected output is not finite (NaN or infinity has no fixed-point value)" };
  const { net, sample, bound } = importBinding(bytes, graph, inputs, test);
  return { test, ops, net, sample, expected, bound };
}

/** Runs one backend node test folder. */
export function runNodeTest(folder: string): NodeTestResult {
  const test = folder.split("/").filter(Boolean).at(-1)!;
  const ops: string[] = [];
  try {
    const loaded = loadNodeTest(folder, ops);
    if ("status" in loaded) return loaded;
    const { net, sample, expected, bound: boundInputs } = loaded;
    if (sample.length !== net.inputSize) return { test, ops, status: "refused", reason: `the test feeds ${sample.length} values for ${net.inputSize} inputs` };
    const { ir, errorBound } = calibrate({ network: net, samples: [sample], name: "conformance" });
    // As check-onnx: the circuit counted from its calibrated widths must fit this machine.
    checkCircuitSize(ir, test);
    const q = runQuantized(
      ir,
      sample.map((x) => quantize(x, ir.inputScale)),
    );
    const got = decodeOutputs(ir, q.outputs);
    const want = net.finalSoftmax ? [argmaxLowest(expected)] : expected;
    if (got.length !== want.length) return { test, ops, status: "fail", reason: `${got.length} outputs for ${want.length} expected` };
    const errs = got.map((g, k) => Math.abs(g - want[k]!));
    const bounds = net.finalSoftmax ? [0] : errorBound.map((b, k) => b + slack(want[k]!));
    const maxAbsError = Math.max(0, ...errs);
    const errorBoundMax = Math.max(0, ...bounds);
    if (!bounds.every(Number.isFinite))
      return { test, ops, status: "refused", maxAbsError, reason: "no finite error bound: the circuit's error cannot be bounded on this input's range" };
    const ok = errs.every((e, k) => e <= bounds[k]!);
    return {
      test,
      ops,
      status: ok ? "pass" : "fail",
      maxAbsError,
      errorBound: errorBoundMax,
      ...(boundInputs.length ? { bound: boundInputs } : {}),
      ...(ok ? {} : { reason: `error ${maxAbsError} above its bound` }),
    };
  } catch (e) {
    if (e instanceof ZkinferError) return { test, ops, status: "refused", reason: e.message };
    return { test, ops, status: "crash", reason: (e as Error).stack ?? String(e) };
  }
}

/**
 * The documented limits of what a fixed-point circuit on this machine proves (docs/ONNX.md,
 * "Conformance"), each recognised from a refusal's reason. A refused test counts OUTSIDE the limits
 * only when its reason is one of these; every other refusal counts against the pass rate within them.
 */
export const LIMITS: readonly { limit: string; reason: RegExp }[] = [
  { limit: "NaN or infinity in the test data (no fixed-point value)", reason: /not finite \(NaN or infinity/ },
  { limit: "a cast of data to float4 E2M1 or float8 E8M0 (rounding to 1 mantissa bit / a power of two)", reason: /a cast of data to float(4 E2M1|8 E8M0)/ },
  { limit: "above the machine's constraint limit (ZKINFER_MAX_CONSTRAINTS)", reason: /too large for this machine/ },
  { limit: "nothing to prove (no input, or empty data / outputs)", reason: /nothing to prove/ },
  { limit: "random (training-mode Dropout)", reason: /drops values at random/ },
  { limit: "not a numeric tensor (string, sequence, optional)", reason: /is a string tensor|is not a tensor/ },
  { limit: "a data-dependent output shape (NonZero of data)", reason: /data-dependent shape/ },
  {
    limit: "no finite bound over the declared input range (tan across a pole, x / ||x|| where the norm can be 0)",
    reason: /no finite error bound/,
  },
];

/** The documented limit a refused test falls under, or undefined (then it counts as a miss). */
export function limitOf(r: NodeTestResult): string | undefined {
  if (r.status !== "refused" || !r.reason) return undefined;
  return LIMITS.find((l) => l.reason.test(r.reason!))?.limit;
}

/** Every test folder under `root`, sorted. */
export function nodeTests(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(root, d.name))
    .sort();
}
