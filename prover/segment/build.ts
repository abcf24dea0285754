/**
 * `zkinfer segments build` (docs/SEGMENTS.md): spec -> plan -> one circuit, key and vkey per segment
 * (through the model build's own cached steps, prover/build/buildModel.ts), ALL from one ptau (the
 * folded check needs their alpha, beta and gamma equal), then the `<Model>SegmentedVerifier` contract
 * and the segments record (build/models/<model>-segmented/segments.json) that proving and verifying read.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { artifactPath, INSTALLED_PACKAGE, ptauCacheDir, REPO_ROOT, verifierContractName } from "../artifacts/paths.js";
import { buildKeysAndVerifier, compileStep } from "../build/buildModel.js";
import type { Log } from "../build/progress.js";
import type { CircuitInfo } from "../circuit/compile.js";
import { ZkinferError } from "../errors.js";
import { lowerModel, type ModelIR } from "../model/ir.js";
import { readModelSpec } from "../model/spec.js";
import { specGraph } from "../model/specGraph.js";
import { proofSystemOf } from "../model/specSchema.js";
import { readPtauPower, requiredPtauPower, resolvePtau } from "../setup/ptau.js";
import type { Groth16VerificationKey } from "../setup/groth16Batch.js";
import { renderSegments, segmentArtifactName, segmentedArtifactName, segmentKeyOwners } from "./circuit.js";
import { planGraph, planModelSegments, type SegmentPlan } from "./segments.js";
import { distinctKeys, MAX_CODE_BYTES, segmentedVerifierSource, type KeyStorage } from "./verifier.js";
import { compileContract } from "../chain/compileVerifier.js";

/** Public signals of a segment before the last (one boundary commitment + the four bindings). */
const INNER_SEGMENT_SIGNALS = 5;

/**
 * The default segment size: what the largest cached development ptau (or the given ptau) holds, less
 * a tenth for the estimate's error. 0 when there is none.
 */
export function defaultMaxSegmentConstraints(ptau?: string): number {
  let power = 0;
  if (ptau) power = readPtauPower(ptau);
  else if (existsSync(ptauCacheDir())) {
    for (const f of readdirSync(ptauCacheDir())) {
      const m = /_(\d+)\.ptau$/.exec(f);
      if (m) power = Math.max(power, Number(m[1]));
    }
  }
  return power ? Math.floor(((1 << power) - 64) * 0.9) : 0;
}

/** The --max-segment-constraints flag: undefined when absent; a clear error unless a positive integer. */
export function parseMaxSegmentConstraints(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined;
  const n = Number(flag);
  if (!Number.isInteger(n) || n < 500) throw new ZkinferError(`--max-segment-constraints: expected an integer of at least 500, got ${JSON.stringify(flag)}`);
  return n;
}

export interface SegmentRecord {
  model: string;
  version: string;
  modelCommitment: string;
  maxSegmentConstraints: number;
  plan: SegmentPlan;
  /**
   * Segment i: `name` is the artifact holding its circuit and keys: its own (`<model>-segment-i-of-K`),
   * or that of the first segment of the same circuit (same digest), whose key it shares; `key` numbers
   * the distinct keys in order of first use.
   */
  segments: { name: string; key: number; nonLinearConstraints: number; linearConstraints: number; publicSignals: number; digest: string }[];
  ptau: { path: string; power: number };
  verifierContract: string;
  /** Where the verifier holds the keys (./verifier.ts KeyStorage): inline unless that code would pass EIP-170. */
  keyStorage: KeyStorage;
  /** Worst-case |output - float| per output (the whole graph's analysis; boundaries are exact). */
  errorBound: number[];
}

export interface BuildSegmentsParameters {
  specPath: string;
  /** At most this many constraints per segment (estimated); default defaultMaxSegmentConstraints(ptau). */
  maxSegmentConstraints?: number;
  /** At least this many segments (more segments, more workers); default 1. */
  minSegments?: number;
  /** One ptau for every segment; default the cached development ptau of the largest segment's power. */
  ptau?: string;
  /** Where the verifier holds the keys; default "auto": inline unless its code would pass EIP-170 (24,576 bytes), then in data contracts. */
  keyStorage?: KeyStorage | "auto";
  /** Force the plan's cuts (unit positions from 0 to the unit count; ./plan.ts): one plan, no calibration. For tests. */
  cuts?: readonly number[];
  log?: Log;
}

/** The segments record's path. */
export function segmentRecordPath(model: string): string {
  return join(artifactPath(segmentedArtifactName(model), "dir"), "segments.json");
}

/**
 * @example
 * const built = await buildSegments({ specPath: "models/big.json", maxSegmentConstraints: 60_000, log: console.log });
 */
export async function buildSegments({
  specPath,
  maxSegmentConstraints,
  minSegments,
  ptau,
  cuts,
  keyStorage = "auto",
  log = () => {},
}: BuildSegmentsParameters): Promise<SegmentRecord> {
  const spec = readModelSpec(specPath);
  if (proofSystemOf(spec) !== "groth16") throw new ZkinferError(`model ${spec.name} uses ${proofSystemOf(spec)}: segmented proofs are Groth16 only`);
  const ir = lowerModel(spec);
  const max = maxSegmentConstraints ?? defaultMaxSegmentConstraints(ptau);
  if (!(max > 0)) throw new ZkinferError("--max-segment-constraints: give a positive number (no cached ptau to take a default from)");
  const { plan, rendered, circuits } = await calibratedSegments(ir, specGraph(spec), max, log, minSegments, cuts);
  const k = plan.segments.length;
  const owners = segmentKeyOwners(rendered.digests);
  const distinct = [...new Set(owners)];
  const signals = (i: number) => (i === k - 1 ? circuits[i]!.publicOutputs + circuits[i]!.publicInputs : INNER_SEGMENT_SIGNALS);
  const power = Math.max(...circuits.map((c, i) => requiredPtauPower(c.nonLinearConstraints + c.linearConstraints, signals(i))));
  // ONE ptau for all (the given one, or the development ptau of the largest segment's power): the folded
  // pairing check needs every key's alpha, beta and gamma equal.
  const phase1 = await resolvePtau({ power, ptau, log });
  // One setup per distinct circuit: a segment of the same circuit as an earlier one takes its key.
  for (const i of distinct) {
    await buildKeysAndVerifier({
      name: segmentArtifactName(spec.name, i, k),
      circuit: circuits[i]!,
      numPublicSignals: signals(i),
      ...(ptau ? { ptau } : {}),
      minPtauPower: power,
      log,
      compact: true,
    });
  }
  const vkeys = owners.map((o) => JSON.parse(readFileSync(artifactPath(segmentArtifactName(spec.name, o, k), "vkey"), "utf8")) as Groth16VerificationKey);
  const contractName = verifierContractName(segmentedArtifactName(spec.name));
  const file = artifactPath(segmentedArtifactName(spec.name), "verifierContract");
  mkdirSync(dirname(file), { recursive: true });
  const source = (storage: KeyStorage) =>
    segmentedVerifierSource({
      vkeys,
      contractName,
      interfaceImport: importPath(file, join(REPO_ROOT, "contracts", "interfaces", "IInferenceVerifier.sol")),
      provenance: `${spec.name}@${spec.version} (model commitment ${rendered.modelCommitment})`,
      keyStorage: storage,
    });
  const storage = keyStorage === "auto" ? chooseKeyStorage(file, contractName, source("inline"), vkeys, log) : keyStorage;
  writeFileSync(file, source(storage));
  const record: SegmentRecord = {
    model: spec.name,
    version: spec.version,
    modelCommitment: String(rendered.modelCommitment),
    maxSegmentConstraints: max,
    plan,
    segments: circuits.map((c, i) => ({
      name: segmentArtifactName(spec.name, owners[i]!, k),
      key: distinct.indexOf(owners[i]!),
      nonLinearConstraints: c.nonLinearConstraints,
      linearConstraints: c.linearConstraints,
      publicSignals: signals(i),
      digest: String(rendered.digests[i]),
    })),
    ptau: { path: phase1.path, power: phase1.power },
    verifierContract: contractName,
    keyStorage: storage,
    errorBound: ir.graph.outErr,
  };
  mkdirSync(dirname(segmentRecordPath(spec.name)), { recursive: true });
  writeFileSync(segmentRecordPath(spec.name), JSON.stringify(record, null, 2));
  log(
    `segments: ${k} segments, ${distinct.length} distinct key(s) from one ptau (2^${phase1.power}); verifier ${contractName}; commitment ${rendered.modelCommitment}`,
  );
  return record;
}

/**
 * Whether the inline verifier's code fits EIP-170: "inline" if so, else "contracts" (each distinct key in
 * a data contract). A verifier whose distinct keys' bytes are clearly under the limit is not compiled
 * (about 7,400 bytes of code and 140 per key besides the keys' own 64 (n + 3) bytes: measured in
 * docs/SEGMENTS.md, 9,382 bytes with 3 keys and 648 more per key); near it, the inline source is compiled and its runtime code measured.
 */
export function chooseKeyStorage(file: string, contractName: string, inline: string, vkeys: readonly Groth16VerificationKey[], log: Log): KeyStorage {
  const { keys } = distinctKeys(vkeys);
  const estimate = INLINE_BASE_BYTES + keys.reduce((s, key) => s + 64 * (key.nPublic + 3) + INLINE_KEY_OVERHEAD_BYTES, 0);
  if (estimate <= MAX_CODE_BYTES - INLINE_MARGIN_BYTES) return "inline";
  writeFileSync(file, inline);
  const bytes = (compileContract(file, contractName).deployedBytecode.length - 2) / 2;
  log(
    `segments: the verifier with its ${keys.length} keys inline is ${bytes.toLocaleString("en-US")} bytes of code (EIP-170: ${MAX_CODE_BYTES.toLocaleString("en-US")})${bytes > MAX_CODE_BYTES ? ": the keys go in data contracts" : ""}`,
  );
  return bytes > MAX_CODE_BYTES ? "contracts" : "inline";
}

/** The inline verifier's code besides its keys, and per key besides its bytes (measured: docs/SEGMENTS.md). */
const INLINE_BASE_BYTES = 7_400;
const INLINE_KEY_OVERHEAD_BYTES = 140;
/** Below the limit by this much, the estimate is trusted without compiling. */
const INLINE_MARGIN_BYTES = 4_000;

/** Plans tried at most, each from the previous one's compiled counts (./build.ts calibratedSegments). */
export const CALIBRATION_ROUNDS = 3;

const total = (c: CircuitInfo) => c.nonLinearConstraints + c.linearConstraints;

/**
 * The plan, its circuits rendered and compiled. The planner's per-node estimate can be far off the
 * compiled count in either direction (lstm_medium: segments estimated at 45k-58k compiled to 11.7k-50k,
 * and the last to 80k), so the build re-plans from what it compiled: each node's estimate is scaled by
 * the compiled/estimated ratio of the segment(s) holding it, until every segment is within S and no
 * better K is in sight, for at most CALIBRATION_ROUNDS plans. It keeps the plan with the fewest
 * segments of those within S (else the one whose largest segment is smallest). Compiling is cached by
 * source, so a segment that comes out the same is not compiled again.
 */
export async function calibratedSegments(
  ir: ModelIR,
  float: ReturnType<typeof specGraph>,
  max: number,
  log: Log,
  minSegments = 1,
  cuts?: readonly number[],
): Promise<{ plan: SegmentPlan; rendered: Awaited<ReturnType<typeof renderSegments>>; circuits: CircuitInfo[] }> {
  let best: Awaited<ReturnType<typeof calibratedSegments>> | undefined;
  const score = (r: { circuits: CircuitInfo[] }) => {
    const largest = Math.max(...r.circuits.map(total));
    return largest <= max ? r.circuits.length : Number.MAX_SAFE_INTEGER / 2 + largest;
  };
  let scale: number[] | undefined;
  for (let round = 1; round <= CALIBRATION_ROUNDS; round++) {
    const plan = planModelSegments(ir, float, max, undefined, scale, minSegments, cuts);
    const k = plan.segments.length;
    log(
      `segments: ${ir.name} in ${k} segment(s) of at most ${max.toLocaleString("en-US")} constraints (plan ${round}, estimated: ${plan.segments.map((s) => Math.round(s.constraints)).join(", ")})`,
    );
    const rendered = await renderSegments(ir, plan);
    const circuits = await compileSegments(ir.name, rendered, log);
    const real = circuits.map(total);
    log(`segments: plan ${round} compiled to ${real.join(", ")} constraints (${real.reduce((a, b) => a + b, 0).toLocaleString("en-US")} in all)`);
    if (!best || score({ circuits }) < score(best)) best = { plan, rendered, circuits };
    const over = real.some((r) => r > max);
    // Fewer segments in sight: the compiled total would fit in at least two segments fewer.
    const fewer = Math.ceil(real.reduce((a, b) => a + b, 0) / max) <= k - 2;
    if ((!over && !fewer) || cuts) break;
    scale = calibratedNodeScale(plan, real, planGraph(ir.graph, plan).nodes.length, scale);
  }
  // A later plan of the same K compiled over the best one's artifacts: compile the best again (cached when unchanged).
  best!.circuits = await compileSegments(ir.name, best!.rendered, log);
  return best!;
}

/**
 * Compiles each distinct segment circuit once (by digest: ./circuit.ts segmentKeyOwners), under the
 * first segment's name; a segment of the same circuit gets that one's counts.
 */
async function compileSegments(model: string, rendered: Awaited<ReturnType<typeof renderSegments>>, log: Log): Promise<CircuitInfo[]> {
  const k = rendered.sources.length;
  const owners = segmentKeyOwners(rendered.digests);
  const compiled = new Map<number, CircuitInfo>();
  for (const o of new Set(owners)) compiled.set(o, await compileStep({ name: segmentArtifactName(model, o, k), source: rendered.sources[o]!, log }));
  return owners.map((o) => compiled.get(o)!);
}

/**
 * Each node's estimate scale after a plan compiled to `real`: its previous scale times the
 * compiled/estimated ratio of the segments holding its pieces (weighted by the piece's share of the node).
 */
export function calibratedNodeScale(plan: SegmentPlan, real: readonly number[], nodes: number, previous?: readonly number[]): number[] {
  const weight = new Array<number>(nodes).fill(0);
  const ratio = new Array<number>(nodes).fill(0);
  plan.segments.forEach((seg, s) => {
    const r = real[s]! / seg.constraints;
    // Units before plan.checks are the input checks (./plan.ts); the pieces follow.
    for (const p of plan.pieces.slice(Math.max(0, seg.first - plan.checks), Math.max(0, seg.end - plan.checks))) {
      weight[p.node]! += p.to - p.from;
      ratio[p.node]! += (p.to - p.from) * r;
    }
  });
  return weight.map((w, k) => (previous?.[k] ?? 1) * (w > 0 ? ratio[k]! / w : 1));
}

/** Reads a segments record, and checks that it is the plan `ir` gives now (else: rebuild). */
export function readSegmentRecord(model: string): SegmentRecord {
  const path = segmentRecordPath(model);
  if (!existsSync(path)) throw new ZkinferError(`${path} does not exist: build the segments first (\`zkinfer segments build <spec>\`).`);
  return JSON.parse(readFileSync(path, "utf8")) as SegmentRecord;
}

/** Checks that `record` is what `ir` compiles to (commitment and digests), so a stale build is never proved. */
export async function checkSegmentRecord(ir: ModelIR, record: SegmentRecord): Promise<void> {
  const rendered = await renderSegments(ir, record.plan);
  if (String(rendered.modelCommitment) !== record.modelCommitment)
    throw new ZkinferError(
      `the segments of ${ir.name} are stale: the spec compiles to commitment ${rendered.modelCommitment}, the build has ${record.modelCommitment}; run \`zkinfer segments build\``,
    );
}

function importPath(from: string, to: string): string {
  if (INSTALLED_PACKAGE) return `zkinfer/${relative(REPO_ROOT, to).split(sep).join("/")}`;
  const rel = relative(dirname(from), to);
  return rel.startsWith(".") ? rel : `./${rel}`;
}
