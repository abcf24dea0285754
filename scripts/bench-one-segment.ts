/**
 * `npx tsx scripts/bench-one-segment.ts <model> [--segment i] [--max-segment-constraints N] [--ptau file] [--resume] [--json]`
 * (issue 25, docs/SEGMENTS.md "One segment of a model too large to build whole"): for a model whose K
 * segments would take hours to build here (nanoGPT, fr_age), ONE segment proved for real and the rest
 * extrapolated. The model (a peer-corpus name, ../shared/corpus/onnx-wide, or a path to an .onnx whose
 * input.json sits beside it) is imported and calibrated on its input in this process (no spec file: a
 * model of 57M weights does not fit in one JSON string), planned at S (default: what the cached
 * development ptau allows), and segment i (default the largest planned) is:
 *   1. rendered with the model commitment over all K segments, compiled (circom2, the build's cached step);
 *   2. given its Groth16 key from the given (or cached 2^16 development) ptau, never making one;
 *   3. proved on a segment-proving worker (prover/segment/pool.ts, which reports its peak RSS) with its
 *      witness from the segment chain of one inference, and verified with snarkjs; its public signals
 *      must be the reference interpreter's.
 * The setup and the proof each run in a process of their own (this script re-run with --phase), so each
 * phase's peak RSS is its own; each phase's result is kept beside the build's state, and --resume runs only
 * the phases not done yet (a setup refused because the ptau was not there yet). Extrapolation: each time scaled by the total planned constraints over
 * segment i's (compile, setup and proving are about linear in constraints at one ptau size). Timing lives
 * here, never in tests. Merges its row into bench/results.json's "oneSegment" (the "segments" rows are
 * whole builds).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CircuitInfo } from "../prover/circuit/compile.js";

// Import models over the single-proof limit (the segmented build is the point): before any module reads it.
process.env.ZKINFER_MAX_CONSTRAINTS ??= "20000000";

const { REPO_ROOT, artifactPath } = await import("../prover/artifacts/paths.js");
const { parseMaxSegmentConstraints, defaultMaxSegmentConstraints } = await import("../prover/segment/build.js");
const { ZkinferError } = await import("../prover/errors.js");

interface State {
  model: string;
  name: string;
  maxSegmentConstraints: number;
  k: number;
  segment: number;
  artifact: string;
  planned: number[];
  boundaryValues: number;
  circuit: CircuitInfo;
  numPublicSignals: number;
  input: Record<string, string | string[]>;
  expectedSignals: string[];
  importMs: number;
  planMs: number;
  witnessMs: number;
  compileMs: number;
  buildRssMb: number;
  /** check-onnx's comparison (prover/segment/onnxPlan.ts): the segment chain against the float reference. */
  maxAbsError: number;
  errorBound: number | null;
  floatReference: string;
}

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const json = argv.includes("--json");
const log = json ? (line: string) => console.error(line) : (line: string) => console.log(line);
const CORPUS =
  process.env.ZKINFER_CORPUS ??
  [join(REPO_ROOT, "..", "shared"), join(REPO_ROOT, "..", "..", "shared")].map((d) => join(d, "corpus", "onnx-wide")).find(existsSync) ??
  "";
const model = argv[0]?.startsWith("--") ? undefined : argv[0];
if (!model) throw new ZkinferError("usage: bench-one-segment.ts <model> [--segment i] [--max-segment-constraints N] [--ptau file] [--json]");
const onnx = model.endsWith(".onnx") ? model : join(CORPUS, model, "network.onnx");
const inputJson = join(dirname(onnx), "input.json");
const label = model.endsWith(".onnx") ? basename(dirname(onnx)) : model;
const ptau = flag("--ptau") ?? join(homedir(), ".cache", "zkinfer", "ptau", "zkinfer_dev_bn128_16.ptau");
const S =
  parseMaxSegmentConstraints(flag("--max-segment-constraints")) ??
  // The segment size the ptau allows (2^16's when it is not made yet: never a smaller cached one).
  (existsSync(ptau) ? defaultMaxSegmentConstraints(ptau) : Math.floor(((1 << 16) - 64) * 0.9));
const name = `bench-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
const stateFile = join(REPO_ROOT, "build", "bench-segments", `${name}-one-segment.json`);
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Phase 1, in its own process: import, calibrate, plan, witness of one inference, render and compile segment i. */
async function buildPhase(): Promise<State> {
  const { importNetwork } = await import("../prover/onnx/network.js");
  const { calibrate } = await import("../prover/onnx/calibrate.js");
  const { assembleSample, compareWithFloat, floatReferenceOf, readInputJson } = await import("../prover/onnx/check.js");
  const { decodeOutputs, runQuantized } = await import("../prover/model/interpret.js");
  const { specGraph } = await import("../prover/model/specGraph.js");
  const { quantize } = await import("../prover/model/quantize.js");
  const { planModelSegments } = await import("../prover/segment/segments.js");
  const { renderSegments, segmentArtifactName } = await import("../prover/segment/circuit.js");
  const { runSegmentChain, segmentWitnesses } = await import("../prover/segment/witness.js");
  const { compileStep } = await import("../prover/build/buildModel.js");
  let t = Date.now();
  const net = importNetwork(readFileSync(onnx), onnx);
  const sample = assembleSample(net, readInputJson(inputJson), inputJson);
  const { ir, spec, errorBound } = calibrate({ network: net, samples: [sample], name });
  const importMs = Date.now() - t;
  log(`${label}: imported and calibrated in ${(importMs / 1000).toFixed(1)} s`);
  t = Date.now();
  const plan = planModelSegments(ir, specGraph(spec), S);
  const rendered = await renderSegments(ir, plan);
  const planMs = Date.now() - t;
  const k = plan.segments.length;
  const planned = plan.segments.map((s) => s.constraints);
  const given = flag("--segment");
  const i = given === undefined ? planned.indexOf(Math.max(...planned)) : Number(given);
  if (!Number.isInteger(i) || i < 0 || i >= k) throw new ZkinferError(`--segment: expected an integer in [0, ${k}), got ${given}`);
  log(
    `${label}: K = ${k} at S = ${S} (planned ${Math.min(...planned)} to ${Math.max(...planned)}, ${plan.boundaryValues} boundary values); segment ${i} (${planned[i]} planned)`,
  );
  t = Date.now();
  const w = await segmentWitnesses(ir, plan, rendered.modelCommitment, {
    inputs: sample.map((x) => quantize(x, ir.inputScale)),
    salt: 1n,
    subject: 0xa11cen,
    nonce: 0n,
    boundarySalts: Array.from({ length: k - 1 }, (_, j) => BigInt(j + 2)),
  });
  const witnessMs = Date.now() - t;
  // The measured error as check-onnx reports it: the segment chain (equal to the reference interpreter) against the float reference.
  const qin = sample.map((x) => quantize(x, ir.inputScale));
  const chained = runSegmentChain(ir, plan, qin);
  const reference = runQuantized(ir, qin).outputs;
  if (chained.some((q, j) => q !== reference[j])) throw new ZkinferError("the segment chain and the reference interpreter disagree: a compiler bug");
  const { ortOut, float, floatReference } = await floatReferenceOf(onnx, net, sample);
  const compared = compareWithFloat(net, ir, errorBound, ortOut, float, decodeOutputs(ir, reference), chained);
  log(`${label}: measured error ${compared.maxAbsError}, bound ${compared.errorBound} (against ${floatReference.source})`);
  const artifact = segmentArtifactName(ir.name, i, k);
  t = Date.now();
  const circuit = await compileStep({ name: artifact, source: rendered.sources[i]!, log });
  const compileMs = Date.now() - t;
  const str = (v: bigint | bigint[]) => (Array.isArray(v) ? v.map(String) : String(v));
  return {
    model: label,
    name,
    maxSegmentConstraints: S,
    k,
    segment: i,
    artifact,
    planned,
    boundaryValues: plan.boundaryValues,
    circuit,
    numPublicSignals: i === k - 1 ? circuit.publicOutputs + circuit.publicInputs : 5,
    input: Object.fromEntries(Object.entries(w.circuitInputs[i]!).map(([key, v]) => [key, str(v)])),
    expectedSignals: w.segmentSignals[i]!.map(String),
    importMs,
    planMs,
    witnessMs,
    compileMs,
    buildRssMb: rssMb(),
    maxAbsError: compared.maxAbsError!,
    errorBound: compared.errorBound ?? null,
    floatReference: floatReference.source,
  };
}

/** Phase 2, in its own process: the segment's Groth16 key from the ptau (the build's cached step). */
async function setupPhase(st: State): Promise<{ setupMs: number; setupRssMb: number; power: number }> {
  const { buildKeysAndVerifier } = await import("../prover/build/buildModel.js");
  if (!existsSync(ptau)) throw new ZkinferError(`${ptau} does not exist: this bench never makes a ptau (give --ptau)`);
  const t = Date.now();
  const { phase1 } = await buildKeysAndVerifier({ name: st.artifact, circuit: st.circuit, numPublicSignals: st.numPublicSignals, ptau, log, compact: true });
  return { setupMs: Date.now() - t, setupRssMb: rssMb(), power: phase1.power };
}

/** Phase 3: the proof on a segment-proving worker (its own peak RSS), verified with snarkjs. */
async function provePhase(st: State): Promise<{ proveMs: number; proveRssMb: number; verified: boolean }> {
  const { segmentProcessPool } = await import("../prover/segment/pool.js");
  const snarkjs = await import("snarkjs");
  const pool = segmentProcessPool(1);
  try {
    const input = Object.fromEntries(Object.entries(st.input).map(([key, v]) => [key, Array.isArray(v) ? v.map(BigInt) : BigInt(v)]));
    const t = Date.now();
    const proved = await pool.proveFiles({ wasm: artifactPath(st.artifact, "wasm"), zkey: artifactPath(st.artifact, "zkey") }, input);
    const proveMs = Date.now() - t;
    const signals = proved.publicSignals.map(String);
    if (signals.length !== st.expectedSignals.length || signals.some((s, j) => s !== st.expectedSignals[j]))
      throw new ZkinferError(`segment ${st.segment}'s public signals differ from the reference interpreter's: a compiler bug`);
    const vkey = JSON.parse(readFileSync(artifactPath(st.artifact, "vkey"), "utf8"));
    const verified = await snarkjs.groth16.verify(vkey, signals, proved.proof as never);
    if (!verified) throw new ZkinferError(`segment ${st.segment}'s proof does not verify`);
    return { proveMs, proveRssMb: pool.peakRssMb(), verified };
  } finally {
    await pool.close();
  }
}

/** Runs one phase in a process of its own; its answer is its last stdout line. */
function phase<T>(which: string): T {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...argv, "--phase", which, "--json"], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new ZkinferError(`phase ${which} failed (exit ${r.status ?? r.signal})`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as T;
}

const which = flag("--phase");
if (which === "build") {
  const st = await buildPhase();
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify(st));
  console.log(JSON.stringify({ ok: true }));
} else if (which === "setup" || which === "prove") {
  const st = JSON.parse(readFileSync(stateFile, "utf8")) as State;
  const result = JSON.stringify(which === "setup" ? await setupPhase(st) : await provePhase(st));
  writeFileSync(`${stateFile}.${which}.json`, result);
  console.log(result);
  if (which === "prove") {
    const { releaseCurves } = await import("../prover/setup/curve.js");
    await releaseCurves();
  }
} else {
  // --resume: the phases already done (their results beside the state file) are not run again.
  const resume = argv.includes("--resume");
  const done = <T>(which: string): T | undefined =>
    resume && existsSync(`${stateFile}.${which}.json`) ? (JSON.parse(readFileSync(`${stateFile}.${which}.json`, "utf8")) as T) : undefined;
  if (!(resume && existsSync(stateFile))) phase("build");
  const st = JSON.parse(readFileSync(stateFile, "utf8")) as State;
  const setup = done<Awaited<ReturnType<typeof setupPhase>>>("setup") ?? phase<Awaited<ReturnType<typeof setupPhase>>>("setup");
  const proof = done<Awaited<ReturnType<typeof provePhase>>>("prove") ?? phase<Awaited<ReturnType<typeof provePhase>>>("prove");
  const total = st.planned.reduce((a, b) => a + b, 0);
  const scale = total / st.planned[st.segment]!;
  const compiled = st.circuit.nonLinearConstraints + st.circuit.linearConstraints;
  const row = {
    model: st.model,
    k: st.k,
    maxSegmentConstraints: st.maxSegmentConstraints,
    segment: st.segment,
    plannedConstraints: st.planned,
    boundaryValues: st.boundaryValues,
    maxAbsError: st.maxAbsError,
    errorBound: st.errorBound,
    floatReference: st.floatReference,
    compiledConstraints: compiled,
    ptauPower: setup.power,
    importMs: st.importMs,
    planMs: st.planMs,
    compileMs: st.compileMs,
    setupMs: setup.setupMs,
    proveMs: proof.proveMs,
    verified: proof.verified,
    peakRssMb: { build: st.buildRssMb, setup: setup.setupRssMb, prove: proof.proveRssMb },
    extrapolated: {
      rule: "segment time x (sum of planned constraints / this segment's planned constraints)",
      compileMs: Math.round(st.compileMs * scale),
      setupMs: Math.round(setup.setupMs * scale),
      proveMs1Worker: Math.round(proof.proveMs * scale),
      proveMs2Workers: Math.round((proof.proveMs * scale) / 2),
    },
  };
  log(JSON.stringify(row, null, 2));
  const file = join(REPO_ROOT, "bench", "results.json");
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  const rows = ((all.oneSegment as { model: string }[] | undefined) ?? []).filter((r) => r.model !== row.model);
  writeFileSync(file, JSON.stringify({ ...all, oneSegment: [...rows, row] }, null, 2) + "\n");
  if (json) console.log(JSON.stringify(row));
}
process.exit(0);
