/**
 * The segment plan of an ONNX model over the single-proof limit (docs/SEGMENTS.md, "check-onnx"),
 * answered from the estimate: the importer runs once under the SEGMENTED limit (no compile, no key),
 * the float graph is cut into pieces and segments by the estimate (./segments.ts estimatedSegmentable),
 * and the model is calibrated on the given input for its error bound. It runs in a child process
 * (./onnxPlanEntry.mjs) with a heap cap and a time limit, so a model whose very import would take
 * minutes or all the memory is refused in bounded time with what the estimate knew.
 */
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ZkinferError } from "../errors.js";
import type { GraphSpec } from "../graph/types.js";
import { calibrate } from "../onnx/calibrate.js";
import { assembleSample, compareWithFloat, floatReferenceOf, readInputJson, type CheckOnnxReturnType } from "../onnx/check.js";
import { ModelTooLargeError } from "../onnx/estimate.js";
import { importNetwork, type ImportOptions } from "../onnx/network.js";
import { decodeOutputs, runQuantized } from "../model/interpret.js";
import { quantize } from "../model/quantize.js";
import { specGraph } from "../model/specGraph.js";
import { planSegments, type CutPlan } from "./plan.js";
import { estimatedSegmentable, planModelSegments, type SegmentPlan } from "./segments.js";
import { runSegmentChain } from "./witness.js";

/** The largest model (estimated constraints, all segments) a segment plan is made for. */
export const MAX_SEGMENTED_CONSTRAINTS = Number(process.env.ZKINFER_MAX_SEGMENTED_CONSTRAINTS ?? 20_000_000);
/**
 * Time and heap the plan's child process gets: check-onnx must answer in bounded time and memory on a
 * shared machine, so a model whose import alone passes either is refused with what the estimate knew.
 * Both are caps on the ANSWER, not on what can be proved (a segment's prover needs memory by S, not by
 * the model): raise them for a large model (docs/SEGMENTS.md, "check-onnx").
 */
const PLAN_TIMEOUT_MS = Number(process.env.ZKINFER_SEGMENT_PLAN_TIMEOUT_MS ?? 60_000);
const PLAN_HEAP_MB = Number(process.env.ZKINFER_SEGMENT_PLAN_HEAP_MB ?? 3072);

export interface OnnxSegmentPlan {
  /** Set when a plan was made. */
  segments?: NonNullable<CheckOnnxReturnType["segments"]>;
  /** The comparison with the float reference (check.ts compareWithFloat), when calibration succeeded. */
  compared?: Pick<CheckOnnxReturnType, "outputs" | "maxAbsError" | "errorBound" | "softmax" | "floatReference">;
  /** Why calibration failed (no bound, no measured error). */
  calibrationFailure?: string;
  /** Why there is no plan (over the segmented limit, a node too large, the import over its time or memory). */
  reason?: string;
  estimatedConstraints?: number;
}

/**
 * In this process: import under the segmented limit (the caller sets ZKINFER_MAX_CONSTRAINTS), plan
 * from the estimate, calibrate on the input, plan again over the lowered graph (the cut `segments
 * build` makes), and measure the error honestly: the segment chain's outputs (each segment's own
 * sub-graph, runSegmentChain; they must equal the whole graph's reference interpreter, else a compiler
 * bug) against the float reference (onnxruntime, or the float interpreter where it cannot load the
 * model). Compiling K circuits of up to S constraints for their witnesses would take minutes (about
 * 12 s each at 2^16 here, lstm_large's K = 28: over the plan's time cap); test/segment/circuits.test.ts
 * shows the segment circuits' witnesses compute exactly these chained values.
 */
export async function planOnnxInProcess(onnxPath: string, inputPath: string, maxSegmentConstraints: number, options: ImportOptions): Promise<OnnxSegmentPlan> {
  let net;
  try {
    net = importNetwork(readFileSync(onnxPath), onnxPath, () => {}, options);
  } catch (e) {
    if (e instanceof ModelTooLargeError) {
      return {
        reason: `${e.message.replace(/ \(limit [^)]*\)\.$/, "")}: over the segmented limit of ${MAX_SEGMENTED_CONSTRAINTS.toLocaleString("en-US")} (ZKINFER_MAX_SEGMENTED_CONSTRAINTS); at ${maxSegmentConstraints.toLocaleString("en-US")} constraints per segment it would take at least ${Math.ceil(e.estimatedConstraints / maxSegmentConstraints)} segments.`,
        estimatedConstraints: e.estimatedConstraints,
      };
    }
    throw e;
  }
  const graph = net.layers[0] as GraphSpec;
  const { graph: units } = estimatedSegmentable(graph, net.inputSize, maxSegmentConstraints);
  const estimated = Math.round(units.nodes.reduce((s, n) => s + n.constraints, 0) + net.inputSize * 80);
  // The estimate is pessimistic (20-bit values, the most a family takes): a cut it refuses may fit at
  // the calibrated widths, so its refusal stands only when calibration fails; the lowered plan decides.
  let plan: CutPlan | undefined;
  let estimateRefusal: string | undefined;
  try {
    plan = planSegments(units, maxSegmentConstraints);
  } catch (e) {
    if (!(e instanceof ZkinferError)) throw e;
    estimateRefusal = e.message;
  }
  const summary = (p: CutPlan, plannedFrom: "lowered" | "estimate"): NonNullable<OnnxSegmentPlan["segments"]> => ({
    k: p.segments.length,
    maxSegmentConstraints,
    constraints: p.segments.map((s) => s.constraints),
    boundaryValues: p.boundaryValues,
    estimatedConstraints: estimated,
    plannedFrom,
  });
  const sample = assembleSample(net, readInputJson(inputPath), inputPath);
  let calibrated;
  try {
    calibrated = calibrate({ network: net, samples: [sample], name: "check-onnx" });
  } catch (e) {
    if (!(e instanceof ZkinferError)) throw e;
    if (!plan) return { reason: estimateRefusal, estimatedConstraints: estimated };
    return { segments: summary(plan, "estimate"), calibrationFailure: e.message, estimatedConstraints: estimated };
  }
  const { ir, spec, errorBound } = calibrated;
  let lowered: SegmentPlan;
  try {
    lowered = planModelSegments(ir, specGraph(spec), maxSegmentConstraints);
  } catch (e) {
    if (e instanceof ZkinferError) return { reason: e.message, estimatedConstraints: estimated };
    throw e;
  }
  const qin = sample.map((x) => quantize(x, ir.inputScale));
  const chained = runSegmentChain(ir, lowered, qin);
  const reference = runQuantized(ir, qin).outputs;
  if (chained.some((q, k) => q !== reference[k]))
    throw new ZkinferError(`the segment chain and the reference interpreter disagree ([${chained}] vs [${reference}]): a compiler bug.`);
  const { ortOut, float, floatReference } = await floatReferenceOf(onnxPath, net, sample);
  return {
    segments: { ...summary(lowered, "lowered"), errorMeasuredBy: "segment-interpreter" },
    compared: { ...compareWithFloat(net, ir, errorBound, ortOut, float, decodeOutputs(ir, reference), chained), floatReference },
    estimatedConstraints: estimated,
  };
}

const ENTRY = fileURLToPath(new URL("./onnxPlanEntry.mjs", import.meta.url));

/**
 * The plan, from a child process capped at PLAN_HEAP_MB and PLAN_TIMEOUT_MS: a model whose import
 * alone would exhaust either is refused with `knownEstimate` (what the single-proof import saw).
 */
export async function planOnnxSegments(
  onnxPath: string,
  inputPath: string,
  maxSegmentConstraints: number,
  options: ImportOptions,
  knownEstimate: number,
): Promise<OnnxSegmentPlan> {
  const child = fork(ENTRY, [], {
    execArgv: [`--max-old-space-size=${PLAN_HEAP_MB}`],
    env: {
      ...process.env,
      ZKINFER_MAX_CONSTRAINTS: String(MAX_SEGMENTED_CONSTRAINTS),
      ZKINFER_SEGMENT_PLAN: JSON.stringify({ onnxPath, inputPath, maxSegmentConstraints, options }),
    },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  const why = (what: string) => ({
    reason: `about ${knownEstimate.toLocaleString("en-US")} constraints or more (estimated); importing it for a segment plan ${what}, so it is refused: at ${maxSegmentConstraints.toLocaleString("en-US")} constraints per segment it would take at least ${Math.ceil(knownEstimate / maxSegmentConstraints)} segments.`,
    estimatedConstraints: knownEstimate,
  });
  return new Promise<OnnxSegmentPlan>((resolve) => {
    let done = false;
    const finish = (r: OnnxSegmentPlan) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
      resolve(r);
    };
    const timer = setTimeout(() => finish(why(`takes more than ${PLAN_TIMEOUT_MS / 1000} s (ZKINFER_SEGMENT_PLAN_TIMEOUT_MS raises it)`)), PLAN_TIMEOUT_MS);
    child.on("message", (m: { ok: true; plan: OnnxSegmentPlan } | { ok: false; error: string }) =>
      finish(m.ok ? m.plan : { reason: m.error, estimatedConstraints: knownEstimate }),
    );
    child.on("exit", (code, signal) =>
      finish(why(`needs more than ${PLAN_HEAP_MB} MB of memory (the importer exited: ${signal ?? `code ${code}`}; ZKINFER_SEGMENT_PLAN_HEAP_MB raises it)`)),
    );
  });
}

/**
 * check-onnx's answer for a model over the single-proof limit (its `overLimit`): the segment plan, the
 * calibration's bound and the segment chain's measured error, or the refusal with what the estimate knew.
 */
export async function segmentedCheck(
  onnxPath: string,
  inputPath: string,
  options: ImportOptions,
  maxSegmentConstraints: number,
  tooLarge: ModelTooLargeError,
): Promise<CheckOnnxReturnType> {
  const plan = await planOnnxSegments(onnxPath, inputPath, maxSegmentConstraints, options, tooLarge.estimatedConstraints);
  if (!plan.segments)
    return {
      supported: false,
      reason: `${tooLarge.message} Segmented: ${plan.reason}`,
      estimatedConstraints: plan.estimatedConstraints ?? tooLarge.estimatedConstraints,
    };
  // A model that does not calibrate cannot be imported for its segments either: refused as the single one is.
  if (plan.calibrationFailure)
    return { supported: false, reason: plan.calibrationFailure, estimatedConstraints: plan.segments.estimatedConstraints, segments: plan.segments };
  return {
    supported: true,
    estimatedConstraints: plan.segments.estimatedConstraints,
    segments: plan.segments,
    ...plan.compared,
  };
}
