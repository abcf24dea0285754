/**
 * The build's record of what it compiled (artifactPath(model, "circuitInfo"), circuit.json): the
 * constraint counts, the model commitment and the circuit digest, and the sha256 of the spec and of
 * every circuit artifact. The spec is lowered and the circuit rendered ONCE, by the build; `deploy`,
 * `ModelProver.load` and `verify-deployment` read this record and check it against the files instead
 * of rendering the circuit again. A record that does not match the files it names (the spec edited
 * since the build, an artifact replaced, the record itself edited) is refused, naming the field and
 * the command that rebuilds the model.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { z } from "zod";
import { modelCommitmentForCircuit } from "../model/commitment.js";
import type { ModelIR } from "../model/ir.js";
import { BuildArtifactError, buildCommand, staleBuildError } from "./models.js";
import { artifactPath, type ArtifactKind } from "./paths.js";

/** The files a record pins, by their artifact kind (and the spec, by its path). */
const PINNED = ["circuit", "r1cs", "wasm"] as const satisfies readonly ArtifactKind[];

const digits = z.string().regex(/^[0-9]+$/, "must be a decimal integer");
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be a sha256 in hex");

const circuitRecordSchema = z.object({
  nonLinearConstraints: z.number().int().min(0),
  linearConstraints: z.number().int().min(0),
  wires: z.number().int().min(0),
  modelCommitment: digits,
  circuitDigest: digits,
  sha256: z.object({ spec: sha256Hex, circuit: sha256Hex, r1cs: sha256Hex, wasm: sha256Hex }).strict(),
});

export type CircuitRecord = z.infer<typeof circuitRecordSchema>;

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** The hashes a record of `model` built from `specPath` holds (the build writes them; readers compare). */
export function circuitRecordHashes(model: string, specPath: string): CircuitRecord["sha256"] {
  const files = Object.fromEntries(PINNED.map((kind) => [kind, sha256(artifactPath(model, kind))]));
  return { spec: sha256(specPath), circuit: files.circuit!, r1cs: files.r1cs!, wasm: files.wasm! };
}

/**
 * Reads `model`'s record and checks it against the spec at `specPath` and the circuit artifacts;
 * throws a BuildArtifactError naming what differs and how to rebuild. The commitment's agreement with
 * the spec's IR is the caller's check (it has the IR): see modelCommitmentForCircuit.
 */
export function readCircuitRecord(model: string, specPath: string): CircuitRecord {
  const file = artifactPath(model, "circuitInfo");
  const rebuild = `Run \`${buildCommand(specPath)}\`.`;
  if (!existsSync(file)) throw new BuildArtifactError(`Model ${model} is not built (no ${relative(process.cwd(), file) || file}). ${rebuild}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new BuildArtifactError(`The build record ${file} is not JSON. ${rebuild}`);
  }
  const parsed = circuitRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BuildArtifactError(`The build record ${file} is malformed or from an older zkinfer: ${issue.path.join(".") || "(root)"} ${issue.message}. ${rebuild}`);
  }
  const record = parsed.data;
  const missing = PINNED.map((kind) => artifactPath(model, kind)).find((p) => !existsSync(p));
  if (missing !== undefined) throw new BuildArtifactError(`Model ${model} is not built (no ${relative(process.cwd(), missing) || missing}). ${rebuild}`);
  const now = circuitRecordHashes(model, specPath);
  for (const key of ["spec", "circuit", "r1cs", "wasm"] as const) {
    if (now[key] !== record.sha256[key]) {
      const what = key === "spec" ? `the spec ${specPath} changed since the build` : `its ${key} file is not the one the build recorded`;
      throw new BuildArtifactError(`The build of ${model} is stale: ${what} (sha256.${key} ${now[key].slice(0, 16)}… vs recorded ${record.sha256[key].slice(0, 16)}…). ${rebuild}`);
    }
  }
  // A public-weight circuit holds its commitment as a constant: the recorded one must be it.
  const constant = /^\s*modelCommitment <== ([0-9]+);$/m.exec(readFileSync(artifactPath(model, "circuit"), "utf8"));
  if (constant && constant[1] !== record.modelCommitment) {
    throw new BuildArtifactError(`The build record of ${model} names commitment ${record.modelCommitment}, but its circuit computes ${constant[1]}. ${rebuild}`);
  }
  return record;
}

/**
 * The model commitment the build of `ir` recorded, once the record is checked against the spec at
 * `specPath` and the artifacts (readCircuitRecord) and against `ir` under the recorded circuit digest
 * (Poseidon of the commitment layout: no circuit is rendered); throws a BuildArtifactError naming the
 * rebuild otherwise. What `verify`, `serve`, `deploy` and the prover compare a proof's commitment with.
 */
export async function recordedModelCommitment(ir: ModelIR, specPath: string): Promise<bigint> {
  const record = readCircuitRecord(ir.name, specPath);
  const commitment = BigInt(record.modelCommitment);
  if ((await modelCommitmentForCircuit(ir, BigInt(record.circuitDigest))) !== commitment) throw staleBuildError(ir.name, specPath);
  return commitment;
}
