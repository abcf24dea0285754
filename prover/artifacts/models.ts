/**
 * Finding a model's spec from what a user typed, and checking its build: the one spec-path resolver
 * and the one wording for a missing or stale build (it names the command that rebuilds that model).
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { ZkinferError } from "../errors.js";
import { artifactPath, type ArtifactKind } from "./paths.js";

/** A built artifact that is missing, or older than the spec it was built from. */
export class BuildArtifactError extends ZkinferError {
  override name = "BuildArtifactError";
}

/**
 * The spec.json a model argument names: a model folder (made by `zkinfer import`, or a bundled one
 * under models/) or a spec file. Throws saying what to give when there is none.
 */
export function resolveSpecPath(arg: string): string {
  if (!existsSync(arg)) throw new ZkinferError(`${arg} does not exist: give a model folder (from \`zkinfer import\`) or a spec.json.`);
  if (statSync(arg).isDirectory()) {
    const spec = join(arg, "spec.json");
    if (!existsSync(spec)) throw new ZkinferError(`${arg} has no spec.json: run \`zkinfer import <model> --calibrate <samples> --out ${arg}\` first.`);
    return resolve(spec);
  }
  return resolve(arg);
}

/** `zkinfer build <path>`, with the path as short as the working directory allows. */
export function buildCommand(specPath: string): string {
  const rel = relative(process.cwd(), specPath);
  return `zkinfer build ${rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : specPath}`;
}

/** The artifacts proving and verifying read. */
const PROVING_ARTIFACTS: readonly ArtifactKind[] = ["circuitInfo", "wasm", "zkey", "vkey"];

/** Throws a {@link BuildArtifactError} naming the rebuild command when one of `kinds` of `model` is missing. */
export function assertBuilt(model: string, specPath: string, kinds: readonly ArtifactKind[] = PROVING_ARTIFACTS): void {
  const missing = kinds.map((k) => artifactPath(model, k)).find((p) => !existsSync(p));
  if (missing !== undefined) {
    throw new BuildArtifactError(`Model ${model} is not built (no ${relative(process.cwd(), missing) || missing}). Run \`${buildCommand(specPath)}\` first.`);
  }
}

/** The error for a build whose model commitment is not the spec's (the spec changed since). */
export function staleBuildError(model: string, specPath: string): BuildArtifactError {
  return new BuildArtifactError(`The build of ${model} is stale (its model commitment differs from the spec's). Run \`${buildCommand(specPath)}\`.`);
}
