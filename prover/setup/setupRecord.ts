/**
 * setup.json, the record of what a model's keys were made from (a development setup, a ceremony, or a
 * universal key over a ptau). Written by the build and by `ceremony finalize`; read by deploy,
 * verify-deployment and `ceremony init`. Its paths (the ceremony folder, the ptau) are stored relative
 * to the file, so a build folder can move; in memory they are absolute. This module is the one place
 * that converts them.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { artifactPath, recordedPath, resolveRecordedPath } from "../artifacts/paths.js";

export interface SetupRecord {
  setup: string;
  contributions: number;
  transcript?: string;
  zkeySha256: string;
  ptau: { source: string; power: number; path?: string; blake2b?: string };
  /** PLONK and FFLONK ("universal" setups): which of the two. */
  system?: string;
  [field: string]: unknown;
}

/** The model's setup.json with its paths resolved, or undefined when there is none (or it is not JSON). */
export function readSetupRecord(model: string): SetupRecord | undefined {
  const file = artifactPath(model, "setupInfo");
  if (!existsSync(file)) return undefined;
  let record: SetupRecord;
  try {
    record = JSON.parse(readFileSync(file, "utf8")) as SetupRecord;
  } catch {
    return undefined;
  }
  return mapPaths(record, (p) => resolveRecordedPath(file, p));
}

/** Writes the model's setup.json, its paths relative to the file. */
export function writeSetupRecord(model: string, record: SetupRecord): void {
  const file = artifactPath(model, "setupInfo");
  writeFileSync(
    file,
    `${JSON.stringify(
      mapPaths(record, (p) => recordedPath(file, p)),
      null,
      2,
    )}\n`,
  );
}

function mapPaths(record: SetupRecord, f: (path: string) => string): SetupRecord {
  return {
    ...record,
    ...(record.transcript ? { transcript: f(record.transcript) } : {}),
    ...(record.ptau ? { ptau: { ...record.ptau, ...(record.ptau.path ? { path: f(record.ptau.path) } : {}) } } : {}),
  };
}
