/**
 * The model spec from a file (Node). The schema and its validation live in specSchema.ts, which has
 * no Node imports so the browser prover parses specs with the same code.
 */
import { readFileSync } from "node:fs";
import { SpecValidationError } from "../errors.js";
import { parseModelSpec, type ModelSpec } from "./specSchema.js";

export * from "./specSchema.js";

/** Reads and validates a spec file. */
export function readModelSpec(path: string): ModelSpec {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new SpecValidationError([{ path: "", message: `not valid JSON (${(cause as Error).message})` }], path);
  }
  return parseModelSpec(json, path);
}
