/**
 * The aggregated prover in Node: ./aggregate.ts with its artifacts read from the build directory.
 */
import { readFileSync } from "node:fs";
import { BuildArtifactError } from "../artifacts/models.js";
import { readCircuitRecord } from "../artifacts/circuitRecord.js";
import { artifactPath } from "../artifacts/paths.js";
import { aggregatedArtifactName } from "../circuit/aggregate.js";
import { readModelSpec } from "../model/spec.js";
import { AggregatedProver } from "./aggregate.js";

export * from "./aggregate.js";

/**
 * Loads the aggregated keys of size `n` built for `specPath` (`zkinfer build --aggregate n`); throws
 * when they are missing or stale (the spec, the circuit or its files changed since the build).
 *
 * @example
 * const prover = await loadAggregatedProver(bundledSpecPath("credit-score"), 16);
 */
export async function loadAggregatedProver(specPath: string, n: number): Promise<AggregatedProver> {
  const spec = readModelSpec(specPath);
  const name = aggregatedArtifactName(spec.name, n);
  // The model's own record and the aggregated one: both current, the same commitment.
  const model = readCircuitRecord(spec.name, specPath);
  const rebuild = `Run \`zkinfer build ${specPath} --aggregate ${n}\`.`;
  let record;
  try {
    record = readCircuitRecord(name, specPath);
  } catch (e) {
    if (e instanceof BuildArtifactError) throw new BuildArtifactError(`${e.message.replace(/ Run `[^`]*`\.$/, "")} ${rebuild}`);
    throw e;
  }
  if (record.modelCommitment !== model.modelCommitment) {
    throw new BuildArtifactError(`The aggregated build ${name} is stale (built for another model commitment). ${rebuild}`);
  }
  return AggregatedProver.fromArtifacts({
    spec,
    n,
    source: specPath,
    wasm: readFileSync(artifactPath(name, "wasm")),
    zkey: readFileSync(artifactPath(name, "zkey")),
    verificationKey: JSON.parse(readFileSync(artifactPath(name, "vkey"), "utf8")),
    circuitDigest: BigInt(model.circuitDigest),
  });
}
