/**
 * Does the error bound zkinfer reports hold? For one ONNX model and its input, without compiling
 * the circuit (the exact quantized interpreter is the circuit bit for bit: check-onnx and the
 * circuit tests check that): import and calibrate on the model's own input as check-onnx does,
 * compare the interpreter with the float reference (onnxruntime, or zkinfer's float interpreter
 * where onnxruntime cannot load the model) within the bound, then on further inputs drawn inside
 * the declared input ranges around that input, against zkinfer's float interpreter.
 * Used by scripts/onnx-bounds.ts (whole corpora, the bound/error distribution) and
 * test/onnx/bounds.test.ts (the fixture models).
 */
import { readFileSync } from "node:fs";
import { ZkinferError } from "../errors.js";
import { decodeOutputs, runQuantized } from "../model/interpret.js";
import { quantize } from "../model/quantize.js";
import { calibrate } from "./calibrate.js";
import { argmaxLowest, assembleSample, interpretFloat, readInputJson, runOnnxRuntime } from "./check.js";
import type { ImportedNetwork } from "./importedNetwork.js";
import { importNetwork } from "./network.js";

export interface BoundCheck {
  /** supported: every compared output within its bound; out: one is not; refused: with the reason. */
  status: "supported" | "out" | "refused";
  reason?: string;
  /** On the model's own input, against the reference. */
  maxAbsError?: number;
  /** The largest per-output bound (float32 allowance included); null: none claimed (discrete). */
  errorBound?: number | null;
  reference?: "onnxruntime" | "interpreter";
  /** Further inputs checked, and the largest error / bound ratio among them (<= 1 when sound). */
  drawn?: number;
  drawnWorstRatio?: number;
}

/** onnxruntime computes in float32; the bound is against exact arithmetic (check-onnx's allowance). */
const f32 = (v: number) => 2 ** -20 * (1 + Math.abs(v));

/** A small deterministic generator (mulberry32), so a failure names a reproducible input. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Which input values are integer-typed (indices, counts): drawn inputs keep them as they are. */
function integerMask(net: ImportedNetwork): boolean[] {
  const FLOATS = new Set([1, 10, 11, 16]);
  const inputs = net.inputs ?? [{ shape: net.inputShape, elemType: 1 }];
  return inputs.flatMap((i) => new Array<boolean>(i.shape.reduce((a, b) => a * b, 1)).fill(!FLOATS.has(i.elemType)));
}

export async function checkBounds(onnxPath: string, inputPath: string, draws = 8, seed = 1): Promise<BoundCheck> {
  let net: ImportedNetwork;
  let cal: ReturnType<typeof calibrate>;
  let sample: number[];
  try {
    net = importNetwork(readFileSync(onnxPath), onnxPath);
    sample = assembleSample(net, readInputJson(inputPath), inputPath);
    cal = calibrate({ network: net, samples: [sample], name: "bounds" });
  } catch (e) {
    if (e instanceof ZkinferError) return { status: "refused", reason: e.message };
    throw e;
  }
  const { spec, ir, errorBound } = cal;
  const run = (x: readonly number[]) =>
    decodeOutputs(
      ir,
      runQuantized(
        ir,
        x.map((v) => quantize(v, ir.inputScale)),
      ).outputs,
    );
  let ref: number[];
  let reference: BoundCheck["reference"] = "onnxruntime";
  try {
    ref = await runOnnxRuntime(onnxPath, net, sample);
  } catch (e) {
    if (!(e instanceof ZkinferError)) throw e;
    ref = interpretFloat(net, sample);
    reference = "interpreter";
  }
  const got = run(sample);
  if (net.finalSoftmax) {
    // Compiled as ArgMax: the class (check-onnx states when it is certain).
    const err = Math.abs(got[0]! - argmaxLowest(ref));
    return { status: err === 0 ? "supported" : "out", maxAbsError: err, errorBound: null, reference };
  }
  if (got.length !== ref.length) return { status: "out", reason: `${got.length} outputs for ${ref.length} of the reference` };
  const errs = got.map((g, k) => Math.abs(g - ref[k]!));
  const bounds = errorBound.map((b, k) => b + f32(ref[k]!));
  const maxAbsError = Math.max(0, ...errs);
  const bound = Math.max(0, ...bounds);
  if (!bounds.every(Number.isFinite)) return { status: maxAbsError === 0 ? "supported" : "out", maxAbsError, errorBound: null, reference };
  let ok = errs.every((e, k) => e <= bounds[k]!);

  // Further inputs: each value moved by up to a tenth of its declared range, kept inside it;
  // integer-typed inputs (indices) stay as given. An input the model refuses (an index out of
  // range) is not counted.
  const next = rng(seed);
  const ints = integerMask(net);
  let drawn = 0;
  let worst = 0;
  for (let d = 0; d < draws; d++) {
    const x = sample.map((v, i) => {
      if (ints[i]) return v;
      const f = spec.features[i]!;
      const w = (f.max - f.min) / 10;
      return Math.min(f.max, Math.max(f.min, v + (2 * next() - 1) * w));
    });
    let q: number[];
    let fl: number[];
    try {
      q = run(x);
      fl = interpretFloat(net, x);
    } catch (e) {
      if (e instanceof ZkinferError) continue;
      throw e;
    }
    drawn++;
    q.forEach((v, k) => {
      const e = Math.abs(v - fl[k]!);
      const b = errorBound[k]! + f32(fl[k]!);
      worst = Math.max(worst, b > 0 ? e / b : e > 0 ? Infinity : 0);
      if (!(e <= b)) ok = false;
    });
  }
  return { status: ok ? "supported" : "out", maxAbsError, errorBound: bound, reference, drawn, drawnWorstRatio: worst };
}
